//! Mutual recognition by cross-certification ("bridge test"): two regions made with
//! `yinxin init` cross-certify each other's SM2 root with `yinxin cross-certify`; each
//! region's certificates then validate with the *other* region's root as the only trust
//! anchor, under the other region's policy OIDs (policyMappings), within the agreed names
//! (nameConstraints) — and not without the cross-certificate.
//!
//! Revocation: these tests fetch no CRL, so the validator runs with `RevocationMode::Off`;
//! revocation through peers (the cross-certificate on our root's ARL, the peer's CRLs) is
//! covered elsewhere. Everything else of RFC 5280 §6.1 is checked.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use yinxin::verify::path::{Input, RevocationMode, Validator};
use yinxin::verify::report::{Indication, Report, SubIndication};

const ARC: &str = "1.3.6.1.4.1.32473";
// Region X keeps the shipped arc; region Y moves its profiles to ARC.9 after init.
const X_ORG: &str = "1.3.6.1.4.1.32473.1.1.2";
const X_HIGH: &str = "1.3.6.1.4.1.32473.1.2.3";
const X_PERSON: &str = "1.3.6.1.4.1.32473.1.1.1";
const Y_ORG: &str = "1.3.6.1.4.1.32473.9.1.2";
const Y_HIGH: &str = "1.3.6.1.4.1.32473.9.2.3";
const Y_PERSON: &str = "1.3.6.1.4.1.32473.9.1.1";

const X_NAME: &str = "X区测试";
const Y_NAME: &str = "Y区测试";

struct Region {
    dir: PathBuf,
}

impl Region {
    fn init(parent: &Path, code: &str, name: &str) -> Region {
        let dir = parent.join(code);
        run_ok(
            yinxin()
                .args(["init", "--data-dir"])
                .arg(&dir)
                .args(["--region", code, "--name", name]),
        );
        Region { dir }
    }

    fn ca(&self, file: &str) -> PathBuf {
        self.dir.join("ca").join(file)
    }

    fn ca_der(&self, file: &str) -> Vec<u8> {
        pem_der(&self.ca(file))
    }

    /// Move the organization and device profiles to another policy arc.
    fn renumber_policies(&self, from: &str, to: &str) {
        for f in ["organization.toml", "device.toml"] {
            let p = self.dir.join("policies").join(f);
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.contains(from));
            std::fs::write(&p, text.replace(from, to)).unwrap();
        }
    }

    /// Issue a certificate from a fixture CSR; returns its DER.
    fn issue(&self, work: &Path, profile: &str, alg: &str, subject: serde_json::Value) -> Vec<u8> {
        let n = std::fs::read_dir(work).unwrap().count();
        let subject_file = work.join(format!("subject-{n}.json"));
        std::fs::write(&subject_file, subject.to_string()).unwrap();
        let out = work.join(format!("issued-{n}"));
        run_ok(
            yinxin()
                .args(["issue", "--data-dir"])
                .arg(&self.dir)
                .args(["--profile", profile, "--algorithm", alg, "--subject"])
                .arg(&subject_file)
                .arg("--csr")
                .arg(fixture(&format!("csr/test-{alg}.csr.pem")))
                .arg("--out")
                .arg(&out),
        );
        pem_der(&out.join("cert.pem"))
    }

    fn org(&self, work: &Path, name: &str, alg: &str) -> Vec<u8> {
        self.issue(
            work,
            "organization",
            alg,
            serde_json::json!({"name": name, "credit_code": "91350100M000100Y43"}),
        )
    }

    /// `yinxin cross-certify` of `peer_root` by this region; returns the certificate DER.
    fn cross_certify(&self, peer_root: &Path, args: &[&str], out: &Path) -> Vec<u8> {
        let o = run_ok(
            yinxin()
                .args(["cross-certify", "--data-dir"])
                .arg(&self.dir)
                .arg("--peer-root")
                .arg(peer_root)
                .args(args)
                .arg("--out")
                .arg(out),
        );
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let der = pem_der(out);
        // The copy kept in DATA_DIR/ca is the same certificate.
        let kept = PathBuf::from(summary["file"].as_str().unwrap());
        assert!(kept.starts_with(self.dir.join("ca")), "{kept:?}");
        let peer_fp = hex::encode(yinxin::crypto::sha256(&pem_or_der(peer_root)));
        assert_eq!(
            kept.file_name().unwrap().to_str().unwrap(),
            format!("cross-{}.pem", &peer_fp[..16])
        );
        assert_eq!(pem_der(&kept), der);
        der
    }
}

fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    der::pem::decode_vec(text.as_bytes()).unwrap().1
}

fn pem_or_der(path: &Path) -> Vec<u8> {
    let data = std::fs::read(path).unwrap();
    if data.starts_with(b"-----BEGIN") {
        pem_der(path)
    } else {
        data
    }
}

/// Validate `target` now against `anchor` with `pool`; `policies` = user-initial-policy-set
/// (None: anyPolicy), `explicit` = initial-explicit-policy.
fn validate(
    target: &[u8],
    anchor: &[u8],
    pool: &[&[u8]],
    policies: Option<&[&str]>,
    explicit: bool,
) -> Report {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut input = Input::new(
        target.to_vec(),
        vec![anchor.to_vec()],
        now,
        yinxin::verify::purpose::Purpose::DocumentSigner,
    );
    input.intermediates = pool.iter().map(|c| c.to_vec()).collect();
    // No CRLs are fetched here (see the module comment).
    input.revocation = RevocationMode::Off;
    input.policy.user_initial_policy_set = policies.map(|ps| {
        ps.iter()
            .map(|p| const_oid::ObjectIdentifier::new(p).unwrap())
            .collect()
    });
    input.policy.initial_explicit_policy = explicit;
    Validator::new().validate(&input)
}

#[track_caller]
fn assert_passed(r: &Report, valid_policies: &[&str]) {
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::TotalPassed, None),
        "{}",
        serde_json::to_string_pretty(r).unwrap()
    );
    let mut got = r.valid_policy_set.clone();
    got.sort();
    let mut want: Vec<String> = valid_policies.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "valid policy set");
}

#[track_caller]
fn assert_failed(r: &Report, ind: Indication, sub: SubIndication, rule: &str) {
    assert_eq!(
        (r.indication, r.sub_indication),
        (ind, Some(sub)),
        "{}",
        serde_json::to_string_pretty(r).unwrap()
    );
    let f = r.failure.as_ref().expect("a failure");
    assert!(f.rule.contains(rule), "rule {:?} lacks {rule:?}", f.rule);
}

fn subjects(r: &Report) -> Vec<String> {
    r.path.iter().map(|p| p.subject.clone()).collect()
}

