//! Revoking certificates: reasons (RFC 5280 §5.3.1), who may revoke what, and the allowed
//! status moves. The CRL and OCSP services publish what this records.

use super::repo::{
    AuditEvent, CertStatus, CertificateRecord, RepoError, Repository, RevokeOutcome, StatusChange,
};
use serde::Serialize;

/// CRL reason codes accepted when revoking (removeFromCRL, 8, is produced only by delta
/// CRLs when a hold is released, never requested).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// 0
    Unspecified,
    /// 1
    KeyCompromise,
    /// 2
    CaCompromise,
    /// 3
    AffiliationChanged,
    /// 4
    Superseded,
    /// 5
    CessationOfOperation,
    /// 6: suspends the certificate (status `hold`).
    CertificateHold,
    /// 9
    PrivilegeWithdrawn,
    /// 10
    AaCompromise,
}

impl RevocationReason {
    /// The RFC 5280 code.
    pub fn code(self) -> i64 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::CaCompromise => 2,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
            RevocationReason::PrivilegeWithdrawn => 9,
            RevocationReason::AaCompromise => 10,
        }
    }

    /// From the RFC 5280 code.
    pub fn from_code(c: i64) -> Option<Self> {
        Self::all().into_iter().find(|r| r.code() == c)
    }

    /// From the RFC 5280 name (`keyCompromise`, …) or its decimal code.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(c) = s.parse::<i64>() {
            return Self::from_code(c);
        }
        Self::all()
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
    }

    /// The RFC 5280 name.
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            RevocationReason::AaCompromise => "aACompromise",
        }
    }

    fn all() -> [Self; 9] {
        use RevocationReason::*;
        [
            Unspecified,
            KeyCompromise,
            CaCompromise,
            AffiliationChanged,
            Superseded,
            CessationOfOperation,
            CertificateHold,
            PrivilegeWithdrawn,
            AaCompromise,
        ]
    }
}

/// Why a revocation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// No such certificate.
    #[error("no certificate with serial {0}")]
    NotFound(String),
    /// Outside the caller's organization.
    #[error("certificate {0} does not belong to your organization")]
    OutOfScope(String),
    /// Already in another state.
    #[error(
        "certificate {serial} is already {status} (reason {reason:?}); a different revocation is not possible"
    )]
    Conflict {
        /// Serial.
        serial: String,
        /// Current status.
        status: &'static str,
        /// Current reason code.
        reason: Option<i64>,
    },
    /// An invalidity date after the revocation.
    #[error("the invalidity date is in the future")]
    InvalidityInFuture,
    /// certificateHold is only for person certificates.
    #[error("certificateHold is only available for person certificates")]
    HoldNotAllowed,
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// A revocation as asked by an operator.
#[derive(Clone, Debug)]
pub struct RevokeRequest<'a> {
    /// Serial (hex, any case).
    pub serial: &'a str,
    /// Reason.
    pub reason: RevocationReason,
    /// Invalidity date, Unix seconds.
    pub invalidity_date: Option<i64>,
    /// Audit actor.
    pub actor: &'a str,
    /// Organization scope of the caller (bound registrar).
    pub scope: Option<&'a str>,
    /// Now, Unix seconds.
    pub now: i64,
}

async fn load_in_scope(
    repo: &dyn Repository,
    serial: &str,
    scope: Option<&str>,
) -> Result<CertificateRecord, RevokeError> {
    let current = repo
        .certificate(serial)
        .await?
        .ok_or_else(|| RevokeError::NotFound(serial.to_string()))?;
    if let Some(org) = scope
        && current.organization.as_deref() != Some(org)
    {
        return Err(RevokeError::OutOfScope(serial.to_string()));
    }
    Ok(current)
}

/// Revoke (or put on hold) a certificate. Idempotent: repeating the same revocation returns
/// `Ok((record, false))`; a different one on an already revoked certificate is a conflict.
pub async fn revoke(
    repo: &dyn Repository,
    r: &RevokeRequest<'_>,
) -> Result<(CertificateRecord, bool), RevokeError> {
    let serial = r.serial.to_ascii_uppercase();
    let current = load_in_scope(repo, &serial, r.scope).await?;
    let status = if r.reason == RevocationReason::CertificateHold {
        if current.profile != "person" {
            return Err(RevokeError::HoldNotAllowed);
        }
        CertStatus::Hold
    } else {
        CertStatus::Revoked
    };
    if let Some(inv) = r.invalidity_date
        && inv > r.now
    {
        return Err(RevokeError::InvalidityInFuture);
    }
    let audit = AuditEvent::now(
        r.actor,
        "certificate.revoke",
        &serial,
        "success",
        &format!("reason={}", r.reason.name()),
    );
    let change = StatusChange {
        serial: serial.clone(),
        status,
        reason: r.reason.code(),
        at: r.now,
        invalidity_date: r.invalidity_date,
    };
    match repo.revoke(&change, &audit).await? {
        RevokeOutcome::Changed(rec) => Ok((rec, true)),
        RevokeOutcome::Unchanged(rec) => Ok((rec, false)),
        RevokeOutcome::Conflict(rec) => Err(RevokeError::Conflict {
            serial,
            status: rec.status.as_str(),
            reason: rec.revocation_reason,
        }),
        RevokeOutcome::NotFound => Err(RevokeError::NotFound(serial)),
    }
}

/// Release a certificate from hold (it becomes valid again; delta CRLs list it as
/// removeFromCRL). Releasing a valid certificate is a no-op (`Ok((record, false))`).
pub async fn release(
    repo: &dyn Repository,
    serial: &str,
    actor: &str,
    scope: Option<&str>,
    now: i64,
) -> Result<(CertificateRecord, bool), RevokeError> {
    let serial = serial.to_ascii_uppercase();
    load_in_scope(repo, &serial, scope).await?;
    let audit = AuditEvent::now(actor, "certificate.release", &serial, "success", "");
    match repo.release(&serial, now, &audit).await? {
        RevokeOutcome::Changed(rec) => Ok((rec, true)),
        RevokeOutcome::Unchanged(rec) => Ok((rec, false)),
        RevokeOutcome::Conflict(rec) => Err(RevokeError::Conflict {
            serial,
            status: rec.status.as_str(),
            reason: rec.revocation_reason,
        }),
        RevokeOutcome::NotFound => Err(RevokeError::NotFound(serial)),
    }
}
