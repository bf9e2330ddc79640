//! The status service of a region: answers OCSP requests from a cache of pre-signed
//! responses, builds and keeps full and delta CRLs, and keeps both consistent with
//! revocations made by any process sharing the database (through the status change feed).

use super::asn1_time::published_revocation_time;
use super::crl::{self, CrlParams, EntryEncoder, RevokedEntry};
use super::ocsp::{self, CertId, IssuerHashes, Known, Responder, ResponseStatus};
use crate::clock::SharedClock;
use crate::crypto::Signer;
use crate::pki::repo::{CaRecord, CertStatus, RepoError, Repository};
use der::Encode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// A stored CRL.
#[derive(Clone, Debug)]
pub struct CrlRecord {
    /// CA id.
    pub ca_id: String,
    /// CRL number.
    pub number: u64,
    /// Base CRL number (delta CRLs).
    pub base_number: Option<u64>,
    /// thisUpdate, Unix seconds.
    pub this_update: i64,
    /// nextUpdate, Unix seconds.
    pub next_update: i64,
    /// Number of entries.
    pub entries: u64,
    /// DER.
    pub der: Vec<u8>,
}

/// Storage the status service needs beyond [`Repository`].
#[async_trait::async_trait]
pub trait StatusRepository: Send + Sync {
    /// Call `f` for each certificate of `ca_id` on a full CRL (revoked or on hold), or, with
    /// `since`, for each change a delta CRL must carry: revocations and holds at or after
    /// `since`, and holds released at or after `since` that began at or before it (reason 8).
    async fn for_each_revoked(
        &self,
        ca_id: &str,
        since: Option<i64>,
        f: &mut (dyn FnMut(RevokedEntry) -> Result<(), crl::CrlError> + Send),
    ) -> Result<(), RepoError>;
    /// Store a CRL; `Conflict` if its number is taken.
    async fn store_crl(&self, rec: &CrlRecord) -> Result<(), RepoError>;
    /// The latest full (or delta) CRL of a CA.
    async fn latest_crl(&self, ca_id: &str, delta: bool) -> Result<Option<CrlRecord>, RepoError>;
    /// thisUpdate of the latest full (or delta) CRL of a CA, without reading the CRL itself
    /// (monitoring asks often; a CRL may be megabytes).
    async fn latest_crl_this_update(
        &self,
        ca_id: &str,
        delta: bool,
    ) -> Result<Option<i64>, RepoError> {
        Ok(self.latest_crl(ca_id, delta).await?.map(|c| c.this_update))
    }
    /// The highest CRL number used by a CA (0 if none).
    async fn max_crl_number(&self, ca_id: &str) -> Result<u64, RepoError>;
    /// Status changes after `seq`: (seq, serial, issuer CA id), oldest first, at most `limit`.
    async fn status_changes_since(
        &self,
        seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, RepoError>;
    /// The latest status change sequence number.
    async fn last_status_change(&self) -> Result<i64, RepoError>;
    /// Reserve `n` time-stamp serial numbers; returns the first.
    async fn allocate_tsa_serials(&self, n: u64) -> Result<u64, RepoError>;
}

/// Validity periods.
#[derive(Clone, Debug)]
pub struct StatusConfig {
    /// OCSP response validity (and cache lifetime), seconds.
    pub ocsp_validity: i64,
    /// Full CRL validity (nextUpdate - thisUpdate), seconds.
    pub crl_validity: i64,
    /// Delta CRL validity, seconds.
    pub delta_crl_validity: i64,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig {
            ocsp_validity: 3600,
            crl_validity: 86_400,
            delta_crl_validity: 3600,
        }
    }
}

/// A CA the service speaks for.
pub struct StatusCa {
    /// Its record.
    pub record: CaRecord,
    /// CertID hashes.
    pub hashes: IssuerHashes,
    /// The delegated OCSP responder (issuing CAs).
    pub responder: Option<Responder>,
    /// The CA's own signer, for CRLs (None: CRLs are made offline, e.g. roots).
    pub crl_signer: Option<Arc<dyn Signer>>,
}

