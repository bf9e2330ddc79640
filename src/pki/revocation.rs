//! Revoking certificates: reasons (RFC 5280 §5.3.1), who may revoke what, and the allowed
//! status moves. The CRL and OCSP services publish what this records.
//!
//! [`RevocationReason`] is the set an operator may ask for, with the names the CLI and the API
//! use; its codes are those of `x509_cert`'s [`CrlReason`], through which the reasons are
//! encoded ([`crl_reason`] for a stored code). Owns the revocation rules; must not import the
//! CRL or OCSP encoders (`status`), HTTP or SQL.

use super::repo::{
    AuditEvent, CertStatus, CertificateRecord, RepoError, Repository, RevokeOutcome, StatusChange,
};
use serde::Serialize;
use x509_cert::ext::pkix::CrlReason;

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
        CrlReason::from(self) as i64
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

impl From<RevocationReason> for CrlReason {
    fn from(r: RevocationReason) -> CrlReason {
        match r {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::CaCompromise => CrlReason::CaCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::CertificateHold => CrlReason::CertificateHold,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            RevocationReason::AaCompromise => CrlReason::AaCompromise,
        }
    }
}

/// The CRLReason of a stored reason code (a [`RevocationReason`] code, or removeFromCRL for
/// a delta CRL); `None` for a code RFC 5280 does not define.
pub fn crl_reason(code: i64) -> Option<CrlReason> {
    CrlReason::try_from(u32::try_from(code).ok()?).ok()
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
        "certificate {serial} is already {status}{}; a different revocation is not possible",
        reason.and_then(RevocationReason::from_code)
            .map(|r| format!(" (reason {})", r.name())).unwrap_or_default()
    )]
    Conflict {
        /// Serial.
        serial: String,
        /// Current status.
        status: &'static str,
        /// Current reason code.
        reason: Option<i64>,
    },
    /// An invalidity date before the certificate's notBefore: the certificate cannot have
    /// become invalid before it was valid (and such dates, before 1970 in particular, are not
    /// what a CRL should carry).
    #[error(
        "the invalidity date {} is before the certificate's notBefore {}",
        crate::clock::rfc3339(*date),
        crate::clock::rfc3339(*not_before)
    )]
    InvalidityBeforeNotBefore {
        /// The date asked, Unix seconds.
        date: i64,
        /// The certificate's notBefore, Unix seconds.
        not_before: i64,
    },
    /// An invalidity date later than now (beyond [`INVALIDITY_CLOCK_SKEW`]).
    #[error(
        "the invalidity date {} is in the future (now {})",
        crate::clock::rfc3339(*date),
        crate::clock::rfc3339(*now)
    )]
    InvalidityInFuture {
        /// The date asked, Unix seconds.
        date: i64,
        /// The time of the request, Unix seconds.
        now: i64,
    },
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

/// How far an invalidity date may lie ahead of the server's clock (the caller's clock may run
/// ahead): such a date is recorded as the revocation time itself.
pub const INVALIDITY_CLOCK_SKEW: i64 = 300;

/// The invalidity date to record for a revocation at `now` of a certificate valid from
/// `not_before`: refused before `not_before` or more than [`INVALIDITY_CLOCK_SKEW`] after
/// `now`; a date slightly ahead of `now` is recorded as `now`. Every revocation (API, CLI,
/// library) goes through here, so every stored date can be published in a CRL.
pub fn check_invalidity_date(
    date: Option<i64>,
    not_before: i64,
    now: i64,
) -> Result<Option<i64>, RevokeError> {
    let Some(date) = date else {
        return Ok(None);
    };
    if date < not_before {
        return Err(RevokeError::InvalidityBeforeNotBefore { date, not_before });
    }
    if date > now.saturating_add(INVALIDITY_CLOCK_SKEW) {
        return Err(RevokeError::InvalidityInFuture { date, now });
    }
    Ok(Some(date.min(now)))
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
    let invalidity_date = check_invalidity_date(r.invalidity_date, current.not_before, r.now)?;
    let audit = AuditEvent::now(
        r.actor,
        "certificate.revoke",
        &serial,
        "success",
        &format!("reason={}", r.reason.name()),
    )
    .logged(
        crate::transparency::entry::Entry::new("certificate.revoke", r.now, &serial, &current.der)
            .holder(Some(&current.holder_id)),
    );
    let change = StatusChange {
        serial: serial.clone(),
        status,
        reason: r.reason.code(),
        at: r.now,
        invalidity_date,
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
    let current = load_in_scope(repo, &serial, scope).await?;
    let audit = AuditEvent::now(actor, "certificate.release", &serial, "success", "").logged(
        crate::transparency::entry::Entry::new("certificate.release", now, &serial, &current.der)
            .holder(Some(&current.holder_id)),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidity_dates() {
        let (nb, now) = (1_700_000_000, 1_800_000_000);
        assert_eq!(check_invalidity_date(None, nb, now).unwrap(), None);
        assert_eq!(check_invalidity_date(Some(nb), nb, now).unwrap(), Some(nb));
        assert_eq!(
            check_invalidity_date(Some(now), nb, now).unwrap(),
            Some(now)
        );
        // Within the clock skew: recorded as the revocation time.
        assert_eq!(
            check_invalidity_date(Some(now + INVALIDITY_CLOCK_SKEW), nb, now).unwrap(),
            Some(now)
        );
        match check_invalidity_date(Some(now + INVALIDITY_CLOCK_SKEW + 1), nb, now) {
            Err(RevokeError::InvalidityInFuture { date, now: n }) => {
                assert_eq!((date, n), (now + INVALIDITY_CLOCK_SKEW + 1, now))
            }
            other => panic!("{other:?}"),
        }
        let e = check_invalidity_date(Some(-1), nb, now).unwrap_err();
        assert!(matches!(
            e,
            RevokeError::InvalidityBeforeNotBefore { date: -1, not_before } if not_before == nb
        ));
        assert_eq!(
            e.to_string(),
            "the invalidity date 1969-12-31T23:59:59Z is before the certificate's notBefore 2023-11-14T22:13:20Z"
        );
        assert!(matches!(
            check_invalidity_date(Some(nb - 1), nb, now),
            Err(RevokeError::InvalidityBeforeNotBefore { .. })
        ));
        assert!(matches!(
            check_invalidity_date(Some(i64::MAX), nb, i64::MAX - 10),
            Ok(Some(_))
        ));
        assert!(matches!(
            check_invalidity_date(Some(i64::MIN), nb, now),
            Err(RevokeError::InvalidityBeforeNotBefore { .. })
        ));
    }
}
