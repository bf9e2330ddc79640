//! `yinxin trust-list publish | withdraw | show`: the region's signed trust list.

use super::CliError;
use super::common::{DataArgs, actor, open_store, passphrase};
use crate::trust::TrustRepository;
use crate::trust::list::ServiceStatus;
use clap::Subcommand;
use std::path::PathBuf;

/// Trust list commands.
#[derive(Subcommand, Debug)]
pub enum TrustListCommand {
    /// Sign and publish the next version (after any change of the region's services).
    Publish {
        #[command(flatten)]
        data: DataArgs,
        /// File with the key store passphrase (default: YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// Withdraw a trust service (e.g. `sm2-seal-maker`) and publish the new version.
    Withdraw {
        #[command(flatten)]
        data: DataArgs,
        /// Service id as listed.
        #[arg(long)]
        service: String,
        /// File with the key store passphrase (default: YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
    /// Print the newest published list and its signers' SHA-256 pins (JSON).
    Show {
        #[command(flatten)]
        data: DataArgs,
        /// Write the signed list (CMS DER) here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Which signed copy `--out` writes: sm2 (default) or p256.
        #[arg(long, default_value = "sm2", value_parser = ["sm2", "p256"])]
        alg: String,
    },
}

/// Run a trust-list command.
pub async fn run(cmd: TrustListCommand) -> Result<(), CliError> {
    let connector = crate::store::SqlConnector;
    let (data, change, pass_file) = match cmd {
        TrustListCommand::Show { data, out, alg } => {
            let (_, store) = open_store(&data).await?;
            let l = store
                .latest_own_list()
                .await?
                .ok_or_else(|| CliError("no trust list has been published yet".into()))?;
            if let Some(o) = out {
                let signed = if alg == "p256" {
                    &l.signed_p256
                } else {
                    &l.signed_sm2
                };
                std::fs::write(&o, signed)
                    .map_err(|e| CliError(format!("cannot write {}: {e}", o.display())))?;
            }
            // The signer pins peers put in their trust.toml (`signer_sha256`).
            let pin = |signed: &[u8]| {
                crate::document::cms::verify_embedded(signed)
                    .map(|i| hex::encode(crate::crypto::sha256(&i.signer_cert)))
                    .unwrap_or_default()
            };
            let list: serde_json::Value = serde_json::from_str(&l.content)
                .map_err(|e| CliError(format!("stored list: {e}")))?;
            println!(
                "{}",
                serde_json::json!({
                    "signer_sha256": {"sm2": pin(&l.signed_sm2), "p256": pin(&l.signed_p256)},
                    "list": list,
                })
            );
            return Ok(());
        }
        TrustListCommand::Publish {
            data,
            key_passphrase_file,
        } => (data, None, key_passphrase_file),
        TrustListCommand::Withdraw {
            data,
            service,
            key_passphrase_file,
        } => (
            data,
            Some((service, ServiceStatus::Withdrawn)),
            key_passphrase_file,
        ),
    };
    let pass = passphrase(pass_file.as_deref(), "key store")?;
    let region =
        crate::pki::region::Region::open(&data.data_dir, data.database_url.as_deref(), &connector)
            .await?;
    let (_, store) = open_store(&data).await?;
    let cfg = crate::trust::peers::TrustConfig::load(&data.data_dir.join("policies"))
        .map_err(|e| CliError(e.to_string()))?;
    let l = crate::trust::publish::publish(
        &region,
        &pass,
        &store,
        &cfg,
        change.as_ref().map(|(id, st)| (id.as_str(), *st)),
        &actor(),
    )
    .await
    .map_err(|e| CliError(e.to_string()))?;
    println!(
        "{}",
        serde_json::json!({
            "sequence": l.sequence,
            "issued": crate::clock::rfc3339(l.issued_at),
            "next_update": crate::clock::rfc3339(l.next_update),
        })
    );
    Ok(())
}
