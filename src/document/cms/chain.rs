//! Signature plus certificate-chain validation: [`verify_with_chain`] (given anchors and
//! CRLs) and [`verify_with_options`] (the verification options of seals and documents, with
//! signature time-stamps as proof of time), reported as a [`CmsReport`].
//!
//! Owns the ETSI report; must not import signing or the CMS reader.

use super::CmsError;
use super::verify::{CmsInfo, verify_detached};
use crate::crypto::CryptoError;
use crate::verify::cert::dn_string;
use crate::verify::path::{Input, RevocationMode, Validator};
use crate::verify::purpose::Purpose;
use crate::verify::report::{Indication, Report, SubIndication};
use der::Decode;
use serde::Serialize;
use x509_cert::Certificate;

/// The sub-indications of a CMS verification: the one set of every report.
pub type CmsSubIndication = SubIndication;

/// A chain's sub-indication as a CMS report gives it: a check that did not run is `GENERIC`
/// there (CMS reports never said `NO_CHECK_RAN`).
fn from_chain(s: SubIndication) -> CmsSubIndication {
    match s {
        SubIndication::NoCheckRan => SubIndication::Generic,
        s => s,
    }
}

/// The outcome of [`verify_with_chain`].
#[derive(Clone, Debug, Serialize)]
pub struct CmsReport {
    /// Indication.
    pub indication: Indication,
    /// Sub-indication (absent when passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<CmsSubIndication>,
    /// What happened, in words.
    pub detail: String,
    /// The signer certificate's subject, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The signingTime attribute, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<i64>,
    /// genTime of the signature time-stamp token, Unix seconds, when the token *proved* it
    /// (its TSU validated for the TSU purpose to an anchor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_time: Option<i64>,
    /// The time the signer certificate was validated at, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<i64>,
    /// `timestamp` (a validated timestamp proved the time) or `current-time`.
    pub time_basis: &'static str,
    /// The TSU certificate's chain report, when the token carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsu_chain: Option<Report>,
    /// What the relying party should know (e.g. a time-stamp not accepted as proof).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Leniencies applied.
    pub tolerated: Vec<String>,
    /// The signer certificate's chain validation, when the signature verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Report>,
}

impl CmsReport {
    /// Whether the indication is TOTAL_PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }
}

fn classify(e: &CmsError) -> (Indication, CmsSubIndication) {
    use CmsSubIndication as S;
    use Indication::*;
    match e {
        CmsError::Malformed(_) | CmsError::Attributes(_) | CmsError::Input(_) => {
            (TotalFailed, S::FormatFailure)
        }
        CmsError::DigestMismatch | CmsError::ContentMismatch => (TotalFailed, S::HashFailure),
        CmsError::BadSignature => (TotalFailed, S::SigCryptoFailure),
        CmsError::SignerNotFound | CmsError::EssMismatch => {
            (Indeterminate, S::NoSigningCertificateFound)
        }
        CmsError::DataMissing => (Indeterminate, S::SignedDataNotFound),
        CmsError::Unsupported(_) => (Indeterminate, S::CryptoConstraintsFailure),
        CmsError::Crypto(CryptoError::MalformedKey(_)) => (TotalFailed, S::FormatFailure),
        CmsError::Crypto(_) => (Indeterminate, S::CryptoConstraintsFailure),
        CmsError::Timestamp(_) => (Indeterminate, S::Generic),
    }
}

/// Verify the signature ([`verify_detached`]) and then validate the signer certificate
/// with [`Validator`] at `time` (Unix seconds) against `anchors`, with the other carried
/// certificates as intermediates, `crls` as revocation data and `revocation` as the
/// revocation treatment.
pub fn verify_with_chain(
    p7s: &[u8],
    data: &[u8],
    anchors: &[Vec<u8>],
    crls: &[Vec<u8>],
    time: i64,
    revocation: RevocationMode,
) -> CmsReport {
    let info = match verify_detached(p7s, data) {
        Ok(i) => i,
        Err(e) => return signature_failure(&e),
    };
    let mut input = Input::new(
        info.signer_cert.clone(),
        anchors.to_vec(),
        time,
        Purpose::DocumentSigner,
    );
    input.crls = crls.to_vec();
    input.revocation = revocation;
    let chain = validate_signer(&info, input);
    chain_report(info, chain)
}

