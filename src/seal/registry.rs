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
