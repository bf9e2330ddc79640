//! OCSP responses (RFC 6960): deciding a certificate's status from the responses at hand:
//! the CertID match, the signature by the issuer or by a responder it authorised
//! (id-kp-OCSPSigning), checked over the bytes as received, and thisUpdate/nextUpdate.
//!
//! Must not import: CRL types (`super::crl`), or anything that fetches: the responses arrive
//! as DER.

use super::{RevocationContext, Status, int_cmp, signature_mismatch};
use crate::verify::cert::{Cert, names_equal};
use crate::verify::reason::FailureReason;
use der::{Decode, Encode};

/// `BasicOCSPResponse` keeping the exact bytes received: the signed `tbsResponseData` and
/// each certificate, so that signatures are checked over what was signed, never over a
/// re-encoding.
#[derive(der::Sequence)]
struct RawBasicOcsp<'a> {
    tbs: der::asn1::AnyRef<'a>,
    algorithm: spki::AlgorithmIdentifierRef<'a>,
    signature: der::asn1::BitStringRef<'a>,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    certs: Option<Vec<der::asn1::AnyRef<'a>>>,
}

/// Decide the status of `cert` (issued by `issuer`) at `time` from OCSP responses, if one of
/// them answers for it with a valid signature by the issuer or by a responder the issuer
/// authorised (id-kp-OCSPSigning). `None` when no response applies. Signatures are verified
/// over the `tbsResponseData` bytes as received.
pub fn ocsp_status(
    cert: &Cert,
    issuer: &Cert,
    responses: &[Vec<u8>],
    time: i64,
    ctx: &mut dyn RevocationContext,
) -> Option<Status> {
    use crate::status::ocsp::{CertStatus, IdHash, OcspResponse, ResponderId, ResponseStatus};
    use crate::status::ocsp::{ResponseData, SingleResponse};
    const SKEW: i64 = 300;
    let issuer_name = issuer.subject.to_der().ok()?;
    let issuer_key = spki::SubjectPublicKeyInfoRef::from_der(&issuer.spki_der)
        .ok()?
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let mut last_problem: Option<Status> = None;
    for der_bytes in responses {
        let Ok(resp) = OcspResponse::from_der(der_bytes) else {
            continue;
        };
        if resp.response_status != ResponseStatus::Successful {
            continue;
        }
        let Some(body) = resp.response_bytes else {
            continue;
        };
        let Ok(raw) = RawBasicOcsp::from_der(body.response.as_bytes()) else {
            continue;
        };
        let Ok(tbs) = raw.tbs.to_der() else { continue };
        let Ok(data) = ResponseData::from_der(&tbs) else {
            continue;
        };
        let single: Option<&SingleResponse> = data.responses.iter().find(|s| {
            let id = &s.cert_id;
            IdHash::from_oid(&id.hash_algorithm.oid).is_some_and(|h| {
                h.digest(&issuer_name) == id.issuer_name_hash.as_bytes()
                    && h.digest(&issuer_key) == id.issuer_key_hash.as_bytes()
                    && int_cmp(id.serial_number.as_bytes(), &cert.serial)
                        == std::cmp::Ordering::Equal
            })
        });
        let Some(single) = single else { continue };
        let Some(sig) = raw.signature.as_bytes().map(<[u8]>::to_vec) else {
            continue;
        };
        let sig_alg = raw.algorithm.oid;
        let params = raw
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.to_der().ok());
        // Who signed: the issuer itself, or a delegated responder certificate in the response.
        let matches_responder = |c: &Cert| -> bool {
            match &data.responder_id {
                ResponderId::ByName(n) => names_equal(n, &c.subject),
                ResponderId::ByKey(k) => spki::SubjectPublicKeyInfoRef::from_der(&c.spki_der)
                    .map(|s| IdHash::Sha1.digest(s.subject_public_key.raw_bytes()) == k.as_bytes())
                    .unwrap_or(false),
            }
        };
        let mut signed_ok = false;
        let mut source = String::new();
        let mut problem = FailureReason::OcspResponderNotAuthorised;
        let mut note = |e: FailureReason| {
            if !signature_mismatch(&e) {
                problem = e;
            }
        };
        if matches_responder(issuer) {
            match ctx.verify(&issuer.spki_der, sig_alg, params.as_deref(), &tbs, &sig) {
                Ok(()) => {
                    signed_ok = true;
                    source = format!(
                        "OCSP response signed by the issuer {}",
                        issuer.subject_text()
                    );
                }
                Err(e) => note(e),
            }
        }
        if !signed_ok {
            for c in raw.certs.as_deref().unwrap_or(&[]) {
                let Ok(c_der) = c.to_der() else { continue };
                let Ok(rc) = Cert::shared(&c_der) else {
                    continue;
                };
                let authorised = matches_responder(&rc)
                    && names_equal(&rc.issuer, &issuer.subject)
                    // Validated for the OCSP-signer purpose: id-kp-OCSPSigning present,
                    // digitalSignature, not a CA.
                    && crate::verify::purpose::Purpose::OcspSigner.check(&rc).is_ok()
                    && rc.not_before <= time
                    && time <= rc.not_after;
                if !authorised {
                    continue;
                }
                if let Err(e) = ctx.verify(
                    &issuer.spki_der,
                    rc.sig_alg,
                    rc.sig_params.as_deref(),
                    &rc.tbs_der,
                    &rc.signature,
                ) {
                    note(e);
                    continue;
                }
                match ctx.verify(&rc.spki_der, sig_alg, params.as_deref(), &tbs, &sig) {
                    Ok(()) => {
                        signed_ok = true;
                        source = format!("OCSP response of {}", rc.subject_text());
                        break;
                    }
                    Err(e) => note(e),
                }
            }
        }
        if !signed_ok {
            last_problem = Some(Status::Unknown(problem));
            continue;
        }
        let this_update = single.this_update.to_unix_duration().as_secs() as i64;
        let next_update = single
            .next_update
            .map(|n| n.to_unix_duration().as_secs() as i64);
        if this_update > time + SKEW {
            last_problem = Some(Status::Unknown(FailureReason::OcspNotYetValid));
            continue;
        }
        if next_update.is_some_and(|n| n + SKEW < time)
            || (next_update.is_none() && this_update + 86_400 < time)
        {
            last_problem = Some(Status::Unknown(FailureReason::RevocationOutOfDate {
                detail: "the OCSP response is out of date".into(),
            }));
            continue;
        }
        return Some(match &single.cert_status {
            CertStatus::Good(_) => Status::Good { source },
            CertStatus::Revoked(info) => Status::Revoked {
                source,
                at: info.revocation_time.to_unix_duration().as_secs() as i64,
                reason: info.revocation_reason.map(|r| i64::from(r.0)).unwrap_or(0),
            },
            CertStatus::Unknown(_) => Status::Unknown(FailureReason::OcspCertificateUnknown {
                source_name: source,
            }),
        });
    }
    last_problem
}
