//! Adding a PAdES signature by incremental update (see the module doc).

use super::PdfError;
use crate::crypto::Signer;
use crate::document::cms::TimestampFn;
use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, StringFormat};

/// How a signature is made.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The field's name (`/T`); unique in the document.
    pub field_name: String,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/M`, the signer's claimed time, Unix seconds (proven only by a time-stamp).
    pub time: i64,
    /// Bytes reserved for the CMS (hex-encoded in the file: twice as many characters).
    pub reserve: usize,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            field_name: "Signature1".into(),
            reason: None,
            time: crate::clock::now_secs(),
            reserve: 16 * 1024,
        }
    }
}

/// The `/ByteRange` written before the offsets are known; patched in place, same length.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

fn pdf_date(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Clone `id` into the update (if not there yet) and return it, mutable.
fn updated(inc: &mut IncrementalDocument, id: ObjectId) -> Result<&mut Object, PdfError> {
    inc.opt_clone_object_to_new_document(id)?;
    Ok(inc.new_document.get_object_mut(id)?)
}

/// Append `item` to the array `key` of the dictionary `dict_id` (inline or referenced),
/// creating it when absent.
fn push_to_array(
    inc: &mut IncrementalDocument,
    dict_id: ObjectId,
    key: &[u8],
    item: Object,
) -> Result<(), PdfError> {
    let target = match updated(inc, dict_id)?.as_dict()?.get(key) {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    };
    match target {
        Some(array_id) => {
            let arr = updated(inc, array_id)?;
            arr.as_array_mut()?.push(item);
        }
        None => {
            let dict = updated(inc, dict_id)?.as_dict_mut()?;
            match dict.get_mut(key) {
                Ok(Object::Array(a)) => a.push(item),
                _ => dict.set(key, Object::Array(vec![item])),
            }
        }
    }
    Ok(())
}

/// Sign `pdf` (see the module doc): the signed PDF, the original bytes as its prefix.
pub fn sign(
    pdf: &[u8],
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    opts: &SignOptions,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, PdfError> {
    if signer.algorithm() != crate::crypto::Algorithm::P256 {
        return Err(PdfError::Sign(
            "PAdES signing takes a P-256 key here (the SM2 vendor profile is not built yet)".into(),
        ));
    }
    let doc = Document::load_mem(pdf)?;
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| PdfError::Malformed("no catalog (/Root)".into()))?;
    let page = *doc
        .get_pages()
        .values()
        .next()
        .ok_or_else(|| PdfError::Malformed("no page".into()))?;
    let field_name = free_name(&doc, &opts.field_name);
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);

    let mut v = Dictionary::new();
    v.set("Type", Object::Name(b"Sig".to_vec()));
    v.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    v.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    v.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ]),
    );
    v.set(
        "Contents",
        Object::String(vec![0u8; opts.reserve], StringFormat::Hexadecimal),
    );
    v.set(
        "M",
        Object::String(pdf_date(opts.time).into_bytes(), StringFormat::Literal),
    );
    if let Some(r) = &opts.reason {
        v.set(
            "Reason",
            Object::String(utf16_text(r), StringFormat::Hexadecimal),
        );
    }
    let sig_id = inc.new_document.add_object(Object::Dictionary(v));

    let mut w = Dictionary::new();
    w.set("Type", Object::Name(b"Annot".to_vec()));
    w.set("Subtype", Object::Name(b"Widget".to_vec()));
    w.set("FT", Object::Name(b"Sig".to_vec()));
    w.set(
        "T",
        Object::String(utf16_text(&field_name), StringFormat::Hexadecimal),
    );
    w.set("V", Object::Reference(sig_id));
    w.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    // Print | Locked.
    w.set("F", Object::Integer(132));
    w.set("P", Object::Reference(page));
    let widget_id = inc.new_document.add_object(Object::Dictionary(w));

    push_to_array(&mut inc, page, b"Annots", Object::Reference(widget_id))?;
    // The AcroForm: inline in the catalog or referenced; Fields gets the widget, SigFlags 3.
    let form = match updated(&mut inc, root)?.as_dict()?.get(b"AcroForm") {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    };
    let form_id = match form {
        Some(id) => id,
        None => {
            let inline = match updated(&mut inc, root)?.as_dict()?.get(b"AcroForm") {
                Ok(Object::Dictionary(d)) => d.clone(),
                _ => Dictionary::new(),
            };
            let id = inc.new_document.add_object(Object::Dictionary(inline));
            updated(&mut inc, root)?
                .as_dict_mut()?
                .set("AcroForm", Object::Reference(id));
            id
        }
    };
    push_to_array(&mut inc, form_id, b"Fields", Object::Reference(widget_id))?;
    updated(&mut inc, form_id)?
        .as_dict_mut()?
        .set("SigFlags", Object::Integer(3));

    let mut out = Vec::with_capacity(pdf.len() + 2 * opts.reserve + 4096);
    inc.save_to(&mut out)
        .map_err(|e| PdfError::Sign(format!("writing the update: {e}")))?;
    finish(
        out,
        pdf.len(),
        opts.reserve,
        signer,
        signer_cert,
        chain,
        timestamp,
    )
}

/// `wanted`, or `wanted` with the first free number after it when a top-level field has that
/// name (a second signature).
fn free_name(doc: &Document, wanted: &str) -> String {
    let names: Vec<String> = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|f| doc.dereference(f).ok())
        .and_then(|(_, f)| f.as_dict().ok())
        .and_then(|f| f.get(b"Fields").ok())
        .and_then(|f| doc.dereference(f).ok())
        .and_then(|(_, f)| f.as_array().ok())
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| doc.dereference(f).ok())
                .filter_map(|(_, f)| f.as_dict().ok())
                .filter_map(|f| f.get(b"T").ok())
                .map(super::verify::text)
                .collect()
        })
        .unwrap_or_default();
    let base = wanted.trim_end_matches(|c: char| c.is_ascii_digit());
    let mut name = wanted.to_string();
    let mut n = 2;
    while names.contains(&name) && n < 10_000 {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// A text string as PDF wants non-ASCII text: UTF-16BE with a byte order mark.
fn utf16_text(s: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

/// Patch the byte range, hash, sign, and write the CMS into `/Contents`.
fn finish(
    mut out: Vec<u8>,
    prev_len: usize,
    reserve: usize,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, PdfError> {
    let mut hole = vec![b'<'];
    hole.extend(std::iter::repeat_n(b'0', 2 * reserve));
    hole.push(b'>');
    let start = find(&out[prev_len..], &hole)
        .map(|i| i + prev_len)
        .ok_or_else(|| PdfError::Sign("the /Contents placeholder was not written".into()))?;
    let end = start + hole.len();
    let p = BYTE_RANGE_PLACEHOLDER;
    let placeholder = format!("[0 {p} {p} {p}]");
    let at = find(&out[prev_len..], placeholder.as_bytes())
        .map(|i| i + prev_len)
        .ok_or_else(|| PdfError::Sign("the /ByteRange placeholder was not written".into()))?;
    let range = format!("[0 {start} {end} {}]", out.len() - end);
    let padded = format!("{range:<width$}", width = placeholder.len());
    out[at..at + placeholder.len()].copy_from_slice(padded.as_bytes());

    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, &out[..start]);
    sha2::Digest::update(&mut hasher, &out[end..]);
    let digest = sha2::Digest::finalize(hasher);
    let cms = crate::document::cms::sign_detached_digest_pades(
        &digest,
        signer,
        signer_cert,
        chain,
        timestamp,
    )
    .map_err(|e| PdfError::Sign(e.to_string()))?;
    if 2 * cms.len() > 2 * reserve {
        return Err(PdfError::TooLarge(cms.len()));
    }
    let hex = hex::encode_upper(&cms);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
