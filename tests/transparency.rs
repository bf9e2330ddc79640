//! The transparency log's SM2 note key (`src/transparency/sm2.rs`) against OpenSSL 3: the
//! signature line of a checkpoint signed by the region's SM2 key is an SM2-with-SM3 signature
//! of the note text (default distinguishing ID) that `openssl pkeyutl -verify -rawin -digest
//! sm3` accepts, and refuses once the text changed.

mod common;

use base64::Engine as _;
use std::process::Command;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, PrivateKey, SoftwareSigner};
use yinxin::transparency::checkpoint::Checkpoint;
use yinxin::transparency::note::Note;
use yinxin::transparency::sm2::Sm2NoteSigner;

fn openssl_verifies(dir: &std::path::Path, text: &[u8]) -> bool {
    std::fs::write(dir.join("text"), text).unwrap();
    let out = Command::new("openssl")
        .current_dir(dir)
        .args([
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-in",
            "text",
            "-sigfile",
            "sig.der",
        ])
        .output()
        .expect("spawn openssl");
    out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully")
}

#[test]
fn an_sm2_signed_checkpoint_verifies_with_openssl() {
    if !common::require_openssl("an_sm2_signed_checkpoint_verifies_with_openssl") {
        return;
    }
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = Arc::new(SoftwareSigner::new(&key).unwrap());
    let spki = yinxin::crypto::Signer::public_key_spki(signer.as_ref()).to_vec();
    let note_signer = Sm2NoteSigner::new("test-gd.example/log-sm2", signer).unwrap();
    let cp = Checkpoint::new("test-gd.example/log", 1_234_567, [9u8; 32]).unwrap();
    let signed = cp.sign(&[&note_signer]).unwrap();

    let note = Note::parse(signed.as_bytes()).unwrap();
    let line = &note.signatures()[0];
    assert_eq!(line.name, "test-gd.example/log-sm2");
    // The line's bytes after the key ID are the DER signature.
    let b64 = signed.lines().last().unwrap().rsplit(' ').next().unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&raw[4..], line.signature.as_slice());

    let dir = tempfile::tempdir().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&spki);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    );
    std::fs::write(dir.path().join("pub.pem"), pem).unwrap();
    std::fs::write(dir.path().join("sig.der"), &line.signature).unwrap();
    assert!(
        openssl_verifies(dir.path(), note.text().as_bytes()),
        "OpenSSL refused the SM2 note signature"
    );
    let changed = note.text().replacen("1234567", "1234568", 1);
    assert!(
        !openssl_verifies(dir.path(), changed.as_bytes()),
        "OpenSSL accepted the signature over a changed checkpoint"
    );
}
