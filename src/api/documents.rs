//! Document endpoints: `POST /v1/documents/seal` (OFD in, sealed OFD out) and
//! `POST /v1/documents/sign` (any file in, detached CMS `.p7s` out; a PDF signed as PAdES by
//! `documents_pdf`).
//!
//! Both take the document as the raw request body and stream it to a temporary file (bounded by
//! `service.document_limit_bytes`, default 256 MiB) instead of buffering it in memory while it
//! arrives. Both need a `signer` token bound to a certificate whose key the service holds (the
//! same key `POST /v1/seals/{id}/sign` uses). The work runs on the blocking pool so that a large
//! document never stalls the async workers.
//!
//! Memory. Signing hashes the spooled file in chunks: it holds no copy of the document.
//! Sealing must read the package (the zip, to keep every file's exact bytes) and holds, at its
//! peak, the package as sent plus its files uncompressed (the reader holds no more than the
//! central directory declares); the new package is written entry by entry to a temporary file
//! and streamed back from there, the package is dropped before the answer is sent. Each
//! sealing reserves that much — [`seal_cost`]: body size + declared uncompressed size +
//! 32 MiB — from a [`MemoryBudget`] of `service.max_document_memory_bytes` (default 1 GiB)
//! before reading the package, so the memory all sealings hold together stays below the budget
//! whatever the number of callers. A package that needs more than the whole budget is refused
//! (413 `document-too-large`); one that cannot get its share before 90 % of the request timeout
//! (counted from the request's arrival) is refused with 503 `overloaded` and `Retry-After`.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::auth::{Permission, Principal};
use crate::crypto::SoftwareSigner;
use crate::document::ofd_write::{OfdWriteError, Placement};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What sealing holds beyond the package and its files: XML trees of the parts it reads, the
/// new `Signature.xml` (one Reference per file), the seal, the zip writer's buffers, and what
/// the allocator keeps beyond them (with mimalloc, sealing a 48 MiB package peaked at the
/// package and its files plus 16–22 MiB in `tests/documents_memory.rs`; 16 MiB was enough with
/// glibc's malloc).
pub const SEAL_OVERHEAD_BYTES: u64 = 32 * 1024 * 1024;

/// Seconds a caller refused for want of memory is told to wait (`Retry-After`).
const MEMORY_RETRY_AFTER: u64 = 5;

/// The memory that document work may hold at once, all requests together: a semaphore whose
/// permits are KiB. Work reserves its estimate before allocating and keeps the permit until it
/// has dropped the memory (the permit moves into the blocking task, so a request abandoned by
/// its caller keeps its share until the work has really ended).
#[derive(Debug)]
pub struct MemoryBudget {
    sem: Arc<Semaphore>,
    total_kib: u32,
}

impl MemoryBudget {
    /// A budget of `bytes` (at least 1 KiB, at most 4 TiB).
    pub fn new(bytes: u64) -> MemoryBudget {
        let total_kib = u32::try_from(bytes / 1024).unwrap_or(u32::MAX).max(1);
        MemoryBudget {
            sem: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// The whole budget, bytes.
    pub fn total_bytes(&self) -> u64 {
        u64::from(self.total_kib) * 1024
    }

    /// Reserve `bytes`, waiting at most `wait` for them to be free: 413 `document-too-large`
    /// if they exceed the whole budget, 503 `overloaded` (with `Retry-After`) after the wait.
    pub async fn reserve(&self, bytes: u64, wait: Duration) -> ApiResult<OwnedSemaphorePermit> {
        let kib = bytes.div_ceil(1024).max(1);
        let n = u32::try_from(kib)
            .ok()
            .filter(|n| *n <= self.total_kib)
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "document-too-large",
                    format!(
                        "sealing this document needs about {} MiB of memory, more than the \
                         service's whole budget for documents ({} MiB, \
                         service.max_document_memory_bytes)",
                        bytes.div_ceil(1 << 20),
                        self.total_bytes() >> 20
                    ),
                )
            })?;
        match tokio::time::timeout(wait, self.sem.clone().acquire_many_owned(n)).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    format!(
                        "the memory budget for documents is in use by other requests (this one \
                         needs {} MiB of {} MiB); retry later",
                        bytes.div_ceil(1 << 20),
                        self.total_bytes() >> 20
                    ),
                );
                p.retry_after = Some(MEMORY_RETRY_AFTER);
                Err(p)
            }
        }
    }
}

