//! Forgeries a relying party must not accept (issue 11): a seal made with a citizen's own
//! certificate, a timestamp from a self-made TSA, a backdated claim by a signer revoked
//! afterwards, a signature checked without its data, a seal expired since its claimed use.
//! Each asserts the reason, and a genuine counterpart passes so that the test can fail.

mod common;
use common::http::{Server, post_json};
use common::{RED_PNG, org_signer, run_ok, yinxin};
use std::sync::Arc;
use yinxin::crypto::Signer;
use yinxin::pki::cert::{
    self, CertificateTemplate, NameBuilder, StringKind, attr, extensions as x,
};
use yinxin::pki::revocation::{RevocationReason, RevokeRequest};
use yinxin::seal::service::{self as seals, SealRecord};
use yinxin::seal::types;
use yinxin::seal::verify::VerifyOptions;
use yinxin::status::tsp;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;
use yinxin::verify::report::{Indication, SubIndication};
use yinxin::verify::timestamp::Basis;

const DAY: i64 = 86_400;

use common::region::{TestRegion, pass, test_region};

/// The shared test region, with the constructions the forgeries need.
struct Env(TestRegion);

impl std::ops::Deref for Env {
    type Target = TestRegion;
    fn deref(&self) -> &TestRegion {
        &self.0
    }
}

async fn setup() -> Env {
    Env(test_region("fg", "伪造测试区").await)
}

impl Env {
    /// A citizen's SM2 certificate and key, issued by the region (profile `person`).
    async fn person(&self) -> (Arc<dyn Signer>, Vec<u8>, String) {
        common::profile_signer(
            &self.region,
            "person",
            serde_json::json!({"name": "张三", "id_number": "11010519491231002X"}),
        )
        .await
    }

    /// A seal "of 某某市人民政府" made by a citizen with their own certificate, and that
    /// citizen's signer and certificate; the time after issuance.
    async fn citizen_seal(&self) -> (SealRecord, Arc<dyn Signer>, Vec<u8>, i64) {
        let (p_signer, p_cert, _) = self.person().await;
        // After issuance: the certificate's notBefore is the issuance time.
        let now = yinxin::clock::now_secs();
        let forged = self.seal(
            (p_signer.as_ref(), &p_cert),
            ("张三", &p_cert),
            "某某市人民政府",
            365,
            now,
        );
        (forged, p_signer, p_cert, now)
    }

    /// A certificate issued by the region's SM2 issuing CA without extendedKeyUsage (as
    /// some CAs issue), with its key.
    async fn craft_without_eku(&self) -> (Arc<dyn Signer>, Vec<u8>) {
        use der::{Decode, Encode};
        let issuing = x509_cert::Certificate::from_der(&self.intermediates[0]).unwrap();
        let ca = self.region.ca_signer("sm2-issuing", &pass()).await.unwrap();
        let key = yinxin::crypto::PrivateKey::generate(yinxin::crypto::Algorithm::Sm2).unwrap();
        let spki = key.public_key_spki_der().unwrap();
        let issuer_spki = issuing
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap();
        let now = yinxin::clock::now_secs();
        let der = cert::sign_certificate(
            &CertificateTemplate {
                serial: vec![0x5a, 0x01],
                issuer: issuing.tbs_certificate().subject().clone(),
                subject: NameBuilder::new()
                    .push(attr::CN, StringKind::Utf8, "无用途证书")
                    .build()
                    .unwrap(),
                not_before: now - 60,
                not_after: now + 30 * DAY,
                spki_der: spki.clone(),
                extensions: vec![
                    x::basic_constraints(false, None).unwrap(),
                    x::key_usage(&["digitalSignature"]).unwrap(),
                    x::subject_key_identifier(&cert::key_identifier(&spki).unwrap()).unwrap(),
                    x::authority_key_identifier(&cert::key_identifier(&issuer_spki).unwrap())
                        .unwrap(),
                ],
            },
            ca.as_ref(),
        )
        .unwrap();
        (Arc::new(key.signer().unwrap()), der)
    }