#[test]
fn bridge_between_two_regions() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let x = Region::init(tmp.path(), "test-x", X_NAME);
    let y = Region::init(tmp.path(), "test-y", Y_NAME);
    y.renumber_policies(&format!("{ARC}.1."), &format!("{ARC}.9."));

    // X recognises Y: X's organization and assurance policies are Y's ARC.9 ones.
    let xy = x.cross_certify(
        &y.ca("sm2-root.pem"),
        &[
            "--policy-map",
            &format!("{X_ORG}={Y_ORG}"),
            "--policy-map",
            &format!("{X_HIGH}={Y_HIGH}"),
        ],
        &work.join("x-y.pem"),
    );
    // Y recognises X, in the other direction (and the peer root given as DER).
    std::fs::write(work.join("x-root.der"), x.ca_der("sm2-root.pem")).unwrap();
    let yx = y.cross_certify(
        &work.join("x-root.der"),
        &[
            "--policy-map",
            &format!("{Y_ORG}={X_ORG}"),
            "--policy-map",
            &format!("{Y_HIGH}={X_HIGH}"),
        ],
        &work.join("y-x.pem"),
    );

    let (x_root, x_iss) = (x.ca_der("sm2-root.pem"), x.ca_der("sm2-issuing.pem"));
    let (y_root, y_iss) = (y.ca_der("sm2-root.pem"), y.ca_der("sm2-issuing.pem"));
    let y_org = y.org(&work, "Y甲局", "sm2");
    let x_org = x.org(&work, "X甲局", "sm2");

    // The cross-certificate: Y root's subject and key, issued by X's root, with the mapping.
    {
        use yinxin::verify::cert::Cert;
        let c = Cert::from_der(&xy).unwrap();
        let yr = Cert::from_der(&y_root).unwrap();
        let xr = Cert::from_der(&x_root).unwrap();
        assert_eq!(c.subject, yr.subject);
        assert_eq!(c.issuer, xr.subject);
        assert_eq!(c.spki_der, yr.spki_der);
        assert_eq!(
            (c.ski.clone(), c.aki.clone()),
            (yr.ski.clone(), xr.ski.clone())
        );
        let oid = |s: &str| const_oid::ObjectIdentifier::new(s).unwrap();
        assert_eq!(c.policy.policies, Some(vec![oid(X_ORG), oid(X_HIGH)]));
        assert_eq!(
            c.policy.mappings,
            Some(vec![(oid(X_ORG), oid(Y_ORG)), (oid(X_HIGH), oid(Y_HIGH))])
        );
        assert!(c.not_after <= yr.not_after && c.not_after <= xr.not_after);
        // Y's organization certificate really carries Y's renumbered policies.
        let leaf = Cert::from_der(&y_org).unwrap();
        assert_eq!(leaf.policy.policies, Some(vec![oid(Y_ORG), oid(Y_HIGH)]));
    }

    // Y's certificate with X's root as the only anchor, through the cross-certificate.
    let pool: &[&[u8]] = &[&xy, &y_iss];
    let r = validate(&y_org, &x_root, pool, Some(&[X_ORG]), true);
    assert_passed(&r, &[X_ORG]);
    assert_eq!(r.path.len(), 3, "{:?}", subjects(&r));
    assert!(
        r.path[1]
            .subject
            .contains(&format!("{Y_NAME} SM2 Issuing CA"))
    );
    assert!(r.path[2].subject.contains(&format!("{Y_NAME} SM2 Root CA")));
    assert!(
        r.anchor
            .as_deref()
            .unwrap()
            .contains(&format!("{X_NAME} SM2 Root CA"))
    );
    // Any policy: the valid policy set is X's two mapped policies, in X's domain.
    let r = validate(&y_org, &x_root, pool, None, true);
    assert_passed(&r, &[X_ORG, X_HIGH]);
    // X's person policy is not mapped: no path is valid for it.
    let r = validate(&y_org, &x_root, pool, Some(&[X_PERSON]), true);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "certificate policy",
    );
    // Y's own OID is not X's policy either: X's relying party speaks X's OIDs.
    let r = validate(&y_org, &x_root, pool, Some(&[Y_ORG]), true);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "certificate policy",
    );
    // Without the cross-certificate there is no path.
    let r = validate(&y_org, &x_root, &[&y_iss], Some(&[X_ORG]), true);
    assert_failed(
        &r,
        Indication::Indeterminate,
        SubIndication::NoCertificateChainFound,
        "no path",
    );
    // Y's self-signed root in the pool does not help: it is not X's anchor.
    let r = validate(&y_org, &x_root, &[&y_iss, &y_root], None, false);
    assert_eq!(
        r.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
    // A bridge pool with everything (both cross-certificates, both issuing CAs, Y's root):
    // the builder still finds the route.
    let everything: &[&[u8]] = &[&yx, &x_iss, &y_root, &y_iss, &xy];
    let r = validate(&y_org, &x_root, everything, Some(&[X_ORG]), true);
    assert_passed(&r, &[X_ORG]);

    // The other direction: X's certificate for Y's relying party.
    let r = validate(&x_org, &y_root, &[&yx, &x_iss], Some(&[Y_ORG]), true);
    assert_passed(&r, &[Y_ORG]);
    assert!(
        r.anchor
            .as_deref()
            .unwrap()
            .contains(&format!("{Y_NAME} SM2 Root CA"))
    );
    let r = validate(&x_org, &y_root, &[&yx, &x_iss], Some(&[Y_PERSON]), true);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "certificate policy",
    );
    let r = validate(&x_org, &y_root, &[&x_iss], None, false);
    assert_failed(
        &r,
        Indication::Indeterminate,
        SubIndication::NoCertificateChainFound,
        "no path",
    );
    let r = validate(&x_org, &y_root, everything, Some(&[Y_ORG]), true);
    assert_passed(&r, &[Y_ORG]);
    // Each region's own certificates still validate under its own root, unmapped.
    assert_passed(
        &validate(&x_org, &x_root, &[&x_iss], Some(&[X_ORG]), true),
        &[X_ORG],
    );
    assert_passed(
        &validate(&y_org, &y_root, &[&y_iss], Some(&[Y_ORG]), true),
        &[Y_ORG],
    );

    // --- Name constraints. ---
    let y_org_b = y.org(&work, "Y乙局", "sm2");
    let device = y.issue(
        &work,
        "device",
        "sm2",
        serde_json::json!({"device_id": "gw-0001", "owner_credit_code": "91350100M000100Y43",
            "dns": ["gw.example.gov.cn"], "ip": ["10.1.2.3"]}),
    );
    let maps = [
        "--policy-map",
        &format!("{X_ORG}={Y_ORG}"),
        "--policy-map",
        &format!("{X_HIGH}={Y_HIGH}"),
    ]
    .map(String::from);
    let nc_cross = |name: &str, extra: &[&str]| {
        let mut args: Vec<&str> = maps.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        x.cross_certify(&y.ca("sm2-root.pem"), &args, &work.join(name))
    };
    // Permitted: Y's CAs (C=CN,O=<Y>) and one organization of Y.
    let y_ca_tree = format!("permitted:dirName:C=CN,O={Y_NAME}");
    let permitted = nc_cross(
        "nc-permitted.pem",
        &[
            "--name-constraints",
            &y_ca_tree,
            "--name-constraints",
            "permitted:dirName:C=CN, O=Y甲局",
        ],
    );
    let r = validate(&y_org, &x_root, &[&permitted, &y_iss], Some(&[X_ORG]), true);
    assert_passed(&r, &[X_ORG]);
    let r = validate(
        &y_org_b,
        &x_root,
        &[&permitted, &y_iss],
        Some(&[X_ORG]),
        true,
    );
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "name constraints",
    );
    assert_eq!(
        r.failure.as_ref().unwrap().index,
        Some(0),
        "the end entity fails"
    );
    // Y's CAs are outside a subtree that only permits the organization: the issuing CA fails.
    let too_narrow = nc_cross(
        "nc-narrow.pem",
        &["--name-constraints", "permitted:dirName:C=CN,O=Y甲局"],
    );
    let r = validate(&y_org, &x_root, &[&too_narrow, &y_iss], None, false);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "name constraints",
    );
    assert_eq!(
        r.failure.as_ref().unwrap().index,
        Some(1),
        "the issuing CA fails"
    );
    // Excluded: one organization of Y, one DNS domain.
    let excluded = nc_cross(
        "nc-excluded.pem",
        &[
            "--name-constraints",
            "excluded:dirName:C=CN,O=Y乙局",
            "--name-constraints",
            "excluded:dns:example.gov.cn",
        ],
    );
    let pool: &[&[u8]] = &[&excluded, &y_iss];
    assert_passed(
        &validate(&y_org, &x_root, pool, Some(&[X_ORG]), true),
        &[X_ORG],
    );
    let r = validate(&y_org_b, &x_root, pool, Some(&[X_ORG]), true);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "name constraints",
    );
    // The device (gw.example.gov.cn) is excluded too; without constraints it would pass
    // (any policy, none required: its policies are not mapped).
    let r = validate(&device, &x_root, pool, None, false);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "name constraints",
    );
    let r = validate(&device, &x_root, &[&xy, &y_iss], None, false);
    assert_passed(&r, &[]);
    // iPAddress: a permitted block that does not hold the device's 10.1.2.3.
    let ip = nc_cross(
        "nc-ip.pem",
        &["--name-constraints", "permitted:ip:192.168.0.0/16"],
    );
    let r = validate(&device, &x_root, &[&ip, &y_iss], None, false);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "name constraints",
    );
    assert_passed(
        &validate(&y_org, &x_root, &[&ip, &y_iss], None, false),
        &[X_HIGH, X_ORG],
    );

    // --- requireExplicitPolicy=0 in the cross-certificate: the device's unmapped policies
    // make its path fail even when the relying party does not ask for a policy. ---
    let explicit = nc_cross("explicit.pem", &["--require-explicit-policy"]);
    let r = validate(&device, &x_root, &[&explicit, &y_iss], None, false);
    assert_failed(
        &r,
        Indication::TotalFailed,
        SubIndication::ChainConstraintsFailure,
        "certificate policy",
    );
    assert_passed(
        &validate(&y_org, &x_root, &[&explicit, &y_iss], None, false),
        &[X_HIGH, X_ORG],
    );

    // Audited in X.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let events = rt.block_on(async {
        let region = yinxin::pki::region::Region::open(&x.dir, None, &yinxin::store::SqlConnector)
            .await
            .unwrap();
        region.repo.audit(0, 1000).await.unwrap()
    });
    let cross_events: Vec<_> = events
        .iter()
        .filter(|e| e.action == "ca.cross-certify")
        .collect();
    assert_eq!(cross_events.len(), 6, "{cross_events:?}");
    let serial = hex::encode_upper(yinxin::verify::cert::Cert::from_der(&xy).unwrap().serial);
    assert!(
        cross_events.iter().any(|e| e.object == serial
            && e.outcome == "success"
            && e.detail.contains("issuer=sm2-root")),
        "{cross_events:?}"
    );
}

