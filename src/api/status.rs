//! Public status endpoints: CRLs (`GET /crl/{ca}.crl`, `/crl/{ca}-delta.crl`) and the OCSP
//! responder (`POST /ocsp`, `GET /ocsp/{base64}`), plus hold release. No token is needed for
//! CRLs and OCSP: relying parties everywhere must reach them.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::status::service::CrlRecord;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest OCSP request accepted.
const MAX_OCSP_REQUEST: usize = 16 * 1024;

fn http_date(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&fmt).unwrap_or_default()
}

/// The newest CRL of `ca` (full or delta), read at most every 2 seconds: the CRL endpoints and
/// every verification read it (a CRL is regenerated moments after a revocation anyway; the
/// cache adds at most 2 s to that).
pub(super) async fn latest(
    s: &AppState,
    ca: &str,
    delta: bool,
) -> ApiResult<Option<Arc<CrlRecord>>> {
    let key = format!("{ca}/{delta}");
    if let Ok(c) = s.crl_cache.read()
        && let Some((rec, at)) = c.get(&key)
        && at.elapsed() < Duration::from_secs(2)
    {
        return Ok(Some(rec.clone()));
    }
    let rec = s
        .status
        .store()
        .latest_crl(ca, delta)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(rec.map(|r| {
        let r = Arc::new(r);
        if let Ok(mut c) = s.crl_cache.write() {
            c.insert(key, (r.clone(), Instant::now()));
        }
        r
    }))
}

/// `GET /ca/{file}`: a CA certificate of the region, `{ca}.cer` (DER, `application/pkix-cert`,
/// the URL every issued certificate names as AIA caIssuers) or `{ca}.pem`. Public.
pub async fn ca_certificate(
    State(s): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let (id, pem) = match (file.strip_suffix(".cer"), file.strip_suffix(".pem")) {
        (Some(id), _) => (id, false),
        (_, Some(id)) => (id, true),
        _ => {
            return Err(Problem::not_found(
                "CA certificates are named {ca}.cer (DER) or {ca}.pem",
            ));
        }
    };
    let ca = s
        .cas
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Problem::not_found("").msg("msg-no-ca", &[("ca", id)]))?;
    let (body, ct) = if pem {
        (
            crate::pki::cert::to_pem(&ca.der).into_bytes(),
            "application/x-pem-file",
        )
    } else {
        (ca.der.clone(), "application/pkix-cert")
    };
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}

/// `GET /crl/{file}`: `{ca}.crl` (full) or `{ca}-delta.crl`.
pub async fn crl(State(s): State<Arc<AppState>>, Path(file): Path<String>) -> ApiResult<Response> {
    let name = file
        .strip_suffix(".crl")
        .ok_or_else(|| Problem::not_found("CRLs are named {ca}.crl or {ca}-delta.crl"))?;
    let (ca, delta) = match name.strip_suffix("-delta") {
        Some(ca) => (ca, true),
        None => (name, false),
    };
    if !s.cas.iter().any(|c| c.id == ca) {
        return Err(Problem::not_found("").msg("msg-no-ca", &[("ca", ca)]));
    }
    let rec = latest(&s, ca, delta).await?.ok_or_else(|| {
        let which = if delta { "delta" } else { "full" };
        Problem::not_found("").msg("msg-no-crl", &[("which", which), ("ca", ca)])
    })?;
    let now = crate::clock::now_secs();
    let max_age = (rec.next_update - now).max(0);
    let mut r = (StatusCode::OK, rec.der.clone()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pkix-crl"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}, no-transform")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(rec.next_update)) {
        h.insert(header::EXPIRES, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(rec.this_update)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{ca}-{}\"", rec.number)) {
        h.insert(header::ETAG, v);
    }
    Ok(r)
}

fn ocsp_response(der: Vec<u8>, cacheable_for: Option<i64>) -> Response {
    let mut r = (StatusCode::OK, der).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ocsp-response"),
    );
    if let Some(secs) = cacheable_for
        && let Ok(v) = HeaderValue::from_str(&format!("public, max-age={secs}, no-transform"))
    {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r
}

/// `POST /ocsp` with `application/ocsp-request`.
pub async fn ocsp_post(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.trim().eq_ignore_ascii_case("application/ocsp-request") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "",
        )
        .msg(
            "msg-unsupported-content-type",
            &[("expected", "application/ocsp-request"), ("got", ct)],
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_OCSP_REQUEST)
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!("OCSP requests are limited to {MAX_OCSP_REQUEST} bytes"),
            )
        })?;
    Ok(ocsp_response(s.status.ocsp(&bytes).await, None))
}

/// `GET /ocsp/{base64 DER request}` (RFC 6960 appendix A.1; URL-encoded base64).
pub async fn ocsp_get(
    State(s): State<Arc<AppState>>,
    Path(encoded): Path<String>,
) -> ApiResult<Response> {
    if encoded.len() > MAX_OCSP_REQUEST * 2 {
        return Err(Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "the OCSP request is too long",
        ));
    }
    // Path extraction has already percent-decoded; tolerate missing padding and URL-safe form.
    let cleaned: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cleaned.trim_end_matches('=').as_bytes())
        })
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cleaned.trim_end_matches('=').as_bytes())
        });
    let resp = match der {
        Ok(d) => s.status.ocsp(&d).await,
        Err(_) => {
            crate::status::ocsp::status_only(crate::status::ocsp::ResponseStatus::MalformedRequest)
        }
    };
    Ok(ocsp_response(resp, Some(s.status_config.ocsp_validity / 2)))
}

/// Largest time-stamp request accepted.
const MAX_TSA_REQUEST: usize = 16 * 1024;

/// `POST /tsa` with `application/timestamp-query` (RFC 3161 §3.4).
pub async fn tsa(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .trim()
        .eq_ignore_ascii_case("application/timestamp-query")
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "",
        )
        .msg(
            "msg-unsupported-content-type",
            &[("expected", "application/timestamp-query"), ("got", ct)],
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_TSA_REQUEST)
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!("time-stamp requests are limited to {MAX_TSA_REQUEST} bytes"),
            )
        })?;
    let der = s.tsa()?.respond(&bytes).await;
    let mut r = (StatusCode::OK, der).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/timestamp-reply"),
    );
    Ok(r)
}
