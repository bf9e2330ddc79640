//! Own region, the QR payload: claims shown; another key under a copied key id, a changed claim, an unknown or purpose-less signer, a revoked licence refused.

use super::*;

#[tokio::test]
async fn a_qr_payload_verifies_and_shows_its_claims() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_qr(&issued.qr_text).await;
    expect(&r, Indication::TotalPassed, None);
    let c = r.claims.as_ref().unwrap();
    assert_eq!(c.holder_name, "广州示例科技有限公司");
    assert_eq!(c.valid_to, LONG_TERM);
    assert_eq!(r.status, "active");
    // The bare payload reads too.
    let bare = issued.qr_text.rsplit("/V/").next().unwrap();
    expect(&e.own_qr(bare).await, Indication::TotalPassed, None);
}

#[tokio::test]
async fn a_qr_payload_of_a_revoked_licence_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    e.set(&issued.licence.id.to_string(), Event::Revoke).await;
    let r = e.own_qr(&issued.qr_text).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
}

#[tokio::test]
async fn a_qr_payload_signed_by_another_key_under_a_copied_key_id_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    let mine = PrivateKey::generate(Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    // Our QR signer's certificate gives the key id; the forger's key signs.
    let payload = crate::licence::qr::sign(&genuine.claims, &mine, &e.pki.qr.cert).unwrap();
    let forged = crate::licence::qr::decode(&payload).unwrap();
    assert_eq!(forged.kid, genuine.kid);
    let r = e.own_qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignatureInvalid),
    );
    assert_eq!(r.sub_indication, Some(SubIndication::SigCryptoFailure));
}

#[tokio::test]
async fn a_qr_payload_with_a_changed_claim_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let payload = issued.qr_text.rsplit("/V/").next().unwrap();
    let mut bytes = crate::licence::qr::digits_decode(payload).unwrap();
    // The holder's name as printed: one character changed, same length.
    let from = "广州".as_bytes();
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + from.len()].copy_from_slice("深圳".as_bytes());
    let forged = crate::licence::qr::digits_encode(&bytes);
    assert_eq!(
        crate::licence::qr::decode(&forged)
            .unwrap()
            .claims
            .holder_name,
        "深圳示例科技有限公司"
    );
    let r = e.own_qr(&forged).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignatureInvalid),
    );
}

#[tokio::test]
async fn a_qr_payload_of_an_unknown_signer_or_of_another_region_is_refused() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    let mine = PrivateKey::generate(Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    let unknown =
        crate::licence::qr::sign(&genuine.claims, &mine, b"some other certificate").unwrap();
    let r = e.own_qr(&unknown).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::QrSignerUnknown),
    );
    // Our signer, another region's name in the claims.
    let elsewhere = crate::licence::qr::Claims {
        region: "hb".into(),
        ..genuine.claims.clone()
    };
    let payload = crate::licence::qr::sign(&elsewhere, &e.pki.qr.signer, &e.pki.qr.cert).unwrap();
    let r = e.own_qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrRegionMismatch),
    );
    expect(
        &e.own_qr("HTTPS://X/V/12A").await,
        Indication::TotalFailed,
        Some(LicenceReason::QrMalformed),
    );
}

#[tokio::test]
async fn a_qr_signer_without_the_qr_signing_purpose_is_refused() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    // The agency's certificate posing as a QR signer.
    let payload =
        crate::licence::qr::sign(&genuine.claims, &e.pki.agency.signer, &e.pki.agency.cert)
            .unwrap();
    let opts = e.options(None);
    let own = RepoStatus(&e.repo);
    let signers = [e.pki.qr.cert.clone(), e.pki.agency.cert.clone()];
    let v = Verifier {
        region: Some("gd"),
        own: Some(&own),
        own_qr_signers: &signers,
        ..Verifier::new(&e.catalogue, &opts)
    };
    let r = v.qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignerInvalid),
    );
}

#[tokio::test]
async fn a_holders_showing_verifies_within_its_time_and_says_so_after() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    let sign = |at: i64, until: i64| {
        let claims = crate::licence::qr::Claims {
            shown: Some(crate::licence::qr::Shown { at, until }),
            ..genuine.claims.clone()
        };
        crate::licence::qr::sign(&claims, &e.pki.qr.signer, &e.pki.qr.cert).unwrap()
    };
    // Shown a moment ago, valid five minutes: valid, and the report says it was shown.
    let r = e.own_qr(&sign(now() - 10, now() + 290)).await;
    expect(&r, Indication::TotalPassed, None);
    let shown = r.checks.iter().find(|c| c.check == "shown").unwrap();
    assert!(
        shown.detail.starts_with("shown by its holder at "),
        "{}",
        shown.detail
    );
    // A screenshot kept past its time: refused for that reason, though the licence is fine.
    let r = e.own_qr(&sign(now() - 400, now() - 100)).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::ShowNotCurrent),
    );
    // A showing dated in the future (a forged clock on the showing side): refused too.
    let r = e.own_qr(&sign(now() + 3600, now() + 3900)).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::ShowNotCurrent),
    );
}
