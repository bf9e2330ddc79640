//! Federation sync: fetching a peer's list from the URL our configuration names and offering
//! it; a failed fetch is recorded and never replaces the last good list.
//!
//! Must not import: the list verifier: what is fetched is judged by `acceptance` only.

use super::{Federation, SyncOutcome};

impl Federation {
    /// Fetch `region`'s list now and offer it.
    pub async fn sync(&self, region: &str) -> Result<SyncOutcome, String> {
        let url = {
            let peers = self
                .peers
                .read()
                .map_err(|_| "state poisoned".to_string())?;
            peers
                .get(region)
                .map(|p| p.config.list_url.clone())
                .ok_or_else(|| format!("no peer {region}"))?
        };
        let now = self.clock.now();
        // The list URL comes from our own configuration, not from fetched data.
        let fetched = self.list_fetcher.get(&url, &|_| true).await;
        match fetched {
            Ok(bytes) => self
                .offer(region, &bytes, now)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => {
                let msg = format!("fetching {url}: {e}");
                if let Ok(mut peers) = self.peers.write()
                    && let Some(st) = peers.get_mut(region)
                {
                    st.last_attempt = Some(now);
                    st.last_error = Some(msg.clone());
                }
                tracing::warn!(peer = region, error = %msg, "peer trust list fetch failed");
                Err(msg)
            }
        }
    }

    /// Sync every peer (concurrently).
    pub async fn sync_all(&self) -> Vec<(String, Result<SyncOutcome, String>)> {
        let codes = self.peer_codes();
        let futs = codes.iter().map(|c| self.sync(c));
        let results = futures_util::future::join_all(futs).await;
        codes.into_iter().zip(results).collect()
    }
}
