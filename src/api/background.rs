//! The background work of a serving process, by role ([`ServiceRole`]):
//!
//! - a process holding keys (`ca`, `all`) publishes its own trust list when it is missing or
//!   has lived half its validity, follows the status change feed (revocations made by other
//!   processes or the CLI) every 250 ms, and regenerates CRLs when certificates of a CA changed
//!   (coalesced) or when the latest CRL has lived half its validity;
//! - a process answering verifications (`verify`, `all`) fetches the peers' trust lists at
//!   start and on schedule (verifying them needs no key): the lists it verifies with are its
//!   own, in memory.
//!
//! A process holding keys also sequences the transparency log (see
//! [`crate::transparency::log`]) and asks the peers' witnesses to cosign its checkpoints.
//!
//! A `verify` process runs nothing that signs.
//!
//! Owns: the schedules. Must not import handlers or the store.

use super::state::AppState;
use crate::config::ServiceRole;
use std::sync::Arc;
use std::time::Duration;

/// Start the background work of `state.role`.
pub fn spawn_background(state: Arc<AppState>) {
    if state.role != ServiceRole::Ca {
        spawn_federation_sync(&state);
    }
    if state.role.holds_keys() {
        // The transparency log: sequencing, and the peers' witnesses asked to cosign.
        if let Some(log) = state.log.clone().filter(|l| l.keys().is_some()) {
            tokio::spawn(log.run_sequencer());
        }
        super::log_cosign::spawn_cosigning(&state);
        spawn_trust_list_publication(&state);
        spawn_status_feed(state.clone());
        spawn_crl_regeneration(state);
    }
}

/// The own trust list: published at start when missing, re-signed at half its validity.
fn spawn_trust_list_publication(state: &AppState) {
    let Some(own) = state.trust.clone() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            if let Err(e) = own.publish_if_due().await {
                tracing::error!(error = %e, "trust list publication failed");
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
}

/// Federation: every peer's list at start and on schedule (failures: within 30 s).
fn spawn_federation_sync(state: &AppState) {
    let Some(t) = state.trust.clone() else {
        return;
    };
    tokio::spawn(async move {
        let every = Duration::from_secs(t.federation.config().sync.interval_seconds.max(1));
        loop {
            let results = t.federation.sync_all().await;
            // A peer that failed (down, or not yet up at our start) is retried sooner.
            let failed = results.iter().any(|(_, r)| r.is_err());
            let wait = if failed {
                every.min(Duration::from_secs(30))
            } else {
                every
            };
            tokio::time::sleep(wait).await;
        }
    });
}

/// The status change feed: CAs whose certificates changed get their CRLs regenerated.
fn spawn_status_feed(s: Arc<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            match s.status.poll_changes().await {
                Ok(cas) if !cas.is_empty() => {
                    if let Ok(mut d) = s.crl_dirty.0.lock() {
                        d.extend(cas);
                    }
                    s.crl_dirty.1.notify_one();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "status change feed"),
            }
        }
    });
}

/// CRLs: regenerated when marked dirty (coalesced) or when the latest has lived half its
/// validity; checked at least every minute.
fn spawn_crl_regeneration(state: Arc<AppState>) {
    tokio::spawn(async move {
        let s = state;
        loop {
            let due: Vec<String> = {
                let now = crate::clock::now_secs();
                let mut due = Vec::new();
                for ca in s.status.cas().iter().filter(|c| c.crl_signer.is_some()) {
                    let latest = s
                        .status
                        .store()
                        .latest_crl(&ca.record.id, false)
                        .await
                        .ok()
                        .flatten();
                    let stale = latest
                        .is_none_or(|c| now >= c.this_update + (c.next_update - c.this_update) / 2);
                    if stale {
                        due.push(ca.record.id.clone());
                    }
                }
                if let Ok(mut d) = s.crl_dirty.0.lock() {
                    due.extend(d.drain());
                }
                due.sort();
                due.dedup();
                due
            };
            for ca in due {
                if s.status
                    .cas()
                    .iter()
                    .any(|c| c.record.id == ca && c.crl_signer.is_some())
                {
                    // A failure is logged and counted by the status service (metrics).
                    if let Ok((full, delta)) = s.status.regenerate_crls(&ca).await {
                        tracing::info!(ca = %ca, full = full.number, delta = delta.number, entries = full.entries, "CRLs published")
                    }
                }
            }
            tokio::select! {
                _ = s.crl_dirty.1.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
        }
    });
}
