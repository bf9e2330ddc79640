//! The command line's language: chosen once per process from `--lang` (or `YINXIN_LANG`), else
//! the POSIX locale (`LC_ALL`, `LC_MESSAGES`, `LANG`); and the CLI's own words in it — the
//! one-line error (`yinxin: error: …` / `yinxin: 错误：…`), the texts the CLI writes itself
//! (missing passphrase, unreadable or missing files, missing region), clap's usage errors' lead-in
//! and the human summary of a validation report.
//!
//! Owns: the process language and the CLI's message texts. Must not import `api` or `store`;
//! command code calls in here, never the other way round. Errors from the domain modules are
//! English `Display` texts: in zh-CN they follow the Chinese lead-in unchanged.

use crate::i18n::{self, Lang};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

static LANG: AtomicU8 = AtomicU8::new(0);
static DATA_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The language of this process's messages.
pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// Set the language of this process's messages.
pub fn set_lang(l: Lang) {
    LANG.store(
        match l {
            Lang::En => 0,
            Lang::ZhCn => 1,
        },
        Ordering::Relaxed,
    );
}

/// `--lang` values: `en`, `zh-CN` (also `zh`, `zh_CN`, `zh-Hans`), any case.
pub fn parse_lang_arg(s: &str) -> Result<Lang, String> {
    let lower = s.trim().to_ascii_lowercase().replace('_', "-");
    match lower.as_str() {
        "en" | "en-us" | "en-gb" => Ok(Lang::En),
        "zh" | "zh-cn" | "zh-hans" | "zh-hans-cn" => Ok(Lang::ZhCn),
        _ => Err(format!("'{s}': expected en or zh-CN")),
    }
}

/// The language before the command line is parsed (the help must be built in it): the value
/// of `--lang X` / `--lang=X` (before any `--`), else `YINXIN_LANG`, else the locale. A value
/// that is not a language is left for clap to refuse.
pub fn prescan(args: &[OsString], env: impl Fn(&str) -> Option<String>) -> Lang {
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = if a == "--lang" {
            it.next().map(|v| v.into_owned())
        } else {
            a.strip_prefix("--lang=").map(str::to_string)
        };
        if let Some(v) = value {
            return parse_lang_arg(&v).unwrap_or_default();
        }
    }
    if let Some(v) = env("YINXIN_LANG").filter(|v| !v.trim().is_empty()) {
        return parse_lang_arg(&v).unwrap_or_default();
    }
    Lang::from_locale_vars(env)
}

/// Remember the data directory of the command being run (for hints in messages).
pub fn set_data_dir(dir: Option<PathBuf>) {
    if let Ok(mut d) = DATA_DIR.lock() {
        *d = dir;
    }
}

/// The data directory of the command being run, when it has one.
fn data_dir() -> Option<PathBuf> {
    DATA_DIR.lock().ok().and_then(|d| d.clone())
}

/// The data directory a parsed command line names (`--data-dir`, its env or default), if any.
pub fn data_dir_of(matches: &clap::ArgMatches) -> Option<PathBuf> {
    let mut m = matches;
    loop {
        if let Ok(Some(d)) = m.try_get_one::<PathBuf>("data_dir") {
            return Some(d.clone());
        }
        m = m.subcommand()?.1;
    }
}

/// The message when no key store passphrase was given; it names the demo region's passphrase
/// file when the data directory has one.
pub fn missing_passphrase(what: &str) -> String {
    let l = lang();
    let demo = data_dir()
        .map(|d| d.join(super::DEMO_PASSPHRASE_FILE))
        .filter(|f| f.is_file());
    match demo {
        Some(f) => i18n::t(
            l,
            "cli-error-no-passphrase-demo",
            &[
                ("what", &what_word(l, what)),
                ("file", &f.display().to_string()),
            ],
        ),
        None => i18n::t(
            l,
            "cli-error-no-passphrase",
            &[("what", &what_word(l, what))],
        ),
    }
}

fn what_word(l: Lang, what: &str) -> String {
    if what.starts_with("key store") {
        i18n::t(l, "cli-word-key-store-passphrase", &[])
    } else {
        what.to_string()
    }
}

/// The error line (without the `yinxin: ` program prefix): the lead-in and the message, the
/// CLI's own texts in the process language, only the first line of the message.
pub fn error_line(msg: &str) -> String {
    let l = lang();
    let first = msg.lines().next().unwrap_or("");
    format!(
        "{}{}",
        i18n::t(l, "cli-error-prefix", &[]),
        translate(l, first)
    )
}

