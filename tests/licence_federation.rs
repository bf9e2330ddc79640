//! E-licences across regions, with three `yinxin serve` processes on loopback: region ra
//! issues a business licence; rb, whose `trust.toml` accepts ra's e-licences, verifies the OFD
//! and the QR through the status supply point ra's trust list names (the signed status fetched
//! from ra, no registry of rb involved) and sees ra's revocation; rc, which recognizes ra for
//! certificates and seals only, refuses the licence although its seal verifies.

mod common;
use common::federation::{
    Peer, init_regions, signer_pin, sync, verify_at, write_trust, write_trust_accepting,
};
use common::http::{Server, get, post_json, token};
use common::licence::{agency, values};
use serde_json::{Value, json};

const AGENCY: &str = "11440100MB2C12345P";

async fn verify_qr_at(base: &str, qr: &str) -> Value {
    let r = post_json(&format!("{base}/v1/verify"), None, &json!({"qr": qr})).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recognizing_region_checks_a_licence_at_the_issuers_status_point() {
    let tmp = tempfile::tempdir().unwrap();
    let [(da, pa), (db, pb), (dc, pc)] = init_regions(
        tmp.path(),
        [("ra", "甲区域"), ("rb", "乙区域"), ("rc", "丙区域")],
    );
    let pin_a = signer_pin(&da);
    let peer_a = || Peer {
        code: "ra",
        url: format!("http://127.0.0.1:{pa}/v1/trust-list"),
        pin: pin_a.clone(),
    };
    write_trust(&db, &[peer_a()], "");
    write_trust_accepting(&dc, &[peer_a()], "", "\"certificates\", \"seals\"");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let issuer = agency(&da, &work, "广州市市场监督管理局", AGENCY, "agency");
    let (_, admin_b) = token(&db, "admin", None);
    let (_, admin_c) = token(&dc, "admin", None);
    let loose = [
        ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_BURST", "100000"),
    ];
    let a = Server::start_at(&da, &format!("127.0.0.1:{pa}"), &loose);
    let b = Server::start_at(&db, &format!("127.0.0.1:{pb}"), &loose);
    let c = Server::start_at(&dc, &format!("127.0.0.1:{pc}"), &loose);

    // ra issues.
    let r = post_json(
        &format!("{}/v1/licences", a.base),
        Some(&issuer),
        &json!({"kind": "business-licence", "values": values("business-licence")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let issued = r.json();
    let id = issued["identifier"].as_str().unwrap().to_string();
    let qr = issued["qr"].as_str().unwrap().to_string();
    let doc = get(
        &format!("{}/v1/licences/{id}/document", a.base),
        Some(&issuer),
    )
    .await;
    assert_eq!(doc.status, 200);
    let ofd = doc.body;

    // The peers sync at start; once more, to be sure of ra's current list.
    for (base, admin) in [(&b.base, &admin_b), (&c.base, &admin_c)] {
        let s = sync(base, admin, "ra").await;
        assert_eq!(s["ok"], true, "{s:#}");
    }

    // rb: the file and the QR pass, the status being ra's signed one, fetched from ra.
    let j = verify_at(&b.base, &ofd).await;
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["ofd_indication"], "TOTAL_PASSED", "{j:#}");
    let l = &j["licence"];
    assert_eq!(l["region"], "ra", "{l:#}");
    assert_eq!(l["status"], "active", "{l:#}");
    let source = l["status_source"].as_str().unwrap();
    assert!(source.contains("signed status of region ra"), "{source}");
    let data_signature = l["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "data-signature")
        .unwrap();
    assert_eq!(data_signature["outcome"], "skipped", "{l:#}");
    let j = verify_qr_at(&b.base, &qr).await;
    assert_eq!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["region"], "ra", "{j:#}");

    // rc recognizes ra's seals, not its e-licences: the OFD's seal verifies, the licence is
    // refused for that reason; so is its QR.
    let j = verify_at(&c.base, &ofd).await;
    assert_eq!(j["ofd_indication"], "TOTAL_PASSED", "{j:#}");
    assert_ne!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(
        j["licence"]["reason"], "licence-region-not-accepted",
        "{j:#}"
    );
    let j = verify_qr_at(&c.base, &qr).await;
    assert_ne!(j["indication"], "TOTAL_PASSED", "{j:#}");
    assert_eq!(j["reason"], "licence-region-not-accepted", "{j:#}");

    // ra revokes: rb reads it from ra's next signed status.
    let r = post_json(
        &format!("{}/v1/licences/{id}/revoke", a.base),
        Some(&issuer),
        &json!({"reason": "吊销"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = verify_at(&b.base, &ofd).await;
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["sub_indication"], "REVOKED", "{j:#}");
    assert_eq!(j["licence"]["reason"], "licence-revoked", "{j:#}");
    let j = verify_qr_at(&b.base, &qr).await;
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    assert_eq!(j["reason"], "licence-revoked", "{j:#}");
    drop((a, b, c));
}
