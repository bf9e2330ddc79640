//! Document endpoints: `POST /v1/documents/seal` (OFD in, sealed OFD out) and
//! `POST /v1/documents/sign` (any file in, detached CMS `.p7s` out).
//!
//! Both take the document as the raw request body and stream it to a temporary file (bounded by
//! `service.document_limit_bytes`, default 256 MiB) instead of buffering it in memory while it
//! arrives; the signing itself then reads the spooled file once. Both need a `signer` token bound
//! to a certificate whose key the service holds (the same key `POST /v1/seals/{id}/sign` uses).
//! The work runs on the blocking pool so that a large document never stalls the async workers.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::auth::{Permission, Principal};
use crate::crypto::SoftwareSigner;
use crate::document::ofd_write::{OfdWriteError, Placement};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Stream `body` into a temporary file, refusing more than `limit` bytes.
async fn spool(body: Body, limit: usize) -> ApiResult<(tempfile::NamedTempFile, u64)> {
    let tmp = tempfile::NamedTempFile::new().map_err(|e| Problem::internal(&e))?;
    let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(|e| Problem::internal(&e))?);
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-body",
                "the request body could not be read",
            )
        })?;
        total += chunk.len() as u64;
        if total > limit as u64 {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!("the document exceeds {limit} bytes"),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| Problem::internal(&e))?;
    }
    file.flush().await.map_err(|e| Problem::internal(&e))?;
    if total == 0 {
        return Err(Problem::unprocessable(
            "empty-document",
            "the request body (the document) is empty",
        ));
    }
    Ok((tmp, total))
}

/// The signer key and certificate of a signer token (server-held key).
pub(super) async fn token_signer(
    s: &AppState,
    who: &Principal,
) -> ApiResult<(SoftwareSigner, Vec<u8>)> {
    let svc = super::seals::services(s)?;
    let serial = who
        .certificate
        .clone()
        .ok_or_else(|| Problem::forbidden("this token is not bound to a signer certificate"))?;
    let cert = s
        .repo
        .certificate(&serial)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::forbidden("the token's certificate is unknown"))?;
    if cert.status != crate::pki::repo::CertStatus::Valid {
        return Err(Problem::forbidden(format!(
            "the signer certificate is {}",
            cert.status.as_str()
        )));
    }
    let key = svc
        .keys
        .load(&format!("signer-{serial}"), &svc.passphrase)
        .map_err(|_| {
            Problem::forbidden(
                "no key is held for this signer: use client-side signing (prepare/complete)",
            )
        })?;
    let signer = key.signer().map_err(|e| Problem::internal(&e))?;
    Ok((signer, cert.der))
}

/// Parse the query string (serde_urlencoded, as elsewhere in the API): unknown or repeated
/// parameters and values of the wrong type are a 400 `bad-query`.
fn query<T: serde::de::DeserializeOwned>(q: Option<String>) -> ApiResult<T> {
    serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| {
        Problem::bad_request(
            "bad-query",
            format!("invalid query parameters: {e} (seal, page, x, y, keyword)"),
        )
    })
}

/// `POST /v1/documents/seal`'s query.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SealQuery {
    seal: Option<String>,
    page: Option<f64>,
    x: Option<f64>,
    y: Option<f64>,
    keyword: Option<String>,
}

/// `POST /v1/documents/sign` takes no parameters.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoQuery {}

fn placement(q: &SealQuery) -> ApiResult<Placement> {
    let num = |k: &str, v: Option<f64>, default: f64| -> ApiResult<f64> {
        v.map_or(Ok(default), |f| {
            Some(f)
                .filter(|f| f.is_finite() && *f >= 0.0)
                .ok_or_else(|| {
                    Problem::bad_request(
                        "bad-query",
                        format!("'{k}' must be a non-negative number"),
                    )
                })
        })
    };
    if let Some(k) = &q.keyword {
        if q.x.is_some() || q.y.is_some() || q.page.is_some() {
            return Err(Problem::bad_request(
                "bad-query",
                "give either keyword or page/x/y, not both",
            ));
        }
        if k.is_empty() {
            return Err(Problem::bad_request("bad-query", "keyword is empty"));
        }
        return Ok(Placement::Keyword(k.clone()));
    }
    let page = num("page", q.page, 1.0)?;
    if page < 1.0 || page.fract() != 0.0 {
        return Err(Problem::bad_request(
            "bad-query",
            "page is a whole number from 1",
        ));
    }
    Ok(Placement::At {
        page: page as usize - 1,
        x_mm: num("x", q.x, 20.0)?,
        y_mm: num("y", q.y, 20.0)?,
    })
}

fn ofd_problem(e: OfdWriteError) -> Problem {
    match e {
        OfdWriteError::Seal(e) => super::seals::seal_problem(e),
        OfdWriteError::Placement(m) => Problem::unprocessable("placement", m),
        other => Problem::unprocessable("invalid-document", other.to_string()),
    }
}

