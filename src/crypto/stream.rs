//! Encrypting a large file under a passphrase, a chunk at a time (backups). The key is
//! PBKDF2-HMAC-SHA256 of the passphrase (random 16-byte salt, iterations in the header);
//! the data is cut into chunks of at most 1 MiB, each sealed with AES-256-GCM under the nonce
//! (chunk counter, 8 bytes big-endian ‖ 3 zero bytes ‖ 1 on the last chunk, else 0) with the
//! header as associated data — the STREAM construction: a chunk changed, dropped, moved or the
//! file cut short does not open.
//!
//! File: `YXENC1\n` ‖ salt (16) ‖ iterations (u32 BE) ‖ { length (u32 BE) ‖ sealed chunk }*.

use super::CryptoError;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use std::io::{Read, Write};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

/// The first bytes of an encrypted file.
pub const MAGIC: &[u8] = b"YXENC1\n";
const CHUNK: usize = 1 << 20;
const TAG: usize = 16;
/// PBKDF2 iterations written by [`encrypt`] (OWASP 2023 for PBKDF2-HMAC-SHA256).
pub const ITERATIONS: u32 = 600_000;
/// Fewest iterations [`decrypt`] accepts (a header cannot lower the cost to nothing).
const MIN_ITERATIONS: u32 = 100_000;
const MAX_ITERATIONS: u32 = 10_000_000;

fn key(passphrase: &[u8], salt: &[u8], iterations: u32) -> Result<LessSafeKey, CryptoError> {
    let mut k = Zeroizing::new([0u8; 32]);
    let n = NonZeroU32::new(iterations).ok_or(CryptoError::Rng)?;
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        n,
        salt,
        passphrase,
        &mut *k,
    );
    let unbound = UnboundKey::new(&AES_256_GCM, &*k).map_err(|_| CryptoError::Rng)?;
    Ok(LessSafeKey::new(unbound))
}

