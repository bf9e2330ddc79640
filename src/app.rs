//! The composition root: opens the store, loads the region and — in a process whose role
//! holds keys — its keys, builds the status, time-stamping, seal and trust services and the
//! API router over them, and runs the server ([`serve`]). Also the start-up steps that need
//! those services: a new region's first root CRLs ([`init_region`]), the demo region of
//! `quickstart` ([`quickstart_init`]) and a CRL made offline ([`generate_crl`]).
//!
//! Owns: the wiring of the service. May import `api`, `store`, `config` and every domain
//! module; must not import `cli`. Nothing imports `app` but `cli` (the binary's `main.rs`
//! goes through `cli`). It prints nothing of its own: the command line reports.

/// The holders' side: its identity provider's transport and the clock.
mod audit;
mod backup;
pub mod holders;
mod lifecycle;
pub use lifecycle::renew_ca;
mod restore;

pub use audit::{audit_checkpoint, audit_verify};
pub use backup::{BackupSummary, RestoreSummary, backup};
pub use restore::restore;

use crate::api::seals::{SealServices, SealSigning, StatusCache};
use crate::api::trust::TrustServices;
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError, ServiceRole};
use crate::crypto::{Algorithm, CryptoError, Passphrase};
use crate::pki::region::{self, InitParams, InitSummary, Region, RegionError};
use crate::pki::repo::{CaRecord, CaRole, RepoError};
use crate::status::service::{CrlRecord, StatusCa, StatusConfig, StatusError, StatusService};
use crate::store::{SqlConnector, Store};
use crate::trust::peers::{Federation, TrustConfig, TrustConfigError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The demo passphrase file written by `quickstart` in its data directory.
pub const DEMO_PASSPHRASE_FILE: &str = "DEMO-ONLY-key-passphrase.txt";

/// Why the service could not be assembled or run. Its text is the one-line message the
/// command line prints.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `yinxin.toml`.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The region: its profiles, keys or service certificates.
    #[error(transparent)]
    Region(#[from] RegionError),
    /// Making a CRL.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A passphrase or a key file.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// `policies/trust.toml` and the recognized regions.
    #[error(transparent)]
    TrustConfig(#[from] TrustConfigError),
    /// A role that holds keys was started without the key store passphrase.
    #[error(
        "the {0} role loads the keys: give the key store passphrase (--key-passphrase-file or YINXIN_KEY_PASSPHRASE)"
    )]
    NoPassphrase(ServiceRole),
    /// A licence kind file (`policies/licences/*.toml`).
    #[error("licence kinds: {0}")]
    LicenceKind(#[from] crate::licence::KindError),
    /// Publishing the region's own trust list at start.
    #[error("trust list: {0}")]
    TrustList(String),
    /// A backup could not be made or restored.
    #[error("backup: {0}")]
    Backup(String),
    /// A checkpoint of the audit trail could not be made.
    #[error("audit checkpoint: {0}")]
    Audit(String),
    /// The data directory could not be created.
    #[error("cannot create {path}: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The listener could not be opened, or the server failed.
    #[error("cannot serve on {listen}: {source}")]
    Serve {
        /// The listen address.
        listen: String,
        /// Why.
        source: std::io::Error,
    },
}

/// What [`serve`] needs.
pub struct ServeParams {
    /// The region's data directory.
    pub data_dir: PathBuf,
    /// Database URL overriding `yinxin.toml`.
    pub database_url: Option<String>,
    /// Listen address overriding `yinxin.toml`.
    pub listen: Option<String>,
    /// Role overriding `yinxin.toml` (see [`serve_role`]).
    pub role: Option<ServiceRole>,
    /// The key store passphrase: required by a role that holds keys, never read by a
    /// `verify` process (ask [`serve_role`] first).
    pub passphrase: Option<Passphrase>,
}

/// The role [`serve`] runs as: `role` when given, else `[service] role` of `yinxin.toml`
/// (`YINXIN_ROLE` overriding). The command line asks for the passphrase only when the role
/// holds keys.
pub fn serve_role(data_dir: &Path, role: Option<ServiceRole>) -> Result<ServiceRole, AppError> {
    match role {
        Some(r) => Ok(r),
        None => Ok(Config::load(data_dir)?.service.role),
    }
}

/// What only a process holding keys has: the decrypted issuing, OCSP, CRL, time-stamping,
/// seal-maker and trust-list keys (the latter opened when publishing) and the holder salt.
struct Keys {
    authority: Arc<crate::pki::authority::Authority>,
    status_cas: Vec<StatusCa>,
    tsa: Arc<crate::status::tsa::TsaService>,
    seals: SealSigning,
    licences: Option<crate::api::licences::LicenceSigning>,
    log: crate::transparency::log::LogKeys,
    passphrase: Passphrase,
}

/// Open the region and serve until SIGTERM/SIGINT. A process of role `ca` or `all` loads the
/// keys and runs the signing background work; a `verify` process opens neither the key
/// store nor the passphrase and signs nothing (see [`crate::api::routes`]).
pub async fn serve(params: ServeParams) -> Result<(), AppError> {
    let ServeParams {
        data_dir,
        database_url,
        listen,
        role,
        passphrase,
    } = params;
    let data_dir = data_dir.as_path();
    let mut config = load_config(data_dir, database_url.as_deref())?;
    // The key store (encrypted, but its files must not be anyone's to copy and attack).
    let key_dir = data_dir.join("keys");
    if key_dir.exists() {
        crate::crypto::keys::check_private_tree(&key_dir)?;
    }
    if let Some(l) = listen {
        config.service.listen = l;
    }
    if let Some(r) = role {
        config.service.role = r;
    }
    let role = config.service.role;
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = Arc::new(
        Store::connect(&url)
            .await?
            .with_group_commit(config.service.group_commit_batch),
    );
    let region = Region::from_parts(data_dir, config.clone(), store.clone()).await?;
    let cas = region.repo.cas().await?;
    let keys = match (role.holds_keys(), passphrase) {
        (false, _) => None,
        (true, Some(pass)) => Some(load_keys(&region, &store, pass).await?),
        (true, None) => return Err(AppError::NoPassphrase(role)),
    };
    let status_config = config.service.status_config();
    if let Some(k) = &keys {
        audit::spawn_checkpoints(
            store.clone(),
            config.region.code.clone(),
            k.tsa.clone(),
            std::time::Duration::from_secs(config.service.audit_checkpoint_seconds.into()),
        );
    }
    let (authority, status_cas, tsa, seal_signing, licence_signing, log_keys, pass) = match keys {
        Some(k) => (
            Some(k.authority),
            k.status_cas,
            Some(k.tsa),
            Some(k.seals),
            k.licences,
            Some(k.log),
            Some(k.passphrase),
        ),
        // The CAs without signers: stored CRLs are read, none is made.
        None => (
            None,
            region.crl_only_cas(vec![]).await?,
            None,
            None,
            None,
            None,
            None,
        ),
    };
    // This region's witness key: its cosignatures on peers' checkpoints are named as ours.
    let own_witness = match &log_keys {
        Some(k) => Some(k.witness.verifier().vkey().to_string()),
        None => {
            use crate::trust::TrustRepository;
            store
                .latest_own_list()
                .await
                .ok()
                .flatten()
                .and_then(|l| crate::trust::list::TrustList::from_json(l.content.as_bytes()).ok())
                .and_then(|l| l.transparency)
                .map(|t| t.witness_key)
        }
    };
    let log = Arc::new(crate::transparency::log::Log::new(
        &crate::transparency::log::origin_for(&region.public_urls().base),
        store.clone(),
        log_keys,
        crate::transparency::log::LogConfig::default(),
        crate::clock::now_secs,
    ));
    let licences = crate::api::licences::LicenceServices {
        catalogue: licence_catalogue(data_dir)?,
        repo: store.clone(),
        blobs: Arc::new(crate::store::FsBlobStore::new(data_dir.join("blobs"))),
        region: config.region.code.clone(),
        public_base: region.public_urls().base,
        signing: licence_signing,
    };
    let status = Arc::new(
        StatusService::new(
            status_cas,
            store.clone(),
            store.clone(),
            status_config.clone(),
            Arc::new(SystemClock),
        )
        .await?,
    );
    // Cross-certificates we issued (bridge model) join the verification pool.
    let cross_certs = crate::pki::cross::load_issued(data_dir);
    let federation = Arc::new(federation(&config, &cas, &cross_certs, data_dir, &store).await?);
    if let Some(w) = &own_witness {
        federation.set_own_witness(w);
    }
    let seals = seal_services(&config, &store, &cas, &cross_certs, seal_signing);
    let trust = Arc::new(TrustServices::new(
        federation,
        store.clone(),
        Arc::new(region),
        pass,
    ));
    let services = crate::api::Services {
        role,
        authority,
        repo: store.clone(),
        tokens: store.clone(),
        status,
        status_config,
        tsa,
        seals: Some(Arc::new(seals)),
        trust: Some(trust.clone()),
        licences: Some(Arc::new(licences)),
        holders: Some(holders::services(&config, data_dir, store.clone())?),
        clock: holders::clock(),
        log: Some(log),
    };
    if role.holds_keys() {
        trust.publish_if_due().await.map_err(AppError::TrustList)?;
    }
    let state = Arc::new(crate::api::AppState::new(services, &config, cas));
    tracing::info!(role = %role, "serving");
    crate::api::spawn_background(state.clone());
    crate::api::serve(state, &config.service.listen)
        .await
        .map_err(|source| AppError::Serve {
            listen: config.service.listen.clone(),
            source,
        })?;
    store.close().await;
    Ok(())
}

/// Decrypt the keys of a process that holds them (role `ca` or `all`).
async fn load_keys(
    region: &Region,
    store: &Arc<Store>,
    pass: Passphrase,
) -> Result<Keys, AppError> {
    let authority = Arc::new(region.authority(&pass, &Algorithm::ALL).await?);
    let status_cas = region.status_cas(&pass, &authority).await?;
    let tsa = Arc::new(tsa_service(region, store, &pass).await?);
    let (maker, maker_cert) = region.seal_maker(&pass).await?;
    let seals = SealSigning {
        maker,
        maker_cert,
        keys: region.key_store(),
        passphrase: pass.clone(),
        hasher: region::load_holder_hasher(&region.data_dir, &pass)?,
        status: StatusCache::new(region.config.service.seal_status_validity_seconds),
        decrypted: crate::crypto::DecryptedKeys::default(),
    };
    let licences = licence_signing(region, &pass).await?;
    let log = region.log_keys(&pass).await?;
    Ok(Keys {
        authority,
        status_cas,
        tsa,
        seals,
        licences,
        log,
        passphrase: pass,
    })
}

/// The licence kinds: the built-in ones and `DATA_DIR/policies/licences/*.toml`; a bad file
/// stops start-up naming the file and the field.
pub fn licence_catalogue(data_dir: &Path) -> Result<crate::licence::Catalogue, AppError> {
    let dir = data_dir.join("policies").join("licences");
    Ok(if dir.is_dir() {
        crate::licence::Catalogue::load_dir(&dir)?
    } else {
        crate::licence::Catalogue::builtin()
    })
}

/// The keys of licence issuing: the QR signer, the trust-list signer (signed statuses) and the
/// data vault. A region made before e-licences has no QR signer: licences are then not issued
/// (the endpoints say the process holds no such key) and a warning is logged.
async fn licence_signing(
    region: &Region,
    pass: &Passphrase,
) -> Result<Option<crate::api::licences::LicenceSigning>, AppError> {
    let qr = match region.service_signer("sm2-licence-qr-signer", pass).await {
        Ok(q) => q,
        Err(RegionError::Inconsistent(m)) => {
            tracing::warn!("e-licences disabled: {m} (region created before e-licences)");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let (status_signer, status_cert) = region.service_signer("sm2-trust-list-signer", pass).await?;
    let hasher = region::load_holder_hasher(&region.data_dir, pass)?;
    Ok(Some(crate::api::licences::LicenceSigning {
        vault: crate::licence::vault::Vault::new(&hasher),
        hasher,
        qr_signer: qr.0,
        qr_cert: qr.1,
        status_signer,
        status_cert,
        status_validity: i64::from(region.config.service.seal_status_validity_seconds),
        status_cache: crate::licence::status_cache::StatusCache::new(
            i64::from(region.config.service.seal_status_validity_seconds),
            crate::licence::status_cache::DEFAULT_CAPACITY,
        ),
    }))
}

/// `yinxin.toml` of `data_dir`, with the database URL given on the command line if any.
fn load_config(data_dir: &Path, database_url: Option<&str>) -> Result<Config, AppError> {
    let mut config = Config::load(data_dir)?;
    if let Some(u) = database_url {
        config.database.url = u.to_string();
    }
    Ok(config)
}

/// The time-stamping units of both algorithms.
async fn tsa_service(
    region: &Region,
    store: &Arc<Store>,
    pass: &Passphrase,
) -> Result<crate::status::tsa::TsaService, AppError> {
    let mut units = Vec::new();
    for alg in Algorithm::ALL {
        let (signer, cert_der) = region.service_signer(&format!("{alg}-tsa"), pass).await?;
        units.push((alg, crate::status::tsp::TsaUnit { signer, cert_der }));
    }
    Ok(crate::status::tsa::TsaService::new(
        units,
        store.clone(),
        Arc::new(SystemClock),
    ))
}

/// Seal services: the registry, our CAs (and the cross-certificates we issued) to verify
/// with, and the seal keys when the process holds them.
fn seal_services(
    config: &Config,
    store: &Arc<Store>,
    cas: &[CaRecord],
    cross_certs: &[Vec<u8>],
    signing: Option<SealSigning>,
) -> SealServices {
    SealServices {
        repo: store.clone(),
        region: config.region.code.clone(),
        anchors: cas
            .iter()
            .filter(|c| c.role == CaRole::Root)
            .map(|c| c.der.clone())
            .collect(),
        intermediates: cas
            .iter()
            .filter(|c| c.role == CaRole::Issuing)
            .map(|c| c.der.clone())
            .chain(cross_certs.iter().cloned())
            .collect(),
        signing,
    }
}

/// The recognized regions (`policies/trust.toml`) around our own roots.
async fn federation(
    config: &Config,
    cas: &[CaRecord],
    cross_certs: &[Vec<u8>],
    data_dir: &Path,
    store: &Arc<Store>,
) -> Result<Federation, AppError> {
    let policies_dir = data_dir.join("policies");
    let trust_config = TrustConfig::load(&policies_dir)?;
    Ok(Federation::new(
        (&config.region.code, &config.region.name),
        cas.iter()
            .filter(|c| c.role == CaRole::Root)
            .map(|c| c.der.clone())
            .collect(),
        trust_config,
        &policies_dir,
        store.clone(),
    )
    .await?
    .with_cross_certificates(cross_certs))
}

/// The federation of a data directory as the server would build it (the peers' stored lists,
/// re-verified against the pins): for commands that read peers, such as `yinxin monitor`.
pub async fn open_federation(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Federation, AppError> {
    let config = load_config(data_dir, database_url)?;
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = Arc::new(Store::connect(&url).await?);
    let cas = crate::pki::repo::Repository::cas(store.as_ref()).await?;
    federation(&config, &cas, &[], data_dir, &store).await
}

/// Create a region (`yinxin init`) and publish its roots' first CRLs.
pub async fn init_region(params: InitParams, pass: &Passphrase) -> Result<InitSummary, AppError> {
    let data_dir = params.data_dir.clone();
    let summary = region::init(params, pass, &SqlConnector).await?;
    publish_root_crls(&data_dir, pass).await?;
    Ok(summary)
}

/// Create the demo region of `quickstart` in `data_dir` unless a region is there: a random
/// key store passphrase in [`DEMO_PASSPHRASE_FILE`] (kept if present), the region `demo`
/// with its public base URL at `listen`. Returns whether it was created.
pub async fn quickstart_init(data_dir: &Path, listen: &str) -> Result<bool, AppError> {
    if data_dir.join(crate::config::CONFIG_FILE).exists() {
        return Ok(false);
    }
    let pass_file = data_dir.join(DEMO_PASSPHRASE_FILE);
    std::fs::create_dir_all(data_dir).map_err(|source| AppError::CreateDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    if !pass_file.exists() {
        let p = Passphrase::generate()?;
        let text = format!(
            "{}\n# DEMO ONLY: the key store passphrase of this demo region. Never use a demo region for real certificates.\n",
            p.expose_str()
        );
        crate::crypto::keys::write_private_file(&pass_file, text.as_bytes())?;
    }
    let pass = Passphrase::from_file(&pass_file)?;
    init_region(
        InitParams {
            data_dir: data_dir.to_path_buf(),
            code: "demo".into(),
            name: "Demo Region (演示)".into(),
            database_url: None,
            public_base_url: Some(format!("http://{listen}")),
            hsm: None,
        },
        &pass,
    )
    .await?;
    Ok(true)
}

/// Make and publish a new CRL (full, or `delta`) of the CA `ca_id`, offline (`yinxin crl`).
pub async fn generate_crl(
    data_dir: &Path,
    database_url: Option<&str>,
    ca_id: &str,
    delta: bool,
    pass: &Passphrase,
) -> Result<CrlRecord, AppError> {
    let config = load_config(data_dir, database_url)?;
    let (_, svc, ids) =
        crl_service(data_dir, config, &[ca_id], pass, StatusConfig::default()).await?;
    Ok(svc.generate_crl(&ids[0], delta).await?)
}

/// Publish the roots' first CRLs (ARLs, valid one year) right after `init`, while the root
/// keys are at hand; later ones are made offline with `yinxin crl --ca {alg}-root`.
async fn publish_root_crls(data_dir: &Path, pass: &Passphrase) -> Result<(), AppError> {
    let config = Config::load(data_dir)?;
    let roots: Vec<String> = Algorithm::ALL.iter().map(|a| format!("{a}-root")).collect();
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let cfg = StatusConfig {
        crl_validity: 365 * 86_400,
        ..Default::default()
    };
    let (store, svc, _) = crl_service(data_dir, config, &roots, pass, cfg).await?;
    for id in roots {
        svc.generate_crl(id, false).await?;
    }
    store.close().await;
    Ok(())
}

/// A status service that only makes CRLs, for the CAs `ca_ids` (their keys decrypted); an
/// algorithm name (`sm2`, `p256`) stands for its current issuing CA. Returns the CA ids.
async fn crl_service(
    data_dir: &Path,
    config: Config,
    ca_ids: &[&str],
    pass: &Passphrase,
    cfg: StatusConfig,
) -> Result<(Arc<Store>, StatusService, Vec<String>), AppError> {
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = Arc::new(Store::connect(&url).await?);
    let region = Region::from_parts(data_dir, config, store.clone()).await?;
    let cas = region.repo.cas().await?;
    let mut signers = Vec::new();
    let mut ids = Vec::new();
    for id in ca_ids {
        let id = match id.parse::<Algorithm>() {
            Ok(alg) => crate::pki::repo::current_ca(&cas, alg, CaRole::Issuing)
                .map(|c| c.id.clone())
                .unwrap_or_else(|| id.to_string()),
            Err(_) => id.to_string(),
        };
        signers.push((id.clone(), region.ca_signer(&id, pass).await?));
        ids.push(id);
    }
    let svc = StatusService::new(
        region.crl_only_cas(signers).await?,
        store.clone(),
        store.clone(),
        cfg,
        Arc::new(SystemClock),
    )
    .await?;
    Ok((store, svc, ids))
}
