//! The holders' side over HTTP: sign-in through the region's identity provider
//! (`GET /holder/login` → the provider → `GET /holder/callback`), the session cookie, and
//! the holders' pages (`GET /holder`: my licences, certificates, consents and history;
//! `GET /holder/show/{id}`: 亮证 with a dynamic QR; `POST /holder/grants`: a consent;
//! `POST /holder/grants/{id}/withdraw`; `POST /holder/logout`). The JSON API of the same
//! things and the agencies' endpoints are in `holder_api`.
//!
//! Cookies: `__Host-yx_login` (the login in progress: state, nonce, PKCE verifier; ten
//! minutes) and `__Host-yx_holder` (the session secret), both `Secure; HttpOnly;
//! SameSite=Lax; Path=/` — Lax, because the provider sends the browser back with a top-level
//! GET. Every form post carries the session's CSRF token and is refused from another site
//! (Fetch Metadata / Origin) as well. Nothing personal travels in a URL: the licence's
//! identifier does, which carries no identity number.
//!
//! Owns: the holders' requests. Must not import the store.

use super::problem::{ApiResult, Problem};
use super::state::AppState;
use crate::holder::oidc::{LoginState, Oidc};
use crate::holder::repo::{HolderEvent, HolderRepository};
use crate::holder::session::{SessionRecord, csrf_ok, csrf_token, new_session};
use crate::holder::{HolderError, secret_hash};
use crate::i18n::{Lang, t};
use crate::web::holder as page;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The session cookie.
pub const SESSION_COOKIE: &str = "__Host-yx_holder";
/// The login cookie.
pub const LOGIN_COOKIE: &str = "__Host-yx_login";
/// Largest form accepted on the holders' pages (bytes).
const FORM_LIMIT: usize = 16 * 1024;

/// What the holders' side needs.
pub struct HolderServices {
    /// `[holders]`.
    pub cfg: crate::config::HoldersConfig,
    /// The relying party (None without `[holders.oidc]`).
    pub oidc: Option<Oidc>,
    /// Sessions, consents, history.
    pub repo: Arc<dyn HolderRepository>,
}

pub(super) fn services(s: &AppState) -> ApiResult<&HolderServices> {
    s.holders.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the holders' side is not enabled on this server",
        )
    })
}

/// A signed-in holder: the session and its secret (for the CSRF token).
pub(super) struct Holder {
    pub session: SessionRecord,
    pub secret: Zeroizing<String>,
}

impl Holder {
    pub fn csrf(&self) -> String {
        csrf_token(&self.secret)
    }
}

/// The value of cookie `name` in the request.
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    let v = format!("{name}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The holder signed in with this request, if any.
pub(super) async fn holder(s: &AppState, headers: &HeaderMap) -> ApiResult<Option<Holder>> {
    let svc = services(s)?;
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|v| !v.is_empty() && v.len() < 128)
    else {
        return Ok(None);
    };
    let found = svc
        .repo
        .session(&secret_hash(secret), s.clock.now())
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(found.map(|session| Holder {
        session,
        secret: Zeroizing::new(secret.to_string()),
    }))
}

/// The holder of this request, or 401.
pub(super) async fn require_holder(s: &AppState, headers: &HeaderMap) -> ApiResult<Holder> {
    holder(s, headers).await?.ok_or_else(|| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "holder-sign-in-required",
            "sign in as the holder first (GET /holder/login)",
        )
    })
}

/// Refuse a state-changing request without the session's CSRF token or from another site.
pub(super) fn check_csrf(h: &Holder, headers: &HeaderMap, given: Option<&str>) -> ApiResult<()> {
    let given = given.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
    if !super::pages::same_site(headers) || !given.is_some_and(|g| csrf_ok(&h.secret, g)) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "the request does not carry this session's CSRF token (or came from another site)",
        ));
    }
    Ok(())
}

/// An event by the holder now.
pub(super) fn event(s: &AppState, h: &Holder, kind: &str) -> HolderEvent {
    HolderEvent::new(&h.session.holder.holder_hash, s.clock.now(), kind, "holder")
}

fn lang_of(q: &LangQuery, headers: &HeaderMap) -> Lang {
    super::pages::lang_of(q.lang.as_deref(), headers)
}

/// `?lang=`.
#[derive(Deserialize, Default)]
pub struct LangQuery {
    /// `zh-CN` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn signin_page(status: StatusCode, lang: Lang, s: &AppState, error: Option<String>) -> Response {
    let configured = s.holders.as_ref().is_some_and(|h| h.oidc.is_some());
    super::pages::html(
        status,
        lang,
        page::render_signin(lang, configured, error.as_deref()),
    )
}

