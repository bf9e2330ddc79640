//! The holders' JSON API (session cookie; state-changing calls need the `X-CSRF-Token` header
//! — `GET /v1/holder/licences` returns it): `GET /v1/holder/licences`, `POST
//! /v1/holder/licences/{id}/show`, `GET` and `POST /v1/holder/grants`, `POST
//! /v1/holder/grants/{id}/withdraw`, `GET /v1/holder/events`; and the agencies' side:
//! `POST /v1/grants/exchange` (a `relying-agency` token bound to the granted agency exchanges
//! an auth code for the licence's data and its sealed file) and `POST
//! /v1/licences/{id}/duty-lookup` (依职能查验: only roles `[[holders.duty_lookup]]` gives a legal
//! basis, with a reason; the holder sees it in the history). The pages of `holders` call the
//! same functions.
//!
//! Owns: the holder and agency requests' rules. Must not import the store.

use super::holders::{Holder, check_csrf, event, require_holder, services};
use super::problem::{ApiResult, Problem};
use super::state::AppState;
use crate::auth::Permission;
use crate::holder::grant::{GrantLimits, GrantRecord, GrantRequest, Refusal};
use crate::holder::repo::HolderEvent;
use crate::i18n::Lang;
use crate::licence::repo::LicenceRow;
use crate::web::holder as page;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Most lines of each list.
const LIST_LIMIT: u32 = 200;

fn ok(status: StatusCode, v: Value) -> Response {
    super::seals::ok(status, v, None)
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::internal(&e)
}

/// The kind's name in `lang` (its key when unknown).
pub(super) fn kind_name(s: &AppState, key: &str, lang: Lang) -> String {
    s.licences
        .as_ref()
        .and_then(|l| l.catalogue.by_key(key))
        .map_or_else(
            || key.to_string(),
            |k| match lang {
                Lang::En => k.name.en.clone(),
                _ => k.name.zh.clone(),
            },
        )
}

/// The holder of a state-changing JSON call: signed in, with the session's `X-CSRF-Token`.
async fn holder_writing(s: &AppState, headers: &HeaderMap) -> ApiResult<Holder> {
    let h = require_holder(s, headers).await?;
    check_csrf(&h, headers, None)?;
    Ok(h)
}

/// The holder's own licence `id` (404 for anyone else's: whether it exists is not told).
async fn own_row(s: &AppState, h: &Holder, id: &str) -> ApiResult<LicenceRow> {
    let svc = super::licences::signing(s)?.0;
    let row = svc.repo.by_identifier(id).await.map_err(internal)?;
    row.filter(|r| r.holder_hash == h.session.holder.holder_hash)
        .ok_or_else(|| Problem::not_found("you hold no such licence"))
}

async fn active_row(s: &AppState, h: &Holder, id: &str) -> ApiResult<LicenceRow> {
    let row = own_row(s, h, id).await?;
    let today = crate::licence::service::today(s.clock.now());
    let status =
        crate::licence::record::effective_status(row.status, row.valid_to.as_deref(), today);
    if status != "active" {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "licence-status-conflict",
            format!("the licence is {status}"),
        ));
    }
    Ok(row)
}

/// A showing (亮证): the row, the dynamic QR's text and its times.
pub(super) struct Shown {
    pub row: LicenceRow,
    pub qr_text: String,
    pub at: i64,
    pub until: i64,
}

/// Show the holder's licence `id` now: a fresh dynamic QR, and a `show` event.
pub(super) async fn show_licence(s: &AppState, h: &Holder, id: &str) -> ApiResult<Shown> {
    let hs = services(s)?;
    let row = active_row(s, h, id).await?;
    let (svc, sig) = super::licences::signing(s)?;
    let at = s.clock.now();
    let until = at + i64::from(hs.cfg.show_qr_seconds.max(30));
    let qr_text = super::licences::registry(svc, sig)
        .show_qr(&row, at, until)
        .map_err(super::licences::licence_problem)?;
    let mut ev = event(s, h, "show");
    ev.licence = Some(row.identifier.clone());
    ev.detail = format!("until {}", crate::clock::rfc3339(until));
    hs.repo.append_event(&ev).await.map_err(internal)?;
    Ok(Shown {
        row,
        qr_text,
        at,
        until,
    })
}

