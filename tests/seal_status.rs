//! Seal status for relying parties (issue 13): a seal of the anchors' own region verifies
//! offline only with its registry status — a signed status from `GET /v1/seals/{id}/status`,
//! given with `--seal-status` or fetched with `--fetch-revocation` — and every forged, foreign
//! or stale status is refused with the reason. `--fetch-revocation` takes the issuing CA from
//! caIssuers and revocation from OCSP, only from allowed URL bases, and says what it fetched
//! and what it did not contact. Real binary, real server.

mod common;
use common::http::{Server, get, issue_generated_org};
use common::{RED_PNG, free_port, run_ok, yinxin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yinxin::crypto::Signer;
use yinxin::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
};
use yinxin::seal::status::{FORMAT, Statement};

const DAY: i64 = 86_400;

/// A region served on its public base URL, an organization signer, a seal and a signature.
struct Fx {
    tmp: tempfile::TempDir,
    data: PathBuf,
    server: Server,
    seal_id: String,
    /// The seal (.esl) and a signature made with it over `doc`.
    esl: PathBuf,
    sig: PathBuf,
    doc: PathBuf,
    /// The signer's serial.
    serial: String,
}

impl Fx {
    fn work(&self) -> &Path {
        self.tmp.path()
    }
    fn base(&self) -> &str {
        &self.server.base
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.work().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    fn root(&self) -> PathBuf {
        self.data.join("ca/sm2-root.pem")
    }
    fn issuing(&self) -> PathBuf {
        self.data.join("ca/sm2-issuing.pem")
    }

    /// Make a seal for the signer with the CLI; returns (id, .esl path).
    fn make_seal(&self, name: &str) -> (String, PathBuf) {
        let png = self.file("seal.png", RED_PNG);
        let out = self.work().join(format!("{name}.esl"));
        let rec = common::seal_create(&self.data, name, &self.serial, &png, &out);
        (rec["id"].as_str().unwrap().to_string(), out)
    }

    /// The seal's signed status from the server, written to `name`.
    async fn status(&self, id: &str, name: &str) -> PathBuf {
        let r = get(&format!("{}/v1/seals/{id}/status", self.base()), None).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.header("content-type").as_deref(), Some("application/cms"));
        let cache = r.header("cache-control").unwrap();
        let max_age: i64 = cache
            .strip_prefix("public, max-age=")
            .unwrap()
            .parse()
            .unwrap();
        assert!((0..=1800).contains(&max_age), "{cache}");
        self.file(name, &r.body)
    }

    /// The region's SM2 service signer `name` (e.g. `sm2-seal-maker`, `sm2-tsa`).
    async fn service_signer(&self, name: &str) -> (Arc<dyn Signer>, Vec<u8>) {
        let config = yinxin::config::Config::load(&self.data).unwrap();
        let url = yinxin::config::resolve_database_url(&config.database.url, &self.data);
        let store = Arc::new(yinxin::store::Store::connect(&url).await.unwrap());
        let region = yinxin::pki::region::Region::from_parts(&self.data, config, store)
            .await
            .unwrap();
        region
            .service_signer(name, &common::region::pass())
            .await
            .unwrap()
    }
}

async fn setup() -> Fx {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let port = free_port();
    run_ok(
        yinxin()
            .args(["init", "--data-dir"])
            .arg(&data)
            .args(["--region", "gd", "--name", "广东测试区"])
            .args(["--public-base-url", &format!("http://127.0.0.1:{port}")]),
    );
    let serial = issue_generated_org(
        &data,
        tmp.path(),
        "盖章单位",
        "91350100M000100Y43",
        "signer",
    );
    let server = Server::start_at(&data, &format!("127.0.0.1:{port}"), &[]);
    let mut fx = Fx {
        tmp,
        data,
        server,
        seal_id: String::new(),
        esl: PathBuf::new(),
        sig: PathBuf::new(),
        doc: PathBuf::new(),
        serial,
    };
    let (id, esl) = fx.make_seal("盖章单位公章");
    let doc = fx.file("approval.txt", "同意立项".as_bytes());
    let sig = fx.work().join("approval.sig");
    run_ok(
        yinxin()
            .args(["seal", "sign", "--seal", &id, "--data-dir"])
            .arg(&fx.data)
            .arg("--in")
            .arg(&doc)
            .arg("--out")
            .arg(&sig)
            .arg("--cert")
            .arg(fx.work().join("signer/cert.pem"))
            .arg("--key")
            .arg(fx.work().join("signer/key.pem"))
            .arg("--key-passphrase-file")
            .arg(fx.work().join("kp.txt")),
    );
    fx.seal_id = id;
    fx.esl = esl;
    fx.sig = sig;
    fx.doc = doc;
    fx
}