/// The memory sealing the spooled package at `path` (`size` bytes) may hold at its peak: the
/// package as read, its files uncompressed as its central directory declares them (the reader
/// refuses an entry at the first byte beyond its declared size, and a package declaring more
/// than [`crate::document::ofd::MAX_TOTAL_SIZE`] before reading any), and
/// [`SEAL_OVERHEAD_BYTES`]. When the central directory cannot be read here (junk the zip
/// reader cannot skip), the worst case the reader allows is assumed.
pub fn seal_cost(path: &Path, size: u64) -> u64 {
    use crate::document::ofd::MAX_TOTAL_SIZE;
    let declared = std::fs::File::open(path)
        .ok()
        .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok())
        .map(|a| {
            let meta = a.metadata();
            (0..a.len())
                .filter_map(|i| meta.entry(i).ok().map(|e| e.size()))
                .fold(0u64, u64::saturating_add)
        });
    let files = match declared {
        // The reader refuses such a package before reading any entry.
        Some(d) if d > MAX_TOTAL_SIZE => 0,
        Some(d) => d,
        None => MAX_TOTAL_SIZE,
    };
    size.saturating_add(files)
        .saturating_add(SEAL_OVERHEAD_BYTES)
}

/// How long a request that arrived at `started` may wait for memory: until 90 % of the request
/// timeout, so that its own answer comes before the generic timeout.
pub(super) fn memory_wait(s: &AppState, started: Instant) -> Duration {
    s.limits
        .timeout
        .mul_f64(0.9)
        .saturating_sub(started.elapsed())
}

/// A response body streamed from `file` (from its current position) in 64 KiB chunks.
fn file_body(file: std::fs::File) -> Body {
    let file = tokio::fs::File::from_std(file);
    let stream = futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Body::from_stream(stream)
}

/// Stream `body` into a temporary file, refusing more than `limit` bytes.
pub(super) async fn spool(body: Body, limit: usize) -> ApiResult<(tempfile::NamedTempFile, u64)> {
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
) -> ApiResult<(Arc<SoftwareSigner>, Vec<u8>)> {
    let (signer, record) = token_signer_record(s, who).await?;
    Ok((signer, record.der))
}

/// [`token_signer`] with the certificate's whole record (subject, organization, …).
pub(super) async fn token_signer_record(
    s: &AppState,
    who: &Principal,
) -> ApiResult<(Arc<SoftwareSigner>, crate::pki::repo::CertificateRecord)> {
    let svc = super::seals::signing(s)?;
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
    let signer = svc
        .decrypted
        .signer(&svc.keys, &format!("signer-{serial}"), &svc.passphrase)
        .map_err(|_| {
            Problem::forbidden(
                "no key is held for this signer: use client-side signing (prepare/complete)",
            )
        })?;
    Ok((signer, cert))
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

/// `POST /v1/documents/sign?format=cms|pades`: a PDF (by `Content-Type: application/pdf` or
/// its `%PDF-` magic) is signed as PAdES by default, anything else as detached CMS.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SignQuery {
    #[serde(default)]
    format: Option<String>,
    /// PAdES level for a PDF: B-B, B-T (default), B-LT, B-LTA.
    #[serde(default)]
    level: Option<String>,
    /// A certification signature for a PDF: no-changes, form-fill or annotations.
    #[serde(default)]
    certify: Option<crate::document::pdf::DocMdp>,
}

/// The placement asked for. `x` and `y` are checked against the page by the sealing itself
/// (finite, the whole stamp on the page: 422 `placement` naming the parameter).
fn placement(q: &SealQuery) -> ApiResult<Placement> {
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
    let page = q.page.unwrap_or(1.0);
    if !page.is_finite() || page < 1.0 || page.fract() != 0.0 {
        return Err(Problem::bad_request(
            "bad-query",
            "page is a whole number from 1",
        ));
    }
    Ok(Placement::At {
        page: (page as usize).saturating_sub(1),
        x_mm: q.x.unwrap_or(20.0),
        y_mm: q.y.unwrap_or(20.0),
    })
}

fn ofd_problem(e: OfdWriteError) -> Problem {
    match e {
        OfdWriteError::Seal(e) => super::seals::seal_problem(e),
        OfdWriteError::Placement(m) => Problem::unprocessable("placement", m),
        e @ OfdWriteError::Position { .. } => Problem::unprocessable("placement", e.to_string()),
        other => Problem::unprocessable("invalid-document", other.to_string()),
    }
}

/// A timestamp callback usable from a blocking thread (or inside `block_in_place`): asks our
/// TSA for a token over SM3 of the given signature value (the SES/CMS signature timestamp).
pub(super) fn tsa_fn(s: Arc<AppState>) -> impl Fn(&[u8]) -> Option<Vec<u8>> {
    tsa_fn_with(s, crate::status::tsp::TsHash::Sm3)
}

