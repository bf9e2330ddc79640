//! `POST /v1/documents/sign` for a PDF: a PAdES signature (B-T: with a signature time-stamp from
//! our TSA, SHA-256 and its P-256 unit, when this process has one) added by incremental update,
//! the signed PDF answered (`application/pdf`). The PDF is read whole (lopdf): the request
//! reserves four times its size plus 8 MiB from the documents' memory budget first, as sealing
//! an OFD does.
//!
//! Owns: the PDF branch of document signing. Must not import the store.

use super::AppState;
use super::problem::{ApiResult, Problem};
use crate::auth::Principal;
use crate::crypto::SoftwareSigner;
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

/// Sign the spooled PDF `file` (`size` bytes) as `who`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn sign_pdf(
    s: Arc<AppState>,
    who: &Principal,
    signer: Arc<SoftwareSigner>,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
    file: tempfile::NamedTempFile,
    size: u64,
    wait: Duration,
) -> ApiResult<Response> {
    if crate::crypto::Signer::algorithm(signer.as_ref()) != crate::crypto::Algorithm::P256 {
        return Err(Problem::unprocessable(
            "cannot-sign",
            "PAdES signing needs a P-256 signer certificate (the SM2 profile of Chinese vendors is not built yet)",
        ));
    }
    let permit = s
        .document_memory
        .reserve(size.saturating_mul(4) + 8 * 1024 * 1024, wait)
        .await?;
    let state = s.clone();
    let signed = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let _permit = permit;
        let pdf = std::fs::read(file.path()).map_err(|e| Problem::internal(&e))?;
        drop(file);
        let ts = super::documents::tsa_fn_with(state, crate::status::tsp::TsHash::Sha256);
        crate::document::pdf::sign(
            &pdf,
            signer.as_ref(),
            &cert,
            &chain,
            &crate::document::pdf::SignOptions::default(),
            Some(&ts),
        )
        .map_err(|e| match e {
            crate::document::pdf::PdfError::Sign(m) => Problem::internal(&m),
            e => Problem::unprocessable("invalid-document", e.to_string()),
        })
    })
    .await
    .map_err(|e| Problem::internal(&e))??;
    s.audit(
        who,
        "document.sign",
        who.certificate.as_deref().unwrap_or("-"),
        "success",
        &format!("pdf in={size} out={}", signed.len()),
    )
    .await;
    Ok(axum::response::IntoResponse::into_response((
        axum::http::StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/pdf")],
        signed,
    )))
}