    /// An organization's signer (certificate, serial), a seal the region's seal maker made for
    /// it, valid `days` from `back` seconds ago, and the time after issuance (the
    /// certificate's notBefore is the issuance time).
    async fn org_seal(
        &self,
        seal_name: &str,
        days: u32,
        back: i64,
    ) -> (Arc<dyn Signer>, Vec<u8>, String, SealRecord, i64) {
        let (signer, cert, serial) = org_signer(&self.region, "盖章单位").await;
        let now = yinxin::clock::now_secs();
        let seal = self.seal(
            (self.maker.0.as_ref(), &self.maker.1),
            ("盖章单位", &cert),
            seal_name,
            days,
            now - back,
        );
        (signer, cert, serial, seal, now)
    }

    /// A seal made by `maker` for `signer`, valid `days` from `start`.
    fn seal(
        &self,
        maker: (&dyn Signer, &[u8]),
        signer: (&str, &[u8]),
        name: &str,
        days: u32,
        start: i64,
    ) -> SealRecord {
        let t = types::builtin()
            .into_iter()
            .find(|t| t.key == "official")
            .unwrap();
        seals::make_seal(
            &seals::SealRequest {
                region: "fg",
                seal_type: &t,
                holder: "91350100M000100Y43",
                name,
                signers: vec![(signer.0.to_string(), signer.1.to_vec())],
                picture_png: RED_PNG.to_vec(),
                validity_days: days,
                now: start,
            },
            maker.0,
            maker.1,
        )
        .unwrap()
    }

    /// A token over `sig` from `unit` with genTime `at` (seconds).
    fn token(unit: &tsp::TsaUnit, sig: &[u8], at: i64) -> Vec<u8> {
        TestRegion::token(unit, sig, at * 1000).expect("a token")
    }

    fn opts<'a>(
        &'a self,
        data: Option<&'a [u8]>,
        crls: Vec<Vec<u8>>,
        now: i64,
    ) -> VerifyOptions<'a> {
        VerifyOptions {
            context: Context::builder()
                .anchors(&self.anchors)
                .intermediates(&self.intermediates)
                .revocation(if crls.is_empty() {
                    RevocationMode::Off
                } else {
                    RevocationMode::Require
                })
                .crls(crls)
                .shared(),
            trust: None,
            registry: None,
            data,
            now,
        }
    }
}

impl Env {
    /// [`Env::opts`] with the signed status of `seal` (made by the region's seal maker) as of
    /// `now`: a seal of the anchors' region verifies offline only with it.
    fn opts_for<'a>(
        &'a self,
        seal: &SealRecord,
        data: Option<&'a [u8]>,
        crls: Vec<Vec<u8>>,
        now: i64,
    ) -> VerifyOptions<'a> {
        let mut o = self.opts(data, crls, now);
        o.context = o
            .context
            .with_extra()
            .seal_status([yinxin::seal::status::issue(
                seal,
                "fg",
                self.maker.0.as_ref(),
                &self.maker.1,
                now,
                DAY,
            )
            .unwrap()])
            .shared();
        o
    }
}

fn report_text<T: serde::Serialize>(r: &T) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

fn step<'a>(r: &'a seals::SealReport, name: &str) -> &'a seals::Step {
    r.steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step {name}: {}", report_text(r)))
}

fn expect(r: &seals::SealReport, ind: Indication, sub: Option<SubIndication>) {
    assert_eq!(
        (r.indication, r.sub_indication),
        (ind, sub),
        "{}",
        report_text(r)
    );
}

