//! What a peer looks like from outside (`GET /v1/trust/peers`, metrics): its freshness, the
//! list in use, every accepted version, the last attempt, success and error.
//!
//! Read-only: must not change peer state, nor import the fetcher or the store.

use super::{Accept, Federation, Freshness};
use serde::Serialize;

/// What a peer looks like from outside (`GET /v1/trust/peers`).
#[derive(Clone, Debug, Serialize)]
pub struct PeerView {
    /// Region code.
    pub region: String,
    /// Name.
    pub name: String,
    /// List URL.
    pub list_url: String,
    /// `never-synced`, `fresh`, `stale`, `expired`.
    pub state: Freshness,
    /// Sequence of the list in use.
    pub sequence: Option<u64>,
    /// Its issue time and nextUpdate (RFC 3339).
    pub issued: Option<String>,
    /// nextUpdate.
    pub next_update: Option<String>,
    /// Every accepted sequence number.
    pub versions: Vec<u64>,
    /// Last fetch attempt, last success (RFC 3339).
    pub last_attempt: Option<String>,
    /// Last success.
    pub last_success: Option<String>,
    /// Why the last attempt failed (cleared by a success).
    pub last_error: Option<String>,
    /// What is accepted.
    pub accept: Vec<Accept>,
    /// Services of the list in use: id, kind, status.
    pub services: Vec<serde_json::Value>,
}

impl Federation {
    /// Every peer's state.
    pub fn views(&self) -> Vec<PeerView> {
        let now = self.clock.now();
        let t = |x: Option<i64>| x.map(crate::clock::rfc3339);
        let Ok(peers) = self.peers.read() else {
            return vec![];
        };
        peers
            .values()
            .map(|st| {
                let cur = st.current.as_deref();
                PeerView {
                    region: st.config.region.clone(),
                    name: st.config.name.clone(),
                    list_url: st.config.list_url.clone(),
                    state: self.freshness(cur, now),
                    sequence: cur.map(|c| c.list.sequence),
                    issued: cur.map(|c| c.list.issued.clone()),
                    next_update: cur.map(|c| c.list.next_update.clone()),
                    versions: st.versions.clone(),
                    last_attempt: t(st.last_attempt),
                    last_success: t(st.last_success),
                    last_error: st.last_error.clone(),
                    accept: st.config.accept.clone(),
                    services: cur
                        .map(|c| {
                            c.list
                                .services
                                .iter()
                                .map(|s| {
                                    serde_json::json!({"id": s.id, "kind": s.kind, "status": s.status, "status_start": s.status_start})
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }
}
