//! Which URLs are contacted, how: allowed supply points only, plain http, timeouts, size
//! caps, redirects, statuses and garbage.

use super::*;

#[tokio::test]
async fn disallowed_urls_are_never_contacted() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let crl_url = format!("{}/issuing.crl", fx.base);
    let ocsp_url = format!("{}/ocsp", fx.base);
    let none = |_: &str| false;
    let e = f.crl(&crl_url, &none).await.unwrap_err();
    assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
    assert!(e.to_string().contains("not a supply point"), "{e}");
    let e = f
        .ocsp(&ocsp_url, &fx.leaf, &fx.issuing.der, &none)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
    // The exact string is checked: a look-alike of an allowed URL is refused.
    let only = |u: &str| u == crl_url;
    let e = f.crl(&format!("{crl_url}?x=1"), &only).await.unwrap_err();
    assert!(matches!(e, FetchError::NotAllowed(_)), "{e}");
    assert_eq!(fx.srv.total(), 0, "no request may reach the server");
    assert!(f.crl(&crl_url, &only).await.is_ok());
    assert_eq!(fx.srv.total(), 1);
}

#[tokio::test]
async fn only_plain_http_without_userinfo() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let host = fx.base.trim_start_matches("http://");
    for (url, want) in [
        (
            format!("https://{host}/issuing.crl"),
            "https is not supported",
        ),
        (format!("ldap://{host}/cn=x"), "only http://"),
        (
            format!("http://user:pw@{host}/issuing.crl"),
            "user information",
        ),
        ("http://".to_string(), "not a valid http URL"),
        ("not a url".to_string(), "only http://"),
    ] {
        let e = f.crl(&url, &all).await.unwrap_err();
        assert!(matches!(e, FetchError::Scheme(_)), "{url}: {e}");
        assert!(e.to_string().contains(want), "{url}: {e}");
    }
    let e = f
        .ocsp(
            &format!("https://{host}/ocsp"),
            &fx.leaf,
            &fx.issuing.der,
            &all,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Scheme(_)), "{e}");
    assert_eq!(fx.srv.total(), 0);
    // Metadata-style and other addresses no CA publishes at, even when "allowed".
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/x.crl",
        "http://224.0.0.1/x.crl",
        "http://255.255.255.255/x.crl",
        "http://[fe80::1]/x.crl",
        "http://[::ffff:169.254.169.254]/x.crl",
    ] {
        let e = f.crl(url, &all).await.unwrap_err();
        assert!(matches!(e, FetchError::NotAllowed(_)), "{url}: {e}");
    }
}

#[tokio::test]
async fn timeouts_cover_headers_and_body() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    for path in ["/slow", "/slow-body"] {
        let started = std::time::Instant::now();
        let e = f
            .crl(&format!("{}{path}", fx.base), &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Timeout(_)), "{path}: {e}");
        assert!(e.to_string().contains("timeout after 500 ms"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
    let slow_ocsp = RevocationFetcher::new(FetchConfig {
        timeout: Duration::from_millis(300),
        ..FetchConfig::default()
    });
    let e = slow_ocsp
        .ocsp(
            &format!("{}/slow", fx.base),
            &fx.leaf,
            &fx.issuing.der,
            &all,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Timeout(_)), "{e}");
    // Nothing listens here (the port was just released): a connection error, not a hang.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/x.crl", l.local_addr().unwrap());
    drop(l);
    let e = f.crl(&dead, &all).await.unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
}

#[tokio::test]
async fn bodies_are_capped() {
    let fx = fixture().await;
    let small = RevocationFetcher::new(FetchConfig {
        max_bytes: 100 * 1024,
        ..quick()
    });
    for path in ["/huge", "/huge-chunked"] {
        let e = small
            .crl(&format!("{}{path}", fx.base), &all)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::TooLarge(_)), "{path}: {e}");
    }
    // The real CRL fits.
    assert!(
        small
            .crl(&format!("{}/issuing.crl", fx.base), &all)
            .await
            .is_ok()
    );
    // OCSP answers are capped at 64 KiB whatever max_bytes says.
    let big = RevocationFetcher::new(quick());
    let e = big
        .ocsp(
            &format!("{}/ocsp-huge", fx.base),
            &fx.leaf,
            &fx.issuing.der,
            &all,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge(_)), "{e}");
    assert!(e.to_string().contains("65536"), "{e}");
}

#[tokio::test]
async fn redirects_statuses_and_garbage_are_refused() {
    let fx = fixture().await;
    let f = RevocationFetcher::new(quick());
    let b = &fx.base;
    let e = f.crl(&format!("{b}/redirect"), &all).await.unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
    assert!(e.to_string().contains("not followed"), "{e}");
    assert_eq!(fx.srv.total(), 1, "the redirect target was not contacted");
    let e = f.crl(&format!("{b}/missing.crl"), &all).await.unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
    assert!(e.to_string().contains("404"), "{e}");
    let e = f.crl(&format!("{b}/garbage"), &all).await.unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e}");
    // An OCSP response where a CRL was expected (and vice versa) is malformed.
    let e = f
        .ocsp(&format!("{b}/issuing.crl"), &fx.leaf, &fx.issuing.der, &all)
        .await;
    // (GET-only CRL endpoint answers the POST with the CRL body.)
    assert!(matches!(e, Err(FetchError::Malformed(_))), "{e:?}");
    let e = f
        .ocsp(&format!("{b}/garbage"), &fx.leaf, &fx.issuing.der, &all)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e}");
    let e = f
        .ocsp(
            &format!("{b}/ocsp-wrong-serial"),
            &fx.leaf,
            &fx.issuing.der,
            &all,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e}");
    assert!(e.to_string().contains("does not answer"), "{e}");
    let e = f
        .ocsp(
            &format!("{b}/ocsp-trylater"),
            &fx.leaf,
            &fx.issuing.der,
            &all,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Http(_)), "{e}");
    assert!(e.to_string().contains("TryLater"), "{e}");
    // The wrong issuer is refused before anything is sent.
    let before = fx.srv.total();
    let e = f
        .ocsp(&format!("{b}/ocsp"), &fx.leaf, &fx.root.der, &all)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e}");
    assert_eq!(fx.srv.total(), before);
    // Nothing that failed was cached.
    let e = f.crl(&format!("{b}/garbage"), &all).await.unwrap_err();
    assert!(matches!(e, FetchError::Malformed(_)), "{e}");
    assert_eq!(fx.srv.hits("/garbage"), 3);
}
