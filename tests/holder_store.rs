//! The holder side's store on SQLite (always) and PostgreSQL (when `YINXIN_TEST_POSTGRES_URL`
//! is set): sessions and their end, grants and every reason an exchange is refused, the
//! holder's history newest first, the audit lines without the holder's hash, and 20 racing
//! exchanges of a grant of 5 uses.

mod common;
use common::*;
use std::sync::Arc;
use yinxin::holder::grant::{GrantRecord, Refusal};
use yinxin::holder::repo::{HolderEvent, HolderRepository};
use yinxin::holder::session::SessionRecord;
use yinxin::holder::{HolderIdentity, HolderKind, secret_hash};
use yinxin::pki::repo::Repository;
use yinxin::store::Store;

const AGENCY: &str = "11430000006122244L";
const OTHER_AGENCY: &str = "91350100M000100Y43";
const LICENCE: &str = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.00000001.001.X";
const T0: i64 = 1_750_000_000;

/// A person's holder hash (as the certificates' holder identifier would be).
fn person() -> String {
    secret_hash("110101199003077777")
}

fn grant(holder: &str, code: &str, max_uses: u32, created_at: i64) -> GrantRecord {
    GrantRecord {
        id: secret_hash(code)[..24].to_string(),
        code_hash: secret_hash(code),
        holder_hash: holder.into(),
        licence: LICENCE.into(),
        agency: AGENCY.into(),
        service_item: "企业开办".into(),
        case_number: "BJ-2025-0001".into(),
        created_at,
        until: created_at + 3600,
        max_uses,
        uses: 0,
        unmask: code.ends_with("unmask"),
        withdrawn_at: None,
    }
}

fn grant_event(g: &GrantRecord) -> HolderEvent {
    let mut e = HolderEvent::new(&g.holder_hash, g.created_at, "grant", "holder");
    e.detail = format!("{} {}", g.service_item, g.case_number);
    e
}

fn exchange(at: i64) -> (HolderEvent, HolderEvent) {
    let mut used = HolderEvent::new("", at, "exchange", "token:agency");
    used.detail = "企业开办".into();
    let refused = HolderEvent::new("", at, "exchange-refused", "token:agency");
    (used, refused)
}

async fn use_at(
    s: &dyn HolderRepository,
    code: &str,
    agency: &str,
    at: i64,
) -> Result<GrantRecord, Refusal> {
    let (used, refused) = exchange(at);
    s.use_grant(&secret_hash(code), agency, at, &used, &refused)
        .await
        .unwrap()
}

async fn sessions(s: &dyn HolderRepository, holder: &str) {
    let rec = SessionRecord {
        id_hash: secret_hash("session-1"),
        holder: HolderIdentity {
            kind: HolderKind::Person,
            holder_hash: holder.into(),
            display_name: "张**".into(),
        },
        created_at: T0,
        expires_at: T0 + 1800,
    };
    let sign_in = HolderEvent::new(holder, T0, "sign-in", "holder");
    s.create_session(&rec, &sign_in).await.unwrap();
    assert_eq!(
        s.session(&rec.id_hash, T0).await.unwrap(),
        Some(rec.clone())
    );
    assert_eq!(
        s.session(&rec.id_hash, T0 + 1799).await.unwrap(),
        Some(rec.clone())
    );
    // Ended at its expiry.
    assert_eq!(s.session(&rec.id_hash, T0 + 1800).await.unwrap(), None);
    assert_eq!(s.session("no-such-hash", T0).await.unwrap(), None);
    // The same hash twice is refused, and writes no second event.
    assert!(s.create_session(&rec, &sign_in).await.is_err());
    // An event of another holder, or of another kind, is refused.
    let mut other = rec.clone();
    other.id_hash = secret_hash("session-x");
    assert!(
        s.create_session(
            &other,
            &HolderEvent::new("someone", T0, "sign-in", "holder")
        )
        .await
        .is_err()
    );
    assert!(
        s.create_session(&other, &HolderEvent::new(holder, T0, "show", "holder"))
            .await
            .is_err()
    );
    assert_eq!(s.session(&other.id_hash, T0).await.unwrap(), None);

    // An organization's session, and an old one: ending one also clears expired ones.
    let org = SessionRecord {
        id_hash: secret_hash("session-2"),
        holder: HolderIdentity {
            kind: HolderKind::Organization,
            holder_hash: OTHER_AGENCY.into(),
            display_name: "广州**公司".into(),
        },
        created_at: T0,
        expires_at: T0 + 100,
    };
    s.create_session(
        &org,
        &HolderEvent::new(OTHER_AGENCY, T0, "sign-in", "holder"),
    )
    .await
    .unwrap();
    let mut later = rec.clone();
    later.id_hash = secret_hash("session-3");
    later.expires_at = T0 + 10_000;
    s.create_session(&later, &sign_in).await.unwrap();
    assert_eq!(
        s.session(&org.id_hash, T0).await.unwrap(),
        Some(org.clone())
    );
    s.end_session(&later.id_hash, T0 + 5000).await.unwrap();
    for h in [&rec.id_hash, &org.id_hash, &later.id_hash] {
        // Gone: not even a time before their expiry finds them.
        assert_eq!(s.session(h, T0).await.unwrap(), None, "{h}");
    }
}

