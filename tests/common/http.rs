//! A `yinxin serve` child process on an ephemeral port, and a small HTTP client.

use super::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

pub struct Server {
    pub child: Child,
    pub base: String,
    /// Its log, scanned for secrets when it is dropped ([`super::exposure`]).
    log: Option<std::path::PathBuf>,
}

/// A new file for a server's log (info level) under the target's temporary directory.
fn log_file() -> (std::path::PathBuf, Stdio) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("server-logs");
    std::fs::create_dir_all(&dir).expect("create the server log directory");
    let path = dir.join(format!(
        "{}-{}.log",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let file = std::fs::File::create(&path).expect("create the server log");
    (path, Stdio::from(file))
}

impl Server {
    /// Start `yinxin serve` on `data` with extra environment variables; waits for the
    /// "listening on" line.
    pub fn start(data: &Path, env: &[(&str, &str)]) -> Server {
        Self::start_at(data, "127.0.0.1:0", env)
    }

    /// [`Server::start`] on a given listen address.
    pub fn start_at(data: &Path, listen: &str, env: &[(&str, &str)]) -> Server {
        Self::spawn(data, listen, &[], env, &[])
    }

    /// `yinxin serve --role ROLE` on `data`, with extra environment variables and without the
    /// variables `unset` (e.g. `YINXIN_KEY_PASSPHRASE` for a `verify` process).
    pub fn start_role(data: &Path, role: &str, env: &[(&str, &str)], unset: &[&str]) -> Server {
        Self::spawn(data, "127.0.0.1:0", &["--role", role], env, unset)
    }

    /// [`Server::start`] logging at debug level into the file `log` (what an operator's log
    /// collector would keep), for tests of what never reaches the logs.
    pub fn start_logged(data: &Path, env: &[(&str, &str)], log: &Path) -> Server {
        let mut env = env.to_vec();
        env.push(("YINXIN_LOG", "debug"));
        let file = std::fs::File::create(log).expect("create the log file");
        let mut s = Self::spawn_with(data, "127.0.0.1:0", &[], &env, &[], Stdio::from(file));
        s.log = Some(log.to_path_buf());
        s
    }

    fn spawn(
        data: &Path,
        listen: &str,
        args: &[&str],
        env: &[(&str, &str)],
        unset: &[&str],
    ) -> Server {
        let (path, file) = log_file();
        let mut s = Self::spawn_with(data, listen, args, env, unset, file);
        s.log = Some(path);
        s
    }

    fn spawn_with(
        data: &Path,
        listen: &str,
        args: &[&str],
        env: &[(&str, &str)],
        unset: &[&str],
        stderr: Stdio,
    ) -> Server {
        let mut c = yinxin();
        c.env("YINXIN_LOG", "info");
        c.args(["serve", "--listen", listen, "--data-dir"])
            .arg(data)
            .args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        for k in unset {
            c.env_remove(k);
        }
        c.stdout(Stdio::piped()).stderr(stderr);
        let mut child = c.spawn().expect("spawn yinxin serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        Server {
            child,
            base,
            log: None,
        }
    }

    /// Send SIGTERM.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let Some(log) = &self.log else { return };
        let text = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
        let found = super::exposure::in_log(&text);
        if found.is_empty() {
            if log.starts_with(env!("CARGO_TARGET_TMPDIR")) {
                let _ = std::fs::remove_file(log);
            }
        } else if !std::thread::panicking() {
            panic!(
                "the server's log ({}) holds {}",
                log.display(),
                found.join(", ")
            );
        }
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, h: &str) -> Option<String> {
        self.headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    /// Assert a problem+json response of this status and kind.
    pub fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        let j = self.json();
        assert_eq!(j["type"], format!("urn:yinxin:problem:{kind}"), "{j}");
        assert_eq!(j["status"], status);
        assert!(j["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

pub async fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Resp {
    try_call(method, url, token, headers, body)
        .await
        .expect("HTTP request")
}

/// As `call`, returning transport errors (`is_connect()` means the server never accepted it).
pub async fn try_call(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Resp, hyper_util::client::legacy::Error> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut b = hyper::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = client
        .request(b.body(Full::new(Bytes::from(body))).unwrap())
        .await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("complete response body")
        .to_bytes()
        .to_vec();
    let found = super::exposure::in_answer(&String::from_utf8_lossy(&body));
    assert!(found.is_empty(), "{url} answered {}", found.join(", "));
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub async fn get(url: &str, token: Option<&str>) -> Resp {
    call("GET", url, token, &[], vec![]).await
}

pub async fn post_json(url: &str, token: Option<&str>, body: &serde_json::Value) -> Resp {
    call(
        "POST",
        url,
        token,
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
    )
    .await
}

/// Create a token with the CLI; returns (id, secret).
pub fn token(data: &Path, role: &str, org: Option<&str>) -> (String, String) {
    let mut c = yinxin();
    c.args(["token", "create", "--role", role, "--data-dir"])
        .arg(data);
    if let Some(o) = org {
        c.args(["--org", o]);
    }
    let j: serde_json::Value = serde_json::from_slice(&run_ok(&mut c).stdout).unwrap();
    (
        j["id"].as_str().unwrap().to_string(),
        j["token"].as_str().unwrap().to_string(),
    )
}

/// An organization certificate with a key generated by the CA (`yinxin issue --generate-key`,
/// key passphrase `signer-key-passphrase` in `work/kp.txt`), written to `work/<out>`
/// (`cert.pem`, `key.pem`); returns its serial.
pub fn issue_generated_org(
    data: &Path,
    work: &Path,
    name: &str,
    credit: &str,
    out: &str,
) -> String {
    issue_generated_org_alg(data, work, name, credit, out, "sm2")
}

/// [`issue_generated_org`] with the algorithm `alg` (`sm2` or `p256`).
pub fn issue_generated_org_alg(
    data: &Path,
    work: &Path,
    name: &str,
    credit: &str,
    out: &str,
    alg: &str,
) -> String {
    let subject = serde_json::json!({"name": name, "credit_code": credit});
    issue_generated(data, work, "organization", alg, &subject, out)
}

/// A certificate of `profile` for `subject` with a key generated by the CA (algorithm `alg`,
/// key passphrase `signer-key-passphrase` in `work/kp.txt`), written to `work/<out>`
/// (`cert.pem`, `key.pem`); returns its serial.
pub fn issue_generated(
    data: &Path,
    work: &Path,
    profile: &str,
    alg: &str,
    subject: &serde_json::Value,
    out: &str,
) -> String {
    std::fs::write(work.join("kp.txt"), b"signer-key-passphrase\n").unwrap();
    let subject_file = work.join(format!("{out}.json"));
    std::fs::write(&subject_file, subject.to_string()).unwrap();
    let o = run_ok(
        yinxin()
            .args([
                "issue",
                "--profile",
                profile,
                "--algorithm",
                alg,
                "--generate-key",
            ])
            .arg("--data-dir")
            .arg(data)
            .arg("--key-passphrase-file")
            .arg(work.join("kp.txt"))
            .arg("--subject")
            .arg(&subject_file)
            .arg("--out")
            .arg(work.join(out)),
    );
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A `signer` token bound to certificate `serial`, importing `work/<out>/key.pem` (made by
/// [`issue_generated_org`]) into the key store; returns the secret.
pub fn signer_token(data: &Path, work: &Path, serial: &str, out: &str) -> String {
    let o = run_ok(
        yinxin()
            .args([
                "token",
                "create",
                "--role",
                "signer",
                "--cert",
                serial,
                "--data-dir",
            ])
            .arg(data)
            .arg("--key")
            .arg(work.join(out).join("key.pem"))
            .arg("--key-passphrase-file")
            .arg(work.join("kp.txt")),
    );
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The signed status of seal `id` of the region in `data` (`GET /v1/seals/{id}/status` from a
/// server started for it), written to `out`: what a relying party verifying offline gives
/// with `--seal-status`.
pub fn seal_status_file(data: &Path, id: &str, out: &Path) {
    let server = Server::start(data, &[]);
    let url = format!("{}/v1/seals/{id}/status", server.base);
    let r = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(get(&url, None));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    std::fs::write(out, &r.body).unwrap();
}
