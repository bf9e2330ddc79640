//! A dudect-style timing-leak test of our SM2 signer (see README.md): two input classes
//! interleaved at random, the slowest measurements cropped at several percentiles, Welch's t
//! per crop; |t| > 4.5 is a leak. A control that does leak must be caught.

use sm2::elliptic_curve::ff::PrimeField as _;
use std::hint::black_box;
use std::time::Instant;
use yinxin_compare::scalar;

const THRESHOLD: f64 = 4.5;

/// Welch's t of two samples.
fn welch(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

struct Outcome {
    max_t: f64,
    per_crop: Vec<(f64, f64)>,
}

/// Time `op(class)` `n` times with the class drawn at random each time; Welch's t on the raw
/// times and on the times below each of dudect's percentile crops.
fn run(n: usize, op: &mut dyn FnMut(bool)) -> Outcome {
    let mut coins = vec![0u8; n];
    getrandom::fill(&mut coins).unwrap();
    // Warm up both classes.
    for i in 0..1000 {
        op(i % 2 == 0);
    }
    let mut times = Vec::with_capacity(n);
    for &c in &coins {
        let class = c & 1 == 1;
        let t = Instant::now();
        op(class);
        times.push((class, t.elapsed().as_nanos() as f64));
    }
    let mut sorted: Vec<f64> = times.iter().map(|t| t.1).collect();
    sorted.sort_by(f64::total_cmp);
    let mut per_crop = Vec::new();
    for pct in [100.0, 99.0, 95.0, 90.0, 80.0, 70.0, 50.0] {
        let cut = sorted[((sorted.len() - 1) as f64 * pct / 100.0) as usize];
        let kept = times.iter().filter(|t| t.1 <= cut);
        let a: Vec<f64> = kept.clone().filter(|t| t.0).map(|t| t.1).collect();
        let b: Vec<f64> = kept.filter(|t| !t.0).map(|t| t.1).collect();
        per_crop.push((pct, welch(&a, &b)));
    }
    let max_t = per_crop.iter().map(|c| c.1.abs()).fold(0.0, f64::max);
    Outcome { max_t, per_crop }
}

fn report(name: &str, o: &Outcome) {
    let crops: Vec<String> = o
        .per_crop
        .iter()
        .map(|(p, t)| format!("{p:.0}%: {t:+.2}"))
        .collect();
    println!("{name}: max |t| = {:.2} ({})", o.max_t, crops.join(", "));
}

fn random_scalar() -> sm2::Scalar {
    loop {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).unwrap();
        if let Some(s) = Option::<sm2::Scalar>::from(sm2::Scalar::from_repr(b.into()))
            && !bool::from(s.is_zero())
        {
            return s;
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let mut d = [0u8; 32];
    getrandom::fill(&mut d).unwrap();
    d[0] &= 0x7f;
    let key = yinxin_sm2::SigningKey::from_bytes(&d).unwrap();
    // The digest is random for every signature in both classes (drawn before timing, read at
    // the same index): with one fixed digest, the fixed class would sign the very same (e, k)
    // every time, so its public outputs r and s, and every branch on them, would repeat and
    // train the branch predictors — a difference dudect sees that says nothing of the secret.
    let digests: Vec<[u8; 32]> = (0..4096)
        .map(|_| {
            let mut b = [0u8; 32];
            getrandom::fill(&mut b).unwrap();
            b
        })
        .collect();

    // Class true: k = 1 (63 of the 64 comb digits zero); class false: a fresh random k. The
    // random nonces are drawn before timing starts.
    let one = {
        let mut b = [0u8; 32];
        b[31] = 1;
        scalar(&b)
    };
    // Both classes read their input from an array of the same size at the same index, so that
    // neither gains from a warmer cache.
    let randoms: Vec<sm2::Scalar> = (0..4096).map(|_| random_scalar()).collect();
    let ones: Vec<sm2::Scalar> = vec![one; randoms.len()];
    let mut i = 0usize;
    let nonce = run(n, &mut |fixed| {
        let k = if fixed {
            ones[i % ones.len()]
        } else {
            randoms[i % randoms.len()]
        };
        let e = &digests[i % digests.len()];
        i += 1;
        black_box(key.sign_prehash_with_nonce(black_box(e), black_box(&k)));
    });
    report("sign, nonce k = 1 vs random k", &nonce);

    // Class true: the key d = 2 (a low-weight scalar); class false: random keys. The key is
    // made outside the timing; what is timed is one signature with a random nonce.
    let mut two = [0u8; 32];
    two[31] = 2;
    let twos: Vec<yinxin_sm2::SigningKey> = (0..256)
        .map(|_| yinxin_sm2::SigningKey::from_bytes(&two).unwrap())
        .collect();
    let keys: Vec<yinxin_sm2::SigningKey> = (0..256)
        .map(|_| yinxin_sm2::SigningKey::from_bytes(&random_scalar().to_repr().into()).unwrap())
        .collect();
    let mut j = 0usize;
    let key_class = run(n, &mut |fixed| {
        let k = randoms[j % randoms.len()];
        let sk = if fixed {
            &twos[j % twos.len()]
        } else {
            &keys[j % keys.len()]
        };
        let e = &digests[j % digests.len()];
        j += 1;
        black_box(sk.sign_prehash_with_nonce(black_box(e), black_box(&k)));
    });
    report("sign, key d = 2 vs random keys", &key_class);

    // Control: the verifier is variable time by design; s = 1, r = 1 (tiny scalars, short wNAF)
    // against random ones must show a leak, or this harness cannot see one.
    let pk = yinxin_sm2::PublicKey::from_uncompressed(key.public_key()).unwrap();
    let mut m = 0usize;
    let control = run(n / 10, &mut |fixed| {
        let (r, s) = if fixed {
            (one, one)
        } else {
            (randoms[m % randoms.len()], randoms[(m + 1) % randoms.len()])
        };
        m += 1;
        black_box(pk.verify_prehash(black_box(&digests[0]), &r, &s));
    });
    report("control, verifier with tiny scalars vs random", &control);

    let leak = nonce.max_t > THRESHOLD || key_class.max_t > THRESHOLD;
    let control_seen = control.max_t > THRESHOLD;
    println!(
        "samples {n} per test; threshold |t| = {THRESHOLD}; signer {}; control {}",
        if leak { "LEAKS" } else { "no leak found" },
        if control_seen {
            "leak seen (the harness can see one)"
        } else {
            "NOT SEEN"
        }
    );
    if leak || !control_seen {
        std::process::exit(1);
    }
}
