//! A relying party's network access (`yinxin verify --fetch-revocation`): the allow-list of
//! URL bases it may contact, and the [`TrustSource`] that, for each chain being validated,
//! 1. takes the missing intermediates from the caIssuers URLs of the certificates in play
//!    (at most [`MAX_CA_ISSUERS_PER_CHAIN`] fetches per chain and [`MAX_CA_ISSUERS`] in all,
//!    depth-limited; the certificates are *candidates* for path building, never anchors),
//! 2. fetches OCSP, else CRL and delta CRL, for every certificate of the chain through
//!    [`RevocationFetcher::gather`] — the code the service uses for its peers' certificates,
//! 3. fetches the signed status of a seal of the anchors' region (`{base}/v1/seals/{esID}/status`,
//!    the base taken from the maker certificate's AIA URLs).
//!
//! Every URL is put to the allow-list before anything is sent (no DNS lookup, no connection
//! when it is refused), and every attempt is logged ([`UrlEvent`]) so that the report can say
//! what was fetched and what was not contacted and why. Signed trust lists loaded offline keep
//! anchoring and reviewing chains ([`OfflineTrust`]). No HTTP server or SQL types here.

use super::aia::ca_issuers_urls;
use super::fetch::{FetchConfig, RevocationFetcher, UrlEvent, find_issuer, ocsp_urls, self_signed};
use super::offline::OfflineTrust;
use crate::verify::cert::Cert;
use crate::verify::hook::{ChainRole, Gathered, TrustSource};
use crate::verify::report::Report;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Most caIssuers fetches for one chain.
pub const MAX_CA_ISSUERS_PER_CHAIN: usize = 3;
/// Most caIssuers fetches in one verification (an OFD has many chains).
pub const MAX_CA_ISSUERS: usize = 12;
/// Most distinct URLs contacted in one verification.
pub const MAX_URLS: usize = 48;
/// Largest signed seal status fetched, bytes.
const SEAL_STATUS_MAX_BYTES: usize = crate::seal::status::MAX_BYTES;

/// Why a URL outside the allow-list is not contacted.
const REFUSAL: &str = "not allowed: not under an --allow-url base, a supply point of a \
                       --trust-list or the public base URL of the --data-dir region";

/// URL bases a relying party allows: exact URLs (trust-list supply points) and prefixes
/// (`--allow-url`, a region's public base URL).
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    exact: BTreeSet<String>,
    prefixes: Vec<String>,
}

impl AllowList {
    /// An empty list (allows nothing).
    pub fn new() -> Self {
        AllowList::default()
    }

    /// Allow one exact URL.
    pub fn add_exact(&mut self, url: &str) {
        self.exact.insert(url.to_string());
    }

    /// Allow every URL under `base` (`http://host:port/` or `http://host/path/`); a base of
    /// scheme and host only gets its `/`, so that `http://h:80` does not cover `http://h:8080`.
    pub fn add_base(&mut self, base: &str) -> Result<(), String> {
        let b = base.trim();
        let rest = b
            .strip_prefix("http://")
            .ok_or_else(|| format!("{base}: only http:// bases are fetched from"))?;
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() || host.contains('@') {
            return Err(format!("{base}: no host, or user information"));
        }
        let mut p = b.to_string();
        if !rest.contains('/') {
            p.push('/');
        }
        self.prefixes.push(p);
        Ok(())
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    /// Whether `url` may be contacted: an exact entry, or under a base — and without a dot
    /// segment or an encoded dot that could climb out of the base's path.
    pub fn allows(&self, url: &str) -> bool {
        if self.exact.contains(url) {
            return true;
        }
        let lower = url.to_ascii_lowercase();
        let climbs = lower.contains("%2e")
            || lower
                .split(['/', '?', '#'])
                .skip(3)
                .any(|seg| seg == ".." || seg == ".");
        !climbs
            && self.prefixes.iter().any(|p| {
                url.starts_with(p.as_str())
                    && (p.ends_with('/') || url[p.len()..].starts_with(['/', '?']) || url == p)
            })
    }
}

/// The relying party's trust source (see the module doc).
pub struct RelyingParty {
    fetcher: RevocationFetcher,
    allow: AllowList,
    offline: Option<OfflineTrust>,
    /// Anchors and intermediates the relying party gave.
    known: Vec<Vec<u8>>,
    /// Fingerprints of the anchors (walks stop there).
    anchors: Vec<[u8; 32]>,
    /// Certificates fetched from caIssuers so far.
    fetched: Mutex<Vec<Vec<u8>>>,
    /// Every URL tried, in order.
    log: Mutex<Vec<UrlEvent>>,
    /// What happened per certificate, in words.
    notes: Mutex<Vec<String>>,
    /// Distinct URLs approved so far.
    contacted: Mutex<BTreeSet<String>>,
    ca_issuers_left: AtomicUsize,
}

impl RelyingParty {
    /// A source allowing `allow`, knowing `anchors` and `intermediates`, reviewing with the
    /// trust lists in `offline` (their supply points join the allow-list).
    pub fn new(
        mut allow: AllowList,
        anchors: &[Vec<u8>],
        intermediates: &[Vec<u8>],
        offline: Option<OfflineTrust>,
    ) -> Self {
        if let Some(o) = &offline {
            for u in o.supply_points() {
                allow.add_exact(&u);
            }
        }
        let mut known = anchors.to_vec();
        known.extend(intermediates.iter().cloned());
        RelyingParty {
            fetcher: RevocationFetcher::new(FetchConfig {
                refusal: REFUSAL.into(),
                ..FetchConfig::default()
            }),
            allow,
            offline,
            known,
            anchors: anchors.iter().map(|a| crate::crypto::sha256(a)).collect(),
            fetched: Mutex::new(vec![]),
            log: Mutex::new(vec![]),
            notes: Mutex::new(vec![]),
            contacted: Mutex::new(BTreeSet::new()),
            ca_issuers_left: AtomicUsize::new(MAX_CA_ISSUERS),
        }
    }

