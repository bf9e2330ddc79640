//! Verifying every signature of a PDF (see the module doc).

use super::PdfError;
use crate::document::cms::{CmsReport, verify_with_options};
use crate::seal::verify::VerifyOptions;
use crate::verify::report::{Indication, SubIndication};
use lopdf::{Document, Object};
use serde::Serialize;

/// Most signature fields read.
const MAX_SIGNATURES: usize = 64;
/// Deepest field tree walked.
const MAX_DEPTH: usize = 8;

/// One signature's result.
#[derive(Clone, Debug, Serialize)]
pub struct PdfSignatureReport {
    /// The field's name.
    pub field: String,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// `/ByteRange`.
    pub byte_range: Vec<i64>,
    /// Whether the byte range covers the whole file but the signature (the last revision).
    pub covers_whole_file: bool,
    /// Indication (from the CMS and the byte range).
    pub indication: Indication,
    /// Sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// In words.
    pub detail: String,
    /// The CMS verification, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cms: Option<CmsReport>,
}

/// Every signature of a PDF and the overall result: TOTAL_PASSED only when there is at least
/// one signature and each passed.
#[derive(Clone, Debug, Serialize)]
pub struct PdfReport {
    /// `pdf`.
    pub object: &'static str,
    /// Overall indication.
    pub indication: Indication,
    /// In words.
    pub detail: String,
    /// Per signature, in field order.
    pub signatures: Vec<PdfSignatureReport>,
}

