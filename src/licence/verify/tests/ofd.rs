//! Own region, the sealed OFD: the checks that pass, and the forgeries and statuses that must not.

use super::*;

#[tokio::test]
async fn an_issued_licence_verifies_with_every_check() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_ofd(&issued.document).await;
    expect(&r, Indication::TotalPassed, None);
    for c in [
        "ofd",
        "metadata",
        "metadata-sealed",
        "seal",
        "identifier",
        "validity",
        "region",
        "status",
        "data-signature",
    ] {
        assert_eq!(
            r.check(c).map(|c| c.outcome),
            Some(CheckOutcome::Passed),
            "{c}: {}",
            text(&r)
        );
    }
    assert_eq!(
        r.identifier.as_deref(),
        Some(&*issued.licence.id.to_string())
    );
    assert_eq!(r.check_rule, Some(CheckRule::Standard));
    assert_eq!(
        r.kind.as_ref().map(|k| k.key.as_str()),
        Some("business-licence")
    );
    assert_eq!((r.status.as_str(), r.version), ("active", Some(1)));
    assert_eq!(r.region.as_deref(), Some("gd"));
    assert!(
        r.fields
            .iter()
            .any(|f| f.key == "ZZMC" && f.value == "营业执照")
    );
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["indication"], "TOTAL_PASSED");
    assert_eq!(j["check_rule"], "standard");
    assert!(j["indication_text"]["zh-CN"].is_string());
}

#[tokio::test]
async fn the_rebuilt_canonical_data_is_the_issued_one() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let pkg = Package::from_bytes(&issued.document).unwrap();
    let found = document::metadata(&pkg).unwrap();
    let kind = e.catalogue.by_key("business-licence").unwrap();
    assert_eq!(
        canonical_data(&found.meta),
        crate::licence::metadata::canonical_data(&issued.licence, kind)
    );
    for k in document::SEALING_KEYS {
        assert!(found.meta.contains_key(k), "{k}");
    }
    assert!(is_licence(&pkg));
}

#[tokio::test]
async fn revoked_and_suspended_licences_fail_as_revoked() {
    let e = Env::new("gd");
    let a = e.issue().await;
    let b = e.issue().await;
    e.set(&a.licence.id.to_string(), Event::Revoke).await;
    e.set(&b.licence.id.to_string(), Event::Suspend).await;
    let r = e.own_ofd(&a.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(r.status, "revoked");
    let r = e.own_ofd(&b.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Suspended));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
    // Resumed: valid again.
    e.set(&b.licence.id.to_string(), Event::Resume).await;
    expect(&e.own_ofd(&b.document).await, Indication::TotalPassed, None);
}

#[tokio::test]
async fn a_superseded_version_fails_naming_the_current_one() {
    let e = Env::new("gd");
    let v1 = e.issue().await;
    let v2 = e.change(&v1.licence.id.to_string()).await;
    let r = e.own_ofd(&v1.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Superseded));
    let current = v2.licence.id.to_string();
    assert_eq!(r.current_identifier.as_deref(), Some(current.as_str()));
    assert!(r.detail.contains(&current), "{}", r.detail);
    expect(
        &e.own_ofd(&v2.document).await,
        Indication::TotalPassed,
        None,
    );
}

#[tokio::test]
async fn a_licence_the_registry_does_not_know_is_indeterminate() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_ofd_with(&issued.document, &MemRepo::default()).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert_eq!(r.status, "unknown");
}

#[tokio::test]
async fn an_expired_licence_fails_as_expired() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    e.repo.edit(&id, |r| r.valid_to = Some("2020-01-01".into()));
    let r = e.own_ofd(&issued.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Expired));
    assert_eq!(r.sub_indication, Some(SubIndication::Expired));
}

// ---- forgeries of the OFD -----------------------------------------------------------------------