/// `yinxin verify FILE --json ARGS…`: (exit code, report).
fn verify<A: AsRef<std::ffi::OsStr>>(file: &Path, args: &[A]) -> (i32, Value) {
    let o = yinxin()
        .arg("verify")
        .arg(file)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), v)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// The seal-registry step of a report.
fn registry_step(r: &Value) -> &Value {
    r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "seal-registry")
        .unwrap_or_else(|| panic!("no seal-registry step: {r:#}"))
}

/// Assert INDETERMINATE / TRY_LATER for `seal-status-unknown`, the step's detail containing
/// `why`.
fn assert_status_unknown(code: i32, r: &Value, why: &str) {
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(r["indication"], "INDETERMINATE", "{r:#}");
    assert_eq!(r["sub_indication"], "TRY_LATER", "{r:#}");
    let s = registry_step(r);
    assert_eq!(s["outcome"], "indeterminate", "{r:#}");
    assert_eq!(s["reason"], "seal-status-unknown", "{r:#}");
    let d = s["detail"].as_str().unwrap();
    assert!(d.contains(why), "expected {why:?} in: {d}");
}

/// A statement signed by `signer`.
fn craft(signer: (&dyn Signer, &[u8]), st: &Statement) -> Vec<u8> {
    yinxin::document::cms::sign_embedded(
        &yinxin::trust::list::canonical_json(st),
        signer.0,
        signer.1,
        &[],
        yinxin::clock::now_secs(),
    )
    .unwrap()
}

/// A self-made CA and, under it, an SM2 "seal maker" with the seal-making EKU: (CA
/// certificate, maker signer, maker certificate).
fn self_made_maker() -> (Vec<u8>, Arc<dyn Signer>, Vec<u8>) {
    let now = yinxin::clock::now_secs();
    let gen_key = || yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::Sm2).unwrap();
    let ca_key = gen_key();
    let ca_spki = ca_key.public_key_spki_der().unwrap();
    let ca_signer = ca_key.signer().unwrap();
    let ca_name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, "广东测试区 Root CA")
        .build()
        .unwrap();
    let ca_ski = cert::key_identifier(&ca_spki).unwrap();
    let ca = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![0x11],
            issuer: ca_name.clone(),
            subject: ca_name.clone(),
            not_before: now - DAY,
            not_after: now + 365 * DAY,
            spki_der: ca_spki.clone(),
            extensions: vec![
                x::basic_constraints(true, None).unwrap(),
                x::key_usage(&["keyCertSign", "cRLSign"]).unwrap(),
                x::subject_key_identifier(&ca_ski).unwrap(),
            ],
        },
        &ca_signer,
    )
    .unwrap();
    let maker_key = gen_key();
    let spki = maker_key.public_key_spki_der().unwrap();
    let maker = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![0x12],
            issuer: ca_name,
            subject: NameBuilder::new()
                .push(attr::CN, StringKind::Utf8, "广东测试区 Seal Maker")
                .build()
                .unwrap(),
            not_before: now - DAY,
            not_after: now + 365 * DAY,
            spki_der: spki.clone(),
            extensions: vec![
                x::basic_constraints(false, None).unwrap(),
                x::key_usage(&["digitalSignature"]).unwrap(),
                x::extended_key_usage(vec![yinxin::seal::service::SEAL_MAKING], false).unwrap(),
                x::subject_key_identifier(&cert::key_identifier(&spki).unwrap()).unwrap(),
                x::authority_key_identifier(&ca_ski).unwrap(),
            ],
        },
        &ca_signer,
    )
    .unwrap();
    (ca, Arc::new(maker_key.signer().unwrap()), maker)
}

