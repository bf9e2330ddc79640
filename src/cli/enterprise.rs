//! `yinxin enterprise register`: 同步发放 from the command line — a new company's organization
//! certificate, 公章 and business licence in one step, all three or none, with the same
//! orchestration as `POST /v1/enterprises` ([`crate::licence::enterprise`]).
//!
//! The registration authority is named by its certificate (`--authority-cert`): the
//! certificate's organization is the authority's credit code, its key is in the key store
//! (`yinxin token create --role registration-authority --cert … --key …`) and the authority's
//! active e-licence seal lists it. Writes `cert.pem`, `chain.pem`, `key.pem` (generated keys,
//! encrypted under `--key-passphrase-file`), `licence.ofd` and `seal.esl` into `--out`.
//!
//! Owns: this command's arguments and output, and [`register`] (also the library entry of
//! tests, which alone may set the failure hook). No domain logic.

use super::CliError;
use super::common::{DataArgs, actor, write_new};
use super::licence_issue::{Opened, check_key};
use crate::crypto::{Algorithm, Passphrase};
use crate::licence::enterprise::{Enterprises, Registration, Step};
use crate::pki::authority::KeySource;
use crate::pki::repo::Repository;
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Enterprise commands.
#[derive(Subcommand, Debug)]
pub enum EnterpriseCommand {
    /// Register a new company (同步发放): its organization certificate, its 公章 listing that
    /// certificate and its business licence, all three or none; write them into --out.
    Register(RegisterArgs),
}

/// `enterprise register`.
#[derive(clap::Args, Debug)]
pub struct RegisterArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Serial of the registration authority's certificate: its key is in the key store and the authority's active e-licence seal lists it.
    #[arg(long)]
    authority_cert: String,
    /// JSON file with the business licence's field values (name, credit_code, …).
    #[arg(long)]
    registration: PathBuf,
    /// File with the passphrase protecting the generated key (written encrypted to key.pem).
    #[arg(long)]
    key_passphrase_file: Option<PathBuf>,
    /// The company's certificate request (PEM) instead of a generated key.
    #[arg(long, conflicts_with = "key_passphrase_file")]
    csr: Option<PathBuf>,
    /// Key algorithm: sm2 or p256.
    #[arg(long, default_value = "sm2")]
    algorithm: String,
    /// The name on the 公章 (default: the company's name).
    #[arg(long)]
    seal_name: Option<String>,
    /// Your key for this registration (1 to 128 characters): registering again with it gives back the same three.
    #[arg(long)]
    external_key: Option<String>,
    /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
    #[arg(long)]
    ca_passphrase_file: Option<PathBuf>,
    /// Directory to write cert.pem, chain.pem, key.pem, licence.ofd and seal.esl into.
    #[arg(long)]
    out: PathBuf,
}

impl RegisterArgs {
    /// The arguments of `enterprise register` from words (`--data-dir D …`), for callers of
    /// [`register`] through the library.
    pub fn parse_words<I: IntoIterator<Item = T>, T: Into<std::ffi::OsString> + Clone>(
        words: I,
    ) -> Result<Self, CliError> {
        use clap::{Args, FromArgMatches};
        let cmd = Self::augment_args(clap::Command::new("register").no_binary_name(true));
        let m = cmd.try_get_matches_from(words)?;
        Ok(Self::from_arg_matches(&m)?)
    }
}

