//! The issuing authority: turns an issuance request (profile, algorithm, subject, CSR or
//! key generation, validity) into a stored certificate.
//!
//! Order of checks: profile → algorithm → subject → key (CSR parse, key checks, proof of
//! possession) → validity. A certificate is written together with its audit event in one
//! transaction and returned only after the commit; a serial collision (the database's unique
//! constraint) makes it draw a new serial and sign again.

use super::cert::{self, CertBuildError, CertificateTemplate, extensions as x};
use super::csr::{CsrError, verify_csr};
use super::profile::{Profile, ProfileSet};
use super::repo::{AuditEvent, CaRecord, CertStatus, CertificateRecord, RepoError, Repository};
use super::subject::{HolderHasher, SubjectError, prepare};
use crate::clock::SharedClock;
use crate::crypto::{Algorithm, CryptoError, Passphrase, PrivateKey, Signer, random_bytes};
use std::collections::HashMap;
use std::sync::Arc;
use x509_cert::name::Name;

/// Why an issuance was refused. Each rejection has its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// No such profile.
    #[error("unknown profile '{0}'")]
    UnknownProfile(String),
    /// The profile does not allow the algorithm.
    #[error("algorithm {algorithm} is not allowed by profile '{profile}'")]
    AlgorithmNotAllowed {
        /// Requested algorithm.
        algorithm: String,
        /// Profile.
        profile: String,
    },
    /// The CSR's key is of another algorithm than requested.
    #[error("the CSR carries a {found} key but {requested} was requested")]
    AlgorithmMismatch {
        /// Requested.
        requested: Algorithm,
        /// In the CSR.
        found: Algorithm,
    },
    /// The profile is a service profile, issued only by `init`.
    #[error("profile '{0}' is issued only when a region is created")]
    ServiceProfile(String),
    /// Subject document problem (missing / too long / bad check character …).
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// CSR problem (malformed, bad signature, weak or malformed key).
    #[error(transparent)]
    Csr(#[from] CsrError),
    /// Validity beyond the profile's maximum.
    #[error("validity of {requested} days exceeds the profile maximum of {max} days")]
    ValidityBeyondProfile {
        /// Requested days.
        requested: u32,
        /// Profile maximum.
        max: u32,
    },
    /// Zero days.
    #[error("validity must be at least one day")]
    ValidityZero,
    /// Validity beyond the issuing CA's own notAfter.
    #[error("validity would end after the issuing CA's certificate expires ({0})")]
    ValidityBeyondIssuer(String),
    /// A generated key needs a passphrase to be returned encrypted.
    #[error("a passphrase of at least 8 characters is required to protect the generated key")]
    WeakPassphrase,
    /// The subject belongs to another organization than the requester's.
    #[error("the subject does not belong to your organization")]
    OutOfScope,
    /// The region has no issuing CA for the algorithm.
    #[error("no issuing CA for {0}")]
    NoIssuer(Algorithm),
    /// Could not build or sign.
    #[error("certificate construction failed: {0}")]
    Build(#[from] CertBuildError),
    /// Crypto failure.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] RepoError),
}

impl IssueError {
    /// A short stable code for audit lines and API problem types.
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::UnknownProfile(_) => "unknown-profile",
            IssueError::AlgorithmNotAllowed { .. } => "algorithm-not-allowed",
            IssueError::AlgorithmMismatch { .. } => "algorithm-mismatch",
            IssueError::ServiceProfile(_) => "service-profile",
            IssueError::Subject(SubjectError::BadCheckCharacter(_)) => "bad-check-character",
            IssueError::Subject(SubjectError::FieldMissing(_)) => "field-missing",
            IssueError::Subject(SubjectError::FieldTooLong { .. }) => "field-too-long",
            IssueError::Subject(_) => "invalid-subject",
            IssueError::Csr(CsrError::BadSignature) => "csr-signature-invalid",
            IssueError::Csr(CsrError::WeakKey(_)) => "weak-key",
            IssueError::Csr(CsrError::MalformedKey(_)) => "malformed-key",
            IssueError::Csr(CsrError::AlgorithmNotAllowed(_)) => "algorithm-not-allowed",
            IssueError::Csr(CsrError::Malformed(_)) => "malformed-csr",
            IssueError::ValidityBeyondProfile { .. } => "validity-beyond-profile",
            IssueError::ValidityZero => "validity-invalid",
            IssueError::ValidityBeyondIssuer(_) => "validity-beyond-issuer",
            IssueError::WeakPassphrase => "weak-passphrase",
            IssueError::OutOfScope => "out-of-scope",
            IssueError::NoIssuer(_) => "no-issuer",
            IssueError::Build(_) | IssueError::Crypto(_) | IssueError::Store(_) => "internal",
        }
    }

    /// Whether the requester is at fault (as opposed to the server).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            IssueError::Build(_)
                | IssueError::Crypto(_)
                | IssueError::Store(_)
                | IssueError::NoIssuer(_)
        )
    }
}

