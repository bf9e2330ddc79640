//! Every problem kind the sources use, every failure reason code (certificate paths, seals,
//! e-licences) and every sub-indication has its texts in both catalogues. The kinds are found by reading `src/**/*.rs` (outside test
//! modules): the literal kind of `Problem::new(status, "kind", …)`, `Problem::bad_request`,
//! `Problem::unprocessable`, the fixed kinds of the other constructors, the listener's table,
//! and the `=> "kind"` arms of the domain's `code()`/`kind()` functions that handlers turn into
//! problem kinds.

use super::{Lang, has};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's text before its test module.
fn non_test(p: &Path) -> String {
    let s = std::fs::read_to_string(p).unwrap();
    match s.find("#[cfg(test)]\nmod tests") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The string literal right after `at` (whitespace skipped), if one starts there.
fn literal_at(s: &str, at: usize) -> Option<String> {
    let rest = s[at..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// The index just after the first top-level comma from `at` (inside the call's parentheses).
fn after_first_argument(s: &str, at: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s[at..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(at + i + 1),
            _ => {}
        }
    }
    None
}

/// The `=> "x"` arms of `fn <name>(&self) -> &'static str` in `s`.
fn arms(s: &str, name: &str) -> Vec<String> {
    let sig = format!("pub fn {name}(&self) -> &'static str {{");
    let Some(start) = s.find(&sig) else {
        return vec![];
    };
    let body = &s[start..];
    let end = body.find("\n    }\n").unwrap_or(body.len());
    body[..end]
        .split("=> \"")
        .skip(1)
        .filter_map(|p| p.split('"').next().map(str::to_string))
        .collect()
}

fn problem_kinds() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut kinds = vec![];
    let mut add = |k: String, at: &Path| kinds.push((k, at.display().to_string()));
    for f in files
        .iter()
        .filter(|f| !f.ends_with("i18n/completeness.rs"))
    {
        let s = non_test(f);
        for (i, _) in s.match_indices("Problem::new(") {
            let at = i + "Problem::new(".len();
            if let Some(k) = after_first_argument(&s, at).and_then(|a| literal_at(&s, a)) {
                add(k, f);
            }
        }
        for ctor in ["Problem::bad_request(", "Problem::unprocessable("] {
            for (i, _) in s.match_indices(ctor) {
                if let Some(k) = literal_at(&s, i + ctor.len()) {
                    add(k, f);
                }
            }
        }
        for (ctor, kind) in [
            ("Problem::unauthorized(", "unauthorized"),
            ("Problem::forbidden(", "forbidden"),
            ("Problem::not_found(", "not-found"),
            ("Problem::internal(", "internal"),
        ] {
            if s.contains(ctor) {
                add(kind.to_string(), f);
            }
        }
        // The listener's own answers: `(StatusCode::X, "kind", "detail")`.
        if f.ends_with("api/listener.rs") {
            for (i, _) in s.match_indices("StatusCode::") {
                if let Some(a) = after_first_argument(&s, i)
                    && let Some(k) = literal_at(&s, a)
                {
                    add(k, f);
                }
            }
        }
        // Domain codes that handlers pass as problem kinds.
        for (file, func) in [
            ("pki/authority.rs", "code"),
            ("seal/holder.rs", "kind"),
            ("seal/binding.rs", "kind"),
        ] {
            if f.ends_with(file) {
                for k in arms(&s, func) {
                    add(k, f);
                }
            }
        }
    }
    kinds
}

#[test]
fn every_problem_kind_has_a_title_in_both_languages() {
    let kinds = problem_kinds();
    // The scan finds what it should (a broken scan must not pass vacuously).
    for k in [
        "already-revoked",
        "malformed-json",
        "not-found",
        "uri-too-long",
        "weak-key",
    ] {
        assert!(kinds.iter().any(|(x, _)| x == k), "scan missed {k}");
    }
    let mut missing: Vec<String> = kinds
        .iter()
        .filter(|(k, _)| !Lang::ALL.iter().all(|l| has(*l, &format!("problem-{k}"))))
        .map(|(k, f)| format!("problem-{k} (used in {f})"))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_reason_and_sub_indication_has_texts_in_both_languages() {
    let reason = non_test(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/verify/reason.rs"));
    let mut codes = arms(&reason, "code");
    assert!(codes.len() >= 50, "{} codes found", codes.len());
    // E-licence verification reasons (`licence::verify::LicenceReason::code`).
    let licence =
        non_test(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/licence/verify/reason.rs"));
    let licence_codes = arms(&licence, "code");
    assert!(
        licence_codes.len() >= 20,
        "{} licence codes found",
        licence_codes.len()
    );
    codes.extend(licence_codes);
    let mut missing = vec![];
    for c in &codes {
        for l in Lang::ALL {
            if !has(l, &format!("reason-{c}")) {
                missing.push(format!("{} reason-{c}", l.tag()));
            }
        }
    }
    use crate::verify::report::{Indication, SubIndication};
    for s in SubIndication::ALL {
        // The name is the serialized one.
        assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        for l in Lang::ALL {
            if !has(l, &format!("subindication-{}", s.name())) {
                missing.push(format!("{} subindication-{}", l.tag(), s.name()));
            }
        }
    }
    // SubIndication::ALL lists every variant the enum declares.
    let report = non_test(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/verify/report.rs"));
    let decl = report
        .split("pub enum SubIndication {")
        .nth(1)
        .and_then(|b| b.split("\n}").next())
        .unwrap_or("");
    let variants = decl
        .lines()
        .filter(|l| {
            let t = l.trim();
            t.ends_with(',') && !t.starts_with("//")
        })
        .count();
    assert_eq!(
        variants,
        SubIndication::ALL.len(),
        "SubIndication::ALL is incomplete"
    );
    for i in [
        Indication::TotalPassed,
        Indication::TotalFailed,
        Indication::Indeterminate,
    ] {
        assert_eq!(serde_json::to_value(i).unwrap(), i.name());
        for l in Lang::ALL {
            if !has(l, &format!("indication-{}", i.name())) {
                missing.push(format!("{} indication-{}", l.tag(), i.name()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
