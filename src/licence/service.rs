//! The licence service: issuing (draft → QR → face → seal → data signature → blob → row),
//! changing (a new version supersedes the old), suspending, resuming and revoking (audited
//! check-and-set changes, never deletions), reading a licence back, and the signed status.
//! Registrar-style binding: an agency manages only the licences it issued.
//!
//! The sealed file goes to the content-addressed blob store before the row is written: a
//! failure between the two leaves an unreferenced blob (harmless, same content = same key),
//! never a row without its file.
//!
//! Owns the orchestration; must not import HTTP or SQL types, `api`, `app`, `cli` or the store.

use super::blobs::BlobStore;
use super::draft::{Agency, DraftError, draft};
use super::kind::{Catalogue, HolderType, LicenceKind};
use super::metadata::{LONG_TERM, Sealing, canonical_data, metadata};
use super::qr::{self, Claims};
use super::record::{Event, Licence, Status};
use super::repo::{LicenceEventRow, LicenceRepository, LicenceRow, LicenceStoreError, Unique};
use super::vault::Vault;
use super::{IdError, LicenceId};
use crate::crypto::Signer;
use crate::pki::subject::HolderHasher;
use crate::seal::service::{SealRecord, TimestampFn};

/// A TSA function that can be shared across threads (the issuing future is `Send`).
pub type SyncTimestampFn<'a> = &'a (dyn Fn(&[u8]) -> Option<Vec<u8>> + Sync);

/// What issuing needs from the region.
pub struct Registry<'a> {
    /// Licence kinds.
    pub catalogue: &'a Catalogue,
    /// The registry's rows.
    pub repo: &'a dyn LicenceRepository,
    /// Sealed files.
    pub blobs: &'a dyn BlobStore,
    /// Licence data at rest.
    pub vault: &'a Vault,
    /// Hashes persons' identity numbers (holder lookups).
    pub hasher: &'a HolderHasher,
    /// Region code (in the QR).
    pub region: &'a str,
    /// Public base URL (the QR's URL).
    pub public_base: &'a str,
    /// The e-licence QR signer and its certificate.
    pub qr_signer: &'a dyn Signer,
    /// Its certificate (DER).
    pub qr_cert: &'a [u8],
}

/// The issuing agency's seal and signer (the agency's 电子证照专用章, server-side stamping).
pub struct Sealer<'a> {
    /// The seal (must list `cert`).
    pub seal: &'a SealRecord,
    /// The agency's signing key.
    pub signer: &'a dyn Signer,
    /// Its certificate (DER).
    pub cert: &'a [u8],
    /// The chain to carry in the data signature (issuing CA …).
    pub chain: &'a [Vec<u8>],
    /// The region's TSA, for the seal's timestamp (called from inside the sealing, which is
    /// synchronous: an async caller's function must not block its runtime's thread — see
    /// `tokio::task::block_in_place`).
    pub timestamp: Option<SyncTimestampFn<'a>>,
    /// The sealed document's format.
    pub format: DocumentFormat,
}

/// The format of a licence's sealed document: OFD (the national format, the default) or PDF
/// (the same face, sealed as a PDF signature with the SES_Signature in its CMS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    /// OFD (GB/T 33190), sealed per GB/T 38540.
    #[default]
    Ofd,
    /// PDF, sealed by a PDF signature (see [`crate::document::pdf::seal`]).
    Pdf,
}

impl DocumentFormat {
    /// The format of a sealed document's bytes.
    pub fn of(bytes: &[u8]) -> DocumentFormat {
        if bytes.starts_with(b"%PDF-") {
            DocumentFormat::Pdf
        } else {
            DocumentFormat::Ofd
        }
    }

    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentFormat::Ofd => "application/ofd",
            DocumentFormat::Pdf => "application/pdf",
        }
    }
}

/// The agency's active 电子证照专用章 at `now` that lists the certificate `serial` (the seal
/// an issuance by that certificate stamps), if it has one. One rule for the API and the CLI.
pub async fn licence_seal(
    seals: &dyn crate::seal::registry::SealRepository,
    agency: &str,
    serial: &str,
    now: i64,
) -> Result<Option<SealRecord>, crate::pki::repo::RepoError> {
    Ok(seals.seals(Some(agency)).await?.into_iter().find(|s| {
        s.seal_type == "e-licence"
            && s.status == crate::seal::service::SealStatus::Active
            && s.valid_start <= now
            && now < s.valid_end
            && s.signer_serials
                .iter()
                .any(|x| x.eq_ignore_ascii_case(serial))
    }))
}

