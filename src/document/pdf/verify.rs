//! Verifying every signature of a PDF (see the module doc).

use super::PdfError;
use crate::document::cms::{CmsReport, verify_with_options};
use crate::seal::verify::VerifyOptions;
use crate::verify::report::{Indication, SubIndication};
use lopdf::{Document, Object};
use serde::Serialize;
use std::sync::Arc;

/// Most signature fields read.
const MAX_SIGNATURES: usize = 64;
/// Deepest field tree walked.
const MAX_DEPTH: usize = 8;

/// One signature's (or document time-stamp's) result.
#[derive(Clone, Debug, Serialize)]
pub struct PdfSignatureReport {
    /// The field's name.
    pub field: String,
    /// `signature`, or `document-timestamp` (`/SubFilter /ETSI.RFC3161`).
    pub kind: &'static str,
    /// The PAdES level the signature reached (B-B, B-T, B-LT, B-LTA), for signatures that
    /// passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<&'static str>,
    /// A certification signature's DocMDP permission (1, 2 or 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docmdp: Option<i64>,
    /// A document time-stamp's proven time (genTime, Unix seconds), when its TSU validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proven_time: Option<i64>,
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
    /// A seal's SES_Signature carried in the CMS (signed attribute), verified by the seal
    /// engine over the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal: Option<crate::seal::verify::SealReport>,
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
    /// What the document's DSS carried (counts), used as revocation evidence.
    pub dss: DssCounts,
    /// The names of its embedded files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embedded_files: Vec<String>,
    /// The information dictionary's custom keys (not their values: they may be personal data).
    #[serde(skip)]
    pub info_keys: Vec<String>,
}

/// How much validation data the DSS holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DssCounts {
    /// Certificates.
    pub certs: usize,
    /// OCSP responses.
    pub ocsps: usize,
    /// CRLs.
    pub crls: usize,
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
pub(super) fn signature_fields(
    doc: &Document,
) -> Result<Vec<(String, lopdf::Dictionary)>, PdfError> {
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

/// The DER (or, as NSS writes it, BER) object at the start of `b` (the `/Contents` string is
/// zero-padded).
pub(super) fn der_prefix(b: &[u8]) -> Option<&[u8]> {
    if b.first() != Some(&0x30) {
        return None;
    }
    b.get(..crate::document::cms::ber::extent(b)?)
}

fn failed(
    field: String,
    sub_filter: String,
    byte_range: Vec<i64>,
    detail: String,
) -> PdfSignatureReport {
    PdfSignatureReport {
        field,
        kind: "signature",
        level: None,
        docmdp: None,
        proven_time: None,
        sub_filter,
        byte_range,
        covers_whole_file: false,
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        detail,
        cms: None,
        seal: None,
    }
}

/// The SES_Signature a seal put in the CMS's signed attributes, if any (DER).
fn ses_attribute(cms: &[u8]) -> Option<Vec<u8>> {
    use der::{Decode, Encode};
    let ci = cms::content_info::ContentInfo::from_der(cms).ok()?;
    let sd: cms::signed_data::SignedData = ci.content.decode_as().ok()?;
    let si = sd.signer_infos.0.iter().next()?;
    let attrs = si.signed_attrs.as_ref()?;
    let a = attrs
        .iter()
        .find(|a| a.oid == super::seal::SES_SIGNATURE_ATTRIBUTE)?;
    a.values.iter().next()?.to_der().ok()
}

/// Lower `r` to the seal's result when the seal did not pass, and require the seal's signer
/// to be the CMS signer.
fn with_seal(r: &mut PdfSignatureReport, seal: crate::seal::verify::SealReport, cms_signer: &[u8]) {
    if seal.indication != Indication::TotalPassed {
        r.indication = seal.indication;
        r.sub_indication = seal.sub_indication;
        r.level = None;
        r.detail = format!(
            "the seal's SES_Signature: {}",
            seal.steps
                .iter()
                .find(|s| {
                    matches!(
                        s.outcome,
                        crate::seal::verify::StepOutcome::Failed
                            | crate::seal::verify::StepOutcome::Indeterminate
                    )
                })
                .map(|s| s.detail.clone())
                .unwrap_or_else(|| format!("{:?}", seal.indication))
        );
    } else if seal.signer_cert.as_deref() != Some(cms_signer) {
        r.indication = Indication::TotalFailed;
        r.sub_indication = Some(SubIndication::SigCryptoFailure);
        r.level = None;
        r.detail =
            "the seal's SES_Signature was made by another signer than the PDF signature".into();
    } else {
        r.detail = format!("{}; seal valid", r.detail);
    }
    r.seal = Some(seal);
}

/// How many signature fields with a value (signatures and document time-stamps) `pdf` has.
pub(super) fn signature_count(pdf: &[u8]) -> Result<usize, PdfError> {
    Ok(signature_fields(&super::limits::load(pdf)?)?.len())
}

/// Where a signature's bytes are: the byte range `[0 a b c]` whose hole `[a, b)` is exactly the
/// `<…>` of `/Contents`, ending (`b + c`) inside the file.
pub(super) struct Signed {
    /// The byte range as written.
    pub byte_range: Vec<i64>,
    /// The hole.
    pub a: usize,
    /// The hole's end.
    pub b: usize,
    /// The end of the signed range.
    pub end: usize,
    /// The DER object in `/Contents` (CMS or time-stamp token).
    pub der: Vec<u8>,
}

impl Signed {
    /// The signed bytes.
    pub fn bytes(&self, pdf: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.a + (self.end - self.b));
        out.extend_from_slice(&pdf[..self.a]);
        out.extend_from_slice(&pdf[self.b..self.end]);
        out
    }
}

