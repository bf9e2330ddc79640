//! What the certification core keeps, as domain records, and the [`Repository`] interface
//! through which it keeps them. `store` implements it over SQLite or PostgreSQL; nothing here
//! knows about SQL.

use crate::crypto::Algorithm;
use serde::{Deserialize, Serialize};

/// Storage errors, in domain terms.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RepoError {
    /// A unique constraint was hit (e.g. duplicate serial number).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend failed (connection, I/O, constraint other than uniqueness).
    #[error("database: {0}")]
    Backend(String),
}

/// The words every error caused by an unreachable database carries (the store puts them in
/// the message, whichever error type wraps it): the API answers those with 503 and
/// `Retry-After` instead of 500 — the database is restarting or out of reach, not broken.
pub const DATABASE_UNAVAILABLE: &str = "the database is unavailable";

/// The region a data directory serves.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegionRecord {
    /// Region code (e.g. `440000` or `demo`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// Role of a CA certificate.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CaRole {
    /// Self-signed root.
    Root,
    /// Issuing CA under the root (pathLen 0).
    Issuing,
}

impl CaRole {
    /// `root` / `issuing`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaRole::Root => "root",
            CaRole::Issuing => "issuing",
        }
    }
    /// Parse.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "root" => Some(CaRole::Root),
            "issuing" => Some(CaRole::Issuing),
            _ => None,
        }
    }
}

/// A CA of the region.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaRecord {
    /// Identifier, `{algorithm}-{role}` (e.g. `sm2-issuing`); also the key id.
    pub id: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Role.
    pub role: CaRole,
    /// Parent CA id (None for a root).
    pub parent_id: Option<String>,
    /// Subject DN (display form).
    pub subject: String,
    /// Serial (upper-case hex).
    pub serial: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Subject key identifier (hex).
    pub ski: String,
    /// Key store id of its private key.
    pub key_id: String,
    /// Certificate DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
}

/// Revocation status of a certificate.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CertStatus {
    /// Good.
    Valid,
    /// Revoked.
    Revoked,
    /// On hold (certificateHold).
    Hold,
}

impl CertStatus {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Revoked => "revoked",
            CertStatus::Hold => "hold",
        }
    }
    /// Parse.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "valid" => Some(CertStatus::Valid),
            "revoked" => Some(CertStatus::Revoked),
            "hold" => Some(CertStatus::Hold),
            _ => None,
        }
    }
}

/// An issued certificate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CertificateRecord {
    /// Serial number, upper-case hex (as `openssl x509 -serial` prints it).
    pub serial: String,
    /// Issuing CA id.
    pub issuer_ca: String,
    /// Profile name.
    pub profile: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Subject DN (display form).
    pub subject: String,
    /// Holder identifier (hashed for persons).
    pub holder_id: String,
    /// Owning organization's credit code, for organization and device certificates.
    pub organization: Option<String>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Status.
    pub status: CertStatus,
    /// Revocation time, Unix seconds.
    pub revoked_at: Option<i64>,
    /// RFC 5280 reason code.
    pub revocation_reason: Option<i64>,
    /// Invalidity date (when the key is known or suspected to have been compromised).
    #[serde(default)]
    pub invalidity_date: Option<i64>,
    /// Certificate DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

impl CertificateRecord {
    /// The record as the API and the command line show it (JSON): times in RFC 3339, the
    /// certificate itself, the invalidity date and the creation time left out.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "serial": self.serial,
            "issuer_ca": self.issuer_ca,
            "profile": self.profile,
            "algorithm": self.algorithm,
            "subject": self.subject,
            "holder": self.holder_id,
            "organization": self.organization,
            "not_before": crate::clock::rfc3339(self.not_before),
            "not_after": crate::clock::rfc3339(self.not_after),
            "status": self.status,
            "revoked_at": self.revoked_at.map(crate::clock::rfc3339),
            "revocation_reason": self.revocation_reason,
        })
    }
}

/// A service credential of the region (OCSP signer, TSA, seal maker) per algorithm.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// Name, `{algorithm}-{profile}` (e.g. `sm2-ocsp-signer`); also the key id.
    pub name: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Profile (`ocsp-signer`, `tsa`, `seal-maker`).
    pub profile: String,
    /// Serial of its certificate.
    pub serial: String,
    /// Key store id.
    pub key_id: String,
}