/// A seal signed with a citizen's own certificate, naming a government body, is not a seal:
/// the region issued that certificate for other purposes (FAILED), and a maker certificate
/// of the region without any EKU is not recognised (INDETERMINATE); a signature with the
/// forged seal does not pass; the region's own seal maker's seal passes; a relying party that
/// names the citizen's certificate explicitly as a seal maker gets what it asked for.
#[tokio::test]
async fn citizen_made_seal_is_not_passed() {
    let e = setup().await;
    let (forged, p_signer, p_cert, now) = e.citizen_seal().await;
    let crls = e.crls().await;
    let r = seals::verify(&forged.der, &e.opts(None, crls.clone(), now)).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );
    assert_eq!(step(&r, "seal-maker-signature").outcome, "passed");
    assert_eq!(step(&r, "seal-maker-certificate").outcome, "passed");
    let rec = step(&r, "seal-maker-recognised");
    assert_eq!(rec.outcome, "failed", "{}", report_text(&r));
    assert!(
        rec.detail.contains("not a seal maker's")
            && rec.detail.contains("clientAuth, emailProtection"),
        "{}",
        rec.detail
    );

    // A certificate of the region's issuing CA with no EKU at all: not recognised.
    let no_eku = e.craft_without_eku().await;
    let crls = e.crls().await;
    let unknown = e.seal(
        (no_eku.0.as_ref(), &no_eku.1),
        ("某人", &no_eku.1),
        "某某市人民政府",
        365,
        now,
    );
    let r = seals::verify(&unknown.der, &e.opts(None, crls.clone(), now)).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(SubIndication::ChainConstraintsFailure),
    );
    let rec = step(&r, "seal-maker-recognised");
    assert_eq!(rec.outcome, "indeterminate", "{}", report_text(&r));
    assert!(
        rec.detail.contains("not recognised as a seal maker"),
        "{}",
        rec.detail
    );

    // A signature with the forged seal, data given: still not passed.
    let data = b"forged approval";
    let signed = seals::stamp(
        &forged,
        &yinxin::crypto::sm3(data),
        "approval.txt",
        p_signer.as_ref(),
        &p_cert,
        now,
        None,
    )
    .unwrap();
    let r = seals::verify(&signed, &e.opts(Some(data), crls.clone(), now)).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(SubIndication::ChainConstraintsFailure),
    );
    assert_eq!(step(&r, "seal-maker-recognised").outcome, "failed");
    assert_eq!(step(&r, "data").outcome, "passed");

    // The genuine maker's seal passes; the relying party naming the citizen's certificate
    // makes the forged one recognised (its own decision).
    let (o_signer, o_cert, _) = org_signer(&e.region, "盖章单位").await;
    let _ = o_signer;
    let genuine = e.seal(
        (e.maker.0.as_ref(), &e.maker.1),
        ("盖章单位", &o_cert),
        "盖章单位公章",
        365,
        now,
    );
    let crls = e.crls().await;
    let r = seals::verify(&genuine.der, &e.opts_for(&genuine, None, crls.clone(), now)).await;
    expect(&r, Indication::TotalPassed, None);
    // Without its status, the genuine seal of the region is not passed offline.
    let r = seals::verify(&genuine.der, &e.opts(None, crls.clone(), now)).await;
    expect(&r, Indication::Indeterminate, Some(SubIndication::TryLater));
    let reg = step(&r, "seal-registry");
    assert_eq!(
        reg.reason.as_ref().map(|c| c.code()),
        Some("seal-status-unknown"),
        "{}",
        report_text(&r)
    );
    let mut named = e.opts(None, crls, now);
    named.context = named
        .context
        .with_extra()
        .seal_makers([yinxin::crypto::sha256(&p_cert)])
        .shared();
    let r = seals::verify(&forged.der, &named).await;
    expect(&r, Indication::TotalPassed, None);
    assert!(
        step(&r, "seal-maker-recognised")
            .detail
            .contains("named by the relying party")
    );
}

/// The same forged seal through `yinxin verify` and the public `POST /v1/verify`.
#[tokio::test]
async fn citizen_made_seal_cli_and_http() {
    let e = setup().await;
    let (forged, _, p_cert, _) = e.citizen_seal().await;
    let work = e.dir.parent().unwrap().to_path_buf();
    let file = work.join("forged.esl");
    std::fs::write(&file, &forged.der).unwrap();
    let out = yinxin()
        .arg("verify")
        .arg(&file)
        .arg("--anchor")
        .arg(e.dir.join("ca/sm2-root.pem"))
        .arg("--intermediate")
        .arg(e.dir.join("ca/sm2-issuing.pem"))
        .arg("--no-revocation")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "failed exit code: {stdout}");
    assert!(stdout.starts_with("TOTAL_FAILED"), "{stdout}");
    assert!(stdout.contains("not a seal maker's"), "{stdout}");
    // Naming the maker on the command line is the relying party's explicit choice.
    std::fs::write(work.join("maker.der"), &p_cert).unwrap();
    let out = run_ok(
        yinxin()
            .arg("verify")
            .arg(&file)
            .arg("--anchor")
            .arg(e.dir.join("ca/sm2-root.pem"))
            .arg("--intermediate")
            .arg(e.dir.join("ca/sm2-issuing.pem"))
            .arg("--no-revocation")
            .arg("--seal-maker")
            .arg(work.join("maker.der")),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("TOTAL_PASSED"), "{stdout}");
    // Offline: the report says the seal registry was not consulted.
    assert!(
        stdout.contains("seal-registry") && stdout.contains("not consulted"),
        "{stdout}"
    );

    // The server's CRLs decide revocation: the root's is made offline.
    for ca in ["sm2-root", "sm2-issuing"] {
        run_ok(
            yinxin()
                .args(["crl", "--ca", ca, "--data-dir"])
                .arg(&e.dir)
                .arg("--out")
                .arg(work.join(format!("{ca}.crl"))),
        );
    }
    let server = Server::start(&e.dir, &[]);
    let url = format!("{}/v1/verify", server.base);
    let body = serde_json::json!({
        "object_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &forged.der)
    });
    let r = post_json(&url, None, &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["indication"], "TOTAL_FAILED", "{j:#}");
    let steps = j["steps"].as_array().unwrap();
    let rec = steps
        .iter()
        .find(|s| s["name"] == "seal-maker-recognised")
        .unwrap_or_else(|| panic!("{j:#}"));
    assert_eq!(rec["outcome"], "failed", "{j:#}");
}

