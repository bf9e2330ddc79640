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

/// POST a body to the http:// URL the operator gave and return the answer (HTTP 200 only,
/// at most 1 MiB, 30 s), through the crate's one outbound client.
pub(super) async fn http_post(
    url: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> Result<Vec<u8>, CliError> {
    let client = crate::trust::fetch::RevocationFetcher::new(crate::trust::fetch::FetchConfig {
        timeout: std::time::Duration::from_secs(30),
        max_bytes: 1024 * 1024,
        max_entries: 0,
        refusal: "not the URL given".into(),
        ..Default::default()
    });
    client
        .post(url, &|u: &str| u == url, content_type, body)
        .await
        .map_err(|e| CliError(e.to_string()))
}
