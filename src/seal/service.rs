//! Making, registering, stamping and verifying seals: the seal registry (status and history),
//! the seal maker (制章者) signing SESeal v4, server-side stamping (云签章) with an RFC 3161
//! timestamp over the signature value, and the seven-step verification report of
//! `../shared/reference/seals.md` (GB/T 38540 §7.3), each step reported separately.

use super::format::{CertRef, Detected, NewSeal, Picture, Seal, SesSignature, detect};
use super::types::SealType;
use crate::crypto::Signer;
use crate::pki::repo::{AuditEvent, RepoError};
use crate::verify::hook::{ChainRole, TrustSource};
use crate::verify::path::{Input, RevocationMode, Validator};
use crate::verify::report::{Indication, Report, SubIndication};
use const_oid::ObjectIdentifier;
use serde::Serialize;

/// yinxin id-kp-sealMaking (docs/oids.md): the seal-maker profile's EKU.
pub const SEAL_MAKING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.3.1");
/// Our vendor id in SES_Header.
pub const VENDOR_ID: &str = "yinxin";

/// Status of a registered seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SealStatus {
    /// Usable.
    Active,
    /// Temporarily not usable.
    Suspended,
    /// Permanently withdrawn.
    Revoked,
}

impl SealStatus {
    /// Name.
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Active => "active",
            SealStatus::Suspended => "suspended",
            SealStatus::Revoked => "revoked",
        }
    }
    /// Parse.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(SealStatus::Active),
            "suspended" => Some(SealStatus::Suspended),
            "revoked" => Some(SealStatus::Revoked),
            _ => None,
        }
    }
}

/// A registered seal.
#[derive(Clone, Debug, Serialize)]
pub struct SealRecord {
    /// esID.
    pub id: String,
    /// Holder (credit code, or a person's holder id).
    pub holder: String,
    /// Seal type key.
    pub seal_type: String,
    /// Name on the seal.
    pub name: String,
    /// Status.
    pub status: SealStatus,
    /// validStart.
    pub valid_start: i64,
    /// validEnd.
    pub valid_end: i64,
    /// Serials of the certificates allowed to stamp.
    pub signer_serials: Vec<String>,
    /// The SESeal DER (`.esl`).
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Created.
    pub created_at: i64,
}

/// Seal registry storage.
#[async_trait::async_trait]
pub trait SealRepository: Send + Sync {
    /// Register a new seal with its audit event.
    async fn insert_seal(&self, s: &SealRecord, audit: &AuditEvent) -> Result<(), RepoError>;
    /// A seal by esID.
    async fn seal(&self, id: &str) -> Result<Option<SealRecord>, RepoError>;
    /// Seals of a holder (all when None).
    async fn seals(&self, holder: Option<&str>) -> Result<Vec<SealRecord>, RepoError>;
    /// Change a seal's status (history and audit in the same transaction); false if absent.
    async fn set_seal_status(
        &self,
        id: &str,
        status: SealStatus,
        audit: &AuditEvent,
    ) -> Result<bool, RepoError>;
}

/// Errors making or using seals.
#[derive(Debug, thiserror::Error)]
pub enum SealServiceError {
    /// Bad request (unknown type, bad picture, no signer …).
    #[error("{0}")]
    Invalid(String),
    /// The seal is not active.
    #[error("seal {0} is {1}")]
    NotActive(String, &'static str),
    /// The signer is not in the seal's certList.
    #[error("the signer's certificate is not one the seal allows")]
    SignerNotAllowed,
    /// Format layer.
    #[error(transparent)]
    Format(#[from] super::format::SealError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Check that bytes are a PNG within limits; returns (width, height) in pixels.
pub fn check_png(data: &[u8]) -> Result<(u32, u32), SealServiceError> {
    const SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    if data.len() > 512 * 1024 {
        return Err(SealServiceError::Invalid(
            "the seal picture is larger than 512 KiB".into(),
        ));
    }
    if data.len() < 33 || data[..8] != SIG || &data[12..16] != b"IHDR" {
        return Err(SealServiceError::Invalid(
            "the seal picture is not a PNG image".into(),
        ));
    }
    let w = u32::from_be_bytes([data[16], data[17], data[18], data[19]]);
    let h = u32::from_be_bytes([data[20], data[21], data[22], data[23]]);
    if w == 0 || h == 0 || w > 4096 || h > 4096 {
        return Err(SealServiceError::Invalid(format!(
            "the seal picture is {w}×{h} pixels (1 to 4096 allowed)"
        )));
    }
    if !data.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]) {
        return Err(SealServiceError::Invalid(
            "the seal picture PNG is truncated".into(),
        ));
    }
    Ok((w, h))
}

/// What a new seal says.
pub struct SealRequest<'a> {
    /// Region code (prefix of the esID).
    pub region: &'a str,
    /// Seal type.
    pub seal_type: &'a SealType,
    /// Holder id (credit code).
    pub holder: &'a str,
    /// Name on the seal.
    pub name: &'a str,
    /// Certificates allowed to stamp (DER) with their serials.
    pub signers: Vec<(String, Vec<u8>)>,
    /// PNG picture.
    pub picture_png: Vec<u8>,
    /// Validity in days (≤ the type's maximum).
    pub validity_days: u32,
    /// Now.
    pub now: i64,
}

