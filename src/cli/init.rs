//! `yinxin init`, `serve` and `quickstart`: creating a region and running its service on this
//! host. The work is the composition root's ([`crate::app`]); this parses, asks for the
//! passphrase and reports.
//!
//! Owns: those commands' handling and output (their arguments are in the `Command` tree of
//! `mod.rs`). Must not import `api` or `store`.

use super::common::{DataArgs, open_store, passphrase};
use super::{CliError, Command};
use crate::app::{self, ServeParams};
use crate::crypto::Passphrase;
use crate::pki::region::InitParams;

/// Run `init`, `serve` or `quickstart`.
pub(super) async fn run(cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Init {
            data_dir,
            region,
            name,
            database_url,
            public_base_url,
            key_passphrase_file,
            hsm_module,
            hsm_token,
            hsm_pin_file,
        } => {
            let pass = passphrase(key_passphrase_file.as_deref(), "key store passphrase")?;
            let hsm = match (hsm_module, hsm_token) {
                // Absolute paths: the service may start from another directory.
                (Some(m), Some(t)) => Some(crate::config::HsmConfig::new(
                    std::path::absolute(&m)?,
                    t,
                    hsm_pin_file.map(std::path::absolute).transpose()?,
                )),
                _ => None,
            };
            let summary = app::init_region(
                InitParams {
                    data_dir,
                    code: region,
                    name,
                    database_url,
                    public_base_url,
                    hsm,
                },
                &pass,
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::Serve {
            data,
            listen,
            role,
            key_passphrase_file,
        } => {
            init_json_logs();
            // A verify process holds no key: it never reads the passphrase.
            let pass = if app::serve_role(&data.data_dir, role)?.holds_keys() {
                Some(passphrase(
                    key_passphrase_file.as_deref(),
                    "key store passphrase",
                )?)
            } else {
                None
            };
            app::serve(ServeParams {
                data_dir: data.data_dir,
                database_url: data.database_url,
                listen,
                role,
                passphrase: pass,
            })
            .await?;
        }
        Command::Quickstart { data_dir, listen } => {
            init_json_logs();
            let pass_file = data_dir.join(app::DEMO_PASSPHRASE_FILE);
            if app::quickstart_init(&data_dir, &listen).await? {
                eprintln!(
                    "created demo region in {} (DEMO ONLY; passphrase in {})",
                    data_dir.display(),
                    pass_file.display()
                );
            }
            let pass = Passphrase::from_file(&pass_file)
                .map_err(|e| CliError(format!("{e} (quickstart needs the demo passphrase file; use `yinxin serve` for a real region)")))?;
            let data = DataArgs {
                data_dir: data_dir.clone(),
                database_url: None,
            };
            let (_, store) = open_store(&data).await?;
            let t = super::token::create_token(
                &store,
                crate::auth::Role::Admin,
                None,
                1,
                "cli:quickstart",
            )
            .await?;
            store.close().await;
            println!(
                "admin token (shown once, valid 1 day): {}",
                t.secret.as_str()
            );
            println!(
                "try: curl -H 'Authorization: Bearer {}' http://{listen}/v1/certificates",
                t.secret.as_str()
            );
            app::serve(ServeParams {
                data_dir,
                database_url: None,
                listen: Some(listen),
                role: Some(crate::config::ServiceRole::All),
                passphrase: Some(pass),
            })
            .await?;
        }
        _ => unreachable!("cli::run dispatches only init, serve and quickstart here"),
    }
    Ok(())
}

fn init_json_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YINXIN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init();
}
