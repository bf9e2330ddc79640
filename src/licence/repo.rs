//! The licence registry's storage interface: the rows the registry keeps (one per version of a
//! licence, and one per lifecycle event), and the [`LicenceRepository`] through which the
//! licence service writes and reads them (implemented over SQL by `store`).
//!
//! Every change is a check-and-set on the stored status, made in one transaction with its
//! event; nothing is ever deleted. Uniqueness (identifier, the issuer's external key, the
//! issuer's type/serial/version) is the store's to enforce: a clash is
//! [`LicenceStoreError::Duplicate`], naming which, so that callers can make retries idempotent.
//!
//! Owns the row types, the repository trait and its error; must not import HTTP or SQL types,
//! the store, `api`, `app` or `cli`.

use super::record::{Event, Status};
use std::fmt;

/// One version of a licence as stored. The store keeps `data` and `data_signature` opaque.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceRow {
    /// This version's identifier (GB/T 36904, with its check character); primary key.
    pub identifier: String,
    /// The lineage shared by every version of one licence
    /// ([`super::identifier::LicenceId::lineage`]: the identifier without version and check).
    pub lineage: String,
    /// Kind key (`policies/licences/<kind>.toml`).
    pub kind: String,
    /// GB/T 36904 type code.
    pub type_code: String,
    /// Issuing agency's unified social credit code.
    pub issuer_code: String,
    /// Issuing agency's name as printed.
    pub issuer_name: String,
    /// Serial within (issuer, type), as in the identifier.
    pub serial: String,
    /// Edition, 1 for the first.
    pub version: u16,
    /// Holder's name as printed.
    pub holder_name: String,
    /// Salted hash of a person's identity number ([`crate::pki::subject::HolderHasher`]), or
    /// an organization's credit code: never a person's number in clear.
    pub holder_hash: String,
    /// Licence number (ZZBH).
    pub number: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Valid from, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Valid to, `YYYY-MM-DD`; `None` for long-term.
    pub valid_to: Option<String>,
    /// Status of this version.
    pub status: Status,
    /// The identifier of the version that replaced this one.
    pub superseded_by: Option<String>,
    /// The reason given with the last status change (suspension, revocation).
    pub status_reason: Option<String>,
    /// The issuer's key for idempotent retries and bulk imports (unique per issuer).
    pub external_key: Option<String>,
    /// The service's serialized values (opaque to the store).
    pub data: Vec<u8>,
    /// The CMS signature (DER) over the canonical data.
    pub data_signature: Vec<u8>,
    /// SHA-256 (lower-case hex) of the sealed OFD: its key in the [`super::blobs::BlobStore`].
    pub document_sha256: String,
    /// When issued, Unix seconds.
    pub issued_at: i64,
    /// When last changed, Unix seconds.
    pub updated_at: i64,
    /// The QR text printed on the face (`None` for rows stored before it was kept).
    pub qr_text: Option<String>,
}

/// One lifecycle event of a licence version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceEventRow {
    /// The identifier of the version the event is about.
    pub licence: String,
    /// The event.
    pub event: Event,
    /// Who (e.g. `token:<id>`, `cli:root`).
    pub actor: String,
    /// The reason given (revocation, suspension).
    pub reason: Option<String>,
    /// When, Unix seconds.
    pub at: i64,
}

/// The event whose [`Event::name`] is `name` (reading stored events back).
pub fn event_named(name: &str) -> Option<Event> {
    [
        Event::Issue,
        Event::Suspend,
        Event::Resume,
        Event::Revoke,
        Event::Supersede,
    ]
    .into_iter()
    .find(|e| e.name() == name)
}

/// Which uniqueness rule a new row broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// The identifier is taken.
    Identifier,
    /// The issuer already used this external key.
    ExternalKey,
    /// The issuer already has this type, serial and version.
    SerialVersion,
}

impl fmt::Display for Unique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unique::Identifier => "identifier",
            Unique::ExternalKey => "external key",
            Unique::SerialVersion => "serial and version",
        })
    }
}

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LicenceStoreError {
    /// A row with the same identifier, external key or serial and version exists.
    #[error("a licence with this {what} already exists")]
    Duplicate {
        /// Which rule.
        what: Unique,
    },
    /// The licence is not in a status the change may start from (someone else changed it).
    #[error("conflict: {0}")]
    Conflict(String),
    /// No licence with that identifier.
    #[error("no licence {0}")]
    NotFound(String),
    /// The request itself is inconsistent (a caller's bug).
    #[error("invalid registry request: {0}")]
    Invalid(String),
    /// The backend failed.
    #[error("database: {0}")]
    Backend(String),
}

/// The part of a version a status states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRow {
    /// This version's identifier.
    pub identifier: String,
    /// Its lineage.
    pub lineage: String,
    /// Its version.
    pub version: u16,
    /// Stored status.
    pub status: Status,
    /// Valid to, `YYYY-MM-DD`; `None` for long-term.
    pub valid_to: Option<String>,
    /// The identifier of the version that replaced this one.
    pub superseded_by: Option<String>,
}

impl StatusRow {
    /// The status part of a whole row.
    pub fn of(r: &LicenceRow) -> StatusRow {
        StatusRow {
            identifier: r.identifier.clone(),
            lineage: r.lineage.clone(),
            version: r.version,
            status: r.status,
            valid_to: r.valid_to.clone(),
            superseded_by: r.superseded_by.clone(),
        }
    }
}

