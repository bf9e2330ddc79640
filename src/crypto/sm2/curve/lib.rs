//! SM2 (GB/T 32918, GM/T 0003) curve arithmetic for yinxin's signatures: a variable-time
//! verifier and a constant-time signer, over our own 64-bit Montgomery field ([`field`]);
//! and the SM3 hash ([`sm3`]).
//!
//! A crate of its own so that it is built with optimisations in the dev profile too (the tests
//! sign and verify thousands of times); the `yinxin` crate (`crypto::sm2`, `crypto::Sm3`) is its only
//! user and keeps the encodings (DER signatures, SEC1 keys, Z).
//!
//! - [`verify`]: `[s]G + [t]P` in variable time (every input is public): Jacobian
//!   coordinates, interleaved wNAF, a fixed-base comb for G and for keys that come back.
//! - [`sign`]: `[k]G` by the same comb with constant-time table selection and complete
//!   (Renes–Costello–Batina) formulas, a hedged nonce, `(1 + d)⁻¹` kept per key.
//!
//! Scalars (mod n) are RustCrypto `sm2`'s own constant-time `Scalar`. This crate imports
//! nothing of yinxin's and knows nothing of certificates, encodings or I/O.

mod comb;
#[cfg(target_arch = "x86_64")]
mod cpu;
pub mod field;
mod point;
pub mod sign;
pub mod sm3;
pub mod verify;

#[cfg(all(test, target_arch = "x86_64", target_os = "linux"))]
mod timing;

pub use sign::SigningKey;
pub use verify::PublicKey;

/// SM2 curve parameters a, b, xG, yG (GB/T 32918.5), big-endian.
pub const CURVE_PARAMS: [[u8; 32]; 4] = [
    hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    hex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    hex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    hex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
];

/// The group order n, big-endian.
pub const N: [u8; 32] = hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
/// The field prime p, big-endian.
pub const P: [u8; 32] = hex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");

/// 32 bytes from 64 upper-case hex digits, at compile time.
pub const fn hex(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    assert!(b.len() == 64, "64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not an upper-case hex digit"),
    }
}
