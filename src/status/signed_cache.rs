//! Signed statements given out again while what they state still holds: a seal's signed status
//! (`GET /v1/seals/{id}/status`), a licence's (`GET /v1/licences/{id}/status`).
//!
//! The caller reads its registry on every request and says what a statement made now would
//! state (`S`: a seal's status, a licence's version/status/current version …). An earlier
//! signature of the same object is returned only when it stated the same and is younger than
//! half its validity by the caller's clock (`[produced_at, produced_at + validity / 2)`), so a
//! change made by any process is never answered from the cache; [`SignedCache::invalidate`]
//! forgets an object at once.
//!
//! Bounded: at most `capacity` entries; when full, entries past their reuse go first, then
//! the oldest tenth.
//!
//! Owns the cache; must not import HTTP or SQL types.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

struct Cached<S> {
    stated: S,
    der: Arc<Vec<u8>>,
    produced_at: i64,
}

/// Signed statements by object id, with what each states.
pub struct SignedCache<S> {
    validity: i64,
    capacity: usize,
    entries: Mutex<HashMap<String, Cached<S>>>,
}

impl<S: PartialEq> SignedCache<S> {
    /// Statements valid `validity` seconds (at least 1), reused for half of it; at most
    /// `capacity` kept (at least 1).
    pub fn new(validity: i64, capacity: usize) -> Self {
        SignedCache {
            validity: validity.max(1),
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long a statement is valid, seconds.
    pub fn validity(&self) -> i64 {
        self.validity
    }

    /// How long a signed statement stays reusable after it was produced, seconds.
    pub fn reuse_for(&self) -> i64 {
        self.validity / 2
    }

    /// The statement signed earlier for `id`, with its `produced_at`, if it stated `stated`
    /// and `now` is in `[produced_at, produced_at + validity / 2)`.
    pub fn get(&self, id: &str, stated: &S, now: i64) -> Option<(Arc<Vec<u8>>, i64)> {
        let entries = self.lock();
        entries
            .get(id)
            .filter(|c| c.produced_at <= now && now < c.produced_at + self.reuse_for())
            .filter(|c| c.stated == *stated)
            .map(|c| (c.der.clone(), c.produced_at))
    }

    /// Keep `der`, the signed statement of `stated` about `id` produced at `produced_at`.
    pub fn put(&self, id: &str, stated: S, der: Arc<Vec<u8>>, produced_at: i64) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            let horizon = produced_at - self.reuse_for();
            entries.retain(|_, c| c.produced_at > horizon);
            if entries.len() >= self.capacity {
                // The oldest tenth (at least one) goes: amortised O(1) per insertion.
                let mut times: Vec<i64> = entries.values().map(|c| c.produced_at).collect();
                let cut = (times.len() / 10).max(1).min(times.len() - 1);
                let (_, &mut cutoff, _) = times.select_nth_unstable(cut);
                entries.retain(|_, c| c.produced_at > cutoff);
                // Ties at the cutoff may leave it full: drop arbitrary entries until not.
                while entries.len() >= self.capacity {
                    let Some(k) = entries.keys().next().cloned() else {
                        break;
                    };
                    entries.remove(&k);
                }
            }
        }
        entries.insert(
            id.to_string(),
            Cached {
                stated,
                der,
                produced_at,
            },
        );
    }

    /// The signed statement of `stated` about `id` at `now`: the cached one when it still
    /// holds, else `sign()`, kept. With its `produced_at`.
    pub fn get_or_sign<E>(
        &self,
        id: &str,
        stated: S,
        now: i64,
        sign: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<(Arc<Vec<u8>>, i64), E> {
        if let Some(hit) = self.get(id, &stated, now) {
            return Ok(hit);
        }
        let der = Arc::new(sign()?);
        self.put(id, stated, der.clone(), now);
        Ok((der, now))
    }

    /// Forget the statement about `id` (its record changed).
    pub fn invalidate(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many statements are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached<S>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_keeping_the_newest() {
        let c: SignedCache<u8> = SignedCache::new(3600, 100);
        for i in 0..1000i64 {
            c.put(&format!("L{i}"), 1, Arc::new(vec![1]), i);
            assert!(c.len() <= 100, "{} entries at {i}", c.len());
        }
        assert!(c.get("L999", &1, 999).is_some());
        assert!(c.get("L0", &1, 999).is_none());
        // Replacing an entry when full keeps the others.
        let before = c.len();
        c.put("L999", 2, Arc::new(vec![2]), 1000);
        assert_eq!(c.len(), before);
        let one: SignedCache<u8> = SignedCache::new(3600, 0);
        one.put("A", 1, Arc::new(vec![1]), 1);
        one.put("B", 1, Arc::new(vec![1]), 2);
        assert_eq!(one.len(), 1);
        assert!(one.get("B", &1, 2).is_some());
    }

    #[test]
    fn reused_for_half_the_validity_while_it_states_the_same() {
        let c: SignedCache<&str> = SignedCache::new(3600, 10);
        let sign = |s: &'static [u8]| move || Ok::<_, ()>(s.to_vec());
        let (a, at) = c.get_or_sign("S1", "active", 1000, sign(b"a")).unwrap();
        assert_eq!((a.as_slice(), at), (&b"a"[..], 1000));
        assert_eq!(
            c.get_or_sign("S1", "active", 2799, sign(b"b")).unwrap(),
            (a.clone(), 1000)
        );
        let (n, nt) = c.get_or_sign("S1", "active", 2800, sign(b"c")).unwrap();
        assert_eq!((n.as_slice(), nt), (&b"c"[..], 2800));
        assert!(c.get("S1", &"revoked", 2801).is_none());
        assert!(c.get("S1", &"active", 2799).is_none(), "a clock behind it");
        c.invalidate("S1");
        assert!(c.is_empty());
    }
}
