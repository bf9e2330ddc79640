//! `POST /v1/documents/sign` for a PDF: a PAdES signature (B-T: with a signature time-stamp from
//! our TSA, SHA-256 and its P-256 unit, when this process has one) added by incremental update,
//! the signed PDF answered (`application/pdf`). The PDF is read whole (lopdf): the request
//! reserves four times its size plus 8 MiB from the documents' memory budget first, as sealing
//! an OFD does.
//!
//! `?level=` picks the PAdES level: B-B (no time-stamp), B-T (the default), B-LT (a DSS with
//! the certificates, OCSP responses and CRLs of every chain, the TSU's included, from this
//! region's own status services) and B-LTA (that, then a document time-stamp).
//! `POST /v1/documents/extend?level=B-LT|B-LTA` extends a signed PDF later.
//!
//! Owns: the PDF branch of document signing. Must not import the store.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::auth::Principal;
use crate::crypto::SoftwareSigner;
use crate::document::pdf::{Level, ValidationData};
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

/// Whether the spooled file starts with `%PDF-`.
pub(super) fn is_pdf(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"%PDF-"
}

/// The PAdES level of `?level=` (B-T when absent).
pub(super) fn level(q: Option<&str>) -> ApiResult<Level> {
    match q {
        None => Ok(Level::BT),
        Some(l) => l
            .parse()
            .map_err(|e: String| Problem::bad_request("bad-query", e)),
    }
}

/// The time-stamp hash for `alg`'s signatures: SM3 (the SM2 unit) for SM2, SHA-256 (the P-256
/// unit) for P-256.
fn ts_hash(alg: crate::crypto::Algorithm) -> crate::status::tsp::TsHash {
    match alg {
        crate::crypto::Algorithm::Sm2 => crate::status::tsp::TsHash::Sm3,
        crate::crypto::Algorithm::P256 => crate::status::tsp::TsHash::Sha256,
    }
}

/// The validation data of `certs` from this region's status services
/// ([`crate::document::pdf::dss::needs`]): the CA certificates on their paths, the newest full
/// CRL of each such CA, and an OCSP response for each end-entity certificate of ours.
pub(super) async fn validation_data(s: &AppState, certs: &[Vec<u8>]) -> ValidationData {
    let cas = s.status.cas();
    let ders: Vec<Vec<u8>> = cas.iter().map(|c| c.record.der.clone()).collect();
    let needs = crate::document::pdf::dss::needs(certs, &ders);
    let mut out = ValidationData::default();
    for &i in &needs.cas {
        out.certs.push(ders[i].clone());
        if let Ok(Some(crl)) = super::status::latest(s, &cas[i].record.id, false).await {
            out.crls.push(crl.der.clone());
        }
    }
    for (serial, i) in &needs.ocsp {
        if cas[*i].responder.is_none() {
            continue;
        }
        let Ok(req) = crate::status::ocsp::build_request(
            &ders[*i],
            std::slice::from_ref(serial),
            crate::status::ocsp::IdHash::Sha1,
            None,
        ) else {
            continue;
        };
        let resp = s.status.ocsp(&req).await;
        // A successful OCSPResponse: SEQUENCE { ENUMERATED 0, [0] … }.
        if resp.len() > 8 && resp.windows(3).take(6).any(|w| w == [0x0a, 0x01, 0x00]) {
            out.ocsps.push(resp);
        }
    }
    out
}

