//! Revocation checking for path validation: CRLs (RFC 5280 §6.3: issuer and scope matching,
//! issuing distribution points, reason coverage, indirect CRLs, delta CRLs, freshness, CRL
//! signer checks) and OCSP responses (RFC 6960: CertID match, responder authorization,
//! thisUpdate/nextUpdate).
//!
//! The parts: `crl` parses CRLs and decides a status from them (RFC 5280 §6.3), `ocsp`
//! decides one from OCSP responses (RFC 6960). This file holds what both share: the
//! [`Status`] they decide, the [`RevocationContext`] they ask for signature checks and signer
//! validation, and the INTEGER comparison of serial numbers.
//!
//! Must not import: the path builder or validator (`super::path`, `super::validate`: they
//! call this, through [`RevocationContext`]), or anything that fetches (`crate::trust`): the
//! revocation data arrive as bytes.

mod crl;
mod ocsp;

pub use crl::{Crl, Entry, crl_status};
pub use ocsp::ocsp_status;

// `cert` is in scope here so that the `super::cert::…` paths of `crl` and `ocsp` resolve.
use super::cert::{self, Cert};
use super::reason::FailureReason;
use const_oid::ObjectIdentifier;
use x509_cert::name::Name;

fn int_value(b: &[u8]) -> Vec<u8> {
    // Compare INTEGERs by value: drop redundant leading zero bytes.
    let mut s = b;
    while s.len() > 1 && s[0] == 0 && s[1] & 0x80 == 0 {
        s = &s[1..];
    }
    s.to_vec()
}

fn int_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (a, b) = (int_value(a), int_value(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// Revocation status of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not revoked according to `source`.
    Good {
        /// Which data decided.
        source: String,
    },
    /// Revoked.
    Revoked {
        /// Which data decided.
        source: String,
        /// When.
        at: i64,
        /// Reason code.
        reason: i64,
    },
    /// No usable revocation data: why (out of date data gives
    /// [`FailureReason::RevocationOutOfDate`]).
    Unknown(FailureReason),
}

/// What the revocation checker needs from the validator: signature checks (cached) and the
/// validation of a CRL signer certificate that is not in the path.
pub trait RevocationContext {
    /// Verify `sig` over `tbs` with the key in `spki`; why not (a bad signature, a weak
    /// algorithm, …) otherwise.
    fn verify(
        &mut self,
        spki: &[u8],
        alg: ObjectIdentifier,
        params: Option<&[u8]>,
        tbs: &[u8],
        sig: &[u8],
    ) -> Result<(), FailureReason>;
    /// Whether `signer` (not in the path) is a valid certificate at this time (its own path
    /// and, where possible, revocation checked).
    fn signer_valid(&mut self, signer: &Cert) -> bool;
    /// Candidate CRL signer certificates (pool, path, anchors) whose subject matches `name`.
    fn certs_named(&self, name: &Name) -> Vec<std::sync::Arc<Cert>>;
}

/// A signature that does not fit the key tried (bad value, or a PSS key used otherwise): the
/// key was not the signer's, which says nothing more than "no valid signer".
fn signature_mismatch(e: &FailureReason) -> bool {
    matches!(
        e,
        FailureReason::BadSignature | FailureReason::PssKeyMismatch { .. }
    )
}