/// [`tsa_fn`] asking for `hash` (SHA-256: our P-256 unit answers, as PAdES verifiers expect).
pub(super) fn tsa_fn_with(
    s: Arc<AppState>,
    hash: crate::status::tsp::TsHash,
) -> impl Fn(&[u8]) -> Option<Vec<u8>> {
    let handle = tokio::runtime::Handle::current();
    move |sig: &[u8]| {
        let req = crate::status::tsp::build_request(hash, &hash.digest(sig), None, true).ok()?;
        let resp = handle.block_on(s.tsa.as_ref()?.respond(&req));
        crate::status::tsp::parse_response(&resp)
            .ok()?
            .token
            .map(|t| t.der)
    }
}

/// Our issuing CA certificate that issued `cert` (carried in the CMS so that verifiers holding
/// only our root can build the path).
pub(super) fn issuer_of(cert: &[u8], cas: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use crate::verify::cert::Cert;
    let Ok(c) = Cert::shared(cert) else {
        return vec![];
    };
    cas.iter()
        .filter(|ca| Cert::shared(ca).is_ok_and(|ca| ca.subject == c.issuer))
        .take(1)
        .cloned()
        .collect()
}

fn binary(content_type: &'static str, body: impl Into<Body>, extra: &[(&str, String)]) -> Response {
    let body: Body = body.into();
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
    let started = Instant::now();
    let who = s
        .require(&headers, Permission::Stamp, "document.seal")
        .await?;
    let object = seal_param(q.as_deref());
    let r = seal_as(s.clone(), &who, q, body, started).await;
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
    started: Instant,
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
    if super::documents_pdf::is_pdf(file.path()) {
        let chain = issuer_of(&cert, &svc.intermediates);
        let budget = memory_wait(&s, started);
        return super::documents_pdf::seal_pdf(
            s.clone(),
            who,
            rec,
            (signer, cert, chain),
            file,
            size,
            place,
            budget,
        )
        .await;
    }
    // Reserve the memory the package needs before reading it.
    let (file, cost) = tokio::task::spawn_blocking(move || {
        let cost = seal_cost(file.path(), size);
        (file, cost)
    })
    .await
    .map_err(|e| Problem::internal(&e))?;
    let permit = s
        .document_memory
        .reserve(cost, memory_wait(&s, started))
        .await?;
    let state = s.clone();
    let (sealed, out_len) = tokio::task::spawn_blocking(move || -> ApiResult<_> {
        // Held until the package is dropped, whatever happens to the request meanwhile.
        let _permit = permit;
        let doc = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let package = crate::document::ofd::Package::from_bytes(&doc)
            .map_err(|e| ofd_problem(OfdWriteError::Read(e)))?;
        drop(doc);
        let out = tempfile::tempfile().map_err(|e| Problem::internal(&e))?;
        let ts = tsa_fn(state);
        let out = crate::document::ofd_write::seal_package(
            &package,
            &rec,
            signer.as_ref(),
            &cert,
            place,
            crate::clock::now_secs(),
            Some(&ts),
            std::io::BufWriter::with_capacity(256 * 1024, out),
        )
        .map_err(ofd_problem)?;
        drop(package);
        let mut out = out
            .into_inner()
            .map_err(|e| Problem::internal(&e.into_error()))?;
        out.flush().map_err(|e| Problem::internal(&e))?;
        let len = out.stream_position().map_err(|e| Problem::internal(&e))?;
        out.rewind().map_err(|e| Problem::internal(&e))?;
        Ok((out, len))
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    s.audit(
        who,
        "document.seal",
        &id,
        "success",
        &format!("in={size} out={out_len}"),
    )
    .await;
    let mut r = binary(
        "application/ofd",
        file_body(sealed),
        &[("x-yinxin-seal", id)],
    );
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(out_len));
    Ok(r)
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
    let started = std::time::Instant::now();
    let pdf_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/pdf"));
    let r = sign_as(s.clone(), &who, q, pdf_type, started, body).await;
    super::seals::audited(&s, &who, "document.sign", &object, r).await
}

async fn sign_as(
    s: Arc<AppState>,
    who: &Principal,
    q: Option<String>,
    pdf_type: bool,
    started: std::time::Instant,
    body: Body,
) -> ApiResult<Response> {
    let SignQuery {
        format,
        level,
        certify,
    } = query(q)?;
    let level = super::documents_pdf::level(level.as_deref())?;
    let (signer, cert) = token_signer(&s, who).await?;
    let chain = issuer_of(&cert, &super::seals::services(&s)?.intermediates);
    let (file, size) = spool(body, s.limits.document_limit).await?;
    let pades = match format.as_deref() {
        Some("pades") => true,
        Some("cms") => false,
        None => pdf_type || super::documents_pdf::is_pdf(file.path()),
        Some(f) => {
            return Err(Problem::bad_request(
                "bad-query",
                format!(
                    "format: cms or pades, not {:?}",
                    f.chars().take(16).collect::<String>()
                ),
            ));
        }
    };
    if pades {
        let budget = memory_wait(&s, started);
        return super::documents_pdf::sign_pdf(
            s,
            who,
            (signer, cert, chain),
            file,
            size,
            budget,
            level,
            certify,
        )
        .await;
    }
    let state = s.clone();
    let p7s = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        // Hashed from the spooled file in chunks: the document is never held in memory.
        let digest = crate::document::cms::content_digest(
            crate::crypto::Signer::algorithm(signer.as_ref()),
            std::io::BufReader::new(file.as_file()),
        )
        .map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ts = tsa_fn(state);
        crate::document::cms::sign_detached_digest(
            &digest,
            signer.as_ref(),
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[tokio::test]
    async fn the_budget_refuses_waits_and_releases() {
        let budget = Arc::new(MemoryBudget::new(10 * MIB));
        assert_eq!(budget.total_bytes(), 10 * MIB);
        let short = Duration::from_millis(20);
        // More than the whole budget: 413 at once, saying what it needs and the setting.
        let e = budget.reserve(11 * MIB, short).await.unwrap_err();
        assert_eq!(
            (e.status, e.kind),
            (StatusCode::PAYLOAD_TOO_LARGE, "document-too-large")
        );
        assert!(
            e.detail.contains("11 MiB")
                && e.detail
                    .contains("(10 MiB, service.max_document_memory_bytes)"),
            "{}",
            e.detail
        );
        // Within the budget while others hold it: 503 after the wait, with Retry-After.
        let first = budget.reserve(8 * MIB, short).await.unwrap();
        let started = Instant::now();
        let e = budget.reserve(4 * MIB, short).await.unwrap_err();
        assert!(started.elapsed() >= short);
        assert_eq!(
            (e.status, e.kind),
            (StatusCode::SERVICE_UNAVAILABLE, "overloaded")
        );
        assert_eq!(e.retry_after, Some(MEMORY_RETRY_AFTER));
        assert!(e.detail.contains("needs 4 MiB of 10 MiB"), "{}", e.detail);
        // What fits is granted beside it, and a waiter gets its share once memory is freed.
        let second = budget.reserve(2 * MIB, short).await.unwrap();
        let b = budget.clone();
        let waiter =
            tokio::spawn(async move { b.reserve(4 * MIB, Duration::from_secs(30)).await.is_ok() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(first);
        assert!(waiter.await.unwrap());
        drop(second);
        // Odd sizes round up to whole KiB; zero still takes one.
        let all = budget.reserve(10 * MIB, short).await.unwrap();
        assert!(budget.reserve(0, short).await.is_err());
        drop(all);
        assert!(budget.reserve(1, short).await.is_ok());
    }

    #[test]
    fn seal_cost_counts_the_package_and_its_declared_files() {
        use crate::document::ofd::MAX_TOTAL_SIZE;
        use std::io::Write as _;
        let zip_of = |entries: &[(&str, usize)]| {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, size) in entries {
                w.start_file(*name, o).unwrap();
                w.write_all(&vec![b'a'; *size]).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        let file_of = |bytes: &[u8]| {
            let mut f = tempfile::NamedTempFile::new().unwrap();
            f.write_all(bytes).unwrap();
            f
        };
        // Files declared 5 MiB + 1 KiB (deflated to little): size + declared + overhead.
        let z = zip_of(&[("OFD.xml", 1024), ("Doc_0/Res/a.bin", 5 << 20)]);
        let f = file_of(&z);
        assert_eq!(
            seal_cost(f.path(), z.len() as u64),
            z.len() as u64 + (5 << 20) + 1024 + SEAL_OVERHEAD_BYTES
        );
        // Not a zip: the worst the reader allows.
        let f = file_of(b"not a zip at all");
        assert_eq!(
            seal_cost(f.path(), 16),
            16 + MAX_TOTAL_SIZE + SEAL_OVERHEAD_BYTES
        );
        // A package declaring more than the reader accepts is refused before any entry is read.
        let z = zip_of(&[("a", 1)]);
        let mut claimed = z.clone();
        // Patch the central directory's uncompressed size of the entry to 1 GiB.
        let cd = claimed
            .windows(4)
            .rposition(|w| w == b"PK\x01\x02")
            .unwrap();
        claimed[cd + 24..cd + 28].copy_from_slice(&(1u32 << 30).to_le_bytes());
        let f = file_of(&claimed);
        assert_eq!(
            seal_cost(f.path(), claimed.len() as u64),
            claimed.len() as u64 + SEAL_OVERHEAD_BYTES
        );
    }
}
