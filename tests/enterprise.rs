//! 同步发放: a registration authority registers a new company in one step — its organization
//! certificate, its 公章 listing that certificate and its business licence, all three or none.
//! Over HTTP: all three made (the licence verifies TOTAL_PASSED, the certificate validates, the
//! seal is active and lists the certificate, the generated key is returned encrypted and belongs
//! to the certificate); a replay returns the same three; bad data issue nothing. Through the
//! library with the failure hook: a failure after the certificate leaves it revoked and no seal
//! or licence; a failure after the licence leaves all three revoked, and the key is spent.

mod common;
use common::http::{Server, call, get, post_json};
use common::{TEST_PASSPHRASE, init_region};
use serde_json::{Value, json};
use std::path::Path;
use yinxin::licence::enterprise::Step;
use yinxin::licence::repo::LicenceRepository;
use yinxin::pki::repo::{CertificateFilter, Repository};
use yinxin::seal::service::{SealRepository, SealStatus};

const AUTHORITY: &str = "11440100MB2C12345P";

/// A valid credit code for `n` (GB 32100 check character computed).
fn company_code(n: u32) -> String {
    let first = format!("914401017{n:08}");
    let check = yinxin::pki::identifiers::credit_code_check_char(&first).unwrap();
    format!("{first}{check}")
}

fn registration(code: &str, name: &str) -> Value {
    json!({
        "credit_code": code,
        "name": name,
        "entity_type": "有限责任公司（自然人投资或控股）",
        "legal_representative": "张三",
        "business_scope": "软件开发；信息技术咨询服务。",
        "registered_capital": "100",
        "established": "2026-03-01",
        "domicile": "广州市天河区示例路1号"
    })
}

/// The registration authority: its certificate (key imported), its e-licence seal listing it
/// and a registration-authority token; returns (token, certificate serial).
fn authority(data: &Path, work: &Path) -> (String, String) {
    common::licence::sealing_agency(
        data,
        work,
        "广州市市场监督管理局",
        AUTHORITY,
        "ra",
        "registration-authority",
    )
}

async fn store(data: &Path) -> yinxin::store::Store {
    let url = format!("sqlite://{}", data.join("yinxin.db").display());
    yinxin::store::Store::connect(&url).await.unwrap()
}

/// Register through the library (as `yinxin enterprise register`), with the failure hook.
async fn register_lib(
    data: &Path,
    work: &Path,
    ra_serial: &str,
    code: &str,
    key: &str,
    fail_after: Option<Step>,
) -> Result<Value, String> {
    let reg = work.join(format!("{code}.json"));
    std::fs::write(&reg, registration(code, "广州示例科技有限公司").to_string()).unwrap();
    std::fs::write(work.join("company-pass.txt"), "company-passphrase\n").unwrap();
    std::fs::write(work.join("ks.txt"), TEST_PASSPHRASE).unwrap();
    static RUN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = work.join(format!("out-{n}"));
    let args = yinxin::cli::enterprise::RegisterArgs::parse_words([
        "--data-dir".into(),
        data.display().to_string(),
        "--authority-cert".into(),
        ra_serial.to_string(),
        "--registration".into(),
        reg.display().to_string(),
        "--key-passphrase-file".into(),
        work.join("company-pass.txt").display().to_string(),
        "--ca-passphrase-file".into(),
        work.join("ks.txt").display().to_string(),
        "--external-key".into(),
        key.to_string(),
        "--out".into(),
        out.display().to_string(),
    ])
    .map_err(|e| format!("{e:?}"))?;
    yinxin::cli::enterprise::register(args, fail_after)
        .await
        .map_err(|e| format!("{e:?}"))
}

fn organization_certs(code: &str) -> CertificateFilter {
    CertificateFilter {
        profile: Some("organization".into()),
        status: None,
        holder: None,
        organization: Some(code.into()),
        after: None,
        limit: 100,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_failures_leave_nothing_active() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let (_, ra_serial) = authority(&data, &work);

    // A failure after the certificate: it is revoked (cessationOfOperation); no seal, no licence.
    let a = company_code(1);
    let e = register_lib(
        &data,
        &work,
        &ra_serial,
        &a,
        "reg-a",
        Some(Step::Certificate),
    )
    .await
    .unwrap_err();
    assert!(e.contains("forced after the certificate"), "{e}");
    let st = store(&data).await;
    let certs = st.certificates(&organization_certs(&a)).await.unwrap();
    assert_eq!(certs.len(), 1, "one certificate was made");
    let cert = &certs[0];
    assert_eq!(cert.status.as_str(), "revoked");
    assert_eq!(
        cert.revocation_reason,
        Some(yinxin::pki::revocation::RevocationReason::CessationOfOperation.code())
    );
    assert!(st.seals(Some(&a)).await.unwrap().is_empty(), "no seal");
    assert!(st.by_holder(&a, 10).await.unwrap().is_empty(), "no licence");
    assert!(
        st.by_external_key(AUTHORITY, "reg-a")
            .await
            .unwrap()
            .is_none(),
        "the key names nothing"
    );

    // The same key again, without the failure: all three made.
    let ok = register_lib(&data, &work, &ra_serial, &a, "reg-a", None)
        .await
        .unwrap();
    assert_eq!(ok["replayed"], false, "{ok}");
    assert_eq!(ok["certificate"]["status"], "valid");
    assert_eq!(ok["seal"]["status"], "active");
    assert_eq!(ok["licence"]["status"], "active");
    // … and a replay gives back the same three.
    let again = register_lib(&data, &work, &ra_serial, &a, "reg-a", None)
        .await
        .unwrap();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["certificate"]["serial"], ok["certificate"]["serial"]);
    assert_eq!(again["seal"]["id"], ok["seal"]["id"]);
    assert_eq!(again["licence"]["identifier"], ok["licence"]["identifier"]);

    // A failure after the licence: all three revoked; the key is spent.
    let b = company_code(2);
    let e = register_lib(&data, &work, &ra_serial, &b, "reg-b", Some(Step::Licence))
        .await
        .unwrap_err();
    assert!(e.contains("forced after the licence"), "{e}");
    let certs = st.certificates(&organization_certs(&b)).await.unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].status.as_str(), "revoked");
    let seals = st.seals(Some(&b)).await.unwrap();
    assert_eq!(seals.len(), 1);
    assert_eq!(seals[0].status, SealStatus::Revoked);
    let licences = st.by_holder(&b, 10).await.unwrap();
    assert_eq!(licences.len(), 1);
    assert_eq!(licences[0].status.name(), "revoked");
    let e = register_lib(&data, &work, &ra_serial, &b, "reg-b", None)
        .await
        .unwrap_err();
    assert!(e.contains("undone"), "{e}");
}

