//! The seven-step verification of a seal (`.esl`) or an electronic signature (SES_Signature),
//! v1 or v4 (`../shared/reference/seals.md`, GB/T 38540 §7.3), each step reported.
//!
//! The result starts undecided: it is TOTAL_PASSED only when every step a valid result needs
//! ran and passed. The maker certificate is validated for the *seal maker* purpose and must be
//! *recognised* as one (our seal-making EKU under our own anchors, a granted seal-maker service
//! of a recognized region's trust list, or a certificate the relying party names); the signer
//! for the *document signer* purpose. Only a validated timestamp ([`ProvenTime`]) moves the
//! validation time into the past; `timeInfo` is the signer's claim (ETSI EN 319 102-1
//! *_NO_POE when it is all there is).
//!
//! **Seals of our own region need their status.** A seal is *of our own region* when its
//! maker certificate carries our seal-making EKU and anchors at the relying party's own anchors
//! (not at a recognized region's trust-listed root, not across a cross-certificate); naming such
//! a certificate with `--seal-maker` changes nothing. For such a seal the registry's status must
//! be seen — the registry itself, or a signed status ([`super::status`]) — else the result is
//! INDETERMINATE (`seal-status-unknown`); a seal our maker signed that our registry does not
//! know is INDETERMINATE too (`seal-not-in-registry`). Seals recognised through a trust list or
//! named by the relying party come from a registry we cannot see: the report says it was not
//! consulted. Must not import HTTP or SQL.

use super::format::{Detected, Seal, detect};
use super::registry::SealRepository;
use super::status::Seen;
use crate::verify::cert::Cert;
use crate::verify::chain::{ChainInputs, judge_without_poe, validate_for};
use crate::verify::context::Context;
use crate::verify::hook::TrustSource;
use crate::verify::purpose::Purpose;
use crate::verify::report::{Indication, Report, SubIndication, Via};
use crate::verify::timestamp::{Basis, ProvenTime, prove};
use serde::Serialize;
use std::sync::Arc;
use steps::{Acc, StepName as N, StepResult};

mod steps;
pub use steps::{Step, StepName, StepOutcome};

/// Which time the signature was judged at, and on what basis.
#[derive(Clone, Debug, Serialize)]
pub struct TimeReport {
    /// The time the certificates and the seal were validated at (RFC 3339).
    pub validated_at: String,
    /// `timestamp` (a validated timestamp proved the signature existed then) or
    /// `current-time` (nothing proved an earlier time).
    pub basis: Basis,
    /// The proven time, with the TSU that proved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proven: Option<ProvenTime>,
    /// The signing time the signer wrote (`timeInfo`): a claim, never used as proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
}

/// The seal or signature verification report.
#[derive(Clone, Debug, Serialize)]
pub struct SealReport {
    /// Overall indication: TOTAL_PASSED only when every needed step passed.
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
    /// The time the verification used and its basis (signatures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeReport>,
    /// Chain report of the maker certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker_chain: Option<Report>,
    /// Chain report of the signer certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_chain: Option<Report>,
    /// Chain report of the timestamp's TSU certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsu_chain: Option<Report>,
    /// The signer's certificate (DER) of a signature, as verified: what a document's own
    /// meaning is checked against (e.g. an e-licence's issuer). Not serialized.
    #[serde(skip)]
    pub signer_cert: Option<Vec<u8>>,
}

/// One verification: the relying party's material ([`Context`], prepared once and shared)
/// and what belongs to this call alone.
#[derive(Clone)]
pub struct VerifyOptions<'a> {
    /// Anchors, intermediates, revocation data, named seal makers, signed seal statuses and
    /// how they are applied.
    pub context: Arc<Context>,
    /// The seal registry (our region's seals), consulted when the seal is in it.
    pub registry: Option<&'a dyn SealRepository>,
    /// The protected data, when available.
    pub data: Option<&'a [u8]>,
    /// The current time (Unix seconds).
    pub now: i64,
    /// Recognized other regions (mutual recognition): revocation data for their
    /// certificates and the review of chains they anchor.
    pub trust: Option<&'a dyn TrustSource>,
}

