//! A command whose reader goes away (`yinxin … | head`) ends quietly by SIGPIPE, as Unix
//! tools do, instead of panicking on the failed write (exit 101 with a backtrace).

mod common;
use common::{fixture, yinxin};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

#[test]
fn closed_stdout_is_not_a_panic() {
    // A pipe whose read end is closed before the command starts: its first write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = yinxin()
        .args(["verify-chain", "--json", "--no-revocation", "--anchor"])
        .arg(fixture("pkits/certs/TrustAnchorRootCertificate.crt"))
        .arg("--cert")
        .arg(fixture("pkits/certs/GoodCACert.crt"))
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{:?} {stderr}",
        out.status
    );
}