/// Runs an enterprise command.
pub(super) async fn run(cmd: EnterpriseCommand) -> Result<(), CliError> {
    match cmd {
        EnterpriseCommand::Register(a) => {
            let v = register(a, None).await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    Ok(())
}

const FILES: [&str; 5] = [
    "cert.pem",
    "chain.pem",
    "key.pem",
    "licence.ofd",
    "seal.esl",
];

/// Register a company as `yinxin enterprise register` does; what it prints. `fail_after` is
/// the failure hook of tests (the command passes `None`).
pub async fn register(a: RegisterArgs, fail_after: Option<Step>) -> Result<Value, CliError> {
    let values = match serde_json::from_slice(
        &std::fs::read(&a.registration)
            .map_err(|e| CliError(format!("cannot read {}: {e}", a.registration.display())))?,
    ) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(CliError(format!(
                "{}: the registration is a JSON object of field key to text",
                a.registration.display()
            )));
        }
        Err(e) => return Err(CliError(format!("{}: {e}", a.registration.display()))),
    };
    if let Some(k) = &a.external_key {
        check_key(k).map_err(|e| CliError(format!("--external-key: {e}")))?;
    }
    let algorithm: Algorithm = a.algorithm.parse()?;
    let key = match (&a.csr, &a.key_passphrase_file) {
        (Some(csr), None) => KeySource::Csr(
            std::fs::read(csr)
                .map_err(|e| CliError(format!("cannot read {}: {e}", csr.display())))?,
        ),
        (None, Some(f)) => KeySource::Generate(Passphrase::from_file(f)?),
        _ => {
            return Err(CliError(
                "give --key-passphrase-file (a key is generated) or --csr".into(),
            ));
        }
    };
    check_out(&a.out)?;
    let opened = Opened::open(&a.data, a.ca_passphrase_file.as_deref()).await?;
    let serial = a.authority_cert.trim();
    let code = opened
        .store
        .certificate(serial)
        .await?
        .and_then(|c| c.organization)
        .ok_or_else(|| {
            CliError(format!(
                "no organization certificate with serial {serial} (the registration authority's)"
            ))
        })?;
    let agency = opened.sealer(&code, serial).await?;
    let region = opened.region();
    let authority = region.authority(opened.passphrase(), &[algorithm]).await?;
    let (maker, maker_cert) = region.seal_maker(opened.passphrase()).await?;
    let reg = opened.registry();
    let ts = |sig: &[u8]| agency.timestamp(sig);
    let sealer = agency.sealer(&ts);
    let enterprises = Enterprises {
        authority: &authority,
        seals: opened.store.as_ref(),
        seal_maker: maker.as_ref(),
        seal_maker_cert: &maker_cert,
        registry: &reg,
        sealer: &sealer,
        on_revoked: None,
        fail_after,
    };
    let r = enterprises
        .register(
            Registration {
                values,
                key,
                algorithm,
                seal_name: a.seal_name,
                authority: agency.agency.clone(),
                external_key: a.external_key,
                actor: actor(),
            },
            crate::clock::now_secs(),
        )
        .await?;
    if let Some(p) = agency.timestamp_problem() {
        eprintln!("warning: the licence's seal carries no timestamp: {p}");
    }
    let pem = crate::pki::cert::to_pem(&r.certificate.der);
    write_new(&a.out.join("cert.pem"), pem.as_bytes(), false)?;
    if let Some(chain) = &r.chain_pem {
        write_new(&a.out.join("chain.pem"), chain.as_bytes(), false)?;
    }
    if let Some(k) = &r.encrypted_key_pem {
        write_new(&a.out.join("key.pem"), k.as_bytes(), true)?;
    } else if r.replayed && a.csr.is_none() {
        eprintln!("note: replayed: the generated key was given out once, when it was made");
    }
    write_new(&a.out.join("licence.ofd"), &r.licence.document, false)?;
    write_new(&a.out.join("seal.esl"), &r.seal.der, false)?;
    let id = r.licence.licence.id.to_string();
    Ok(json!({
        "licence": {
            "identifier": id,
            "number": r.licence.licence.number,
            "holder_name": r.licence.licence.holder_name,
            "status": r.licence.licence.status.name(),
            "qr": r.licence.qr_text,
            "status_url": format!("{}/v1/licences/{id}/status", opened.public_base()),
        },
        "certificate": {
            "serial": r.certificate.serial,
            "status": r.certificate.status.as_str(),
            "subject": r.certificate.subject,
        },
        "seal": {"id": r.seal.id, "name": r.seal.name, "status": r.seal.status.as_str()},
        "replayed": r.replayed,
        "out": a.out.display().to_string(),
    }))
}

/// Create `out` and refuse it when it holds any of the files to write.
fn check_out(out: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError(format!("cannot create {}: {e}", out.display())))?;
    for f in FILES {
        if out.join(f).exists() {
            return Err(CliError(format!(
                "{} exists: refusing to overwrite",
                out.join(f).display()
            )));
        }
    }
    Ok(())
}
