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

use crate::seal::service::SealReport;
use crate::seal::verify::VerifyOptions;
use crate::verify::report::{Indication, SubIndication};
use base64::Engine as _;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod budget;
pub mod coverage;
pub mod embedded;
mod package;
mod parts;
mod xml;

pub use budget::{Deadline, HashWork, Stopped};
use budget::{HashError, Hasher, check_method};
use coverage::{Structure, UnprotectedPart};
pub use package::Package;
pub use parts::{
    Provider, Reference, SignatureEntry, SignatureXml, StampAnnot, parse_signature_xml,
    signature_entries,
};

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
/// At most this many elements per XML part (a bigger part is refused, not parsed further).
pub const MAX_XML_ELEMENTS: usize = 100_000;
/// At most this many attributes per XML part.
pub const MAX_XML_ATTRIBUTES: usize = 200_000;
/// At most this many signatures per package (all `Signatures.xml` together): a package that
/// lists more is TOTAL_FAILED / FORMAT_FAILURE before any signature is verified.
pub const MAX_SIGNATURES: usize = 64;
/// At most this many References per signature: a signature that lists more is TOTAL_FAILED /
/// FORMAT_FAILURE unchecked (real vendors write a few dozen).
pub const MAX_REFERENCES: usize = 4_096;
/// At most this many References for all the signatures of a package together.
pub const MAX_REFERENCES_TOTAL: usize = 16_384;
/// At most this many bytes hashed by one verification (each file is hashed once per check
/// method, whatever the number of References naming it): the package's size limit.
pub const MAX_HASHED_BYTES: u64 = MAX_TOTAL_SIZE;
/// At most this many XML parts read to learn the document structure for coverage (root,
/// resource lists, annotation / attachment / custom tag lists).
pub const MAX_STRUCTURE_PARTS: usize = 64;

/// The OFD namespace.
pub const OFD_NS: &str = "http://www.ofdspec.org/2016";
/// SM3 (GB/T 32905) as CheckMethod.
pub const SM3_OID: &str = crate::crypto::HashAlg::Sm3.dotted();
/// SHA-256 as CheckMethod.
pub const SHA256_OID: &str = crate::crypto::HashAlg::Sha256.dotted();

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
    /// This signature's indication: the worst of its references, its coverage and its signed
    /// value.
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
    /// What this signature must protect but does not (its document root, a page's content):
    /// each makes it TOTAL_FAILED.
    pub uncovered: Vec<String>,
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
    /// Files of the package that no signature protects (templates, resources, annotations,
    /// attachments, files added after signing …; not the signature machinery). They do not
    /// change the indication: see `warnings`.
    pub unprotected: Vec<UnprotectedPart>,
    /// What a relying party should know beyond the indication (unprotected parts).
    pub warnings: Vec<String>,
    /// Package-level quirks tolerated.
    pub tolerated: Vec<String>,
    /// How much hashing the verification did.
    pub work: HashWork,
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

fn failed_report(detail: String, tolerated: Vec<String>) -> OfdReport {
    OfdReport {
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        detail,
        signatures: vec![],
        unprotected: vec![],
        warnings: vec![],
        tolerated,
        work: HashWork::default(),
    }
}

/// A report for a verification stopped by its deadline (only with [`Deadline::none`] if it
/// was cancelled): INDETERMINATE, nothing concluded.
fn stopped_report(s: &Stopped) -> OfdReport {
    OfdReport {
        indication: Indication::Indeterminate,
        sub_indication: None,
        detail: s.to_string(),
        signatures: vec![],
        unprotected: vec![],
        warnings: vec![],
        tolerated: vec![],
        work: HashWork::default(),
    }
}

/// Verify every signature of an OFD package given as bytes (no deadline: the caps of this
/// module bound the work).
pub async fn verify(pkg_bytes: &[u8], opts: &VerifyOptions<'_>) -> OfdReport {
    verify_until(pkg_bytes, opts, &Deadline::none())
        .await
        .unwrap_or_else(|s| stopped_report(&s))
}

