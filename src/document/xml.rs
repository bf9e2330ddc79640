//! The one XML layer of OFD parts, shared by the reader ([`ofd`](super::ofd)) and the writer
//! ([`ofd_write`](super::ofd_write)): a part read into a bounded tree of [`Element`]s, and the
//! pieces of XML text the writer writes.
//!
//! Reading is safe on hostile input: at most [`MAX_XML_SIZE`] bytes, [`MAX_XML_DEPTH`] levels,
//! [`MAX_XML_ELEMENTS`] elements and [`MAX_XML_ATTRIBUTES`] attributes per part (the reader's
//! public limits), no DOCTYPE, no entity beyond the predefined ones and character references.
//! Elements and attributes are named by local name (namespaces matched leniently); the root's
//! prefix and namespace are kept ([`Part`]), so that the verifier can report a namespace other
//! than [`OFD_NS`] and the writer can add elements with the prefix a part already uses. Every
//! element keeps the byte offsets of the end of its start tag and of its end tag, for edits in
//! place. Two decodings: [`read`], the verifier's (lenient: not UTF-8 is read lossily, and that
//! and an unexpected namespace are returned as tolerated quirks), and [`read_exact`], the
//! writer's (UTF-8 required; the text is returned, for editing).
//!
//! Writing: [`open_part`] (declaration and root element in the `ofd:` namespace), [`esc`]
//! (escaping) and [`num`] (numbers as OFD writes them).
//!
//! Owns XML text, the OFD namespace and prefixes; must not import the package reader, the
//! verification, or any of the writer (layout, placement, signing, zip). Its error is
//! [`XmlError`]: the reader and the writer each turn it into their own.

use super::ofd::{MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_SIZE, OFD_NS};
use quick_xml::events::{BytesStart, Event};

/// An XML part that is malformed or outside the limits.
#[derive(Debug)]
pub(crate) struct XmlError {
    /// Part path.
    pub(crate) path: String,
    /// Why.
    pub(crate) reason: String,
}

/// An element (names by local name; namespaces matched leniently).
#[derive(Clone, Debug, Default)]
pub(crate) struct Element {
    /// Local name.
    pub(crate) name: String,
    /// Attributes by local name (namespace declarations left out), values normalized.
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    /// The text directly inside, references resolved.
    pub(crate) text: String,
    /// Byte offset just after the start tag.
    pub(crate) start_end: usize,
    /// Byte offset of the end tag (`None` for an empty element).
    pub(crate) end_start: Option<usize>,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub(crate) fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The trimmed text of the first child `name`, if not empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
    /// Every descendant named `name`, depth first.
    pub(crate) fn descendants<'s>(&'s self, name: &str, out: &mut Vec<&'s Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

/// A part read: its root, and the root's prefix and namespace as written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Part {
    pub(crate) root: Element,
    /// The root's namespace prefix with its colon (`ofd:`), or empty.
    pub(crate) prefix: String,
    /// The namespace the root declares for its own prefix, if any.
    pub(crate) namespace: Option<String>,
}

/// Read a part as the verifier does: UTF-8 (a byte-order mark skipped), else lossily. Returns
/// the root and the quirks tolerated (not UTF-8; a root namespace other than [`OFD_NS`]).
pub(crate) fn read(path: &str, bytes: &[u8]) -> Result<(Element, Vec<String>), XmlError> {
    check_size(path, bytes)?;
    let mut tolerated = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            tolerated.push(format!("{path}: not UTF-8, read lossily"));
            String::from_utf8_lossy(bytes)
        }
    };
    let part = parse(path, &text)?;
    tolerated.extend(namespace_quirk(path, part.namespace.as_deref()));
    Ok((part.root, tolerated))
}

