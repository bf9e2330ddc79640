//! `yinxin licence issue | change | suspend | resume | revoke | show | document`: the licence
//! registry of a region operated from its data directory, with the same service as the API
//! (`POST /v1/licences` …): [`crate::licence::service::Registry`].
//!
//! Issuing needs the agency's signing key in the key store (`signer-<serial>`, imported with
//! `yinxin token create --role licence-issuer|signer --cert SERIAL --key …`) and the agency's
//! active e-licence seal (电子证照专用章) listing that certificate; the seal is timestamped by the
//! region's own TSA, in-process.
//!
//! Owns: opening the licence registry of a data directory with its keys ([`Opened`]), the
//! agency's sealer ([`AgencySealer`]), and these commands' arguments and output. Shared with
//! [`super::licence_import`]. No domain logic: the rules are `licence::service`'s.

use super::CliError;
use super::common::{DataArgs, actor, open_store, passphrase, write_new};
use crate::crypto::{Passphrase, Signer, SoftwareSigner};
use crate::licence::blobs::BlobStore;
use crate::licence::repo::LicenceRepository;
use crate::licence::service::SyncTimestampFn;
use crate::licence::service::{IssueRequest, Issued, LicenceError, Registry, Sealer};
use crate::licence::vault::Vault;
use crate::licence::{Agency, Catalogue, Event};
use crate::pki::region::{Region, RegionError};
use crate::pki::repo::{CertStatus, Repository};
use crate::seal::service::SealRecord;
use crate::status::tsa::TsaService;
use crate::store::{FsBlobStore, Store};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;

/// The data directory, the agency and the key store passphrase (every registry command).
#[derive(clap::Args, Debug)]
pub struct AgencyArgs {
    #[command(flatten)]
    pub(super) data: DataArgs,
    /// The agency's unified social credit code (it manages only the licences it issued).
    #[arg(long)]
    pub(super) agency: String,
    /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
    #[arg(long)]
    pub(super) key_passphrase_file: Option<PathBuf>,
}

// `licence issue` (its about is the variant's doc comment in `LicenceCommand`).
#[derive(clap::Args, Debug)]
pub struct IssueArgs {
    #[command(flatten)]
    on: AgencyArgs,
    /// Licence kind key (see `yinxin licence kinds`).
    #[arg(long)]
    kind: String,
    /// Serial of the agency's certificate: its key is in the key store (yinxin token create --cert --key) and the agency's active e-licence seal lists it.
    #[arg(long)]
    cert: String,
    /// JSON file with the field values: an object of field key to text (pictures in base64).
    #[arg(long)]
    values: PathBuf,
    /// Your key for this licence (1 to 128 characters): issuing again with the same key gives back the licence already issued.
    #[arg(long)]
    external_key: Option<String>,
    /// Where to write the sealed OFD (must not exist).
    #[arg(long)]
    out: PathBuf,
}

// `licence change`.
#[derive(clap::Args, Debug)]
pub struct ChangeArgs {
    #[command(flatten)]
    on: AgencyArgs,
    /// The identifier of the version to change.
    id: String,
    /// JSON file with the new version's field values (all of them, not only the changed ones).
    #[arg(long)]
    values: PathBuf,
    /// Serial of the agency's certificate that seals the new version (as for issue).
    #[arg(long)]
    cert: String,
    /// Where to write the new version's sealed OFD (must not exist).
    #[arg(long)]
    out: PathBuf,
}

// `licence suspend | resume | revoke`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    on: AgencyArgs,
    /// The licence identifier.
    id: String,
    /// Why (required to suspend or revoke; kept with the licence and in its events).
    #[arg(long)]
    reason: Option<String>,
}

// `licence show`.
#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    on: AgencyArgs,
    /// The licence identifier.
    id: String,
    /// Show sensitive fields (identity numbers …) in full instead of masked.
    #[arg(long)]
    unmasked: bool,
}

// `licence document`.
#[derive(clap::Args, Debug)]
pub struct DocumentArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The licence identifier.
    id: String,
    /// Where to write the sealed OFD (must not exist).
    #[arg(long)]
    out: PathBuf,
}

/// A region's licence registry opened from its data directory, with the keys it needs (QR
/// signer, data vault, holder hasher).
pub(super) struct Opened {
    pub(super) store: Arc<Store>,
    region: Region,
    code: String,
    public_base: String,
    pub(super) catalogue: Catalogue,
    blobs: FsBlobStore,
    vault: Vault,
    hasher: crate::pki::subject::HolderHasher,
    qr: (Arc<dyn Signer>, Vec<u8>),
    pass: Passphrase,
}

