//! OFD packages (GB/T 33190-2016 §18): a bounded, traversal-safe reader of the zip package,
//! the signature parts (`OFD.xml` → `Signatures.xml` → `Signature.xml`) read with a bounded
//! XML parser that never resolves entities beyond the predefined ones, and verification of
//! every signature: each Reference's CheckValue over the exact bytes of the file it names,
//! then the SES_Signature (Type="Seal") with the raw `Signature.xml` bytes as its data, or the
//! GB/T 35275 CMS SignedData (Type="Sign") over them, each with chain validation.
//!
//! Vendor quirks are tolerated and reported (`tolerated`): junk before the zip, data
//! descriptors, the `http://www.ofdspec.org` namespace, Provider written as child elements,
//! `SM3` / `1.2.156.10197.1.401.2` check methods, `MaxSignId` like `s4`, `SignValue.dat`.

use crate::seal::service::{SealReport, VerifyOptions};
use crate::verify::report::{Indication, SubIndication};
use base64::Engine as _;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read as _;

/// At most this many zip entries.
pub const MAX_ENTRIES: usize = 10_000;
/// At most this many bytes uncompressed, all entries together (256 MiB).
pub const MAX_TOTAL_SIZE: u64 = 256 * 1024 * 1024;
/// At most this many bytes uncompressed per entry (64 MiB).
pub const MAX_ENTRY_SIZE: u64 = 64 * 1024 * 1024;
/// At most this compression ratio per entry (uncompressed : compressed).
pub const MAX_RATIO: u64 = 100;
/// Entries up to this size (1 MiB) are not subject to the ratio limit: a tiny file of
/// repeated bytes legitimately compresses far better than 100:1 and cannot hurt.
pub const RATIO_FREE_SIZE: u64 = 1024 * 1024;
/// At most this many bytes per XML part parsed (8 MiB).
pub const MAX_XML_SIZE: usize = 8 * 1024 * 1024;
/// At most this element nesting depth in an XML part.
pub const MAX_XML_DEPTH: usize = 64;

/// The OFD namespace.
pub const OFD_NS: &str = "http://www.ofdspec.org/2016";
/// SM3 (GB/T 32905) as CheckMethod.
pub const SM3_OID: &str = "1.2.156.10197.1.401";
/// SHA-256 as CheckMethod.
pub const SHA256_OID: &str = "2.16.840.1.101.3.4.2.1";

/// Errors reading an OFD package.
#[derive(Debug, thiserror::Error)]
pub enum OfdError {
    /// Not a zip archive at all.
    #[error("not an OFD (zip) package: {0}")]
    NotZip(String),
    /// More entries than [`MAX_ENTRIES`].
    #[error("the package has {0} entries (at most {MAX_ENTRIES} allowed)")]
    TooManyEntries(u64),
    /// An entry or the whole package is too large uncompressed.
    #[error("too large: {0}")]
    TooLarge(String),
    /// An entry expands more than [`MAX_RATIO`]:1.
    #[error("entry {name} expands {ratio}:1 (at most {MAX_RATIO}:1 allowed): a zip bomb")]
    ZipBomb {
        /// Entry name.
        name: String,
        /// Ratio found (or claimed).
        ratio: u64,
    },
    /// An entry name that is not a safe relative path.
    #[error("entry name {name:?} is not a safe relative path: {reason}")]
    Traversal {
        /// Entry name as stored.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The same name twice.
    #[error("entry {0} appears more than once in the package")]
    Duplicate(String),
    /// An entry that cannot be read (encrypted, corrupt, unsupported compression …).
    #[error("entry {name} cannot be read: {reason}")]
    BadEntry {
        /// Entry name.
        name: String,
        /// Why.
        reason: String,
    },
    /// An XML part that is malformed or outside the limits.
    #[error("{path}: bad XML: {reason}")]
    BadXml {
        /// Part path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A part the package must have.
    #[error("missing part: {0}")]
    MissingPart(String),
}

// ---------------------------------------------------------------------------------------------
// The package
// ---------------------------------------------------------------------------------------------

/// An OFD zip package read safely from bytes: every file entry's exact bytes, by normalized
/// path (`Doc_0/Document.xml`, no leading `/`).
#[derive(Clone, Debug)]
pub struct Package {
    entries: BTreeMap<String, Vec<u8>>,
    tolerated: Vec<String>,
}

/// Validate and normalize a zip entry name (drops `.` and empty segments).
fn normalize_entry_name(name: &str) -> Result<String, OfdError> {
    let bad = |reason| OfdError::Traversal {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("empty name"));
    }
    if name.contains('\\') {
        return Err(bad("backslash in the name"));
    }
    if name.contains('\0') {
        return Err(bad("NUL in the name"));
    }
    if name.starts_with('/') {
        return Err(bad("absolute path"));
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Err(bad("drive letter"));
    }
    let mut parts = Vec::new();
    for seg in name.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(bad("`..` segment")),
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err(bad("no path segments"));
    }
    Ok(parts.join("/"))
}