/// [`verify_with_chain`] with the verification options of seals and documents: their
/// anchors, intermediates, CRLs and OCSP responses, and, when `opts.trust` is set, revocation
/// data fetched for other regions' certificates and the recognition of the anchoring region.
///
/// The signer certificate is validated for the document-signer purpose at the time a
/// signature time-stamp *proves* ([`crate::verify::timestamp`]: its TSU validated for the TSU
/// purpose to an anchor), else at `opts.now`; `signingTime` is the signer's claim and only
/// decides between a failure and INDETERMINATE *_NO_POE (ETSI EN 319 102-1).
pub async fn verify_with_options(
    p7s: &[u8],
    data: &[u8],
    opts: &crate::seal::verify::VerifyOptions<'_>,
) -> CmsReport {
    let info = match verify_detached(p7s, data) {
        Ok(i) => i,
        Err(e) => return signature_failure(&e),
    };
    let inputs = opts.chain_inputs();
    let mut proven = None;
    let mut tsu_chain = None;
    let mut notes = Vec::new();
    if let Some(token) = &info.timestamp {
        let check = crate::verify::timestamp::prove(token, &info.signature_value, &inputs).await;
        tsu_chain = check.tsu_chain;
        match check.proof {
            Ok(p) => proven = Some(p),
            Err(e) => notes.push(format!(
                "the signature time-stamp is not accepted as proof of time ({e}); validated at the current time"
            )),
        }
    }
    let at = proven.as_ref().map_or(opts.now, |p| p.at());
    let chain = crate::verify::chain::validate_for(
        &info.signer_cert,
        &info.certificates,
        at,
        Purpose::DocumentSigner,
        &inputs,
    )
    .await;
    let claimed = info.signing_time;
    let judged = if proven.is_some() {
        None
    } else {
        crate::verify::chain::judge_without_poe(&chain, claimed)
    };
    let mut report = chain_report(info, chain);
    if let Some((ind, sub, rule)) = judged {
        report.indication = ind;
        report.sub_indication = Some(from_chain(sub));
        report.detail = format!("signature valid; signer certificate chain: {rule}");
    }
    report.timestamp_time = proven.as_ref().map(|p| p.at());
    report.validated_at = Some(at);
    report.time_basis = if proven.is_some() {
        "timestamp"
    } else {
        "current-time"
    };
    report.tsu_chain = tsu_chain;
    report.notes = notes;
    report
}

fn signature_failure(e: &CmsError) -> CmsReport {
    let (indication, sub) = classify(e);
    CmsReport {
        indication,
        sub_indication: Some(sub),
        detail: e.to_string(),
        signer: None,
        signing_time: None,
        timestamp_time: None,
        validated_at: None,
        time_basis: "current-time",
        tsu_chain: None,
        notes: vec![],
        tolerated: vec![],
        chain: None,
    }
}

/// Validate the signer certificate with the carried certificates added to the pool.
fn validate_signer(info: &CmsInfo, mut input: Input) -> Report {
    input.intermediates.extend(
        info.certificates
            .iter()
            .filter(|c| **c != info.signer_cert)
            .cloned(),
    );
    Validator::shared().validate(&input)
}

fn chain_report(info: CmsInfo, chain: Report) -> CmsReport {
    let signer = Certificate::from_der(&info.signer_cert)
        .ok()
        .map(|c| dn_string(c.tbs_certificate().subject()));
    let (indication, sub_indication, detail) = if chain.passed() {
        (
            Indication::TotalPassed,
            None,
            "signature valid; signer certificate chain valid".to_string(),
        )
    } else {
        let rule = chain
            .failure
            .as_ref()
            .map(|f| f.rule.clone())
            .unwrap_or_default();
        (
            chain.indication,
            chain.sub_indication.map(from_chain),
            format!("signature valid; signer certificate chain: {rule}"),
        )
    };
    CmsReport {
        indication,
        sub_indication,
        detail,
        signer,
        signing_time: info.signing_time,
        timestamp_time: None,
        validated_at: None,
        time_basis: "given",
        tsu_chain: None,
        notes: vec![],
        tolerated: info.tolerated,
        chain: Some(chain),
    }
}
