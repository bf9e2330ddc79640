//! The [`Signer`] abstraction: every component that signs (CA, OCSP responder, TSA, seal
//! maker, document signer) holds a `dyn Signer`, so an HSM/PKCS#11 backend can be added
//! without touching callers. [`SoftwareSigner`] is the in-process implementation.

use super::{Algorithm, CryptoError, PrivateKey, SM2_DEFAULT_ID, oid};
use der::asn1::ObjectIdentifier;
use std::mem::ManuallyDrop;

/// Something that signs with one private key.
pub trait Signer: Send + Sync {
    /// The signing algorithm.
    fn algorithm(&self) -> Algorithm;

    /// DER SubjectPublicKeyInfo of the signing key.
    fn public_key_spki(&self) -> &[u8];

    /// Sign `message` (the hash is computed inside: SM3 with Z for SM2, SHA-256 for P-256).
    /// Returns the DER `SEQUENCE { r, s }` signature value, as placed in a BIT STRING.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// The signature algorithm OID to put in AlgorithmIdentifier (parameters absent).
    fn signature_algorithm_oid(&self) -> ObjectIdentifier {
        signature_algorithm_oid(self.algorithm())
    }
}

/// The signature AlgorithmIdentifier OID for one of our algorithms.
pub fn signature_algorithm_oid(alg: Algorithm) -> ObjectIdentifier {
    match alg {
        Algorithm::Sm2 => oid::SM2_WITH_SM3,
        Algorithm::P256 => oid::ECDSA_SHA256,
    }
}

/// `ring`'s key pair holds its scalar (and nonce key) inline and does not zeroize them on
/// drop; this box does it for it.
struct P256Key(Box<ManuallyDrop<ring::signature::EcdsaKeyPair>>);

impl Drop for P256Key {
    fn drop(&mut self) {
        // SAFETY: the key is dropped exactly once here and never used again; afterwards its
        // bytes (which hold the secret scalar inline) are overwritten through a raw byte
        // pointer. No typed read of the overwritten value ever happens: the box is then
        // freed without running the key pair's drop again (ManuallyDrop).
        unsafe {
            ManuallyDrop::drop(&mut self.0);
            let p = (&mut *self.0) as *mut ManuallyDrop<ring::signature::EcdsaKeyPair> as *mut u8;
            for i in 0..std::mem::size_of::<ring::signature::EcdsaKeyPair>() {
                std::ptr::write_volatile(p.add(i), 0);
            }
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

enum Key {
    /// Our constant-time SM2 signer (zeroizes d and (1 + d)⁻¹ on drop).
    Sm2(Box<yinxin_sm2::SigningKey>),
    /// `ring`'s ECDSA P-256 (constant time, nonces from the key and the system's randomness).
    P256(P256Key),
}

/// An in-process signer over a decrypted [`PrivateKey`]; key material is zeroized on drop.
pub struct SoftwareSigner {
    key: Key,
    spki: Vec<u8>,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareSigner({})", self.algorithm())
    }
}

impl SoftwareSigner {
    /// Build a signer from a private key.
    pub fn new(key: &PrivateKey) -> Result<Self, CryptoError> {
        let spki = key.public_key_spki_der()?;
        let bytes = key.scalar_bytes();
        let k = match key {
            PrivateKey::Sm2(_) => {
                let d: &[u8; 32] = bytes[..]
                    .try_into()
                    .map_err(|_| CryptoError::Sign("SM2 key is not 32 bytes".into()))?;
                let sk = yinxin_sm2::SigningKey::from_bytes(d)
                    .ok_or_else(|| CryptoError::Sign("SM2 key outside [1, n − 2]".into()))?;
                Key::Sm2(Box::new(sk))
            }
            PrivateKey::P256(sk) => {
                use p256::elliptic_curve::sec1::ToSec1Point;
                let public = sk.public_key().as_affine().to_sec1_point(false);
                let pair = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
                    &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    &bytes,
                    public.as_bytes(),
                    &ring::rand::SystemRandom::new(),
                )
                .map_err(|e| CryptoError::Sign(format!("P-256 key refused: {e}")))?;
                Key::P256(P256Key(Box::new(ManuallyDrop::new(pair))))
            }
        };
        Ok(SoftwareSigner { key: k, spki })
    }
}

impl Signer for SoftwareSigner {
    fn algorithm(&self) -> Algorithm {
        match self.key {
            Key::Sm2(_) => Algorithm::Sm2,
            Key::P256(_) => Algorithm::P256,
        }
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.key {
            Key::Sm2(k) => {
                let e = super::sm2::sm2_digest_with_z(k.public_key(), SM2_DEFAULT_ID, message)
                    .ok_or_else(|| CryptoError::Sign("SM2 public key".into()))?;
                let (r, s) = k.sign_prehash(&e).map_err(|_| CryptoError::Rng)?;
                let sig = sm2::dsa::Signature::from_scalars(r, s)
                    .map_err(|e| CryptoError::Sign(e.to_string()))?;
                Ok(sig.to_der().to_vec())
            }
            Key::P256(k) => {
                let sig =
                    k.0.sign(&ring::rand::SystemRandom::new(), message)
                        .map_err(|_| CryptoError::Sign("P-256 signing failed".into()))?;
                Ok(sig.as_ref().to_vec())
            }
        }
    }
}
