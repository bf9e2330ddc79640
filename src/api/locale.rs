//! The language of problem answers: the outermost layer of the router reads the request's
//! `Accept-Language` ([`Lang::from_accept_language`]) and, when the response is a problem
//! (the [`Problem`] travels in the response's extensions), writes its body in that language
//! with `Content-Language` and `Vary: Accept-Language`. English bodies are left as the
//! handler made them; `type` and `status` never change. Successful answers are not touched
//! (verification reports carry both languages themselves).
//!
//! Owns: language negotiation for HTTP. Must not import handlers or the store; problems written
//! by [`super::listener`] before a request exists stay English.

use super::problem::Problem;
use crate::i18n::Lang;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The language a request asks for (en when it asks for none we speak). Several
/// `Accept-Language` fields count as one list (RFC 9110 §5.3).
pub fn request_lang(req: &Request) -> Lang {
    Lang::from_accept_language(&accept_language(req.headers()).unwrap_or_default())
}

/// The request's `Accept-Language` fields as one list, `None` when it sends none.
pub fn accept_language(headers: &HeaderMap) -> Option<String> {
    let fields: Vec<&str> = headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!fields.is_empty()).then(|| fields.join(","))
}

/// The middleware (see the module documentation).
pub async fn localize(req: Request, next: Next) -> Response {
    let lang = request_lang(&req);
    let mut resp = next.run(req).await;
    let Some(problem) = resp.extensions_mut().remove::<Problem>() else {
        return resp;
    };
    if lang != Lang::En {
        *resp.body_mut() = Body::from(problem.body_in(lang).to_string());
        resp.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    resp
}