/// A CMS signature time-stamped by a self-made TSA (a self-signed certificate with the
/// time-stamping EKU) is validated at the current time: with the signer expired now the
/// result is INDETERMINATE / OUT_OF_BOUNDS_NO_POE, not a pass. The region's own TSA at the
/// same genTime proves the time and the signature passes.
#[tokio::test]
async fn self_made_tsa_does_not_prove_time() {
    let e = setup().await;
    let (signer, cert_der, _) = org_signer(&e.region, "签名单位").await;
    // After issuance: the certificates' notBefore is the issuance time.
    let now = yinxin::clock::now_secs();
    // The self-made TSA.
    let fake = common::region::self_made_tsa(now);
    let data = b"contract text".to_vec();
    let later = now + 400 * DAY; // the signer's certificate (365 days) has expired by then
    let sign_with = |unit: &tsp::TsaUnit| {
        let ts = |sig: &[u8]| Some(Env::token(unit, sig, now));
        yinxin::document::cms::sign_detached(
            &data,
            signer.as_ref(),
            &cert_der,
            &e.intermediates,
            now,
            Some(&ts),
        )
        .unwrap()
    };
    let genuine = sign_with(&e.tsa);
    let forged = sign_with(&fake);

    let opts = e.opts(None, vec![], later);
    let r = yinxin::document::cms::verify_with_options(&genuine, &data, &opts).await;
    assert_eq!(r.indication, Indication::TotalPassed, "{}", report_text(&r));
    assert_eq!(r.time_basis, "timestamp");
    assert_eq!(r.validated_at, Some(now));

    let r = yinxin::document::cms::verify_with_options(&forged, &data, &opts).await;
    assert_eq!(
        r.indication,
        Indication::Indeterminate,
        "{}",
        report_text(&r)
    );
    assert_eq!(
        r.sub_indication,
        Some(yinxin::document::cms::CmsSubIndication::OutOfBoundsNoPoe),
        "{}",
        report_text(&r)
    );
    assert_eq!(r.time_basis, "current-time");
    assert_eq!(r.validated_at, Some(later));
    assert!(r.timestamp_time.is_none());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("not accepted as proof of time")),
        "{:?}",
        r.notes
    );
    let tsu = r.tsu_chain.as_ref().expect("the TSU chain was tried");
    assert_eq!(
        tsu.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
}

