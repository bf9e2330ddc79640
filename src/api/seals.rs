//! Seal endpoints: make, fetch and revoke seals (seal-admin, [`manage`]), stamp server-side or
//! prepare / complete client-side (signer, [`stamping`]) and the public signed status of a
//! seal ([`status`]). Verification is [`super::verify`]'s.
//! Every refusal after authentication is audited with its actor and reason ([`refusal`]).

use super::problem::{ApiResult, Problem};
use super::{AppState, TokenId};
use crate::auth::Principal;
use crate::seal::service::{self as seals, SealRepository};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::Value;
use std::sync::Arc;

mod manage;
mod refusal;
mod stamping;
mod status;

pub use manage::{create, get, revoke};
pub(super) use refusal::{audit_refusal, audited};
pub(super) use stamping::check_binding;
pub use stamping::{complete, prepare, sign};
pub(super) use status::signed_status_response;
pub use status::{StatusCache, status};

/// What the seal endpoints need besides the common state.
pub struct SealServices {
    /// The seal registry.
    pub repo: Arc<dyn SealRepository>,
    /// Region code (esID prefix).
    pub region: String,
    /// Anchors and intermediates for verification (our CAs).
    pub anchors: Vec<Vec<u8>>,
    /// Our issuing CAs.
    pub intermediates: Vec<Vec<u8>>,
    /// Making, stamping and signed statuses (None: a `verify` process, which holds no key).
    pub signing: Option<SealSigning>,
}

/// The keys and secrets of seal making and stamping: only a process holding keys has them.
pub struct SealSigning {
    /// The SM2 seal maker.
    pub maker: Arc<dyn crate::crypto::Signer>,
    /// Its certificate.
    pub maker_cert: Vec<u8>,
    /// Key store holding imported signer keys (`signer-{serial}`).
    pub keys: crate::crypto::KeyStore,
    /// The key store passphrase (to open signer keys).
    pub passphrase: crate::crypto::Passphrase,
    /// The region's holder hasher (the salt of person certificates): personal seals' holders.
    pub hasher: crate::pki::subject::HolderHasher,
    /// Signed seal statuses served by `GET /v1/seals/{id}/status`.
    pub status: StatusCache,
    /// Signer keys once decrypted (reused while their file and the passphrase are the same).
    pub decrypted: crate::crypto::DecryptedKeys,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

pub(super) fn decode_b64(field: &str, v: &str) -> ApiResult<Vec<u8>> {
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

pub(super) fn services(s: &AppState) -> ApiResult<&SealServices> {
    s.seals.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "seals are not enabled on this server",
        )
    })
}

/// The seal keys of this process, or the problem of a process that holds none.
pub(super) fn signing(s: &AppState) -> ApiResult<&SealSigning> {
    services(s)?
        .signing
        .as_ref()
        .ok_or_else(|| Problem::holds_no_key(s.role.as_str()))
}

pub(super) fn seal_problem(e: seals::SealServiceError) -> Problem {
    match e {
        seals::SealServiceError::Invalid(m) => Problem::unprocessable("invalid-seal-request", m),
        seals::SealServiceError::NotActive(id, st) => Problem::new(
            StatusCode::CONFLICT,
            "seal-not-active",
            format!("seal {id} is {st}"),
        ),
        seals::SealServiceError::SignerNotAllowed => Problem::new(
            StatusCode::FORBIDDEN,
            "signer-not-allowed",
            "the signer's certificate is not one the seal allows",
        ),
        seals::SealServiceError::Format(e) => Problem::unprocessable("invalid-seal", e.to_string()),
        seals::SealServiceError::Store(e) => Problem::internal(&e),
    }
}

pub(super) fn ok(status: StatusCode, v: Value, who: Option<&Principal>) -> Response {
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
