//! The citizens' verification page over HTTP, without a browser (the browser scenarios are in
//! `tests/web_browser.rs`): the form in zh-CN and English; a sealed e-licence uploaded →
//! 有效 with the seal picture, the issuer and the proven time; one byte changed → 无效 naming
//! the file; the QR URL opened by a browser → the result page (and JSON for others); a photo
//! of the QR code; a revoked licence → 无效 with the reason; a superseded one → a link to its
//! public status page naming the current version; cross-site posts, empty and double forms
//! refused; values from the request escaped; the page's security headers and weight.

mod common;
use common::http::{Resp, Server, call, get, post_json};
use common::init_region;
use common::licence::{agency, values};
use serde_json::json;

const AGENCY: &str = "11440100MB2C12345P";
const BOUNDARY: &str = "----yinxin-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body: (name, file name or "", bytes).
fn multipart(fields: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, file, bytes) in fields {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if file.is_empty() {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        } else {
            out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post_form(base: &str, fields: &[(&str, &str, &[u8])], extra: &[(&str, &str)]) -> Resp {
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut headers = vec![("content-type", ct.as_str())];
    headers.extend_from_slice(extra);
    call(
        "POST",
        &format!("{base}/verify"),
        None,
        &headers,
        multipart(fields),
    )
    .await
}

fn text(r: &Resp) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The page's verdict line (`<h1 id="verdict" …>…</h1>`).
fn verdict(page: &str) -> String {
    let start = page.find("id=\"verdict\"").expect("a verdict");
    let end = start + page[start..].find("</h1>").unwrap();
    page[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizens_check_files_and_qr_codes_on_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let token = agency(&data, &work, "广州市市场监督管理局", AGENCY, "agency");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();

    // The form: zh-CN by default, with the page's security headers.
    let r = get(&format!("{base}/"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
    let home = text(&r);
    assert!(home.contains("<html lang=\"zh-CN\">"), "{home}");
    assert!(home.contains("这份文件是真的吗"));
    assert!(
        home.contains("<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\">")
    );
    assert!(
        !home.contains("<script>") && !home.contains(" style=\""),
        "no inline script or style"
    );
    // English by the switch and by Accept-Language.
    let en = text(&get(&format!("{base}/verify?lang=en"), None).await);
    assert!(en.contains("<html lang=\"en\">") && en.contains("Is this document genuine?"));
    let r = call(
        "GET",
        &format!("{base}/"),
        None,
        &[("accept-language", "en-GB,en;q=0.9")],
        vec![],
    )
    .await;
    assert!(text(&r).contains("Is this document genuine?"));
    // The assets: embedded, hashed names, cached; the page's own weight under 150 KB.
    let css = home
        .split("href=\"")
        .find_map(|s| {
            s.split('"')
                .next()
                .filter(|p| p.starts_with("/assets/") && p.ends_with(".css"))
        })
        .unwrap()
        .to_string();
    let js = home
        .split("src=\"")
        .find_map(|s| {
            s.split('"')
                .next()
                .filter(|p| p.starts_with("/assets/") && p.ends_with(".js"))
        })
        .unwrap()
        .to_string();
    let css_r = get(&format!("{base}{css}"), None).await;
    let js_r = get(&format!("{base}{js}"), None).await;
    assert_eq!(css_r.status, 200);
    assert_eq!(js_r.status, 200);
    assert!(
        css_r
            .header("content-type")
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        js_r.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(css_r.header("cache-control").unwrap().contains("immutable"));
    let weight = home.len() + css_r.body.len() + js_r.body.len();
    assert!(weight < 150 * 1024, "{weight} bytes");
    assert_eq!(
        get(&format!("{base}/assets/other.css"), None).await.status,
        404
    );

    // A sealed e-licence: 有效, the seal picture, the issuer, the proven time, the data.
    let r = post_json(
        &format!("{base}/v1/licences"),
        Some(&token),
        &json!({"kind": "business-licence", "values": values("business-licence")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let issued = r.json();
    let id = issued["identifier"].as_str().unwrap().to_string();
    let qr = issued["qr"].as_str().unwrap().to_string();
    let ofd = get(&format!("{base}/v1/licences/{id}/document"), Some(&token))
        .await
        .body;
    let r = post_form(
        &base,
        &[("lang", "", b"zh-CN"), ("file", "licence.ofd", &ofd)],
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let page = text(&r);
    assert!(verdict(&page).contains("有效"), "{}", verdict(&page));
    assert!(page.contains("class=\"result result-valid\""));
    assert!(page.contains("<img class=\"seal\""), "the seal picture");
    assert!(page.contains("alt=\"印章：广州市市场监督管理局电子证照专用章\""));
    assert!(page.contains("src=\"data:image/png;base64,iVBOR"));
    assert!(page.contains("<dd>广州市市场监督管理局</dd>"), "the issuer");
    assert!(
        page.contains("由时间戳证明"),
        "the time is proven by the TSA"
    );
    assert!(
        page.contains("<dd>广州示例科技有限公司</dd>"),
        "the licence's data"
    );
    assert!(
        page.contains("<strong>有效</strong>"),
        "the registry's status"
    );
    assert!(page.contains("download=\"yinxin-report.json\""));
    // The result page with its report inside stays within the page weight too.
    let weight = page.len() + css_r.body.len() + js_r.body.len();
    assert!(weight < 150 * 1024, "{weight} bytes");
    assert!(page.contains(&id));

    // One byte changed: 无效, naming the file.
    let mut changed = ofd.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let r = post_form(
        &base,
        &[("file", "licence.ofd", &changed)],
        &[("accept-language", "en")],
    )
    .await;
    let page = text(&r);
    assert!(verdict(&page).contains("Invalid"), "{}", verdict(&page));
    assert!(page.contains("class=\"result result-invalid\""));
    assert!(page.contains("Doc_0/"), "the file is named: {page}");
    assert!(
        !page.contains("<img class=\"seal\""),
        "no seal picture beside an invalid result"
    );

    // The QR URL: a browser gets the page, others the JSON report.
    let payload = qr.split("/V/").nth(1).unwrap().to_string();
    let qr_url = format!("{base}/V/{payload}");
    let r = call(
        "GET",
        &qr_url,
        None,
        &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
        vec![],
    )
    .await;
    assert_eq!(r.status, 200);
    let page = text(&r);
    assert!(verdict(&page).contains("有效"), "{page}");
    assert!(page.contains("电子证照二维码"));
    assert!(
        page.contains("<dd>广州示例科技有限公司</dd>"),
        "the holder as printed"
    );
    let r = get(&qr_url, None).await;
    assert_eq!(r.json()["indication"], "TOTAL_PASSED");
    // Pasted text and a photo of the code give the same result.
    let r = post_form(&base, &[("qr", "", qr.as_bytes())], &[]).await;
    assert!(verdict(&text(&r)).contains("有效"));
    let r = post_form(
        &base,
        &[("qr_photo", "qr.png", &common::qr::png(&qr, 8))],
        &[],
    )
    .await;
    assert!(verdict(&text(&r)).contains("有效"), "{}", text(&r));
    // A payload changed by one character (its signature no longer covers it) is not valid.
    let tampered = {
        let (head, tail) = qr.split_at(qr.len() - 5);
        let c = if tail.starts_with('0') { '1' } else { '0' };
        format!("{head}{c}{}", &tail[1..])
    };
    assert_ne!(tampered, qr);
    let r = post_form(&base, &[("qr", "", tampered.as_bytes())], &[]).await;
    let v = verdict(&text(&r));
    assert!(v.contains("无效") || v.contains("无法确定"), "{v}");
    assert!(!text(&r).contains("result-valid"));
    // A photo without a code says so.
    let blank = vec![0u8; 10];
    let r = post_form(&base, &[("qr_photo", "qr.png", &blank)], &[]).await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("照片中无法识别二维码"), "{}", text(&r));

    // Refused: another site's post, nothing to verify, two things at once.
    let r = post_form(
        &base,
        &[("qr", "", qr.as_bytes())],
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(text(&r).contains("此表单只能从本站页面提交"));
    let r = post_form(
        &base,
        &[("qr", "", qr.as_bytes())],
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post_form(
        &base,
        &[("qr", "", qr.as_bytes())],
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = post_form(&base, &[("lang", "", b"en")], &[]).await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("Choose a file"));
    let r = post_form(
        &base,
        &[("file", "a.ofd", &ofd), ("qr", "", qr.as_bytes())],
        &[],
    )
    .await;
    assert_eq!(r.status, 422);
    // What the request carried is escaped on the page.
    let hostile = "<script>alert(1)</script>";
    let r = post_form(&base, &[("qr", "", hostile.as_bytes())], &[]).await;
    let page = text(&r);
    assert!(!page.contains(hostile), "{page}");
    assert!(verdict(&page).contains("无效") || verdict(&page).contains("无法确定"));

    // A change: the old version is superseded and links to its public status page, which
    // names the current version.
    let mut v = values("business-licence");
    v["domicile"] = json!("广州市天河区新址路8号");
    let r = post_json(
        &format!("{base}/v1/licences/{id}/change"),
        Some(&token),
        &json!({"values": v}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", text(&r));
    let new_id = r.json()["identifier"].as_str().unwrap().to_string();
    let new_qr = r.json()["qr"].as_str().unwrap().to_string();
    let r = call("GET", &qr_url, None, &[("accept", "text/html")], vec![]).await;
    let page = text(&r);
    assert!(verdict(&page).contains("无效"), "{}", verdict(&page));
    assert!(page.contains("已变更（有新版本）"));
    let link = format!("/verify/licence/{new_id}?lang=zh-CN");
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    let r = get(&format!("{base}{link}"), None).await;
    assert_eq!(r.status, 200);
    let status_page = text(&r);
    assert!(status_page.contains("证照状态") && status_page.contains(&new_id));
    assert!(status_page.contains("<strong>有效</strong>"));
    assert!(
        !status_page.contains("广州示例科技有限公司"),
        "no personal data"
    );
    let r = get(
        &format!("{base}/verify/licence/1.2.156.3005.2.NOSUCH"),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(text(&r).contains("本地区未登记此标识的证照"));

    // Revoked: 无效 with the reason.
    let r = post_json(
        &format!("{base}/v1/licences/{new_id}/revoke"),
        Some(&token),
        &json!({"reason": "注销登记"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = post_form(&base, &[("qr", "", new_qr.as_bytes())], &[]).await;
    let page = text(&r);
    assert!(verdict(&page).contains("无效"), "{}", verdict(&page));
    assert!(page.contains("<strong>已注销</strong>"), "{page}");
    assert!(page.contains("<ul class=\"why\">"), "the reason is given");
}
