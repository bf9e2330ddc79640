//! The shared state of the service ([`AppState`]): the domain services a process holds (the
//! signing ones only when its role holds keys), authentication of bearer tokens with its
//! cache, the token and address rate limits, audit of operator actions, and the signal that a
//! certificate's status changed.
//!
//! Owns: the state and the checks every handler makes through it. Must not import the store
//! (it sees repositories through their traits) nor call handlers; from the endpoint modules it
//! takes only the service types they need (seals, trust, documents' memory budget) and from
//! the route table only the OpenAPI document of its role.

use super::limits::Limits;
use super::problem::{ApiResult, Problem};
use super::{admission, documents, metrics, seals, trust, verify_pool};
use crate::auth::{Permission, Principal, TokenRecord, TokenRejection, check_token, token_hash};
use crate::config::{Config, ServiceRole};
use crate::pki::authority::Authority;
use crate::pki::repo::{AuditEvent, CaRecord, Repository, TokenRepository};
use axum::http::{HeaderMap, StatusCode, header};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a looked-up token is trusted before it is read again (revocation delay).
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(2);

/// Certificates of our QR signers, shared, with when they were read.
pub(in crate::api) type QrSigners = (Arc<Vec<Vec<u8>>>, Instant);

/// Shared state of the service.
pub struct AppState {
    /// What this process serves (`[service] role`).
    pub role: ServiceRole,
    /// The issuing authority (None in a `verify` process: it holds no key).
    pub authority: Option<Arc<Authority>>,
    /// Certificates and audit.
    pub repo: Arc<dyn Repository>,
    /// Tokens.
    pub tokens: Arc<dyn TokenRepository>,
    /// Region code.
    pub region_code: String,
    /// Region name.
    pub region_name: String,
    /// The region's CAs.
    pub cas: Vec<CaRecord>,
    /// Limits.
    pub limits: Limits,
    /// Metrics.
    pub metrics: metrics::Metrics,
    /// The status service (OCSP, CRLs); in a `verify` process without signers (it reads the
    /// CRLs the `ca` process stored).
    pub status: Arc<crate::status::service::StatusService>,
    /// Its validity settings.
    pub status_config: crate::status::service::StatusConfig,
    /// The time-stamping service (None in a `verify` process).
    pub tsa: Option<Arc<crate::status::tsa::TsaService>>,
    /// Seal services.
    pub seals: Option<Arc<seals::SealServices>>,
    /// The verification material of our own region (our CAs as anchors and intermediates,
    /// revocation required), parsed once at start-up from the seal services' and shared by
    /// every verification (None without seal services).
    pub verify_context: Option<Arc<crate::verify::context::Context>>,
    /// Trust list and federation (mutual recognition).
    pub trust: Option<Arc<trust::TrustServices>>,
    /// E-licences.
    pub licences: Option<Arc<super::licences::LicenceServices>>,
    /// The holders' side (sign-in, 亮证, 用证授权).
    pub holders: Option<Arc<super::holders::HolderServices>>,
    /// The region's transparency log.
    pub log: Option<Arc<crate::transparency::log::Log>>,
    /// The clock of the holders' side and of QR verification (showings expire by it).
    pub clock: crate::clock::SharedClock,
    /// CAs whose CRLs must be regenerated, and the wake-up of the CRL worker.
    pub crl_dirty: (
        Mutex<std::collections::HashSet<String>>,
        tokio::sync::Notify,
    ),
    /// The newest CRLs read, by `{ca}/{delta}`, with when they were read.
    pub(in crate::api) crl_cache:
        std::sync::RwLock<HashMap<String, (Arc<crate::status::service::CrlRecord>, Instant)>>,
    /// Our QR signer certificates, with when they were read.
    pub(in crate::api) qr_signers: std::sync::RwLock<Option<QrSigners>>,
    token_cache: Mutex<HashMap<String, (TokenRecord, Instant)>>,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// The in-flight slots of admission.
    pub(in crate::api) pools: admission::Pools,
    /// The bounded pool public verification runs on.
    pub verify_pool: verify_pool::VerifyPool,
    /// The memory budget of document sealing.
    pub(crate) document_memory: documents::MemoryBudget,
    /// `/openapi.json` of this role.
    pub(in crate::api) openapi: String,
}

