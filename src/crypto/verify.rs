//! Signature verification for every algorithm another region's CA may use.
//!
//! SM2/SM3 goes through [`super::sm2`] (RustCrypto's arithmetic, default distinguishing ID); ECDSA P-256/P-384 and RSA
//! (PKCS#1 v1.5 and PSS, 2048 bits and more) go through `ring`, the fastest verifier here.
//! DSA is recognised and reported as unsupported. Raw 64-byte SM2 signatures (r‖s), produced by
//! some vendors, are accepted for SM2; we never produce them.
//!
//! Before any verification, [`check_signature_algorithm`] refuses weak algorithms (MD2, MD4,
//! MD5 and SHA-1, PSS with SHA-1 included) and binds an RSASSA-PSS key (SubjectPublicKeyInfo
//! algorithm id-RSASSA-PSS) to PSS signatures with the parameters it allows (RFC 4055 §3.3).

pub use super::sm2::{sm2_digest_with_z, sm2_signature_from_bytes, verify_sm2_with_id};
use super::{CryptoError, SM2_DEFAULT_ID, oid};
use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, Sequence};
use ring::signature as rs;

/// The parsed form of a SubjectPublicKeyInfo that we can verify with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKeyKind {
    /// SM2 curve point (65-byte uncompressed SEC1).
    Sm2,
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// RSA with its modulus size in bits.
    Rsa(usize),
    /// DSA (recognised, not supported).
    Dsa,
}

/// Inspect a DER SubjectPublicKeyInfo: which kind of key it holds, and its key bits.
pub fn classify_spki(spki_der: &[u8]) -> Result<(PublicKeyKind, Vec<u8>), CryptoError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| CryptoError::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CryptoError::MalformedKey("public key BIT STRING has unused bits".into()))?
        .to_vec();
    let alg = spki.algorithm.oid;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let kind = if alg == oid::SM2_CURVE {
        PublicKeyKind::Sm2
    } else if alg == oid::EC_PUBLIC_KEY {
        match curve {
            Some(c) if c == oid::SM2_CURVE => PublicKeyKind::Sm2,
            Some(c) if c == oid::P256_CURVE => PublicKeyKind::P256,
            Some(c) if c == oid::P384_CURVE => PublicKeyKind::P384,
            Some(c) if c == oid::P192_CURVE || c == oid::P224_CURVE => {
                return Err(CryptoError::WeakKey(format!(
                    "EC curve {c} is below 256 bits"
                )));
            }
            Some(c) => return Err(CryptoError::UnsupportedAlgorithm(format!("EC curve {c}"))),
            None => {
                return Err(CryptoError::MalformedKey(
                    "EC public key without a named curve".into(),
                ));
            }
        }
    } else if alg == oid::RSA_ENCRYPTION || alg == oid::RSA_PSS {
        PublicKeyKind::Rsa(rsa_modulus_bits(&key)?)
    } else if alg == oid::DSA {
        PublicKeyKind::Dsa
    } else {
        return Err(CryptoError::UnsupportedAlgorithm(format!(
            "public key algorithm {alg}"
        )));
    };
    // Point validity for the EC keys we may sign over.
    match kind {
        PublicKeyKind::Sm2 => {
            sm2::PublicKey::from_sec1_bytes(&key).map_err(|_| {
                CryptoError::MalformedKey("not a valid point on the SM2 curve".into())
            })?;
        }
        PublicKeyKind::P256 => {
            p256::PublicKey::from_sec1_bytes(&key)
                .map_err(|_| CryptoError::MalformedKey("not a valid point on P-256".into()))?;
        }
        _ => {}
    }
    Ok((kind, key))
}

#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

fn rsa_modulus_bits(key: &[u8]) -> Result<usize, CryptoError> {
    let k = RsaPublicKey::from_der(key)
        .map_err(|e| CryptoError::MalformedKey(format!("RSAPublicKey: {e}")))?;
    let n = k.modulus.as_bytes();
    let _ = k.public_exponent;
    if n.is_empty() {
        return Err(CryptoError::MalformedKey("RSA modulus is zero".into()));
    }
    Ok((n.len() - 1) * 8 + (8 - n[0].leading_zeros() as usize))
}

/// RSASSA-PSS-params (RFC 4055), only the fields we need to pick a verifier.
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", optional = "true")]
    hash: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", optional = "true")]
    mgf: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", optional = "true")]
    trailer_field: Option<u32>,
}

