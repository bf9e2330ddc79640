//! The Document Security Store (PAdES B-LT, ETSI EN 319 142-1 §5.4): the certificates, OCSP
//! responses and CRLs a verifier needs to validate every signature and time-stamp of the
//! document later, without asking anyone, in the catalog's `/DSS` — `/Certs`, `/OCSPs`,
//! `/CRLs` (arrays of streams) and `/VRI` (per signature, keyed by the upper-case hex SHA-1 of
//! its `/Contents`, listing the same streams and `/TU`, the time the data was added).
//!
//! Written by incremental update; a DSS already there is kept and added to (its streams are
//! not written twice). Read back by the verifier as revocation evidence.

use super::PdfError;
use super::field;
use crate::crypto::HashAlg;
use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};

/// Most entries of each kind read from a DSS.
const MAX_ITEMS: usize = 4096;

/// Validation data: DER certificates, OCSP responses and CRLs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// Certificates.
    pub certs: Vec<Vec<u8>>,
    /// OCSP responses (`OCSPResponse`).
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs.
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty() && self.ocsps.is_empty() && self.crls.is_empty()
    }
}

/// The DSS of `doc`, when it has one (bounded: [`MAX_ITEMS`] of each kind).
pub fn read(doc: &Document) -> ValidationData {
    let mut out = ValidationData::default();
    let Some(dss) = dss_dict(doc) else {
        return out;
    };
    for (key, into) in [
        (b"Certs".as_slice(), &mut out.certs),
        (b"OCSPs", &mut out.ocsps),
        (b"CRLs", &mut out.crls),
    ] {
        *into = streams(doc, &dss, key)
            .into_iter()
            .map(|(_, b)| b)
            .collect();
    }
    out
}

fn dss_dict(doc: &Document) -> Option<Dictionary> {
    let cat = doc.catalog().ok()?;
    let (_, dss) = doc.dereference(cat.get(b"DSS").ok()?).ok()?;
    dss.as_dict().ok().cloned()
}

/// The (id, decoded bytes) of each stream in the array `key` of `dss`.
fn streams(doc: &Document, dss: &Dictionary, key: &[u8]) -> Vec<(Option<ObjectId>, Vec<u8>)> {
    let Ok(arr) = dss
        .get(key)
        .and_then(|a| doc.dereference(a))
        .and_then(|(_, a)| a.as_array())
    else {
        return Vec::new();
    };
    arr.iter()
        .take(MAX_ITEMS)
        .filter_map(|o| {
            let id = o.as_reference().ok();
            let (_, s) = doc.dereference(o).ok()?;
            let s = s.as_stream().ok()?;
            let bytes = s
                .decompressed_content_with_limit(super::limits::stream_bound(1024 * 1024))
                .ok()
                .or_else(|| s.filters().is_err().then(|| s.content.clone()))?;
            Some((id, bytes))
        })
        .collect()
}

