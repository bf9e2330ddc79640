//! Endpoint handlers: parse and check the request, call the domain, shape the response.

use super::problem::{ApiResult, Problem};
use super::{AppState, TokenId};
use crate::auth::{Permission, Principal};
use crate::crypto::{Algorithm, Passphrase};
use crate::pki::authority::{IssueError, IssueRequest, KeySource};
use crate::pki::csr::CsrError;
use crate::pki::repo::{CertStatus, CertificateFilter, CertificateRecord};
use crate::pki::revocation::{RevocationReason, RevokeError, revoke as revoke_cert};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) fn json_response(status: StatusCode, v: &Value, who: Option<&Principal>) -> Response {
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

/// The whole request body within the API's body limit, or 413 naming the limit.
/// Not tower-http's `RequestBodyLimitLayer`: limits differ by route (API bodies, OCSP and
/// time-stamp requests, documents streamed to disk), and its 413 is bare where this one names
/// the limit.
pub(super) async fn body_bytes(state: &AppState, body: Body) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, state.limits.body_limit)
        .await
        .map_err(|_| {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large", "").msg(
                "msg-body-exceeds",
                &[("limit", &state.limits.body_limit.to_string())],
            )
        })
}

/// Read a JSON body: content type, size and shape are checked; unknown fields are refused.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<T> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "",
        )
        .msg(
            "msg-unsupported-content-type",
            &[("expected", "application/json"), ("got", ct)],
        ));
    }
    let bytes = body_bytes(state, body).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                Problem::bad_request("malformed-json", "")
                    .msg("msg-malformed-json", &[("error", &e.to_string())])
            }
            Category::Data => Problem::unprocessable("invalid-request", "")
                .msg("msg-schema-mismatch", &[("error", &e.to_string())]),
        }
    })
}

pub(super) fn parse_query<T: serde::de::DeserializeOwned + Default>(
    q: Option<String>,
) -> ApiResult<T> {
    match q {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(&q).map_err(|e| {
            Problem::bad_request("invalid-query", "")
                .msg("msg-invalid-query", &[("error", &e.to_string())])
        }),
    }
}

/// `GET /v1/health`
pub async fn health(State(s): State<Arc<AppState>>) -> ApiResult<Response> {
    let db = s.repo.region().await.map(|r| r.is_some()).unwrap_or(false);
    if !db {
        // A problem document like every other error answer (the envelope would replace a
        // plain JSON 503 with a generic one): the kind says what is wrong.
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database-unavailable",
            "the database does not answer",
        );
        p.retry_after = Some(5);
        return Err(p);
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ok", "region": s.region_code, "database": true}),
        None,
    ))
}

/// `GET /v1/ca`
pub async fn ca(State(s): State<Arc<AppState>>) -> Response {
    let cas: Vec<Value> = s
        .cas
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "algorithm": c.algorithm, "role": c.role, "parent": c.parent_id,
                "subject": c.subject, "serial": c.serial, "ski": c.ski,
                "not_before": crate::clock::rfc3339(c.not_before), "not_after": crate::clock::rfc3339(c.not_after),
                "certificate_pem": crate::pki::cert::to_pem(&c.der),
            })
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"region": {"code": s.region_code, "name": s.region_name}, "cas": cas}),
        None,
    )
}

