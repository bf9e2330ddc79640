//! The validation report: an ETSI EN 319 102-1 indication and sub-indication, the chosen
//! path, per-certificate checks, which CRL or OCSP response decided revocation, and the valid
//! policy set. A failure names the certificate and the rule.
//!
//! In JSON, next to each stable code the report carries its text in both languages
//! (`indication_text`, `sub_indication_text`, `failure.reason_text`: `{"en": …, "zh-CN": …}`,
//! from the `crate::i18n` catalogues); the codes are the contract, the texts may change.

use crate::i18n::{Bilingual, both};
use serde::{Serialize, Serializer};

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

/// Sub-indications (ETSI EN 319 102-1 §5.1.3): one set for every report (certificates,
/// seals, CMS and OFD signatures).
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
    /// The signed data (or content) does not match the signed hash.
    HashFailure,
    /// The signer certificate is missing, or the signed ESS attribute names another one.
    NoSigningCertificateFound,
    /// Something else (e.g. a bad signature time-stamp token).
    Generic,
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

/// A certificate's revocation status as reported (serialized in lowercase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// No usable revocation data.
    Unknown,
}

/// Which revocation data decided a certificate's status.
#[derive(Clone, Debug, Serialize)]
pub struct RevocationReport {
    /// Position in the path (0 = end entity).
    pub index: usize,
    /// `good`, `revoked`, `unknown`.
    pub status: RevocationStatus,
    /// Source: `CRL #n of <issuer>` or `OCSP response of <responder>`.
    pub source: String,
    /// Revocation time and reason when revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<(String, i64)>,
    /// Revocation time, Unix seconds.
    #[serde(skip)]
    pub revoked_at: Option<i64>,
}

impl Indication {
    /// The stable name (`TOTAL_PASSED`, …), as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL_PASSED",
            Indication::TotalFailed => "TOTAL_FAILED",
            Indication::Indeterminate => "INDETERMINATE",
        }
    }

    /// Its meaning in both languages (`indication-<NAME>`).
    pub fn text(self) -> Bilingual {
        both(&format!("indication-{}", self.name()), &[])
    }
}

impl SubIndication {
    /// Every sub-indication.
    pub const ALL: [SubIndication; 17] = [
        SubIndication::SigCryptoFailure,
        SubIndication::Revoked,
        SubIndication::Expired,
        SubIndication::NotYetValid,
        SubIndication::NoCertificateChainFound,
        SubIndication::ChainConstraintsFailure,
        SubIndication::FormatFailure,
        SubIndication::CryptoConstraintsFailure,
        SubIndication::TryLater,
        SubIndication::RevocationOutOfBounds,
        SubIndication::OutOfBoundsNoPoe,
        SubIndication::RevokedNoPoe,
        SubIndication::SignedDataNotFound,
        SubIndication::NoCheckRan,
        SubIndication::HashFailure,
        SubIndication::NoSigningCertificateFound,
        SubIndication::Generic,
    ];

    /// The stable name (`SIG_CRYPTO_FAILURE`, …), as serialized.
    pub fn name(self) -> &'static str {
        use SubIndication::*;
        match self {
            SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Revoked => "REVOKED",
            Expired => "EXPIRED",
            NotYetValid => "NOT_YET_VALID",
            NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            FormatFailure => "FORMAT_FAILURE",
            CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            TryLater => "TRY_LATER",
            RevocationOutOfBounds => "REVOCATION_OUT_OF_BOUNDS",
            OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            RevokedNoPoe => "REVOKED_NO_POE",
            SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
            NoCheckRan => "NO_CHECK_RAN",
            HashFailure => "HASH_FAILURE",
            NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            Generic => "GENERIC",
        }
    }

    /// Its meaning in both languages (`subindication-<NAME>`).
    pub fn text(self) -> Bilingual {
        both(&format!("subindication-{}", self.name()), &[])
    }
}

/// Where and why validation failed.
#[derive(Clone, Debug)]
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

