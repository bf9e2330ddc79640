//! PKCS#10 certification requests: parsing, key checks and proof of possession.
//!
//! Only the public key and the proof of possession are taken from a CSR. The subject,
//! extensions and validity come from the subject document and the profile: requested
//! attributes in the CSR are ignored, as a CA that trusts its registration data must.
//!
//! SM2 proof of possession is checked with the default distinguishing ID
//! "1234567812345678", and, if that fails, with the empty ID that OpenSSL 3.0 `req` uses when
//! no `-sigopt distid:` is given: either proves possession of the private key.

use crate::crypto::{Algorithm, CryptoError, oid, verify};
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence};

/// Why a CSR was rejected.
#[derive(Debug, thiserror::Error)]
pub enum CsrError {
    /// Not a PKCS#10 structure.
    #[error("malformed CSR: {0}")]
    Malformed(String),
    /// The key is not one of yinxin's algorithms.
    #[error("key algorithm not allowed: {0}")]
    AlgorithmNotAllowed(String),
    /// Weak key.
    #[error("weak key: {0}")]
    WeakKey(String),
    /// Malformed key.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// The CSR signature does not verify.
    #[error("CSR signature invalid: the request is not signed by the key it carries")]
    BadSignature,
}

/// `SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }`, keeping the exact
/// bytes of the signed part.
#[derive(Sequence)]
struct RawCsr<'a> {
    info: AnyRef<'a>,
    algorithm: spki::AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// A CSR whose key was checked and whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    /// Algorithm of the key.
    pub algorithm: Algorithm,
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
}

/// Decode PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER.
pub fn decode_csr_bytes(input: &[u8]) -> Result<Vec<u8>, CsrError> {
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        let (label, der_bytes) =
            der::pem::decode_vec(trimmed).map_err(|e| CsrError::Malformed(format!("PEM: {e}")))?;
        if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
            return Err(CsrError::Malformed(format!(
                "expected a CERTIFICATE REQUEST, found {label}"
            )));
        }
        Ok(der_bytes)
    } else {
        Ok(input.to_vec())
    }
}

/// Parse a CSR, check its key and verify its signature (proof of possession).
pub fn verify_csr(input: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let der_bytes = decode_csr_bytes(input)?;
    let raw = RawCsr::from_der(&der_bytes).map_err(|e| CsrError::Malformed(e.to_string()))?;
    let req = x509_cert::request::CertReq::from_der(&der_bytes)
        .map_err(|e| CsrError::Malformed(e.to_string()))?;
    let spki_der = req
        .info
        .public_key
        .to_der()
        .map_err(|e| CsrError::Malformed(e.to_string()))?;

    let (kind, point) = verify::classify_spki(&spki_der).map_err(|e| match e {
        CryptoError::WeakKey(m) => CsrError::WeakKey(m),
        CryptoError::MalformedKey(m) => CsrError::MalformedKey(m),
        other => CsrError::AlgorithmNotAllowed(other.to_string()),
    })?;
    let algorithm = match kind {
        verify::PublicKeyKind::Sm2 => Algorithm::Sm2,
        verify::PublicKeyKind::P256 => Algorithm::P256,
        verify::PublicKeyKind::Rsa(bits) if bits < 2048 => {
            return Err(CsrError::WeakKey(format!("RSA key of {bits} bits")));
        }
        other => {
            return Err(CsrError::AlgorithmNotAllowed(format!(
                "{other:?} keys are not issued (SM2 or P-256 only)"
            )));
        }
    };

    let tbs = raw
        .info
        .to_der()
        .map_err(|e| CsrError::Malformed(e.to_string()))?;
    let sig = raw
        .signature
        .as_bytes()
        .ok_or_else(|| CsrError::Malformed("signature BIT STRING has unused bits".into()))?;
    let sig_oid = raw.algorithm.oid;
    let ok = match algorithm {
        Algorithm::Sm2 => {
            if sig_oid != oid::SM2_WITH_SM3 {
                return Err(CsrError::Malformed(format!(
                    "SM2 key with signature algorithm {sig_oid}"
                )));
            }
            verify::verify_sm2_with_id(&point, crate::crypto::SM2_DEFAULT_ID, &tbs, sig).is_ok()
                || verify::verify_sm2_with_id(&point, "", &tbs, sig).is_ok()
        }
        Algorithm::P256 => verify::verify_signature(
            &spki_der,
            sig_oid,
            raw.algorithm.parameters.as_ref(),
            &tbs,
            sig,
        )
        .is_ok(),
    };
    if !ok {
        return Err(CsrError::BadSignature);
    }
    Ok(VerifiedCsr {
        algorithm,
        spki_der,
    })
}
