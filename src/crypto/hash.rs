//! [`HashAlg`]: every hash algorithm yinxin computes (SHA-1 for legacy identifiers only,
//! SHA-256/384/512 and SM3), with its OID, names, output length and digest, in one table.
//!
//! Which algorithms a protocol accepts is the protocol's decision, not this module's: each one
//! names its subset, either with `hash_subset!` (a typed enum of the accepted variants that
//! converts to and from [`HashAlg`], e.g. `status::tsp::TsHash` and `status::ocsp::IdHash`) or
//! by filtering [`HashAlg`] values (OFD CheckMethods, seal `certDigestList` names). SHA-1 is
//! here so that CertIDs and ESS v1 hashes can be computed and compared; signature algorithms
//! over SHA-1 are refused by [`super::verify::check_signature_algorithm`], which does not
//! consult this table.
//!
//! Owns the algorithm table; must not import anything outside `crypto`.

use super::oid;
use const_oid::ObjectIdentifier;
use spki::AlgorithmIdentifierOwned;
use std::fmt;

/// A hash algorithm yinxin can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-1 (`1.3.14.3.2.26`): legacy identifiers only (OCSP CertIDs, ESS v1, seal
    /// certificate digests), never for signatures.
    Sha1,
    /// SHA-256 (`2.16.840.1.101.3.4.2.1`).
    Sha256,
    /// SHA-384 (`2.16.840.1.101.3.4.2.2`).
    Sha384,
    /// SHA-512 (`2.16.840.1.101.3.4.2.3`).
    Sha512,
    /// SM3 (`1.2.156.10197.1.401`).
    Sm3,
}

impl HashAlg {
    /// Every algorithm, in a stable order.
    pub const ALL: [HashAlg; 5] = [
        HashAlg::Sha1,
        HashAlg::Sha256,
        HashAlg::Sha384,
        HashAlg::Sha512,
        HashAlg::Sm3,
    ];

    /// The algorithm's OID.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha1 => oid::SHA1,
            HashAlg::Sha256 => oid::SHA256,
            HashAlg::Sha384 => oid::SHA384,
            HashAlg::Sha512 => oid::SHA512,
            HashAlg::Sm3 => oid::SM3,
        }
    }

    /// The OID in dotted text, as some formats (OFD, seals) write it.
    pub const fn dotted(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "1.3.14.3.2.26",
            HashAlg::Sha256 => "2.16.840.1.101.3.4.2.1",
            HashAlg::Sha384 => "2.16.840.1.101.3.4.2.2",
            HashAlg::Sha512 => "2.16.840.1.101.3.4.2.3",
            HashAlg::Sm3 => "1.2.156.10197.1.401",
        }
    }

    /// The algorithm with this OID, if any.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        HashAlg::ALL.into_iter().find(|h| h.oid() == *oid)
    }

    /// The algorithm whose dotted OID is exactly `s`.
    pub fn from_dotted(s: &str) -> Option<HashAlg> {
        HashAlg::ALL.into_iter().find(|h| h.dotted() == s)
    }

    /// The lower-case name (`sha1`, `sha256`, `sha384`, `sha512`, `sm3`).
    pub const fn as_str(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
            HashAlg::Sm3 => "sm3",
        }
    }

    /// The name as the standards write it, with its hyphen (`sha-256`); `sm3` has none.
    const fn hyphenated(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha-1",
            HashAlg::Sha256 => "sha-256",
            HashAlg::Sha384 => "sha-384",
            HashAlg::Sha512 => "sha-512",
            HashAlg::Sm3 => "sm3",
        }
    }

    /// The algorithm named `s`, case ignored: `sha256` or `sha-256` (and so on), `sm3`. Not
    /// OIDs (see [`HashAlg::from_dotted`]); callers that tolerate other spellings normalise
    /// first.
    pub fn from_name(s: &str) -> Option<HashAlg> {
        HashAlg::ALL
            .into_iter()
            .find(|h| s.eq_ignore_ascii_case(h.as_str()) || s.eq_ignore_ascii_case(h.hyphenated()))
    }

    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 | HashAlg::Sm3 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            HashAlg::Sha1 => ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
                .as_ref()
                .to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
            HashAlg::Sm3 => super::sm3(data).to_vec(),
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