/// One line of a holder's list ("my licences"): what a list shows of a version — no values,
/// no signature, no file. A store answers [`LicenceRepository::held_by`] from one index
/// (PostgreSQL: an index-only scan of `licences_holder_list`), without reading the rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceSummary {
    /// This version's identifier.
    pub identifier: String,
    /// Kind key.
    pub kind: String,
    /// GB/T 36904 type code.
    pub type_code: String,
    /// Issuing agency's name as printed.
    pub issuer_name: String,
    /// Edition.
    pub version: u16,
    /// Holder's name as printed.
    pub holder_name: String,
    /// Licence number (ZZBH).
    pub number: String,
    /// Valid to, `YYYY-MM-DD`; `None` for long-term.
    pub valid_to: Option<String>,
    /// Stored status.
    pub status: Status,
    /// The identifier of the version that replaced this one.
    pub superseded_by: Option<String>,
    /// When this version was issued (Unix seconds).
    pub issued_at: i64,
}

impl LicenceSummary {
    /// The list line of a whole row.
    pub fn of(r: &LicenceRow) -> LicenceSummary {
        LicenceSummary {
            identifier: r.identifier.clone(),
            kind: r.kind.clone(),
            type_code: r.type_code.clone(),
            issuer_name: r.issuer_name.clone(),
            version: r.version,
            holder_name: r.holder_name.clone(),
            number: r.number.clone(),
            valid_to: r.valid_to.clone(),
            status: r.status,
            superseded_by: r.superseded_by.clone(),
            issued_at: r.issued_at,
        }
    }
}

/// The identifier of the current version of the lineage of `identifier`. A version nothing
/// replaced (`superseded_by` none) is its lineage's current one — a change always supersedes
/// the current version, in one transaction — so only a replaced one needs the lineage read.
pub async fn current_identifier(
    repo: &dyn LicenceRepository,
    identifier: &str,
    lineage: &str,
    superseded_by: Option<&str>,
) -> Result<String, LicenceStoreError> {
    let Some(next) = superseded_by else {
        return Ok(identifier.to_string());
    };
    Ok(repo
        .current_version(lineage)
        .await?
        .map_or_else(|| next.to_string(), |c| c.identifier))
}

/// The licence registry's storage. Every write is one transaction with its events; each event
/// is also appended to the audit log (action = the event's name, object = `licence:<id>`).
#[async_trait::async_trait]
pub trait LicenceRepository: Send + Sync {
    /// Store a newly issued licence and its `issue` event. `Duplicate` when the identifier,
    /// the (issuer, external key) or the (issuer, type, serial, version) is taken.
    async fn insert_issued(
        &self,
        row: &LicenceRow,
        event: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError>;

    /// Replace `old_id` by `new_row` (a new version of the same lineage): the old one becomes
    /// `superseded` pointing at the new one, if it is still active or suspended (else
    /// `Conflict`, or `NotFound`); the new one is inserted; `superseded` is recorded on the old
    /// version and `issued` on the new one.
    async fn supersede(
        &self,
        old_id: &str,
        new_row: &LicenceRow,
        superseded: &LicenceEventRow,
        issued: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError>;

    /// Move `id` from one of `from` to `to` with `reason` (check-and-set: `Conflict` when its
    /// status is not in `from`, `NotFound` when absent) and record `event`. `Superseded` is
    /// reached through [`LicenceRepository::supersede`] only.
    async fn set_status(
        &self,
        id: &str,
        from: &[Status],
        to: Status,
        reason: Option<&str>,
        event: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError>;

    /// A version by identifier.
    async fn by_identifier(&self, id: &str) -> Result<Option<LicenceRow>, LicenceStoreError>;

    /// What a status needs of a version by identifier ([`StatusRow`]: no values, no
    /// signature, no file): the public status endpoint's one read. By default from
    /// [`LicenceRepository::by_identifier`]; a store selects only these columns.
    async fn status_of(&self, id: &str) -> Result<Option<StatusRow>, LicenceStoreError> {
        Ok(self.by_identifier(id).await?.as_ref().map(StatusRow::of))
    }

    /// Every version of a lineage, oldest first.
    async fn by_lineage(&self, lineage: &str) -> Result<Vec<LicenceRow>, LicenceStoreError>;

    /// The latest version of a lineage.
    async fn current_version(&self, lineage: &str)
    -> Result<Option<LicenceRow>, LicenceStoreError>;

    /// A holder's licences (every version), newest first, at most `limit` (1 to 1000).
    async fn by_holder(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, LicenceStoreError>;

    /// A holder's list: [`LicenceSummary`] of each version they hold, newest first (as
    /// [`LicenceRepository::by_holder`]), at most `limit` (1 to 1000). By default from
    /// `by_holder`; a store reads only the list's columns.
    async fn held_by(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<LicenceSummary>, LicenceStoreError> {
        Ok(self
            .by_holder(holder_hash, limit)
            .await?
            .iter()
            .map(LicenceSummary::of)
            .collect())
    }

    /// The licence an issuer stored under `external_key`.
    async fn by_external_key(
        &self,
        issuer_code: &str,
        external_key: &str,
    ) -> Result<Option<LicenceRow>, LicenceStoreError>;

    /// The next serial for (issuer, type), from 1: each call gets a value no other call got,
    /// whatever the concurrency.
    async fn next_serial(
        &self,
        issuer_code: &str,
        type_code: &str,
    ) -> Result<u64, LicenceStoreError>;

    /// The events of a version, oldest first.
    async fn events(&self, id: &str) -> Result<Vec<LicenceEventRow>, LicenceStoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip() {
        for e in [
            Event::Issue,
            Event::Suspend,
            Event::Resume,
            Event::Revoke,
            Event::Supersede,
        ] {
            assert_eq!(event_named(e.name()), Some(e));
        }
        assert_eq!(event_named("licence.delete"), None);
    }
}