/// Offline: no status → INDETERMINATE `seal-status-unknown`; the server's signed status →
/// TOTAL_PASSED; statuses signed by another key, for another seal, expired or from the future
/// are refused with the reason; after `yinxin seal revoke` the new status → TOTAL_FAILED /
/// REVOKED.
#[tokio::test]
async fn offline_verification_needs_the_seal_status() {
    let fx = setup().await;
    let (root, issuing) = (fx.root(), fx.issuing());
    let base_args: Vec<&std::ffi::OsStr> = vec![
        os("--anchor"),
        root.as_os_str(),
        os("--chain"),
        issuing.as_os_str(),
        os("--no-revocation"),
        os("--data"),
        fx.doc.as_os_str(),
    ];
    let with = |extra: &[&Path]| -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = base_args.iter().map(|s| s.to_os_string()).collect();
        for p in extra {
            a.push("--seal-status".into());
            a.push(p.as_os_str().to_os_string());
        }
        a
    };

    // The forgery first: a genuine signature with an own-region seal, no status.
    let (code, r) = verify(&fx.sig, &base_args);
    assert_status_unknown(code, &r, "no valid signed status was seen");
    assert!(
        registry_step(&r)["detail"]
            .as_str()
            .unwrap()
            .contains("--seal-status FILE"),
        "{r:#}"
    );
    // The seal alone, too; the human output names the step.
    let (code, r) = verify(&fx.esl, &base_args[..4]);
    assert_status_unknown(code, &r, "is unknown");
    let o = yinxin()
        .arg("verify")
        .arg(&fx.esl)
        .args(&base_args[..4])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{human}");
    assert!(
        human.starts_with("INDETERMINATE / TRY_LATER") && human.contains("seal-registry"),
        "{human}"
    );

    // The server's signed status: TOTAL_PASSED.
    let status = fx.status(&fx.seal_id, "status.cms").await;
    let (code, r) = verify(&fx.sig, &with(&[&status]));
    assert_eq!(
        (code, &r["indication"]),
        (0, &Value::from("TOTAL_PASSED")),
        "{r:#}"
    );
    let s = registry_step(&r);
    assert_eq!(s["outcome"], "passed");
    assert!(
        s["detail"]
            .as_str()
            .unwrap()
            .contains("is active according to its signed status"),
        "{s}"
    );
    assert!(s.get("reason").is_none(), "{s}");
    // What the status says, read back.
    let content = yinxin::document::cms::embedded_content(&std::fs::read(&status).unwrap())
        .unwrap()
        .unwrap();
    let st: Statement = serde_json::from_slice(&content).unwrap();
    assert_eq!(st.es_id, fx.seal_id);
    assert_eq!(st.format, FORMAT);
    assert_eq!(st.region, "gd");
    let esl = std::fs::read(&fx.esl).unwrap();
    assert_eq!(st.seal_sha256, hex::encode(yinxin::crypto::sha256(&esl)));
    let (p, n) = (
        yinxin::trust::list::parse_time(&st.produced_at).unwrap(),
        yinxin::trust::list::parse_time(&st.next_update).unwrap(),
    );
    assert_eq!(n - p, 3600, "the default validity");

    // Forged and foreign statuses, each refused with its reason.
    let now = yinxin::clock::now_secs();
    let genuine = |status: &str, produced: i64, next: i64| Statement {
        format: FORMAT.into(),
        es_id: fx.seal_id.clone(),
        status: serde_json::from_value(Value::from(status)).unwrap(),
        seal_sha256: st.seal_sha256.clone(),
        produced_at: yinxin::clock::rfc3339(produced),
        next_update: yinxin::clock::rfc3339(next),
        region: "gd".into(),
    };
    let maker = fx.service_signer("sm2-seal-maker").await;
    let tsu = fx.service_signer("sm2-tsa").await;
    let (fake_ca, fake_signer, fake_maker) = self_made_maker();
    let fake_ca_file = fx.file("fake-ca.der", &fake_ca);
    let active = genuine("active", now, now + 3600);
    // The control: the same statement signed by the region's maker passes, so the refusals
    // below are the signer's, the seal's and the time's.
    let ok = fx.file("ok.cms", &craft((maker.0.as_ref(), &maker.1), &active));
    let (code, r) = verify(&fx.sig, &with(&[&ok]));
    assert_eq!(code, 0, "{r:#}");
    // Signed by the region's TSU: a certificate of the region, but dedicated to
    // time-stamping, so not valid for the seal-maker purpose at all.
    let by_tsu = fx.file("tsu.cms", &craft((tsu.0.as_ref(), &tsu.1), &active));
    let (code, r) = verify(&fx.sig, &with(&[&by_tsu]));
    assert_status_unknown(code, &r, "Time-Stamping Unit");
    assert_status_unknown(code, &r, "is not a valid seal maker here");
    // Signed by the seal's own signer (an organization certificate of the region, valid for
    // the seal-maker purpose's path rules but neither this seal's maker nor carrying the
    // seal-making EKU): refused.
    let org_key = yinxin::crypto::PrivateKey::from_encrypted_pem(
        &std::fs::read_to_string(fx.work().join("signer/key.pem")).unwrap(),
        &yinxin::crypto::keys::Passphrase::from_file(&fx.work().join("kp.txt")).unwrap(),
        "signer",
    )
    .unwrap();
    let org_pem = std::fs::read_to_string(fx.work().join("signer/cert.pem")).unwrap();
    let org_cert = der::pem::decode_vec(org_pem.as_bytes()).unwrap().1;
    let by_org = fx.file(
        "org.cms",
        &craft((&org_key.signer().unwrap(), &org_cert), &active),
    );
    let (code, r) = verify(&fx.sig, &with(&[&by_org]));
    assert_status_unknown(code, &r, "neither the seal's maker nor a seal maker");
    // Signed by a self-made "maker" with the seal-making EKU: no path to our anchor …
    let by_fake = fx.file(
        "fake.cms",
        &craft((fake_signer.as_ref(), &fake_maker), &active),
    );
    let (code, r) = verify(&fx.sig, &with(&[&by_fake]));
    assert_status_unknown(code, &r, "no path to a trust anchor");
    // … and with its CA given as an anchor too, still another region than the seal's maker.
    let mut args = with(&[&by_fake]);
    args.extend(["--anchor".into(), fake_ca_file.as_os_str().to_os_string()]);
    let (code, r) = verify(&fx.sig, &args);
    assert_status_unknown(code, &r, "neither the seal's maker nor a seal maker");
    // The status of another seal of the region (its own esID and hash).
    let (other_id, _) = fx.make_seal("盖章单位财务专用章");
    let other = fx.status(&other_id, "other.cms").await;
    let (code, r) = verify(&fx.sig, &with(&[&other]));
    assert_status_unknown(
        code,
        &r,
        &format!("it is the status of seal \"{other_id}\""),
    );
    // The same esID with another seal's hash.
    let mut swapped = active.clone();
    swapped.seal_sha256 = hex::encode([0x5a; 32]);
    let swapped = fx.file(
        "swapped.cms",
        &craft((maker.0.as_ref(), &maker.1), &swapped),
    );
    let (code, r) = verify(&fx.sig, &with(&[&swapped]));
    assert_status_unknown(code, &r, "seal_sha256 differs");
    // Expired, and from the future (beyond the 5 minutes of clock skew).
    let expired = genuine("active", now - 2 * 3600, now - 3600);
    let expired = fx.file(
        "expired.cms",
        &craft((maker.0.as_ref(), &maker.1), &expired),
    );
    let (code, r) = verify(&fx.sig, &with(&[&expired]));
    assert_status_unknown(code, &r, "expired at");
    let future = genuine("active", now + 3600, now + 7200);
    let future = fx.file("future.cms", &craft((maker.0.as_ref(), &maker.1), &future));
    let (code, r) = verify(&fx.sig, &with(&[&future]));
    assert_status_unknown(code, &r, "in the future");
    // Garbage: refused, no panic.
    let junk = fx.file("junk.cms", b"\x30\x03\x02\x01\x00");
    let (code, r) = verify(&fx.sig, &with(&[&junk]));
    assert_status_unknown(code, &r, "not a validly signed status");
    // Every refusal is reported, and one good status among them decides.
    let (code, r) = verify(&fx.sig, &with(&[&by_tsu, &expired, &status]));
    assert_eq!(code, 0, "{r:#}");

    // Revoked in the registry: the server signs the new status at once.
    run_ok(
        yinxin()
            .args(["seal", "revoke", &fx.seal_id, "--data-dir"])
            .arg(&fx.data),
    );
    let revoked = fx.status(&fx.seal_id, "revoked.cms").await;
    let (code, r) = verify(&fx.sig, &with(&[&revoked]));
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["indication"], "TOTAL_FAILED");
    assert_eq!(r["sub_indication"], "REVOKED");
    let s = registry_step(&r);
    assert_eq!(s["reason"], "seal-not-active", "{s}");
    assert!(s["detail"].as_str().unwrap().contains("is revoked"), "{s}");
    // A revocation is final: an older "active" status given with it does not undo it.
    let (code, r) = verify(&fx.sig, &with(&[&status, &revoked]));
    assert_eq!(
        (code, &r["sub_indication"]),
        (1, &Value::from("REVOKED")),
        "{r:#}"
    );
    // The service consults its registry.
    let body = serde_json::json!({
        "object_base64": base64_of(&std::fs::read(&fx.sig).unwrap()),
        "data_base64": base64_of(&std::fs::read(&fx.doc).unwrap()),
    });
    let r = common::http::post_json(&format!("{}/v1/verify", fx.base()), None, &body)
        .await
        .json();
    assert_eq!(r["indication"], "TOTAL_FAILED", "{r:#}");
    assert_eq!(registry_step(&r)["reason"], "seal-not-active", "{r:#}");
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The revocation decision on the certificate at `index` of a chain report's path.
fn revocation_of(chain: &Value, index: u64) -> &Value {
    chain["revocation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["index"] == index)
        .unwrap_or_else(|| panic!("no revocation decision for #{index}: {chain:#}"))
}

/// The JSON `network` part: (fetched URLs, not-fetched entries).
fn network(r: &Value) -> (Vec<String>, Vec<Value>) {
    let n = &r["network"];
    (
        n["fetched"]
            .as_array()
            .unwrap_or_else(|| panic!("no network.fetched: {r:#}"))
            .iter()
            .map(|u| u.as_str().unwrap().to_string())
            .collect(),
        n["not_fetched"].as_array().unwrap().clone(),
    )
}

/// `--fetch-revocation` with the server's base allowed: the issuing CA from caIssuers (no
/// `--chain`), OCSP for the maker and the signer, and the seal's signed status → TOTAL_PASSED,
/// the fetched URLs listed. Without any allowed base nothing is contacted, the report names
/// the URLs it skipped and why, and the result is not a pass.
#[tokio::test]
async fn fetch_revocation_follows_ca_issuers_ocsp_and_seal_status() {
    let fx = setup().await;
    let root = fx.root();
    let b = fx.base().to_string();
    let allow = format!("{b}/");
    let args: Vec<&std::ffi::OsStr> = vec![
        os("--anchor"),
        root.as_os_str(),
        os("--data"),
        fx.doc.as_os_str(),
        os("--fetch-revocation"),
    ];

    // Nothing allowed: nothing fetched, the skipped URLs named, not a pass.
    let (code, r) = verify(&fx.sig, &args);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(r["indication"], "INDETERMINATE", "{r:#}");
    let (fetched, skipped) = network(&r);
    assert!(fetched.is_empty(), "{fetched:?}");
    let issuing_url = format!("{b}/ca/sm2-issuing.cer");
    let hit = skipped
        .iter()
        .find(|e| e["url"] == issuing_url.as_str())
        .unwrap_or_else(|| panic!("{issuing_url} not reported: {skipped:#?}"));
    assert_eq!(hit["kind"], "caIssuers");
    assert_eq!(hit["outcome"], "not-allowed");
    assert!(
        hit["detail"].as_str().unwrap().contains("not allowed"),
        "{hit}"
    );
    // Nor the signer's CRL (its issuer unknown, OCSP was impossible).
    assert!(
        skipped
            .iter()
            .any(|e| e["url"] == format!("{b}/crl/sm2-issuing.crl").as_str()
                && e["outcome"] == "not-allowed"),
        "{skipped:#?}"
    );
    assert_eq!(r["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND", "{r:#}");
    let status_url = format!("{b}/v1/seals/{}/status", fx.seal_id);

    // The server's base allowed: everything needed is fetched.
    let mut online = args.clone();
    online.extend([os("--allow-url"), os(&allow)]);
    let (code, r) = verify(&fx.sig, &online);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["indication"], "TOTAL_PASSED");
    let (fetched, _) = network(&r);
    for u in [&issuing_url, &format!("{b}/ocsp"), &status_url] {
        assert!(fetched.contains(u), "{u} not fetched: {fetched:?}");
    }
    assert!(
        registry_step(&r)["detail"]
            .as_str()
            .unwrap()
            .contains("signed status"),
        "{r:#}"
    );
    // The signer's chain is the server's: issuing CA fetched, OCSP decided.
    let signer_rev = revocation_of(&r["signer_chain"], 0);
    assert_eq!(signer_rev["status"], "good", "{r:#}");
    assert!(
        signer_rev["source"].as_str().unwrap().contains("OCSP"),
        "{signer_rev}"
    );
    // Human output lists the fetched URLs.
    let o = yinxin()
        .arg("verify")
        .arg(&fx.sig)
        .args(&online)
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{human}");
    assert!(
        human.contains(&format!("fetched: caIssuers {issuing_url}"))
            && human.contains(&format!("fetched: seal status {status_url}")),
        "{human}"
    );

    // Revoked in the registry: the fetched status says so.
    run_ok(
        yinxin()
            .args(["seal", "revoke", &fx.seal_id, "--data-dir"])
            .arg(&fx.data),
    );
    let (code, r) = verify(&fx.sig, &online);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["sub_indication"], "REVOKED");
    assert_eq!(registry_step(&r)["reason"], "seal-not-active", "{r:#}");
}