/// The signed range of the signature dictionary `v` in `pdf`, or why it is malformed.
pub(super) fn signed_range(pdf: &[u8], v: &lopdf::Dictionary) -> Result<Signed, String> {
    let br: Vec<i64> = v
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_i64().ok()).collect())
        .unwrap_or_default();
    let contents = match v.get(b"Contents") {
        Ok(Object::String(b, _)) => b.as_slice(),
        _ => &[],
    };
    let (a, b, end) = match br.as_slice() {
        [0, a, b, c] if *a > 0 && b > a && *c >= 0 => {
            let (a, b, c) = (*a as usize, *b as usize, *c as usize);
            match b.checked_add(c).filter(|e| *e <= pdf.len()) {
                Some(end)
                    if pdf.get(a) == Some(&b'<')
                        && pdf.get(b - 1) == Some(&b'>')
                        && b - a == 2 * contents.len() + 2 =>
                {
                    (a, b, end)
                }
                _ => {
                    return Err(
                        "the byte range does not leave out exactly the signature's /Contents"
                            .into(),
                    );
                }
            }
        }
        _ => return Err("the byte range is not [0 a b c]".into()),
    };
    let der = der_prefix(contents)
        .ok_or("/Contents holds no DER object")?
        .to_vec();
    Ok(Signed {
        byte_range: br,
        a,
        b,
        end,
        der,
    })
}

/// The DocMDP permission of a certification signature dictionary, if it is one.
pub(super) fn docmdp_of(doc: &Document, v: &lopdf::Dictionary) -> Option<i64> {
    let refs = v
        .get(b"Reference")
        .and_then(|r| doc.dereference(r))
        .and_then(|(_, r)| r.as_array())
        .ok()?;
    refs.iter().find_map(|r| {
        let (_, r) = doc.dereference(r).ok()?;
        let r = r.as_dict().ok()?;
        if text(r.get(b"TransformMethod").ok()?) != "DocMDP" {
            return None;
        }
        let p = r
            .get(b"TransformParams")
            .and_then(|t| doc.dereference(t))
            .and_then(|(_, t)| t.as_dict())
            .ok()
            .and_then(|t| t.get(b"P").and_then(Object::as_i64).ok());
        Some(p.unwrap_or(2))
    })
}

