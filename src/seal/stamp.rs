//! Stamping (盖章): an SES_Signature v4 over the SM3 of the data with the signer's key,
//! checked against the seal's status, validity and certList first, with an RFC 3161
//! timestamp over the signature value when a TSA is given. Must not import HTTP or SQL types.

use super::format::{CertRef, Seal, SesSignature};
use super::make::SealServiceError;
use super::registry::{SealRecord, SealStatus};
use crate::crypto::Signer;

/// Obtains a TimeStampToken (DER) over a signature value; `None` when the TSA refuses.
pub type TimestampFn<'a> = &'a dyn Fn(&[u8]) -> Option<Vec<u8>>;

/// Stamp: an SES_Signature v4 over `data_hash` (SM3 of the protected data) with the signer's
/// key, then a timestamp over the signature value from `timestamp` (given the DER signature
/// value, returns a TimeStampToken), if any.
pub fn stamp(
    seal: &SealRecord,
    data_hash: &[u8],
    property_info: &str,
    signer: &dyn Signer,
    signer_cert: &[u8],
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, SealServiceError> {
    if seal.status != SealStatus::Active {
        return Err(SealServiceError::NotActive(
            seal.id.clone(),
            seal.status.as_str(),
        ));
    }
    if now < seal.valid_start || now > seal.valid_end {
        return Err(SealServiceError::Invalid(format!(
            "seal {} is not within its validity period",
            seal.id
        )));
    }
    let parsed = Seal::from_der(&seal.der)?;
    if !parsed
        .cert_list
        .iter()
        .any(|c| matches!(c, CertRef::Cert(d) if d == signer_cert))
    {
        return Err(SealServiceError::SignerNotAllowed);
    }
    let tbs = SesSignature::tbs_v4(&seal.der, now, data_hash, property_info)?;
    let sig = signer
        .sign(&tbs)
        .map_err(|e| SealServiceError::Invalid(e.to_string()))?;
    let token = timestamp.and_then(|f| f(&sig));
    Ok(SesSignature::assemble_v4(
        &tbs,
        signer_cert,
        &sig,
        token.as_deref(),
    )?)
}