/// A seal signature whose signer wrote an earlier time (no timestamp), by a signer revoked
/// afterwards: INDETERMINATE / REVOKED_NO_POE. The same signer's signature time-stamped by
/// the region's TSA before the revocation passes; one that claims a time after the
/// revocation fails as REVOKED.
#[tokio::test]
async fn backdated_claim_of_a_revoked_signer() {
    let e = setup().await;
    let (signer, cert_der, serial, seal, now) =
        e.org_seal("盖章单位合同专用章", 365, 30 * DAY).await;
    let data = b"approval";
    let hash = yinxin::crypto::sm3(data);
    let stamp = |at: i64, ts: bool| {
        let tsf = |sig: &[u8]| Some(Env::token(&e.tsa, sig, at));
        seals::stamp(
            &seal,
            &hash,
            "a.txt",
            signer.as_ref(),
            &cert_der,
            at,
            if ts { Some(&tsf) } else { None },
        )
        .unwrap()
    };
    let backdated = stamp(now - 5 * DAY, false);
    let timestamped = stamp(now, true);
    let after = stamp(now + 90, false);
    yinxin::pki::revocation::revoke(
        e.store.as_ref(),
        &RevokeRequest {
            serial: &serial,
            // Not a key compromise: that one counts for every earlier time too.
            reason: RevocationReason::CessationOfOperation,
            invalidity_date: None,
            actor: "test",
            scope: None,
            now: now + 60,
        },
    )
    .await
    .unwrap();
    let crls = e.crls().await;
    let verify_at = now + 120;

    let r = seals::verify(
        &backdated,
        &e.opts_for(&seal, Some(data), crls.clone(), verify_at),
    )
    .await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(SubIndication::RevokedNoPoe),
    );
    let s = step(&r, "signer-certificate");
    assert_eq!(s.outcome, "indeterminate");
    assert!(s.detail.contains("only as claimed"), "{}", s.detail);
    let t = r.time.as_ref().unwrap();
    assert_eq!(t.basis, Basis::CurrentTime);
    assert!(t.proven.is_none());
    assert_eq!(
        t.claimed.as_deref(),
        Some(yinxin::clock::rfc3339(now - 5 * DAY).as_str())
    );

    let r = seals::verify(
        &timestamped,
        &e.opts_for(&seal, Some(data), crls.clone(), verify_at),
    )
    .await;
    expect(&r, Indication::TotalPassed, None);
    assert_eq!(r.time.as_ref().unwrap().basis, Basis::Timestamp);

    let r = seals::verify(
        &after,
        &e.opts_for(&seal, Some(data), crls.clone(), verify_at),
    )
    .await;
    expect(&r, Indication::TotalFailed, Some(SubIndication::Revoked));
}

/// A signature checked without the signed data is not valid: SIGNED_DATA_NOT_FOUND.
/// A seal that expired after its claimed use, with no timestamp: OUT_OF_BOUNDS_NO_POE.
#[tokio::test]
async fn no_data_and_expired_seal_are_not_passed() {
    let e = setup().await;
    let (signer, cert_der, _, seal, now) = e.org_seal("盖章单位公章", 2, DAY).await;
    let data = b"approval";
    let signed = seals::stamp(
        &seal,
        &yinxin::crypto::sm3(data),
        "a.txt",
        signer.as_ref(),
        &cert_der,
        now,
        None,
    )
    .unwrap();
    // Now, with the data: passes; without it: SIGNED_DATA_NOT_FOUND.
    let r = seals::verify(&signed, &e.opts_for(&seal, Some(data), vec![], now)).await;
    expect(&r, Indication::TotalPassed, None);
    let r = seals::verify(&signed, &e.opts_for(&seal, None, vec![], now)).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(SubIndication::SignedDataNotFound),
    );
    let d = step(&r, "data");
    assert_eq!(d.outcome, "indeterminate");
    assert!(d.detail.contains("no data given"));

    // Three days on (injected clock) the seal has expired; its use is only claimed.
    let r = seals::verify(
        &signed,
        &e.opts_for(&seal, Some(data), vec![], now + 3 * DAY),
    )
    .await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(SubIndication::OutOfBoundsNoPoe),
    );
    assert_eq!(step(&r, "seal-validity").outcome, "indeterminate");
}

/// A seal made with the region's own time-stamping unit's key and certificate: a certificate
/// dedicated to time-stamping is never a seal maker — not even when the relying party names
/// it as one.
#[tokio::test]
async fn seal_made_by_the_tsu_is_not_passed() {
    let e = setup().await;
    let (_, o_cert, _) = org_signer(&e.region, "盖章单位").await;
    let now = yinxin::clock::now_secs();
    let forged = e.seal(
        (e.tsa.signer.as_ref(), &e.tsa.cert_der),
        ("盖章单位", &o_cert),
        "盖章单位公章",
        365,
        now,
    );
    let crls = e.crls().await;
    let mut named = e.opts(None, crls, now);
    named.context = named
        .context
        .with_extra()
        .seal_makers([yinxin::crypto::sha256(&e.tsa.cert_der)])
        .shared();
    let r = seals::verify(&forged.der, &named).await;
    assert_ne!(r.indication, Indication::TotalPassed, "{}", report_text(&r));
    assert_eq!(step(&r, "seal-maker-signature").outcome, "passed");
    let maker = step(&r, "seal-maker-certificate");
    assert_eq!(maker.outcome, "failed", "{}", report_text(&r));
    assert!(maker.detail.contains("time-stamping"), "{}", maker.detail);
}
