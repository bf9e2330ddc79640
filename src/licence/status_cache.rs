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
//! Bounded and timed by [`SignedCache`], the seal statuses' cache too. Holds no personal data
//! (statements carry none).
//!
//! Owns the cache; must not import HTTP or SQL types, the store, `api`, `app` or `cli`.

use super::status::Statement;
use crate::status::signed_cache::SignedCache;
use std::sync::Arc;

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
}

/// Signed statuses by licence identifier ([`SignedCache`] of what each states).
pub struct StatusCache(SignedCache<Stated>);

impl StatusCache {
    /// Statuses valid `validity` seconds (at least 1), reused for half of it; at most
    /// `capacity` kept (at least 1).
    pub fn new(validity: i64, capacity: usize) -> StatusCache {
        StatusCache(SignedCache::new(validity, capacity))
    }

    /// How long a signed status stays reusable after it was produced, seconds.
    pub fn reuse_for(&self) -> i64 {
        self.0.reuse_for()
    }

    /// The status signed earlier for `st.identifier`, with its `produced_at`, if it states
    /// what `st` states and `now` is in `[produced_at, produced_at + validity / 2)`.
    pub fn get(&self, st: &Statement, now: i64) -> Option<(Arc<Vec<u8>>, i64)> {
        self.0.get(&st.identifier, &Stated::of(st), now)
    }

    /// Keep `der`, the signature of `st` produced at `produced_at`.
    pub fn put(&self, st: &Statement, der: Arc<Vec<u8>>, produced_at: i64) {
        self.0.put(&st.identifier, Stated::of(st), der, produced_at);
    }

    /// The signed status of `st` at `now`: the cached one when it still holds, else
    /// `sign(st)`, kept. With its `produced_at`.
    pub fn get_or_sign<E>(
        &self,
        st: &Statement,
        now: i64,
        sign: impl FnOnce(&Statement) -> Result<Vec<u8>, E>,
    ) -> Result<(Arc<Vec<u8>>, i64), E> {
        self.0
            .get_or_sign(&st.identifier, Stated::of(st), now, || sign(st))
    }

    /// Forget the status of `identifier` (its record changed).
    pub fn invalidate(&self, identifier: &str) {
        self.0.invalidate(identifier);
    }

    /// How many statuses are kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
}