/// Make (sign) a v4 seal and its registry record. The caller stores it.
pub fn make_seal(
    req: &SealRequest<'_>,
    maker: &dyn Signer,
    maker_cert: &[u8],
) -> Result<SealRecord, SealServiceError> {
    if req.signers.is_empty() {
        return Err(SealServiceError::Invalid(
            "a seal needs at least one signer certificate".into(),
        ));
    }
    if req.validity_days == 0 || req.validity_days > req.seal_type.max_validity_days {
        return Err(SealServiceError::Invalid(format!(
            "validity of {} days: a {} allows 1 to {}",
            req.validity_days, req.seal_type.name, req.seal_type.max_validity_days
        )));
    }
    let name_len = req.name.chars().count();
    if req.name.trim().is_empty() || name_len > 64 || req.name.chars().any(char::is_control) {
        return Err(SealServiceError::Invalid(
            "the seal name must be 1 to 64 characters".into(),
        ));
    }
    check_png(&req.picture_png)?;
    let mut rnd = [0u8; 6];
    crate::crypto::random_bytes(&mut rnd).map_err(|e| SealServiceError::Invalid(e.to_string()))?;
    let day = time::OffsetDateTime::from_unix_timestamp(req.now)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    let id = format!(
        "{}{:04}{:02}{:02}{}",
        req.region.to_ascii_uppercase(),
        day.year(),
        day.month() as u8,
        day.day(),
        hex::encode_upper(rnd)
    );
    let valid_end = req.now + i64::from(req.validity_days) * 86_400;
    let info = NewSeal {
        vid: VENDOR_ID.into(),
        es_id: id.clone(),
        seal_type: req.seal_type.code,
        name: req.name.into(),
        cert_list: req
            .signers
            .iter()
            .map(|(_, d)| CertRef::Cert(d.clone()))
            .collect(),
        create_date: req.now,
        valid_start: req.now,
        valid_end,
        picture: Picture {
            kind: "PNG".into(),
            data: req.picture_png.clone(),
            width_mm: req.seal_type.width_mm,
            height_mm: req.seal_type.height_mm,
        },
        ext_datas: vec![],
    };
    let der_bytes = Seal::encode_v4(&info, maker, maker_cert)?;
    Ok(SealRecord {
        id,
        holder: req.holder.into(),
        seal_type: req.seal_type.key.clone(),
        name: req.name.into(),
        status: SealStatus::Active,
        valid_start: req.now,
        valid_end,
        signer_serials: req.signers.iter().map(|(s, _)| s.clone()).collect(),
        der: der_bytes,
        created_at: req.now,
    })
}

/// Obtains a TimeStampToken (DER) over a signature value; `None` when the TSA refuses.
pub type TimestampFn<'a> = &'a dyn Fn(&[u8]) -> Option<Vec<u8>>;