impl Opened {
    /// Open the registry of `data`, its keys decrypted with the key store passphrase.
    pub(super) async fn open(
        data: &DataArgs,
        pass_file: Option<&Path>,
    ) -> Result<Opened, CliError> {
        let pass = passphrase(pass_file, "key store passphrase")?;
        let (config, store) = open_store(data).await?;
        let store = Arc::new(store);
        let catalogue = crate::app::licence_catalogue(&data.data_dir)?;
        let region = Region::from_parts(&data.data_dir, config, store.clone()).await?;
        let qr = match region.service_signer("sm2-licence-qr-signer", &pass).await {
            Ok(q) => q,
            Err(RegionError::Inconsistent(m)) => {
                return Err(CliError(format!(
                    "this region issues no e-licences: {m} (it was created before e-licences)"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let hasher = crate::pki::region::load_holder_hasher(&data.data_dir, &pass)?;
        Ok(Opened {
            code: region.config.region.code.clone(),
            public_base: region.public_urls().base,
            vault: Vault::new(&hasher),
            hasher,
            blobs: FsBlobStore::in_data_dir(&data.data_dir),
            catalogue,
            region,
            store,
            qr,
            pass,
        })
    }

    /// The region (its issuing authority, seal maker …).
    pub(super) fn region(&self) -> &Region {
        &self.region
    }

    /// The key store passphrase.
    pub(super) fn passphrase(&self) -> &Passphrase {
        &self.pass
    }

    /// The public base URL.
    pub(super) fn public_base(&self) -> &str {
        &self.public_base
    }

    /// The licence service over this registry.
    pub(super) fn registry(&self) -> Registry<'_> {
        Registry {
            catalogue: &self.catalogue,
            repo: self.store.as_ref(),
            blobs: &self.blobs,
            vault: &self.vault,
            hasher: &self.hasher,
            region: &self.code,
            public_base: &self.public_base,
            qr_signer: self.qr.0.as_ref(),
            qr_cert: &self.qr.1,
        }
    }

    /// The sealer of `agency` with its certificate `serial`: the certificate (valid, not
    /// another organization's), its key from the key store, its issuing CA, the agency's name
    /// (the certificate's CN), the agency's active e-licence seal listing it, the region's TSA.
    pub(super) async fn sealer(
        &self,
        agency: &str,
        serial: &str,
    ) -> Result<AgencySealer, CliError> {
        crate::pki::identifiers::check_credit_code(agency)
            .map_err(|e| CliError(format!("--agency: {e}")))?;
        let rec = self
            .store
            .certificate(serial.trim())
            .await?
            .ok_or_else(|| CliError(format!("no certificate with serial {serial}")))?;
        if rec.status != CertStatus::Valid {
            return Err(CliError(format!(
                "certificate {} is {}",
                rec.serial,
                rec.status.as_str()
            )));
        }
        if rec.organization.as_deref().is_some_and(|o| o != agency) {
            return Err(CliError(format!(
                "certificate {} belongs to another organization than {agency}",
                rec.serial
            )));
        }
        let key = self
            .region
            .key_store()
            .load(&format!("signer-{}", rec.serial), &self.pass)
            .map_err(|e| {
                CliError(format!(
                    "no key is held for certificate {} ({e}): import it with yinxin token create --role licence-issuer --cert {} --key KEY.pem",
                    rec.serial, rec.serial
                ))
            })?;
        let signer = key.signer()?;
        let chain: Vec<Vec<u8>> = self
            .store
            .cas()
            .await?
            .into_iter()
            .filter(|c| c.id == rec.issuer_ca)
            .map(|c| c.der)
            .collect();
        let now = crate::clock::now_secs();
        let seal =
            crate::licence::service::licence_seal(self.store.as_ref(), agency, &rec.serial, now)
                .await?
                .ok_or_else(|| {
                    CliError(format!(
                        "agency {agency} has no active 电子证照专用章 (e-licence seal) listing certificate {}: make one with yinxin seal create --type e-licence --holder {agency} --signer {}",
                        rec.serial, rec.serial
                    ))
                })?;
        let name = crate::licence::service::agency_name(&rec.subject);
        Ok(AgencySealer {
            agency: Agency {
                credit_code: agency.to_string(),
                name,
            },
            seal,
            signer,
            cert: rec.der,
            chain,
            tsa: tsa_service(&self.region, &self.store, &self.pass).await?,
            ts_error: Mutex::new(None),
        })
    }
}

/// The region's time-stamping units (both algorithms), in-process.
async fn tsa_service(
    region: &Region,
    store: &Arc<Store>,
    pass: &Passphrase,
) -> Result<TsaService, CliError> {
    let mut units = Vec::new();
    for alg in crate::crypto::Algorithm::ALL {
        let (signer, cert_der) = region.service_signer(&format!("{alg}-tsa"), pass).await?;
        units.push((alg, crate::status::tsp::TsaUnit { signer, cert_der }));
    }
    Ok(TsaService::new(
        units,
        store.clone(),
        Arc::new(crate::clock::SystemClock),
    ))
}

/// What seals an agency's licences.
pub(super) struct AgencySealer {
    pub(super) agency: Agency,
    seal: SealRecord,
    signer: SoftwareSigner,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
    tsa: TsaService,
    /// Why the last timestamp was not given, if it was not.
    ts_error: Mutex<Option<String>>,
}

impl AgencySealer {
    /// A timestamp token over `sig` from the region's TSA (SM3 imprint). The sealing code asks
    /// synchronously: this worker blocks on the TSA (its serials come from the database).
    pub(super) fn timestamp(&self, sig: &[u8]) -> Option<Vec<u8>> {
        self.timestamp_noting(sig, &self.ts_error)
    }

    /// [`AgencySealer::timestamp`], noting why none was given in `problem` (one issuing's own
    /// note, so that issuings running at once do not take each other's).
    fn timestamp_noting(&self, sig: &[u8], problem: &Mutex<Option<String>>) -> Option<Vec<u8>> {
        use crate::status::tsp;
        let got = (|| {
            let req = tsp::build_request(tsp::TsHash::Sm3, &crate::crypto::sm3(sig), None, true)
                .map_err(|e| e.to_string())?;
            let resp = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(self.tsa.respond(&req))
            });
            let parsed = tsp::parse_response(&resp).map_err(|e| e.to_string())?;
            let failures = parsed.failures();
            parsed
                .token
                .map(|t| t.der)
                .ok_or_else(|| format!("the TSA refused: {failures:?}"))
        })();
        match got {
            Ok(t) => Some(t),
            Err(e) => {
                problem
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
                None
            }
        }
    }

    /// The service's [`Sealer`] over this agency's seal and key, timestamped with `ts` (a
    /// closure over [`AgencySealer::timestamp`]).
    pub(super) fn sealer<'a>(&'a self, ts: SyncTimestampFn<'a>) -> Sealer<'a> {
        self.ts_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        Sealer {
            seal: &self.seal,
            signer: &self.signer,
            cert: &self.cert,
            chain: &self.chain,
            timestamp: Some(ts),
            format: crate::licence::service::DocumentFormat::Ofd,
        }
    }

    /// Why the seal made since [`AgencySealer::sealer`] has no timestamp, if it has none.
    pub(super) fn timestamp_problem(&self) -> Option<String> {
        self.ts_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Issue one licence: the result and, when the TSA gave no timestamp, why. Several may run
    /// at once on one sealer (bulk import).
    pub(super) async fn issue(
        &self,
        reg: &Registry<'_>,
        req: IssueRequest,
    ) -> Result<(Issued, Option<String>), LicenceError> {
        let problem = Mutex::new(None);
        let ts = |sig: &[u8]| self.timestamp_noting(sig, &problem);
        let sealer = Sealer {
            seal: &self.seal,
            signer: &self.signer,
            cert: &self.cert,
            chain: &self.chain,
            timestamp: Some(&ts),
            format: crate::licence::service::DocumentFormat::Ofd,
        };
        let issued = reg.issue(&sealer, req, crate::clock::now_secs()).await?;
        Ok((
            issued,
            problem.into_inner().unwrap_or_else(|p| p.into_inner()),
        ))
    }
}

/// The field values in `path`: a JSON object.
fn read_values(path: &Path) -> Result<serde_json::Map<String, Value>, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(CliError(format!(
            "{}: the values are a JSON object of field key to text",
            path.display()
        ))),
        Err(e) => Err(CliError(format!("{}: {e}", path.display()))),
    }
}

/// Refuse an output file that exists before anything is issued.
fn check_out(out: &Path) -> Result<(), CliError> {
    if out.exists() {
        return Err(CliError(format!(
            "{} exists: give a new file",
            out.display()
        )));
    }
    Ok(())
}

/// What `issue` and `change` print.
fn issued_json(opened: &Opened, i: &Issued, out: &Path) -> Value {
    json!({
        "identifier": i.licence.id.to_string(),
        "kind": i.licence.kind,
        "version": i.licence.id.version,
        "status": i.licence.status.name(),
        "number": i.licence.number,
        "holder_name": i.licence.holder_name,
        "issue_date": i.licence.issue_date,
        "valid_to": i.licence.valid_to,
        "qr": i.qr_text,
        "status_url": format!("{}/v1/licences/{}/status", opened.public_base, i.licence.id),
        "replayed": i.replayed,
        "out": out.display().to_string(),
    })
}

/// Write the sealed file and print the licence; warn when the seal has no timestamp.
fn report(
    opened: &Opened,
    i: &Issued,
    ts_problem: Option<String>,
    out: &Path,
) -> Result<(), CliError> {
    write_new(out, &i.document, false)?;
    if let Some(p) = ts_problem {
        eprintln!("warning: the seal carries no timestamp: {p}");
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&issued_json(opened, i, out))?
    );
    Ok(())
}

