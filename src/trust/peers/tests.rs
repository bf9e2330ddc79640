//! Tests of list acceptance, staleness and expiry, with the fixtures (an in-memory
//! repository, a settable clock, self-signed certificates, lists) the other peer tests share.

pub(super) use super::*;
use crate::crypto::{Algorithm, PrivateKey, Signer};
use crate::pki::cert::{self, CertificateTemplate, NameBuilder, StringKind, attr};
pub(super) use crate::trust::PeerListRecord;
use crate::trust::list::{CurrentService, RegionId, SupplyPoints, TrustList, next_version, sign};
pub(super) use crate::trust::list::{ListError, ServiceKind, ServiceStatus};
pub(super) use crate::verify::hook::{ChainRole, TrustSource};
use crate::verify::report::Indication;
pub(super) use crate::verify::report::{Report, SubIndication};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

pub(super) const T0: i64 = 1_800_000_000;

#[derive(Default)]
pub(super) struct MemRepo(Mutex<Vec<PeerListRecord>>);

#[async_trait::async_trait]
impl TrustRepository for MemRepo {
    async fn latest_own_list(
        &self,
    ) -> Result<Option<super::super::OwnList>, crate::pki::repo::RepoError> {
        Ok(None)
    }
    async fn insert_own_list(
        &self,
        _: &super::super::OwnList,
        _: &crate::pki::repo::AuditEvent,
    ) -> Result<bool, crate::pki::repo::RepoError> {
        Ok(true)
    }
    async fn insert_peer_list(
        &self,
        r: &PeerListRecord,
    ) -> Result<(), crate::pki::repo::RepoError> {
        self.0.lock().unwrap().push(r.clone());
        Ok(())
    }
    async fn peer_lists(
        &self,
        region: &str,
    ) -> Result<Vec<PeerListRecord>, crate::pki::repo::RepoError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.region == region)
            .cloned()
            .collect())
    }
}

pub(super) struct Clock(pub(super) AtomicI64);
impl crate::clock::Clock for Clock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub(super) fn self_signed(cn: &str, ca: bool) -> (crate::crypto::SoftwareSigner, Vec<u8>) {
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = key.signer().unwrap();
    let name = NameBuilder::new()
        .push(attr::CN, StringKind::Utf8, cn)
        .build()
        .unwrap();
    let mut extensions = vec![];
    if ca {
        extensions.push(cert::extensions::basic_constraints(true, None).unwrap());
        extensions.push(cert::extensions::key_usage(&["keyCertSign", "cRLSign"]).unwrap());
    } else {
        // A trust-list signer's profile.
        extensions.push(cert::extensions::key_usage(&["digitalSignature"]).unwrap());
        extensions.push(
            cert::extensions::extended_key_usage(
                vec![crate::verify::purpose::EKU_TRUST_LIST_SIGNING],
                false,
            )
            .unwrap(),
        );
    }
    let der_bytes = cert::sign_certificate(
        &CertificateTemplate {
            serial: vec![7],
            issuer: name.clone(),
            subject: name,
            not_before: T0 - 86_400,
            not_after: T0 + 365 * 86_400,
            spki_der: signer.public_key_spki().to_vec(),
            extensions,
        },
        &signer,
    )
    .unwrap();
    (signer, der_bytes)
}

pub(super) fn list(prev: Option<&TrustList>, root: &[u8], now: i64, validity: i64) -> TrustList {
    next_version(
        RegionId {
            code: "pa".into(),
            name: "Peer A".into(),
        },
        prev,
        &[CurrentService {
            id: "sm2-root".into(),
            kind: ServiceKind::RootCa,
            algorithm: "sm2".into(),
            cert: root.to_vec(),
            policies: vec![],
            assurance_levels: Default::default(),
            supply_points: SupplyPoints::default(),
        }],
        now,
        validity,
    )
}

pub(super) async fn federation(pin: &[u8], clock: Arc<Clock>) -> Federation {
    federation_with(pin, clock, "").await
}

pub(super) async fn federation_with(pin: &[u8], clock: Arc<Clock>, extra: &str) -> Federation {
    let cfg: TrustConfig = toml::from_str(&format!(
        "[sync]\ngrace_seconds = 600\n[[peer]]\nregion = \"pa\"\nlist_url = \"http://127.0.0.1:9/\"\nsigner_sha256 = [\"{}\"]\naccept = [\"certificates\"]\n{extra}",
        hex::encode(crate::crypto::sha256(pin))
    ))
    .unwrap();
    Federation::new(
        ("me", "Me"),
        vec![],
        cfg,
        Path::new("."),
        Arc::new(MemRepo::default()),
    )
    .await
    .unwrap()
    .with_clock(clock)
}

pub(super) fn passed_report(anchor: &[u8]) -> Report {
    Report {
        indication: Indication::TotalPassed,
        sub_indication: None,
        anchor: Some("CN=root".into()),
        anchor_sha256: Some(hex::encode(crate::crypto::sha256(anchor))),
        recognition: None,
        path: vec![],
        revocation: vec![],
        valid_policy_set: vec![],
        failure: None,
        paths_tried: 1,
        signature_checks: 0,
    }
}

