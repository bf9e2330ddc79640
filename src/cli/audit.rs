//! `yinxin audit verify | checkpoint`: check the whole audit trail (every row's link, the head,
//! every checkpoint and its time-stamp), and fix the head in a checkpoint now.
//!
//! Owns: those commands' arguments and output. Must not import `api` or `store`.

use super::CliError;
use super::common::{DataArgs, passphrase};
use crate::app;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(super) enum AuditCommand {
    /// Check the audit trail: each row's link to the one before, the head, every checkpoint and its time-stamp; a changed, removed or reordered row is named.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Fix the audit trail's head now in a checkpoint time-stamped by the region's TSA.
    Checkpoint {
        #[command(flatten)]
        data: DataArgs,
        /// File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE).
        #[arg(long)]
        key_passphrase_file: Option<PathBuf>,
    },
}

/// Run an audit command.
pub(super) async fn run(command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify { data } => {
            let out = app::audit_verify(&data.data_dir, data.database_url.as_deref()).await?;
            let s = out.map_err(|b| CliError(format!("the audit trail is broken: {b}")))?;
            println!(
                "{}",
                serde_json::json!({
                    "intact": true,
                    "rows": s.rows,
                    "rows_before_the_chain": s.unlinked_before_chain,
                    "last": s.last,
                    "head": s.head,
                    "checkpoints": s.checkpoints,
                    "newest_checkpoint": s.newest_checkpoint.map(|(size, at)| serde_json::json!({
                        "size": size, "time_stamped_at": crate::clock::rfc3339(at),
                    })),
                })
            );
        }
        AuditCommand::Checkpoint {
            data,
            key_passphrase_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let made =
                app::audit_checkpoint(&data.data_dir, data.database_url.as_deref(), &pass).await?;
            println!(
                "{}",
                match made {
                    Some(cp) => serde_json::json!({"made": true, "size": cp.size, "head": cp.head}),
                    None => serde_json::json!({"made": false}),
                }
            );
        }
    }
    Ok(())
}
