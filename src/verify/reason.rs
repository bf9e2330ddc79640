//! Why a certificate path failed, as a type: every failure the validator reports carries a
//! [`FailureReason`], serialized in reports as a stable kebab-case code (`serial-number-zero`,
//! `anchor-expired`, …) next to the human-readable rule. Seal verification uses the same codes
//! for why a seal's registry status is not established (`seal-status-unknown`, …). The code is the contract; the words
//! may change. Each reason knows the ETSI EN 319 102-1 indication and sub-indication it gives.

use super::report::{Indication, SubIndication};
use serde::{Serialize, Serializer};

/// A typed failure of certificate path validation (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FailureReason {
    // ---- parsing and encoding -----------------------------------------------------------
    /// The target is not a certificate that can be parsed.
    #[error("not a certificate: {detail}")]
    MalformedCertificate {
        /// Parser message.
        detail: String,
    },
    /// An extension is malformed or duplicated.
    #[error("{detail}")]
    MalformedExtension {
        /// Which one and how.
        detail: String,
    },
    /// TBSCertificate.signature differs from Certificate.signatureAlgorithm (RFC 5280
    /// §4.1.1.2).
    #[error(
        "the signature algorithm inside the signed part ({tbs}) differs from the outer one ({outer})"
    )]
    SignatureAlgorithmMismatch {
        /// TBS algorithm (OID and parameters in hex).
        tbs: String,
        /// Outer algorithm.
        outer: String,
    },
    /// The serial number is zero (RFC 5280 §4.1.2.2).
    #[error("the serial number is zero")]
    SerialNumberZero,
    /// The serial number is negative (RFC 5280 §4.1.2.2).
    #[error("the serial number is negative")]
    SerialNumberNegative,
    /// The serial number is longer than 20 octets (RFC 5280 §4.1.2.2).
    #[error("the serial number has {octets} octets (at most 20)")]
    SerialNumberTooLong {
        /// Its length.
        octets: usize,
    },
    /// A subjectAltName entry is malformed, or the extension is empty (RFC 5280 §4.2.1.6).
    #[error("malformed subjectAltName: {detail}")]
    MalformedSubjectAltName {
        /// Which entry and why.
        detail: String,
    },

    // ---- RFC 5280 §4.2 profile ----------------------------------------------------------
    /// authorityKeyIdentifier marked critical (RFC 5280 §4.2.1.1: MUST NOT).
    #[error("authorityKeyIdentifier is marked critical")]
    CriticalAuthorityKeyId,
    /// subjectKeyIdentifier marked critical (RFC 5280 §4.2.1.2: MUST NOT).
    #[error("subjectKeyIdentifier is marked critical")]
    CriticalSubjectKeyId,
    /// No authorityKeyIdentifier in a certificate that is not self-signed (RFC 5280 §4.2.1.1).
    #[error("authorityKeyIdentifier is missing (required in all but self-signed certificates)")]
    MissingAuthorityKeyId,
    /// No subjectKeyIdentifier in a CA certificate (RFC 5280 §4.2.1.2).
    #[error("subjectKeyIdentifier is missing in a CA certificate")]
    MissingSubjectKeyId,
    /// extKeyUsage present with no purpose (RFC 5280 §4.2.1.12: SIZE (1..MAX)).
    #[error("extendedKeyUsage is empty")]
    EmptyExtendedKeyUsage,
    /// nameConstraints not critical (RFC 5280 §4.2.1.10: MUST be critical).
    #[error("nameConstraints is not marked critical")]
    NameConstraintsNotCritical,
    /// policyConstraints not critical (RFC 5280 §4.2.1.11: MUST be critical).
    #[error("policyConstraints is not marked critical")]
    PolicyConstraintsNotCritical,
    /// nameConstraints in a certificate that is not a CA (RFC 5280 §4.2.1.10).
    #[error("nameConstraints in an end-entity certificate")]
    NameConstraintsInEndEntity,
    /// keyUsage keyCertSign without basicConstraints cA (RFC 5280 §4.2.1.3, §4.2.1.9).
    #[error("keyUsage keyCertSign in a certificate that is not a CA (basicConstraints cA)")]
    KeyCertSignInEndEntity,
    /// The subject is empty and subjectAltName is not critical (RFC 5280 §4.2.1.6).
    #[error("the subject is empty and subjectAltName is not critical")]
    SubjectAltNameNotCritical,

    // ---- trust anchor (RFC 5937) --------------------------------------------------------
    /// The trust anchor's certificate has expired at the validation time.
    #[error("the trust anchor's certificate has expired")]
    AnchorExpired,
    /// The trust anchor's certificate is not yet valid at the validation time.
    #[error("the trust anchor's certificate is not yet valid")]
    AnchorNotYetValid,
    /// The trust anchor's certificate is not a CA (basicConstraints cA).
    #[error("the trust anchor's certificate is not a CA (basicConstraints cA)")]
    AnchorNotCa,
    /// The trust anchor's certificate has a critical extension the validator does not know.
    #[error("the trust anchor's certificate has an unsupported critical extension {oids}")]
    AnchorUnknownCriticalExtension {
        /// The OIDs.
        oids: String,
    },

    // ---- cryptography -------------------------------------------------------------------
    /// The signature does not verify with the issuer's key.
    #[error("the signature does not verify with the issuer's key")]
    BadSignature,
    /// The signature algorithm is too weak (SHA-1, MD5, MD2).
    #[error("weak signature algorithm {alg} (SHA-1 and MD5 are not accepted)")]
    WeakSignatureAlgorithm {
        /// Its name.
        alg: String,
    },
    /// An RSASSA-PSS key (SPKI id-RSASSA-PSS) with another signature scheme or other PSS
    /// parameters than the key allows (RFC 4055 §3.3).
    #[error("an RSASSA-PSS key cannot verify this signature: {detail}")]
    PssKeyMismatch {
        /// Why.
        detail: String,
    },
    /// The algorithm or key cannot be processed (DSA, unknown algorithm, weak key).
    #[error("signature cannot be checked: {detail}")]
    UnsupportedAlgorithm {
        /// Why.
        detail: String,
    },
    /// The signature check budget ran out.
    #[error("signature check budget exhausted")]
    SignatureBudgetExhausted,

    // ---- path ----------------------------------------------------------------------------
    /// No path from the target to a trust anchor.
    #[error("no path to a trust anchor")]
    NoPathToAnchor,
    /// Path building stopped at its work limit.
    #[error("path building budget exhausted")]
    PathBuildingBudgetExhausted,
    /// The certificate has expired at the validation time.
    #[error("the certificate has expired")]
    Expired,
    /// The certificate is not yet valid at the validation time.
    #[error("the certificate is not yet valid")]
    NotYetValid,
    /// The issuer name does not match the previous certificate's subject.
    #[error("issuer name does not chain")]
    IssuerNameMismatch,
    /// A critical extension the validator does not know.
    #[error("unsupported critical extension {oids}")]
    UnknownCriticalExtension {
        /// The OIDs.
        oids: String,
    },
    /// An intermediate certificate is not a CA.
    #[error("an intermediate certificate is not a CA (basicConstraints)")]
    NotCa,
    /// A path length constraint is exceeded.
    #[error("path length constraint exceeded")]
    PathLengthExceeded,
    /// An intermediate's keyUsage lacks keyCertSign.
    #[error("keyUsage does not allow keyCertSign")]
    KeyCertSignNotAllowed,
    /// The end entity does not fit the purpose it is validated for.
    #[error("not valid for {purpose}: {detail}")]
    NotValidForPurpose {
        /// The purpose.
        purpose: &'static str,
        /// Why.
        detail: String,
    },
    /// No valid policy where one is required (RFC 5280 §6.1.3 (f), §6.1.5).
    #[error("certificate policy: {detail}")]
    NoValidPolicy {
        /// The rule.
        detail: String,
    },
    /// Policy mapping to or from anyPolicy (RFC 5280 §6.1.4 (a)).
    #[error("certificate policy: {detail}")]
    InvalidPolicyMapping {
        /// The rule.
        detail: String,
    },
    /// Policy processing refused the path for its size.
    #[error("certificate policy: {detail}")]
    PolicyTooComplex {
        /// The rule.
        detail: String,
    },
    /// A name is outside the permitted or inside the excluded subtrees, or a constraint cannot
    /// be processed.
    #[error("name constraints: {detail}")]
    NameConstraintsViolated {
        /// The rule.
        detail: String,
    },

    // ---- revocation ----------------------------------------------------------------------
    /// A certificate is revoked.
    #[error("revoked ({source_name}, reason {code})")]
    Revoked {
        /// Which CRL or OCSP response said so.
        source_name: String,
        /// CRLReason code.
        code: i64,
    },
    /// No usable revocation data covers the certificate.
    #[error("revocation status unknown: {detail}")]
    RevocationUnknown {
        /// What was found and refused.
        detail: String,
    },
    /// The only revocation data is out of date.
    #[error("revocation status unknown: {detail}")]
    RevocationOutOfDate {
        /// What was found.
        detail: String,
    },
    /// A CRL has no (readable) cRLNumber (RFC 5280 §5.2.3): it is not used.
    #[error("a CRL has no cRLNumber extension")]
    CrlNumberMissing,
    /// A CRL's cRLNumber is critical (RFC 5280 §5.2.3): it is not used.
    #[error("a CRL's cRLNumber extension is critical")]
    CrlNumberCritical,
    /// A CRL is malformed beyond its parsing (e.g. its two signature algorithms differ).
    #[error("a CRL is malformed: {detail}")]
    CrlMalformed {
        /// Why.
        detail: String,
    },
    /// A CRL has a critical extension the validator does not know.
    #[error("a CRL has an unsupported critical extension")]
    CrlUnknownCriticalExtension,
    /// A CRL entry has a critical extension the validator does not know.
    #[error("a CRL entry has an unsupported critical extension")]
    CrlEntryUnknownCriticalExtension,
    /// No valid signer for a CRL.
    #[error("no valid CRL signer for a CRL")]
    CrlSignerNotValid,
    /// An OCSP response is not signed by the issuer or a responder it authorised.
    #[error("an OCSP response is not signed by an authorised responder")]
    OcspResponderNotAuthorised,
    /// An OCSP response's thisUpdate is after the validation time.
    #[error("the OCSP response is from the future")]
    OcspNotYetValid,
    /// The responder does not know the certificate.
    #[error("the OCSP responder does not know the certificate ({source_name})")]
    OcspCertificateUnknown {
        /// Which responder.
        source_name: String,
    },

    // ---- trust model -----------------------------------------------------------------------
    /// The trust source (mutual recognition) refused the chain.
    #[error("{detail}")]
    NotRecognized {
        /// Why.
        detail: String,
    },

    // ---- seal status (the registry, or its signed status) ---------------------------------
    /// A seal of our own region whose registry status was not seen: no registry consulted
    /// and no valid signed status (`crate::seal::status`).
    #[error("{detail}")]
    SealStatusUnknown {
        /// What was missing or refused, and how to get the status.
        detail: String,
    },
    /// A seal our own seal maker signed that our registry does not know.
    #[error("{detail}")]
    SealNotInRegistry {
        /// Which seal and what the registry holds.
        detail: String,
    },
    /// The seal is revoked or suspended in its registry (seen directly or through a signed
    /// status).
    #[error("{detail}")]
    SealNotActive {
        /// Its status and where it was seen.
        detail: String,
    },
}

