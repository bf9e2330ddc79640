//! Peers (`policies/trust.toml`) and federation: fetching each recognized region's signed
//! list, accepting it only when it is signed by a pinned certificate, is for that region, is
//! not a rollback or an equivocation, and is not expired; keeping every accepted version; and
//! judging chains that a peer's listed root anchors ([`TrustSource`]).
//!
//! Staleness: a peer's newest list is used until its nextUpdate plus `sync.grace_seconds`;
//! after that every chain it anchors is INDETERMINATE / TRY_LATER until a fresh list arrives.
//! A failed fetch never replaces the last good list.

use super::fetch::{FetchConfig, RevocationFetcher};
use super::list::{self, ListError, ServiceKind, ServiceStatus, VerifiedList};
use super::{PeerListRecord, TrustRepository};
use crate::verify::hook::{ChainRole, Gathered, TrustSource};
use crate::verify::report::{Failure, Indication, Recognition, Report, SubIndication};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// File name inside the policies directory.
pub const TRUST_FILE: &str = "trust.toml";

/// `[list]`: this region's own list.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnListConfig {
    /// nextUpdate − issue time, hours (default 24). The server re-signs at half of it.
    #[serde(default = "d_validity")]
    pub validity_hours: u32,
    /// Our assurance level OIDs and their names.
    #[serde(default)]
    pub assurance_levels: BTreeMap<String, String>,
}

/// `[sync]`: federation timings and limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Seconds between scheduled fetches of every peer's list (default 300).
    #[serde(default = "d_interval")]
    pub interval_seconds: u64,
    /// Seconds a list is still used after its nextUpdate (default 3600).
    #[serde(default = "d_grace")]
    pub grace_seconds: i64,
    /// Timeout of one list fetch, seconds (default 5).
    #[serde(default = "d_timeout")]
    pub timeout_seconds: u64,
    /// Largest list accepted, bytes (default 4 MiB).
    #[serde(default = "d_max_list")]
    pub max_list_bytes: usize,
    /// Longest reuse of a fetched OCSP response or CRL of a peer, seconds (default 300).
    #[serde(default = "d_rev_cache")]
    pub revocation_cache_seconds: u64,
    /// Timeout of one revocation fetch, seconds (default 3).
    #[serde(default = "d_rev_timeout")]
    pub revocation_timeout_seconds: u64,
}

fn d_validity() -> u32 {
    24
}
fn d_interval() -> u64 {
    300
}
fn d_grace() -> i64 {
    3600
}
fn d_timeout() -> u64 {
    5
}
fn d_max_list() -> usize {
    4 * 1024 * 1024
}
fn d_rev_cache() -> u64 {
    300
}
fn d_rev_timeout() -> u64 {
    3
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            interval_seconds: d_interval(),
            grace_seconds: d_grace(),
            timeout_seconds: d_timeout(),
            max_list_bytes: d_max_list(),
            revocation_cache_seconds: d_rev_cache(),
            revocation_timeout_seconds: d_rev_timeout(),
        }
    }
}

impl Default for OwnListConfig {
    fn default() -> Self {
        OwnListConfig {
            validity_hours: d_validity(),
            assurance_levels: BTreeMap::new(),
        }
    }
}

/// What is accepted from a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Accept {
    /// Certificates (signers of CMS, OFD Type="Sign", SES signatures; bare certificates).
    Certificates,
    /// Seals made by the peer's seal maker.
    Seals,
    /// E-licences issued by the peer.
    ELicences,
}

/// `[[peer]]`: one recognized region.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Region code (must equal the code inside its list).
    pub region: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Where its signed list is published (`…/v1/trust-list`).
    pub list_url: String,
    /// SHA-256 (hex) of the certificates that may sign its list.
    #[serde(default)]
    pub signer_sha256: Vec<String>,
    /// PEM files (relative to the policies directory) of certificates that may sign it.
    #[serde(default)]
    pub signer_certs: Vec<PathBuf>,
    /// What is accepted from it.
    pub accept: Vec<Accept>,
    /// Its assurance level OIDs → ours.
    #[serde(default)]
    pub assurance_map: BTreeMap<String, String>,
    /// Optional: SHA-256 (hex) of the only root CA certificates taken from its list as anchors
    /// (a peer is otherwise trusted for whatever roots its signed list names).
    #[serde(default)]
    pub root_sha256: Vec<String>,
}

impl PeerConfig {
    /// Whether a root CA certificate (by SHA-256, hex) of this peer's list may anchor paths.
    fn root_allowed(&self, sha256: &str) -> bool {
        self.root_sha256.is_empty()
            || self
                .root_sha256
                .iter()
                .any(|p| p.trim().eq_ignore_ascii_case(sha256))
    }
}

