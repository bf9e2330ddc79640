//! `/openapi.json` is valid OpenAPI 3.1 by an independent validator (`openapi-spec-validator`
//! from PyPI; `.ci/run` installs it in a venv and sets `YINXIN_OPENAPI_VALIDATOR`), and every
//! POST operation documents its request body.

use std::process::Command;

fn validator() -> Option<String> {
    if let Ok(v) = std::env::var("YINXIN_OPENAPI_VALIDATOR") {
        return Some(v);
    }
    Command::new("openapi-spec-validator")
        .arg("--help")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "openapi-spec-validator".to_string())
}

#[test]
fn every_post_documents_its_request_body() {
    let doc = yinxin::api::openapi::document();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if let Some(op) = item.get("post")
            && op.get("requestBody").is_none()
        {
            missing.push(path.clone());
        }
    }
    assert!(missing.is_empty(), "POST without requestBody: {missing:?}");
}

#[test]
fn openapi_document_is_valid() {
    let Some(v) = validator() else {
        println!(
            "skipped: openapi-spec-validator is not installed (pip install openapi-spec-validator)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&yinxin::api::openapi::document()).unwrap(),
    )
    .unwrap();
    let out = Command::new(&v)
        .arg(&file)
        .output()
        .expect("run the validator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("OK"), "{text}");
}