#[tokio::test]
async fn changed_metadata_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let pkg = Package::from_bytes(&issued.document).unwrap();
    let found = document::metadata(&pkg).unwrap();
    let mut meta = found.meta.clone();
    meta.insert("CZZT".into(), "冒名公司".into());
    let forged = rezip(
        &issued.document,
        &found.path,
        &crate::trust::list::canonical_json(&meta),
    );
    let r = e.own_ofd(&forged).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{}", text(&r));
    assert_eq!(r.check("ofd").unwrap().outcome, CheckOutcome::Failed);
    // The custom data alone changed: they disagree with the sealed attachment.
    let ofd_xml = String::from_utf8(pkg.get("OFD.xml").unwrap().to_vec()).unwrap();
    let forged = rezip(
        &issued.document,
        "OFD.xml",
        ofd_xml
            .replace("广州示例科技有限公司", "冒名公司")
            .as_bytes(),
    );
    let r = e.own_ofd(&forged).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{}", text(&r));
}

#[tokio::test]
async fn unsealed_metadata_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let meta = crate::licence::metadata::metadata(&issued.licence, kind, None);
    let face =
        crate::licence::face::render(&issued.licence, kind, &issued.qr_text, &meta, now()).unwrap();
    let r = e.own_ofd(&face).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::MetadataNotSealed),
    );
}

#[tokio::test]
async fn a_seal_of_another_type_fails() {
    let e = Env::new("gd");
    let contract = make_seal(
        &e.pki,
        "contract",
        &agency_code(),
        &e.pki.agency,
        "合同专用章",
    );
    let issued = e.issue_with(&contract, &e.pki.agency).await;
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::SealNotELicence),
    );
}

#[tokio::test]
async fn a_seal_of_another_agency_fails() {
    let e = Env::new("gd");
    let theirs = make_seal(
        &e.pki,
        "e-licence",
        &other_code(),
        &e.pki.other,
        "广州市市场监督管理局电子证照专用章",
    );
    let issued = e.issue_with(&theirs, &e.pki.other).await;
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::SealNotOfIssuer),
    );
    assert!(r.detail.contains(&other_code()), "{}", r.detail);
}

#[tokio::test]
async fn a_data_signature_of_another_signer_or_other_data_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let data = crate::licence::metadata::canonical_data(&issued.licence, kind);
    let by_other = crate::document::cms::sign_detached(
        &data,
        &e.pki.other.signer,
        &e.pki.other.cert,
        &[],
        now(),
        None,
    )
    .unwrap();
    e.repo.edit(&id, |r| r.data_signature = by_other);
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::DataSignatureInvalid),
    );
    let over_other_data = crate::document::cms::sign_detached(
        b"{\"ZZBS\":\"x\"}",
        &e.pki.agency.signer,
        &e.pki.agency.cert,
        &[],
        now(),
        None,
    )
    .unwrap();
    e.repo.edit(&id, |r| r.data_signature = over_other_data);
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::DataSignatureInvalid),
    );
}

#[tokio::test]
async fn a_wrong_check_character_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let mut licence = issued.licence.clone();
    licence.id.check = if licence.id.check == 'A' { 'B' } else { 'A' };
    let sealing = crate::licence::metadata::Sealing {
        sealer: licence.issuer_name.clone(),
        time: crate::clock::rfc3339(now()),
        seal_name: e.seal.name.clone(),
    };
    let meta = crate::licence::metadata::metadata(&licence, kind, Some(&sealing));
    let face = crate::licence::face::render(&licence, kind, "HTTPS://X/V/1", &meta, now()).unwrap();
    let sealed = crate::document::ofd_write::seal_ofd(
        &face,
        &e.seal,
        &e.pki.agency.signer,
        &e.pki.agency.cert,
        crate::document::ofd_write::Placement::At {
            page: 0,
            x_mm: 10.0,
            y_mm: 10.0,
        },
        now(),
        None,
    )
    .unwrap();
    let r = e.own_ofd(&sealed).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::IdentifierInvalid),
    );
}
