//! `yinxin seal create | list | revoke | apply | sign`: the region's seal registry (apply and
//! sign, which use a seal on a document, are in [`super::document`]).
//!
//! Owns: the seal commands' arguments and the registry commands' output. Must not import
//! `api` or `app`.

use super::CliError;
use super::common::{DataArgs, actor, open_store, passphrase, write_new};
use crate::pki::region::Region;
use crate::pki::repo::CertStatus;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(super) enum SealCommand {
    /// Make a seal (signed by the region's SM2 seal maker) and register it.
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// Holder: the unified social credit code (organization seals) or the resident identity
        /// number (personal seals; stored only as the region's salted hash).
        #[arg(long)]
        holder: String,
        /// Seal type key (official, contract, finance, invoice, e-licence, personal).
        #[arg(long = "type")]
        seal_type: String,
        /// Name on the seal.
        #[arg(long)]
        name: String,
        /// Serial(s) of the certificates allowed to stamp with it.
        #[arg(long = "signer", required = true, num_args = 1..)]
        signers: Vec<String>,
        /// The seal picture (PNG); default: the standard look for the type and name, drawn with
        /// the built-in font (GB 2312 hanzi; YINXIN_SEAL_FONT=FILE for another font).
        #[arg(long)]
        picture: Option<PathBuf>,
        /// Validity in days (default: the type's maximum).
        #[arg(long)]
        days: Option<u32>,
        /// Also write the seal (.esl, DER) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// List registered seals (one JSON object per line).
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Only this holder.
        #[arg(long)]
        holder: Option<String>,
    },
    /// Revoke (or suspend) a seal.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        id: String,
        /// Suspend instead of revoking.
        #[arg(long)]
        suspend: bool,
    },
    /// Seal an OFD document (a Type="Seal" signature) or a PDF (a visible signature showing
    /// the seal, its SES_Signature in the CMS), the stamp on a page at X,Y mm or centred on a
    /// keyword; earlier signatures stay valid.
    Apply {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        #[arg(long)]
        seal: String,
        /// The OFD or PDF to seal.
        #[arg(long = "in")]
        input: PathBuf,
        /// The sealed OFD or PDF.
        #[arg(long)]
        out: PathBuf,
        /// Page (1-based).
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Top-left corner of the stamp in mm: X,Y.
        #[arg(long, conflicts_with = "keyword")]
        at: Option<String>,
        /// Centre the stamp on the first text containing this.
        #[arg(long)]
        keyword: Option<String>,
        /// Signer certificate (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// Signer key (encrypted PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// File with the signer key's passphrase.
        #[arg(long)]
        key_passphrase_file: PathBuf,
        /// PDF: RFC 3161 TSA URL for the time-stamps of the signature and of the seal's
        /// SES_Signature.
        #[arg(long)]
        tsa: Option<String>,
    },
    /// Stamp a file with a seal: writes an SES_Signature (DER), with a timestamp when a TSA
    /// URL is given.
    Sign {
        #[command(flatten)]
        data: DataArgs,
        /// esID.
        #[arg(long)]
        seal: String,
        /// File to stamp.
        #[arg(long = "in")]
        input: PathBuf,
        /// Output (.sig).
        #[arg(long)]
        out: PathBuf,
        /// Signer certificate (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// Signer key (encrypted PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// File with the signer key's passphrase.
        #[arg(long)]
        key_passphrase_file: PathBuf,
        /// TSA URL for a timestamp over the signature value.
        #[arg(long)]
        tsa: Option<String>,
    },
}

