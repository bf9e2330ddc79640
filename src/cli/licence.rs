//! `yinxin licence …`: e-licences from the command line. `check-id` tells whether an
//! identifier's check character is right and which rule matched; `kinds` lists the catalogue;
//! the registry commands (`issue`, `change`, `suspend`, `resume`, `revoke`, `show`, `document`)
//! are in [`super::licence_issue`] and the bulk `import` in [`super::licence_import`].
//!
//! Owns: the licence command tree and the two offline tools. No domain logic: it calls
//! `licence`.

use super::CliError;
use super::licence_import::ImportArgs;
use super::licence_issue::{ChangeArgs, DocumentArgs, IssueArgs, ShowArgs, StatusArgs};
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
    /// Issue an e-licence: check the values against the kind, render the face, seal it with the
    /// agency's e-licence seal (timestamped by the region's TSA), store it, write the sealed OFD.
    Issue(IssueArgs),
    /// Change a licence (变更): a new version with new values; the old one becomes superseded.
    Change(ChangeArgs),
    /// Suspend a licence (a reason is required); `resume` puts it back in force.
    Suspend(StatusArgs),
    /// Resume a suspended licence.
    Resume(StatusArgs),
    /// Revoke a licence (注销/废止, a reason is required): final.
    Revoke(StatusArgs),
    /// Show a licence of the agency: its record, fields (sensitive ones masked) and events.
    Show(ShowArgs),
    /// Write a licence's sealed OFD (as issued) to a file.
    Document(DocumentArgs),
    /// Issue licences in bulk from a CSV (header = field keys) or JSON-lines file; resumable:
    /// rows already issued (by their external key) are skipped.
    Import(ImportArgs),
}

/// Runs a licence command.
pub async fn run(cmd: LicenceCommand) -> Result<(), CliError> {
    use super::licence_issue as reg;
    match cmd {
        LicenceCommand::Issue(a) => reg::issue(a).await?,
        LicenceCommand::Change(a) => reg::change(a).await?,
        LicenceCommand::Suspend(a) => reg::set_status(a, crate::licence::Event::Suspend).await?,
        LicenceCommand::Resume(a) => reg::set_status(a, crate::licence::Event::Resume).await?,
        LicenceCommand::Revoke(a) => reg::set_status(a, crate::licence::Event::Revoke).await?,
        LicenceCommand::Show(a) => reg::show(a).await?,
        LicenceCommand::Document(a) => reg::document(a).await?,
        LicenceCommand::Import(a) => super::licence_import::import(a).await?,
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
