//! The CA lifecycle: renewing an issuing CA with a new key, and rolling a root over with link
//! certificates (docs/ca-lifecycle.md).
//!
//! - **Issuing-CA renewal** (`yinxin ca renew-issuing`): a new key (in the token when `[hsm]`
//!   holds the algorithm), a new issuing CA `{alg}-issuing-g{n}` signed by the current root,
//!   and a delegated OCSP responder `{alg}-ocsp-signer-g{n}` certified by it. From the next
//!   start of the service the new CA issues; the old one keeps signing its CRLs and its
//!   responder keeps answering for what it issued until it expires (validity overlaps).
//! - **Root rollover** (`yinxin ca renew-root`): a new self-signed root `{alg}-root-g{n}` and
//!   the two link certificates of RFC 4210 §4.4 — NewWithOld (new key, signed by the old
//!   root: relying parties that trust the old root reach the new hierarchy) and OldWithNew
//!   (old key, signed by the new root: those that trust only the new root still validate
//!   what was issued before). Then `renew-issuing` makes an issuing CA under the new root.
//!
//! Everything new is written to the database in one transaction with its audit events; the
//! certificates are exported to `DATA_DIR/ca/` (the links as `link-*.pem`, which the service
//! adds to its verification pool and the trust list publishes). A failed step removes the
//! keys and files it made.
//!
//! Must not import: `crate::store` or SQL types.

use super::build::{
    Created, KeyMaker, Parent, ServiceSpec, ca_name, ca_record, issuing_certificate,
    link_certificate, root_certificate, service_credential,
};
use super::{Region, RegionError};
use crate::crypto::{Algorithm, Passphrase};
use crate::pki::authority::IssuingCa;
use crate::pki::cert;
use crate::pki::repo::{
    AuditEvent, CaAddition, CaRecord, CaRole, CertStatus, CertificateRecord, current_ca, generation,
};
use std::path::PathBuf;

/// What a lifecycle step made.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LifecycleSummary {
    /// The new CA's id.
    pub ca: String,
    /// Its serial (hex).
    pub serial: String,
    /// The CA it replaces as the one that signs new certificates.
    pub replaces: String,
    /// Service credentials it certified (name, serial).
    pub services: Vec<(String, String)>,
    /// Files written (the CA certificate, link certificates).
    pub exported: Vec<String>,
}

/// The prefix of link certificate files in `DATA_DIR/ca/`.
pub const LINK_PREFIX: &str = "link-";

/// The profile name of a link certificate's row (revocable on its issuing root's ARL).
pub const LINK_PROFILE: &str = "root-link";

impl Region {
    /// Renew the issuing CA of `alg` with a new key under the current root.
    pub async fn renew_issuing(
        &self,
        alg: Algorithm,
        pass: &Passphrase,
        actor: &str,
    ) -> Result<LifecycleSummary, RegionError> {
        let mut created = Created::default();
        let r = self
            .renew_issuing_inner(alg, pass, actor, &mut created)
            .await;
        if r.is_err() {
            created.rollback();
        }
        r
    }

    /// Roll the root of `alg` over to a new key, with link certificates both ways.
    pub async fn renew_root(
        &self,
        alg: Algorithm,
        pass: &Passphrase,
        actor: &str,
    ) -> Result<LifecycleSummary, RegionError> {
        let mut created = Created::default();
        let r = self.renew_root_inner(alg, pass, actor, &mut created).await;
        if r.is_err() {
            created.rollback();
        }
        r
    }