/// The whole `trust.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// Own list.
    #[serde(default)]
    pub list: OwnListConfig,
    /// Sync.
    #[serde(default)]
    pub sync: SyncConfig,
    /// Peers.
    #[serde(default, rename = "peer")]
    pub peers: Vec<PeerConfig>,
    /// SHA-256 (hex) of seal-maker certificates this region recognises as seal makers
    /// although they lack our seal-making EKU and are not listed by a peer (e.g. a vendor's
    /// maker whose seals this region accepts). Their chains must still validate.
    #[serde(default)]
    pub seal_maker_sha256: Vec<String>,
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct TrustConfigError {
    /// File.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl TrustConfig {
    /// Load `DIR/trust.toml` (absent: no peers, defaults).
    pub fn load(policies_dir: &Path) -> Result<TrustConfig, TrustConfigError> {
        let path = policies_dir.join(TRUST_FILE);
        let err = |message: String| TrustConfigError {
            file: path.display().to_string(),
            message,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(err(e.to_string())),
        };
        let cfg: TrustConfig = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        for p in &cfg.peers {
            if !seen.insert(p.region.clone()) {
                return Err(err(format!("peer {} is listed twice", p.region)));
            }
            if !p.list_url.starts_with("http://") {
                return Err(err(format!(
                    "peer {}: list_url must be an http:// URL (the list is signed)",
                    p.region
                )));
            }
            if p.signer_sha256.is_empty() && p.signer_certs.is_empty() {
                return Err(err(format!(
                    "peer {}: no pinned list signer (signer_sha256 or signer_certs)",
                    p.region
                )));
            }
            for oid in p.assurance_map.keys().chain(p.assurance_map.values()) {
                oid.parse::<const_oid::ObjectIdentifier>()
                    .map_err(|_| err(format!("peer {}: {oid:?} is not an OID", p.region)))?;
            }
        }
        cfg.seal_makers().map_err(err)?;
        Ok(cfg)
    }

    /// The seal makers named in `seal_maker_sha256`.
    pub fn seal_makers(&self) -> Result<Vec<[u8; 32]>, String> {
        self.seal_maker_sha256
            .iter()
            .map(|h| {
                hex::decode(h.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| format!("seal_maker_sha256: {h:?} is not a SHA-256 in hex"))
            })
            .collect()
    }

    /// The pins of a peer (SHA-256 of signer certificates).
    pub fn pins(
        &self,
        peer: &PeerConfig,
        policies_dir: &Path,
    ) -> Result<Vec<[u8; 32]>, TrustConfigError> {
        let err = |message: String| TrustConfigError {
            file: policies_dir.join(TRUST_FILE).display().to_string(),
            message,
        };
        let mut pins = Vec::new();
        for h in &peer.signer_sha256 {
            let b = hex::decode(h.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    err(format!(
                        "peer {}: {h:?} is not a SHA-256 in hex",
                        peer.region
                    ))
                })?;
            pins.push(b);
        }
        for f in &peer.signer_certs {
            let path = policies_dir.join(f);
            let text = std::fs::read(&path)
                .map_err(|e| err(format!("peer {}: {}: {e}", peer.region, path.display())))?;
            let der_bytes = pem_or_der(&text).ok_or_else(|| {
                err(format!(
                    "peer {}: {} is not a certificate",
                    peer.region,
                    path.display()
                ))
            })?;
            pins.push(crate::crypto::sha256(&der_bytes));
        }
        Ok(pins)
    }
}

fn pem_or_der(bytes: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    if let Ok(s) = std::str::from_utf8(bytes)
        && s.contains("-----BEGIN")
    {
        let (_, d) = der::pem::decode_vec(s.trim().as_bytes()).ok()?;
        return x509_cert::Certificate::from_der(&d).ok().map(|_| d);
    }
    x509_cert::Certificate::from_der(bytes)
        .ok()
        .map(|_| bytes.to_vec())
}

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