/// The agency's name as its certificate's subject (`…CN=<name>`) gives it.
pub fn agency_name(subject: &str) -> String {
    subject
        .rsplit("CN=")
        .next()
        .unwrap_or(subject)
        .trim()
        .to_string()
}

/// A request to issue.
pub struct IssueRequest {
    /// Kind key.
    pub kind: String,
    /// The issuing agency (the caller's binding).
    pub agency: Agency,
    /// Field values.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// The caller's key (Idempotency-Key, or a bulk import's row key).
    pub external_key: Option<String>,
    /// Who asks (audit).
    pub actor: String,
}

/// An issued (or replayed) licence.
pub struct Issued {
    /// The licence.
    pub licence: Licence,
    /// The sealed OFD.
    pub document: Vec<u8>,
    /// The text of its QR code.
    pub qr_text: String,
    /// `true` when the external key had already been used: the earlier licence is returned.
    pub replayed: bool,
}

/// Why a licence operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LicenceError {
    /// No such kind.
    #[error("no licence kind `{0}`")]
    UnknownKind(String),
    /// The request is not acceptable (fields, agency not allowed, identifier).
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// No such licence (or not visible to this agency).
    #[error("no licence {0}")]
    NotFound(String),
    /// The licence belongs to another agency.
    #[error("licence {0} was issued by another agency")]
    NotYours(String),
    /// The change is not allowed from the licence's status.
    #[error("licence {id} is {status}: it cannot be {action}")]
    Status {
        /// Identifier.
        id: String,
        /// Its status.
        status: &'static str,
        /// What was asked.
        action: &'static str,
    },
    /// A reason is required (revocation, suspension).
    #[error("a reason is required")]
    ReasonRequired,
    /// Rendering, sealing or signing failed.
    #[error("cannot make the licence file: {0}")]
    Make(String),
    /// The registry failed.
    #[error(transparent)]
    Store(#[from] LicenceStoreError),
}

impl From<IdError> for LicenceError {
    fn from(e: IdError) -> Self {
        LicenceError::NotFound(e.to_string())
    }
}

fn make(e: impl std::fmt::Display) -> LicenceError {
    LicenceError::Make(e.to_string())
}

/// China Standard Time date of `now`.
pub fn today(now: i64) -> time::Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(now)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