/// Check and store a consent; its auth code.
pub(super) async fn make_grant(
    s: &AppState,
    h: &Holder,
    req: &GrantRequest,
) -> ApiResult<(GrantRecord, Zeroizing<String>)> {
    let hs = services(s)?;
    let row = active_row(s, h, &req.licence).await?;
    let limits = GrantLimits {
        max_days: hs.cfg.max_grant_days,
        max_uses: hs.cfg.max_grant_uses,
    };
    let (g, code) =
        crate::holder::grant::make(req, &h.session.holder.holder_hash, limits, s.clock.now())
            .map_err(|e| Problem::unprocessable("invalid-grant", e.to_string()))?;
    let mut ev = event(s, h, "grant");
    ev.licence = Some(row.identifier);
    ev.agency = Some(g.agency.clone());
    ev.grant = Some(g.id.clone());
    ev.detail = format!("{} / {}", g.service_item, g.case_number);
    hs.repo.insert_grant(&g, &ev).await.map_err(internal)?;
    Ok((g, code))
}

/// Withdraw the holder's consent `id`.
pub(super) async fn withdraw_grant(s: &AppState, h: &Holder, id: &str) -> ApiResult<()> {
    let hs = services(s)?;
    let mut ev = event(s, h, "withdraw");
    ev.grant = Some(id.chars().take(64).collect());
    let done = hs
        .repo
        .withdraw_grant(&h.session.holder.holder_hash, id, s.clock.now(), &ev)
        .await
        .map_err(internal)?;
    if done {
        Ok(())
    } else {
        Err(Problem::not_found("you have no such consent in force"))
    }
}

/// The licences and certificates the holder holds, as the page and the API list them.
async fn holdings(
    s: &AppState,
    h: &Holder,
    lang: Lang,
) -> ApiResult<(Vec<page::LicenceLine>, Vec<page::CertificateLine>)> {
    let hash = &h.session.holder.holder_hash;
    let svc = super::licences::signing(s)?.0;
    let today = crate::licence::service::today(s.clock.now());
    let licences = svc.repo.held_by(hash, LIST_LIMIT).await.map_err(internal)?;
    let certificates = s
        .repo
        .certificates(&crate::pki::repo::CertificateFilter {
            holder: Some(hash.clone()),
            limit: LIST_LIMIT,
            ..Default::default()
        })
        .await
        .map_err(internal)?;
    let licences = licences
        .into_iter()
        .map(|l| page::LicenceLine {
            kind_name: kind_name(s, &l.kind, lang),
            status: crate::licence::record::effective_status(
                l.status,
                l.valid_to.as_deref(),
                today,
            )
            .to_string(),
            valid_to: l
                .valid_to
                .unwrap_or_else(|| crate::licence::metadata::LONG_TERM.into()),
            identifier: l.identifier,
            issuer_name: l.issuer_name,
            number: l.number,
        })
        .collect();
    let certificates = certificates
        .into_iter()
        .map(|c| page::CertificateLine {
            serial: c.serial,
            profile: c.profile,
            status: c.status.as_str().to_string(),
            not_after: crate::clock::rfc3339(c.not_after),
        })
        .collect();
    Ok((licences, certificates))
}

