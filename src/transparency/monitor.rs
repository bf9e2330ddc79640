//! Following a log as a monitor: fetch its checkpoint (verified under the log's key), read the
//! entries appended since the last verified state, recompute the tree from them and the saved
//! right edge of the old tree, and compare with the checkpoint. A checkpoint that does not
//! match the entries appended to what was verified before, a smaller tree, or another root for
//! the same size means the log shows two histories; each new entry is returned for the caller
//! to list (by holder or name) and to check against the region's registry.
//!
//! The state (size, root, right edge: at most 64 hashes) is all a monitor keeps between runs.
//!
//! Owns the monitor's verification; fetches through [`LogSource`], so it names no HTTP type.

use super::checkpoint::CheckpointPolicy;
use super::entry::Entry;
use super::merkle::{self, Hash, NodeId};
use super::tiles::{self, EntryBundle, TILE_WIDTH};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where the monitor reads a log (`path` below the log's URL: `checkpoint`, `tile/…`).
#[async_trait::async_trait]
pub trait LogSource: Send + Sync {
    /// The resource's bytes.
    async fn get(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// What the monitor keeps between runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorState {
    /// The log's origin.
    pub origin: String,
    /// The verified size.
    pub size: u64,
    /// Its root (hex).
    pub root: String,
    /// The right edge of that tree: `(level, index, hash hex)`.
    pub edge: Vec<(u8, u64, String)>,
}

/// A run's outcome.
#[derive(Debug)]
pub struct MonitorRun {
    /// The new state (unchanged when an alarm was raised).
    pub state: MonitorState,
    /// The new entries, with their indexes, in order.
    pub entries: Vec<(u64, Entry)>,
    /// The cosignatures the checkpoint carries (key names).
    pub cosigned_by: Vec<String>,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The log shows two histories (or rewrote its entries).
    #[error("INCONSISTENT: {0}")]
    Inconsistent(String),
    /// The checkpoint does not verify under the log's key.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    /// The log could not be read, or served malformed data.
    #[error("{0}")]
    Fetch(String),
}

/// Most entries one run reads (a first run of a large log goes on in the next).
pub const MAX_ENTRIES_PER_RUN: u64 = 1 << 20;

fn unhex(h: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(h, &mut out).ok()?;
    Some(out)
}

/// One run from `state` (None: the first, from the empty tree).
pub async fn follow(
    source: &dyn LogSource,
    policy: &CheckpointPolicy,
    state: Option<&MonitorState>,
) -> Result<MonitorRun, MonitorError> {
    let text = source
        .get("checkpoint")
        .await
        .map_err(MonitorError::Fetch)?;
    let opened = policy
        .open(&text)
        .map_err(|e| MonitorError::Checkpoint(e.to_string()))?;
    let cp = &opened.checkpoint;
    let cosigned_by = opened.cosignatures.iter().map(|c| c.name.clone()).collect();
    let (old_size, old_root, mut nodes) = match state {
        None => (0, merkle::empty_root(), HashMap::new()),
        Some(s) => {
            let root = unhex(&s.root).ok_or_else(|| MonitorError::Fetch("bad state".into()))?;
            let mut nodes = HashMap::new();
            for (l, i, h) in &s.edge {
                nodes.insert(
                    NodeId::new(*l, *i),
                    unhex(h).ok_or_else(|| MonitorError::Fetch("bad state".into()))?,
                );
            }
            (s.size, root, nodes)
        }
    };
    if cp.size() < old_size {
        return Err(MonitorError::Inconsistent(format!(
            "the log's checkpoint has {} entries, fewer than the {old_size} verified before",
            cp.size()
        )));
    }
    if cp.size() == old_size && *cp.root_hash() != old_root {
        return Err(MonitorError::Inconsistent(format!(
            "two roots for size {old_size}: {} verified before, {} now",
            hex::encode(old_root),
            hex::encode(cp.root_hash())
        )));
    }
    let end = cp.size().min(old_size.saturating_add(MAX_ENTRIES_PER_RUN));
    let mut entries = Vec::new();
    let mut i = old_size;
    while i < end {
        let bundle = EntryBundle::containing(i, cp.size())
            .map_err(|e| MonitorError::Fetch(e.to_string()))?;
        let data = source
            .get(&bundle.path())
            .await
            .map_err(MonitorError::Fetch)?;
        let items = tiles::decode_bundle(&data).map_err(|e| MonitorError::Fetch(e.to_string()))?;
        if items.len() != usize::from(bundle.width()) {
            return Err(MonitorError::Fetch(format!(
                "entry bundle {bundle} holds {} entries",
                items.len()
            )));
        }
        let first = bundle.index() * u64::from(TILE_WIDTH);
        for (k, raw) in items.iter().enumerate() {
            let index = first + k as u64;
            if index < i || index >= end {
                continue;
            }
            let done = merkle::hashes_completed_by(index, merkle::leaf_hash(raw), |l, x| {
                nodes.get(&NodeId::new(l, x)).copied().ok_or("missing")
            })
            .map_err(|e| MonitorError::Fetch(format!("the saved right edge is incomplete: {e}")))?;
            nodes.extend(done);
            let entry = Entry::parse(raw).map_err(|e| {
                MonitorError::Fetch(format!("entry {index} is not a log entry: {e}"))
            })?;
            entries.push((index, entry));
        }
        i = first + u64::from(bundle.width());
    }
    let root = merkle::root(end, |l, x| {
        nodes.get(&NodeId::new(l, x)).copied().ok_or("missing")
    })
    .map_err(|e| MonitorError::Fetch(e.to_string()))?;
    if end == cp.size() && root != *cp.root_hash() {
        return Err(MonitorError::Inconsistent(format!(
            "the checkpoint of size {} has root {}, but the {} entries appended to the tree of size \
             {old_size} verified before give {}: the log shows two histories or rewrote entries",
            cp.size(),
            hex::encode(cp.root_hash()),
            end - old_size,
            hex::encode(root)
        )));
    }
    let edge = merkle::root_nodes(end)
        .into_iter()
        .filter_map(|id| nodes.get(&id).map(|h| (id.level, id.index, hex::encode(h))))
        .collect();
    Ok(MonitorRun {
        state: MonitorState {
            origin: cp.origin().to_string(),
            size: end,
            root: hex::encode(root),
            edge,
        },
        entries,
        cosigned_by,
    })
}
