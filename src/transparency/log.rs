//! The region's log as a service over a [`LogRepository`]: the sequencer (pending entries →
//! indexes, tree hashes and a signed checkpoint, in one transaction per step), proofs
//! (tlog-proof of an object, consistency between sizes), the tiles and bundles the `/log/`
//! endpoints serve, and the wait of an answer for its entry's integration (see
//! [`super::waiters`]).
//!
//! Entries become pending in the transaction that stores their object (the store writes them
//! with the object's audit event); the sequencer integrates what is pending at most every
//! [`LogConfig::interval`], so a busy region signs a few checkpoints a second whatever its
//! issuance rate, and an answer waits at most one interval plus one step.
//!
//! Owns sequencing and proof assembly; must not import `sqlx`, `axum` or `hyper`.

use super::checkpoint::{Checkpoint, CosignatureSigner};
use super::ed25519::Ed25519Signer;
use super::merkle::{self, Hash, NodeId};
use super::note::NoteSigner;
use super::proof::TlogProof;
use super::repo::{Integration, LogRepository, StoredCheckpoint};
use super::sm2::Sm2NoteSigner;
use super::tiles::{EntryBundle, TILE_HEIGHT, TILE_WIDTH, Tile};
use crate::pki::repo::RepoError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// A log failure.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Storage.
    #[error("transparency log storage: {0}")]
    Store(#[from] RepoError),
    /// A stored hash the tree needs is missing (the log's storage is damaged).
    #[error("transparency log: stored hash {0:?} is missing")]
    MissingHash(NodeId),
    /// Signing or encoding a checkpoint or proof.
    #[error("transparency log: {0}")]
    Sign(String),
    /// A request outside the tree (an index, a size, a tile).
    #[error("{0}")]
    OutOfRange(String),
    /// This process has no log keys (it does not sequence).
    #[error("this process does not hold the log's keys")]
    NoKeys,
}

/// The keys of a log: the Ed25519 checkpoint key (name = origin), the region's SM2 key as a
/// second checkpoint signature, and the Ed25519 witness key with which this region cosigns
/// its peers' checkpoints.
pub struct LogKeys {
    /// Checkpoint key (type 0x01), named after the origin.
    pub log: Ed25519Signer,
    /// The region's SM2 key (type 0xff), named after the origin.
    pub sm2: Option<Sm2NoteSigner>,
    /// This region's witness key (cosignature/v1).
    pub witness: CosignatureSigner,
}

impl std::fmt::Debug for LogKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogKeys")
    }
}

/// The origin of a region's log from its public base URL: the URL without its scheme, with
/// `/log` (C2SP: a schema-less URL that names the log).
pub fn origin_for(public_base: &str) -> String {
    format!("{}/log", schemeless(public_base))
}

/// The name of a region's witness key from its public base URL.
pub fn witness_name_for(public_base: &str) -> String {
    format!("{}/witness", schemeless(public_base))
}

fn schemeless(url: &str) -> &str {
    let u = url.trim_end_matches('/');
    u.split_once("://").map_or(u, |(_, rest)| rest)
}

impl LogKeys {
    /// What a trust list announces of this log, at the region's public base URL.
    pub fn info(&self, public_base: &str) -> LogAnnouncement {
        let base = public_base.trim_end_matches('/');
        LogAnnouncement {
            origin: origin_for(base),
            url: format!("{base}/log"),
            log_key: self.log.verifier().vkey().to_string(),
            sm2_key: self.sm2.as_ref().map(|s| s.verifier().vkey().to_string()),
            witness_key: self.witness.verifier().vkey().to_string(),
            witness_url: format!("{base}/log/witness/add-checkpoint"),
        }
    }
}

/// The public side of [`LogKeys`] with the URLs (the trust list's `transparency` object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogAnnouncement {
    /// Origin.
    pub origin: String,
    /// Log base URL.
    pub url: String,
    /// Ed25519 checkpoint vkey.
    pub log_key: String,
    /// SM2 checkpoint vkey.
    pub sm2_key: Option<String>,
    /// Witness vkey.
    pub witness_key: String,
    /// Witness add-checkpoint URL.
    pub witness_url: String,
}

/// Sequencing settings.
#[derive(Clone, Copy, Debug)]
pub struct LogConfig {
    /// Shortest time between two sequencing steps (each signs a checkpoint for the head).
    pub interval: Duration,
    /// Shortest time between two checkpoints kept in the history (those witnesses cosign).
    pub keep_every: Duration,
    /// Most entries integrated in one step (one transaction).
    pub max_batch: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            interval: Duration::from_millis(10),
            keep_every: Duration::from_secs(1),
            max_batch: 4096,
        }
    }
}