/// The domain services the HTTP layer adapts.
pub struct Services {
    /// What the process serves.
    pub role: ServiceRole,
    /// The issuing authority (None: the process holds no key, role `verify`).
    pub authority: Option<Arc<Authority>>,
    /// Certificates and audit.
    pub repo: Arc<dyn Repository>,
    /// Tokens.
    pub tokens: Arc<dyn TokenRepository>,
    /// OCSP and CRLs.
    pub status: Arc<crate::status::service::StatusService>,
    /// Their validity settings.
    pub status_config: crate::status::service::StatusConfig,
    /// Time-stamping (None: role `verify`).
    pub tsa: Option<Arc<crate::status::tsa::TsaService>>,
    /// Seals (None: seal endpoints answer 503).
    pub seals: Option<Arc<seals::SealServices>>,
    /// Trust list and federation (None: trust endpoints answer 503).
    pub trust: Option<Arc<trust::TrustServices>>,
    /// E-licences (None: licence endpoints answer 503).
    pub licences: Option<Arc<super::licences::LicenceServices>>,
    /// The holders' side (None: its endpoints answer 503).
    pub holders: Option<Arc<super::holders::HolderServices>>,
    /// The clock.
    pub clock: crate::clock::SharedClock,
    /// The region's transparency log (None: `/log/…` answers 503, nothing is proven).
    pub log: Option<Arc<crate::transparency::log::Log>>,
}

/// Our own region's verification material: our CAs (roots as anchors; issuing CAs and the
/// cross-certificates we issued as intermediates), revocation required, the trust anchor rules
/// applied. What a request adds (recognized regions, the CRLs read for it) is added per request.
fn own_verify_context(svc: &seals::SealServices) -> Arc<crate::verify::context::Context> {
    crate::verify::context::Context::builder()
        .anchors(&svc.anchors)
        .intermediates(&svc.intermediates)
        .revocation(crate::verify::path::RevocationMode::Require)
        .shared()
}

impl AppState {
    /// Assemble the state.
    pub fn new(services: Services, config: &Config, cas: Vec<CaRecord>) -> Self {
        let Services {
            role,
            authority,
            repo,
            tokens,
            status,
            status_config,
            tsa,
            seals,
            trust,
            licences,
            holders,
            clock,
            log,
        } = services;
        let limits = Limits::from_config(config);
        AppState {
            role,
            authority,
            repo,
            tokens,
            region_code: config.region.code.clone(),
            region_name: config.region.name.clone(),
            cas,
            pools: admission::Pools::new(limits.max_concurrency, limits.anonymous_concurrency),
            verify_pool: verify_pool::VerifyPool::new(
                limits.verify_pool.0,
                limits.verify_pool.1,
                limits.verify_pool.2,
            ),
            document_memory: documents::MemoryBudget::new(limits.document_memory),
            limits,
            metrics: metrics::Metrics::default(),
            status,
            status_config,
            tsa,
            verify_context: seals.as_deref().map(own_verify_context),
            seals,
            trust,
            licences,
            holders,
            clock,
            log,
            crl_dirty: (
                Mutex::new(std::collections::HashSet::new()),
                tokio::sync::Notify::new(),
            ),
            crl_cache: std::sync::RwLock::new(HashMap::new()),
            qr_signers: std::sync::RwLock::new(None),
            token_cache: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            openapi: super::routes::openapi_for(role).to_string(),
        }
    }

    /// The issuing authority, or the problem of a process that holds no key.
    pub fn authority(&self) -> ApiResult<&Authority> {
        self.authority
            .as_deref()
            .ok_or_else(|| Problem::holds_no_key(self.role.as_str()))
    }

    /// The time-stamping service, or the problem of a process that holds no key.
    pub fn tsa(&self) -> ApiResult<&crate::status::tsa::TsaService> {
        self.tsa
            .as_deref()
            .ok_or_else(|| Problem::holds_no_key(self.role.as_str()))
    }

