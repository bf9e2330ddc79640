//! Checking a whole trail: every row's links recomputed in id order (a page at a time), the
//! store's head compared with the end of the walk, every checkpoint's head compared with the
//! chain at its row and its time-stamp checked for the TSU purpose. The first break found is
//! the answer; a trail is intact only when the whole walk ran.

use super::chain::{GENESIS, link};
use super::checkpoint::{Checkpoint, check};
use super::{AuditTrail, Head};
use crate::pki::repo::RepoError;
use crate::verify::chain::ChainInputs;

const PAGE: u32 = 1000;

/// Where and how a trail is broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// A row's content is not what its hash was made over.
    #[error("audit row {row} was changed after it was written")]
    Changed {
        /// The row's id.
        row: i64,
    },
    /// A row's link to the row before it does not match: a row before it was changed,
    /// removed or moved.
    #[error(
        "audit row {row} does not follow the row before it: a row before {row} was changed, removed or moved"
    )]
    Link {
        /// The row's id.
        row: i64,
    },
    /// Ids of chained rows skip: rows were removed.
    #[error("audit rows {from} to {to} are missing")]
    Missing {
        /// First missing id.
        from: i64,
        /// Last missing id.
        to: i64,
    },
    /// A row without links after chained rows (written around the chain).
    #[error("audit row {row} carries no chain link although rows before it do")]
    Unlinked {
        /// The row's id.
        row: i64,
    },
    /// The store's head is not where the walk ended.
    #[error(
        "the audit trail ends at row {last} but its head names row {head_row}: the last rows were removed or the head was changed"
    )]
    Head {
        /// The last row found.
        last: i64,
        /// The row the head names.
        head_row: i64,
    },
    /// A checkpoint covers rows that are no longer there.
    #[error(
        "a checkpoint covers the trail up to row {size}, but it ends at row {last}: rows were removed"
    )]
    Truncated {
        /// The checkpoint's size.
        size: i64,
        /// The last row found.
        last: i64,
    },
    /// A checkpoint's head is not the chain's hash at its row.
    #[error(
        "the checkpoint at row {size} does not match the trail: rows up to {size} were rewritten"
    )]
    CheckpointMismatch {
        /// The checkpoint's size.
        size: i64,
    },
    /// A checkpoint's time-stamp proves nothing.
    #[error("the checkpoint at row {size} is not proven: {why}")]
    CheckpointUnproven {
        /// The checkpoint's size.
        size: i64,
        /// Why.
        why: String,
    },
}

/// What an intact trail holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailSummary {
    /// Rows walked.
    pub rows: u64,
    /// Of which written before the chain (no stored links; covered by the first link).
    pub unlinked_before_chain: u64,
    /// The last row's id (0: empty).
    pub last: i64,
    /// The chain's hash at the last row (hex).
    pub head: String,
    /// Checkpoints checked.
    pub checkpoints: usize,
    /// The newest checkpoint's size and its proven time (Unix seconds).
    pub newest_checkpoint: Option<(i64, i64)>,
}

/// Walk `trail` of `region` (see the module doc); checkpoints' time-stamps are validated with
/// `inputs`.
pub async fn walk(
    trail: &dyn AuditTrail,
    region: &str,
    inputs: &ChainInputs<'_>,
) -> Result<Result<TrailSummary, Broken>, RepoError> {
    let mut checkpoints = trail.checkpoints().await?;
    checkpoints.sort_by_key(|c| c.size);
    let head = trail.audit_head().await?;
    let mut w = Walk::default();
    let mut after = 0;
    loop {
        let rows = trail.chained_rows(after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.event.id;
        for r in &rows {
            if let Err(b) = w.step(r) {
                return Ok(Err(b));
            }
            if let Err(b) = w.at_checkpoints(&checkpoints) {
                return Ok(Err(b));
            }
        }
    }
    Ok(finish(w, &head, &checkpoints, region, inputs).await)
}

#[derive(Default)]
struct Walk {
    prev: Option<[u8; 32]>,
    last: i64,
    rows: u64,
    unlinked: u64,
    linked: bool,
    /// Checkpoints matched so far (they are sorted by size).
    matched: usize,
}

impl Walk {
    fn step(&mut self, r: &super::ChainedRow) -> Result<(), Broken> {
        let id = r.event.id;
        let prev = self.prev.unwrap_or(GENESIS);
        let computed = link(&prev, &r.event);
        match (&r.prev_hash, &r.hash) {
            (None, None) if !self.linked => self.unlinked += 1,
            (None, None) => return Err(Broken::Unlinked { row: id }),
            (Some(p), Some(h)) => {
                if self.linked && id != self.last + 1 {
                    return Err(Broken::Missing {
                        from: self.last + 1,
                        to: id - 1,
                    });
                }
                if !p.eq_ignore_ascii_case(&hex::encode(prev)) {
                    return Err(Broken::Link { row: id });
                }
                if !h.eq_ignore_ascii_case(&hex::encode(computed)) {
                    return Err(Broken::Changed { row: id });
                }
                self.linked = true;
            }
            _ => return Err(Broken::Changed { row: id }),
        }
        self.prev = Some(computed);
        self.last = id;
        self.rows += 1;
        Ok(())
    }

    /// Compare every checkpoint of the row just walked.
    fn at_checkpoints(&mut self, cps: &[Checkpoint]) -> Result<(), Broken> {
        while let Some(cp) = cps.get(self.matched) {
            if cp.size > self.last {
                break;
            }
            let here = self.prev.map(hex::encode).unwrap_or_default();
            if cp.size < self.last || !cp.head.eq_ignore_ascii_case(&here) {
                // A size between two ids (that row is gone) or another head.
                return Err(Broken::CheckpointMismatch { size: cp.size });
            }
            self.matched += 1;
        }
        Ok(())
    }
}

async fn finish(
    w: Walk,
    head: &Head,
    checkpoints: &[Checkpoint],
    region: &str,
    inputs: &ChainInputs<'_>,
) -> Result<TrailSummary, Broken> {
    if let Some(cp) = checkpoints.get(w.matched) {
        return Err(Broken::Truncated {
            size: cp.size,
            last: w.last,
        });
    }
    let end = w.prev.map(hex::encode).unwrap_or_default();
    let head_ok = head.id == w.last
        && head
            .hash
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&end));
    // A trail that was chained must have a chained head.
    if !head_ok || (w.linked && head.hash.is_none()) {
        return Err(Broken::Head {
            last: w.last,
            head_row: head.id,
        });
    }
    let mut newest = None;
    for cp in checkpoints {
        match check(cp, region, inputs).await {
            Ok(t) => newest = Some((cp.size, t.at())),
            Err(why) => {
                return Err(Broken::CheckpointUnproven { size: cp.size, why });
            }
        }
    }
    Ok(TrailSummary {
        rows: w.rows,
        unlinked_before_chain: w.unlinked,
        last: w.last,
        head: end,
        checkpoints: checkpoints.len(),
        newest_checkpoint: newest,
    })
}