impl VerifyOptions<'_> {
    /// A relying party with only its own material `context` at `now`: no registry, no
    /// recognized regions, no detached data.
    pub fn offline(context: Arc<Context>, now: i64) -> Self {
        VerifyOptions {
            context,
            registry: None,
            data: None,
            now,
            trust: None,
        }
    }

    /// The chain-validation view of these options.
    pub fn chain_inputs(&self) -> ChainInputs<'_> {
        ChainInputs {
            context: &self.context,
            trust: self.trust,
        }
    }
}

fn chain_outcome(r: &Report, what: &str, claimed: Option<i64>, proven: bool) -> StepResult {
    if r.passed() {
        return Ok(format!(
            "{what} certificate chain valid (anchor {})",
            r.anchor.clone().unwrap_or_default()
        ));
    }
    let judged = if proven {
        None
    } else {
        judge_without_poe(r, claimed)
    };
    let (ind, sub, rule) = judged.unwrap_or_else(|| {
        (
            r.indication,
            r.sub_indication
                .unwrap_or(SubIndication::NoCertificateChainFound),
            r.failure
                .as_ref()
                .map(|f| f.rule.clone())
                .unwrap_or_default(),
        )
    });
    Err((ind, sub, format!("{what} certificate: {rule}")))
}

/// Step 4 for the maker: the maker's signature, its certificate chain for the seal-maker
/// purpose, its recognition as a seal maker, and the registry.
async fn seal_steps(
    seal: &Seal,
    at: i64,
    time: &TimeBasis,
    opts: &VerifyOptions<'_>,
    acc: &mut Acc,
    tolerated: &mut Vec<String>,
) -> Report {
    match seal.verify_maker_signature() {
        Ok(c) => {
            tolerated.extend(c.tolerated.iter().map(|t| format!("{t:?}")));
            acc.push(
                N::SealMakerSignature,
                Ok("the seal maker's signature is valid".into()),
            );
        }
        Err(e) => acc.push(
            N::SealMakerSignature,
            Err((
                Indication::TotalFailed,
                SubIndication::SigCryptoFailure,
                e.to_string(),
            )),
        ),
    }
    let inputs = opts.chain_inputs();
    let maker_chain = validate_for(&seal.maker_cert, &[], at, Purpose::SealMaker, &inputs).await;
    acc.push(
        N::SealMakerCertificate,
        chain_outcome(&maker_chain, "maker", time.claimed, time.proven),
    );
    if maker_chain.passed() {
        acc.push(
            N::SealMakerRecognised,
            recognise_maker(&seal.maker_cert, &maker_chain, opts),
        );
    }
    let own = own_region(&seal.maker_cert, &maker_chain);
    match super::status::registry_step(seal, &maker_chain, own, opts).await {
        Seen::Passed(d) => acc.push(N::SealRegistry, Ok(d)),
        Seen::Skipped(d) => acc.skip(N::SealRegistry, &d),
        Seen::Problem(reason) => acc.push_reason(N::SealRegistry, reason),
    }
    // A recognized region's seal: is it in that region's transparency log?
    if let (Some(t), Some(region)) = (
        opts.trust,
        maker_chain
            .recognition
            .as_ref()
            .filter(|r| r.via == Via::TrustList)
            .map(|r| r.region.clone()),
    ) && let Some((log, required)) = t.logged(&region, "seal.make", &seal.der).await
    {
        if log.status == "proven" {
            acc.push(N::SealLogged, Ok(log.summary));
        } else if required {
            acc.push(
                N::SealLogged,
                Err((
                    Indication::Indeterminate,
                    SubIndication::ChainConstraintsFailure,
                    format!("transparency required: {}", log.summary),
                )),
            );
        } else {
            acc.skip(N::SealLogged, &log.summary);
        }
    }
    maker_chain
}

