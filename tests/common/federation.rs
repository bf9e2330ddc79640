//! Regions that recognize each other: `yinxin init` with a public base URL, the pin of a
//! region's trust-list signer, `policies/trust.toml`, and a sync.

use super::http::call;
use super::{run_ok, yinxin};
use serde_json::Value;
use std::path::Path;

/// `yinxin init` of region `code` whose public base URL is loopback port `port`.
pub fn init_at(dir: &Path, code: &str, name: &str, port: u16) {
    run_ok(
        yinxin()
            .args(["init", "--data-dir"])
            .arg(dir)
            .args(["--region", code, "--name", name])
            .args(["--public-base-url", &format!("http://127.0.0.1:{port}")]),
    );
}

/// `yinxin init` of each (code, name) region in `root/<letter>` (`a`, `b`, …), each on a free
/// loopback port: the data directories and the ports.
pub fn init_regions<const N: usize>(
    root: &Path,
    regions: [(&str, &str); N],
) -> [(std::path::PathBuf, u16); N] {
    let mut i = 0u8;
    regions.map(|(code, name)| {
        let dir = root.join(char::from(b'a' + i).to_string());
        i += 1;
        let port = super::free_port();
        init_at(&dir, code, name, port);
        (dir, port)
    })
}

/// SHA-256 of the SM2 trust-list signer of a region (from its first published list).
pub fn signer_pin(dir: &Path) -> String {
    run_ok(
        yinxin()
            .args(["trust-list", "publish", "--data-dir"])
            .arg(dir),
    );
    let out = dir.join("list.cms");
    run_ok(
        yinxin()
            .args(["trust-list", "show", "--data-dir"])
            .arg(dir)
            .arg("--out")
            .arg(&out),
    );
    let signed = std::fs::read(&out).unwrap();
    let info = yinxin::document::cms::verify_embedded(&signed).unwrap();
    hex::encode(yinxin::crypto::sha256(&info.signer_cert))
}

/// A recognized region as `trust.toml` names it.
pub struct Peer<'a> {
    pub code: &'a str,
    pub url: String,
    pub pin: String,
}

/// `policies/trust.toml` recognizing `peers`, accepting everything of each.
pub fn write_trust(dir: &Path, peers: &[Peer<'_>], sync_extra: &str) {
    write_trust_accepting(
        dir,
        peers,
        sync_extra,
        "\"certificates\", \"seals\", \"e-licences\"",
    );
}

/// `policies/trust.toml` recognizing `peers`, accepting `accept` (a TOML array's items) of
/// each.
pub fn write_trust_accepting(dir: &Path, peers: &[Peer<'_>], sync_extra: &str, accept: &str) {
    let mut t = String::from(
        "[list]\nvalidity_hours = 24\n[list.assurance_levels]\n\"1.3.6.1.4.1.32473.1.2.3\" = \"high\"\n\"1.3.6.1.4.1.32473.1.2.2\" = \"substantial\"\n",
    );
    t.push_str(&format!("[sync]\ninterval_seconds = 3600\n{sync_extra}\n"));
    for p in peers {
        t.push_str(&format!(
            "[[peer]]\nregion = \"{}\"\nname = \"Region {}\"\nlist_url = \"{}\"\nsigner_sha256 = [\"{}\"]\naccept = [{}]\n[peer.assurance_map]\n\"1.3.6.1.4.1.32473.1.2.3\" = \"1.3.6.1.4.1.32473.1.2.3\"\n",
            p.code, p.code, p.url, p.pin, accept
        ));
    }
    std::fs::write(dir.join("policies/trust.toml"), t).unwrap();
}

/// `POST /v1/trust/peers/sync?region=` as `admin`: the peer's state after it.
pub async fn sync(base: &str, admin: &str, region: &str) -> Value {
    let r = call(
        "POST",
        &format!("{base}/v1/trust/peers/sync?region={region}"),
        Some(admin),
        &[],
        vec![],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["peers"][0].clone()
}

/// `POST /v1/verify` of `object` (raw body) at `base`: the report.
pub async fn verify_at(base: &str, object: &[u8]) -> Value {
    let r = call(
        "POST",
        &format!("{base}/v1/verify"),
        None,
        &[("content-type", "application/octet-stream")],
        object.to_vec(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// A seal made with region `code`'s real seal-maker key (in `data`) outside its system: never
/// in its registry nor in its transparency log (the forgery a log exists to expose). Signers:
/// the certificate `serial` whose PEM is `signer_pem`.
pub async fn unlogged_seal(
    data: &Path,
    code: &str,
    holder: &str,
    serial: &str,
    signer_pem: &Path,
) -> Vec<u8> {
    let pass = yinxin::crypto::Passphrase::new(super::TEST_PASSPHRASE.into()).unwrap();
    let region = yinxin::pki::region::Region::open(data, None, &yinxin::store::SqlConnector)
        .await
        .unwrap();
    let (maker, maker_cert) = region.seal_maker(&pass).await.unwrap();
    let signer_cert = cert_der_of(signer_pem);
    let t = yinxin::seal::types::builtin().into_iter().next().unwrap();
    yinxin::seal::service::make_seal(
        &yinxin::seal::service::SealRequest {
            region: code,
            seal_type: &t,
            holder,
            name: "影子公章",
            signers: vec![(serial.to_string(), signer_cert)],
            picture_png: super::RED_PNG.to_vec(),
            validity_days: 30,
            now: yinxin::clock::now_secs(),
        },
        maker.as_ref(),
        &maker_cert,
    )
    .unwrap()
    .der
}

/// The DER of a PEM certificate file.
pub fn cert_der_of(path: &Path) -> Vec<u8> {
    use der::{DecodePem, Encode};
    let pem = std::fs::read_to_string(path).unwrap();
    x509_cert::Certificate::from_pem(&pem)
        .unwrap()
        .to_der()
        .unwrap()
}
