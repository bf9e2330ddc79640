//! The tamper-evident audit trail. Every audit row carries the SHA-256 of the row before it
//! (its canonical form, see [`chain`]): a row changed, removed or moved breaks the chain at
//! that row. Because anyone with the database could recompute a keyless chain, the head is
//! also fixed from time to time in a **checkpoint** ([`checkpoint`]): the row count and the
//! head hash, time-stamped by the region's TSA (RFC 3161), so that rewriting history before a
//! checkpoint needs the TSU's key. [`verify`] walks a whole trail page by page.
//!
//! Owns: the canonical form, the chain rule, checkpoints and the walk. Must not import HTTP or
//! SQL types, `api`, `store` or `cli`; the store implements [`AuditTrail`].

pub mod chain;
pub mod checkpoint;
pub mod verify;

pub use chain::{ChainedRow, GENESIS, canonical, link};
pub use checkpoint::Checkpoint;
pub use verify::{Broken, TrailSummary, walk};

use crate::pki::repo::RepoError;

/// The end of the chain as the store keeps it: the last row's id and hash (`None` until the
/// first row appended by a chaining version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Id of the last row.
    pub id: i64,
    /// Its hash (hex), if chained.
    pub hash: Option<String>,
}

/// What the store offers the audit trail's checks.
#[async_trait::async_trait]
pub trait AuditTrail: Send + Sync {
    /// Rows with id greater than `after`, in id order, at most `limit` (1..=1000).
    async fn chained_rows(&self, after: i64, limit: u32) -> Result<Vec<ChainedRow>, RepoError>;
    /// The head.
    async fn audit_head(&self) -> Result<Head, RepoError>;
    /// Keep a checkpoint (a checkpoint of a size already kept is refused as a conflict).
    async fn add_checkpoint(&self, cp: &Checkpoint) -> Result<(), RepoError>;
    /// The checkpoints, by size.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, RepoError>;
}