/// The right edge of the tree: the hashes of its maximal complete subtrees (all a next
/// append needs), for the size it was read at.
#[derive(Default)]
struct Frontier {
    size: u64,
    nodes: HashMap<NodeId, Hash>,
}

/// The log.
pub struct Log {
    origin: String,
    repo: Arc<dyn LogRepository>,
    keys: Option<LogKeys>,
    config: LogConfig,
    frontier: tokio::sync::Mutex<Option<Frontier>>,
    size: watch::Sender<u64>,
    kick: Notify,
    now: fn() -> i64,
    last_error: Mutex<Option<String>>,
    last_kept: Mutex<Option<std::time::Instant>>,
    cosigners: Mutex<std::collections::BTreeMap<String, CosignerState>>,
    waiters: super::waiters::Waiters,
}

/// Where a peer's witness stands with this log (for `/metrics` and the operator).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CosignerState {
    /// The largest size it cosigned.
    pub cosigned_size: u64,
    /// Failed requests in a row.
    pub failures: u64,
    /// The last failure.
    pub last_error: Option<String>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log").field("origin", &self.origin).finish()
    }
}

fn hash_of(map: &HashMap<NodeId, Hash>, level: u8, index: u64) -> Result<Hash, LogError> {
    let id = NodeId::new(level, index);
    map.get(&id).copied().ok_or(LogError::MissingHash(id))
}

fn merkle_err<E: std::fmt::Display>(e: E) -> LogError {
    LogError::OutOfRange(e.to_string())
}

impl Log {
    /// The log `origin` over `repo`; with `keys` it can sequence (a `ca`/`all` process).
    pub fn new(
        origin: &str,
        repo: Arc<dyn LogRepository>,
        keys: Option<LogKeys>,
        config: LogConfig,
        now: fn() -> i64,
    ) -> Self {
        Log {
            origin: origin.to_string(),
            repo,
            keys,
            config,
            frontier: tokio::sync::Mutex::new(None),
            size: watch::channel(0).0,
            kick: Notify::new(),
            now,
            last_error: Mutex::new(None),
            last_kept: Mutex::new(None),
            cosigners: Mutex::new(Default::default()),
            waiters: Default::default(),
        }
    }

    /// The origin line of the checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The keys, when this process holds them.
    pub fn keys(&self) -> Option<&LogKeys> {
        self.keys.as_ref()
    }

    /// The storage.
    pub fn repo(&self) -> &Arc<dyn LogRepository> {
        &self.repo
    }

    /// Ask the sequencer to run soon (an entry was just committed).
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    /// The size as this process last integrated or saw it.
    pub fn watch_size(&self) -> watch::Receiver<u64> {
        self.size.subscribe()
    }

    /// The last sequencing failure, if the last step failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Record the outcome of asking the witness of `region` to cosign.
    pub fn record_cosign(&self, region: &str, outcome: Result<u64, String>) {
        if let Ok(mut m) = self.cosigners.lock() {
            let st = m.entry(region.to_string()).or_default();
            match outcome {
                Ok(size) => {
                    st.cosigned_size = st.cosigned_size.max(size);
                    st.failures = 0;
                    st.last_error = None;
                }
                Err(e) => {
                    st.failures += 1;
                    st.last_error = Some(e);
                }
            }
        }
    }

