//! Message catalogues and language negotiation (zh-CN and en).
//!
//! This module owns the two Fluent catalogues (`en.ftl`, `zh-CN.ftl`, embedded at build
//! time), the choice of a language from an HTTP `Accept-Language` header (RFC 9110 §12.5.4)
//! or from the POSIX locale variables, and the formatting of one message ([`t`]). It is used
//! by the HTTP problems (`api::problem`, `api::locale`), the command line (`cli::help`,
//! `cli::locale`) and the verification reports (`verify::report`), and must import nothing
//! from `api`, `cli` or `store` (it is below them all).
//!
//! Message ids follow a naming scheme (see `docs/i18n.md`): `problem-<kind>` (title, with
//! an optional `.detail` attribute), `msg-…` (problem details with arguments),
//! `reason-<code>`, `indication-<NAME>`, `subindication-<NAME>`, `cli-…`. An attribute is
//! addressed as `id.attribute`. A message missing in zh-CN falls back to en; missing in both,
//! [`t`] returns the id itself (the tests keep both catalogues complete).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use std::sync::OnceLock;

#[cfg(test)]
mod completeness;
#[cfg(test)]
mod tests;

/// The English catalogue.
pub const EN_FTL: &str = include_str!("en.ftl");
/// The Simplified Chinese catalogue.
pub const ZH_CN_FTL: &str = include_str!("zh-CN.ftl");

/// A language the service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese (中文（简体）).
    ZhCn,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag (`en`, `zh-CN`), as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language of one language tag or locale name, if we speak it: `zh`, `zh-CN`,
    /// `zh-Hans`, `zh-Hans-CN`, `zh-SG`, `zh_CN.UTF-8` are zh-CN; so are `zh-TW`, `zh-HK` and
    /// `zh-Hant` (Simplified Chinese serves a Traditional Chinese reader better than English);
    /// `en…` is en; anything else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        // A POSIX locale: `zh_CN.UTF-8@modifier`.
        let tag = tag.split(['.', '@']).next().unwrap_or("").trim();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Negotiate from an `Accept-Language` header value (RFC 9110 §12.5.4): the supported
    /// language with the highest quality wins (the first listed on a tie); `q=0` excludes a
    /// language; `*` stands for any language not excluded (en first); an absent, empty,
    /// malformed or unsupported header gives en. Never fails.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut ranges: Vec<(Option<Lang>, bool, u16, usize)> = Vec::new();
        let mut excluded: Vec<Lang> = Vec::new();
        let mut wildcard_excluded = false;
        for (i, item) in header.split(',').enumerate().take(64) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            if tag.is_empty() || tag.len() > 64 {
                continue;
            }
            let mut q = Some(1000u16);
            for p in parts {
                let p = p.trim();
                if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                    q = parse_qvalue(v.trim());
                }
            }
            let Some(q) = q else { continue };
            let wildcard = tag == "*";
            let lang = if wildcard { None } else { Lang::from_tag(tag) };
            if !wildcard && lang.is_none() {
                continue;
            }
            if q == 0 {
                match lang {
                    Some(l) => excluded.push(l),
                    None => wildcard_excluded = true,
                }
                continue;
            }
            ranges.push((lang, wildcard, q, i));
        }
        ranges.sort_by(|a, b| b.2.cmp(&a.2).then(a.3.cmp(&b.3)));
        for (lang, wildcard, _, _) in ranges {
            if let Some(l) = lang
                && !excluded.contains(&l)
            {
                return l;
            }
            if wildcard
                && !wildcard_excluded
                && let Some(l) = Lang::ALL.into_iter().find(|l| !excluded.contains(l))
            {
                return l;
            }
        }
        Lang::En
    }

    /// The language of the POSIX locale: the first non-empty of `LC_ALL`, `LC_MESSAGES` and
    /// `LANG` decides (`zh_CN.UTF-8` → zh-CN; `C`, `POSIX`, unset or another language → en).
    pub fn from_env() -> Lang {
        Self::from_locale_vars(|k| std::env::var(k).ok())
    }

    /// [`Lang::from_env`] over any source of variables (for tests).
    pub fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(get)
            .find(|v| !v.trim().is_empty())
            .and_then(|v| Lang::from_tag(&v))
            .unwrap_or_default()
    }
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn parse_qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_val = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_val),
        "1" if frac_val == 0 => Some(1000),
        _ => None,
    }
}

/// Both texts of one message, as reports carry them: `{"en": "…", "zh-CN": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
}

/// [`t`] in every language.
pub fn both(id: &str, args: &[(&str, &str)]) -> Bilingual {
    Bilingual {
        en: t(Lang::En, id, args),
        zh_cn: t(Lang::ZhCn, id, args),
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle_for(lang: Lang) -> &'static Bundle {
    static EN: OnceLock<Bundle> = OnceLock::new();
    static ZH: OnceLock<Bundle> = OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| build_bundle("en", EN_FTL)),
        Lang::ZhCn => ZH.get_or_init(|| build_bundle("zh-CN", ZH_CN_FTL)),
    }
}

/// A bundle from an embedded catalogue. A syntax error (which the tests forbid) loses the
/// faulty entries only; it is logged, never fatal.
fn build_bundle(tag: &str, source: &str) -> Bundle {
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(lang = tag, errors = ?errors, "message catalogue has syntax errors");
        res
    });
    let langid = tag
        .parse::<unic_langid::LanguageIdentifier>()
        .unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // No U+2068/U+2069 around arguments: the texts go to JSON and terminals.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = tag, errors = ?errors, "message catalogue has duplicate ids");
    }
    bundle
}

/// Format message `id` (or `id.attribute`) in `lang` with string arguments; a message
/// missing in zh-CN falls back to en; missing in both, the id itself is returned.
pub fn t(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    lookup(lang, id, args)
        .or_else(|| {
            (lang != Lang::En)
                .then(|| lookup(Lang::En, id, args))
                .flatten()
        })
        .unwrap_or_else(|| id.to_string())
}

/// Whether `id` (or `id.attribute`) exists in `lang`'s catalogue (no fallback).
pub fn has(lang: Lang, id: &str) -> bool {
    let (msg_id, attr) = split_id(id);
    bundle_for(lang)
        .get_message(msg_id)
        .is_some_and(|m| match attr {
            Some(a) => m.get_attribute(a).is_some(),
            None => m.value().is_some(),
        })
}

/// The attribute names of message `id` in `lang`'s catalogue (none when it is missing).
pub fn attributes(lang: Lang, id: &str) -> Vec<String> {
    bundle_for(lang)
        .get_message(id)
        .map(|m| m.attributes().map(|a| a.id().to_string()).collect())
        .unwrap_or_default()
}

/// Every message id of a catalogue source (attributes not included), in order.
pub fn ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_string()))
        .collect()
}

fn split_id(id: &str) -> (&str, Option<&str>) {
    match id.split_once('.') {
        Some((m, a)) => (m, Some(a)),
        None => (id, None),
    }
}

fn lookup(lang: Lang, id: &str, args: &[(&str, &str)]) -> Option<String> {
    let bundle = bundle_for(lang);
    let (msg_id, attr) = split_id(id);
    let msg = bundle.get_message(msg_id)?;
    let pattern = match attr {
        Some(a) => msg.get_attribute(a)?.value(),
        None => msg.value()?,
    };
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(*k, FluentValue::from(*v));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(lang = lang.tag(), id, errors = ?errors, "message formatting");
    }
    Some(text.into_owned())
}