/// Read a part to edit it: UTF-8 required (a byte-order mark skipped). Returns the part and its
/// text; the offsets in the elements are into that text, byte-order mark included.
pub(crate) fn read_exact(path: &str, bytes: &[u8]) -> Result<(Part, String), XmlError> {
    check_size(path, bytes)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad(path, "not UTF-8".into()))?
        .to_string();
    Ok((parse(path, &text)?, text))
}

/// What a root namespace other than [`OFD_NS`] is, for the quirks tolerated.
fn namespace_quirk(path: &str, ns: Option<&str>) -> Option<String> {
    match ns {
        Some(OFD_NS) => None,
        Some("http://www.ofdspec.org") => Some(format!(
            "{path}: namespace http://www.ofdspec.org (without /2016)"
        )),
        Some(other) => Some(format!(
            "{path}: namespace {other:?}; elements matched by local name"
        )),
        None => Some(format!(
            "{path}: no namespace on the root; elements matched by local name"
        )),
    }
}

fn bad(path: &str, reason: String) -> XmlError {
    XmlError {
        path: path.to_string(),
        reason,
    }
}

fn check_size(path: &str, bytes: &[u8]) -> Result<(), XmlError> {
    if bytes.len() > MAX_XML_SIZE {
        return Err(bad(
            path,
            format!("{} bytes (at most {MAX_XML_SIZE} parsed)", bytes.len()),
        ));
    }
    Ok(())
}

fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

/// Counts the elements and attributes of one part against the limits.
struct Counts<'p> {
    path: &'p str,
    elements: usize,
    attributes: usize,
}

impl Counts<'_> {
    /// The element of start tag `e` (ending at byte `end`), and the namespace it declares
    /// for its own prefix.
    fn open(
        &mut self,
        e: &BytesStart<'_>,
        end: usize,
    ) -> Result<(Element, Option<String>), XmlError> {
        let path = self.path;
        self.elements += 1;
        if self.elements > MAX_XML_ELEMENTS {
            return Err(bad(
                path,
                format!("more than {MAX_XML_ELEMENTS} elements (the limit per XML part)"),
            ));
        }
        let qname = e.name();
        let qname = qname.as_ref();
        let prefix = qname.rsplit_once(':').map(|(p, _)| p);
        let mut el = Element {
            name: local(qname).to_string(),
            start_end: end,
            ..Element::default()
        };
        let mut ns: Option<String> = None;
        for a in e.attributes() {
            self.attributes += 1;
            if self.attributes > MAX_XML_ATTRIBUTES {
                return Err(bad(
                    path,
                    format!("more than {MAX_XML_ATTRIBUTES} attributes (the limit per XML part)"),
                ));
            }
            let a = a.map_err(|e| bad(path, e.to_string()))?;
            let key = a.key.as_ref();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| bad(path, e.to_string()))?
                .into_owned();
            if key == "xmlns" || key.starts_with("xmlns:") {
                if key.strip_prefix("xmlns:") == prefix {
                    ns = Some(value);
                }
                continue;
            }
            el.attrs.push((local(key).to_string(), value));
        }
        Ok((el, ns))
    }
}