#[test]
fn cli_errors_are_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let x = Region::init(tmp.path(), "test-x", X_NAME);
    let peer = x.ca("p256-root.pem");
    let out = tmp.path().join("out.pem");
    let run = |args: &[&str]| {
        let o = yinxin()
            .args(["cross-certify", "--data-dir"])
            .arg(&x.dir)
            .arg("--peer-root")
            .arg(&peer)
            .arg("--out")
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        (o.status.code(), err)
    };
    for (args, code, want) in [
        (vec!["--policy-map", "1.2.3=policy"], 1, "not an OID"),
        (vec!["--policy-map", "1.2.3"], 1, "OURS=THEIRS"),
        (
            vec![
                "--policy-map",
                "1.2.3=1.2.4",
                "--name-constraints",
                "permitted:x400:a",
            ],
            1,
            "unknown name type",
        ),
        (
            vec![
                "--policy-map",
                "1.2.3=1.2.4",
                "--name-constraints",
                "permitted:ip:10.0.0.1/8",
            ],
            1,
            "host bits",
        ),
        (
            vec!["--policy-map", "1.2.3=1.2.4", "--algorithm", "rsa"],
            1,
            "neither sm2 nor p256",
        ),
        // Our own root is not a peer.
        (
            vec!["--policy-map", "1.2.3=1.2.4"],
            1,
            "our own CA p256-root",
        ),
        (
            vec!["--policy-map", "1.2.3=1.2.4", "--algorithm", "sm2"],
            1,
            "our own CA p256-root",
        ),
        // --policy-map is required.
        (vec![], 2, "--policy-map"),
    ] {
        let (got, err) = run(&args);
        assert_eq!(got, Some(code), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        if code == 1 {
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            assert!(err.starts_with("yinxin: error: "), "{err}");
        }
    }
    assert!(!out.exists());
}