/// Total-entries count of the end-of-central-directory record, when found (not zip64).
fn eocd_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    if bytes.len() < 22 {
        return None;
    }
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[from..];
    let pos = tail.windows(4).rposition(|w| w == EOCD)?;
    let rec = tail.get(pos..pos + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != 0xFFFF).then_some(u64::from(total))
}

/// The first name listed twice in the central directory starting at `start` (bounded walk).
fn duplicate_in_central_directory(bytes: &[u8], start: usize) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    let mut pos = start;
    for _ in 0..=MAX_ENTRIES {
        let rec = bytes.get(pos..pos.checked_add(46)?)?;
        if &rec[..4] != b"PK\x01\x02" {
            return None;
        }
        let le = |i: usize| usize::from(u16::from_le_bytes([rec[i], rec[i + 1]]));
        let (name_len, extra_len, comment_len) = (le(28), le(30), le(32));
        let name = bytes.get(pos + 46..pos + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        pos += 46 + name_len + extra_len + comment_len;
    }
    None
}

type Archive<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

impl Package {
    /// Read a package from bytes within the limits of this module.
    pub fn from_bytes(bytes: &[u8]) -> Result<Package, OfdError> {
        let mut tolerated = Vec::new();
        if let Some(n) = eocd_entry_count(bytes)
            && n > MAX_ENTRIES as u64
        {
            return Err(OfdError::TooManyEntries(n));
        }
        let mut zip_bytes = bytes;
        let mut archive: Archive<'_> = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            Ok(a) => a,
            Err(first) => {
                // Leading junk the zip reader could not skip: retry from the first local header.
                let start = bytes
                    .windows(4)
                    .position(|w| w == b"PK\x03\x04")
                    .filter(|&p| p > 0)
                    .ok_or_else(|| OfdError::NotZip(first.to_string()))?;
                let a = zip::ZipArchive::new(std::io::Cursor::new(&bytes[start..]))
                    .map_err(|_| OfdError::NotZip(first.to_string()))?;
                tolerated.push(format!(
                    "{start} junk bytes before the zip (read from the first local header)"
                ));
                zip_bytes = &bytes[start..];
                a
            }
        };
        if archive.offset() > 0 {
            tolerated.push(format!("{} junk bytes before the zip", archive.offset()));
        }
        let n = archive.len();
        if n > MAX_ENTRIES {
            return Err(OfdError::TooManyEntries(n as u64));
        }
        if archive.has_duplicate_names() {
            let dir = usize::try_from(archive.central_directory_start()).unwrap_or(usize::MAX);
            let offset = usize::try_from(archive.offset()).unwrap_or(0);
            let name = duplicate_in_central_directory(zip_bytes, dir)
                .or_else(|| duplicate_in_central_directory(zip_bytes, dir.saturating_add(offset)))
                .unwrap_or_else(|| "(a name)".into());
            return Err(OfdError::Duplicate(name));
        }
        // First pass over the central directory only: names and declared sizes.
        let meta = archive.metadata();
        let mut declared_total: u64 = 0;
        for i in 0..n {
            let e = meta.entry(i).map_err(|e| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: e.to_string(),
            })?;
            let raw_name = e.name().map_err(|err| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: err.to_string(),
            })?;
            normalize_entry_name(&raw_name)?;
            declared_total = declared_total.saturating_add(e.size());
        }
        if declared_total > MAX_TOTAL_SIZE {
            return Err(OfdError::TooLarge(format!(
                "the entries claim {declared_total} bytes uncompressed (at most {MAX_TOTAL_SIZE})"
            )));
        }
        let mut entries = BTreeMap::new();
        let mut total: u64 = 0;
        let mut descriptors = 0usize;
        for i in 0..n {
            let mut f = archive.by_index(i).map_err(|e| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: e.to_string(),
            })?;
            let raw_name = f
                .name()
                .map(|c| c.into_owned())
                .map_err(|e| OfdError::BadEntry {
                    name: format!("#{i}"),
                    reason: e.to_string(),
                })?;
            let name = normalize_entry_name(&raw_name)?;
            if raw_name.ends_with('/') {
                if f.size() > 0 {
                    return Err(OfdError::BadEntry {
                        name: raw_name,
                        reason: "a directory entry with data".into(),
                    });
                }
                continue;
            }
            if f.encrypted() {
                return Err(OfdError::BadEntry {
                    name,
                    reason: "the entry is encrypted".into(),
                });
            }
            if f.flags().is_using_data_descriptor() {
                descriptors += 1;
            }
            let declared = f.size();
            let compressed = f.compressed_size();
            if declared > MAX_ENTRY_SIZE {
                return Err(OfdError::TooLarge(format!(
                    "entry {name} is {declared} bytes uncompressed (at most {MAX_ENTRY_SIZE})"
                )));
            }
            if total.saturating_add(declared) > MAX_TOTAL_SIZE {
                return Err(OfdError::TooLarge(format!(
                    "the package is more than {MAX_TOTAL_SIZE} bytes uncompressed"
                )));
            }
            let ratio_cap = compressed.saturating_mul(MAX_RATIO).max(RATIO_FREE_SIZE);
            if declared > ratio_cap {
                return Err(OfdError::ZipBomb {
                    name,
                    ratio: declared / compressed.max(1),
                });
            }
            // Never trust the declared size: read at most one byte past every limit.
            let limit = MAX_ENTRY_SIZE.min(MAX_TOTAL_SIZE - total).min(ratio_cap);
            let mut buf = Vec::with_capacity(usize::try_from(declared.min(limit)).unwrap_or(0));
            (&mut f)
                .take(limit + 1)
                .read_to_end(&mut buf)
                .map_err(|e| OfdError::BadEntry {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            let got = buf.len() as u64;
            if got > limit {
                return Err(if got > ratio_cap {
                    OfdError::ZipBomb {
                        ratio: got / compressed.max(1),
                        name,
                    }
                } else if got > MAX_ENTRY_SIZE {
                    OfdError::TooLarge(format!(
                        "entry {name} is more than {MAX_ENTRY_SIZE} bytes uncompressed"
                    ))
                } else {
                    OfdError::TooLarge(format!(
                        "the package is more than {MAX_TOTAL_SIZE} bytes uncompressed"
                    ))
                });
            }
            if got != declared {
                return Err(OfdError::BadEntry {
                    name,
                    reason: format!("{got} bytes where the central directory says {declared}"),
                });
            }
            total += got;
            if entries.insert(name.clone(), buf).is_some() {
                return Err(OfdError::Duplicate(name));
            }
        }
        if descriptors > 0 {
            tolerated.push(format!(
                "data descriptors on {descriptors} entries (sizes from the central directory)"
            ));
        }
        Ok(Package { entries, tolerated })
    }

    /// The exact bytes of a file (`/Doc_0/x.xml` or `Doc_0/x.xml`).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.entries
            .get(path.trim_start_matches('/'))
            .map(Vec::as_slice)
    }

    /// Resolve a path found in the part `base_file`: absolute (`/Doc_0/...`, from the package
    /// root) or relative to `base_file`'s folder. `None` if it leaves the package root.
    pub fn resolve(&self, base_file: &str, path: &str) -> Option<String> {
        resolve_path(base_file, path)
    }

    /// The file names (normalized), sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Vendor quirks tolerated while reading the zip.
    pub fn tolerated(&self) -> &[String] {
        &self.tolerated
    }
}