fn pss_verifier(params: Option<&AnyRef<'_>>) -> Result<&'static rs::RsaParameters, CryptoError> {
    let p = params
        .ok_or_else(|| CryptoError::UnsupportedAlgorithm("RSASSA-PSS without parameters".into()))?;
    let p: PssParams<'_> = p
        .decode_as()
        .map_err(|e| CryptoError::UnsupportedAlgorithm(format!("RSASSA-PSS parameters: {e}")))?;
    let hash = p.hash.map(|h| h.oid).unwrap_or(oid::SHA1);
    let mgf_hash = match &p.mgf {
        Some(m) if m.oid == oid::MGF1 => m
            .parameters
            .as_ref()
            .and_then(|a| a.decode_as::<spki::AlgorithmIdentifierRef<'_>>().ok())
            .map(|a| a.oid)
            .unwrap_or(oid::SHA1),
        Some(m) => {
            return Err(CryptoError::UnsupportedAlgorithm(format!(
                "PSS mask function {}",
                m.oid
            )));
        }
        None => oid::SHA1,
    };
    if p.trailer_field.unwrap_or(1) != 1 || mgf_hash != hash {
        return Err(CryptoError::UnsupportedAlgorithm(
            "RSASSA-PSS parameter combination".into(),
        ));
    }
    let (alg, len): (&'static rs::RsaParameters, u32) = if hash == oid::SHA256 {
        (&rs::RSA_PSS_2048_8192_SHA256, 32)
    } else if hash == oid::SHA384 {
        (&rs::RSA_PSS_2048_8192_SHA384, 48)
    } else if hash == oid::SHA512 {
        (&rs::RSA_PSS_2048_8192_SHA512, 64)
    } else {
        return Err(CryptoError::UnsupportedAlgorithm(format!(
            "RSASSA-PSS with hash {hash}"
        )));
    };
    if p.salt_length.unwrap_or(20) != len {
        return Err(CryptoError::UnsupportedAlgorithm(
            "RSASSA-PSS salt length other than the hash length".into(),
        ));
    }
    Ok(alg)
}

/// md2WithRSAEncryption, md4WithRSAEncryption, md5WithRSAEncryption, sha1WithRSAEncryption,
/// their OIW forms, ecdsa-with-SHA1: refused as weak.
const WEAK: [(ObjectIdentifier, &str); 7] = [
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2"),
        "md2WithRSAEncryption",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.3"),
        "md4WithRSAEncryption",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4"),
        "md5WithRSAEncryption",
    ),
    (oid::RSA_SHA1, "sha1WithRSAEncryption"),
    (
        ObjectIdentifier::new_unwrap("1.3.14.3.2.29"),
        "sha1WithRSASignature (OIW)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.14.3.2.3"),
        "md5WithRSA (OIW)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.1"),
        "ecdsa-with-SHA1",
    ),
];

/// Why a signature algorithm is refused before any verification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmRejection {
    /// A weak hash (MD2, MD4, MD5, SHA-1).
    #[error("weak signature algorithm {0} (SHA-1 and MD5 are not accepted)")]
    Weak(String),
    /// An RSASSA-PSS key with a signature it does not allow.
    #[error("an RSASSA-PSS key cannot verify this signature: {0}")]
    PssKeyMismatch(String),
}

/// The hash, MGF1 hash and salt length of RSASSA-PSS parameters (RFC 4055 defaults: SHA-1,
/// MGF1-SHA-1, 20).
fn pss_fields(params: Option<&AnyRef<'_>>) -> Option<(ObjectIdentifier, ObjectIdentifier, u32)> {
    let p: PssParams<'_> = match params {
        Some(a) => a.decode_as().ok()?,
        None => return Some((oid::SHA1, oid::SHA1, 20)),
    };
    let hash = p.hash.map(|h| h.oid).unwrap_or(oid::SHA1);
    let mgf = match &p.mgf {
        Some(m) => m
            .parameters
            .as_ref()
            .and_then(|a| a.decode_as::<spki::AlgorithmIdentifierRef<'_>>().ok())
            .map(|a| a.oid)
            .unwrap_or(oid::SHA1),
        None => oid::SHA1,
    };
    Some((hash, mgf, p.salt_length.unwrap_or(20)))
}