async fn grants(s: &dyn HolderRepository, holder: &str) {
    // Insert and list, newest first.
    let a = grant(holder, "code-a", 2, T0 + 10);
    let b = grant(holder, "code-b-unmask", 1, T0 + 20);
    let c = grant(holder, "code-c", 3, T0 + 30);
    for g in [&a, &b, &c] {
        s.insert_grant(g, &grant_event(g)).await.unwrap();
    }
    assert_eq!(
        s.grants_of(holder, 10).await.unwrap(),
        [c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        s.grants_of(holder, 1).await.unwrap(),
        std::slice::from_ref(&c)
    );
    assert_eq!(
        s.grants_of(holder, 0).await.unwrap(),
        std::slice::from_ref(&c)
    );
    assert!(s.grants_of("nobody", 10).await.unwrap().is_empty());
    // The same code again is refused.
    let mut dup = grant(holder, "code-a", 1, T0 + 40);
    dup.id = "another-id".into();
    assert!(s.insert_grant(&dup, &grant_event(&dup)).await.is_err());
    assert_eq!(s.grants_of(holder, 10).await.unwrap().len(), 3);

    // Used twice, then used up.
    let first = use_at(s, "code-a", AGENCY, T0 + 100).await.unwrap();
    assert_eq!(first.uses, 1);
    assert_eq!((first.id.as_str(), first.max_uses), (a.id.as_str(), 2));
    let second = use_at(s, "code-a", AGENCY, T0 + 101).await.unwrap();
    assert_eq!(second.uses, 2);
    assert_eq!(
        use_at(s, "code-a", AGENCY, T0 + 102).await,
        Err(Refusal::UsedUp)
    );
    // Another agency (checked first: even a used-up grant says so).
    assert_eq!(
        use_at(s, "code-c", OTHER_AGENCY, T0 + 103).await,
        Err(Refusal::OtherAgency)
    );
    assert_eq!(
        use_at(s, "code-a", OTHER_AGENCY, T0 + 104).await,
        Err(Refusal::OtherAgency)
    );
    // Withdrawn: only by its holder, once; then refused.
    let w = |at| HolderEvent::new(holder, at, "withdraw", "holder");
    assert!(
        !s.withdraw_grant(
            "nobody",
            &b.id,
            T0 + 105,
            &HolderEvent::new("nobody", T0 + 105, "withdraw", "holder")
        )
        .await
        .unwrap()
    );
    assert!(
        !s.withdraw_grant(holder, "no-such-grant", T0 + 105, &w(T0 + 105))
            .await
            .unwrap()
    );
    assert!(
        s.withdraw_grant(holder, &b.id, T0 + 106, &w(T0 + 106))
            .await
            .unwrap()
    );
    assert!(
        !s.withdraw_grant(holder, &b.id, T0 + 107, &w(T0 + 107))
            .await
            .unwrap()
    );
    assert_eq!(
        use_at(s, "code-b-unmask", AGENCY, T0 + 108).await,
        Err(Refusal::Withdrawn)
    );
    // Expired at its `until`.
    assert_eq!(
        use_at(s, "code-c", AGENCY, c.until).await,
        Err(Refusal::Expired)
    );
    // Unknown code.
    assert_eq!(
        use_at(s, "code-nope", AGENCY, T0 + 109).await,
        Err(Refusal::Unknown)
    );

    // The grants as stored now.
    let now = s.grants_of(holder, 10).await.unwrap();
    assert_eq!(now[0].uses, 0, "c was never used");
    assert_eq!(now[1].withdrawn_at, Some(T0 + 106));
    assert!(now[1].unmask);
    assert_eq!((now[2].uses, now[2].withdrawn_at), (2, None));
}

async fn history(s: &dyn HolderRepository, holder: &str) {
    let mut show = HolderEvent::new(holder, T0 + 200, "show", "holder");
    show.licence = Some(LICENCE.into());
    s.append_event(&show).await.unwrap();
    // Kinds written with their change cannot be appended alone.
    for kind in [
        "grant",
        "exchange",
        "exchange-refused",
        "withdraw",
        "sign-in",
    ] {
        assert!(
            s.append_event(&HolderEvent::new(holder, T0, kind, "holder"))
                .await
                .is_err(),
            "{kind}"
        );
    }

    let events = s.events_of(holder, 1000).await.unwrap();
    let lines: Vec<(&str, Option<&str>, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.grant.as_deref(), e.detail.as_str()))
        .collect();
    let a = secret_hash("code-a")[..24].to_string();
    let b = secret_hash("code-b-unmask")[..24].to_string();
    let c = secret_hash("code-c")[..24].to_string();
    assert_eq!(
        lines,
        [
            ("show", None, ""),
            ("exchange-refused", Some(c.as_str()), "expired"),
            ("exchange-refused", Some(b.as_str()), "withdrawn"),
            ("withdraw", Some(b.as_str()), ""),
            ("exchange-refused", Some(a.as_str()), "other-agency"),
            ("exchange-refused", Some(c.as_str()), "other-agency"),
            ("exchange-refused", Some(a.as_str()), "used-up"),
            ("exchange", Some(a.as_str()), "企业开办"),
            ("exchange", Some(a.as_str()), "企业开办"),
            ("grant", Some(c.as_str()), "企业开办 BJ-2025-0001"),
            ("grant", Some(b.as_str()), "企业开办 BJ-2025-0001"),
            ("grant", Some(a.as_str()), "企业开办 BJ-2025-0001"),
            ("sign-in", None, ""),
            ("sign-in", None, ""),
        ],
        "{events:#?}"
    );
    // Ids strictly decreasing; the store filled in the holder, licence and agency.
    assert!(events.windows(2).all(|w| w[0].id > w[1].id));
    for e in &events {
        assert_eq!(e.holder_hash, holder);
        if e.grant.is_some() {
            assert_eq!(e.licence.as_deref(), Some(LICENCE), "{e:?}");
        }
    }
    let refused_other = &events[4];
    assert_eq!(refused_other.agency.as_deref(), Some(OTHER_AGENCY));
    assert_eq!(refused_other.actor, "token:agency");
    assert_eq!(events[7].agency.as_deref(), Some(AGENCY));
    assert_eq!(events[7].at, T0 + 101);
    // Limits: newest first, clamped to 1..=1000.
    assert_eq!(s.events_of(holder, 2).await.unwrap(), events[..2]);
    assert_eq!(s.events_of(holder, 0).await.unwrap(), events[..1]);
    assert_eq!(s.events_of(holder, u32::MAX).await.unwrap(), events);
    assert!(s.events_of("nobody", 10).await.unwrap().is_empty());
    // The organization's sign-in is its own.
    let org = s.events_of(OTHER_AGENCY, 10).await.unwrap();
    assert_eq!(org.len(), 1);
    assert_eq!(org[0].kind, "sign-in");
}