/// The result of offering a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum SyncOutcome {
    /// A newer version was accepted.
    Accepted {
        /// Its sequence number.
        sequence: u64,
    },
    /// The same version as before.
    Unchanged {
        /// Its sequence number.
        sequence: u64,
    },
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

    /// Offer a signed list for `region` (what a fetch returned). On success it is stored and
    /// used; on failure the state keeps the last good list and records the error.
    pub async fn offer(
        &self,
        region: &str,
        signed: &[u8],
        now: i64,
    ) -> Result<SyncOutcome, ListError> {
        let checked = self.check(region, signed, now);
        let outcome = match checked {
            Ok((v, true)) => {
                let rec = PeerListRecord {
                    region: region.to_string(),
                    sequence: v.list.sequence,
                    issued_at: v.list.issued_at(),
                    next_update: v.list.next_update_at(),
                    fetched_at: now,
                    signed: v.signed.clone(),
                };
                if let Err(e) = self.repo.insert_peer_list(&rec).await {
                    tracing::warn!(peer = region, error = %e, "cannot store a peer list version");
                }
                let seq = v.list.sequence;
                if let Ok(mut peers) = self.peers.write()
                    && let Some(st) = peers.get_mut(region)
                {
                    // A concurrent sync may have accepted a newer one meanwhile.
                    if st.current.as_ref().is_none_or(|c| c.list.sequence < seq) {
                        st.current = Some(Arc::new(v));
                    }
                    if !st.versions.contains(&seq) {
                        st.versions.push(seq);
                    }
                }
                Ok(SyncOutcome::Accepted { sequence: seq })
            }
            Ok((v, false)) => Ok(SyncOutcome::Unchanged {
                sequence: v.list.sequence,
            }),
            Err(e) => Err(e),
        };
        if let Ok(mut peers) = self.peers.write()
            && let Some(st) = peers.get_mut(region)
        {
            st.last_attempt = Some(now);
            match &outcome {
                Ok(_) => {
                    st.last_success = Some(now);
                    st.last_error = None;
                }
                Err(e) => st.last_error = Some(e.to_string()),
            }
        }
        if let Err(e) = &outcome {
            tracing::warn!(peer = region, error = %e, "peer trust list rejected");
        }
        outcome
    }

    /// Verify a list for `region`; `true` when it is newer than the one in use.
    fn check(
        &self,
        region: &str,
        signed: &[u8],
        now: i64,
    ) -> Result<(VerifiedList, bool), ListError> {
        let (pins, current) = {
            let peers = self
                .peers
                .read()
                .map_err(|_| ListError::Malformed("state poisoned".into()))?;
            let st = peers.get(region).ok_or_else(|| ListError::WrongRegion {
                expected: "a configured peer".into(),
                got: region.to_string(),
            })?;
            (st.pins.clone(), st.current.clone())
        };
        let v = list::verify_signed(signed, &pins, now)?;
        if v.list.region.code != region {
            return Err(ListError::WrongRegion {
                expected: region.to_string(),
                got: v.list.region.code.clone(),
            });
        }
        if let Some(c) = &current {
            if v.list.sequence < c.list.sequence {
                return Err(ListError::Rollback {
                    have: c.list.sequence,
                    got: v.list.sequence,
                });
            }
            if v.list.sequence == c.list.sequence {
                if v.list.canonical_json() == c.list.canonical_json() {
                    return Ok((v, false));
                }
                return Err(ListError::Equivocation(v.list.sequence));
            }
        }
        if v.list.issued_at() > now + 300 {
            return Err(ListError::FromTheFuture(v.list.issued.clone()));
        }
        if v.list.next_update_at() < now {
            return Err(ListError::Expired(v.list.next_update.clone()));
        }
        Ok((v, true))
    }

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

    /// The list in use for a peer whose list has a root CA service with this certificate.
    fn peer_of_anchor(&self, anchor_sha256: &str) -> Option<(PeerConfig, Arc<VerifiedList>)> {
        let peers = self.peers.read().ok()?;
        peers.values().find_map(|st| {
            let cur = st.current.clone()?;
            let hit = st.config.root_allowed(anchor_sha256)
                && cur
                    .certs_of(ServiceKind::RootCa)
                    .any(|c| c.sha256 == anchor_sha256);
            hit.then(|| (st.config.clone(), cur))
        })
    }

    /// The assurance level the *validated* path carries: the first policy of the report's
    /// valid policy set (RFC 5280 §6.1.5, expressed in the anchor's domain — for a path through
    /// one of our cross-certificates already mapped into ours) that is one of our levels,
    /// translated through the peer's map for a peer's anchor. A policy the end entity asserts
    /// but the path does not validate gives no assurance; nor does an anyPolicy-only path.
    fn assurance(&self, peer: Option<&PeerConfig>, report: &Report) -> Option<String> {
        let ours = &self.config.list.assurance_levels;
        for p in report.valid_policy_set.iter().filter(|p| *p != "anyPolicy") {
            let mapped = match peer {
                Some(peer) => peer.assurance_map.get(p).cloned(),
                None => Some(p.clone()),
            };
            if let Some(m) = mapped
                && let Some(name) = ours.get(&m)
            {
                return Some(match peer {
                    Some(_) => format!("{name} ({m}, mapped from {p})"),
                    None => format!("{name} ({m})"),
                });
            }
        }
        None
    }
}

fn fail_review(r: &mut Report, indication: Indication, sub: SubIndication, rule: String) {
    if r.passed() {
        r.indication = indication;
        r.sub_indication = Some(sub);
        r.failure = Some(Failure::new(
            crate::verify::reason::FailureReason::NotRecognized { detail: rule },
            None,
            None,
        ));
    }
}

