//! `yinxin-load`: HTTP load generator for yinxin (see BENCHMARKS.md).
//!
//! ```text
//! yinxin-load --url http://127.0.0.1:8080 --token yx_… --csr fixtures/csr/test-p256.csr.pem \
//!             --algorithm p256 --concurrency 64 --requests 20000 [--max-seconds 120]
//! yinxin-load --url http://127.0.0.1:8080 --mode ocsp --body req.der --concurrency 64 --requests 200000
//! yinxin-load --url http://127.0.0.1:8080 --mode tsa --body query.tsq --concurrency 32 --requests 20000
//! yinxin-load --url http://127.0.0.1:8080 --mode verify --body cert.pem --token PEER --concurrency 32
//! yinxin-load --url http://127.0.0.1:8080 --mode licence-issue --body licence.json --token AGENCY
//! yinxin-load --url http://127.0.0.1:8080 --mode get --path-list paths.txt --concurrency 64
//! ```
//! `issue` (default) sends `POST /v1/certificates` (organization profile, the given CSR);
//! `ocsp` and `tsa` post a fixed DER body to `/ocsp` or `/tsa`. `licence-issue` posts the body
//! template to `/v1/licences`, each request a different licence: `{n}` in the template becomes
//! the request's number and `{credit_code}` a valid unified social credit code (GB 32100) made
//! from it, and each request has its own `Idempotency-Key`. `get` sends `GET` to the URL paths
//! of `--path-list` (one a line), round-robin, expecting 200 (`--accept text/html`: as a
//! browser asks, e.g. for the page a licence's QR URL opens). `--concurrency` workers use
//! keep-alive connections, bounded by `--requests` and `--max-seconds`; it prints requests/s
//! and latency percentiles. `--expect-body TEXT` counts an answer as answered only when its body
//! also contains TEXT (e.g. `"indication":"TOTAL_PASSED"` for `verify`, so that a rate of
//! failing verifications is never reported as one of verifications). Only for servers you run
//! yourself on loopback.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Args {
    mode: String,
    body: Vec<u8>,
    paths: Vec<String>,
    url: String,
    token: String,
    csr: String,
    algorithm: String,
    concurrency: usize,
    requests: usize,
    max_seconds: u64,
    accept: String,
    expect_body: String,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        mode: "issue".into(),
        body: Vec::new(),
        paths: Vec::new(),
        url: "http://127.0.0.1:8080".into(),
        token: std::env::var("YINXIN_TOKEN").unwrap_or_default(),
        csr: String::new(),
        algorithm: "p256".into(),
        concurrency: 64,
        requests: 10_000,
        max_seconds: 120,
        accept: String::new(),
        expect_body: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--url" => a.url = v()?,
            "--mode" => a.mode = v()?,
            "--body" => a.body = std::fs::read(v()?).map_err(|e| format!("--body: {e}"))?,
            "--path-list" => {
                a.paths = std::fs::read_to_string(v()?)
                    .map_err(|e| format!("--path-list: {e}"))?
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            }
            "--token" => a.token = v()?,
            "--accept" => a.accept = v()?,
            "--expect-body" => a.expect_body = v()?,
            "--csr" => a.csr = std::fs::read_to_string(v()?).map_err(|e| format!("--csr: {e}"))?,
            "--algorithm" => a.algorithm = v()?,
            "--concurrency" => {
                a.concurrency = v()?.parse().map_err(|_| "--concurrency: a number")?
            }
            "--requests" => a.requests = v()?.parse().map_err(|_| "--requests: a number")?,
            "--max-seconds" => {
                a.max_seconds = v()?.parse().map_err(|_| "--max-seconds: a number")?
            }
            "--help" | "-h" => {
                println!(
                    "yinxin-load --url URL [--mode issue|ocsp|tsa|verify|licence-issue|get] [--token TOKEN] [--csr FILE] [--body FILE] [--path-list FILE] [--algorithm sm2|p256] [--concurrency N] [--requests N] [--max-seconds S] [--accept TYPE] [--expect-body TEXT]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    match a.mode.as_str() {
        "issue" if a.token.is_empty() || a.csr.is_empty() => {
            return Err("--token and --csr are required".into());
        }
        "issue" => {}
        "ocsp" | "tsa" | "verify" if a.body.is_empty() => {
            return Err("--body is required".into());
        }
        "ocsp" | "tsa" | "verify" => {}
        "licence-issue" if a.token.is_empty() || a.body.is_empty() => {
            return Err("--token and --body (the request body template) are required".into());
        }
        "licence-issue" => {
            std::str::from_utf8(&a.body).map_err(|_| "--body: not UTF-8 text")?;
        }
        "get" if a.paths.is_empty() => {
            return Err("--path-list is required (a file of URL paths, one a line)".into());
        }
        "get" if a.paths.iter().any(|p| !p.starts_with('/')) => {
            return Err("--path-list: every line is a URL path starting with /".into());
        }
        "get" => {}
        other => return Err(format!("unknown mode {other}")),
    }
    let host = a
        .url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        return Err("yinxin-load only targets loopback addresses".into());
    }
    Ok(a)
}

