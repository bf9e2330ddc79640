//! `DATA_DIR/yinxin.toml`: the region's configuration, with `YINXIN_*` environment overrides.
//!
//! ```toml
//! [region]
//! code = "demo"
//! name = "Demo Region"
//! [database]
//! url = "sqlite://yinxin.db"        # relative SQLite paths are inside the data directory
//! [service]
//! public_base_url = "http://127.0.0.1:8080"
//! listen = "127.0.0.1:8080"
//! ```
//! Overrides: `YINXIN_DATABASE_URL`, `YINXIN_PUBLIC_BASE_URL`, `YINXIN_LISTEN`, `YINXIN_ROLE`,
//! `YINXIN_RATE_LIMIT_PER_SECOND`, `YINXIN_RATE_LIMIT_BURST`, `YINXIN_BODY_LIMIT_BYTES`,
//! `YINXIN_REQUEST_TIMEOUT_SECONDS`, `YINXIN_MAX_CONCURRENCY`,
//! `YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND`, `YINXIN_ANONYMOUS_RATE_LIMIT_BURST`,
//! `YINXIN_PEER_RATE_LIMIT_PER_SECOND`, `YINXIN_PEER_RATE_LIMIT_BURST`,
//! `YINXIN_VERIFY_WORKERS`, `YINXIN_ANONYMOUS_VERIFY_WORKERS`, `YINXIN_VERIFY_DEADLINE_SECONDS`,
//! and for connections and admission `YINXIN_HEADER_READ_TIMEOUT_SECONDS`,
//! `YINXIN_IDLE_TIMEOUT_SECONDS`, `YINXIN_MIN_BODY_RATE_BYTES_PER_SECOND`,
//! `YINXIN_BODY_RATE_GRACE_SECONDS`, `YINXIN_MAX_CONNECTIONS`,
//! `YINXIN_MAX_CONNECTIONS_PER_ADDRESS`, `YINXIN_ANONYMOUS_MAX_CONCURRENCY`,
//! `YINXIN_MAX_URI_BYTES`, `YINXIN_MAX_HEADER_BYTES`, `YINXIN_MAX_HEADERS`,
//! `YINXIN_{TSA,CRL,OCSP}_RATE_LIMIT_PER_SECOND` and `…_BURST`,
//! `YINXIN_DOCUMENT_LIMIT_BYTES`, `YINXIN_MAX_DOCUMENT_MEMORY_BYTES`.
//!
//! `init` writes the file 0600 (owner only): a PostgreSQL URL may carry a password.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod holders;
mod hsm;
pub use holders::{DutyLookupConfig, HoldersConfig, OidcConfig};
pub use hsm::HsmConfig;

/// Configuration file name inside a data directory.
pub const CONFIG_FILE: &str = "yinxin.toml";

/// Region section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    /// Region code.
    pub code: String,
    /// Region display name.
    pub name: String,
}

/// Database section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
}

/// What a `yinxin serve` process runs (`[service] role`). The processes of a region share
/// its database: a `ca` process signs and administers, `verify` processes answer the public
/// (as Boulder separates its components). `all` is both in one process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceRole {
    /// Everything in one process.
    #[default]
    All,
    /// Issuance, signing and administration: the process that holds the keys.
    Ca,
    /// Public verification and reading: holds no key.
    Verify,
}

impl ServiceRole {
    /// Every role.
    pub const ALL: [ServiceRole; 3] = [ServiceRole::All, ServiceRole::Ca, ServiceRole::Verify];

    /// Its name in the configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceRole::All => "all",
            ServiceRole::Ca => "ca",
            ServiceRole::Verify => "verify",
        }
    }

    /// Whether a process of this role loads the key store (and so needs the passphrase).
    pub fn holds_keys(self) -> bool {
        self != ServiceRole::Verify
    }

    /// `all` (the default, not written to a new `yinxin.toml`).
    pub fn is_all(&self) -> bool {
        *self == ServiceRole::All
    }
}

