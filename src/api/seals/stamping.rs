//! Stamping with a registered seal: server-side (`sign`, 云签章, with the key imported for the
//! token's certificate) and client-side (`prepare` returns the exact TBS_Sign bytes, `complete`
//! checks the client's signature and adds the timestamp). Both run the same signer binding
//! ([`crate::seal::binding`]) before anything is signed or timestamped: the token's own
//! certificate, valid in our registry, listed by an active seal of the right organization or
//! person. `complete` runs it again, so that a certificate revoked or a seal suspended between
//! `prepare` and `complete` gets no timestamp.

use super::super::AppState;
use super::super::problem::{ApiResult, Problem};
use super::{b64, decode_b64, load_seal, ok, seal_problem, services, signing};
use crate::auth::{Permission, Principal};
use crate::seal::SesSignature;
use crate::seal::binding::{self, Refusal, Stamper};
use crate::seal::service::{self as seals, SealRecord};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

fn refusal_problem(r: Refusal) -> Problem {
    Problem::new(
        StatusCode::from_u16(r.status()).unwrap_or(StatusCode::FORBIDDEN),
        r.kind(),
        r.to_string(),
    )
}

/// The signer binding for a stamp by `who` with `rec`; client-side, `presented` is the
/// certificate the client signs with.
pub(in crate::api) async fn check_binding(
    s: &AppState,
    who: &Principal,
    rec: &SealRecord,
    presented: Option<&[u8]>,
) -> ApiResult<()> {
    let hasher = &signing(s)?.hasher;
    let cert = match &who.certificate {
        Some(serial) => s
            .repo
            .certificate(serial)
            .await
            .map_err(|e| Problem::internal(&e))?,
        None => None,
    };
    binding::check(
        &Stamper {
            token_certificate: who.certificate.as_deref(),
            token_organization: who.organization.as_deref(),
            certificate: cert.as_ref(),
            presented,
        },
        rec,
        hasher,
        crate::clock::now_secs(),
    )
    .map_err(refusal_problem)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignBody {
    #[serde(default)]
    data_base64: Option<String>,
    #[serde(default)]
    sm3_hex: Option<String>,
    #[serde(default)]
    property_info: Option<String>,
}

fn data_hash(data_base64: Option<&str>, sm3_hex: Option<&str>) -> ApiResult<[u8; 32]> {
    match (data_base64, sm3_hex) {
        (Some(d), None) => Ok(crate::crypto::sm3(&decode_b64("data_base64", d)?)),
        (None, Some(h)) => {
            let v = hex::decode(h.trim())
                .map_err(|_| Problem::unprocessable("invalid-request", "`sm3_hex` is not hex"))?;
            v.try_into().map_err(|_| {
                Problem::unprocessable("invalid-request", "`sm3_hex` must be 32 bytes")
            })
        }
        _ => Err(Problem::unprocessable(
            "invalid-request",
            "give exactly one of `data_base64` or `sm3_hex`",
        )),
    }
}

fn timestamp_of(s: &Arc<AppState>, sig: &[u8]) -> Option<Vec<u8>> {
    tokio::task::block_in_place(|| super::super::documents::tsa_fn(s.clone())(sig))
}

/// `POST /v1/seals/{id}/sign` (signer, 云签章): SES_Signature v4 with a timestamp, signed with
/// the key imported for the token's certificate.
pub async fn sign(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s.require(&headers, Permission::Stamp, "seal.sign").await?;
    let r = sign_as(&s, &who, &id, &headers, body).await;
    super::audited(&s, &who, "seal.sign", &id, r).await
}

async fn sign_as(
    s: &Arc<AppState>,
    who: &Principal,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let svc = services(s)?;
    let b: SignBody = super::super::handlers::read_json(s, headers, body).await?;
    let hash = data_hash(b.data_base64.as_deref(), b.sm3_hex.as_deref())?;
    let rec = load_seal(svc, id).await?;
    check_binding(s, who, &rec, None).await?;
    let (signer, cert_der) = super::super::documents::token_signer(s, who).await?;
    let now = crate::clock::now_secs();
    let unsigned = seals::stamp(
        &rec,
        &hash,
        b.property_info.as_deref().unwrap_or("data"),
        signer.as_ref(),
        &cert_der,
        now,
        None,
    )
    .map_err(seal_problem)?;
    let parsed = SesSignature::from_der(&unsigned).map_err(|e| Problem::internal(&e))?;
    let token = timestamp_of(s, &parsed.signature);
    let signed = SesSignature::assemble_v4(
        &parsed.tbs_bytes,
        &cert_der,
        &parsed.signature,
        token.as_deref(),
    )
    .map_err(|e| Problem::internal(&e))?;
    s.audit(
        who,
        "seal.sign",
        id,
        "success",
        &format!("timestamp={}", token.is_some()),
    )
    .await;
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "signature_base64": b64().encode(&signed), "timestamp": token.is_some()}),
        Some(who),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrepareBody {
    #[serde(default)]
    data_base64: Option<String>,
    #[serde(default)]
    sm3_hex: Option<String>,
    #[serde(default)]
    property_info: Option<String>,
    certificate_pem: String,
}

