//! The pieces a region's CAs are made of, shared by `init` and the CA lifecycle
//! (`rollover`): where a new key goes (token or key store) and how a failed step is taken
//! back, the CA names, the root, issuing-CA and link certificates, and the service
//! credentials (OCSP signer, TSU, seal maker …) an issuing CA certifies.
//!
//! Must not import: `crate::store` or SQL types.

use super::RegionError;
use crate::config::HsmConfig;
use crate::crypto::hsm::Hsm;
use crate::crypto::{Algorithm, KeyStore, Passphrase, PrivateKey, Signer};
use crate::pki::authority::{IssuingCa, PublicUrls, leaf_extensions, random_serial};
use crate::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, ext_oid, extensions as x,
};
use crate::pki::profile::Profile;
use crate::pki::repo::{
    AuditEvent, CaRecord, CaRole, CertStatus, CertificateRecord, ServiceRecord,
};
use crate::pki::subject::{HolderHasher, prepare};
use der::Decode;
use std::path::PathBuf;
use std::sync::Arc;
use x509_cert::name::Name;

/// Files (and token keys) created by a step, removed again if the step fails.
#[derive(Default)]
pub(super) struct Created {
    pub files: Vec<PathBuf>,
    /// The data directory did not exist before (init removes it too).
    pub made_dir: bool,
    /// Token keys by their random `CKA_ID`.
    pub token_keys: Vec<(Arc<Hsm>, Vec<u8>)>,
}

impl Created {
    pub fn file(&mut self, p: PathBuf) {
        self.files.push(p);
    }

