//! `docs/configuration.md` is generated from the code: every `yinxin.toml` key (the fields of
//! the configuration structs in `src/config.rs` and `src/config/`, with their doc comments and defaults) and
//! every `YINXIN_*` environment variable the sources read. The test fails when the document
//! differs from what the code says; `YINXIN_WRITE_DOCS=1 cargo test --test configuration_doc`
//! rewrites it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SECTIONS: [(&str, &str); 7] = [
    ("RegionConfig", "region"),
    ("DatabaseConfig", "database"),
    ("ServiceConfig", "service"),
    ("HoldersConfig", "holders"),
    ("OidcConfig", "holders.oidc"),
    ("DutyLookupConfig", "[holders.duty_lookup]"),
    ("HsmConfig", "hsm"),
];

/// Variables that are not a `[service]` key's override, with what they do.
const OTHER_VARIABLES: [(&str, &str); 13] = [
    (
        "YINXIN_HSM_PIN",
        "the user PIN of the `[hsm]` token (instead of `[hsm] pin_file`)",
    ),
    (
        "YINXIN_OIDC_CLIENT_SECRET",
        "the holders' identity provider client secret (instead of `[holders.oidc] client_secret_file`)",
    ),
    (
        "YINXIN_TEST_CLOCK_FILE",
        "debug builds only (tests): a file holding seconds added to the service's clock, to move a running server's time",
    ),
    (
        "YINXIN_DATA_DIR",
        "data directory of every command (`--data-dir`, default `data`)",
    ),
    (
        "YINXIN_DATABASE_URL",
        "overrides `[database] url` (`sqlite://…` or `postgres://…`)",
    ),
    (
        "YINXIN_PUBLIC_BASE_URL",
        "overrides `[service] public_base_url`",
    ),
    ("YINXIN_LISTEN", "overrides `[service] listen`"),
    (
        "YINXIN_KEY_PASSPHRASE",
        "the key store passphrase (prefer `--key-passphrase-file` on shared hosts)",
    ),
    (
        "YINXIN_LANG",
        "language of the command line's help and messages (`--lang`): `en` or `zh-CN`; default from `LC_ALL`, `LC_MESSAGES`, `LANG` (see docs/i18n.md)",
    ),
    (
        "YINXIN_LOG",
        "log filter (`tracing` env-filter syntax, e.g. `info`, `yinxin=debug`)",
    ),
    (
        "YINXIN_SEAL_FONT",
        "a TrueType/OpenType CJK font file for generated seal pictures",
    ),
    (
        "YINXIN_PICTURE_OUT",
        "tests only: a directory where generated seal pictures are written for inspection",
    ),
    (
        "YINXIN_TOKEN",
        "`yinxin-load`: the bearer token (`--token`)",
    ),
];

struct Field {
    name: String,
    doc: String,
    default: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fields of `pub struct NAME { … }` in `src`, with their `///` docs and serde defaults.
fn fields(src: &str, name: &str) -> Vec<Field> {
    let start = src
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("struct {name} not found in src/config.rs or src/config/"));
    let body = &src[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut out = Vec::new();
    let (mut doc, mut default) = (Vec::<String>::new(), String::new());
    for line in body.lines().map(str::trim) {
        if let Some(d) = line.strip_prefix("///") {
            doc.push(d.trim().to_string());
        } else if line.starts_with("#[serde(") {
            default = if line.contains("default") {
                "yes".into()
            } else {
                String::new()
            };
        } else if let Some(rest) = line.strip_prefix("pub ") {
            let name = rest.split(':').next().unwrap().trim().to_string();
            out.push(Field {
                name,
                doc: doc.join(" "),
                default: std::mem::take(&mut default),
            });
            doc.clear();
        }
    }
    out
}

/// Every `"YINXIN_…"` string literal (and `YINXIN_{A,B}_…` families written in docs are not
/// counted) in the Rust sources under `dir`.
fn variables(dir: &Path, out: &mut BTreeMap<String, Vec<String>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            variables(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let mut rest = text.as_str();
            while let Some(i) = rest.find("\"YINXIN_") {
                let after = &rest[i + 1..];
                let end = after
                    .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(after.len());
                if after[end..].starts_with('"') {
                    let files = out.entry(after[..end].to_string()).or_default();
                    if !files.contains(&rel) {
                        files.push(rel.clone());
                    }
                }
                rest = &after[end..];
            }
        }
    }
}

fn generate() -> String {
    // The sections' structs: src/config.rs and its per-concept files.
    let mut src = std::fs::read_to_string(root().join("src/config.rs")).unwrap();
    src.push_str(&std::fs::read_to_string(root().join("src/config/holders.rs")).unwrap());
    src.push_str(&std::fs::read_to_string(root().join("src/config/hsm.rs")).unwrap());
    let mut doc = String::from(
        "# Configuration reference\n\n\
         Generated from the code by `tests/configuration_doc.rs` (`YINXIN_WRITE_DOCS=1 cargo test \
         --test configuration_doc` rewrites it; the test fails when it is out of date).\n\n\
         `DATA_DIR/yinxin.toml` is written by `yinxin init` (mode 0600: a PostgreSQL URL may carry a \
         password). Unknown keys are refused at start. Every `[service]` key can be overridden by \
         the environment variable `YINXIN_` + the key in capitals where one is listed below. \
         Mutual recognition has its own file, `policies/trust.toml` (see `src/trust/peers/config.rs`).\n",
    );
    let mut service_keys = Vec::new();
    for (strukt, section) in SECTIONS {
        doc.push_str(&format!(
            "\n## `[{section}]`\n\n| key | has a default | meaning |\n|---|---|---|\n"
        ));
        for f in fields(&src, strukt) {
            doc.push_str(&format!(
                "| `{}` | {} | {} |\n",
                f.name,
                if f.default.is_empty() { "no" } else { "yes" },
                f.doc.replace('|', "\\|")
            ));
            if section == "service" {
                service_keys.push(f.name);
            }
        }
    }
    let mut vars = BTreeMap::new();
    variables(&root().join("src"), &mut vars);
    doc.push_str("\n## Environment variables\n\n| variable | meaning | read in |\n|---|---|---|\n");
    for (var, files) in &vars {
        let key = var.trim_start_matches("YINXIN_").to_ascii_lowercase();
        let meaning = if let Some((_, m)) = OTHER_VARIABLES.iter().find(|(v, _)| v == var) {
            m.to_string()
        } else if service_keys.contains(&key) {
            format!("overrides `[service] {key}`")
        } else {
            panic!(
                "{var} (read in {files:?}) is neither a [service] key's override nor described \
                 in OTHER_VARIABLES of tests/configuration_doc.rs: describe it there"
            );
        };
        doc.push_str(&format!("| `{var}` | {meaning} | {} |\n", files.join(", ")));
    }
    doc
}

#[test]
fn configuration_reference_matches_the_code() {
    let want = generate();
    let path = root().join("docs/configuration.md");
    if std::env::var_os("YINXIN_WRITE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/configuration.md is out of date: run YINXIN_WRITE_DOCS=1 cargo test --test configuration_doc"
    );
    // Every variable documented in OTHER_VARIABLES is still read somewhere.
    let mut vars = BTreeMap::new();
    variables(&root().join("src"), &mut vars);
    for (v, _) in OTHER_VARIABLES {
        assert!(vars.contains_key(v), "{v} is no longer read: remove it");
    }
}
