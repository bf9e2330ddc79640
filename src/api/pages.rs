//! The citizens' pages over HTTP (the HTML is [`crate::web`]'s): `GET /` and `GET /verify`
//! (the form), `POST /verify` (the form sent, `multipart/form-data`: the result rendered on
//! the server, no script needed), `GET /V/{payload}` when a browser asks for HTML (see
//! [`super::verify::qr_url`]), `GET /verify/licence/{id}` (a licence's public status) and
//! `GET /assets/{file}` (the embedded stylesheet and script).
//!
//! Every page carries a strict Content-Security-Policy (nothing from elsewhere, no inline
//! script or style), `nosniff`, `no-referrer` (a QR URL carries the name printed on the
//! licence) and `frame-ancestors 'none'`. The form is protected against cross-site posting by
//! the browser's own signals (Fetch Metadata `Sec-Fetch-Site`, else `Origin` against `Host`):
//! a post another site makes a browser send is refused; it changes nothing, so a token is
//! not needed. Uploads are bounded by the API's body limit, anonymous callers by its
//! per-address rate limit, and the verification by the verification pool's deadline.
//!
//! Owns: reading the form and the page responses. Must not import the store or sign
//! anything.

use super::problem::Problem;
use super::state::AppState;
use super::verify::{ClientAddr, report_of};
use crate::i18n::{Lang, t};
use crate::web::page::{self, Page};
use crate::web::view::{LicenceView, Summary};
use crate::web::{assets, pictures, scan};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// The pages' Content-Security-Policy: everything from this origin only, seal pictures and
/// the report download as `data:`, the camera's stream as `blob:`/`mediastream:`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `?lang=` on a page.
#[derive(Deserialize)]
pub struct LangQuery {
    /// `zh-CN` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The page's language: `?lang=` (the switch), else `Accept-Language`, else zh-CN.
pub(super) fn lang_of(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(l) = asked.and_then(Lang::from_tag) {
        return l;
    }
    super::locale::accept_language(headers).map_or(Lang::ZhCn, |h| Lang::from_accept_language(&h))
}

/// An HTML response with the pages' security headers.
pub(super) fn html(status: StatusCode, lang: Lang, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (header::VARY, "Accept-Language, Accept"),
    ];
    for (k, v) in fixed {
        h.insert(k, HeaderValue::from_static(v));
    }
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    r
}

fn error_page(status: StatusCode, lang: Lang, path: &str, message: String) -> Response {
    let p = Page {
        lang,
        path,
        result: None,
        error: Some(message),
    };
    html(status, lang, page::render(&p))
}

/// `GET /` and `GET /verify`: the form.
pub async fn home(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(q.lang.as_deref(), &headers);
    let p = Page {
        lang,
        path: "/",
        result: None,
        error: None,
    };
    html(StatusCode::OK, lang, page::render(&p))
}

/// `GET /assets/{file}`: the stylesheet or the script, cached for a year (their names carry
/// their content hash).
pub async fn asset(Path(file): Path<String>) -> Response {
    match assets::asset(&file) {
        Some((ct, body)) => (
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            body,
        )
            .into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, "not-found", "no such asset").into_response(),
    }
}

/// Whether a post comes from this site's own page, by the browser's signals. Requests
/// without them (command-line clients, old browsers) are not a browser being steered by
/// another site, and pass.
pub(super) fn same_site(headers: &HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = get("origin") {
        let host = get("host").unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        return !host.is_empty() && origin_host.eq_ignore_ascii_case(host);
    }
    true
}

/// What the form carried.
#[derive(Default)]
struct Form {
    lang: Option<String>,
    file: Vec<u8>,
    data: Vec<u8>,
    qr: String,
    photo: Vec<u8>,
}

async fn read_form(headers: &HeaderMap, body: Body, limit: usize) -> Result<Form, &'static str> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(ct).map_err(|_| "web-error-form")?;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| "web-error-too-large")?;
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut f = Form::default();
    while let Some(field) = mp.next_field().await.map_err(|_| "web-error-form")? {
        let name = field.name().unwrap_or("").to_string();
        let value = field.bytes().await.map_err(|_| "web-error-form")?;
        match name.as_str() {
            "lang" => f.lang = Some(String::from_utf8_lossy(&value).into_owned()),
            "file" => f.file = value.to_vec(),
            "data" => f.data = value.to_vec(),
            "qr" => f.qr = String::from_utf8_lossy(&value).trim().to_string(),
            "qr_photo" => f.photo = value.to_vec(),
            // Unknown fields are ignored, as browsers may add their own.
            _ => {}
        }
    }
    Ok(f)
}