/// Extend a signed PDF to `level` (B-LT, B-LTA) on a blocking thread: the validation data
/// gathered first, the document time-stamp from our TSA.
async fn extend_blocking(
    s: Arc<AppState>,
    pdf: Vec<u8>,
    level: Level,
    hash: crate::status::tsp::TsHash,
) -> ApiResult<Vec<u8>> {
    if level < Level::BLT {
        return Ok(pdf);
    }
    if level == Level::BLTA && s.tsa.is_none() {
        return Err(Problem::unprocessable(
            "cannot-sign",
            "B-LTA needs a document time-stamp and this process has no time-stamping unit",
        ));
    }
    let (pdf, certs) = tokio::task::spawn_blocking(move || {
        let certs = crate::document::pdf::certificates(&pdf);
        (pdf, certs)
    })
    .await
    .map_err(|e| Problem::internal(&e))?;
    let certs = certs.map_err(|e| Problem::unprocessable("invalid-document", e.to_string()))?;
    let data = validation_data(&s, &certs).await;
    let now = s.clock.now();
    let state = s.clone();
    tokio::task::spawn_blocking(move || {
        let ts = super::documents::tsa_fn_with(state, hash);
        crate::document::pdf::extend(&pdf, level, &|_| data.clone(), &ts, now).map_err(pdf_problem)
    })
    .await
    .map_err(|e| Problem::internal(&e))?
}

fn pdf_problem(e: crate::document::pdf::PdfError) -> Problem {
    match e {
        crate::document::pdf::PdfError::Sign(m) => Problem::internal(&m),
        e => Problem::unprocessable("invalid-document", e.to_string()),
    }
}

/// Sign the spooled PDF `file` (`size` bytes) as `who`, at `level`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn sign_pdf(
    s: Arc<AppState>,
    who: &Principal,
    (signer, cert, chain): (Arc<SoftwareSigner>, Vec<u8>, Vec<Vec<u8>>),
    file: tempfile::NamedTempFile,
    size: u64,
    wait: Duration,
    level: Level,
    certify: Option<crate::document::pdf::DocMdp>,
) -> ApiResult<Response> {
    let alg = crate::crypto::Signer::algorithm(signer.as_ref());
    let hash = ts_hash(alg);
    if level >= Level::BT && s.tsa.is_none() {
        return Err(Problem::unprocessable(
            "cannot-sign",
            format!(
                "{} needs a signature time-stamp and this process has no time-stamping unit",
                level.as_str()
            ),
        ));
    }
    let permit = s
        .document_memory
        .reserve(size.saturating_mul(4) + 8 * 1024 * 1024, wait)
        .await?;
    let state = s.clone();
    let now = s.clock.now();
    let signed = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let _permit = permit;
        let pdf = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ts = super::documents::tsa_fn_with(state, hash);
        let opts = crate::document::pdf::SignOptions {
            time: now,
            certify,
            ..Default::default()
        };
        let ts: Option<crate::document::cms::TimestampFn<'_>> =
            if level >= Level::BT { Some(&ts) } else { None };
        crate::document::pdf::sign(&pdf, signer.as_ref(), &cert, &chain, &opts, ts)
            .map_err(pdf_problem)
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    let signed = extend_blocking(s.clone(), signed, level, hash).await?;
    s.audit(
        who,
        "document.sign",
        who.certificate.as_deref().unwrap_or("-"),
        "success",
        &format!("pdf {} in={size} out={}", level.as_str(), signed.len()),
    )
    .await;
    Ok(axum::response::IntoResponse::into_response((
        axum::http::StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/pdf")],
        signed,
    )))
}

