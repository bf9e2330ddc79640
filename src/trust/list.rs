//! The region's trust list: model, canonical JSON, building the next version from the
//! region's services, withdrawal, and signing/verification as CMS SignedData.
//!
//! The model follows ETSI TS 119 612 in spirit (a signed list of trust services, each with
//! its certificates, a status with a status history, and supply points), in JSON rather than
//! XML. The signed object is a CMS SignedData whose eContent is the list's **canonical JSON**:
//! UTF-8, object keys sorted, no insignificant white space, integers only (RFC 8785 for the
//! subset we emit). Each list is signed twice, once with the SM2 trust-list signer (GM/T 0010
//! OIDs) and once with the P-256 one; both carry the same bytes and sequence number.

use crate::crypto::Signer;
use serde::{Deserialize, Serialize};

/// The `format` value of every list this code writes and accepts.
pub const FORMAT: &str = "yinxin-trust-list/1";

/// Kinds of trust services a list names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    /// A root CA: the trust anchor of the region's certificates.
    RootCa,
    /// An issuing CA (subordinate of a root).
    IssuingCa,
    /// The seal-making authority (制章者).
    SealMaker,
    /// A time-stamping unit.
    Tsu,
    /// A delegated OCSP responder.
    OcspResponder,
    /// The signer of e-licence QR payloads; its supply point is the licence status service.
    LicenceQrSigner,
    /// A link certificate of a root rollover (NewWithOld or OldWithNew, RFC 4210 §4.4): a CA
    /// certificate between two of the region's roots, used as an intermediate only.
    RootLink,
}

impl ServiceKind {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::RootCa => "root-ca",
            ServiceKind::IssuingCa => "issuing-ca",
            ServiceKind::SealMaker => "seal-maker",
            ServiceKind::Tsu => "tsu",
            ServiceKind::OcspResponder => "ocsp-responder",
            ServiceKind::LicenceQrSigner => "licence-qr-signer",
            ServiceKind::RootLink => "root-link",
        }
    }
}

/// A service's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Recognized.
    Granted,
    /// No longer recognized from `start` on (signatures proven earlier still validate).
    Withdrawn,
}

/// One entry of a status history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEntry {
    /// The status.
    pub status: ServiceStatus,
    /// From when (RFC 3339, UTC).
    pub start: String,
}

/// Where relying parties get status and time from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyPoints {
    /// CRL URLs (full and delta).
    #[serde(default)]
    pub crl: Vec<String>,
    /// OCSP responder URLs.
    #[serde(default)]
    pub ocsp: Vec<String>,
    /// Time-stamping URLs.
    #[serde(default)]
    pub tsa: Vec<String>,
    /// E-licence status: the base URL; a licence's signed status is at
    /// `<base>/<identifier>/status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_status: Vec<String>,
}

/// One trust service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable identifier inside the region (e.g. `sm2-root`, `sm2-seal-maker`).
    pub id: String,
    /// Kind.
    pub kind: ServiceKind,
    /// `sm2` or `p256`.
    pub algorithm: String,
    /// Certificates (base64 DER), the service's current certificate first.
    pub certificates: Vec<String>,
    /// Current status (= the last history entry).
    pub status: ServiceStatus,
    /// Start of the current status (RFC 3339).
    pub status_start: String,
    /// Every status the service had, oldest first.
    pub history: Vec<StatusEntry>,
    /// Certificate policy OIDs issued or used under this service.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Assurance level OIDs (a subset of the policies) with their names.
    #[serde(default)]
    pub assurance_levels: std::collections::BTreeMap<String, String>,
    /// Supply points.
    #[serde(default)]
    pub supply_points: SupplyPoints,
}

impl Service {
    /// The certificates as DER (entries that are not base64 are skipped).
    pub fn certificates_der(&self) -> Vec<Vec<u8>> {
        use base64::Engine;
        self.certificates
            .iter()
            .filter_map(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
            .collect()
    }

    /// The status in force at Unix time `at` (`None` before the first entry).
    pub fn status_at(&self, at: i64) -> Option<ServiceStatus> {
        let mut current = None;
        for h in &self.history {
            match parse_time(&h.start) {
                Some(t) if t <= at => current = Some(h.status),
                Some(_) => break,
                None => return None,
            }
        }
        current
    }
}

/// Region identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionId {
    /// Region code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A trust list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustList {
    /// [`FORMAT`].
    pub format: String,
    /// The publishing region.
    pub region: RegionId,
    /// Sequence number, strictly increasing per region.
    pub sequence: u64,
    /// Issue time (RFC 3339).
    pub issued: String,
    /// Next update (RFC 3339): relying parties stop trusting this version after it (+ grace).
    pub next_update: String,
    /// Services.
    pub services: Vec<Service>,
    /// The region's transparency log and witness (issue 20): what peers need to check its
    /// proofs and to be asked to cosign; absent in lists of regions without a log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transparency: Option<LogInfo>,
}

