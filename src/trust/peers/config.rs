//! `policies/trust.toml`: this region's own list settings, the federation timings and limits,
//! the recognized peers (region, list URL, pinned list signers, what is accepted, assurance
//! mapping, optional root pins) and explicitly recognized seal makers; loading and checking
//! the file, and reading the pins.
//!
//! Must not import: the fetcher, the list verifier, or verification types: this is
//! configuration only.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    pub(super) fn root_allowed(&self, sha256: &str) -> bool {
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
    /// `[transparency]`: what a peer's object without a proof in its region's log does to a
    /// verification.
    #[serde(default)]
    pub transparency: TransparencyConfig,
}

/// What a missing or invalid transparency proof of a recognized peer's object does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransparencyMode {
    /// Not checked.
    Off,
    /// Reported in the verification report; the indication is unchanged (the default).
    #[default]
    Warn,
    /// The chain fails (INDETERMINATE): the object is not proven to be public.
    Fail,
}

/// `[transparency]` of `trust.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransparencyConfig {
    /// `off`, `warn` (default) or `fail`.
    #[serde(default)]
    pub mode: TransparencyMode,
    /// Witness cosignatures a proof's checkpoint must carry (witnesses: this region and the
    /// recognized regions other than the log's own; default 0: cosignatures are reported,
    /// not required).
    #[serde(default)]
    pub cosigners_required: usize,
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
    use crate::verify::cert::Cert;
    if let Ok(s) = std::str::from_utf8(bytes)
        && s.contains("-----BEGIN")
    {
        let (_, d) = der::pem::decode_vec(s.trim().as_bytes()).ok()?;
        return Cert::shared(&d).ok().map(|_| d);
    }
    Cert::shared(bytes).ok().map(|_| bytes.to_vec())
}
