//! Seal endpoints: make, fetch and revoke seals (seal-admin), stamp server-side or prepare /
//! complete client-side (signer), and the public verification endpoint.

use super::problem::{ApiResult, Problem};
use super::{AppState, TokenId};
use crate::auth::{Permission, Principal, Role};
use crate::seal::service::{self as seals, SealRepository, SealStatus};
use crate::seal::{Seal, SesSignature};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// What the seal endpoints need besides the common state.
pub struct SealServices {
    /// The SM2 seal maker.
    pub maker: Arc<dyn crate::crypto::Signer>,
    /// Its certificate.
    pub maker_cert: Vec<u8>,
    /// The seal registry.
    pub repo: Arc<dyn SealRepository>,
    /// Key store holding imported signer keys (`signer-{serial}`).
    pub keys: crate::crypto::KeyStore,
    /// The key store passphrase (to open signer keys).
    pub passphrase: crate::crypto::Passphrase,
    /// Region code (esID prefix).
    pub region: String,
    /// Anchors and intermediates for verification (our CAs).
    pub anchors: Vec<Vec<u8>>,
    /// Our issuing CAs.
    pub intermediates: Vec<Vec<u8>>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn decode_b64(field: &str, v: &str) -> ApiResult<Vec<u8>> {
    b64()
        .decode(v.trim())
        .map_err(|_| Problem::unprocessable("invalid-request", format!("`{field}` is not base64")))
}

pub(super) async fn load_seal(svc: &SealServices, id: &str) -> ApiResult<seals::SealRecord> {
    svc.repo
        .seal(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("no seal {id}")))
}

fn require_active(rec: &seals::SealRecord) -> ApiResult<()> {
    if rec.status != SealStatus::Active {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "seal-not-active",
            format!("seal {} is {}", rec.id, rec.status.as_str()),
        ));
    }
    Ok(())
}

pub(super) fn services(s: &AppState) -> ApiResult<&SealServices> {
    s.seals.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "seals are not enabled on this server",
        )
    })
}

pub(super) fn seal_problem(e: seals::SealServiceError) -> Problem {
    match e {
        seals::SealServiceError::Invalid(m) => Problem::unprocessable("invalid-seal-request", m),
        seals::SealServiceError::NotActive(id, st) => Problem::new(
            StatusCode::CONFLICT,
            "seal-not-active",
            format!("seal {id} is {st}"),
        ),
        seals::SealServiceError::SignerNotAllowed => {
            Problem::forbidden("the signer's certificate is not one the seal allows")
        }
        seals::SealServiceError::Format(e) => Problem::unprocessable("invalid-seal", e.to_string()),
        seals::SealServiceError::Store(e) => Problem::internal(&e),
    }
}

fn ok(status: StatusCode, v: Value, who: Option<&Principal>) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response();
    if let Some(p) = who {
        r.extensions_mut().insert(TokenId(p.token_id.clone()));
    }
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSeal {
    holder: String,
    #[serde(rename = "type")]
    seal_type: String,
    name: String,
    signers: Vec<String>,
    #[serde(default)]
    picture_png_base64: Option<String>,
    #[serde(default)]
    validity_days: Option<u32>,
}

