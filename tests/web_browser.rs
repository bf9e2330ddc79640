//! The verification page in a real browser: Debian's Chromium driven by `playwright-core`
//! (`tests/browser/scenarios.mjs`), against a running server with issued, revoked and changed
//! licences. Scenarios: upload a sealed licence → 有效 with the seal picture; one byte changed →
//! 无效 naming the file; a revoked licence → 无效 with the reason; a superseded one → the link to
//! the current version; the English switch; the QR URL; a photo of the QR code; the form
//! without JavaScript; a 390 px phone; the camera (Chromium's fake camera playing a video of
//! the QR code); axe-core on the form and the results (no serious or critical violation).
//! Screenshots go to `target/tmp/browser/`.
//!
//! Needs `YINXIN_BROWSER_DIR` (a directory with `node_modules/playwright-core` and
//! `node_modules/axe-core`; `.ci/run` installs them outside the tree), Node and Chromium
//! (`YINXIN_CHROMIUM`, else `/usr/bin/chromium`); without them it prints `skipped: …`.

mod common;
use common::http::{Server, get, post_json};
use common::init_region;
use common::licence::{agency, values};
use serde_json::{Value, json};

const AGENCY: &str = "11440100MB2C12345P";

/// A Y4M video (640 × 480, 4:2:0) of the code on a grey table, for Chromium's fake camera.
fn y4m(text: &str) -> Vec<u8> {
    let (w, h) = (640usize, 480usize);
    let (px, side) = common::qr::picture(text, 1);
    let target = 440usize;
    let mut y_plane = vec![180u8; w * h];
    let (ox, oy) = ((w - target) / 2, (h - target) / 2);
    for y in 0..target {
        for x in 0..target {
            y_plane[(oy + y) * w + ox + x] = px[(y * side / target) * side + x * side / target];
        }
    }
    let mut out = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..10 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&y_plane);
        out.extend(std::iter::repeat_n(128u8, w * h / 2));
    }
    out
}

fn path_of(qr: &str) -> String {
    format!("/V/{}", qr.split("/V/").nth(1).unwrap())
}

async fn issue(base: &str, token: &str) -> Value {
    let r = post_json(
        &format!("{base}/v1/licences"),
        Some(token),
        &json!({"kind": "business-licence", "values": values("business-licence")}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_page_in_chromium() {
    let tools = match common::browser::tools() {
        Ok(t) => t,
        Err(why) => {
            println!("skipped: browser tests: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    init_region(&data, None);
    let token = agency(&data, &work, "广州市市场监督管理局", AGENCY, "agency");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();

    // A valid licence (file, QR URL, photo, camera), a revoked one, a superseded one.
    let valid = issue(&base, &token).await;
    let id = valid["identifier"].as_str().unwrap();
    let qr = valid["qr"].as_str().unwrap();
    let ofd = get(&format!("{base}/v1/licences/{id}/document"), Some(&token))
        .await
        .body;
    let mut changed = ofd.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let revoked = issue(&base, &token).await;
    let r = post_json(
        &format!(
            "{base}/v1/licences/{}/revoke",
            revoked["identifier"].as_str().unwrap()
        ),
        Some(&token),
        &json!({"reason": "注销登记"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let old = issue(&base, &token).await;
    let mut v = values("business-licence");
    v["domicile"] = json!("广州市天河区新址路8号");
    let r = post_json(
        &format!(
            "{base}/v1/licences/{}/change",
            old["identifier"].as_str().unwrap()
        ),
        Some(&token),
        &json!({"values": v}),
    )
    .await;
    assert_eq!(r.status, 201);
    let current = r.json()["identifier"].as_str().unwrap().to_string();

    let write = |name: &str, bytes: &[u8]| std::fs::write(files.join(name), bytes).unwrap();
    write("licence.ofd", &ofd);
    write("changed.ofd", &changed);
    write("qr.png", &common::qr::png(qr, 8));
    write("qr.y4m", &y4m(qr));
    let paths = json!({
        "valid": path_of(qr),
        "revoked": path_of(revoked["qr"].as_str().unwrap()),
        "superseded": path_of(old["qr"].as_str().unwrap()),
        "current": current,
    });
    write("paths.json", paths.to_string().as_bytes());
    let files_s = files.to_string_lossy().to_string();
    common::browser::run(
        &tools,
        "scenarios.mjs",
        &[("BASE", base.as_str()), ("FILES", files_s.as_str())],
        &[
            "upload-valid",
            "upload-valid: seal picture shown",
            "upload-changed",
            "revoked",
            "superseded",
            "english",
            "qr-url",
            "photo",
            "no-javascript",
            "phone",
            "camera",
            "axe",
        ],
    )
    .await;
}