/// A valid unified social credit code (GB 32100) for request `n`.
fn credit_code(n: usize) -> String {
    let first17 = format!("91440101MA{:07}", n % 10_000_000);
    let c = yinxin::pki::identifiers::credit_code_check_char(&first17).unwrap_or('0');
    format!("{first17}{c}")
}

/// The body template with request `n`'s values.
fn fill(template: &str, n: usize) -> String {
    template
        .replace("{credit_code}", &credit_code(n))
        .replace("{n}", &n.to_string())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("yinxin-load: error: {e}");
            std::process::exit(2);
        }
    };
    let (path, content_type, expect) = match args.mode.as_str() {
        "ocsp" => ("/ocsp", "application/ocsp-request", 200u16),
        "tsa" => ("/tsa", "application/timestamp-query", 200u16),
        "verify" => ("/v1/verify", "application/octet-stream", 200u16),
        "licence-issue" => ("/v1/licences", "application/json", 201u16),
        "get" => ("", "", 200u16),
        _ => ("/v1/certificates", "application/json", 201u16),
    };
    // Idempotency keys unique to this run, so that a second run issues again.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let template = Arc::new(String::from_utf8_lossy(&args.body).into_owned());
    let paths = Arc::new(args.paths.clone());
    let mode = Arc::new(args.mode.clone());
    let body = if args.mode != "issue" {
        Bytes::from(args.body.clone())
    } else {
        Bytes::from(
            serde_json::json!({
                "profile": "organization",
                // The key algorithm of the certificates asked for (issue mode only).
            "algorithm": (args.mode == "issue").then_some(&args.algorithm),
                "subject": {"name": "负载测试单位", "credit_code": "91350100M000100Y43"},
                "csr": args.csr,
                "validity_days": 365,
            })
            .to_string(),
        )
    };
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build_http();
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, body) = (client.clone(), next.clone(), body.clone());
        let (template, paths, mode) = (template.clone(), paths.clone(), mode.clone());
        let base = args.url.trim_end_matches('/').to_string();
        let url = format!("{base}{path}");
        let auth = format!("Bearer {}", args.token);
        let accept = args.accept.clone();
        let expect_body = args.expect_body.clone();
        let total = args.requests;
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut first_error: Option<String> = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total || Instant::now() >= deadline {
                    break;
                }
                let mut req = match mode.as_str() {
                    "get" => hyper::Request::get(format!("{base}{}", paths[n % paths.len()])),
                    _ => hyper::Request::post(&url).header("content-type", content_type),
                };
                if auth.len() > "Bearer ".len() {
                    req = req.header("authorization", &auth);
                }
                if !accept.is_empty() {
                    req = req.header("accept", &accept);
                }
                let payload = match mode.as_str() {
                    "get" => Bytes::new(),
                    "licence-issue" => {
                        req = req.header("idempotency-key", format!("load-{run}-{n}"));
                        Bytes::from(fill(&template, n))
                    }
                    _ => body.clone(),
                };
                let req = req.body(Full::new(payload)).expect("request");
                let t = Instant::now();
                match client.request(req).await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let body = resp
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let has = |text: &str| {
                            text.is_empty()
                                || body.windows(text.len()).any(|w| w == text.as_bytes())
                        };
                        if status == expect && has(&expect_body) {
                            lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            errors += 1;
                            if first_error.is_none() {
                                let text = String::from_utf8_lossy(&body);
                                first_error = Some(format!(
                                    "HTTP {status}: {}",
                                    text.chars().take(300).collect::<String>()
                                ));
                            }
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("transport: {e}"));
                    }
                }
            }
            (lat, errors, first_error)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for w in workers {
        if let Ok((l, e, f)) = w.await {
            lat.extend(l);
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
    }
    if errors > 0 {
        // A rate with failed requests in it is not a figure: report the failure only.
        eprintln!(
            "yinxin-load: error: {errors} of {} requests failed (first: {}); no rate reported",
            errors + lat.len(),
            first_error.unwrap_or_default()
        );
        std::process::exit(1);
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{}",
        serde_json::json!({
            "mode": args.mode,
            "algorithm": args.algorithm,
            "concurrency": args.concurrency,
            "ok": lat.len(),
            "errors": errors,
            "seconds": (secs * 100.0).round() / 100.0,
            "per_second": (lat.len() as f64 / secs).round(),
            "p50_ms": (percentile(&lat, 0.50) * 100.0).round() / 100.0,
            "p90_ms": (percentile(&lat, 0.90) * 100.0).round() / 100.0,
            "p99_ms": (percentile(&lat, 0.99) * 100.0).round() / 100.0,
            "max_ms": (lat.last().copied().unwrap_or(0.0) * 100.0).round() / 100.0,
        })
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_make_a_different_valid_licence_per_request() {
        let t = r#"{"n":"{n}","code":"{credit_code}","again":"{n}"}"#;
        let (a, b) = (fill(t, 7), fill(t, 8));
        assert_ne!(a, b);
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["n"], "7");
        assert_eq!(v["again"], "7");
        for n in [0, 7, 9_999_999, 12_345_678] {
            yinxin::pki::identifiers::check_credit_code(&credit_code(n)).unwrap();
        }
        assert_ne!(credit_code(1), credit_code(2));
    }
}
