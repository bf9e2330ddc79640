//! The README is executable: its `sh` blocks run, in order, in one shell, in an empty
//! directory, against a `yinxin quickstart` server, with `yinxin` from this build on the PATH.
//! An example that breaks (a command that fails, a file it uses but never made) fails this
//! test, naming the README line of the failing command.
//!
//! Rules the README follows so that it can run:
//! - every ```` ```sh ```` block is part of the walkthrough, except one preceded by the line
//!   `<!-- not in the walkthrough: REASON -->` (the set-up commands, which build the project);
//!   syntax summaries with placeholders are ```` ```text ```` blocks;
//! - the server is the one `cargo run --release -- quickstart` starts: `localhost:8080`; the
//!   test starts `yinxin quickstart --listen 127.0.0.1:PORT` and reads `8080` as that port;
//! - `TOKEN` is the admin token quickstart prints (the test exports it).

mod common;

use common::free_port;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SKIP_MARK: &str = "<!-- not in the walkthrough:";

/// The walkthrough blocks of a README: (line of the block's first command, text).
fn walkthrough_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines().enumerate().peekable();
    let mut prev_nonempty = "";
    while let Some((i, line)) = lines.next() {
        let fence = line.trim_start();
        if fence.starts_with("```") {
            let lang = fence.trim_start_matches('`').trim();
            let skipped = prev_nonempty.trim_start().starts_with(SKIP_MARK);
            let mut body = String::new();
            let first = i + 2;
            for (_, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            if lang == "sh" && !skipped {
                out.push((first, body));
            }
            prev_nonempty = "```";
            continue;
        }
        if !line.trim().is_empty() {
            prev_nonempty = line;
        }
    }
    out
}

/// The script: each block's lines, with the line number of the README recorded before each
/// command so that a failure names it.
fn script(blocks: &[(usize, String)], port: u16) -> String {
    let mut s = String::from(
        "set -eEuo pipefail\n\
         README_LINE=0\n\
         trap 'echo \"walkthrough failed at README.md line $README_LINE: $BASH_COMMAND\" >&2' ERR\n",
    );
    for (first, body) in blocks {
        s.push_str(&format!("echo '### README.md line {first}' >&2\n"));
        let mut continued = false;
        let mut quotes = Quotes::default();
        for (k, line) in body.lines().enumerate() {
            let line = line
                .replace("localhost:8080", &format!("127.0.0.1:{port}"))
                .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
            if !continued && !line.trim().is_empty() && !line.trim_start().starts_with('#') {
                s.push_str(&format!("README_LINE={}\n", first + k));
            }
            quotes.scan(&line);
            let end = line.trim_end();
            continued = quotes.open()
                || end.ends_with('\\')
                || end.ends_with('|')
                || end.ends_with("&&")
                || end.ends_with("||");
            s.push_str(&line);
            s.push('\n');
        }
    }
    s
}

/// Quoting state across the lines of a block: a multi-line argument (such as a `jq`
/// program) keeps a quote open, and no assignment may be inserted inside it.
#[derive(Default)]
struct Quotes {
    single: bool,
    double: bool,
}

impl Quotes {
    fn scan(&mut self, line: &str) {
        let mut escaped = false;
        for c in line.chars() {
            if escaped {
                escaped = false;
                continue;
            }
            match c {
                '\\' if !self.single => escaped = true,
                '\'' if !self.double => self.single = !self.single,
                '"' if !self.single => self.double = !self.double,
                '#' if !self.single && !self.double => break,
                _ => {}
            }
        }
    }
    fn open(&self) -> bool {
        self.single || self.double
    }
}

