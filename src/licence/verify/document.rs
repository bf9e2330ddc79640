//! The e-licence in an OFD package: its metadata (the `metadata.json` attachment, canonical
//! JSON, and the `CustomDatas` of `OFD.xml`, which must say the same), the seal signature that
//! protects the attachment (a Reference to its exact path that checked), and who that seal is
//! of: its type code and its holder, the organization (`organizationIdentifier`, ETSI
//! `NTRCN-` semantics) of the certificate that stamped it — the certificate the OFD verifier
//! validated.
//!
//! Owns reading and matching these; the verdict is the caller's. Must not import HTTP or SQL.

use super::LicenceReason;
use crate::document::ofd::embedded::read_embedded;
use crate::document::ofd::{OfdReport, Package, SignatureReport};
use std::collections::BTreeMap;

/// The sealing keys, not part of the canonical data.
pub const SEALING_KEYS: [&str; 3] = ["ZZQZR", "ZZQZSJ", "ZZQZMC"];
/// Keys a licence's metadata must have.
const REQUIRED: [&str; 4] = ["ZZBS", "ZZLXDM", "ZZBFJGDM", "ZZYXQJZRQ"];
/// The semantics prefix of a credit code in `organizationIdentifier`.
const NTR: &str = "NTRCN-";

/// The metadata found in a package.
#[derive(Clone, Debug)]
pub struct Found {
    /// The metadata (GB/T 36903 keys).
    pub meta: BTreeMap<String, String>,
    /// The attachment's package path.
    pub path: String,
}

/// Whether the package carries e-licence metadata (what the verification hooks look for).
pub fn is_licence(pkg: &Package) -> bool {
    read_embedded(pkg).is_ok_and(|e| {
        e.custom_data.iter().any(|(k, _)| k == "ZZBS")
            || e.attachments.iter().any(|a| is_metadata_file(&a.path))
    })
}

fn is_metadata_file(path: &str) -> bool {
    path.rsplit('/').next() == Some(super::super::face::METADATA_FILE)
}

/// Read the metadata: exactly one document, exactly one `metadata.json` attachment whose
/// bytes are the canonical JSON of an object of strings holding the required keys, and custom
/// data that are the same entries.
pub fn metadata(pkg: &Package) -> Result<Found, (LicenceReason, String)> {
    let invalid = |d: String| (LicenceReason::MetadataInvalid, d);
    let e = read_embedded(pkg).map_err(|e| invalid(e.to_string()))?;
    if e.documents != 1 {
        return Err(invalid(format!(
            "the package has {} documents; an e-licence has one",
            e.documents
        )));
    }
    let files: Vec<&str> = e
        .attachments
        .iter()
        .map(|a| a.path.as_str())
        .filter(|p| is_metadata_file(p))
        .collect();
    let path = match files.as_slice() {
        [] => {
            return Err((
                LicenceReason::MetadataMissing,
                "the document has no metadata.json attachment".into(),
            ));
        }
        [one] => one.to_string(),
        _ => {
            return Err(invalid(format!(
                "the document lists {} metadata.json attachments",
                files.len()
            )));
        }
    };
    let bytes = pkg.get(&path).ok_or_else(|| {
        (
            LicenceReason::MetadataMissing,
            format!("the metadata attachment {path} is missing from the package"),
        )
    })?;
    let mut custom = BTreeMap::new();
    for (k, v) in &e.custom_data {
        if custom.insert(k.clone(), v.clone()).is_some() {
            return Err(invalid(format!("the custom data name {k} twice")));
        }
    }
    let meta = checked(&path, bytes, &custom, "the custom data of OFD.xml")?;
    Ok(Found { meta, path })
}

/// The metadata file's entries, checked: the canonical JSON of an object of strings with the
/// required keys, saying the same as `custom` (`what` names it).
fn checked(
    path: &str,
    bytes: &[u8],
    custom: &BTreeMap<String, String>,
    what: &str,
) -> Result<BTreeMap<String, String>, (LicenceReason, String)> {
    let invalid = |d: String| (LicenceReason::MetadataInvalid, d);
    let meta: BTreeMap<String, String> = serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("{path} is not a JSON object of strings: {e}")))?;
    if crate::trust::list::canonical_json(&meta) != bytes {
        return Err(invalid(format!(
            "{path} is not in canonical form (keys sorted, each once, no spaces)"
        )));
    }
    if let Some(k) = REQUIRED.iter().find(|k| !meta.contains_key(**k)) {
        return Err(invalid(format!("{path} has no {k}")));
    }
    if *custom != meta {
        let differ = meta
            .keys()
            .chain(custom.keys())
            .find(|k| meta.get(*k) != custom.get(*k))
            .cloned()
            .unwrap_or_default();
        return Err(invalid(format!(
            "{what} and {path} disagree (first at {differ})"
        )));
    }
    Ok(meta)
}

/// Whether a verified PDF carries e-licence metadata (an embedded `metadata.json` or a `ZZBS`
/// information entry): read off its report, not the file again.
pub fn is_pdf_licence(report: &crate::document::pdf::PdfReport) -> bool {
    report.info_keys.iter().any(|k| k == "ZZBS")
        || report.embedded_files.iter().any(|f| f == METADATA)
}

const METADATA: &str = super::super::face::METADATA_FILE;

