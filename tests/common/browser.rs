//! Running a scenario script in Debian's Chromium through `playwright-core` (installed by
//! `.ci/run` outside the tree): what the tests need, and the script's results.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `YINXIN_BROWSER_DIR` (with `node_modules/playwright-core` and `node_modules/axe-core`) and
/// the Chromium binary (`YINXIN_CHROMIUM`, else `/usr/bin/chromium`), or why the browser
/// tests are skipped.
pub fn tools() -> Result<(PathBuf, PathBuf), String> {
    let dir = std::env::var_os("YINXIN_BROWSER_DIR")
        .map(PathBuf::from)
        .ok_or("YINXIN_BROWSER_DIR is not set (.ci/run installs playwright-core and axe-core)")?;
    for m in ["playwright-core", "axe-core"] {
        if !dir
            .join("node_modules")
            .join(m)
            .join("package.json")
            .exists()
        {
            return Err(format!("{m} is not installed in {}", dir.display()));
        }
    }
    let chromium = std::env::var_os("YINXIN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!("no Chromium at {}", chromium.display()));
    }
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Err("node is not installed".into());
    }
    Ok((dir, chromium))
}

/// Where the screenshots go: `target/tmp/browser/`.
pub fn screenshots() -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    out
}

/// Run `tests/browser/<script>` with the tools and `env`; assert that every name in
/// `expected` reported and that nothing failed; the results.
pub async fn run(
    tools: &(PathBuf, PathBuf),
    script: &str,
    env: &[(&str, &str)],
    expected: &[&str],
) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(script);
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&path)
        .env("YINXIN_BROWSER_DIR", &tools.0)
        .env("CHROMIUM", &tools.1)
        .env("OUT", screenshots());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // A generous bound: Chromium on a loaded 2-core machine; the scenarios wait for state.
    let output = tokio::time::timeout(std::time::Duration::from_secs(900), cmd.output())
        .await
        .expect("the browser scenarios finished")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node failed:\n{stdout}\n{stderr}");
    let results: Vec<Value> = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("no results ({e}):\n{stdout}\n{stderr}"));
    let names: Vec<&str> = results.iter().filter_map(|r| r["name"].as_str()).collect();
    for e in expected {
        assert!(names.contains(e), "{e} did not report: {stdout}");
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r["ok"] != true)
        .map(|r| format!("{}: {}", r["name"], r["detail"].as_str().unwrap_or("")))
        .collect();
    assert!(
        failed.is_empty(),
        "failed in Chromium:\n{}",
        failed.join("\n\n")
    );
    println!(
        "browser scenarios of {script}: {} passed; screenshots in {}",
        results.len(),
        screenshots().display()
    );
    results
}