struct CachedResponse {
    cert_id: Vec<u8>,
    der: Arc<Vec<u8>>,
    expires: i64,
}

/// The status service.
pub struct StatusService {
    cas: Vec<StatusCa>,
    repo: Arc<dyn Repository>,
    status: Arc<dyn StatusRepository>,
    config: StatusConfig,
    clock: SharedClock,
    cache: RwLock<HashMap<String, Vec<CachedResponse>>>,
    last_seq: Mutex<i64>,
    crl_lock: tokio::sync::Mutex<()>,
    health: Mutex<HashMap<(String, bool), HealthCounters>>,
}

#[derive(Clone, Copy, Debug, Default)]
struct HealthCounters {
    failures: u64,
    last_success: Option<i64>,
    adjusted_entries: u64,
}

/// How CRL generation goes for one CA and kind (full or delta), for monitoring: the metrics
/// endpoint renders it, so that an operator is alerted when CRLs stop being made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlHealth {
    /// CA id.
    pub ca_id: String,
    /// Delta CRL (else full).
    pub delta: bool,
    /// Generations that failed in this process since it started.
    pub failures: u64,
    /// thisUpdate of the newest CRL of this kind: made by this process, or stored by any
    /// process sharing the database. `None` if there is none.
    pub last_success: Option<i64>,
    /// Entries of the last CRL this process made whose stored times had to be adjusted (see
    /// [`crl::EntryEncoder::push`]); 0 before the first.
    pub adjusted_entries: u64,
}

/// Errors generating CRLs.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Unknown CA id.
    #[error("no CA '{0}'")]
    UnknownCa(String),
    /// This process cannot sign CRLs for the CA.
    #[error("CRLs of {0} are made offline (its key is not loaded)")]
    NoCrlSigner(String),
    /// Building.
    #[error(transparent)]
    Crl(#[from] crl::CrlError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
}

impl StatusService {
    /// Assemble.
    pub async fn new(
        cas: Vec<StatusCa>,
        repo: Arc<dyn Repository>,
        status: Arc<dyn StatusRepository>,
        config: StatusConfig,
        clock: SharedClock,
    ) -> Result<Self, RepoError> {
        let seq = status.last_status_change().await?;
        Ok(StatusService {
            cas,
            repo,
            status,
            config,
            clock,
            cache: RwLock::new(HashMap::new()),
            last_seq: Mutex::new(seq),
            crl_lock: tokio::sync::Mutex::new(()),
            health: Mutex::new(HashMap::new()),
        })
    }

    /// The CAs.
    pub fn cas(&self) -> &[StatusCa] {
        &self.cas
    }

    /// The storage interface.
    pub fn store(&self) -> &Arc<dyn StatusRepository> {
        &self.status
    }