/// `POST /v1/documents/extend?level=B-LT|B-LTA` (a token with the stamp permission): a signed
/// PDF as the body, answered extended by incremental update — the DSS with this region's
/// validation data for every certificate its signatures and time-stamps carry, and for B-LTA a
/// document time-stamp.
pub async fn extend(
    axum::extract::State(s): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let who = s
        .require(&headers, crate::auth::Permission::Stamp, "document.extend")
        .await?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        level: Option<String>,
    }
    let q: Q = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| {
        Problem::bad_request(
            "bad-query",
            format!("invalid query parameters: {e} (level)"),
        )
    })?;
    let level = level(Some(q.level.as_deref().unwrap_or("B-LTA")))?;
    if level < Level::BLT {
        return Err(Problem::bad_request(
            "bad-query",
            "extend takes level B-LT or B-LTA",
        ));
    }
    let started = std::time::Instant::now();
    let (file, size) = super::documents::spool(body, s.limits.document_limit).await?;
    if !is_pdf(file.path()) {
        return Err(Problem::unprocessable(
            "invalid-document",
            "the body is not a PDF (no %PDF- header)",
        ));
    }
    let permit = s
        .document_memory
        .reserve(
            size.saturating_mul(4) + 8 * 1024 * 1024,
            super::documents::memory_wait(&s, started),
        )
        .await?;
    let pdf = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
    drop(file);
    // The time-stamp of the same family as the first signature (SM3 for SM2 documents).
    let hash = if pdf.windows(19).any(|w| w == b"/adbe.pkcs7.detached") {
        crate::status::tsp::TsHash::Sm3
    } else {
        crate::status::tsp::TsHash::Sha256
    };
    let out = extend_blocking(s.clone(), pdf, level, hash).await;
    drop(permit);
    let out = out?;
    s.audit(
        &who,
        "document.extend",
        who.certificate.as_deref().unwrap_or("-"),
        "success",
        &format!("pdf {} in={size} out={}", level.as_str(), out.len()),
    )
    .await;
    Ok(axum::response::IntoResponse::into_response((
        axum::http::StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/pdf")],
        out,
    )))
}

/// `POST /v1/documents/seal` with a PDF: the seal `rec` applied as a visible signature (its
/// picture at `place`, or centred on a keyword of the page text), B-T: the CMS time-stamped (SHA-256
/// or SM3 by the signer's algorithm) and the SES_Signature time-stamped (SM3).
#[allow(clippy::too_many_arguments)]
pub(super) async fn seal_pdf(
    s: Arc<AppState>,
    who: &Principal,
    rec: crate::seal::registry::SealRecord,
    (signer, cert, chain): (Arc<SoftwareSigner>, Vec<u8>, Vec<Vec<u8>>),
    file: tempfile::NamedTempFile,
    size: u64,
    place: crate::document::ofd_write::Placement,
    wait: Duration,
) -> ApiResult<Response> {
    let at = match place {
        crate::document::ofd_write::Placement::At { page, x_mm, y_mm } => {
            crate::document::pdf::SealPlacement::At { page, x_mm, y_mm }
        }
        crate::document::ofd_write::Placement::Keyword(k) => {
            crate::document::pdf::SealPlacement::Keyword(k)
        }
    };
    if s.tsa.is_none() {
        return Err(Problem::unprocessable(
            "cannot-sign",
            "sealing a PDF needs a time-stamping unit in this process",
        ));
    }
    let alg = crate::crypto::Signer::algorithm(signer.as_ref());
    let permit = s
        .document_memory
        .reserve(size.saturating_mul(4) + 16 * 1024 * 1024, wait)
        .await?;
    let (state, now, id) = (s.clone(), s.clock.now(), rec.id.clone());
    let sealed = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let _permit = permit;
        let pdf = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ses_ts = super::documents::tsa_fn(state.clone());
        let ts = super::documents::tsa_fn_with(state, ts_hash(alg));
        let opts = crate::document::pdf::SignOptions {
            time: now,
            field_name: "Seal1".into(),
            ..Default::default()
        };
        crate::document::pdf::seal(
            &pdf,
            &rec,
            signer.as_ref(),
            &cert,
            &chain,
            &at,
            &opts,
            Some(&ses_ts),
            Some(&ts),
        )
        .map_err(|e| match e {
            crate::document::pdf::PdfError::Placement(m) => Problem::unprocessable("placement", m),
            crate::document::pdf::PdfError::Seal(m) => Problem::unprocessable("cannot-seal", m),
            e => pdf_problem(e),
        })
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    s.audit(
        who,
        "document.seal",
        &id,
        "success",
        &format!("pdf in={size} out={}", sealed.len()),
    )
    .await;
    let mut r = axum::response::IntoResponse::into_response((
        axum::http::StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/pdf")],
        sealed,
    ));
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-yinxin-seal", v);
    }
    Ok(r)
}
