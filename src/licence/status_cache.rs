//! Signed licence statuses reused while what they state still holds.
//!
//! A licence's status changes only on an event (suspend, resume, revoke, change) or when its
//! end date passes, and a signed status carries `produced_at`/`next_update`: a status signed
//! once can be given out again until half its validity has passed, as long as the registry
//! still says what it states. The caller reads the registry on every request and builds the
//! [`Statement`] it would sign; [`StatusCache::get`] returns an earlier signature only when
//! that earlier statement agrees with the new one on everything but its times (region,
//! identifier, version, effective status, current identifier, valid to) — so a change made by
//! any process is never answered from the cache — and is younger than half the validity by
//! the caller's clock. Lifecycle paths in the same process also [`StatusCache::invalidate`]
//! the licence at once.
//!
//! Bounded: at most `capacity` entries; when full, expired entries go first, then the oldest
//! tenth. Holds no personal data (statements carry none).
//!
//! Owns the cache; must not import HTTP or SQL types, the store, `api`, `app` or `cli`.

use super::status::Statement;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Default number of signed statuses kept (≈ 1.5 KB each).
pub const DEFAULT_CAPACITY: usize = 50_000;

/// What a signed status states apart from its times: it is reused only while all of it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stated {
    format: String,
    region: String,
    version: u16,
    status: String,
    current_identifier: String,
    valid_to: String,
}

impl Stated {
    fn of(st: &Statement) -> Stated {
        Stated {
            format: st.format.clone(),
            region: st.region.clone(),
            version: st.version,
            status: st.status.clone(),
            current_identifier: st.current_identifier.clone(),
            valid_to: st.valid_to.clone(),
        }
    }

    fn matches(&self, st: &Statement) -> bool {
        self.format == st.format
            && self.region == st.region
            && self.version == st.version
            && self.status == st.status
            && self.current_identifier == st.current_identifier
            && self.valid_to == st.valid_to
    }
}

struct Cached {
    stated: Stated,
    der: Arc<Vec<u8>>,
    produced_at: i64,
}

/// Signed statuses by licence identifier.
pub struct StatusCache {
    validity: i64,
    capacity: usize,
    entries: Mutex<HashMap<String, Cached>>,
}

impl StatusCache {
    /// Statuses valid `validity` seconds (at least 1), reused for half of it; at most
    /// `capacity` kept (at least 1).
    pub fn new(validity: i64, capacity: usize) -> StatusCache {
        StatusCache {
            validity: validity.max(1),
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long a signed status stays reusable after it was produced, seconds.
    pub fn reuse_for(&self) -> i64 {
        self.validity / 2
    }

    /// The status signed earlier for `st.identifier`, with its `produced_at`, if it states
    /// what `st` states and `now` is in `[produced_at, produced_at + validity / 2)`.
    pub fn get(&self, st: &Statement, now: i64) -> Option<(Arc<Vec<u8>>, i64)> {
        let entries = self.lock();
        entries
            .get(&st.identifier)
            .filter(|c| c.produced_at <= now && now < c.produced_at + self.reuse_for())
            .filter(|c| c.stated.matches(st))
            .map(|c| (c.der.clone(), c.produced_at))
    }

    /// Keep `der`, the signature of `st` produced at `produced_at`.
    pub fn put(&self, st: &Statement, der: Arc<Vec<u8>>, produced_at: i64) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&st.identifier) {
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
            st.identifier.clone(),
            Cached {
                stated: Stated::of(st),
                der,
                produced_at,
            },
        );
    }

    /// The signed status of `st` at `now`: the cached one when it still holds, else
    /// `sign(st)`, kept. With its `produced_at`.
    pub fn get_or_sign<E>(
        &self,
        st: &Statement,
        now: i64,
        sign: impl FnOnce(&Statement) -> Result<Vec<u8>, E>,
    ) -> Result<(Arc<Vec<u8>>, i64), E> {
        if let Some(hit) = self.get(st, now) {
            return Ok(hit);
        }
        let der = Arc::new(sign(st)?);
        self.put(st, der.clone(), now);
        Ok((der, now))
    }

