//! `yinxin backup` and `yinxin restore`: a region's database, configuration, key store and
//! documents in one signed (and optionally encrypted) file, and back into a new directory.
//!
//! Owns: those commands' arguments and output. Must not import `api` or `store`.

use super::CliError;
use super::common::{DataArgs, passphrase};
use crate::app;
use crate::crypto::Passphrase;
use std::path::PathBuf;

/// `yinxin backup`'s arguments.
#[derive(clap::Args, Debug)]
pub(super) struct BackupArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The backup file to write (refused if it exists).
    #[arg(long)]
    out: PathBuf,
    /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
    #[arg(long)]
    key_passphrase_file: Option<PathBuf>,
    /// Encrypt the backup under the passphrase in this file (AES-256-GCM, PBKDF2).
    #[arg(long)]
    backup_passphrase_file: Option<PathBuf>,
}

/// `yinxin restore`'s arguments.
#[derive(clap::Args, Debug)]
pub(super) struct RestoreArgs {
    /// The backup file.
    #[arg(long = "in")]
    input: PathBuf,
    /// The new data directory (must not exist, or be empty).
    #[arg(long)]
    data_dir: PathBuf,
    /// A PostgreSQL backup: the empty database to restore into (postgres://…).
    #[arg(long)]
    database_url: Option<String>,
    /// The passphrase of an encrypted backup, in this file.
    #[arg(long)]
    backup_passphrase_file: Option<PathBuf>,
    /// SHA-256 fingerprint of the region's root CA certificate the backup must be signed under.
    #[arg(long)]
    root_fingerprint: Option<String>,
}

fn backup_pass(file: Option<&std::path::Path>) -> Result<Option<Passphrase>, CliError> {
    Ok(match file {
        Some(f) => Some(Passphrase::from_file(f)?),
        None => None,
    })
}

/// Run `yinxin backup`.
pub(super) async fn backup(a: BackupArgs) -> Result<(), CliError> {
    let pass = passphrase(a.key_passphrase_file.as_deref(), "key store passphrase")?;
    let enc = backup_pass(a.backup_passphrase_file.as_deref())?;
    let s = app::backup(
        &a.data.data_dir,
        a.data.database_url.as_deref(),
        &a.out,
        &pass,
        enc.as_ref(),
    )
    .await?;
    println!(
        "{}",
        serde_json::json!({"out": a.out.display().to_string(), "summary": s})
    );
    Ok(())
}

/// Run `yinxin restore`.
pub(super) async fn restore(a: RestoreArgs) -> Result<(), CliError> {
    let dec = backup_pass(a.backup_passphrase_file.as_deref())?;
    let s = app::restore(
        &a.input,
        &a.data_dir,
        a.database_url.as_deref(),
        dec.as_ref(),
        a.root_fingerprint.as_deref(),
    )
    .await?;
    println!(
        "{}",
        serde_json::to_string(&s).map_err(|e| CliError(e.to_string()))?
    );
    Ok(())
}
