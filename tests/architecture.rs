//! The house rules of `src/lib.rs`'s module map, checked on the sources: who may import the
//! CLI and the composition root, where HTTP and SQL types may appear, and how long a file may
//! grow. A rule broken by a change fails here with the file and line.

use std::path::{Path, PathBuf};

/// Lines of code a file may hold before its test module.
const MAX_CODE_LINES: usize = 800;

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The code lines of a file: up to its test module, without comment lines.
fn code(p: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(p).unwrap();
    let name = rel(p);
    if name.ends_with("/tests.rs") || name.contains("/tests/") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("#[cfg(test)]") {
            break;
        }
        let t = l.trim_start();
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, l.to_string()));
    }
    out
}

fn violations(allowed: impl Fn(&str) -> bool, needles: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for p in sources() {
        let name = rel(&p);
        if allowed(&name) {
            continue;
        }
        for (n, l) in code(&p) {
            if needles.iter().any(|x| l.contains(x)) {
                bad.push(format!("{name}:{n}: {}", l.trim()));
            }
        }
    }
    bad
}

#[test]
fn only_the_binary_imports_the_cli_and_the_composition_root() {
    let bad = violations(
        |f| f.starts_with("src/cli/") || f == "src/main.rs" || f == "src/app.rs",
        &["crate::cli", "yinxin::cli", "crate::app", "yinxin::app"],
    );
    assert!(
        bad.is_empty(),
        "imports of cli/app outside the binary:\n{}",
        bad.join("\n")
    );
    let bad = violations(|f| f != "src/app.rs", &["crate::cli"]);
    assert!(
        bad.is_empty(),
        "the composition root imports the CLI:\n{}",
        bad.join("\n")
    );
}

#[test]
fn http_and_sql_types_stay_in_the_adapters() {
    // The HTTP server, the store, the composition root and the one outbound client.
    let adapters = |f: &str| {
        f.starts_with("src/api/")
            || f.starts_with("src/store/")
            || f == "src/app.rs"
            || f.starts_with("src/app/")
            || f.starts_with("src/trust/fetch")
            || f.starts_with("src/bin/")
    };
    let bad = violations(
        adapters,
        &[
            "axum::",
            "hyper::",
            "hyper_util::",
            "sqlx::",
            "tower_http::",
            "http_body_util::",
        ],
    );
    assert!(
        bad.is_empty(),
        "HTTP or SQL types outside api, store, app and the outbound clients:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_source_file_is_over_the_size_limit() {
    let mut big = Vec::new();
    let mut counted = 0;
    for p in sources() {
        let n = code(&p).len();
        counted += 1;
        if n > MAX_CODE_LINES {
            big.push(format!("{}: {n} lines of code", rel(&p)));
        }
    }
    assert!(counted > 50, "only {counted} source files found");
    assert!(
        big.is_empty(),
        "files over {MAX_CODE_LINES} lines of code:\n{}",
        big.join("\n")
    );
}
