//! Holders against a real OpenID provider (`oidc-provider` from npm, on loopback): sign in
//! through its login and consent forms (code flow with PKCE), see my licences (not another
//! holder's), show a licence (the dynamic QR verifies, then — the server's clock moved past
//! its time — says it expired), consent to an agency's use, the agency exchanges the auth code
//! (sensitive fields masked), another agency's token is refused, the holder withdraws, the
//! exchange is refused again; a lookup by duty needs a configured legal basis and a reason; every
//! event is in the holder's history and in the audit log (without the identity number);
//! forms without the session's CSRF token or from another site are refused; a callback with
//! another state is refused; sign-out ends the session.

mod common;
use common::holders::{DUTY, HolderEnv, LEGAL_BASIS, OTHER, PERSON_ID, RELYING};
use common::http::{Resp, call, get, post_json, token};
use common::oidc::{Browser, sign_in};
use serde_json::{Value, json};

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"))
        + start.len();
    &text[at..at + text[at..].find(end).unwrap()]
}

async fn holder_call(
    base: &str,
    session: &str,
    method: &str,
    path: &str,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    let cookie = format!("__Host-yx_holder={session}");
    let mut headers = vec![("cookie", cookie.as_str())];
    if let Some(c) = csrf {
        headers.push(("x-csrf-token", c));
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    call(method, &format!("{base}{path}"), None, &headers, bytes).await
}

/// Sign in as `login` in a fresh browser; the browser, on "my licences".
async fn signed_in(base: &str, login: &str) -> (Browser, String) {
    let mut b = Browser::new();
    let start = b.get_once(&format!("{base}/holder/login")).await;
    assert_eq!(start.status, 303, "{}", start.text());
    let authorize = start.location().unwrap();
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(b.cookie(base, "__Host-yx_login").is_some());
    let callback = sign_in(&mut b, &authorize, login).await;
    assert!(callback.contains("code="), "{callback}");
    let home = b.get(&callback).await;
    assert_eq!(home.status, 200, "{}", home.text());
    assert!(home.url.ends_with("/holder"), "{}", home.url);
    (b, home.text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_sign_in_show_consent_and_see_every_use() {
    let Some(env) = HolderEnv::start() else {
        return;
    };
    let (base, data, clock) = (env.base.clone(), env.data.clone(), env.clock.clone());
    let issuer_token = env.issuer_token.clone();
    let (_, relying) = token(&data, "relying-agency", Some(RELYING));
    let (_, other) = token(&data, "relying-agency", Some(OTHER));
    let (_, duty) = token(&data, "relying-agency", Some(DUTY));
    let (_, admin) = token(&data, "admin", None);

    // A person's certificate of qualification and a company's business licence.
    let person_licence = env.issue("professional-qualification").await;
    let company_licence = env.issue("business-licence").await;
    // The person's certificate (its holder identifier is the same hash of the number).
    let work = env.tmp.path().join("work");
    let person_serial = common::http::issue_generated(
        &data,
        &work,
        "person",
        "sm2",
        &json!({"name": "王小明", "id_number": PERSON_ID}),
        "person",
    );

    // Not signed in: the sign-in page; the API says 401.
    let r = get(&format!("{base}/holder"), None).await;
    assert!(String::from_utf8_lossy(&r.body).contains("href=\"/holder/login\""));
    get(&format!("{base}/v1/holder/licences"), None)
        .await
        .assert_problem(401, "holder-sign-in-required");

    // A callback with another state than the login's: refused, no session.
    let mut b = Browser::new();
    let start = b.get_once(&format!("{base}/holder/login")).await;
    let authorize = start.location().unwrap();
    let cb = sign_in(&mut b, &authorize, "wang").await;
    let forged = cb.replace("state=", "state=x");
    let r = b.get(&forged).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("登录失败") && r.text().contains("state"),
        "{}",
        r.text()
    );
    assert!(
        b.cookie(&base, "__Host-yx_holder")
            .is_none_or(|v| v.is_empty())
    );

    // Sign in as the person: my licences has theirs, not the company's.
    let (mut b, home) = signed_in(&base, "wang").await;
    assert!(home.contains("王**"), "{home}");
    assert!(
        home.contains(&person_licence) && !home.contains(&company_licence),
        "{home}"
    );
    assert!(
        !home.contains(PERSON_ID),
        "the identity number is never shown"
    );
    let session = b.cookie(&base, "__Host-yx_holder").unwrap();
    let csrf = csrf_of(&home);
    let mine = holder_call(&base, &session, "GET", "/v1/holder/licences", None, None)
        .await
        .json();
    assert_eq!(mine["holder"]["kind"], "person");
    assert_eq!(mine["csrf_token"], csrf.as_str());
    let ids: Vec<&str> = mine["licences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [person_licence.as_str()]);
    let certs = mine["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{mine}");
    assert_eq!(certs[0]["serial"], person_serial.as_str());
    assert_eq!(certs[0]["profile"], "person");
    assert!(
        home.contains(&person_serial),
        "the page lists the certificate"
    );
    // Another holder's licence cannot be shown.
    let r = b
        .get(&format!("{base}/holder/show/{company_licence}"))
        .await;
    assert_eq!(r.status, 404);

    // 亮证: a dynamic QR that verifies as shown by its holder …
    let show = b.get(&format!("{base}/holder/show/{person_licence}")).await;
    assert_eq!(show.status, 200);
    let page = show.text();
    assert!(
        page.contains("data-renew=\"270\"") && page.contains("id=\"renew\""),
        "{page}"
    );
    let qr = between(&page, "data-text=\"", "\"").to_string();
    let payload = qr.rsplit("/V/").next().unwrap().to_string();
    let report = call(
        "GET",
        &format!("{base}/V/{payload}"),
        None,
        &[("accept", "application/json")],
        vec![],
    )
    .await
    .json();
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    let checks = report["checks"].as_array().unwrap();
    let shown = checks
        .iter()
        .find(|c| c["check"] == "shown")
        .expect("a shown check");
    assert!(
        shown["detail"]
            .as_str()
            .unwrap()
            .starts_with("shown by its holder at"),
        "{shown}"
    );
    // The page a phone's browser opens says so in words.
    let html = call(
        "GET",
        &format!("{base}/V/{payload}"),
        None,
        &[("accept", "text/html")],
        vec![],
    )
    .await;
    let html = String::from_utf8_lossy(&html.body).into_owned();
    assert!(
        html.contains("result-valid") && html.contains("id=\"shown\"") && html.contains("持证人于"),
        "{html}"
    );
    // … and, five minutes later, says it expired (the page too).
    std::fs::write(&clock, "301").unwrap();
    let report = call(
        "GET",
        &format!("{base}/V/{payload}"),
        None,
        &[("accept", "application/json")],
        vec![],
    )
    .await
    .json();
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report}");
    assert_eq!(report["reason"], "licence-show-not-current", "{report}");
    let html = call(
        "GET",
        &format!("{base}/V/{payload}"),
        None,
        &[("accept", "text/html")],
        vec![],
    )
    .await;
    let html = String::from_utf8_lossy(&html.body).into_owned();
    assert!(
        html.contains("亮证二维码已超出有效时间") && !html.contains("id=\"shown\""),
        "{html}"
    );
    std::fs::write(&clock, "0").unwrap();

    // A consent without the CSRF token, or from another site: refused.
    let form = |csrf: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("licence".into(), person_licence.clone()),
            ("agency".into(), RELYING.into()),
            ("service_item".into(), "注册会计师执业登记".into()),
            ("case_number".into(), "GZ-2026-0042".into()),
            ("days".into(), "7".into()),
            ("uses".into(), "2".into()),
        ]
    };
    let as_refs = |f: &Vec<(String, String)>| {
        f.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let encoded = |f: &Vec<(String, String)>| {
        serde_urlencoded::to_string(as_refs(f))
            .unwrap()
            .into_bytes()
    };
    let cookie = format!("__Host-yx_holder={session}");
    for (headers, body) in [
        (vec![("cookie", cookie.as_str())], encoded(&form("wrong"))),
        (
            vec![
                ("cookie", cookie.as_str()),
                ("sec-fetch-site", "cross-site"),
            ],
            encoded(&form(&csrf)),
        ),
    ] {
        let mut h = headers.clone();
        h.push(("content-type", "application/x-www-form-urlencoded"));
        let r = call("POST", &format!("{base}/holder/grants"), None, &h, body).await;
        assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    }
    assert!(
        holder_call(&base, &session, "GET", "/v1/holder/grants", None, None)
            .await
            .json()["grants"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The consent: the page shows the auth code once.
    let f = form(&csrf);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post_form(&format!("{base}/holder/grants"), &pairs).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    let code = between(&page, "<code id=\"auth-code\"", "</code>");
    let code = code[code.find('>').unwrap() + 1..].to_string();
    assert!(code.starts_with("yxg_"), "{code}");
    let grant_id = between(&page, "data-grant=\"", "\"").to_string();

    // The agency exchanges it: the licence with sensitive fields masked, and the sealed file.
    let ex = post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&relying),
        &json!({"auth_code": code}),
    )
    .await;
    assert_eq!(ex.status, 200, "{}", String::from_utf8_lossy(&ex.body));
    let ex = ex.json();
    assert_eq!(ex["licence"]["identifier"], person_licence.as_str());
    let id_field = ex["licence"]["fields"]["id_number"].as_str().unwrap();
    assert_ne!(id_field, PERSON_ID, "masked unless the holder unmasks");
    assert!(id_field.contains('*'), "{id_field}");
    assert_eq!(ex["grant"]["uses"], 1);
    use base64::Engine;
    let ofd = base64::engine::general_purpose::STANDARD
        .decode(ex["document"]["base64"].as_str().unwrap())
        .unwrap();
    assert!(ofd.starts_with(b"PK"), "an OFD package");
    let verified = common::licence::verify_object(&base, &ofd).await;
    assert_eq!(verified["indication"], "TOTAL_PASSED", "{verified}");
    // Another agency with the same code: refused, and it counts no use.
    let r = post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&other),
        &json!({"auth_code": code}),
    )
    .await;
    r.assert_problem(403, "grant-refused");
    assert!(String::from_utf8_lossy(&r.body).contains("other-agency"));
    // An unknown code.
    post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&relying),
        &json!({"auth_code": "yxg_nothing"}),
    )
    .await
    .assert_problem(404, "grant-refused");
    // A token of another role cannot exchange at all.
    post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&issuer_token),
        &json!({"auth_code": code}),
    )
    .await
    .assert_problem(403, "forbidden");

    // The holder withdraws; the next exchange is refused for that reason.
    let r = b
        .post_form(
            &format!("{base}/holder/grants/{grant_id}/withdraw"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&relying),
        &json!({"auth_code": code}),
    )
    .await;
    r.assert_problem(403, "grant-refused");
    assert!(String::from_utf8_lossy(&r.body).contains("withdrawn"));
    // Withdrawing again: nothing in force.
    holder_call(
        &base,
        &session,
        "POST",
        &format!("/v1/holder/grants/{grant_id}/withdraw"),
        Some(&csrf),
        None,
    )
    .await
    .assert_problem(404, "not-found");

    // Lookups by duty: only with a configured legal basis, and a reason.
    post_json(
        &format!("{base}/v1/licences/{person_licence}/duty-lookup"),
        Some(&relying),
        &json!({"reason": "核查执业资格"}),
    )
    .await
    .assert_problem(403, "no-legal-basis");
    post_json(
        &format!("{base}/v1/licences/{person_licence}/duty-lookup"),
        Some(&duty),
        &json!({"reason": ""}),
    )
    .await
    .assert_problem(422, "reason-required");
    let r = post_json(
        &format!("{base}/v1/licences/{person_licence}/duty-lookup"),
        Some(&duty),
        &json!({"reason": "投诉举报核查 2026-117"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["legal_basis"], LEGAL_BASIS);

    // The holder's history tells all of it, newest first; the page lists it too.
    let events = holder_call(&base, &session, "GET", "/v1/holder/events", None, None)
        .await
        .json();
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "duty-lookup",
            "exchange-refused",
            "withdraw",
            "exchange-refused",
            "exchange",
            "grant",
            "show",
            "sign-in"
        ],
        "{events}"
    );
    let list = events["events"].as_array().unwrap();
    assert!(
        list[0]["detail"].as_str().unwrap().contains("第三十五条")
            && list[0]["detail"].as_str().unwrap().contains("投诉举报核查")
    );
    assert_eq!(list[0]["agency"], DUTY);
    assert!(list[1]["detail"].as_str().unwrap().contains("withdrawn"));
    assert!(list[3]["detail"].as_str().unwrap().contains("other-agency"));
    assert_eq!(list[4]["agency"], RELYING);
    let home = b.get(&format!("{base}/holder")).await.text();
    assert!(
        home.contains("依职能查验") && home.contains("机构用证被拒") && home.contains("已撤回"),
        "{home}"
    );

    // The audit log has each, and never the identity number.
    let audit = get(&format!("{base}/v1/audit?limit=1000"), Some(&admin))
        .await
        .json();
    let items = audit["items"].as_array().unwrap();
    for action in [
        "holder.sign-in",
        "holder.show",
        "holder.grant",
        "holder.exchange",
        "holder.exchange-refused",
        "holder.withdraw",
        "holder.duty-lookup",
    ] {
        assert!(
            items.iter().any(|i| i["action"] == action),
            "{action} not audited"
        );
    }
    assert!(!audit.to_string().contains(PERSON_ID));

    // The company's account sees the business licence only.
    let (_, corp) = signed_in(&base, "corp").await;
    assert!(
        corp.contains(&company_licence)
            && !corp.contains(&person_licence)
            && !corp.contains(&person_serial),
        "{corp}"
    );
    // An account without an identity claim cannot sign in.
    let mut n = Browser::new();
    let authorize = n
        .get_once(&format!("{base}/holder/login"))
        .await
        .location()
        .unwrap();
    let cb = sign_in(&mut n, &authorize, "nobody").await;
    let r = n.get(&cb).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("id_number"), "{}", r.text());

    // Sign-out ends the session.
    let r = b
        .post_form(&format!("{base}/holder/logout"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 200);
    holder_call(&base, &session, "GET", "/v1/holder/licences", None, None)
        .await
        .assert_problem(401, "holder-sign-in-required");
    let audit = get(&format!("{base}/v1/audit?limit=1000"), Some(&admin))
        .await
        .json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["action"] == "holder.sign-out"),
        "sign-out audited"
    );
}

