//! Minimal OFD writing (GB/T 33190-2016) and OFD sealing (§18).
//!
//! [`write_ofd`] lays out a small document — pages of text (fonts referenced by name, e.g.
//! `宋体`), PNG images and straight lines — as an OFD 1.0 package: `OFD.xml`,
//! `Doc_0/Document.xml`, `Doc_0/PublicRes.xml` (fonts), `Doc_0/DocumentRes.xml` (images, files
//! under `Doc_0/Res/`) and one `Doc_0/Pages/Page_N/Content.xml` per page.
//!
//! [`seal_ofd`] adds an e-seal signature to any OFD package (ours or a vendor's) as
//! `../shared/reference/ofd-signatures.md` §Signing says: the next signature id, SM3
//! References over every file except `Signatures.xml` and the new signature's own files,
//! `Signature.xml`, `SignedValue.dat` = SES_Signature over SM3(`Signature.xml`), `Seal.esl`.
//! Every existing file keeps its exact bytes; only `Signatures.xml` is updated, and `OFD.xml`
//! only when the package had no signatures at all (it then gains its `Signatures` reference).

use crate::crypto::Signer;
use crate::document::ofd::{self, OFD_NS, OfdError, Package, SM3_OID};
use crate::seal::format::Seal;
use crate::seal::service::{SealRecord, SealServiceError, TimestampFn, stamp};
use base64::Engine as _;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Seek, Write};

/// SM2-with-SM3 as SignatureMethod.
pub const SM2_SM3_OID: &str = "1.2.156.10197.1.501";
/// ecdsa-with-SHA256, the SignatureMethod of a P-256 signer.
pub const ECDSA_SHA256_OID: &str = "1.2.840.10045.4.3.2";
/// ProviderName written in `Signature.xml` and Creator in `OFD.xml`.
pub const PROVIDER: &str = "yinxin";