    /// The peers' witnesses and where they stand.
    pub fn cosigner_states(&self) -> Vec<(String, CosignerState)> {
        self.cosigners
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Stored hashes of `nodes` as a map; an absent one is an error.
    async fn fetch(&self, nodes: &[NodeId]) -> Result<HashMap<NodeId, Hash>, LogError> {
        let mut want: Vec<NodeId> = nodes.to_vec();
        want.sort_by_key(|n| (n.level, n.index));
        want.dedup();
        let got = self.repo.log_hashes(&want).await?;
        let mut map = HashMap::with_capacity(want.len());
        for (id, h) in want.into_iter().zip(got) {
            map.insert(id, h.ok_or(LogError::MissingHash(id))?);
        }
        Ok(map)
    }

    /// One sequencing step: integrate up to `max_batch` pending entries. Returns how many
    /// were integrated (0: nothing pending, or another process moved the head first).
    pub async fn sequence_once(&self) -> Result<usize, LogError> {
        let keys = self.keys.as_ref().ok_or(LogError::NoKeys)?;
        let pending = self.repo.log_pending(self.config.max_batch).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let mut guard = self.frontier.lock().await;
        let old_size = self.repo.log_size().await?;
        let mut nodes = match guard.take() {
            Some(f) if f.size == old_size => f.nodes,
            _ => self.fetch(&merkle::root_nodes(old_size)).await?,
        };
        let mut entries = Vec::with_capacity(pending.len());
        let mut hashes = Vec::with_capacity(pending.len() * 2);
        for (i, p) in pending.iter().enumerate() {
            let index = old_size + i as u64;
            let done = merkle::hashes_completed_by(index, merkle::leaf_hash(&p.entry), |l, i| {
                hash_of(&nodes, l, i)
            })
            .map_err(merkle_err)?;
            for (id, h) in done {
                nodes.insert(id, h);
                hashes.push((id, h));
            }
            entries.push((
                index,
                p.kind.clone(),
                p.object_sha256.clone(),
                p.entry.clone(),
            ));
        }
        let new_size = old_size + pending.len() as u64;
        let root = merkle::root(new_size, |l, i| hash_of(&nodes, l, i)).map_err(merkle_err)?;
        let at = (self.now)();
        let checkpoint = Checkpoint::new(&self.origin, new_size, root)
            .and_then(|c| {
                let mut signers: Vec<&dyn NoteSigner> = vec![&keys.log];
                if let Some(s) = &keys.sm2 {
                    signers.push(s);
                }
                c.sign(&signers)
            })
            .map_err(|e| LogError::Sign(e.to_string()))?;
        let keep = self
            .last_kept
            .lock()
            .map(|k| k.is_none_or(|t| t.elapsed() >= self.config.keep_every))
            .unwrap_or(true);
        let step = Integration {
            old_size,
            pending: pending.iter().map(|p| p.seq).collect(),
            entries,
            hashes,
            new_size,
            at,
            checkpoint,
            keep,
        };
        if !self.repo.log_integrate(&step).await? {
            return Ok(0);
        }
        if keep && let Ok(mut k) = self.last_kept.lock() {
            *k = Some(std::time::Instant::now());
        }
        // The answers waiting for entries of this step get their proofs now.
        let waiting = self.waiters.take(
            step.entries
                .iter()
                .enumerate()
                .map(|(i, (_, kind, object, _))| (i, (kind.clone(), object.clone()))),
        );
        for (i, senders) in waiting {
            let (index, _, _, bytes) = &step.entries[i];
            let path = match merkle::inclusion_proof(*index, new_size, |l, x| hash_of(&nodes, l, x))
            {
                Ok(p) => p,
                Err(_) => self.inclusion(*index, new_size).await?,
            };
            let proof = TlogProof::new(*index, path, step.checkpoint.clone())
                .map_err(|e| LogError::Sign(e.to_string()))?
                .with_extra(bytes.clone());
            for s in senders {
                let _ = s.send(proof.clone());
            }
        }
        let keep: HashMap<NodeId, Hash> = merkle::root_nodes(new_size)
            .into_iter()
            .filter_map(|id| nodes.get(&id).map(|h| (id, *h)))
            .collect();
        *guard = Some(Frontier {
            size: new_size,
            nodes: keep,
        });
        self.size.send_replace(new_size);
        Ok(pending.len())
    }

    /// The sequencer: runs a step when kicked or every second (entries other processes left
    /// pending), at most once per interval, until the process ends. A kept checkpoint is due
    /// at least every `keep_every` while entries come, so the last one of a burst is kept
    /// within a second by the next step (or by [`Log::keep_head`]).
    pub async fn run_sequencer(self: Arc<Self>) {
        loop {
            let started = tokio::time::Instant::now();
            match self.sequence_once().await {
                Ok(n) => {
                    if let Ok(mut e) = self.last_error.lock() {
                        *e = None;
                    }
                    if n as u32 == self.config.max_batch {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "transparency log sequencing failed");
                    if let Ok(mut l) = self.last_error.lock() {
                        *l = Some(e.to_string());
                    }
                }
            }
            tokio::select! {
                _ = self.kick.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if let Err(e) = self.keep_head().await {
                        tracing::warn!(error = %e, "keeping the log's checkpoint failed");
                    }
                }
            }
            tokio::time::sleep_until(started + self.config.interval).await;
        }
    }

    /// Keep the head's checkpoint in the history when the latest kept one is older (a burst
    /// ended between two kept checkpoints): witnesses then cosign the whole log.
    pub async fn keep_head(&self) -> Result<(), LogError> {
        let (Some(head), latest) = (
            self.repo.log_head_checkpoint().await?,
            self.repo.log_latest_checkpoint().await?,
        ) else {
            return Ok(());
        };
        if latest.is_none_or(|l| l.size < head.size) {
            self.repo.log_keep_checkpoint(&head).await?;
            if let Ok(mut k) = self.last_kept.lock() {
                *k = Some(std::time::Instant::now());
            }
            self.size.send_modify(|_| {});
        }
        Ok(())
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    pub async fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let nodes = merkle::inclusion_proof_nodes(index, size).map_err(merkle_err)?;
        let map = self.fetch(&nodes).await?;
        merkle::inclusion_proof(index, size, |l, i| hash_of(&map, l, i)).map_err(merkle_err)
    }