/// See [`Package::resolve`].
fn resolve_path(base_file: &str, path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let path = path.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    if !path.starts_with('/') {
        let base = base_file.trim_start_matches('/');
        if let Some((dir, _)) = base.rsplit_once('/') {
            parts.extend(dir.split('/').filter(|s| !s.is_empty() && *s != "."));
        }
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

// ---------------------------------------------------------------------------------------------
// Bounded XML
// ---------------------------------------------------------------------------------------------

/// A parsed XML element (names by local name; namespaces matched leniently).
#[derive(Clone, Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

/// Parse an XML part within the limits; returns the root element and tolerated quirks.
fn parse_xml(path: &str, bytes: &[u8]) -> Result<(Element, Vec<String>), OfdError> {
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
    let open = |e: &quick_xml::events::BytesStart<'_>,
                tolerated: &mut Vec<String>,
                is_root: bool|
     -> Result<Element, OfdError> {
        let qname = e.name();
        let qname = qname.as_ref();
        let prefix = qname.rsplit_once(':').map(|(p, _)| p);
        let mut el = Element {
            name: local(qname).to_string(),
            ..Element::default()
        };
        let mut ns: Option<String> = None;
        for a in e.attributes() {
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

// ---------------------------------------------------------------------------------------------
// Signature parts
// ---------------------------------------------------------------------------------------------

/// One `ofd:Signature` entry of `Signatures.xml`.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureEntry {
    /// ID.
    pub id: String,
    /// Type: `Seal` (default) or `Sign`.
    pub kind: String,
    /// BaseLoc as written.
    pub base_loc: String,
    /// The `Signatures.xml` path it was listed in.
    pub signatures_xml: String,
}

/// The signature list of a package: every `Signatures.xml` named by a `DocBody` of `OFD.xml`,
/// with the quirks tolerated. An OFD without signatures gives an empty list.
pub fn signature_entries(pkg: &Package) -> Result<(Vec<SignatureEntry>, Vec<String>), OfdError> {
    let ofd = pkg
        .get("OFD.xml")
        .ok_or_else(|| OfdError::MissingPart("OFD.xml".into()))?;
    let (root, mut tolerated) = parse_xml("OFD.xml", ofd)?;
    let mut out = Vec::new();
    for body in root.children_named("DocBody") {
        let Some(loc) = body.child_text("Signatures") else {
            continue;
        };
        let path = pkg
            .resolve("OFD.xml", &loc)
            .ok_or_else(|| OfdError::BadXml {
                path: "OFD.xml".into(),
                reason: format!("Signatures path {loc:?} leaves the package"),
            })?;
        let bytes = pkg
            .get(&path)
            .ok_or_else(|| OfdError::MissingPart(path.clone()))?;
        let (sigs, t) = parse_xml(&path, bytes)?;
        tolerated.extend(t);
        if let Some(max) = sigs.child_text("MaxSignId")
            && max.parse::<u64>().is_err()
        {
            tolerated.push(format!("{path}: MaxSignId {max:?} is not a number"));
        }
        for s in sigs.children_named("Signature") {
            let base_loc = s
                .attr("BaseLoc")
                .map(str::to_string)
                .or_else(|| s.child_text("BaseLoc"))
                .unwrap_or_default();
            out.push(SignatureEntry {
                id: s.attr("ID").unwrap_or_default().to_string(),
                kind: s
                    .attr("Type")
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .unwrap_or("Seal")
                    .to_string(),
                base_loc,
                signatures_xml: path.clone(),
            });
        }
    }
    Ok((out, tolerated))
}

/// Provider of a signature.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Provider {
    /// ProviderName.
    pub name: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Company.
    pub company: Option<String>,
}

/// One protected file.
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    /// FileRef as written.
    pub file_ref: String,
    /// CheckMethod of its References element (None = SM3).
    pub check_method: Option<String>,
    /// CheckValue as written (base64).
    pub check_value: String,
}

/// A stamp appearance.
#[derive(Clone, Debug, Serialize)]
pub struct StampAnnot {
    /// ID.
    pub id: Option<String>,
    /// PageRef.
    pub page_ref: Option<String>,
    /// Boundary (`x y w h`, mm).
    pub boundary: Option<String>,
}

/// A parsed `Signature.xml`.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureXml {
    /// Provider.
    pub provider: Provider,
    /// SignatureMethod (OID text).
    pub signature_method: Option<String>,
    /// SignatureDateTime, as written (formats vary).
    pub signature_date_time: Option<String>,
    /// References.
    pub references: Vec<Reference>,
    /// StampAnnots.
    pub stamp_annots: Vec<StampAnnot>,
    /// Seal BaseLoc.
    pub seal_base_loc: Option<String>,
    /// SignedValue path as written.
    pub signed_value: Option<String>,
    /// Quirks tolerated.
    pub tolerated: Vec<String>,
}

/// Parse `Signature.xml` (at `path`, for messages).
pub fn parse_signature_xml(path: &str, bytes: &[u8]) -> Result<SignatureXml, OfdError> {
    let (root, mut tolerated) = parse_xml(path, bytes)?;
    let si = root.child("SignedInfo").ok_or_else(|| OfdError::BadXml {
        path: path.to_string(),
        reason: "no SignedInfo".into(),
    })?;
    let mut provider = Provider::default();
    if let Some(p) = si.child("Provider") {
        provider.name = p.attr("ProviderName").map(str::to_string);
        provider.version = p.attr("Version").map(str::to_string);
        provider.company = p.attr("Company").map(str::to_string);
        if provider.name.is_none() && p.child("ProviderName").is_some() {
            tolerated.push(format!("{path}: Provider written as child elements"));
            provider.name = p.child_text("ProviderName");
            provider.version = p.child_text("Version");
            provider.company = p.child_text("Company");
        }
    }
    let mut references = Vec::new();
    for refs in si.children_named("References") {
        let method = refs
            .attr("CheckMethod")
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty());
        for r in refs.children_named("Reference") {
            references.push(Reference {
                file_ref: r.attr("FileRef").unwrap_or_default().to_string(),
                check_method: method.clone(),
                check_value: r.child_text("CheckValue").unwrap_or_default(),
            });
        }
    }
    let stamp_annots = si
        .children_named("StampAnnot")
        .map(|a| StampAnnot {
            id: a.attr("ID").map(str::to_string),
            page_ref: a.attr("PageRef").map(str::to_string),
            boundary: a.attr("Boundary").map(str::to_string),
        })
        .collect();
    Ok(SignatureXml {
        provider,
        signature_method: si.child_text("SignatureMethod"),
        signature_date_time: si.child_text("SignatureDateTime"),
        references,
        stamp_annots,
        seal_base_loc: si.child("Seal").and_then(|s| s.child_text("BaseLoc")),
        signed_value: root.child_text("SignedValue"),
        tolerated,
    })
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// The check of one Reference.
#[derive(Clone, Debug, Serialize)]
pub struct ReferenceReport {
    /// The file (normalized package path; the FileRef as written if it cannot be resolved).
    pub file: String,
    /// Whether its hash matches the CheckValue.
    pub ok: bool,
    /// Detail.
    pub detail: String,
}

/// The verification of one signature of the package.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// ID in Signatures.xml.
    pub id: String,
    /// Type: `Seal` or `Sign`.
    pub kind: String,
    /// Path of its Signature.xml.
    pub signature_xml: String,
    /// This signature's indication: the worst of its references and its signed value.
    pub indication: Indication,
    /// Sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The outcome of the signed value alone (the seal report's indication, or INDETERMINATE
    /// for what is not verified).
    pub value_indication: Indication,
    /// Detail (what decided, what was not verified).
    pub detail: String,
    /// Provider, method, time as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<SignatureXml>,
    /// Every Reference.
    pub references: Vec<ReferenceReport>,
    /// Files whose Reference failed (changed after signing, or missing).
    pub failed_files: Vec<String>,
    /// The seal verification (Type="Seal").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal: Option<SealReport>,
    /// Quirks tolerated in this signature's parts.
    pub tolerated: Vec<String>,
}