impl Serialize for Failure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            index: Option<usize>,
            subject: &'a Option<String>,
            reason: &'a FailureReason,
            reason_text: Bilingual,
            rule: &'a str,
        }
        View {
            index: self.index,
            subject: &self.subject,
            reason: &self.reason,
            reason_text: self.reason.text(),
            rule: &self.rule,
        }
        .serialize(s)
    }
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

/// A validation report (serialized with the texts of its codes, see the module
/// documentation).
#[derive(Clone, Debug)]
pub struct Report {
    /// Indication.
    pub indication: Indication,
    /// Sub-indication (absent when passed).
    pub sub_indication: Option<SubIndication>,
    /// The trust anchor used.
    pub anchor: Option<String>,
    /// SHA-256 of the trust anchor's certificate (hex).
    pub anchor_sha256: Option<String>,
    /// Which region's trust service anchored the path (mutual recognition), when known.
    pub recognition: Option<Recognition>,
    /// The chosen path, end entity first, anchor excluded.
    pub path: Vec<CertReport>,
    /// Revocation decisions.
    pub revocation: Vec<RevocationReport>,
    /// The user-constrained valid policy set (`["anyPolicy"]` when unconstrained).
    pub valid_policy_set: Vec<String>,
    /// What failed.
    pub failure: Option<Failure>,
    /// Paths tried and work spent.
    pub paths_tried: usize,
    /// Signature verifications performed (cache misses).
    pub signature_checks: usize,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn none<T>(o: &&Option<T>) -> bool {
            o.is_none()
        }
        #[derive(Serialize)]
        struct View<'a> {
            indication: Indication,
            indication_text: Bilingual,
            #[serde(skip_serializing_if = "Option::is_none")]
            sub_indication: Option<SubIndication>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sub_indication_text: Option<Bilingual>,
            anchor: &'a Option<String>,
            #[serde(skip_serializing_if = "none")]
            anchor_sha256: &'a Option<String>,
            #[serde(skip_serializing_if = "none")]
            recognition: &'a Option<Recognition>,
            path: &'a [CertReport],
            revocation: &'a [RevocationReport],
            valid_policy_set: &'a [String],
            #[serde(skip_serializing_if = "none")]
            failure: &'a Option<Failure>,
            paths_tried: usize,
            signature_checks: usize,
        }
        View {
            indication: self.indication,
            indication_text: self.indication.text(),
            sub_indication: self.sub_indication,
            sub_indication_text: self.sub_indication.map(SubIndication::text),
            anchor: &self.anchor,
            anchor_sha256: &self.anchor_sha256,
            recognition: &self.recognition,
            path: &self.path,
            revocation: &self.revocation,
            valid_policy_set: &self.valid_policy_set,
            failure: &self.failure,
            paths_tried: self.paths_tried,
            signature_checks: self.signature_checks,
        }
        .serialize(s)
    }
}

impl Report {
    /// Whether the indication is TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

/// How a path's anchor is recognized (serialized in kebab-case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// At the relying party's own root.
    OwnRegion,
    /// At a root a recognized region's trust list grants.
    TrustList,
    /// Through this region's cross-certificate to another region.
    CrossCertificate,
}

/// How a path's anchor is recognized.
#[derive(Clone, Debug, Serialize)]
pub struct Recognition {
    /// Region code.
    pub region: String,
    /// Region name.
    pub region_name: String,
    /// `own-region`, `trust-list` or `cross-certificate`.
    pub via: Via,
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
    /// Whether the target is in the recognized region's transparency log (peers' objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transparency: Option<LogInclusion>,
}

/// What a recognized region's transparency log says of a verified object.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LogInclusion {
    /// `proven`, `missing` (the log has no entry), `invalid` (a proof that does not verify or
    /// lacks the required cosignatures) or `unavailable` (the log could not be asked).
    pub status: &'static str,
    /// The log's origin.
    pub log: String,
    /// The entry's index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The size of the checkpoint the proof leads to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_size: Option<u64>,
    /// The regions whose witnesses cosigned that checkpoint.
    pub cosigned_by: Vec<String>,
    /// One line.
    pub summary: String,
}