/// Stamp: an SES_Signature v4 over `data_hash` (SM3 of the protected data) with the signer's
/// key, then a timestamp over the signature value from `timestamp` (given the DER signature
/// value, returns a TimeStampToken), if any.
pub fn stamp(
    seal: &SealRecord,
    data_hash: &[u8],
    property_info: &str,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, SealServiceError> {
    if seal.status != SealStatus::Active {
        return Err(SealServiceError::NotActive(
            seal.id.clone(),
            seal.status.as_str(),
        ));
    }
    if now < seal.valid_start || now > seal.valid_end {
        return Err(SealServiceError::Invalid(format!(
            "seal {} is not within its validity period",
            seal.id
        )));
    }
    let parsed = Seal::from_der(&seal.der)?;
    if !parsed
        .cert_list
        .iter()
        .any(|c| matches!(c, CertRef::Cert(d) if d == signer_cert))
    {
        return Err(SealServiceError::SignerNotAllowed);
    }
    let tbs = SesSignature::tbs_v4(&seal.der, now, data_hash, property_info)?;
    let sig = signer
        .sign(&tbs)
        .map_err(|e| SealServiceError::Invalid(e.to_string()))?;
    let token = timestamp.and_then(|f| f(&sig));
    Ok(SesSignature::assemble_v4(
        &tbs,
        signer_cert,
        &sig,
        token.as_deref(),
    )?)
}

/// One verification step.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// 1–7 (seals.md order).
    pub step: u8,
    /// Name.
    pub name: &'static str,
    /// `passed`, `failed`, `indeterminate`, `skipped`.
    pub outcome: &'static str,
    /// Detail.
    pub detail: String,
}

/// The seal or signature verification report.
#[derive(Clone, Debug, Serialize)]
pub struct SealReport {
    /// Overall indication (the worst step).
    pub indication: Indication,
    /// Sub-indication of the deciding step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// What was verified: `seal` or `signature`, and the format version.
    pub object: String,
    /// esID, name, type code.
    pub seal: serde_json::Value,
    /// Steps.
    pub steps: Vec<Step>,
    /// Vendor quirks tolerated.
    pub tolerated: Vec<String>,
    /// Chain report of the maker certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker_chain: Option<Report>,
    /// Chain report of the signer certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_chain: Option<Report>,
}

/// Trust material and options for verification.
pub struct VerifyOptions<'a> {
    /// Trust anchors (DER).
    pub anchors: Vec<Vec<u8>>,
    /// Extra intermediates.
    pub intermediates: Vec<Vec<u8>>,
    /// CRLs.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses.
    pub ocsp: Vec<Vec<u8>>,
    /// Require revocation status for the chains.
    pub revocation: RevocationMode,
    /// Require the maker certificate to carry this EKU (ours: [`SEAL_MAKING`]).
    pub maker_eku: Option<ObjectIdentifier>,
    /// The seal registry (our region's seals), consulted when the seal is in it.
    pub registry: Option<&'a dyn SealRepository>,
    /// The protected data, when available.
    pub data: Option<&'a [u8]>,
    /// Validation time for a bare seal (now).
    pub now: i64,
    /// Recognized other regions (mutual recognition): revocation data for their
    /// certificates and the review of chains they anchor.
    pub trust: Option<&'a dyn TrustSource>,
}

struct Acc {
    steps: Vec<Step>,
    worst: Indication,
    sub: Option<SubIndication>,
}

impl Acc {
    fn push(
        &mut self,
        step: u8,
        name: &'static str,
        outcome: Result<String, (Indication, SubIndication, String)>,
    ) {
        match outcome {
            Ok(detail) => self.steps.push(Step {
                step,
                name,
                outcome: "passed",
                detail,
            }),
            Err((ind, sub, detail)) => {
                let rank = |i: Indication| match i {
                    Indication::TotalPassed => 0,
                    Indication::Indeterminate => 1,
                    Indication::TotalFailed => 2,
                };
                if rank(ind) > rank(self.worst) {
                    self.worst = ind;
                    self.sub = Some(sub);
                }
                let outcome = if ind == Indication::TotalFailed {
                    "failed"
                } else {
                    "indeterminate"
                };
                self.steps.push(Step {
                    step,
                    name,
                    outcome,
                    detail,
                });
            }
        }
    }
    fn skip(&mut self, step: u8, name: &'static str, detail: &str) {
        self.steps.push(Step {
            step,
            name,
            outcome: "skipped",
            detail: detail.into(),
        });
    }
}