/// A region's transparency log as its trust list announces it (the list's signature is what
/// makes these keys trusted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogInfo {
    /// The checkpoints' origin line.
    pub origin: String,
    /// The log's base URL (`<url>/checkpoint`, `<url>/tile/…`, `<url>/proof`).
    pub url: String,
    /// The Ed25519 checkpoint key (signed-note vkey).
    pub log_key: String,
    /// The region's SM2 checkpoint key (vkey of type 0xff), when it signs checkpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm2_key: Option<String>,
    /// The region's witness key (cosignature/v1 vkey).
    pub witness_key: String,
    /// Its tlog-witness `add-checkpoint` URL.
    pub witness_url: String,
}

/// A list failure.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Not a signed list (CMS) or the signature does not verify.
    #[error("forged or malformed list signature: {0}")]
    Signature(String),
    /// Signed by a certificate that is not pinned.
    #[error("list signed by an unknown signer (certificate SHA-256 {0})")]
    UnknownSigner(String),
    /// The signer certificate is outside its validity.
    #[error("the list signer's certificate is not valid now")]
    SignerExpired,
    /// The pinned signer certificate is not a trust-list signer's (EKU, key usage).
    #[error("the list signer's certificate is not for signing trust lists: {0}")]
    SignerPurpose(String),
    /// The content is not a list.
    #[error("malformed list: {0}")]
    Malformed(String),
    /// Another region's list.
    #[error("list of region {got}, expected {expected}")]
    WrongRegion {
        /// Expected.
        expected: String,
        /// Found.
        got: String,
    },
    /// Sequence lower than the newest accepted one.
    #[error("rollback: sequence {got} is lower than the accepted {have}")]
    Rollback {
        /// Accepted.
        have: u64,
        /// Offered.
        got: u64,
    },
    /// Same sequence, different content.
    #[error("sequence {0} was already accepted with different content")]
    Equivocation(u64),
    /// Past nextUpdate.
    #[error("expired list: nextUpdate {0} has passed")]
    Expired(String),
    /// Issued in the future.
    #[error("list issued in the future ({0})")]
    FromTheFuture(String),
    /// Signing failure.
    #[error("cannot sign the list: {0}")]
    Sign(String),
}

/// Canonical JSON of any value made of objects, strings and integers: UTF-8, object keys
/// sorted, no insignificant white space (RFC 8785 for that subset). What trust lists and
/// signed seal statuses sign.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // serde_json's Value keeps object keys in a BTreeMap (sorted) and `to_vec` writes no
    // white space: that is the canonical form for the strings and integers we emit.
    let v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    serde_json::to_vec(&v).unwrap_or_default()
}

/// RFC 3339 → Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

impl TrustList {
    /// Canonical JSON bytes (what is signed).
    pub fn canonical_json(&self) -> Vec<u8> {
        canonical_json(self)
    }

    /// Parse canonical (or any) JSON.
    pub fn from_json(bytes: &[u8]) -> Result<TrustList, ListError> {
        let l: TrustList =
            serde_json::from_slice(bytes).map_err(|e| ListError::Malformed(e.to_string()))?;
        if l.format != FORMAT {
            return Err(ListError::Malformed(format!(
                "format {:?}, expected {FORMAT:?}",
                l.format
            )));
        }
        for t in [&l.issued, &l.next_update] {
            parse_time(t).ok_or_else(|| ListError::Malformed(format!("bad time {t:?}")))?;
        }
        for s in &l.services {
            if s.history.is_empty() || s.history.last().map(|h| h.status) != Some(s.status) {
                return Err(ListError::Malformed(format!(
                    "service {}: status and history disagree",
                    s.id
                )));
            }
            if s.history.iter().any(|h| parse_time(&h.start).is_none()) {
                return Err(ListError::Malformed(format!(
                    "service {}: bad history time",
                    s.id
                )));
            }
            if s.certificates_der().len() != s.certificates.len() {
                return Err(ListError::Malformed(format!(
                    "service {}: a certificate is not base64",
                    s.id
                )));
            }
        }
        Ok(l)
    }

