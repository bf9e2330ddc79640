//! OCSP exchanges and the cache: reuse, expiry, nextUpdate, bounds, sharing, remembered
//! refusals.

use super::*;

#[tokio::test]
async fn ocsp_request_and_response() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let url = format!("{}/ocsp", fx.base);
    let got = f.ocsp(&url, &fx.leaf, &fx.issuing.der, &all).await.unwrap();
    assert!(!got.from_cache);
    assert!((got.fetched_at - crate::clock::now_secs()).abs() <= 1);
    let resp = OcspResponse::from_der(&got.der).unwrap();
    assert_eq!(resp.response_status, ResponseStatus::Successful);
    let basic =
        BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
    let single = &basic.tbs_response_data.responses[0];
    // The responder saw our SHA-1 CertID for the leaf, with the serial as encoded (0x0083).
    assert_eq!(single.cert_id.hash_algorithm.oid, SHA1);
    assert_eq!(single.cert_id.serial_number.as_bytes(), &[0x00, 0x83]);
    let hashes = crate::status::ocsp::IssuerHashes::of(&fx.issuing.der).unwrap();
    assert!(hashes.matches(&single.cert_id));
    assert!(
        basic.tbs_response_data.response_extensions.is_none(),
        "no nonce"
    );
    // Cached per certificate: the issuing CA's own status is another key.
    let again = f.ocsp(&url, &fx.leaf, &fx.issuing.der, &all).await.unwrap();
    assert!(again.from_cache);
    assert_eq!(again.der, got.der);
    assert_eq!(fx.srv.hits("/ocsp"), 1);
    let other = f
        .ocsp(&url, &fx.issuing.der, &fx.root.der, &all)
        .await
        .unwrap();
    assert!(!other.from_cache);
    assert_eq!(fx.srv.hits("/ocsp"), 2);
}

#[tokio::test]
async fn cache_reuse_expiry_and_no_stale_data() {
    let fx = fixture().await;
    let b = &fx.base;
    let f = RevocationFetcher::new(quick());
    let url = format!("{b}/issuing.crl");
    let first = f.crl(&url, &all).await.unwrap();
    assert!(!first.from_cache);
    assert_eq!(first.der, fx.srv.issuing_crl);
    let second = f.crl(&url, &all).await.unwrap();
    assert!(second.from_cache);
    assert_eq!(second.der, first.der);
    assert_eq!(second.fetched_at, first.fetched_at);
    assert_eq!(fx.srv.hits("/issuing.crl"), 1);
    f.clear();
    assert!(!f.crl(&url, &all).await.unwrap().from_cache);
    assert_eq!(fx.srv.hits("/issuing.crl"), 2);

    // After the TTL the object is fetched again; a failed refetch is an error, not the
    // stale copy.
    let short = RevocationFetcher::new(FetchConfig {
        cache_ttl: Duration::from_secs(1),
        ..quick()
    });
    let flaky = format!("{b}/flaky.crl");
    assert!(!short.crl(&url, &all).await.unwrap().from_cache);
    assert!(!short.crl(&flaky, &all).await.unwrap().from_cache);
    assert!(short.crl(&flaky, &all).await.unwrap().from_cache);
    let ocsp = format!("{b}/ocsp");
    assert!(
        !short
            .ocsp(&ocsp, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap()
            .from_cache
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fx.srv.fail.store(true, Ordering::SeqCst);
    assert!(!short.crl(&url, &all).await.unwrap().from_cache);
    assert_eq!(fx.srv.hits("/issuing.crl"), 4);
    assert!(
        !short
            .ocsp(&ocsp, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap()
            .from_cache
    );
    assert_eq!(fx.srv.hits("/ocsp"), 2);
    for _ in 0..2 {
        let e = short.crl(&flaky, &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(e.to_string().contains("500"), "{e}");
    }
    assert_eq!(fx.srv.hits("/flaky.crl"), 3);
    fx.srv.fail.store(false, Ordering::SeqCst);
    assert!(!short.crl(&flaky, &all).await.unwrap().from_cache);
}

#[tokio::test]
async fn next_update_bounds_reuse() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let url = format!("{}/short.crl", fx.base);
    assert!(!f.crl(&url, &all).await.unwrap().from_cache);
    // nextUpdate is 2 s away (whole seconds): reused for a moment, then not.
    assert!(f.crl(&url, &all).await.unwrap().from_cache);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(!f.crl(&url, &all).await.unwrap().from_cache);
    assert_eq!(fx.srv.hits("/short.crl"), 2);
}

#[tokio::test]
async fn cache_is_bounded_oldest_first() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(FetchConfig {
        max_entries: 2,
        ..quick()
    });
    let u = |p: &str| format!("{}/{p}", fx.base);
    for p in ["root.crl", "issuing.crl", "delta.crl"] {
        assert!(!f.crl(&u(p), &all).await.unwrap().from_cache);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(f.crl(&u("delta.crl"), &all).await.unwrap().from_cache);
    assert!(f.crl(&u("issuing.crl"), &all).await.unwrap().from_cache);
    assert!(!f.crl(&u("root.crl"), &all).await.unwrap().from_cache);
    assert_eq!(fx.srv.hits("/root.crl"), 2);
    let none = RevocationFetcher::new(FetchConfig {
        max_entries: 0,
        ..quick()
    });
    assert!(!none.crl(&u("root.crl"), &all).await.unwrap().from_cache);
    assert!(!none.crl(&u("root.crl"), &all).await.unwrap().from_cache);
}

#[tokio::test]
async fn concurrent_fetches_share_the_fetcher() {
    let fx = fixture().await;
    let f = Arc::new(RevocationFetcher::new(quick()));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let f = f.clone();
        let url = format!(
            "{}/{}",
            fx.base,
            ["root.crl", "issuing.crl", "delta.crl"][i % 3]
        );
        tasks.push(tokio::spawn(async move { f.crl(&url, &all).await }));
    }
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    let again = f
        .crl(&format!("{}/issuing.crl", fx.base), &all)
        .await
        .unwrap();
    assert!(again.from_cache);
    assert_eq!(again.der, fx.srv.issuing_crl);
}

#[tokio::test]
async fn a_lasting_ocsp_refusal_is_remembered_and_try_later_is_not() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let url = format!("{}/ocsp-unauthorized", fx.base);
    let e = f
        .ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
    assert!(e.to_string().contains("Unauthorized"), "{e}");
    // The responder is not asked again while the refusal is remembered.
    for _ in 0..3 {
        let e = f
            .ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Http(_)), "{e}");
        assert!(
            e.to_string().contains("Unauthorized") && e.to_string().contains("remembered"),
            "{e}"
        );
    }
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 1);
    // Another certificate is another question.
    let e = f
        .ocsp(&url, &fx.issuing.der, &fx.root.der, &all)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Unauthorized"), "{e}");
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 2);
    // tryLater is asked again every time.
    let later = format!("{}/ocsp-trylater", fx.base);
    for _ in 0..2 {
        let e = f
            .ocsp(&later, &fx.leaf, &fx.issuing.der, &all)
            .await
            .unwrap_err();
        assert!(!e.to_string().contains("remembered"), "{e}");
    }
    assert_eq!(fx.srv.hits("/ocsp-trylater"), 2);
    // Nothing is remembered when the cache is off.
    let off = RevocationFetcher::new(FetchConfig {
        max_entries: 0,
        ..quick()
    });
    for _ in 0..2 {
        assert!(
            off.ocsp(&url, &fx.leaf, &fx.issuing.der, &all)
                .await
                .is_err()
        );
    }
    assert_eq!(fx.srv.hits("/ocsp-unauthorized"), 4);
}
