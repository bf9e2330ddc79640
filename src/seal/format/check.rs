//! The checks that need no trust anchor: the seal maker's signature, the signer's signature
//! over the exact `TBS_Sign` bytes (with the tolerated OID variants and raw `r‖s` values),
//! signer ↔ `certList`, the data hash and the validity period at signing time; and the
//! process-wide cache of maker-signature checks that passed.
//!
//! Owns verification; must not import the builders or the `der` derive structures, and
//! consults no trust anchor.

use super::model::{CertRef, ExtData, Seal, SesSignature, SignatureCheck, Tolerance};
use super::tlv::{get, read_one, seq_children, tag};
use super::{SM2_WITH_SM3_MISSPELLED, SealError};
use crate::crypto::verify::{PublicKeyKind, classify_spki, verify_signature, verify_sm2_with_id};
use crate::crypto::{CryptoError, HashAlg, SM2_DEFAULT_ID, oid};
use der::asn1::ObjectIdentifier;
/// The SubjectPublicKeyInfo of a certificate: through the shared (cached) certificate view,
/// or, if the lenient parser refuses it, by position in `TBSCertificate`.
pub(super) fn spki_of(cert_der: &[u8]) -> Result<Vec<u8>, SealError> {
    if let Ok(c) = crate::verify::cert::Cert::shared(cert_der) {
        return Ok(c.spki_der.clone());
    }
    let w = "certificate";
    let cert = read_one(cert_der, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let parts = seq_children(&cert, 3, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let tbs = get(&parts, 0, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let fields = seq_children(tbs, 10, w).map_err(|e| SealError::Certificate(e.to_string()))?;
    let skip = usize::from(fields.first().map(|f| f.tag) == Some(tag::CTX0));
    // [version] serial signature issuer validity subject spki
    let spki = fields
        .get(skip + 5)
        .ok_or_else(|| SealError::Certificate("no SubjectPublicKeyInfo".into()))?;
    Ok(spki.raw.to_vec())
}

/// A raw `r‖s` value: 64 bytes that are not an ECDSA-Sig-Value (SEQUENCE of two INTEGERs).
/// Any well-formed DER element was taken for a DER signature before, so about one random
/// `r‖s` in 256 (a first-byte tag and a length byte of 62) was not recognised as raw.
fn is_raw_rs(sig: &[u8]) -> bool {
    sig.len() == 64 && sm2::dsa::Signature::from_der(sig).is_err()
}

/// Verify `sig` over `message` with the key of `cert_der`, tolerating the SM2 OID variants and
/// raw `r‖s` values seen in real files.
/// Signature checks that passed, keyed by SHA-256 over (certificate, algorithm, SHA-256 of the
/// message, signature): a seal's maker signature is checked once per process, not once per
/// stamped document (signatures over documents are not cached: each is unique). Only successes are kept; the map is cleared when it reaches
/// [`VERIFIED_LIMIT`] entries, so memory stays bounded.
static VERIFIED: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<[u8; 32], SignatureCheck>>,
> = std::sync::OnceLock::new();
const VERIFIED_LIMIT: usize = 50_000;

fn verify_with_cert_cached(
    cert_der: &[u8],
    alg: ObjectIdentifier,
    message: &[u8],
    sig: &[u8],
) -> Result<SignatureCheck, SealError> {
    let mut k = Vec::with_capacity(cert_der.len() + sig.len() + 64);
    k.extend_from_slice(&(cert_der.len() as u64).to_be_bytes());
    k.extend_from_slice(cert_der);
    k.extend_from_slice(alg.as_bytes());
    k.push(0);
    k.extend_from_slice(&crate::crypto::sha256(message));
    k.extend_from_slice(sig);
    let key = crate::crypto::sha256(&k);
    let cache = VERIFIED.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(hit);
    }
    let check = verify_with_cert(cert_der, alg, message, sig)?;
    if let Ok(mut m) = cache.lock() {
        if m.len() >= VERIFIED_LIMIT {
            m.clear();
        }
        m.insert(key, check.clone());
    }
    Ok(check)
}

fn verify_with_cert(
    cert_der: &[u8],
    alg: ObjectIdentifier,
    message: &[u8],
    sig: &[u8],
) -> Result<SignatureCheck, SealError> {
    let spki = spki_of(cert_der)?;
    let (kind, point) =
        classify_spki(&spki).map_err(|e| SealError::Certificate(format!("public key: {e}")))?;
    let mut tolerated = Vec::new();
    let raw = is_raw_rs(sig);
    match kind {
        PublicKeyKind::Sm2 => {
            if alg == oid::SM2_SIGN {
                tolerated.push(Tolerance::Sm2SignOid);
            } else if alg == SM2_WITH_SM3_MISSPELLED {
                tolerated.push(Tolerance::MisspelledSm2Oid);
            } else if alg != oid::SM2_WITH_SM3 {
                return Err(SealError::Crypto(CryptoError::UnsupportedAlgorithm(
                    format!("signature algorithm {alg} with an SM2 key"),
                )));
            }
            if raw {
                tolerated.push(Tolerance::RawSignature);
            }
            verify_sm2_with_id(&point, SM2_DEFAULT_ID, message, sig)?;
        }
        PublicKeyKind::P256 if raw => {
            tolerated.push(Tolerance::RawSignature);
            let s = p256::ecdsa::Signature::from_slice(sig)
                .map_err(|_| SealError::Crypto(CryptoError::MalformedSignature))?;
            verify_signature(&spki, alg, None, message, s.to_der().as_bytes())?;
        }
        _ => verify_signature(&spki, alg, None, message, sig)?,
    }
    Ok(SignatureCheck {
        key: kind,
        tolerated,
    })
}

/// The digest of `data` for a `certDigestList` type name (SM3, SHA-1, SHA-256; names or OIDs,
/// case, hyphens, underscores and spaces ignored).
fn digest_by_name(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    let a: String = alg
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect();
    HashAlg::from_name(&a)
        .or_else(|| HashAlg::from_dotted(&a))
        .filter(|h| matches!(h, HashAlg::Sm3 | HashAlg::Sha1 | HashAlg::Sha256))
        .map(|h| h.digest(data))
}

/// Whether `value` (raw, or as hex or Base64 text) equals `digest`.
fn digest_value_matches(value: &[u8], digest: &[u8]) -> bool {
    if value == digest {
        return true;
    }
    let Ok(s) = std::str::from_utf8(value) else {
        return false;
    };
    let s = s.trim();
    if hex::decode(s).is_ok_and(|d| d == digest) {
        return true;
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .is_ok_and(|d| d == digest)
}

fn unknown_critical(e: &[ExtData]) -> Vec<&ExtData> {
    e.iter()
        .filter(|e| e.critical && e.known_name().is_none())
        .collect()
}

impl Seal {
    /// Verify the seal maker's signature over [`Seal::signed_bytes`] with the maker
    /// certificate's key (SM2 with the default ID, or ECDSA P-256). Tolerated algorithm OIDs and
    /// raw signature values are reported in the result.
    pub fn verify_maker_signature(&self) -> Result<SignatureCheck, SealError> {
        verify_with_cert_cached(
            &self.maker_cert,
            self.sign_alg,
            &self.signed_bytes,
            &self.signature,
        )
    }

    /// The critical `extDatas` entries that are no known vendor extension: to be reported,
    /// never a reason to fail.
    pub fn unknown_critical_ext_datas(&self) -> Vec<&ExtData> {
        unknown_critical(&self.ext_datas)
    }
}

impl SesSignature {
    /// Verify the signature value over the exact `TBS_Sign` bytes with the signer
    /// certificate's key.
    pub fn verify_signature(&self) -> Result<SignatureCheck, SealError> {
        verify_with_cert(
            &self.signer_cert,
            self.sign_alg,
            &self.tbs_bytes,
            &self.signature,
        )
    }

    /// The critical `TBS_Sign.extDatas` entries that are no known vendor extension (e.g.
    /// Tongzhiweiye's): to be reported, never a reason to fail.
    pub fn unknown_critical_ext_datas(&self) -> Vec<&ExtData> {
        unknown_critical(&self.ext_datas)
    }

    /// Whether the signer certificate is in the seal's `certList` (byte-equal, or by digest
    /// for certListType 2: SM3, SHA-1 or SHA-256 as the entry's `type` says).
    pub fn signer_in_cert_list(&self) -> bool {
        self.seal.cert_list.iter().any(|c| match c {
            CertRef::Cert(d) => *d == self.signer_cert,
            CertRef::Digest { alg, value } => digest_by_name(alg, &self.signer_cert)
                .is_some_and(|dg| digest_value_matches(value, &dg)),
            CertRef::Opaque(_) => false,
        })
    }

    /// Whether `dataHash` is the SM3 digest of `data` (for OFD: the raw bytes of
    /// `Signature.xml`).
    pub fn check_data(&self, data: &[u8]) -> bool {
        self.data_hash.as_slice() == crate::crypto::sm3(data).as_slice()
    }

    /// Check `validStart ≤ signing time ≤ validEnd` with the signing time from `timeInfo`;
    /// returns the signing time used.
    pub fn validity_at_signing(&self) -> Result<i64, SealError> {
        let at = self
            .time_info
            .ok_or_else(|| SealError::NoSigningTime(self.time_info_text.clone()))?;
        if at < self.seal.valid_start {
            return Err(SealError::SealNotYetValid {
                signing_time: at,
                valid_start: self.seal.valid_start,
            });
        }
        if at > self.seal.valid_end {
            return Err(SealError::SealExpired {
                signing_time: at,
                valid_end: self.seal.valid_end,
            });
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_names() {
        let d = digest_by_name("SM3", b"abc").unwrap_or_default();
        assert_eq!(d.len(), 32);
        assert!(digest_by_name("sha-1", b"abc").is_some_and(|d| d.len() == 20));
        assert!(digest_by_name("SHA256", b"abc").is_some_and(|d| d.len() == 32));
        assert!(digest_by_name("md5", b"abc").is_none());
        assert!(digest_value_matches(hex::encode(&d).as_bytes(), &d));
    }
}
