//! Relying parties find the issuing CA: `GET /ca/{id}.cer` (the AIA caIssuers URL every issued
//! certificate names) and `.pem` answer with the region's CA certificates, and
//! `openssl verify` with `-untrusted` taken from that answer validates an issued certificate.

mod common;
use common::flow::{issue, write_subjects};
use common::http::{Server, get};
use common::{init_region, openssl, require_openssl};

#[tokio::test]
async fn ca_certificates_are_served_where_aia_points() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, work) = (tmp.path().join("data"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    write_subjects(&work);
    issue(&data, &work, "organization", "p256", Err(()), "org");
    let server = Server::start(&data, &[]);

    // The AIA of the issued certificate names /ca/p256-issuing.cer.
    let leaf = work.join("org/cert.pem");
    let text = String::from_utf8_lossy(
        &openssl(&["x509", "-in", leaf.to_str().unwrap(), "-noout", "-text"]).stdout,
    )
    .into_owned();
    assert!(text.contains("/ca/p256-issuing.cer"), "{text}");

    let der = get(&format!("{}/ca/p256-issuing.cer", server.base), None).await;
    assert_eq!(der.status, 200);
    assert_eq!(
        der.header("content-type").as_deref(),
        Some("application/pkix-cert")
    );
    let pem = get(&format!("{}/ca/p256-issuing.pem", server.base), None).await;
    assert_eq!(pem.status, 200);
    let on_disk = std::fs::read_to_string(data.join("ca/p256-issuing.pem")).unwrap();
    assert_eq!(String::from_utf8_lossy(&pem.body).trim(), on_disk.trim());
    let (_, from_pem) = der::pem::decode_vec(on_disk.as_bytes()).unwrap();
    assert_eq!(der.body, from_pem);
    get(&format!("{}/ca/nope.cer", server.base), None)
        .await
        .assert_problem(404, "not-found");
    get(&format!("{}/ca/p256-issuing.txt", server.base), None)
        .await
        .assert_problem(404, "not-found");

    if !require_openssl("ca_certificates_are_served_where_aia_points") {
        return;
    }
    let fetched = work.join("fetched-issuing.cer");
    std::fs::write(&fetched, &der.body).unwrap();
    let out = openssl(&[
        "verify",
        "-CAfile",
        data.join("ca/p256-root.pem").to_str().unwrap(),
        "-untrusted",
        fetched.to_str().unwrap(),
        leaf.to_str().unwrap(),
    ]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains(": OK"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And `yinxin verify --chain` with a bundle made of what /ca answers.
    let bundle = work.join("chain.pem");
    std::fs::write(&bundle, &pem.body).unwrap();
    let out = common::run_ok(
        common::yinxin()
            .arg("verify")
            .arg(&leaf)
            .arg("--anchor")
            .arg(data.join("ca/p256-root.pem"))
            .arg("--chain")
            .arg(&bundle)
            .arg("--no-revocation"),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("TOTAL_PASSED"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// What `/v1/documents/seal` answers (`application/ofd`) is accepted by `/v1/verify` as is.
#[tokio::test]
async fn verify_accepts_application_ofd() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let server = Server::start(&data, &[]);
    let ofd = std::fs::read(common::fixture("ofd/unsigned-contract.ofd")).unwrap();
    for ct in ["application/ofd", "application/octet-stream"] {
        let r = common::http::call(
            "POST",
            &format!("{}/v1/verify", server.base),
            None,
            &[("content-type", ct)],
            ofd.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{ct}: {}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        assert_eq!(j["indication"], "INDETERMINATE", "{j:#}");
        assert!(
            j["detail"].as_str().unwrap().contains("no signatures"),
            "{j:#}"
        );
    }
}