/// [`verify`] that stops with [`Stopped`] once `deadline` passes (checked per package entry
/// read, per signature and per reference hashed).
pub async fn verify_until(
    pkg_bytes: &[u8],
    opts: &VerifyOptions<'_>,
    deadline: &Deadline,
) -> Result<OfdReport, Stopped> {
    match Package::read_until(pkg_bytes, deadline)? {
        Ok(pkg) => verify_package_until(&pkg, opts, deadline).await,
        Err(e) => Ok(failed_report(e.to_string(), vec![])),
    }
}

/// Verify every signature of a package already read.
pub async fn verify_package(pkg: &Package, opts: &VerifyOptions<'_>) -> OfdReport {
    verify_package_until(pkg, opts, &Deadline::none())
        .await
        .unwrap_or_else(|s| stopped_report(&s))
}

/// [`verify_package`] that stops with [`Stopped`] once `deadline` passes.
pub async fn verify_package_until(
    pkg: &Package,
    opts: &VerifyOptions<'_>,
    deadline: &Deadline,
) -> Result<OfdReport, Stopped> {
    let mut tolerated = pkg.tolerated().to_vec();
    let entries = match signature_entries(pkg) {
        Ok((entries, t)) => {
            tolerated.extend(t);
            entries
        }
        Err(e) => return Ok(failed_report(e.to_string(), tolerated)),
    };
    if entries.is_empty() {
        return Ok(OfdReport {
            indication: Indication::Indeterminate,
            sub_indication: None,
            detail: "the package has no signatures (no Signatures.xml or no Signature in it)"
                .into(),
            signatures: vec![],
            unprotected: vec![],
            warnings: vec![],
            tolerated,
            work: HashWork::default(),
        });
    }
    if entries.len() > MAX_SIGNATURES {
        return Ok(failed_report(
            format!(
                "the package lists {} signatures; at most {MAX_SIGNATURES} are verified \
                 (MAX_SIGNATURES): refused before verifying any",
                entries.len()
            ),
            tolerated,
        ));
    }
    let structure = Structure::read(pkg, deadline)?;
    tolerated.extend(structure.tolerated.iter().cloned());
    let mut hasher = Hasher::new(deadline);
    let mut refs_left = MAX_REFERENCES_TOTAL;
    // Machinery: the signature lists, and each signature's own files.
    let mut machinery: BTreeSet<String> = structure
        .docs
        .iter()
        .filter_map(|d| d.signatures_xml.clone())
        .collect();
    machinery.extend(entries.iter().map(|e| e.signatures_xml.clone()));
    let mut covered = BTreeSet::new();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    let mut signatures = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        deadline.check(|| {
            format!(
                "before signature {} of {} (ID {:?})",
                i + 1,
                entries.len(),
                entry.id
            )
        })?;
        let sig_path = locate(pkg, &entry.signatures_xml, &entry.base_loc, &mut vec![]).ok();
        if let Some(p) = &sig_path
            && let Some(first) = listed.get(p)
        {
            signatures.push(duplicate_report(entry, p, first));
            continue;
        }
        if let Some(p) = sig_path {
            listed.insert(p, entry.id.clone());
        }
        let (report, own) =
            verify_signature(pkg, entry, &structure, &mut refs_left, &mut hasher, opts).await?;
        covered.extend(report.references.iter().map(|x| x.file.clone()));
        machinery.extend(own);
        signatures.push(report);
    }
    let unprotected = structure.unprotected(pkg, &covered, &machinery);
    let warnings = coverage::warnings(&unprotected);
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
    if !unprotected.is_empty() {
        detail.push_str(&format!(
            "; {} file(s) of the package protected by no signature (see warnings)",
            unprotected.len()
        ));
    }
    Ok(OfdReport {
        indication,
        sub_indication,
        detail,
        signatures,
        unprotected,
        warnings,
        tolerated,
        work: hasher.work,
    })
}