/// Run a seal command.
pub(super) async fn run(cmd: SealCommand) -> Result<(), CliError> {
    use crate::seal::service::{self as seals, SealRepository, SealStatus};
    let actor = actor();
    let open = |data: &DataArgs| {
        let data = data.clone();
        async move {
            let (config, store) = open_store(&data).await?;
            Ok::<_, CliError>((config, std::sync::Arc::new(store), data))
        }
    };
    match cmd {
        c @ (SealCommand::Apply { .. } | SealCommand::Sign { .. }) => {
            super::document::seal(c).await?
        }
        SealCommand::Create {
            data,
            holder,
            seal_type,
            name,
            signers,
            picture,
            days,
            out,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let (config, store, data) = open(&data).await?;
            let region = Region::from_parts(&data.data_dir, config.clone(), store.clone()).await?;
            let t = crate::seal::types::builtin()
                .into_iter()
                .find(|t| t.key == seal_type)
                .ok_or_else(|| CliError(format!("unknown seal type '{seal_type}'")))?;
            // Checked by type; a personal seal's identity number becomes the salted hash of
            // person certificates before anything is stored, audited or printed.
            let now = crate::clock::now_secs();
            let hasher = crate::pki::region::load_holder_hasher(&data.data_dir, &pass)?;
            let holder = crate::seal::holder::SealHolder::resolve(&t, &holder, &hasher, now)
                .map_err(|e| CliError(format!("--{e}")))?;
            let mut certs = Vec::new();
            for s in &signers {
                let rec = region
                    .repo
                    .certificate(s)
                    .await?
                    .ok_or_else(|| CliError(format!("no certificate with serial {s}")))?;
                if rec.status != CertStatus::Valid {
                    return Err(CliError(format!(
                        "certificate {s} is {}",
                        rec.status.as_str()
                    )));
                }
                holder
                    .check_signer(&rec)
                    .map_err(|e| CliError(e.to_string()))?;
                certs.push((rec.serial.clone(), rec.der.clone()));
            }
            let png = match &picture {
                Some(p) => std::fs::read(p)
                    .map_err(|e| CliError(format!("cannot read {}: {e}", p.display())))?,
                None => crate::seal::picture::for_type(&name, &t)?,
            };
            let (maker, maker_cert) = region.seal_maker(&pass).await?;
            let rec = seals::make_seal(
                &seals::SealRequest {
                    region: &config.region.code,
                    seal_type: &t,
                    holder: holder.as_str(),
                    name: &name,
                    signers: certs,
                    picture_png: png,
                    validity_days: days.unwrap_or(t.max_validity_days),
                    now,
                },
                maker.as_ref(),
                &maker_cert,
            )?;
            let audit = crate::pki::repo::AuditEvent::now(
                &actor,
                "seal.create",
                &rec.id,
                "success",
                &format!(
                    "type={} holder_kind={} holder={}",
                    t.key,
                    crate::seal::holder::kind_name(holder.kind()),
                    holder.as_str()
                ),
            )
            .logged(rec.log_entry("seal.make", now));
            store.insert_seal(&rec, &audit).await?;
            if let Some(o) = out {
                write_new(&o, &rec.der, false)?;
            }
            println!("{}", serde_json::to_string_pretty(&rec)?);
        }
        SealCommand::List { data, holder } => {
            let (_, store, _) = open(&data).await?;
            for r in store.seals(holder.as_deref()).await? {
                println!("{}", serde_json::to_string(&r)?);
            }
        }
        SealCommand::Revoke { data, id, suspend } => {
            let (_, store, _) = open(&data).await?;
            let status = if suspend {
                SealStatus::Suspended
            } else {
                SealStatus::Revoked
            };
            let rec = store
                .seal(&id)
                .await?
                .ok_or_else(|| CliError(format!("no active or suspended seal {id}")))?;
            let audit = crate::pki::repo::AuditEvent::now(
                &actor,
                &format!("seal.{}", status.as_str()),
                &id,
                "success",
                "",
            )
            .logged(rec.log_entry(status.log_kind(), crate::clock::now_secs()));
            if !store.set_seal_status(&id, status, &audit).await? {
                return Err(CliError(format!("no active or suspended seal {id}")));
            }
            println!(
                "{}",
                serde_json::json!({"id": id, "status": status.as_str()})
            );
        }
    }
    Ok(())
}
