//! The e-licence registry store on SQLite (always) and PostgreSQL (when
//! `YINXIN_TEST_POSTGRES_URL` is set): insert and the lookups, duplicates named, supersede and
//! status changes as check-and-set (also under a race), events and their audit lines, rows
//! that cannot be deleted, and serial counters under 50 concurrent callers.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use yinxin::licence::identifier::LicenceId;
use yinxin::licence::record::{Event, Status};
use yinxin::licence::repo::*;
use yinxin::pki::repo::Repository;
use yinxin::store::Store;

const TYPE: &str = "11100000000013338W011";
const ISSUER: &str = "11430000006122244L";
const OTHER_ISSUER: &str = "91350100M000100Y43";

fn id(issuer: &str, serial: u64, version: u16) -> LicenceId {
    LicenceId::new(TYPE, issuer, &format!("{serial:08}"), version).unwrap()
}

fn row(lid: &LicenceId, holder: &str, external_key: Option<&str>) -> LicenceRow {
    LicenceRow {
        identifier: lid.to_string(),
        lineage: lid.lineage(),
        kind: "business-licence".into(),
        type_code: lid.type_code.clone(),
        issuer_code: lid.issuer_code.clone(),
        issuer_name: "测试市市场监督管理局".into(),
        serial: lid.serial.clone(),
        version: lid.version,
        holder_name: "测试有限公司".into(),
        holder_hash: holder.into(),
        number: format!("NO-{}-{}", lid.serial, lid.version),
        issue_date: "2025-01-02".into(),
        valid_from: "2025-01-02".into(),
        valid_to: if lid.version == 1 {
            None
        } else {
            Some("2030-01-01".into())
        },
        status: Status::Active,
        superseded_by: None,
        status_reason: None,
        external_key: external_key.map(str::to_string),
        data: vec![0xA1, 0x01, lid.version as u8],
        data_signature: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        document_sha256: yinxin::licence::blobs::sha256_hex(lid.to_string().as_bytes()),
        issued_at: 1_735_776_000 + i64::from(lid.version),
        updated_at: 1_735_776_000 + i64::from(lid.version),
        // Kept for first versions, absent (as in rows from before the column) for others.
        qr_text: (lid.version == 1).then(|| format!("HTTP://EXAMPLE/V/{}", lid.serial)),
    }
}

fn ev(licence: &str, event: Event, reason: Option<&str>, at: i64) -> LicenceEventRow {
    LicenceEventRow {
        licence: licence.into(),
        event,
        actor: "token:test".into(),
        reason: reason.map(str::to_string),
        at,
    }
}

fn issue_event(r: &LicenceRow) -> LicenceEventRow {
    ev(&r.identifier, Event::Issue, None, r.issued_at)
}

