//! The CA lifecycle across a running region: an issuing CA renewed with a new key (the old CA
//! keeps answering OCSP and signing CRLs for what it issued, the new one issues), then a root
//! rolled over with link certificates. Relying parties on either side of the rollover verify
//! with OpenSSL (P-256) and yinxin's own path validation (SM2 and P-256); the trust list
//! publishes the new CAs and the links; the audit trail stays whole.

mod common;
use common::http::*;
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const ORG: &str = "91350100M000100Y43";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ca(data: &Path, what: &str, alg: &str) -> Value {
    let o = run_ok(
        yinxin()
            .args(["ca", what, "--algorithm", alg, "--data-dir"])
            .arg(data),
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

struct Env {
    tmp: tempfile::TempDir,
    data: PathBuf,
    admin: String,
}

impl Env {
    fn work(&self, f: &str) -> PathBuf {
        self.tmp.path().join(f)
    }

    /// Issue an organization certificate over HTTP; returns the serial and the PEM file.
    async fn issue(&self, server: &Server, alg: &str, name: &str) -> (String, PathBuf) {
        let csr = std::fs::read_to_string(fixture(&format!("csr/test-{alg}.csr.pem"))).unwrap();
        let r = post_json(
            &format!("{}/v1/certificates", server.base),
            Some(&self.admin),
            &json!({"profile": "organization", "algorithm": alg,
                    "subject": {"name": name, "credit_code": ORG}, "csr": csr}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let serial = r.json()["serial"].as_str().unwrap().to_string();
        let path = self.work(&format!("{serial}.pem"));
        std::fs::write(&path, r.json()["certificate_pem"].as_str().unwrap()).unwrap();
        (serial, path)
    }

    /// The PEM of a certificate by serial.
    fn show(&self, serial: &str) -> PathBuf {
        let o = run_ok(
            yinxin()
                .args(["show", "--pem", "--data-dir"])
                .arg(&self.data)
                .arg(serial),
        );
        let p = self.work(&format!("{serial}.pem"));
        std::fs::write(&p, o.stdout).unwrap();
        p
    }

    fn ca_pem(&self, id: &str) -> PathBuf {
        self.data.join(format!("ca/{id}.pem"))
    }
}

/// `openssl ocsp` for `cert` against `issuer`, signed by the responder `va`.
/// `openssl ocsp` about `target` (`-cert FILE` or `-serial 0x…`) asked of `issuer`. The
/// answer is verified as a relying party does (RFC 6960 §4.2.2.2): the responder's
/// certificate `va` must chain to `root` and be a delegated responder of `issuer`.
fn ocsp_ask(server: &Server, issuer: &Path, va: &Path, root: &Path, target: &[&str]) -> String {
    let bundle = va.with_extension("chain.pem");
    let mut pem = std::fs::read(va).unwrap();
    pem.extend(std::fs::read(issuer).unwrap());
    std::fs::write(&bundle, pem).unwrap();
    let url = format!("{}/ocsp", server.base);
    let mut args = vec!["ocsp", "-issuer", s(issuer)];
    args.extend_from_slice(target);
    args.extend_from_slice(&[
        "-url",
        &url,
        "-CAfile",
        s(root),
        "-verify_other",
        s(&bundle),
    ]);
    text(&openssl(&args))
}

fn ocsp(server: &Server, issuer: &Path, va: &Path, root: &Path, cert: &Path) -> String {
    ocsp_ask(server, issuer, va, root, &["-cert", s(cert)])
}

/// The CRL at `/crl/FILE` once it lists `serial` (the CRL worker runs after a revocation),
/// checked by OpenSSL against the CA certificate `ca`.
async fn crl_listing(server: &Server, file: &str, ca: &Path, serial: &str, out: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let r = get(&format!("{}/crl/{file}", server.base), None).await;
        assert_eq!(r.status, 200, "{file}");
        std::fs::write(out, &r.body).unwrap();
        let o = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            s(out),
            "-CAfile",
            s(ca),
            "-noout",
            "-text",
        ]);
        let t = text(&o);
        assert!(t.contains("verify OK"), "{file}: {t}");
        if t.contains(&format!("Serial Number: {serial}")) {
            return t;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{file} never listed {serial}: {t}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn revoke(env: &Env, server: &Server, serial: &str) {
    let r = post_json(
        &format!("{}/v1/certificates/{serial}/revoke", server.base),
        Some(&env.admin),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn openssl_ok(args: &[&str]) {
    let o = openssl(args);
    assert!(
        o.status.success() && text(&o).contains(": OK"),
        "openssl {args:?}: {}",
        text(&o)
    );
}

fn verify_chain(anchor: &Path, intermediates: &[&Path], cert: &Path) -> String {
    let mut c = yinxin();
    c.args(["verify-chain", "--no-revocation", "--anchor"])
        .arg(anchor)
        .arg("--cert")
        .arg(cert);
    if !intermediates.is_empty() {
        c.arg("--intermediate").args(intermediates);
    }
    let o = c.output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn issuing_ca_renewal_and_root_rollover_keep_every_relying_party_verifying() {
    if !require_openssl("issuing_ca_renewal_and_root_rollover") {
        return;
    }
    rollover_flow(None).await;
}

#[tokio::test]
async fn rollover_on_postgresql() {
    let Some(base) = postgres_url("rollover_on_postgresql") else {
        return;
    };
    if !require_openssl("rollover_on_postgresql") {
        return;
    }
    let db = TempPg::create(&base).await;
    rollover_flow(Some(&db.url)).await;
    db.drop_database().await;
}

async fn rollover_flow(db: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, db);
    let (_, admin) = token(&data, "admin", None);
    let env = Env { tmp, data, admin };
    let data = env.data.clone();
    let env_rates = [
        ("YINXIN_RATE_LIMIT_PER_SECOND", "100000"),
        ("YINXIN_RATE_LIMIT_BURST", "100000"),
    ];

    // Before: a certificate of the first issuing CA.
    let server = Server::start(&data, &env_rates);
    let (serial_a, cert_a) = env.issue(&server, "p256", "续期前单位").await;
    let (sm2_a, sm2_cert_a) = env.issue(&server, "sm2", "续期前单位").await;
    server.terminate();
    // … and a seal made by the first-generation seal maker, for that certificate.
    let png = env.work("red.png");
    std::fs::write(&png, RED_PNG).unwrap();
    let esl = env.work("before.esl");
    seal_create(&data, "续期前单位", &sm2_a, &png, &esl);

    // Issuing-CA renewal, both algorithms.
    let renewed = ca(&data, "renew-issuing", "p256");
    assert_eq!(renewed["ca"], "p256-issuing-g2", "{renewed:#}");
    assert_eq!(renewed["replaces"], "p256-issuing");
    let new_ocsp_serial = renewed["services"][0][1].as_str().unwrap().to_string();
    assert_eq!(renewed["services"][0][0], "p256-ocsp-signer-g2");
    let sm2_renewed = ca(&data, "renew-issuing", "sm2");
    assert_eq!(sm2_renewed["ca"], "sm2-issuing-g2");

    let old_iss = env.ca_pem("p256-issuing");
    let new_iss = env.ca_pem("p256-issuing-g2");
    let root = env.ca_pem("p256-root");
    // The new issuing CA has its own key and name, and chains to the same root.
    openssl_ok(&["verify", "-CAfile", s(&root), s(&new_iss)]);
    assert_ne!(
        x509_text(&old_iss)
            .split("Public-Key")
            .nth(1)
            .map(|t| t[..200].to_string()),
        x509_text(&new_iss)
            .split("Public-Key")
            .nth(1)
            .map(|t| t[..200].to_string()),
        "the renewed CA has a new key"
    );
    assert!(x509_text(&new_iss).contains("Issuing CA G2"));

    // After: new certificates come from the new CA.
    let server = Server::start(&data, &env_rates);
    let (serial_b, cert_b) = env.issue(&server, "p256", "续期后单位").await;
    let b_text = x509_text(&cert_b);
    assert!(b_text.contains("Issuing CA G2"), "{b_text}");
    assert!(b_text.contains("/crl/p256-issuing-g2.crl"), "{b_text}");
    openssl_ok(&[
        "verify",
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&new_iss),
        s(&cert_b),
    ]);
    let (_, sm2_cert_b) = env.issue(&server, "sm2", "续期后单位").await;
    assert!(x509_text(&sm2_cert_b).contains("Issuing CA G2"));

    // The old CA's responder still answers for what the old CA issued; the new one for its own.
    let old_va = {
        let o = run_ok(
            yinxin()
                .args(["list", "--profile", "ocsp-signer", "--data-dir"])
                .arg(&data),
        );
        let line = String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.contains("\"algorithm\":\"p256\"") && !l.contains(&new_ocsp_serial))
            .unwrap()
            .to_string();
        let serial = serde_json::from_str::<Value>(&line).unwrap()["serial"]
            .as_str()
            .unwrap()
            .to_string();
        env.show(&serial)
    };
    let new_va = env.show(&new_ocsp_serial);
    let t = ocsp(&server, &old_iss, &old_va, &root, &cert_a);
    assert!(
        t.contains("Response verify OK") && t.contains(": good"),
        "{t}"
    );
    let t = ocsp(&server, &new_iss, &new_va, &root, &cert_b);
    assert!(
        t.contains("Response verify OK") && t.contains(": good"),
        "{t}"
    );
    // Asked about A's serial in the new CA's name, the answer is "unknown": A was not
    // issued by it.
    let t = ocsp_ask(
        &server,
        &new_iss,
        &new_va,
        &root,
        &["-serial", &format!("0x{serial_a}")],
    );
    assert!(
        t.contains("Response verify OK") && t.contains(": unknown"),
        "{t}"
    );

    // Revoking on both sides: each CA's own CRL, signed with its own key.
    revoke(&env, &server, &serial_a).await;
    revoke(&env, &server, &serial_b).await;
    let t = ocsp(&server, &old_iss, &old_va, &root, &cert_a);
    assert!(
        t.contains("Response verify OK") && t.contains(": revoked"),
        "{t}"
    );
    let t = ocsp(&server, &new_iss, &new_va, &root, &cert_b);
    assert!(
        t.contains("Response verify OK") && t.contains(": revoked"),
        "{t}"
    );
    let old_crl = crl_listing(
        &server,
        "p256-issuing.crl",
        &old_iss,
        &serial_a,
        &env.work("old.crl"),
    )
    .await;
    assert!(!old_crl.contains(&serial_b), "{old_crl}");
    let new_crl = crl_listing(
        &server,
        "p256-issuing-g2.crl",
        &new_iss,
        &serial_b,
        &env.work("new.crl"),
    )
    .await;
    assert!(!new_crl.contains(&serial_a), "{new_crl}");
    server.terminate();

    // Root rollover, then an issuing CA under the new root.
    let rolled = ca(&data, "renew-root", "p256");
    assert_eq!(rolled["ca"], "p256-root-g2", "{rolled:#}");
    let files: Vec<String> = rolled["exported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let new_with_old = PathBuf::from(
        files
            .iter()
            .find(|f| f.contains("link-p256-root-g2-by-p256-root"))
            .unwrap(),
    );
    let old_with_new = PathBuf::from(
        files
            .iter()
            .find(|f| f.contains("link-p256-root-by-p256-root-g2"))
            .unwrap(),
    );
    let third = ca(&data, "renew-issuing", "p256");
    assert_eq!(third["ca"], "p256-issuing-g3");
    let sm2_rolled = ca(&data, "renew-root", "sm2");
    assert_eq!(sm2_rolled["ca"], "sm2-root-g2");
    ca(&data, "renew-issuing", "sm2");

    let new_root = env.ca_pem("p256-root-g2");
    let iss3 = env.ca_pem("p256-issuing-g3");
    let server = Server::start(&data, &env_rates);
    let (_, cert_c) = env.issue(&server, "p256", "轮换后单位").await;
    let (_, sm2_cert_c) = env.issue(&server, "sm2", "轮换后单位").await;
    // The CRLs every link of the new paths points to: the new root's first ARL (made by
    // renew-root), the old root's ARL (for NewWithOld) and the new issuing CA's CRL.
    let mut crls = Vec::new();
    for id in [
        "p256-root-g2",
        "p256-root",
        "p256-issuing-g3",
        "sm2-root-g2",
        "sm2-root",
        "sm2-issuing-g3",
    ] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let body = loop {
            let r = get(&format!("{}/crl/{id}.crl", server.base), None).await;
            if r.status == 200 {
                break r.body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no CRL for {id}: {}",
                r.status
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        let f = env.work(&format!("{id}.crl"));
        std::fs::write(&f, body).unwrap();
        crls.push(f);
    }
    server.terminate();
    let c_text = x509_text(&cert_c);
    assert!(c_text.contains("Issuing CA G3"), "{c_text}");

    // The P-256 CRLs as one PEM file for OpenSSL.
    let crl_pem = env.work("crls.pem");
    let to_pem = |f: &Path| {
        let o = openssl(&["crl", "-inform", "DER", "-in", s(f)]);
        assert!(o.status.success(), "{}", text(&o));
        o.stdout
    };
    std::fs::write(
        &crl_pem,
        crls[..3]
            .iter()
            .flat_map(|f| to_pem(f))
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    // A relying party that trusts only the new root.
    openssl_ok(&[
        "verify",
        "-CAfile",
        s(&new_root),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    openssl_ok(&[
        "verify",
        "-crl_check_all",
        "-CRLfile",
        s(&crl_pem),
        "-CAfile",
        s(&new_root),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    // … also verifies what was issued before the rollover, through OldWithNew.
    openssl_ok(&[
        "verify",
        "-CAfile",
        s(&new_root),
        "-untrusted",
        s(&old_with_new),
        "-untrusted",
        s(&new_iss),
        s(&cert_b),
    ]);
    // A relying party that still trusts only the old root reaches the new hierarchy through
    // NewWithOld …
    openssl_ok(&[
        "verify",
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&new_with_old),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    // … with every certificate of that path checked against its CRL …
    openssl_ok(&[
        "verify",
        "-crl_check_all",
        "-CRLfile",
        s(&crl_pem),
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&new_with_old),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    // … and without the link it cannot: the link is what carries the trust.
    let o = openssl(&[
        "verify",
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    // A link certificate is a CA certificate between the two roots' names and keys.
    let link = x509_text(&new_with_old);
    assert!(
        link.contains("CA:TRUE") && link.contains("Certificate Sign"),
        "{link}"
    );
    assert!(
        link.contains("Root CA G2") && link.contains("/crl/p256-root.crl"),
        "{link}"
    );

    // yinxin's own path validation, SM2 and P-256, both directions.
    let sm2_root = env.ca_pem("sm2-root");
    let sm2_root2 = env.ca_pem("sm2-root-g2");
    let sm2_iss2 = env.ca_pem("sm2-issuing-g2");
    let sm2_iss3 = env.ca_pem("sm2-issuing-g3");
    let sm2_nwo = data.join("ca/link-sm2-root-g2-by-sm2-root.pem");
    let sm2_own = data.join("ca/link-sm2-root-by-sm2-root-g2.pem");
    let out = verify_chain(&sm2_root, &[&sm2_nwo, &sm2_iss3], &sm2_cert_c);
    assert!(
        out.starts_with("TOTAL_PASSED"),
        "old SM2 root → new leaf: {out}"
    );
    let out = verify_chain(&sm2_root2, &[&sm2_own, &sm2_iss2], &sm2_cert_b);
    assert!(
        out.starts_with("TOTAL_PASSED"),
        "new SM2 root → pre-rollover leaf: {out}"
    );
    let out = verify_chain(
        &sm2_root2,
        &[&sm2_own, &env.ca_pem("sm2-issuing")],
        &sm2_cert_a,
    );
    assert!(
        out.starts_with("TOTAL_PASSED"),
        "new SM2 root → first-generation leaf: {out}"
    );
    let out = verify_chain(&sm2_root, &[&sm2_iss3], &sm2_cert_c);
    assert!(!out.starts_with("TOTAL_PASSED"), "no link, no path: {out}");
    let out = verify_chain(&root, &[&new_with_old, &iss3], &cert_c);
    assert!(
        out.starts_with("TOTAL_PASSED"),
        "old P-256 root → new leaf: {out}"
    );
    // yinxin with revocation checking (no --no-revocation): every CRL of the path is there.
    let o = yinxin()
        .args(["verify-chain", "--anchor"])
        .arg(&sm2_root)
        .arg("--intermediate")
        .arg(&sm2_nwo)
        .arg(&sm2_iss3)
        .arg("--cert")
        .arg(&sm2_cert_c)
        .arg("--crl")
        .args(&crls[3..])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("TOTAL_PASSED"),
        "with CRLs, old SM2 root → new leaf: {out}"
    );

    // Withdrawing a link: NewWithOld revoked on the old root's ARL (made offline), and
    // OpenSSL no longer reaches the new hierarchy from the old root.
    let nwo_serial = {
        let pem = std::fs::read(&new_with_old).unwrap();
        let c =
            yinxin::verify::cert::Cert::from_der(&der::pem::decode_vec(&pem).unwrap().1).unwrap();
        hex::encode_upper(&c.serial)
    };
    run_ok(
        yinxin()
            .args(["revoke", "--reason", "superseded", "--data-dir"])
            .arg(&data)
            .arg(&nwo_serial),
    );
    let arl = env.work("p256-root-2.crl");
    run_ok(
        yinxin()
            .args(["crl", "--ca", "p256-root", "--data-dir"])
            .arg(&data)
            .arg("--out")
            .arg(&arl),
    );
    let bundle: Vec<u8> = [&arl, &crls[0], &crls[2]]
        .iter()
        .flat_map(|f| to_pem(f))
        .collect();
    std::fs::write(&crl_pem, bundle).unwrap();
    let o = openssl(&[
        "verify",
        "-crl_check_all",
        "-CRLfile",
        s(&crl_pem),
        "-CAfile",
        s(&root),
        "-untrusted",
        s(&new_with_old),
        "-untrusted",
        s(&iss3),
        s(&cert_c),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("certificate revoked"),
        "{}",
        text(&o)
    );

    // The seal made before both rollovers verifies for a relying party that trusts only the
    // new SM2 root: maker certificate → first issuing CA → OldWithNew → new root.
    let o = yinxin()
        .arg("verify")
        .arg(&esl)
        .arg("--anchor")
        .arg(&sm2_root2)
        .arg("--intermediate")
        .arg(&sm2_own)
        .arg(env.ca_pem("sm2-issuing"))
        .args(["--no-revocation", "--json"])
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    let chain = &report["maker_chain"];
    assert_eq!(chain["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(
        chain["anchor_sha256"].as_str().unwrap(),
        hex::encode(yinxin::crypto::sha256(
            &der::pem::decode_vec(std::fs::read(&sm2_root2).unwrap().as_slice())
                .unwrap()
                .1
        )),
        "{report:#}"
    );
    assert_eq!(chain["path"].as_array().unwrap().len(), 3, "{report:#}");
    // Offline and without the seal's signed status the seal itself stays undecided.
    assert_eq!(report["indication"], "INDETERMINATE", "{report:#}");

    // A forged link beside the real ones: OldWithNew with one byte of its signature changed.
    // The trust list must not publish it (its signature does not verify under any root).
    let forged = {
        let pem = std::fs::read(&sm2_own).unwrap();
        let mut d = der::pem::decode_vec(&pem).unwrap().1;
        let last = d.len() - 1;
        d[last] ^= 0x01;
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &d).unwrap()
    };
    std::fs::write(data.join("ca/link-forged.pem"), forged).unwrap();
    // The trust list publishes the new CAs and the real links only.
    run_ok(
        yinxin()
            .args(["trust-list", "publish", "--data-dir"])
            .arg(&data),
    );
    let listed = run_ok(
        yinxin()
            .args(["trust-list", "show", "--data-dir"])
            .arg(&data),
    );
    let list: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let services = list["list"]["services"].as_array().expect("services");
    let kinds = |k: &str| services.iter().filter(|s| s["kind"] == k).count();
    assert_eq!(kinds("root-ca"), 4, "{list:#}");
    assert_eq!(kinds("issuing-ca"), 6, "{list:#}");
    // Four links were made; the withdrawn one is not published.
    assert_eq!(kinds("root-link"), 3, "{list:#}");
    assert!(
        !services
            .iter()
            .any(|s| s["id"] == "link-p256-root-g2-by-p256-root"),
        "{list:#}"
    );
    assert_eq!(kinds("ocsp-responder"), 6, "{list:#}");

    // Every step is audited and the trail is whole.
    let o = run_ok(yinxin().args(["audit", "verify", "--data-dir"]).arg(&data));
    let trail: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(trail["intact"], true, "{trail:#}");
    let o = run_ok(
        yinxin()
            .args(["list", "--profile", "ocsp-signer", "--data-dir"])
            .arg(&data),
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 6);
}

/// A renewal that cannot finish (the key store passphrase is wrong) leaves no key, no file and
/// no row behind, and says why in one line.
#[test]
fn a_failed_renewal_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let listing = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(data.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let (keys, cas) = (listing("keys"), listing("ca"));
    for what in ["renew-issuing", "renew-root"] {
        let o = yinxin()
            .env("YINXIN_KEY_PASSPHRASE", "not-the-passphrase-of-this-region")
            .args(["ca", what, "--algorithm", "sm2", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("wrong passphrase"), "{err}");
        assert_eq!(listing("keys"), keys, "{what}");
        assert_eq!(listing("ca"), cas, "{what}");
    }
    // The region renews afterwards with the right passphrase, as generation 2.
    let o = run_ok(
        yinxin()
            .args(["ca", "renew-issuing", "--algorithm", "sm2", "--data-dir"])
            .arg(&data),
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["ca"], "sm2-issuing-g2");
}
