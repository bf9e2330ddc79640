//! The differential run of issue 19 at full size: N random (key, message) pairs (default
//! 1,000,000). For each, our signer's signature verifies with RustCrypto `sm2` and with ours,
//! RustCrypto's verifies with ours, and every fourth pair's message altered by one bit is
//! refused by both. Z and SM3 are computed as GB/T 32918.2 says, with the default ID; a new
//! key every 10 pairs. Exits non-zero at the first disagreement.
//!
//! `cargo run --release --manifest-path benches/compare/Cargo.toml --bin diff [N]`

use signature::{Signer as _, Verifier as _};
use yinxin_compare::{ID, scalar, z_digest};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let started = std::time::Instant::now();
    let mut keys = None;
    let mut buf = vec![0u8; 300];
    let (mut agreed, mut altered) = (0usize, 0usize);
    for i in 0..n {
        if i % 10 == 0 {
            keys = loop {
                let mut d = [0u8; 32];
                getrandom::fill(&mut d).unwrap();
                if let Some(ours) = yinxin_sm2::SigningKey::from_bytes(&d) {
                    let secret = sm2::SecretKey::from_slice(&d).unwrap();
                    let theirs = sm2::dsa::SigningKey::new(ID, &secret).unwrap();
                    let pk = yinxin_sm2::PublicKey::from_uncompressed(ours.public_key()).unwrap();
                    assert_eq!(
                        theirs.verifying_key().to_sec1_bytes().as_ref(),
                        ours.public_key().as_slice(),
                        "public keys differ for one private key"
                    );
                    break Some((ours, theirs, pk));
                }
            };
        }
        let (ours, theirs, pk) = keys.as_ref().unwrap();
        getrandom::fill(&mut buf).unwrap();
        let len = 1 + usize::from(buf[0]);
        let msg = &buf[1..1 + len.min(299)];
        // Ours → RustCrypto and ours.
        let e = z_digest(ours.public_key(), msg);
        let (r, s) = ours.sign_prehash(&e).unwrap();
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(&r);
        raw[32..].copy_from_slice(&s);
        let sig = sm2::dsa::Signature::from_slice(&raw).unwrap();
        if theirs.verifying_key().verify(msg, &sig).is_err()
            || !pk.verify_prehash(&e, &scalar(&r), &scalar(&s))
        {
            eprintln!("pair {i}: our signature refused");
            std::process::exit(1);
        }
        // RustCrypto → ours.
        let theirs_sig: sm2::dsa::Signature = theirs.sign(msg);
        if !pk.verify_prehash(&e, &theirs_sig.r(), &theirs_sig.s()) {
            eprintln!("pair {i}: RustCrypto's signature refused by ours");
            std::process::exit(1);
        }
        if i % 4 == 0 {
            let mut other = msg.to_vec();
            let at = i % other.len();
            other[at] ^= 1;
            let e2 = z_digest(ours.public_key(), &other);
            if theirs.verifying_key().verify(&other, &sig).is_ok()
                || pk.verify_prehash(&e2, &theirs_sig.r(), &theirs_sig.s())
            {
                eprintln!("pair {i}: an altered message verified");
                std::process::exit(1);
            }
            altered += 1;
        }
        agreed += 1;
        if (i + 1) % 100_000 == 0 {
            eprintln!("{} pairs, {:.0} s", i + 1, started.elapsed().as_secs_f64());
        }
    }
    println!(
        "{agreed} pairs agree both ways, {altered} altered messages refused by both, {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