/// `GET /openapi.json`
pub async fn openapi(State(s): State<Arc<AppState>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        s.openapi.clone(),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateKey {
    passphrase: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    profile: String,
    algorithm: String,
    subject: Value,
    #[serde(default)]
    csr: Option<String>,
    #[serde(default)]
    generate_key: Option<GenerateKey>,
    #[serde(default)]
    validity_days: Option<u32>,
}

pub(super) fn issue_problem(e: IssueError) -> Problem {
    match &e {
        IssueError::OutOfScope => Problem::forbidden(e.to_string()),
        IssueError::Csr(CsrError::Malformed(_)) => {
            Problem::unprocessable("malformed-csr", e.to_string())
        }
        e if e.is_client_error() => Problem::unprocessable(e.code(), e.to_string()),
        e => Problem::internal(e),
    }
}

/// `POST /v1/certificates`
pub async fn issue(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Issue, "certificate.issue")
        .await?;
    let b: IssueBody = read_json(&s, &headers, body).await?;
    let algorithm: Algorithm = b
        .algorithm
        .parse()
        .map_err(|e: crate::crypto::CryptoError| {
            Problem::unprocessable("unknown-algorithm", e.to_string())
        })?;
    let key = match (b.csr, b.generate_key) {
        (Some(csr), None) => KeySource::Csr(csr.into_bytes()),
        (None, Some(g)) => {
            KeySource::Generate(Passphrase::new(g.passphrase).map_err(|_| {
                Problem::unprocessable("weak-passphrase", "the passphrase is empty")
            })?)
        }
        _ => {
            return Err(Problem::unprocessable(
                "invalid-request",
                "give exactly one of `csr` or `generate_key`",
            ));
        }
    };
    let profile = b.profile.clone();
    let issued = s
        .authority()?
        .issue(IssueRequest {
            profile: b.profile,
            algorithm,
            subject: b.subject,
            key,
            validity_days: b.validity_days,
            actor: who.actor(),
            scope: if who.role == crate::auth::Role::Registrar {
                who.organization.clone()
            } else {
                None
            },
        })
        .await
        .map_err(issue_problem)?;
    s.metrics.issued(&profile);
    let mut v = json!({
        "serial": issued.record.serial,
        "certificate": issued.record.to_json(),
        "certificate_pem": issued.certificate_pem,
        "chain_pem": issued.chain_pem,
    });
    if let Some(k) = issued.encrypted_key_pem {
        v["encrypted_private_key_pem"] = Value::String(k);
    }
    v["transparency"] = super::log::answer_proof(&s, &issued.record.der, "certificate.issue").await;
    let mut r = json_response(StatusCode::CREATED, &v, Some(&who));
    if let Ok(loc) = HeaderValue::from_str(&format!("/v1/certificates/{}", issued.record.serial)) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(r)
}

fn in_scope(who: &Principal, rec: &CertificateRecord) -> bool {
    match (&who.role, &who.organization) {
        (crate::auth::Role::Registrar, Some(org)) => {
            rec.organization.as_deref() == Some(org.as_str())
        }
        _ => true,
    }
}

fn check_serial(serial: &str) -> ApiResult<()> {
    if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem::bad_request(
            "invalid-serial",
            "a serial number is 1 to 64 hexadecimal characters",
        ));
    }
    Ok(())
}

