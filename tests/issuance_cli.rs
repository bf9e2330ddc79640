//! `yinxin init` and `yinxin issue` end to end, checked with OpenSSL 3: for SM2 and P-256,
//! person, organization and device certificates from OpenSSL CSRs and with generated keys.

mod common;
use common::flow::full_flow;
use common::*;

#[test]
fn sm2_issuance_verifies_with_openssl() {
    full_flow("sm2", None);
}

#[test]
fn p256_issuance_verifies_with_openssl() {
    full_flow("p256", None);
}

#[test]
fn init_refuses_to_overwrite_a_region() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let before = std::fs::read(data.join("keys/sm2-root.pem")).unwrap();
    let o = yinxin()
        .args(["init", "--data-dir"])
        .arg(&data)
        .args(["--region", "x1", "--name", "x"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(
        std::fs::read(data.join("keys/sm2-root.pem")).unwrap(),
        before
    );
}

/// What `init` writes that may hold secrets is the owner's only: `yinxin.toml` (its database
/// URL may carry a PostgreSQL password), the key store and the SQLite database.
#[test]
fn init_writes_secrets_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    assert_eq!(mode(&data.join("yinxin.toml")), 0o600, "yinxin.toml");
    assert_eq!(mode(&data.join("yinxin.db")), 0o600, "yinxin.db");
    assert_eq!(mode(&data.join("keys")), 0o700, "keys/");
    for e in std::fs::read_dir(data.join("keys")).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    // The database URL written for PostgreSQL (which may carry a password) likewise.
    if let Some(base) = std::env::var("YINXIN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let db = rt.block_on(TempPg::create(&base));
        let pg = tmp.path().join("pg");
        init_region(&pg, Some(&db.url));
        let toml = std::fs::read_to_string(pg.join("yinxin.toml")).unwrap();
        assert!(toml.contains(&db.url), "{toml}");
        assert_eq!(
            mode(&pg.join("yinxin.toml")),
            0o600,
            "yinxin.toml (PostgreSQL)"
        );
        rt.block_on(db.drop_database());
    }
}

#[test]
fn cli_errors_are_one_line_and_nonzero() {
    let tmp = tempfile::tempdir().unwrap();
    // Not a region.
    let o = yinxin()
        .args(["list", "--data-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("yinxin: error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    // Wrong passphrase.
    let data = tmp.path().join("data");
    init_region(&data, None);
    std::fs::write(
        tmp.path().join("p.json"),
        r#"{"name":"李四","id_number":"11010519491231002X"}"#,
    )
    .unwrap();
    let o = yinxin()
        .env("YINXIN_KEY_PASSPHRASE", "not-the-passphrase")
        .args([
            "issue",
            "--profile",
            "person",
            "--algorithm",
            "sm2",
            "--generate-key",
            "--data-dir",
        ])
        .arg(&data)
        .arg("--key-passphrase-file")
        .arg(fixture("csr/test-sm2.csr.pem"))
        .arg("--subject")
        .arg(tmp.path().join("p.json"))
        .arg("--out")
        .arg(tmp.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("wrong passphrase") && err.trim().lines().count() == 1,
        "{err}"
    );
    // Usage error.
    let o = yinxin()
        .args(["issue", "--profile", "person"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // Every command has --help.
    for cmd in ["init", "issue", "show", "list"] {
        let o = yinxin().args([cmd, "--help"]).output().unwrap();
        assert!(o.status.success() && !o.stdout.is_empty(), "{cmd} --help");
    }
    // Invalid profile file stops with file and field.
    std::fs::write(
        data.join("policies/person.toml"),
        "name = \"person\"\nkind = \"person\"\nbogus = 1\n",
    )
    .unwrap();
    let o = yinxin()
        .args(["list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("person.toml") && err.contains("bogus"),
        "{err}"
    );
}
