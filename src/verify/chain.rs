//! One entry point to validate a certificate *for a purpose* with the relying party's trust
//! material ([`Context`]): its anchors and pool, revocation data (plus what a [`TrustSource`] fetches for
//! recognized regions), and the trust source's review of the finished chain. Seal, CMS, OFD,
//! time-stamp and bare-certificate verification all go through [`validate_for`]. Must not
//! import HTTP, SQL, `seal`, `document` or `trust` (the trust model comes in as the
//! [`TrustSource`] seam).

use super::context::Context;
use super::hook::{ChainRole, TrustSource};
use super::path::Validator;
use super::purpose::Purpose;
use super::report::{Indication, Report, SubIndication};

/// The relying party's trust material for one verification.
#[derive(Clone, Copy)]
pub struct ChainInputs<'a> {
    /// Anchors, intermediates, revocation data and how they are applied.
    pub context: &'a Context,
    /// Recognized other regions, if any.
    pub trust: Option<&'a dyn TrustSource>,
}

impl Purpose {
    /// The trust-list role a chain of this purpose is reviewed under.
    pub fn chain_role(self) -> ChainRole {
        match self {
            Purpose::SealMaker => ChainRole::SealMaker,
            Purpose::Tsu => ChainRole::Tsu,
            _ => ChainRole::Signer,
        }
    }
}

/// Validate `cert` (with `extra` certificates it came with added to the pool) at `at` for
/// `purpose`, then let the trust source review it.
pub async fn validate_for(
    cert: &[u8],
    extra: &[Vec<u8>],
    at: i64,
    purpose: Purpose,
    inputs: &ChainInputs<'_>,
) -> Report {
    validate_for_noted(cert, extra, at, purpose, inputs).await.0
}

/// [`validate_for`], also returning what the trust source said about the revocation data it
/// fetched or refused (for reports of bare certificates).
pub async fn validate_for_noted(
    cert: &[u8],
    extra: &[Vec<u8>],
    at: i64,
    purpose: Purpose,
    inputs: &ChainInputs<'_>,
) -> (Report, Vec<String>) {
    let mut input = inputs.context.path_input(cert, at, purpose);
    input
        .intermediates
        .extend(extra.iter().filter(|c| c.as_slice() != cert).cloned());
    let mut notes = Vec::new();
    if let Some(t) = inputs.trust {
        let g = t.revocation_data(cert, extra).await;
        input.crls.extend(g.crls);
        input.ocsp.extend(g.ocsp);
        input
            .intermediates
            .extend(g.intermediates.into_iter().filter(|c| c.as_slice() != cert));
        notes = g.notes;
    }
    let mut report = Validator::shared().validate(&input);
    if let Some(t) = inputs.trust {
        t.review(&mut report, cert, at, purpose.chain_role());
        t.transparency(&mut report, cert).await;
    }
    (report, notes)
}

/// The outcome of a chain validated at the current time for a signature whose signing time
/// is only *claimed* (no proof of existence), following ETSI EN 319 102-1 §5.6.2.4: a
/// certificate that expired after the claimed time gives INDETERMINATE /
/// OUT_OF_BOUNDS_NO_POE; one revoked after the claimed time INDETERMINATE / REVOKED_NO_POE;
/// a claim that itself admits signing after expiry or revocation stays a failure.
pub fn judge_without_poe(
    report: &Report,
    claimed: Option<i64>,
) -> Option<(Indication, SubIndication, String)> {
    if report.passed() {
        return None;
    }
    let rule = report
        .failure
        .as_ref()
        .map(|f| f.rule.clone())
        .unwrap_or_default();
    let sub = report
        .sub_indication
        .unwrap_or(SubIndication::NoCertificateChainFound);
    let claim = |c: i64| crate::clock::rfc3339(c);
    match (sub, claimed) {
        (SubIndication::Expired, Some(c)) => {
            let not_after = report
                .failure
                .as_ref()
                .and_then(|f| f.index)
                .and_then(|i| report.path.get(i))
                .and_then(|p| p.not_after);
            if not_after.is_some_and(|na| c > na) {
                return Some((
                    Indication::TotalFailed,
                    SubIndication::Expired,
                    format!("{rule}; the claimed signing time {} is after it", claim(c)),
                ));
            }
            Some((
                Indication::Indeterminate,
                SubIndication::OutOfBoundsNoPoe,
                format!(
                    "{rule} now; signed at {} only as claimed by the signer — no timestamp proves it existed before",
                    claim(c)
                ),
            ))
        }
        (SubIndication::Revoked, Some(c)) => {
            let revoked_at = report.revocation.iter().find_map(|r| r.revoked_at);
            match revoked_at {
                Some(r) if c < r => Some((
                    Indication::Indeterminate,
                    SubIndication::RevokedNoPoe,
                    format!(
                        "{rule}: revoked at {}, signed at {} only as claimed by the signer — no timestamp proves it was signed before the revocation",
                        claim(r),
                        claim(c)
                    ),
                )),
                _ => Some((report.indication, sub, rule)),
            }
        }
        _ => Some((report.indication, sub, rule)),
    }
}
