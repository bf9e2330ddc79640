//! Time and peak memory to generate (build, sign and store) a full CRL with 1,000,000
//! revoked entries (`cargo bench --bench crl_million [-- ENTRIES]`). Prints one JSON line.
//!
//! The revoked rows are inserted directly with SQL (the CRL reads only serial, revocation
//! time, reason and invalidity date); then the peak RSS is reset (`/proc/self/clear_refs`)
//! and one full SM2 CRL is generated through the status service, as the CRL worker does.

use std::sync::Arc;
use std::time::Instant;
use yinxin::crypto::Passphrase;
use yinxin::pki::region::{self, InitParams, Region};
use yinxin::status::service::{StatusConfig, StatusService};
use yinxin::store::{SqlConnector, Store};

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let pass = Passphrase::new("bench-only-passphrase".into()).unwrap();
        region::init(
            InitParams { data_dir: dir.clone(), code: "crl".into(), name: "CRL bench".into(), database_url: None, public_base_url: None, hsm: None },
            &pass,
            &SqlConnector,
        )
        .await
        .unwrap();
        let url = yinxin::config::resolve_database_url("sqlite://yinxin.db", &dir);
        let store = Arc::new(Store::connect(&url).await.unwrap());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let t = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        let mut i = 0usize;
        while i < n {
            let chunk = (n - i).min(500);
            let mut sql = String::from(
                "INSERT INTO certificates (serial, issuer_ca, profile, algorithm, subject, holder_id, not_before, not_after, status, revoked_at, revocation_reason, der, created_at) VALUES ",
            );
            for k in 0..chunk {
                let serial = format!("{:032X}", 0x4000_0000_0000_0000_0000_0000_0000_0000u128 + (i + k) as u128 * 7919);
                if k > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('{serial}', 'sm2-issuing', 'person', 'sm2', 'bench', 'bench', 1700000000, 1900000000, 'revoked', {}, {}, X'00', 1700000000)",
                    1_750_000_000 + (i + k) as i64,
                    [1, 4, 5, 0][k % 4]
                ));
            }
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.unwrap();
            i += chunk;
        }
        tx.commit().await.unwrap();
        let insert_s = t.elapsed().as_secs_f64();
        pool.close().await;

        let region = Region::from_parts(&dir, yinxin::config::Config::load(&dir).unwrap(), store.clone()).await.unwrap();
        let signer = region.ca_signer("sm2-issuing", &pass).await.unwrap();
        let cas = region.crl_only_cas(vec![("sm2-issuing".into(), signer)]).await.unwrap();
        let svc = StatusService::new(cas, store.clone(), store.clone(), StatusConfig::default(), Arc::new(yinxin::clock::SystemClock))
            .await
            .unwrap();
        let before = vm_hwm_kib();
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let reset = vm_hwm_kib();
        let t = Instant::now();
        let rec = svc.generate_crl("sm2-issuing", false).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let peak = vm_hwm_kib();
        assert_eq!(rec.entries as usize, n);
        println!(
            "{}",
            serde_json::json!({
                "entries": n,
                "algorithm": "sm2",
                "crl_bytes": rec.der.len(),
                "generate_seconds": (secs * 100.0).round() / 100.0,
                "peak_rss_mib": peak / 1024,
                "rss_before_generation_mib": reset / 1024,
                "peak_rss_before_reset_mib": before / 1024,
                "insert_seconds": (insert_s * 10.0).round() / 10.0,
            })
        );
    });
}