/// A CA and a server certificate for 127.0.0.1 (OpenSSL), in `dir`: `ca.pem`, `srv.pem`,
/// `srv.key`.
fn tls_files(dir: &std::path::Path) {
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    // Each line one openssl command; paths have no spaces (a temporary directory).
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    let commands = [
        format!(
            "req -x509 {ec} -keyout {} -out {} -days 2 -subj /CN=IdP-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
            p("ca.key"),
            p("ca.pem")
        ),
        format!(
            "req {ec} -keyout {} -out {} -subj /CN=127.0.0.1",
            p("srv.key"),
            p("srv.csr")
        ),
        format!(
            "x509 -req -in {} -CA {} -CAkey {} -CAcreateserial -out {} -days 2 -extfile {}",
            p("srv.csr"),
            p("ca.pem"),
            p("ca.key"),
            p("srv.pem"),
            p("ext.cnf")
        ),
    ];
    for c in commands {
        let args: Vec<&str> = c.split_whitespace().collect();
        let o = common::openssl(&args);
        assert!(
            o.status.success(),
            "openssl {c}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The transport to the identity provider: HTTPS trusting `ca_file` (a provincial private
/// CA), refused without it; plain HTTP only to loopback; nothing off the issuer's origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_provider_is_reached_over_verified_tls() {
    if !common::require_openssl("the_identity_provider_is_reached_over_verified_tls") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    tls_files(tmp.path());
    let (cert, key) = (tmp.path().join("srv.pem"), tmp.path().join("srv.key"));
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    let Some(idp) = common::oidc::Provider::start_with(
        "yinxin",
        "secret",
        "https://127.0.0.1:1/holder/callback",
        "{}",
        &[("OIDC_TLS_CERT", &cert), ("OIDC_TLS_KEY", &key)],
    ) else {
        return;
    };
    assert!(
        idp.issuer.starts_with("https://127.0.0.1:"),
        "{}",
        idp.issuer
    );
    let discovery = format!("{}/.well-known/openid-configuration", idp.issuer);
    use yinxin::app::holders::transport;
    // With the provider's CA: the metadata, naming the same issuer.
    let t = transport(&idp.issuer, Some(&tmp.path().join("ca.pem"))).unwrap();
    let meta: Value = serde_json::from_slice(&t.get(&discovery).await.unwrap()).unwrap();
    assert_eq!(meta["issuer"], idp.issuer.as_str());
    // Without it: the certificate is not trusted.
    let t = transport(&idp.issuer, None).unwrap();
    let e = t.get(&discovery).await.unwrap_err().to_string();
    assert!(
        e.contains("certificate") || e.contains("UnknownIssuer"),
        "{e}"
    );
    // Not on the issuer's origin: not contacted.
    let t = transport(&idp.issuer, Some(&tmp.path().join("ca.pem"))).unwrap();
    let e = t
        .get("https://127.0.0.2:1/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not on the provider's origin"), "{e}");
    // Plain http only to loopback; no ca_file that holds nothing.
    assert!(transport("http://idp.example.gov.cn", None).is_err());
    assert!(transport("http://localhost.example.gov.cn:80", None).is_err());
    assert!(transport("http://127.0.0.1:8081", None).is_ok());
    std::fs::write(tmp.path().join("empty.pem"), "").unwrap();
    assert!(transport(&idp.issuer, Some(&tmp.path().join("empty.pem"))).is_err());
}

/// The same on PostgreSQL, over the JSON API: a two-use consent exchanged twice, the third
/// refused as used up, the history in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_on_postgresql() {
    let Some(url) = common::postgres_url("holders_on_postgresql") else {
        return;
    };
    let db = common::TempPg::create(&url).await;
    let Some(env) = HolderEnv::start_on(Some(&db.url)) else {
        db.drop_database().await;
        return;
    };
    let base = env.base.clone();
    let (_, relying) = token(&env.data, "relying-agency", Some(RELYING));
    let licence = env.issue("professional-qualification").await;
    let (b, _) = signed_in(&base, "wang").await;
    let session = b.cookie(&base, "__Host-yx_holder").unwrap();
    let mine = holder_call(&base, &session, "GET", "/v1/holder/licences", None, None)
        .await
        .json();
    let csrf = mine["csrf_token"].as_str().unwrap().to_string();
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 86_400;
    let grant = json!({"licence": licence, "agency": RELYING, "service_item": "执业登记",
        "case_number": "PG-1", "until": until, "uses": 2, "unmask": true});
    // Without the CSRF header: refused.
    holder_call(
        &base,
        &session,
        "POST",
        "/v1/holder/grants",
        None,
        Some(&grant),
    )
    .await
    .assert_problem(403, "csrf");
    let r = holder_call(
        &base,
        &session,
        "POST",
        "/v1/holder/grants",
        Some(&csrf),
        Some(&grant),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let code = r.json()["auth_code"].as_str().unwrap().to_string();
    for n in 1..=2 {
        let ex = post_json(
            &format!("{base}/v1/grants/exchange"),
            Some(&relying),
            &json!({"auth_code": code}),
        )
        .await;
        assert_eq!(ex.status, 200, "{}", String::from_utf8_lossy(&ex.body));
        let ex = ex.json();
        assert_eq!(ex["grant"]["uses"], n);
        // Unmasked by the holder's choice.
        assert_eq!(ex["licence"]["fields"]["id_number"], PERSON_ID);
    }
    let r = post_json(
        &format!("{base}/v1/grants/exchange"),
        Some(&relying),
        &json!({"auth_code": code}),
    )
    .await;
    r.assert_problem(403, "grant-refused");
    assert!(String::from_utf8_lossy(&r.body).contains("used-up"));
    let events = holder_call(&base, &session, "GET", "/v1/holder/events", None, None)
        .await
        .json();
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "exchange-refused",
            "exchange",
            "exchange",
            "grant",
            "sign-in"
        ],
        "{events}"
    );
    drop(env);
    db.drop_database().await;
}
