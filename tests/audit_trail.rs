//! The tamper-evident audit trail (issue 18): `yinxin audit checkpoint` and `yinxin audit
//! verify` on a real region, then each way of tampering an insider with the database could
//! try — a row changed, removed, moved, the tail cut (with and without moving the head), the
//! whole history rewritten with fresh hashes, and that rewrite "covered" by a checkpoint from
//! a self-made TSA or by the old token — each named by the check. Also: concurrent appends on
//! SQLite and PostgreSQL give one unbroken chain with ids in order, and rows written before the
//! chain existed are covered by its first link.

mod common;
use common::{init_region, run_ok, yinxin};
use sqlx::AnyPool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yinxin::audit::{AuditTrail, Broken, GENESIS, link, walk};
use yinxin::pki::repo::{AuditEvent, Repository};
use yinxin::store::Store;
use yinxin::verify::chain::ChainInputs;
use yinxin::verify::context::Context;

fn audit(data: &Path, sub: &str) -> std::process::Output {
    yinxin()
        .args(["audit", sub, "--data-dir"])
        .arg(data)
        .output()
        .unwrap()
}

fn verify_ok(data: &Path) -> serde_json::Value {
    let out = audit(data, "verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The one line `yinxin audit verify` prints for a broken trail (non-zero exit).
fn verify_broken(data: &Path) -> String {
    let out = audit(data, "verify");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(!out.status.success(), "a tampered trail passed: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("the audit trail is broken: "), "{err}");
    err
}

fn token_create(data: &Path) {
    run_ok(
        yinxin()
            .args(["token", "create", "--role", "auditor", "--data-dir"])
            .arg(data),
    );
}

/// A copy of the region's data directory for one tampering, and a pool on its database with
/// the append-only triggers dropped (what an insider with the database file can do).
async fn tampered_copy(data: &Path, tmp: &Path, name: &str) -> (PathBuf, AnyPool) {
    let copy = tmp.join(name);
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(data)
        .arg(&copy)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&format!("sqlite://{}", copy.join("yinxin.db").display()))
        .await
        .unwrap();
    for t in [
        "audit_no_update",
        "audit_no_delete",
        "audit_checkpoints_no_update",
        "audit_checkpoints_no_delete",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER IF EXISTS {t}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    (copy, pool)
}

async fn exec(pool: &AnyPool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Recompute every link from row 1 (the insider's rewrite after changing a row).
async fn rehash(pool: &AnyPool) -> String {
    let store_rows =
        sqlx::query("SELECT id, at, actor, action, object, outcome, detail FROM audit ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut prev = GENESIS;
    for r in &store_rows {
        use sqlx::Row;
        let e = AuditEvent {
            id: r.get("id"),
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            object: r.get("object"),
            outcome: r.get("outcome"),
            detail: r.get("detail"),
            log: None,
        };
        let h = link(&prev, &e);
        sqlx::query("UPDATE audit SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(hex::encode(prev))
            .bind(hex::encode(h))
            .bind(e.id)
            .execute(pool)
            .await
            .unwrap();
        prev = h;
    }
    let head = hex::encode(prev);
    sqlx::query("UPDATE audit_head SET hash = $1")
        .bind(&head)
        .execute(pool)
        .await
        .unwrap();
    head
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_trail_verifies_and_each_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("region");
    init_region(&data, None);
    for _ in 0..3 {
        token_create(&data);
    }
    let out = run_ok(
        yinxin()
            .args(["audit", "checkpoint", "--data-dir"])
            .arg(&data),
    );
    let cp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cp["made"], true, "{cp}");
    let size = cp["size"].as_i64().unwrap();
    // Nothing new: no second checkpoint of the same head.
    let again = run_ok(
        yinxin()
            .args(["audit", "checkpoint", "--data-dir"])
            .arg(&data),
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&again.stdout).unwrap()["made"],
        false
    );
    token_create(&data);
    token_create(&data);

    let v = verify_ok(&data);
    let last = v["last"].as_i64().unwrap();
    assert_eq!(v["intact"], true);
    assert_eq!(v["rows"].as_i64(), Some(last), "{v}");
    assert_eq!(last, size + 2, "two tokens after the checkpoint: {v}");
    assert_eq!(v["checkpoints"], 1);
    assert_eq!(v["newest_checkpoint"]["size"].as_i64(), Some(size));
    assert!(size >= 5, "init and three tokens are audited: {size}");

    // A row changed.
    let (copy, pool) = tampered_copy(&data, tmp.path(), "changed").await;
    exec(
        &pool,
        "UPDATE audit SET detail = 'nothing happened' WHERE id = 3",
    )
    .await;
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(err.contains("audit row 3 was changed"), "{err}");

    // A row removed.
    let (copy, pool) = tampered_copy(&data, tmp.path(), "removed").await;
    exec(&pool, "DELETE FROM audit WHERE id = 4").await;
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(err.contains("audit rows 4 to 4 are missing"), "{err}");

    // Two rows swapped (each keeping its stored hashes).
    let (copy, pool) = tampered_copy(&data, tmp.path(), "swapped").await;
    exec(&pool, "UPDATE audit SET id = -1 WHERE id = 3").await;
    exec(&pool, "UPDATE audit SET id = 3 WHERE id = 4").await;
    exec(&pool, "UPDATE audit SET id = 4 WHERE id = -1").await;
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(
        err.contains("audit row 3 does not follow the row before it"),
        "{err}"
    );

    // The last row removed, the head left.
    let (copy, pool) = tampered_copy(&data, tmp.path(), "tail").await;
    exec(&pool, &format!("DELETE FROM audit WHERE id = {last}")).await;
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(
        err.contains(&format!(
            "ends at row {} but its head names row {last}",
            last - 1
        )),
        "{err}"
    );

    // Rows removed back to before the checkpoint, the head moved with them.
    let (copy, pool) = tampered_copy(&data, tmp.path(), "cut").await;
    let keep = size - 2;
    exec(&pool, &format!("DELETE FROM audit WHERE id > {keep}")).await;
    exec(
        &pool,
        &format!(
            "UPDATE audit_head SET id = {keep}, hash = (SELECT hash FROM audit WHERE id = {keep})"
        ),
    )
    .await;
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(
        err.contains(&format!(
            "a checkpoint covers the trail up to row {size}, but it ends at row {keep}"
        )),
        "{err}"
    );

    // History rewritten with fresh hashes: the chain is whole again, the checkpoint is not.
    let (copy, pool) = tampered_copy(&data, tmp.path(), "rewritten").await;
    exec(&pool, "UPDATE audit SET detail = 'rewritten' WHERE id = 3").await;
    let new_head_at_size = {
        rehash(&pool).await;
        use sqlx::Row;
        let r = sqlx::query("SELECT hash FROM audit WHERE id = $1")
            .bind(size)
            .fetch_one(&pool)
            .await
            .unwrap();
        r.get::<String, _>("hash")
    };
    pool.close().await;
    let err = verify_broken(&copy);
    assert!(
        err.contains(&format!(
            "the checkpoint at row {size} does not match the trail"
        )),
        "{err}"
    );

    // ... and the checkpoint's head changed to match, keeping the TSA's token: not proven.
    let (copy2, pool) = tampered_copy(&copy, tmp.path(), "rewritten-old-token").await;
    sqlx::query("UPDATE audit_checkpoints SET head = $1 WHERE size = $2")
        .bind(&new_head_at_size)
        .bind(size)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = verify_broken(&copy2);
    assert!(
        err.contains(&format!(
            "the checkpoint at row {size} is not proven: the time-stamp token is not over this signature"
        )),
        "{err}"
    );

    // ... or a new checkpoint stamped by a self-made TSA: not proven either.
    let (copy3, pool) = tampered_copy(&copy, tmp.path(), "rewritten-own-tsa").await;
    let statement = yinxin::audit::checkpoint::statement("test-gd", size, &new_head_at_size);
    let token = self_made_token(&statement);
    exec(&pool, "DELETE FROM audit_checkpoints").await;
    sqlx::query("INSERT INTO audit_checkpoints (size, head, at, token) VALUES ($1, $2, $3, $4)")
        .bind(size)
        .bind(&new_head_at_size)
        .bind(yinxin::clock::now_millis())
        .bind(token)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = verify_broken(&copy3);
    assert!(
        err.contains(&format!(
            "the checkpoint at row {size} is not proven: the TSU is not trusted"
        )),
        "{err}"
    );

    // The genuine trail still verifies after all this (the copies were tampered, not it).
    assert_eq!(verify_ok(&data)["last"].as_i64(), Some(last));
}

/// A time-stamp token over SHA-256 of `statement` from a self-made TSA.
fn self_made_token(statement: &[u8]) -> Vec<u8> {
    use yinxin::status::tsp;
    let now = yinxin::clock::now_secs();
    let unit = common::region::self_made_tsa(now);
    let req = tsp::build_request(
        tsp::TsHash::Sha256,
        &tsp::TsHash::Sha256.digest(statement),
        None,
        true,
    )
    .unwrap();
    let resp = tsp::respond(
        &req,
        now * 1000,
        9,
        &|_| Some(&unit),
        &tsp::TsaPolicy {
            policy: yinxin::status::tsa::TSA_POLICY,
            accuracy_seconds: 1,
        },
    );
    tsp::parse_response(&resp).unwrap().token.unwrap().der
}

fn event(n: usize) -> AuditEvent {
    AuditEvent::now(
        "test:append",
        "test.append",
        &format!("object-{n}"),
        "success",
        "",
    )
}

async fn walk_store(store: &Store) -> Result<yinxin::audit::TrailSummary, Broken> {
    let context = Context::builder().build();
    let inputs = ChainInputs {
        context: &context,
        trust: None,
    };
    walk(store, "test", &inputs).await.unwrap()
}

/// 8 tasks × 25 appends at once: one chain, ids 1..=200 in order, each row once.
async fn concurrent_appends_chain(url: &str) {
    let store = Arc::new(Store::connect(url).await.unwrap());
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                s.append_audit(&event(t * 100 + i)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let s = walk_store(&store).await.expect("an unbroken chain");
    assert_eq!((s.rows, s.last, s.unlinked_before_chain), (200, 200, 0));
    let mut objects: Vec<String> = store
        .chained_rows(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event.object)
        .collect();
    objects.sort();
    objects.dedup();
    assert_eq!(objects.len(), 200);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_appends_make_one_chain_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    concurrent_appends_chain(&format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("a.db").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_appends_make_one_chain_on_postgres() {
    let Some(base) = common::postgres_url("concurrent_appends_make_one_chain_on_postgres") else {
        return;
    };
    let db = common::TempPg::create(&base).await;
    concurrent_appends_chain(&db.url).await;
    db.drop_database().await;
}

/// Rows written before the chain (an older version: no links, the head without a hash) are
/// covered by the first linked row: changing one afterwards breaks that link.
#[tokio::test(flavor = "multi_thread")]
async fn rows_from_before_the_chain_are_covered_by_its_first_link() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", tmp.path().join("old.db").display());
    let store = Store::connect(&url).await.unwrap();
    let pool = AnyPool::connect(&url).await.unwrap();
    for id in [1, 2, 5] {
        // Ids with a gap, as a rolled-back PostgreSQL sequence leaves them.
        sqlx::query("INSERT INTO audit (id, at, actor, action, object, outcome, detail) VALUES ($1, 1000, 'cli:root', 'region.init', 'old', 'success', '')")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    }
    exec(&pool, "UPDATE audit_head SET id = 5, hash = NULL").await;
    let s = walk_store(&store)
        .await
        .expect("unlinked rows alone are a trail");
    assert_eq!((s.rows, s.unlinked_before_chain), (3, 3));
    store.append_audit(&event(1)).await.unwrap();
    store.append_audit(&event(2)).await.unwrap();
    let s = walk_store(&store).await.expect("an unbroken chain");
    assert_eq!((s.rows, s.unlinked_before_chain, s.last), (5, 3, 7));
    exec(&pool, "DROP TRIGGER audit_no_update").await;
    exec(&pool, "UPDATE audit SET object = 'changed' WHERE id = 2").await;
    assert_eq!(walk_store(&store).await, Err(Broken::Link { row: 6 }));
    pool.close().await;
    store.close().await;
}
