//! Licence lookups under concurrency, through the store's [`LicenceRepository`] (the same
//! code the service runs), against a database loaded by `benches/load/licence_rows.sh`
//! (10,000,000 rows on PostgreSQL). Not criterion: a fixed number of concurrent clients, each
//! looping for a given time over keys drawn at random from sample files, latency of every
//! call recorded; prints one JSON line per lookup with calls/s and p50/p90/p99/max.
//!
//! Two load models. Closed loop (the default): every client calls again as soon as its last
//! call returns, so the figures are those of a saturated server — with 64 clients and no pause
//! the mean latency is 64 ÷ throughput whatever the queries cost (Little's law). Open loop
//! (`--rate R`): the clients together start R calls per second on a fixed schedule, client
//! `c` taking slots `c, c + clients, …`; a call's latency is counted from its scheduled start,
//! so a call that starts late because the one before it was slow counts the wait too (no
//! coordinated omission). That is how 64 connected clients making R lookups/s see the store.
//!
//! ```text
//! cargo bench --bench licence_lookup -- --url postgres://postgres@127.0.0.1:5432/yinxin_bench \
//!     --ids ids.txt --holders holders.txt [--clients 64] [--seconds 20] [--rate R]
//! cargo bench --bench licence_lookup -- --url URL --migrate   # create the schema, exit
//! ```
//! A lookup that finds nothing counts as an error and no figure is printed for it.

use std::sync::Arc;
use std::time::{Duration, Instant};
use yinxin::licence::repo::LicenceRepository;
use yinxin::store::Store;

struct Args {
    url: String,
    ids: Vec<String>,
    holders: Vec<String>,
    clients: usize,
    seconds: u64,
    rate: f64,
    migrate: bool,
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn args() -> Args {
    let mut a = Args {
        url: String::new(),
        ids: Vec::new(),
        holders: Vec::new(),
        clients: 64,
        seconds: 20,
        rate: 0.0,
        migrate: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--url" => a.url = v(),
            "--ids" => a.ids = lines(&v()),
            "--holders" => a.holders = lines(&v()),
            "--clients" => a.clients = v().parse().expect("--clients: a number"),
            "--seconds" => a.seconds = v().parse().expect("--seconds: a number"),
            "--rate" => a.rate = v().parse().expect("--rate: calls per second"),
            "--migrate" => a.migrate = true,
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(!a.url.is_empty(), "--url is required");
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// Run `clients` loops of `call` over random `keys` for `secs`; print the figures.
async fn measure(
    name: &str,
    store: &Arc<Store>,
    keys: &Arc<Vec<String>>,
    clients: usize,
    secs: u64,
    rate: f64,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    // Open loop: the interval between one client's scheduled calls.
    let every = (rate > 0.0).then(|| Duration::from_secs_f64(clients as f64 / rate));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (store, keys, name) = (store.clone(), keys.clone(), name.to_string());
        tasks.push(tokio::spawn(async move {
            let mut x: u64 =
                0x9e37_79b9_7f4a_7c15 ^ (c as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let (mut lat, mut misses, mut rows) = (Vec::new(), 0u64, 0u64);
            let mut slot = every.map(|e| started + e.mul_f64(c as f64 / clients as f64));
            while Instant::now() < deadline {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let key = &keys[(x % keys.len() as u64) as usize];
                let t = match (slot, every) {
                    (Some(at), Some(e)) => {
                        if at >= deadline {
                            break;
                        }
                        tokio::time::sleep_until(at.into()).await;
                        slot = Some(at + e);
                        at
                    }
                    _ => Instant::now(),
                };
                let found = match name.as_str() {
                    "by_identifier" => store
                        .by_identifier(key)
                        .await
                        .expect("by_identifier")
                        .map_or(0, |_| 1),
                    "held_by" => store.held_by(key, 100).await.expect("held_by").len() as u64,
                    _ => store.by_holder(key, 100).await.expect("by_holder").len() as u64,
                };
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if found == 0 {
                    misses += 1;
                }
                rows += found;
            }
            (lat, misses, rows)
        }));
    }
    let (mut lat, mut misses, mut rows) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, m, r) = t.await.expect("client");
        lat.extend(l);
        misses += m;
        rows += r;
    }
    let secs = started.elapsed().as_secs_f64();
    if misses > 0 {
        eprintln!(
            "{name}: {misses} of {} lookups found nothing; no figure",
            lat.len()
        );
        std::process::exit(1);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let r = |v: f64| (v * 1000.0).round() / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "lookup": name,
            "clients": clients,
            "model": if rate > 0.0 {
                format!("open loop, {rate} calls/s scheduled")
            } else {
                "closed loop".into()
            },
            "calls": lat.len(),
            "rows_per_call": r(rows as f64 / lat.len().max(1) as f64),
            "per_second": (lat.len() as f64 / secs).round(),
            "p50_ms": r(percentile(&lat, 0.50)),
            "p90_ms": r(percentile(&lat, 0.90)),
            "p99_ms": r(percentile(&lat, 0.99)),
            "max_ms": r(lat.last().copied().unwrap_or(0.0)),
        })
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let store = Arc::new(Store::connect(&a.url).await.expect("connect and migrate"));
    if a.migrate {
        store.close().await;
        return;
    }
    assert!(
        !a.ids.is_empty() && !a.holders.is_empty(),
        "--ids and --holders are required"
    );
    let ids = Arc::new(a.ids);
    let holders = Arc::new(a.holders);
    // A short warm-up of the pool's connections and statement caches, not measured.
    measure_quiet(&store, &ids).await;
    measure("by_identifier", &store, &ids, a.clients, a.seconds, a.rate).await;
    measure("held_by", &store, &holders, a.clients, a.seconds, a.rate).await;
    measure("by_holder", &store, &holders, a.clients, a.seconds, a.rate).await;
    store.close().await;
}

async fn measure_quiet(store: &Arc<Store>, ids: &Arc<Vec<String>>) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, ids) = (store.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            for k in ids.iter().skip(i).step_by(16).take(50) {
                let _ = store.by_identifier(k).await;
                let _ = store.by_holder(k, 1).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}