/// Errors writing or sealing an OFD package.
#[derive(Debug, thiserror::Error)]
pub enum OfdWriteError {
    /// The document to write is not acceptable (no pages, bad sizes, not a PNG …).
    #[error("invalid document: {0}")]
    Invalid(String),
    /// The package to seal cannot be read.
    #[error(transparent)]
    Read(#[from] OfdError),
    /// A part of the package to seal is malformed or missing what sealing needs.
    #[error("{path}: {reason}")]
    Part {
        /// Part path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The placement does not fit the document (no such page, keyword not found, page size
    /// unknown).
    #[error("placement: {0}")]
    Placement(String),
    /// A position that is not a finite number or puts the stamp (partly) off its page.
    #[error("placement: '{field}' {reason}")]
    Position {
        /// The parameter at fault (`x`, `y`, or `keyword` for a keyword's position).
        field: &'static str,
        /// Why, with the page's bounds.
        reason: String,
    },
    /// Stamping failed (seal not active, signer not allowed …).
    #[error(transparent)]
    Seal(#[from] SealServiceError),
    /// The seal DER cannot be read.
    #[error("the seal cannot be read: {0}")]
    SealFormat(#[from] crate::seal::format::SealError),
    /// Writing the zip failed.
    #[error("writing the zip: {0}")]
    Zip(String),
}

// ---------------------------------------------------------------------------------------------
// The document model
// ---------------------------------------------------------------------------------------------

/// A document to write.
#[derive(Clone, Debug, Default)]
pub struct NewDocument {
    /// Pages, in order (at least one).
    pub pages: Vec<NewPage>,
}

/// One page: size and content. Coordinates are millimetres from the page's top-left corner.
#[derive(Clone, Debug)]
pub struct NewPage {
    /// Width (mm).
    pub width_mm: f64,
    /// Height (mm).
    pub height_mm: f64,
    /// Content, drawn in order.
    pub items: Vec<Item>,
}

/// Something drawn on a page.
#[derive(Clone, Debug)]
pub enum Item {
    /// A line of text. `(x_mm, y_mm)` is the start of its baseline.
    Text {
        /// Left (mm).
        x_mm: f64,
        /// Baseline (mm from the top).
        y_mm: f64,
        /// Font size (mm).
        size_mm: f64,
        /// The text (one line).
        text: String,
        /// Font, by name (`SimSun`, `宋体`, `KaiTi` …): declared in `PublicRes.xml`, not
        /// embedded; the reader substitutes a font of that name.
        font_name: String,
    },
    /// A PNG image in the box `(x_mm, y_mm, w_mm, h_mm)`.
    Image {
        /// Left (mm).
        x_mm: f64,
        /// Top (mm).
        y_mm: f64,
        /// Width (mm).
        w_mm: f64,
        /// Height (mm).
        h_mm: f64,
        /// The PNG bytes.
        png: Vec<u8>,
    },
    /// A straight black line.
    Line {
        /// Start `(x, y)` (mm).
        from: (f64, f64),
        /// End `(x, y)` (mm).
        to: (f64, f64),
        /// Line width (mm).
        width_mm: f64,
    },
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A number as OFD writes it: up to 3 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// XML-escape text or an attribute value.
fn esc(s: &str) -> String {
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

/// Advance of one character at `size` (estimated): full width for CJK and other wide
/// characters, half for ASCII and other narrow ones.
fn advance(c: char, size: f64) -> f64 {
    if (c as u32) < 0x1100 {
        size * 0.5
    } else {
        size
    }
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn zip_time(unix: i64) -> zip::DateTime {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            zip::DateTime::from_date_and_time(
                u16::try_from(t.year()).ok()?,
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Zip `files` (OFD.xml first, then by name), deflated, into `out` (written once, entry by
/// entry: nothing but the deflate state is buffered); returns `out`.
fn write_zip<W: Write + Seek, D: AsRef<[u8]>>(
    files: &BTreeMap<String, D>,
    unix: i64,
    out: W,
) -> Result<W, OfdWriteError> {
    let zerr = |e: &dyn std::fmt::Display| OfdWriteError::Zip(e.to_string());
    let mut w = zip::ZipWriter::new(out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(unix));
    let order = files
        .iter()
        .filter(|(n, _)| n.as_str() == "OFD.xml")
        .chain(files.iter().filter(|(n, _)| n.as_str() != "OFD.xml"));
    for (name, data) in order {
        w.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        w.write_all(data.as_ref()).map_err(|e| zerr(&e))?;
    }
    w.finish().map_err(|e| zerr(&e))
}

fn check_finite(what: &str, values: &[f64]) -> Result<(), OfdWriteError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(OfdWriteError::Invalid(format!(
            "{what}: a coordinate is not a finite number"
        )))
    }
}

fn check_positive(what: &str, values: &[f64]) -> Result<(), OfdWriteError> {
    check_finite(what, values)?;
    if values.iter().all(|v| *v > 0.0) {
        Ok(())
    } else {
        Err(OfdWriteError::Invalid(format!(
            "{what}: sizes must be greater than 0"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Write `doc` as an OFD 1.0 package (zip bytes).
pub fn write_ofd(doc: &NewDocument) -> Result<Vec<u8>, OfdWriteError> {
    write_ofd_at(doc, crate::clock::now_secs())
}

/// [`write_ofd`] with the creation time given (Unix seconds).
pub fn write_ofd_at(doc: &NewDocument, now: i64) -> Result<Vec<u8>, OfdWriteError> {
    if doc.pages.is_empty() {
        return Err(OfdWriteError::Invalid(
            "a document needs at least one page".into(),
        ));
    }
    let mut next_id: u64 = 0;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // Fonts (by name, first use order) and images.
    let mut fonts: Vec<(String, u64)> = Vec::new();
    let mut media: Vec<(u64, String)> = Vec::new();
    // Allocate resource ids first.
    let mut page_bodies = Vec::with_capacity(doc.pages.len());
    let mut item_res: Vec<Vec<u64>> = Vec::new();
    for (pi, page) in doc.pages.iter().enumerate() {
        check_positive(&format!("page {pi}"), &[page.width_mm, page.height_mm])?;
        let mut res = Vec::with_capacity(page.items.len());
        for (ii, item) in page.items.iter().enumerate() {
            let what = format!("page {pi} item {ii}");
            match item {
                Item::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    font_name,
                } => {
                    check_finite(&what, &[*x_mm, *y_mm])?;
                    check_positive(&what, &[*size_mm])?;
                    if font_name.trim().is_empty() || font_name.chars().any(char::is_control) {
                        return Err(OfdWriteError::Invalid(format!("{what}: bad font name")));
                    }
                    if text.chars().any(char::is_control) {
                        return Err(OfdWriteError::Invalid(format!(
                            "{what}: control characters in the text (one line only)"
                        )));
                    }
                    let fid = match fonts.iter().find(|(n, _)| n == font_name) {
                        Some((_, fid)) => *fid,
                        None => {
                            let fid = id();
                            fonts.push((font_name.clone(), fid));
                            fid
                        }
                    };
                    res.push(fid);
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    png,
                } => {
                    check_finite(&what, &[*x_mm, *y_mm])?;
                    check_positive(&what, &[*w_mm, *h_mm])?;
                    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
                        return Err(OfdWriteError::Invalid(format!("{what}: not a PNG image")));
                    }
                    let mid = id();
                    let file = format!("Image_{mid}.png");
                    files.insert(format!("Doc_0/Res/{file}"), png.clone());
                    media.push((mid, file));
                    res.push(mid);
                }
                Item::Line { from, to, width_mm } => {
                    check_finite(&what, &[from.0, from.1, to.0, to.1])?;
                    check_positive(&what, &[*width_mm])?;
                    res.push(0);
                }
            }
        }
        item_res.push(res);
    }
    let page_ids: Vec<u64> = doc.pages.iter().map(|_| id()).collect();
    for (pi, page) in doc.pages.iter().enumerate() {
        let mut body = String::new();
        let layer_id = id();
        let _ = write!(body, "<ofd:Layer ID=\"{layer_id}\">");
        for (ii, item) in page.items.iter().enumerate() {
            let res = item_res[pi][ii];
            let oid = id();
            match item {
                Item::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    ..
                } => {
                    let s = *size_mm;
                    let adv: Vec<f64> = text.chars().map(|c| advance(c, s)).collect();
                    let width: f64 = adv.iter().sum::<f64>().max(s);
                    let delta = if adv.len() > 1 {
                        let d: Vec<String> = adv[..adv.len() - 1].iter().map(|a| num(*a)).collect();
                        format!(" DeltaX=\"{}\"", d.join(" "))
                    } else {
                        String::new()
                    };
                    let _ = write!(
                        body,
                        "<ofd:TextObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" Font=\"{res}\" Size=\"{}\">\
                         <ofd:FillColor Value=\"0 0 0\"/>\
                         <ofd:TextCode X=\"0\" Y=\"{}\"{delta}>{}</ofd:TextCode></ofd:TextObject>",
                        num(*x_mm),
                        num(y_mm - s),
                        num(width),
                        num(s * 1.25),
                        num(s),
                        num(s),
                        esc(text)
                    );
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    ..
                } => {
                    let _ = write!(
                        body,
                        "<ofd:ImageObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" CTM=\"{} 0 0 {} 0 0\" ResourceID=\"{res}\"/>",
                        num(*x_mm),
                        num(*y_mm),
                        num(*w_mm),
                        num(*h_mm),
                        num(*w_mm),
                        num(*h_mm)
                    );
                }
                Item::Line { from, to, width_mm } => {
                    let w = *width_mm;
                    let bx = from.0.min(to.0) - w;
                    let by = from.1.min(to.1) - w;
                    let bw = (from.0 - to.0).abs() + 2.0 * w;
                    let bh = (from.1 - to.1).abs() + 2.0 * w;
                    let _ = write!(
                        body,
                        "<ofd:PathObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" LineWidth=\"{}\" Stroke=\"true\" Fill=\"false\">\
                         <ofd:StrokeColor Value=\"0 0 0\"/>\
                         <ofd:AbbreviatedData>M {} {} L {} {}</ofd:AbbreviatedData></ofd:PathObject>",
                        num(bx),
                        num(by),
                        num(bw),
                        num(bh),
                        num(w),
                        num(from.0 - bx),
                        num(from.1 - by),
                        num(to.0 - bx),
                        num(to.1 - by)
                    );
                }
            }
        }
        body.push_str("</ofd:Layer>");
        page_bodies.push(format!(
            "{XML_DECL}<ofd:Page xmlns:ofd=\"{OFD_NS}\"><ofd:Area><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:Area>\
             <ofd:Content>{body}</ofd:Content></ofd:Page>",
            num(page.width_mm),
            num(page.height_mm)
        ));
    }
    let max_id = next_id;
    for (pi, body) in page_bodies.into_iter().enumerate() {
        files.insert(
            format!("Doc_0/Pages/Page_{pi}/Content.xml"),
            body.into_bytes(),
        );
    }
    // PublicRes.xml: fonts.
    let mut public = format!("{XML_DECL}<ofd:Res xmlns:ofd=\"{OFD_NS}\" BaseLoc=\"Res\">");
    if !fonts.is_empty() {
        public.push_str("<ofd:Fonts>");
        for (name, fid) in &fonts {
            let n = esc(name);
            let _ = write!(
                public,
                "<ofd:Font ID=\"{fid}\" FontName=\"{n}\" FamilyName=\"{n}\"/>"
            );
        }
        public.push_str("</ofd:Fonts>");
    }
    public.push_str("</ofd:Res>");
    files.insert("Doc_0/PublicRes.xml".into(), public.into_bytes());
    // DocumentRes.xml: images.
    let mut docres = format!("{XML_DECL}<ofd:Res xmlns:ofd=\"{OFD_NS}\" BaseLoc=\"Res\">");
    if !media.is_empty() {
        docres.push_str("<ofd:MultiMedias>");
        for (mid, file) in &media {
            let _ = write!(
                docres,
                "<ofd:MultiMedia ID=\"{mid}\" Type=\"Image\" Format=\"PNG\"><ofd:MediaFile>{file}</ofd:MediaFile></ofd:MultiMedia>"
            );
        }
        docres.push_str("</ofd:MultiMedias>");
    }
    docres.push_str("</ofd:Res>");
    files.insert("Doc_0/DocumentRes.xml".into(), docres.into_bytes());
    // Document.xml.
    let first = &doc.pages[0];
    let mut document = format!(
        "{XML_DECL}<ofd:Document xmlns:ofd=\"{OFD_NS}\"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>\
         <ofd:PageArea><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea>\
         <ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>\
         </ofd:CommonData><ofd:Pages>",
        num(first.width_mm),
        num(first.height_mm)
    );
    for (pi, pid) in page_ids.iter().enumerate() {
        let _ = write!(
            document,
            "<ofd:Page ID=\"{pid}\" BaseLoc=\"Pages/Page_{pi}/Content.xml\"/>"
        );
    }
    document.push_str("</ofd:Pages></ofd:Document>");
    files.insert("Doc_0/Document.xml".into(), document.into_bytes());
    // OFD.xml.
    let mut rnd = [0u8; 16];
    crate::crypto::random_bytes(&mut rnd).map_err(|e| OfdWriteError::Invalid(e.to_string()))?;
    let date = time::OffsetDateTime::from_unix_timestamp(now)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    let ofd_xml = format!(
        "{XML_DECL}<ofd:OFD xmlns:ofd=\"{OFD_NS}\" DocType=\"OFD\" Version=\"1.0\"><ofd:DocBody><ofd:DocInfo>\
         <ofd:DocID>{}</ofd:DocID><ofd:CreationDate>{:04}-{:02}-{:02}</ofd:CreationDate>\
         <ofd:Creator>{PROVIDER}</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion></ofd:DocInfo>\
         <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        hex::encode(rnd),
        date.year(),
        date.month() as u8,
        date.day(),
        env!("CARGO_PKG_VERSION")
    );
    files.insert("OFD.xml".into(), ofd_xml.into_bytes());
    Ok(write_zip(&files, now, std::io::Cursor::new(Vec::new()))?.into_inner())
}

// ---------------------------------------------------------------------------------------------
// A bounded XML tree with byte spans (for reading parts and editing them in place)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct Node {
    /// Local name.
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    /// Byte offset just after the start tag.
    start_end: usize,
    /// Byte offset of the end tag (`None` for an empty element).
    end_start: Option<usize>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Node> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
    /// Every descendant named `name`, depth first.
    fn descendants<'s>(&'s self, name: &str, out: &mut Vec<&'s Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

fn local(qname: &str) -> String {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l).to_string()
}

/// Parse an XML part (UTF-8, optional BOM) within the limits of the reader: no DOCTYPE, no
/// entities beyond the predefined ones, bounded depth. Returns the root and the text parsed
/// (offsets in the nodes are into that text).
fn parse(path: &str, bytes: &[u8]) -> Result<(Node, String), OfdWriteError> {
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
fn root_prefix(text: &str, root: &Node) -> String {
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

// ---------------------------------------------------------------------------------------------
// Sealing
// ---------------------------------------------------------------------------------------------

/// Where the stamp goes.
#[derive(Clone, Debug)]
pub enum Placement {
    /// On page `page` (0-based), the stamp's top-left corner at `(x_mm, y_mm)`.
    At {
        /// Page index, 0-based.
        page: usize,
        /// Left (mm).
        x_mm: f64,
        /// Top (mm).
        y_mm: f64,
    },
    /// Centred on the first text (a `TextCode`, pages in order) that contains this keyword.
    Keyword(String),
}

/// A page of the document: its object ID and content path.
struct PageRef {
    id: String,
    content: Option<String>,
}

/// The files of the package being signed: the package's own bytes borrowed, new and
/// changed files owned (no copy of the document is made).
type Files<'a> = BTreeMap<String, Cow<'a, [u8]>>;

/// A page box (`PhysicalBox`): left, top, width, height in mm.
#[derive(Clone, Copy, Debug)]
struct PageBox {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl PageBox {
    /// `x y w h`, all finite, with a positive width and height.
    fn parse(text: &str) -> Option<PageBox> {
        match numbers(text)[..] {
            [x, y, w, h] if [x, y, w, h].iter().all(|v| v.is_finite()) && w > 0.0 && h > 0.0 => {
                Some(PageBox { x, y, w, h })
            }
            _ => None,
        }
    }

    /// The box of an `Area` element's `PhysicalBox`, if it has a usable one.
    fn of_area(area: Option<&Node>) -> Option<PageBox> {
        area.and_then(|a| a.child_text("PhysicalBox"))
            .and_then(|t| PageBox::parse(&t))
    }
}

/// The size of page `page`: its own `Area/PhysicalBox`, else the document's default
/// (`CommonData/PageArea/PhysicalBox`); a placement error when neither gives one.
fn page_box(
    files: &Files<'_>,
    pages: &[PageRef],
    page: usize,
    default: Option<PageBox>,
) -> Result<PageBox, OfdWriteError> {
    let own = match pages.get(page).and_then(|p| p.content.as_ref()) {
        Some(path) => match files.get(path) {
            Some(bytes) => PageBox::of_area(parse(path, bytes)?.0.child("Area")),
            None => None,
        },
        None => None,
    };
    own.or(default).ok_or_else(|| {
        OfdWriteError::Placement(format!(
            "the size of page {} is unknown (no PhysicalBox in the page nor in the document's \
             PageArea), so a stamp cannot be placed on it",
            page + 1
        ))
    })
}

/// Check that a stamp `size` mm long at `pos` lies within `[lo, lo + extent]` along one axis.
fn within_page(
    field: &'static str,
    pos: f64,
    size: f64,
    lo: f64,
    extent: f64,
    page: usize,
    b: PageBox,
) -> Result<(), OfdWriteError> {
    if !pos.is_finite() {
        return Err(OfdWriteError::Position {
            field,
            reason: "is not a finite number".into(),
        });
    }
    let hi = lo + extent - size;
    // 1e308 as written, not as 309 digits.
    let shown = |v: f64| {
        if v.abs() < 1e6 {
            num(v)
        } else {
            format!("{v:e}")
        }
    };
    if pos < lo || pos > hi {
        let (side, dim) = if field == "x" {
            ("wide", "left edge")
        } else {
            ("high", "top edge")
        };
        return Err(OfdWriteError::Position {
            field,
            reason: format!(
                "= {} mm puts the {} mm {side} stamp (partly) off page {} ({} × {} mm): the \
                 stamp's {dim} must be from {} to {} mm",
                shown(pos),
                num(size),
                page + 1,
                num(b.w),
                num(b.h),
                num(lo),
                num(hi)
            ),
        });
    }
    Ok(())
}

fn part_err(path: &str, reason: impl Into<String>) -> OfdWriteError {
    OfdWriteError::Part {
        path: path.to_string(),
        reason: reason.into(),
    }
}

fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse::<f64>().ok())
        .collect()
}

/// The digits of an id like `3` or `s006`.
fn id_number(s: &str) -> Option<u64> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    d.parse().ok()
}

/// Find the keyword: (page index, centre x, centre y).
fn find_keyword(
    files: &Files<'_>,
    pages: &[PageRef],
    keyword: &str,
) -> Result<(usize, f64, f64), OfdWriteError> {
    if keyword.is_empty() {
        return Err(OfdWriteError::Placement("an empty keyword".into()));
    }
    for (pi, page) in pages.iter().enumerate() {
        let Some(path) = &page.content else { continue };
        let Some(bytes) = files.get(path) else {
            continue;
        };
        let (root, _) = parse(path, bytes)?;
        let mut objects = Vec::new();
        root.descendants("TextObject", &mut objects);
        for obj in objects {
            let b = numbers(obj.attr("Boundary").unwrap_or_default());
            let (bx, by) = (
                b.first().copied().unwrap_or(0.0),
                b.get(1).copied().unwrap_or(0.0),
            );
            let size = obj
                .attr("Size")
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(3.5);
            for code in obj.children_named("TextCode") {
                let Some(pos) = code.text.find(keyword) else {
                    continue;
                };
                let x = code
                    .attr("X")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(0.0);
                let y = code
                    .attr("Y")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(size);
                let deltas = numbers(code.attr("DeltaX").unwrap_or_default());
                let explicit =
                    !deltas.is_empty() && !code.attr("DeltaX").unwrap_or_default().contains('g');
                let adv = |i: usize, c: char| {
                    if explicit {
                        deltas.get(i).copied().unwrap_or_else(|| advance(c, size))
                    } else {
                        advance(c, size)
                    }
                };
                let before = code.text[..pos].chars().count();
                let mut start = 0.0;
                let mut width = 0.0;
                for (i, c) in code.text.chars().enumerate() {
                    if i < before {
                        start += adv(i, c);
                    } else if i < before + keyword.chars().count() {
                        width += advance(c, size);
                    }
                }
                return Ok((pi, bx + x + start + width / 2.0, by + y - size * 0.35));
            }
        }
    }
    Err(OfdWriteError::Placement(format!(
        "the keyword {keyword:?} is not in the text of any page"
    )))
}

/// The `StampAnnot` and `Seal` elements of a seal's Signature.xml: the stamp's size from the
/// seal picture, its place from `placement`, bounded to the page: an explicit position must put
/// the whole stamp on the page (else [`OfdWriteError::Position`] naming `x` or `y`); a stamp
/// centred on a keyword is moved onto the page when the keyword is near an edge.
fn stamp_annot(
    files: &Files<'_>,
    pages: &[PageRef],
    doc_path: &str,
    default_box: Option<PageBox>,
    seal: &SealRecord,
    placement: &Placement,
) -> Result<String, OfdWriteError> {
    let parsed_seal = Seal::from_der(&seal.der)?;
    let (w, h) = (
        parsed_seal.picture.width_mm as f64,
        parsed_seal.picture.height_mm as f64,
    );
    if !(w > 0.0 && h > 0.0) {
        return Err(OfdWriteError::Placement(format!(
            "the seal picture is {w}×{h} mm"
        )));
    }
    let (page_index, keyword_centre) = match &placement {
        Placement::At { page, .. } => (*page, None),
        Placement::Keyword(k) => {
            let (p, cx, cy) = find_keyword(files, pages, k)?;
            (p, Some((cx, cy)))
        }
    };
    let page = pages.get(page_index).ok_or_else(|| {
        OfdWriteError::Placement(format!(
            "page {} does not exist (the document has {} pages)",
            page_index.saturating_add(1),
            pages.len()
        ))
    })?;
    if page.id.trim().is_empty() {
        return Err(part_err(doc_path, format!("page {page_index} has no ID")));
    }
    let b = page_box(files, pages, page_index, default_box)?;
    if w > b.w || h > b.h {
        return Err(OfdWriteError::Placement(format!(
            "the stamp ({} × {} mm) is larger than page {} ({} × {} mm)",
            num(w),
            num(h),
            page_index + 1,
            num(b.w),
            num(b.h)
        )));
    }
    let (x, y) = match (&placement, keyword_centre) {
        (Placement::At { x_mm, y_mm, .. }, _) => {
            within_page("x", *x_mm, w, b.x, b.w, page_index, b)?;
            within_page("y", *y_mm, h, b.y, b.h, page_index, b)?;
            (*x_mm, *y_mm)
        }
        (Placement::Keyword(_), None) => {
            return Err(OfdWriteError::Placement("the keyword was not found".into()));
        }
        (Placement::Keyword(_), Some((cx, cy))) => {
            if !(cx.is_finite() && cy.is_finite()) {
                return Err(OfdWriteError::Position {
                    field: "keyword",
                    reason: "is at a position that is not a finite number".into(),
                });
            }
            // Centred on the keyword, moved onto the page if it would stick out.
            (
                (cx - w / 2.0).clamp(b.x, b.x + b.w - w),
                (cy - h / 2.0).clamp(b.y, b.y + b.h - h),
            )
        }
    };
    Ok(format!(
        "<ofd:StampAnnot ID=\"1\" PageRef=\"{}\" Boundary=\"{} {} {} {}\"/>",
        esc(page.id.trim()),
        num(x),
        num(y),
        num(w),
        num(h),
    ))
}

/// Seal (stamp) an OFD package: a new e-seal signature made with `seal` by `signer`
/// (`signer_cert` must be in the seal's certList) at `placement`, signed at `now` (Unix
/// seconds), with a timestamp over the signature value when `timestamp` gives one.
/// Returns the new package; every existing file keeps its exact bytes except
/// `Signatures.xml` and, for the first signature of a package, `OFD.xml`.
pub fn seal_ofd(
    pkg: &[u8],
    seal: &SealRecord,
    signer: &dyn Signer,
    signer_cert: &[u8],
    placement: Placement,
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, OfdWriteError> {
    let package = Package::from_bytes(pkg)?;
    let out = seal_package(
        &package,
        seal,
        signer,
        signer_cert,
        placement,
        now,
        timestamp,
        std::io::Cursor::new(Vec::new()),
    )?;
    Ok(out.into_inner())
}

/// [`seal_ofd`] of a package already read, written to `out` (e.g. a temporary file, so that
/// the sealed package is never held in memory; the package's files are not copied either).
/// Returns `out`.
#[allow(clippy::too_many_arguments)]
pub fn seal_package<W: Write + Seek>(
    package: &Package,
    seal: &SealRecord,
    signer: &dyn Signer,
    signer_cert: &[u8],
    placement: Placement,
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
    out: W,
) -> Result<W, OfdWriteError> {
    add_signature(
        package,
        Mark::Seal(seal, placement),
        signer,
        signer_cert,
        now,
        timestamp,
        out,
    )
}

/// Sign an OFD package with a plain digital signature (Type="Sign", GB/T 33190 §18): the
/// SignedValue is a GB/T 35275 / RFC 5652 CMS SignedData, detached, with signed attributes
/// (content type, message digest, signingTime, ESS signingCertificateV2), over the exact bytes
/// of the new `Signature.xml`; `chain` (issuing CA certificates) is carried in it. No seal and
/// no stamp picture. Existing files keep their bytes as with [`seal_ofd`].
pub fn sign_ofd(
    pkg: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, OfdWriteError> {
    let package = Package::from_bytes(pkg)?;
    let out = add_signature(
        &package,
        Mark::Sign(chain),
        signer,
        signer_cert,
        now,
        timestamp,
        std::io::Cursor::new(Vec::new()),
    )?;
    Ok(out.into_inner())
}

/// What a new signature in a package is.
enum Mark<'a> {
    /// An e-seal (Type="Seal") placed on a page.
    Seal(&'a SealRecord, Placement),
    /// A CMS digital signature (Type="Sign") carrying these CA certificates.
    Sign(&'a [Vec<u8>]),
}

fn add_signature<W: Write + Seek>(
    package: &Package,
    mark: Mark<'_>,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
    out: W,
) -> Result<W, OfdWriteError> {
    let mut files: Files<'_> = package
        .names()
        .filter_map(|n| package.get(n).map(|b| (n.to_string(), Cow::Borrowed(b))))
        .collect();
    // OFD.xml → DocRoot (and Signatures, if any) of the first DocBody.
    let ofd_bytes = package
        .get("OFD.xml")
        .ok_or_else(|| OfdError::MissingPart("OFD.xml".into()))?;
    let (ofd_root, ofd_text) = parse("OFD.xml", ofd_bytes)?;
    let body = ofd_root
        .child("DocBody")
        .ok_or_else(|| part_err("OFD.xml", "no DocBody"))?;
    let doc_loc = body
        .child_text("DocRoot")
        .ok_or_else(|| part_err("OFD.xml", "no DocRoot"))?;
    let doc_path = package
        .resolve("OFD.xml", &doc_loc)
        .filter(|p| files.contains_key(p))
        .ok_or_else(|| OfdError::MissingPart(format!("{doc_loc} (DocRoot)")))?;
    let doc_dir = doc_path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let in_doc = |name: &str| {
        if doc_dir.is_empty() {
            name.to_string()
        } else {
            format!("{doc_dir}/{name}")
        }
    };
    // Pages.
    let (doc_root, _) = parse(&doc_path, &files[&doc_path])?;
    let pages: Vec<PageRef> = doc_root
        .child("Pages")
        .map(|p| {
            p.children_named("Page")
                .map(|pg| PageRef {
                    id: pg.attr("ID").unwrap_or_default().to_string(),
                    content: pg
                        .attr("BaseLoc")
                        .and_then(|l| package.resolve(&doc_path, l))
                        .filter(|l| files.contains_key(l)),
                })
                .collect()
        })
        .unwrap_or_default();
    // The stamp's size and place (seals only), within the page.
    let stamp_xml = match &mark {
        Mark::Sign(_) => String::new(),
        Mark::Seal(seal, placement) => {
            let default_box = PageBox::of_area(
                doc_root
                    .child("CommonData")
                    .and_then(|c| c.child("PageArea")),
            );
            stamp_annot(&files, &pages, &doc_path, default_box, seal, placement)?
        }
    };
    // Signatures.xml: where, and what is in it.
    let (sigs_path, ofd_new) = match body.child_text("Signatures") {
        Some(loc) => {
            let p = package.resolve("OFD.xml", &loc).ok_or_else(|| {
                part_err("OFD.xml", format!("Signatures {loc:?} leaves the package"))
            })?;
            (p, None)
        }
        None => {
            let p = in_doc("Signs/Signatures.xml");
            // Insert the reference at the end of the first DocBody.
            let at = body
                .end_start
                .ok_or_else(|| part_err("OFD.xml", "an empty DocBody"))?;
            let prefix = root_prefix(&ofd_text, &ofd_root);
            let mut t = ofd_text.clone();
            t.insert_str(
                at,
                &format!("<{prefix}Signatures>{}</{prefix}Signatures>", esc(&p)),
            );
            (p, Some(t.into_bytes()))
        }
    };
    // A signature that protects Signatures.xml itself declared itself the last one: adding
    // another would invalidate it, so refuse rather than silently break it.
    if let Ok((entries, _)) = ofd::signature_entries(package) {
        for e in entries {
            let Some(sp) = package.resolve(&e.signatures_xml, &e.base_loc) else {
                continue;
            };
            let Some(x) = package
                .get(&sp)
                .and_then(|b| ofd::parse_signature_xml(&sp, b).ok())
            else {
                continue;
            };
            if x.references
                .iter()
                .any(|r| package.resolve(&sp, &r.file_ref).as_deref() == Some(sigs_path.as_str()))
            {
                return Err(part_err(
                    &sigs_path,
                    format!(
                        "signature {} ({sp}) protects this file, so a new signature would invalidate it",
                        e.id
                    ),
                ));
            }
        }
    }
    let sigs_dir = sigs_path
        .rsplit_once('/')
        .map_or("", |(d, _)| d)
        .to_string();
    let existing = match files.get(&sigs_path) {
        Some(b) => Some(parse(&sigs_path, b)?),
        None => None,
    };
    let mut max_id = 0u64;
    if let Some((root, _)) = &existing {
        if let Some(m) = root.child_text("MaxSignId").and_then(|m| id_number(&m)) {
            max_id = max_id.max(m);
        }
        for s in root.children_named("Signature") {
            if let Some(n) = s.attr("ID").and_then(id_number) {
                max_id = max_id.max(n);
            }
        }
    }
    let sign_id = max_id + 1;
    let mut k = 0usize;
    let sign_dir = loop {
        let d = if sigs_dir.is_empty() {
            format!("Sign_{k}")
        } else {
            format!("{sigs_dir}/Sign_{k}")
        };
        let prefix = format!("{d}/");
        if !files.keys().any(|n| n.starts_with(&prefix)) {
            break d;
        }
        k += 1;
    };
    if let Some(b) = ofd_new {
        files.insert("OFD.xml".into(), Cow::Owned(b));
    }
    // References: every file but Signatures.xml (this signature's files are not there yet).
    let mut refs = String::new();
    for (name, data) in &files {
        if *name == sigs_path {
            continue;
        }
        let _ = write!(
            refs,
            "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
            esc(name),
            base64::engine::general_purpose::STANDARD.encode(crate::crypto::sm3(data))
        );
    }
    let when = time::OffsetDateTime::from_unix_timestamp(now)
        .map_err(|e| OfdWriteError::Invalid(format!("signing time: {e}")))?;
    let sig_path = format!("{sign_dir}/Signature.xml");
    let value_path = format!("{sign_dir}/SignedValue.dat");
    let seal_path = format!("{sign_dir}/Seal.esl");
    let seal_xml = match &mark {
        Mark::Seal(..) => format!(
            "<ofd:Seal><ofd:BaseLoc>/{}</ofd:BaseLoc></ofd:Seal>",
            esc(&seal_path)
        ),
        Mark::Sign(_) => String::new(),
    };
    let method = match signer.algorithm() {
        crate::crypto::Algorithm::Sm2 => SM2_SM3_OID,
        _ => ECDSA_SHA256_OID,
    };
    let signature_xml = format!(
        "{XML_DECL}<ofd:Signature xmlns:ofd=\"{OFD_NS}\"><ofd:SignedInfo>\
         <ofd:Provider ProviderName=\"{PROVIDER}\" Version=\"{}\" Company=\"{PROVIDER}\"/>\
         <ofd:SignatureMethod>{method}</ofd:SignatureMethod>\
         <ofd:SignatureDateTime>{:04}{:02}{:02}{:02}{:02}{:02}Z</ofd:SignatureDateTime>\
         <ofd:References CheckMethod=\"{SM3_OID}\">{refs}</ofd:References>\
         {stamp_xml}{seal_xml}\
         </ofd:SignedInfo><ofd:SignedValue>/{}</ofd:SignedValue></ofd:Signature>",
        env!("CARGO_PKG_VERSION"),
        when.year(),
        when.month() as u8,
        when.day(),
        when.hour(),
        when.minute(),
        when.second(),
        esc(&value_path),
    )
    .into_bytes();
    let value = match &mark {
        Mark::Seal(seal, _) => stamp(
            seal,
            &crate::crypto::sm3(&signature_xml),
            &format!("/{sig_path}"),
            signer,
            signer_cert,
            now,
            timestamp,
        )?,
        Mark::Sign(chain) => crate::document::cms::sign_detached(
            &signature_xml,
            signer,
            signer_cert,
            chain,
            now,
            timestamp,
        )
        .map_err(|e| OfdWriteError::Invalid(format!("CMS signature: {e}")))?,
    };
    // Signatures.xml, new or with the new entry added in place.
    let entry = format!(
        "<{{p}}Signature ID=\"{sign_id}\" Type=\"{}\" BaseLoc=\"/{}\"/>",
        match mark {
            Mark::Seal(..) => "Seal",
            Mark::Sign(_) => "Sign",
        },
        esc(&sig_path)
    );
    let sigs_new = match &existing {
        None => format!(
            "{XML_DECL}<ofd:Signatures xmlns:ofd=\"{OFD_NS}\"><ofd:MaxSignId>{sign_id}</ofd:MaxSignId>{}</ofd:Signatures>",
            entry.replace("{p}", "ofd:")
        ),
        Some((root, text)) => {
            let p = root_prefix(text, root);
            let entry = entry.replace("{p}", &p);
            let end = root
                .end_start
                .ok_or_else(|| part_err(&sigs_path, "an empty Signatures element"))?;
            let mut t = text.clone();
            t.insert_str(end, &entry);
            // MaxSignId: replace its content, or add it first.
            match root
                .child("MaxSignId")
                .and_then(|m| m.end_start.map(|e| (m.start_end, e)))
            {
                Some((s, e)) if s <= e => t.replace_range(s..e, &sign_id.to_string()),
                _ => t.insert_str(
                    root.start_end,
                    &format!("<{p}MaxSignId>{sign_id}</{p}MaxSignId>"),
                ),
            }
            t
        }
    };
    files.insert(sigs_path, Cow::Owned(sigs_new.into_bytes()));
    files.insert(sig_path, Cow::Owned(signature_xml));
    files.insert(value_path, Cow::Owned(value));
    if let Mark::Seal(seal, _) = &mark {
        files.insert(seal_path, Cow::Borrowed(seal.der.as_slice()));
    }
    write_zip(&files, now, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(10.0), "10");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(id_number("s006"), Some(6));
    }

    #[test]
    fn spans_allow_in_place_edits() {
        let x = br#"<?xml version="1.0"?><a:S xmlns:a="x"><a:MaxSignId>1</a:MaxSignId><a:Signature ID="1"/></a:S>"#;
        let (root, text) = parse("s.xml", x)
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(root_prefix(&text, &root), "a:");
        let m = root.child("MaxSignId").cloned().unwrap_or_default();
        assert_eq!(m.end_start.map(|e| &text[m.start_end..e]), Some("1"));
        assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
        // With a byte-order mark the offsets still point into the text as stored.
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(x);
        let (root, text) = parse("s.xml", &b)
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(root.end_start.map(|e| &text[e..]), Some("</a:S>"));
        assert_eq!(root_prefix(&text, &root), "a:");
    }
}
