//! Gathering revocation data for a chain.

use super::*;

#[tokio::test]
async fn gather_walks_the_chain() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let pool = vec![fx.root.der.clone(), fx.issuing.der.clone()];
    let b = fx.base.clone();

    // Everything listed: OCSP for the leaf, the root's CRL for the issuing CA.
    let g = f.gather(&fx.leaf, &pool, &all).await;
    assert_eq!(g.ocsp.len(), 1, "{:?}", g.notes);
    assert_eq!(g.crls, vec![fx.srv.root_crl.clone()], "{:?}", g.notes);
    assert_eq!(g.notes.len(), 3, "{:?}", g.notes);
    // Each URL tried is reported with its outcome.
    let tried: Vec<(&str, &str, &str)> = g
        .urls
        .iter()
        .map(|e| (e.kind.as_str(), e.url.as_str(), e.outcome))
        .collect();
    let (ocsp_u, root_u) = (format!("{b}/ocsp"), format!("{b}/root.crl"));
    assert_eq!(
        tried,
        vec![
            ("OCSP", ocsp_u.as_str(), "fetched"),
            ("CRL", root_u.as_str(), "fetched")
        ]
    );
    assert!(g.notes[0].starts_with("CN=Test Leaf"), "{:?}", g.notes);
    assert!(
        g.notes[0].contains(&format!("OCSP {b}/ocsp: fetched")),
        "{:?}",
        g.notes
    );
    assert!(g.notes[1].contains("no OCSP responder"), "{:?}", g.notes);
    assert!(
        g.notes[1].contains(&format!("CRL {b}/root.crl: fetched")),
        "{:?}",
        g.notes
    );
    assert!(g.notes[2].contains("self-signed"), "{:?}", g.notes);
    assert_eq!(fx.srv.hits("/issuing.crl"), 0, "OCSP sufficed for the leaf");

    // Again: from the cache.
    let g2 = f.gather(&fx.leaf, &pool, &all).await;
    assert_eq!(
        (g2.ocsp.clone(), g2.crls.clone()),
        (g.ocsp.clone(), g.crls.clone())
    );
    assert!(
        g2.notes[0].contains("served from cache, fetched"),
        "{:?}",
        g2.notes
    );
    assert!(
        g2.urls.iter().all(|e| e.outcome == "cached"),
        "{:?}",
        g2.urls
    );
    assert!(g2.notes[1].contains("served from cache"), "{:?}", g2.notes);
    assert_eq!(fx.srv.hits("/ocsp"), 1);

    // The responder is not a supply point: the leaf falls back to its CRL and delta CRL.
    let ocsp_url = format!("{b}/ocsp");
    let no_ocsp = |u: &str| u != ocsp_url;
    let g3 = f.gather(&fx.leaf, &pool, &no_ocsp).await;
    assert!(g3.ocsp.is_empty());
    assert_eq!(
        g3.crls,
        vec![
            fx.srv.issuing_crl.clone(),
            fx.srv.delta_crl.clone(),
            fx.srv.root_crl.clone()
        ],
        "{:?}",
        g3.notes
    );
    assert!(
        g3.notes[0].contains(&format!(
            "OCSP {b}/ocsp refused: not a supply point of the issuing region's trust list"
        )),
        "{:?}",
        g3.notes
    );
    assert!(g3.notes[0].contains(&format!("delta CRL {b}/delta.crl: fetched")));
    assert_eq!(fx.srv.hits("/ocsp"), 1);

    // Nothing listed: nothing fetched, and the notes say why.
    let before = fx.srv.total();
    let g4 = f.gather(&fx.leaf, &pool, &|_: &str| false).await;
    assert!(g4.ocsp.is_empty() && g4.crls.is_empty());
    assert_eq!(g4.notes.len(), 3);
    assert!(
        !g4.urls.is_empty()
            && g4.urls.iter().all(|e| e.outcome == "not-allowed"
                && e.detail.as_deref().is_some_and(|d| d.contains("refused"))),
        "{:?}",
        g4.urls
    );
    assert!(
        g4.notes[0].contains("no revocation data obtained"),
        "{:?}",
        g4.notes
    );
    assert!(
        g4.notes[1].contains(&format!("CRL {b}/root.crl refused")),
        "{:?}",
        g4.notes
    );
    assert_eq!(fx.srv.total(), before);

    // The issuer is not in the pool: no OCSP (no issuer to name), CRLs only, and stop.
    f.clear();
    let g5 = f
        .gather(&fx.leaf, std::slice::from_ref(&fx.root.der), &all)
        .await;
    assert!(g5.ocsp.is_empty());
    assert_eq!(g5.crls.len(), 2, "{:?}", g5.notes);
    assert_eq!(g5.notes.len(), 2, "{:?}", g5.notes);
    assert!(g5.notes[0].contains("OCSP impossible"), "{:?}", g5.notes);
    assert!(
        g5.notes[1].contains("not followed further"),
        "{:?}",
        g5.notes
    );

    // Garbage in: a note, no panic.
    let g6 = f
        .gather(b"\x30\x03\x02\x01\x00", &[b"junk".to_vec()], &all)
        .await;
    assert_eq!(g6.notes.len(), 1);
    assert!(g6.crls.is_empty() && g6.ocsp.is_empty());
}
