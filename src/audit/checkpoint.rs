//! Checkpoints: "the trail up to and including row `size` has head `head`", time-stamped by
//! the region's TSA. The time-stamp token's imprint is SHA-256 of the [`statement`] (a few
//! lines of text naming the region, the size and the head), and it counts only when its TSU
//! certificate validates *for the TSU purpose* to the region's anchors ([`check`]) — a
//! checkpoint stamped by any other TSA proves nothing.

use super::AuditTrail;
use crate::pki::repo::RepoError;
use crate::status::tsa::TsaService;
use crate::status::tsp;
use crate::verify::chain::ChainInputs;
use crate::verify::timestamp::{ProvenTime, prove};

/// A checkpoint as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The id of the last row it covers.
    pub size: i64,
    /// The chain's hash at that row (hex).
    pub head: String,
    /// When it was made, Unix milliseconds (as the maker's clock says; the token's genTime is
    /// the proven time).
    pub at: i64,
    /// The RFC 3161 time-stamp token (DER) over SHA-256 of the [`statement`].
    pub token: Vec<u8>,
}

/// The bytes a checkpoint's time-stamp covers.
pub fn statement(region: &str, size: i64, head: &str) -> Vec<u8> {
    format!("yinxin audit checkpoint v1\nregion {region}\nsize {size}\nhead {head}\n").into_bytes()
}

/// Why no checkpoint was made.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// The TSA gave no token.
    #[error("the time-stamping unit gave no token: {0}")]
    Tsa(String),
}

/// Make a checkpoint of the current head with `tsa` and keep it — unless the trail is empty,
/// not yet chained, or a checkpoint of this size exists (then `None`).
pub async fn make(
    trail: &dyn AuditTrail,
    region: &str,
    tsa: &TsaService,
    now_ms: i64,
) -> Result<Option<Checkpoint>, CheckpointError> {
    let head = trail.audit_head().await?;
    let Some(hash) = head.hash else {
        return Ok(None);
    };
    if trail.checkpoints().await?.iter().any(|c| c.size == head.id) {
        return Ok(None);
    }
    let text = statement(region, head.id, &hash);
    let req = tsp::build_request(
        tsp::TsHash::Sha256,
        &tsp::TsHash::Sha256.digest(&text),
        None,
        true,
    )
    .map_err(|e| CheckpointError::Tsa(e.to_string()))?;
    let resp = tsa.respond(&req).await;
    let parsed = tsp::parse_response(&resp).map_err(|e| CheckpointError::Tsa(e.to_string()))?;
    let failures = parsed.failures();
    let token = parsed
        .token
        .map(|t| t.der)
        .ok_or_else(|| CheckpointError::Tsa(format!("refused: {failures:?}")))?;
    let cp = Checkpoint {
        size: head.id,
        head: hash,
        at: now_ms,
        token,
    };
    match trail.add_checkpoint(&cp).await {
        Ok(()) => Ok(Some(cp)),
        // Another process made the same checkpoint meanwhile.
        Err(RepoError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `cp`'s token proves its statement for `region`, by a TSU valid for that purpose.
pub async fn check(
    cp: &Checkpoint,
    region: &str,
    inputs: &ChainInputs<'_>,
) -> Result<ProvenTime, String> {
    prove(&cp.token, &statement(region, cp.size, &cp.head), inputs)
        .await
        .proof
        .map_err(|e| e.to_string())
}