    /// Issue time, Unix seconds.
    pub fn issued_at(&self) -> i64 {
        parse_time(&self.issued).unwrap_or(0)
    }

    /// nextUpdate, Unix seconds.
    pub fn next_update_at(&self) -> i64 {
        parse_time(&self.next_update).unwrap_or(0)
    }

    /// Every supply point URL of the list (the only URLs fetched for this region).
    pub fn supply_points(&self) -> std::collections::BTreeSet<String> {
        self.services
            .iter()
            .flat_map(|s| {
                s.supply_points
                    .crl
                    .iter()
                    .chain(&s.supply_points.ocsp)
                    .chain(&s.supply_points.tsa)
                    .cloned()
            })
            .collect()
    }
}

/// A service as the region currently runs it (input of [`next_version`]).
#[derive(Clone, Debug)]
pub struct CurrentService {
    /// Identifier.
    pub id: String,
    /// Kind.
    pub kind: ServiceKind,
    /// `sm2` / `p256`.
    pub algorithm: String,
    /// Its certificate (DER).
    pub cert: Vec<u8>,
    /// Policies.
    pub policies: Vec<String>,
    /// Assurance levels (OID → name).
    pub assurance_levels: std::collections::BTreeMap<String, String>,
    /// Supply points.
    pub supply_points: SupplyPoints,
}

/// Build the next version: services keep their status and history from `prev`; new
/// services (or a service with a new certificate) start `granted` at `now`; services of
/// `prev` that are gone stay listed with their history (and are withdrawn at `now` if they
/// were still granted), so that old signatures keep a status history to be judged by.
pub fn next_version(
    region: RegionId,
    prev: Option<&TrustList>,
    current: &[CurrentService],
    now: i64,
    validity_secs: i64,
) -> TrustList {
    use base64::Engine;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let ts = crate::clock::rfc3339(now);
    let mut services = Vec::new();
    for c in current {
        let cert_b64 = b64(&c.cert);
        let old = prev.and_then(|p| {
            p.services
                .iter()
                .find(|s| s.id == c.id && s.certificates.first() == Some(&cert_b64))
        });
        let (status, status_start, history) = match old {
            Some(o) => (o.status, o.status_start.clone(), o.history.clone()),
            None => (
                ServiceStatus::Granted,
                ts.clone(),
                vec![StatusEntry {
                    status: ServiceStatus::Granted,
                    start: ts.clone(),
                }],
            ),
        };
        services.push(Service {
            id: c.id.clone(),
            kind: c.kind,
            algorithm: c.algorithm.clone(),
            certificates: vec![cert_b64],
            status,
            status_start,
            history,
            policies: c.policies.clone(),
            assurance_levels: c.assurance_levels.clone(),
            supply_points: c.supply_points.clone(),
        });
    }
    if let Some(p) = prev {
        for old in &p.services {
            let still = services
                .iter()
                .any(|s| s.id == old.id && s.certificates.first() == old.certificates.first());
            if still {
                continue;
            }
            let mut kept = old.clone();
            // The same id with a new certificate: keep the old entry under a distinct id.
            if services.iter().any(|s| s.id == kept.id) {
                kept.id = format!(
                    "{}@{}",
                    old.id,
                    hex::encode(
                        &crate::crypto::sha256(
                            old.certificates_der()
                                .first()
                                .map(Vec::as_slice)
                                .unwrap_or_default()
                        )[..8]
                    )
                );
            }
            if kept.status == ServiceStatus::Granted {
                kept.status = ServiceStatus::Withdrawn;
                kept.status_start = ts.clone();
                kept.history.push(StatusEntry {
                    status: ServiceStatus::Withdrawn,
                    start: ts.clone(),
                });
            }
            services.push(kept);
        }
    }
    TrustList {
        format: FORMAT.into(),
        region,
        sequence: prev.map(|p| p.sequence + 1).unwrap_or(1),
        issued: ts,
        next_update: crate::clock::rfc3339(now + validity_secs),
        services,
        transparency: None,
    }
}

/// Change a service's status in `list` (a new version is then signed and published).
/// Returns false when the service is unknown; setting the status it already has is a no-op.
pub fn set_status(list: &mut TrustList, service_id: &str, status: ServiceStatus, now: i64) -> bool {
    let Some(s) = list.services.iter_mut().find(|s| s.id == service_id) else {
        return false;
    };
    if s.status != status {
        let ts = crate::clock::rfc3339(now);
        s.status = status;
        s.status_start = ts.clone();
        s.history.push(StatusEntry { status, start: ts });
    }
    true
}

