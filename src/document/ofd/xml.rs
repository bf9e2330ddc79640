//! How the verifier reads an XML part: [`parse_xml`] is the shared XML layer's lenient read
//! ([`crate::document::xml`]: bounded, no DOCTYPE, no entity beyond the predefined ones, names
//! by local name, namespaces matched leniently) with its errors as [`OfdError::BadXml`].
//!
//! Owns only that mapping; must not parse XML itself (the parser, the limits it applies and
//! the namespace quirks it reports are the shared layer's).

use super::OfdError;
pub(super) use crate::document::xml::Element;
use crate::document::xml::{XmlError, read};

/// Parse an XML part within the limits; returns the root element and tolerated quirks.
pub(super) fn parse_xml(path: &str, bytes: &[u8]) -> Result<(Element, Vec<String>), OfdError> {
    read(path, bytes).map_err(|XmlError { path, reason }| OfdError::BadXml { path, reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::ofd::{MAX_XML_ATTRIBUTES, MAX_XML_ELEMENTS};

    #[test]
    fn xml_limits() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(matches!(
            parse_xml("x.xml", deep.as_bytes()),
            Err(OfdError::BadXml { .. })
        ));
        let ent = br#"<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>"#;
        assert!(parse_xml("x.xml", ent).is_err());
        let ok = br#"<ofd:A xmlns:ofd="http://www.ofdspec.org"><ofd:B X="1">t&amp;&#x41;</ofd:B></ofd:A>"#;
        let (root, tol) = parse_xml("x.xml", ok)
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(root.child_text("B").as_deref(), Some("t&A"));
        assert_eq!(root.child("B").and_then(|b| b.attr("X")), Some("1"));
        assert_eq!(tol.len(), 1);
    }

    #[test]
    fn element_and_attribute_caps() {
        let many = "<a>".to_string() + &"<b/>".repeat(MAX_XML_ELEMENTS) + "</a>";
        let e = parse_xml("x.xml", many.as_bytes()).expect_err("too many elements");
        assert!(e.to_string().contains("elements (the limit"), "{e}");
        let fits = "<a>".to_string() + &"<b/>".repeat(MAX_XML_ELEMENTS - 1) + "</a>";
        assert!(parse_xml("x.xml", fits.as_bytes()).is_ok());
        let mut attrs = String::from("<a>");
        for i in 0..=MAX_XML_ATTRIBUTES / 1000 {
            attrs.push_str("<b");
            for j in 0..1000 {
                attrs.push_str(&format!(" a{i}_{j}=\"\""));
            }
            attrs.push_str("/>");
        }
        attrs.push_str("</a>");
        let e = parse_xml("x.xml", attrs.as_bytes()).expect_err("too many attributes");
        assert!(e.to_string().contains("attributes (the limit"), "{e}");
    }
}
