//! `yinxin-load`, the load generator the benchmark scripts run: its issuance mode issues real
//! certificates (every request answered 201), and a run with failed requests reports no rate
//! and exits non-zero, so a script cannot print a figure made of errors.

mod common;
use common::http::{Server, token};
use common::{fixture, init_region};
use std::process::Command;

fn load() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yinxin-load"))
}

#[test]
fn issue_mode_issues_and_errors_give_no_rate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(&data, &[]);
    let csr = fixture("csr/test-sm2.csr.pem");
    let out = load()
        .args([
            "--url",
            &server.base,
            "--token",
            &admin,
            "--algorithm",
            "sm2",
        ])
        .arg("--csr")
        .arg(&csr)
        .args(["--concurrency", "4", "--requests", "20"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["ok"], 20, "{j}");
    assert_eq!(j["errors"], 0, "{j}");
    assert!(j["per_second"].as_f64().unwrap() > 0.0);

    // `get`: URL paths from a file, round-robin; a path answering other than 200 is an error.
    let paths = tmp.path().join("paths.txt");
    std::fs::write(&paths, "/v1/health\n\n/v1/ca\n").unwrap();
    let out = load()
        .args(["--url", &server.base, "--mode", "get", "--path-list"])
        .arg(&paths)
        .args(["--concurrency", "2", "--requests", "10"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["ok"], 10, "{j}");
    std::fs::write(&paths, "/v1/health\n/v1/no-such-path\n").unwrap();
    let out = load()
        .args(["--url", &server.base, "--mode", "get", "--path-list"])
        .arg(&paths)
        .args(["--concurrency", "1", "--requests", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2 of 4 requests failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A wrong token: every request fails (401); no rate is printed and the exit is 1.
    let out = load()
        .args([
            "--url",
            &server.base,
            "--token",
            "yx_wrong",
            "--algorithm",
            "sm2",
        ])
        .arg("--csr")
        .arg(&csr)
        .args(["--concurrency", "2", "--requests", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("4 of 4 requests failed")
            && err.contains("HTTP 401")
            && err.contains("no rate"),
        "{err}"
    );
}
