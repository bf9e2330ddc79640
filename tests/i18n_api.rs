//! Problems in the caller's language: `Accept-Language: zh-CN` gives a Chinese `title` and
//! `detail` with `Content-Language: zh-CN`; `en` or no header gives English; `type` and
//! `status` never change. Verification reports carry their reason texts in both languages.
//! One `yinxin serve` on an ephemeral port.

mod common;
use common::http::*;
use common::*;
use serde_json::{Value, json};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A request in each of three languages (zh-CN, en, none): the three answers.
async fn in_three_languages(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> [Resp; 3] {
    let mut out = Vec::new();
    for lang in [Some("zh-CN,zh;q=0.9,en;q=0.8"), Some("en"), None] {
        let mut h: Vec<(&str, &str)> = headers.to_vec();
        if let Some(l) = lang {
            h.push(("accept-language", l));
        }
        out.push(call(method, url, token, &h, body.to_vec()).await);
    }
    out.try_into().unwrap_or_else(|_| unreachable!())
}

/// The three answers are the same problem; zh-CN is Chinese, the others English. Returns the
/// Chinese and the English body.
fn check_problem(answers: &[Resp; 3], status: u16, kind: &str) -> (Value, Value) {
    for a in answers {
        a.assert_problem(status, kind);
        assert!(
            a.header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-language")),
            "{:?}",
            a.headers
        );
    }
    let [zh, en, none] = answers;
    assert_eq!(zh.header("content-language").as_deref(), Some("zh-CN"));
    assert_eq!(en.header("content-language").as_deref(), Some("en"));
    assert_eq!(none.header("content-language").as_deref(), Some("en"));
    let (zj, ej, nj) = (zh.json(), en.json(), none.json());
    assert_eq!(ej, nj, "no header answers as en");
    for field in ["type", "status"] {
        assert_eq!(zj[field], ej[field], "{field}");
    }
    for field in ["title", "detail"] {
        let z = zj[field].as_str().unwrap();
        let e = ej[field].as_str().unwrap();
        assert!(has_cjk(z), "zh-CN {field} is not Chinese: {zj}");
        assert!(!has_cjk(e), "en {field} is not English: {ej}");
        for debug in ["Some(", "None", "{ ", "\\u{", "\u{2068}"] {
            assert!(
                !z.contains(debug) && !e.contains(debug),
                "{field}: {zj} / {ej}"
            );
        }
    }
    (zj, ej)
}

#[tokio::test]
async fn problems_and_reports_in_chinese_and_english() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init_region(&data, None);
    let (_, admin) = token(&data, "admin", None);
    let server = Server::start(&data, &[]);
    let base = &server.base;

    // 404: an unknown certificate.
    let r = in_three_languages(
        "GET",
        &format!("{base}/v1/certificates/ABCDEF0123"),
        Some(&admin),
        &[],
        b"",
    )
    .await;
    let (zh, en) = check_problem(&r, 404, "not-found");
    assert_eq!(zh["title"], "未找到");
    assert_eq!(zh["detail"], "没有序列号为 ABCDEF0123 的证书");
    assert_eq!(en["detail"], "no certificate with serial ABCDEF0123");

    // 404 of the router itself.
    let r = in_three_languages("GET", &format!("{base}/no/such/thing"), None, &[], b"").await;
    let (zh, en) = check_problem(&r, 404, "not-found");
    assert_eq!(zh["detail"], "该资源不存在");
    assert_eq!(en["detail"], "no such resource");

    // 401: no token.
    let r = in_three_languages("GET", &format!("{base}/v1/certificates"), None, &[], b"").await;
    let (zh, en) = check_problem(&r, 401, "unauthorized");
    assert_eq!(zh["title"], "需要身份认证");
    assert!(zh["detail"].as_str().unwrap().contains("Bearer"), "{zh}");
    assert!(
        en["detail"]
            .as_str()
            .unwrap()
            .starts_with("authentication required")
    );

    // 400: a body that is not JSON; 422: JSON of the wrong shape.
    let json_ct = [("content-type", "application/json")];
    let url = format!("{base}/v1/certificates");
    let r = in_three_languages("POST", &url, Some(&admin), &json_ct, b"{not json").await;
    let (zh, _) = check_problem(&r, 400, "malformed-json");
    assert!(
        zh["detail"]
            .as_str()
            .unwrap()
            .starts_with("请求体不是有效的 JSON")
    );
    let r = in_three_languages("POST", &url, Some(&admin), &json_ct, br#"{"profile": 5}"#).await;
    check_problem(&r, 422, "invalid-request");

    // 409: a revocation with another reason than the certificate's.
    let csr = std::fs::read_to_string(fixture("csr/test-sm2.csr.pem")).unwrap();
    let issued = post_json(
        &url,
        Some(&admin),
        &json!({"profile": "person", "algorithm": "sm2",
                "subject": {"name": "赵六", "id_number": "11010519491231002X"}, "csr": csr}),
    )
    .await;
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let serial = issued.json()["serial"].as_str().unwrap().to_string();
    let revoke = format!("{base}/v1/certificates/{serial}/revoke");
    let first = post_json(&revoke, Some(&admin), &json!({"reason": "keyCompromise"})).await;
    assert_eq!(first.status, 200);
    let body = json!({"reason": "superseded"}).to_string().into_bytes();
    let r = in_three_languages("POST", &revoke, Some(&admin), &json_ct, &body).await;
    let (zh, en) = check_problem(&r, 409, "already-revoked");
    assert_eq!(zh["title"], "证书已被吊销");
    assert_eq!(
        zh["detail"],
        format!("证书 {serial} 已吊销（原因：密钥泄露），不能再以不同方式吊销")
    );
    assert_eq!(
        en["detail"],
        format!(
            "certificate {serial} is already revoked (reason keyCompromise); a different revocation is not possible"
        )
    );

    // A failing verification: the report's codes come with both texts, whatever the header.
    let foreign = std::fs::read(fixture("pkits/certs/AnyPolicyTest14EE.crt")).unwrap();
    for lang in ["zh-CN", "en"] {
        let r = call(
            "POST",
            &format!("{base}/v1/verify"),
            None,
            &[
                ("content-type", "application/octet-stream"),
                ("accept-language", lang),
            ],
            foreign.clone(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        assert_eq!(j["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND", "{j:#}");
        assert_eq!(j["failure"]["reason"], "no-path-to-anchor", "{j:#}");
        let text = &j["failure"]["reason_text"];
        assert_eq!(text["en"], "no path to a trust anchor", "{j:#}");
        assert_eq!(text["zh-CN"], "找不到通往信任锚的证书路径", "{j:#}");
        assert_eq!(j["indication_text"]["zh-CN"], "无法确定", "{j:#}");
        assert!(has_cjk(j["sub_indication_text"]["zh-CN"].as_str().unwrap()));
        assert!(!has_cjk(j["sub_indication_text"]["en"].as_str().unwrap()));
    }
}
