//! E-licence endpoints: issue (`POST /v1/licences`, licence-issuer, `Idempotency-Key`
//! honoured), read (`GET /v1/licences/{id}`, the issuing agency or an auditor; sensitive fields
//! masked for auditors), the sealed file (`GET /v1/licences/{id}/document`), change, suspend,
//! resume and revoke (the issuing agency only), and the public signed status
//! (`GET /v1/licences/{id}/status`, no personal data, `application/cms`).

use super::problem::{ApiResult, Problem};
use super::{AppState, TokenId};
use crate::auth::{Permission, Principal, Role};
use crate::licence::blobs::BlobStore;
use crate::licence::repo::LicenceRepository;
use crate::licence::service::{
    DocumentFormat, IssueRequest, Issued, LicenceError, Registry, Sealer,
};
use crate::licence::vault::Vault;
use crate::licence::{Agency, Catalogue, DraftError, Event};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// What the licence endpoints need.
pub struct LicenceServices {
    /// Kinds.
    pub catalogue: Catalogue,
    /// Registry rows.
    pub repo: Arc<dyn LicenceRepository>,
    /// Sealed files.
    pub blobs: Arc<dyn BlobStore>,
    /// Region code.
    pub region: String,
    /// Public base URL.
    pub public_base: String,
    /// Keys (None in a `verify` process).
    pub signing: Option<LicenceSigning>,
}

/// The keys of licence issuing and status signing.
pub struct LicenceSigning {
    /// Licence data at rest.
    pub vault: Vault,
    /// The holder hasher (persons' identity numbers).
    pub hasher: crate::pki::subject::HolderHasher,
    /// The e-licence QR signer.
    pub qr_signer: Arc<dyn crate::crypto::Signer>,
    /// Its certificate.
    pub qr_cert: Vec<u8>,
    /// The trust-list signer (signed statuses).
    pub status_signer: Arc<dyn crate::crypto::Signer>,
    /// Its certificate.
    pub status_cert: Vec<u8>,
    /// How long a signed status is valid (seconds).
    pub status_validity: i64,
    /// Signed statuses reused until half their validity, while they hold.
    pub status_cache: crate::licence::status_cache::StatusCache,
}

fn services(s: &AppState) -> ApiResult<&LicenceServices> {
    s.licences.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "e-licences are not enabled on this server",
        )
    })
}

pub(super) fn signing(s: &AppState) -> ApiResult<(&LicenceServices, &LicenceSigning)> {
    let svc = services(s)?;
    let sig = svc
        .signing
        .as_ref()
        .ok_or_else(|| Problem::holds_no_key(s.role.as_str()))?;
    Ok((svc, sig))
}

pub(super) fn registry<'a>(svc: &'a LicenceServices, sig: &'a LicenceSigning) -> Registry<'a> {
    Registry {
        catalogue: &svc.catalogue,
        repo: svc.repo.as_ref(),
        blobs: svc.blobs.as_ref(),
        vault: &sig.vault,
        hasher: &sig.hasher,
        region: &svc.region,
        public_base: &svc.public_base,
        qr_signer: sig.qr_signer.as_ref(),
        qr_cert: &sig.qr_cert,
    }
}

/// The problem for a licence error.
pub(super) fn licence_problem(e: LicenceError) -> Problem {
    match e {
        LicenceError::UnknownKind(k) => {
            Problem::unprocessable("unknown-licence-kind", format!("no licence kind `{k}`"))
        }
        LicenceError::Draft(DraftError::NotAllowed { agency, kind }) => Problem::new(
            StatusCode::FORBIDDEN,
            "licence-kind-not-allowed",
            format!("agency {agency} may not issue licences of kind `{kind}`"),
        ),
        LicenceError::Draft(DraftError::Fields(errors)) => {
            let detail = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; ");
            Problem::unprocessable("invalid-licence-fields", detail)
        }
        LicenceError::Draft(DraftError::Identifier(m)) => {
            Problem::unprocessable("invalid-licence-identifier", m)
        }
        LicenceError::NotFound(id) => Problem::not_found(format!("no licence {id}")),
        LicenceError::NotYours(id) => Problem::new(
            StatusCode::FORBIDDEN,
            "licence-of-another-agency",
            format!("licence {id} was issued by another agency"),
        ),
        e @ LicenceError::Status { .. } => Problem::new(
            StatusCode::CONFLICT,
            "licence-status-conflict",
            e.to_string(),
        ),
        LicenceError::ReasonRequired => {
            Problem::unprocessable("reason-required", "a reason is required")
        }
        LicenceError::Store(crate::licence::repo::LicenceStoreError::Conflict(m)) => {
            Problem::new(StatusCode::CONFLICT, "licence-status-conflict", m)
        }
        e @ (LicenceError::Make(_) | LicenceError::Store(_)) => Problem::internal(&e),
    }
}

