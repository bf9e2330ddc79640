//! `GET /v1/seals/{id}/status` (public): the seal's signed status ([`crate::seal::status`]),
//! signed by the region's seal maker, as `application/cms`. A status is reused until half its
//! validity (`service.seal_status_validity_seconds`) has passed and re-signed as soon as the
//! registry's status of the seal differs from the one it states; the registry is read on every
//! request, so a revocation shows at once.

use super::super::AppState;
use super::super::problem::{ApiResult, Problem};
use super::{load_seal, services, signing};
use crate::seal::service::SealStatus;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most statuses kept; the oldest go first.
const MAX_ENTRIES: usize = 10_000;

/// Signed statuses by esID.
pub struct StatusCache {
    validity: i64,
    entries: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    status: SealStatus,
    der: Arc<Vec<u8>>,
    produced_at: i64,
}

impl StatusCache {
    /// Statuses valid `validity_seconds` (at least 60).
    pub fn new(validity_seconds: u32) -> Self {
        StatusCache {
            validity: i64::from(validity_seconds.max(60)),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long statuses are valid, seconds.
    pub fn validity(&self) -> i64 {
        self.validity
    }

    /// A cached status of `id` stating `status` and younger than half the validity at `now`:
    /// (DER, produced_at).
    fn get(&self, id: &str, status: SealStatus, now: i64) -> Option<(Arc<Vec<u8>>, i64)> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(id)
            .filter(|c| c.status == status && now < c.produced_at + self.validity / 2)
            .filter(|c| c.produced_at <= now)
            .map(|c| (c.der.clone(), c.produced_at))
    }

    fn put(&self, id: &str, status: SealStatus, der: Arc<Vec<u8>>, produced_at: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(id) {
            let horizon = produced_at - self.validity / 2;
            entries.retain(|_, c| c.produced_at > horizon);
            while entries.len() >= MAX_ENTRIES {
                let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, c)| c.produced_at)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                entries.remove(&oldest);
            }
        }
        entries.insert(
            id.to_string(),
            Cached {
                status,
                der,
                produced_at,
            },
        );
    }
}

/// `GET /v1/seals/{id}/status`.
pub async fn status(State(s): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let svc = services(&s)?;
    let keys = signing(&s)?;
    let rec = load_seal(svc, &id).await?;
    let now = crate::clock::now_secs();
    let cache = &keys.status;
    let (der, produced_at) = match cache.get(&rec.id, rec.status, now) {
        Some(hit) => hit,
        None => {
            let der = crate::seal::status::issue(
                &rec,
                &svc.region,
                keys.maker.as_ref(),
                &keys.maker_cert,
                now,
                cache.validity(),
            )
            .map_err(|e| Problem::internal(&e))?;
            let der = Arc::new(der);
            cache.put(&rec.id, rec.status, der.clone(), now);
            (der, now)
        }
    };
    let max_age = (produced_at + cache.validity() / 2 - now).max(0);
    let mut r = (StatusCode::OK, der.as_ref().clone()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/cms"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_until_half_validity_and_while_the_status_holds() {
        let c = StatusCache::new(3600);
        let der = Arc::new(vec![1u8]);
        c.put("S1", SealStatus::Active, der.clone(), 1000);
        assert_eq!(c.get("S1", SealStatus::Active, 1000).unwrap().1, 1000);
        assert!(c.get("S1", SealStatus::Active, 1000 + 1799).is_some());
        assert!(c.get("S1", SealStatus::Active, 1000 + 1800).is_none());
        // A status change is never served from the cache.
        assert!(c.get("S1", SealStatus::Revoked, 1001).is_none());
        assert!(c.get("S2", SealStatus::Active, 1001).is_none());
        // At least a minute.
        assert_eq!(StatusCache::new(1).validity(), 60);
    }
}