/// Verify every signature and document time-stamp of `pdf`: each signature's CMS over its
/// byte range, the signer validated for the document-signer purpose (with the DSS's
/// certificates, CRLs and OCSP responses added to the relying party's material as evidence),
/// each document time-stamp as proof of time (its TSU validated for the TSU purpose), and what
/// later revisions changed (within what a certification signature permits).
pub async fn verify(pdf: &[u8], opts: &VerifyOptions<'_>) -> Result<PdfReport, PdfError> {
    let doc = super::limits::load(pdf)?;
    let fields = signature_fields(&doc)?;
    let dss = super::dss::read(&doc);
    let counts = DssCounts {
        certs: dss.certs.len(),
        ocsps: dss.ocsps.len(),
        crls: dss.crls.len(),
    };
    let with_dss;
    let opts = if dss.is_empty() {
        opts
    } else {
        with_dss = VerifyOptions {
            context: opts
                .context
                .with_extra()
                .intermediates(&dss.certs)
                .crls(dss.crls.iter().map(|c| Arc::<[u8]>::from(c.as_slice())))
                .ocsp(dss.ocsps.iter().map(|c| Arc::<[u8]>::from(c.as_slice())))
                .shared(),
            registry: opts.registry,
            data: opts.data,
            now: opts.now,
            trust: opts.trust,
        };
        &with_dss
    };
    // The first certification signature's permission bounds every later revision.
    let docmdp = fields.iter().find_map(|(_, v)| docmdp_of(&doc, v));
    let mut signatures = Vec::new();
    for (field, v) in fields {
        let sub_filter = text(v.get(b"SubFilter").unwrap_or(&Object::Null));
        let signed = match signed_range(pdf, &v) {
            Ok(s) => s,
            Err(why) => {
                let br = v
                    .get(b"ByteRange")
                    .and_then(Object::as_array)
                    .map(|a| a.iter().filter_map(|x| x.as_i64().ok()).collect())
                    .unwrap_or_default();
                signatures.push((0, failed(field, sub_filter, br, why)));
                continue;
            }
        };
        let bytes = signed.bytes(pdf);
        let mut r = if sub_filter == "ETSI.RFC3161" {
            document_timestamp(field, sub_filter, &signed, &bytes, opts).await
        } else {
            let report = verify_with_options(&signed.der, &bytes, opts).await;
            let mut r = failed(field, sub_filter, signed.byte_range.clone(), String::new());
            r.indication = report.indication;
            r.sub_indication = report.sub_indication;
            r.detail = report.detail.clone();
            r.docmdp = docmdp_of(&doc, &v);
            if report.passed()
                && let Some(ses) = ses_attribute(&signed.der)
            {
                // Only a sealed signature needs its signer certificate again.
                let signer_cert = crate::document::cms::verify_detached(&signed.der, &bytes)
                    .ok()
                    .map(|i| i.signer_cert);
                let seal_opts = VerifyOptions {
                    context: opts.context.clone(),
                    registry: opts.registry,
                    data: Some(&bytes),
                    now: opts.now,
                    trust: opts.trust,
                };
                let seal = crate::seal::verify::verify(&ses, &seal_opts).await;
                with_seal(&mut r, seal, signer_cert.as_deref().unwrap_or_default());
            }
            if report.passed()
                && r.seal
                    .as_ref()
                    .is_none_or(|s| s.indication == Indication::TotalPassed)
            {
                r.level = Some(if report.timestamp_time.is_some() {
                    "B-T"
                } else {
                    "B-B"
                });
            }
            r.cms = Some(report);
            r
        };
        r.covers_whole_file = signed.end == pdf.len();
        if r.indication == Indication::TotalPassed && !r.covers_whole_file {
            match super::changes::after(pdf, signed.end, docmdp) {
                Ok(p) if p.is_empty() => {
                    r.detail = format!(
                        "{}; the later revisions only add signatures, form fields or validation data",
                        r.detail
                    );
                }
                Ok(p) => {
                    r.indication = Indication::TotalFailed;
                    r.sub_indication = Some(SubIndication::HashFailure);
                    r.level = None;
                    r.detail = format!(
                        "the document was modified after this signature: {}",
                        p.join("; ")
                    );
                }
                Err(e) => {
                    r.indication = Indication::Indeterminate;
                    r.sub_indication = Some(SubIndication::Generic);
                    r.level = None;
                    r.detail =
                        format!("the revisions after this signature cannot be analysed: {e}");
                }
            }
        }
        signatures.push((signed.end, r));
    }
    let signatures = levels(signatures, !dss.is_empty());
    let (indication, detail) = overall(&signatures);
    Ok(PdfReport {
        object: "pdf",
        indication,
        detail,
        signatures,
        dss: counts,
        embedded_files: super::embedded::names(&doc),
        info_keys: super::embedded::custom_info(&doc).into_keys().collect(),
    })
}