async fn audit(store: &Store, holder: &str) {
    let audit = store.audit(0, 1000).await.unwrap();
    let lines: Vec<_> = audit
        .iter()
        .filter(|a| a.action.starts_with("holder."))
        .collect();
    let count = |action: &str| lines.iter().filter(|a| a.action == action).count();
    assert_eq!(count("holder.sign-in"), 3, "{lines:#?}");
    assert_eq!(count("holder.grant"), 3);
    assert_eq!(count("holder.exchange"), 2);
    assert_eq!(count("holder.exchange-refused"), 6);
    assert_eq!(count("holder.withdraw"), 1);
    assert_eq!(count("holder.show"), 1);
    assert_eq!(lines.len(), 16);
    for a in &lines {
        assert!(!a.detail.contains(holder), "{a:?}");
        assert!(!a.object.contains(holder), "{a:?}");
        if a.action == "holder.exchange-refused" {
            assert_eq!(a.outcome, "rejected");
        } else {
            assert_eq!(a.outcome, "success");
        }
        if a.action != "holder.sign-in" && a.object != "grant:unknown" {
            assert_eq!(a.object, format!("licence:{LICENCE}"), "{a:?}");
        }
    }
    let a_id = secret_hash("code-a")[..24].to_string();
    let used = lines
        .iter()
        .find(|a| a.action == "holder.exchange")
        .unwrap();
    assert_eq!(used.actor, "token:agency");
    assert_eq!(used.at, (T0 + 100) * 1000);
    assert_eq!(
        used.detail,
        format!("grant:{a_id} agency:{AGENCY} 企业开办")
    );
    let unknown: Vec<_> = lines
        .iter()
        .filter(|a| a.object == "grant:unknown")
        .collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].action, "holder.exchange-refused");
    assert_eq!(unknown[0].detail, format!("unknown-code agency:{AGENCY}"));
    let sign_in = lines.iter().find(|a| a.action == "holder.sign-in").unwrap();
    assert_eq!(
        (sign_in.object.as_str(), sign_in.actor.as_str()),
        ("holder", "holder")
    );
}

