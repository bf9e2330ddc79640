//! The fetcher's in-memory cache: an object is reused until the earlier of its nextUpdate and
//! the configured age, never after; the number of entries is bounded and the oldest goes
//! first. An OCSP responder's lasting refusal (`unauthorized`, `malformedRequest`,
//! `sigRequired`: it does not answer for that certificate) is remembered for
//! [`REFUSAL_TTL_MS`] (at most the configured age), so that a verification falls back to the
//! CRL at once instead of asking the responder again on every request.
//!
//! Must not import: the HTTP client or any parser (`hyper`, `crate::verify`,
//! `crate::status`): it stores bytes it is given.

use super::{Fetched, RevocationFetcher};

/// How long a responder's lasting refusal is remembered, milliseconds.
pub(super) const REFUSAL_TTL_MS: i64 = 60_000;

/// The key prefix of remembered refusals (no fetched object has it).
const REFUSED: &str = "refused ";

/// One cached object.
pub(super) struct Entry {
    der: Vec<u8>,
    /// Unix milliseconds of the fetch.
    fetched_ms: i64,
    /// Unix milliseconds from which the entry is no longer used.
    expires_ms: i64,
}

impl RevocationFetcher {
    /// Drop every cached object.
    pub fn clear(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// A live cache entry; an expired one is removed (and not returned).
    pub(super) fn cached(&self, key: &str) -> Option<Fetched> {
        let now = crate::clock::now_millis();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        match cache.get(key) {
            Some(e) if now < e.expires_ms => Some(Fetched {
                der: e.der.clone(),
                from_cache: true,
                fetched_at: e.fetched_ms.div_euclid(1000),
            }),
            Some(_) => {
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    /// The message of a refusal remembered for `key`, while it lasts.
    pub(super) fn refused(&self, key: &str) -> Option<String> {
        let hit = self.cached(&format!("{REFUSED}{key}"))?;
        Some(String::from_utf8_lossy(&hit.der).into_owned())
    }

    /// Remember that the responder refused `key` with `message`, for [`REFUSAL_TTL_MS`] or the
    /// configured age, whichever is shorter.
    pub(super) fn remember_refusal(&self, key: &str, message: &str, fetched_ms: i64) {
        let ttl_ms = i64::try_from(self.cfg.cache_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_ms = fetched_ms.saturating_add(ttl_ms.min(REFUSAL_TTL_MS));
        self.keep(
            format!("{REFUSED}{key}"),
            message.as_bytes(),
            fetched_ms,
            expires_ms,
        );
    }

    /// Remember a fresh object, valid until min(now + ttl, nextUpdate).
    pub(super) fn remember(
        &self,
        key: String,
        der_bytes: &[u8],
        fetched_ms: i64,
        next_update: Option<i64>,
    ) {
        let ttl_ms = i64::try_from(self.cfg.cache_ttl.as_millis()).unwrap_or(i64::MAX);
        let mut expires_ms = fetched_ms.saturating_add(ttl_ms);
        if let Some(n) = next_update {
            expires_ms = expires_ms.min(n.saturating_mul(1000));
        }
        self.keep(key, der_bytes, fetched_ms, expires_ms);
    }

    /// Store an entry until `expires_ms`, evicting the oldest when full.
    fn keep(&self, key: String, der_bytes: &[u8], fetched_ms: i64, expires_ms: i64) {
        if self.cfg.max_entries == 0 || expires_ms <= fetched_ms {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.contains_key(&key) && cache.len() >= self.cfg.max_entries {
            let now = crate::clock::now_millis();
            cache.retain(|_, e| now < e.expires_ms);
            while cache.len() >= self.cfg.max_entries {
                let Some(oldest) = cache
                    .iter()
                    .min_by_key(|(_, e)| e.fetched_ms)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                cache.remove(&oldest);
            }
        }
        cache.insert(
            key,
            Entry {
                der: der_bytes.to_vec(),
                fetched_ms,
                expires_ms,
            },
        );
    }
}
