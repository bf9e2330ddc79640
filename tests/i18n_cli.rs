//! The command line in Chinese and English: `--help` follows `LANG` and `--lang`, with an
//! example; the one-line error has a Chinese lead-in and the CLI's own words in Chinese; the
//! validation summary names the indication in the language chosen.

mod common;
use common::*;
use std::process::{Command, Output};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The binary with no language settings of its own: only what the test gives.
fn bare() -> Command {
    let mut c = yinxin();
    c.env_remove("YINXIN_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(c: &mut Command) -> (Output, String, String) {
    let o = c.output().expect("spawn yinxin");
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    (o, out, err)
}

#[test]
fn help_follows_lang_and_the_locale() {
    // LANG=zh_CN.UTF-8.
    let (o, out, _) = run(bare().env("LANG", "zh_CN.UTF-8").arg("--help"));
    assert!(o.status.success());
    assert!(out.contains("示例："), "{out}");
    assert!(out.contains("命令:") && out.contains("用法："), "{out}");
    assert!(out.contains("电子认证"), "{out}");
    assert!(
        !out.contains("Examples:") && !out.contains("Commands:"),
        "{out}"
    );

    let (o, out, _) = run(bare()
        .env("LANG", "zh_CN.UTF-8")
        .args(["seal", "create", "--help"]));
    assert!(o.status.success());
    assert!(
        out.contains("示例：") && out.contains("yinxin seal create"),
        "{out}"
    );
    assert!(out.contains("印章"), "{out}");
    assert!(!out.contains("Print help"), "{out}");

    // --lang zh-CN over an English locale, and --lang en over a Chinese one.
    let (o, out, _) = run(bare()
        .env("LANG", "en_US.UTF-8")
        .args(["seal", "create", "--lang", "zh-CN", "--help"]));
    assert!(o.status.success());
    assert!(out.contains("示例："), "{out}");
    let (o, out, _) =
        run(bare()
            .env("LANG", "zh_CN.UTF-8")
            .args(["--lang=en", "seal", "create", "--help"]));
    assert!(o.status.success());
    assert!(
        out.contains("Examples:") && out.contains("Options:"),
        "{out}"
    );
    assert!(!out.contains("示例"), "{out}");
    // YINXIN_LANG is --lang's variable; no setting at all is English.
    let (_, out, _) = run(bare().env("YINXIN_LANG", "zh-CN").args(["crl", "--help"]));
    assert!(out.contains("示例："), "{out}");
    let (_, out, _) = run(bare().args(["crl", "--help"]));
    assert!(out.contains("Examples:") && !has_cjk(&out), "{out}");
}

#[test]
fn one_line_errors_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nonexistent");
    let crl = |lang: &str| {
        run(bare()
            .args(["crl", "--ca", "sm2", "--lang", lang, "--data-dir"])
            .arg(&missing)
            .arg("--out")
            .arg(tmp.path().join("x.crl")))
    };
    let (o, _, err) = crl("zh-CN");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("yinxin: 错误：未找到 "), "{err}");
    assert!(err.contains("yinxin init"), "{err}");
    let (o, _, err) = crl("en");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("yinxin: error: "), "{err}");
    assert!(!has_cjk(&err), "{err}");

    // A missing passphrase points at the demo region's passphrase file when there is one.
    let demo = tmp.path().join("demo");
    std::fs::create_dir_all(&demo).unwrap();
    let pass_file = demo.join("DEMO-ONLY-key-passphrase.txt");
    std::fs::write(&pass_file, "x\n").unwrap();
    for (lang, lead) in [
        ("zh-CN", "yinxin: 错误：未提供密钥库口令"),
        ("en", "yinxin: error: no key store passphrase"),
    ] {
        let (o, _, err) = run(bare()
            .env_remove("YINXIN_KEY_PASSPHRASE")
            .args([
                "crl",
                "--ca",
                "sm2",
                "--out",
                "x.crl",
                "--lang",
                lang,
                "--data-dir",
            ])
            .arg(&demo));
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.starts_with(lead), "{err}");
        assert!(err.contains(&pass_file.display().to_string()), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }

    // Usage errors keep exit code 2; the lead-in is Chinese.
    let (o, _, err) = run(bare().env("LANG", "zh_CN.UTF-8").args(["crl", "--ca", "x"]));
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("错误："), "{err}");
    let (o, _, err) = run(bare().args(["crl", "--ca", "x"]));
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error:"), "{err}");
    // An unknown --lang is a usage error.
    let (o, _, err) = run(bare().args(["--lang", "fr", "list"]));
    assert_eq!(o.status.code(), Some(2), "{err}");
}

#[test]
fn validation_summary_in_both_languages() {
    let anchor = fixture("pkits/certs/TrustAnchorRootCertificate.crt");
    // No intermediate: no path.
    let cert = fixture("pkits/certs/AnyPolicyTest14EE.crt");
    let verify = |lang: &str| {
        run(bare()
            .args([
                "verify-chain",
                "--no-revocation",
                "--lang",
                lang,
                "--anchor",
            ])
            .arg(&anchor)
            .arg("--cert")
            .arg(&cert))
    };
    let (o, out, err) = verify("zh-CN");
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    let first = out.lines().next().unwrap_or("");
    assert_eq!(
        first,
        "INDETERMINATE（无法确定） / NO_CERTIFICATE_CHAIN_FOUND（找不到通往信任锚的证书路径）"
    );
    assert!(out.contains("：找不到通往信任锚的证书路径（"), "{out}");
    let (o, out, _) = verify("en");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        out.lines().next(),
        Some("INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND")
    );
    assert!(!has_cjk(&out), "{out}");
}