fn nonce(counter: u64, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn io(e: std::io::Error) -> CryptoError {
    CryptoError::Sign(format!("i/o: {e}"))
}

/// Read up to `buf.len()` bytes (fewer only at the end of `r`).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Encrypt all of `input` into `out` under `passphrase`.
pub fn encrypt(
    passphrase: &[u8],
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<(), CryptoError> {
    encrypt_with(passphrase, ITERATIONS, input, out)
}

fn encrypt_with(
    passphrase: &[u8],
    iterations: u32,
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<(), CryptoError> {
    let mut salt = [0u8; 16];
    super::random_bytes(&mut salt)?;
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&salt);
    header.extend_from_slice(&iterations.to_be_bytes());
    out.write_all(&header).map_err(io)?;
    let k = key(passphrase, &salt, iterations)?;
    // One chunk read ahead: a chunk is the last when nothing follows it.
    let mut cur = Zeroizing::new(vec![0u8; CHUNK]);
    let mut next = Zeroizing::new(vec![0u8; CHUNK]);
    let mut len = fill(input, &mut cur).map_err(io)?;
    let mut counter = 0u64;
    loop {
        let next_len = if len == CHUNK {
            fill(input, &mut next).map_err(io)?
        } else {
            0
        };
        let last = next_len == 0;
        let mut sealed = cur[..len].to_vec();
        k.seal_in_place_append_tag(nonce(counter, last), Aad::from(&header), &mut sealed)
            .map_err(|_| CryptoError::Sign("encryption failed".into()))?;
        out.write_all(&(sealed.len() as u32).to_be_bytes())
            .map_err(io)?;
        out.write_all(&sealed).map_err(io)?;
        if last {
            return Ok(());
        }
        std::mem::swap(&mut cur, &mut next);
        len = next_len;
        counter += 1;
    }
}

/// Decrypt `input` (starting with [`MAGIC`]) into `out`. Nothing written is trustworthy unless
/// this returns `Ok`: write to a temporary file and keep it only then.
pub fn decrypt(
    passphrase: &[u8],
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<(), CryptoError> {
    let bad = |why: &str| CryptoError::Decrypt(format!("the encrypted file ({why})"));
    let mut header = vec![0u8; MAGIC.len() + 20];
    if fill(input, &mut header).map_err(io)? != header.len() || !header.starts_with(MAGIC) {
        return Err(bad("not an encrypted backup"));
    }
    let salt = &header[MAGIC.len()..MAGIC.len() + 16];
    let iterations = u32::from_be_bytes(header[MAGIC.len() + 16..].try_into().expect("4 bytes"));
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) && iterations != TEST_ITERATIONS {
        return Err(bad("implausible key derivation cost"));
    }
    let k = key(passphrase, salt, iterations)?;
    let mut counter = 0u64;
    loop {
        let mut len = [0u8; 4];
        let got = fill(input, &mut len).map_err(io)?;
        if got == 0 {
            return Err(bad("cut short"));
        }
        let n = u32::from_be_bytes(len) as usize;
        if got != 4 || !(TAG..=CHUNK + TAG).contains(&n) {
            return Err(bad("damaged"));
        }
        let mut buf = Zeroizing::new(vec![0u8; n]);
        if fill(input, &mut buf).map_err(io)? != n {
            return Err(bad("cut short"));
        }
        // The last chunk opens only under the last nonce, and nothing may follow it.
        let (plain, last) = {
            let mut try_last = buf.clone();
            match k.open_in_place(nonce(counter, true), Aad::from(&header), &mut try_last) {
                Ok(p) => (p.to_vec(), true),
                Err(_) => {
                    let p = k
                        .open_in_place(nonce(counter, false), Aad::from(&header), &mut buf)
                        .map_err(|_| bad("wrong passphrase, or damaged"))?;
                    (p.to_vec(), false)
                }
            }
        };
        let plain = Zeroizing::new(plain);
        out.write_all(&plain).map_err(io)?;
        if last {
            let mut probe = [0u8; 1];
            if fill(input, &mut probe).map_err(io)? != 0 {
                return Err(bad("data after its end"));
            }
            return Ok(());
        }
        counter += 1;
    }
}

/// Iterations the unit tests use (accepted only in test builds).
#[cfg(test)]
const TEST_ITERATIONS: u32 = 1_000;
#[cfg(not(test))]
const TEST_ITERATIONS: u32 = MIN_ITERATIONS;

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(pass: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encrypt_with(pass, TEST_ITERATIONS, &mut &data[..], &mut out).unwrap();
        out
    }

    fn dec(pass: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        decrypt(pass, &mut &data[..], &mut out).map(|()| out)
    }

    #[test]
    fn round_trips_at_chunk_edges() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5] {
            let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let e = enc(b"pass", &data);
            assert!(e.starts_with(MAGIC));
            assert_eq!(dec(b"pass", &e).unwrap(), data, "{n} bytes");
        }
    }

    #[test]
    fn refuses_wrong_passphrase_changes_cuts_and_swaps() {
        let data: Vec<u8> = (0..2 * CHUNK + 10).map(|i| (i % 7) as u8).collect();
        let e = enc(b"pass", &data);
        assert!(dec(b"other", &e).is_err());
        let mut flipped = e.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 1;
        assert!(dec(b"pass", &flipped).is_err());
        // Cut after the first chunk: no last chunk.
        let first = MAGIC.len() + 20 + 4 + CHUNK + TAG;
        let err = dec(b"pass", &e[..first]).unwrap_err().to_string();
        assert!(err.contains("cut short"), "{err}");
        // Second and first chunk swapped.
        let second_end = first + 4 + CHUNK + TAG;
        let mut swapped = e[..MAGIC.len() + 20].to_vec();
        swapped.extend_from_slice(&e[first..second_end]);
        swapped.extend_from_slice(&e[MAGIC.len() + 20..first]);
        swapped.extend_from_slice(&e[second_end..]);
        assert!(dec(b"pass", &swapped).is_err());
        // Bytes after the end.
        let mut longer = e.clone();
        longer.push(0);
        assert!(dec(b"pass", &longer).is_err());
        // A header claiming a cheap key derivation.
        let mut cheap = e.clone();
        cheap[MAGIC.len() + 16..MAGIC.len() + 20].copy_from_slice(&1u32.to_be_bytes());
        let err = dec(b"pass", &cheap).unwrap_err().to_string();
        assert!(err.contains("implausible"), "{err}");
        assert_eq!(dec(b"pass", &e).unwrap(), data);
    }
}