impl std::fmt::Display for ServiceRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ServiceRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ServiceRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("'{s}' is not a role: all, ca or verify"))
    }
}

/// Service section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Base URL put in certificates (CRL, OCSP, caIssuers).
    pub public_base_url: String,
    /// Listen address of `yinxin serve`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// What this process serves (`yinxin serve --role`): `all` (default: everything in one
    /// process), `ca` (issuance, OCSP, CRL, time-stamp, seal and trust-list signing,
    /// administration; loads the keys) or `verify` (public verification, CRLs, CA
    /// certificates, trust lists, peers; loads no key and needs no passphrase). Processes of
    /// both roles share the database; the route table is in `src/api/routes.rs`.
    #[serde(default, skip_serializing_if = "ServiceRole::is_all")]
    pub role: ServiceRole,
    /// Largest request body accepted, bytes (default 10 MiB).
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Largest document (OFD or file to sign) accepted by `/v1/documents/*`, bytes (default
    /// 256 MiB). Such uploads are streamed to a temporary file, not held in memory.
    #[serde(default = "default_document_limit")]
    pub document_limit_bytes: usize,
    /// Memory that document sealing may hold at once, all requests together, bytes (default
    /// 1 GiB). Each `/v1/documents/seal` reserves what its package needs (its size plus its
    /// files uncompressed plus 32 MiB) before reading it, waits for that much to be free, and
    /// is refused (413) if it needs more than the whole budget.
    #[serde(default = "default_document_memory")]
    pub max_document_memory_bytes: u64,
    /// Request timeout, seconds (default 30).
    #[serde(default = "default_timeout")]
    pub request_timeout_seconds: u64,
    /// Per-token sustained request rate (default 50/s).
    #[serde(default = "default_rate")]
    pub rate_limit_per_second: f64,
    /// Per-token burst (default 100).
    #[serde(default = "default_burst")]
    pub rate_limit_burst: f64,
    /// Requests processed at once before new ones get 503 (default 1024).
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
    /// Most certificates committed in one transaction by the group-commit writer (default 256).
    #[serde(default = "default_batch")]
    pub group_commit_batch: usize,
    /// Full CRL validity (nextUpdate − thisUpdate), hours (default 24).
    #[serde(default = "default_crl_hours")]
    pub crl_validity_hours: u32,
    /// Delta CRL validity, minutes (default 60).
    #[serde(default = "default_delta_minutes")]
    pub delta_crl_validity_minutes: u32,
    /// OCSP response validity, seconds (default 3600; responses are cached for half of it).
    #[serde(default = "default_ocsp_seconds")]
    pub ocsp_validity_seconds: u32,
    /// Validity of a signed seal status (`GET /v1/seals/{id}/status`: next_update −
    /// produced_at), seconds (default 3600, at least 60; a status is re-signed after half of
    /// it, and at once when the seal's status changes). Relying parties that verify offline
    /// with a status see a revocation at the latest this long after it.
    #[serde(default = "default_ocsp_seconds")]
    pub seal_status_validity_seconds: u32,
    /// How often a process holding keys fixes the audit trail's head in a checkpoint
    /// time-stamped by the region's TSA, seconds (default 300; 0: never — `yinxin audit
    /// checkpoint` then does it). Only when rows were added since the last one.
    #[serde(default = "default_checkpoint_seconds")]
    pub audit_checkpoint_seconds: u32,
    /// Algorithm of the seal maker (制章者) that signs new seals: `sm2` (default) or `p256` (a region whose P-256 keys are in an HSM signs seals in the token with it).
    #[serde(default = "default_seal_maker_algorithm")]
    pub seal_maker_algorithm: crate::crypto::Algorithm,
    /// Rate of anonymous public verification calls per client address (default 20/s).
    #[serde(default = "default_anon_rate")]
    pub anonymous_rate_limit_per_second: f64,
    /// Burst of anonymous verification calls per client address (default 40).
    #[serde(default = "default_anon_burst")]
    pub anonymous_rate_limit_burst: f64,
    /// Rate of a `region-peer` token (default 500/s).
    #[serde(default = "default_peer_rate")]
    pub peer_rate_limit_per_second: f64,
    /// Burst of a `region-peer` token (default 1000).
    #[serde(default = "default_peer_burst")]
    pub peer_rate_limit_burst: f64,
    /// Public verifications (`/v1/verify`) run at once on the verification pool (default 0:
    /// four per core: a verification also waits on the database and on revocation fetches).
    #[serde(default)]
    pub verify_workers: usize,
    /// Of those, how many anonymous callers may hold (default 0: half, at least one).
    #[serde(default)]
    pub anonymous_verify_workers: usize,
    /// Deadline of one public verification, seconds (default 20; at most 90 % of the request
    /// timeout). Work cut there answers 503 `timeout`.
    #[serde(default = "default_verify_deadline")]
    pub verify_deadline_seconds: f64,
    /// Time a client has to send a request's head (request line and headers), seconds, from
    /// its first byte (from the accept for a new connection); past it the connection is
    /// closed (default 10).
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_seconds: f64,
    /// A connection waiting this long for the next request, or for the client to take the
    /// response, is closed, seconds (default 60).
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: f64,
    /// Slowest accepted request body, bytes per second of waiting for the client, after the
    /// grace period; a slower upload is cut off with 408 (default 1024; 0: no minimum).
    #[serde(default = "default_min_body_rate")]
    pub min_body_rate_bytes_per_second: f64,
    /// The grace period of the minimum body rate, seconds (default 5).
    #[serde(default = "default_body_rate_grace")]
    pub body_rate_grace_seconds: f64,
    /// Open connections at most; more are closed at accept (default 4096).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Open connections from one client address at most (IPv6: one /64); more are closed at
    /// accept (default 64).
    #[serde(default = "default_max_connections_per_address")]
    pub max_connections_per_address: usize,
    /// Of `max_concurrency`, the requests without a valid token may hold (default 0: half).
    #[serde(default)]
    pub anonymous_max_concurrency: usize,
    /// Longest request target (path and query), bytes; longer is 414 (default 8192).
    #[serde(default = "default_max_uri_bytes")]
    pub max_uri_bytes: usize,
    /// Largest request head (request line and headers), bytes; larger is 431 (default 32768).
    #[serde(default = "default_max_header_bytes")]
    pub max_header_bytes: usize,
    /// Most header fields in a request; more is 431 (default 100).
    #[serde(default = "default_max_headers")]
    pub max_headers: usize,
    /// Rate of anonymous time-stamp requests (`POST /tsa`) per client address (default 20/s;
    /// 0: not limited).
    #[serde(default = "default_tsa_rate")]
    pub tsa_rate_limit_per_second: f64,
    /// Their burst (default 40).
    #[serde(default = "default_tsa_burst")]
    pub tsa_rate_limit_burst: f64,
    /// Rate of anonymous CRL downloads (`GET /crl/…`) per client address (default 10/s; 0:
    /// not limited).
    #[serde(default = "default_crl_rate")]
    pub crl_rate_limit_per_second: f64,
    /// Their burst (default 20).
    #[serde(default = "default_crl_burst")]
    pub crl_rate_limit_burst: f64,
    /// Rate of anonymous OCSP requests per client address (default 200/s; 0: not limited).
    #[serde(default = "default_ocsp_rate")]
    pub ocsp_rate_limit_per_second: f64,
    /// Their burst (default 400).
    #[serde(default = "default_ocsp_burst")]
    pub ocsp_rate_limit_burst: f64,
}

