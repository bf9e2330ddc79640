//! Creating a region (`yinxin init`): for each algorithm a root CA, an issuing CA and the
//! service certificates, the encrypted keys and holder salt, the CA certificates exported for
//! relying parties, the profiles, the configuration and the database rows. A directory that
//! already holds a region is refused; the files of a failed init are removed again. With
//! `[hsm]` the keys of the algorithms it holds are generated inside the token instead (and
//! destroyed there again if init fails).
//!
//! Must not import: `crate::store` or SQL types (the database comes through [`Connector`]);
//! must not load keys of an existing region (that is `signers`).

use super::salt::{SALT_FILE, save_salt};
use super::{Connector, RegionError, key_dir};
use crate::config::{
    Config, DatabaseConfig, HsmConfig, RegionConfig, ServiceConfig, resolve_database_url,
};
use crate::crypto::hsm::Hsm;
use crate::crypto::keys::create_private_dir;
use crate::crypto::{Algorithm, KeyStore, Passphrase, PrivateKey, Signer, random_bytes};
use crate::pki::authority::{IssuingCa, PublicUrls, leaf_extensions, random_serial};
use crate::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, ext_oid, extensions as x,
};
use crate::pki::profile::{BUILTIN_PROFILES, ProfileSet};
use crate::pki::repo::{
    AuditEvent, CaRecord, CaRole, CertStatus, CertificateRecord, RegionBootstrap, RegionRecord,
    ServiceRecord,
};
use crate::pki::subject::{HolderHasher, prepare};
use der::Decode;
use std::path::PathBuf;
use std::sync::Arc;

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

/// Files (and token keys) created during init, removed again if init fails.
struct Created(Vec<PathBuf>, bool, Vec<(Arc<Hsm>, String)>);

impl Created {
    fn file(&mut self, p: PathBuf) {
        self.0.push(p);
    }
    fn rollback(&self) {
        for (h, label) in &self.2 {
            let _ = h.destroy(label);
        }
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
    let mut created = Created(Vec::new(), false, Vec::new());
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
        let root_spki = root_signer.public_key_spki().to_vec();
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
        let root_der = cert::sign_certificate(&root_tpl, root_signer.as_ref())?;
        let root_rec = ca_record(&root_id, alg, CaRole::Root, None, &root_der, &root_ski, now)?;

        // Issuing CA.
        let iss_id = format!("{alg}-issuing");
        let iss_signer = maker.make(&iss_id, alg, created)?;
        let iss_spki = iss_signer.public_key_spki().to_vec();
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
        let iss_der = cert::sign_certificate(&iss_tpl, root_signer.as_ref())?;
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
        for (profile_name, label) in [
            ("ocsp-signer", "OCSP Signer"),
            ("tsa", "Time-Stamping Unit"),
            ("seal-maker", "Seal Maker"),
            ("trust-list-signer", "Trust List Signer"),
            ("licence-qr-signer", "E-licence QR Signer"),
        ] {
            let profile = profiles
                .get(profile_name)
                .ok_or_else(|| RegionError::Build(format!("profile {profile_name} missing")))?;
            if !profile.algorithms.contains(&alg) {
                continue;
            }
            let svc_name = format!("{alg}-{profile_name}");
            let spki = maker
                .make(&svc_name, alg, created)?
                .public_key_spki()
                .to_vec();
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

/// Makes the region's keys: in the token for the algorithms `[hsm]` holds, else encrypted
/// files in the key store.
struct KeyMaker<'a> {
    store: &'a KeyStore,
    pass: &'a Passphrase,
    hsm: Option<(Arc<Hsm>, &'a HsmConfig)>,
}

impl KeyMaker<'_> {
    fn make(
        &self,
        id: &str,
        alg: Algorithm,
        created: &mut Created,
    ) -> Result<Arc<dyn Signer>, RegionError> {
        if let Some((h, cfg)) = &self.hsm
            && cfg.holds(alg)
        {
            let signer = h.generate(id, alg)?;
            created.2.push((h.clone(), id.to_string()));
            return Ok(Arc::new(signer));
        }
        let key = PrivateKey::generate(alg)?;
        created.file(self.store.save(id, &key, self.pass)?);
        Ok(Arc::new(key.signer()?))
    }
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
