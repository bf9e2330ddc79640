//! Creating a region (`yinxin init`) and opening an existing one.
//!
//! A region's data directory holds:
//! ```text
//! DIR/yinxin.toml                 configuration
//! DIR/yinxin.db                   SQLite database (unless PostgreSQL is configured)
//! DIR/keys/                       key store (0700): encrypted PKCS#8 keys (0600), holder salt
//! DIR/ca/{sm2,p256}-{root,issuing}.pem   CA certificates for relying parties
//! DIR/policies/*.toml             the region's certificate profiles (editable)
//! ```
//! For each algorithm `init` makes a root CA (20 years), an issuing CA (10 years,
//! pathLen 0) and three service certificates from the issuing CA: OCSP signer, time-stamping
//! unit and seal maker.
//!
//! The parts: `init` creates a region (keys, CA and service certificates, profiles,
//! configuration, database rows; everything removed again if a step fails); `salt` keeps the
//! region's holder-hash salt, encrypted under the passphrase; `signers` decrypts the keys of
//! an opened region (issuing authority, CA and service signers) and checks each against its
//! certificate. This file holds the opened [`Region`] and the errors.
//!
//! Must not import: `crate::store` or SQL types (the store provides a [`Connector`]),
//! `crate::api` or `crate::cli` (they call this).

mod build;
mod init;
mod rollover;
mod salt;
mod signers;

pub use init::{InitParams, InitSummary, init};
pub use rollover::{LINK_PREFIX, LifecycleSummary};
pub use salt::{LOG_KEY_FILE, WITNESS_KEY_FILE, load_holder_hasher, log_seeds};

use super::authority::PublicUrls;
use super::profile::{ProfileError, ProfileSet};
use super::repo::{RepoError, Repository};
use crate::config::{Config, ConfigError, resolve_database_url};
use crate::crypto::{CryptoError, KeyStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors creating or opening a region.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    /// The directory already holds a region.
    #[error("a region already exists in {0}: refusing to overwrite it")]
    AlreadyExists(String),
    /// Bad region code or name.
    #[error("invalid region {0}")]
    InvalidInput(String),
    /// Configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Profiles.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Crypto / key store.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// Certificate construction.
    #[error("certificate construction failed: {0}")]
    Build(String),
    /// Files.
    #[error("{0}")]
    Io(String),
    /// The database holds no region or it does not match the configuration.
    #[error("{0}")]
    Inconsistent(String),
}

impl From<super::cert::CertBuildError> for RegionError {
    fn from(e: super::cert::CertBuildError) -> Self {
        RegionError::Build(e.to_string())
    }
}

/// Database connector: the store layer provides it, so this module needs no SQL.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    /// Connect (creating an SQLite file if needed) and run migrations.
    async fn connect(&self, url: &str) -> Result<Arc<dyn Repository>, RepoError>;
}

/// Key store directory of a data directory.
pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

/// An opened region: configuration, profiles and repository (no keys loaded).
pub struct Region {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Configuration.
    pub config: Config,
    /// Profiles from `DIR/policies`.
    pub profiles: ProfileSet,
    /// Repository.
    pub repo: Arc<dyn Repository>,
    /// The PKCS#11 token of `[hsm]`, opened when a key in it is first needed.
    hsm: std::sync::Mutex<Option<Arc<crate::crypto::hsm::Hsm>>>,
}

impl Region {
    /// Open a region's data directory; the database URL may be overridden.
    pub async fn open(
        data_dir: &Path,
        database_url: Option<&str>,
        connector: &dyn Connector,
    ) -> Result<Region, RegionError> {
        let mut config = Config::load(data_dir)?;
        if let Some(u) = database_url {
            config.database.url = u.to_string();
        }
        let repo = connector
            .connect(&resolve_database_url(&config.database.url, data_dir))
            .await?;
        Self::from_parts(data_dir, config, repo).await
    }

    /// Open with an already connected repository (the service connects its own store).
    pub async fn from_parts(
        data_dir: &Path,
        config: Config,
        repo: Arc<dyn Repository>,
    ) -> Result<Region, RegionError> {
        let profiles = ProfileSet::load_dir(&data_dir.join("policies"))?;
        match repo.region().await? {
            Some(r) if r.code == config.region.code => {}
            Some(r) => {
                return Err(RegionError::Inconsistent(format!(
                    "the database belongs to region '{}', the configuration to '{}'",
                    r.code, config.region.code
                )));
            }
            None => {
                return Err(RegionError::Inconsistent(
                    "the database holds no region: run `yinxin init`".into(),
                ));
            }
        }
        Ok(Region {
            data_dir: data_dir.to_path_buf(),
            config,
            profiles,
            repo,
            hsm: Default::default(),
        })
    }

    /// The key store.
    pub fn key_store(&self) -> KeyStore {
        KeyStore::new(key_dir(&self.data_dir))
    }

    /// The URLs this region's certificates and trust list point to.
    pub fn public_urls(&self) -> PublicUrls {
        PublicUrls {
            base: self
                .config
                .service
                .public_base_url
                .trim_end_matches('/')
                .to_string(),
        }
    }
}