/// `GET /v1/certificates/{serial}`
pub async fn get_certificate(
    State(s): State<Arc<AppState>>,
    Path(serial): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadCertificates, "certificate.read")
        .await?;
    check_serial(&serial)?;
    let rec = s
        .repo
        .certificate(&serial)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| {
            Problem::not_found("").msg(
                "msg-certificate-not-found",
                &[("serial", &serial.to_ascii_uppercase())],
            )
        })?;
    if !in_scope(&who, &rec) {
        s.audit(
            &who,
            "certificate.read",
            &rec.serial,
            "denied",
            "out of scope",
        )
        .await;
        return Err(Problem::forbidden(
            "this certificate does not belong to your organization",
        ));
    }
    s.audit(&who, "certificate.read", &rec.serial, "success", "")
        .await;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let mut r = if accept.contains("application/pkix-cert") {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/pkix-cert")],
            rec.der.clone(),
        )
            .into_response()
    } else if accept.contains("application/x-pem-file")
        || accept.contains("application/pem-certificate-chain")
    {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            crate::pki::cert::to_pem(&rec.der),
        )
            .into_response()
    } else if accept.contains("application/json") || accept.contains("*/*") || accept.is_empty() {
        return Ok(json_response(StatusCode::OK, &rec.to_json(), Some(&who)));
    } else {
        return Err(Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            "available representations: application/json, application/pkix-cert, application/x-pem-file",
        ));
    };
    r.extensions_mut().insert(TokenId(who.token_id.clone()));
    Ok(r)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    profile: Option<String>,
    status: Option<String>,
    holder: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/certificates`
pub async fn list(
    State(s): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadCertificates, "certificate.list")
        .await?;
    let q: ListQuery = parse_query(q)?;
    let status = match q.status.as_deref() {
        None => None,
        Some(x) => Some(CertStatus::parse(x).ok_or_else(|| {
            Problem::bad_request(
                "invalid-query",
                format!("unknown status '{x}' (valid, revoked, hold)"),
            )
        })?),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Problem::bad_request(
            "invalid-query",
            "limit must be between 1 and 1000",
        ));
    }
    if let Some(c) = &q.cursor {
        check_serial(c)?;
    }
    let organization = match (&who.role, &who.organization) {
        (crate::auth::Role::Registrar, Some(org)) => Some(org.clone()),
        _ => None,
    };
    let items = s
        .repo
        .certificates(&CertificateFilter {
            profile: q.profile,
            status,
            holder: q.holder,
            organization,
            after: q.cursor,
            limit,
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    s.audit(
        &who,
        "certificate.list",
        "-",
        "success",
        &format!("{} results", items.len()),
    )
    .await;
    let next = if items.len() as u32 == limit {
        items.last().map(|r| r.serial.clone())
    } else {
        None
    };
    let v = json!({"items": items.iter().map(CertificateRecord::to_json).collect::<Vec<_>>(), "next_cursor": next});
    Ok(json_response(StatusCode::OK, &v, Some(&who)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    #[serde(default)]
    reason: Option<Value>,
    #[serde(default)]
    invalidity_date: Option<String>,
}

/// The problem for a refused revocation (or release), its detail in the catalogue's words.
fn revoke_problem(e: &RevokeError) -> Problem {
    use crate::i18n::t;
    use crate::pki::revocation::RevocationReason;
    let rfc3339 = crate::clock::rfc3339;
    match e {
        RevokeError::NotFound(serial) => {
            Problem::not_found("").msg("msg-certificate-not-found", &[("serial", serial)])
        }
        RevokeError::OutOfScope(serial) => {
            Problem::forbidden("").msg("msg-certificate-out-of-scope", &[("serial", serial)])
        }
        RevokeError::Conflict {
            serial,
            status,
            reason,
        } => {
            let reason = reason
                .and_then(RevocationReason::from_code)
                .map(|r| r.name());
            // The status and reason words are catalogue messages too.
            Problem::new(StatusCode::CONFLICT, "already-revoked", "").msg_by_lang(
                "msg-already-revoked",
                |lang| {
                    let suffix = reason
                        .map(|r| {
                            let word = t(lang, &format!("crl-reason-{r}"), &[]);
                            t(lang, "msg-already-revoked-reason", &[("reason", &word)])
                        })
                        .unwrap_or_default();
                    vec![
                        ("serial", serial.clone()),
                        ("status", t(lang, &format!("cert-status-{status}"), &[])),
                        ("reason_suffix", suffix),
                    ]
                },
            )
        }
        RevokeError::HoldNotAllowed => Problem::unprocessable("hold-not-allowed", e.to_string()),
        RevokeError::InvalidityBeforeNotBefore { date, not_before } => {
            Problem::unprocessable("invalidity-date-before-validity", "").msg(
                "msg-invalidity-before-not-before",
                &[
                    ("date", &rfc3339(*date)),
                    ("not_before", &rfc3339(*not_before)),
                ],
            )
        }
        RevokeError::InvalidityInFuture { date, now } => {
            Problem::unprocessable("invalidity-date-in-future", "").msg(
                "msg-invalidity-in-future",
                &[("date", &rfc3339(*date)), ("now", &rfc3339(*now))],
            )
        }
        RevokeError::Store(err) => Problem::internal(err),
    }
}

fn parse_time(s: &str) -> ApiResult<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            Problem::unprocessable("invalid-time", "").msg("msg-invalid-time", &[("value", s)])
        })
}

/// `POST /v1/certificates/{serial}/revoke`
pub async fn revoke(
    State(s): State<Arc<AppState>>,
    Path(serial): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Revoke, "certificate.revoke")
        .await?;
    check_serial(&serial)?;
    let b: RevokeBody = read_json(&s, &headers, body).await?;
    let reason = match b.reason {
        None => Some(RevocationReason::Unspecified),
        Some(Value::Number(n)) => n.as_i64().and_then(RevocationReason::from_code),
        Some(Value::String(x)) => RevocationReason::parse(&x),
        Some(_) => None,
    }
    .ok_or_else(|| {
        Problem::unprocessable(
            "invalid-reason",
            "reason must be an RFC 5280 reason name or code (0-6, 9, 10)",
        )
    })?;
    let scope = match (&who.role, &who.organization) {
        (crate::auth::Role::Registrar, Some(org)) => Some(org.as_str()),
        _ => None,
    };
    let req = crate::pki::revocation::RevokeRequest {
        serial: &serial,
        reason,
        invalidity_date: b.invalidity_date.as_deref().map(parse_time).transpose()?,
        actor: &who.actor(),
        scope,
        now: crate::clock::now_secs(),
    };
    match revoke_cert(s.repo.as_ref(), &req).await {
        Ok((rec, changed)) => {
            if changed {
                s.status_changed(&rec.serial, &rec.issuer_ca);
            }
            let mut v = rec.to_json();
            v["changed"] = Value::Bool(changed);
            Ok(json_response(StatusCode::OK, &v, Some(&who)))
        }
        Err(e) => {
            let p = revoke_problem(&e);
            s.audit(
                &who,
                "certificate.revoke",
                &serial.to_ascii_uppercase(),
                "rejected",
                p.kind,
            )
            .await;
            Err(p)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    after: Option<i64>,
    limit: Option<u32>,
}

/// `GET /v1/audit`
pub async fn audit(
    State(s): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadAudit, "audit.read")
        .await?;
    let q: AuditQuery = parse_query(q)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Problem::bad_request(
            "invalid-query",
            "limit must be between 1 and 1000",
        ));
    }
    s.audit(&who, "audit.read", "-", "success", "").await;
    let items = s
        .repo
        .audit(q.after.unwrap_or(0), limit)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let next = if items.len() as u32 == limit {
        items.last().map(|e| e.id)
    } else {
        None
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"items": items, "next_cursor": next}),
        Some(&who),
    ))
}

/// `GET /metrics`
pub async fn metrics(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::ReadMetrics, "metrics.read")
        .await?;
    let mut text = s.metrics.render();
    text.push_str(&super::metrics::render_crl_health(
        &s.status.crl_health().await,
    ));
    // Peers are synced by the processes that verify with them (see `background`).
    if let Some(t) = &s.trust
        && super::routes::Served::ByVerify.by(s.role)
    {
        // Federation: one gauge per peer (0 never synced, 1 fresh, 2 stale, 3 expired) and the
        // sequence of the list in use, so that an operator can alert on stale peers.
        text.push_str("# TYPE yinxin_trust_peer_state gauge\n");
        text.push_str("# TYPE yinxin_trust_peer_sequence gauge\n");
        for v in t.federation.views() {
            let state = match v.state {
                crate::trust::peers::Freshness::NeverSynced => 0,
                crate::trust::peers::Freshness::Fresh => 1,
                crate::trust::peers::Freshness::Stale => 2,
                crate::trust::peers::Freshness::Expired => 3,
            };
            text.push_str(&format!(
                "yinxin_trust_peer_state{{region=\"{}\"}} {state}\nyinxin_trust_peer_sequence{{region=\"{}\"}} {}\n",
                v.region,
                v.region,
                v.sequence.unwrap_or(0)
            ));
        }
    }
    if let Some(log) = &s.log {
        text.push_str(&super::log::render_metrics(&s, log).await);
    }
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response();
    r.extensions_mut().insert(TokenId(who.token_id));
    Ok(r)
}

/// `POST /v1/certificates/{serial}/release`: release from hold.
pub async fn release(
    State(s): State<Arc<AppState>>,
    Path(serial): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Revoke, "certificate.release")
        .await?;
    if let Err(p) = check_serial(&serial) {
        super::seals::audit_refusal(&s, &who, "certificate.release", &serial, &p).await;
        return Err(p);
    }
    let scope = match (&who.role, &who.organization) {
        (crate::auth::Role::Registrar, Some(org)) => Some(org.as_str()),
        _ => None,
    };
    match crate::pki::revocation::release(
        s.repo.as_ref(),
        &serial,
        &who.actor(),
        scope,
        crate::clock::now_secs(),
    )
    .await
    {
        Ok((rec, changed)) => {
            if changed {
                s.status_changed(&rec.serial, &rec.issuer_ca);
            }
            let mut v = rec.to_json();
            v["changed"] = Value::Bool(changed);
            Ok(json_response(StatusCode::OK, &v, Some(&who)))
        }
        Err(e) => {
            let p = match &e {
                RevokeError::NotFound(_)
                | RevokeError::OutOfScope(_)
                | RevokeError::Conflict { .. }
                | RevokeError::Store(_) => revoke_problem(&e),
                _ => Problem::unprocessable("invalid-request", e.to_string()),
            };
            let object = serial.to_ascii_uppercase();
            super::seals::audit_refusal(&s, &who, "certificate.release", &object, &p).await;
            Err(p)
        }
    }
}