/// The verification of an OFD package.
#[derive(Clone, Debug, Serialize)]
pub struct OfdReport {
    /// Worst of all signatures (INDETERMINATE when there are none).
    pub indication: Indication,
    /// Sub-indication of the deciding signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// Detail.
    pub detail: String,
    /// Each signature.
    pub signatures: Vec<SignatureReport>,
    /// Package-level quirks tolerated.
    pub tolerated: Vec<String>,
}

fn indication_name(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "TOTAL_PASSED",
        Indication::Indeterminate => "INDETERMINATE",
        Indication::TotalFailed => "TOTAL_FAILED",
    }
}

fn rank(i: Indication) -> u8 {
    match i {
        Indication::TotalPassed => 0,
        Indication::Indeterminate => 1,
        Indication::TotalFailed => 2,
    }
}

/// Hash with a CheckMethod; `None` if the method is not supported.
fn check_hash(method: Option<&str>, data: &[u8]) -> Option<Vec<u8>> {
    match method.map(str::trim) {
        None | Some("") => Some(crate::crypto::sm3(data).to_vec()),
        Some(m)
            if m == SM3_OID
                || m == "1.2.156.10197.1.401.1"
                || m == "1.2.156.10197.1.401.2"
                || m.eq_ignore_ascii_case("SM3") =>
        {
            Some(crate::crypto::sm3(data).to_vec())
        }
        Some(m)
            if m == SHA256_OID
                || m.eq_ignore_ascii_case("SHA256")
                || m.eq_ignore_ascii_case("SHA-256") =>
        {
            Some(crate::crypto::sha256(data).to_vec())
        }
        Some(_) => None,
    }
}