async fn chain(
    cert: &[u8],
    at: i64,
    opts: &VerifyOptions<'_>,
    v: &Validator,
    eku: Option<ObjectIdentifier>,
    role: ChainRole,
) -> Report {
    let mut input = Input::new(cert.to_vec(), opts.anchors.clone(), at);
    input.intermediates = opts.intermediates.clone();
    input.crls = opts.crls.clone();
    input.ocsp = opts.ocsp.clone();
    input.revocation = opts.revocation;
    if let Some(e) = eku {
        input.required_eku = vec![e];
    }
    if let Some(t) = opts.trust {
        let g = t.revocation_data(cert).await;
        input.crls.extend(g.crls);
        input.ocsp.extend(g.ocsp);
    }
    let mut report = v.validate(&input);
    if let Some(t) = opts.trust {
        t.review(&mut report, cert, at, role);
    }
    report
}

fn chain_outcome(r: &Report, what: &str) -> Result<String, (Indication, SubIndication, String)> {
    if r.passed() {
        Ok(format!(
            "{what} certificate chain valid (anchor {})",
            r.anchor.clone().unwrap_or_default()
        ))
    } else {
        Err((
            r.indication,
            r.sub_indication
                .unwrap_or(SubIndication::NoCertificateChainFound),
            format!(
                "{what} certificate: {}",
                r.failure
                    .as_ref()
                    .map(|f| f.rule.clone())
                    .unwrap_or_default()
            ),
        ))
    }
}

async fn seal_steps(
    seal: &Seal,
    at: i64,
    opts: &VerifyOptions<'_>,
    v: &Validator,
    acc: &mut Acc,
    tolerated: &mut Vec<String>,
) -> Report {
    // Step 4: the maker's signature, its certificate chain (at the signing time), the registry.
    match seal.verify_maker_signature() {
        Ok(c) => {
            tolerated.extend(c.tolerated.iter().map(|t| format!("{t:?}")));
            acc.push(
                4,
                "seal-maker-signature",
                Ok("the seal maker's signature is valid".into()),
            );
        }
        Err(e) => acc.push(
            4,
            "seal-maker-signature",
            Err((
                Indication::TotalFailed,
                SubIndication::SigCryptoFailure,
                e.to_string(),
            )),
        ),
    }
    // Seals of our own registry must come from a seal-maker certificate, whatever the caller
    // asked for; other regions' and vendors' seals only when `maker_eku` says so.
    let ours = match opts.registry {
        Some(reg) => matches!(reg.seal(&seal.es_id).await, Ok(Some(rec)) if rec.der == seal.der),
        None => false,
    };
    let required_eku = opts
        .maker_eku
        .or(if ours { Some(SEAL_MAKING) } else { None });
    let maker_chain = chain(
        &seal.maker_cert,
        at,
        opts,
        v,
        required_eku,
        ChainRole::SealMaker,
    )
    .await;
    if let (Some(eku), false) = (required_eku, maker_chain.passed()) {
        let has = crate::verify::cert::Cert::from_der(&seal.maker_cert)
            .ok()
            .and_then(|c| c.eku)
            .is_some_and(|e| e.contains(&eku));
        if !has {
            acc.push(
                4,
                "seal-maker-certificate",
                Err((
                    Indication::TotalFailed,
                    SubIndication::ChainConstraintsFailure,
                    "the maker certificate is not a seal-maker certificate (id-kp-sealMaking)"
                        .into(),
                )),
            );
            return maker_chain;
        }
    }
    acc.push(
        4,
        "seal-maker-certificate",
        chain_outcome(&maker_chain, "maker"),
    );
    if let Some(reg) = opts.registry {
        match reg.seal(&seal.es_id).await {
            Ok(Some(rec)) if rec.der == seal.der => match rec.status {
                SealStatus::Active => acc.push(
                    4,
                    "seal-registry",
                    Ok(format!("seal {} is active in the registry", rec.id)),
                ),
                s => acc.push(
                    4,
                    "seal-registry",
                    Err((
                        Indication::TotalFailed,
                        SubIndication::Revoked,
                        format!("seal {} is {} in the registry", rec.id, s.as_str()),
                    )),
                ),
            },
            Ok(_) => acc.skip(4, "seal-registry", "not a seal of this region's registry"),
            Err(e) => acc.push(
                4,
                "seal-registry",
                Err((
                    Indication::Indeterminate,
                    SubIndication::TryLater,
                    e.to_string(),
                )),
            ),
        }
    }
    maker_chain
}

