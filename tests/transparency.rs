//! The transparency log (issue 20).
//!
//! - The SM2 note key (`src/transparency/sm2.rs`) against OpenSSL 3: the signature line of a
//!   checkpoint signed by the region's SM2 key is an SM2-with-SM3 signature of the note text
//!   (default distinguishing ID) that `openssl pkeyutl -verify -rawin -digest sm3` accepts, and
//!   refuses once the text changed.
//! - A serving region logs what it signs (its CA and service certificates at init, its trust
//!   list, each certificate issued and revoked) and serves the log: the issuance answer's
//!   tlog-proof verifies under the log key its trust list announces, the checkpoint carries
//!   both signatures, and the tiles and entry bundles rebuild the checkpoint's root with an
//!   RFC 6962 tree hash written here, independently of `src/transparency`.

mod common;

use common::http::{Server, get, post_json, token};
use serde_json::{Value, json};
use yinxin::transparency::checkpoint::{CheckpointPolicy, verifier_from_vkey};
use yinxin::transparency::entry::Entry;
use yinxin::transparency::note::{VerifierKey, Verifiers};
use yinxin::transparency::proof::TlogProof;
use yinxin::transparency::sm2::Sm2NoteVerifier;
use yinxin::transparency::tiles::{self, TilePath};

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

use common::log::mth;

#[test]
fn the_oracle_splits_as_rfc6962_says() {
    // k is the largest power of two smaller than n.
    let l: Vec<[u8; 32]> = (0..7u8).map(|i| [i; 32]).collect();
    use sha2::Digest;
    let node = |a: [u8; 32], b: [u8; 32]| -> [u8; 32] {
        let mut h = sha2::Sha256::new();
        h.update([1u8]);
        h.update(a);
        h.update(b);
        h.finalize().into()
    };
    let left = node(node(l[0], l[1]), node(l[2], l[3]));
    let right = node(node(l[4], l[5]), l[6]);
    assert_eq!(mth(&l), node(left, right));
    assert_eq!(mth(&l[..2]), node(l[0], l[1]));
}

/// The log's keys as the region's trust list announces them.
async fn announced(base: &str) -> Value {
    let r = get(&format!("{base}/v1/trust-list?format=json"), None).await;
    assert_eq!(r.status, 200);
    r.json()["transparency"].clone()
}

fn policy(t: &Value) -> CheckpointPolicy {
    let mut keys = Verifiers::new();
    keys.push(verifier_from_vkey(t["log_key"].as_str().unwrap()).unwrap());
    CheckpointPolicy::new(t["origin"].as_str().unwrap(), keys)
}