impl FailureReason {
    /// The stable kebab-case code reports carry.
    pub fn code(&self) -> &'static str {
        use FailureReason::*;
        match self {
            MalformedCertificate { .. } => "malformed-certificate",
            MalformedExtension { .. } => "malformed-extension",
            SignatureAlgorithmMismatch { .. } => "signature-algorithm-mismatch",
            SerialNumberZero => "serial-number-zero",
            SerialNumberNegative => "serial-number-negative",
            SerialNumberTooLong { .. } => "serial-number-too-long",
            MalformedSubjectAltName { .. } => "malformed-subject-alt-name",
            CriticalAuthorityKeyId => "critical-authority-key-id",
            CriticalSubjectKeyId => "critical-subject-key-id",
            MissingAuthorityKeyId => "missing-authority-key-id",
            MissingSubjectKeyId => "missing-subject-key-id",
            EmptyExtendedKeyUsage => "empty-extended-key-usage",
            NameConstraintsNotCritical => "name-constraints-not-critical",
            PolicyConstraintsNotCritical => "policy-constraints-not-critical",
            NameConstraintsInEndEntity => "name-constraints-in-end-entity",
            KeyCertSignInEndEntity => "key-cert-sign-in-end-entity",
            SubjectAltNameNotCritical => "subject-alt-name-not-critical",
            AnchorExpired => "anchor-expired",
            AnchorNotYetValid => "anchor-not-yet-valid",
            AnchorNotCa => "anchor-not-ca",
            AnchorUnknownCriticalExtension { .. } => "anchor-unknown-critical-extension",
            BadSignature => "bad-signature",
            WeakSignatureAlgorithm { .. } => "weak-signature-algorithm",
            PssKeyMismatch { .. } => "pss-key-mismatch",
            UnsupportedAlgorithm { .. } => "unsupported-algorithm",
            SignatureBudgetExhausted => "signature-budget-exhausted",
            NoPathToAnchor => "no-path-to-anchor",
            PathBuildingBudgetExhausted => "path-building-budget-exhausted",
            Expired => "expired",
            NotYetValid => "not-yet-valid",
            IssuerNameMismatch => "issuer-name-mismatch",
            UnknownCriticalExtension { .. } => "unknown-critical-extension",
            NotCa => "not-ca",
            PathLengthExceeded => "path-length-exceeded",
            KeyCertSignNotAllowed => "key-cert-sign-not-allowed",
            NotValidForPurpose { .. } => "not-valid-for-purpose",
            NoValidPolicy { .. } => "no-valid-policy",
            InvalidPolicyMapping { .. } => "invalid-policy-mapping",
            PolicyTooComplex { .. } => "policy-too-complex",
            NameConstraintsViolated { .. } => "name-constraints-violated",
            Revoked { .. } => "revoked",
            RevocationUnknown { .. } => "revocation-unknown",
            RevocationOutOfDate { .. } => "revocation-out-of-date",
            CrlNumberMissing => "crl-number-missing",
            CrlNumberCritical => "crl-number-critical",
            CrlMalformed { .. } => "crl-malformed",
            CrlUnknownCriticalExtension => "crl-unknown-critical-extension",
            CrlEntryUnknownCriticalExtension => "crl-entry-unknown-critical-extension",
            CrlSignerNotValid => "crl-signer-not-valid",
            OcspResponderNotAuthorised => "ocsp-responder-not-authorised",
            OcspNotYetValid => "ocsp-not-yet-valid",
            OcspCertificateUnknown { .. } => "ocsp-certificate-unknown",
            NotRecognized { .. } => "not-recognized",
            SealStatusUnknown { .. } => "seal-status-unknown",
            SealNotInRegistry { .. } => "seal-not-in-registry",
            SealNotActive { .. } => "seal-not-active",
        }
    }

    /// The ETSI EN 319 102-1 indication and sub-indication this reason gives when it decides
    /// the outcome.
    pub fn indication(&self) -> (Indication, SubIndication) {
        use FailureReason::*;
        use Indication::{Indeterminate, TotalFailed};
        match self {
            MalformedCertificate { .. }
            | MalformedExtension { .. }
            | SignatureAlgorithmMismatch { .. }
            | SerialNumberZero
            | SerialNumberNegative
            | SerialNumberTooLong { .. }
            | MalformedSubjectAltName { .. } => (TotalFailed, SubIndication::FormatFailure),
            CriticalAuthorityKeyId
            | CriticalSubjectKeyId
            | MissingAuthorityKeyId
            | MissingSubjectKeyId
            | EmptyExtendedKeyUsage
            | NameConstraintsNotCritical
            | PolicyConstraintsNotCritical
            | NameConstraintsInEndEntity
            | KeyCertSignInEndEntity
            | SubjectAltNameNotCritical
            | AnchorNotCa
            | AnchorUnknownCriticalExtension { .. }
            | IssuerNameMismatch
            | UnknownCriticalExtension { .. }
            | NotCa
            | PathLengthExceeded
            | KeyCertSignNotAllowed
            | NotValidForPurpose { .. }
            | NoValidPolicy { .. }
            | InvalidPolicyMapping { .. }
            | PolicyTooComplex { .. }
            | NameConstraintsViolated { .. } => {
                (TotalFailed, SubIndication::ChainConstraintsFailure)
            }
            AnchorExpired | Expired => (TotalFailed, SubIndication::Expired),
            AnchorNotYetValid | NotYetValid => (TotalFailed, SubIndication::NotYetValid),
            BadSignature | PssKeyMismatch { .. } => (TotalFailed, SubIndication::SigCryptoFailure),
            WeakSignatureAlgorithm { .. }
            | UnsupportedAlgorithm { .. }
            | SignatureBudgetExhausted => (Indeterminate, SubIndication::CryptoConstraintsFailure),
            NoPathToAnchor | PathBuildingBudgetExhausted => {
                (Indeterminate, SubIndication::NoCertificateChainFound)
            }
            Revoked { .. } => (TotalFailed, SubIndication::Revoked),
            RevocationOutOfDate { .. } => (Indeterminate, SubIndication::RevocationOutOfBounds),
            RevocationUnknown { .. }
            | CrlNumberMissing
            | CrlNumberCritical
            | CrlMalformed { .. }
            | CrlUnknownCriticalExtension
            | CrlEntryUnknownCriticalExtension
            | CrlSignerNotValid
            | OcspResponderNotAuthorised
            | OcspNotYetValid
            | OcspCertificateUnknown { .. } => (Indeterminate, SubIndication::TryLater),
            NotRecognized { .. } => (TotalFailed, SubIndication::ChainConstraintsFailure),
            SealStatusUnknown { .. } | SealNotInRegistry { .. } => {
                (Indeterminate, SubIndication::TryLater)
            }
            SealNotActive { .. } => (TotalFailed, SubIndication::Revoked),
        }
    }
}

impl FailureReason {
    /// The meaning of the reason's code in both languages (`reason-<code>`); the specific
    /// rule (with its arguments) stays in [`super::report::Failure::rule`], in English.
    pub fn text(&self) -> crate::i18n::Bilingual {
        crate::i18n::both(&format!("reason-{}", self.code()), &[])
    }
}

impl Serialize for FailureReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