/// `POST /verify`: the form sent; the result page.
pub async fn verify_form(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let header_lang = lang_of(None, &headers);
    let fail = |status, lang, id: &str| error_page(status, lang, "/", t(lang, id, &[]));
    if !same_site(&headers) {
        return fail(StatusCode::FORBIDDEN, header_lang, "web-error-cross-site");
    }
    if let Err(p) = s.rate_limit_anonymous(addr) {
        return problem_page(&p, header_lang, "/");
    }
    let form = match read_form(&headers, body, s.limits.body_limit).await {
        Ok(f) => f,
        Err(id) => {
            let status = if id == "web-error-too-large" {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return fail(status, header_lang, id);
        }
    };
    let lang = lang_of(form.lang.as_deref(), &headers);
    let given = [
        !form.file.is_empty(),
        !form.qr.is_empty(),
        !form.photo.is_empty(),
    ];
    let qr = match given {
        [false, false, false] => {
            return fail(StatusCode::UNPROCESSABLE_ENTITY, lang, "web-error-nothing");
        }
        [true, false, false] => None,
        [false, true, false] => Some(form.qr.clone()),
        [false, false, true] => match read_photo(form.photo).await {
            Ok(text) => Some(text),
            Err(e) => {
                let status = if e == scan::ScanError::TooLarge {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                return fail(status, lang, "web-error-photo");
            }
        },
        _ => return fail(StatusCode::UNPROCESSABLE_ENTITY, lang, "web-error-too-many"),
    };
    let data = (!form.data.is_empty()).then_some(form.data);
    show(&s, lang, "/", form.file, data, qr).await
}

/// The QR text in a photo or camera frame. Decoding (up to a 48-megapixel JPEG) is CPU work:
/// off the async workers.
async fn read_photo(photo: Vec<u8>) -> Result<String, scan::ScanError> {
    tokio::task::spawn_blocking(move || scan::qr_from_photo(&photo))
        .await
        .unwrap_or(Err(scan::ScanError::NotAPicture))
}

/// Verify on the pool and render the result.
async fn show(
    s: &Arc<AppState>,
    lang: Lang,
    path: &str,
    object: Vec<u8>,
    data: Option<Vec<u8>>,
    qr: Option<String>,
) -> Response {
    let state = s.clone();
    // The seal pictures are read from the object on the pool too, after the verification.
    let outcome = s
        .verify_pool
        .run(true, move |deadline| async move {
            let report = report_of(
                &state,
                &object,
                data,
                qr,
                crate::verify::purpose::Purpose::DocumentSigner,
                deadline,
            )
            .await?;
            let summary = Summary::of(&report, lang);
            let pictures = pictures::pictures(&object, &summary);
            Ok::<_, Problem>((report, summary, pictures))
        })
        .await;
    let (report, summary, pictures) = match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(p)) | Err(p) => return problem_page(&p, lang, path),
    };
    let json = serde_json::to_string_pretty(&report).unwrap_or_default();
    let compact = report.to_string();
    let p = Page {
        lang,
        path,
        result: Some(page::Result {
            summary: &summary,
            report_json: &json,
            report_compact: &compact,
            pictures: &pictures,
        }),
        error: None,
    };
    html(StatusCode::OK, lang, page::render(&p))
}

/// A problem (rate limit, overload, deadline, a bad object) as a page with its status.
fn problem_page(p: &Problem, lang: Lang, path: &str) -> Response {
    let message = match p.status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            t(lang, "web-error-busy", &[])
        }
        StatusCode::PAYLOAD_TOO_LARGE => t(lang, "web-error-too-large", &[]),
        _ => p
            .translated
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| p.detail.clone()),
    };
    let mut r = error_page(p.status, lang, path, message);
    if let Some(secs) = p.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Whether a request prefers HTML (a browser opening a QR code's URL) to JSON.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            let html = a.find("text/html");
            let json = a.find("application/json");
            match (html, json) {
                (Some(h), Some(j)) => h < j,
                (Some(_), None) => true,
                _ => false,
            }
        })
}

/// `GET /V/{payload}` from a browser: the QR payload's result page.
pub(super) async fn qr_page(
    s: &Arc<AppState>,
    headers: &HeaderMap,
    lang: Option<&str>,
    payload: String,
) -> Response {
    let lang = lang_of(lang, headers);
    show(s, lang, "/", Vec::new(), None, Some(payload)).await
}

/// `GET /verify/licence/{id}`: a licence's public status (what the signed status says: no
/// personal data), the page a superseded licence's result links to.
pub async fn licence_status(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(q.lang.as_deref(), &headers);
    let path = "/";
    if let Err(p) = s.rate_limit_anonymous(addr) {
        return problem_page(&p, lang, path);
    }
    let Some(l) = s.licences.as_deref() else {
        return error_page(
            StatusCode::NOT_FOUND,
            lang,
            path,
            t(lang, "web-licence-not-found", &[]),
        );
    };
    let now = s.clock.now();
    let st = match crate::licence::service::statement(l.repo.as_ref(), &l.region, &id, now, 1).await
    {
        Ok(st) => st,
        Err(crate::licence::service::LicenceError::NotFound(_)) => {
            return error_page(
                StatusCode::NOT_FOUND,
                lang,
                path,
                t(lang, "web-licence-not-found", &[]),
            );
        }
        Err(e) => return problem_page(&Problem::internal(&e), lang, path),
    };
    let current = (st.current_identifier != st.identifier).then(|| st.current_identifier.clone());
    let view = LicenceView {
        identifier: Some(st.identifier),
        version: Some(u64::from(st.version)),
        valid_to: Some(st.valid_to),
        status: st.status,
        current_identifier: current,
        ..LicenceView::default()
    };
    html(
        StatusCode::OK,
        lang,
        page::render_status(lang, &view, &st.produced_at),
    )
}

/// `POST /verify/scan` (the page's camera, where the browser cannot read QR codes itself): a
/// PNG or JPEG frame as the body → `{"text": …}`, or 422 `no-qr-code`. Same-site only,
/// rate-limited and size-limited like the form.
pub async fn scan_frame(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    if !same_site(&headers) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "cross-site",
            "this endpoint answers the site's own page only",
        ));
    }
    s.rate_limit_anonymous(addr)?;
    let bytes = super::handlers::body_bytes(&s, body).await?;
    let text = read_photo(bytes.to_vec())
        .await
        .map_err(|e| Problem::unprocessable("no-qr-code", e.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "text": text }).to_string(),
    )
        .into_response())
}
