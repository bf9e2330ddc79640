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

use super::authority::{Authority, IssuingCa, PublicUrls, leaf_extensions, random_serial};
use super::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, ext_oid, extensions as x,
};
use super::profile::{BUILTIN_PROFILES, ProfileError, ProfileSet};
use super::repo::{
    AuditEvent, CaRecord, CaRole, CertStatus, CertificateRecord, RegionBootstrap, RegionRecord,
    RepoError, Repository, ServiceRecord,
};
use super::subject::{HolderHasher, prepare};
use crate::clock::{SharedClock, SystemClock};
use crate::config::{
    Config, ConfigError, DatabaseConfig, RegionConfig, ServiceConfig, resolve_database_url,
};
use crate::crypto::keys::{create_private_dir, write_private_file};
use crate::crypto::{
    Algorithm, CryptoError, KeyStore, Passphrase, PrivateKey, Signer, random_bytes,
};
use der::{Decode, Encode};
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

/// Parameters of `yinxin init`.
#[derive(Debug, Clone)]
pub struct InitParams {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Region code: 2–32 characters of letters, digits and '-'.
    pub code: String,
    /// Region display name (may be Chinese).
    pub name: String,
    /// Database URL (default `sqlite://yinxin.db` in the data directory).
    pub database_url: Option<String>,
    /// Public base URL (default `http://127.0.0.1:8080`).
    pub public_base_url: Option<String>,
}

/// What `init` created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitSummary {
    /// Region code.
    pub region: String,
    /// CA ids and serials.
    pub cas: Vec<(String, String)>,
    /// Service names and serials.
    pub services: Vec<(String, String)>,
    /// Exported CA certificate files.
    pub exported: Vec<String>,
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

const SALT_FILE: &str = "holder-salt.pem";
const SALT_LABEL: &str = "YINXIN ENCRYPTED SECRET";

fn save_salt(dir: &Path, salt: &[u8], pass: &Passphrase) -> Result<(), RegionError> {
    use pkcs8::pkcs5::pbes2;
    let mut s = [0u8; 16];
    let mut iv = [0u8; 16];
    random_bytes(&mut s)?;
    random_bytes(&mut iv)?;
    let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
        crate::crypto::keys::PBKDF2_ITERATIONS,
        &s,
        iv,
    )
    .map_err(|e| RegionError::Build(e.to_string()))?;
    let plain = zeroize::Zeroizing::new(
        der::asn1::OctetString::new(salt)
            .and_then(|o| o.to_der())
            .map_err(|e| RegionError::Build(e.to_string()))?,
    );
    let ct = params
        .encrypt(pass.expose(), &plain)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let enc = pkcs8::EncryptedPrivateKeyInfoOwned {
        encryption_algorithm: params.into(),
        encrypted_data: der::asn1::OctetString::new(ct)
            .map_err(|e| RegionError::Build(e.to_string()))?,
    }
    .to_der()
    .map_err(|e| RegionError::Build(e.to_string()))?;
    let pem = der::pem::encode_string(SALT_LABEL, der::pem::LineEnding::LF, &enc)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    write_private_file(&dir.join(SALT_FILE), pem.as_bytes())?;
    Ok(())
}

/// Load the region's holder-hash salt.
pub fn load_holder_hasher(data_dir: &Path, pass: &Passphrase) -> Result<HolderHasher, RegionError> {
    let path = key_dir(data_dir).join(SALT_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| RegionError::Io(format!("cannot read {}: {e}", path.display())))?;
    let (label, der_bytes) = der::pem::decode_vec(text.as_bytes())
        .map_err(|e| RegionError::Io(format!("{}: {e}", path.display())))?;
    if label != SALT_LABEL {
        return Err(RegionError::Io(format!(
            "{}: unexpected PEM label {label}",
            path.display()
        )));
    }
    let enc = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der_bytes)
        .map_err(|e| RegionError::Io(format!("{}: {e}", path.display())))?;
    let plain = zeroize::Zeroizing::new(
        enc.encryption_algorithm
            .decrypt(pass.expose(), enc.encrypted_data.as_bytes())
            .map_err(|_| CryptoError::Decrypt(SALT_FILE.into()))?,
    );
    let os =
        der::asn1::OctetString::from_der(&plain).map_err(|e| RegionError::Io(e.to_string()))?;
    Ok(HolderHasher::new(os.as_bytes().to_vec()))
}

