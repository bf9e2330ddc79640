//! [`TsHash`]: the hash algorithms a message imprint may use (SHA-256/384/512 and SM3),
//! their OIDs, names and digests.
//!
//! Owns the algorithm list; must not import the protocol structures, the responder, the
//! client or token parsing.

use super::TspError;
use crate::crypto::oid as alg;
use const_oid::ObjectIdentifier;
use spki::AlgorithmIdentifierOwned;
use std::fmt;
use std::str::FromStr;

/// A hash algorithm a message imprint may use. SHA-1, MD5 and everything else are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsHash {
    /// SHA-256 (`2.16.840.1.101.3.4.2.1`).
    Sha256,
    /// SHA-384 (`2.16.840.1.101.3.4.2.2`).
    Sha384,
    /// SHA-512 (`2.16.840.1.101.3.4.2.3`).
    Sha512,
    /// SM3 (`1.2.156.10197.1.401`).
    Sm3,
}

impl TsHash {
    /// Every accepted algorithm, in a stable order.
    pub const ALL: [TsHash; 4] = [TsHash::Sha256, TsHash::Sha384, TsHash::Sha512, TsHash::Sm3];

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            TsHash::Sha256 => alg::SHA256,
            TsHash::Sha384 => alg::SHA384,
            TsHash::Sha512 => alg::SHA512,
            TsHash::Sm3 => alg::SM3,
        }
    }

    /// The accepted algorithm with this OID, if any.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<TsHash> {
        TsHash::ALL.into_iter().find(|h| h.oid() == *oid)
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            TsHash::Sha256 | TsHash::Sm3 => 32,
            TsHash::Sha384 => 48,
            TsHash::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            TsHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            TsHash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            TsHash::Sha512 => sha2::Sha512::digest(data).to_vec(),
            TsHash::Sm3 => crate::crypto::sm3(data).to_vec(),
        }
    }

    /// The lower-case name used by the CLI (`sha256`, `sha384`, `sha512`, `sm3`).
    pub fn as_str(self) -> &'static str {
        match self {
            TsHash::Sha256 => "sha256",
            TsHash::Sha384 => "sha384",
            TsHash::Sha512 => "sha512",
            TsHash::Sm3 => "sm3",
        }
    }

    /// `AlgorithmIdentifier` with absent parameters.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }
}

impl fmt::Display for TsHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TsHash {
    type Err = TspError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Ok(TsHash::Sha256),
            "sha384" => Ok(TsHash::Sha384),
            "sha512" => Ok(TsHash::Sha512),
            "sm3" => Ok(TsHash::Sm3),
            _ => Err(TspError::UnsupportedHash(s.to_string())),
        }
    }
}