/// The `/Contents` bytes of every signature and document time-stamp in `doc` (their VRI keys).
fn signature_contents(doc: &Document) -> Vec<Vec<u8>> {
    super::verify::signature_fields(doc)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, v)| match v.get(b"Contents") {
            Ok(Object::String(b, _)) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

/// The VRI key of a signature: the upper-case hex SHA-1 of its `/Contents` bytes.
pub fn vri_key(contents: &[u8]) -> String {
    hex::encode_upper(HashAlg::Sha1.digest(contents))
}

/// Add `data` to the DSS of `pdf` by incremental update (see the module doc); `now` is the
/// `/TU` of new VRI entries.
pub fn add(pdf: &[u8], data: &ValidationData, now: i64) -> Result<Vec<u8>, PdfError> {
    let doc = field::load(pdf)?;
    let root = field::root_of(&doc)?;
    let existing = dss_dict(&doc);
    let old_id = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|o| o.as_reference().ok());
    let sigs = signature_contents(&doc);
    // Per kind: the key, the references to its streams, the streams' bytes.
    type Kind<'k> = (&'k [u8], Vec<Object>, Vec<Vec<u8>>);
    let mut arrays: Vec<Kind<'_>> = Vec::new();
    for key in [b"Certs".as_slice(), b"OCSPs", b"CRLs"] {
        let old = existing
            .as_ref()
            .map(|d| streams(&doc, d, key))
            .unwrap_or_default();
        let refs: Vec<Object> = old
            .iter()
            .filter_map(|(id, _)| id.map(Object::Reference))
            .collect();
        let bytes = old.into_iter().map(|(_, b)| b).collect();
        arrays.push((key, refs, bytes));
    }
    let old_vri = existing
        .as_ref()
        .and_then(|d| d.get(b"VRI").ok())
        .and_then(|v| doc.dereference(v).ok())
        .and_then(|(_, v)| v.as_dict().ok().cloned())
        .unwrap_or_default();
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);
    let mut added = false;
    for ((_, refs, have), new) in arrays
        .iter_mut()
        .zip([&data.certs, &data.ocsps, &data.crls])
    {
        for item in new {
            if have.contains(item) {
                continue;
            }
            let id = inc
                .new_document
                .add_object(Object::Stream(Stream::new(Dictionary::new(), item.clone())));
            refs.push(Object::Reference(id));
            have.push(item.clone());
            added = true;
        }
    }
    let mut vri = old_vri;
    for contents in &sigs {
        let key = vri_key(contents);
        if vri.get(key.as_bytes()).is_ok() {
            continue;
        }
        let mut entry = Dictionary::new();
        for ((_, refs, _), name) in arrays.iter().zip(["Cert", "OCSP", "CRL"]) {
            if !refs.is_empty() {
                entry.set(name, Object::Array(refs.clone()));
            }
        }
        entry.set(
            "TU",
            Object::String(field::pdf_date(now).into_bytes(), StringFormat::Literal),
        );
        vri.set(key.into_bytes(), Object::Dictionary(entry));
        added = true;
    }
    if !added {
        // Nothing new: the document as it is.
        return Ok(pdf.to_vec());
    }
    let mut dss = existing.unwrap_or_default();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    for (key, refs, _) in &arrays {
        if !refs.is_empty() {
            dss.set(key.to_vec(), Object::Array(refs.clone()));
        }
    }
    dss.set("VRI", Object::Dictionary(vri));
    match old_id {
        Some(id) => {
            inc.opt_clone_object_to_new_document(id)?;
            *inc.new_document.get_object_mut(id)? = Object::Dictionary(dss);
        }
        None => {
            let id = inc.new_document.add_object(Object::Dictionary(dss));
            field::updated(&mut inc, root)?
                .as_dict_mut()?
                .set("DSS", Object::Reference(id));
        }
    }
    let mut out = Vec::with_capacity(pdf.len() + 64 * 1024);
    inc.save_to(&mut out)
        .map_err(|e| PdfError::Sign(format!("writing the update: {e}")))?;
    Ok(out)
}

/// What validating `certs` needs from a region whose CA certificates are `cas`: the CAs on
/// their paths (indices into `cas`: their certificates and their CRLs are needed) and the
/// end-entity certificates they issued (serial, the issuing CA's index: an OCSP response each).
/// Certificates of other issuers need nothing from this region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// CAs on the paths, each once.
    pub cas: Vec<usize>,
    /// End-entity certificates of ours: (serial content octets, issuing CA index).
    pub ocsp: Vec<(Vec<u8>, usize)>,
}

/// See [`Needs`].
pub fn needs(certs: &[Vec<u8>], cas: &[Vec<u8>]) -> Needs {
    use crate::verify::cert::Cert;
    let parsed: Vec<Option<std::sync::Arc<Cert>>> =
        cas.iter().map(|c| Cert::shared(c).ok()).collect();
    let mut out = Needs::default();
    let mut todo: Vec<Vec<u8>> = certs.to_vec();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    while let Some(der) = todo.pop() {
        if seen.contains(&der) || seen.len() > 256 {
            continue;
        }
        seen.push(der.clone());
        let Ok(c) = Cert::shared(&der) else { continue };
        if c.self_issued {
            continue;
        }
        let issuer = parsed.iter().position(|ca| {
            ca.as_ref().is_some_and(|ca| {
                ca.subject == c.issuer && c.aki.as_ref().is_none_or(|k| ca.ski.as_ref() == Some(k))
            })
        });
        let Some(i) = issuer else { continue };
        if !out.cas.contains(&i) {
            out.cas.push(i);
            todo.push(cas[i].clone());
        }
        let is_ca = c.basic.is_some_and(|b| b.ca);
        if !is_ca && !c.ocsp_nocheck && !out.ocsp.iter().any(|(s, j)| *s == c.serial && *j == i) {
            out.ocsp.push((c.serial.clone(), i));
        }
    }
    out
}