/// Print the error line on standard error.
pub fn print_error(msg: &str) {
    eprintln!("yinxin: {}", error_line(msg));
}

/// The CLI's own English texts in `l` (the domain's texts are left as they are).
pub fn translate(l: Lang, msg: &str) -> String {
    if l == Lang::En {
        return msg.to_string();
    }
    for (lead, id) in [
        ("cannot read ", "cli-error-cannot-read"),
        ("cannot create ", "cli-error-cannot-create"),
        ("cannot write ", "cli-error-cannot-write"),
    ] {
        if let Some((path, err)) = msg.strip_prefix(lead).and_then(|r| r.rsplit_once(": ")) {
            return i18n::t(l, id, &[("path", path), ("error", &io_error(l, err))]);
        }
    }
    if let Some(path) = msg.strip_suffix(" not found: run `yinxin init` first (or pass --data-dir)")
    {
        return i18n::t(l, "cli-error-no-region", &[("path", path)]);
    }
    if let Some(serial) = msg.strip_prefix("no certificate with serial ") {
        return i18n::t(l, "msg-certificate-not-found", &[("serial", serial)]);
    }
    if let Some(path) = msg.strip_suffix(" exists: refusing to overwrite") {
        return i18n::t(l, "cli-error-exists", &[("path", path)]);
    }
    msg.to_string()
}

/// An I/O error's text in `l` by its OS error code (`… (os error 2)`), else as it is.
fn io_error(l: Lang, err: &str) -> String {
    let code = err
        .rsplit_once("(os error ")
        .and_then(|(_, c)| c.strip_suffix(')'))
        .and_then(|c| c.parse::<i32>().ok());
    let id = match code {
        Some(2) => "cli-io-not-found",
        Some(13) => "cli-io-permission-denied",
        Some(17) => "cli-io-exists",
        Some(20) => "cli-io-not-a-directory",
        Some(21) => "cli-io-is-a-directory",
        Some(28) => "cli-io-no-space",
        Some(30) => "cli-io-read-only",
        _ => return err.to_string(),
    };
    i18n::t(l, id, &[])
}

/// Print a clap error (help and version on standard output) and return the exit code: 0 for
/// help and version, else 2 (3 for `verify`/`verify-chain`, whose 1 and 2 are outcomes). In
/// zh-CN the lead-in is Chinese; clap's own text stays English.
pub fn clap_error(e: clap::Error, is_verify: bool) -> i32 {
    if !e.use_stderr() {
        let _ = e.print();
        return 0;
    }
    if lang() == Lang::En {
        let _ = e.print();
    } else {
        let text = e.render().to_string();
        let text = match text.strip_prefix("error: ") {
            Some(rest) => format!("{}{rest}", i18n::t(lang(), "cli-error-prefix", &[])),
            None => text,
        };
        eprint!("{text}");
    }
    if is_verify { 3 } else { 2 }
}

/// The human summary of a certificate path validation: the indication line, then the failed
/// certificate and rule. In zh-CN every code is followed by its meaning and the reason's text
/// precedes the (English) rule.
pub fn chain_summary(l: Lang, r: &crate::verify::report::Report) -> String {
    let mut out = indication_line(l, r.indication, r.sub_indication);
    if let Some(f) = &r.failure {
        let subject = f.subject.clone().unwrap_or_else(|| "-".into());
        match l {
            Lang::En => out.push_str(&format!("\n  {subject}: {}", f.rule)),
            _ => {
                let text = i18n::t(l, &format!("reason-{}", f.reason.code()), &[]);
                out.push_str(&format!("\n  {subject}：{text}（{}）", f.rule));
            }
        }
    }
    out
}

/// `TOTAL_FAILED / EXPIRED`; in zh-CN `TOTAL_FAILED（验证失败）/ EXPIRED（证书已过期）`.
pub fn indication_line(
    l: Lang,
    ind: crate::verify::report::Indication,
    sub: Option<crate::verify::report::SubIndication>,
) -> String {
    let word = |id: String| match l {
        Lang::En => String::new(),
        _ => format!("（{}）", i18n::t(l, &id, &[])),
    };
    let mut s = format!(
        "{}{}",
        ind.name(),
        word(format!("indication-{}", ind.name()))
    );
    if let Some(sub) = sub {
        s.push_str(&format!(
            " / {}{}",
            sub.name(),
            word(format!("subindication-{}", sub.name()))
        ));
    }
    s
}
