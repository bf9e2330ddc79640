//! The transparency log's SM2 note key (`src/transparency/sm2.rs`) against OpenSSL 3: the
//! signature line of a checkpoint signed by the region's SM2 key is an SM2-with-SM3 signature
//! of the note text (default distinguishing ID) that `openssl pkeyutl -verify -rawin -digest
//! sm3` accepts, and refuses once the text changed.

mod common;

use base64::Engine as _;
use std::sync::Arc;
use yinxin::crypto::{Algorithm, PrivateKey, SoftwareSigner};
use yinxin::transparency::checkpoint::Checkpoint;
use yinxin::transparency::note::Note;
use yinxin::transparency::sm2::Sm2NoteSigner;

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
    let verifies = |text: &str| {
        common::openssl_sm2_verify(dir.path(), &spki, text.as_bytes(), &line.signature)
    };
    assert!(
        verifies(note.text()),
        "OpenSSL refused the SM2 note signature"
    );
    let changed = note.text().replacen("1234567", "1234568", 1);
    assert!(
        !verifies(&changed),
        "OpenSSL accepted the signature over a changed checkpoint"
    );
}