/// Whether the seal is one of our own region's (see the module doc): its maker certificate
/// carries our seal-making EKU and anchors at the relying party's own anchors, not at a
/// trust-listed root or across a cross-certificate.
fn own_region(maker: &[u8], chain: &Report) -> bool {
    chain.anchor_sha256.is_some()
        && chain
            .recognition
            .as_ref()
            .is_none_or(|r| r.via == Via::OwnRegion)
        && Cert::shared(maker).is_ok_and(|c| Purpose::SealMaker.explicitly_named(&c))
}

/// Whether a maker whose chain validated is a seal maker: named by the relying party, a
/// granted seal-maker service of a recognized region's list (the trust source's review of a
/// seal-maker chain fails otherwise), or carrying our seal-making EKU under our own anchors.
fn recognise_maker(maker: &[u8], chain: &Report, opts: &VerifyOptions<'_>) -> StepResult {
    let fp = crate::crypto::sha256(maker);
    if opts.context.seal_makers().contains(&fp) {
        return Ok("named by the relying party as a seal maker".into());
    }
    if let Some(r) = &chain.recognition
        && r.via == Via::TrustList
    {
        return Ok(format!(
            "a granted seal-maker service of region {} (trust list #{})",
            r.region,
            r.list_sequence.unwrap_or_default()
        ));
    }
    let cert = Cert::shared(maker).ok();
    if cert
        .as_ref()
        .is_some_and(|c| Purpose::SealMaker.explicitly_named(c))
    {
        return Ok("carries the seal-making extended key usage under this region's anchors".into());
    }
    // Under our own anchors a certificate whose EKU names other purposes only was issued for
    // something else: it is known not to be a seal maker.
    if let Some(eku) = cert.as_ref().and_then(|c| c.eku.as_ref())
        && !eku.contains(&crate::verify::purpose::EKU_ANY)
    {
        let purposes: Vec<String> = eku.iter().map(eku_name).collect();
        return Err((
            Indication::TotalFailed,
            SubIndication::ChainConstraintsFailure,
            format!(
                "the maker certificate is not a seal maker's: it was issued for {} \
                 (no seal-making extended key usage)",
                purposes.join(", ")
            ),
        ));
    }
    Err((
        Indication::Indeterminate,
        SubIndication::ChainConstraintsFailure,
        "maker not recognised as a seal maker: its certificate lacks the seal-making extended \
         key usage, is not a seal-maker service of a recognized region, and was not named by \
         the relying party (--seal-maker)"
            .into(),
    ))
}

fn eku_name(o: &const_oid::ObjectIdentifier) -> String {
    use crate::verify::purpose::*;
    match *o {
        EKU_SERVER_AUTH => "serverAuth".into(),
        EKU_CLIENT_AUTH => "clientAuth".into(),
        EKU_EMAIL_PROTECTION => "emailProtection".into(),
        EKU_TIME_STAMPING => "timeStamping".into(),
        EKU_OCSP_SIGNING => "OCSPSigning".into(),
        EKU_DOCUMENT_SIGNING => "documentSigning".into(),
        EKU_TRUST_LIST_SIGNING => "trust-list signing".into(),
        other => other.to_string(),
    }
}

/// The time a signature is judged at.
struct TimeBasis {
    at: i64,
    proven: bool,
    claimed: Option<i64>,
}

const SEAL_NEEDS: &[StepName] = &[
    N::Parse,
    N::SealValidity,
    N::SealMakerSignature,
    N::SealMakerCertificate,
    N::SealMakerRecognised,
];

const SIGNATURE_NEEDS: &[StepName] = &[
    N::Parse,
    N::SignatureValue,
    N::SignerInCertList,
    N::SealValidity,
    N::SealMakerSignature,
    N::SealMakerCertificate,
    N::SealMakerRecognised,
    N::SignerCertificate,
    N::Data,
];

fn describe(s: &Seal) -> serde_json::Value {
    serde_json::json!({
        "es_id": s.es_id, "name": s.name, "type": s.seal_type, "version": format!("{:?}", s.version),
        "valid_start": crate::clock::rfc3339(s.valid_start), "valid_end": crate::clock::rfc3339(s.valid_end),
        "picture": {"type": s.picture.kind, "width_mm": s.picture.width_mm, "height_mm": s.picture.height_mm, "bytes": s.picture.data.len()},
        "ext_datas": s.ext_datas.iter().map(|e| serde_json::json!({"oid": e.oid.to_string(), "critical": e.critical, "known": e.known_name()})).collect::<Vec<_>>(),
    })
}