/// Sign the canonical JSON of `list` with a trust-list signer (CMS SignedData, content
/// embedded, signer certificate carried).
pub fn sign(
    list: &TrustList,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
) -> Result<Vec<u8>, ListError> {
    sign_with_chain(list, signer, signer_cert, &[], now)
}

/// [`sign`], also carrying `chain` (the signer's issuing CA), so that standard CMS tools can
/// build the path to the region's root.
pub fn sign_with_chain(
    list: &TrustList,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    now: i64,
) -> Result<Vec<u8>, ListError> {
    crate::document::cms::sign_embedded(&list.canonical_json(), signer, signer_cert, chain, now)
        .map_err(|e| ListError::Sign(e.to_string()))
}

/// A certificate of a verified list, decoded and hashed once (lists are consulted on every
/// verification).
#[derive(Clone, Debug)]
pub struct ListedCert {
    /// Index of its service in `list.services`.
    pub service: usize,
    /// The service's kind.
    pub kind: ServiceKind,
    /// DER.
    pub der: Vec<u8>,
    /// SHA-256 of the DER (hex).
    pub sha256: String,
    /// Subject name (`None` when the certificate does not parse).
    pub subject: Option<x509_cert::name::Name>,
}

/// A signed list whose signature verified and whose signer is pinned.
#[derive(Clone, Debug)]
pub struct VerifiedList {
    /// The list.
    pub list: TrustList,
    /// SHA-256 of the signer certificate (hex).
    pub signer_sha256: String,
    /// The exact signed bytes (CMS DER).
    pub signed: Vec<u8>,
    /// Every certificate of every service.
    pub certs: Vec<ListedCert>,
    /// Every supply point URL (the only URLs fetched for this region).
    pub supply_points: std::collections::BTreeSet<String>,
}

impl VerifiedList {
    fn new(list: TrustList, signer_sha256: String, signed: Vec<u8>) -> Self {
        let certs = list
            .services
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.certificates_der().into_iter().map(move |der| ListedCert {
                    service: i,
                    kind: s.kind,
                    sha256: hex::encode(crate::crypto::sha256(&der)),
                    subject: crate::verify::cert::Cert::shared(&der)
                        .ok()
                        .map(|c| c.subject.clone()),
                    der,
                })
            })
            .collect();
        let supply_points = list.supply_points();
        VerifiedList {
            list,
            signer_sha256,
            signed,
            certs,
            supply_points,
        }
    }

    /// Add the listed roots accepted by `root_ok` to `anchors` and the issuing CAs and root
    /// links to `intermediates`.
    pub fn anchors_into(
        &self,
        anchors: &mut Vec<Vec<u8>>,
        intermediates: &mut Vec<Vec<u8>>,
        root_ok: impl Fn(&ListedCert) -> bool,
    ) {
        for c in &self.certs {
            match c.kind {
                ServiceKind::RootCa if root_ok(c) => anchors.push(c.der.clone()),
                ServiceKind::IssuingCa | ServiceKind::RootLink => intermediates.push(c.der.clone()),
                _ => {}
            }
        }
    }

    /// The certificates of services of `kind`.
    pub fn certs_of(&self, kind: ServiceKind) -> impl Iterator<Item = &ListedCert> {
        self.certs.iter().filter(move |c| c.kind == kind)
    }

    /// The service of `kind` with a certificate matching `pred`.
    pub fn service_where(
        &self,
        kind: ServiceKind,
        pred: impl Fn(&ListedCert) -> bool,
    ) -> Option<&Service> {
        self.certs_of(kind)
            .find(|c| pred(c))
            .map(|c| &self.list.services[c.service])
    }
}

