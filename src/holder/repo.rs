//! The holder side's storage: sessions, grants, and the holder's history (every sign-in,
//! showing, grant, withdrawal, exchange and lookup by duty, which the holder can read; each is
//! also a line of the audit log, without personal data).
//!
//! Owns the interface; `crate::store::holders` implements it. Must not import SQL types.

use super::grant::{GrantRecord, Refusal};
use super::session::SessionRecord;

/// What happened, as the holder's history lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HolderEvent {
    /// Sequence number (assigned by the store).
    pub id: i64,
    /// The holder.
    #[serde(skip)]
    pub holder_hash: String,
    /// Unix seconds.
    pub at: i64,
    /// `sign-in`, `show`, `grant`, `withdraw`, `exchange`, `exchange-refused`, `duty-lookup`.
    pub kind: String,
    /// The licence concerned.
    pub licence: Option<String>,
    /// The agency concerned (credit code).
    pub agency: Option<String>,
    /// The grant concerned.
    pub grant: Option<String>,
    /// What the holder is told: the service item and case, a refusal's reason, a lookup's
    /// legal basis and reason.
    pub detail: String,
    /// Who acted, as the audit log names it (`holder`, `token:<id>`).
    pub actor: String,
}

impl HolderEvent {
    /// An event (id assigned when stored).
    pub fn new(holder_hash: &str, at: i64, kind: &str, actor: &str) -> HolderEvent {
        HolderEvent {
            id: 0,
            holder_hash: holder_hash.to_string(),
            at,
            kind: kind.to_string(),
            licence: None,
            agency: None,
            grant: None,
            detail: String::new(),
            actor: actor.to_string(),
        }
    }
}

/// Storage failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("holder storage: {0}")]
pub struct HolderStoreError(pub String);

/// The holder side's storage. Each method that takes an event writes it, and its audit line,
/// in the same transaction as the change.
#[async_trait::async_trait]
pub trait HolderRepository: Send + Sync {
    /// Store a new session and its `sign-in` event.
    async fn create_session(
        &self,
        s: &SessionRecord,
        event: &HolderEvent,
    ) -> Result<(), HolderStoreError>;
    /// The session with this hash, if it has not ended at `now`.
    async fn session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRecord>, HolderStoreError>;
    /// End a session (sign-out). Also removes every session ended before `now`.
    async fn end_session(&self, id_hash: &str, now: i64) -> Result<(), HolderStoreError>;

    /// Store a grant and its `grant` event.
    async fn insert_grant(
        &self,
        g: &GrantRecord,
        event: &HolderEvent,
    ) -> Result<(), HolderStoreError>;
    /// The holder's grants, newest first, at most `limit`.
    async fn grants_of(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<GrantRecord>, HolderStoreError>;
    /// Withdraw the holder's grant `id` at `at` with its `withdraw` event: false when the
    /// holder has no such grant or it was already withdrawn (nothing written then).
    async fn withdraw_grant(
        &self,
        holder_hash: &str,
        id: &str,
        at: i64,
        event: &HolderEvent,
    ) -> Result<bool, HolderStoreError>;
    /// Use the grant with this code hash for `agency` at `now`: atomically, when
    /// [`super::grant::refusal`] finds nothing, count one use and write `used` (its holder,
    /// licence and grant filled in by the store) and return the grant as it is after the use;
    /// otherwise write `refused` (when the code is known: the holder's history shows refusals
    /// too) with the reason in its detail and return the reason.
    async fn use_grant(
        &self,
        code_hash: &str,
        agency: &str,
        now: i64,
        used: &HolderEvent,
        refused: &HolderEvent,
    ) -> Result<Result<GrantRecord, Refusal>, HolderStoreError>;

    /// Append an event (a showing, a lookup by duty).
    async fn append_event(&self, event: &HolderEvent) -> Result<(), HolderStoreError>;
    /// The holder's history, newest first, at most `limit`.
    async fn events_of(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<HolderEvent>, HolderStoreError>;
}
