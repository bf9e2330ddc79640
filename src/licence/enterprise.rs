//! 同步发放: a new company's business licence, organization certificate and 公章 in one step —
//! all three or none.
//!
//! Order: (1) the organization certificate (subject: the company's name and credit code, key
//! generated and returned encrypted under the company's passphrase, or from a CSR); (2) the
//! company's `official` seal (公章) listing that certificate, signed by the region's seal maker
//! and registered; (3) the business licence, issued and sealed by the registration authority
//! ([`super::service::Registry::issue`]). The registration data are checked against the
//! business-licence kind before anything is made: bad data issue nothing.
//!
//! Each step's outcome is recorded; a failure after a step undoes what was made, newest first:
//! the licence is revoked (if stored), the seal revoked in the registry, the certificate revoked
//! (cessationOfOperation) through [`crate::pki::revocation::revoke`] so that CRLs and OCSP see
//! it. Nothing is deleted: what was undone stays as revoked records with their events.
//!
//! Idempotency: the caller's key is the licence's external key. A replay (the key already names
//! a licence of the authority) returns that licence with the company's certificate and 公章
//! made in the same registration (the latest `official` seal of the company made no later than
//! the licence, and the certificate it lists); a generated key is returned once only (it is never
//! stored in clear). Two requests racing with one key: the loser undoes its own certificate and
//! seal and returns the winner's three.
//!
//! Owns the orchestration; must not import HTTP or SQL types, `api`, `app`, `cli` or the store.

use super::service::{IssueRequest, Issued, LicenceError, Registry, Sealer, today};
use super::{Agency, DraftError, Event, Status, draft};
use crate::crypto::{Algorithm, Signer};
use crate::pki::authority::{Authority, IssueError, KeySource};
use crate::pki::repo::{AuditEvent, CertStatus, CertificateRecord, RepoError};
use crate::pki::revocation::{RevocationReason, RevokeRequest};
use crate::seal::holder::SealHolder;
use crate::seal::service::{SealRecord, SealRepository, SealRequest, SealStatus, make_seal};

/// The licence kind a registration issues.
pub const BUSINESS_LICENCE: &str = "business-licence";
/// The seal type a registration makes (公章).
pub const OFFICIAL_SEAL: &str = "official";
/// The certificate profile a registration issues.
pub const ORGANIZATION_PROFILE: &str = "organization";

/// A step of the registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The organization certificate.
    Certificate,
    /// The 公章.
    Seal,
    /// The business licence.
    Licence,
}

impl Step {
    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            Step::Certificate => "certificate",
            Step::Seal => "seal",
            Step::Licence => "licence",
        }
    }
}

/// Told of a certificate revoked (serial, issuing CA id).
pub type RevokedFn<'a> = &'a (dyn Fn(&str, &str) + Sync);

/// What a registration needs from the region.
pub struct Enterprises<'a> {
    /// The issuing authority (organization certificates; revocations through its repository).
    pub authority: &'a Authority,
    /// The seal registry.
    pub seals: &'a dyn SealRepository,
    /// The region's seal maker.
    pub seal_maker: &'a dyn Signer,
    /// Its certificate (DER).
    pub seal_maker_cert: &'a [u8],
    /// The licence registry (its region code is the seal's esID prefix).
    pub registry: &'a Registry<'a>,
    /// The registration authority's e-licence seal and key (seals the business licence).
    pub sealer: &'a Sealer<'a>,
    /// Told of a certificate revoked while undoing (serial, issuing CA), so that a serving
    /// process refreshes its CRL and OCSP answers.
    pub on_revoked: Option<RevokedFn<'a>>,
    /// Tests only (set through the library, never from a request): fail right after this step,
    /// as if the next one had failed.
    pub fail_after: Option<Step>,
}

/// A company's registration.
pub struct Registration {
    /// The business licence's field values (name, credit code …).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// The certificate's key: generated (returned encrypted) or from a CSR.
    pub key: KeySource,
    /// The certificate's algorithm.
    pub algorithm: Algorithm,
    /// The name on the 公章 (default: the company's name).
    pub seal_name: Option<String>,
    /// The registration authority (the caller's binding; it issues the licence).
    pub authority: Agency,
    /// The caller's key (Idempotency-Key).
    pub external_key: Option<String>,
    /// Who asks (audit).
    pub actor: String,
}

