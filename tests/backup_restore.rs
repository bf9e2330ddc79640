//! `yinxin backup` and `yinxin restore` (issue 18): a region with certificates, a seal, tokens
//! and a checkpointed audit trail is backed up (encrypted) while its files are in use, restored
//! into a new directory pinned to its root, and holds the same rows and trail — and still
//! issues certificates that chain to the old root and stamps checkpoints. Forgeries: a file
//! swapped in the archive, a manifest edited to match, a wrong pin, a wrong passphrase, a
//! non-empty target. PostgreSQL: `pg_dump` into the archive, `pg_restore` into a new database.

mod common;
use common::{TEST_PASSPHRASE, init_region, run_ok, yinxin};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

fn issue_org(data: &Path, work: &Path, name: &str) -> String {
    std::fs::write(work.join("kp.txt"), "org-key-passphrase\n").unwrap();
    std::fs::write(
        work.join(format!("{name}.json")),
        format!(r#"{{"name": "{name}", "credit_code": "91350100M000100Y43"}}"#),
    )
    .unwrap();
    let out = run_ok(
        yinxin()
            .args([
                "issue",
                "--profile",
                "organization",
                "--algorithm",
                "sm2",
                "--generate-key",
                "--data-dir",
            ])
            .arg(data)
            .arg("--key-passphrase-file")
            .arg(work.join("kp.txt"))
            .arg("--subject")
            .arg(work.join(format!("{name}.json")))
            .arg("--out")
            .arg(work.join(name)),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["serial"].as_str().unwrap().to_string()
}

fn json(out: std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

fn with_db(mut c: std::process::Command, db: Option<&str>) -> std::process::Command {
    if let Some(u) = db {
        c.args(["--database-url", u]);
    }
    c
}

/// A region with a certificate, a seal, a token and a checkpoint in `data`.
fn populate(data: &Path, work: &Path, db: Option<&str>) -> String {
    init_region(data, db);
    let mut c = yinxin();
    c.args(["token", "create", "--role", "auditor", "--data-dir"])
        .arg(data);
    run_ok(&mut with_db(c, db));
    let serial = if db.is_none() {
        let serial = issue_org(data, work, "原单位");
        common::seal_create(
            data,
            "原单位公章",
            &serial,
            &work.join("seal.png"),
            &work.join("seal-out"),
        );
        serial
    } else {
        String::new()
    };
    let mut c = yinxin();
    c.args(["audit", "checkpoint", "--data-dir"]).arg(data);
    assert_eq!(json(run_ok(&mut with_db(c, db)))["made"], true);
    serial
}

fn trail(data: &Path) -> serde_json::Value {
    let v = json(run_ok(
        yinxin().args(["audit", "verify", "--data-dir"]).arg(data),
    ));
    assert_eq!(v["intact"], true, "{v}");
    v
}

fn list(data: &Path) -> String {
    String::from_utf8(
        run_ok(
            yinxin()
                .args(["list", "--limit", "1000", "--data-dir"])
                .arg(data),
        )
        .stdout,
    )
    .unwrap()
}

fn root_fingerprint(data: &Path) -> String {
    let pem = std::fs::read(data.join("ca/sm2-root.pem")).unwrap();
    let (_, der) = der::pem::decode_vec(&pem).unwrap();
    hex::encode(Sha256::digest(der))
}

fn restore(args: &[&str], backup: &Path, target: &Path) -> std::process::Output {
    yinxin()
        .arg("restore")
        .arg("--in")
        .arg(backup)
        .arg("--data-dir")
        .arg(target)
        .args(args)
        .output()
        .unwrap()
}

fn refused(out: std::process::Output, target: &Path, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(!out.status.success(), "restored: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(why), "{err}");
    assert!(
        !target.exists(),
        "a refused restore left {}",
        target.display()
    );
}

/// A copy of the zip `from` with entry `name` replaced by `bytes`.
fn replace_entry(from: &Path, to: &Path, name: &str, bytes: &[u8]) {
    let mut a = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..a.len() {
        let mut e = a.by_index(i).unwrap();
        let n = e.name().unwrap().to_string();
        let mut content = Vec::new();
        e.read_to_end(&mut content).unwrap();
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(if n == name { bytes } else { &content })
            .unwrap();
    }
    w.finish().unwrap();
}

fn entry(zip_path: &Path, name: &str) -> Vec<u8> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut out = Vec::new();
    a.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_region_comes_back_whole_and_forged_backups_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    std::fs::write(work.join("seal.png"), common::RED_PNG).unwrap();
    let data = work.join("region");
    let serial = populate(&data, work, None);
    std::fs::write(work.join("backup-pass.txt"), "backup passphrase 2026\n").unwrap();
    // A demo region keeps its passphrase beside the keys: it must not travel with them.
    std::fs::write(data.join("DEMO-ONLY-key-passphrase.txt"), TEST_PASSPHRASE).unwrap();
    let bak = work.join("region.yxbak");
    let out = json(run_ok(
        yinxin()
            .args(["backup", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(&bak)
            .arg("--backup-passphrase-file")
            .arg(work.join("backup-pass.txt")),
    ));
    assert_eq!(out["summary"]["encrypted"], true, "{out}");
    assert_eq!(out["summary"]["database"], "sqlite");
    assert!(std::fs::read(&bak).unwrap().starts_with(b"YXENC1\n"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bak).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Restore, pinned to the region's root.
    let fp = root_fingerprint(&data);
    let restored = work.join("restored");
    let pass = work.join("backup-pass.txt");
    let out = restore(
        &[
            "--backup-passphrase-file",
            pass.to_str().unwrap(),
            "--root-fingerprint",
            &fp,
        ],
        &bak,
        &restored,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["region"], "test-gd");
    assert_eq!(s["root_pinned"], true);
    assert!(
        s["root_fingerprints"]
            .as_array()
            .unwrap()
            .contains(&fp.clone().into())
    );

    assert!(!restored.join("DEMO-ONLY-key-passphrase.txt").exists());
    // The same certificates, seal, tokens and trail.
    assert_eq!(list(&restored), list(&data));
    assert!(list(&restored).contains(&serial));
    let (a, b) = (trail(&data), trail(&restored));
    assert_eq!(
        (&a["head"], &a["rows"], &a["checkpoints"]),
        (&b["head"], &b["rows"], &b["checkpoints"])
    );
    for (dir, label) in [(&data, "original"), (&restored, "restored")] {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", dir.join("yinxin.db").display()))
            .await
            .unwrap();
        let (tokens, seals): (i64, i64) = (
            sqlx::query_scalar("SELECT COUNT(*) FROM tokens")
                .fetch_one(&pool)
                .await
                .unwrap(),
            sqlx::query_scalar("SELECT COUNT(*) FROM seals")
                .fetch_one(&pool)
                .await
                .unwrap(),
        );
        assert_eq!((tokens, seals), (1, 1), "{label}");
        pool.close().await;
    }
    {
        use std::os::unix::fs::PermissionsExt;
        let key = restored.join("keys/sm2-root.pem");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file mode {mode:o}");
    }
    // Still a working region: it issues under the old root and stamps a checkpoint.
    let new_serial = issue_org(&restored, work, "新单位");
    for ca in ["sm2", "sm2-root"] {
        run_ok(
            yinxin()
                .args(["crl", "--ca", ca, "--data-dir"])
                .arg(&restored)
                .arg("--out")
                .arg(work.join(format!("{ca}.crl"))),
        );
    }
    let chain = run_ok(
        yinxin()
            .args(["verify-chain", "--anchor"])
            .arg(data.join("ca/sm2-root.pem"))
            .arg("--intermediate")
            .arg(data.join("ca/sm2-issuing.pem"))
            .arg("--cert")
            .arg(work.join("新单位/cert.pem"))
            .arg("--crl")
            .arg(work.join("sm2.crl"))
            .arg(work.join("sm2-root.crl")),
    );
    let chain = String::from_utf8_lossy(&chain.stdout);
    assert!(chain.starts_with("TOTAL_PASSED"), "{chain}");
    assert!(list(&restored).contains(&new_serial));
    assert_eq!(
        json(run_ok(
            yinxin()
                .args(["audit", "checkpoint", "--data-dir"])
                .arg(&restored)
        ))["made"],
        true
    );
    assert_eq!(trail(&restored)["checkpoints"], 2);

    // Forgeries, on an unencrypted backup (the encryption has its own tests).
    let plain = work.join("plain.yxbak");
    run_ok(
        yinxin()
            .args(["backup", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(&plain),
    );
    let target = work.join("t");
    // A policy file swapped.
    let swapped = work.join("swapped.yxbak");
    replace_entry(
        &plain,
        &swapped,
        "data/policies/person.toml",
        b"# emptied\n",
    );
    refused(
        restore(&[], &swapped, &target),
        &target,
        "data/policies/person.toml was changed: its hash is not the manifest's",
    );
    // ... and the manifest edited to match: its time-stamp no longer covers it.
    let manifest = String::from_utf8(entry(&swapped, "manifest.json")).unwrap();
    let old = entry(&plain, "data/policies/person.toml");
    let edited = manifest.replace(
        &hex::encode(Sha256::digest(&old)),
        &hex::encode(Sha256::digest(b"# emptied\n")),
    );
    assert_ne!(edited, manifest);
    let resigned = work.join("resigned.yxbak");
    replace_entry(&swapped, &resigned, "manifest.json", edited.as_bytes());
    refused(
        restore(&[], &resigned, &target),
        &target,
        "the backup's signature (its manifest's time-stamp) does not hold: the time-stamp token is not over this signature",
    );
    // Another region's root named.
    refused(
        restore(&["--root-fingerprint", &"ab".repeat(32)], &plain, &target),
        &target,
        "none of the backup's root CAs has the fingerprint",
    );
    // Encrypted: no passphrase, or the wrong one.
    refused(
        restore(&[], &bak, &target),
        &target,
        "the backup is encrypted",
    );
    std::fs::write(work.join("wrong.txt"), "not the backup passphrase\n").unwrap();
    let wrong = work.join("wrong.txt");
    refused(
        restore(
            &["--backup-passphrase-file", wrong.to_str().unwrap()],
            &bak,
            &target,
        ),
        &target,
        "wrong passphrase",
    );
    // Never over an existing region.
    let out = restore(&[], &plain, &restored);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert!(restored.join("yinxin.db").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_region_is_dumped_and_restored_into_a_new_database() {
    let Some(base) =
        common::postgres_url("a_postgres_region_is_dumped_and_restored_into_a_new_database")
    else {
        return;
    };
    let src = common::TempPg::create(&base).await;
    let dst = common::TempPg::create(&base).await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("region");
    populate(&data, tmp.path(), Some(&src.url));
    let bak = tmp.path().join("pg.yxbak");
    let out = json(run_ok(
        yinxin()
            .args(["backup", "--data-dir"])
            .arg(&data)
            .args(["--database-url", &src.url])
            .arg("--out")
            .arg(&bak),
    ));
    assert_eq!(out["summary"]["database"], "postgres", "{out}");
    let restored = tmp.path().join("restored");
    let r = restore(&["--database-url", &dst.url], &bak, &restored);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let cfg = std::fs::read_to_string(restored.join("yinxin.toml")).unwrap();
    assert!(cfg.contains(&dst.url), "{cfg}");
    let original = json(run_ok(
        yinxin()
            .args(["audit", "verify", "--data-dir"])
            .arg(&data)
            .args(["--database-url", &src.url]),
    ));
    let back = trail(&restored);
    assert_eq!(
        (&original["head"], &original["rows"]),
        (&back["head"], &back["rows"])
    );
    assert_eq!(back["checkpoints"], 1);
    // A restored PostgreSQL backup refuses a second restore into the same (no longer empty)
    // database, and leaves nothing.
    let again = tmp.path().join("again");
    let r = restore(&["--database-url", &dst.url], &bak, &again);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("pg_restore failed"));
    assert!(!again.exists());
    src.drop_database().await;
    dst.drop_database().await;
}
