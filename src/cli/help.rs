//! `--help` in the user's language: the clap command built from the derive ([`super::Cli`]),
//! then walked to put in, for every command, an example (`after_help`, under "Examples:" /
//! "示例：") and, in zh-CN, the catalogue's about, argument help and section headings.
//!
//! Message ids: `cli-<path>-about`, `cli-<path>-example`, `cli-<path>-opt-<arg>`, where
//! `<path>` is the subcommand path joined with `-` (`seal-create`; `root` for `yinxin`
//! itself) and `<arg>` the argument id in kebab case; an argument several commands share
//! (`--data-dir`, `--lang`, `--help`) may use `cli-opt-<arg>` instead. The English texts are
//! the doc comments of the derive (the en catalogue holds the same words, a test checks).
//! clap's own words (`[default: …]`, `[env: …]`, usage errors after the lead-in) stay English.
//!
//! Owns: the localized command tree. Must not import `api` or `store`.

use crate::i18n::{self, Lang};
use clap::{Command, CommandFactory};

/// The `yinxin` command with its help in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut cmd = super::Cli::command();
    cmd.build();
    localize(&mut cmd, &mut Vec::new(), lang);
    cmd
}

/// The catalogue key of a command path (`root`, `seal-create`).
pub fn key(path: &[String]) -> String {
    if path.is_empty() {
        "root".into()
    } else {
        path.join("-")
    }
}

/// The catalogue id of an argument's help in command `key`: the command's own, else the
/// shared one, if either exists in en.
pub fn arg_id(key: &str, arg: &str) -> Option<String> {
    let arg = arg.replace('_', "-");
    [format!("cli-{key}-opt-{arg}"), format!("cli-opt-{arg}")]
        .into_iter()
        .find(|id| i18n::has(Lang::En, id))
}

/// clap's default help template with the usage heading in `lang`.
fn template(lang: Lang) -> String {
    format!(
        "{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
        i18n::t(lang, "cli-heading-usage", &[])
    )
}

fn replace(cmd: &mut Command, f: impl FnOnce(Command) -> Command) {
    *cmd = f(std::mem::take(cmd));
}

fn localize(cmd: &mut Command, path: &mut Vec<String>, lang: Lang) {
    let key = key(path);
    let example_id = format!("cli-{key}-example");
    if i18n::has(Lang::En, &example_id) {
        let heading = i18n::t(lang, "cli-examples-heading", &[]);
        let lines: String = i18n::t(lang, &example_id, &[])
            .lines()
            .map(|l| format!("\n  {l}"))
            .collect();
        replace(cmd, |c| c.after_help(format!("{heading}{lines}")));
    }
    if lang != Lang::En {
        let about_id = format!("cli-{key}-about");
        if i18n::has(lang, &about_id) {
            let about = i18n::t(lang, &about_id, &[]);
            replace(cmd, |c| c.about(about).long_about(None));
        }
        let commands = i18n::t(lang, "cli-heading-commands", &[]);
        let template = template(lang);
        replace(cmd, |c| {
            c.help_template(template).subcommand_help_heading(commands)
        });
        let ids: Vec<(String, bool)> = cmd
            .get_arguments()
            .map(|a| (a.get_id().to_string(), a.is_positional()))
            .collect();
        for (id, positional) in ids {
            let heading = i18n::t(
                lang,
                if positional {
                    "cli-heading-arguments"
                } else {
                    "cli-heading-options"
                },
                &[],
            );
            let help = arg_id(&key, &id)
                .filter(|h| i18n::has(lang, h))
                .map(|h| i18n::t(lang, &h, &[]));
            replace(cmd, |c| {
                c.mut_arg(&id, |a| {
                    let a = a.help_heading(heading);
                    match help {
                        Some(h) => a.help(h).long_help(None),
                        None => a,
                    }
                })
            });
        }
    }
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            // clap's own `help` subcommand (and its copy of the tree).
            localize_help_tree(sub, &mut Vec::new(), lang);
            continue;
        }
        path.push(sub.get_name().to_string());
        localize(sub, path, lang);
        path.pop();
    }
}

/// clap's `help` subcommand lists the commands again: their abouts, in `lang`.
fn localize_help_tree(cmd: &mut Command, path: &mut Vec<String>, lang: Lang) {
    if lang == Lang::En {
        return;
    }
    let id = if path.is_empty() || path.last().is_some_and(|p| p == "help") {
        "cli-help-about".to_string()
    } else {
        format!("cli-{}-about", key(path))
    };
    if i18n::has(lang, &id) {
        let about = i18n::t(lang, &id, &[]);
        replace(cmd, |c| c.about(about).long_about(None));
    }
    let commands = i18n::t(lang, "cli-heading-commands", &[]);
    let template = template(lang);
    replace(cmd, |c| {
        c.help_template(template).subcommand_help_heading(commands)
    });
    if cmd.get_arguments().any(|a| a.get_id() == "subcommand") {
        let help = i18n::t(lang, "cli-help-opt-subcommand", &[]);
        let heading = i18n::t(lang, "cli-heading-arguments", &[]);
        replace(cmd, |c| {
            c.mut_arg("subcommand", |a| a.help(help).help_heading(heading))
        });
    }
    for sub in cmd.get_subcommands_mut() {
        path.push(sub.get_name().to_string());
        localize_help_tree(sub, path, lang);
        path.pop();
    }
}

#[cfg(test)]
mod tests;
