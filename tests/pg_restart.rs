//! PostgreSQL stopped and started again under issuing load (issue 18): while it is down the
//! service answers 503 (`unavailable`, or `timeout` for a request queued behind failing ones)
//! with `Retry-After` — never 500 — and once it is back the
//! service issues again by itself (no restart of yinxin); every certificate answered 201 is
//! stored with its audit event and the audit trail is one chain. The database is a private
//! PostgreSQL instance the test makes (initdb, pg_ctl) so that stopping it disturbs nobody.

mod common;
use common::http::{Server, token, try_call};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const CALLERS: usize = 6;

/// A PostgreSQL server of the test's own; stopped and removed on drop.
struct PrivatePg {
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivatePg {
    fn pg(&self, tool: &str) -> Command {
        let bin = format!("{PG_BIN}/{tool}");
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &bin]);
            c
        } else {
            Command::new(bin)
        }
    }

    /// None (after a skip line) where PostgreSQL's server binaries are missing.
    fn create() -> Option<PrivatePg> {
        if !Path::new(&format!("{PG_BIN}/initdb")).exists() {
            println!("skipped: pg_restart: no PostgreSQL server binaries in {PG_BIN}");
            return None;
        }
        let mut rnd = [0u8; 6];
        getrandom::fill(&mut rnd).unwrap();
        let dir = std::env::temp_dir().join(format!("yinxin-pg-{}", hex::encode(rnd)));
        std::fs::create_dir(&dir).unwrap();
        // initdb refuses to run as root: the server runs as the postgres user then.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown the server's directory");
        }
        let pg = PrivatePg {
            dir,
            port: free_port(),
            as_postgres,
        };
        let out = pg
            .pg("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(pg.dir.join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start();
        Some(pg)
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let out = self
            .pg("pg_ctl")
            .args(["-w", "-t", "120", "-o", &opts, "-l"])
            .arg(self.dir.join("log"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    fn stop(&self) {
        let out = self
            .pg("pg_ctl")
            .args(["-w", "-t", "120", "-m", "fast", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// POST an issuance: (status, Retry-After, body); None when no answer came.
async fn post_issue(url: &str, token: &str, i: usize) -> Option<(u16, Option<String>, Vec<u8>)> {
    let csr = std::fs::read_to_string(fixture("csr/test-p256.csr.pem")).unwrap();
    let body = serde_json::json!({
        "profile": "organization",
        "algorithm": "p256",
        "subject": {"name": format!("重启测试单位{i}"), "credit_code": "91350100M000100Y43"},
        "csr": csr,
    });
    let r = try_call(
        "POST",
        url,
        Some(token),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await
    .ok()?;
    let retry = r.header("retry-after");
    Some((r.status, retry, r.body))
}

/// Wait (polling, generous bound) until `f` holds.
async fn until(what: &str, bound: Duration, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < bound, "{what}: not within {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_gives_503_then_recovers() {
    let Some(pg) = PrivatePg::create() else {
        return;
    };
    sqlx::any::install_default_drivers();
    let admin_pool = sqlx::AnyPool::connect(&pg.url("postgres")).await.unwrap();
    sqlx::query("CREATE DATABASE yinxin")
        .execute(&admin_pool)
        .await
        .unwrap();
    admin_pool.close().await;
    let url = pg.url("yinxin");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, Some(&url));
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(
        &data,
        &[
            ("YINXIN_DATABASE_URL", url.as_str()),
            ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
            ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ],
    );
    let endpoint = format!("{}/v1/certificates", server.base);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, unavailable) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let db_kind = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for c in 0..CALLERS {
        let (endpoint, admin, stop) = (endpoint.clone(), admin.clone(), stop.clone());
        let (ok, unavailable, db_kind) = (ok.clone(), unavailable.clone(), db_kind.clone());
        tasks.push(tokio::spawn(async move {
            let mut answered = vec![];
            let mut i = c;
            while !stop.load(Ordering::SeqCst) {
                match post_issue(&endpoint, &admin, i).await {
                    Some((201, _, body)) => {
                        let j: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        answered.push(j["serial"].as_str().unwrap().to_string());
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    Some((503, retry, body)) => {
                        let j: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        // Mostly `unavailable` (no connection within the pool's wait); on a
                        // loaded machine a request queued behind failing ones may reach the
                        // request timeout first — also a 503 with Retry-After.
                        let kind = j["type"].as_str().unwrap_or_default();
                        assert!(
                            kind.ends_with(":unavailable") || kind.ends_with(":timeout"),
                            "{j}"
                        );
                        assert_eq!(retry.as_deref(), Some("5"), "503 without Retry-After");
                        unavailable.fetch_add(1, Ordering::SeqCst);
                        if kind.ends_with(":unavailable") {
                            db_kind.fetch_add(1, Ordering::SeqCst);
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Some((status, _, body)) => panic!(
                        "issuance answered {status} while the database restarted: {}",
                        String::from_utf8_lossy(&body)
                    ),
                    None => panic!("the service dropped a request"),
                }
                i += CALLERS;
            }
            answered
        }));
    }
    let bound = Duration::from_secs(120);
    until("first issuances", bound, || ok.load(Ordering::SeqCst) >= 30).await;
    pg.stop();
    let before = unavailable.load(Ordering::SeqCst);
    until("503s while the database is down", bound, || {
        unavailable.load(Ordering::SeqCst) >= before + 20
    })
    .await;
    let issued_while_down = ok.load(Ordering::SeqCst);
    pg.start();
    until("issuing again after the database came back", bound, || {
        ok.load(Ordering::SeqCst) >= issued_while_down + 30
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    let mut answered = vec![];
    for t in tasks {
        answered.extend(t.await.unwrap());
    }
    println!(
        "pg restart: {} issued, {} answered 503 while down, 0 other errors",
        answered.len(),
        unavailable.load(Ordering::SeqCst)
    );
    assert!(
        db_kind.load(Ordering::SeqCst) > 0,
        "no answer said the database was unavailable"
    );
    drop(server);

    // Nothing answered was lost, and the trail is one chain.
    let region = yinxin::pki::region::Region::open(&data, Some(&url), &yinxin::store::SqlConnector)
        .await
        .unwrap();
    for serial in &answered {
        assert!(
            region.repo.certificate(serial).await.unwrap().is_some(),
            "{serial} answered 201 but not stored"
        );
    }
    drop(region);
    let out = run_ok(
        yinxin()
            .args(["audit", "verify", "--data-dir"])
            .arg(&data)
            .args(["--database-url", &url]),
    );
    let trail: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(trail["intact"], true, "{trail}");
}
