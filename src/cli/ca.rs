//! `yinxin ca renew-issuing | renew-root`: the CA lifecycle (see
//! [`crate::pki::region::Region::renew_issuing`] and docs/ca-lifecycle.md).
//!
//! Owns: those commands' arguments and output; the work is the composition root's
//! ([`crate::app::renew_ca`]). Must not import `api` or `store`.

use super::CliError;
use super::common::{DataArgs, passphrase};
use crate::crypto::Algorithm;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(super) enum CaCommand {
    /// Renew an issuing CA with a new key under the current root; the old CA keeps its CRLs and OCSP until it expires.
    RenewIssuing(RenewArgs),
    /// Roll a root CA over to a new key, with link certificates both ways (NewWithOld, OldWithNew).
    RenewRoot(RenewArgs),
}

/// The arguments both lifecycle commands take.
#[derive(clap::Args, Debug)]
pub(super) struct RenewArgs {
    #[command(flatten)]
    data: DataArgs,
    /// sm2 or p256.
    #[arg(long)]
    algorithm: String,
    /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
    #[arg(long)]
    key_passphrase_file: Option<PathBuf>,
}

/// Run a CA lifecycle command.
pub(super) async fn run(command: CaCommand) -> Result<(), CliError> {
    let (args, root) = match command {
        CaCommand::RenewIssuing(a) => (a, false),
        CaCommand::RenewRoot(a) => (a, true),
    };
    let RenewArgs {
        data,
        algorithm,
        key_passphrase_file: pass_file,
    } = args;
    let alg: Algorithm = algorithm.parse().map_err(|_| {
        CliError(format!(
            "--algorithm: '{algorithm}' is neither sm2 nor p256"
        ))
    })?;
    let pass = passphrase(pass_file.as_deref(), "key store passphrase")?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let summary = crate::app::renew_ca(
        &data.data_dir,
        data.database_url.as_deref(),
        alg,
        root,
        &pass,
        &actor,
    )
    .await?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
