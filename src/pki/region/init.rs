//! Creating a region (`yinxin init`): for each algorithm a root CA, an issuing CA and the
//! service certificates, the encrypted keys and holder salt, the CA certificates exported for
//! relying parties, the profiles, the configuration and the database rows. A directory that
//! already holds a region is refused; the files of a failed init are removed again. With
//! `[hsm]` the keys of the algorithms it holds are generated inside the token instead (and
//! destroyed there again if init fails).
//!
//! Must not import: `crate::store` or SQL types (the database comes through [`Connector`]);
//! must not load keys of an existing region (that is `signers`).

use super::build::{
    Created, KeyMaker, Parent, ServiceSpec, ca_name, ca_record, issuing_certificate,
    root_certificate, service_credential,
};
use super::salt::{SALT_FILE, save_salt};
use super::{Connector, RegionError, key_dir};
use crate::config::{
    Config, DatabaseConfig, HsmConfig, RegionConfig, ServiceConfig, resolve_database_url,
};
use crate::crypto::keys::create_private_dir;
use crate::crypto::{Algorithm, KeyStore, Passphrase, random_bytes};
use crate::pki::authority::{IssuingCa, PublicUrls};
use crate::pki::cert;
use crate::pki::profile::{BUILTIN_PROFILES, ProfileSet};
use crate::pki::repo::{AuditEvent, CaRole, RegionBootstrap, RegionRecord};
use crate::pki::subject::HolderHasher;
use std::path::PathBuf;

/// The service credentials each issuing CA certifies at init: profile and display label.
pub(super) const SERVICES: [(&str, &str); 5] = [
    ("ocsp-signer", "OCSP Signer"),
    ("tsa", "Time-Stamping Unit"),
    ("seal-maker", "Seal Maker"),
    ("trust-list-signer", "Trust List Signer"),
    ("licence-qr-signer", "E-licence QR Signer"),
];

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
    /// Keep the keys of some algorithms in a PKCS#11 token (written to `[hsm]`).
    pub hsm: Option<HsmConfig>,
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
    let mut created = Created::default();
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .map_err(|e| RegionError::Io(format!("cannot create {}: {e}", dir.display())))?;
        created.made_dir = true;
    }
    let result = init_inner(&params, pass, connector, &mut created).await;
    if result.is_err() {
        created.rollback();
        if created.made_dir {
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
    let hsm = match &params.hsm {
        Some(cfg) => Some((super::signers::open_hsm(cfg)?, cfg)),
        None => None,
    };
    let maker = KeyMaker {
        store: &store,
        pass,
        hsm,
    };
    let urls = PublicUrls { base: base.clone() };
    let now = crate::clock::now_secs();
    let mut salt = zeroize::Zeroizing::new(vec![0u8; 32]);
    random_bytes(&mut salt)?;
    save_salt(&keys_dir, &salt, pass)?;
    created.file(keys_dir.join(SALT_FILE));
    super::salt::log_seeds(dir, pass)?;
    created.file(keys_dir.join(super::salt::LOG_KEY_FILE));
    created.file(keys_dir.join(super::salt::WITNESS_KEY_FILE));
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
        let root_signer = maker.make(&root_id, alg, created)?;
        let root_name = ca_name(&params.name, alg, "Root CA", 1)?;
        let (root_der, root_ski) = root_certificate(&root_name, root_signer.as_ref(), now)?;
        let root_rec = ca_record(&root_id, alg, CaRole::Root, None, &root_der, &root_ski, now)?;

        // Issuing CA.
        let iss_id = format!("{alg}-issuing");
        let iss_signer = maker.make(&iss_id, alg, created)?;
        let parent = Parent {
            record: &root_rec,
            signer: root_signer.as_ref(),
        };
        let iss_name = ca_name(&params.name, alg, "Issuing CA", 1)?;
        let (iss_der, iss_ski) =
            issuing_certificate(&parent, iss_name, iss_signer.as_ref(), &urls, now)?;
        drop(root_signer);
        let iss_rec = ca_record(
            &iss_id,
            alg,
            CaRole::Issuing,
            Some(root_id.clone()),
            &iss_der,
            &iss_ski,
            now,
        )?;
        let issuer = IssuingCa::new(iss_rec.clone(), root_der.clone(), iss_signer)
            .map_err(|e| RegionError::Build(e.to_string()))?;

        // Service certificates.
        for (profile_name, label) in SERVICES {
            let profile = profiles
                .get(profile_name)
                .ok_or_else(|| RegionError::Build(format!("profile {profile_name} missing")))?;
            if !profile.algorithms.contains(&alg) {
                continue;
            }
            let svc_name = format!("{alg}-{profile_name}");
            let key = maker.make(&svc_name, alg, created)?;
            let spec = ServiceSpec {
                profile,
                label,
                name: &svc_name,
                key: key.as_ref(),
            };
            let (rec, svc, audit) = service_credential(
                &spec,
                &params.name,
                &issuer,
                &urls,
                &hasher,
                now,
                "cli:init",
            )?;
            summary.services.push((svc_name, rec.serial.clone()));
            boot.certificates.push(rec);
            boot.services.push(svc);
            boot.audit.push(audit);
        }

        for (rec, der_bytes) in [(&root_rec, &root_der), (&iss_rec, &iss_der)] {
            let path = ca_dir.join(format!("{}.pem", rec.id));
            std::fs::write(&path, cert::to_pem(der_bytes))
                .map_err(|e| RegionError::Io(format!("cannot write {}: {e}", path.display())))?;
            created.file(path.clone());
            summary.exported.push(path.display().to_string());
            summary.cas.push((rec.id.clone(), rec.serial.clone()));
            boot.audit.push(
                AuditEvent::now("cli:init", "ca.create", &rec.id, "success", &rec.subject)
                    .logged(ca_entry(rec, now)),
            );
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
        holders: Default::default(),
        hsm: params.hsm.clone(),
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

/// The transparency log entry of a CA certificate the region made (public: the certificate
/// and the CA's name).
pub(super) fn ca_entry(
    rec: &crate::pki::repo::CaRecord,
    at: i64,
) -> crate::transparency::entry::Entry {
    crate::transparency::entry::Entry::new("certificate.issue", at, &rec.serial, &rec.der)
        .name(Some(&rec.subject))
        .object(&rec.der)
}
