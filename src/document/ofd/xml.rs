//! A bounded XML reader for OFD parts: size, depth and element/attribute counts are capped,
//! no entity beyond the predefined ones is resolved, no DOCTYPE is accepted; names are matched
//! by local name (namespaces leniently).

use super::{MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_SIZE, OFD_NS, OfdError};

/// A parsed XML element (names by local name; namespaces matched leniently).
#[derive(Clone, Debug, Default)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) children: Vec<Element>,
    pub(super) text: String,
}

impl Element {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub(super) fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub(super) fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

/// Parse an XML part within the limits; returns the root element and tolerated quirks.
pub(super) fn parse_xml(path: &str, bytes: &[u8]) -> Result<(Element, Vec<String>), OfdError> {
    use quick_xml::events::Event;
    let bad = |reason: String| OfdError::BadXml {
        path: path.to_string(),
        reason,
    };
    let mut tolerated = Vec::new();
    if bytes.len() > MAX_XML_SIZE {
        return Err(bad(format!(
            "{} bytes (at most {MAX_XML_SIZE} parsed)",
            bytes.len()
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            tolerated.push(format!("{path}: not UTF-8, read lossily"));
            String::from_utf8_lossy(bytes)
        }
    };
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let (mut elements, mut attributes) = (0usize, 0usize);
    let mut open = |e: &quick_xml::events::BytesStart<'_>,
                    tolerated: &mut Vec<String>,
                    is_root: bool|
     -> Result<Element, OfdError> {
        elements += 1;
        if elements > MAX_XML_ELEMENTS {
            return Err(bad(format!(
                "more than {MAX_XML_ELEMENTS} elements (the limit per XML part)"
            )));
        }
        let qname = e.name();
        let qname = qname.as_ref();
        let prefix = qname.rsplit_once(':').map(|(p, _)| p);
        let mut el = Element {
            name: local(qname).to_string(),
            ..Element::default()
        };
        let mut ns: Option<String> = None;
        for a in e.attributes() {
            attributes += 1;
            if attributes > MAX_XML_ATTRIBUTES {
                return Err(bad(format!(
                    "more than {MAX_XML_ATTRIBUTES} attributes (the limit per XML part)"
                )));
            }
            let a = a.map_err(|e| bad(e.to_string()))?;
            let key = a.key.as_ref();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| bad(e.to_string()))?
                .into_owned();
            if key == "xmlns" || key.starts_with("xmlns:") {
                let p = key.strip_prefix("xmlns:");
                if p == prefix {
                    ns = Some(value);
                }
                continue;
            }
            el.attrs.push((local(key).to_string(), value));
        }
        if is_root {
            match ns.as_deref() {
                Some(OFD_NS) => {}
                Some("http://www.ofdspec.org") => tolerated.push(format!(
                    "{path}: namespace http://www.ofdspec.org (without /2016)"
                )),
                Some(other) => tolerated.push(format!(
                    "{path}: namespace {other:?}; elements matched by local name"
                )),
                None => tolerated.push(format!(
                    "{path}: no namespace on the root; elements matched by local name"
                )),
            }
        }
        Ok(el)
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| bad(format!("{e} at byte {}", reader.error_position())))?;
        match ev {
            Event::Start(e) => {
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(bad(format!(
                        "elements nested deeper than {MAX_XML_DEPTH} levels"
                    )));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(bad("more than one root element".into()));
                }
                let el = open(&e, &mut tolerated, stack.is_empty())?;
                stack.push(el);
            }
            Event::Empty(e) => {
                if root.is_some() && stack.is_empty() {
                    return Err(bad("more than one root element".into()));
                }
                let el = open(&e, &mut tolerated, stack.is_empty())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| bad("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved: String = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| bad(format!("undefined entity &{};", &*r)))?
                        .to_string(),
                    Err(e) => return Err(bad(e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(bad("DOCTYPE declarations are not allowed".into()));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("unclosed elements at the end".into()));
    }
    let root = root.ok_or_else(|| bad("no root element".into()))?;
    Ok((root, tolerated))
}

#[cfg(test)]
mod tests {
    use super::*;

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