/// What "my licences" shows.
pub(super) async fn home_view(
    s: &AppState,
    h: &Holder,
    lang: Lang,
    new_code: Option<(String, String)>,
    notice: Option<String>,
) -> ApiResult<page::Home> {
    let hs = services(s)?;
    let hash = &h.session.holder.holder_hash;
    let (licences, certificates) = holdings(s, h, lang).await?;
    let now = s.clock.now();
    let grants = hs
        .repo
        .grants_of(hash, LIST_LIMIT)
        .await
        .map_err(internal)?;
    let events = hs
        .repo
        .events_of(hash, LIST_LIMIT)
        .await
        .map_err(internal)?;
    Ok(page::Home {
        display_name: h.session.holder.display_name.clone(),
        csrf: h.csrf(),
        licences,
        certificates,
        grants: grants
            .into_iter()
            .map(|g| page::GrantLine {
                open: crate::holder::grant::refusal(&g, &g.agency, now).is_none(),
                withdrawn: g.withdrawn_at.is_some(),
                purpose: format!("{} / {}", g.service_item, g.case_number),
                until: crate::clock::rfc3339(g.until),
                uses: format!("{}/{}", g.uses, g.max_uses),
                id: g.id,
                licence: g.licence,
                agency: g.agency,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| page::EventLine {
                at: crate::clock::rfc3339(e.at),
                kind: e.kind,
                licence: e.licence.unwrap_or_default(),
                agency: e.agency.unwrap_or_default(),
                detail: e.detail,
            })
            .collect(),
        new_code,
        notice,
    })
}

/// `GET /v1/holder/licences`: who is signed in, the CSRF token, licences and certificates
/// (the page's consents and history are not read for it).
pub async fn licences(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    let h = require_holder(&s, &headers).await?;
    let (licences, certificates) = holdings(&s, &h, Lang::ZhCn).await?;
    Ok(ok(
        StatusCode::OK,
        json!({
            "holder": {"kind": h.session.holder.kind, "display_name": h.session.holder.display_name},
            "csrf_token": h.csrf(),
            "licences": licences.iter().map(|l| json!({
                "identifier": l.identifier, "kind": l.kind_name, "issuer_name": l.issuer_name,
                "number": l.number, "status": l.status, "valid_to": l.valid_to,
            })).collect::<Vec<_>>(),
            "certificates": certificates.iter().map(|c| json!({
                "serial": c.serial, "profile": c.profile, "status": c.status,
                "not_after": c.not_after,
            })).collect::<Vec<_>>(),
        }),
    ))
}

/// `POST /v1/holder/licences/{id}/show`: a dynamic QR.
pub async fn show(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let h = holder_writing(&s, &headers).await?;
    let sh = show_licence(&s, &h, &id).await?;
    Ok(ok(
        StatusCode::OK,
        json!({
            "identifier": sh.row.identifier,
            "qr_text": sh.qr_text,
            "shown_at": crate::clock::rfc3339(sh.at),
            "valid_until": crate::clock::rfc3339(sh.until),
        }),
    ))
}

fn grant_json(g: &GrantRecord) -> Value {
    json!({
        "id": g.id, "licence": g.licence, "agency": g.agency, "service_item": g.service_item,
        "case_number": g.case_number, "created_at": crate::clock::rfc3339(g.created_at),
        "until": crate::clock::rfc3339(g.until), "max_uses": g.max_uses, "uses": g.uses,
        "unmask": g.unmask, "withdrawn_at": g.withdrawn_at.map(crate::clock::rfc3339),
    })
}

/// `GET /v1/holder/grants`.
pub async fn grants(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    let h = require_holder(&s, &headers).await?;
    let list = services(&s)?
        .repo
        .grants_of(&h.session.holder.holder_hash, LIST_LIMIT)
        .await
        .map_err(internal)?;
    Ok(ok(
        StatusCode::OK,
        json!({"grants": list.iter().map(grant_json).collect::<Vec<_>>()}),
    ))
}

/// `POST /v1/holder/grants`: a consent; its auth code (shown this once).
pub async fn create_grant(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let h = holder_writing(&s, &headers).await?;
    let req: GrantRequest = super::handlers::read_json(&s, &headers, body).await?;
    let (g, code) = make_grant(&s, &h, &req).await?;
    let mut v = grant_json(&g);
    v["auth_code"] = Value::String(code.to_string());
    Ok(ok(StatusCode::CREATED, v))
}

/// `POST /v1/holder/grants/{id}/withdraw`.
pub async fn withdraw(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let h = holder_writing(&s, &headers).await?;
    withdraw_grant(&s, &h, &id).await?;
    Ok(ok(StatusCode::OK, json!({"id": id, "withdrawn": true})))
}

/// `GET /v1/holder/events`: the holder's history, newest first.
pub async fn events(State(s): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult<Response> {
    let h = require_holder(&s, &headers).await?;
    let list = services(&s)?
        .repo
        .events_of(&h.session.holder.holder_hash, LIST_LIMIT)
        .await
        .map_err(internal)?;
    let list: Vec<Value> = list
        .iter()
        .map(|e| {
            json!({"at": crate::clock::rfc3339(e.at), "kind": e.kind, "licence": e.licence,
                "agency": e.agency, "grant": e.grant, "detail": e.detail, "actor": e.actor})
        })
        .collect();
    Ok(ok(StatusCode::OK, json!({"events": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeBody {
    auth_code: String,
}

/// The licence's data as a relying agency may see it, and its sealed file.
async fn licence_for_agency(s: &AppState, id: &str, unmasked: bool) -> ApiResult<Value> {
    let (svc, sig) = super::licences::signing(s)?;
    let row = svc
        .repo
        .by_identifier(id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("the licence is gone"))?;
    let reg = super::licences::registry(svc, sig);
    let licence = reg
        .licence(&row)
        .map_err(super::licences::licence_problem)?;
    let view =
        crate::licence::service::view(&svc.catalogue, &row, &licence, unmasked, s.clock.now());
    let file = svc
        .blobs
        .get(&row.document_sha256)
        .await
        .map_err(internal)?
        .ok_or_else(|| internal("the sealed file is missing"))?;
    Ok(json!({
        "licence": view,
        "document": {
            "content_type": "application/ofd",
            "sha256": row.document_sha256,
            "base64": base64::engine::general_purpose::STANDARD.encode(file),
        },
    }))
}

/// `POST /v1/grants/exchange`: a relying agency's auth code → the licence.
pub async fn exchange(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::UseHolderGrants, "holder.exchange")
        .await?;
    let agency = super::licences::agency_of(&who)?;
    let b: ExchangeBody = super::handlers::read_json(&s, &headers, body).await?;
    let hs = services(&s)?;
    let now = s.clock.now();
    let mut used = HolderEvent::new("", now, "exchange", &who.actor());
    used.agency = Some(agency.clone());
    let mut refused = HolderEvent::new("", now, "exchange-refused", &who.actor());
    refused.agency = Some(agency.clone());
    let code_hash = crate::holder::secret_hash(b.auth_code.trim());
    let g = match hs
        .repo
        .use_grant(&code_hash, &agency, now, &used, &refused)
        .await
        .map_err(internal)?
    {
        Ok(g) => g,
        Err(r) => {
            let status = if r == Refusal::Unknown {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            return Err(Problem::new(
                status,
                "grant-refused",
                format!("the auth code cannot be used: {}", r.as_str()),
            ));
        }
    };
    let mut v = licence_for_agency(&s, &g.licence, g.unmask).await?;
    v["grant"] = grant_json(&g);
    Ok(super::seals::ok(StatusCode::OK, v, Some(&who)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DutyBody {
    reason: String,
}

/// `POST /v1/licences/{id}/duty-lookup`: 依职能查验.
pub async fn duty_lookup(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let who = s.authenticate(&headers).await?;
    let hs = services(&s)?;
    let basis = hs.cfg.duty_lookup.iter().find(|d| {
        d.role == who.role.as_str()
            && (d.agencies.is_empty()
                || who
                    .organization
                    .as_ref()
                    .is_some_and(|o| d.agencies.contains(o)))
    });
    let Some(basis) = basis else {
        s.audit(
            &who,
            "holder.duty-lookup",
            "-",
            "denied",
            "no legal basis configured for this role or agency",
        )
        .await;
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "no-legal-basis",
            "this role has no legal basis for lookups by duty ([[holders.duty_lookup]])",
        ));
    };
    let b: DutyBody = super::handlers::read_json(&s, &headers, body).await?;
    let reason = b.reason.trim();
    if reason.chars().count() < 4
        || reason.chars().count() > 200
        || crate::pki::identifiers::contains_id_number(reason)
    {
        return Err(Problem::unprocessable(
            "reason-required",
            "a reason of 4 to 200 characters, without identity numbers, is required",
        ));
    }
    let svc = super::licences::signing(&s)?.0;
    let row = svc
        .repo
        .by_identifier(&id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("no such licence"))?;
    let mut ev = HolderEvent::new(&row.holder_hash, s.clock.now(), "duty-lookup", &who.actor());
    ev.licence = Some(row.identifier.clone());
    ev.agency = who.organization.clone();
    ev.detail = format!("{}: {reason}", basis.legal_basis);
    hs.repo.append_event(&ev).await.map_err(internal)?;
    let mut v = licence_for_agency(&s, &row.identifier, false).await?;
    v["legal_basis"] = Value::String(basis.legal_basis.clone());
    Ok(super::seals::ok(StatusCode::OK, v, Some(&who)))
}