/// OpenSSL's view of the same bridge, with P-256 (OpenSSL 3.0 cannot verify a 3-level SM2
/// chain in one command): `-x509_strict -policy_check -explicit_policy -policy`.
#[test]
fn openssl_agrees_p256() {
    if !require_openssl("bridge openssl_agrees_p256") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let x = Region::init(tmp.path(), "test-x", X_NAME);
    let y = Region::init(tmp.path(), "test-y", Y_NAME);
    y.renumber_policies(&format!("{ARC}.1."), &format!("{ARC}.9."));
    let cross = work.join("x-y-p256.pem");
    // The algorithm follows the peer root's key: P-256.
    x.cross_certify(
        &y.ca("p256-root.pem"),
        &[
            "--policy-map",
            &format!("{X_ORG}={Y_ORG}"),
            "--policy-map",
            &format!("{X_HIGH}={Y_HIGH}"),
            "--name-constraints",
            &format!("permitted:dirName:C=CN,O={Y_NAME}"),
            "--name-constraints",
            "permitted:dirName:C=CN,O=Y甲局",
        ],
        &cross,
    );
    let leaf = y.org(&work, "Y甲局", "p256");
    let leaf_b = y.org(&work, "Y乙局", "p256");
    let (leaf_pem, leaf_b_pem) = (work.join("leaf.pem"), work.join("leaf-b.pem"));
    std::fs::write(&leaf_pem, yinxin::pki::cert::to_pem(&leaf)).unwrap();
    std::fs::write(&leaf_b_pem, yinxin::pki::cert::to_pem(&leaf_b)).unwrap();
    let untrusted = work.join("untrusted.pem");
    std::fs::write(
        &untrusted,
        [
            std::fs::read_to_string(&cross).unwrap(),
            std::fs::read_to_string(y.ca("p256-issuing.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let x_root = x.ca("p256-root.pem");
    let verify = |policy: &str, leaf: &Path| {
        let o = openssl(&[
            "verify",
            "-x509_strict",
            "-policy_check",
            "-explicit_policy",
            "-policy",
            policy,
            "-CAfile",
            x_root.to_str().unwrap(),
            "-untrusted",
            untrusted.to_str().unwrap(),
            leaf.to_str().unwrap(),
        ]);
        (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let (ok, text) = verify(X_ORG, &leaf_pem);
    assert!(ok && text.contains(": OK"), "{text}");
    let (ok, text) = verify(X_PERSON, &leaf_pem);
    assert!(!ok && text.contains("no explicit policy"), "{text}");
    let (ok, text) = verify(X_ORG, &leaf_b_pem);
    assert!(
        !ok && text.contains("permitted subtree violation"),
        "{text}"
    );

    // And yinxin's engine agrees on the same files.
    let anchor = x.ca_der("p256-root.pem");
    let pool = [pem_der(&cross), y.ca_der("p256-issuing.pem")];
    let pool: Vec<&[u8]> = pool.iter().map(Vec::as_slice).collect();
    assert_passed(
        &validate(&leaf, &anchor, &pool, Some(&[X_ORG]), true),
        &[X_ORG],
    );
    assert_eq!(
        validate(&leaf_b, &anchor, &pool, Some(&[X_ORG]), true).sub_indication,
        Some(SubIndication::ChainConstraintsFailure)
    );
}

/// The service loads the cross-certificates it issued into its verification pool: Y's
/// certificate posted to X's `/v1/verify` finds the path X root → cross-certificate → Y issuing
/// CA, and the report says it was recognized via the cross-certificate. Y publishes no list X
/// knows, so X has no allowed revocation source for Y's certificates: INDETERMINATE / TRY_LATER,
/// never TOTAL_PASSED.
#[tokio::test]
async fn service_finds_paths_through_its_cross_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let x = Region::init(tmp.path(), "test-x", X_NAME);
    let y = Region::init(tmp.path(), "test-y", Y_NAME);
    let y_cert = y.org(&work, "Y甲局", "sm2");
    // PEM: the certificate followed by its issuing CA (the caller supplies the chain).
    let y_cert = format!(
        "{}{}",
        yinxin::pki::cert::to_pem(&y_cert),
        std::fs::read_to_string(y.ca("sm2-issuing.pem")).unwrap()
    )
    .into_bytes();
    // Before cross-certification X finds no path.
    let before = common::http::Server::start(&x.dir, &[]);
    let verify = |base: String, cert: Vec<u8>| async move {
        common::http::call(
            "POST",
            &format!("{base}/v1/verify"),
            None,
            &[("content-type", "application/octet-stream")],
            cert,
        )
        .await
        .json()
    };
    let j = verify(before.base.clone(), y_cert.clone()).await;
    assert_eq!(j["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND", "{j:#}");
    drop(before);
    x.cross_certify(
        &y.ca("sm2-root.pem"),
        &["--policy-map", &format!("{X_ORG}={X_ORG}")],
        &work.join("x-y.pem"),
    );
    let server = common::http::Server::start(&x.dir, &[]);
    let j = verify(server.base.clone(), y_cert).await;
    assert_eq!(j["recognition"]["via"], "cross-certificate", "{j:#}");
    assert_eq!(j["path"].as_array().unwrap().len(), 3, "{j:#}");
    assert_eq!(j["indication"], "INDETERMINATE", "{j:#}");
    assert_eq!(j["sub_indication"], "TRY_LATER", "{j:#}");
}