/// A report for a signature whose Signature.xml is already listed: refused, not counted twice.
fn duplicate_report(entry: &SignatureEntry, sig_path: &str, first: &str) -> SignatureReport {
    let mut r = signature_report(entry);
    r.signature_xml = sig_path.to_string();
    r.detail = format!(
        "{sig_path} is already listed as signature ID {first:?}: a signature listed twice is \
         refused, not counted twice"
    );
    r
}

/// A FAILED / FORMAT_FAILURE report for `entry`, filled in by the caller.
fn signature_report(entry: &SignatureEntry) -> SignatureReport {
    SignatureReport {
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
        uncovered: vec![],
        seal: None,
        tolerated: vec![],
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

/// The files of a signature that are its own machinery: its signed value and its seal file
/// (as `verify_value` finds them; `Signature.xml` is added by the caller).
fn own_files(pkg: &Package, sig_path: &str, info: &SignatureXml) -> Vec<String> {
    let mut out = Vec::new();
    let named = info
        .signed_value
        .iter()
        .chain(info.seal_base_loc.iter())
        .map(String::as_str);
    for name in named.chain(["SignedValue.dat", "SignValue.dat"]) {
        if let Ok(p) = locate(pkg, sig_path, name, &mut vec![]) {
            out.push(p);
        }
    }
    out
}

/// Verify one signature; also returns its machinery files (Signature.xml, value, seal).
async fn verify_signature(
    pkg: &Package,
    entry: &SignatureEntry,
    structure: &Structure,
    refs_left: &mut usize,
    hasher: &mut Hasher<'_>,
    opts: &VerifyOptions<'_>,
) -> Result<(SignatureReport, Vec<String>), Stopped> {
    let mut r = signature_report(entry);
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
            return Ok((r, vec![]));
        }
    };
    r.signature_xml = sig_path.clone();
    let sig_bytes = pkg.get(&sig_path).unwrap_or_default();
    let info = match parse_signature_xml(&sig_path, sig_bytes) {
        Ok(i) => i,
        Err(e) => {
            r.detail = e.to_string();
            return Ok((r, vec![sig_path]));
        }
    };
    let mut own = own_files(pkg, &sig_path, &info);
    own.push(sig_path.clone());
    // Caps, before any work.
    let n = info.references.len();
    if n > MAX_REFERENCES {
        r.detail = format!(
            "the signature lists {n} References; at most {MAX_REFERENCES} are checked per \
             signature (MAX_REFERENCES): refused unchecked"
        );
        return Ok((r, own));
    }
    if n > *refs_left {
        r.detail = format!(
            "the signatures of the package list more than {MAX_REFERENCES_TOTAL} References \
             together (MAX_REFERENCES_TOTAL): this one refused unchecked"
        );
        return Ok((r, own));
    }
    *refs_left -= n;
    r.tolerated.extend(info.tolerated.iter().cloned());
    // References.
    let mut refs_indication = Indication::TotalPassed;
    let mut noted_methods = Vec::new();
    for (i, reference) in info.references.iter().enumerate() {
        let m = reference.check_method.as_deref();
        if let Some(m) = m
            && m != SM3_OID
            && !noted_methods.iter().any(|n: &String| n == m)
        {
            noted_methods.push(m.to_string());
            if check_method(Some(m)) == Some(crate::crypto::HashAlg::Sm3) {
                r.tolerated
                    .push(format!("CheckMethod {m:?} taken as {SM3_OID} (SM3)"));
            }
        }
        let during = |file: &str| {
            format!(
                "while hashing {file} (reference {} of {n} of signature {:?})",
                i + 1,
                entry.id
            )
        };
        let (file, outcome) =
            match check_reference(pkg, &sig_path, reference, &mut r.tolerated, hasher, during)? {
                RefCheck::Done(file, outcome) => (file, outcome),
                RefCheck::OverBudget(file, needed) => {
                    r.detail = format!(
                        "hashing {file} would bring the bytes hashed by this verification to \
                         {needed} (at most {MAX_HASHED_BYTES}, MAX_HASHED_BYTES): the \
                         signature is refused with {i} of {n} references checked"
                    );
                    return Ok((r, own));
                }
            };
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
    // One note per quirk, however many References show it.
    let mut seen = std::collections::HashSet::new();
    r.tolerated.retain(|t| seen.insert(t.clone()));
    let refs_ok = r.references.iter().filter(|x| x.ok).count();
    let refs_summary = format!("references {refs_ok}/{} ok", r.references.len());
    // Coverage: no References at all, or the document root or a page left out.
    let covered: BTreeSet<String> = r.references.iter().map(|x| x.file.clone()).collect();
    let coverage_failure = if r.references.is_empty() {
        Some("the signature protects no file (it has no References)".to_string())
    } else {
        match coverage::missing(structure.doc_of(&entry.signatures_xml), &covered) {
            Ok(m) if m.is_empty() => None,
            Ok(m) => {
                r.uncovered = m.iter().map(|(_, f)| f.clone()).collect();
                let list: Vec<String> = m.iter().map(|(role, f)| format!("{role} {f}")).collect();
                Some(format!(
                    "the signature leaves unprotected: {}",
                    list.join(", ")
                ))
            }
            Err(why) => Some(format!(
                "what the signature must protect cannot be known: {why}"
            )),
        }
    };
    hasher.deadline().check(|| {
        format!(
            "before verifying the signed value of signature {:?}",
            entry.id
        )
    })?;
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
            "{refs_summary}; changed or missing after signing: {}; {}{value_detail}",
            r.failed_files.join(", "),
            coverage_failure
                .map(|c| format!("{c}; "))
                .unwrap_or_default()
        );
    } else if let Some(c) = coverage_failure {
        r.indication = Indication::TotalFailed;
        r.sub_indication = Some(SubIndication::FormatFailure);
        r.detail = format!("{c}; {refs_summary}; {value_detail}");
    } else if rank(value_indication) >= rank(refs_indication) {
        r.indication = value_indication;
        r.sub_indication = value_sub;
        r.detail = format!("{refs_summary}; {value_detail}");
    } else {
        r.indication = refs_indication;
        r.sub_indication = None;
        r.detail = format!("{refs_summary} (some could not be checked); {value_detail}");
    }
    Ok((r, own))
}