/// What a chain anchored by a listed root is judged against.
pub(crate) struct Judged<'a> {
    pub(crate) target: &'a [u8],
    pub(crate) at: i64,
    pub(crate) role: ChainRole,
    pub(crate) anchor: &'a str,
    pub(crate) peer: &'a PeerConfig,
    pub(crate) list: &'a VerifiedList,
    pub(crate) freshness: Freshness,
    pub(crate) grace: i64,
    pub(crate) assurance: Option<String>,
}

/// Fill the recognition of a report whose anchor is a root listed in `j.list`, and fail it when
/// the list is expired, the object is not accepted from that region, or a service (root, listed
/// issuing CA, seal maker or TSU) was not granted at `j.at`.
pub(crate) fn review_against(report: &mut Report, j: &Judged<'_>) {
    let l = &j.list.list;
    let root = j
        .list
        .service_where(ServiceKind::RootCa, |c| c.sha256 == j.anchor);
    let root_status = root.and_then(|s| s.status_at(j.at));
    let assurance = j.assurance.clone();
    let status_name = |s: Option<ServiceStatus>| match s {
        Some(ServiceStatus::Granted) => "granted",
        Some(ServiceStatus::Withdrawn) => "withdrawn",
        None => "not yet listed",
    };
    report.recognition = Some(Recognition {
        region: l.region.code.clone(),
        region_name: l.region.name.clone(),
        via: "trust-list".into(),
        list_sequence: Some(l.sequence),
        service: root.map(|s| s.id.clone()),
        service_status: Some(status_name(root_status).into()),
        summary: format!(
            "recognized via region {} trust list #{} (service {}, {} at {}){}",
            l.region.code,
            l.sequence,
            root.map(|s| s.id.as_str()).unwrap_or("?"),
            status_name(root_status),
            crate::clock::rfc3339(j.at),
            assurance
                .as_deref()
                .map(|a| format!(", assurance {a}"))
                .unwrap_or_default()
        ),
        assurance,
    });
    let region = &l.region.code;
    match j.freshness {
        Freshness::Expired => {
            return fail_review(
                report,
                Indication::Indeterminate,
                SubIndication::TryLater,
                format!(
                    "the trust list of region {region} (#{}) expired at {} (+{} s grace) and no newer one could be obtained",
                    l.sequence, l.next_update, j.grace
                ),
            );
        }
        Freshness::Fresh | Freshness::Stale | Freshness::NeverSynced => {}
    }
    let needed = match j.role {
        ChainRole::SealMaker => Accept::Seals,
        ChainRole::Signer | ChainRole::Tsu => Accept::Certificates,
    };
    // A timestamp from a recognized region is accepted whatever else is.
    let accepted =
        j.peer.accept.contains(&needed) || (j.role == ChainRole::Tsu && !j.peer.accept.is_empty());
    if !accepted {
        return fail_review(
            report,
            Indication::TotalFailed,
            SubIndication::ChainConstraintsFailure,
            format!("{needed:?} of region {region} are not recognized here (trust.toml)"),
        );
    }
    if root_status != Some(ServiceStatus::Granted) {
        return fail_review(
            report,
            Indication::TotalFailed,
            SubIndication::ChainConstraintsFailure,
            format!(
                "root CA service of region {region} was {} at {} (trust list #{})",
                status_name(root_status),
                crate::clock::rfc3339(j.at),
                l.sequence
            ),
        );
    }
    // Every CA of the path that the list names as a service (issuing CAs) must have been
    // granted at that time too.
    for c in &report.path {
        let listed = j
            .list
            .service_where(ServiceKind::IssuingCa, |d| d.sha256 == c.sha256);
        if let Some(svc) = listed {
            let st = svc.status_at(j.at);
            if st != Some(ServiceStatus::Granted) {
                return fail_review(
                    report,
                    Indication::TotalFailed,
                    SubIndication::ChainConstraintsFailure,
                    format!(
                        "issuing CA service {} of region {region} was {} at {} (trust list #{})",
                        svc.id,
                        status_name(st),
                        crate::clock::rfc3339(j.at),
                        l.sequence
                    ),
                );
            }
        }
    }
    let kind = match j.role {
        ChainRole::SealMaker => Some(ServiceKind::SealMaker),
        ChainRole::Tsu => Some(ServiceKind::Tsu),
        ChainRole::Signer => None,
    };
    if let Some(kind) = kind {
        let svc = j.list.service_where(kind, |c| c.der == j.target);
        let st = svc.and_then(|s| s.status_at(j.at));
        if st != Some(ServiceStatus::Granted) {
            fail_review(
                report,
                Indication::TotalFailed,
                SubIndication::ChainConstraintsFailure,
                match svc {
                    None => format!(
                        "the certificate is not a {} service in region {region}'s trust list #{}",
                        kind.as_str(),
                        l.sequence
                    ),
                    Some(s) => format!(
                        "{} service {} of region {region} was {} at {} (trust list #{})",
                        kind.as_str(),
                        s.id,
                        status_name(st),
                        crate::clock::rfc3339(j.at),
                        l.sequence
                    ),
                },
            );
        }
    }
}