/// A timestamp callback usable from a blocking thread (or inside `block_in_place`): asks our
/// TSA for a token over SM3 of the given signature value (the SES/CMS signature timestamp).
pub(super) fn tsa_fn(s: Arc<AppState>) -> impl Fn(&[u8]) -> Option<Vec<u8>> {
    let handle = tokio::runtime::Handle::current();
    move |sig: &[u8]| {
        let req = crate::status::tsp::build_request(
            crate::status::tsp::TsHash::Sm3,
            &crate::crypto::sm3(sig),
            None,
            true,
        )
        .ok()?;
        let resp = handle.block_on(s.tsa.respond(&req));
        crate::status::tsp::parse_response(&resp)
            .ok()?
            .token
            .map(|t| t.der)
    }
}

/// Our issuing CA certificate that issued `cert` (carried in the CMS so that verifiers holding
/// only our root can build the path).
fn issuer_of(cert: &[u8], cas: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use der::{Decode, Encode};
    let Ok(c) = x509_cert::Certificate::from_der(cert) else {
        return vec![];
    };
    let Ok(issuer) = c.tbs_certificate().issuer().to_der() else {
        return vec![];
    };
    cas.iter()
        .filter(|ca| {
            x509_cert::Certificate::from_der(ca)
                .ok()
                .and_then(|ca| ca.tbs_certificate().subject().to_der().ok())
                .is_some_and(|s| s == issuer)
        })
        .take(1)
        .cloned()
        .collect()
}

fn binary(content_type: &'static str, body: Vec<u8>, extra: &[(&str, String)]) -> Response {
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    for (k, v) in extra {
        if let (Ok(n), Ok(v)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            r.headers_mut().insert(n, v);
        }
    }
    r
}

/// `POST /v1/documents/seal?seal=ID&page=N&x=MM&y=MM` or `?seal=ID&keyword=TEXT` (signer): the
/// OFD package is the body; the answer is the sealed OFD (`application/ofd`). The stamp gets a
/// timestamp from our TSA.
pub async fn seal(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Stamp, "document.seal")
        .await?;
    let object = seal_param(q.as_deref());
    let r = seal_as(s.clone(), &who, q, body).await;
    super::seals::audited(&s, &who, "document.seal", &object, r).await
}

/// The `seal` query parameter, for the audit line of a refusal ("-" when absent).
fn seal_param(q: Option<&str>) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q.unwrap_or(""))
        .ok()
        .and_then(|v| v.into_iter().find(|(k, _)| k == "seal").map(|(_, v)| v))
        .unwrap_or_else(|| "-".into())
}

async fn seal_as(
    s: Arc<AppState>,
    who: &Principal,
    q: Option<String>,
    body: Body,
) -> ApiResult<Response> {
    let q: SealQuery = query(q)?;
    let id = q.seal.clone().ok_or_else(|| {
        Problem::bad_request(
            "bad-query",
            "the 'seal' query parameter (seal id) is required",
        )
    })?;
    let place = placement(&q)?;
    let svc = super::seals::services(&s)?;
    let rec = super::seals::load_seal(svc, &id).await?;
    super::seals::check_binding(&s, who, &rec, None).await?;
    let (signer, cert) = token_signer(&s, who).await?;
    let (file, size) = spool(body, s.limits.document_limit).await?;
    let state = s.clone();
    let sealed = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let doc = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ts = tsa_fn(state);
        crate::document::ofd_write::seal_ofd(
            &doc,
            &rec,
            &signer,
            &cert,
            place,
            crate::clock::now_secs(),
            Some(&ts),
        )
        .map_err(ofd_problem)
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    s.audit(
        who,
        "document.seal",
        &id,
        "success",
        &format!("in={size} out={}", sealed.len()),
    )
    .await;
    Ok(binary("application/ofd", sealed, &[("x-yinxin-seal", id)]))
}

/// `POST /v1/documents/sign` (signer): any file as the body; the answer is a detached CMS
/// SignedData (`application/pkcs7-signature`, DER) with signingTime, ESS
/// signingCertificateV2 and a signature timestamp from our TSA.
pub async fn sign(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, Permission::Stamp, "document.sign")
        .await?;
    let object = who.certificate.clone().unwrap_or_else(|| "-".into());
    let r = sign_as(s.clone(), &who, q, body).await;
    super::seals::audited(&s, &who, "document.sign", &object, r).await
}

async fn sign_as(
    s: Arc<AppState>,
    who: &Principal,
    q: Option<String>,
    body: Body,
) -> ApiResult<Response> {
    let NoQuery {} = query(q)?;
    let (signer, cert) = token_signer(&s, who).await?;
    let chain = issuer_of(&cert, &super::seals::services(&s)?.intermediates);
    let (file, size) = spool(body, s.limits.document_limit).await?;
    let state = s.clone();
    let p7s = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let doc = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ts = tsa_fn(state);
        crate::document::cms::sign_detached(
            &doc,
            &signer,
            &cert,
            &chain,
            crate::clock::now_secs(),
            Some(&ts),
        )
        .map_err(|e| Problem::unprocessable("cannot-sign", e.to_string()))
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    let serial = who.certificate.clone().unwrap_or_default();
    s.audit(
        who,
        "document.sign",
        &serial,
        "success",
        &format!("in={size} out={}", p7s.len()),
    )
    .await;
    Ok(binary("application/pkcs7-signature", p7s, &[]))
}