/// One line of the append-only audit log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEvent {
    /// Sequence number (assigned by the store).
    pub id: i64,
    /// Time, Unix milliseconds.
    pub at: i64,
    /// Who (e.g. `cli:root`, `token:<id>`).
    pub actor: String,
    /// What (e.g. `certificate.issue`).
    pub action: String,
    /// On what (e.g. a serial).
    pub object: String,
    /// `success` or `rejected` / `failed`.
    pub outcome: String,
    /// Non-personal detail.
    pub detail: String,
    /// The transparency log entry recording the object this event made or changed, appended
    /// (pending sequencing) in the same transaction as the event; not part of the audit row.
    #[serde(skip)]
    pub log: Option<crate::transparency::entry::Entry>,
}

impl AuditEvent {
    /// A new event stamped now.
    pub fn now(actor: &str, action: &str, object: &str, outcome: &str, detail: &str) -> Self {
        AuditEvent {
            id: 0,
            at: crate::clock::now_millis(),
            actor: actor.into(),
            action: action.into(),
            object: object.into(),
            outcome: outcome.into(),
            detail: detail.into(),
            log: None,
        }
    }

    /// The event with the transparency log entry of its object.
    pub fn logged(mut self, entry: crate::transparency::entry::Entry) -> Self {
        self.log = Some(entry);
        self
    }
}

/// Filter for listing certificates (cursor pagination by serial).
#[derive(Clone, Debug, Default)]
pub struct CertificateFilter {
    /// Only this profile.
    pub profile: Option<String>,
    /// Only this status.
    pub status: Option<CertStatus>,
    /// Only this holder identifier.
    pub holder: Option<String>,
    /// Only this organization.
    pub organization: Option<String>,
    /// Serials strictly greater than this.
    pub after: Option<String>,
    /// At most this many (1..=1000).
    pub limit: u32,
}

/// Everything `yinxin init` writes to the database, in one transaction.
#[derive(Clone, Debug)]
pub struct RegionBootstrap {
    /// The region.
    pub region: RegionRecord,
    /// Its CAs, roots first.
    pub cas: Vec<CaRecord>,
    /// Service certificates.
    pub certificates: Vec<CertificateRecord>,
    /// Service credentials.
    pub services: Vec<ServiceRecord>,
    /// Audit events.
    pub audit: Vec<AuditEvent>,
}

/// The CA of `alg` and `role` that signs now: the latest generation (`{alg}-{role}` is the
/// first, `…-g{n}` the n-th, as the CA lifecycle names them), then the one created last.
/// After a rollover the new CA issues, the older ones keep their CRLs and OCSP. The
/// generation comes first so that a host clock set back cannot make an old CA current.
pub fn current_ca(cas: &[CaRecord], alg: Algorithm, role: CaRole) -> Option<&CaRecord> {
    cas.iter()
        .filter(|c| c.algorithm == alg && c.role == role)
        .max_by_key(|c| (generation(&c.id), c.created_at, c.not_before))
}

/// The generation of a CA id: `n` for `…-g{n}`, else 1.
pub fn generation(id: &str) -> u32 {
    id.rsplit_once("-g")
        .and_then(|(_, n)| n.parse::<u32>().ok())
        .unwrap_or(1)
}

/// CAs added to a running region (issuing-CA renewal, root rollover), with the service
/// credentials they certify and the audit events, written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct CaAddition {
    /// New CAs, roots first.
    pub cas: Vec<CaRecord>,
    /// Service certificates.
    pub certificates: Vec<CertificateRecord>,
    /// Service credentials.
    pub services: Vec<ServiceRecord>,
    /// Audit events.
    pub audit: Vec<AuditEvent>,
}