/// A registered company (or the one registered earlier under the same key).
pub struct Registered {
    /// The business licence.
    pub licence: Issued,
    /// The organization certificate.
    pub certificate: CertificateRecord,
    /// Its chain (issuing CA, root) as PEM; `None` on a replay.
    pub chain_pem: Option<String>,
    /// The generated key, encrypted PKCS#8 PEM (only when generated, and not on a replay).
    pub encrypted_key_pem: Option<String>,
    /// The 公章.
    pub seal: SealRecord,
    /// `true` when the key had already been used.
    pub replayed: bool,
}

/// Why a registration failed (what had been made was undone).
#[derive(Debug, thiserror::Error)]
pub enum EnterpriseError {
    /// The registration data are not acceptable (each field named); nothing was made.
    #[error("{0}")]
    Invalid(String),
    /// The licence step (or the check of the values against the kind).
    #[error(transparent)]
    Licence(#[from] LicenceError),
    /// The certificate step.
    #[error(transparent)]
    Certificate(#[from] IssueError),
    /// The seal step.
    #[error("cannot make the 公章: {0}")]
    Seal(String),
    /// The registration under this key was undone: use another key.
    #[error("the registration under this key was undone: register again with another key")]
    Undone,
    /// A replayed registration's certificate or seal cannot be found.
    #[error("the registration under this key is incomplete: {0}")]
    Replay(String),
    /// The test hook: a failure forced after a step.
    #[error("failure forced after the {} step", .0.name())]
    Forced(Step),
    /// Storage.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// The failure `cause`, and what could not be undone (still active: an operator must
    /// revoke it).
    #[error("{cause}; NOT undone: {}", .left.join("; "))]
    Incomplete {
        /// The first failure.
        cause: Box<EnterpriseError>,
        /// What is left active, and why it could not be undone.
        left: Vec<String>,
    },
}

/// What has been made so far.
#[derive(Default)]
struct Made {
    certificate: Option<CertificateRecord>,
    seal: Option<String>,
    licence: Option<String>,
}

/// The steps' outcome: made, or lost to a concurrent request with the same key.
enum Outcome {
    Made(Box<Registered>),
    Lost(Box<Issued>),
}

impl Enterprises<'_> {
    /// Register a company: certificate, 公章 and business licence, all three or none.
    pub async fn register(
        &self,
        req: Registration,
        now: i64,
    ) -> Result<Registered, EnterpriseError> {
        let kind = self
            .registry
            .catalogue
            .by_key(BUSINESS_LICENCE)
            .ok_or_else(|| LicenceError::UnknownKind(BUSINESS_LICENCE.into()))?;
        if let Some(key) = &req.external_key
            && let Some(row) = self
                .registry
                .repo
                .by_external_key(&req.authority.credit_code, key)
                .await
                .map_err(LicenceError::from)?
        {
            return self.replay(row).await;
        }
        // Everything checkable is checked before anything is made.
        let drafted = draft(
            kind,
            &req.authority,
            &req.values,
            "0000000000",
            1,
            today(now),
            now,
        )
        .map_err(|e| match e {
            DraftError::Fields(errors) => EnterpriseError::Invalid(
                errors
                    .iter()
                    .map(|e| format!("registration.{}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            e => EnterpriseError::Licence(e.into()),
        })?;
        let seal_name = req
            .seal_name
            .clone()
            .unwrap_or_else(|| drafted.holder_name.clone());
        if seal_name.trim().is_empty()
            || seal_name.chars().count() > 64
            || seal_name.chars().any(char::is_control)
        {
            return Err(EnterpriseError::Invalid(
                "seal.name: 1 to 64 characters".into(),
            ));
        }
        if let KeySource::Generate(p) = &req.key
            && p.expose().len() < 8
        {
            return Err(IssueError::WeakPassphrase.into());
        }
        let mut made = Made::default();
        let company = (drafted.holder_name, drafted.holder_code);
        match self.steps(req, &company, &seal_name, &mut made, now).await {
            Ok(Outcome::Made(r)) => Ok(*r),
            Ok(Outcome::Lost(winner)) => {
                // Ours is superfluous: undo it, then answer with the winner's registration.
                let left = self
                    .undo(&made, "a concurrent registration won", &company.1, now)
                    .await;
                for l in &left {
                    tracing::error!(what = %l, "同步发放: not undone");
                }
                let row = self
                    .registry
                    .repo
                    .by_identifier(&winner.licence.id.to_string())
                    .await
                    .map_err(LicenceError::from)?
                    .ok_or_else(|| EnterpriseError::Replay("the licence vanished".into()))?;
                self.replay(row).await
            }
            Err(cause) => {
                let left = self.undo(&made, &cause.to_string(), &company.1, now).await;
                if left.is_empty() {
                    Err(cause)
                } else {
                    Err(EnterpriseError::Incomplete {
                        cause: Box::new(cause),
                        left,
                    })
                }
            }
        }
    }

    fn check_hook(&self, step: Step) -> Result<(), EnterpriseError> {
        match self.fail_after {
            Some(s) if s == step => Err(EnterpriseError::Forced(step)),
            _ => Ok(()),
        }
    }

    async fn steps(
        &self,
        req: Registration,
        (name, code): &(String, String),
        seal_name: &str,
        made: &mut Made,
        now: i64,
    ) -> Result<Outcome, EnterpriseError> {
        // (1) The organization certificate.
        let cert = self
            .authority
            .issue(crate::pki::authority::IssueRequest {
                profile: ORGANIZATION_PROFILE.into(),
                algorithm: req.algorithm,
                subject: serde_json::json!({"name": name, "credit_code": code}),
                key: req.key,
                validity_days: None,
                actor: req.actor.clone(),
                scope: None,
            })
            .await?;
        made.certificate = Some(cert.record.clone());
        self.check_hook(Step::Certificate)?;

        // (2) The 公章 listing it.
        let seal = self
            .make_seal(&cert.record, code, seal_name, &req.actor, now)
            .await?;
        made.seal = Some(seal.id.clone());
        self.check_hook(Step::Seal)?;

        // (3) The business licence, sealed by the registration authority.
        let issued = self
            .registry
            .issue(
                self.sealer,
                IssueRequest {
                    kind: BUSINESS_LICENCE.into(),
                    agency: req.authority.clone(),
                    values: req.values,
                    external_key: req.external_key,
                    actor: req.actor.clone(),
                },
                now,
            )
            .await?;
        if issued.replayed {
            return Ok(Outcome::Lost(Box::new(issued)));
        }
        made.licence = Some(issued.licence.id.to_string());
        self.check_hook(Step::Licence)?;
        Ok(Outcome::Made(Box::new(Registered {
            licence: issued,
            certificate: cert.record,
            chain_pem: Some(cert.chain_pem),
            encrypted_key_pem: cert.encrypted_key_pem,
            seal,
            replayed: false,
        })))
    }

    async fn make_seal(
        &self,
        cert: &CertificateRecord,
        code: &str,
        seal_name: &str,
        actor: &str,
        now: i64,
    ) -> Result<SealRecord, EnterpriseError> {
        let seal_err = |e: &dyn std::fmt::Display| EnterpriseError::Seal(e.to_string());
        let t = crate::seal::types::by_key(OFFICIAL_SEAL)
            .ok_or_else(|| seal_err(&"no seal type `official`"))?;
        let holder =
            SealHolder::resolve(&t, code, self.registry.hasher, now).map_err(|e| seal_err(&e))?;
        holder.check_signer(cert).map_err(|e| seal_err(&e))?;
        let png = crate::seal::picture::for_type(seal_name, &t).map_err(|e| seal_err(&e))?;
        // The seal lasts as long as its certificate (at most the type's maximum).
        let days = ((cert.not_after - now) / 86_400).clamp(1, i64::from(t.max_validity_days));
        let rec = make_seal(
            &SealRequest {
                region: self.registry.region,
                seal_type: &t,
                holder: holder.as_str(),
                name: seal_name,
                signers: vec![(cert.serial.clone(), cert.der.clone())],
                picture_png: png,
                validity_days: u32::try_from(days).unwrap_or(1),
                now,
            },
            self.seal_maker,
            self.seal_maker_cert,
        )
        .map_err(|e| seal_err(&e))?;
        let audit = AuditEvent::now(
            actor,
            "seal.create",
            &rec.id,
            "success",
            &format!(
                "type={} holder_kind=organization holder={} enterprise-registration",
                t.key,
                holder.as_str()
            ),
        );
        self.seals.insert_seal(&rec, &audit).await?;
        Ok(rec)
    }

    /// Undo what was made, newest first; what could not be undone, with why.
    async fn undo(&self, made: &Made, why: &str, company: &str, now: i64) -> Vec<String> {
        let mut left = Vec::new();
        let reason: String = format!("同步发放 undone: {why}")
            .chars()
            .take(200)
            .collect();
        let actor = "enterprise-registration";
        if let Some(id) = &made.licence {
            let r = self
                .registry
                .set_status(
                    id,
                    &self.sealer_agency(id),
                    Event::Revoke,
                    Some(&reason),
                    actor,
                    now,
                )
                .await;
            if let Err(e) = r {
                left.push(format!("licence {id}: {e}"));
            }
        }
        if let Some(id) = &made.seal {
            let audit = AuditEvent::now(
                actor,
                "seal.revoked",
                id,
                "success",
                &format!("holder={company} {reason}"),
            );
            match self
                .seals
                .set_seal_status(id, SealStatus::Revoked, &audit)
                .await
            {
                Ok(true) => {}
                Ok(false) => left.push(format!("seal {id}: not found")),
                Err(e) => left.push(format!("seal {id}: {e}")),
            }
        }
        if let Some(cert) = &made.certificate {
            let r = crate::pki::revocation::revoke(
                self.authority.repo().as_ref(),
                &RevokeRequest {
                    serial: &cert.serial,
                    reason: RevocationReason::CessationOfOperation,
                    invalidity_date: None,
                    actor,
                    scope: None,
                    now,
                },
            )
            .await;
            match r {
                Ok((rec, _)) => {
                    if let Some(f) = self.on_revoked {
                        f(&rec.serial, &rec.issuer_ca);
                    }
                }
                Err(e) => left.push(format!("certificate {}: {e}", cert.serial)),
            }
        }
        left
    }

    /// The issuer code of a licence identifier made by this registration (the authority's).
    fn sealer_agency(&self, id: &str) -> String {
        super::LicenceId::parse(id)
            .map(|i| i.issuer_code)
            .unwrap_or_default()
    }

    /// The registration under a licence row: the licence, the company's 公章 made no later than
    /// it, and the certificate that seal lists.
    async fn replay(&self, row: super::repo::LicenceRow) -> Result<Registered, EnterpriseError> {
        if row.status == Status::Revoked {
            return Err(EnterpriseError::Undone);
        }
        let licence = self.registry.licence(&row)?;
        let company = licence.holder_code.clone();
        let seal = self
            .seals
            .seals(Some(&company))
            .await?
            .into_iter()
            .filter(|s| s.seal_type == OFFICIAL_SEAL && s.created_at <= row.issued_at)
            .max_by_key(|s| s.created_at)
            .ok_or_else(|| EnterpriseError::Replay(format!("no 公章 of {company}")))?;
        let serial = seal.signer_serials.first().cloned().ok_or_else(|| {
            EnterpriseError::Replay(format!("seal {} lists no certificate", seal.id))
        })?;
        let certificate = self
            .authority
            .repo()
            .certificate(&serial)
            .await?
            .filter(|c| c.organization.as_deref() == Some(company.as_str()))
            .ok_or_else(|| EnterpriseError::Replay(format!("no certificate {serial}")))?;
        let issued = self.registry.replay(row).await?;
        Ok(Registered {
            licence: issued,
            certificate,
            chain_pem: None,
            encrypted_key_pem: None,
            seal,
            replayed: true,
        })
    }
}

/// Whether a registration's three parts are all in force (a check for callers and tests).
pub fn all_active(r: &Registered) -> bool {
    r.certificate.status == CertStatus::Valid
        && r.seal.status == SealStatus::Active
        && r.licence.licence.status == Status::Active
}
