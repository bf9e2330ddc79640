//! Peers (`policies/trust.toml`) and federation: fetching each recognized region's signed
//! list, accepting it only when it is signed by a pinned certificate, is for that region, is
//! not a rollback or an equivocation, and is not expired; keeping every accepted version; and
//! judging chains that a peer's listed root anchors ([`TrustSource`]).
//!
//! Staleness: a peer's newest list is used until its nextUpdate plus `sync.grace_seconds`;
//! after that every chain it anchors is INDETERMINATE / TRY_LATER until a fresh list arrives.
//! A failed fetch never replaces the last good list.
//!
//! The parts, one concept each: `config` is `trust.toml` (peers, pins, timings);
//! `acceptance` the rules a peer's list must pass before it is used and stored; `sync`
//! fetches a peer's list and offers it; `licences` is what e-licence verification asks of the
//! peers (`crate::trust::licences::LicenceTrust`); `view` is what a peer's state looks like from outside;
//! `review` judges a chain anchored by a listed root against that list (shared with offline
//! verification); `source` is the [`TrustSource`] the validator asks. This file holds the
//! federation's state, its construction, and the staleness rule.
//!
//! Must not import: `axum` or `crate::api` (the API serves this), `crate::store` (lists are
//! persisted through [`TrustRepository`]).

mod acceptance;
mod config;
mod licences;
mod review;
mod source;
mod sync;
mod transparency;
mod view;

#[cfg(test)]
mod issuing_tests;
#[cfg(test)]
mod licence_tests;
#[cfg(test)]
mod tests;

pub use acceptance::SyncOutcome;
pub use config::{
    Accept, OwnListConfig, PeerConfig, SyncConfig, TRUST_FILE, TrustConfig, TrustConfigError,
};
pub(crate) use review::{Judged, review_against};
pub use view::PeerView;

use super::TrustRepository;
use super::fetch::{FetchConfig, RevocationFetcher};
use super::list::{self, VerifiedList};
#[cfg(doc)]
use crate::verify::hook::TrustSource;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A peer's list freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Freshness {
    /// No list accepted yet.
    NeverSynced,
    /// Before nextUpdate.
    Fresh,
    /// After nextUpdate, within the grace period: still used.
    Stale,
    /// After nextUpdate + grace: its chains are INDETERMINATE.
    Expired,
}

/// A peer's state.
struct PeerState {
    config: PeerConfig,
    pins: Vec<[u8; 32]>,
    current: Option<Arc<VerifiedList>>,
    versions: Vec<u64>,
    last_attempt: Option<i64>,
    last_success: Option<i64>,
    last_error: Option<String>,
}

/// Federation: peers and their lists; also the [`TrustSource`] of verification.
pub struct Federation {
    own_code: String,
    own_name: String,
    own_anchors: Vec<Vec<u8>>,
    config: TrustConfig,
    peers: RwLock<BTreeMap<String, PeerState>>,
    repo: Arc<dyn TrustRepository>,
    fetcher: RevocationFetcher,
    list_fetcher: RevocationFetcher,
    clock: crate::clock::SharedClock,
    cross: Vec<String>,
    seal_makers: Vec<[u8; 32]>,
    /// This region's witness key (vkey), whose cosignatures count on peers' checkpoints.
    own_witness: RwLock<Option<String>>,
    /// Proven log inclusions of peers' objects (see `transparency`).
    log_proofs: transparency::ProofCache,
}

impl Federation {
    /// Seal makers this region names explicitly (`seal_maker_sha256` in trust.toml), decoded
    /// once at construction.
    pub fn seal_makers(&self) -> Vec<[u8; 32]> {
        self.seal_makers.clone()
    }

