//! The [`Signer`] abstraction: every component that signs (CA, OCSP responder, TSA, seal
//! maker, document signer) holds a `dyn Signer`, so an HSM/PKCS#11 backend can be added
//! without touching callers. [`SoftwareSigner`] is the in-process implementation.

use super::{Algorithm, CryptoError, PrivateKey, SM2_DEFAULT_ID, oid};
use der::asn1::ObjectIdentifier;
use signature::Signer as _;
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

/// `sm2::dsa::SigningKey` does not zeroize its scalar on drop; this box does it for it.
struct Sm2Key(Box<ManuallyDrop<sm2::dsa::SigningKey>>);

impl Drop for Sm2Key {
    fn drop(&mut self) {
        // SAFETY: the key is dropped exactly once here and never used again; afterwards its
        // bytes (which hold the secret scalar inline) are overwritten through a raw byte
        // pointer. No typed read of the overwritten value ever happens: the box is then
        // freed without running `SigningKey`'s drop again (ManuallyDrop).
        unsafe {
            ManuallyDrop::drop(&mut self.0);
            let p = (&mut *self.0) as *mut ManuallyDrop<sm2::dsa::SigningKey> as *mut u8;
            for i in 0..std::mem::size_of::<sm2::dsa::SigningKey>() {
                std::ptr::write_volatile(p.add(i), 0);
            }
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

enum Key {
    Sm2(Sm2Key),
    // ecdsa::SigningKey zeroizes its scalar on drop.
    P256(p256::ecdsa::SigningKey),
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
        let k = match key {
            PrivateKey::Sm2(sk) => {
                let sk = sm2::dsa::SigningKey::new(SM2_DEFAULT_ID, sk)
                    .map_err(|e| CryptoError::Sign(e.to_string()))?;
                Key::Sm2(Sm2Key(Box::new(ManuallyDrop::new(sk))))
            }
            PrivateKey::P256(_) => {
                let bytes = key.scalar_bytes();
                let sk = p256::ecdsa::SigningKey::from_slice(&bytes)
                    .map_err(|e| CryptoError::Sign(e.to_string()))?;
                Key::P256(sk)
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
                let sig: sm2::dsa::Signature =
                    k.0.try_sign(message)
                        .map_err(|e| CryptoError::Sign(e.to_string()))?;
                Ok(sig.to_der().to_vec())
            }
            Key::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .try_sign(message)
                    .map_err(|e| CryptoError::Sign(e.to_string()))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }
}