/// `POST /v1/seals` (seal-admin).
pub async fn create(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ManageSeals, "seal.create")
        .await?;
    let svc = services(&s)?;
    let b: CreateSeal = super::handlers::read_json(&s, &headers, body).await?;
    if who.role == Role::SealAdmin
        && let Some(org) = &who.organization
        && *org != b.holder
    {
        return Err(Problem::forbidden(
            "a seal-admin bound to an organization makes seals for it only",
        ));
    }
    let t = crate::seal::types::builtin()
        .into_iter()
        .find(|t| t.key == b.seal_type)
        .ok_or_else(|| {
            Problem::unprocessable(
                "unknown-seal-type",
                format!("unknown seal type '{}'", b.seal_type),
            )
        })?;
    if t.holder == crate::seal::types::Holder::Organization {
        crate::pki::identifiers::check_credit_code(&b.holder)
            .map_err(|e| Problem::unprocessable("bad-check-character", format!("holder: {e}")))?;
    }
    if b.signers.is_empty() || b.signers.len() > 16 {
        return Err(Problem::unprocessable(
            "invalid-seal-request",
            "1 to 16 signer certificates",
        ));
    }
    let mut certs = Vec::new();
    for serial in &b.signers {
        let rec = s
            .repo
            .certificate(serial)
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| {
                Problem::unprocessable(
                    "unknown-certificate",
                    format!("no certificate with serial {serial}"),
                )
            })?;
        if rec.status != crate::pki::repo::CertStatus::Valid {
            return Err(Problem::unprocessable(
                "certificate-not-valid",
                format!("certificate {serial} is {}", rec.status.as_str()),
            ));
        }
        certs.push((rec.serial, rec.der));
    }
    let png = match &b.picture_png_base64 {
        Some(p) => decode_b64("picture_png_base64", p)?,
        None => crate::seal::picture::for_type(&b.name, &t).map_err(|e| {
            Problem::unprocessable("no-picture", format!("{e}; upload picture_png_base64"))
        })?,
    };
    let rec = seals::make_seal(
        &seals::SealRequest {
            region: &svc.region,
            seal_type: &t,
            holder: &b.holder,
            name: &b.name,
            signers: certs,
            picture_png: png,
            validity_days: b.validity_days.unwrap_or(t.max_validity_days),
            now: crate::clock::now_secs(),
        },
        svc.maker.as_ref(),
        &svc.maker_cert,
    )
    .map_err(seal_problem)?;
    let audit = crate::pki::repo::AuditEvent::now(
        &who.actor(),
        "seal.create",
        &rec.id,
        "success",
        &format!("type={} holder={}", t.key, b.holder),
    );
    svc.repo
        .insert_seal(&rec, &audit)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut v = serde_json::to_value(&rec).unwrap_or(Value::Null);
    v["esl_base64"] = Value::String(b64().encode(&rec.der));
    Ok(ok(StatusCode::CREATED, v, Some(&who)))
}

/// `GET /v1/seals/{id}`: JSON, the seal (`application/octet-stream`, .esl) or its picture
/// (`image/png`). Public: seals travel inside every signature anyway.
pub async fn get(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let svc = services(&s)?;
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Problem::bad_request(
            "invalid-seal-id",
            "a seal id is up to 64 letters, digits or '-'",
        ));
    }
    let rec = load_seal(svc, &id).await?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/octet-stream") {
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            rec.der,
        )
            .into_response());
    }
    if accept.contains("image/") {
        let seal = Seal::from_der(&rec.der).map_err(|e| Problem::internal(&e))?;
        let ct = match seal.picture.kind.to_ascii_uppercase().as_str() {
            "PNG" => "image/png",
            "GIF" => "image/gif",
            "JPG" => "image/jpeg",
            "BMP" => "image/bmp",
            "SVG" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, ct)],
            seal.picture.data,
        )
            .into_response());
    }
    Ok(ok(
        StatusCode::OK,
        serde_json::to_value(&rec).unwrap_or(Value::Null),
        None,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RevokeSeal {
    #[serde(default)]
    suspend: bool,
}

/// `POST /v1/seals/{id}/revoke` (seal-admin): revoke, or suspend with `{"suspend": true}`.
pub async fn revoke(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ManageSeals, "seal.revoke")
        .await?;
    let svc = services(&s)?;
    let b: RevokeSeal = super::handlers::read_json(&s, &headers, body).await?;
    let rec = load_seal(svc, &id).await?;
    if who.role == Role::SealAdmin
        && let Some(org) = &who.organization
        && *org != rec.holder
    {
        return Err(Problem::forbidden(
            "this seal does not belong to your organization",
        ));
    }
    let status = if b.suspend {
        SealStatus::Suspended
    } else {
        SealStatus::Revoked
    };
    let audit = crate::pki::repo::AuditEvent::now(
        &who.actor(),
        &format!("seal.{}", status.as_str()),
        &id,
        "success",
        "",
    );
    if !svc
        .repo
        .set_seal_status(&id, status, &audit)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "seal-not-active",
            format!("seal {id} is already revoked"),
        ));
    }
    Ok(ok(
        StatusCode::OK,
        json!({"id": id, "status": status.as_str()}),
        Some(&who),
    ))
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

