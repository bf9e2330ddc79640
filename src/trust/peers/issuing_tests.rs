//! Tests of list signers, assurance levels and withdrawn issuing CAs.

use super::tests::*;
use crate::trust::list::{CurrentService, RegionId, SupplyPoints, next_version, set_status, sign};
use crate::verify::report::CertReport;

/// A pinned list signer must still be a trust-list signer: a pinned CA certificate (no
/// trust-list EKU) signing a list is refused with the reason.
#[tokio::test]
async fn a_pinned_signer_must_be_a_trust_list_signer() {
    let (ca_signer, ca_cert) = self_signed("pinned CA", true);
    let (_, root) = self_signed("peer root", true);
    let clock = Arc::new(Clock(std::sync::atomic::AtomicI64::new(T0)));
    let f = federation(&ca_cert, clock).await;
    let l = list(None, &root, T0, 3600);
    let e = f
        .offer("pa", &sign(&l, &ca_signer, &ca_cert, T0).unwrap(), T0)
        .await;
    assert!(
        matches!(&e, Err(ListError::SignerPurpose(m)) if m.contains("CA certificate")),
        "{e:?}"
    );
}

/// The reported assurance is what the path validated (valid_policy_set), not what the
/// end entity asserts: an anyPolicy-only path gives none; a peer's level is mapped.
#[tokio::test]
async fn assurance_comes_from_the_valid_policy_set() {
    let (_, own_root) = self_signed("own root", true);
    let high = "1.3.6.1.4.1.32473.1.2.3";
    let cfg: TrustConfig =
        toml::from_str(&format!("[list.assurance_levels]\n\"{high}\" = \"high\"\n")).unwrap();
    let f = Federation::new(
        ("me", "Me"),
        vec![own_root.clone()],
        cfg,
        Path::new("."),
        Arc::new(MemRepo::default()),
    )
    .await
    .unwrap();
    let review = |set: &[&str]| {
        let mut r = passed_report(&own_root);
        r.valid_policy_set = set.iter().map(|s| s.to_string()).collect();
        f.review(&mut r, b"target", T0, ChainRole::Signer);
        let rec = r.recognition.expect("own-region recognition");
        assert_eq!(rec.via, crate::verify::report::Via::OwnRegion);
        rec.assurance
    };
    assert_eq!(review(&["anyPolicy"]), None);
    assert_eq!(review(&["1.2.3.4"]), None);
    assert_eq!(
        review(&["1.2.3.4", high]).as_deref(),
        Some("high (1.3.6.1.4.1.32473.1.2.3)")
    );
}

#[tokio::test]
async fn a_withdrawn_issuing_ca_stops_recognition_from_its_withdrawal() {
    let (signer, signer_cert) = self_signed("list signer", false);
    let (_, root) = self_signed("peer root", true);
    let (_, issuing) = self_signed("peer issuing", true);
    let clock = Arc::new(Clock(std::sync::atomic::AtomicI64::new(T0 + 100)));
    let f = federation(&signer_cert, clock).await;
    let svc = |id: &str, kind, cert: &[u8]| CurrentService {
        id: id.into(),
        kind,
        algorithm: "sm2".into(),
        cert: cert.to_vec(),
        policies: vec![],
        assurance_levels: Default::default(),
        supply_points: SupplyPoints::default(),
    };
    let mut l = next_version(
        RegionId {
            code: "pa".into(),
            name: "Peer A".into(),
        },
        None,
        &[
            svc("sm2-root", ServiceKind::RootCa, &root),
            svc("sm2-issuing", ServiceKind::IssuingCa, &issuing),
        ],
        T0,
        3600,
    );
    assert!(set_status(
        &mut l,
        "sm2-issuing",
        ServiceStatus::Withdrawn,
        T0 + 50
    ));
    f.offer(
        "pa",
        &sign(&l, &signer, &signer_cert, T0).unwrap(),
        T0 + 100,
    )
    .await
    .unwrap();
    for (at, passes) in [(T0 + 40, true), (T0 + 60, false)] {
        let mut r = passed_report(&root);
        r.path.push(CertReport {
            index: 1,
            subject: "CN=peer issuing".into(),
            serial: "07".into(),
            sha256: hex::encode(crate::crypto::sha256(&issuing)),
            not_after: None,
            checks: vec![],
        });
        f.review(&mut r, &root, at, ChainRole::Signer);
        assert_eq!(r.passed(), passes, "at {at}: {:?}", r.failure);
        if !passes {
            assert!(
                r.failure
                    .unwrap()
                    .rule
                    .contains("issuing CA service sm2-issuing")
            );
        }
    }
}