    /// Forget the status of `identifier` (its record changed).
    pub fn invalidate(&self, identifier: &str) {
        self.lock().remove(identifier);
    }

    /// How many statuses are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(id: &str, status: &str, now: i64) -> Statement {
        Statement {
            format: super::super::status::FORMAT.into(),
            region: "demo".into(),
            identifier: id.into(),
            version: 1,
            status: status.into(),
            current_identifier: id.into(),
            valid_to: "长期".into(),
            produced_at: crate::clock::rfc3339(now),
            next_update: crate::clock::rfc3339(now + 3600),
        }
    }

    /// A signer whose signature is `status@now`.
    fn signing(now: i64) -> impl FnOnce(&Statement) -> Result<Vec<u8>, ()> {
        move |s: &Statement| Ok(format!("{}@{now}", s.status).into_bytes())
    }

    #[test]
    fn reused_until_half_the_validity_then_signed_anew() {
        let c = StatusCache::new(3600, 10);
        let (a, at) = c
            .get_or_sign(&st("L1", "active", 1000), 1000, signing(1000))
            .unwrap();
        assert_eq!((a.as_slice(), at), (&b"active@1000"[..], 1000));
        // Same bytes while the statement holds and less than half the validity has passed.
        let (b, bt) = c
            .get_or_sign(&st("L1", "active", 2799), 2799, signing(2799))
            .unwrap();
        assert_eq!((b, bt), (a.clone(), 1000));
        // At half the validity: new bytes.
        let (n, nt) = c
            .get_or_sign(&st("L1", "active", 2800), 2800, signing(2800))
            .unwrap();
        assert_eq!((n.as_slice(), nt), (&b"active@2800"[..], 2800));
        assert_ne!(n, a);
        // A clock behind the entry never gets it.
        assert!(c.get(&st("L1", "active", 999), 999).is_none());
    }

    #[test]
    fn a_change_of_what_is_stated_is_never_answered_from_the_cache() {
        let c = StatusCache::new(3600, 10);
        let _ = c.get_or_sign(&st("L1", "active", 10), 10, signing(10));
        let (s, _) = c
            .get_or_sign(&st("L1", "suspended", 11), 11, signing(11))
            .unwrap();
        assert_eq!(s.as_slice(), b"suspended@11");
        let mut superseded = st("L1", "superseded", 12);
        superseded.current_identifier = "L2".into();
        assert!(c.get(&superseded, 12).is_none());
        let mut other_version = st("L1", "suspended", 12);
        other_version.version = 2;
        assert!(c.get(&other_version, 12).is_none());
        let mut expired = st("L1", "suspended", 12);
        expired.valid_to = "2020-01-01".into();
        assert!(c.get(&expired, 12).is_none());
        assert!(c.get(&st("L1", "suspended", 12), 12).is_some());
        // Invalidation forgets it.
        c.invalidate("L1");
        assert!(c.get(&st("L1", "suspended", 12), 12).is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn bounded() {
        let c = StatusCache::new(3600, 100);
        for i in 0..1000i64 {
            let s = st(&format!("L{i}"), "active", i);
            c.put(&s, Arc::new(vec![1]), i);
            assert!(c.len() <= 100, "{} entries at {i}", c.len());
        }
        // The newest are kept.
        assert!(c.get(&st("L999", "active", 999), 999).is_some());
        assert!(c.get(&st("L0", "active", 999), 999).is_none());
        // Replacing an entry when full keeps the others.
        let before = c.len();
        c.put(&st("L999", "revoked", 1000), Arc::new(vec![2]), 1000);
        assert_eq!(c.len(), before);
        let one = StatusCache::new(3600, 0);
        one.put(&st("A", "active", 1), Arc::new(vec![1]), 1);
        one.put(&st("B", "active", 2), Arc::new(vec![1]), 2);
        assert_eq!(one.len(), 1);
        assert!(one.get(&st("B", "active", 2), 2).is_some());
    }
}