/// Poll `url` until it answers 200 (an entry waiting for sequencing), within 30 s.
async fn until_ok(url: &str) -> common::http::Resp {
    for _ in 0..300 {
        let r = get(url, None).await;
        if r.status == 200 {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never answered 200");
}

#[tokio::test]
async fn a_region_logs_what_it_signs_and_serves_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r");
    common::init_region(&data, None);
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let t = announced(&base).await;
    assert!(t["origin"].as_str().unwrap().ends_with("/log"), "{t}");
    assert!(
        t["witness_url"]
            .as_str()
            .unwrap()
            .ends_with("/log/witness/add-checkpoint")
    );
    let policy = policy(&t);

    // Issuance answers with a tlog-proof of the certificate's entry.
    let r = post_json(
        &format!("{base}/v1/certificates"),
        Some(&admin),
        &json!({"profile": "organization", "algorithm": "sm2",
                "subject": {"name": "透明日志测试公司", "credit_code": "91350100M000100Y43"},
                "generate_key": {"passphrase": "holder-passphrase-1"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let der = {
        use der::{DecodePem, Encode};
        x509_cert::Certificate::from_pem(j["certificate_pem"].as_str().unwrap())
            .unwrap()
            .to_der()
            .unwrap()
    };
    let proof_text = j["transparency"]["tlog_proof"]
        .as_str()
        .unwrap_or_else(|| panic!("no proof in the answer: {}", j["transparency"]));
    let proof = TlogProof::parse(proof_text).unwrap();
    let entry_bytes = proof
        .extra
        .clone()
        .expect("the entry travels as extra data");
    let opened = proof.verify(&entry_bytes, &policy).unwrap();
    assert!(opened.checkpoint.size() > proof.index);
    assert_eq!(j["transparency"]["index"], proof.index);
    let entry = Entry::parse(&entry_bytes).unwrap();
    assert_eq!(entry.kind, "certificate.issue");
    assert_eq!(entry.object_sha256, yinxin::crypto::sha256(&der));
    assert_eq!(entry.object.as_deref(), Some(der.as_slice()));
    assert_eq!(entry.holder.as_deref(), Some("91350100M000100Y43"));
    assert_eq!(entry.reference, j["serial"].as_str().unwrap());

    // Forgeries: another entry, a moved index, a checkpoint of another key.
    let other = Entry::new("certificate.issue", entry.time, &entry.reference, b"not it")
        .encode()
        .unwrap();
    assert!(
        proof.verify(&other, &policy).is_err(),
        "another entry verified"
    );
    let mut moved = proof.clone();
    moved.index ^= 1;
    assert!(
        moved.verify(&entry_bytes, &policy).is_err(),
        "a moved index verified"
    );
    let stranger = yinxin::transparency::ed25519::Ed25519Signer::from_seed(
        t["origin"].as_str().unwrap(),
        &[7u8; 32],
    )
    .unwrap();
    let forged_cp = opened.checkpoint.sign(&[&stranger]).unwrap();
    let forged = TlogProof::new(proof.index, proof.inclusion.clone(), forged_cp).unwrap();
    assert!(
        matches!(
            forged.verify(&entry_bytes, &policy),
            Err(yinxin::transparency::proof::ProofError::Checkpoint(_))
        ),
        "a checkpoint signed by a key the trust list does not announce verified"
    );

    // The checkpoint: the log key and the region's SM2 key, no-cache.
    let cp = until_ok(&format!("{base}/log/checkpoint")).await;
    assert_eq!(cp.header("cache-control").as_deref(), Some("no-cache"));
    let cp_text = String::from_utf8(cp.body.clone()).unwrap();
    let opened = policy.open(cp_text.as_bytes()).unwrap();
    let sm2 =
        Sm2NoteVerifier::from_vkey(&VerifierKey::parse(t["sm2_key"].as_str().unwrap()).unwrap())
            .unwrap();
    let sm2_policy =
        CheckpointPolicy::new(t["origin"].as_str().unwrap(), Verifiers::new().with(sm2));
    sm2_policy
        .open(cp_text.as_bytes())
        .expect("the SM2 signature verifies");
    let size = opened.checkpoint.size();

    // The tiles and bundles rebuild the root; every entry is a canonical record.
    let mut leaves = Vec::new();
    let mut kinds = Vec::new();
    for tile in tiles::tiles_for_size(size).filter(|t| t.level() == 0) {
        let r = get(&format!("{base}/log/{}", tile.path()), None).await;
        assert_eq!(r.status, 200, "{}", tile.path());
        assert_eq!(
            r.header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(r.body.len(), 32 * usize::from(tile.width()));
        let bundle_path = tile.path().replacen("tile/0/", "tile/entries/", 1);
        let TilePath::Entries(bundle) = tiles::parse_path(&bundle_path).unwrap() else {
            panic!("{bundle_path}")
        };
        let b = get(&format!("{base}/log/{}", bundle.path()), None).await;
        assert_eq!(b.status, 200);
        let entries = tiles::decode_bundle(&b.body).unwrap();
        assert_eq!(entries.len(), usize::from(tile.width()));
        for (i, e) in entries.iter().enumerate() {
            let leaf = yinxin::transparency::merkle::leaf_hash(e);
            assert_eq!(&r.body[32 * i..32 * (i + 1)], leaf.as_slice());
            leaves.push(leaf);
            kinds.push(Entry::parse(e).unwrap().kind);
        }
    }
    assert_eq!(leaves.len() as u64, size);
    assert_eq!(&mth(&leaves), opened.checkpoint.root_hash());
    // Init logged the four CA certificates and the service certificates; the server its list.
    let issued = kinds.iter().filter(|k| *k == "certificate.issue").count();
    assert!(
        issued > 4 + 6,
        "4 CAs, the services and the one above: {kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "trust-list.publish"), "{kinds:?}");

    // Beyond the tree: 404; a bad path or query: 404 / 400.
    let beyond = tiles::Tile::new(0, size / 256 + 1, 1).unwrap();
    assert_eq!(
        get(&format!("{base}/log/{}", beyond.path()), None)
            .await
            .status,
        404
    );
    assert_eq!(
        get(&format!("{base}/log/tile/0/x1"), None).await.status,
        404
    );
    get(
        &format!("{base}/log/proof?kind=forged&sha256={}", "00".repeat(32)),
        None,
    )
    .await
    .assert_problem(400, "invalid-query");
    assert_eq!(
        get(
            &format!(
                "{base}/log/proof?kind=certificate.issue&sha256={}",
                "00".repeat(32)
            ),
            None
        )
        .await
        .status,
        404
    );

    // A revocation is logged too, and its proof fetched later verifies.
    let serial = j["serial"].as_str().unwrap();
    let r = post_json(
        &format!("{base}/v1/certificates/{serial}/revoke"),
        Some(&admin),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = until_ok(&format!(
        "{base}/log/proof?kind=certificate.revoke&sha256={}",
        hex::encode(yinxin::crypto::sha256(&der))
    ))
    .await;
    let p = TlogProof::parse(std::str::from_utf8(&r.body).unwrap()).unwrap();
    let e = p.extra.clone().unwrap();
    p.verify(&e, &policy).unwrap();
    assert!(p.index > proof.index);
    assert_eq!(Entry::parse(&e).unwrap().kind, "certificate.revoke");
    server.terminate();
}
