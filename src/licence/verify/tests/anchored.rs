//! A relying party with only anchors (no registry, no trust list of the issuing region): a
//! signed status counts only when its signer validates, as a trust-list signer, to the anchor
//! the licence's seal validated to.

use super::*;
use crate::verify::purpose::EKU_TRUST_LIST_SIGNING;

impl Env {
    /// Verify with `anchors` only, with `statuses` given.
    async fn anchored_ofd(
        &self,
        doc: &[u8],
        anchors: &[&[u8]],
        statuses: &[Vec<u8>],
    ) -> LicenceReport {
        let opts = VerifyOptions {
            context: crate::verify::context::Context::builder()
                .anchors(anchors.iter().copied())
                .revocation(RevocationMode::Off)
                .seal_makers([crate::crypto::sha256(&self.pki.maker.cert)])
                .shared(),
            ..self.options(None)
        };
        let pkg = Package::from_bytes(doc).unwrap();
        let ofd = crate::document::ofd::verify_package(&pkg, &opts).await;
        let v = Verifier {
            statuses,
            ..Verifier::new(&self.catalogue, &opts)
        };
        v.ofd(&ofd, &pkg).await
    }
}

#[tokio::test]
async fn a_status_signed_under_the_seals_anchor_speaks() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let root = e.pki.root.cert.as_slice();
    let signed = e.signed_status(&id, &e.pki.list_signer).await;
    let r = e
        .anchored_ofd(&issued.document, &[root], std::slice::from_ref(&signed))
        .await;
    expect(&r, Indication::TotalPassed, None);
    assert_eq!(r.region.as_deref(), Some("hb"));
    assert!(
        r.status_source
            .as_deref()
            .unwrap()
            .contains("signed status of region hb"),
        "{}",
        text(&r)
    );
    assert_eq!(
        r.check("data-signature").unwrap().outcome,
        CheckOutcome::Skipped
    );

    // Without a status: undecided, as before.
    let r = e.anchored_ofd(&issued.document, &[root], &[]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );

    // Signed by a certificate that is no trust-list signer (the agency's own): refused.
    let by_agency = e.signed_status(&id, &e.pki.agency).await;
    let r = e
        .anchored_ofd(&issued.document, &[root], &[by_agency])
        .await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert!(r.detail.contains("trust-list signer"), "{}", text(&r));

    // A trust-list signer of another anchor the relying party also trusts: refused, it does
    // not speak for licences sealed under this one.
    let other_root = issue(None, name("Other Root", None), None, 7);
    let other_signer = issue(
        Some(&other_root),
        name("Other Trust List Signer", None),
        Some(EKU_TRUST_LIST_SIGNING),
        8,
    );
    let elsewhere = e.signed_status(&id, &other_signer).await;
    let r = e
        .anchored_ofd(
            &issued.document,
            &[root, other_root.cert.as_slice()],
            &[elsewhere],
        )
        .await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert!(r.detail.contains("anchored elsewhere"), "{}", text(&r));

    // Revoked: the signed status says so.
    e.set(&id, Event::Revoke).await;
    let revoked = e.signed_status(&id, &e.pki.list_signer).await;
    let r = e.anchored_ofd(&issued.document, &[root], &[revoked]).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
}