/// Where the subject's key comes from.
pub enum KeySource {
    /// A PKCS#10 request (PEM or DER).
    Csr(Vec<u8>),
    /// Generate a key; return it encrypted under this passphrase.
    Generate(Passphrase),
}

/// An issuance request.
pub struct IssueRequest {
    /// Profile name.
    pub profile: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Subject document.
    pub subject: serde_json::Value,
    /// Key source.
    pub key: KeySource,
    /// Validity in days (default: the profile maximum).
    pub validity_days: Option<u32>,
    /// Who asks (for the audit log).
    pub actor: String,
    /// When the requester is bound to an organization (credit code): organization and device
    /// certificates must belong to it, and person certificates are recorded as its staff.
    pub scope: Option<String>,
}

/// The result of an issuance.
#[derive(Debug)]
pub struct Issued {
    /// The stored record.
    pub record: CertificateRecord,
    /// Certificate PEM.
    pub certificate_pem: String,
    /// Chain PEM: issuing CA, then root.
    pub chain_pem: String,
    /// The generated key, encrypted PKCS#8 PEM, when the server generated it.
    pub encrypted_key_pem: Option<String>,
}

/// Base URLs published in certificates.
#[derive(Clone, Debug)]
pub struct PublicUrls {
    /// e.g. `http://127.0.0.1:8080` (no trailing slash).
    pub base: String,
}

impl PublicUrls {
    /// CRL of a CA.
    pub fn crl(&self, ca_id: &str) -> String {
        format!("{}/crl/{ca_id}.crl", self.base)
    }
    /// Delta CRL of a CA.
    pub fn delta_crl(&self, ca_id: &str) -> String {
        format!("{}/crl/{ca_id}-delta.crl", self.base)
    }
    /// OCSP responder.
    pub fn ocsp(&self) -> String {
        format!("{}/ocsp", self.base)
    }
    /// CA certificate download.
    pub fn ca_cert(&self, ca_id: &str) -> String {
        format!("{}/ca/{ca_id}.cer", self.base)
    }
}

/// An issuing CA with its signer.
pub struct IssuingCa {
    /// Record.
    pub record: CaRecord,
    /// Parsed subject name.
    pub name: Name,
    /// SKI bytes.
    pub ski: Vec<u8>,
    /// Root certificate DER (for the chain).
    pub root_der: Vec<u8>,
    /// Signer.
    pub signer: Arc<dyn Signer>,
}