fn default_header_read_timeout() -> f64 {
    10.0
}
fn default_idle_timeout() -> f64 {
    60.0
}
fn default_min_body_rate() -> f64 {
    1024.0
}
fn default_body_rate_grace() -> f64 {
    5.0
}
fn default_max_connections() -> usize {
    4096
}
fn default_max_connections_per_address() -> usize {
    64
}
fn default_max_uri_bytes() -> usize {
    8192
}
fn default_max_header_bytes() -> usize {
    32 * 1024
}
fn default_max_headers() -> usize {
    100
}
fn default_tsa_rate() -> f64 {
    20.0
}
fn default_tsa_burst() -> f64 {
    40.0
}
fn default_crl_rate() -> f64 {
    10.0
}
fn default_crl_burst() -> f64 {
    20.0
}
fn default_ocsp_rate() -> f64 {
    200.0
}
fn default_ocsp_burst() -> f64 {
    400.0
}

fn default_verify_deadline() -> f64 {
    20.0
}

fn default_anon_rate() -> f64 {
    20.0
}
fn default_anon_burst() -> f64 {
    40.0
}
fn default_peer_rate() -> f64 {
    500.0
}
fn default_peer_burst() -> f64 {
    1000.0
}

fn default_crl_hours() -> u32 {
    24
}
fn default_delta_minutes() -> u32 {
    60
}
fn default_ocsp_seconds() -> u32 {
    3600
}

