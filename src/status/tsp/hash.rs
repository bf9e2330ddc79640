//! [`TsHash`]: the hash algorithms a message imprint may use (SHA-256/384/512 and SM3), a
//! subset of [`HashAlg`] (which owns their OIDs, names and digests), and their CLI names.
//!
//! Owns the list of accepted algorithms; must not import the protocol structures, the
//! responder, the client or token parsing.

use super::TspError;
use crate::crypto::hash::{HashAlg, hash_subset};
use spki::AlgorithmIdentifierOwned;
use std::fmt;
use std::str::FromStr;

hash_subset! {
    /// A hash algorithm a message imprint may use. SHA-1, MD5 and everything else are refused.
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
}

impl TsHash {
    /// The lower-case name used by the CLI (`sha256`, `sha384`, `sha512`, `sm3`).
    pub fn as_str(self) -> &'static str {
        self.alg().as_str()
    }

    /// `AlgorithmIdentifier` with absent parameters.
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        self.alg().algorithm_identifier()
    }
}

impl fmt::Display for TsHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TsHash {
    type Err = TspError;
    /// A CLI name, case and hyphens ignored (`SHA-256`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlg::from_name(&s.to_ascii_lowercase().replace('-', ""))
            .and_then(|h| TsHash::try_from(h).ok())
            .ok_or_else(|| TspError::UnsupportedHash(s.to_string()))
    }
}