    /// Answer a DER OCSP request with a DER OCSP response (never fails: errors are OCSP
    /// response statuses).
    pub async fn ocsp(&self, request: &[u8]) -> Vec<u8> {
        let req = match ocsp::parse_request(request) {
            Ok(r) => r,
            Err(status) => return ocsp::status_only(status),
        };
        // All CertIDs must name one of our issuing CAs, and one responder must sign them all.
        let mut ca_of = Vec::with_capacity(req.ids.len());
        for id in &req.ids {
            match self
                .cas
                .iter()
                .position(|c| c.responder.is_some() && c.hashes.matches(id))
            {
                Some(i) => ca_of.push(i),
                None => return ocsp::status_only(ResponseStatus::Unauthorized),
            }
        }
        let first = ca_of[0];
        if ca_of
            .iter()
            .any(|i| self.cas[*i].record.algorithm != self.cas[first].record.algorithm)
        {
            return ocsp::status_only(ResponseStatus::Unauthorized);
        }
        let now = self.clock.now();
        // RFC 5019: single request, no nonce → pre-signed response from the cache.
        let cacheable = req.ids.len() == 1 && req.nonce.is_none();
        let serial = hex::encode_upper(strip_zero(req.ids[0].serial_number.as_bytes()));
        let id_der = req.ids[0].to_der().unwrap_or_default();
        if cacheable && let Some(hit) = self.cached(&serial, &id_der, now) {
            return hit.as_ref().clone();
        }
        let mut answers = Vec::with_capacity(req.ids.len());
        for (id, ca) in req.ids.iter().zip(&ca_of) {
            match self.known(id, &self.cas[*ca].record.id).await {
                Ok(k) => answers.push((id.clone(), k)),
                Err(e) => {
                    tracing::error!(error = %e, "OCSP status lookup failed");
                    return ocsp::status_only(ResponseStatus::InternalError);
                }
            }
        }
        let known_serial = !matches!(answers[0].1, Known::Unknown);
        let Some(responder) = self.cas[first].responder.as_ref() else {
            return ocsp::status_only(ResponseStatus::Unauthorized);
        };
        match ocsp::sign_response(
            responder,
            answers,
            now,
            self.config.ocsp_validity,
            req.nonce,
        ) {
            Ok(der) => {
                // Unknown serials are not cached: one may be issued later.
                if cacheable && known_serial {
                    self.store_cached(
                        serial,
                        id_der,
                        Arc::new(der.clone()),
                        now + self.config.ocsp_validity / 2,
                    );
                }
                der
            }
            Err(e) => {
                tracing::error!(error = %e, "OCSP signing failed");
                ocsp::status_only(ResponseStatus::InternalError)
            }
        }
    }

    async fn known(&self, id: &CertId, ca_id: &str) -> Result<Known, RepoError> {
        let serial = hex::encode_upper(strip_zero(id.serial_number.as_bytes()));
        Ok(match self.repo.certificate(&serial).await? {
            Some(rec) if rec.issuer_ca == ca_id => match rec.status {
                CertStatus::Valid => Known::Good,
                // The same published time as the CRL entry (a damaged stored time included).
                CertStatus::Revoked | CertStatus::Hold => Known::Revoked {
                    at: published_revocation_time(rec.revoked_at.unwrap_or(rec.created_at)).0,
                    reason: rec.revocation_reason.unwrap_or(0),
                },
            },
            _ => Known::Unknown,
        })
    }

    fn cached(&self, serial: &str, id_der: &[u8], now: i64) -> Option<Arc<Vec<u8>>> {
        let c = self.cache.read().ok()?;
        c.get(serial)?
            .iter()
            .find(|e| e.cert_id == id_der && e.expires > now)
            .map(|e| e.der.clone())
    }

    fn store_cached(&self, serial: String, cert_id: Vec<u8>, der: Arc<Vec<u8>>, expires: i64) {
        if let Ok(mut c) = self.cache.write() {
            if c.len() > 1_000_000 {
                c.clear();
            }
            let v = c.entry(serial).or_default();
            v.retain(|e| e.cert_id != cert_id);
            v.push(CachedResponse {
                cert_id,
                der,
                expires,
            });
        }
    }

