use super::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Both implementations where this CPU has both; the portable one alone elsewhere.
fn each_implementation(mut f: impl FnMut(&str)) {
    #[cfg(target_arch = "x86_64")]
    {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        x86::force_portable(true);
        f("portable");
        x86::force_portable(false);
        if x86::available() {
            f("avx512");
        } else {
            eprintln!("note: this CPU lacks AVX-512VL or BMI2; only the portable SM3 was tested");
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    f("portable");
}

#[cfg(target_arch = "x86_64")]
static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// GB/T 32905-2016 Appendix A, examples 1 and 2.
#[test]
fn standard_examples() {
    each_implementation(|name| {
        assert_eq!(
            hex(&Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
            "{name}"
        );
        assert_eq!(
            hex(&Sm3::digest(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
            "{name}"
        );
    });
}

fn data(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Every length from 0 to 1,100 bytes (every padding case, one to eighteen blocks) against
/// RustCrypto `sm3`.
#[test]
fn every_length_matches_rustcrypto() {
    use sm3::Digest;
    let d = data(1100, 7);
    each_implementation(|name| {
        for n in 0..=d.len() {
            let want: [u8; 32] = sm3::Sm3::digest(&d[..n]).into();
            assert_eq!(Sm3::digest(&d[..n]), want, "{name}, {n} bytes");
        }
    });
}

/// The input fed in random pieces gives the digest of the whole.
#[test]
fn pieces_match_the_whole() {
    use sm3::Digest;
    each_implementation(|name| {
        for seed in 1..60u64 {
            let d = data(64 * 40 + (seed as usize * 37) % 64, seed);
            let want: [u8; 32] = sm3::Sm3::digest(&d).into();
            let mut h = Sm3::new();
            let mut rest = &d[..];
            let mut x = seed;
            while !rest.is_empty() {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let take = ((x >> 33) as usize % 200).min(rest.len());
                h.update(&rest[..take]);
                rest = &rest[take..];
            }
            assert_eq!(h.finalize(), want, "{name}, seed {seed}");
        }
    });
}

/// A million bytes, the third example of GM/T 0004's test set (one million 'a').
#[test]
fn a_million_a() {
    use sm3::Digest;
    let d = vec![b'a'; 1_000_000];
    let want: [u8; 32] = sm3::Sm3::digest(&d).into();
    each_implementation(|name| {
        assert_eq!(Sm3::digest(&d), want, "{name}");
        let mut w = Sm3::new();
        std::io::Write::write_all(&mut w, &d).unwrap();
        assert_eq!(w.finalize(), want, "{name}, through io::Write");
    });
}