fn failed_report(e: &OfdError, tolerated: Vec<String>) -> OfdReport {
    OfdReport {
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        detail: e.to_string(),
        signatures: vec![],
        tolerated,
    }
}

/// Verify every signature of an OFD package given as bytes.
pub async fn verify(pkg_bytes: &[u8], opts: &VerifyOptions<'_>) -> OfdReport {
    match Package::from_bytes(pkg_bytes) {
        Ok(pkg) => verify_package(&pkg, opts).await,
        Err(e) => failed_report(&e, vec![]),
    }
}

/// Verify every signature of a package already read.
pub async fn verify_package(pkg: &Package, opts: &VerifyOptions<'_>) -> OfdReport {
    let mut tolerated = pkg.tolerated().to_vec();
    let entries = match signature_entries(pkg) {
        Ok((entries, t)) => {
            tolerated.extend(t);
            entries
        }
        Err(e) => return failed_report(&e, tolerated),
    };
    if entries.is_empty() {
        return OfdReport {
            indication: Indication::Indeterminate,
            sub_indication: None,
            detail: "the package has no signatures (no Signatures.xml or no Signature in it)"
                .into(),
            signatures: vec![],
            tolerated,
        };
    }
    let mut signatures = Vec::with_capacity(entries.len());
    for entry in &entries {
        signatures.push(verify_signature(pkg, entry, opts).await);
    }
    let mut indication = Indication::TotalPassed;
    let mut sub_indication = None;
    let mut detail = format!("{} signature(s) verified", signatures.len());
    for s in &signatures {
        if rank(s.indication) > rank(indication) {
            indication = s.indication;
            sub_indication = s.sub_indication;
            detail = format!("signature {} ({}): {}", s.id, s.kind, s.detail);
        }
    }
    OfdReport {
        indication,
        sub_indication,
        detail,
        signatures,
        tolerated,
    }
}

