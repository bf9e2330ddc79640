//! Why an e-licence is not valid, as a type: every failing check of a licence report carries a
//! [`LicenceReason`], serialized as a stable kebab-case code (`licence-revoked`, …) with its
//! text in both languages (`reason-<code>` in the `crate::i18n` catalogues). Each reason knows
//! the ETSI EN 319 102-1 indication and sub-indication it gives by default.
//!
//! Owns the codes and their verdicts; must not import HTTP, SQL or the store.

use crate::verify::report::{Indication, SubIndication};
use serde::{Serialize, Serializer};

/// Why a check of an e-licence failed (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceReason {
    /// The OFD's own verification is not TOTAL_PASSED.
    OfdNotValid,
    /// No licence metadata (`metadata.json` attachment) in the package.
    MetadataMissing,
    /// The metadata is malformed, not canonical, or the custom data disagree with it.
    MetadataInvalid,
    /// No seal of the package protects the metadata attachment.
    MetadataNotSealed,
    /// The seal protecting the metadata is not an e-licence seal (电子证照专用章).
    SealNotELicence,
    /// The seal protecting the metadata does not belong to the issuer the metadata names.
    SealNotOfIssuer,
    /// The identifier is malformed or its check character matches no rule.
    IdentifierInvalid,
    /// The identifier's issuer or type code is not the metadata's.
    IdentifierMismatch,
    /// The registry's data signature does not verify over the metadata, or is not the seal
    /// signer's.
    DataSignatureInvalid,
    /// The licence (this version) is revoked.
    Revoked,
    /// The licence is suspended.
    Suspended,
    /// This version was replaced by a newer one.
    Superseded,
    /// The licence is past its end of validity.
    Expired,
    /// Its status could not be established.
    StatusUnknown,
    /// This region does not accept e-licences of the issuing region.
    RegionNotAccepted,
    /// The QR text is not a licence payload.
    QrMalformed,
    /// No known QR signer has the payload's key id.
    QrSignerUnknown,
    /// The QR signer's certificate is not valid for signing licence QR payloads.
    QrSignerInvalid,
    /// The QR payload's signature does not verify.
    QrSignatureInvalid,
    /// The QR payload names another region than its signer's.
    QrRegionMismatch,
    /// What the QR or the file says disagrees with the registry or the signed status.
    ClaimsMismatch,
    /// A holder's dynamic QR (亮证) outside its showing time.
    ShowNotCurrent,
}

impl LicenceReason {
    /// The stable code (serialized).
    pub fn code(&self) -> &'static str {
        use LicenceReason::*;
        match self {
            OfdNotValid => "licence-ofd-not-valid",
            MetadataMissing => "licence-metadata-missing",
            MetadataInvalid => "licence-metadata-invalid",
            MetadataNotSealed => "licence-metadata-not-sealed",
            SealNotELicence => "licence-seal-not-e-licence",
            SealNotOfIssuer => "licence-seal-not-of-issuer",
            IdentifierInvalid => "licence-identifier-invalid",
            IdentifierMismatch => "licence-identifier-mismatch",
            DataSignatureInvalid => "licence-data-signature-invalid",
            Revoked => "licence-revoked",
            Suspended => "licence-suspended",
            Superseded => "licence-superseded",
            Expired => "licence-expired",
            StatusUnknown => "licence-status-unknown",
            RegionNotAccepted => "licence-region-not-accepted",
            QrMalformed => "licence-qr-malformed",
            QrSignerUnknown => "licence-qr-signer-unknown",
            QrSignerInvalid => "licence-qr-signer-invalid",
            QrSignatureInvalid => "licence-qr-signature-invalid",
            QrRegionMismatch => "licence-qr-region-mismatch",
            ClaimsMismatch => "licence-claims-mismatch",
            ShowNotCurrent => "licence-show-not-current",
        }
    }

    /// The indication and sub-indication this reason gives unless the check says otherwise
    /// (the OFD's and the QR signer chain's own outcome are carried as they are).
    pub fn verdict(&self) -> (Indication, SubIndication) {
        use Indication::{Indeterminate, TotalFailed};
        use LicenceReason::*;
        use SubIndication as S;
        match self {
            OfdNotValid => (TotalFailed, S::SigCryptoFailure),
            MetadataMissing | MetadataInvalid | MetadataNotSealed | IdentifierInvalid
            | IdentifierMismatch | QrMalformed | ClaimsMismatch => (TotalFailed, S::FormatFailure),
            SealNotELicence | SealNotOfIssuer | RegionNotAccepted | QrRegionMismatch
            | QrSignerInvalid => (TotalFailed, S::ChainConstraintsFailure),
            DataSignatureInvalid | QrSignatureInvalid => (TotalFailed, S::SigCryptoFailure),
            Revoked | Suspended => (TotalFailed, S::Revoked),
            Superseded => (TotalFailed, S::Generic),
            Expired | ShowNotCurrent => (TotalFailed, S::Expired),
            StatusUnknown => (Indeterminate, S::TryLater),
            QrSignerUnknown => (Indeterminate, S::NoCertificateChainFound),
        }
    }

    /// Its meaning in both languages (`reason-<code>`).
    pub fn text(&self) -> crate::i18n::Bilingual {
        crate::i18n::both(&format!("reason-{}", self.code()), &[])
    }
}

impl Serialize for LicenceReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