    pub fn rollback(&self) {
        for (h, id) in &self.token_keys {
            let _ = h.destroy_id(id);
        }
        for p in self.files.iter().rev() {
            if p.is_dir() {
                let _ = std::fs::remove_dir(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Makes the region's keys: in the token for the algorithms `[hsm]` holds, else encrypted
/// files in the key store.
pub(super) struct KeyMaker<'a> {
    pub store: &'a KeyStore,
    pub pass: &'a Passphrase,
    pub hsm: Option<(Arc<Hsm>, &'a HsmConfig)>,
}

impl KeyMaker<'_> {
    pub fn make(
        &self,
        id: &str,
        alg: Algorithm,
        created: &mut Created,
    ) -> Result<Arc<dyn Signer>, RegionError> {
        if let Some((h, cfg)) = &self.hsm
            && cfg.holds(alg)
        {
            let signer = h.generate(cfg.label_of(id), alg)?;
            created.token_keys.push((h.clone(), signer.id().to_vec()));
            return Ok(Arc::new(signer));
        }
        if self.store.contains(id) {
            return Err(RegionError::Inconsistent(format!(
                "the key store already holds a key '{id}'"
            )));
        }
        let key = PrivateKey::generate(alg)?;
        created.file(self.store.save(id, &key, self.pass)?);
        Ok(Arc::new(key.signer()?))
    }
}

pub(super) fn add_years(t: i64, years: i32) -> i64 {
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

pub(super) fn alg_label(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Sm2 => "SM2",
        Algorithm::P256 => "P-256",
    }
}

/// `C=CN, O=<region>, CN=<region> <alg> <what>[ G<n>]`: generation 1 has no suffix.
pub(super) fn ca_name(
    region_name: &str,
    alg: Algorithm,
    what: &str,
    generation: u32,
) -> Result<Name, RegionError> {
    let suffix = if generation > 1 {
        format!(" G{generation}")
    } else {
        String::new()
    };
    Ok(NameBuilder::new()
        .push(attr::C, StringKind::Printable, "CN")
        .push(attr::O, StringKind::Utf8, region_name)
        .push(
            attr::CN,
            StringKind::Utf8,
            &format!("{region_name} {} {what}{suffix}", alg_label(alg)),
        )
        .build()?)
}

/// A self-signed root CA certificate (20 years); returns the DER and the key identifier.
pub(super) fn root_certificate(
    name: &Name,
    signer: &dyn Signer,
    now: i64,
) -> Result<(Vec<u8>, Vec<u8>), RegionError> {
    let spki = signer.public_key_spki().to_vec();
    let ski = cert::key_identifier(&spki)?;
    let tpl = CertificateTemplate {
        serial: random_serial()?,
        issuer: name.clone(),
        subject: name.clone(),
        not_before: now,
        not_after: add_years(now, 20),
        spki_der: spki,
        extensions: vec![
            x::basic_constraints(true, None)?,
            x::key_usage(&["keyCertSign", "cRLSign"])?,
            x::subject_key_identifier(&ski)?,
        ],
    };
    Ok((cert::sign_certificate(&tpl, signer)?, ski))
}

/// The root that signs an issuing CA: its record, subject and key.
pub(super) struct Parent<'a> {
    pub record: &'a CaRecord,
    pub signer: &'a dyn Signer,
}

/// An issuing CA certificate (pathLen 0) for the key of `key`, signed by `parent`, valid
/// from `now` for ten years but not beyond the root.
pub(super) fn issuing_certificate(
    parent: &Parent<'_>,
    subject: Name,
    key: &dyn Signer,
    urls: &PublicUrls,
    now: i64,
) -> Result<(Vec<u8>, Vec<u8>), RegionError> {
    let root = x509_cert::Certificate::from_der(&parent.record.der)
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let root_ski =
        hex::decode(&parent.record.ski).map_err(|e| RegionError::Build(e.to_string()))?;
    let spki = key.public_key_spki().to_vec();
    let ski = cert::key_identifier(&spki)?;
    let tpl = CertificateTemplate {
        serial: random_serial()?,
        issuer: root.tbs_certificate().subject().clone(),
        subject,
        not_before: now,
        not_after: add_years(now, 10).min(parent.record.not_after),
        spki_der: spki,
        extensions: vec![
            x::basic_constraints(true, Some(0))?,
            x::key_usage(&["keyCertSign", "cRLSign"])?,
            x::subject_key_identifier(&ski)?,
            x::authority_key_identifier(&root_ski)?,
            x::certificate_policies(&[ext_oid::ANY_POLICY])?,
            x::crl_distribution_point(&urls.crl(&parent.record.id))?,
            x::authority_info_access(&urls.ocsp(), &urls.ca_cert(&parent.record.id))?,
        ],
    };
    Ok((cert::sign_certificate(&tpl, parent.signer)?, ski))
}

/// A link certificate in a root rollover (RFC 4210 §4.4): the subject, key and key
/// identifier of root `subject`, issued by root `issuer` with its key. `NewWithOld` is the
/// new root certified by the old key (relying parties that trust the old root reach
/// certificates under the new one), `OldWithNew` the old root certified by the new key.
/// Valid from `now` until the earlier of the two roots' ends.
pub(super) fn link_certificate(
    subject: &CaRecord,
    issuer: &Parent<'_>,
    urls: &PublicUrls,
    now: i64,
) -> Result<Vec<u8>, RegionError> {
    let parse = |d: &[u8]| {
        x509_cert::Certificate::from_der(d).map_err(|e| RegionError::Build(e.to_string()))
    };
    let s = parse(&subject.der)?;
    let i = parse(&issuer.record.der)?;
    let spki = der::Encode::to_der(s.tbs_certificate().subject_public_key_info())
        .map_err(|e| RegionError::Build(e.to_string()))?;
    let hexd = |h: &str| hex::decode(h).map_err(|e| RegionError::Build(e.to_string()));
    let tpl = CertificateTemplate {
        serial: random_serial()?,
        issuer: i.tbs_certificate().subject().clone(),
        subject: s.tbs_certificate().subject().clone(),
        not_before: now,
        not_after: subject.not_after.min(issuer.record.not_after),
        spki_der: spki,
        extensions: vec![
            x::basic_constraints(true, None)?,
            x::key_usage(&["keyCertSign", "cRLSign"])?,
            x::subject_key_identifier(&hexd(&subject.ski)?)?,
            x::authority_key_identifier(&hexd(&issuer.record.ski)?)?,
            // The path keeps the policies of the certificates below the link.
            x::certificate_policies(&[ext_oid::ANY_POLICY])?,
            x::crl_distribution_point(&urls.crl(&issuer.record.id))?,
        ],
    };
    Ok(cert::sign_certificate(&tpl, issuer.signer)?)
}

/// The database record of a CA certificate.
pub(super) fn ca_record(
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

/// What a service credential is: profile, display label, name and key.
pub(super) struct ServiceSpec<'a> {
    pub profile: &'a Profile,
    pub label: &'a str,
    pub name: &'a str,
    pub key: &'a dyn Signer,
}

/// A service credential certified by `issuer`: the certificate, the service row and its
/// audit event (`actor`).
pub(super) fn service_credential(
    spec: &ServiceSpec<'_>,
    region_name: &str,
    issuer: &IssuingCa,
    urls: &PublicUrls,
    hasher: &HolderHasher,
    now: i64,
    actor: &str,
) -> Result<(CertificateRecord, ServiceRecord, AuditEvent), RegionError> {
    let alg = spec.key.algorithm();
    let spki = spec.key.public_key_spki().to_vec();
    let subject_doc = serde_json::json!({
        "name": format!("{region_name} {} {}", alg_label(alg), spec.label),
        "organization": region_name,
    });
    let subject = prepare(spec.profile, &subject_doc, hasher)
        .map_err(|e| RegionError::InvalidInput(format!("name: {e}")))?;
    let not_after =
        (now + i64::from(spec.profile.max_validity_days) * 86_400).min(issuer.record.not_after);
    let serial = random_serial()?;
    let tpl = CertificateTemplate {
        serial: serial.clone(),
        issuer: issuer.name.clone(),
        subject: subject.name.clone(),
        not_before: now,
        not_after,
        spki_der: spki.clone(),
        extensions: leaf_extensions(spec.profile, &spki, issuer, urls, vec![])?,
    };
    let der_bytes = cert::sign_certificate(&tpl, issuer.signer.as_ref())?;
    let serial_hex = hex::encode_upper(&serial);
    let profile_name = spec.profile.name.clone();
    let rec = CertificateRecord {
        serial: serial_hex.clone(),
        issuer_ca: issuer.record.id.clone(),
        profile: profile_name.clone(),
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
    };
    let svc = ServiceRecord {
        name: spec.name.to_string(),
        algorithm: alg,
        profile: profile_name.clone(),
        serial: serial_hex.clone(),
        key_id: spec.name.to_string(),
    };
    let audit = AuditEvent::now(
        actor,
        "certificate.issue",
        &serial_hex,
        "success",
        &format!("profile={profile_name} algorithm={alg}"),
    )
    .logged(crate::pki::authority::certificate_entry(
        &rec,
        spec.profile.kind,
    ));
    Ok((rec, svc, audit))
}
