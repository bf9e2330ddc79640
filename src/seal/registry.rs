//! The seal registry's model: a registered seal (its DER, status and dates) and the
//! repository interface through which the service and the verifier read and change it
//! (implemented by `store`). Must not import HTTP or SQL types.

use crate::pki::repo::{AuditEvent, RepoError};
use serde::Serialize;

/// Status of a registered seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealStatus {
    /// Usable.
    Active,
    /// Temporarily not usable.
    Suspended,
    /// Permanently withdrawn.
    Revoked,
}

impl SealStatus {
    /// Name.
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Active => "active",
            SealStatus::Suspended => "suspended",
            SealStatus::Revoked => "revoked",
        }
    }
    /// Parse.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(SealStatus::Active),
            "suspended" => Some(SealStatus::Suspended),
            "revoked" => Some(SealStatus::Revoked),
            _ => None,
        }
    }
}

/// A registered seal.
#[derive(Clone, Debug, Serialize)]
pub struct SealRecord {
    /// esID.
    pub id: String,
    /// Holder in its stored form (see [`super::holder`]): the credit code of an organization,
    /// the salted hash of a person's identity number (rows made before holders were checked may
    /// hold other text).
    pub holder: String,
    /// Seal type key.
    pub seal_type: String,
    /// Name on the seal.
    pub name: String,
    /// Status.
    pub status: SealStatus,
    /// validStart.
    pub valid_start: i64,
    /// validEnd.
    pub valid_end: i64,
    /// Serials of the certificates allowed to stamp.
    pub signer_serials: Vec<String>,
    /// The SESeal DER (`.esl`).
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Created.
    pub created_at: i64,
}

/// Seal registry storage.
#[async_trait::async_trait]
pub trait SealRepository: Send + Sync {
    /// Register a new seal with its audit event.
    async fn insert_seal(&self, s: &SealRecord, audit: &AuditEvent) -> Result<(), RepoError>;
    /// A seal by esID.
    async fn seal(&self, id: &str) -> Result<Option<SealRecord>, RepoError>;
    /// Seals of a holder (all when None).
    async fn seals(&self, holder: Option<&str>) -> Result<Vec<SealRecord>, RepoError>;
    /// Change a seal's status (history and audit in the same transaction); false if absent.
    async fn set_seal_status(
        &self,
        id: &str,
        status: SealStatus,
        audit: &AuditEvent,
    ) -> Result<bool, RepoError>;
}

impl SealRecord {
    /// The transparency log entry of an event of this seal (`seal.make`, `seal.suspend`,
    /// `seal.revoke`): the seal by the hash of its DER, its holder in stored form, and for an
    /// organization's seal (holder a credit code) the name on the seal; a person's seal is not
    /// named in the log.
    pub fn log_entry(&self, kind: &str, at: i64) -> crate::transparency::entry::Entry {
        let entry = crate::transparency::entry::Entry::new(kind, at, &self.id, &self.der)
            .holder(Some(&self.holder));
        if crate::pki::identifiers::check_credit_code(&self.holder).is_ok() {
            entry.name(Some(&self.name))
        } else {
            entry
        }
    }
}

impl SealStatus {
    /// The transparency log entry kind of a change to this status.
    pub fn log_kind(self) -> &'static str {
        match self {
            SealStatus::Active => "seal.resume",
            SealStatus::Suspended => "seal.suspend",
            SealStatus::Revoked => "seal.revoke",
        }
    }
}
