//! `yinxin licence …`: e-licence tools. `check-id` tells whether an identifier's check
//! character is right and which rule matched; `kinds` lists the catalogue. Owns no domain
//! logic: it calls `licence`.

use super::CliError;
use crate::licence::{Catalogue, CheckRule, IdError, LicenceId};
use clap::Subcommand;
use std::path::PathBuf;

/// Licence commands.
#[derive(Subcommand, Debug)]
pub enum LicenceCommand {
    /// Check an e-licence identifier (GB/T 36904): its parts and its check character.
    CheckId {
        /// The identifier, e.g. 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
        id: String,
    },
    /// List the licence kinds (the built-in ones and those of a directory).
    Kinds {
        /// A directory of kind files (*.toml) added to and replacing the built-in ones.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Runs a licence command.
pub fn run(cmd: LicenceCommand) -> Result<(), CliError> {
    match cmd {
        LicenceCommand::CheckId { id } => {
            let parsed = LicenceId::parse(&id)?;
            match parsed.check_rule() {
                Ok(CheckRule::Standard) => println!(
                    "{parsed}: check character {} is right (GB/T 36904 rule, ISO 7064 MOD 37,36)",
                    parsed.check
                ),
                Ok(CheckRule::LetterIndexVariant) => println!(
                    "{parsed}: check character {} is right under the letter-index variant (letters valued at their index + 1), not under GB/T 36904's rule",
                    parsed.check
                ),
                Err(e @ IdError::Check { .. }) => return Err(CliError(format!("{parsed}: {e}"))),
                Err(e) => return Err(e.into()),
            }
            println!(
                "type code {}, issuer code {}, serial {}, version {:03}",
                parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version
            );
        }
        LicenceCommand::Kinds { dir } => {
            let catalogue = match dir {
                Some(d) => Catalogue::load_dir(&d)?,
                None => Catalogue::builtin(),
            };
            for k in catalogue.kinds() {
                println!("{}\t{}\t{}\t{}", k.key, k.type_code, k.name.zh, k.name.en);
            }
        }
    }
    Ok(())
}
