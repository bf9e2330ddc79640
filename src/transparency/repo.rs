//! What the log needs from storage ([`LogRepository`]), in the log's own types: the store
//! implements it over SQL; the log service ([`super::log`]) never names a database type.
//!
//! Owns the storage contract; must not import `sqlx` or `axum`.

use super::merkle::{Hash, NodeId};
use crate::pki::repo::RepoError;

/// An entry waiting for sequencing, with the kind and object hash it was queued under (so that
/// the sequencer need not read the record again).
#[derive(Clone, Debug)]
pub struct Pending {
    /// Sequence number of the queue.
    pub seq: i64,
    /// The entry's kind.
    pub kind: String,
    /// SHA-256 of its object, hex.
    pub object_sha256: String,
    /// The canonical bytes.
    pub entry: Vec<u8>,
}

/// One integration step: the pending entries read (their sequence numbers), their indexes
/// from `old_size` on, the tree hashes they complete and the checkpoint of the new tree.
#[derive(Clone, Debug)]
pub struct Integration {
    /// The tree size the step starts from (the head must still be there).
    pub old_size: u64,
    /// The pending rows consumed, by sequence number.
    pub pending: Vec<i64>,
    /// `(index, kind, object SHA-256 hex, canonical bytes)`, in index order from `old_size`.
    pub entries: Vec<(u64, String, String, Vec<u8>)>,
    /// Every tree node the entries complete.
    pub hashes: Vec<(NodeId, Hash)>,
    /// The new size.
    pub new_size: u64,
    /// When the checkpoint was signed (Unix seconds).
    pub at: i64,
    /// The signed checkpoint of the new tree (log key and SM2 key signatures).
    pub checkpoint: String,
    /// Whether the checkpoint is also kept in the checkpoint history (the head always holds
    /// the latest).
    pub keep: bool,
}

/// A stored checkpoint with the witnesses' cosignature lines collected for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Unix seconds it was signed.
    pub at: i64,
    /// The signed note as the log signed it.
    pub note: String,
    /// Cosignature lines (`— name base64`), one per witness.
    pub cosignatures: Vec<String>,
}

impl StoredCheckpoint {
    /// The note with the cosignatures appended (signature lines are unordered in a note).
    pub fn with_cosignatures(&self) -> String {
        let mut s = self.note.clone();
        for line in &self.cosignatures {
            s.push_str(line.trim_end_matches('\n'));
            s.push('\n');
        }
        s
    }
}

/// The log's storage.
#[async_trait::async_trait]
pub trait LogRepository: Send + Sync {
    /// The integrated size (the head).
    async fn log_size(&self) -> Result<u64, RepoError>;
    /// How many entries are pending.
    async fn log_pending_count(&self) -> Result<u64, RepoError>;
    /// Up to `limit` pending entries, oldest first.
    async fn log_pending(&self, limit: u32) -> Result<Vec<Pending>, RepoError>;
    /// The stored hashes of `nodes`, in order (`None` for one not stored).
    async fn log_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Option<Hash>>, RepoError>;
    /// Commit `step` in one transaction: move the head from `old_size` to `new_size`, store
    /// entries, hashes and checkpoint, delete the pending rows. `Ok(false)` (nothing stored)
    /// when the head is no longer at `old_size` or a pending row was already taken.
    async fn log_integrate(&self, step: &Integration) -> Result<bool, RepoError>;
    /// The first entry about `object_sha256` (hex) of `kind`: `(index, canonical bytes)`.
    async fn log_lookup(
        &self,
        object_sha256: &str,
        kind: &str,
    ) -> Result<Option<(u64, Vec<u8>)>, RepoError>;
    /// The head's checkpoint: the latest signed, kept or not.
    async fn log_head_checkpoint(&self) -> Result<Option<StoredCheckpoint>, RepoError>;
    /// The kept checkpoint of the largest tree.
    async fn log_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, RepoError>;
    /// Among the kept checkpoints of trees larger than `above`, the one with the most
    /// cosignatures (the larger tree on a tie).
    async fn log_best_checkpoint(&self, above: u64) -> Result<Option<StoredCheckpoint>, RepoError>;
    /// Keep `cp` (the head's) in the history; one already kept is left as it is.
    async fn log_keep_checkpoint(&self, cp: &StoredCheckpoint) -> Result<(), RepoError>;
    /// The checkpoint of size `size`.
    async fn log_checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, RepoError>;
    /// The hashes at tree level `level` from index `from`, at most `count`, in order.
    async fn log_level_hashes(
        &self,
        level: u8,
        from: u64,
        count: u16,
    ) -> Result<Vec<Hash>, RepoError>;
    /// The entries from index `from`, at most `count`, in order.
    async fn log_entries(&self, from: u64, count: u16) -> Result<Vec<Vec<u8>>, RepoError>;
    /// Keep a witness's cosignature line of the checkpoint of size `size` (one per witness
    /// and size; a second is ignored).
    async fn log_add_cosignature(
        &self,
        size: u64,
        witness: &str,
        line: &str,
    ) -> Result<(), RepoError>;
    /// The largest size `witness` cosigned (0 when none).
    async fn log_cosigned_size(&self, witness: &str) -> Result<u64, RepoError>;
    /// As a witness: the latest `(size, root)` cosigned for the log `origin`.
    async fn witnessed(&self, origin: &str) -> Result<Option<(u64, Hash)>, RepoError>;
    /// As a witness: move the state of `origin` from `old` (`None`: no state yet) to
    /// `(size, root)`; `Ok(false)` when another request moved it first.
    async fn set_witnessed(
        &self,
        origin: &str,
        old: Option<u64>,
        size: u64,
        root: &Hash,
        at: i64,
    ) -> Result<bool, RepoError>;
}