    /// Every URL tried so far, in order (the same URL once per outcome).
    pub fn urls(&self) -> Vec<UrlEvent> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<UrlEvent> = Vec::new();
        for e in log.iter() {
            if !out.iter().any(|o| o.url == e.url && o.outcome == e.outcome) {
                out.push(e.clone());
            }
        }
        out
    }

    /// What was done per certificate, in words.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The allow-list verdict, counting distinct URLs against [`MAX_URLS`].
    fn allowed(&self, url: &str) -> bool {
        if !self.allow.allows(url) {
            return false;
        }
        let mut c = self.contacted.lock().unwrap_or_else(|p| p.into_inner());
        if c.contains(url) {
            return true;
        }
        if c.len() >= MAX_URLS {
            return false;
        }
        c.insert(url.to_string());
        true
    }

    fn record(&self, events: Vec<UrlEvent>, notes: Vec<String>) {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(events);
        self.notes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(notes);
    }

    /// Walk up from `target` through `pool`, fetching a missing issuer from caIssuers; returns
    /// the certificates fetched on the way (added to `pool`).
    async fn complete_chain(
        &self,
        target: &Arc<Cert>,
        pool: &mut Vec<Vec<u8>>,
        events: &mut Vec<UrlEvent>,
        notes: &mut Vec<String>,
    ) -> Vec<Vec<u8>> {
        let mut parsed: Vec<Arc<Cert>> = pool.iter().filter_map(|d| Cert::shared(d).ok()).collect();
        let mut new = Vec::new();
        let mut current = target.clone();
        let mut fetches = 0;
        let mut seen = vec![current.fingerprint];
        for _ in 0..super::fetch::MAX_CHAIN_STEPS {
            if self_signed(&current) || self.anchors.contains(&current.fingerprint) {
                break;
            }
            if let Some(i) = find_issuer(&parsed, &current) {
                if seen.contains(&i.fingerprint) {
                    break;
                }
                seen.push(i.fingerprint);
                current = i.clone();
                continue;
            }
            let who = current.describe();
            let urls = ca_issuers_urls(&current);
            if urls.is_empty() {
                notes.push(format!(
                    "{who}: its issuer is not known and it names no caIssuers URL"
                ));
                break;
            }
            let mut found = None;
            for u in &urls {
                if fetches >= MAX_CA_ISSUERS_PER_CHAIN
                    || self
                        .ca_issuers_left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_err()
                {
                    notes.push(format!(
                        "{who}: caIssuers {u} not fetched: at most {MAX_CA_ISSUERS_PER_CHAIN} \
                         caIssuers fetches per chain and {MAX_CA_ISSUERS} in all"
                    ));
                    break;
                }
                fetches += 1;
                let allowed = |x: &str| self.allowed(x);
                let fut = self.fetcher.ca_issuers(u, &allowed);
                let r = fut.await;
                events.push(UrlEvent::of("caIssuers", u, &r, false));
                match r {
                    Ok(certs) => {
                        for c in certs {
                            if !pool.contains(&c)
                                && let Ok(p) = Cert::shared(&c)
                            {
                                parsed.push(p);
                                pool.push(c.clone());
                                new.push(c);
                            }
                        }
                        found = find_issuer(&parsed, &current).cloned();
                        if found.is_some() {
                            notes.push(format!(
                                "{who}: issuer certificate fetched from caIssuers {u} (a \
                                 candidate: validated with the path)"
                            ));
                            break;
                        }
                        notes.push(format!(
                            "{who}: caIssuers {u} did not answer with its issuer's certificate"
                        ));
                    }
                    Err(e) => notes.push(format!("{who}: caIssuers {e}")),
                }
            }
            match found {
                Some(i) if !seen.contains(&i.fingerprint) => {
                    seen.push(i.fingerprint);
                    current = i;
                }
                _ => break,
            }
        }
        new
    }

