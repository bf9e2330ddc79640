mod common;
use common::http::{Server, get, post_json};
use common::init_region;
use common::licence::{agency, values, verify_object};
use serde_json::json;

const AGENCY: &str = "11440100MB2C12345P";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    init_region(&data, None);
    let token = agency(&data, &work, "广州市市场监督管理局", AGENCY, "agency");
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let licences = format!("{base}/v1/licences");
    let r = post_json(&licences, Some(&token), &json!({"kind": "professional-qualification", "values": values("professional-qualification")})).await;
    let j = r.json();
    let id = j["identifier"].as_str().unwrap().to_string();
    let doc = get(&format!("{licences}/{id}/document"), Some(&token)).await;
    std::fs::write("/tmp/dump_licence.ofd", &doc.body).unwrap();
    let report = verify_object(&base, &doc.body).await;
    std::fs::write(
        "/tmp/dump_ofd.json",
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    let qr = post_json(&format!("{base}/v1/verify"), None, &json!({"qr": j["qr"]}))
        .await
        .json();
    std::fs::write(
        "/tmp/dump_qr.json",
        serde_json::to_string_pretty(&qr).unwrap(),
    )
    .unwrap();
    let mut bad = doc.body.clone();
    let n = bad.len() / 2;
    bad[n] ^= 1;
    let report = verify_object(&base, &bad).await;
    std::fs::write(
        "/tmp/dump_bad.json",
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
}