fn default_checkpoint_seconds() -> u32 {
    300
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_body_limit() -> usize {
    10 * 1024 * 1024
}
fn default_document_limit() -> usize {
    256 * 1024 * 1024
}
fn default_document_memory() -> u64 {
    1024 * 1024 * 1024
}
fn default_timeout() -> u64 {
    30
}
fn default_rate() -> f64 {
    50.0
}
fn default_burst() -> f64 {
    100.0
}
fn default_concurrency() -> usize {
    1024
}
fn default_batch() -> usize {
    256
}

impl ServiceConfig {
    /// The `YINXIN_*` overrides of the connection and admission settings.
    fn apply_connection_overrides(
        &mut self,
        num: &dyn Fn(&str) -> Result<Option<f64>, ConfigError>,
    ) -> Result<(), ConfigError> {
        let floats: [(&str, &mut f64); 10] = [
            (
                "YINXIN_HEADER_READ_TIMEOUT_SECONDS",
                &mut self.header_read_timeout_seconds,
            ),
            (
                "YINXIN_IDLE_TIMEOUT_SECONDS",
                &mut self.idle_timeout_seconds,
            ),
            (
                "YINXIN_MIN_BODY_RATE_BYTES_PER_SECOND",
                &mut self.min_body_rate_bytes_per_second,
            ),
            (
                "YINXIN_BODY_RATE_GRACE_SECONDS",
                &mut self.body_rate_grace_seconds,
            ),
            (
                "YINXIN_TSA_RATE_LIMIT_PER_SECOND",
                &mut self.tsa_rate_limit_per_second,
            ),
            (
                "YINXIN_TSA_RATE_LIMIT_BURST",
                &mut self.tsa_rate_limit_burst,
            ),
            (
                "YINXIN_CRL_RATE_LIMIT_PER_SECOND",
                &mut self.crl_rate_limit_per_second,
            ),
            (
                "YINXIN_CRL_RATE_LIMIT_BURST",
                &mut self.crl_rate_limit_burst,
            ),
            (
                "YINXIN_OCSP_RATE_LIMIT_PER_SECOND",
                &mut self.ocsp_rate_limit_per_second,
            ),
            (
                "YINXIN_OCSP_RATE_LIMIT_BURST",
                &mut self.ocsp_rate_limit_burst,
            ),
        ];
        for (name, field) in floats {
            if let Some(v) = num(name)? {
                *field = v;
            }
        }
        let counts: [(&str, &mut usize); 6] = [
            ("YINXIN_MAX_CONNECTIONS", &mut self.max_connections),
            (
                "YINXIN_MAX_CONNECTIONS_PER_ADDRESS",
                &mut self.max_connections_per_address,
            ),
            (
                "YINXIN_ANONYMOUS_MAX_CONCURRENCY",
                &mut self.anonymous_max_concurrency,
            ),
            ("YINXIN_MAX_URI_BYTES", &mut self.max_uri_bytes),
            ("YINXIN_MAX_HEADER_BYTES", &mut self.max_header_bytes),
            ("YINXIN_MAX_HEADERS", &mut self.max_headers),
        ];
        for (name, field) in counts {
            if let Some(v) = num(name)? {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(ConfigError::Invalid {
                        file: name.into(),
                        message: format!("'{v}' is not a count"),
                    });
                }
                *field = v as usize;
            }
        }
        Ok(())
    }

    /// Defaults with a base URL.
    pub fn new(public_base_url: String) -> Self {
        ServiceConfig {
            public_base_url,
            listen: default_listen(),
            role: ServiceRole::All,
            body_limit_bytes: default_body_limit(),
            document_limit_bytes: default_document_limit(),
            max_document_memory_bytes: default_document_memory(),
            request_timeout_seconds: default_timeout(),
            rate_limit_per_second: default_rate(),
            rate_limit_burst: default_burst(),
            max_concurrency: default_concurrency(),
            group_commit_batch: default_batch(),
            crl_validity_hours: default_crl_hours(),
            delta_crl_validity_minutes: default_delta_minutes(),
            ocsp_validity_seconds: default_ocsp_seconds(),
            seal_status_validity_seconds: default_ocsp_seconds(),
            audit_checkpoint_seconds: default_checkpoint_seconds(),
            seal_maker_algorithm: default_seal_maker_algorithm(),
            anonymous_rate_limit_per_second: default_anon_rate(),
            anonymous_rate_limit_burst: default_anon_burst(),
            peer_rate_limit_per_second: default_peer_rate(),
            peer_rate_limit_burst: default_peer_burst(),
            verify_workers: 0,
            anonymous_verify_workers: 0,
            verify_deadline_seconds: default_verify_deadline(),
            header_read_timeout_seconds: default_header_read_timeout(),
            idle_timeout_seconds: default_idle_timeout(),
            min_body_rate_bytes_per_second: default_min_body_rate(),
            body_rate_grace_seconds: default_body_rate_grace(),
            max_connections: default_max_connections(),
            max_connections_per_address: default_max_connections_per_address(),
            anonymous_max_concurrency: 0,
            max_uri_bytes: default_max_uri_bytes(),
            max_header_bytes: default_max_header_bytes(),
            max_headers: default_max_headers(),
            tsa_rate_limit_per_second: default_tsa_rate(),
            tsa_rate_limit_burst: default_tsa_burst(),
            crl_rate_limit_per_second: default_crl_rate(),
            crl_rate_limit_burst: default_crl_burst(),
            ocsp_rate_limit_per_second: default_ocsp_rate(),
            ocsp_rate_limit_burst: default_ocsp_burst(),
        }
    }

    /// The status services' validity periods.
    pub fn status_config(&self) -> crate::status::service::StatusConfig {
        crate::status::service::StatusConfig {
            ocsp_validity: i64::from(self.ocsp_validity_seconds.max(60)),
            crl_validity: i64::from(self.crl_validity_hours.max(1)) * 3600,
            delta_crl_validity: i64::from(self.delta_crl_validity_minutes.max(1)) * 60,
        }
    }
}