/// `yinxin licence issue`.
pub(super) async fn issue(a: IssueArgs) -> Result<(), CliError> {
    check_out(&a.out)?;
    let values = read_values(&a.values)?;
    if let Some(k) = &a.external_key {
        check_key(k).map_err(|e| CliError(format!("--external-key: {e}")))?;
    }
    let opened = Opened::open(&a.on.data, a.on.key_passphrase_file.as_deref()).await?;
    let sealer = opened.sealer(&a.on.agency, &a.cert).await?;
    let reg = opened.registry();
    let req = IssueRequest {
        kind: a.kind,
        agency: sealer.agency.clone(),
        values,
        external_key: a.external_key,
        actor: actor(),
    };
    let (issued, ts_problem) = sealer.issue(&reg, req).await?;
    report(&opened, &issued, ts_problem, &a.out)
}

/// Whether `k` may be an external key: 1 to 128 characters, no control characters (as the
/// API's `Idempotency-Key`).
pub(super) fn check_key(k: &str) -> Result<(), String> {
    if k.is_empty() || k.chars().count() > 128 || k.chars().any(char::is_control) {
        return Err("an external key is 1 to 128 printable characters".into());
    }
    Ok(())
}

/// `yinxin licence change`.
pub(super) async fn change(a: ChangeArgs) -> Result<(), CliError> {
    check_out(&a.out)?;
    let values = read_values(&a.values)?;
    let opened = Opened::open(&a.on.data, a.on.key_passphrase_file.as_deref()).await?;
    let sealer = opened.sealer(&a.on.agency, &a.cert).await?;
    let reg = opened.registry();
    let ts = |sig: &[u8]| sealer.timestamp(sig);
    let issued = reg
        .change(
            &sealer.sealer(&ts),
            &a.id,
            &sealer.agency,
            &values,
            &actor(),
            crate::clock::now_secs(),
        )
        .await?;
    report(&opened, &issued, sealer.timestamp_problem(), &a.out)
}