fn tool(name: &str) -> bool {
    // `openssl` knows `version`, not `--version`.
    let arg = if name == "openssl" {
        "version"
    } else {
        "--version"
    };
    Command::new(name)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

struct Quickstart {
    child: std::process::Child,
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts quickstart in `dir` and returns it with the admin token it printed.
fn start_quickstart(dir: &Path, port: u16) -> (Quickstart, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(["quickstart", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env_remove("YINXIN_KEY_PASSPHRASE")
        .env_remove("YINXIN_DATABASE_URL")
        .env_remove("YINXIN_DATA_DIR")
        .env_remove("YINXIN_PUBLIC_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("quickstart.log")).unwrap())
        .spawn()
        .expect("spawn quickstart");
    let stdout = child.stdout.take().unwrap();
    let qs = Quickstart { child };
    // Read stdout to its end on a thread (the server keeps writing to it; a closed pipe would
    // fail its writes), handing over the token line.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("yx_")) {
                let _ = tx.send(t.trim_matches('\'').to_string());
            }
        }
    });
    let token = rx.recv_timeout(Duration::from_secs(300)).ok();
    let token = token.unwrap_or_else(|| {
        panic!(
            "quickstart printed no token; its log:\n{}",
            std::fs::read_to_string(dir.join("quickstart.log")).unwrap_or_default()
        )
    });
    // Wait for the server to answer (generous bound: a loaded CI machine).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "quickstart did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (qs, token)
}

#[test]
fn readme_blocks_are_found_and_the_setup_block_is_excluded() {
    let readme = "# x\n<!-- not in the walkthrough: builds -->\n```sh\ncargo test\n```\n\
                  text\n```sh\necho one\n```\n```text\nyinxin verify FILE [--json]\n```\n\
                  ```sh\necho two \\\n  three\njq -n '{a:1,\n  b:2}'\n```\n";
    let blocks = walkthrough_blocks(readme);
    assert_eq!(
        blocks,
        vec![
            (8, "echo one\n".to_string()),
            (
                14,
                "echo two \\\n  three\njq -n '{a:1,\n  b:2}'\n".to_string()
            )
        ]
    );
    let s = script(&blocks, 9999);
    assert!(s.contains("README_LINE=8\necho one"), "{s}");
    // No assignment inside a continued command.
    assert!(
        s.contains("README_LINE=14\necho two \\\n  three\nREADME_LINE=16\njq -n '{a:1,\n  b:2}'"),
        "{s}"
    );
}

#[test]
fn readme_walkthrough_runs() {
    for t in ["openssl", "curl", "jq"] {
        if !tool(t) {
            println!("skipped: readme_walkthrough_runs: {t} is not installed");
            return;
        }
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let blocks = walkthrough_blocks(&readme);
    assert!(
        blocks.len() >= 6,
        "the README lost its walkthrough ({} blocks)",
        blocks.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (_server, token) = start_quickstart(dir.path(), port);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_yinxin")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script_path = dir.path().join("walkthrough.sh");
    std::fs::write(&script_path, script(&blocks, port)).unwrap();
    let mut child = Command::new("bash")
        .arg(&script_path)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("TOKEN", &token)
        .env_remove("YINXIN_KEY_PASSPHRASE")
        .env_remove("YINXIN_DATABASE_URL")
        .env_remove("YINXIN_DATA_DIR")
        .env_remove("YINXIN_PUBLIC_BASE_URL")
        .env_remove("YINXIN_LANG")
        .env("LANG", "C.UTF-8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bash");
    // Read both pipes on threads (a full pipe would stall the script), bounded in time.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(900);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = t_out.join().unwrap();
    let stderr = t_err.join().unwrap();
    assert!(
        status.success(),
        "the README walkthrough failed ({status}).\n--- stderr ---\n{stderr}\n--- stdout ---\n{stdout}"
    );
    // What the walkthrough shows happened, happened.
    for expected in [
        "cert.pem: good",
        "cert.pem: revoked",
        "Verification: OK",
        "TOTAL_PASSED",
        "TOTAL_FAILED",
        "CMS Verification successful",
        // The e-licence: verified, its QR URL answering, then revoked.
        "TOTAL_PASSED\nactive",
        "TOTAL_PASSED\n广州示例科技有限公司",
        "TOTAL_FAILED\nlicence-revoked",
    ] {
        assert!(
            stdout.contains(expected) || stderr.contains(expected),
            "the walkthrough's output lacks {expected:?}.\n--- stderr ---\n{stderr}\n--- stdout ---\n{stdout}"
        );
    }
}