    /// Build from configuration and restore the newest stored version of every peer's list
    /// (re-verified against the current pins; versions that no longer verify are ignored).
    pub async fn new(
        own: (&str, &str),
        own_anchors: Vec<Vec<u8>>,
        config: TrustConfig,
        policies_dir: &Path,
        repo: Arc<dyn TrustRepository>,
    ) -> Result<Federation, TrustConfigError> {
        let seal_makers = config.seal_makers().map_err(|message| TrustConfigError {
            file: policies_dir.join(TRUST_FILE).display().to_string(),
            message,
        })?;
        let mut peers = BTreeMap::new();
        for p in &config.peers {
            let pins = config.pins(p, policies_dir)?;
            let mut st = PeerState {
                config: p.clone(),
                pins,
                current: None,
                versions: vec![],
                last_attempt: None,
                last_success: None,
                last_error: None,
            };
            match repo.peer_lists(&p.region).await {
                Ok(stored) => {
                    for rec in stored {
                        // Signer validity is judged at fetch time: a stored list stays usable
                        // under its own nextUpdate rules.
                        if let Ok(v) = list::verify_signed(&rec.signed, &st.pins, rec.fetched_at)
                            && v.list.region.code == p.region
                        {
                            st.versions.push(v.list.sequence);
                            if st
                                .current
                                .as_ref()
                                .is_none_or(|c| c.list.sequence < v.list.sequence)
                            {
                                st.last_success = Some(rec.fetched_at);
                                st.current = Some(Arc::new(v));
                            }
                        }
                    }
                }
                Err(e) => st.last_error = Some(format!("cannot read stored lists: {e}")),
            }
            peers.insert(p.region.clone(), st);
        }
        let fetcher = RevocationFetcher::new(FetchConfig {
            timeout: Duration::from_secs(config.sync.revocation_timeout_seconds),
            cache_ttl: Duration::from_secs(config.sync.revocation_cache_seconds),
            ..FetchConfig::default()
        });
        let list_fetcher = RevocationFetcher::new(FetchConfig {
            timeout: Duration::from_secs(config.sync.timeout_seconds),
            max_bytes: config.sync.max_list_bytes,
            max_entries: 0,
            ..FetchConfig::default()
        });
        Ok(Federation {
            own_code: own.0.to_string(),
            own_name: own.1.to_string(),
            own_anchors,
            config,
            peers: RwLock::new(peers),
            repo,
            fetcher,
            list_fetcher,
            clock: Arc::new(crate::clock::SystemClock),
            cross: vec![],
            seal_makers,
            own_witness: RwLock::new(None),
            log_proofs: Default::default(),
        })
    }

    /// Use another clock (tests pin time to check staleness and expiry).
    pub fn with_clock(mut self, clock: crate::clock::SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Cross-certificates issued by this region (bridge model): paths through them are
    /// reported as recognized via a cross-certificate.
    pub fn with_cross_certificates(mut self, certs: &[Vec<u8>]) -> Self {
        self.cross = certs
            .iter()
            .map(|c| hex::encode(crate::crypto::sha256(c)))
            .collect();
        self
    }

    /// This region's witness key (a cosignature/v1 vkey): its cosignatures on a peer's
    /// checkpoint are named as this region's.
    pub fn set_own_witness(&self, vkey: &str) {
        if let Ok(mut w) = self.own_witness.write() {
            *w = Some(vkey.to_string());
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TrustConfig {
        &self.config
    }

    /// Peer region codes.
    pub fn peer_codes(&self) -> Vec<String> {
        self.peers
            .read()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The transparency logs the peers' lists in use announce: `(region, log)`.
    pub fn peer_logs(&self) -> Vec<(String, crate::trust::list::LogInfo)> {
        let Ok(peers) = self.peers.read() else {
            return vec![];
        };
        peers
            .iter()
            .filter_map(|(code, st)| {
                let cur = st.current.as_ref()?;
                Some((code.clone(), cur.list.transparency.clone()?))
            })
            .collect()
    }

    /// The outbound HTTP client of federation for lists and logs (bounded, plain http, no
    /// redirects; not the revocation fetcher, whose cache and limits are for CRLs and OCSP).
    pub fn list_client(&self) -> &RevocationFetcher {
        &self.list_fetcher
    }

    fn freshness(&self, l: Option<&VerifiedList>, now: i64) -> Freshness {
        match l {
            None => Freshness::NeverSynced,
            Some(v) if now <= v.list.next_update_at() => Freshness::Fresh,
            Some(v) if now <= v.list.next_update_at() + self.config.sync.grace_seconds => {
                Freshness::Stale
            }
            Some(_) => Freshness::Expired,
        }
    }
}