#[async_trait::async_trait]
impl TrustSource for Federation {
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let (mut anchors, mut inter) = (vec![], vec![]);
        let Ok(peers) = self.peers.read() else {
            return (anchors, inter);
        };
        for st in peers.values() {
            let Some(cur) = &st.current else { continue };
            cur.anchors_into(&mut anchors, &mut inter, |c| {
                st.config.root_allowed(&c.sha256)
            });
        }
        (anchors, inter)
    }

    async fn revocation_data(&self, target: &[u8], _extra: &[Vec<u8>]) -> Gathered {
        // The peer whose listed CA certificates issued `target` (or the CA above it).
        let found = {
            let Ok(peers) = self.peers.read() else {
                return Gathered::default();
            };
            let Ok(t) = crate::verify::cert::Cert::from_der(target) else {
                return Gathered::default();
            };
            peers.values().find_map(|st| {
                let cur = st.current.clone()?;
                let cas = || {
                    cur.certs
                        .iter()
                        .filter(|c| matches!(c.kind, ServiceKind::RootCa | ServiceKind::IssuingCa))
                };
                let issued_here = cas().any(|c| {
                    c.subject
                        .as_ref()
                        .is_some_and(|n| crate::verify::cert::names_equal(n, &t.issuer))
                });
                issued_here.then(|| {
                    let pool: Vec<Vec<u8>> = cas().map(|c| c.der.clone()).collect();
                    (st.config.region.clone(), cur.clone(), pool)
                })
            })
        };
        let Some((region, cur, pool)) = found else {
            return Gathered::default();
        };
        let allowed = &cur.supply_points;
        let g = self
            .fetcher
            .gather(target, &pool, &|u: &str| allowed.contains(u))
            .await;
        Gathered {
            crls: g.crls,
            ocsp: g.ocsp,
            intermediates: vec![],
            notes: g
                .notes
                .into_iter()
                .map(|n| format!("region {region}: {n}"))
                .collect(),
        }
    }

    fn review(&self, report: &mut Report, target: &[u8], at: i64, role: ChainRole) {
        let Some(anchor) = report.anchor_sha256.clone() else {
            return;
        };
        let own = self
            .own_anchors
            .iter()
            .any(|a| hex::encode(crate::crypto::sha256(a)) == anchor);
        let cross = report.path.iter().find(|c| self.cross.contains(&c.sha256));
        if own && let Some(c) = cross {
            let assurance = self.assurance(None, report);
            report.recognition = Some(Recognition {
                region: self.own_code.clone(),
                region_name: self.own_name.clone(),
                via: "cross-certificate".into(),
                list_sequence: None,
                service: None,
                service_status: None,
                summary: format!(
                    "recognized via this region's cross-certificate to {}{}",
                    c.subject,
                    assurance
                        .as_deref()
                        .map(|a| format!(", policy and assurance as mapped: {a}"))
                        .unwrap_or_default()
                ),
                assurance,
            });
            return;
        }
        if own {
            let assurance = self.assurance(None, report);
            report.recognition = Some(Recognition {
                region: self.own_code.clone(),
                region_name: self.own_name.clone(),
                via: "own-region".into(),
                list_sequence: None,
                service: None,
                service_status: None,
                summary: format!(
                    "anchored at this region's own root ({}){}",
                    self.own_code,
                    assurance
                        .as_deref()
                        .map(|a| format!(", assurance {a}"))
                        .unwrap_or_default()
                ),
                assurance,
            });
            return;
        }
        let Some((peer, cur)) = self.peer_of_anchor(&anchor) else {
            // Anchors come from our roots and the peers' lists; one that is in neither any
            // more (a list changed during this verification) vouches for nothing.
            return fail_review(
                report,
                Indication::Indeterminate,
                SubIndication::NoCertificateChainFound,
                "the anchor is neither this region's root nor listed by a recognized region".into(),
            );
        };
        let now = self.clock.now();
        review_against(
            report,
            &Judged {
                target,
                at,
                role,
                anchor: &anchor,
                peer: &peer,
                list: &cur,
                freshness: self.freshness(Some(&cur), now),
                grace: self.config.sync.grace_seconds,
                assurance: self.assurance(Some(&peer), report),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    pub(super) use super::*;
    use crate::crypto::{Algorithm, PrivateKey, Signer};
    use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
    use crate::trust::list::{
        CurrentService, RegionId, SupplyPoints, TrustList, next_version, sign,
    };
    use crate::verify::report::Indication;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, Ordering};

    pub(super) const T0: i64 = 1_800_000_000;

    #[derive(Default)]
    pub(super) struct MemRepo(Mutex<Vec<PeerListRecord>>);

    #[async_trait::async_trait]
    impl TrustRepository for MemRepo {
        async fn latest_own_list(
            &self,
        ) -> Result<Option<super::super::OwnList>, crate::pki::repo::RepoError> {
            Ok(None)
        }
        async fn insert_own_list(
            &self,
            _: &super::super::OwnList,
            _: &crate::pki::repo::AuditEvent,
        ) -> Result<bool, crate::pki::repo::RepoError> {
            Ok(true)
        }
        async fn insert_peer_list(
            &self,
            r: &PeerListRecord,
        ) -> Result<(), crate::pki::repo::RepoError> {
            self.0.lock().unwrap().push(r.clone());
            Ok(())
        }
        async fn peer_lists(
            &self,
            region: &str,
        ) -> Result<Vec<PeerListRecord>, crate::pki::repo::RepoError> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|r| r.region == region)
                .cloned()
                .collect())
        }
    }

    pub(super) struct Clock(pub(super) AtomicI64);
    impl crate::clock::Clock for Clock {
        fn now(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    pub(super) fn self_signed(cn: &str, ca: bool) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        let signer = key.signer().unwrap();
        let name = NameBuilder::new()
            .push(attr::CN, StringKind::Utf8, cn)
            .build()
            .unwrap();
        let mut extensions = vec![];
        if ca {
            extensions.push(cert::extensions::basic_constraints(true, None).unwrap());
            extensions.push(cert::extensions::key_usage(&["keyCertSign", "cRLSign"]).unwrap());
        } else {
            // A trust-list signer's profile.
            extensions.push(cert::extensions::key_usage(&["digitalSignature"]).unwrap());
            extensions.push(
                cert::extensions::extended_key_usage(
                    vec![crate::verify::purpose::EKU_TRUST_LIST_SIGNING],
                    false,
                )
                .unwrap(),
            );
        }
        let der_bytes = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![7],
                issuer: name.clone(),
                subject: name,
                not_before: T0 - 86_400,
                not_after: T0 + 365 * 86_400,
                spki_der: signer.public_key_spki().to_vec(),
                extensions,
            },
            &signer,
        )
        .unwrap();
        (signer, der_bytes)
    }

    pub(super) fn list(
        prev: Option<&TrustList>,
        root: &[u8],
        now: i64,
        validity: i64,
    ) -> TrustList {
        next_version(
            RegionId {
                code: "pa".into(),
                name: "Peer A".into(),
            },
            prev,
            &[CurrentService {
                id: "sm2-root".into(),
                kind: ServiceKind::RootCa,
                algorithm: "sm2".into(),
                cert: root.to_vec(),
                policies: vec![],
                assurance_levels: Default::default(),
                supply_points: SupplyPoints::default(),
            }],
            now,
            validity,
        )
    }

    pub(super) async fn federation(pin: &[u8], clock: Arc<Clock>) -> Federation {
        federation_with(pin, clock, "").await
    }

    pub(super) async fn federation_with(pin: &[u8], clock: Arc<Clock>, extra: &str) -> Federation {
        let cfg: TrustConfig = toml::from_str(&format!(
            "[sync]\ngrace_seconds = 600\n[[peer]]\nregion = \"pa\"\nlist_url = \"http://127.0.0.1:9/\"\nsigner_sha256 = [\"{}\"]\naccept = [\"certificates\"]\n{extra}",
            hex::encode(crate::crypto::sha256(pin))
        ))
        .unwrap();
        Federation::new(
            ("me", "Me"),
            vec![],
            cfg,
            Path::new("."),
            Arc::new(MemRepo::default()),
        )
        .await
        .unwrap()
        .with_clock(clock)
    }

    pub(super) fn passed_report(anchor: &[u8]) -> Report {
        Report {
            indication: Indication::TotalPassed,
            sub_indication: None,
            anchor: Some("CN=root".into()),
            anchor_sha256: Some(hex::encode(crate::crypto::sha256(anchor))),
            recognition: None,
            path: vec![],
            revocation: vec![],
            valid_policy_set: vec![],
            failure: None,
            paths_tried: 1,
            signature_checks: 0,
        }
    }

    #[tokio::test]
    async fn lists_are_checked_and_expire_after_the_grace_period() {
        let (signer, signer_cert) = self_signed("list signer", false);
        let (_, root) = self_signed("peer root", true);
        let (stranger, stranger_cert) = self_signed("stranger", false);
        let clock = Arc::new(Clock(AtomicI64::new(T0)));
        let f = federation(&signer_cert, clock.clone()).await;
        let at = |t: i64| clock.0.store(t, Ordering::SeqCst);
        assert_eq!(f.views()[0].state, Freshness::NeverSynced);

        // Expired on arrival; from the future; another region; an unpinned signer.
        let stale = list(None, &root, T0 - 7200, 3600);
        let e = f
            .offer("pa", &sign(&stale, &signer, &signer_cert, T0).unwrap(), T0)
            .await;
        assert!(matches!(e, Err(ListError::Expired(_))), "{e:?}");
        let future = list(None, &root, T0 + 3600, 3600);
        let e = f
            .offer("pa", &sign(&future, &signer, &signer_cert, T0).unwrap(), T0)
            .await;
        assert!(matches!(e, Err(ListError::FromTheFuture(_))), "{e:?}");
        let mut other = list(None, &root, T0, 3600);
        other.region.code = "pb".into();
        let e = f
            .offer("pa", &sign(&other, &signer, &signer_cert, T0).unwrap(), T0)
            .await;
        assert!(matches!(e, Err(ListError::WrongRegion { .. })), "{e:?}");
        let v1 = list(None, &root, T0, 3600);
        let e = f
            .offer("pa", &sign(&v1, &stranger, &stranger_cert, T0).unwrap(), T0)
            .await;
        assert!(matches!(e, Err(ListError::UnknownSigner(_))), "{e:?}");
        assert!(
            f.views()[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("unknown signer")
        );

        // Accepted, then the same again, then a different list under the same number.
        let signed1 = sign(&v1, &signer, &signer_cert, T0).unwrap();
        assert_eq!(
            f.offer("pa", &signed1, T0).await.unwrap(),
            SyncOutcome::Accepted { sequence: 1 }
        );
        assert_eq!(
            f.offer("pa", &signed1, T0 + 1).await.unwrap(),
            SyncOutcome::Unchanged { sequence: 1 }
        );
        let mut twin = v1.clone();
        twin.next_update = crate::clock::rfc3339(T0 + 7200);
        let e = f
            .offer("pa", &sign(&twin, &signer, &signer_cert, T0).unwrap(), T0)
            .await;
        assert!(matches!(e, Err(ListError::Equivocation(1))), "{e:?}");
        // Version 2, then version 1 again: rollback.
        let v2 = list(Some(&v1), &root, T0 + 10, 3600);
        f.offer(
            "pa",
            &sign(&v2, &signer, &signer_cert, T0).unwrap(),
            T0 + 10,
        )
        .await
        .unwrap();
        let e = f.offer("pa", &signed1, T0 + 20).await;
        assert!(
            matches!(e, Err(ListError::Rollback { have: 2, got: 1 })),
            "{e:?}"
        );
        assert_eq!(f.views()[0].versions, [1, 2]);

        // Fresh → stale (within grace, still used) → expired (INDETERMINATE / TRY_LATER).
        let (anchors, _) = f.anchors();
        assert_eq!(anchors, std::slice::from_ref(&root));
        for (t, state, indication) in [
            (T0 + 100, Freshness::Fresh, Indication::TotalPassed),
            (
                T0 + 10 + 3600 + 300,
                Freshness::Stale,
                Indication::TotalPassed,
            ),
            (
                T0 + 10 + 3600 + 601,
                Freshness::Expired,
                Indication::Indeterminate,
            ),
        ] {
            at(t);
            assert_eq!(f.views()[0].state, state);
            let mut r = passed_report(&root);
            f.review(&mut r, &root, t, ChainRole::Signer);
            assert_eq!(r.indication, indication, "{state:?}");
            let rec = r.recognition.unwrap();
            assert_eq!(rec.list_sequence, Some(2));
            assert!(
                rec.summary
                    .starts_with("recognized via region pa trust list #2")
            );
            if indication == Indication::Indeterminate {
                assert_eq!(r.sub_indication, Some(SubIndication::TryLater));
                assert!(r.failure.unwrap().rule.contains("expired"));
            }
        }
        // With roots pinned in trust.toml, a listed root that is not pinned anchors nothing.
        at(T0 + 100);
        for (pin, anchors) in [
            ("00".repeat(32), 0),
            (hex::encode(crate::crypto::sha256(&root)).to_uppercase(), 1),
        ] {
            let g = federation_with(
                &signer_cert,
                clock.clone(),
                &format!("root_sha256 = [\"{pin}\"]\n"),
            )
            .await;
            g.offer(
                "pa",
                &sign(&v2, &signer, &signer_cert, T0).unwrap(),
                T0 + 100,
            )
            .await
            .unwrap();
            assert_eq!(g.anchors().0.len(), anchors);
            let mut r = passed_report(&root);
            g.review(&mut r, &root, T0 + 100, ChainRole::Signer);
            assert_eq!(r.recognition.is_some(), anchors == 1);
            // An anchor no recognized list names (any more) vouches for nothing.
            assert_eq!(r.passed(), anchors == 1);
        }
        // Seals are not accepted from this peer; its root was not yet listed before T0.
        at(T0 + 100);
        let mut r = passed_report(&root);
        f.review(&mut r, &root, T0 + 100, ChainRole::SealMaker);
        assert_eq!(r.indication, Indication::TotalFailed);
        let mut r = passed_report(&root);
        f.review(&mut r, &root, T0 - 100, ChainRole::Signer);
        assert_eq!(r.indication, Indication::TotalFailed);
        assert!(r.failure.unwrap().rule.contains("not yet listed"));
    }
}

