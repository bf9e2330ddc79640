//! The keys of an opened region: the issuing authority (issuing CA keys, holder hasher), the
//! CAs as the status service sees them, and single CA and service signers; every key is
//! checked against the certificate it signs for before it is used.
//!
//! Must not import: region creation (`init`), `crate::store` or SQL types.

use super::salt::load_holder_hasher;
use super::{Region, RegionError};
use crate::clock::{SharedClock, SystemClock};
use crate::config::HsmConfig;
use crate::crypto::hsm::Hsm;
use crate::crypto::{Algorithm, Passphrase, Signer};
use crate::pki::authority::{Authority, IssuingCa};
use crate::pki::repo::{CaRecord, CaRole, Repository, ServiceRecord, current_ca};
use der::{Decode, Encode};
use std::sync::Arc;

impl Region {
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
        let mut issuers = Vec::new();
        for alg in algorithms {
            let iss = current_ca(&cas, *alg, CaRole::Issuing).ok_or_else(|| {
                RegionError::Inconsistent(format!("no {alg} issuing CA in the database"))
            })?;
            let root = cas
                .iter()
                .find(|c| Some(&c.id) == iss.parent_id.as_ref())
                .ok_or_else(|| RegionError::Inconsistent(format!("no root for {}", iss.id)))?;
            let signer = self.key_signer(&iss.key_id, *alg, pass)?;
            check_key_matches(signer.as_ref(), &iss.der, &iss.id)?;
            issuers.push(
                IssuingCa::new(iss.clone(), root.der.clone(), signer)
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
        let signer = self.key_signer(&svc.key_id, svc.algorithm, pass)?;
        check_key_matches(signer.as_ref(), &cert.der, name)?;
        Ok((signer, cert.der))
    }

    /// The transparency log's keys: the Ed25519 checkpoint key and the witness key (seeds in
    /// the key store, made at the first call for a region made before the log) and the SM2
    /// trust-list signer as the second checkpoint signature.
    pub async fn log_keys(
        &self,
        pass: &Passphrase,
    ) -> Result<crate::transparency::log::LogKeys, RegionError> {
        use crate::transparency::{checkpoint, ed25519, log, sm2};
        let base = self.public_urls().base;
        let origin = log::origin_for(&base);
        let [log_seed, witness_seed] = super::salt::log_seeds(&self.data_dir, pass)?;
        let bad = |e: String| RegionError::Build(format!("transparency log key: {e}"));
        let (signer, _) = self.service_signer("sm2-trust-list-signer", pass).await?;
        Ok(log::LogKeys {
            log: ed25519::Ed25519Signer::from_seed(&origin, &log_seed)
                .map_err(|e| bad(e.to_string()))?,
            sm2: Some(sm2::Sm2NoteSigner::new(&origin, signer).map_err(|e| bad(e.to_string()))?),
            witness: checkpoint::CosignatureSigner::from_seed(
                &log::witness_name_for(&base),
                &witness_seed,
            )
            .map_err(|e| bad(e.to_string()))?,
        })
    }

    /// The seal maker (制章者) that signs new seals: `{seal_maker_algorithm}-seal-maker`.
    pub async fn seal_maker(
        &self,
        pass: &Passphrase,
    ) -> Result<(Arc<dyn Signer>, Vec<u8>), RegionError> {
        let alg = self.config.service.seal_maker_algorithm;
        self.service_signer(&format!("{alg}-seal-maker"), pass)
            .await
    }

    /// The CAs as the status service sees them. Every issuing CA still valid signs its own
    /// CRLs and has its delegated OCSP responder (the `ocsp-signer` credential it certified):
    /// after a rollover the old CA keeps answering for what it issued until it expires. The
    /// current one signs with the authority's key. Roots have no signers here (their CRLs are
    /// made offline with `yinxin crl --ca {alg}-root`); nor has an expired issuing CA.
    pub async fn status_cas(
        &self,
        pass: &Passphrase,
        authority: &Authority,
    ) -> Result<Vec<crate::status::service::StatusCa>, RegionError> {
        let now = crate::clock::now_secs();
        let services = self.repo.services().await?;
        let mut out = Vec::new();
        for ca in self.repo.cas().await? {
            let hashes = crate::status::ocsp::IssuerHashes::of(&ca.der)
                .map_err(|e| RegionError::Build(e.to_string()))?;
            let (responder, crl_signer) = if ca.role == CaRole::Issuing && ca.not_after > now {
                let crl_signer = match authority.issuer(ca.algorithm) {
                    Some(iss) if iss.record.id == ca.id => iss.signer.clone(),
                    _ => {
                        let s = self.key_signer(&ca.key_id, ca.algorithm, pass)?;
                        check_key_matches(s.as_ref(), &ca.der, &ca.id)?;
                        s
                    }
                };
                let responder = match self.responder_of(&ca, &services).await? {
                    Some(name) => {
                        let (signer, cert) = self.service_signer(&name, pass).await?;
                        Some(
                            crate::status::ocsp::Responder::new(signer, &cert)
                                .map_err(|e| RegionError::Build(e.to_string()))?,
                        )
                    }
                    None => None,
                };
                (responder, Some(crl_signer))
            } else {
                (None, None)
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

    /// The newest `ocsp-signer` credential certified by `ca`.
    async fn responder_of(
        &self,
        ca: &CaRecord,
        services: &[ServiceRecord],
    ) -> Result<Option<String>, RegionError> {
        let mut best: Option<(i64, String)> = None;
        for svc in services
            .iter()
            .filter(|s| s.profile == "ocsp-signer" && s.algorithm == ca.algorithm)
        {
            if let Some(c) = self.repo.certificate(&svc.serial).await?
                && c.issuer_ca == ca.id
                && best.as_ref().is_none_or(|(t, _)| c.not_before > *t)
            {
                best = Some((c.not_before, svc.name.clone()));
            }
        }
        Ok(best.map(|(_, n)| n))
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
        let signer = self.key_signer(&ca.key_id, ca.algorithm, pass)?;
        check_key_matches(signer.as_ref(), &ca.der, ca_id)?;
        Ok(signer)
    }

    /// The token of `[hsm]`, opened (and logged in) on first use; `None` without `[hsm]`.
    pub fn hsm(&self) -> Result<Option<Arc<Hsm>>, RegionError> {
        let Some(cfg) = &self.config.hsm else {
            return Ok(None);
        };
        let mut slot = self.hsm.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = slot.as_ref() {
            return Ok(Some(h.clone()));
        }
        let h = open_hsm(cfg)?;
        *slot = Some(h.clone());
        Ok(Some(h))
    }

    /// The signer of a region key (a CA's or a service credential's `key_id`): in the token
    /// when `[hsm]` holds keys of `alg`, else decrypted from the key store.
    pub fn key_signer(
        &self,
        key_id: &str,
        alg: Algorithm,
        pass: &Passphrase,
    ) -> Result<Arc<dyn Signer>, RegionError> {
        if let Some(cfg) = &self.config.hsm
            && cfg.holds(alg)
            && let Some(h) = self.hsm()?
        {
            return Ok(Arc::new(h.signer(cfg.label_of(key_id), alg)?));
        }
        Ok(Arc::new(self.key_store().load(key_id, pass)?.signer()?))
    }
}

/// Open the token of an `[hsm]` section with its PIN.
pub fn open_hsm(cfg: &HsmConfig) -> Result<Arc<Hsm>, RegionError> {
    let pin = cfg.pin().map_err(RegionError::Io)?;
    Ok(Hsm::open(&cfg.module, &cfg.token_label, &pin)?)
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