    /// The consistency proof from the tree of `old` entries to that of `new`.
    pub async fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        let nodes = merkle::consistency_proof_nodes(old, new).map_err(merkle_err)?;
        let map = self.fetch(&nodes).await?;
        merkle::consistency_proof(old, new, |l, i| hash_of(&map, l, i)).map_err(merkle_err)
    }

    /// The latest kept checkpoint with its cosignatures (what witnesses cosign and
    /// `/log/checkpoint` serves).
    pub async fn latest(&self) -> Result<Option<StoredCheckpoint>, LogError> {
        Ok(self.repo.log_latest_checkpoint().await?)
    }

    /// The head's checkpoint: the latest signed.
    pub async fn head(&self) -> Result<Option<StoredCheckpoint>, LogError> {
        Ok(self.repo.log_head_checkpoint().await?)
    }

    /// The entry about `object_sha256` of `kind` with its tlog-proof (the entry as the
    /// proof's extra data) against the best-cosigned checkpoint that includes it; `None`
    /// when the object is not (yet) in the log.
    pub async fn proof_of(
        &self,
        object_sha256: &[u8; 32],
        kind: &str,
    ) -> Result<Option<TlogProof>, LogError> {
        let Some((index, entry)) = self
            .repo
            .log_lookup(&hex::encode(object_sha256), kind)
            .await?
        else {
            return Ok(None);
        };
        let cp = match self.repo.log_best_checkpoint(index).await? {
            Some(cp) => cp,
            // Newer than the last kept checkpoint: the head's.
            None => match self.repo.log_head_checkpoint().await? {
                Some(h) if h.size > index => h,
                _ => return Ok(None),
            },
        };
        let inclusion = self.inclusion(index, cp.size).await?;
        let proof = TlogProof::new(index, inclusion, cp.with_cosignatures())
            .map_err(|e| LogError::Sign(e.to_string()))?;
        Ok(Some(proof.with_extra(entry)))
    }

    /// [`Log::proof_of`], waiting up to `timeout` for the entry's integration (an answer
    /// that just committed its object).
    pub async fn wait_for_proof(
        &self,
        object_sha256: &[u8; 32],
        kind: &str,
        timeout: Duration,
    ) -> Result<Option<TlogProof>, LogError> {
        let key = (kind.to_string(), hex::encode(object_sha256));
        let mut rx = self.waiters.register(key.clone());
        self.kick();
        let deadline = tokio::time::Instant::now() + timeout;
        let found = loop {
            // Integrated before the registration, or by another process's sequencer: look in
            // the log now and every 250 ms (one cheap lookup while it is not there).
            if let Some(p) = self.proof_of(object_sha256, kind).await? {
                break Some(p);
            }
            tokio::select! {
                r = &mut rx => break r.ok(),
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = tokio::time::sleep_until(deadline) => break None,
            }
        };
        drop(rx);
        self.waiters.forget(&key);
        Ok(found)
    }

    /// The hashes of `tile` (its width of them), when the tree has them.
    pub async fn tile(&self, tile: &Tile) -> Result<Vec<u8>, LogError> {
        let level = u32::from(tile.level()) * TILE_HEIGHT;
        let level = u8::try_from(level).map_err(merkle_err)?;
        let from = tile
            .index()
            .checked_mul(u64::from(TILE_WIDTH))
            .ok_or_else(|| LogError::OutOfRange("tile index out of range".into()))?;
        let hashes = self
            .repo
            .log_level_hashes(level, from, tile.width())
            .await?;
        if hashes.len() != usize::from(tile.width()) {
            return Err(LogError::OutOfRange(format!(
                "tile {tile} is not in the tree"
            )));
        }
        Ok(hashes.concat())
    }

    /// The entries of `bundle` (its width of them) in the entry bundle encoding.
    pub async fn bundle(&self, bundle: &EntryBundle) -> Result<Vec<u8>, LogError> {
        let from = bundle
            .index()
            .checked_mul(u64::from(TILE_WIDTH))
            .ok_or_else(|| LogError::OutOfRange("bundle index out of range".into()))?;
        let entries = self.repo.log_entries(from, bundle.width()).await?;
        if entries.len() != usize::from(bundle.width()) {
            return Err(LogError::OutOfRange(format!(
                "entry bundle {bundle} is not in the log"
            )));
        }
        super::tiles::encode_bundle(entries.iter().map(Vec::as_slice)).map_err(merkle_err)
    }
}
