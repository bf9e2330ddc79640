//! Operations per second of our SM2 and P-256 beside the peers, one core, one run. See
//! README.md.

use signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use signature::{Signer as _, Verifier as _};
use sm3::Digest as _;
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};
use yinxin_compare::{ID, scalar, z_digest};

/// Runs of `f` in about `budget`, as operations per second.
fn rate(budget: Duration, f: &mut dyn FnMut()) -> f64 {
    // Calibrate on a few calls, then time a batch sized to the budget.
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget / 10 {
        f();
        n += 1;
    }
    let per = start.elapsed().as_secs_f64() / n as f64;
    let batch = ((budget.as_secs_f64() / per) as u64).max(1);
    let start = Instant::now();
    for _ in 0..batch {
        f();
    }
    batch as f64 / start.elapsed().as_secs_f64()
}

/// A named operation to time.
type Case<'a> = (&'static str, Box<dyn FnMut() + 'a>);

struct Row {
    name: &'static str,
    best: f64,
}

/// Three interleaved rounds over all cases; the best of each.
fn measure(cases: &mut [Case<'_>]) -> Vec<Row> {
    let mut best = vec![0f64; cases.len()];
    for _ in 0..3 {
        for (i, (_, f)) in cases.iter_mut().enumerate() {
            best[i] = best[i].max(rate(Duration::from_millis(1000), f.as_mut()));
        }
    }
    cases
        .iter()
        .zip(best)
        .map(|((name, _), best)| Row { name, best })
        .collect()
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    b
}

fn sm2_keys() -> (
    yinxin_sm2::SigningKey,
    sm2::dsa::SigningKey,
    efficient_sm2::KeyPair,
) {
    loop {
        let d = random32();
        if let Some(ours) = yinxin_sm2::SigningKey::from_bytes(&d) {
            let secret = sm2::SecretKey::from_slice(&d).unwrap();
            let rc = sm2::dsa::SigningKey::new(ID, &secret).unwrap();
            let eff = efficient_sm2::KeyPair::new(&d).unwrap();
            return (ours, rc, eff);
        }
    }
}

fn main() {
    let (ours, rc, eff) = sm2_keys();
    let e = random32();
    let msg = vec![0x5au8; 1024];

    // Signatures to verify, made once per implementation.
    let (r, s) = ours.sign_prehash(&e).unwrap();
    let (rs, ss) = (scalar(&r), scalar(&s));
    let ours_pk = yinxin_sm2::PublicKey::from_uncompressed(ours.public_key()).unwrap();
    let rc_vk = rc.verifying_key().clone();
    let rc_sig: sm2::dsa::Signature = rc.sign_prehash(&e).unwrap();
    let eff_pk = eff.public_key();
    let mut eff_rng = efficient_sm2::DefaultRand(efficient_sm2_rng());
    let eff_sig = eff.sign_digest(&mut eff_rng, &e).unwrap();
    // A stream of fresh keys for the "new key every time" row. The verifier builds a table for
    // a key on its third sighting among the last 4,096 keys counted; 5,000 keys in turn never
    // get there, so this row never profits from one.
    let fresh: Vec<([u8; 65], [u8; 32], [u8; 32])> = (0..5_000)
        .map(|_| {
            let (k, _, _) = sm2_keys();
            let (r, s) = k.sign_prehash(&e).unwrap();
            (*k.public_key(), r, s)
        })
        .collect();
    let mut next = 0usize;

    // 1 KiB messages with Z.
    let ours_msg_sig = {
        let z = z_digest(ours.public_key(), &msg);
        ours.sign_prehash(&z).unwrap()
    };
    let rc_msg_sig: sm2::dsa::Signature = rc.sign(&msg);

    // P-256.
    let p256_d = loop {
        let d = random32();
        if p256::SecretKey::from_slice(&d).is_ok() {
            break d;
        }
    };
    let p256_sk = p256::ecdsa::SigningKey::from_slice(&p256_d).unwrap();
    let p256_vk = *p256_sk.verifying_key();
    let p256_point = p256_vk.to_sec1_point(false);
    let ring_rng = ring::rand::SystemRandom::new();
    let ring_kp = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &p256_d,
        p256_point.as_bytes(),
        &ring_rng,
    )
    .unwrap();
    let ring_sig = ring_kp.sign(&ring_rng, &msg).unwrap();
    let ring_pk = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        p256_point.as_bytes().to_vec(),
    );
    let p256_sig: p256::ecdsa::Signature = p256_sk.sign(&msg);
    let block = vec![0xa5u8; 16 * 1024];

    let mut cases: Vec<Case<'_>> = vec![
        (
            "sm2 sign (digest), ours, constant time",
            Box::new(|| {
                black_box(ours.sign_prehash(black_box(&e)).unwrap());
            }),
        ),
        (
            "sm2 sign (digest), RustCrypto sm2",
            Box::new(|| {
                let s: sm2::dsa::Signature = rc.sign_prehash(black_box(&e)).unwrap();
                black_box(s);
            }),
        ),
        (
            "sm2 sign (digest), efficient-sm2",
            Box::new(|| {
                black_box(eff.sign_digest(&mut eff_rng, black_box(&e)).unwrap());
            }),
        ),
        (
            "sm2 verify (digest), ours, key seen often",
            Box::new(|| {
                assert!(ours_pk.verify_prehash(black_box(&e), &rs, &ss));
            }),
        ),
        (
            "sm2 verify (digest), ours, a new key each time",
            Box::new(|| {
                let (pk, r, s) = &fresh[next % fresh.len()];
                next += 1;
                // Parsing the key (the on-curve check) is part of the cost.
                let pk = yinxin_sm2::PublicKey::from_uncompressed(pk).unwrap();
                assert!(pk.verify_prehash(black_box(&e), &scalar(r), &scalar(s)));
            }),
        ),
        (
            "sm2 verify (digest), RustCrypto sm2",
            Box::new(|| {
                assert!(rc_vk.verify_prehash(black_box(&e), &rc_sig).is_ok());
            }),
        ),
        (
            "sm2 verify (digest), efficient-sm2",
            Box::new(|| {
                assert!(eff_sig.verify_digest(&eff_pk, black_box(&e)).is_ok());
            }),
        ),
        (
            "sm2 sign 1 KiB (Z + SM3), ours",
            Box::new(|| {
                let z = z_digest(ours.public_key(), black_box(&msg));
                black_box(ours.sign_prehash(&z).unwrap());
            }),
        ),
        (
            "sm2 sign 1 KiB (Z + SM3), RustCrypto sm2",
            Box::new(|| {
                let s: sm2::dsa::Signature = rc.sign(black_box(&msg));
                black_box(s);
            }),
        ),
        (
            "sm2 verify 1 KiB (Z + SM3), ours",
            Box::new(|| {
                let z = z_digest(ours.public_key(), black_box(&msg));
                assert!(ours_pk.verify_prehash(
                    &z,
                    &scalar(&ours_msg_sig.0),
                    &scalar(&ours_msg_sig.1)
                ));
            }),
        ),
        (
            "sm2 verify 1 KiB (Z + SM3), RustCrypto sm2",
            Box::new(|| {
                assert!(rc_vk.verify(black_box(&msg), &rc_msg_sig).is_ok());
            }),
        ),
        (
            "p256 sign 1 KiB, ring (ours)",
            Box::new(|| {
                black_box(ring_kp.sign(&ring_rng, black_box(&msg)).unwrap());
            }),
        ),
        (
            "p256 sign 1 KiB, RustCrypto p256",
            Box::new(|| {
                let s: p256::ecdsa::Signature = p256_sk.sign(black_box(&msg));
                black_box(s);
            }),
        ),
        (
            "p256 verify 1 KiB, ring (ours)",
            Box::new(|| {
                assert!(ring_pk.verify(black_box(&msg), ring_sig.as_ref()).is_ok());
            }),
        ),
        (
            "p256 verify 1 KiB, RustCrypto p256",
            Box::new(|| {
                assert!(p256_vk.verify(black_box(&msg), &p256_sig).is_ok());
            }),
        ),
        (
            "sm3 16 KiB blocks, ours, blocks",
            Box::new(|| {
                black_box(yinxin_sm2::sm3::Sm3::digest(black_box(&block)));
            }),
        ),
        (
            "sm3 16 KiB blocks, RustCrypto sm3, blocks",
            Box::new(|| {
                black_box(sm3::Sm3::digest(black_box(&block)));
            }),
        ),
    ];
    let rows = measure(&mut cases);
    println!("| operation, one core | per second |");
    println!("|---|---|");
    for row in &rows {
        if row.name.starts_with("sm3") {
            println!(
                "| {} | {:.0} MB/s |",
                row.name.replace(", blocks", ""),
                row.best * 16.0 * 1024.0 / 1e6
            );
        } else {
            println!("| {} | {:.0} |", row.name, row.best);
        }
    }
    let get = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .map(|r| r.best)
            .unwrap()
    };
    println!();
    println!(
        "ratios: sm2 sign ours/RustCrypto {:.2}, ours/efficient-sm2 {:.2}; sm2 verify (new key) ours/RustCrypto {:.2}, ours/efficient-sm2 {:.2}; p256 sign ring/RustCrypto {:.2}; sm3 ours/RustCrypto {:.2}",
        get("sm2 sign (digest), ours, constant time") / get("sm2 sign (digest), RustCrypto sm2"),
        get("sm2 sign (digest), ours, constant time") / get("sm2 sign (digest), efficient-sm2"),
        get("sm2 verify (digest), ours, a new key each time")
            / get("sm2 verify (digest), RustCrypto sm2"),
        get("sm2 verify (digest), ours, a new key each time")
            / get("sm2 verify (digest), efficient-sm2"),
        get("p256 sign 1 KiB, ring (ours)") / get("p256 sign 1 KiB, RustCrypto p256"),
        get("sm3 16 KiB blocks, ours, blocks") / get("sm3 16 KiB blocks, RustCrypto sm3, blocks"),
    );
    println!();
    openssl_speed();
}

fn efficient_sm2_rng() -> rand::rngs::ThreadRng {
    rand::rng()
}

/// `openssl speed` for the same operations, one-second rounds.
fn openssl_speed() {
    for args in [
        vec!["speed", "-seconds", "1", "sm2"],
        vec!["speed", "-seconds", "1", "ecdsap256"],
        vec!["speed", "-seconds", "1", "-bytes", "16384", "-evp", "sm3"],
    ] {
        match Command::new("openssl").args(&args).output() {
            Ok(o) if o.status.success() => {
                let out = String::from_utf8_lossy(&o.stdout);
                let tail: Vec<&str> = out.lines().rev().take(3).collect();
                println!("openssl {}:", args.join(" "));
                for l in tail.iter().rev() {
                    println!("    {l}");
                }
            }
            _ => println!("skipped: openssl {} did not run", args.join(" ")),
        }
    }
}