type RefOutcome = Result<String, (Indication, String)>;

enum RefCheck {
    /// The reference was checked (or cannot be): the file and the outcome.
    Done(String, RefOutcome),
    /// Hashing the file would exceed [`MAX_HASHED_BYTES`] (bytes hashed so far included).
    OverBudget(String, u64),
}

fn check_reference(
    pkg: &Package,
    sig_path: &str,
    reference: &Reference,
    tolerated: &mut Vec<String>,
    hasher: &mut Hasher<'_>,
    during: impl FnOnce(&str) -> String,
) -> Result<RefCheck, Stopped> {
    let path = match locate(pkg, sig_path, &reference.file_ref, tolerated) {
        Ok(p) => p,
        Err(p) => {
            let d = format!("{p} is missing from the package");
            return Ok(RefCheck::Done(p, Err((Indication::TotalFailed, d))));
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
            return Ok(RefCheck::Done(path, Err((Indication::TotalFailed, d))));
        }
    };
    let Some(method) = check_method(reference.check_method.as_deref()) else {
        let d = format!(
            "CheckMethod {:?} is not supported; {path} not checked",
            reference.check_method.as_deref().unwrap_or_default()
        );
        return Ok(RefCheck::Done(path, Err((Indication::Indeterminate, d))));
    };
    let actual = match hasher.digest(&path, method, data, || during(&path)) {
        Ok(d) => d,
        Err(HashError::Stopped(s)) => return Err(s),
        Err(HashError::Budget { needed }) => return Ok(RefCheck::OverBudget(path, needed)),
    };
    Ok(if actual == expected.as_slice() {
        RefCheck::Done(path, Ok("hash matches the CheckValue".into()))
    } else {
        RefCheck::Done(
            path,
            Err((
                Indication::TotalFailed,
                "hash does not match the CheckValue: the file changed after signing".into(),
            )),
        )
    })
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
