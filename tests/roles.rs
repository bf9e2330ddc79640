//! Roles in deployment: a `yinxin serve --role ca` process and a `--role verify` process over
//! one database (SQLite, or PostgreSQL when `YINXIN_TEST_POSTGRES_URL` is set). The verify
//! process is started after the region's `keys/` directory was moved away and without the key
//! store passphrase: that it starts and answers at all proves it never opens a key. It answers
//! verifications of what the ca process issued and stamped (seal registry and CRLs read from
//! the shared database, so revocations made through the ca process show), serves CRLs and the
//! trust list, and refuses every signing route with 421 `not-served-here` naming the `ca`
//! role; the ca process refuses public verification the same way.

mod common;
use base64::Engine;
use common::http::*;
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ORG: &str = "91350100M000100Y43";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

async fn verify(base: &str, body: &Value) -> Value {
    let r = post_json(&format!("{base}/v1/verify"), None, body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// Verify `body` at `base` until the report satisfies `want` (30 s at most).
async fn verify_until(base: &str, body: &Value, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let j = verify(base, body).await;
        if want(&j) {
            return j;
        }
        assert!(Instant::now() < deadline, "never as wanted: {j:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A refused request: method, route (as the table writes it), token, content type, body.
type Refused<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a [u8]);

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no step {name}: {report:#}"))
}

/// The refusal of a route this process does not serve, naming the role that serves it.
fn assert_not_served(r: &Resp, route: &str, serving_role: &str) {
    r.assert_problem(421, "not-served-here");
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains(route) && detail.contains(&format!("the {serving_role} process")),
        "{detail}"
    );
}

#[tokio::test]
async fn a_verify_process_holds_no_key_answers_verifications_and_refuses_signing() {
    match std::env::var("YINXIN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(base) => {
            let db = TempPg::create(&base).await;
            run(Some(&db.url)).await;
            db.drop_database().await;
        }
        None => run(None).await,
    }
}

async fn run(db: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, db);
    let (_, admin) = token(&data, "admin", None);
    let (_, seal_admin) = token(&data, "seal-admin", Some(ORG));
    let signer_serial = issue_generated_org(&data, tmp.path(), "盖章单位", ORG, "signer");
    let signer = signer_token(&data, tmp.path(), &signer_serial, "signer");
    let fast = [
        ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_RATE_LIMIT_BURST", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_ANONYMOUS_RATE_LIMIT_BURST", "100000"),
    ];
    let ca = Server::start_role(&data, "ca", &fast, &[]);
    let cab = ca.base.clone();

    // Through the ca process: a certificate, a seal, a stamp.
    let csr = std::fs::read_to_string(fixture("csr/test-sm2.csr.pem")).unwrap();
    let r = post_json(
        &format!("{cab}/v1/certificates"),
        Some(&admin),
        &json!({"profile": "organization", "algorithm": "sm2",
                "subject": {"name": "测试单位", "credit_code": ORG}, "csr": csr}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let issued = r.json();
    let cert_serial = issued["serial"].as_str().unwrap().to_string();
    let cert_pem = issued["certificate_pem"].as_str().unwrap().to_string();
    let r = post_json(
        &format!("{cab}/v1/seals"),
        Some(&seal_admin),
        &json!({"holder": ORG, "type": "official", "name": "盖章单位", "signers": [signer_serial],
                "picture_png_base64": b64().encode(RED_PNG)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let seal_id = r.json()["id"].as_str().unwrap().to_string();
    let doc = "审批意见：同意".as_bytes();
    let r = post_json(
        &format!("{cab}/v1/seals/{seal_id}/sign"),
        Some(&signer),
        &json!({"data_base64": b64().encode(doc)}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let signature = r.json()["signature_base64"].as_str().unwrap().to_string();
    // The ca process does not parse anonymous verification uploads.
    let r = post_json(
        &format!("{cab}/v1/verify"),
        None,
        &json!({"object_base64": signature}),
    )
    .await;
    assert_not_served(&r, "POST /v1/verify", "verify");

    // The verify process: no key store on disk, no passphrase in its environment.
    std::fs::rename(data.join("keys"), tmp.path().join("keys-moved-away")).unwrap();
    assert!(!data.join("keys").exists());
    let verifier = Server::start_role(&data, "verify", &fast, &["YINXIN_KEY_PASSPHRASE"]);
    let vb = verifier.base.clone();

    // It verifies the stamp (registry consulted) and the certificate (CRLs the ca process made).
    let stamp = json!({"object_base64": signature, "data_base64": b64().encode(doc)});
    let passed = |j: &Value| j["indication"] == "TOTAL_PASSED";
    let report = verify_until(&vb, &stamp, passed).await;
    assert_eq!(step(&report, "seal-registry")["outcome"], "passed");
    let cert_body = json!({"object_base64": b64().encode(&cert_pem)});
    let report = verify_until(&vb, &cert_body, passed).await;
    assert_eq!(report["object"], "certificate");

    // It serves what the ca process stored: CRLs, the signed trust list, CA certificates.
    let deadline = Instant::now() + Duration::from_secs(30);
    let crl = loop {
        let r = get(&format!("{vb}/crl/sm2-issuing.crl"), None).await;
        if r.status == 200 {
            break r;
        }
        assert!(Instant::now() < deadline, "no CRL: {}", r.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        crl.header("content-type").as_deref(),
        Some("application/pkix-crl")
    );
    let list = get(&format!("{vb}/v1/trust-list"), None).await;
    assert_eq!(list.status, 200, "{}", String::from_utf8_lossy(&list.body));
    assert_eq!(
        list.header("content-type").as_deref(),
        Some("application/cms")
    );
    assert_eq!(
        get(&format!("{vb}/ca/sm2-root.cer"), None).await.status,
        200
    );
    assert_eq!(get(&format!("{vb}/v1/health"), None).await.status, 200);
    // Its OpenAPI document lists what it serves.
    let doc_v = get(&format!("{vb}/openapi.json"), None).await.json();
    assert!(doc_v["paths"]["/v1/verify"]["post"].is_object());
    assert!(doc_v["paths"]["/v1/certificates"].is_null(), "{doc_v:#}");

    // It refuses everything that signs or administers, naming the ca role.
    let refused: [Refused; 8] = [
        (
            "POST",
            "/v1/certificates",
            Some(&admin),
            "application/json",
            b"{}",
        ),
        ("POST", "/tsa", None, "application/timestamp-query", b"x"),
        ("POST", "/ocsp", None, "application/ocsp-request", b"x"),
        (
            "POST",
            "/v1/documents/sign",
            Some(&signer),
            "application/octet-stream",
            b"x",
        ),
        (
            "POST",
            "/v1/seals",
            Some(&seal_admin),
            "application/json",
            b"{}",
        ),
        ("GET", "/v1/seals/{id}/status", None, "", b""),
        (
            "POST",
            "/v1/trust-list/publish",
            Some(&admin),
            "application/json",
            b"{}",
        ),
        ("GET", "/v1/certificates/{serial}", Some(&admin), "", b""),
    ];
    for (method, route, token, ct, body) in refused {
        let path = route
            .replace("{id}", &seal_id)
            .replace("{serial}", &cert_serial);
        let headers: Vec<(&str, &str)> = if ct.is_empty() {
            vec![]
        } else {
            vec![("content-type", ct)]
        };
        let r = call(
            method,
            &format!("{vb}{path}"),
            token,
            &headers,
            body.to_vec(),
        )
        .await;
        assert_not_served(&r, &format!("{method} {route}"), "ca");
    }

    // Revocations made through the ca process are seen by the verify process: the seal at
    // once (the registry), the certificate once the ca process has published its CRL.
    let r = post_json(
        &format!("{cab}/v1/seals/{seal_id}/revoke"),
        Some(&seal_admin),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = verify(&vb, &stamp).await;
    assert_eq!(
        (j["indication"].as_str(), j["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("REVOKED")),
        "{j:#}"
    );
    let r = post_json(
        &format!("{cab}/v1/certificates/{cert_serial}/revoke"),
        Some(&admin),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    verify_until(&vb, &cert_body, |j| j["sub_indication"] == "REVOKED").await;
    // Nothing recreated the key store.
    assert!(!data.join("keys").exists());
}
