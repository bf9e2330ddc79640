//! Object identifiers of algorithms and curves (see `../shared/reference/sm2.md`).

use const_oid::ObjectIdentifier as Oid;

/// id-ecPublicKey (RFC 5480): the SubjectPublicKeyInfo algorithm of EC keys, SM2 included.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// SM2 curve (named curve parameter of an EC public key; some vendors also use it as the key algorithm).
pub const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// SM2-1 signature (used inside CMS SignerInfo by GB/T 35275).
pub const SM2_SIGN: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");
/// SM3 hash.
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
/// SM2 signature with SM3: certificates, CRLs, OCSP, seals.
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// NIST P-256 (prime256v1).
pub const P256_CURVE: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// NIST P-384 (secp384r1).
pub const P384_CURVE: Oid = Oid::new_unwrap("1.3.132.0.34");
/// NIST P-521 (secp521r1).
pub const P521_CURVE: Oid = Oid::new_unwrap("1.3.132.0.35");
/// secp192r1 / prime192v1 (weak).
pub const P192_CURVE: Oid = Oid::new_unwrap("1.2.840.10045.3.1.1");
/// secp224r1 (weak).
pub const P224_CURVE: Oid = Oid::new_unwrap("1.3.132.0.33");
/// ecdsa-with-SHA256.
pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512.
pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// rsaEncryption (SubjectPublicKeyInfo algorithm of RSA keys).
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// sha1WithRSAEncryption (verification only, legacy).
pub const RSA_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
/// RSASSA-PSS.
pub const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// sha256WithRSAEncryption.
pub const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// id-mgf1.
pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// SHA-1.
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// SHA-256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// SHA-384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// SHA-512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// id-dsa (keys).
pub const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
/// id-dsa-with-sha1.
pub const DSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");
/// id-dsa-with-sha256.
pub const DSA_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.2");