fn data_hash(b: &SignBody) -> ApiResult<[u8; 32]> {
    match (&b.data_base64, &b.sm3_hex) {
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
    tokio::task::block_in_place(|| super::documents::tsa_fn(s.clone())(sig))
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
    let svc = services(&s)?;
    let b: SignBody = super::handlers::read_json(&s, &headers, body).await?;
    let hash = data_hash(&b)?;
    let rec = load_seal(svc, &id).await?;
    let (signer, cert_der) = super::documents::token_signer(&s, &who).await?;
    let now = crate::clock::now_secs();
    let unsigned = seals::stamp(
        &rec,
        &hash,
        b.property_info.as_deref().unwrap_or("data"),
        &signer,
        &cert_der,
        now,
        None,
    )
    .map_err(seal_problem)?;
    let parsed = SesSignature::from_der(&unsigned).map_err(|e| Problem::internal(&e))?;
    let token = timestamp_of(&s, &parsed.signature);
    let signed = SesSignature::assemble_v4(
        &parsed.tbs_bytes,
        &cert_der,
        &parsed.signature,
        token.as_deref(),
    )
    .map_err(|e| Problem::internal(&e))?;
    s.audit(
        &who,
        "seal.sign",
        &id,
        "success",
        &format!("timestamp={}", token.is_some()),
    )
    .await;
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "signature_base64": b64().encode(&signed), "timestamp": token.is_some()}),
        Some(&who),
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
    let svc = services(&s)?;
    let b: PrepareBody = super::handlers::read_json(&s, &headers, body).await?;
    let hash = data_hash(&SignBody {
        data_base64: b.data_base64.clone(),
        sm3_hex: b.sm3_hex.clone(),
        property_info: None,
    })?;
    let cert = cert_from_pem(&b.certificate_pem)?;
    let rec = load_seal(svc, &id).await?;
    require_active(&rec)?;
    let parsed = Seal::from_der(&rec.der).map_err(|e| Problem::internal(&e))?;
    if !parsed
        .cert_list
        .iter()
        .any(|c| matches!(c, crate::seal::CertRef::Cert(d) if *d == cert))
    {
        return Err(Problem::forbidden(
            "the signer's certificate is not one the seal allows",
        ));
    }
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
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "tbs_base64": b64().encode(&tbs), "sm3_with_z_hex": e.map(hex::encode)}),
        Some(&who),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    tbs_base64: String,
    signature_base64: String,
    certificate_pem: String,
}

/// `POST /v1/seals/{id}/complete` (signer, client-side): check the signature over the TBS
/// bytes, add a timestamp, return the SES_Signature.
pub async fn complete(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Stamp, "seal.complete")
        .await?;
    let svc = services(&s)?;
    let b: CompleteBody = super::handlers::read_json(&s, &headers, body).await?;
    let tbs = decode_b64("tbs_base64", &b.tbs_base64)?;
    let sig = decode_b64("signature_base64", &b.signature_base64)?;
    let cert = cert_from_pem(&b.certificate_pem)?;
    let rec = load_seal(svc, &id).await?;
    require_active(&rec)?;
    // The TBS must embed this very seal.
    if !tbs.windows(rec.der.len()).any(|w| w == rec.der.as_slice()) {
        return Err(Problem::unprocessable(
            "invalid-request",
            "the TBS_Sign is not for this seal",
        ));
    }
    let signed = SesSignature::assemble_v4(&tbs, &cert, &sig, None)
        .map_err(|e| Problem::unprocessable("signature-invalid", e.to_string()))?;
    let parsed = SesSignature::from_der(&signed)
        .map_err(|e| Problem::unprocessable("invalid-request", e.to_string()))?;
    if !parsed.signer_in_cert_list() {
        return Err(Problem::forbidden(
            "the signer's certificate is not one the seal allows",
        ));
    }
    let token = timestamp_of(&s, &parsed.signature);
    let signed = SesSignature::assemble_v4(
        &parsed.tbs_bytes,
        &cert,
        &parsed.signature,
        token.as_deref(),
    )
    .map_err(|e| Problem::internal(&e))?;
    s.audit(&who, "seal.complete", &id, "success", "").await;
    Ok(ok(
        StatusCode::OK,
        json!({"seal": id, "signature_base64": b64().encode(&signed), "timestamp": token.is_some()}),
        Some(&who),
    ))
}

