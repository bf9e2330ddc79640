//! `GET /v1/seals/{id}/status` (public): the seal's signed status ([`crate::seal::status`]),
//! signed by the region's seal maker, as `application/cms`. A status is reused until half its
//! validity (`service.seal_status_validity_seconds`) has passed and re-signed as soon as the
//! registry's status of the seal differs from the one it states; the registry is read on every
//! request, so a revocation shows at once.

use super::super::AppState;
use super::super::problem::{ApiResult, Problem};
use super::{load_seal, services, signing};
use crate::seal::service::SealStatus;
use crate::status::signed_cache::SignedCache;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Most statuses kept; the oldest go first.
const MAX_ENTRIES: usize = 10_000;

/// Signed statuses by esID, with the status each states ([`SignedCache`], as licences').
pub struct StatusCache(SignedCache<SealStatus>);

impl StatusCache {
    /// Statuses valid `validity_seconds` (at least 60).
    pub fn new(validity_seconds: u32) -> Self {
        StatusCache(SignedCache::new(
            i64::from(validity_seconds.max(60)),
            MAX_ENTRIES,
        ))
    }

    /// How long statuses are valid, seconds.
    pub fn validity(&self) -> i64 {
        self.0.validity()
    }
}

/// `GET /v1/seals/{id}/status`.
pub async fn status(State(s): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let svc = services(&s)?;
    let keys = signing(&s)?;
    let rec = load_seal(svc, &id).await?;
    let now = crate::clock::now_secs();
    let cache = &keys.status;
    let (der, produced_at) = cache
        .0
        .get_or_sign(&rec.id, rec.status, now, || {
            crate::seal::status::issue(
                &rec,
                &svc.region,
                keys.maker.as_ref(),
                &keys.maker_cert,
                now,
                cache.validity(),
            )
        })
        .map_err(|e| Problem::internal(&e))?;
    let max_age = (produced_at + cache.0.reuse_for() - now).max(0);
    Ok(signed_status_response(&der, max_age))
}

/// A signed status (seal or licence) as served: `application/cms`, cacheable by anyone for
/// `max_age` seconds.
pub(in crate::api) fn signed_status_response(der: &[u8], max_age: i64) -> Response {
    let mut r = (StatusCode::OK, der.to_vec()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/cms"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_until_half_validity_and_while_the_status_holds() {
        let c = StatusCache::new(3600);
        let der = Arc::new(vec![1u8]);
        c.0.put("S1", SealStatus::Active, der.clone(), 1000);
        assert_eq!(c.0.get("S1", &SealStatus::Active, 1000).unwrap().1, 1000);
        assert!(c.0.get("S1", &SealStatus::Active, 1000 + 1799).is_some());
        assert!(c.0.get("S1", &SealStatus::Active, 1000 + 1800).is_none());
        // A status change is never served from the cache.
        assert!(c.0.get("S1", &SealStatus::Revoked, 1001).is_none());
        assert!(c.0.get("S2", &SealStatus::Active, 1001).is_none());
        // At least a minute.
        assert_eq!(StatusCache::new(1).validity(), 60);
    }
}