/// A bare certificate: its issuing CA from caIssuers and its status by OCSP, with the allowed
/// base coming from `--allow-url`, from the `--data-dir` region, or from a trust list's supply
/// points; a revoked certificate comes out TOTAL_FAILED / REVOKED.
#[tokio::test]
async fn fetch_revocation_for_a_certificate() {
    let fx = setup().await;
    let root = fx.root();
    let cert = fx.work().join("signer/cert.pem");
    let b = fx.base().to_string();
    let allow = format!("{b}/");
    let base_args = |extra: &[&std::ffi::OsStr]| {
        let mut a: Vec<std::ffi::OsString> = vec![
            "--anchor".into(),
            root.clone().into(),
            "--fetch-revocation".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_os_string()));
        a
    };
    let run = |file: &Path, a: &[std::ffi::OsString]| verify(file, a);
    // Offline (no flag): no chain, INDETERMINATE.
    let (code, r) = verify(&cert, &[os("--anchor"), root.as_os_str()]);
    assert_eq!(code, 2, "{r:#}");
    assert!(r.get("network").is_none(), "offline by default: {r:#}");

    for source in [
        vec![os("--allow-url"), os(&allow)],
        vec![os("--data-dir"), fx.data.as_os_str()],
    ] {
        let (code, r) = run(&cert, &base_args(&source));
        assert_eq!(code, 0, "{source:?}: {r:#}");
        assert_eq!(r["indication"], "TOTAL_PASSED");
        let (fetched, _) = network(&r);
        assert!(
            fetched.contains(&format!("{b}/ca/sm2-issuing.cer"))
                && fetched.contains(&format!("{b}/ocsp")),
            "{fetched:?}"
        );
        let leaf = revocation_of(&r, 0);
        assert_eq!(leaf["status"], "good", "{r:#}");
        assert!(leaf["source"].as_str().unwrap().contains("OCSP"), "{r:#}");
    }

    // Another certificate, revoked before anyone asked about it.
    let serial = issue_generated_org(
        &fx.data,
        fx.work(),
        "吊销单位",
        "91350100M000100Y43",
        "revoked",
    );
    run_ok(
        yinxin()
            .args(["revoke", &serial, "--reason", "keyCompromise", "--data-dir"])
            .arg(&fx.data),
    );
    let revoked = fx.work().join("revoked/cert.pem");
    let (code, r) = run(&revoked, &base_args(&[os("--allow-url"), os(&allow)]));
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["indication"], "TOTAL_FAILED");
    assert_eq!(r["sub_indication"], "REVOKED");
    assert_eq!(r["failure"]["reason"], "revoked", "{r:#}");

    // The region's own trust list as the only source: its listed issuing CA and its OCSP
    // supply point; nothing else is allowed.
    let list = get(&format!("{b}/v1/trust-list"), None).await;
    assert_eq!(list.status, 200);
    let info = yinxin::document::cms::verify_embedded(&list.body).unwrap();
    let pin = hex::encode(yinxin::crypto::sha256(&info.signer_cert));
    let list_file = fx.file("list.cms", &list.body);
    let a: Vec<std::ffi::OsString> = vec![
        "--trust-list".into(),
        list_file.clone().into(),
        "--trust-pin".into(),
        pin.clone().into(),
        "--fetch-revocation".into(),
    ];
    let (code, r) = run(&cert, &a);
    assert_eq!(code, 0, "{r:#}");
    let (fetched, _) = network(&r);
    assert_eq!(
        fetched,
        vec![format!("{b}/ocsp"), format!("{b}/crl/sm2-root.crl")],
        "the listed supply points only; the issuing CA comes with the list: {r:#}"
    );
    assert_eq!(r["recognition"]["via"], "trust-list", "{r:#}");
    assert_eq!(revocation_of(&r, 0)["status"], "good", "{r:#}");
}
