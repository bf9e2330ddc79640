//! `yinxin ofd create`: a plain OFD document with lines of text, for trying sealing and
//! signing without another tool (the README's walkthrough uses it). Owns no domain logic: it
//! calls `document::ofd_write`.

use super::CliError;
use crate::document::ofd_write::{Item, NewDocument, NewPage, write_ofd};
use clap::Subcommand;
use std::path::PathBuf;

/// OFD commands.
#[derive(Subcommand, Debug)]
pub enum OfdCommand {
    /// Write an A4 OFD with the given lines of text (one page; a title line first).
    Create {
        /// A line of text (repeat for more lines; the first is the title).
        #[arg(long = "text", required = true, num_args = 1)]
        lines: Vec<String>,
        /// Font name declared for the text (not embedded; readers substitute it).
        #[arg(long, default_value = "宋体")]
        font: String,
        /// The OFD to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Lines that fit one A4 page at the body size.
const MAX_LINES: usize = 40;

/// Runs an OFD command.
pub fn run(cmd: OfdCommand) -> Result<(), CliError> {
    match cmd {
        OfdCommand::Create { lines, font, out } => {
            if lines.len() > MAX_LINES {
                return Err(CliError(format!(
                    "at most {MAX_LINES} lines fit one page ({} given)",
                    lines.len()
                )));
            }
            let items = lines
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let (size_mm, y_mm) = if i == 0 {
                        (7.0, 40.0)
                    } else {
                        (5.0, 55.0 + 8.0 * (i as f64 - 1.0))
                    };
                    Item::Text {
                        x_mm: 25.0,
                        y_mm,
                        size_mm,
                        text: text.clone(),
                        font_name: font.clone(),
                    }
                })
                .collect();
            let bytes = write_ofd(&NewDocument {
                pages: vec![NewPage {
                    width_mm: 210.0,
                    height_mm: 297.0,
                    items,
                }],
                ..Default::default()
            })?;
            super::common::write_new(&out, &bytes, false)?;
            println!("{}", out.display());
            Ok(())
        }
    }
}
