//! Mutual recognition across regions (互认): this region's signed trust list, the peers it
//! recognizes (`policies/trust.toml`), federation sync of their lists with pinning, rollback
//! and expiry checks, the recognition of peer-anchored chains (which region, which list,
//! which service, which assurance level), and fetching peers' revocation data only from the
//! supply points their lists name; for relying parties (`yinxin verify --fetch-revocation`),
//! fetching issuers (caIssuers), revocation data and signed seal statuses only from the URL
//! bases they allow ([`relying`]). No HTTP server or SQL types here: `api` serves it and
//! `store` persists it through [`TrustRepository`].

pub mod aia;
pub mod fetch;
pub mod licences;
pub mod list;
pub mod offline;
pub mod peers;
pub mod publish;
pub mod relying;

use crate::pki::repo::{AuditEvent, RepoError};

/// A published version of this region's list.
#[derive(Clone, Debug)]
pub struct OwnList {
    /// Sequence number.
    pub sequence: u64,
    /// Issue time (Unix seconds).
    pub issued_at: i64,
    /// nextUpdate (Unix seconds).
    pub next_update: i64,
    /// Canonical JSON.
    pub content: String,
    /// Signed with the SM2 trust-list signer (CMS DER).
    pub signed_sm2: Vec<u8>,
    /// Signed with the P-256 trust-list signer (CMS DER).
    pub signed_p256: Vec<u8>,
}

/// A stored version of a peer's list.
#[derive(Clone, Debug)]
pub struct PeerListRecord {
    /// Peer region code.
    pub region: String,
    /// Sequence number.
    pub sequence: u64,
    /// Issue time.
    pub issued_at: i64,
    /// nextUpdate.
    pub next_update: i64,
    /// When we fetched it.
    pub fetched_at: i64,
    /// The signed list as received.
    pub signed: Vec<u8>,
}

/// Persistence of trust lists (own versions and every accepted peer version).
#[async_trait::async_trait]
pub trait TrustRepository: Send + Sync {
    /// The newest own list.
    async fn latest_own_list(&self) -> Result<Option<OwnList>, RepoError>;
    /// Store a new own version; `false` when that sequence number exists already (another
    /// process published concurrently: rebuild and retry).
    async fn insert_own_list(&self, l: &OwnList, audit: &AuditEvent) -> Result<bool, RepoError>;
    /// Store an accepted peer version (an existing (region, sequence) is left as it is).
    async fn insert_peer_list(&self, r: &PeerListRecord) -> Result<(), RepoError>;
    /// Every stored version of a peer's list, oldest first.
    async fn peer_lists(&self, region: &str) -> Result<Vec<PeerListRecord>, RepoError>;
}
