//! The whole command tree has its help and an example in both languages, the examples parse,
//! and the CLI's own messages come out in the language chosen.

use super::*;
use crate::cli::locale;

/// Every command of the derive (clap's `help` subcommand excluded), with its path.
fn walk(cmd: &Command, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Command)>) {
    out.push((path.clone(), cmd.clone()));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        path.push(sub.get_name().to_string());
        walk(sub, path, out);
        path.pop();
    }
}

fn tree() -> Vec<(Vec<String>, Command)> {
    let mut cmd = super::super::Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut Vec::new(), &mut out);
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_command_and_argument_has_help_and_an_example_in_both_languages() {
    let mut missing = Vec::new();
    let commands = tree();
    assert!(commands.len() > 20, "{} commands", commands.len());
    for (path, cmd) in &commands {
        let k = key(path);
        for id in [format!("cli-{k}-about"), format!("cli-{k}-example")] {
            for lang in Lang::ALL {
                if !i18n::has(lang, &id) {
                    missing.push(format!("{} {id}", lang.tag()));
                }
            }
        }
        // The English catalogue says what the doc comment says (edit both, then zh-CN).
        if let Some(about) = cmd.get_about() {
            let cat = i18n::t(Lang::En, &format!("cli-{k}-about"), &[]);
            if squash(&cat) != squash(&about.to_string()) {
                missing.push(format!("en cli-{k}-about = {}", squash(&about.to_string())));
            }
        } else if !path.is_empty() {
            missing.push(format!("no doc comment for {k}"));
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            let Some(cat_id) = arg_id(&k, id) else {
                missing.push(format!("en cli-{k}-opt-{}", id.replace('_', "-")));
                continue;
            };
            if !i18n::has(Lang::ZhCn, &cat_id) {
                missing.push(format!("zh-CN {cat_id}"));
            }
            if matches!(id, "help" | "version") {
                continue;
            }
            let derived = arg.get_help().map(|h| squash(&h.to_string()));
            let cat = squash(&i18n::t(Lang::En, &cat_id, &[]));
            if derived.as_deref() != Some(cat.as_str()) {
                missing.push(format!(
                    "en {cat_id} = {} (the doc comment of {k} {id})",
                    derived.unwrap_or_default()
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_catalogues_name_no_command_or_argument_that_does_not_exist() {
    let commands = tree();
    let mut known = std::collections::BTreeSet::new();
    for (path, cmd) in &commands {
        let k = key(path);
        known.insert(format!("cli-{k}-about"));
        known.insert(format!("cli-{k}-example"));
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str().replace('_', "-");
            known.insert(format!("cli-{k}-opt-{id}"));
            known.insert(format!("cli-opt-{id}"));
        }
    }
    let stale: Vec<String> = i18n::ids(i18n::EN_FTL)
        .into_iter()
        .filter(|id| {
            id.starts_with("cli-")
                && (id.ends_with("-about") || id.ends_with("-example") || id.contains("opt-"))
                && !id.starts_with("cli-help-")
        })
        .filter(|id| !known.contains(id))
        .collect();
    assert!(stale.is_empty(), "stale ids: {stale:?}");
}

#[test]
fn every_example_is_an_invocation_of_its_command() {
    for (path, _) in tree() {
        let k = key(&path);
        for lang in Lang::ALL {
            let text = i18n::t(lang, &format!("cli-{k}-example"), &[]);
            let mut ran_own = false;
            for line in text.lines() {
                let line = line.split(" # ").next().unwrap_or("").trim();
                assert!(line.starts_with("yinxin "), "{k}: {line}");
                assert!(!line.contains(['\'', '"', '\\']), "{k}: no quoting: {line}");
                let argv: Vec<&str> = line.split_whitespace().collect();
                let m = super::super::Cli::command()
                    .try_get_matches_from(&argv)
                    .unwrap_or_else(|e| panic!("{} example {line}: {e}", lang.tag()));
                let mut names = Vec::new();
                let mut cur = &m;
                while let Some((n, sub)) = cur.subcommand() {
                    names.push(n.to_string());
                    cur = sub;
                }
                ran_own |= names.starts_with(&path);
            }
            assert!(
                ran_own,
                "{} example of {k} runs another command",
                lang.tag()
            );
        }
    }
}

fn render(lang: Lang, args: &[&str]) -> String {
    let mut cmd = command(lang);
    let mut argv = vec!["yinxin"];
    argv.extend_from_slice(args);
    match cmd.try_get_matches_from_mut(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => e.render().to_string(),
        other => panic!("not help: {other:?}"),
    }
}

#[test]
fn help_is_rendered_in_the_language() {
    let zh = render(Lang::ZhCn, &["seal", "create", "--help"]);
    assert!(zh.contains("示例："), "{zh}");
    assert!(zh.contains("yinxin seal create --data-dir"), "{zh}");
    assert!(zh.contains("用法：") && zh.contains("选项"), "{zh}");
    assert!(
        !zh.contains("Options:") && !zh.contains("Examples:"),
        "{zh}"
    );
    assert!(!zh.contains("Print help"), "{zh}");
    let top = render(Lang::ZhCn, &["--help"]);
    assert!(top.contains("命令:") && top.contains("示例："), "{top}");
    assert!(!top.contains("Commands:"), "{top}");
    let en = render(Lang::En, &["seal", "create", "--help"]);
    assert!(en.contains("Examples:") && en.contains("Options:"), "{en}");
    assert!(!en.contains("示例"), "{en}");
}

#[test]
fn language_of_the_command_line() {
    let os = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
    let none = |_: &str| None;
    let zh_locale = |k: &str| (k == "LANG").then(|| "zh_CN.UTF-8".to_string());
    assert_eq!(locale::prescan(&os(&["yinxin", "--help"]), none), Lang::En);
    assert_eq!(
        locale::prescan(&os(&["yinxin", "--help"]), zh_locale),
        Lang::ZhCn
    );
    assert_eq!(
        locale::prescan(&os(&["yinxin", "crl", "--lang", "zh-CN"]), none),
        Lang::ZhCn
    );
    assert_eq!(
        locale::prescan(&os(&["yinxin", "--lang=en", "crl"]), zh_locale),
        Lang::En
    );
    // After `--` it is an operand.
    assert_eq!(
        locale::prescan(&os(&["yinxin", "show", "--", "--lang=zh-CN"]), none),
        Lang::En
    );
    let yinxin_lang = |k: &str| match k {
        "YINXIN_LANG" => Some("zh".to_string()),
        "LANG" => Some("en_US.UTF-8".to_string()),
        _ => None,
    };
    assert_eq!(locale::prescan(&os(&["yinxin"]), yinxin_lang), Lang::ZhCn);
    assert!(locale::parse_lang_arg("fr").is_err());
    assert_eq!(locale::parse_lang_arg("ZH_cn"), Ok(Lang::ZhCn));
}

#[test]
fn the_cli_own_messages_are_translated() {
    let zh = |m: &str| locale::translate(Lang::ZhCn, m);
    assert_eq!(
        zh("cannot read /x/a.pem: No such file or directory (os error 2)"),
        "无法读取 /x/a.pem：文件或目录不存在"
    );
    assert_eq!(
        zh("/nonexistent/yinxin.toml not found: run `yinxin init` first (or pass --data-dir)"),
        "未找到 /nonexistent/yinxin.toml：请先运行 `yinxin init`（或使用 --data-dir 指定数据目录）"
    );
    assert_eq!(
        zh("no certificate with serial 1A"),
        "没有序列号为 1A 的证书"
    );
    // A domain error stays as it is; English is never rewritten.
    assert_eq!(zh("weak key: 128 bits"), "weak key: 128 bits");
    let m = "cannot read x: boom";
    assert_eq!(locale::translate(Lang::En, m), m);
}

#[test]
fn the_validation_summary_speaks_both_languages() {
    use crate::verify::report::{Failure, FailureReason, Indication, Report, SubIndication};
    let r = Report {
        indication: Indication::TotalFailed,
        sub_indication: Some(SubIndication::Expired),
        anchor: None,
        anchor_sha256: None,
        recognition: None,
        path: vec![],
        revocation: vec![],
        valid_policy_set: vec![],
        failure: Some(Failure::new(
            FailureReason::Expired,
            Some(0),
            Some("CN=张三".into()),
        )),
        paths_tried: 1,
        signature_checks: 1,
    };
    assert_eq!(
        locale::chain_summary(Lang::En, &r),
        "TOTAL_FAILED / EXPIRED\n  CN=张三: the certificate has expired"
    );
    assert_eq!(
        locale::chain_summary(Lang::ZhCn, &r),
        "TOTAL_FAILED（验证失败） / EXPIRED（证书已过期）\n  CN=张三：证书已过期（the certificate has expired）"
    );
    // The JSON report carries both texts next to the codes.
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["failure"]["reason"], "expired");
    assert_eq!(j["failure"]["reason_text"]["zh-CN"], "证书已过期");
    assert_eq!(
        j["failure"]["reason_text"]["en"],
        "the certificate has expired"
    );
    assert_eq!(j["indication"], "TOTAL_FAILED");
    assert_eq!(j["indication_text"]["zh-CN"], "验证失败");
    assert_eq!(j["sub_indication"], "EXPIRED");
    assert_eq!(j["sub_indication_text"]["en"], "a certificate has expired");
}

/// Prints en.ftl entries for the command tree (a starting point when commands change):
/// `cargo test --lib cli::help::tests::dump -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump() {
    for (path, cmd) in tree() {
        let k = key(&path);
        println!(
            "cli-{k}-about = {}",
            squash(&cmd.get_about().map(|a| a.to_string()).unwrap_or_default())
        );
        for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = a.get_id().as_str().replace('_', "-");
            println!(
                "cli-{k}-opt-{id} = {}",
                squash(&a.get_help().map(|h| h.to_string()).unwrap_or_default())
            );
        }
    }
}