impl Registry<'_> {
    fn kind(&self, key: &str) -> Result<&LicenceKind, LicenceError> {
        self.catalogue
            .by_key(key)
            .ok_or_else(|| LicenceError::UnknownKind(key.chars().take(64).collect()))
    }

    /// The holder key stored for lookups: a person's number hashed, an organization's code.
    pub fn holder_hash(&self, kind: &LicenceKind, code: &str) -> String {
        match kind.holder {
            HolderType::Person => self.hasher.hash_id_number(code),
            HolderType::Organization => code.to_string(),
        }
    }

    /// Issue a licence (version 1), or return the one already issued under the same
    /// external key.
    pub async fn issue(
        &self,
        sealer: &Sealer<'_>,
        req: IssueRequest,
        now: i64,
    ) -> Result<Issued, LicenceError> {
        let kind = self.kind(&req.kind)?;
        if let Some(key) = &req.external_key
            && let Some(existing) = self
                .repo
                .by_external_key(&req.agency.credit_code, key)
                .await?
        {
            return self.replay(existing).await;
        }
        let serial = self
            .repo
            .next_serial(&req.agency.credit_code, &kind.type_code)
            .await?;
        let mut licence = draft(
            kind,
            &req.agency,
            &req.values,
            &format!("{serial:010}"),
            1,
            today(now),
            now,
        )?;
        licence.external_key = req.external_key.clone();
        let (row, document, qr_text) = self.make(kind, &licence, sealer, now).await?;
        let event = LicenceEventRow {
            licence: row.identifier.clone(),
            event: Event::Issue,
            actor: req.actor.clone(),
            reason: None,
            at: now,
        };
        match self.repo.insert_issued(&row, &event).await {
            Ok(()) => Ok(Issued {
                licence,
                document,
                qr_text,
                replayed: false,
            }),
            // A concurrent retry with the same key won the race: return its licence.
            Err(LicenceStoreError::Duplicate {
                what: Unique::ExternalKey,
            }) => {
                let key = req.external_key.as_deref().unwrap_or_default();
                match self
                    .repo
                    .by_external_key(&req.agency.credit_code, key)
                    .await?
                {
                    Some(existing) => self.replay(existing).await,
                    None => Err(LicenceError::Store(LicenceStoreError::Conflict(
                        "external key".into(),
                    ))),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The licence a row holds with its sealed file and QR text, marked replayed (what a retry
    /// with the same external key is given).
    pub async fn replay(&self, row: LicenceRow) -> Result<Issued, LicenceError> {
        let licence = self.licence(&row)?;
        let document = self
            .blobs
            .get(&row.document_sha256)
            .await
            .map_err(make)?
            .ok_or_else(|| make("the sealed file is missing from the blob store"))?;
        // The text printed on the face; rows from before it was kept get the claims signed anew.
        let qr_text = match &row.qr_text {
            Some(t) => t.clone(),
            None => self.qr_text(self.kind(&row.kind)?, &licence)?,
        };
        Ok(Issued {
            licence,
            document,
            qr_text,
            replayed: true,
        })
    }

    fn qr_text(&self, kind: &LicenceKind, licence: &Licence) -> Result<String, LicenceError> {
        self.signed_qr(kind, licence, None)
    }

    /// The dynamic QR of a holder showing the licence of `row` (亮证): the printed QR's claims
    /// and the showing's times (`at`, valid `until`), signed by the QR signer; the QR's text.
    pub fn show_qr(&self, row: &LicenceRow, at: i64, until: i64) -> Result<String, LicenceError> {
        let kind = self.kind(&row.kind)?;
        let licence = self.licence(row)?;
        self.signed_qr(kind, &licence, Some(qr::Shown { at, until }))
    }

    fn signed_qr(
        &self,
        kind: &LicenceKind,
        licence: &Licence,
        shown: Option<qr::Shown>,
    ) -> Result<String, LicenceError> {
        let claims = Claims {
            region: self.region.to_string(),
            identifier: licence.id.to_string(),
            version: licence.id.version,
            type_code: kind.type_code.clone(),
            holder_name: licence.holder_name.clone(),
            valid_to: licence
                .valid_to
                .clone()
                .unwrap_or_else(|| LONG_TERM.to_string()),
            data_sm3: crate::crypto::sm3(&canonical_data(licence, kind)),
            shown,
        };
        let payload = qr::sign(&claims, self.qr_signer, self.qr_cert).map_err(make)?;
        Ok(qr::url(self.public_base, &payload))
    }

    /// QR, face, seal, data signature and blob: the row to store.
    async fn make(
        &self,
        kind: &LicenceKind,
        licence: &Licence,
        sealer: &Sealer<'_>,
        now: i64,
    ) -> Result<(LicenceRow, Vec<u8>, String), LicenceError> {
        let qr_text = self.qr_text(kind, licence)?;
        let canonical = canonical_data(licence, kind);
        let sealing = Sealing {
            sealer: licence.issuer_name.clone(),
            time: crate::clock::rfc3339(now),
            seal_name: sealer.seal.name.clone(),
        };
        let meta = metadata(licence, kind, Some(&sealing));
        let render = match sealer.format {
            DocumentFormat::Ofd => super::face::render,
            DocumentFormat::Pdf => super::face::render_pdf,
        };
        let face = render(licence, kind, &qr_text, &meta, now).map_err(|e| match e {
            // A picture that is not a printable PNG is the caller's field error.
            super::face::FaceError::Photo { field, reason } => {
                LicenceError::Draft(DraftError::Fields(vec![super::fields::FieldError {
                    field,
                    reason,
                }]))
            }
            other => make(other),
        })?;
        let sealed = match sealer.format {
            DocumentFormat::Ofd => crate::document::ofd_write::seal_ofd(
                &face,
                sealer.seal,
                sealer.signer,
                sealer.cert,
                crate::document::ofd_write::Placement::At {
                    page: 0,
                    x_mm: kind.face.seal.x,
                    y_mm: kind.face.seal.y,
                },
                now,
                sealer.timestamp.map(|f| f as TimestampFn<'_>),
            )
            .map_err(make)?,
            DocumentFormat::Pdf => {
                let ts = sealer.timestamp.map(|f| f as TimestampFn<'_>);
                // The region's TSA stamps with SM3: the CMS of an SM2 signer takes it too.
                let cms_ts = match sealer.signer.algorithm() {
                    crate::crypto::Algorithm::Sm2 => ts,
                    crate::crypto::Algorithm::P256 => None,
                };
                crate::document::pdf::seal(
                    &face,
                    sealer.seal,
                    sealer.signer,
                    sealer.cert,
                    sealer.chain,
                    &crate::document::pdf::SealPlacement::At {
                        page: 0,
                        x_mm: kind.face.seal.x,
                        y_mm: kind.face.seal.y,
                    },
                    &crate::document::pdf::SignOptions {
                        field_name: "Seal1".into(),
                        time: now,
                        ..Default::default()
                    },
                    ts,
                    cms_ts,
                )
                .map_err(make)?
            }
        };
        let data_signature = crate::document::cms::sign_detached(
            &canonical,
            sealer.signer,
            sealer.cert,
            sealer.chain,
            now,
            None,
        )
        .map_err(make)?;
        let document_sha256 = self.blobs.put(&sealed).await.map_err(make)?;
        let id = licence.id.to_string();
        let row = LicenceRow {
            identifier: id.clone(),
            lineage: licence.id.lineage(),
            kind: kind.key.clone(),
            type_code: kind.type_code.clone(),
            issuer_code: licence.issuer_code.clone(),
            issuer_name: licence.issuer_name.clone(),
            serial: licence.id.serial.clone(),
            version: licence.id.version,
            holder_name: licence.holder_name.clone(),
            holder_hash: self.holder_hash(kind, &licence.holder_code),
            number: licence.number.clone(),
            issue_date: licence.issue_date.clone(),
            valid_from: licence.valid_from.clone(),
            valid_to: licence.valid_to.clone(),
            status: licence.status,
            superseded_by: None,
            status_reason: None,
            external_key: licence.external_key.clone(),
            data: self.vault.seal(&id, &licence.values).map_err(make)?,
            data_signature,
            document_sha256,
            issued_at: now,
            updated_at: now,
            qr_text: Some(qr_text.clone()),
        };
        Ok((row, sealed, qr_text))
    }

    /// The licence a row holds (its values decrypted).
    pub fn licence(&self, row: &LicenceRow) -> Result<Licence, LicenceError> {
        let values = self.vault.open(&row.identifier, &row.data).map_err(make)?;
        let kind = self.kind(&row.kind)?;
        let text = |k: &str| values.text.get(k).cloned().unwrap_or_default();
        Ok(Licence {
            id: LicenceId::parse(&row.identifier)?,
            kind: row.kind.clone(),
            issuer_code: row.issuer_code.clone(),
            issuer_name: row.issuer_name.clone(),
            holder_name: row.holder_name.clone(),
            holder_code: text(&kind.holder_code_field),
            number: row.number.clone(),
            issue_date: row.issue_date.clone(),
            valid_from: row.valid_from.clone(),
            valid_to: row.valid_to.clone(),
            values,
            status: row.status,
            superseded_by: row.superseded_by.clone(),
            status_reason: row.status_reason.clone(),
            external_key: row.external_key.clone(),
            issued_at: row.issued_at,
        })
    }

    /// A row the agency may manage.
    pub async fn owned(&self, id: &str, agency: &str) -> Result<LicenceRow, LicenceError> {
        let row = self
            .repo
            .by_identifier(id)
            .await?
            .ok_or_else(|| LicenceError::NotFound(id.chars().take(100).collect()))?;
        if row.issuer_code != agency {
            return Err(LicenceError::NotYours(row.identifier));
        }
        Ok(row)
    }

    /// Change (变更): a new version with `values`, the old one superseded.
    pub async fn change(
        &self,
        sealer: &Sealer<'_>,
        id: &str,
        agency: &Agency,
        values: &serde_json::Map<String, serde_json::Value>,
        actor: &str,
        now: i64,
    ) -> Result<Issued, LicenceError> {
        let old = self.owned(id, &agency.credit_code).await?;
        if !old.status.may_become(Status::Superseded) {
            return Err(LicenceError::Status {
                id: old.identifier,
                status: old.status.name(),
                action: "changed",
            });
        }
        let kind = self.kind(&old.kind)?;
        let next_version = old
            .version
            .checked_add(1)
            .filter(|v| *v <= 999)
            .ok_or_else(|| make("a licence has at most 999 versions"))?;
        let licence = draft(
            kind,
            agency,
            values,
            &old.serial,
            next_version,
            today(now),
            now,
        )?;
        let (row, document, qr_text) = self.make(kind, &licence, sealer, now).await?;
        let ev = |licence: &str, event| LicenceEventRow {
            licence: licence.to_string(),
            event,
            actor: actor.to_string(),
            reason: None,
            at: now,
        };
        self.repo
            .supersede(
                &old.identifier,
                &row,
                &ev(&old.identifier, Event::Supersede),
                &ev(&row.identifier, Event::Issue),
            )
            .await?;
        Ok(Issued {
            licence,
            document,
            qr_text,
            replayed: false,
        })
    }

    /// Suspend, resume or revoke.
    pub async fn set_status(
        &self,
        id: &str,
        agency: &str,
        event: Event,
        reason: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<LicenceRow, LicenceError> {
        let row = self.owned(id, agency).await?;
        let (to, action) = match event {
            Event::Suspend => (Status::Suspended, "suspended"),
            Event::Resume => (Status::Active, "resumed"),
            Event::Revoke => (Status::Revoked, "revoked"),
            Event::Issue | Event::Supersede => {
                return Err(make("not a status change"));
            }
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if matches!(event, Event::Suspend | Event::Revoke) && reason.is_none() {
            return Err(LicenceError::ReasonRequired);
        }
        if !row.status.may_become(to) {
            return Err(LicenceError::Status {
                id: row.identifier,
                status: row.status.name(),
                action,
            });
        }
        let from = match event {
            Event::Resume => vec![Status::Suspended],
            _ => vec![Status::Active, Status::Suspended],
        };
        let reason = reason.map(crate::pki::identifiers::redact_id_numbers);
        self.repo
            .set_status(
                &row.identifier,
                &from,
                to,
                reason.as_deref(),
                &LicenceEventRow {
                    licence: row.identifier.clone(),
                    event,
                    actor: actor.to_string(),
                    reason: reason.clone(),
                    at: now,
                },
            )
            .await?;
        self.repo
            .by_identifier(&row.identifier)
            .await?
            .ok_or_else(|| LicenceError::NotFound(row.identifier.clone()))
    }
}

/// The statement of a licence version's status (no personal data), as of `now`.
pub async fn statement(
    repo: &dyn LicenceRepository,
    region: &str,
    id: &str,
    now: i64,
    validity: i64,
) -> Result<super::status::Statement, LicenceError> {
    let row = repo
        .status_of(id)
        .await?
        .ok_or_else(|| LicenceError::NotFound(id.chars().take(100).collect()))?;
    let current = super::repo::current_identifier(
        repo,
        &row.identifier,
        &row.lineage,
        row.superseded_by.as_deref(),
    )
    .await?;
    let status = super::record::effective_status(row.status, row.valid_to.as_deref(), today(now));
    Ok(super::status::Statement {
        format: super::status::FORMAT.into(),
        region: region.into(),
        identifier: row.identifier.clone(),
        version: row.version,
        status: status.into(),
        current_identifier: current,
        valid_to: row.valid_to.unwrap_or_else(|| LONG_TERM.to_string()),
        produced_at: crate::clock::rfc3339(now),
        next_update: crate::clock::rfc3339(now.saturating_add(validity.max(1))),
    })
}

/// A licence version as its issuing agency or an auditor sees it: the record, its effective
/// status on `now`, and its fields — sensitive ones (and any the kind does not know) masked
/// unless `unmasked`, pictures as `(image)`.
pub fn view(
    catalogue: &Catalogue,
    row: &LicenceRow,
    licence: &Licence,
    unmasked: bool,
    now: i64,
) -> serde_json::Value {
    let kind = catalogue.by_key(&row.kind);
    let mut fields = serde_json::Map::new();
    for (k, v) in &licence.values.text {
        let sensitive = kind.and_then(|kd| kd.field(k)).is_none_or(|f| f.sensitive);
        let shown = if sensitive && !unmasked {
            super::fields::mask(v)
        } else {
            v.clone()
        };
        fields.insert(k.clone(), serde_json::Value::String(shown));
    }
    for k in licence.values.images.keys() {
        fields.insert(k.clone(), serde_json::Value::String("(image)".into()));
    }
    serde_json::json!({
        "identifier": row.identifier,
        "kind": row.kind,
        "version": row.version,
        "status": licence.effective_status(today(now)),
        "superseded_by": row.superseded_by,
        "status_reason": row.status_reason,
        "issuer_code": row.issuer_code,
        "issuer_name": row.issuer_name,
        "holder_name": row.holder_name,
        "number": row.number,
        "issue_date": row.issue_date,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "external_key": row.external_key,
        "document_sha256": row.document_sha256,
        "fields": fields,
    })
}