/// Verify a signed list: CMS signature over the embedded content, signer certificate pinned
/// (`pins`: SHA-256 of the allowed signer certificates), valid for the trust-list-signer
/// purpose (its EKU and key usage) and within its validity at `now`,
/// content a well-formed list. Region, sequence and freshness are checked by the caller
/// (see [`super::peers`]), which knows what it accepted before.
pub fn verify_signed(
    signed: &[u8],
    pins: &[[u8; 32]],
    now: i64,
) -> Result<VerifiedList, ListError> {
    let info = crate::document::cms::verify_embedded(signed)
        .map_err(|e| ListError::Signature(e.to_string()))?;
    let fp = crate::crypto::sha256(&info.signer_cert);
    if !pins.contains(&fp) {
        return Err(ListError::UnknownSigner(hex::encode(fp)));
    }
    let cert = crate::verify::cert::Cert::shared(&info.signer_cert)
        .map_err(|e| ListError::Signature(format!("signer certificate: {e}")))?;
    if now < cert.not_before || now > cert.not_after {
        return Err(ListError::SignerExpired);
    }
    crate::verify::purpose::Purpose::TrustListSigner
        .check(&cert)
        .map_err(|e| ListError::SignerPurpose(e.to_string()))?;
    let content = crate::document::cms::embedded_content(signed)
        .map_err(|e| ListError::Signature(e.to_string()))?
        .ok_or_else(|| ListError::Malformed("the CMS carries no content".into()))?;
    let list = TrustList::from_json(&content)?;
    Ok(VerifiedList::new(list, hex::encode(fp), signed.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(id: &str, kind: ServiceKind, cert: &[u8]) -> CurrentService {
        CurrentService {
            id: id.into(),
            kind,
            algorithm: "sm2".into(),
            cert: cert.to_vec(),
            policies: vec!["1.2.3".into()],
            assurance_levels: Default::default(),
            supply_points: SupplyPoints::default(),
        }
    }

    fn region() -> RegionId {
        RegionId {
            code: "a".into(),
            name: "A".into(),
        }
    }

    #[test]
    fn history_is_kept_and_status_is_judged_at_a_time() {
        let t0 = 1_700_000_000;
        let cur = [
            svc("sm2-root", ServiceKind::RootCa, b"root"),
            svc("sm2-seal-maker", ServiceKind::SealMaker, b"maker"),
        ];
        let v1 = next_version(region(), None, &cur, t0, 86_400);
        assert_eq!(v1.sequence, 1);
        let mut v2 = next_version(region(), Some(&v1), &cur, t0 + 100, 86_400);
        assert_eq!(v2.sequence, 2);
        assert_eq!(
            v2.services, v1.services,
            "unchanged services keep their history"
        );
        assert!(set_status(
            &mut v2,
            "sm2-seal-maker",
            ServiceStatus::Withdrawn,
            t0 + 200
        ));
        assert!(!set_status(&mut v2, "nope", ServiceStatus::Withdrawn, t0));
        let m = v2
            .services
            .iter()
            .find(|s| s.id == "sm2-seal-maker")
            .unwrap();
        assert_eq!(m.status_at(t0 - 1), None);
        assert_eq!(m.status_at(t0 + 199), Some(ServiceStatus::Granted));
        assert_eq!(m.status_at(t0 + 200), Some(ServiceStatus::Withdrawn));
        // A renewed certificate: the old one stays listed, withdrawn, under a derived id.
        let renewed = [
            svc("sm2-root", ServiceKind::RootCa, b"root"),
            svc("sm2-seal-maker", ServiceKind::SealMaker, b"maker2"),
        ];
        let v3 = next_version(region(), Some(&v2), &renewed, t0 + 300, 86_400);
        assert_eq!(v3.services.len(), 3);
        let old = v3
            .services
            .iter()
            .find(|s| s.id.starts_with("sm2-seal-maker@"))
            .unwrap();
        assert_eq!(old.status, ServiceStatus::Withdrawn);
        assert_eq!(old.history.len(), 2);
        // Canonical JSON round-trips and is stable.
        let j = v3.canonical_json();
        let back = TrustList::from_json(&j).unwrap();
        assert_eq!(back, v3);
        assert_eq!(back.canonical_json(), j);
        assert!(!j.contains(&b'\n'));
    }

    #[test]
    fn malformed_lists_are_rejected() {
        let v1 = next_version(
            region(),
            None,
            &[svc("x", ServiceKind::Tsu, b"c")],
            1_700_000_000,
            60,
        );
        let mut bad = serde_json::to_value(&v1).unwrap();
        bad["services"][0]["status"] = "withdrawn".into();
        assert!(matches!(
            TrustList::from_json(bad.to_string().as_bytes()),
            Err(ListError::Malformed(_))
        ));
        let mut bad = serde_json::to_value(&v1).unwrap();
        bad["format"] = "other".into();
        assert!(TrustList::from_json(bad.to_string().as_bytes()).is_err());
        let mut bad = serde_json::to_value(&v1).unwrap();
        bad["extra"] = 1.into();
        assert!(TrustList::from_json(bad.to_string().as_bytes()).is_err());
        assert!(TrustList::from_json(b"\x00\x01").is_err());
        assert!(matches!(
            verify_signed(b"not a cms", &[], 0),
            Err(ListError::Signature(_))
        ));
    }
}
