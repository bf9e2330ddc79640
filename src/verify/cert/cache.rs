//! The process-wide cache behind [`super::Cert::shared`]: parsed certificates by the SHA-256
//! of their DER, bounded in count and in DER bytes, never growing with what anonymous callers
//! upload.
//!
//! Two generations approximate "least recently used first out" at O(1) per access: entries go
//! into the young generation; when it holds half the bound, it becomes the old one (the
//! previous old one is dropped); a hit in the old generation moves the entry back to the young
//! one. A certificate used on every request (an anchor, an issuing CA, the TSU) therefore
//! stays, while a flood of one-off uploads only ever replaces itself. A parsed certificate
//! holds nothing but what its DER says, so sharing it between callers decides nothing.

use super::Cert;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most certificates the cache holds.
pub const MAX_CACHED_CERTS: usize = 4096;
/// Most DER bytes the cache holds (the parsed views take about three times as much).
pub const MAX_CACHED_BYTES: usize = 8 << 20;
/// A certificate larger than this is parsed every time, never cached.
const MAX_CERT_BYTES: usize = MAX_CACHED_BYTES / 64;

#[derive(Default)]
struct Generations {
    young: HashMap<[u8; 32], Arc<Cert>>,
    young_bytes: usize,
    old: HashMap<[u8; 32], Arc<Cert>>,
}

impl Generations {
    fn get(&mut self, fingerprint: &[u8; 32]) -> Option<Arc<Cert>> {
        if let Some(hit) = self.young.get(fingerprint) {
            return Some(hit.clone());
        }
        let hit = self.old.remove(fingerprint)?;
        self.put(hit.clone());
        Some(hit)
    }

    fn put(&mut self, cert: Arc<Cert>) {
        if self.young.contains_key(&cert.fingerprint) {
            return;
        }
        if self.young.len() >= MAX_CACHED_CERTS / 2
            || self.young_bytes + cert.der.len() > MAX_CACHED_BYTES / 2
        {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
        self.young_bytes += cert.der.len();
        self.young.insert(cert.fingerprint, cert);
    }
}

fn cache() -> &'static Mutex<Generations> {
    static CACHE: OnceLock<Mutex<Generations>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The cached certificate with this fingerprint.
pub(super) fn get(fingerprint: &[u8; 32]) -> Option<Arc<Cert>> {
    // The maps are consistent after any panic in between operations: a poisoned lock is used.
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(fingerprint)
}

/// Keep `cert` (unless it is too large to be worth keeping).
pub(super) fn put(cert: &Arc<Cert>) {
    if cert.der.len() > MAX_CERT_BYTES {
        return;
    }
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .put(cert.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Generations {
        fn len(&self) -> usize {
            self.young.len() + self.old.len()
        }

        fn bytes(&self) -> usize {
            self.young_bytes + self.old.values().map(|c| c.der.len()).sum::<usize>()
        }
    }

    /// A stand-in for certificate `n` whose DER is `len` bytes.
    fn cert(base: &Cert, n: usize, len: usize) -> Arc<Cert> {
        let mut c = base.clone();
        c.fingerprint = [0u8; 32];
        c.fingerprint[..8].copy_from_slice(&(n as u64).to_be_bytes());
        c.der = vec![0; len];
        Arc::new(c)
    }

    fn test_der() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/pkits/certs/TrustAnchorRootCertificate.crt"
        ))
        .unwrap()
    }

    #[test]
    fn bounded_in_count_and_bytes_and_keeps_what_is_used() {
        let base = Cert::from_der(&test_der()).unwrap();
        let cert = |n, len| cert(&base, n, len);
        let mut g = Generations::default();
        let anchor = cert(usize::MAX, 1000);
        g.put(anchor.clone());
        for n in 0..10 * MAX_CACHED_CERTS {
            g.put(cert(n, 100));
            // The anchor is used on every request.
            assert!(
                g.get(&anchor.fingerprint).is_some(),
                "anchor evicted at {n}"
            );
            assert!(g.len() <= MAX_CACHED_CERTS);
        }
        let mut g = Generations::default();
        for n in 0..1000 {
            g.put(cert(n, MAX_CERT_BYTES));
            assert!(g.bytes() <= MAX_CACHED_BYTES);
        }
        // One-off entries leave: the first of a long flood is gone.
        assert!(g.get(&cert(0, 1).fingerprint).is_none());
    }

    #[test]
    fn shared_parses_once() {
        let der = test_der();
        let a = Cert::shared(&der).unwrap();
        let b = Cert::shared(&der).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.fingerprint, crate::crypto::sha256(&der));
        assert!(Cert::shared(b"\x30\x03\x02\x01\x00").is_err());
    }
}