    /// The public base URL of the region whose certificate `cert` is, from its AIA: the OCSP
    /// responder without its `/ocsp`, else a caIssuers URL without its `/ca/…`.
    fn region_base(cert: &[u8]) -> Option<String> {
        let cert = Cert::shared(cert).ok()?;
        ocsp_urls(&cert)
            .iter()
            .find_map(|u| u.strip_suffix("/ocsp").map(str::to_string))
            .or_else(|| {
                ca_issuers_urls(&cert)
                    .iter()
                    .find_map(|u| u.rsplit_once("/ca/").map(|(b, _)| b.to_string()))
            })
    }
}

/// E-licences: the regions of the trust lists loaded offline (their signed statuses are not
/// fetched here: the relying party gives them as files).
#[async_trait::async_trait]
impl super::licences::LicenceTrust for RelyingParty {
    fn licence_regions(&self, at: i64) -> Vec<super::licences::LicenceRegion> {
        self.offline
            .as_ref()
            .map(|o| super::licences::LicenceTrust::licence_regions(o, at))
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl TrustSource for RelyingParty {
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        self.offline
            .as_ref()
            .map(OfflineTrust::anchors)
            .unwrap_or_default()
    }

    async fn revocation_data(&self, target: &[u8], extra: &[Vec<u8>]) -> Gathered {
        let t = match Cert::shared(target) {
            Ok(c) => c,
            Err(e) => {
                return Gathered {
                    notes: vec![format!("target: {e}")],
                    ..Gathered::default()
                };
            }
        };
        let mut pool = self.known.clone();
        pool.extend(extra.iter().cloned());
        pool.extend(
            self.fetched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned(),
        );
        let (mut events, mut notes) = (Vec::new(), Vec::new());
        let new = self
            .complete_chain(&t, &mut pool, &mut events, &mut notes)
            .await;
        self.fetched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(new);
        let allowed = |x: &str| self.allowed(x);
        let fut = self.fetcher.gather(target, &pool, &allowed);
        let g = fut.await;
        events.extend(g.urls);
        notes.extend(g.notes);
        self.record(events, notes.clone());
        Gathered {
            crls: g.crls,
            ocsp: g.ocsp,
            intermediates: self
                .fetched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            notes,
        }
    }

    fn review(&self, report: &mut Report, target: &[u8], at: i64, role: ChainRole) {
        if let Some(o) = &self.offline {
            o.review(report, target, at, role);
        }
    }

    async fn seal_status(&self, maker: &[u8], es_id: &str) -> Vec<Vec<u8>> {
        let Some(base) = Self::region_base(maker) else {
            self.record(
                vec![],
                vec![format!(
                    "seal {es_id}: its maker's certificate names no OCSP or caIssuers URL: \
                     no place to fetch its signed status from"
                )],
            );
            return vec![];
        };
        let safe = !es_id.is_empty()
            && es_id.len() <= 64
            && es_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !safe {
            self.record(
                vec![],
                vec![format!(
                    "seal {es_id:?}: its esID is not URL-safe: its signed status is not fetched"
                )],
            );
            return vec![];
        }
        let url = format!("{base}/v1/seals/{es_id}/status");
        let allowed = |x: &str| self.allowed(x);
        let fut = self
            .fetcher
            .get_capped(&url, &allowed, SEAL_STATUS_MAX_BYTES);
        let r = fut.await;
        self.record(vec![UrlEvent::of("seal status", &url, &r, false)], vec![]);
        r.map(|b| vec![b]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_is_a_list_of_bases() {
        let mut a = AllowList::new();
        assert!(a.is_empty());
        assert!(!a.allows("http://127.0.0.1:8080/ocsp"));
        a.add_base("http://127.0.0.1:8080").unwrap();
        a.add_base("http://ca.example/pki/").unwrap();
        a.add_exact("http://other.example/crl/x.crl");
        for ok in [
            "http://127.0.0.1:8080/ocsp",
            "http://127.0.0.1:8080/ca/sm2-issuing.cer",
            "http://ca.example/pki/root.crl",
            "http://other.example/crl/x.crl",
        ] {
            assert!(a.allows(ok), "{ok}");
        }
        for refused in [
            "http://127.0.0.1:80800/ocsp",
            "http://127.0.0.1:8080.evil/ocsp",
            "http://127.0.0.1:8081/ocsp",
            "http://ca.example/pkix/root.crl",
            "http://ca.example/pki/../admin",
            "http://ca.example/pki/%2E%2E/admin",
            "http://other.example/crl/y.crl",
            "https://127.0.0.1:8080/ocsp",
        ] {
            assert!(!a.allows(refused), "{refused}");
        }
        assert!(a.add_base("https://x/").is_err());
        assert!(a.add_base("http://u@x/").is_err());
        assert!(a.add_base("http:///").is_err());
    }

    #[test]
    fn the_region_base_comes_from_the_aia() {
        assert_eq!(RelyingParty::region_base(b"junk"), None);
    }
}