impl IssuingCa {
    /// Load from records and a signer.
    pub fn new(
        record: CaRecord,
        root_der: Vec<u8>,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, IssueError> {
        use der::Decode;
        let c = x509_cert::Certificate::from_der(&record.der)
            .map_err(|e| CertBuildError::Encoding(e.to_string()))?;
        let name = c.tbs_certificate().subject().clone();
        let ski = hex::decode(&record.ski).map_err(|e| CertBuildError::Encoding(e.to_string()))?;
        Ok(IssuingCa {
            record,
            name,
            ski,
            root_der,
            signer,
        })
    }
}

/// Draw a 128-bit positive serial (16 bytes, first bit clear, first byte non-zero).
pub fn random_serial() -> Result<Vec<u8>, CryptoError> {
    let mut s = vec![0u8; 16];
    random_bytes(&mut s)?;
    s[0] &= 0x7f;
    if s[0] == 0 {
        s[0] = 0x01;
    }
    Ok(s)
}

/// Build the extensions of an end-entity or service certificate under a profile.
pub fn leaf_extensions(
    profile: &Profile,
    spki_der: &[u8],
    issuer: &IssuingCa,
    urls: &PublicUrls,
    sans: Vec<x509_cert::ext::pkix::name::GeneralName>,
) -> Result<Vec<x509_cert::ext::Extension>, CertBuildError> {
    let ku: Vec<&str> = profile.key_usage.iter().map(String::as_str).collect();
    let mut exts = vec![x::basic_constraints(false, None)?, x::key_usage(&ku)?];
    let eku = profile.eku_oids();
    if !eku.is_empty() {
        exts.push(x::extended_key_usage(
            eku,
            profile.extended_key_usage_critical,
        )?);
    }
    exts.push(x::subject_key_identifier(&cert::key_identifier(spki_der)?)?);
    exts.push(x::authority_key_identifier(&issuer.ski)?);
    exts.push(x::certificate_policies(&profile.policy_oids())?);
    if !sans.is_empty() {
        exts.push(x::subject_alt_name(sans)?);
    }
    if profile.ocsp_no_check {
        // The OCSP signer's own status is not checked (RFC 6960 §4.2.2.2.1): no CDP/AIA-OCSP.
        exts.push(x::ocsp_no_check()?);
    } else {
        exts.push(x::crl_distribution_point(&urls.crl(&issuer.record.id))?);
        exts.push(x::freshest_crl(&urls.delta_crl(&issuer.record.id))?);
        exts.push(x::authority_info_access(
            &urls.ocsp(),
            &urls.ca_cert(&issuer.record.id),
        )?);
    }
    Ok(exts)
}

/// The issuing authority of a region.
pub struct Authority {
    profiles: ProfileSet,
    issuers: HashMap<Algorithm, IssuingCa>,
    urls: PublicUrls,
    hasher: HolderHasher,
    repo: Arc<dyn Repository>,
    clock: SharedClock,
}

impl Authority {
    /// Assemble an authority.
    pub fn new(
        profiles: ProfileSet,
        issuers: Vec<IssuingCa>,
        urls: PublicUrls,
        hasher: HolderHasher,
        repo: Arc<dyn Repository>,
        clock: SharedClock,
    ) -> Self {
        let issuers = issuers
            .into_iter()
            .map(|i| (i.record.algorithm, i))
            .collect();
        Authority {
            profiles,
            issuers,
            urls,
            hasher,
            repo,
            clock,
        }
    }

    /// The profiles.
    pub fn profiles(&self) -> &ProfileSet {
        &self.profiles
    }

    /// The repository.
    pub fn repo(&self) -> &Arc<dyn Repository> {
        &self.repo
    }

    /// The issuing CA for an algorithm.
    pub fn issuer(&self, alg: Algorithm) -> Option<&IssuingCa> {
        self.issuers.get(&alg)
    }

    /// Issue a certificate. Rejections are audited (without personal data) and returned.
    pub async fn issue(&self, req: IssueRequest) -> Result<Issued, IssueError> {
        let actor = req.actor.clone();
        let profile_name = req.profile.clone();
        match self.issue_inner(req).await {
            Ok(issued) => Ok(issued),
            Err(e) => {
                let outcome = if e.is_client_error() {
                    "rejected"
                } else {
                    "failed"
                };
                let ev = AuditEvent::now(
                    &actor,
                    "certificate.issue",
                    &format!("profile:{profile_name}"),
                    outcome,
                    e.code(),
                );
                // An audit failure must not hide the original error; it is logged instead.
                if let Err(ae) = self.repo.append_audit(&ev).await {
                    tracing::error!(error = %ae, "audit append failed");
                }
                Err(e)
            }
        }
    }

