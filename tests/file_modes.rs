//! `yinxin serve` refuses to start when the key store is open to other users (issue 18): a key
//! file readable by the group, or the key directory others may enter — one line naming the
//! path and the `chmod` that fixes it, non-zero exit, before anything listens.

mod common;
use common::{free_port, init_region, yinxin};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn serve_refused(data: &Path) -> String {
    let mut child = yinxin()
        .args(["serve", "--data-dir"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A service that starts anyway would never end: give it a generous bound, then fail.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("yinxin serve started with an open key store");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let err = err.trim().to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_open_key_store_stops_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("region");
    init_region(&data, None);
    let key = data.join("keys/sm2-tsa.pem");
    chmod(&key, 0o640);
    let err = serve_refused(&data);
    assert!(
        err.contains(&format!(
            "{} is open to other users (mode 640): run `chmod 600 {}`",
            key.display(),
            key.display()
        )),
        "{err}"
    );
    chmod(&key, 0o600);
    let dir = data.join("keys");
    chmod(&dir, 0o755);
    let err = serve_refused(&data);
    assert!(
        err.contains(&format!("mode 755): run `chmod 700 {}`", dir.display())),
        "{err}"
    );
}