/// Query parameters of `POST /v1/verify`.
#[derive(Deserialize)]
pub struct VerifyQuery {
    /// For a bare certificate: what it is validated for.
    #[serde(default)]
    purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    object_base64: String,
    #[serde(default)]
    data_base64: Option<String>,
    /// For a bare certificate: what it is validated for (default `document-signer`).
    #[serde(default)]
    purpose: Option<String>,
}

/// `POST /v1/verify` (public): a seal or an SES_Signature (JSON with base64, or the raw DER as
/// `application/octet-stream`), optional original data; returns the report. Our CAs are the
/// anchors; revocation uses our published CRLs.
pub async fn verify(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    axum::extract::Query(query): axum::extract::Query<VerifyQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    // Public: anonymous callers are rate-limited per address; a token (e.g. `region-peer`)
    // gets its own, larger, bucket.
    let who = if headers.contains_key(header::AUTHORIZATION) {
        Some(s.authenticate(&headers).await?)
    } else {
        s.rate_limit_anonymous(addr)?;
        None
    };
    services(&s)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut purpose_name = query.purpose;
    let (object, data) = if ct.starts_with("application/octet-stream") {
        let bytes = axum::body::to_bytes(body, s.limits.body_limit)
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    "the request body is too large",
                )
            })?;
        (bytes.to_vec(), None)
    } else {
        let b: VerifyBody = super::handlers::read_json(&s, &headers, body).await?;
        if b.purpose.is_some() {
            purpose_name = b.purpose.clone();
        }
        (
            decode_b64("object_base64", &b.object_base64)?,
            b.data_base64
                .as_deref()
                .map(|d| decode_b64("data_base64", d))
                .transpose()?,
        )
    };
    let purpose = match purpose_name.as_deref() {
        None => crate::verify::purpose::Purpose::DocumentSigner,
        Some(p) => p.parse().map_err(|e: String| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-request", &e)
        })?,
    };
    // CPU work off the async workers, within the deadline (see `verify_pool`).
    let state = s.clone();
    state
        .verify_pool
        .run(who.is_none(), move |deadline| {
            verify_object(s, who, object, data, purpose, deadline)
        })
        .await?
}