/// Verify a seal (`.esl`) or an SES_Signature, v1 or v4.
pub async fn verify(der_bytes: &[u8], opts: &VerifyOptions<'_>) -> SealReport {
    let mut acc = Acc::default();
    let mut tolerated = Vec::new();
    let mut report = SealReport {
        indication: Indication::Indeterminate,
        sub_indication: Some(SubIndication::NoCheckRan),
        object: "unknown".into(),
        seal: serde_json::Value::Null,
        steps: vec![],
        tolerated: vec![],
        time: None,
        maker_chain: None,
        signer_chain: None,
        tsu_chain: None,
        signer_cert: None,
    };
    let needs: &[StepName] = match detect(der_bytes) {
        Detected::Unknown(why) => {
            acc.push(
                N::Parse,
                Err((Indication::TotalFailed, SubIndication::FormatFailure, why)),
            );
            SEAL_NEEDS
        }
        Detected::Seal(seal) => {
            report.object = format!("seal {:?}", seal.version);
            report.seal = describe(&seal);
            acc.push(N::Parse, Ok(format!("{:?} seal", seal.version)));
            for e in seal.unknown_critical_ext_datas() {
                tolerated.push(format!("unknown critical ExtData {}", e.oid));
            }
            if opts.now < seal.valid_start || opts.now > seal.valid_end {
                acc.push(
                    N::SealValidity,
                    Err((
                        Indication::TotalFailed,
                        SubIndication::Expired,
                        "the seal is outside its validity period now".into(),
                    )),
                );
            } else {
                acc.push(
                    N::SealValidity,
                    Ok("the seal is within its validity period".into()),
                );
            }
            let now = TimeBasis {
                at: opts.now,
                proven: true,
                claimed: None,
            };
            report.maker_chain =
                Some(seal_steps(&seal, opts.now, &now, opts, &mut acc, &mut tolerated).await);
            SEAL_NEEDS
        }
        Detected::Signature(sig) => {
            report.object = format!("signature {:?}", sig.seal.version);
            report.seal = describe(&sig.seal);
            report.signer_cert = Some(sig.signer_cert.clone());
            acc.push(
                N::Parse,
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
                        N::SignatureValue,
                        Ok("the signature over TBS_Sign is valid".into()),
                    );
                }
                Err(e) => acc.push(
                    N::SignatureValue,
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
                    N::SignerInCertList,
                    Ok("the signer's certificate is in the seal's certList".into()),
                );
            } else {
                acc.push(
                    N::SignerInCertList,
                    Err((
                        Indication::TotalFailed,
                        SubIndication::ChainConstraintsFailure,
                        "the signer's certificate is not in the seal's certList".into(),
                    )),
                );
            }
            // Step 6: the timestamp, the only thing that can prove an earlier time.
            let inputs = opts.chain_inputs();
            let mut proven: Option<ProvenTime> = None;
            match &sig.timestamp {
                None => acc.skip(N::Timestamp, "no timestamp: validated at the current time"),
                Some(tok) => {
                    let check = prove(tok, &sig.signature, &inputs).await;
                    report.tsu_chain = check.tsu_chain;
                    match check.proof {
                        Ok(p) => {
                            acc.push(
                                N::Timestamp,
                                Ok(format!(
                                    "timestamp at {} by {} proves the signature existed then",
                                    crate::clock::rfc3339(p.at()),
                                    p.tsu()
                                )),
                            );
                            proven = Some(p);
                        }
                        Err(e) if e.is_corrupt() => acc.push(
                            N::Timestamp,
                            Err((
                                Indication::TotalFailed,
                                if matches!(e, crate::verify::timestamp::NotProven::BadSignature(_))
                                {
                                    SubIndication::SigCryptoFailure
                                } else {
                                    SubIndication::FormatFailure
                                },
                                e.to_string(),
                            )),
                        ),
                        Err(e) => acc.skip(
                            N::Timestamp,
                            &format!(
                                "not accepted as proof of time ({e}); validated at the current time"
                            ),
                        ),
                    }
                }
            }
            let time = TimeBasis {
                at: proven.as_ref().map_or(opts.now, ProvenTime::at),
                proven: proven.is_some(),
                claimed: sig.time_info,
            };
            report.time = Some(TimeReport {
                validated_at: crate::clock::rfc3339(time.at),
                basis: if time.proven {
                    Basis::Timestamp
                } else {
                    Basis::CurrentTime
                },
                proven,
                claimed: sig.time_info.map(crate::clock::rfc3339),
            });
            acc.push(N::SealValidity, seal_validity(&sig, &time));
            report.maker_chain =
                Some(seal_steps(&sig.seal, time.at, &time, opts, &mut acc, &mut tolerated).await);
            // Step 5: the signer's certificate, for signing documents, at that time.
            let signer_chain = validate_for(
                &sig.signer_cert,
                &[],
                time.at,
                Purpose::DocumentSigner,
                &inputs,
            )
            .await;
            acc.push(
                N::SignerCertificate,
                chain_outcome(&signer_chain, "signer", time.claimed, time.proven),
            );
            report.signer_chain = Some(signer_chain);
            // Step 7: data.
            match opts.data {
                None => acc.push(
                    N::Data,
                    Err((
                        Indication::Indeterminate,
                        SubIndication::SignedDataNotFound,
                        "no data given: what was signed cannot be checked".into(),
                    )),
                ),
                Some(d) if sig.check_data(d) => {
                    acc.push(N::Data, Ok("dataHash matches SM3 of the data".into()))
                }
                Some(_) => acc.push(
                    N::Data,
                    Err((
                        Indication::TotalFailed,
                        SubIndication::SigCryptoFailure,
                        "dataHash does not match the data".into(),
                    )),
                ),
            }
            SIGNATURE_NEEDS
        }
    };
    let (indication, sub) = acc.verdict(needs);
    acc.steps.sort_by_key(|s| s.step);
    report.indication = indication;
    report.sub_indication = sub;
    report.steps = acc.steps;
    tolerated.sort();
    tolerated.dedup();
    report.tolerated = tolerated;
    report
}