/// Find a part named from `base`: as resolved, else (tolerated) root-relative.
fn locate(
    pkg: &Package,
    base: &str,
    path: &str,
    tolerated: &mut Vec<String>,
) -> Result<String, String> {
    let resolved = pkg.resolve(base, path);
    if let Some(p) = &resolved
        && pkg.get(p).is_some()
    {
        return Ok(p.clone());
    }
    if !path.trim().starts_with('/')
        && let Some(p) = pkg.resolve("", path)
        && pkg.get(&p).is_some()
    {
        tolerated.push(format!(
            "{path:?} in {base} is relative to the package root, not to its folder"
        ));
        return Ok(p);
    }
    Err(resolved.unwrap_or_else(|| path.to_string()))
}

async fn verify_signature(
    pkg: &Package,
    entry: &SignatureEntry,
    opts: &VerifyOptions<'_>,
) -> SignatureReport {
    let mut r = SignatureReport {
        id: entry.id.clone(),
        kind: entry.kind.clone(),
        signature_xml: entry.base_loc.clone(),
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        value_indication: Indication::Indeterminate,
        detail: String::new(),
        info: None,
        references: vec![],
        failed_files: vec![],
        seal: None,
        tolerated: vec![],
    };
    // Signature.xml
    let sig_path = match locate(
        pkg,
        &entry.signatures_xml,
        &entry.base_loc,
        &mut r.tolerated,
    ) {
        Ok(p) => p,
        Err(p) => {
            r.signature_xml = p.clone();
            r.detail = format!("missing part: {p} (the signature's Signature.xml)");
            return r;
        }
    };
    r.signature_xml = sig_path.clone();
    let sig_bytes = pkg.get(&sig_path).unwrap_or_default();
    let info = match parse_signature_xml(&sig_path, sig_bytes) {
        Ok(i) => i,
        Err(e) => {
            r.detail = e.to_string();
            return r;
        }
    };
    r.tolerated.extend(info.tolerated.iter().cloned());
    // References.
    let mut refs_indication = Indication::TotalPassed;
    let mut noted_methods = Vec::new();
    for reference in &info.references {
        let m = reference.check_method.as_deref();
        if let Some(m) = m
            && m != SM3_OID
            && !noted_methods.iter().any(|n: &String| n == m)
        {
            noted_methods.push(m.to_string());
            if check_hash(Some(m), b"").is_some() && m != SHA256_OID {
                r.tolerated
                    .push(format!("CheckMethod {m:?} taken as {SM3_OID} (SM3)"));
            }
        }
        let (file, outcome) = check_reference(pkg, &sig_path, reference, &mut r.tolerated);
        let (ok, detail, ind) = match outcome {
            Ok(d) => (true, d, Indication::TotalPassed),
            Err((ind, d)) => (false, d, ind),
        };
        if ind == Indication::TotalFailed {
            r.failed_files.push(file.clone());
        }
        if rank(ind) > rank(refs_indication) {
            refs_indication = ind;
        }
        r.references.push(ReferenceReport { file, ok, detail });
    }
    let refs_ok = r.references.iter().filter(|x| x.ok).count();
    let refs_summary = format!("references {refs_ok}/{} ok", r.references.len());
    // The signed value.
    let (value_indication, value_sub, value_detail) =
        verify_value(pkg, entry, &sig_path, sig_bytes, &info, opts, &mut r).await;
    r.value_indication = value_indication;
    r.info = Some(info);
    if refs_indication == Indication::TotalFailed {
        r.indication = Indication::TotalFailed;
        // No HASH_FAILURE in SubIndication (report.rs is shared): a file whose hash does not
        // match its CheckValue is reported as SIG_CRYPTO_FAILURE.
        r.sub_indication = Some(SubIndication::SigCryptoFailure);
        r.detail = format!(
            "{refs_summary}; changed or missing after signing: {}; {value_detail}",
            r.failed_files.join(", ")
        );
    } else if rank(value_indication) >= rank(refs_indication) {
        r.indication = value_indication;
        r.sub_indication = value_sub;
        r.detail = format!("{refs_summary}; {value_detail}");
    } else {
        r.indication = refs_indication;
        r.sub_indication = None;
        r.detail = format!("{refs_summary} (some could not be checked); {value_detail}");
    }
    r
}