fn cert_from_pem(pem: &str) -> ApiResult<Vec<u8>> {
    let (label, der_bytes) = der::pem::decode_vec(pem.as_bytes())
        .map_err(|_| Problem::unprocessable("invalid-request", "`certificate_pem` is not PEM"))?;
    if label != "CERTIFICATE" {
        return Err(Problem::unprocessable(
            "invalid-request",
            "`certificate_pem` is not a CERTIFICATE",
        ));
    }
    Ok(der_bytes)
}

/// `POST /v1/seals/{id}/prepare` (signer, client-side): the exact TBS_Sign bytes to sign, and
/// their SM3 with Z (the digest an SM2 token signs).
pub async fn prepare(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Stamp, "seal.prepare")
        .await?;
    let r = prepare_as(&s, &who, &id, &headers, body).await;
    super::audited(&s, &who, "seal.prepare", &id, r).await
}

async fn prepare_as(
    s: &AppState,
    who: &Principal,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let svc = services(s)?;
    let b: PrepareBody = super::super::handlers::read_json(s, headers, body).await?;
    let hash = data_hash(b.data_base64.as_deref(), b.sm3_hex.as_deref())?;
    let cert = cert_from_pem(&b.certificate_pem)?;
    let rec = load_seal(svc, id).await?;
    check_binding(s, who, &rec, Some(&cert)).await?;
    let tbs = SesSignature::tbs_v4(
        &rec.der,
        crate::clock::now_secs(),
        &hash,
        b.property_info.as_deref().unwrap_or("data"),
    )
    .map_err(|e| Problem::internal(&e))?;
    // e = SM3(Z ‖ TBS) for SM2 signers: what a USB token that signs digests is given.
    let e = crate::verify::cert::Cert::from_der(&cert)
        .ok()
        .and_then(|c| crate::crypto::verify::classify_spki(&c.spki_der).ok())
        .filter(|(k, _)| *k == crate::crypto::verify::PublicKeyKind::Sm2)
        .and_then(|(_, p)| {
            crate::crypto::verify::sm2_digest_with_z(&p, crate::crypto::SM2_DEFAULT_ID, &tbs)
        });
    s.audit(who, "seal.prepare", id, "success", "").await;
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "tbs_base64": b64().encode(&tbs), "sm3_with_z_hex": e.map(hex::encode)}),
        Some(who),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    tbs_base64: String,
    signature_base64: String,
    certificate_pem: String,
}

/// `POST /v1/seals/{id}/complete` (signer, client-side): check the binding again, the
/// signature over the TBS bytes and that they embed this very seal; then add a timestamp and
/// return the SES_Signature.
pub async fn complete(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Stamp, "seal.complete")
        .await?;
    let r = complete_as(&s, &who, &id, &headers, body).await;
    super::audited(&s, &who, "seal.complete", &id, r).await
}

async fn complete_as(
    s: &Arc<AppState>,
    who: &Principal,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let svc = services(s)?;
    let b: CompleteBody = super::super::handlers::read_json(s, headers, body).await?;
    let tbs = decode_b64("tbs_base64", &b.tbs_base64)?;
    let sig = decode_b64("signature_base64", &b.signature_base64)?;
    let cert = cert_from_pem(&b.certificate_pem)?;
    let rec = load_seal(svc, id).await?;
    // Before the signature is even looked at, and before any timestamp is asked for.
    check_binding(s, who, &rec, Some(&cert)).await?;
    let signed = SesSignature::assemble_v4(&tbs, &cert, &sig, None)
        .map_err(|e| Problem::unprocessable("signature-invalid", e.to_string()))?;
    let parsed = SesSignature::from_der(&signed)
        .map_err(|e| Problem::unprocessable("invalid-request", e.to_string()))?;
    // The TBS must embed this very seal (not another one that lists the certificate).
    if parsed.seal.der != rec.der {
        return Err(Problem::unprocessable(
            "invalid-request",
            "the TBS_Sign is not for this seal",
        ));
    }
    if !parsed.signer_in_cert_list() {
        return Err(seal_problem(seals::SealServiceError::SignerNotAllowed));
    }
    let token = timestamp_of(s, &parsed.signature);
    let signed = SesSignature::assemble_v4(
        &parsed.tbs_bytes,
        &cert,
        &parsed.signature,
        token.as_deref(),
    )
    .map_err(|e| Problem::internal(&e))?;
    s.audit(
        who,
        "seal.complete",
        id,
        "success",
        &format!("timestamp={}", token.is_some()),
    )
    .await;
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "signature_base64": b64().encode(&signed), "timestamp": token.is_some()}),
        Some(who),
    ))
}