#[tokio::test]
async fn lists_are_checked_and_expire_after_the_grace_period() {
    let (signer, signer_cert) = self_signed("list signer", false);
    let (_, root) = self_signed("peer root", true);
    let (stranger, stranger_cert) = self_signed("stranger", false);
    let clock = Arc::new(Clock(AtomicI64::new(T0)));
    let f = federation(&signer_cert, clock.clone()).await;
    let at = |t: i64| clock.0.store(t, Ordering::SeqCst);
    assert_eq!(f.views()[0].state, Freshness::NeverSynced);

    // Expired on arrival; from the future; another region; an unpinned signer.
    let stale = list(None, &root, T0 - 7200, 3600);
    let e = f
        .offer("pa", &sign(&stale, &signer, &signer_cert, T0).unwrap(), T0)
        .await;
    assert!(matches!(e, Err(ListError::Expired(_))), "{e:?}");
    let future = list(None, &root, T0 + 3600, 3600);
    let e = f
        .offer("pa", &sign(&future, &signer, &signer_cert, T0).unwrap(), T0)
        .await;
    assert!(matches!(e, Err(ListError::FromTheFuture(_))), "{e:?}");
    let mut other = list(None, &root, T0, 3600);
    other.region.code = "pb".into();
    let e = f
        .offer("pa", &sign(&other, &signer, &signer_cert, T0).unwrap(), T0)
        .await;
    assert!(matches!(e, Err(ListError::WrongRegion { .. })), "{e:?}");
    let v1 = list(None, &root, T0, 3600);
    let e = f
        .offer("pa", &sign(&v1, &stranger, &stranger_cert, T0).unwrap(), T0)
        .await;
    assert!(matches!(e, Err(ListError::UnknownSigner(_))), "{e:?}");
    assert!(
        f.views()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("unknown signer")
    );

    // Accepted, then the same again, then a different list under the same number.
    let signed1 = sign(&v1, &signer, &signer_cert, T0).unwrap();
    assert_eq!(
        f.offer("pa", &signed1, T0).await.unwrap(),
        SyncOutcome::Accepted { sequence: 1 }
    );
    assert_eq!(
        f.offer("pa", &signed1, T0 + 1).await.unwrap(),
        SyncOutcome::Unchanged { sequence: 1 }
    );
    let mut twin = v1.clone();
    twin.next_update = crate::clock::rfc3339(T0 + 7200);
    let e = f
        .offer("pa", &sign(&twin, &signer, &signer_cert, T0).unwrap(), T0)
        .await;
    assert!(matches!(e, Err(ListError::Equivocation(1))), "{e:?}");
    // Version 2, then version 1 again: rollback.
    let v2 = list(Some(&v1), &root, T0 + 10, 3600);
    f.offer(
        "pa",
        &sign(&v2, &signer, &signer_cert, T0).unwrap(),
        T0 + 10,
    )
    .await
    .unwrap();
    let e = f.offer("pa", &signed1, T0 + 20).await;
    assert!(
        matches!(e, Err(ListError::Rollback { have: 2, got: 1 })),
        "{e:?}"
    );
    assert_eq!(f.views()[0].versions, [1, 2]);

    // Fresh → stale (within grace, still used) → expired (INDETERMINATE / TRY_LATER).
    let (anchors, _) = f.anchors();
    assert_eq!(anchors, std::slice::from_ref(&root));
    for (t, state, indication) in [
        (T0 + 100, Freshness::Fresh, Indication::TotalPassed),
        (
            T0 + 10 + 3600 + 300,
            Freshness::Stale,
            Indication::TotalPassed,
        ),
        (
            T0 + 10 + 3600 + 601,
            Freshness::Expired,
            Indication::Indeterminate,
        ),
    ] {
        at(t);
        assert_eq!(f.views()[0].state, state);
        let mut r = passed_report(&root);
        f.review(&mut r, &root, t, ChainRole::Signer);
        assert_eq!(r.indication, indication, "{state:?}");
        let rec = r.recognition.unwrap();
        assert_eq!(rec.list_sequence, Some(2));
        assert!(
            rec.summary
                .starts_with("recognized via region pa trust list #2")
        );
        if indication == Indication::Indeterminate {
            assert_eq!(r.sub_indication, Some(SubIndication::TryLater));
            assert!(r.failure.unwrap().rule.contains("expired"));
        }
    }
    // With roots pinned in trust.toml, a listed root that is not pinned anchors nothing.
    at(T0 + 100);
    for (pin, anchors) in [
        ("00".repeat(32), 0),
        (hex::encode(crate::crypto::sha256(&root)).to_uppercase(), 1),
    ] {
        let g = federation_with(
            &signer_cert,
            clock.clone(),
            &format!("root_sha256 = [\"{pin}\"]\n"),
        )
        .await;
        g.offer(
            "pa",
            &sign(&v2, &signer, &signer_cert, T0).unwrap(),
            T0 + 100,
        )
        .await
        .unwrap();
        assert_eq!(g.anchors().0.len(), anchors);
        let mut r = passed_report(&root);
        g.review(&mut r, &root, T0 + 100, ChainRole::Signer);
        assert_eq!(r.recognition.is_some(), anchors == 1);
        // An anchor no recognized list names (any more) vouches for nothing.
        assert_eq!(r.passed(), anchors == 1);
    }
    // Seals are not accepted from this peer; its root was not yet listed before T0.
    at(T0 + 100);
    let mut r = passed_report(&root);
    f.review(&mut r, &root, T0 + 100, ChainRole::SealMaker);
    assert_eq!(r.indication, Indication::TotalFailed);
    let mut r = passed_report(&root);
    f.review(&mut r, &root, T0 - 100, ChainRole::Signer);
    assert_eq!(r.indication, Indication::TotalFailed);
    assert!(r.failure.unwrap().rule.contains("not yet listed"));
}
