//! A licence as the registry keeps it: identifier, kind, issuer, holder, dates, values,
//! status and the links between versions. Never deleted: a change makes a new version and
//! supersedes the old one; a revocation keeps the row with its reason.
//!
//! Owns the licence record and its lifecycle rules; must not import HTTP, SQL or the store.

use super::fields::Values;
use super::identifier::LicenceId;
use serde::{Deserialize, Serialize};

/// The status of one version of a licence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// In force.
    Active,
    /// Suspended (暂停): not in force until resumed.
    Suspended,
    /// Revoked or cancelled (注销/废止): final.
    Revoked,
    /// Replaced by a newer version (变更): final for this version.
    Superseded,
}

impl Status {
    /// The name stored and reported.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Revoked => "revoked",
            Status::Superseded => "superseded",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Active,
            Status::Suspended,
            Status::Revoked,
            Status::Superseded,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }

    /// Whether `to` may follow `self` (changes of version go through
    /// [`Event::Supersede`] only).
    pub fn may_become(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Active, Status::Suspended)
                | (Status::Suspended, Status::Active)
                | (Status::Active | Status::Suspended, Status::Revoked)
                | (Status::Active | Status::Suspended, Status::Superseded)
        )
    }
}

/// A lifecycle event (each one audited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// Issued.
    Issue,
    /// Suspended.
    Suspend,
    /// Resumed after a suspension.
    Resume,
    /// Revoked (with a reason).
    Revoke,
    /// Replaced by a new version (变更).
    Supersede,
}

impl Event {
    /// The status after the event.
    pub fn target(self) -> Status {
        match self {
            Event::Issue | Event::Resume => Status::Active,
            Event::Suspend => Status::Suspended,
            Event::Revoke => Status::Revoked,
            Event::Supersede => Status::Superseded,
        }
    }

    /// The name in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Event::Issue => "licence.issue",
            Event::Suspend => "licence.suspend",
            Event::Resume => "licence.resume",
            Event::Revoke => "licence.revoke",
            Event::Supersede => "licence.change",
        }
    }
}

/// One version of a licence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    /// Identifier (this version's).
    pub id: LicenceId,
    /// Kind key.
    pub kind: String,
    /// Issuing agency's unified social credit code.
    pub issuer_code: String,
    /// Issuing agency's name as printed.
    pub issuer_name: String,
    /// Holder's name as printed.
    pub holder_name: String,
    /// Holder's code (credit code, or identity number — personal data).
    pub holder_code: String,
    /// Licence number (ZZBH).
    pub number: String,
    /// Issue date, `YYYY-MM-DD` (China Standard Time).
    pub issue_date: String,
    /// Valid from, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Valid to, `YYYY-MM-DD`; `None` for long-term.
    pub valid_to: Option<String>,
    /// Field values.
    pub values: Values,
    /// Status of this version.
    pub status: Status,
    /// The version that replaced this one.
    pub superseded_by: Option<String>,
    /// The reason given for a revocation or suspension.
    pub status_reason: Option<String>,
    /// The caller's key for bulk imports and idempotent retries (unique per issuer).
    pub external_key: Option<String>,
    /// When issued (Unix seconds).
    pub issued_at: i64,
}

impl Licence {
    /// Whether the licence is past its end date on `today` (a date in force up to and including
    /// its last day).
    pub fn expired_on(&self, today: time::Date) -> bool {
        past_end(self.valid_to.as_deref(), today)
    }

    /// The status a reader sees on `today`: `expired` for an active licence past its end date.
    pub fn effective_status(&self, today: time::Date) -> &'static str {
        effective_status(self.status, self.valid_to.as_deref(), today)
    }
}

/// Whether a licence valid to `valid_to` (`YYYY-MM-DD`; `None` or another text: long-term) is
/// past its end on `today` (a date is in force up to and including its last day).
pub fn past_end(valid_to: Option<&str>, today: time::Date) -> bool {
    valid_to
        .and_then(super::fields::parse_date)
        .is_some_and(|to| today > to)
}

/// The status a reader sees on `today`: `expired` for an active licence past its end date,
/// else the stored status. The registry's view, the signed status and verification all use it.
pub fn effective_status(status: Status, valid_to: Option<&str>, today: time::Date) -> &'static str {
    if status == Status::Active && past_end(valid_to, today) {
        "expired"
    } else {
        status.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_transitions() {
        use Status::*;
        assert!(Active.may_become(Suspended));
        assert!(Suspended.may_become(Active));
        assert!(Suspended.may_become(Revoked));
        assert!(!Revoked.may_become(Active));
        assert!(!Superseded.may_become(Active));
        assert!(!Superseded.may_become(Revoked));
        assert!(!Active.may_become(Active));
        for s in [Active, Suspended, Revoked, Superseded] {
            assert_eq!(Status::parse(s.name()), Some(s));
        }
    }
}