type RefOutcome = Result<String, (Indication, String)>;

fn check_reference(
    pkg: &Package,
    sig_path: &str,
    reference: &Reference,
    tolerated: &mut Vec<String>,
) -> (String, RefOutcome) {
    let path = match locate(pkg, sig_path, &reference.file_ref, tolerated) {
        Ok(p) => p,
        Err(p) => {
            let d = format!("{p} is missing from the package");
            return (p, Err((Indication::TotalFailed, d)));
        }
    };
    let data = pkg.get(&path).unwrap_or_default();
    let compact: String = reference
        .check_value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let expected = match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
        Ok(v) => v,
        Err(e) => {
            let d = format!("the CheckValue of {path} is not base64: {e}");
            return (path, Err((Indication::TotalFailed, d)));
        }
    };
    let Some(actual) = check_hash(reference.check_method.as_deref(), data) else {
        let d = format!(
            "CheckMethod {:?} is not supported; {path} not checked",
            reference.check_method.as_deref().unwrap_or_default()
        );
        return (path, Err((Indication::Indeterminate, d)));
    };
    if actual == expected {
        (path, Ok("hash matches the CheckValue".into()))
    } else {
        (
            path,
            Err((
                Indication::TotalFailed,
                "hash does not match the CheckValue: the file changed after signing".into(),
            )),
        )
    }
}