/// `yinxin licence suspend | resume | revoke`.
pub(super) async fn set_status(a: StatusArgs, event: Event) -> Result<(), CliError> {
    let opened = Opened::open(&a.on.data, a.on.key_passphrase_file.as_deref()).await?;
    let row = opened
        .registry()
        .set_status(
            &a.id,
            &a.on.agency,
            event,
            a.reason.as_deref(),
            &actor(),
            crate::clock::now_secs(),
        )
        .await?;
    println!(
        "{}",
        json!({
            "identifier": row.identifier,
            "status": row.status.name(),
            "status_reason": row.status_reason,
        })
    );
    Ok(())
}

/// `yinxin licence show`: the record as its agency sees it, sensitive fields masked unless
/// `--unmasked`, and its events.
pub(super) async fn show(a: ShowArgs) -> Result<(), CliError> {
    let opened = Opened::open(&a.on.data, a.on.key_passphrase_file.as_deref()).await?;
    let reg = opened.registry();
    let row = reg.owned(&a.id, &a.on.agency).await?;
    let licence = reg.licence(&row)?;
    let events = opened.store.events(&row.identifier).await?;
    let mut v = crate::licence::service::view(
        &opened.catalogue,
        &row,
        &licence,
        a.unmasked,
        crate::clock::now_secs(),
    );
    v["events"] = events
        .iter()
        .map(|e| {
            json!({
                "event": e.event.name(),
                "actor": e.actor,
                "reason": e.reason,
                "at": crate::clock::rfc3339(e.at),
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// `yinxin licence document`: the sealed OFD as stored (its SHA-256 checked on reading).
pub(super) async fn document(a: DocumentArgs) -> Result<(), CliError> {
    check_out(&a.out)?;
    let (_, store) = open_store(&a.data).await?;
    let row = store.by_identifier(&a.id).await?.ok_or_else(|| {
        CliError(format!(
            "no licence {}",
            a.id.chars().take(100).collect::<String>()
        ))
    })?;
    let bytes = FsBlobStore::in_data_dir(&a.data.data_dir)
        .get(&row.document_sha256)
        .await?
        .ok_or_else(|| {
            CliError(format!(
                "the sealed file of {} is missing from the blob store",
                row.identifier
            ))
        })?;
    write_new(&a.out, &bytes, false)?;
    println!(
        "{}",
        json!({"identifier": row.identifier, "out": a.out.display().to_string(), "bytes": bytes.len(), "sha256": row.document_sha256})
    );
    Ok(())
}