/// The whole file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Region.
    pub region: RegionConfig,
    /// Database.
    pub database: DatabaseConfig,
    /// Service.
    pub service: ServiceConfig,
    /// Holders (sign-in, 亮证, 用证授权); written by the operator, never by `init`.
    #[serde(default, skip_serializing)]
    pub holders: HoldersConfig,
    /// Keys in a PKCS#11 token (docs/hsm.md); written by `init --hsm-module`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsm: Option<HsmConfig>,
}

/// Configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No configuration: not a region's data directory.
    #[error("{0} not found: run `yinxin init` first (or pass --data-dir)")]
    Missing(String),
    /// Unreadable or invalid.
    #[error("{file}: {message}")]
    Invalid {
        /// File.
        file: String,
        /// Problem.
        message: String,
    },
}

fn default_seal_maker_algorithm() -> crate::crypto::Algorithm {
    crate::crypto::Algorithm::Sm2
}

impl Config {
    /// Load `DIR/yinxin.toml` and apply environment overrides.
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        if !path.exists() {
            return Err(ConfigError::Missing(path.display().to_string()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Invalid {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut c: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            file: path.display().to_string(),
            message: e.message().trim().to_string(),
        })?;
        // Files written before `init` made them 0600: say so when a password sits in one.
        if url_has_password(&c.database.url) && readable_by_others(&path) {
            tracing::warn!(
                file = %path.display(),
                "the configuration holds a database password and other users can read it: chmod 600"
            );
        }
        if let Ok(v) = std::env::var("YINXIN_DATABASE_URL")
            && !v.is_empty()
        {
            c.database.url = v;
        }
        if let Ok(v) = std::env::var("YINXIN_PUBLIC_BASE_URL")
            && !v.is_empty()
        {
            c.service.public_base_url = v;
        }
        if let Ok(v) = std::env::var("YINXIN_LISTEN")
            && !v.is_empty()
        {
            c.service.listen = v;
        }
        if let Ok(v) = std::env::var("YINXIN_ROLE")
            && !v.is_empty()
        {
            c.service.role = v.parse().map_err(|message| ConfigError::Invalid {
                file: "YINXIN_ROLE".into(),
                message,
            })?;
        }
        let num = |name: &str| -> Result<Option<f64>, ConfigError> {
            match std::env::var(name) {
                Ok(v) if !v.is_empty() => {
                    v.parse::<f64>()
                        .map(Some)
                        .map_err(|_| ConfigError::Invalid {
                            file: name.into(),
                            message: format!("'{v}' is not a number"),
                        })
                }
                _ => Ok(None),
            }
        };
        if let Some(v) = num("YINXIN_RATE_LIMIT_PER_SECOND")? {
            c.service.rate_limit_per_second = v;
        }
        if let Some(v) = num("YINXIN_RATE_LIMIT_BURST")? {
            c.service.rate_limit_burst = v;
        }
        if let Some(v) = num("YINXIN_BODY_LIMIT_BYTES")? {
            c.service.body_limit_bytes = v as usize;
        }
        if let Some(v) = num("YINXIN_DOCUMENT_LIMIT_BYTES")? {
            c.service.document_limit_bytes = v as usize;
        }
        if let Some(v) = num("YINXIN_MAX_DOCUMENT_MEMORY_BYTES")? {
            c.service.max_document_memory_bytes = v as u64;
        }
        if let Some(v) = num("YINXIN_REQUEST_TIMEOUT_SECONDS")? {
            c.service.request_timeout_seconds = v as u64;
        }
        if let Some(v) = num("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND")? {
            c.service.anonymous_rate_limit_per_second = v;
        }
        if let Some(v) = num("YINXIN_ANONYMOUS_RATE_LIMIT_BURST")? {
            c.service.anonymous_rate_limit_burst = v;
        }
        if let Some(v) = num("YINXIN_PEER_RATE_LIMIT_PER_SECOND")? {
            c.service.peer_rate_limit_per_second = v;
        }
        if let Some(v) = num("YINXIN_PEER_RATE_LIMIT_BURST")? {
            c.service.peer_rate_limit_burst = v;
        }
        if let Some(v) = num("YINXIN_MAX_CONCURRENCY")? {
            c.service.max_concurrency = v as usize;
        }
        if let Some(v) = num("YINXIN_VERIFY_WORKERS")? {
            c.service.verify_workers = v as usize;
        }
        if let Some(v) = num("YINXIN_ANONYMOUS_VERIFY_WORKERS")? {
            c.service.anonymous_verify_workers = v as usize;
        }
        if let Some(v) = num("YINXIN_VERIFY_DEADLINE_SECONDS")? {
            c.service.verify_deadline_seconds = v;
        }
        if let Some(v) = num("YINXIN_CRL_VALIDITY_HOURS")? {
            c.service.crl_validity_hours = v as u32;
        }
        if let Some(v) = num("YINXIN_DELTA_CRL_VALIDITY_MINUTES")? {
            c.service.delta_crl_validity_minutes = v as u32;
        }
        if let Some(v) = num("YINXIN_OCSP_VALIDITY_SECONDS")? {
            c.service.ocsp_validity_seconds = v as u32;
        }
        c.service.apply_connection_overrides(&num)?;
        Ok(c)
    }

    /// The TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Write `DIR/yinxin.toml` as a new file readable and writable by its owner only (0600):
    /// the database URL may carry a password (`postgres://user:secret@…`). Refuses to replace
    /// an existing file. Returns the path written.
    pub fn write_new(&self, data_dir: &Path) -> std::io::Result<PathBuf> {
        use std::io::Write as _;
        let path = data_dir.join(CONFIG_FILE);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&path)?;
        f.write_all(self.to_toml().as_bytes())?;
        f.sync_all()?;
        Ok(path)
    }
}