/// The persistence interface of the certification core.
#[async_trait::async_trait]
pub trait Repository: Send + Sync {
    /// The region, if one was created.
    async fn region(&self) -> Result<Option<RegionRecord>, RepoError>;
    /// Write a whole new region in one transaction; `Conflict` if one exists.
    async fn bootstrap_region(&self, b: &RegionBootstrap) -> Result<(), RepoError>;
    /// All CAs.
    async fn cas(&self) -> Result<Vec<CaRecord>, RepoError>;
    /// Add CAs, their service credentials and audit events atomically (CA lifecycle).
    async fn add_cas(&self, a: &CaAddition) -> Result<(), RepoError>;
    /// All service credentials.
    async fn services(&self) -> Result<Vec<ServiceRecord>, RepoError>;
    /// Store a certificate and its audit event in one transaction. `Conflict` on a duplicate serial.
    async fn insert_certificate(
        &self,
        cert: &CertificateRecord,
        audit: &AuditEvent,
    ) -> Result<(), RepoError>;
    /// A certificate by serial (upper-case hex).
    async fn certificate(&self, serial: &str) -> Result<Option<CertificateRecord>, RepoError>;
    /// Certificates matching a filter, ordered by serial.
    async fn certificates(
        &self,
        filter: &CertificateFilter,
    ) -> Result<Vec<CertificateRecord>, RepoError>;
    /// Append an audit event.
    async fn append_audit(&self, e: &AuditEvent) -> Result<(), RepoError>;
    /// Audit events with id greater than `after`, oldest first.
    async fn audit(&self, after: i64, limit: u32) -> Result<Vec<AuditEvent>, RepoError>;
    /// Atomically move a certificate to `status` (revoked or hold) with `reason` at `at`,
    /// writing `audit` in the same transaction when it changes. Allowed moves: valid → revoked,
    /// valid → hold, hold → revoked. Repeating the same move is `Unchanged`.
    async fn revoke(
        &self,
        change: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError>;
    /// Atomically move a certificate from hold back to valid (recording `released_at`), with
    /// its audit event. Valid already: `Unchanged`; revoked: `Conflict`.
    async fn release(
        &self,
        serial: &str,
        at: i64,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError>;
}

/// A requested status move (revocation or hold).
#[derive(Clone, Debug)]
pub struct StatusChange {
    /// Serial (upper-case hex).
    pub serial: String,
    /// Target status (revoked or hold).
    pub status: CertStatus,
    /// RFC 5280 reason code.
    pub reason: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Invalidity date, Unix seconds.
    pub invalidity_date: Option<i64>,
}

/// The result of a revocation attempt at the storage level.
#[derive(Clone, Debug)]
pub enum RevokeOutcome {
    /// The status changed; here is the new record.
    Changed(CertificateRecord),
    /// Already in exactly the requested state (idempotent repeat).
    Unchanged(CertificateRecord),
    /// In another, incompatible state (e.g. revoked with another reason).
    Conflict(CertificateRecord),
    /// No such certificate.
    NotFound,
}

/// Token persistence.
#[async_trait::async_trait]
pub trait TokenRepository: Send + Sync {
    /// Store a new token (hash only) with its audit event.
    async fn insert_token(
        &self,
        t: &crate::auth::TokenRecord,
        audit: &AuditEvent,
    ) -> Result<(), RepoError>;
    /// Find a token by the SHA-256 of its secret.
    async fn token_by_hash(
        &self,
        hash: &str,
    ) -> Result<Option<crate::auth::TokenRecord>, RepoError>;
    /// Revoke a token; false if there is no such token.
    async fn revoke_token(&self, id: &str, at: i64, audit: &AuditEvent) -> Result<bool, RepoError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca(id: &str, created_at: i64) -> CaRecord {
        CaRecord {
            id: id.into(),
            algorithm: Algorithm::P256,
            role: CaRole::Issuing,
            parent_id: None,
            subject: String::new(),
            serial: String::new(),
            not_before: created_at,
            not_after: created_at + 1,
            ski: String::new(),
            key_id: id.into(),
            der: vec![],
            created_at,
        }
    }

    #[test]
    fn the_current_ca_is_the_latest_generation_whatever_the_clock_said() {
        assert_eq!(generation("p256-issuing"), 1);
        assert_eq!(generation("p256-issuing-g2"), 2);
        assert_eq!(generation("p256-issuing-g10"), 10);
        // g10 made on a host whose clock was behind still beats g9 and the first.
        let cas = vec![
            ca("p256-issuing", 1_000),
            ca("p256-issuing-g9", 9_000),
            ca("p256-issuing-g10", 500),
        ];
        let cur = current_ca(&cas, Algorithm::P256, CaRole::Issuing).unwrap();
        assert_eq!(cur.id, "p256-issuing-g10");
        assert!(current_ca(&cas, Algorithm::Sm2, CaRole::Issuing).is_none());
        assert!(current_ca(&cas, Algorithm::P256, CaRole::Root).is_none());
    }
}