async fn verify_value(
    pkg: &Package,
    entry: &SignatureEntry,
    sig_path: &str,
    sig_bytes: &[u8],
    info: &SignatureXml,
    opts: &VerifyOptions<'_>,
    r: &mut SignatureReport,
) -> (Indication, Option<SubIndication>, String) {
    // Locate SignedValue (the element, else a SignedValue.dat / SignValue.dat beside).
    let mut value_path = info
        .signed_value
        .as_deref()
        .and_then(|v| locate(pkg, sig_path, v, &mut r.tolerated).ok());
    if value_path.is_none() {
        for name in ["SignedValue.dat", "SignValue.dat"] {
            if let Some(p) = pkg.resolve(sig_path, name)
                && pkg.get(&p).is_some()
            {
                r.tolerated.push(format!(
                    "signed value found as {p} (SignedValue {})",
                    info.signed_value
                        .as_deref()
                        .map_or("absent".to_string(), |v| format!("{v:?} missing"))
                ));
                value_path = Some(p);
                break;
            }
        }
    }
    let Some(value_path) = value_path else {
        return (
            Indication::TotalFailed,
            Some(SubIndication::FormatFailure),
            format!(
                "missing part: the SignedValue ({}) of {sig_path}",
                info.signed_value.as_deref().unwrap_or("not named")
            ),
        );
    };
    let value = pkg.get(&value_path).unwrap_or_default();
    match entry.kind.as_str() {
        "Seal" => {
            let o = VerifyOptions {
                data: Some(sig_bytes),
                ..opts.clone()
            };
            let seal = crate::seal::service::verify(value, &o).await;
            let deciding = seal
                .steps
                .iter()
                .filter(|st| st.outcome == "failed")
                .chain(seal.steps.iter().filter(|st| st.outcome == "indeterminate"))
                .next()
                .map(|st| format!(" at step {} ({})", st.name, st.detail))
                .unwrap_or_default();
            let out = (
                seal.indication,
                seal.sub_indication,
                format!(
                    "seal signature {value_path}: {}{deciding}",
                    indication_name(seal.indication)
                ),
            );
            r.seal = Some(seal);
            out
        }
        "Sign" => {
            // GB/T 35275 CMS over Signature.xml: detached with signed attributes, or the
            // vendor style carrying SM3(Signature.xml) as content (both handled by `cms`).
            let rep = crate::document::cms::verify_with_options(value, sig_bytes, opts).await;
            let sub = if rep.passed() {
                None
            } else {
                let name = serde_json::to_value(rep.sub_indication)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                Some(match name.as_str() {
                    "NO_CERTIFICATE_CHAIN_FOUND" | "NO_SIGNING_CERTIFICATE_FOUND" => {
                        SubIndication::NoCertificateChainFound
                    }
                    "REVOKED" => SubIndication::Revoked,
                    "EXPIRED" => SubIndication::Expired,
                    "NOT_YET_VALID" => SubIndication::NotYetValid,
                    "TRY_LATER" => SubIndication::TryLater,
                    "CHAIN_CONSTRAINTS_FAILURE" => SubIndication::ChainConstraintsFailure,
                    "CRYPTO_CONSTRAINTS_FAILURE" => SubIndication::CryptoConstraintsFailure,
                    "FORMAT_FAILURE" => SubIndication::FormatFailure,
                    // HASH_FAILURE and SIG_CRYPTO_FAILURE: the signed value does not match.
                    _ => SubIndication::SigCryptoFailure,
                })
            };
            r.tolerated.extend(rep.tolerated.iter().cloned());
            (
                rep.indication,
                sub,
                format!("CMS signature {value_path}: {}", rep.detail),
            )
        }
        other => (
            Indication::Indeterminate,
            None,
            format!("signature Type {other:?} is not known; its value is not verified"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(
            normalize_entry_name("Doc_0/./a.xml").ok().as_deref(),
            Some("Doc_0/a.xml")
        );
        for bad in ["../evil", "a/../../b", "/abs", "C:/x", "a\\b", ""] {
            assert!(normalize_entry_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolving() {
        assert_eq!(
            resolve_path("Doc_0/Signs/Signatures.xml", "Sign_0/Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(
            resolve_path("Doc_0/Signs/Signatures.xml", "/Doc_0/Document.xml").as_deref(),
            Some("Doc_0/Document.xml")
        );
        assert_eq!(
            resolve_path("OFD.xml", "Doc_0/Signs/Signatures.xml").as_deref(),
            Some("Doc_0/Signs/Signatures.xml")
        );
        assert_eq!(resolve_path("OFD.xml", "../x"), None);
    }

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
}