async fn exercise(url: &str) {
    let store = Arc::new(Store::connect(url).await.unwrap());
    let s: &dyn LicenceRepository = &*store;

    // Insert and every lookup.
    let serial = s.next_serial(ISSUER, TYPE).await.unwrap();
    assert_eq!(serial, 1, "a new (issuer, type) counts from 1");
    let v1 = row(&id(ISSUER, serial, 1), "holder-a", Some("import-1"));
    s.insert_issued(&v1, &issue_event(&v1)).await.unwrap();
    assert_eq!(s.by_identifier(&v1.identifier).await.unwrap().unwrap(), v1);
    assert_eq!(
        s.by_lineage(&v1.lineage).await.unwrap(),
        std::slice::from_ref(&v1)
    );
    assert_eq!(s.current_version(&v1.lineage).await.unwrap().unwrap(), v1);
    assert_eq!(
        s.by_external_key(ISSUER, "import-1")
            .await
            .unwrap()
            .unwrap(),
        v1
    );
    assert!(
        s.by_external_key(OTHER_ISSUER, "import-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.by_identifier("1.2.156.3005.2.X").await.unwrap().is_none());
    assert!(s.by_lineage("none").await.unwrap().is_empty());
    assert!(s.current_version("none").await.unwrap().is_none());
    assert_eq!(s.events(&v1.identifier).await.unwrap(), [issue_event(&v1)]);

    // Holders: newest first, limited; no external key is needed and NULL keys never clash.
    let a2 = row(
        &id(ISSUER, s.next_serial(ISSUER, TYPE).await.unwrap(), 1),
        "holder-a",
        None,
    );
    let b1 = row(
        &id(ISSUER, s.next_serial(ISSUER, TYPE).await.unwrap(), 1),
        "holder-b",
        None,
    );
    let mut a2 = a2;
    a2.issued_at += 100;
    for r in [&a2, &b1] {
        s.insert_issued(r, &issue_event(r)).await.unwrap();
    }
    let held = s.by_holder("holder-a", 10).await.unwrap();
    assert_eq!(held, [a2.clone(), v1.clone()]);
    assert_eq!(s.by_holder("holder-a", 1).await.unwrap(), [a2.clone()]);
    assert_eq!(
        s.by_holder("holder-b", 0).await.unwrap(),
        std::slice::from_ref(&b1)
    );
    assert!(s.by_holder("holder-z", 10).await.unwrap().is_empty());
    // The list lines read from the index are those of the whole rows, in the same order.
    assert_eq!(
        s.held_by("holder-a", 10).await.unwrap(),
        [LicenceSummary::of(&a2), LicenceSummary::of(&v1)]
    );
    assert_eq!(
        s.held_by("holder-a", 1).await.unwrap(),
        [LicenceSummary::of(&a2)]
    );
    assert!(s.held_by("holder-z", 10).await.unwrap().is_empty());

    duplicates(s, &v1).await;
    let v3 = supersede(s, &v1).await;
    statuses(s, &v1, &v3).await;
    // After supersession and status changes the list still says what the rows say.
    let list = s.held_by(&v1.holder_hash, 1000).await.unwrap();
    let rows = s.by_holder(&v1.holder_hash, 1000).await.unwrap();
    assert!(list.len() >= 3, "{list:?}");
    assert!(list.iter().any(|l| l.superseded_by.is_some()), "{list:?}");
    assert_eq!(
        list,
        rows.iter().map(LicenceSummary::of).collect::<Vec<_>>()
    );
    audit_and_no_deletes(&store, url, &v1).await;
    serials(store.clone()).await;
    store.close().await;
}

async fn duplicates(s: &dyn LicenceRepository, v1: &LicenceRow) {
    let dup = |r: Result<(), LicenceStoreError>| match r {
        Err(LicenceStoreError::Duplicate { what }) => what,
        other => panic!("expected a duplicate, got {other:?}"),
    };
    // The same identifier again (an idempotent retry without a key).
    let mut again = v1.clone();
    again.external_key = None;
    assert_eq!(
        dup(s.insert_issued(&again, &issue_event(&again)).await),
        Unique::Identifier
    );
    // Another licence under the issuer's used external key.
    let other = row(&id(ISSUER, 900, 1), "holder-c", Some("import-1"));
    assert_eq!(
        dup(s.insert_issued(&other, &issue_event(&other)).await),
        Unique::ExternalKey
    );
    // The same type, serial and version under another check character.
    let mut variant = v1.clone();
    let (body, check) = v1.identifier.split_at(v1.identifier.len() - 1);
    variant.identifier = format!("{body}{}", if check == "X" { "Y" } else { "X" });
    assert_ne!(variant.identifier, v1.identifier);
    variant.external_key = Some("import-other".into());
    assert_eq!(
        dup(s.insert_issued(&variant, &issue_event(&variant)).await),
        Unique::SerialVersion
    );
    // Nothing of a refused insert is kept.
    assert!(s.by_identifier(&other.identifier).await.unwrap().is_none());
    assert!(s.events(&other.identifier).await.unwrap().is_empty());
    assert!(
        s.by_identifier(&variant.identifier)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.events(&v1.identifier).await.unwrap().len(), 1);
    // Another issuer may use the same external key.
    let theirs = row(&id(OTHER_ISSUER, 1, 1), "holder-c", Some("import-1"));
    s.insert_issued(&theirs, &issue_event(&theirs))
        .await
        .unwrap();
    assert_eq!(
        s.by_external_key(OTHER_ISSUER, "import-1")
            .await
            .unwrap()
            .unwrap(),
        theirs
    );
    // An event that is not this licence's issue is a caller's bug.
    let fresh = row(&id(ISSUER, 901, 1), "holder-c", None);
    assert!(matches!(
        s.insert_issued(&fresh, &ev(&fresh.identifier, Event::Revoke, None, 1))
            .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert!(s.by_identifier(&fresh.identifier).await.unwrap().is_none());
}

/// v1 → v2 → v3 (the last one raced by two callers). Returns v3.
async fn supersede(s: &dyn LicenceRepository, v1: &LicenceRow) -> LicenceRow {
    let lid = LicenceId::parse(&v1.identifier).unwrap();
    let v2 = row(&lid.with_version(2).unwrap(), &v1.holder_hash, None);
    let change = |old: &str, at: i64| ev(old, Event::Supersede, Some("变更住所"), at);
    s.supersede(
        &v1.identifier,
        &v2,
        &change(&v1.identifier, 2000),
        &issue_event(&v2),
    )
    .await
    .unwrap();
    let old = s.by_identifier(&v1.identifier).await.unwrap().unwrap();
    assert_eq!(old.status, Status::Superseded);
    assert_eq!(old.superseded_by.as_deref(), Some(v2.identifier.as_str()));
    assert_eq!(old.updated_at, 2000);
    assert_eq!(old.data, v1.data, "only the status columns change");
    // The status read selects the same as the whole row says (superseded, pointing at v2).
    assert_eq!(
        s.status_of(&v1.identifier).await.unwrap().unwrap(),
        yinxin::licence::repo::StatusRow::of(&old)
    );
    assert_eq!(
        s.status_of(&v2.identifier).await.unwrap().unwrap(),
        yinxin::licence::repo::StatusRow::of(&v2)
    );
    assert!(s.status_of("1.2.156.3005.2.X").await.unwrap().is_none());
    assert_eq!(s.by_identifier(&v2.identifier).await.unwrap().unwrap(), v2);
    assert_eq!(
        s.by_lineage(&v1.lineage)
            .await
            .unwrap()
            .iter()
            .map(|r| r.version)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(s.current_version(&v1.lineage).await.unwrap().unwrap(), v2);
    assert_eq!(
        s.events(&v1.identifier).await.unwrap(),
        [issue_event(v1), change(&v1.identifier, 2000)]
    );
    assert_eq!(s.events(&v2.identifier).await.unwrap(), [issue_event(&v2)]);

    // Superseding the same old version again: Conflict, and the new row is not kept.
    let v3 = row(&lid.with_version(3).unwrap(), &v1.holder_hash, None);
    match s
        .supersede(
            &v1.identifier,
            &v3,
            &change(&v1.identifier, 3000),
            &issue_event(&v3),
        )
        .await
    {
        Err(LicenceStoreError::Conflict(m)) => assert!(m.contains("superseded"), "{m}"),
        other => panic!("second supersede of v1: {other:?}"),
    }
    assert!(s.by_identifier(&v3.identifier).await.unwrap().is_none());
    assert_eq!(s.events(&v1.identifier).await.unwrap().len(), 2);
    // Absent, another lineage, or mismatched events.
    assert!(matches!(
        s.supersede("nope", &v3, &change("nope", 1), &issue_event(&v3))
            .await,
        Err(LicenceStoreError::NotFound(_))
    ));
    let stranger = row(&id(ISSUER, 777, 2), "holder-a", None);
    assert!(matches!(
        s.supersede(
            &v2.identifier,
            &stranger,
            &change(&v2.identifier, 1),
            &issue_event(&stranger)
        )
        .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert!(matches!(
        s.supersede(
            &v2.identifier,
            &v3,
            &change(&v1.identifier, 1),
            &issue_event(&v3)
        )
        .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert_eq!(
        s.by_identifier(&v2.identifier)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Active
    );

    // A new version that clashes (here: an external key the issuer used) leaves the old one
    // as it was.
    let mut clashing = v3.clone();
    clashing.external_key = Some("import-1".into());
    match s
        .supersede(
            &v2.identifier,
            &clashing,
            &change(&v2.identifier, 2500),
            &issue_event(&v3),
        )
        .await
    {
        Err(LicenceStoreError::Duplicate { what }) => assert_eq!(what, Unique::ExternalKey),
        other => panic!("clashing new version: {other:?}"),
    }
    assert_eq!(s.by_identifier(&v2.identifier).await.unwrap().unwrap(), v2);
    assert!(s.by_identifier(&v3.identifier).await.unwrap().is_none());
    assert_eq!(s.events(&v2.identifier).await.unwrap().len(), 1);

    // Two callers change v2 at once: exactly one wins, the other sees the check fail.
    let (first, second, issued) = (
        change(&v2.identifier, 3000),
        change(&v2.identifier, 3001),
        issue_event(&v3),
    );
    let (a, b) = tokio::join!(
        s.supersede(&v2.identifier, &v3, &first, &issued),
        s.supersede(&v2.identifier, &v3, &second, &issued),
    );
    let results = [a, b];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(LicenceStoreError::Conflict(_)))),
        "{results:?}"
    );
    assert_eq!(s.events(&v2.identifier).await.unwrap().len(), 2);
    assert_eq!(s.current_version(&v1.lineage).await.unwrap().unwrap(), v3);
    v3
}

async fn statuses(s: &dyn LicenceRepository, v1: &LicenceRow, v3: &LicenceRow) {
    use Status::*;
    let id = v3.identifier.as_str();
    let set = |from: &'static [Status], to: Status, reason: Option<&'static str>, e: Event, at| {
        let event = ev(id, e, reason, at);
        async move { s.set_status(id, from, to, reason, &event).await }
    };
    set(&[Active], Suspended, Some("待核查"), Event::Suspend, 4000)
        .await
        .unwrap();
    let r = s.by_identifier(id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.status_reason.as_deref(), r.updated_at),
        (Suspended, Some("待核查"), 4000)
    );
    // The same change again: its starting status is gone.
    assert!(matches!(
        set(&[Active], Suspended, Some("again"), Event::Suspend, 4001).await,
        Err(LicenceStoreError::Conflict(_))
    ));
    set(&[Suspended], Active, None, Event::Resume, 4100)
        .await
        .unwrap();
    let r = s.by_identifier(id).await.unwrap().unwrap();
    assert_eq!((r.status, r.status_reason), (Active, None));
    set(
        &[Active, Suspended],
        Revoked,
        Some("吊销"),
        Event::Revoke,
        4200,
    )
    .await
    .unwrap();
    // Revoked is final.
    assert!(matches!(
        set(&[Suspended], Active, None, Event::Resume, 4300).await,
        Err(LicenceStoreError::Conflict(_))
    ));
    assert!(matches!(
        set(
            &[Active, Suspended],
            Revoked,
            Some("again"),
            Event::Revoke,
            4301
        )
        .await,
        Err(LicenceStoreError::Conflict(_))
    ));
    let r = s.by_identifier(id).await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.status_reason.as_deref(), r.updated_at),
        (Revoked, Some("吊销"), 4200)
    );
    assert_eq!(
        s.events(id)
            .await
            .unwrap()
            .iter()
            .map(|e| (e.event, e.reason.clone(), e.at))
            .collect::<Vec<_>>(),
        [
            (Event::Issue, None, v3.issued_at),
            (Event::Suspend, Some("待核查".to_string()), 4000),
            (Event::Resume, None, 4100),
            (Event::Revoke, Some("吊销".to_string()), 4200),
        ]
    );
    // A superseded version cannot be revoked or resumed.
    let old = v1.identifier.as_str();
    assert!(matches!(
        s.set_status(
            old,
            &[Active, Suspended],
            Revoked,
            Some("x"),
            &ev(old, Event::Revoke, None, 1)
        )
        .await,
        Err(LicenceStoreError::Conflict(_))
    ));
    // Absent; superseding outside `supersede`; an event that does not match.
    assert!(matches!(
        s.set_status(
            "nope",
            &[Active],
            Suspended,
            None,
            &ev("nope", Event::Suspend, None, 1)
        )
        .await,
        Err(LicenceStoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_status(
            old,
            &[Active],
            Superseded,
            None,
            &ev(old, Event::Supersede, None, 1)
        )
        .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert!(matches!(
        s.set_status(
            old,
            &[Active],
            Suspended,
            None,
            &ev(old, Event::Revoke, None, 1)
        )
        .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert!(matches!(
        s.set_status(old, &[], Suspended, None, &ev(old, Event::Suspend, None, 1))
            .await,
        Err(LicenceStoreError::Invalid(_))
    ));
    assert_eq!(s.events(old).await.unwrap().len(), 2);
}

async fn audit_and_no_deletes(store: &Store, url: &str, v1: &LicenceRow) {
    // Every event is in the audit log too (milliseconds), without its free-text reason.
    let audit = store.audit(0, 1000).await.unwrap();
    let lines: Vec<_> = audit
        .iter()
        .filter(|a| a.object == format!("licence:{}", v1.identifier))
        .map(|a| (a.action.as_str(), a.at, a.detail.as_str()))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].0, "licence.issue");
    assert_eq!(lines[1].0, "licence.change");
    assert_eq!(lines[1].1, 2_000_000);
    assert!(lines[1].2.starts_with("superseded by "));
    assert!(!audit.iter().any(|a| a.detail.contains("吊销")));
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action.starts_with("licence."))
            .count(),
        // v1, a2, b1, the other issuer's, v2 and v3 issued; v1 and v2 changed; 3 on v3.
        6 + 2 + 3
    );

    // The database itself refuses to delete licences or rewrite their events.
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for sql in [
        "DELETE FROM licences",
        "DELETE FROM licence_events",
        "UPDATE licence_events SET actor = 'someone else'",
    ] {
        assert!(
            sqlx::query(sql).execute(&pool).await.is_err(),
            "{sql} was allowed"
        );
    }
    pool.close().await;
    assert!(store.by_identifier(&v1.identifier).await.unwrap().is_some());
}

async fn serials(store: Arc<Store>) {
    // 50 concurrent callers on a new (issuer, type): 50 distinct values, 1 to 50.
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            st.next_serial(OTHER_ISSUER, "SERIALTYPE001").await.unwrap()
        }));
    }
    let mut got = BTreeSet::new();
    for t in tasks {
        assert!(
            got.insert(t.await.unwrap()),
            "a serial was handed out twice"
        );
    }
    assert_eq!(got, (1..=50).collect::<BTreeSet<u64>>());
    // Counters are per (issuer, type).
    assert_eq!(
        store
            .next_serial(OTHER_ISSUER, "SERIALTYPE002")
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.next_serial(ISSUER, TYPE).await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_licence_store() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("licences.db").display()
    );
    exercise(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_licence_store() {
    let Some(base) = postgres_url("postgres_licence_store") else {
        return;
    };
    let db = TempPg::create(&base).await;
    exercise(&db.url).await;
    db.drop_database().await;
}
