//! `POST /v1/enterprises` (registration-authority): 同步发放 — a new company's organization
//! certificate, 公章 and business licence in one step, all three or none
//! ([`crate::licence::enterprise`]). The token is bound like a licence-issuer: the authority's
//! credit code and its certificate, whose key seals the business licence with the authority's
//! e-licence seal. `Idempotency-Key` makes a retry return the registration made earlier (200,
//! `"replayed": true`, without the key, which is returned once).
//!
//! Owns: the request's shape and the answer's; no registration logic.

use super::licences::{agency_of, idempotency_key, issued_json, licence_problem, registry};
use super::problem::{ApiResult, Problem};
use super::{AppState, TokenId};
use crate::auth::{Permission, Principal};
use crate::crypto::{Algorithm, Passphrase};
use crate::licence::Agency;
use crate::licence::enterprise::{EnterpriseError, Enterprises, Registered, Registration};
use crate::licence::service::Sealer;
use crate::pki::authority::KeySource;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    passphrase: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum KeyBody {
    /// Generate the key; return it encrypted under the passphrase.
    Generate(Generate),
    /// The company's CSR (PEM).
    CsrPem(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SealBody {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    registration: serde_json::Map<String, Value>,
    key: KeyBody,
    #[serde(default)]
    seal: Option<SealBody>,
    #[serde(default)]
    algorithm: Option<String>,
}

/// The problem for a failed registration (what had been made was undone).
fn problem(e: EnterpriseError) -> Problem {
    match e {
        EnterpriseError::Invalid(m) => Problem::unprocessable("invalid-registration", m),
        EnterpriseError::Licence(e) => licence_problem(e),
        EnterpriseError::Certificate(e) => super::handlers::issue_problem(e),
        EnterpriseError::Seal(m) => Problem::unprocessable("invalid-seal-request", m),
        e @ EnterpriseError::Undone => {
            Problem::new(StatusCode::CONFLICT, "registration-undone", e.to_string())
        }
        e @ (EnterpriseError::Replay(_)
        | EnterpriseError::Forced(_)
        | EnterpriseError::Store(_)
        | EnterpriseError::Incomplete { .. }) => Problem::internal(&e),
    }
}

/// `POST /v1/enterprises` (registration-authority).
pub async fn register(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(
            &headers,
            Permission::RegisterEnterprises,
            "enterprise.register",
        )
        .await?;
    let r = register_as(&s, &who, &headers, body).await;
    super::seals::audited(&s, &who, "enterprise.register", "-", r).await
}

async fn register_as(
    s: &Arc<AppState>,
    who: &Principal,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let (svc, sig) = super::licences::signing(s)?;
    let b: RegisterBody = super::handlers::read_json(s, headers, body).await?;
    let external_key = idempotency_key(headers, None)?;
    let algorithm: Algorithm = b.algorithm.as_deref().unwrap_or("sm2").parse().map_err(
        |e: crate::crypto::CryptoError| Problem::unprocessable("unknown-algorithm", e.to_string()),
    )?;
    let key = match b.key {
        KeyBody::Generate(g) => {
            KeySource::Generate(Passphrase::new(g.passphrase).map_err(|_| {
                Problem::unprocessable("weak-passphrase", "the key passphrase is empty")
            })?)
        }
        KeyBody::CsrPem(pem) => KeySource::Csr(pem.into_bytes()),
    };
    let authority = s.authority()?;
    let agency = agency_of(who)?;
    let (signer, cert, name, seal) = super::licences::sealer_parts(s, who, &agency).await?;
    let seals = super::seals::services(s)?;
    let seal_keys = super::seals::signing(s)?;
    let chain = super::documents::issuer_of(&cert, &seals.intermediates);
    let tsa = super::documents::tsa_fn(s.clone());
    let timestamp = |sig: &[u8]| tokio::task::block_in_place(|| tsa(sig));
    let reg = registry(svc, sig);
    let sealer = Sealer {
        seal: &seal,
        signer: signer.as_ref(),
        cert: &cert,
        chain: &chain,
        timestamp: Some(&timestamp),
        format: crate::licence::service::DocumentFormat::Ofd,
    };
    let notify = |serial: &str, ca: &str| s.status_changed(serial, ca);
    let enterprises = Enterprises {
        authority,
        seals: seals.repo.as_ref(),
        seal_maker: seal_keys.maker.as_ref(),
        seal_maker_cert: &seal_keys.maker_cert,
        registry: &reg,
        sealer: &sealer,
        on_revoked: Some(&notify),
        fail_after: None,
    };
    let r = enterprises
        .register(
            Registration {
                values: b.registration,
                key,
                algorithm,
                seal_name: b.seal.and_then(|x| x.name),
                authority: Agency {
                    credit_code: agency,
                    name,
                },
                external_key,
                actor: who.actor(),
            },
            crate::clock::now_secs(),
        )
        .await
        .map_err(problem)?;
    if !r.replayed {
        s.metrics
            .issued(crate::licence::enterprise::ORGANIZATION_PROFILE);
    }
    s.audit(
        who,
        "enterprise.register",
        &r.licence.licence.id.to_string(),
        "success",
        &format!(
            "certificate={} seal={} replayed={}",
            r.certificate.serial, r.seal.id, r.replayed
        ),
    )
    .await;
    let status = if r.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        registered_json(svc, &r).to_string(),
    )
        .into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/v1/licences/{}", r.licence.licence.id)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp.extensions_mut().insert(TokenId(who.token_id.clone()));
    Ok(resp)
}

fn registered_json(svc: &super::licences::LicenceServices, r: &Registered) -> Value {
    let mut v = json!({
        "licence": issued_json(svc, &r.licence),
        "certificate": {
            "serial": r.certificate.serial,
            "status": r.certificate.status.as_str(),
            "subject": r.certificate.subject,
            "not_after": crate::clock::rfc3339(r.certificate.not_after),
            "pem": crate::pki::cert::to_pem(&r.certificate.der),
            "chain_pem": r.chain_pem,
        },
        "seal": {
            "id": r.seal.id,
            "name": r.seal.name,
            "type": r.seal.seal_type,
            "status": r.seal.status.as_str(),
            "signers": r.seal.signer_serials,
            "esl_url": format!("{}/v1/seals/{}", svc.public_base, r.seal.id),
        },
        "replayed": r.replayed,
    });
    if let Some(k) = &r.encrypted_key_pem {
        v["key_pem_encrypted"] = Value::String(k.clone());
    }
    v
}