fn problem_text(lang: Lang, p: &Problem) -> String {
    let title = t(lang, &format!("problem-{}", p.kind), &[]);
    format!("{title}: {}", p.detail)
}

/// `GET /holder`: my licences, or the sign-in page.
pub async fn home(
    State(s): State<Arc<AppState>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    match holder(&s, &headers).await {
        Ok(Some(h)) => match super::holder_api::home_view(&s, &h, lang, None, None).await {
            Ok(m) => super::pages::html(StatusCode::OK, lang, page::render_home(lang, &m)),
            Err(p) => signin_page(p.status, lang, &s, Some(problem_text(lang, &p))),
        },
        Ok(None) => signin_page(StatusCode::OK, lang, &s, None),
        Err(p) => signin_page(p.status, lang, &s, Some(problem_text(lang, &p))),
    }
}

fn oidc(s: &AppState) -> ApiResult<&Oidc> {
    services(s)?.oidc.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "holders-not-configured",
            "no identity provider is configured ([holders.oidc])",
        )
    })
}

fn idp_problem(e: HolderError) -> Problem {
    match e {
        HolderError::Unavailable(m) => {
            Problem::new(StatusCode::BAD_GATEWAY, "identity-provider", m)
        }
        e @ HolderError::Store(_) => Problem::internal(&e),
        e => Problem::new(StatusCode::BAD_REQUEST, "sign-in-failed", e.to_string()),
    }
}

/// `GET /holder/login`: to the identity provider, the login remembered in a cookie.
pub async fn login(
    State(s): State<Arc<AppState>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let now = s.clock.now();
    let started = async {
        let rp = oidc(&s)?;
        let login = LoginState::new(now).map_err(idp_problem)?;
        let url = rp
            .authorization_url(&login, now)
            .await
            .map_err(idp_problem)?;
        Ok::<_, Problem>((login, url))
    };
    match started.await {
        Ok((login, url)) => {
            let mut r = redirect(&url);
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_COOKIE, &login.cookie_value(), LoginState::MAX_AGE),
            );
            r
        }
        Err(p) => signin_page(p.status, lang, &s, Some(problem_text(lang, &p))),
    }
}

/// The provider's answer.
#[derive(Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `GET /holder/callback`: the code exchanged, the ID token verified, a session.
pub async fn callback(
    State(s): State<Arc<AppState>>,
    Query(c): Query<Callback>,
    headers: HeaderMap,
) -> Response {
    let lang = super::pages::lang_of(None, &headers);
    let now = s.clock.now();
    let done = async {
        let rp = oidc(&s)?;
        let svc = services(&s)?;
        if let Some(e) = &c.error {
            let e: String = e.chars().take(64).collect();
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "sign-in-failed",
                format!("the identity provider answered {e}"),
            ));
        }
        let login = cookie(&headers, LOGIN_COOKIE)
            .and_then(|v| LoginState::from_cookie(v, now))
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "sign-in-failed",
                    "no login in progress in this browser (or it took over ten minutes)",
                )
            })?;
        let hasher = &super::licences::signing(&s)?.1.hasher;
        let who = rp
            .complete(
                &login,
                c.state.as_deref().unwrap_or(""),
                c.code.as_deref().unwrap_or(""),
                hasher,
                now,
            )
            .await
            .map_err(idp_problem)?;
        let new = new_session(who, now, svc.cfg.session_minutes).map_err(idp_problem)?;
        let mut ev = HolderEvent::new(&new.record.holder.holder_hash, now, "sign-in", "holder");
        ev.detail = new.record.holder.kind.as_str().to_string();
        svc.repo
            .create_session(&new.record, &ev)
            .await
            .map_err(|e| Problem::internal(&e))?;
        Ok::<_, Problem>(new)
    };
    match done.await {
        Ok(new) => {
            let mut r = redirect("/holder");
            let h = r.headers_mut();
            let age = i64::from(services(&s).map_or(30, |v| v.cfg.session_minutes)) * 60;
            h.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new.secret, age),
            );
            h.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0));
            r
        }
        Err(p) => {
            tracing::info!(kind = p.kind, "holder sign-in refused");
            let mut r = signin_page(p.status, lang, &s, Some(problem_text(lang, &p)));
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0));
            r
        }
    }
}

/// A form of the holders' pages.
#[derive(Deserialize, Default)]
pub(super) struct Form {
    #[serde(default)]
    pub csrf: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub service_item: Option<String>,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub days: Option<String>,
    #[serde(default)]
    pub uses: Option<String>,
    #[serde(default)]
    pub unmask: Option<String>,
}