/// Refuse weak signature algorithms, and signatures an RSASSA-PSS key may not make. Runs
/// before (and inside) [`verify_signature`]; cheap (no signature arithmetic).
pub fn check_signature_algorithm(
    spki_der: &[u8],
    sig_alg: ObjectIdentifier,
    sig_params: Option<&AnyRef<'_>>,
) -> Result<(), AlgorithmRejection> {
    if let Some((_, name)) = WEAK.iter().find(|(o, _)| *o == sig_alg) {
        return Err(AlgorithmRejection::Weak((*name).to_string()));
    }
    if sig_alg == oid::RSA_PSS
        && let Some((hash, mgf, _)) = pss_fields(sig_params)
        && (hash == oid::SHA1 || mgf == oid::SHA1)
    {
        return Err(AlgorithmRejection::Weak("RSASSA-PSS with SHA-1".into()));
    }
    let Ok(key) = spki::SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return Ok(()); // verification reports the malformed key
    };
    if key.algorithm.oid != oid::RSA_PSS {
        return Ok(());
    }
    if sig_alg != oid::RSA_PSS {
        return Err(AlgorithmRejection::PssKeyMismatch(format!(
            "the key is for RSASSA-PSS only, the signature is {sig_alg}"
        )));
    }
    // A PSS key with parameters constrains the signature's: same hash and mask function,
    // a salt at least as long.
    if let Some(kp) = key.algorithm.parameters.as_ref() {
        let (Some((kh, km, ks)), Some((sh, sm, ss))) =
            (pss_fields(Some(kp)), pss_fields(sig_params))
        else {
            return Err(AlgorithmRejection::PssKeyMismatch(
                "undecodable RSASSA-PSS parameters".into(),
            ));
        };
        if kh != sh || km != sm || ss < ks {
            return Err(AlgorithmRejection::PssKeyMismatch(
                "the signature's PSS parameters are not those the key allows".into(),
            ));
        }
    }
    Ok(())
}

/// Verify `signature` over `message` made by the key in `spki_der`, with the signature
/// algorithm `sig_alg` (OID) and its parameters (for RSASSA-PSS). Weak algorithms and
/// signatures a PSS key may not make are refused first ([`check_signature_algorithm`]).
pub fn verify_signature(
    spki_der: &[u8],
    sig_alg: ObjectIdentifier,
    sig_params: Option<&AnyRef<'_>>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    if sig_alg == oid::DSA_SHA1 || sig_alg == oid::DSA_SHA256 {
        return Err(CryptoError::UnsupportedAlgorithm("DSA signatures".into()));
    }
    check_signature_algorithm(spki_der, sig_alg, sig_params)
        .map_err(|e| CryptoError::UnsupportedAlgorithm(e.to_string()))?;
    let (kind, key) = classify_spki(spki_der)?;
    let ring_alg: &'static dyn rs::VerificationAlgorithm = match (&kind, sig_alg) {
        (PublicKeyKind::Sm2, a) if a == oid::SM2_WITH_SM3 || a == oid::SM2_SIGN => {
            return verify_sm2_with_id(&key, SM2_DEFAULT_ID, message, signature);
        }
        (PublicKeyKind::P256, a) if a == oid::ECDSA_SHA256 => &rs::ECDSA_P256_SHA256_ASN1,
        (PublicKeyKind::P256, a) if a == oid::ECDSA_SHA384 => &rs::ECDSA_P256_SHA384_ASN1,
        (PublicKeyKind::P384, a) if a == oid::ECDSA_SHA256 => &rs::ECDSA_P384_SHA256_ASN1,
        (PublicKeyKind::P384, a) if a == oid::ECDSA_SHA384 => &rs::ECDSA_P384_SHA384_ASN1,
        (PublicKeyKind::Rsa(bits), _) if *bits < 2048 => {
            return Err(CryptoError::WeakKey(format!(
                "RSA key of {bits} bits (minimum 2048)"
            )));
        }
        (PublicKeyKind::Rsa(_), a) if a == oid::RSA_SHA256 => &rs::RSA_PKCS1_2048_8192_SHA256,
        (PublicKeyKind::Rsa(_), a) if a == oid::RSA_SHA384 => &rs::RSA_PKCS1_2048_8192_SHA384,
        (PublicKeyKind::Rsa(_), a) if a == oid::RSA_SHA512 => &rs::RSA_PKCS1_2048_8192_SHA512,
        (PublicKeyKind::Rsa(_), a) if a == oid::RSA_PSS => pss_verifier(sig_params)?,
        (PublicKeyKind::Dsa, _) => {
            return Err(CryptoError::UnsupportedAlgorithm("DSA signatures".into()));
        }
        (k, a) => {
            return Err(CryptoError::UnsupportedAlgorithm(format!(
                "signature algorithm {a} with a {k:?} key"
            )));
        }
    };
    rs::UnparsedPublicKey::new(ring_alg, &key)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}