/// Whether `path` can be read by other users than its owner (group or world bits; always
/// false off Unix).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Resolve a database URL: a relative SQLite path is taken inside `data_dir`, and SQLite
/// URLs get `mode=rwc` so the file is created on first use.
pub fn resolve_database_url(url: &str, data_dir: &Path) -> String {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        if path == ":memory:" {
            return url.to_string();
        }
        let p = PathBuf::from(path);
        let full = if p.is_absolute() { p } else { data_dir.join(p) };
        let mut q = query.map(str::to_string).unwrap_or_default();
        if !q.contains("mode=") {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str("mode=rwc");
        }
        format!("sqlite://{}?{q}", full.display())
    } else {
        url.to_string()
    }
}

/// Whether a database URL carries a password (`scheme://user:password@host…` or a
/// `password=` parameter).
fn url_has_password(url: &str) -> bool {
    let in_userinfo = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""))
        .and_then(|authority| authority.rsplit_once('@'))
        .is_some_and(|(userinfo, _)| userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty()));
    let in_query = url.split_once('?').is_some_and(|(_, q)| {
        q.split('&')
            .any(|kv| kv.to_ascii_lowercase().starts_with("password="))
    });
    in_userinfo || in_query
}

/// The default database URL of a data directory.
pub fn default_database_url() -> String {
    "sqlite://yinxin.db".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Config {
        Config {
            region: RegionConfig {
                code: "t".into(),
                name: "T".into(),
            },
            database: DatabaseConfig { url: url.into() },
            service: ServiceConfig::new("http://127.0.0.1:8080".into()),
            holders: Default::default(),
            hsm: None,
        }
    }

    #[test]
    fn written_owner_only_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let c = config("postgres://yinxin:s3cret@db.example:5432/yinxin");
        let path = c.write_new(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "yinxin.toml is written {mode:o}");
            assert!(!readable_by_others(&path));
        }
        // It reads back, and a second write refuses to replace it.
        let back = Config::load(dir.path()).unwrap();
        assert_eq!(back.region.code, "t");
        let e = c.write_new(dir.path()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn passwords_in_urls() {
        assert!(url_has_password("postgres://u:p@h/db"));
        assert!(url_has_password(
            "postgres://u:p%40x@h:5432/db?sslmode=require"
        ));
        assert!(!url_has_password("postgres://u@h/db"));
        assert!(url_has_password(
            "postgres://h/db?sslmode=disable&password=x"
        ));
        assert!(!url_has_password("sqlite://yinxin.db"));
        assert!(!url_has_password("postgres://u:@h/db"));
    }

    #[test]
    fn roles_parse_and_all_is_not_written() {
        for r in ServiceRole::ALL {
            assert_eq!(r.as_str().parse::<ServiceRole>().unwrap(), r);
        }
        assert!("signer".parse::<ServiceRole>().is_err());
        assert!(ServiceRole::Ca.holds_keys() && !ServiceRole::Verify.holds_keys());
        let mut c = config("sqlite://yinxin.db");
        assert!(!c.to_toml().contains("role"));
        c.service.role = ServiceRole::Verify;
        let back: Config = toml::from_str(&c.to_toml()).unwrap();
        assert_eq!(back.service.role, ServiceRole::Verify);
    }
}