pub(super) fn agency_of(who: &Principal) -> ApiResult<String> {
    who.organization
        .clone()
        .ok_or_else(|| Problem::forbidden("this token is not bound to an agency (--org)"))
}

/// The token's signer, its certificate, the agency's name (the certificate's CN) and the
/// agency's active e-licence seal listing that certificate.
pub(super) async fn sealer_parts(
    s: &Arc<AppState>,
    who: &Principal,
    agency: &str,
) -> ApiResult<(
    Arc<crate::crypto::SoftwareSigner>,
    Vec<u8>,
    String,
    crate::seal::service::SealRecord,
)> {
    let (signer, record) = super::documents::token_signer_record(s, who).await?;
    let name = crate::licence::service::agency_name(&record.subject);
    let seals = super::seals::services(s)?;
    let now = crate::clock::now_secs();
    let seal =
        crate::licence::service::licence_seal(seals.repo.as_ref(), agency, &record.serial, now)
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::CONFLICT,
                    "no-licence-seal",
                    format!(
                        "agency {agency} has no active 电子证照专用章 (e-licence seal) listing the token's certificate"
                    ),
                )
            })?;
    Ok((signer, record.der, name, seal))
}

pub(super) fn issued_json(svc: &LicenceServices, i: &Issued) -> Value {
    json!({
        "identifier": i.licence.id.to_string(),
        "kind": i.licence.kind,
        "version": i.licence.id.version,
        "status": i.licence.status.name(),
        "number": i.licence.number,
        "holder_name": i.licence.holder_name,
        "issue_date": i.licence.issue_date,
        "valid_to": i.licence.valid_to,
        "qr": i.qr_text,
        "document": format!("{}/v1/licences/{}/document", svc.public_base, i.licence.id),
        "status_url": format!("{}/v1/licences/{}/status", svc.public_base, i.licence.id),
        "replayed": i.replayed,
    })
}

/// A JSON answer tagged with the caller's token (the seal endpoints' [`super::seals::ok`]).
fn respond(status: StatusCode, v: Value, who: &Principal) -> Response {
    super::seals::ok(status, v, Some(who))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    kind: String,
    values: serde_json::Map<String, Value>,
    #[serde(default)]
    external_key: Option<String>,
    /// `ofd` (default) or `pdf`.
    #[serde(default)]
    document_format: DocumentFormat,
}

pub(super) fn idempotency_key(
    headers: &HeaderMap,
    body: Option<String>,
) -> ApiResult<Option<String>> {
    let header = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(|s| s.trim().to_string())
                .map_err(|_| Problem::bad_request("invalid-request", "Idempotency-Key is not text"))
        })
        .transpose()?;
    let key = body.or(header);
    if let Some(k) = &key
        && (k.is_empty() || k.len() > 128 || k.chars().any(char::is_control))
    {
        return Err(Problem::bad_request(
            "invalid-request",
            "the idempotency key must be 1 to 128 printable characters",
        ));
    }
    Ok(key)
}

/// `POST /v1/licences` (licence-issuer).
pub async fn issue(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::IssueLicences, "licence.issue")
        .await?;
    let r = issue_as(&s, &who, &headers, body).await;
    super::seals::audited(&s, &who, "licence.issue", "-", r).await
}

