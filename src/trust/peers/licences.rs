//! The federation as the e-licence verifier's [`LicenceTrust`]: each peer with what
//! `trust.toml` accepts from it, its pins and the list in use (unusable once expired beyond the
//! grace period), and a licence's signed status fetched only from the supply point that list
//! names, with the revocation fetcher's limits (plain `http://`, timeout, no redirects).
//!
//! Must not import: `crate::licence` (the verifier judges what is fetched), `crate::store`.

use super::{Accept, Federation, Freshness};
use crate::trust::licences::{LicenceRegion, LicenceTrust, status_url};

/// Largest signed status fetched (bytes): the reader's own limit.
const MAX_STATUS_BYTES: usize = 64 * 1024;

#[async_trait::async_trait]
impl LicenceTrust for Federation {
    fn licence_regions(&self, at: i64) -> Vec<LicenceRegion> {
        let now = self.clock.now();
        let Ok(peers) = self.peers.read() else {
            return vec![];
        };
        peers
            .values()
            .map(|st| {
                let mut r = LicenceRegion::from_list(
                    &st.config.region,
                    st.config.accept.contains(&Accept::ELicences),
                    st.pins.clone(),
                    st.current.as_deref(),
                    at,
                );
                if r.unusable.is_none()
                    && self.freshness(st.current.as_deref(), now) == Freshness::Expired
                {
                    r.unusable = Some(format!(
                        "the trust list of region {} expired and no newer one could be obtained",
                        st.config.region
                    ));
                }
                r
            })
            .collect()
    }

    async fn fetch_licence_status(
        &self,
        region: &str,
        identifier: &str,
    ) -> Result<Vec<u8>, String> {
        if identifier.is_empty()
            || !identifier
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.')
        {
            return Err("not an e-licence identifier".into());
        }
        let bases = self
            .licence_regions(self.clock.now())
            .into_iter()
            .find(|r| r.region == region)
            .map(|r| r.status_bases)
            .unwrap_or_default();
        if bases.is_empty() {
            return Err(format!(
                "the trust list of region {region} names no licence status supply point"
            ));
        }
        let mut errors = Vec::new();
        for base in bases {
            let url = status_url(&base, identifier);
            let allowed = |u: &str| u == url;
            match self
                .fetcher
                .get_accepting(&url, &allowed, "application/cms", MAX_STATUS_BYTES)
                .await
            {
                Ok(b) => return Ok(b),
                Err(e) => errors.push(e.to_string()),
            }
        }
        Err(errors.join("; "))
    }
}