    async fn issue_inner(&self, req: IssueRequest) -> Result<Issued, IssueError> {
        let profile = self
            .profiles
            .get(&req.profile)
            .ok_or_else(|| IssueError::UnknownProfile(req.profile.clone()))?;
        if profile.kind.is_service() {
            return Err(IssueError::ServiceProfile(profile.name.clone()));
        }
        if !profile.algorithms.contains(&req.algorithm) {
            return Err(IssueError::AlgorithmNotAllowed {
                algorithm: req.algorithm.to_string(),
                profile: profile.name.clone(),
            });
        }
        let mut subject = prepare(profile, &req.subject, &self.hasher)?;
        if let Some(org) = &req.scope {
            match profile.kind {
                super::profile::ProfileKind::Person => subject.organization = Some(org.clone()),
                _ if subject.organization.as_deref() == Some(org.as_str()) => {}
                _ => return Err(IssueError::OutOfScope),
            }
        }
        let (spki_der, key) = match &req.key {
            KeySource::Csr(bytes) => {
                let v = verify_csr(bytes)?;
                if v.algorithm != req.algorithm {
                    return Err(IssueError::AlgorithmMismatch {
                        requested: req.algorithm,
                        found: v.algorithm,
                    });
                }
                (v.spki_der, None)
            }
            KeySource::Generate(pass) => {
                if pass.expose().len() < 8 {
                    return Err(IssueError::WeakPassphrase);
                }
                let k = PrivateKey::generate(req.algorithm)?;
                (k.public_key_spki_der()?, Some((k, pass)))
            }
        };
        let issuer = self
            .issuers
            .get(&req.algorithm)
            .ok_or(IssueError::NoIssuer(req.algorithm))?;
        let days = req.validity_days.unwrap_or(profile.max_validity_days);
        if days == 0 {
            return Err(IssueError::ValidityZero);
        }
        if days > profile.max_validity_days {
            return Err(IssueError::ValidityBeyondProfile {
                requested: days,
                max: profile.max_validity_days,
            });
        }
        let now = self.clock.now();
        let not_after = now + i64::from(days) * 86_400;
        if not_after > issuer.record.not_after {
            return Err(IssueError::ValidityBeyondIssuer(crate::clock::rfc3339(
                issuer.record.not_after,
            )));
        }
        let exts = leaf_extensions(profile, &spki_der, issuer, &self.urls, subject.sans.clone())?;

        let encrypted_key_pem = match key {
            Some((k, pass)) => Some(k.to_encrypted_pem(pass)?),
            None => None,
        };

        let mut attempts = 0;
        loop {
            attempts += 1;
            let serial = random_serial()?;
            let tpl = CertificateTemplate {
                serial: serial.clone(),
                issuer: issuer.name.clone(),
                subject: subject.name.clone(),
                not_before: now,
                not_after,
                spki_der: spki_der.clone(),
                extensions: exts.clone(),
            };
            let der_bytes = cert::sign_certificate(&tpl, issuer.signer.as_ref())?;
            let serial_hex = hex::encode_upper(&serial);
            let record = CertificateRecord {
                serial: serial_hex.clone(),
                issuer_ca: issuer.record.id.clone(),
                profile: profile.name.clone(),
                algorithm: req.algorithm,
                subject: subject.display.clone(),
                holder_id: subject.holder_id.clone(),
                organization: subject.organization.clone(),
                not_before: now,
                not_after,
                status: CertStatus::Valid,
                revoked_at: None,
                revocation_reason: None,
                invalidity_date: None,
                der: der_bytes,
                created_at: now,
            };
            let audit = AuditEvent::now(
                &req.actor,
                "certificate.issue",
                &serial_hex,
                "success",
                &format!("profile={} algorithm={}", profile.name, req.algorithm),
            )
            .logged(certificate_entry(&record, profile.kind));
            match self.repo.insert_certificate(&record, &audit).await {
                Ok(()) => {
                    let chain_pem = format!(
                        "{}{}",
                        cert::to_pem(&issuer.record.der),
                        cert::to_pem(&issuer.root_der)
                    );
                    return Ok(Issued {
                        certificate_pem: cert::to_pem(&record.der),
                        chain_pem,
                        record,
                        encrypted_key_pem,
                    });
                }
                Err(RepoError::Conflict(_)) if attempts < 5 => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// The transparency log entry of an issued certificate: the certificate itself (public), its
/// holder (credit code, device or service name, or a person's salted hash) and, for what is
/// not a person's, the organization's name; a person's certificate is logged by hash only,
/// since it names them.
pub fn certificate_entry(
    record: &CertificateRecord,
    kind: crate::pki::profile::ProfileKind,
) -> crate::transparency::entry::Entry {
    let entry = crate::transparency::entry::Entry::new(
        "certificate.issue",
        record.created_at,
        &record.serial,
        &record.der,
    )
    .holder(Some(&record.holder_id));
    if kind == crate::pki::profile::ProfileKind::Person {
        entry
    } else {
        entry
            .name(record.organization.as_deref().or(Some(&record.subject)))
            .object(&record.der)
    }
}