async fn issue_as(
    s: &Arc<AppState>,
    who: &Principal,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let (svc, sig) = signing(s)?;
    let b: IssueBody = super::handlers::read_json(s, headers, body).await?;
    let key = idempotency_key(headers, b.external_key)?;
    if who.role == Role::RegistrationAuthority
        && b.kind != crate::licence::enterprise::BUSINESS_LICENCE
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "licence-kind-not-allowed",
            format!(
                "a registration authority issues business licences only, not `{}`",
                short(&b.kind)
            ),
        ));
    }
    let agency = agency_of(who)?;
    let (signer, cert, name, seal) = sealer_parts(s, who, &agency).await?;
    let chain = super::documents::issuer_of(&cert, &super::seals::services(s)?.intermediates);
    let tsa = super::documents::tsa_fn(s.clone());
    let now = crate::clock::now_secs();
    let reg = registry(svc, sig);
    let req = IssueRequest {
        kind: b.kind,
        agency: Agency {
            credit_code: agency,
            name,
        },
        values: b.values,
        external_key: key,
        actor: who.actor(),
    };
    let timestamp = |sig: &[u8]| tokio::task::block_in_place(|| tsa(sig));
    let issued = reg
        .issue(
            &Sealer {
                seal: &seal,
                signer: signer.as_ref(),
                cert: &cert,
                chain: &chain,
                timestamp: Some(&timestamp),
                format: b.document_format,
            },
            req,
            now,
        )
        .await
        .map_err(licence_problem)?;
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    s.audit(
        who,
        "licence.issue",
        &issued.licence.id.to_string(),
        "success",
        &format!("kind={} replayed={}", issued.licence.kind, issued.replayed),
    )
    .await;
    let mut v = issued_json(svc, &issued);
    // The log records the signed data of the version (see `store::licences`).
    if let Ok(Some(row)) = svc.repo.by_identifier(&issued.licence.id.to_string()).await {
        v["transparency"] = super::log::answer_proof(s, &row.data_signature, "licence.issue").await;
    }
    Ok(respond(status, v, who))
}

/// The row `id` as `who` may read it: the issuing agency, an auditor or an admin.
async fn readable(
    s: &AppState,
    svc: &LicenceServices,
    who: &Principal,
    id: &str,
) -> ApiResult<crate::licence::repo::LicenceRow> {
    let row = svc
        .repo
        .by_identifier(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("no licence {}", short(id))))?;
    if who.role.is_agency() && who.organization.as_deref() != Some(&row.issuer_code) {
        let _ = s;
        return Err(licence_problem(LicenceError::NotYours(row.identifier)));
    }
    Ok(row)
}

fn short(id: &str) -> String {
    id.chars().take(100).collect()
}

/// `GET /v1/licences/{id}`.
pub async fn get(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadLicences, "licence.read")
        .await?;
    let (svc, sig) = signing(&s)?;
    let row = readable(&s, svc, &who, &id).await?;
    let licence = registry(svc, sig).licence(&row).map_err(licence_problem)?;
    let unmasked = who.role == Role::Admin || who.role.is_agency();
    Ok(respond(
        StatusCode::OK,
        crate::licence::service::view(
            &svc.catalogue,
            &row,
            &licence,
            unmasked,
            crate::clock::now_secs(),
        ),
        &who,
    ))
}

/// `GET /v1/licences/{id}/document`: the sealed OFD.
pub async fn document(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadLicences, "licence.read")
        .await?;
    let svc = services(&s)?;
    let row = readable(&s, svc, &who, &id).await?;
    let bytes = svc
        .blobs
        .get(&row.document_sha256)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::internal(&"the sealed file is missing"))?;
    let media_type = DocumentFormat::of(&bytes).media_type();
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, media_type)], bytes).into_response();
    r.extensions_mut().insert(TokenId(who.token_id.clone()));
    Ok(r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    values: serde_json::Map<String, Value>,
    /// `ofd` (default) or `pdf`.
    #[serde(default)]
    document_format: DocumentFormat,
}

