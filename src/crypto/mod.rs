//! Cryptographic primitives: the algorithms yinxin signs with (SM2/SM3 and ECDSA P-256),
//! the [`Signer`] abstraction every signing component uses (CA, OCSP, TSA, seals), private
//! keys and their encrypted-at-rest form (PKCS#8 / PBES2), and signature verification for
//! everything other regions may present (SM2, ECDSA P-256/P-384, RSA PKCS#1 v1.5 and PSS), and
//! the one table of hash algorithms ([`HashAlg`]: OIDs, names, lengths, digests) from which
//! each protocol picks the ones it accepts.
//!
//! Nothing here knows about certificates, profiles, HTTP or SQL.

pub mod hash;
pub mod hsm;
pub mod keys;
pub mod oid;
pub mod signer;
pub mod sm2;
pub mod stream;
pub mod verify;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use hash::HashAlg;
pub use keys::{DecryptedKeys, KeyStore, Passphrase, PrivateKey};
pub use signer::{Signer, SoftwareSigner};

/// The default SM2 distinguishing identifier (GM/T 0009): 16 ASCII bytes "1234567812345678".
/// Certificates, CRLs, OCSP responses, seals and OFD signatures all use it.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// A signing algorithm yinxin issues with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// SM2 signature with SM3 (GM/T 0003, GM/T 0004), default distinguishing ID.
    Sm2,
    /// ECDSA over NIST P-256 with SHA-256.
    P256,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Algorithm; 2] = [Algorithm::Sm2, Algorithm::P256];

    /// The lower-case name used in files, the CLI and the API (`sm2`, `p256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sm2 => "sm2",
            Algorithm::P256 => "p256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sm2" => Ok(Algorithm::Sm2),
            "p256" | "p-256" | "ecdsa-p256" => Ok(Algorithm::P256),
            other => Err(CryptoError::UnknownAlgorithm(other.to_string())),
        }
    }
}

/// Errors from the cryptographic layer. Messages never contain key material or passphrases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The algorithm name is not one yinxin knows.
    #[error("unknown algorithm '{0}' (expected sm2 or p256)")]
    UnknownAlgorithm(String),
    /// The signature algorithm is recognised but not supported (e.g. DSA).
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A public key could not be parsed or is not valid for its algorithm.
    #[error("malformed public key: {0}")]
    MalformedKey(String),
    /// A public key is valid but too weak for yinxin's policy.
    #[error("weak public key: {0}")]
    WeakKey(String),
    /// The signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// The signature value is not a well-formed encoding.
    #[error("malformed signature value")]
    MalformedSignature,
    /// A private key could not be decrypted (wrong passphrase or damaged file).
    #[error("cannot decrypt private key {0}: wrong passphrase or damaged file")]
    Decrypt(String),
    /// A private key file is not what it should be.
    #[error("invalid private key {0}: {1}")]
    InvalidPrivateKey(String, String),
    /// The operating system's random generator failed.
    #[error("random number generator failure")]
    Rng,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// Key store I/O.
    #[error("key store: {0}")]
    Io(String),
    /// DER encoding or decoding of a crypto structure failed.
    #[error("encoding error: {0}")]
    Encoding(String),
}

impl From<der::Error> for CryptoError {
    fn from(e: der::Error) -> Self {
        CryptoError::Encoding(e.to_string())
    }
}

/// Fill `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError::Rng)
}

/// SM3, a block at a time: ours (`yinxin-sm2`, AVX-512 message expansion where the CPU has
/// it), held to RustCrypto `sm3` by its tests.
pub use yinxin_sm2::sm3::Sm3;

/// SM3 digest of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data)
}

/// Whether two byte strings are equal, in time that depends only on their lengths (secrets,
/// states, CSRF tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let out = sha2::Sha256::digest(data);
    let mut r = [0u8; 32];
    r.copy_from_slice(&out);
    r
}
