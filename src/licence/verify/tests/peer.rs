//! A recognized region: its signed status accepted only when e-licences are accepted and the signer is pinned; a revoked status fails.

use super::*;

#[tokio::test]
async fn a_peer_licence_verifies_with_its_signed_status() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let signed = e.signed_status(&id, &e.pki.list_signer).await;
    let peer = Peer::new(&e.pki, true);
    let r = e
        .peer_ofd(&issued.document, &peer, std::slice::from_ref(&signed))
        .await;
    expect(&r, Indication::TotalPassed, None);
    assert_eq!(r.region.as_deref(), Some("hb"));
    assert_eq!(
        r.check("data-signature").unwrap().outcome,
        CheckOutcome::Skipped
    );
    assert!(
        r.status_source
            .as_deref()
            .unwrap()
            .contains("signed status of region hb")
    );
    // The QR too.
    let r = e
        .peer_qr(&issued.qr_text, &peer, std::slice::from_ref(&signed))
        .await;
    expect(&r, Indication::TotalPassed, None);
    // Fetched from its supply point rather than given.
    let mut fetching = Peer::new(&e.pki, true);
    fetching.fetched = Some(signed.clone());
    expect(
        &e.peer_ofd(&issued.document, &fetching, &[]).await,
        Indication::TotalPassed,
        None,
    );
    // Neither given nor reachable: undecided.
    let r = e.peer_ofd(&issued.document, &peer, &[]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
}

#[tokio::test]
async fn a_peer_whose_e_licences_are_not_accepted_is_refused() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &e.pki.list_signer)
        .await;
    let peer = Peer::new(&e.pki, false);
    let r = e
        .peer_ofd(&issued.document, &peer, std::slice::from_ref(&signed))
        .await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::RegionNotAccepted),
    );
    let r = e
        .peer_qr(&issued.qr_text, &peer, std::slice::from_ref(&signed))
        .await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::RegionNotAccepted),
    );
}

#[tokio::test]
async fn a_peer_status_by_an_unpinned_signer_is_not_accepted() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    // A trust-list signer's certificate, but not the one pinned for hb.
    let stranger = issue(
        Some(&e.pki.root),
        name("Stranger", None),
        Some(crate::verify::purpose::EKU_TRUST_LIST_SIGNING),
        9,
    );
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &stranger)
        .await;
    let peer = Peer::new(&e.pki, true);
    let r = e.peer_ofd(&issued.document, &peer, &[signed]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert!(r.detail.contains("not pinned"), "{}", r.detail);
    // Pinned, but not a trust-list signer.
    let mut peer = Peer::new(&e.pki, true);
    peer.region.status_signers = vec![crate::crypto::sha256(&e.pki.agency.cert)];
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &e.pki.agency)
        .await;
    let r = e.peer_ofd(&issued.document, &peer, &[signed]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
}

#[tokio::test]
async fn a_peer_revoked_status_fails() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let active = e.signed_status(&id, &e.pki.list_signer).await;
    e.set(&id, Event::Revoke).await;
    let revoked = e.signed_status(&id, &e.pki.list_signer).await;
    let peer = Peer::new(&e.pki, true);
    // A revocation is final, whatever else is given.
    let r = e
        .peer_ofd(&issued.document, &peer, &[active, revoked.clone()])
        .await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    let r = e.peer_qr(&issued.qr_text, &peer, &[revoked]).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
}
