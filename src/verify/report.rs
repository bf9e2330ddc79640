//! The validation report: an ETSI EN 319 102-1 indication and sub-indication, the chosen
//! path, per-certificate checks, which CRL or OCSP response decided revocation, and the valid
//! policy set. A failure names the certificate and the rule.

use serde::Serialize;

pub use super::reason::FailureReason;

/// Main indication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Valid.
    TotalPassed,
    /// Invalid.
    TotalFailed,
    /// Cannot be decided with the data at hand.
    Indeterminate,
}

/// Sub-indications (ETSI EN 319 102-1 §5.1.3) used by the certificate validator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// A signature does not verify.
    SigCryptoFailure,
    /// A certificate is revoked.
    Revoked,
    /// A certificate has expired.
    Expired,
    /// A certificate is not yet valid.
    NotYetValid,
    /// No path to a trust anchor.
    NoCertificateChainFound,
    /// Path constraints (basic constraints, path length, name constraints, policies, key usage,
    /// unknown critical extensions) are not met.
    ChainConstraintsFailure,
    /// The certificate or a CRL is malformed.
    FormatFailure,
    /// The algorithm is not supported (e.g. DSA) or not accepted.
    CryptoConstraintsFailure,
    /// Revocation status could not be established (no usable CRL/OCSP).
    TryLater,
    /// Revocation information is too old.
    RevocationOutOfBounds,
    /// A certificate (or the seal) expired after the claimed signing time and no proof of
    /// existence (a validated timestamp) shows the signature existed before.
    OutOfBoundsNoPoe,
    /// A certificate was revoked after the claimed signing time and no proof of existence
    /// shows the signature existed before the revocation.
    RevokedNoPoe,
    /// The signed data is needed and was not given.
    SignedDataNotFound,
    /// A check that a valid result needs did not run.
    NoCheckRan,
}

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// Not performed or not applicable.
    Skip,
}

/// One check on one certificate.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Check name (`signature`, `validity`, `name-chaining`, `basic-constraints`, …).
    pub check: &'static str,
    /// Outcome.
    pub outcome: Outcome,
    /// Detail.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The checks on one certificate of the chosen path.
#[derive(Clone, Debug, Serialize)]
pub struct CertReport {
    /// Position: 0 = end entity, last = the certificate issued by the anchor.
    pub index: usize,
    /// Subject.
    pub subject: String,
    /// Serial (hex).
    pub serial: String,
    /// SHA-256 of the DER (hex).
    pub sha256: String,
    /// notAfter, Unix seconds (for the judgement of claimed times).
    #[serde(skip)]
    pub not_after: Option<i64>,
    /// Checks.
    pub checks: Vec<Check>,
}

/// Which revocation data decided a certificate's status.
#[derive(Clone, Debug, Serialize)]
pub struct RevocationReport {
    /// Position in the path (0 = end entity).
    pub index: usize,
    /// `good`, `revoked`, `unknown`.
    pub status: String,
    /// Source: `CRL #n of <issuer>` or `OCSP response of <responder>`.
    pub source: String,
    /// Revocation time and reason when revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<(String, i64)>,
    /// Revocation time, Unix seconds.
    #[serde(skip)]
    pub revoked_at: Option<i64>,
}

/// Where and why validation failed.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// Position of the certificate (0 = end entity), if one is to blame (none for the trust
    /// anchor: the subject then names it).
    pub index: Option<usize>,
    /// Its subject.
    pub subject: Option<String>,
    /// Why, as a type; serialized as its stable kebab-case code (`serial-number-zero`, …).
    pub reason: FailureReason,
    /// The rule, in words.
    pub rule: String,
}

impl Failure {
    /// A failure for `reason`, its rule the reason's text.
    pub fn new(reason: FailureReason, index: Option<usize>, subject: Option<String>) -> Self {
        Failure {
            index,
            subject,
            rule: reason.to_string(),
            reason,
        }
    }
}

/// A validation report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Indication.
    pub indication: Indication,
    /// Sub-indication (absent when passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The trust anchor used.
    pub anchor: Option<String>,
    /// SHA-256 of the trust anchor's certificate (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor_sha256: Option<String>,
    /// Which region's trust service anchored the path (mutual recognition), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recognition: Option<Recognition>,
    /// The chosen path, end entity first, anchor excluded.
    pub path: Vec<CertReport>,
    /// Revocation decisions.
    pub revocation: Vec<RevocationReport>,
    /// The user-constrained valid policy set (`["anyPolicy"]` when unconstrained).
    pub valid_policy_set: Vec<String>,
    /// What failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Paths tried and work spent.
    pub paths_tried: usize,
    /// Signature verifications performed (cache misses).
    pub signature_checks: usize,
}

impl Report {
    /// Whether the indication is TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

/// How a path's anchor is recognized.
#[derive(Clone, Debug, Serialize)]
pub struct Recognition {
    /// Region code.
    pub region: String,
    /// Region name.
    pub region_name: String,
    /// `own-region`, `trust-list` or `cross-certificate`.
    pub via: String,
    /// Sequence number of the trust list that listed the anchor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_sequence: Option<u64>,
    /// The trust service (id in the list) that anchored the path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Its status at the time that counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_status: Option<String>,
    /// Assurance level of the end entity, in our terms (name and OID), when mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assurance: Option<String>,
    /// One line: "recognized via region a trust list #3 (…)".
    pub summary: String,
}