/// Raise the levels: a passed B-T signature with a DSS after it is B-LT, and B-LTA when a
/// passed document time-stamp covers a revision after it.
fn levels(signatures: Vec<(usize, PdfSignatureReport)>, has_dss: bool) -> Vec<PdfSignatureReport> {
    let stamps: Vec<usize> = signatures
        .iter()
        .filter(|(_, r)| r.kind == "document-timestamp" && r.indication == Indication::TotalPassed)
        .map(|(end, _)| *end)
        .collect();
    signatures
        .into_iter()
        .map(|(end, mut r)| {
            if r.level == Some("B-T") && has_dss && !r.covers_whole_file {
                r.level = Some(if stamps.iter().any(|s| *s > end) {
                    "B-LTA"
                } else {
                    "B-LT"
                });
            }
            r
        })
        .collect()
}

fn overall(signatures: &[PdfSignatureReport]) -> (Indication, String) {
    if signatures.iter().all(|s| s.kind != "signature") {
        return (
            Indication::Indeterminate,
            "the PDF has no signature".to_string(),
        );
    }
    if let Some(s) = signatures
        .iter()
        .find(|s| s.indication == Indication::TotalFailed)
    {
        return (
            Indication::TotalFailed,
            format!("signature {}: {}", s.field, s.detail),
        );
    }
    if let Some(s) = signatures
        .iter()
        .find(|s| s.indication != Indication::TotalPassed)
    {
        return (
            Indication::Indeterminate,
            format!("signature {}: {}", s.field, s.detail),
        );
    }
    let n = signatures.iter().filter(|s| s.kind == "signature").count();
    let t = signatures.len() - n;
    (
        Indication::TotalPassed,
        if t == 0 {
            format!("{n} signature(s) valid")
        } else {
            format!("{n} signature(s) and {t} document time-stamp(s) valid")
        },
    )
}

/// A document time-stamp: the token over the byte range, its TSU validated for the TSU purpose.
async fn document_timestamp(
    field: String,
    sub_filter: String,
    signed: &Signed,
    bytes: &[u8],
    opts: &VerifyOptions<'_>,
) -> PdfSignatureReport {
    let check = crate::verify::timestamp::prove(&signed.der, bytes, &opts.chain_inputs()).await;
    let mut r = failed(field, sub_filter, signed.byte_range.clone(), String::new());
    r.kind = "document-timestamp";
    match check.proof {
        Ok(p) => {
            r.indication = Indication::TotalPassed;
            r.sub_indication = None;
            r.proven_time = Some(p.at());
            r.detail = format!("document time-stamp valid (TSU {})", p.tsu());
        }
        Err(e) => {
            r.indication = if e.is_corrupt() {
                Indication::TotalFailed
            } else {
                Indication::Indeterminate
            };
            r.sub_indication = Some(
                if matches!(e, crate::verify::timestamp::NotProven::WrongImprint) {
                    SubIndication::HashFailure
                } else if e.is_corrupt() {
                    SubIndication::SigCryptoFailure
                } else {
                    SubIndication::NoCertificateChainFound
                },
            );
            r.detail = format!("document time-stamp: {e}");
        }
    }
    r
}
