//! OFD XML: numbers as OFD writes them, escaping, and a bounded XML tree with byte spans
//! (for reading parts of a package within the reader's limits and editing them in place).
//!
//! Owns XML text handling; must not import the document model, placement, signing or the
//! zip writer.

use super::OfdWriteError;
use crate::document::ofd;

/// A number as OFD writes it: up to 3 decimals, no trailing zeros.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// XML-escape text or an attribute value.
pub(super) fn esc(s: &str) -> String {
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

pub(super) const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// Local name.
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) children: Vec<Node>,
    pub(super) text: String,
    /// Byte offset just after the start tag.
    pub(super) start_end: usize,
    /// Byte offset of the end tag (`None` for an empty element).
    pub(super) end_start: Option<usize>,
}

impl Node {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub(super) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub(super) fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Node> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub(super) fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
    /// Every descendant named `name`, depth first.
    pub(super) fn descendants<'s>(&'s self, name: &str, out: &mut Vec<&'s Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

pub(super) fn local(qname: &str) -> String {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l).to_string()
}

/// Parse an XML part (UTF-8, optional BOM) within the limits of the reader: no DOCTYPE, no
/// entities beyond the predefined ones, bounded depth. Returns the root and the text parsed
/// (offsets in the nodes are into that text).
pub(super) fn parse(path: &str, bytes: &[u8]) -> Result<(Node, String), OfdWriteError> {
    use quick_xml::events::Event;
    let bad = |reason: String| OfdWriteError::Part {
        path: path.to_string(),
        reason,
    };
    if bytes.len() > ofd::MAX_XML_SIZE {
        return Err(bad("too large to parse".into()));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad("not UTF-8".into()))?
        .to_string();
    // Offsets are kept into `text` as stored, byte-order mark included.
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let shift = text.len() - body.len();
    let mut reader = quick_xml::Reader::from_str(body);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let open = |e: &quick_xml::events::BytesStart<'_>, end: usize| -> Result<Node, OfdWriteError> {
        let mut n = Node {
            name: local(e.name().as_ref()),
            start_end: end,
            ..Node::default()
        };
        for a in e.attributes() {
            let a = a.map_err(|e| bad(e.to_string()))?;
            let key = a.key.as_ref();
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| bad(e.to_string()))?
                .into_owned();
            n.attrs.push((local(key), value));
        }
        Ok(n)
    };
    loop {
        let before = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .saturating_add(shift);
        let ev = reader.read_event().map_err(|e| bad(e.to_string()))?;
        let after = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .saturating_add(shift);
        match ev {
            Event::Start(e) => {
                if stack.len() >= ofd::MAX_XML_DEPTH {
                    return Err(bad("elements nested too deep".into()));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(bad("more than one root element".into()));
                }
                stack.push(open(&e, after)?);
            }
            Event::Empty(e) => {
                if root.is_some() && stack.is_empty() {
                    return Err(bad("more than one root element".into()));
                }
                let n = open(&e, after)?;
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                let mut n = stack
                    .pop()
                    .ok_or_else(|| bad("unbalanced end tag".into()))?;
                n.end_start = Some(before);
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
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
            Event::DocType(_) => return Err(bad("DOCTYPE declarations are not allowed".into())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("unclosed elements".into()));
    }
    let root = root.ok_or_else(|| bad("no root element".into()))?;
    Ok((root, text))
}

/// The namespace prefix (with its colon, or empty) of the root element as written.
pub(super) fn root_prefix(text: &str, root: &Node) -> String {
    let tag = &text[..root.start_end.min(text.len())];
    let Some(lt) = tag.rfind('<') else {
        return String::new();
    };
    let qname: String = tag[lt + 1..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    match qname.rsplit_once(':') {
        Some((p, _)) => format!("{p}:"),
        None => String::new(),
    }
}
