//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod browser;
pub mod exposure;
pub mod federation;
pub mod flow;
pub mod holders;
pub mod http;
pub mod licence;
pub mod log;
pub mod oidc;
pub mod pdf;
pub mod qr;
pub mod region;
pub mod sealing;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The passphrase of test regions (test-only).
pub const TEST_PASSPHRASE: &str = "test-only-passphrase-0001";

pub fn yinxin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yinxin"));
    // English messages whatever the developer's locale (tests/i18n_cli.rs tests the others).
    c.env("YINXIN_KEY_PASSPHRASE", TEST_PASSPHRASE)
        .env("YINXIN_LANG", "en")
        .env_remove("YINXIN_DATABASE_URL")
        .env_remove("YINXIN_DATA_DIR")
        .env_remove("YINXIN_PUBLIC_BASE_URL");
    c
}

/// A TCP port free on loopback now (for a server started next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `yinxin seal create` of an official seal of 91350100M000100Y43 for the certificate
/// `serial`, with the picture `png`; the seal is also written to `out`. Returns the record.
pub fn seal_create(
    data: &Path,
    name: &str,
    serial: &str,
    png: &Path,
    out: &Path,
) -> serde_json::Value {
    let o = run_ok(
        yinxin()
            .args([
                "seal",
                "create",
                "--holder",
                "91350100M000100Y43",
                "--type",
                "official",
                "--name",
                name,
                "--signer",
                serial,
                "--data-dir",
            ])
            .arg(data)
            .arg("--picture")
            .arg(png)
            .arg("--out")
            .arg(out),
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "command failed: {:?}\nstdout: {}\nstderr: {}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Returns false (after printing a skip line) when openssl is missing.
pub fn require_openssl(test: &str) -> bool {
    if openssl_available() {
        true
    } else {
        println!("skipped: {test}: openssl is not installed");
        false
    }
}

pub fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("spawn openssl")
}

/// Whether OpenSSL 3 verifies `sig` (DER) as an SM2-with-SM3 signature of `msg` (GM/T 0009
/// default distinguishing ID) by the key `spki` (DER SubjectPublicKeyInfo), with
/// `pkeyutl -verify -rawin -digest sm3`; files are written in `dir`.
pub fn openssl_sm2_verify(dir: &Path, spki: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    std::fs::write(dir.join("pub.der"), spki).unwrap();
    std::fs::write(dir.join("msg.bin"), msg).unwrap();
    std::fs::write(dir.join("sig.der"), sig).unwrap();
    let conv = Command::new("openssl")
        .current_dir(dir)
        .args([
            "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem",
        ])
        .output()
        .unwrap();
    assert!(conv.status.success(), "{conv:?}");
    let out = Command::new("openssl")
        .current_dir(dir)
        .args([
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-in",
            "msg.bin",
            "-sigfile",
            "sig.der",
        ])
        .output()
        .unwrap();
    out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully")
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Create a region with the CLI in `dir`; `db` overrides the database URL.
pub fn init_region(dir: &Path, db: Option<&str>) {
    let mut c = yinxin();
    c.args(["init", "--data-dir"])
        .arg(dir)
        .args(["--region", "test-gd", "--name", "广东测试区"]);
    if let Some(u) = db {
        c.args(["--database-url", u]);
    }
    run_ok(&mut c);
}

/// Make a key and CSR with OpenSSL 3 (SM2 CSRs signed with the default distinguishing ID).
pub fn openssl_csr(dir: &Path, alg: &str, name: &str) -> PathBuf {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    let curve = if alg == "sm2" {
        "ec_paramgen_curve:SM2"
    } else {
        "ec_paramgen_curve:P-256"
    };
    let o = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        curve,
        "-out",
        key.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut args = vec![
        "req",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=ignored",
        "-out",
        csr.to_str().unwrap(),
    ];
    if alg == "sm2" {
        args.extend(["-sm3", "-sigopt", "distid:1234567812345678"]);
    } else {
        args.push("-sha256");
    }
    let o = openssl(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    csr
}

/// Verify `leaf` against the region's chain with OpenSSL.
///
/// P-256: the plain `openssl verify -CAfile root -untrusted issuing leaf`.
/// SM2: OpenSSL 3.0 applies `-vfyopt distid:` only to the target certificate and checks an
/// untrusted intermediate with the empty ID, so the one-shot chain command cannot pass for a
/// chain signed (correctly, GM/T 0009) with the default ID — OpenSSL's own `x509 -req -sigopt
/// distid:…` chains fail the same way. Each link is therefore checked with the default ID:
/// root→issuing, then issuing→leaf (`-partial_chain`).
pub fn openssl_verify_chain(data_dir: &Path, alg: &str, leaf: &Path) {
    let root = data_dir.join(format!("ca/{alg}-root.pem"));
    let issuing = data_dir.join(format!("ca/{alg}-issuing.pem"));
    let (r, i, l) = (
        root.to_str().unwrap(),
        issuing.to_str().unwrap(),
        leaf.to_str().unwrap(),
    );
    let checks: Vec<Vec<&str>> = if alg == "sm2" {
        vec![
            vec![
                "verify",
                "-vfyopt",
                "distid:1234567812345678",
                "-CAfile",
                r,
                i,
            ],
            vec![
                "verify",
                "-vfyopt",
                "distid:1234567812345678",
                "-partial_chain",
                "-CAfile",
                i,
                l,
            ],
        ]
    } else {
        vec![vec!["verify", "-CAfile", r, "-untrusted", i, l]]
    };
    for args in checks {
        let o = openssl(&args);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.contains(": OK"),
            "openssl {:?}: {}{}",
            args,
            stdout,
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A wrong distinguishing ID must fail: the SM2 signatures really use the default ID.
    if alg == "sm2" {
        let o = openssl(&[
            "verify",
            "-vfyopt",
            "distid:0000000000000000",
            "-partial_chain",
            "-CAfile",
            i,
            l,
        ]);
        assert!(
            !o.status.success(),
            "SM2 leaf verified with a wrong distinguishing ID"
        );
    }
}

pub fn x509_text(cert: &Path) -> String {
    let o = openssl(&[
        "x509",
        "-in",
        cert.to_str().unwrap(),
        "-noout",
        "-text",
        "-nameopt",
        "utf8,sep_comma_plus_space",
    ]);
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `YINXIN_TEST_POSTGRES_URL`, or None after printing a skip line.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("YINXIN_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            println!("skipped: {test}: YINXIN_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// A fresh PostgreSQL database for one test; dropped on `drop_database`.
pub struct TempPg {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TempPg {
    pub async fn create(base: &str) -> TempPg {
        sqlx::any::install_default_drivers();
        let mut rnd = [0u8; 6];
        getrandom::fill(&mut rnd).unwrap();
        let name = format!("yinxin_test_{}", hex::encode(rnd));
        let conn = sqlx::AnyPool::connect(base)
            .await
            .expect("connect to YINXIN_TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&conn)
            .await
            .unwrap();
        conn.close().await;
        let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
        let (_, query) = base
            .split_once('?')
            .map(|(a, q)| (a, format!("?{q}")))
            .unwrap_or((base, String::new()));
        TempPg {
            url: format!("{prefix}/{name}{query}"),
            admin_url: base.to_string(),
            name,
        }
    }

    pub async fn drop_database(self) {
        let conn = sqlx::AnyPool::connect(&self.admin_url).await.unwrap();
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&conn)
        .await;
        conn.close().await;
    }
}

/// A tiny valid PNG (1×1, red), test-only.
pub const RED_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// An organization certificate (SM2, generated key) issued by `region`'s SM2 CA, with its
/// signer: (signer, certificate DER, serial). The CA key opens with [`TEST_PASSPHRASE`].
pub async fn org_signer(
    region: &yinxin::pki::region::Region,
    name: &str,
) -> (std::sync::Arc<dyn yinxin::crypto::Signer>, Vec<u8>, String) {
    profile_signer(
        region,
        "organization",
        serde_json::json!({"name": name, "credit_code": "91350100M000100Y43"}),
    )
    .await
}

/// A certificate of `profile` for `subject` (SM2, generated key) issued by `region`'s SM2 CA,
/// with its signer: (signer, certificate DER, serial).
pub async fn profile_signer(
    region: &yinxin::pki::region::Region,
    profile: &str,
    subject: serde_json::Value,
) -> (std::sync::Arc<dyn yinxin::crypto::Signer>, Vec<u8>, String) {
    profile_signer_alg(region, profile, subject, yinxin::crypto::Algorithm::Sm2).await
}

/// [`profile_signer`] with the algorithm `alg` (the region's CA of that algorithm issues).
pub async fn profile_signer_alg(
    region: &yinxin::pki::region::Region,
    profile: &str,
    subject: serde_json::Value,
    alg: yinxin::crypto::Algorithm,
) -> (std::sync::Arc<dyn yinxin::crypto::Signer>, Vec<u8>, String) {
    let authority = region
        .authority(
            &yinxin::crypto::Passphrase::new(TEST_PASSPHRASE.into()).unwrap(),
            &[alg],
        )
        .await
        .unwrap();
    let kp = yinxin::crypto::Passphrase::new("signer-key-passphrase".into()).unwrap();
    let issued = authority
        .issue(yinxin::pki::authority::IssueRequest {
            profile: profile.into(),
            algorithm: alg,
            subject,
            key: yinxin::pki::authority::KeySource::Generate(kp.clone()),
            validity_days: Some(365),
            actor: "test".into(),
            scope: None,
        })
        .await
        .unwrap();
    let key = yinxin::crypto::PrivateKey::from_encrypted_pem(
        issued.encrypted_key_pem.as_ref().unwrap(),
        &kp,
        "k",
    )
    .unwrap();
    (
        std::sync::Arc::new(key.signer().unwrap()),
        issued.record.der.clone(),
        issued.record.serial.clone(),
    )
}

/// After a crash test: `yinxin audit verify` finds one unbroken chain (returned), and a SQLite
/// database (`db` None) passes `PRAGMA integrity_check`.
pub async fn assert_store_whole(data: &Path, db: Option<&str>) -> serde_json::Value {
    let mut c = yinxin();
    c.args(["audit", "verify", "--data-dir"]).arg(data);
    if let Some(u) = db {
        c.args(["--database-url", u]);
    }
    let trail: serde_json::Value = serde_json::from_slice(&run_ok(&mut c).stdout).unwrap();
    assert_eq!(trail["intact"], true, "{trail}");
    if db.is_none() {
        let url = format!("sqlite://{}", data.join("yinxin.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        let rows: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        assert_eq!(rows, ["ok"], "SQLite integrity check");
        pool.close().await;
    }
    trail
}
