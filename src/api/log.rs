//! The transparency log over HTTP (C2SP tlog-tiles and tlog-witness):
//!
//! - `GET /log/checkpoint`: the latest checkpoint with the cosignatures collected for it
//!   (`Cache-Control: no-cache`: it moves);
//! - `GET /log/tile/<L>/<N>[.p/<W>]` and `GET /log/tile/entries/<N>[.p/<W>]`: hash tiles and
//!   entry bundles (immutable: a path names fixed bytes, so one year and `immutable`);
//! - `GET /log/proof?kind=<kind>&sha256=<hex>`: the tlog-proof of an object's first entry of
//!   that kind (the entry travels as the proof's extra data), against the best-cosigned recent
//!   checkpoint; 404 when the object is not in the log;
//! - `POST /log/witness/add-checkpoint`: this region as a witness of its peers' logs (the
//!   logs their trust lists announce): 200 with the cosignature, 409 with the latest size
//!   (`text/x.tlog.size`), 422 on a bad consistency proof, 403/404/400 otherwise.
//!
//! Owns the HTTP shape of the log; must not import the store.

use super::problem::{ApiResult, Problem};
use super::state::AppState;
use crate::transparency::log::{Log, LogError};
use crate::transparency::note::Verifiers;
use crate::transparency::tiles::{self, TilePath};
use crate::transparency::witness::{self, AddCheckpoint, Witness, WitnessAnswer};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Cache-Control of a tile or bundle: a path names fixed bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn log(s: &AppState) -> ApiResult<&Arc<Log>> {
    s.log.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the transparency log is not enabled on this server",
        )
    })
}

fn log_problem(e: LogError) -> Problem {
    match e {
        LogError::OutOfRange(m) => Problem::not_found(m),
        other => Problem::internal(&other),
    }
}

fn text(
    status: StatusCode,
    ctype: &'static str,
    cache: &'static str,
    body: impl Into<Body>,
) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, cache),
        ],
        body.into(),
    )
        .into_response()
}

/// `GET /log/checkpoint`.
pub async fn checkpoint(State(s): State<Arc<AppState>>) -> ApiResult<Response> {
    let cp = log(&s)?
        .latest()
        .await
        .map_err(log_problem)?
        .ok_or_else(|| Problem::not_found("the log has no checkpoint yet"))?;
    Ok(text(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        "no-cache",
        cp.with_cosignatures(),
    ))
}

/// `GET /log/tile/{*path}`.
pub async fn tile(State(s): State<Arc<AppState>>, Path(path): Path<String>) -> ApiResult<Response> {
    let l = log(&s)?;
    let parsed = tiles::parse_path(&format!("tile/{path}"))
        .map_err(|e| Problem::not_found(format!("not a tile path: {e}")))?;
    let body = match parsed {
        TilePath::Hashes(t) => l.tile(&t).await,
        TilePath::Entries(b) => l.bundle(&b).await,
    }
    .map_err(log_problem)?;
    Ok(text(
        StatusCode::OK,
        "application/octet-stream",
        IMMUTABLE,
        body,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProofQuery {
    kind: Option<String>,
    sha256: Option<String>,
}

/// `GET /log/proof?kind=&sha256=`.
pub async fn proof(State(s): State<Arc<AppState>>, RawQuery(q): RawQuery) -> ApiResult<Response> {
    let l = log(&s)?;
    let q: ProofQuery = super::handlers::parse_query(q)?;
    let kind = q
        .kind
        .filter(|k| crate::transparency::entry::KINDS.contains(&k.as_str()))
        .ok_or_else(|| {
            Problem::bad_request("invalid-query", "kind must be one of the log's entry kinds")
        })?;
    let mut sha = [0u8; 32];
    q.sha256
        .as_deref()
        .and_then(|h| hex::decode_to_slice(h, &mut sha).ok())
        .ok_or_else(|| {
            Problem::bad_request("invalid-query", "sha256 must be 64 hexadecimal digits")
        })?;
    let p = l
        .proof_of(&sha, &kind)
        .await
        .map_err(log_problem)?
        .ok_or_else(|| Problem::not_found("no such object in this region's log"))?;
    Ok(text(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        "no-cache",
        p.encode(),
    ))
}

/// The Ed25519 log keys of the peers' logs, by origin (from their trust lists).
pub(super) fn peer_log_keys(s: &AppState) -> impl Fn(&str) -> Option<Verifiers> + use<> {
    let logs = s
        .trust
        .as_ref()
        .map(|t| t.federation.peer_logs())
        .unwrap_or_default();
    move |origin: &str| {
        let (_, info) = logs.iter().find(|(_, l)| l.origin == origin)?;
        let v = crate::transparency::checkpoint::verifier_from_vkey(&info.log_key).ok()?;
        let mut keys = Verifiers::new();
        keys.push(v);
        Some(keys)
    }
}

/// `POST /log/witness/add-checkpoint`.
pub async fn add_checkpoint(State(s): State<Arc<AppState>>, body: Body) -> ApiResult<Response> {
    let l = log(&s)?;
    let keys = l.keys().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this process does not hold the witness key",
        )
    })?;
    let bytes: Bytes = axum::body::to_bytes(body, witness::MAX_REQUEST_BYTES)
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!(
                    "add-checkpoint requests are limited to {} bytes",
                    witness::MAX_REQUEST_BYTES
                ),
            )
        })?;
    let answer = match AddCheckpoint::parse(&bytes) {
        Err(a) => a,
        Ok(req) => {
            let w = Witness {
                signer: &keys.witness,
                repo: l.repo().as_ref(),
            };
            let now = u64::try_from(crate::clock::now_secs()).unwrap_or(0);
            w.add_checkpoint(&req, peer_log_keys(&s), now).await
        }
    };
    s.metrics.witness_answer(answer.status());
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok(match answer {
        WitnessAnswer::Cosigned(lines) => {
            text(status, "text/plain; charset=utf-8", "no-store", lines)
        }
        WitnessAnswer::Conflict(size) => text(
            status,
            witness::SIZE_CONTENT_TYPE,
            "no-store",
            format!("{size}\n"),
        ),
        WitnessAnswer::BadRequest(m) => {
            Problem::bad_request("invalid-add-checkpoint", m).into_response()
        }
        WitnessAnswer::Forbidden(m) => {
            Problem::new(status, "checkpoint-not-signed-by-log", m).into_response()
        }
        WitnessAnswer::UnknownLog(m) => Problem::new(status, "unknown-log", m).into_response(),
        WitnessAnswer::BadProof(m) => {
            Problem::new(status, "inconsistent-checkpoint", m).into_response()
        }
        WitnessAnswer::Unavailable(m) => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m).into_response()
        }
    })
}