/// `POST /v1/licences/{id}/change` (the issuing agency): a new version.
pub async fn change(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::IssueLicences, "licence.change")
        .await?;
    let r = change_as(&s, &who, &id, &headers, body).await;
    super::seals::audited(&s, &who, "licence.change", &short(&id), r).await
}

async fn change_as(
    s: &Arc<AppState>,
    who: &Principal,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let (svc, sig) = signing(s)?;
    let b: ChangeBody = super::handlers::read_json(s, headers, body).await?;
    let agency = agency_of(who)?;
    let (signer, cert, name, seal) = sealer_parts(s, who, &agency).await?;
    let chain = super::documents::issuer_of(&cert, &super::seals::services(s)?.intermediates);
    let tsa = super::documents::tsa_fn(s.clone());
    let now = crate::clock::now_secs();
    let reg = registry(svc, sig);
    let agency = Agency {
        credit_code: agency,
        name,
    };
    let timestamp = |sig: &[u8]| tokio::task::block_in_place(|| tsa(sig));
    let issued = reg
        .change(
            &Sealer {
                seal: &seal,
                signer: signer.as_ref(),
                cert: &cert,
                chain: &chain,
                timestamp: Some(&timestamp),
                format: b.document_format,
            },
            id,
            &agency,
            &b.values,
            &who.actor(),
            now,
        )
        .await
        .map_err(licence_problem)?;
    sig.status_cache.invalidate(id);
    s.audit(
        who,
        "licence.change",
        &short(id),
        "success",
        &format!("new={}", issued.licence.id),
    )
    .await;
    Ok(respond(StatusCode::CREATED, issued_json(svc, &issued), who))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn lifecycle(
    s: Arc<AppState>,
    id: String,
    headers: HeaderMap,
    body: Body,
    event: Event,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::IssueLicences, event.name())
        .await?;
    let r = async {
        let (svc, sig) = signing(&s)?;
        let b: ReasonBody = super::handlers::read_json(&s, &headers, body).await?;
        let agency = agency_of(&who)?;
        let row = registry(svc, sig)
            .set_status(
                &id,
                &agency,
                event,
                b.reason.as_deref(),
                &who.actor(),
                crate::clock::now_secs(),
            )
            .await
            .map_err(licence_problem)?;
        sig.status_cache.invalidate(&row.identifier);
        s.audit(&who, event.name(), &row.identifier, "success", row.status.name())
            .await;
        Ok(respond(
            StatusCode::OK,
            json!({"identifier": row.identifier, "status": row.status.name(), "status_reason": row.status_reason}),
            &who,
        ))
    }
    .await;
    super::seals::audited(&s, &who, event.name(), &short(&id), r).await
}

/// `POST /v1/licences/{id}/suspend` (reason required).
pub async fn suspend(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    lifecycle(s, id, headers, body, Event::Suspend).await
}

/// `POST /v1/licences/{id}/resume`.
pub async fn resume(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    lifecycle(s, id, headers, body, Event::Resume).await
}

/// `POST /v1/licences/{id}/revoke` (注销/废止, reason required).
pub async fn revoke(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    lifecycle(s, id, headers, body, Event::Revoke).await
}

/// `GET /v1/licences/{id}/status` (public): the signed status, `application/cms`. The registry
/// is read on every request; a status signed earlier is given out again while it states the
/// same and is younger than half its validity ([`crate::licence::status_cache`]).
pub async fn status(State(s): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let (svc, sig) = signing(&s)?;
    let now = crate::clock::now_secs();
    let st = crate::licence::service::statement(
        svc.repo.as_ref(),
        &svc.region,
        &id,
        now,
        sig.status_validity,
    )
    .await
    .map_err(licence_problem)?;
    let (der, produced_at) = sig
        .status_cache
        .get_or_sign(&st, now, |st| {
            crate::licence::status::sign(st, sig.status_signer.as_ref(), &sig.status_cert, now)
        })
        .map_err(|e| Problem::internal(&e))?;
    let max_age = (produced_at + sig.status_cache.reuse_for() - now).max(1);
    Ok(super::seals::signed_status_response(&der, max_age))
}