#[cfg(test)]
mod issuing_tests {
    use super::tests::*;
    use crate::trust::list::{
        CurrentService, RegionId, SupplyPoints, next_version, set_status, sign,
    };
    use crate::verify::report::CertReport;

    /// A pinned list signer must still be a trust-list signer: a pinned CA certificate (no
    /// trust-list EKU) signing a list is refused with the reason.
    #[tokio::test]
    async fn a_pinned_signer_must_be_a_trust_list_signer() {
        let (ca_signer, ca_cert) = self_signed("pinned CA", true);
        let (_, root) = self_signed("peer root", true);
        let clock = Arc::new(Clock(std::sync::atomic::AtomicI64::new(T0)));
        let f = federation(&ca_cert, clock).await;
        let l = list(None, &root, T0, 3600);
        let e = f
            .offer("pa", &sign(&l, &ca_signer, &ca_cert, T0).unwrap(), T0)
            .await;
        assert!(
            matches!(&e, Err(ListError::SignerPurpose(m)) if m.contains("CA certificate")),
            "{e:?}"
        );
    }

    /// The reported assurance is what the path validated (valid_policy_set), not what the
    /// end entity asserts: an anyPolicy-only path gives none; a peer's level is mapped.
    #[tokio::test]
    async fn assurance_comes_from_the_valid_policy_set() {
        let (_, own_root) = self_signed("own root", true);
        let high = "1.3.6.1.4.1.32473.1.2.3";
        let cfg: TrustConfig =
            toml::from_str(&format!("[list.assurance_levels]\n\"{high}\" = \"high\"\n")).unwrap();
        let f = Federation::new(
            ("me", "Me"),
            vec![own_root.clone()],
            cfg,
            Path::new("."),
            Arc::new(MemRepo::default()),
        )
        .await
        .unwrap();
        let review = |set: &[&str]| {
            let mut r = passed_report(&own_root);
            r.valid_policy_set = set.iter().map(|s| s.to_string()).collect();
            f.review(&mut r, b"target", T0, ChainRole::Signer);
            let rec = r.recognition.expect("own-region recognition");
            assert_eq!(rec.via, "own-region");
            rec.assurance
        };
        assert_eq!(review(&["anyPolicy"]), None);
        assert_eq!(review(&["1.2.3.4"]), None);
        assert_eq!(
            review(&["1.2.3.4", high]).as_deref(),
            Some("high (1.3.6.1.4.1.32473.1.2.3)")
        );
    }