    /// Authenticate the bearer token of a request and apply its rate limit.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, Problem> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized(TokenRejection::Missing))?
            .to_str()
            .map_err(|_| unauthorized(TokenRejection::Unknown))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized(TokenRejection::Missing))?
            .trim();
        if !secret.starts_with("yx_") || secret.len() > 128 {
            return Err(unauthorized(TokenRejection::Unknown));
        }
        let hash = token_hash(secret);
        let rec = self
            .lookup_token(&hash)
            .await?
            .ok_or_else(|| unauthorized(TokenRejection::Unknown))?;
        let principal = check_token(&rec, crate::clock::now_secs()).map_err(unauthorized)?;
        // Admission already charged this token for this request (see `admission`).
        if !admission::token_charged(&principal.token_id) {
            self.rate_limit_token(&principal)?;
        }
        Ok(principal)
    }

    /// The token with this hash (None: unknown): as admission found it for this request, else
    /// from the cache (positive answers, [`TOKEN_CACHE_TTL`]), else from the database.
    pub(in crate::api) async fn lookup_token(
        &self,
        hash: &str,
    ) -> Result<Option<TokenRecord>, Problem> {
        if let Some(r) = admission::looked_up(hash) {
            return Ok(r);
        }
        let cached = self.token_cache.lock().ok().and_then(|c| {
            c.get(hash)
                .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
                .map(|(r, _)| r.clone())
        });
        if let Some(r) = cached {
            return Ok(Some(r));
        }
        let found = self
            .tokens
            .token_by_hash(hash)
            .await
            .map_err(|e| Problem::internal(&e))?;
        if let Some(r) = &found
            && let Ok(mut c) = self.token_cache.lock()
        {
            if c.len() > 10_000 {
                c.clear();
            }
            c.insert(hash.to_string(), (r.clone(), Instant::now()));
        }
        Ok(found)
    }

    /// Charge a token's bucket (`region-peer` tokens have their own rate).
    pub(in crate::api) fn rate_limit_token(&self, principal: &Principal) -> Result<(), Problem> {
        let (rate, burst) = if principal.role == crate::auth::Role::RegionPeer {
            self.limits.peer
        } else {
            (self.limits.rate, self.limits.burst)
        };
        self.rate_limit(&principal.token_id, rate, burst, "this token")
    }

    /// Authenticate and require a permission; a refusal is audited.
    pub async fn require(
        &self,
        headers: &HeaderMap,
        p: Permission,
        what: &str,
    ) -> Result<Principal, Problem> {
        let principal = self.authenticate(headers).await?;
        if !principal.role.allows(p) {
            self.audit(
                &principal,
                what,
                "-",
                "denied",
                &format!("role {} lacks {p:?}", principal.role.as_str()),
            )
            .await;
            return Err(Problem::forbidden("")
                .msg("msg-role-forbidden", &[("role", principal.role.as_str())]));
        }
        Ok(principal)
    }

    /// Append an audit event for a token's action (failures are logged, not returned).
    pub async fn audit(
        &self,
        who: &Principal,
        action: &str,
        object: &str,
        outcome: &str,
        detail: &str,
    ) {
        let ev = AuditEvent::now(&who.actor(), action, object, outcome, detail);
        if let Err(e) = self.repo.append_audit(&ev).await {
            tracing::error!(error = %e, "audit append failed");
        }
    }

    /// Rate-limit an anonymous caller by its address (public verification).
    /// Within an admitted request admission has charged it already (see [`admission`]).
    pub fn rate_limit_anonymous(&self, ip: Option<std::net::IpAddr>) -> Result<(), Problem> {
        if admission::anonymous_charged() {
            return Ok(());
        }
        let key = format!(
            "anon:{}",
            ip.map(|i| admission::client_key(i).to_string())
                .unwrap_or_else(|| "unknown".into())
        );
        let (rate, burst) = self.limits.anonymous;
        self.rate_limit(&key, rate, burst, "anonymous callers from this address")
    }

    pub(in crate::api) fn rate_limit(
        &self,
        token_id: &str,
        rate: f64,
        burst: f64,
        who: &str,
    ) -> Result<(), Problem> {
        let mut b = self
            .buckets
            .lock()
            .map_err(|_| Problem::internal(&"rate limiter poisoned"))?;
        let now = Instant::now();
        if b.len() > 100_000 {
            // Anonymous addresses come and go: forget buckets that have refilled.
            b.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(60));
        }
        let entry = b.entry(token_id.to_string()).or_insert((burst, now));
        entry.0 = (entry.0 + now.duration_since(entry.1).as_secs_f64() * rate).min(burst);
        entry.1 = now;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - entry.0) / rate).ceil().max(1.0) as u64;
            let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "").msg(
                "msg-rate-limited",
                &[("rate", &rate.to_string()), ("who", who)],
            );
            p.retry_after = Some(wait);
            Err(p)
        }
    }
}

impl AppState {
    /// After a status change: evict cached OCSP responses and schedule CRL regeneration.
    pub fn status_changed(&self, serial: &str, ca_id: &str) {
        self.status.evict(serial);
        if let Ok(mut d) = self.crl_dirty.0.lock() {
            d.insert(ca_id.to_string());
        }
        self.crl_dirty.1.notify_one();
    }
}

fn unauthorized(r: TokenRejection) -> Problem {
    Problem::unauthorized(r.to_string())
}