/// The seal's validity period at the signing time: the proven time when there is one; else
/// the seal must be valid now, and a seal that expired after the claimed time is
/// INDETERMINATE / OUT_OF_BOUNDS_NO_POE.
fn seal_validity(sig: &super::SesSignature, t: &TimeBasis) -> StepResult {
    let (start, end) = (sig.seal.valid_start, sig.seal.valid_end);
    let rfc = crate::clock::rfc3339;
    let fail = |sub, d: String| Err((Indication::TotalFailed, sub, d));
    // With a proven time the signer's claim is irrelevant; without one a claim outside the
    // seal's validity admits signing with a seal that was not valid.
    if let Some(c) = t.claimed
        && !t.proven
        && !(start..=end).contains(&c)
    {
        return fail(
            if c < start {
                SubIndication::NotYetValid
            } else {
                SubIndication::Expired
            },
            format!(
                "the claimed signing time {} is outside the seal's validity ({} – {})",
                rfc(c),
                rfc(start),
                rfc(end)
            ),
        );
    }
    if t.at < start {
        return fail(
            SubIndication::NotYetValid,
            format!("the seal is valid only from {}", rfc(start)),
        );
    }
    if t.at > end {
        if t.proven {
            return fail(
                SubIndication::Expired,
                format!(
                    "the seal expired at {}, before the proven signing time",
                    rfc(end)
                ),
            );
        }
        return Err((
            Indication::Indeterminate,
            SubIndication::OutOfBoundsNoPoe,
            format!(
                "the seal expired at {}; signed at {} only as claimed by the signer — no timestamp proves it",
                rfc(end),
                t.claimed
                    .map(rfc)
                    .unwrap_or_else(|| "an unknown time".into())
            ),
        ));
    }
    Ok(if t.proven {
        "the seal was valid at the proven signing time".into()
    } else {
        "the seal is valid now".into()
    })
}