    fn key_maker<'a>(
        &'a self,
        store: &'a crate::crypto::KeyStore,
        pass: &'a Passphrase,
    ) -> Result<KeyMaker<'a>, RegionError> {
        let hsm = match (&self.config.hsm, self.hsm()?) {
            (Some(cfg), Some(h)) => Some((h, cfg)),
            _ => None,
        };
        Ok(KeyMaker { store, pass, hsm })
    }

    async fn renew_issuing_inner(
        &self,
        alg: Algorithm,
        pass: &Passphrase,
        actor: &str,
        created: &mut Created,
    ) -> Result<LifecycleSummary, RegionError> {
        let cas = self.repo.cas().await?;
        let root = current_ca(&cas, alg, CaRole::Root)
            .ok_or_else(|| RegionError::Inconsistent(format!("no {alg} root CA")))?;
        let old = current_ca(&cas, alg, CaRole::Issuing)
            .ok_or_else(|| RegionError::Inconsistent(format!("no {alg} issuing CA")))?;
        let (n, id) = next_id(&cas, alg, "issuing", |id| self.id_taken(id));
        let now = crate::clock::now_secs();
        let urls = self.public_urls();
        let store = self.key_store();
        let maker = self.key_maker(&store, pass)?;
        let root_signer = self.ca_signer(&root.id, pass).await?;
        let key = maker.make(&id, alg, created)?;
        let parent = Parent {
            record: root,
            signer: root_signer.as_ref(),
        };
        let name = ca_name(&self.config.region.name, alg, "Issuing CA", n)?;
        let (der_bytes, ski) = issuing_certificate(&parent, name, key.as_ref(), &urls, now)?;
        let rec = ca_record(
            &id,
            alg,
            CaRole::Issuing,
            Some(root.id.clone()),
            &der_bytes,
            &ski,
            now,
        )?;
        let issuer = IssuingCa::new(rec.clone(), root.der.clone(), key)
            .map_err(|e| RegionError::Build(e.to_string()))?;

        // Its own delegated OCSP responder: a responder answers only for its issuer's
        // certificates (RFC 6960 §4.2.2.2).
        let profile = self
            .profiles
            .get("ocsp-signer")
            .ok_or_else(|| RegionError::Build("profile ocsp-signer missing".into()))?;
        let svc_name = format!("{alg}-ocsp-signer-g{n}");
        let svc_key = maker.make(&svc_name, alg, created)?;
        let spec = ServiceSpec {
            profile,
            label: &format!("OCSP Signer G{n}"),
            name: &svc_name,
            key: svc_key.as_ref(),
        };
        let hasher = super::load_holder_hasher(&self.data_dir, pass)?;
        let (cert_rec, svc, svc_audit) = service_credential(
            &spec,
            &self.config.region.name,
            &issuer,
            &urls,
            &hasher,
            now,
            actor,
        )?;
        let summary = LifecycleSummary {
            ca: id.clone(),
            serial: rec.serial.clone(),
            replaces: old.id.clone(),
            services: vec![(svc.name.clone(), svc.serial.clone())],
            exported: vec![self.export(&format!("{id}.pem"), &der_bytes, created)?],
        };
        let audit = vec![
            AuditEvent::now(
                actor,
                "ca.create",
                &id,
                "success",
                &format!(
                    "renewal of {} with a new key; root={} not_after={}",
                    old.id,
                    root.id,
                    crate::clock::rfc3339(rec.not_after)
                ),
            )
            .logged(super::init::ca_entry(&rec, now)),
            svc_audit,
        ];
        self.repo
            .add_cas(&CaAddition {
                cas: vec![rec],
                certificates: vec![cert_rec],
                services: vec![svc],
                audit,
            })
            .await?;
        Ok(summary)
    }

    async fn renew_root_inner(
        &self,
        alg: Algorithm,
        pass: &Passphrase,
        actor: &str,
        created: &mut Created,
    ) -> Result<LifecycleSummary, RegionError> {
        let cas = self.repo.cas().await?;
        let old = current_ca(&cas, alg, CaRole::Root)
            .ok_or_else(|| RegionError::Inconsistent(format!("no {alg} root CA")))?;
        let (n, id) = next_id(&cas, alg, "root", |id| self.id_taken(id));
        let now = crate::clock::now_secs();
        let urls = self.public_urls();
        let store = self.key_store();
        let maker = self.key_maker(&store, pass)?;
        let old_signer = self.ca_signer(&old.id, pass).await?;
        let key = maker.make(&id, alg, created)?;
        let name = ca_name(&self.config.region.name, alg, "Root CA", n)?;
        let (der_bytes, ski) = root_certificate(&name, key.as_ref(), now)?;
        let rec = ca_record(&id, alg, CaRole::Root, None, &der_bytes, &ski, now)?;

        let new_with_old = link_certificate(
            &rec,
            &Parent {
                record: old,
                signer: old_signer.as_ref(),
            },
            &urls,
            now,
        )?;
        let old_with_new = link_certificate(
            old,
            &Parent {
                record: &rec,
                signer: key.as_ref(),
            },
            &urls,
            now,
        )?;
        let mut exported = vec![self.export(&format!("{id}.pem"), &der_bytes, created)?];
        let mut audit = vec![
            AuditEvent::now(
                actor,
                "ca.create",
                &id,
                "success",
                &format!(
                    "root rollover from {} with a new key; not_after={}",
                    old.id,
                    crate::clock::rfc3339(rec.not_after)
                ),
            )
            .logged(super::init::ca_entry(&rec, now)),
        ];
        let mut links = Vec::new();
        for (kind, subject, issuer, der_bytes) in [
            ("NewWithOld", &id, &old.id, &new_with_old),
            ("OldWithNew", &old.id, &id, &old_with_new),
        ] {
            let file = format!("{LINK_PREFIX}{subject}-by-{issuer}.pem");
            exported.push(self.export(&file, der_bytes, created)?);
            let c = crate::verify::cert::Cert::from_der(der_bytes)
                .map_err(|e| RegionError::Build(e.to_string()))?;
            let serial = hex::encode_upper(&c.serial);
            // A row of the signing root, so that the link can be revoked on its ARL.
            links.push(CertificateRecord {
                serial: serial.clone(),
                issuer_ca: issuer.clone(),
                profile: LINK_PROFILE.into(),
                algorithm: alg,
                subject: crate::verify::cert::dn_string(&c.subject),
                holder_id: String::new(),
                organization: None,
                not_before: c.not_before,
                not_after: c.not_after,
                status: CertStatus::Valid,
                revoked_at: None,
                revocation_reason: None,
                invalidity_date: None,
                der: der_bytes.clone(),
                created_at: now,
            });
            audit.push(
                AuditEvent::now(
                    actor,
                    "ca.link",
                    &serial,
                    "success",
                    &format!(
                        "{kind}: subject={subject} issuer={issuer} not_after={}",
                        crate::clock::rfc3339(c.not_after)
                    ),
                )
                .logged(
                    crate::transparency::entry::Entry::new(
                        "certificate.issue",
                        now,
                        &serial,
                        der_bytes,
                    )
                    .name(Some(&crate::verify::cert::dn_string(&c.subject)))
                    .object(der_bytes),
                ),
            );
        }
        let summary = LifecycleSummary {
            ca: id,
            serial: rec.serial.clone(),
            replaces: old.id.clone(),
            services: vec![],
            exported,
        };
        self.repo
            .add_cas(&CaAddition {
                cas: vec![rec],
                certificates: links,
                services: vec![],
                audit,
            })
            .await?;
        Ok(summary)
    }

    /// Write a certificate to `DATA_DIR/ca/FILE`, never replacing one (`create_new`).
    fn export(
        &self,
        file: &str,
        der_bytes: &[u8],
        created: &mut Created,
    ) -> Result<String, RegionError> {
        use std::io::Write;
        let path: PathBuf = self.data_dir.join("ca").join(file);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| RegionError::Io(format!("cannot create {}: {e}", path.display())))?;
        created.file(path.clone());
        f.write_all(cert::to_pem(der_bytes).as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| RegionError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(path.display().to_string())
    }

    /// Whether a CA id's key (file or token) or certificate file already exists.
    fn id_taken(&self, id: &str) -> bool {
        if self.key_store().contains(id)
            || self.data_dir.join("ca").join(format!("{id}.pem")).exists()
        {
            return true;
        }
        match (&self.config.hsm, self.hsm()) {
            (Some(cfg), Ok(Some(h))) => h.has_key(cfg.label_of(id)).unwrap_or(true),
            _ => false,
        }
    }
}

/// The next generation number and id for a CA of `alg` and `what` (`root`, `issuing`):
/// generation 1 is `{alg}-{what}`, later ones `{alg}-{what}-g{n}`, above every generation
/// in the database. An id whose key or certificate file is left over from an interrupted
/// step (`taken`) is skipped rather than reused.
fn next_id(
    cas: &[CaRecord],
    alg: Algorithm,
    what: &str,
    taken: impl Fn(&str) -> bool,
) -> (u32, String) {
    let prefix = format!("{alg}-{what}");
    let mut n = cas
        .iter()
        .filter(|c| c.id == prefix || c.id.starts_with(&format!("{prefix}-g")))
        .map(|c| generation(&c.id))
        .max()
        .unwrap_or(1)
        + 1;
    loop {
        let id = format!("{prefix}-g{n}");
        if !cas.iter().any(|c| c.id == id) && !taken(&id) {
            return (n, id);
        }
        n += 1;
    }
}