    /// Forget cached responses for a serial (after a revocation in this process).
    pub fn evict(&self, serial: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(&serial.to_ascii_uppercase());
        }
    }

    /// Read the status change feed and evict what changed (revocations by this or other
    /// processes). Returns the CA ids whose certificates changed.
    pub async fn poll_changes(&self) -> Result<Vec<String>, RepoError> {
        let from = *self
            .last_seq
            .lock()
            .map_err(|_| RepoError::Backend("poisoned".into()))?;
        let changes = self.status.status_changes_since(from, 10_000).await?;
        let mut cas: Vec<String> = Vec::new();
        if let Some((last, _, _)) = changes.last() {
            for (_, serial, ca) in &changes {
                self.evict(serial);
                if !cas.contains(ca) {
                    cas.push(ca.clone());
                }
            }
            if let Ok(mut l) = self.last_seq.lock() {
                *l = (*l).max(*last);
            }
        }
        Ok(cas)
    }

    /// Generate and store a new full CRL and a delta CRL over the latest full CRL for
    /// `ca_id`. The delta is attempted even when the full CRL failed: over the previous full
    /// CRL it still carries the newer revocations. The first error is returned.
    pub async fn regenerate_crls(
        &self,
        ca_id: &str,
    ) -> Result<(CrlRecord, CrlRecord), StatusError> {
        let full = self.generate_crl(ca_id, false).await;
        let delta = self.generate_crl(ca_id, true).await;
        Ok((full?, delta?))
    }

    /// Generate and store one CRL (full, or delta over the latest full CRL). A failure is
    /// logged and counted (see [`Self::crl_health`]).
    pub async fn generate_crl(&self, ca_id: &str, delta: bool) -> Result<CrlRecord, StatusError> {
        let r = self.generate_crl_unrecorded(ca_id, delta).await;
        if let Err(e) = &r {
            // Only CAs this process signs CRLs for are counted: an unknown id, or a CA whose
            // CRLs are made offline, is the caller's mistake, not a CRL that could not be made
            // (and must not create metric series).
            if self
                .cas
                .iter()
                .any(|c| c.record.id == ca_id && c.crl_signer.is_some())
            {
                tracing::error!(ca = %ca_id, kind = kind_name(delta), error = %e, "CRL generation failed");
                self.with_health(ca_id, delta, |h| h.failures += 1);
            }
        }
        r
    }

    fn with_health(&self, ca_id: &str, delta: bool, f: impl FnOnce(&mut HealthCounters)) {
        if let Ok(mut m) = self.health.lock() {
            f(m.entry((ca_id.to_string(), delta)).or_default());
        }
    }

    /// CRL generation health of every CA this process signs CRLs for (full and delta), in
    /// CA order. Reads the newest stored CRLs (so that a CRL made by another process sharing
    /// the database counts as made).
    pub async fn crl_health(&self) -> Vec<CrlHealth> {
        let mut out = Vec::new();
        for ca in self.cas.iter().filter(|c| c.crl_signer.is_some()) {
            for delta in [false, true] {
                let h = self
                    .health
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&(ca.record.id.clone(), delta)).copied())
                    .unwrap_or_default();
                let stored = match self
                    .status
                    .latest_crl_this_update(&ca.record.id, delta)
                    .await
                {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!(ca = %ca.record.id, error = %e, "reading the latest CRL for metrics");
                        None
                    }
                };
                out.push(CrlHealth {
                    ca_id: ca.record.id.clone(),
                    delta,
                    failures: h.failures,
                    last_success: h.last_success.max(stored),
                    adjusted_entries: h.adjusted_entries,
                });
            }
        }
        out
    }

    async fn generate_crl_unrecorded(
        &self,
        ca_id: &str,
        delta: bool,
    ) -> Result<CrlRecord, StatusError> {
        let _guard = self.crl_lock.lock().await;
        let ca = self
            .cas
            .iter()
            .find(|c| c.record.id == ca_id)
            .ok_or_else(|| StatusError::UnknownCa(ca_id.into()))?;
        let signer = ca
            .crl_signer
            .clone()
            .ok_or_else(|| StatusError::NoCrlSigner(ca_id.into()))?;
        let base = if delta {
            match self.status.latest_crl(ca_id, false).await? {
                Some(b) => Some(b),
                None => Some(Box::pin(self.generate_full_locked(ca, &signer)).await?),
            }
        } else {
            None
        };
        match base {
            None => self.generate_full_locked(ca, &signer).await,
            Some(b) => self.generate_locked(ca, &signer, Some(&b)).await,
        }
    }

    async fn generate_full_locked(
        &self,
        ca: &StatusCa,
        signer: &Arc<dyn Signer>,
    ) -> Result<CrlRecord, StatusError> {
        self.generate_locked(ca, signer, None).await
    }

    async fn generate_locked(
        &self,
        ca: &StatusCa,
        signer: &Arc<dyn Signer>,
        base: Option<&CrlRecord>,
    ) -> Result<CrlRecord, StatusError> {
        let validity = if base.is_some() {
            self.config.delta_crl_validity
        } else {
            self.config.crl_validity
        };
        let ski =
            hex::decode(&ca.record.ski).map_err(|e| crl::CrlError::Encoding(e.to_string()))?;
        let delta_base = base.map(|b| b.number);
        // Another process sharing the database may take the next number first: then the CRL is
        // rebuilt with a fresh number (the numbers stay strictly increasing).
        let mut attempt = 0;
        loop {
            attempt += 1;
            let now = self.clock.now();
            let mut enc = EntryEncoder::default();
            self.status
                .for_each_revoked(&ca.record.id, base.map(|b| b.this_update), &mut |e| {
                    enc.push(&e)
                })
                .await?;
            let entries = enc.len() as u64;
            let adjusted = enc.adjusted() as u64;
            let adjusted_serials = enc.adjusted_serials().to_vec();
            let number = self.status.max_crl_number(&ca.record.id).await? + 1;
            let params = CrlParams {
                issuer_cert: ca.record.der.clone(),
                issuer_ski: ski.clone(),
                number,
                delta_base,
                this_update: now,
                next_update: now + validity,
            };
            let signer = signer.clone();
            // Signing a large CRL is CPU work: keep it off the async workers.
            let der =
                tokio::task::spawn_blocking(move || crl::build_crl(&params, enc, signer.as_ref()))
                    .await
                    .map_err(|e| crl::CrlError::Encoding(e.to_string()))??;
            let rec = CrlRecord {
                ca_id: ca.record.id.clone(),
                number,
                base_number: delta_base,
                this_update: now,
                next_update: now + validity,
                entries,
                der,
            };
            match self.status.store_crl(&rec).await {
                Ok(()) => {
                    self.published(&rec, adjusted, &adjusted_serials);
                    return Ok(rec);
                }
                Err(RepoError::Conflict(_)) if attempt < 5 => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl StatusService {
    /// Record a stored CRL; report entries whose stored times had to be adjusted (a damaged
    /// row must be repaired by an operator; the CRL lists it meanwhile).
    fn published(
        &self,
        rec: &CrlRecord,
        adjusted: u64,
        serials: &[(String, Vec<crl::EntryAdjustment>)],
    ) {
        let delta = rec.base_number.is_some();
        self.with_health(&rec.ca_id, delta, |h| {
            h.last_success = h.last_success.max(Some(rec.this_update));
            h.adjusted_entries = adjusted;
        });
        if adjusted > 0 {
            let listed = serials
                .iter()
                .map(|(s, what)| {
                    let what: Vec<&str> = what.iter().map(|w| w.as_str()).collect();
                    format!("{s}:{}", what.join("+"))
                })
                .collect::<Vec<_>>()
                .join(",");
            tracing::error!(
                ca = %rec.ca_id,
                kind = kind_name(delta),
                number = rec.number,
                adjusted,
                serials = %listed,
                "CRL published with entries whose stored revocation time or invalidity date is out of range (revocation time published as 1970-01-01T00:00:00Z, invalidity date left out): repair these rows"
            );
        }
    }
}

fn kind_name(delta: bool) -> &'static str {
    if delta { "delta" } else { "full" }
}

fn strip_zero(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|x| **x == 0).count();
    if skip == b.len() {
        &b[b.len().saturating_sub(1)..]
    } else {
        &b[skip..]
    }
}