fn check_region_input(code: &str, name: &str) -> Result<(), RegionError> {
    let ok = (2..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(RegionError::InvalidInput(format!(
            "code '{code}': use 2 to 32 letters, digits or '-'"
        )));
    }
    let n = name.chars().count();
    if name.trim().is_empty() || n > 48 || name.chars().any(char::is_control) {
        return Err(RegionError::InvalidInput(
            "name: 1 to 48 characters, no control characters".into(),
        ));
    }
    Ok(())
}

fn add_years(t: i64, years: i32) -> i64 {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let y = dt.year() + years;
    let shifted = dt
        .replace_year(y)
        .or_else(|_| (dt - time::Duration::days(1)).replace_year(y));
    shifted
        .map(|d| d.unix_timestamp())
        .unwrap_or(t + i64::from(years) * 365 * 86_400)
}

fn alg_label(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Sm2 => "SM2",
        Algorithm::P256 => "P-256",
    }
}

/// Files created during init, removed again if init fails.
struct Created(Vec<PathBuf>, bool);

impl Created {
    fn file(&mut self, p: PathBuf) {
        self.0.push(p);
    }
    fn rollback(&self) {
        for p in self.0.iter().rev() {
            if p.is_dir() {
                let _ = std::fs::remove_dir(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Create a region. Refuses to touch a directory that already holds one.
pub async fn init(
    params: InitParams,
    pass: &Passphrase,
    connector: &dyn Connector,
) -> Result<InitSummary, RegionError> {
    check_region_input(&params.code, &params.name)?;
    let dir = &params.data_dir;
    let cfg_path = dir.join(crate::config::CONFIG_FILE);
    if cfg_path.exists() || key_dir(dir).join(SALT_FILE).exists() {
        return Err(RegionError::AlreadyExists(dir.display().to_string()));
    }
    let mut created = Created(Vec::new(), false);
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .map_err(|e| RegionError::Io(format!("cannot create {}: {e}", dir.display())))?;
        created.1 = true;
    }
    let result = init_inner(&params, pass, connector, &mut created).await;
    if result.is_err() {
        created.rollback();
        if created.1 {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

async fn init_inner(
    params: &InitParams,
    pass: &Passphrase,
    connector: &dyn Connector,
    created: &mut Created,
) -> Result<InitSummary, RegionError> {
    let dir = &params.data_dir;
    let db_url_cfg = params
        .database_url
        .clone()
        .unwrap_or_else(crate::config::default_database_url);
    let base = params
        .public_base_url
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
        .trim_end_matches('/')
        .to_string();
    let db_url = resolve_database_url(&db_url_cfg, dir);
    let sqlite_file = db_url
        .strip_prefix("sqlite://")
        .map(|r| PathBuf::from(r.split('?').next().unwrap_or(r)));
    let db_existed = sqlite_file.as_ref().map(|p| p.exists()).unwrap_or(false);
    let repo = connector.connect(&db_url).await?;
    if let Some(f) = &sqlite_file
        && !db_existed
    {
        for suffix in ["", "-wal", "-shm"] {
            created.file(PathBuf::from(format!("{}{suffix}", f.display())));
        }
    }
    if let Some(r) = repo.region().await? {
        return Err(RegionError::AlreadyExists(format!(
            "database ({}: {})",
            r.code, r.name
        )));
    }

    let profiles = ProfileSet::builtin()?;
    let keys_dir = key_dir(dir);
    let keys_existed = keys_dir.exists();
    create_private_dir(&keys_dir)?;
    if !keys_existed {
        created.file(keys_dir.clone());
    }
    let store = KeyStore::new(&keys_dir);
    let urls = PublicUrls { base: base.clone() };
    let now = crate::clock::now_secs();
    let mut salt = zeroize::Zeroizing::new(vec![0u8; 32]);
    random_bytes(&mut salt)?;
    save_salt(&keys_dir, &salt, pass)?;
    created.file(keys_dir.join(SALT_FILE));
    let hasher = HolderHasher::new(salt.to_vec());

    let mut boot = RegionBootstrap {
        region: RegionRecord {
            code: params.code.clone(),
            name: params.name.clone(),
            created_at: now,
        },
        cas: vec![],
        certificates: vec![],
        services: vec![],
        audit: vec![AuditEvent::now(
            "cli:init",
            "region.create",
            &params.code,
            "success",
            &params.name,
        )],
    };
    let mut summary = InitSummary {
        region: params.code.clone(),
        cas: vec![],
        services: vec![],
        exported: vec![],
    };
    let ca_dir = dir.join("ca");
    if !ca_dir.exists() {
        std::fs::create_dir_all(&ca_dir).map_err(|e| RegionError::Io(e.to_string()))?;
        created.file(ca_dir.clone());
    }

    for alg in Algorithm::ALL {
        // Root CA.
        let root_id = format!("{alg}-root");
        let root_key = PrivateKey::generate(alg)?;
        let root_signer = root_key.signer()?;
        let root_spki = root_key.public_key_spki_der()?;
        let root_ski = cert::key_identifier(&root_spki)?;
        let root_name = NameBuilder::new()
            .push(attr::C, StringKind::Printable, "CN")
            .push(attr::O, StringKind::Utf8, &params.name)
            .push(
                attr::CN,
                StringKind::Utf8,
                &format!("{} {} Root CA", params.name, alg_label(alg)),
            )
            .build()?;
        let root_tpl = CertificateTemplate {
            serial: random_serial()?,
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before: now,
            not_after: add_years(now, 20),
            spki_der: root_spki,
            extensions: vec![
                x::basic_constraints(true, None)?,
                x::key_usage(&["keyCertSign", "cRLSign"])?,
                x::subject_key_identifier(&root_ski)?,
            ],
        };
        let root_der = cert::sign_certificate(&root_tpl, &root_signer)?;
        created.file(store.save(&root_id, &root_key, pass)?);
        drop(root_key);
        let root_rec = ca_record(&root_id, alg, CaRole::Root, None, &root_der, &root_ski, now)?;

        // Issuing CA.
        let iss_id = format!("{alg}-issuing");
        let iss_key = PrivateKey::generate(alg)?;
        let iss_spki = iss_key.public_key_spki_der()?;
        let iss_ski = cert::key_identifier(&iss_spki)?;
        let iss_name = NameBuilder::new()
            .push(attr::C, StringKind::Printable, "CN")
            .push(attr::O, StringKind::Utf8, &params.name)
            .push(
                attr::CN,
                StringKind::Utf8,
                &format!("{} {} Issuing CA", params.name, alg_label(alg)),
            )
            .build()?;
        let iss_tpl = CertificateTemplate {
            serial: random_serial()?,
            issuer: root_name.clone(),
            subject: iss_name,
            not_before: now,
            not_after: add_years(now, 10),
            spki_der: iss_spki,
            extensions: vec![
                x::basic_constraints(true, Some(0))?,
                x::key_usage(&["keyCertSign", "cRLSign"])?,
                x::subject_key_identifier(&iss_ski)?,
                x::authority_key_identifier(&root_ski)?,
                x::certificate_policies(&[ext_oid::ANY_POLICY])?,
                x::crl_distribution_point(&urls.crl(&root_id))?,
                x::authority_info_access(&urls.ocsp(), &urls.ca_cert(&root_id))?,
            ],
        };
        let iss_der = cert::sign_certificate(&iss_tpl, &root_signer)?;
        drop(root_signer);
        created.file(store.save(&iss_id, &iss_key, pass)?);
        let iss_rec = ca_record(
            &iss_id,
            alg,
            CaRole::Issuing,
            Some(root_id.clone()),
            &iss_der,
            &iss_ski,
            now,
        )?;
        let issuer = IssuingCa::new(
            iss_rec.clone(),
            root_der.clone(),
            Arc::new(iss_key.signer()?),
        )
        .map_err(|e| RegionError::Build(e.to_string()))?;
        drop(iss_key);

        // Service certificates.
        for (profile_name, label) in [
            ("ocsp-signer", "OCSP Signer"),
            ("tsa", "Time-Stamping Unit"),
            ("seal-maker", "Seal Maker"),
            ("trust-list-signer", "Trust List Signer"),
        ] {
            let profile = profiles
                .get(profile_name)
                .ok_or_else(|| RegionError::Build(format!("profile {profile_name} missing")))?;
            let svc_name = format!("{alg}-{profile_name}");
            let key = PrivateKey::generate(alg)?;
            let spki = key.public_key_spki_der()?;
            let subject_doc = serde_json::json!({
                "name": format!("{} {} {}", params.name, alg_label(alg), label),
                "organization": params.name,
            });
            let subject = prepare(profile, &subject_doc, &hasher)
                .map_err(|e| RegionError::InvalidInput(format!("name: {e}")))?;
            let not_after =
                (now + i64::from(profile.max_validity_days) * 86_400).min(iss_rec.not_after);
            let serial = random_serial()?;
            let tpl = CertificateTemplate {
                serial: serial.clone(),
                issuer: issuer.name.clone(),
                subject: subject.name.clone(),
                not_before: now,
                not_after,
                spki_der: spki.clone(),
                extensions: leaf_extensions(profile, &spki, &issuer, &urls, vec![])?,
            };
            let der_bytes = cert::sign_certificate(&tpl, issuer.signer.as_ref())?;
            created.file(store.save(&svc_name, &key, pass)?);
            let serial_hex = hex::encode_upper(&serial);
            boot.certificates.push(CertificateRecord {
                serial: serial_hex.clone(),
                issuer_ca: iss_id.clone(),
                profile: profile_name.into(),
                algorithm: alg,
                subject: subject.display.clone(),
                holder_id: subject.holder_id.clone(),
                organization: None,
                not_before: now,
                not_after,
                status: CertStatus::Valid,
                revoked_at: None,
                revocation_reason: None,
                invalidity_date: None,
                der: der_bytes,
                created_at: now,
            });
            boot.services.push(ServiceRecord {
                name: svc_name.clone(),
                algorithm: alg,
                profile: profile_name.into(),
                serial: serial_hex.clone(),
                key_id: svc_name.clone(),
            });
            boot.audit.push(AuditEvent::now(
                "cli:init",
                "certificate.issue",
                &serial_hex,
                "success",
                &format!("profile={profile_name} algorithm={alg}"),
            ));
            summary.services.push((svc_name, serial_hex));
        }

        for (rec, der_bytes) in [(&root_rec, &root_der), (&iss_rec, &iss_der)] {
            let path = ca_dir.join(format!("{}.pem", rec.id));
            std::fs::write(&path, cert::to_pem(der_bytes))
                .map_err(|e| RegionError::Io(format!("cannot write {}: {e}", path.display())))?;
            created.file(path.clone());
            summary.exported.push(path.display().to_string());
            summary.cas.push((rec.id.clone(), rec.serial.clone()));
            boot.audit.push(AuditEvent::now(
                "cli:init",
                "ca.create",
                &rec.id,
                "success",
                &rec.subject,
            ));
        }
        boot.cas.push(root_rec);
        boot.cas.push(iss_rec);
    }

    // Policies the operator may edit.
    let pol_dir = dir.join("policies");
    if !pol_dir.exists() {
        std::fs::create_dir_all(&pol_dir).map_err(|e| RegionError::Io(e.to_string()))?;
        created.file(pol_dir.clone());
    }
    let extra = [(
        crate::trust::peers::TRUST_FILE,
        include_str!("../../../policies/trust.toml"),
    )];
    for (file, text) in BUILTIN_PROFILES.into_iter().chain(extra) {
        let p = pol_dir.join(file);
        if !p.exists() {
            std::fs::write(&p, text).map_err(|e| RegionError::Io(e.to_string()))?;
            created.file(p);
        }
    }

    let config = Config {
        region: RegionConfig {
            code: params.code.clone(),
            name: params.name.clone(),
        },
        database: DatabaseConfig { url: db_url_cfg },
        service: ServiceConfig::new(base),
    };
    repo.bootstrap_region(&boot).await?;
    // 0600: the database URL may carry a password.
    config.write_new(dir).map_err(|e| {
        RegionError::Io(format!(
            "cannot write {}: {e}",
            dir.join(crate::config::CONFIG_FILE).display()
        ))
    })?;
    Ok(summary)
}

fn ca_record(
    id: &str,
    alg: Algorithm,
    role: CaRole,
    parent: Option<String>,
    der_bytes: &[u8],
    ski: &[u8],
    now: i64,
) -> Result<CaRecord, RegionError> {
    let c = x509_cert::Certificate::from_der(der_bytes)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let tbs = c.tbs_certificate();
    Ok(CaRecord {
        id: id.into(),
        algorithm: alg,
        role,
        parent_id: parent,
        subject: tbs.subject().to_string(),
        serial: hex::encode_upper(tbs.serial_number().as_bytes()),
        not_before: cert::unix_from_time(&tbs.validity().not_before),
        not_after: cert::unix_from_time(&tbs.validity().not_after),
        ski: hex::encode(ski),
        key_id: id.into(),
        der: der_bytes.to_vec(),
        created_at: now,
    })
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
        })
    }

    /// The key store.
    pub fn key_store(&self) -> KeyStore {
        KeyStore::new(key_dir(&self.data_dir))
    }

    /// Build an issuing authority, decrypting the issuing CA keys of `algorithms`.
    pub async fn authority(
        &self,
        pass: &Passphrase,
        algorithms: &[Algorithm],
    ) -> Result<Authority, RegionError> {
        self.authority_with(pass, algorithms, Arc::new(SystemClock), self.repo.clone())
            .await
    }

    /// As [`Self::authority`] with an explicit clock and repository (tests, wrappers).
    pub async fn authority_with(
        &self,
        pass: &Passphrase,
        algorithms: &[Algorithm],
        clock: SharedClock,
        repo: Arc<dyn Repository>,
    ) -> Result<Authority, RegionError> {
        let cas = self.repo.cas().await?;
        let store = self.key_store();
        let mut issuers = Vec::new();
        for alg in algorithms {
            let iss = cas
                .iter()
                .find(|c| c.algorithm == *alg && c.role == CaRole::Issuing)
                .ok_or_else(|| {
                    RegionError::Inconsistent(format!("no {alg} issuing CA in the database"))
                })?;
            let root = cas
                .iter()
                .find(|c| Some(&c.id) == iss.parent_id.as_ref())
                .ok_or_else(|| RegionError::Inconsistent(format!("no root for {}", iss.id)))?;
            let key = store.load(&iss.key_id, pass)?;
            let signer = key.signer()?;
            check_key_matches(&signer, &iss.der, &iss.id)?;
            issuers.push(
                IssuingCa::new(iss.clone(), root.der.clone(), Arc::new(signer))
                    .map_err(|e| RegionError::Build(e.to_string()))?,
            );
        }
        let hasher = load_holder_hasher(&self.data_dir, pass)?;
        Ok(Authority::new(
            self.profiles.clone(),
            issuers,
            self.public_urls(),
            hasher,
            repo,
            clock,
        ))
    }
}

impl Region {
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

    /// Decrypt a service key (`{alg}-ocsp-signer`, `{alg}-tsa`, …) and fetch its certificate.
    pub async fn service_signer(
        &self,
        name: &str,
        pass: &Passphrase,
    ) -> Result<(Arc<dyn Signer>, Vec<u8>), RegionError> {
        let services = self.repo.services().await?;
        let svc = services
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| RegionError::Inconsistent(format!("no service credential '{name}'")))?;
        let cert = self.repo.certificate(&svc.serial).await?.ok_or_else(|| {
            RegionError::Inconsistent(format!("no certificate for service '{name}'"))
        })?;
        let signer = self.key_store().load(&svc.key_id, pass)?.signer()?;
        check_key_matches(&signer, &cert.der, name)?;
        Ok((Arc::new(signer), cert.der))
    }

    /// The CAs as the status service sees them: issuing CAs with their delegated OCSP
    /// responder and their own signer for CRLs (from `authority`); roots without signers
    /// (their CRLs are made offline with `yinxin crl --ca {alg}-root`).
    pub async fn status_cas(
        &self,
        pass: &Passphrase,
        authority: &Authority,
    ) -> Result<Vec<crate::status::service::StatusCa>, RegionError> {
        let mut out = Vec::new();
        for ca in self.repo.cas().await? {
            let hashes = crate::status::ocsp::IssuerHashes::of(&ca.der)
                .map_err(|e| RegionError::Build(e.to_string()))?;
            let (responder, crl_signer) = match (ca.role, authority.issuer(ca.algorithm)) {
                (CaRole::Issuing, Some(iss)) if iss.record.id == ca.id => {
                    let (signer, cert) = self
                        .service_signer(&format!("{}-ocsp-signer", ca.algorithm), pass)
                        .await?;
                    let responder = crate::status::ocsp::Responder::new(signer, &cert)
                        .map_err(|e| RegionError::Build(e.to_string()))?;
                    (Some(responder), Some(iss.signer.clone()))
                }
                _ => (None, None),
            };
            out.push(crate::status::service::StatusCa {
                record: ca,
                hashes,
                responder,
                crl_signer,
            });
        }
        Ok(out)
    }

    /// A status service over this region's CAs with the given CRL signers only (for the CLI:
    /// `yinxin crl`), without OCSP responders.
    pub async fn crl_only_cas(
        &self,
        signers: Vec<(String, Arc<dyn Signer>)>,
    ) -> Result<Vec<crate::status::service::StatusCa>, RegionError> {
        let mut out = Vec::new();
        for ca in self.repo.cas().await? {
            let hashes = crate::status::ocsp::IssuerHashes::of(&ca.der)
                .map_err(|e| RegionError::Build(e.to_string()))?;
            let crl_signer = signers
                .iter()
                .find(|(id, _)| *id == ca.id)
                .map(|(_, s)| s.clone());
            out.push(crate::status::service::StatusCa {
                record: ca,
                hashes,
                responder: None,
                crl_signer,
            });
        }
        Ok(out)
    }

    /// Decrypt a CA's key and check it against its certificate.
    pub async fn ca_signer(
        &self,
        ca_id: &str,
        pass: &Passphrase,
    ) -> Result<Arc<dyn Signer>, RegionError> {
        let cas = self.repo.cas().await?;
        let ca = cas
            .iter()
            .find(|c| c.id == ca_id)
            .ok_or_else(|| RegionError::Inconsistent(format!("no CA '{ca_id}'")))?;
        let signer = self.key_store().load(&ca.key_id, pass)?.signer()?;
        check_key_matches(&signer, &ca.der, ca_id)?;
        Ok(Arc::new(signer))
    }
}

/// Refuse a key that does not belong to the certificate it is meant to sign for.
fn check_key_matches(signer: &dyn Signer, cert_der: &[u8], id: &str) -> Result<(), RegionError> {
    let c = x509_cert::Certificate::from_der(cert_der)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let spki = c
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| RegionError::Build(e.to_string()))?;
    if spki != signer.public_key_spki() {
        return Err(RegionError::Inconsistent(format!(
            "key {id} does not match its certificate"
        )));
    }
    Ok(())
}
