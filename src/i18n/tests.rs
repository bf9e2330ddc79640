//! Negotiation, formatting and the completeness of the catalogues.

use super::*;
use std::collections::BTreeSet;

#[test]
fn accept_language_negotiation() {
    use Lang::{En, ZhCn};
    let cases: &[(&str, Lang)] = &[
        ("zh-CN", ZhCn),
        ("zh", ZhCn),
        ("zh-Hans", ZhCn),
        ("zh-Hans-CN", ZhCn),
        ("zh-SG", ZhCn),
        ("ZH-cn", ZhCn),
        // Traditional Chinese is answered in Simplified Chinese (documented).
        ("zh-TW", ZhCn),
        ("zh-Hant", ZhCn),
        ("en", En),
        ("en-US,en;q=0.9", En),
        ("", En),
        ("*", En),
        ("fr-FR, de;q=0.8", En),
        // q-values decide, not the order.
        ("en;q=0.5, zh;q=0.9", ZhCn),
        ("zh;q=0.4, en;q=0.6", En),
        ("fr, zh-CN;q=0.3", ZhCn),
        // Equal quality: the first listed.
        ("zh-CN, en", ZhCn),
        ("en, zh-CN", En),
        // q=0 excludes.
        ("zh-CN;q=0", En),
        ("zh-CN;q=0, *", En),
        ("en;q=0, *", ZhCn),
        ("zh;q=0, zh-CN;q=0.8", En),
        ("zh-CN;q=0.000", En),
        // Malformed q-values drop the range; garbage gives en.
        ("zh-CN;q=2", En),
        ("zh-CN;q=abc, en;q=0.1", En),
        ("zh-CN;q=0.5555", En),
        ("zh-CN;Q=0.7", ZhCn),
        ("zh-CN ; q=1.0", ZhCn),
        (";;;,,,==", En),
        ("\u{7}\u{0}zh", En),
        ("zh-CN;q=0.5;foo=bar", ZhCn),
    ];
    for (header, want) in cases {
        assert_eq!(Lang::from_accept_language(header), *want, "{header:?}");
    }
    // Bounded work on a hostile header.
    let long = "xx;q=0.1,".repeat(10_000) + "zh-CN";
    assert_eq!(Lang::from_accept_language(&long), Lang::En);
}

#[test]
fn locale_variables() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "zh_CN.GB18030@x")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LANG", "C.UTF-8")])),
        Lang::En
    );
    assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
    // LC_ALL wins over LANG; LC_MESSAGES over LANG; empty values are skipped.
    assert_eq!(
        Lang::from_locale_vars(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
        Lang::En
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LC_MESSAGES", "zh_CN"), ("LANG", "en_US")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::from_locale_vars(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(Lang::ZhCn.tag(), "zh-CN");
    assert_eq!(Lang::En.tag(), "en");
}

#[test]
fn formatting_with_arguments_and_fallbacks() {
    let en = t(Lang::En, "msg-certificate-not-found", &[("serial", "1A2B")]);
    assert_eq!(en, "no certificate with serial 1A2B");
    let zh = t(
        Lang::ZhCn,
        "msg-certificate-not-found",
        &[("serial", "1A2B")],
    );
    assert_eq!(zh, "没有序列号为 1A2B 的证书");
    // No isolation marks around arguments.
    assert!(!zh.contains(['\u{2068}', '\u{2069}']), "{zh:?}");
    // Attributes.
    assert_eq!(
        t(Lang::ZhCn, "problem-not-found.detail", &[]),
        "该资源不存在"
    );
    // Selectors.
    assert!(t(Lang::ZhCn, "msg-no-crl", &[("which", "delta"), ("ca", "x")]).contains("增量"));
    // Missing everywhere: the id itself.
    assert_eq!(t(Lang::ZhCn, "no-such-message", &[]), "no-such-message");
    assert!(!has(Lang::En, "no-such-message"));
    let b = both("indication-TOTAL_FAILED", &[]);
    assert_eq!(b.en, "failed");
    assert_eq!(b.zh_cn, "验证失败");
    assert_eq!(
        serde_json::to_value(&b).unwrap(),
        serde_json::json!({"en": "failed", "zh-CN": "验证失败"})
    );
}

fn attribute_ids(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut current = String::new();
    for line in source.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if let Some((id, _)) = line.split_once('=') {
                current = id.trim().to_string();
                out.insert(current.clone());
            }
        } else if let Some(attr) = line.trim_start().strip_prefix('.')
            && let Some((name, _)) = attr.split_once('=')
        {
            out.insert(format!("{current}.{}", name.trim()));
        }
    }
    out
}

#[test]
fn catalogues_parse_without_errors() {
    for (tag, src) in [("en", EN_FTL), ("zh-CN", ZH_CN_FTL)] {
        if let Err((_, errors)) = FluentResource::try_new(src.to_string()) {
            panic!("{tag}.ftl: {errors:?}");
        }
        let ids = ids(src);
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "{tag}.ftl has duplicate ids");
        assert!(ids.len() > 100, "{tag}.ftl: only {} ids", ids.len());
    }
}

#[test]
fn catalogues_have_the_same_messages_and_attributes() {
    let en = attribute_ids(EN_FTL);
    let zh = attribute_ids(ZH_CN_FTL);
    let only_en: Vec<_> = en.difference(&zh).collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    assert!(only_en.is_empty(), "missing in zh-CN.ftl: {only_en:?}");
    assert!(only_zh.is_empty(), "missing in en.ftl: {only_zh:?}");
    // And every one formats in both (no unresolved reference).
    for id in &en {
        for lang in Lang::ALL {
            assert!(has(lang, id), "{id} does not resolve in {}", lang.tag());
        }
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c))
}

#[test]
fn chinese_texts_are_chinese() {
    // Words that are the same in both languages (names of standards, codes).
    const SAME: &[&str] = &[];
    for id in attribute_ids(ZH_CN_FTL) {
        let text = t(Lang::ZhCn, &id, &[]);
        if SAME.contains(&id.as_str()) || id.ends_with("-example") {
            continue;
        }
        assert!(has_cjk(&text), "zh-CN {id} has no Chinese: {text:?}");
        assert!(!text.contains(['\u{2068}', '\u{2069}']), "{id}");
    }
}