/// Verify a seal (`.esl`) or an SES_Signature, v1 or v4.
pub async fn verify(der_bytes: &[u8], opts: &VerifyOptions<'_>) -> SealReport {
    let v = Validator::shared();
    let mut acc = Acc {
        steps: vec![],
        worst: Indication::TotalPassed,
        sub: None,
    };
    let mut tolerated = Vec::new();
    let mut report = SealReport {
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::FormatFailure),
        object: "unknown".into(),
        seal: serde_json::Value::Null,
        steps: vec![],
        tolerated: vec![],
        maker_chain: None,
        signer_chain: None,
    };
    let describe = |s: &Seal| {
        serde_json::json!({
            "es_id": s.es_id, "name": s.name, "type": s.seal_type, "version": format!("{:?}", s.version),
            "valid_start": crate::clock::rfc3339(s.valid_start), "valid_end": crate::clock::rfc3339(s.valid_end),
            "picture": {"type": s.picture.kind, "width_mm": s.picture.width_mm, "height_mm": s.picture.height_mm, "bytes": s.picture.data.len()},
            "ext_datas": s.ext_datas.iter().map(|e| serde_json::json!({"oid": e.oid.to_string(), "critical": e.critical, "known": e.known_name()})).collect::<Vec<_>>(),
        })
    };
    match detect(der_bytes) {
        Detected::Unknown(why) => {
            acc.push(
                1,
                "parse",
                Err((Indication::TotalFailed, SubIndication::FormatFailure, why)),
            );
        }
        Detected::Seal(seal) => {
            report.object = format!("seal {:?}", seal.version);
            report.seal = describe(&seal);
            acc.push(1, "parse", Ok(format!("{:?} seal", seal.version)));
            for e in seal.unknown_critical_ext_datas() {
                tolerated.push(format!("unknown critical ExtData {}", e.oid));
            }
            if opts.now < seal.valid_start || opts.now > seal.valid_end {
                acc.push(
                    4,
                    "seal-validity",
                    Err((
                        Indication::TotalFailed,
                        SubIndication::Expired,
                        "the seal is outside its validity period now".into(),
                    )),
                );
            } else {
                acc.push(
                    4,
                    "seal-validity",
                    Ok("the seal is within its validity period".into()),
                );
            }
            report.maker_chain =
                Some(seal_steps(&seal, opts.now, opts, v, &mut acc, &mut tolerated).await);
        }
        Detected::Signature(sig) => {
            report.object = format!("signature {:?}", sig.seal.version);
            report.seal = describe(&sig.seal);
            acc.push(
                1,
                "parse",
                Ok(format!("{:?} electronic signature", sig.seal.version)),
            );
            for e in sig
                .unknown_critical_ext_datas()
                .into_iter()
                .chain(sig.seal.unknown_critical_ext_datas())
            {
                tolerated.push(format!("unknown critical ExtData {}", e.oid));
            }
            // Step 2: the signature value over the exact TBS_Sign bytes.
            match sig.verify_signature() {
                Ok(c) => {
                    tolerated.extend(c.tolerated.iter().map(|t| format!("{t:?}")));
                    acc.push(
                        2,
                        "signature-value",
                        Ok("the signature over TBS_Sign is valid".into()),
                    );
                }
                Err(e) => acc.push(
                    2,
                    "signature-value",
                    Err((
                        Indication::TotalFailed,
                        SubIndication::SigCryptoFailure,
                        e.to_string(),
                    )),
                ),
            }
            // Step 3: signer ↔ seal.
            if sig.signer_in_cert_list() {
                acc.push(
                    3,
                    "signer-in-cert-list",
                    Ok("the signer's certificate is in the seal's certList".into()),
                );
            } else {
                acc.push(
                    3,
                    "signer-in-cert-list",
                    Err((
                        Indication::TotalFailed,
                        SubIndication::ChainConstraintsFailure,
                        "the signer's certificate is not in the seal's certList".into(),
                    )),
                );
            }
            // Signing time: the timestamp's when there is a valid one, else timeInfo.
            let mut signing_time = sig.time_info;
            // Step 6: timestamp.
            match &sig.timestamp {
                None => acc.skip(6, "timestamp", "no timestamp"),
                Some(tok) => match crate::status::tsp::parse_token(tok) {
                    Err(e) => acc.push(
                        6,
                        "timestamp",
                        Err((
                            Indication::TotalFailed,
                            SubIndication::FormatFailure,
                            format!("the timestamp token is malformed: {e}"),
                        )),
                    ),
                    Ok(t) => {
                        let covers = t.hash().is_some_and(|h| {
                            h.digest(&sig.signature)
                                == t.message_imprint().hashed_message.as_bytes()
                        });
                        let cert = t.signer_certificate().map(<[u8]>::to_vec);
                        let sig_ok = cert.as_ref().is_some_and(|c| t.verify_signature(c).is_ok());
                        if !covers {
                            acc.push(
                                6,
                                "timestamp",
                                Err((
                                    Indication::TotalFailed,
                                    SubIndication::FormatFailure,
                                    "the timestamp does not cover the signature value".into(),
                                )),
                            );
                        } else if !sig_ok {
                            acc.push(
                                6,
                                "timestamp",
                                Err((
                                    Indication::TotalFailed,
                                    SubIndication::SigCryptoFailure,
                                    "the timestamp token's signature is invalid".into(),
                                )),
                            );
                        } else {
                            let at = t.gen_time_unix_millis() / 1000;
                            let tsa_chain = chain(
                                cert.as_deref().unwrap_or(&[]),
                                at,
                                opts,
                                v,
                                Some(ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")),
                                ChainRole::Tsu,
                            )
                            .await;
                            match chain_outcome(&tsa_chain, "TSA") {
                                Ok(d) => {
                                    signing_time = Some(at);
                                    acc.push(
                                        6,
                                        "timestamp",
                                        Ok(format!(
                                            "timestamp at {} ({d})",
                                            crate::clock::rfc3339(at)
                                        )),
                                    );
                                }
                                Err(e) => acc.push(6, "timestamp", Err(e)),
                            }
                        }
                    }
                },
            }
            let at = signing_time.unwrap_or(opts.now);
            // Step 4: the seal, at the signing time.
            match sig.validity_at_signing() {
                Ok(_) if at >= sig.seal.valid_start && at <= sig.seal.valid_end => acc.push(
                    4,
                    "seal-validity",
                    Ok("the seal was valid at the signing time".into()),
                ),
                Ok(_) | Err(_) => {
                    let sub = if at < sig.seal.valid_start {
                        SubIndication::NotYetValid
                    } else {
                        SubIndication::Expired
                    };
                    acc.push(
                        4,
                        "seal-validity",
                        Err((
                            Indication::TotalFailed,
                            sub,
                            "the seal was not valid at the signing time".into(),
                        )),
                    );
                }
            }
            report.maker_chain =
                Some(seal_steps(&sig.seal, at, opts, v, &mut acc, &mut tolerated).await);
            // Step 5: the signer's certificate at the signing time.
            let signer_chain = chain(&sig.signer_cert, at, opts, v, None, ChainRole::Signer).await;
            acc.push(
                5,
                "signer-certificate",
                chain_outcome(&signer_chain, "signer"),
            );
            report.signer_chain = Some(signer_chain);
            // Step 7: data.
            match opts.data {
                None => acc.skip(7, "data", "no data given"),
                Some(d) if sig.check_data(d) => {
                    acc.push(7, "data", Ok("dataHash matches SM3 of the data".into()))
                }
                Some(_) => acc.push(
                    7,
                    "data",
                    Err((
                        Indication::TotalFailed,
                        SubIndication::SigCryptoFailure,
                        "dataHash does not match the data".into(),
                    )),
                ),
            }
        }
    }
    acc.steps.sort_by_key(|s| s.step);
    report.indication = acc.worst;
    report.sub_indication = acc.sub;
    report.steps = acc.steps;
    tolerated.sort();
    tolerated.dedup();
    report.tolerated = tolerated;
    report
}