/// Parse `text` (a byte-order mark skipped) within the limits; offsets are into `text`.
fn parse(path: &str, text: &str) -> Result<Part, XmlError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shift = text.len() - body.len();
    let mut reader = quick_xml::Reader::from_str(body);
    let mut counts = Counts {
        path,
        elements: 0,
        attributes: 0,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let (mut prefix, mut namespace) = (String::new(), None);
    let offset = |p: u64| {
        usize::try_from(p)
            .unwrap_or(usize::MAX)
            .saturating_add(shift)
    };
    loop {
        let before = offset(reader.buffer_position());
        let ev = reader
            .read_event()
            .map_err(|e| bad(path, format!("{e} at byte {}", reader.error_position())))?;
        let after = offset(reader.buffer_position());
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if matches!(ev, Event::Start(_)) && stack.len() >= MAX_XML_DEPTH {
                    return Err(bad(
                        path,
                        format!("elements nested deeper than {MAX_XML_DEPTH} levels"),
                    ));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(bad(path, "more than one root element".into()));
                }
                let (el, ns) = counts.open(e, after)?;
                if stack.is_empty() {
                    let qname = e.name();
                    prefix = match qname.as_ref().rsplit_once(':') {
                        Some((p, _)) => format!("{p}:"),
                        None => String::new(),
                    };
                    namespace = ns;
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(el);
                } else {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                }
            }
            Event::End(_) => {
                let mut el = stack
                    .pop()
                    .ok_or_else(|| bad(path, "unbalanced end tag".into()))?;
                el.end_start = Some(before);
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
                        .ok_or_else(|| bad(path, format!("undefined entity &{};", &*r)))?
                        .to_string(),
                    Err(e) => return Err(bad(path, e.to_string())),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(bad(path, "DOCTYPE declarations are not allowed".into()));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad(path, "unclosed elements at the end".into()));
    }
    let root = root.ok_or_else(|| bad(path, "no root element".into()))?;
    Ok(Part {
        root,
        prefix,
        namespace,
    })
}

/// The XML declaration that starts every part we write.
pub(crate) const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// The prefix new parts bind to [`OFD_NS`] (see [`open_part`]), with its colon.
pub(crate) const PREFIX: &str = "ofd:";

/// The start of a new part: [`XML_DECL`] and the start tag of its root `ofd:{root}`, binding
/// the `ofd:` prefix ([`PREFIX`]) to [`OFD_NS`], with `attrs` (each with its leading space).
pub(crate) fn open_part(root: &str, attrs: &str) -> String {
    format!("{XML_DECL}<ofd:{root} xmlns:ofd=\"{OFD_NS}\"{attrs}>")
}

/// XML-escape text or an attribute value.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as OFD writes it: up to 3 decimals, no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_decodings_share_the_limits() {
        let many = "<a>".to_string() + &"<b/>".repeat(MAX_XML_ELEMENTS) + "</a>";
        for e in [
            read("x.xml", many.as_bytes()).map(|_| ()),
            read_exact("x.xml", many.as_bytes()).map(|_| ()),
        ] {
            let e = e.expect_err("too many elements");
            assert!(e.reason.contains("elements (the limit"), "{}", e.reason);
        }
        let deep = "<a>".repeat(MAX_XML_DEPTH + 1) + &"</a>".repeat(MAX_XML_DEPTH + 1);
        let e = read_exact("x.xml", deep.as_bytes()).expect_err("too deep");
        assert!(e.reason.contains("nested deeper"), "{}", e.reason);
        let e = read_exact("x.xml", b"<a>\xff</a>").expect_err("not UTF-8");
        assert_eq!(e.reason, "not UTF-8");
        let (_, t) = read("x.xml", b"<a>\xff</a>").expect("read lossily");
        assert_eq!(t.len(), 2, "{t:?}");
    }

    #[test]
    fn namespace_and_prefix() {
        let x = br#"<o:OFD xmlns:o="http://www.ofdspec.org/2016" xmlns="z"><o:B/></o:OFD>"#;
        let (part, _) = read_exact("x.xml", x).expect("reads");
        assert_eq!(part.prefix, "o:");
        assert_eq!(part.namespace.as_deref(), Some(OFD_NS));
        assert!(read("x.xml", x).expect("reads").1.is_empty());
        let (part, _) = read_exact("x.xml", br#"<OFD xmlns="z"/>"#).expect("reads");
        assert_eq!(
            (part.prefix.as_str(), part.namespace.as_deref()),
            ("", Some("z"))
        );
        assert_eq!(
            open_part("Res", &format!(" BaseLoc=\"{}\"", esc("a&<\"'>"))),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Res \
             xmlns:ofd=\"http://www.ofdspec.org/2016\" BaseLoc=\"a&amp;&lt;&quot;&apos;&gt;\">"
        );
    }
}