pub(super) fn text(o: &Object) -> String {
    match o {
        Object::String(b, _) if b.starts_with(&[0xFE, 0xFF]) => {
            let units: Vec<u16> = b[2..]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Object::String(b, _) => String::from_utf8_lossy(b).into_owned(),
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        _ => String::new(),
    }
}

/// The signature fields with a value: (name, the signature dictionary).
fn signature_fields(doc: &Document) -> Result<Vec<(String, lopdf::Dictionary)>, PdfError> {
    let catalog = doc.catalog()?;
    let form = match catalog.get(b"AcroForm") {
        Ok(o) => doc.dereference(o)?.1.as_dict()?.clone(),
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    let mut stack: Vec<(Object, usize)> = match form.get(b"Fields") {
        Ok(f) => doc
            .dereference(f)?
            .1
            .as_array()?
            .iter()
            .rev()
            .map(|o| (o.clone(), 0))
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut visited = 0usize;
    while let Some((o, depth)) = stack.pop() {
        visited += 1;
        if visited > 10_000 || out.len() >= MAX_SIGNATURES {
            break;
        }
        let Ok((_, field)) = doc.dereference(&o) else {
            continue;
        };
        let Ok(field) = field.as_dict() else { continue };
        if let Ok(kids) = field
            .get(b"Kids")
            .and_then(|k| doc.dereference(k))
            .map(|x| x.1)
            && let Ok(kids) = kids.as_array()
            && depth < MAX_DEPTH
        {
            stack.extend(kids.iter().rev().map(|k| (k.clone(), depth + 1)));
        }
        let is_sig = field.get(b"FT").map(text).is_ok_and(|t| t == "Sig");
        let value = field
            .get(b"V")
            .and_then(|v| doc.dereference(v))
            .map(|x| x.1);
        if let (true, Ok(Object::Dictionary(v))) = (is_sig, value) {
            let name = field.get(b"T").map(text).unwrap_or_default();
            out.push((name, v.clone()));
        }
    }
    Ok(out)
}

/// The DER object at the start of `b` (the `/Contents` string is zero-padded).
fn der_prefix(b: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = b.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&l, rest) = rest.split_first()?;
    let (len, head) = if l < 0x80 {
        (usize::from(l), 2)
    } else {
        let n = usize::from(l & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, x| (a << 8) | usize::from(*x));
        (len, 2 + n)
    };
    b.get(..head.checked_add(len)?)
}

fn failed(
    field: String,
    sub_filter: String,
    byte_range: Vec<i64>,
    detail: String,
) -> PdfSignatureReport {
    PdfSignatureReport {
        field,
        sub_filter,
        byte_range,
        covers_whole_file: false,
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        detail,
        cms: None,
    }
}

/// Verify every signature of `pdf`.
pub async fn verify(pdf: &[u8], opts: &VerifyOptions<'_>) -> Result<PdfReport, PdfError> {
    let doc = Document::load_mem(pdf)?;
    let mut signatures = Vec::new();
    for (field, v) in signature_fields(&doc)? {
        let sub_filter = v.get(b"SubFilter").map(text).unwrap_or_default();
        let br: Vec<i64> = v
            .get(b"ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_i64().ok()).collect())
            .unwrap_or_default();
        let contents = match v.get(b"Contents") {
            Ok(Object::String(b, _)) => b.clone(),
            _ => Vec::new(),
        };
        // The byte range: [0, a, b, c], the hole [a, b) exactly the `<…>` of /Contents, and
        // the end (b + c) the end of a revision inside the file.
        let shape = match br.as_slice() {
            [0, a, b, c] if *a > 0 && b > a && *c >= 0 => {
                let (a, b, c) = (*a as usize, *b as usize, *c as usize);
                let end = b.checked_add(c).filter(|e| *e <= pdf.len());
                match end {
                    Some(end)
                        if pdf.get(a) == Some(&b'<')
                            && pdf.get(b - 1) == Some(&b'>')
                            && b - a == 2 * contents.len() + 2 =>
                    {
                        Ok((a, b, end))
                    }
                    _ => Err("the byte range does not leave out exactly the signature's /Contents"),
                }
            }
            _ => Err("the byte range is not [0 a b c]"),
        };
        let (a, b, end) = match shape {
            Ok(s) => s,
            Err(why) => {
                signatures.push(failed(field, sub_filter, br, why.into()));
                continue;
            }
        };
        let Some(cms) = der_prefix(&contents) else {
            signatures.push(failed(
                field,
                sub_filter,
                br,
                "/Contents holds no CMS".into(),
            ));
            continue;
        };
        let mut signed = Vec::with_capacity(a + (end - b));
        signed.extend_from_slice(&pdf[..a]);
        signed.extend_from_slice(&pdf[b..end]);
        let report = verify_with_options(cms, &signed, opts).await;
        let whole = end == pdf.len();
        let (indication, sub_indication, detail) = if !report.passed() {
            (
                report.indication,
                report.sub_indication,
                report.detail.clone(),
            )
        } else if !whole {
            match super::changes::after(pdf, end) {
                Ok(p) if p.is_empty() => (
                    Indication::TotalPassed,
                    None,
                    format!(
                        "{}; the later revisions only add signatures, form fields or validation data",
                        report.detail
                    ),
                ),
                Ok(p) => (
                    Indication::TotalFailed,
                    Some(SubIndication::HashFailure),
                    format!(
                        "the document was modified after this signature: {}",
                        p.join("; ")
                    ),
                ),
                Err(e) => (
                    Indication::Indeterminate,
                    Some(SubIndication::Generic),
                    format!("the revisions after this signature cannot be analysed: {e}"),
                ),
            }
        } else {
            (Indication::TotalPassed, None, report.detail.clone())
        };
        signatures.push(PdfSignatureReport {
            field,
            sub_filter,
            byte_range: br,
            covers_whole_file: whole,
            indication,
            sub_indication,
            detail,
            cms: Some(report),
        });
    }
    let (indication, detail) = if signatures.is_empty() {
        (
            Indication::Indeterminate,
            "the PDF has no signature".to_string(),
        )
    } else if let Some(s) = signatures
        .iter()
        .find(|s| s.indication == Indication::TotalFailed)
    {
        (
            Indication::TotalFailed,
            format!("signature {}: {}", s.field, s.detail),
        )
    } else if let Some(s) = signatures
        .iter()
        .find(|s| s.indication != Indication::TotalPassed)
    {
        (
            Indication::Indeterminate,
            format!("signature {}: {}", s.field, s.detail),
        )
    } else {
        (
            Indication::TotalPassed,
            format!("{} signature(s) valid", signatures.len()),
        )
    };
    Ok(PdfReport {
        object: "pdf",
        indication,
        detail,
        signatures,
    })
}