/// The verification proper of `POST /v1/verify`, run on the verification pool.
async fn verify_object(
    s: Arc<AppState>,
    who: Option<Principal>,
    object: Vec<u8>,
    data: Option<Vec<u8>>,
    purpose: crate::verify::purpose::Purpose,
    deadline: crate::document::ofd::Deadline,
) -> ApiResult<Response> {
    let svc = services(&s)?;
    let mut crls = Vec::new();
    for ca in s.status.cas() {
        if let Ok(Some(c)) = s.status.store().latest_crl(&ca.record.id, false).await {
            crls.push(c.der);
        }
    }
    let federation = s.trust.as_ref().map(|t| t.federation.clone());
    let trust: Option<&dyn crate::verify::hook::TrustSource> = federation
        .as_deref()
        .map(|f| f as &dyn crate::verify::hook::TrustSource);
    let (mut anchors, mut intermediates) = (svc.anchors.clone(), svc.intermediates.clone());
    if let Some(t) = trust {
        let (a, i) = t.anchors();
        anchors.extend(a);
        intermediates.extend(i);
    }
    let opts = seals::VerifyOptions {
        anchors,
        intermediates,
        crls,
        ocsp: vec![],
        revocation: crate::verify::path::RevocationMode::Require,
        seal_makers: federation
            .as_deref()
            .map(|f| f.seal_makers())
            .unwrap_or_default(),
        trust,
        registry: Some(svc.repo.as_ref()),
        no_anchor_constraints: false,
        data: data.as_deref(),
        now: crate::clock::now_secs(),
    };
    if let Some((cert, chain)) = certificate_of(&object) {
        let mut opts = opts;
        opts.intermediates.extend(chain);
        let report = verify_certificate(&cert, purpose, &opts).await;
        return Ok(ok(
            StatusCode::OK,
            serde_json::to_value(&report).unwrap_or(Value::Null),
            who.as_ref(),
        ));
    }
    if object.starts_with(b"PK\x03\x04") {
        let report = crate::document::ofd::verify_until(&object, &opts, &deadline)
            .await
            .map_err(|stopped| super::verify_pool::deadline_problem(&stopped))?;
        return Ok(ok(
            StatusCode::OK,
            serde_json::to_value(&report).unwrap_or(Value::Null),
            None,
        ));
    }
    if crate::document::cms::embedded_content(&object).is_ok() {
        let report = crate::document::cms::verify_with_options(
            &object,
            data.as_deref().unwrap_or_default(),
            &opts,
        )
        .await;
        return Ok(ok(
            StatusCode::OK,
            serde_json::to_value(&report).unwrap_or(Value::Null),
            None,
        ));
    }
    let report = seals::verify(&object, &opts).await;
    Ok(ok(
        StatusCode::OK,
        serde_json::to_value(&report).unwrap_or(Value::Null),
        None,
    ))
}

/// The client address of a request, when the server recorded it.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A certificate given as DER, or as PEM optionally followed by more CERTIFICATE blocks (its
/// chain, added to the pool); anything else: `None`.
fn certificate_of(object: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    use der::Decode;
    if !object.starts_with(b"-----BEGIN CERTIFICATE") {
        x509_cert::Certificate::from_der(object).ok()?;
        return Some((object.to_vec(), vec![]));
    }
    let text = std::str::from_utf8(object).ok()?;
    let mut certs = Vec::new();
    for block in text.split_inclusive("-----END CERTIFICATE-----") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        let (label, d) = der::pem::decode_vec(block.as_bytes()).ok()?;
        if label != "CERTIFICATE" || certs.len() >= 16 {
            return None;
        }
        x509_cert::Certificate::from_der(&d).ok()?;
        certs.push(d);
    }
    let mut it = certs.into_iter();
    let target = it.next()?;
    Some((target, it.collect()))
}

/// A bare certificate: path validation now, with revocation required, through our anchors
/// and those of recognized regions; the report says which region anchored it.
async fn verify_certificate(
    cert: &[u8],
    purpose: crate::verify::purpose::Purpose,
    opts: &seals::VerifyOptions<'_>,
) -> Value {
    let mut input =
        crate::verify::path::Input::new(cert.to_vec(), opts.anchors.clone(), opts.now, purpose);
    input.intermediates = opts.intermediates.clone();
    input.crls = opts.crls.clone();
    input.revocation = opts.revocation;
    let mut notes = vec![];
    if let Some(t) = opts.trust {
        let g = t.revocation_data(cert).await;
        input.crls.extend(g.crls);
        input.ocsp.extend(g.ocsp);
        notes = g.notes;
    }
    let mut report = crate::verify::path::Validator::shared().validate(&input);
    if let Some(t) = opts.trust {
        t.review(&mut report, cert, opts.now, purpose.chain_role());
    }
    let mut v = serde_json::to_value(&report).unwrap_or(Value::Null);
    v["object"] = json!("certificate");
    v["purpose"] = json!(purpose.name());
    if !notes.is_empty() {
        v["revocation_fetch"] = json!(notes);
    }
    v
}
