//! Making, fetching and revoking seals.
//!
//! The holder is checked by seal type ([`crate::seal::holder`]): a credit code for organization
//! seals, a resident identity number for personal seals (个人名章), which is replaced by the
//! region's salted hash before anything is stored, audited or answered. `GET /v1/seals/{id}`
//! is public and serves no personal data: a personal seal shows its public view (the hash, not
//! the number, and no signer serials), its picture (the name on the seal), and its `.esl` — which
//! carries the holder's certificates — only to a token that manages seals, reads the audit log,
//! or stamps with it.

use super::super::AppState;
use super::super::problem::{ApiResult, Problem};
use super::{b64, decode_b64, load_seal, ok, seal_problem, services, signing};
use crate::auth::{Permission, Principal, Role};
use crate::seal::Seal;
use crate::seal::holder::{self, SealHolder};
use crate::seal::service::{self as seals, SealStatus};
use crate::seal::types::Holder;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

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
    let r = create_as(&s, &who, &headers, body).await;
    super::audited(&s, &who, "seal.create", "-", r).await
}

async fn create_as(
    s: &AppState,
    who: &Principal,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let svc = services(s)?;
    let keys = signing(s)?;
    let b: CreateSeal = super::super::handlers::read_json(s, headers, body).await?;
    let t = crate::seal::types::by_key(&b.seal_type).ok_or_else(|| {
        Problem::unprocessable(
            "unknown-seal-type",
            format!("unknown seal type '{}'", b.seal_type),
        )
    })?;
    let now = crate::clock::now_secs();
    // From here on only the stored form of the holder is used (never a raw identity number).
    let holder = SealHolder::resolve(&t, &b.holder, &keys.hasher, now)
        .map_err(|e| Problem::unprocessable(e.kind(), e.to_string()))?;
    if who.role == Role::SealAdmin
        && let Some(org) = &who.organization
    {
        if holder.kind() == Holder::Person {
            return Err(Problem::forbidden(
                "a seal-admin bound to an organization makes that organization's seals only; \
                 personal seals are made by an unbound seal-admin",
            ));
        }
        if org != holder.as_str() {
            return Err(Problem::forbidden(
                "a seal-admin bound to an organization makes seals for it only",
            ));
        }
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
        holder
            .check_signer(&rec)
            .map_err(|e| Problem::unprocessable(e.kind(), e.to_string()))?;
        certs.push((rec.serial, rec.der));
    }
    let png = match &b.picture_png_base64 {
        Some(p) => decode_b64("picture_png_base64", p)?,
        None => crate::seal::picture::for_type(&b.name, &t)
            .map_err(|e| Problem::unprocessable("no-picture", e.for_api()))?,
    };
    let rec = seals::make_seal(
        &seals::SealRequest {
            region: &svc.region,
            seal_type: &t,
            holder: holder.as_str(),
            name: &b.name,
            signers: certs,
            picture_png: png,
            validity_days: b.validity_days.unwrap_or(t.max_validity_days),
            now,
        },
        keys.maker.as_ref(),
        &keys.maker_cert,
    )
    .map_err(seal_problem)?;
    let audit = crate::pki::repo::AuditEvent::now(
        &who.actor(),
        "seal.create",
        &rec.id,
        "success",
        &format!(
            "type={} holder_kind={} holder={}",
            t.key,
            holder::kind_name(holder.kind()),
            holder.as_str()
        ),
    )
    .logged(rec.log_entry("seal.make", now));
    svc.repo
        .insert_seal(&rec, &audit)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut v = serde_json::to_value(&rec).unwrap_or(Value::Null);
    v["holder_kind"] = json!(holder::kind_name(holder.kind()));
    v["esl_base64"] = Value::String(b64().encode(&rec.der));
    v["transparency"] = crate::api::log::answer_proof(s, &rec.der, "seal.make").await;
    Ok(ok(StatusCode::CREATED, v, Some(who)))
}

/// `GET /v1/seals/{id}`: JSON, the seal (`application/octet-stream`, .esl) or its picture
/// (`image/png`). Public: seals travel inside every signature anyway; personal seals show no
/// personal data (see the module documentation).
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
        if holder::kind_of(&rec) == Holder::Person {
            may_read_personal_seal(&s, &headers, &rec).await?;
        }
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
        holder::public_view(&rec, &signing(&s)?.hasher),
        None,
    ))
}

/// The `.esl` of a personal seal carries its holder's certificates: only for an unbound
/// seal-admin or admin, an auditor, or a signer whose certificate the seal lists.
async fn may_read_personal_seal(
    s: &AppState,
    headers: &HeaderMap,
    rec: &seals::SealRecord,
) -> ApiResult<()> {
    if !headers.contains_key(header::AUTHORIZATION) {
        return Err(Problem::unauthorized(
            "a personal seal's .esl carries personal data: a token is required",
        ));
    }
    let who = s.authenticate(headers).await?;
    let allowed = (who.role.allows(Permission::ManageSeals) && who.organization.is_none())
        || who.role.allows(Permission::ReadAudit)
        || (who.role == Role::Signer
            && who
                .certificate
                .as_ref()
                .is_some_and(|c| rec.signer_serials.iter().any(|x| x.eq_ignore_ascii_case(c))));
    if allowed {
        return Ok(());
    }
    let p = Problem::new(
        StatusCode::FORBIDDEN,
        "personal-data",
        "a personal seal's .esl is served to seal administrators, auditors and its signers only",
    );
    super::audit_refusal(s, &who, "seal.read", &rec.id, &p).await;
    Err(p)
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
    let b: ApiResult<RevokeSeal> = super::super::handlers::read_json(&s, &headers, body).await;
    let action = match &b {
        Ok(RevokeSeal { suspend: true }) => "seal.suspend",
        _ => "seal.revoke",
    };
    let r = match b {
        Ok(b) => revoke_as(&s, &who, &id, b).await,
        Err(p) => Err(p),
    };
    super::audited(&s, &who, action, &id, r).await
}

async fn revoke_as(s: &AppState, who: &Principal, id: &str, b: RevokeSeal) -> ApiResult<Response> {
    let svc = services(s)?;
    let rec = load_seal(svc, id).await?;
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
        id,
        "success",
        "",
    )
    .logged(rec.log_entry(status.log_kind(), crate::clock::now_secs()));
    if !svc
        .repo
        .set_seal_status(id, status, &audit)
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
        Some(who),
    ))
}