impl fmt::Display for HashAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declare the subset of [`HashAlg`] a protocol accepts, as an enum of its own whose variants
/// are [`HashAlg`] variants: it gets `ALL`, `alg`, `oid`, `from_oid` (only the accepted
/// OIDs), `output_len`, `digest`, and conversions `From<Subset> for HashAlg` and
/// `TryFrom<HashAlg>` (`Err(())` for an algorithm outside the subset).
macro_rules! hash_subset {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every accepted algorithm, in a stable order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The algorithm in [`HashAlg`](crate::crypto::hash::HashAlg) terms.
            pub const fn alg(self) -> $crate::crypto::hash::HashAlg {
                match self {
                    $($name::$variant => $crate::crypto::hash::HashAlg::$variant),+
                }
            }

            /// The algorithm's OID.
            pub const fn oid(self) -> ::const_oid::ObjectIdentifier {
                self.alg().oid()
            }

            /// The accepted algorithm with this OID, if any.
            pub fn from_oid(oid: &::const_oid::ObjectIdentifier) -> Option<$name> {
                $crate::crypto::hash::HashAlg::from_oid(oid).and_then(|h| $name::try_from(h).ok())
            }

            /// Digest length in bytes.
            pub const fn output_len(self) -> usize {
                self.alg().output_len()
            }

            /// Hash `data`.
            pub fn digest(self, data: &[u8]) -> Vec<u8> {
                self.alg().digest(data)
            }
        }

        impl From<$name> for $crate::crypto::hash::HashAlg {
            fn from(h: $name) -> Self {
                h.alg()
            }
        }

        impl TryFrom<$crate::crypto::hash::HashAlg> for $name {
            type Error = ();
            #[allow(unreachable_patterns)]
            fn try_from(h: $crate::crypto::hash::HashAlg) -> Result<Self, ()> {
                match h {
                    $($crate::crypto::hash::HashAlg::$variant => Ok($name::$variant),)+
                    _ => Err(()),
                }
            }
        }
    };
}
pub(crate) use hash_subset;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for h in HashAlg::ALL {
            assert_eq!(h.oid().to_string(), h.dotted());
            assert_eq!(HashAlg::from_oid(&h.oid()), Some(h));
            assert_eq!(HashAlg::from_dotted(h.dotted()), Some(h));
            assert_eq!(HashAlg::from_name(h.as_str()), Some(h));
            assert_eq!(HashAlg::from_name(&h.hyphenated().to_uppercase()), Some(h));
            assert_eq!(h.digest(b"abc").len(), h.output_len());
        }
        assert_eq!(HashAlg::from_name("md5"), None);
        assert_eq!(HashAlg::from_name("sm-3"), None);
        assert_eq!(HashAlg::from_name(" sha256"), None);
        assert_eq!(
            hex::encode(HashAlg::Sm3.digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            hex::encode(HashAlg::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    hash_subset! {
        /// A test subset.
        enum Two { Sha1, Sm3 }
    }

    #[test]
    fn subsets_convert() {
        assert_eq!(Two::ALL, [Two::Sha1, Two::Sm3]);
        assert_eq!(Two::from_oid(&Two::Sm3.oid()), Some(Two::Sm3));
        assert_eq!(Two::from_oid(&oid::SHA256), None);
        assert_eq!(Two::try_from(HashAlg::Sha384), Err(()));
        assert_eq!(HashAlg::from(Two::Sha1), HashAlg::Sha1);
        assert_eq!(Two::Sha1.digest(b"").len(), Two::Sha1.output_len());
    }
}