    #[tokio::test]
    async fn a_withdrawn_issuing_ca_stops_recognition_from_its_withdrawal() {
        let (signer, signer_cert) = self_signed("list signer", false);
        let (_, root) = self_signed("peer root", true);
        let (_, issuing) = self_signed("peer issuing", true);
        let clock = Arc::new(Clock(std::sync::atomic::AtomicI64::new(T0 + 100)));
        let f = federation(&signer_cert, clock).await;
        let svc = |id: &str, kind, cert: &[u8]| CurrentService {
            id: id.into(),
            kind,
            algorithm: "sm2".into(),
            cert: cert.to_vec(),
            policies: vec![],
            assurance_levels: Default::default(),
            supply_points: SupplyPoints::default(),
        };
        let mut l = next_version(
            RegionId {
                code: "pa".into(),
                name: "Peer A".into(),
            },
            None,
            &[
                svc("sm2-root", ServiceKind::RootCa, &root),
                svc("sm2-issuing", ServiceKind::IssuingCa, &issuing),
            ],
            T0,
            3600,
        );
        assert!(set_status(
            &mut l,
            "sm2-issuing",
            ServiceStatus::Withdrawn,
            T0 + 50
        ));
        f.offer(
            "pa",
            &sign(&l, &signer, &signer_cert, T0).unwrap(),
            T0 + 100,
        )
        .await
        .unwrap();
        for (at, passes) in [(T0 + 40, true), (T0 + 60, false)] {
            let mut r = passed_report(&root);
            r.path.push(CertReport {
                index: 1,
                subject: "CN=peer issuing".into(),
                serial: "07".into(),
                sha256: hex::encode(crate::crypto::sha256(&issuing)),
                not_after: None,
                checks: vec![],
            });
            f.review(&mut r, &root, at, ChainRole::Signer);
            assert_eq!(r.passed(), passes, "at {at}: {:?}", r.failure);
            if !passes {
                assert!(
                    r.failure
                        .unwrap()
                        .rule
                        .contains("issuing CA service sm2-issuing")
                );
            }
        }
    }
}