/// The log's gauges: its size, the entries waiting for sequencing, where each peer's witness
/// stands with our log, and the size we cosigned of each peer's log.
pub(super) async fn render_metrics(s: &AppState, l: &Log) -> String {
    let mut out = String::new();
    let repo = l.repo();
    out.push_str("# HELP yinxin_log_size Entries in this region's transparency log (latest checkpoint).\n# TYPE yinxin_log_size gauge\n");
    let size = repo
        .log_latest_checkpoint()
        .await
        .ok()
        .flatten()
        .map_or(0, |c| c.size);
    out.push_str(&format!("yinxin_log_size {size}\n"));
    if let Ok(n) = repo.log_pending_count().await {
        out.push_str("# HELP yinxin_log_pending Entries committed with their objects and not yet sequenced.\n# TYPE yinxin_log_pending gauge\n");
        out.push_str(&format!("yinxin_log_pending {n}\n"));
    }
    out.push_str("# HELP yinxin_log_sequencing_failing 1 when the last sequencing step failed.\n# TYPE yinxin_log_sequencing_failing gauge\n");
    out.push_str(&format!(
        "yinxin_log_sequencing_failing {}\n",
        u8::from(l.last_error().is_some())
    ));
    let cosigners = l.cosigner_states();
    if !cosigners.is_empty() {
        out.push_str("# HELP yinxin_log_cosigned_size The largest size of our log a peer's witness cosigned.\n# TYPE yinxin_log_cosigned_size gauge\n");
        out.push_str("# HELP yinxin_log_cosign_failures Failed cosigning requests to a peer's witness in a row.\n# TYPE yinxin_log_cosign_failures gauge\n");
        for (region, st) in cosigners {
            out.push_str(&format!(
                "yinxin_log_cosigned_size{{witness=\"{region}\"}} {}\nyinxin_log_cosign_failures{{witness=\"{region}\"}} {}\n",
                st.cosigned_size, st.failures
            ));
        }
    }
    let peers = s
        .trust
        .as_ref()
        .map(|t| t.federation.peer_logs())
        .unwrap_or_default();
    if !peers.is_empty() {
        out.push_str("# HELP yinxin_witnessed_size The largest size of a peer's log this region's witness cosigned.\n# TYPE yinxin_witnessed_size gauge\n");
        for (region, info) in peers {
            let size = repo
                .witnessed(&info.origin)
                .await
                .ok()
                .flatten()
                .map_or(0, |(s, _)| s);
            out.push_str(&format!(
                "yinxin_witnessed_size{{log=\"{region}\"}} {size}\n"
            ));
        }
    }
    out
}

/// How long an answer waits for its entry's integration into the log.
pub(super) const ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The `transparency` member of an answer that made or changed `object` (its entry of
/// `kind`): the tlog-proof once the entry is integrated (waiting at most [`ANSWER_WAIT`]),
/// else where to fetch it later.
pub(super) async fn answer_proof(s: &AppState, object: &[u8], kind: &str) -> serde_json::Value {
    use serde_json::json;
    let Some(l) = &s.log else {
        return serde_json::Value::Null;
    };
    let sha = crate::crypto::sha256(object);
    let later = format!("/log/proof?kind={kind}&sha256={}", hex::encode(sha));
    match l.wait_for_proof(&sha, kind, ANSWER_WAIT).await {
        Ok(Some(p)) => {
            let size = crate::transparency::note::Note::parse(p.checkpoint.as_bytes())
                .ok()
                .and_then(|n| crate::transparency::checkpoint::Checkpoint::parse(n.text()).ok())
                .map(|c| c.size());
            json!({
                "log": l.origin(),
                "index": p.index,
                "checkpoint_size": size,
                "tlog_proof": p.encode(),
                "proof_url": later,
            })
        }
        Ok(None) => json!({
            "log": l.origin(),
            "status": "pending",
            "detail": "the entry is committed and waits for sequencing; fetch its proof later",
            "proof_url": later,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "transparency proof for an answer");
            json!({"log": l.origin(), "status": "unavailable", "proof_url": later})
        }
    }
}