async fn post_keyed(url: &str, token: &str, key: &str, body: &Value) -> common::http::Resp {
    call(
        "POST",
        url,
        Some(token),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        body.to_string().into_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let (token, _) = authority(&data, &work);
    let (_, admin) = common::http::token(&data, "admin", None);
    let (_, auditor) = common::http::token(&data, "auditor", None);
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let url = format!("{base}/v1/enterprises");
    let code = company_code(3);
    let body = json!({
        "registration": registration(&code, "广州示例科技有限公司"),
        "key": {"generate": {"passphrase": "company-passphrase"}},
    });

    // Only a registration authority registers.
    post_json(&url, Some(&auditor), &body)
        .await
        .assert_problem(403, "forbidden");

    // All three made.
    let r = post_keyed(&url, &token, "REG-2026-0003", &body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["replayed"], false);
    let id = j["licence"]["identifier"].as_str().unwrap().to_string();
    let serial = j["certificate"]["serial"].as_str().unwrap().to_string();
    let seal_id = j["seal"]["id"].as_str().unwrap().to_string();

    // The licence: sealed by the authority, verifies.
    let doc = get(&format!("{base}/v1/licences/{id}/document"), Some(&token)).await;
    assert_eq!(doc.status, 200);
    let report = common::licence::verify_object(&base, &doc.body).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");

    // The certificate: the company's, valid, and the key returned belongs to it.
    let pem = j["certificate"]["pem"].as_str().unwrap();
    let der = call(
        "GET",
        &format!("{base}/v1/certificates/{serial}"),
        Some(&admin),
        &[("accept", "application/pkix-cert")],
        vec![],
    )
    .await
    .body;
    assert_eq!(yinxin::pki::cert::to_pem(&der), pem);
    let report = common::licence::verify_object(&base, &der).await;
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    let rec = get(&format!("{base}/v1/certificates/{serial}"), Some(&admin))
        .await
        .json();
    assert_eq!(rec["organization"], code.as_str());
    assert_eq!(rec["status"], "valid");
    let key_pem = j["key_pem_encrypted"].as_str().unwrap();
    assert!(key_pem.contains("ENCRYPTED PRIVATE KEY"), "{key_pem}");
    let pass = yinxin::crypto::Passphrase::new("company-passphrase".into()).unwrap();
    let key = yinxin::crypto::PrivateKey::from_encrypted_pem(key_pem, &pass, "key").unwrap();
    let spki = yinxin::verify::cert::Cert::from_der(&der).unwrap().spki_der;
    assert_eq!(key.public_key_spki_der().unwrap(), spki);

    // The 公章: the company's official seal, active, listing the certificate.
    let seal = get(&format!("{base}/v1/seals/{seal_id}"), None)
        .await
        .json();
    assert_eq!(seal["status"], "active", "{seal}");
    assert_eq!(seal["seal_type"], "official");
    assert_eq!(seal["holder"], code.as_str());
    assert_eq!(seal["signer_serials"], json!([serial]));

    // A replay: the same three, no key.
    let r = post_keyed(&url, &token, "REG-2026-0003", &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let again = r.json();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["licence"]["identifier"], id.as_str());
    assert_eq!(again["certificate"]["serial"], serial.as_str());
    assert_eq!(again["seal"]["id"], seal_id.as_str());
    assert!(again.get("key_pem_encrypted").is_none());

    // Bad registration data: 422 naming the field; nothing issued.
    let count = || async {
        get(
            &format!("{base}/v1/certificates?profile=organization&limit=1000"),
            Some(&admin),
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    let mut bad = body.clone();
    bad["registration"]["credit_code"] = json!("91440101MA5CJMYA98");
    let r = post_keyed(&url, &token, "REG-2026-0004", &bad).await;
    r.assert_problem(422, "invalid-registration");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("credit_code"),
        "{}",
        r.json()
    );
    let mut bad = body.clone();
    bad["registration"]
        .as_object_mut()
        .unwrap()
        .remove("legal_representative");
    let r = post_keyed(&url, &token, "REG-2026-0005", &bad).await;
    r.assert_problem(422, "invalid-registration");
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("legal_representative"),
        "{}",
        r.json()
    );
    let mut weak = body.clone();
    weak["key"] = json!({"generate": {"passphrase": "short"}});
    post_keyed(&url, &token, "REG-2026-0006", &weak)
        .await
        .assert_problem(422, "weak-passphrase");
    assert_eq!(count().await, before, "nothing issued");
    let st = store(&data).await;
    assert!(
        st.by_external_key(AUTHORITY, "REG-2026-0004")
            .await
            .unwrap()
            .is_none()
    );
}