async fn race(store: Arc<Store>) {
    // 20 agencies' requests at once on a grant of 5 uses: exactly 5 are counted.
    let holder = secret_hash("race-holder");
    let g = grant(&holder, "code-race", 5, T0);
    store.insert_grant(&g, &grant_event(&g)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            let (used, refused) = exchange(T0 + 1);
            st.use_grant(
                &secret_hash("code-race"),
                AGENCY,
                T0 + 1 + i,
                &used,
                &refused,
            )
            .await
            .unwrap()
        }));
    }
    let mut ok = Vec::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(g) => ok.push(g.uses),
            Err(Refusal::UsedUp) => refused += 1,
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    ok.sort_unstable();
    assert_eq!(ok, [1, 2, 3, 4, 5], "each success saw its own count");
    assert_eq!(refused, 15);
    assert_eq!(store.grants_of(&holder, 10).await.unwrap()[0].uses, 5);
    let events = store.events_of(&holder, 100).await.unwrap();
    let n = |k: &str| events.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (n("exchange"), n("exchange-refused"), n("grant")),
        (5, 15, 1)
    );
}

async fn exercise(url: &str) {
    let store = Arc::new(Store::connect(url).await.unwrap());
    let s: &dyn HolderRepository = &*store;
    let holder = person();
    sessions(s, &holder).await;
    grants(s, &holder).await;
    history(s, &holder).await;
    audit(&store, &holder).await;
    race(store.clone()).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_holder_store() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("holders.db").display()
    );
    exercise(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_holder_store() {
    let Some(base) = postgres_url("postgres_holder_store") else {
        return;
    };
    let db = TempPg::create(&base).await;
    exercise(&db.url).await;
    db.drop_database().await;
}