async fn read_form(body: Body) -> ApiResult<Form> {
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "form too large",
        )
    })?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| Problem::bad_request("bad-body", format!("the form: {e}")))
}

/// A form post: the holder, the form, after the CSRF check.
async fn posted(s: &AppState, headers: &HeaderMap, body: Body) -> ApiResult<(Holder, Form)> {
    let h = require_holder(s, headers).await?;
    let f = read_form(body).await?;
    check_csrf(&h, headers, Some(f.csrf.as_deref().unwrap_or("")))?;
    Ok((h, f))
}

fn page_error(s: &AppState, headers: &HeaderMap, p: &Problem) -> Response {
    let lang = super::pages::lang_of(None, headers);
    signin_page(p.status, lang, s, Some(problem_text(lang, p)))
}

/// `POST /holder/logout`.
pub async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let done = async {
        let (h, _) = posted(&s, &headers, body).await?;
        let repo = &services(&s)?.repo;
        repo.end_session(&h.session.id_hash, s.clock.now())
            .await
            .map_err(|e| Problem::internal(&e))?;
        // In the holder's history and the audit log like the sign-in.
        repo.append_event(&event(&s, &h, "sign-out"))
            .await
            .map_err(|e| Problem::internal(&e))
    };
    match done.await {
        Ok(()) => {
            let mut r = redirect("/");
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
            r
        }
        Err(p) => page_error(&s, &headers, &p),
    }
}

/// `GET /holder/show/{id}`: 亮证, full screen, renewing itself.
pub async fn show(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let shown = async {
        let h = require_holder(&s, &headers).await?;
        super::holder_api::show_licence(&s, &h, &id).await
    };
    match shown.await {
        Ok(sh) => {
            let kind_name = super::holder_api::kind_name(&s, &sh.row.kind, lang);
            let png = crate::licence::face::qr_png(&sh.qr_text).map_err(|e| Problem::internal(&e));
            let png = match png {
                Ok(p) => p,
                Err(p) => return page_error(&s, &headers, &p),
            };
            let (at, until) = (
                crate::clock::rfc3339(sh.at),
                crate::clock::rfc3339(sh.until),
            );
            let v = page::Show {
                kind_name: &kind_name,
                holder_name: &sh.row.holder_name,
                number: &sh.row.number,
                issuer_name: &sh.row.issuer_name,
                qr_png: &png,
                qr_text: &sh.qr_text,
                at: &at,
                until: &until,
                refresh_seconds: (sh.until - sh.at) - 30,
            };
            super::pages::html(StatusCode::OK, lang, page::render_show(lang, &v))
        }
        Err(p) => page_error(&s, &headers, &p),
    }
}

/// `POST /holder/grants`: a consent from the form; the page shows its auth code once.
pub async fn grant(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let done = async {
        let (h, f) = posted(&s, &headers, body).await?;
        let lang = super::pages::lang_of(f.lang.as_deref(), &headers);
        let num = |v: &Option<String>, name: &str| {
            v.as_deref()
                .unwrap_or("")
                .trim()
                .parse::<u32>()
                .map_err(|_| Problem::unprocessable("invalid-grant", format!("{name}: a number")))
        };
        let days = num(&f.days, "days")?.clamp(0, 3660);
        let req = crate::holder::grant::GrantRequest {
            licence: f.licence.clone().unwrap_or_default(),
            agency: f.agency.clone().unwrap_or_default().trim().to_string(),
            service_item: f.service_item.clone().unwrap_or_default(),
            case_number: f.case_number.clone().unwrap_or_default(),
            until: s.clock.now() + i64::from(days) * 86_400,
            uses: num(&f.uses, "uses")?,
            unmask: f.unmask.as_deref() == Some("1"),
        };
        let made = super::holder_api::make_grant(&s, &h, &req).await;
        let (notice, code) = match made {
            Ok((g, code)) => (None, Some((g.id, code.to_string()))),
            Err(p) if p.status.is_client_error() => (Some(problem_text(lang, &p)), None),
            Err(p) => return Err(p),
        };
        let m = super::holder_api::home_view(&s, &h, lang, code, notice).await?;
        Ok::<_, Problem>((lang, m))
    };
    match done.await {
        Ok((lang, m)) => super::pages::html(StatusCode::OK, lang, page::render_home(lang, &m)),
        Err(p) => page_error(&s, &headers, &p),
    }
}

/// `POST /holder/grants/{id}/withdraw`.
pub async fn withdraw(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let done = async {
        let (h, _) = posted(&s, &headers, body).await?;
        super::holder_api::withdraw_grant(&s, &h, &id).await
    };
    match done.await {
        Ok(()) => redirect("/holder"),
        Err(p) => page_error(&s, &headers, &p),
    }
}
