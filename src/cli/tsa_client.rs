//! The command line's RFC 3161 client: a POST over plain http:// and a timestamp token over a
//! signature value (for `sign --tsa`, `seal sign --tsa` and `timestamp`).
//!
//! Owns: talking to a TSA. Must not import `api` or `app`.

use super::CliError;

/// A timestamp over `sig` from the TSA at `url`, asking for the hash that goes with the
/// signature's algorithm (SM3 for SM2, SHA-256 for P-256), so that SM2 signatures get an SM2
/// token and P-256 ones a P-256 token that `openssl ts -verify` can check.
pub(super) async fn fetch_timestamp(
    url: &str,
    sig: &[u8],
    alg: crate::crypto::Algorithm,
) -> Result<Vec<u8>, CliError> {
    use crate::status::tsp::TsHash;
    let hash = match alg {
        crate::crypto::Algorithm::Sm2 => TsHash::Sm3,
        crate::crypto::Algorithm::P256 => TsHash::Sha256,
    };
    let req = crate::status::tsp::build_request(hash, &hash.digest(sig), None, true)?;
    let resp = http_post(url, "application/timestamp-query", req).await?;
    let p = crate::status::tsp::parse_response(&resp).map_err(|e| CliError(format!("TSA: {e}")))?;
    p.token
        .map(|t| t.der)
        .ok_or_else(|| CliError(format!("the TSA refused: {}", p.status_text.join("; "))))
}

/// POST a body to an http:// URL and return the response body (2xx only).
pub(super) async fn http_post(
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Vec<u8>, CliError> {
    use http_body_util::{BodyExt, Full};
    if !url.starts_with("http://") {
        return Err(CliError(format!(
            "only http:// URLs are supported here: {url}"
        )));
    }
    let client: hyper_util::client::legacy::Client<_, Full<hyper::body::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let req = hyper::Request::post(url)
        .header("content-type", content_type)
        .body(Full::new(hyper::body::Bytes::from(body)))
        .map_err(|e| CliError(format!("bad URL {url}: {e}")))?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(30), client.request(req))
        .await
        .map_err(|_| CliError(format!("{url}: no answer within 30 s")))?
        .map_err(|e| CliError(format!("{url}: {e}")))?;
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| CliError(format!("{url}: {e}")))?
        .to_bytes()
        .to_vec();
    if !status.is_success() {
        return Err(CliError(format!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>()
        )));
    }
    Ok(bytes)
}
