//! `yinxin sign --tsa` on a P-256 certificate asks for a SHA-256 timestamp (not SM3), answered
//! by the P-256 time-stamping unit, so that `openssl ts -verify` checks the token inside the
//! CMS against the region's P-256 root.

mod common;
use common::flow::{issue, write_subjects};
use common::http::Server;
use common::{init_region, openssl, require_openssl, run_ok, yinxin};
use yinxin::status::tsp::{self, TsHash};

#[test]
fn p256_cms_timestamp_verifies_with_openssl_ts() {
    if !require_openssl("p256_cms_timestamp_verifies_with_openssl_ts") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    write_subjects(&work);
    issue(&data, &work, "organization", "p256", Err(()), "org");
    let server = Server::start(&data, &[]);
    std::fs::write(work.join("contract.txt"), "合同正文 contract text\n").unwrap();
    run_ok(
        yinxin()
            .arg("sign")
            .arg("--cert")
            .arg(work.join("org/cert.pem"))
            .arg("--key")
            .arg(work.join("org/key.pem"))
            .arg("--key-passphrase-file")
            .arg(work.join("keypass.txt"))
            .arg("--in")
            .arg(work.join("contract.txt"))
            .arg("--out")
            .arg(work.join("contract.p7s"))
            .arg("--tsa")
            .arg(format!("{}/tsa", server.base)),
    );
    let p7s = std::fs::read(work.join("contract.p7s")).unwrap();
    let data_bytes = std::fs::read(work.join("contract.txt")).unwrap();
    let info = yinxin::document::cms::verify_detached(&p7s, &data_bytes).unwrap();
    let token = info.timestamp.expect("a signature time-stamp token");
    assert_eq!(
        tsp::parse_token(&token).unwrap().hash(),
        Some(TsHash::Sha256),
        "a P-256 signature gets a SHA-256 timestamp"
    );
    std::fs::write(work.join("token.der"), &token).unwrap();
    std::fs::write(work.join("signature.bin"), &info.signature_value).unwrap();
    let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    let out = openssl(&[
        "ts",
        "-verify",
        "-token_in",
        "-in",
        &path(work.join("token.der")),
        "-data",
        &path(work.join("signature.bin")),
        "-CAfile",
        &path(data.join("ca/p256-root.pem")),
        "-untrusted",
        &path(data.join("ca/p256-issuing.pem")),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Verification: OK"), "{text}");
}
