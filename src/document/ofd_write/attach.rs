//! What a new document carries besides its pages (GB/T 33190-2016): custom data in `OFD.xml`'s
//! `DocInfo` (`<ofd:CustomDatas><ofd:CustomData Name="…">…</ofd:CustomData></ofd:CustomDatas>`,
//! the last child of `DocInfo`, §7.4) and attachments (§20: `Doc_0/Attachs/Attachments.xml`,
//! named by `<ofd:Attachments>` in `Document.xml`, each file beside it). A package sealed
//! afterwards protects both: the seal's References cover every file of the package, `OFD.xml`
//! and the attachments included.
//!
//! Owns these two parts' XML; must not import placement, sealing or signing.

use super::OfdWriteError;
use crate::document::xml::{esc, num, open_part};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The attachment list's path inside the package.
pub const ATTACHMENTS_XML: &str = "Doc_0/Attachs/Attachments.xml";
/// How `Document.xml` names it (relative to `Doc_0/`).
const ATTACHMENTS_LOC: &str = "Attachs/Attachments.xml";

/// A file attached to a new document (GB/T 33190 §20).
#[derive(Clone, Debug, Default)]
pub struct NewAttachment {
    /// `Name`: what a reader shows (e.g. `metadata`).
    pub name: String,
    /// `Format` (e.g. `json`, `xml`, `pdf`).
    pub format: String,
    /// The file's name in `Doc_0/Attachs/` (letters, digits, `.`, `-`, `_`; e.g.
    /// `metadata.json`).
    pub file_name: String,
    /// `Visible`: whether a reader lists it (`false` for data meant for programs).
    pub visible: bool,
    /// The file's bytes.
    pub data: Vec<u8>,
}

fn invalid(what: String) -> OfdWriteError {
    OfdWriteError::Invalid(what)
}

/// Text that XML carries unchanged: no control characters but line feeds and tabs (a carriage
/// return would be normalised away by any reader).
fn xml_safe(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Check the custom data and the attachments before anything is written.
pub(super) fn check(
    custom: &[(String, String)],
    atts: &[NewAttachment],
) -> Result<(), OfdWriteError> {
    let mut names = std::collections::HashSet::new();
    for (i, (name, value)) in custom.iter().enumerate() {
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(invalid(format!("custom data {i}: bad name")));
        }
        if !names.insert(name.as_str()) {
            return Err(invalid(format!("custom data {name:?} given twice")));
        }
        if !xml_safe(value) {
            return Err(invalid(format!(
                "custom data {name:?}: control characters in the value"
            )));
        }
    }
    let mut files = std::collections::HashSet::new();
    for (i, a) in atts.iter().enumerate() {
        let what = format!("attachment {i}");
        let f = &a.file_name;
        let safe = !f.is_empty()
            && f.len() <= 128
            && !f.starts_with('.')
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !safe || f.eq_ignore_ascii_case("Attachments.xml") {
            return Err(invalid(format!("{what}: bad file name {f:?}")));
        }
        if !files.insert(f.to_ascii_lowercase()) {
            return Err(invalid(format!("{what}: file name {f:?} used twice")));
        }
        for (field, v) in [("name", &a.name), ("format", &a.format)] {
            if v.trim().is_empty() || v.chars().any(char::is_control) {
                return Err(invalid(format!("{what}: bad {field}")));
            }
        }
    }
    Ok(())
}

/// `<ofd:CustomDatas>…</ofd:CustomDatas>` for `DocInfo`, or nothing when there is no custom
/// data.
pub(super) fn custom_datas_xml(custom: &[(String, String)]) -> String {
    if custom.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ofd:CustomDatas>");
    for (name, value) in custom {
        let _ = write!(
            out,
            "<ofd:CustomData Name=\"{}\">{}</ofd:CustomData>",
            esc(name),
            esc(value)
        );
    }
    out.push_str("</ofd:CustomDatas>");
    out
}

/// Add the attachment list and files to `files` (ids from `id`); returns the element for
/// `Document.xml` (`<ofd:Attachments>…</ofd:Attachments>`), or nothing without attachments.
pub(super) fn add_attachments(
    atts: &[NewAttachment],
    now: i64,
    mut id: impl FnMut() -> u64,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> String {
    if atts.is_empty() {
        return String::new();
    }
    let when =
        time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let created = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        when.year(),
        when.month() as u8,
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    );
    let dir = ATTACHMENTS_XML.rsplit_once('/').map_or("", |(d, _)| d);
    let mut list = open_part("Attachments", "");
    for a in atts {
        // Size: kilobytes (GB/T 33190 §20, table 73).
        let _ = write!(
            list,
            "<ofd:Attachment ID=\"{}\" Name=\"{}\" Format=\"{}\" CreationDate=\"{created}\" \
             Size=\"{}\" Visible=\"{}\"><ofd:FileLoc>{}</ofd:FileLoc></ofd:Attachment>",
            id(),
            esc(&a.name),
            esc(&a.format),
            num(a.data.len() as f64 / 1024.0),
            a.visible,
            esc(&a.file_name)
        );
        files.insert(format!("{dir}/{}", a.file_name), a.data.clone());
    }
    list.push_str("</ofd:Attachments>");
    files.insert(ATTACHMENTS_XML.to_string(), list.into_bytes());
    format!("<ofd:Attachments>{ATTACHMENTS_LOC}</ofd:Attachments>")
}
