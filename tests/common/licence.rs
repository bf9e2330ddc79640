//! E-licence agencies and field values: a licence-issuer token bound to an agency's credit
//! code and certificate with an e-licence seal listing it, and valid values of each shipped kind.

use super::http::issue_generated_org;
use super::{run_ok, yinxin};
use base64::Engine;
use serde_json::{Value, json};
use std::path::Path;

/// A licence-issuer token for `credit` bound to a new certificate whose key is imported, and
/// an e-licence seal for the agency listing that certificate; returns the token's secret.
pub fn agency(data: &Path, work: &Path, name: &str, credit: &str, out: &str) -> String {
    agency_with_serial(data, work, name, credit, out).0
}

/// [`agency`]: the token's secret and the certificate's serial (its key in `work/<out>`).
pub fn agency_with_serial(
    data: &Path,
    work: &Path,
    name: &str,
    credit: &str,
    out: &str,
) -> (String, String) {
    sealing_agency(data, work, name, credit, out, "licence-issuer")
}

/// An agency that seals e-licences: a new certificate for `credit` (key in `work/<out>`), its
/// e-licence seal `<name>电子证照专用章` listing it, and a token of `role` bound to both (the
/// key imported); returns the token's secret and the certificate's serial.
pub fn sealing_agency(
    data: &Path,
    work: &Path,
    name: &str,
    credit: &str,
    out: &str,
    role: &str,
) -> (String, String) {
    let serial = issue_generated_org(data, work, name, credit, out);
    run_ok(
        yinxin()
            .args([
                "seal",
                "create",
                "--holder",
                credit,
                "--type",
                "e-licence",
                "--name",
                &format!("{name}电子证照专用章"),
                "--signer",
                &serial,
                "--data-dir",
            ])
            .arg(data),
    );
    let o = run_ok(
        yinxin()
            .args([
                "token",
                "create",
                "--role",
                role,
                "--org",
                credit,
                "--cert",
                &serial,
                "--data-dir",
            ])
            .arg(data)
            .arg("--key")
            .arg(work.join(out).join("key.pem"))
            .arg("--key-passphrase-file")
            .arg(work.join("kp.txt")),
    );
    let token = serde_json::from_slice::<Value>(&o.stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    (token, serial)
}

/// `POST /v1/verify` of `object` as JSON base64 at `base`: the report.
pub async fn verify_object(base: &str, object: &[u8]) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD.encode(object);
    let r = super::http::post_json(
        &format!("{base}/v1/verify"),
        None,
        &json!({"object_base64": b64}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// A small PNG (a holder photo), base64.
pub fn png() -> String {
    let mut p = tiny_skia::Pixmap::new(60, 80).unwrap();
    p.fill(tiny_skia::Color::from_rgba8(200, 210, 230, 255));
    base64::engine::general_purpose::STANDARD.encode(p.encode_png().unwrap())
}

/// Valid field values of each shipped kind.
pub fn values(kind: &str) -> Value {
    match kind {
        "business-licence" => json!({
            "credit_code": "91440101MA5CJMYA97",
            "name": "广州示例科技有限公司",
            "entity_type": "有限责任公司（自然人投资或控股）",
            "legal_representative": "张三",
            "business_scope": "软件开发；信息技术咨询服务。",
            "registered_capital": "100",
            "established": "2019-03-01",
            "domicile": "广州市天河区示例路1号"
        }),
        "food-business-licence" => json!({
            "operator_name": "示例餐饮店",
            "credit_code": "91440101MA5CJMYA97",
            "licence_number": "JY14401010000001",
            "legal_representative": "李四",
            "domicile": "广州市天河区示例路2号",
            "premises": "广州市天河区示例路2号",
            "business_form": "餐饮服务经营者",
            "items": "热食类食品制售"
        }),
        _ => json!({
            "holder_name": "王小明",
            "id_number": "11010519491231002X",
            "gender": "男",
            "qualification": "注册会计师",
            "level": "中级",
            "certificate_number": "A2026000123",
            "approved_on": "2026-06-01",
            "photo": png()
        }),
    }
}