/// The metadata of a licence PDF (one revision of it): exactly one embedded `metadata.json`,
/// checked as in an OFD, whose entries the information dictionary's custom entries repeat.
pub fn pdf_metadata(doc: &lopdf::Document, bound: usize) -> Result<Found, (LicenceReason, String)> {
    let invalid = |d: String| (LicenceReason::MetadataInvalid, d);
    let files = crate::document::pdf::embedded::embedded_files(doc, METADATA, bound)
        .map_err(|e| invalid(e.to_string()))?;
    let bytes = match files.as_slice() {
        [] => {
            return Err((
                LicenceReason::MetadataMissing,
                "the PDF embeds no metadata.json".into(),
            ));
        }
        [one] => one,
        _ => {
            return Err(invalid(format!(
                "the PDF embeds {} metadata.json files",
                files.len()
            )));
        }
    };
    let custom = crate::document::pdf::embedded::custom_info(doc);
    let meta = checked(METADATA, bytes, &custom, "the PDF's information dictionary")?;
    Ok(Found {
        meta,
        path: METADATA.to_string(),
    })
}

/// The canonical licence data the data signature covers: the metadata without the sealing
/// keys, as canonical JSON.
pub fn canonical_data(meta: &BTreeMap<String, String>) -> Vec<u8> {
    let mut m = meta.clone();
    for k in SEALING_KEYS {
        m.remove(k);
    }
    crate::trust::list::canonical_json(&m)
}

/// The seal signatures of the package whose Reference to `path` checked.
pub fn covering<'r>(report: &'r OfdReport, path: &str) -> Vec<&'r SignatureReport> {
    report
        .signatures
        .iter()
        .filter(|s| s.kind == "Seal")
        .filter(|s| s.references.iter().any(|r| r.file == path && r.ok))
        .collect()
}

/// The credit code of the organization `cert` (DER) belongs to: its `organizationIdentifier`
/// without the `NTRCN-` prefix.
pub fn organization_of(cert: &[u8]) -> Option<String> {
    let c = crate::verify::cert::Cert::shared(cert).ok()?;
    let oid = crate::pki::cert::attr::ORGANIZATION_IDENTIFIER;
    let mut found = None;
    for rdn in c.subject.iter_rdn() {
        for atv in rdn.iter() {
            if atv.oid == oid {
                if found.is_some() {
                    // Two organizations: neither is the holder.
                    return None;
                }
                let v = String::from_utf8(atv.value.value().to_vec()).ok()?;
                found = Some(v);
            }
        }
    }
    let v = found?;
    Some(v.strip_prefix(NTR).unwrap_or(&v).to_string())
}

/// A seal signature that covers the metadata, judged against the metadata: `Ok` with what it
/// is (seal name, holder, signer certificate), or the failing reason and words.
pub struct SealOf {
    /// The signature's id in the package.
    pub id: String,
    /// The seal's name.
    pub name: String,
    /// The seal's esID.
    pub es_id: String,
    /// The holder (credit code).
    pub holder: String,
    /// The signer's certificate (DER).
    pub signer_cert: Vec<u8>,
}

/// Judge one covering signature — its id and its seal report (an OFD seal signature's, or a
/// PDF signature's SES_Signature): e-licence seal type (`code`), holder the metadata's issuer,
/// seal name as the metadata's ZZQZMC (when present).
pub fn judge_seal_report(
    id: &str,
    seal: Option<&crate::seal::verify::SealReport>,
    code: i64,
    meta: &BTreeMap<String, String>,
) -> Result<SealOf, (LicenceReason, String)> {
    let issuer = meta.get("ZZBFJGDM").map(String::as_str).unwrap_or_default();
    let Some(seal) = seal else {
        return Err((
            LicenceReason::SealNotELicence,
            format!("signature {}: its seal could not be read", id),
        ));
    };
    let ty = seal.seal.get("type").and_then(serde_json::Value::as_i64);
    let name = seal.seal["name"].as_str().unwrap_or_default().to_string();
    let es_id = seal.seal["es_id"].as_str().unwrap_or_default().to_string();
    if ty != Some(code) {
        return Err((
            LicenceReason::SealNotELicence,
            format!(
                "signature {}: seal {es_id} ({name}) is of type {}, not an e-licence seal \
                 (电子证照专用章, type {code})",
                id,
                ty.map_or("unknown".into(), |t| t.to_string())
            ),
        ));
    }
    let Some(cert) = seal.signer_cert.clone() else {
        return Err((
            LicenceReason::SealNotOfIssuer,
            format!(
                "signature {}: the certificate that stamped it is unknown",
                id
            ),
        ));
    };
    let Some(holder) = organization_of(&cert) else {
        return Err((
            LicenceReason::SealNotOfIssuer,
            format!(
                "signature {}: the certificate that stamped seal {es_id} names no single \
                 organization, so the seal's holder cannot be shown to be the issuer {issuer}",
                id
            ),
        ));
    };
    if holder != issuer {
        return Err((
            LicenceReason::SealNotOfIssuer,
            format!(
                "signature {}: seal {es_id} ({name}) was stamped for organization {holder}, \
                 not for the issuer {issuer} the metadata names",
                id
            ),
        ));
    }
    if let Some(claimed) = meta.get("ZZQZMC")
        && *claimed != name
    {
        return Err((
            LicenceReason::MetadataInvalid,
            format!("the metadata names the seal {claimed:?} (ZZQZMC), but the seal is {name:?}"),
        ));
    }
    Ok(SealOf {
        id: id.to_string(),
        name,
        es_id,
        holder,
        signer_cert: cert,
    })
}
