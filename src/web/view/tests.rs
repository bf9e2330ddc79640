use super::*;
use serde_json::json;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/web/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn a_valid_licence_file_names_the_issuer_the_proven_time_and_the_fields() {
    let r = fixture("licence-ofd-report.json");
    let s = Summary::of(&r, Lang::ZhCn);
    assert_eq!(s.verdict, Verdict::Valid);
    assert_eq!(s.object, "e-licence");
    assert!(s.reasons.is_empty(), "{:?}", s.reasons);
    let l = s.licence.as_ref().unwrap();
    assert_eq!(l.kind_name.as_deref(), Some("专业技术人员职业资格证书"));
    assert_eq!(l.status, "active");
    assert!(
        l.fields
            .iter()
            .any(|f| f.label == "持证主体" && f.value == "王小明")
    );
    let sg = &s.signers[0];
    assert_eq!(sg.organization.as_deref(), Some("广州市市场监督管理局"));
    assert_eq!(
        sg.seal_name.as_deref(),
        Some("广州市市场监督管理局电子证照专用章")
    );
    let when = sg.when.as_ref().unwrap();
    assert!(when.proven, "the TSA's time");
    // 1796542418 = 2026-12-06T07:33:38Z = 15:33:38 in Beijing.
    assert_eq!(when.at, "2026-12-06 15:33:38");
    assert_eq!(sg.verdict, Some(Verdict::Valid));
    assert_eq!(
        sg.signed_value.as_deref(),
        Some("/Doc_0/Signs/Sign_0/SignedValue.dat")
    );
    assert!(
        s.steps
            .iter()
            .any(|x| x.part == "licence" && x.name == "status")
    );
    // English labels in English.
    let en = Summary::of(&r, Lang::En);
    let l = en.licence.unwrap();
    assert_eq!(
        l.kind_name.as_deref(),
        Some("Professional qualification certificate")
    );
    assert!(l.fields.iter().any(|f| f.label == "Holder"));
}

#[test]
fn a_time_without_a_timestamp_is_only_claimed() {
    let mut r = fixture("licence-ofd-report.json");
    let time = &mut r["signatures"][0]["seal"]["time"];
    time["basis"] = json!("claimed");
    time.as_object_mut().unwrap().remove("proven");
    let s = Summary::of(&r, Lang::ZhCn);
    let when = s.signers[0].when.clone().unwrap();
    assert!(!when.proven);
    assert_eq!(when.at, "2026-12-06 15:33:38");
    // A "proven" object without the timestamp basis proves nothing either.
    let mut r = fixture("licence-ofd-report.json");
    r["signatures"][0]["seal"]["time"]["basis"] = json!("now");
    assert!(
        !Summary::of(&r, Lang::En).signers[0]
            .when
            .clone()
            .unwrap()
            .proven
    );
}

#[test]
fn the_verdict_is_raised_only_by_the_report_s_own_indication() {
    for (indication, verdict) in [
        (json!("TOTAL_PASSED"), Verdict::Valid),
        (json!("TOTAL_FAILED"), Verdict::Invalid),
        (json!("INDETERMINATE"), Verdict::Undecided),
        (json!("total_passed"), Verdict::Undecided),
        (json!(true), Verdict::Undecided),
        (Value::Null, Verdict::Undecided),
    ] {
        let mut r = fixture("licence-qr-report.json");
        r["indication"] = indication.clone();
        assert_eq!(Summary::of(&r, Lang::ZhCn).verdict, verdict, "{indication}");
    }
    // Passed checks inside do not make a report without an indication valid.
    assert_eq!(
        Summary::of(&json!({}), Lang::ZhCn).verdict,
        Verdict::Undecided
    );
}

#[test]
fn a_changed_file_is_invalid_and_says_why() {
    let r = fixture("changed-ofd-report.json");
    let s = Summary::of(&r, Lang::ZhCn);
    assert_eq!(s.verdict, Verdict::Invalid);
    assert_eq!(s.object, "ofd");
    assert_eq!(s.reasons[0], "数据格式错误");
    assert!(s.reasons[1].contains("Seal.esl"), "{:?}", s.reasons);
    // A reference that failed names the file.
    let mut r = fixture("licence-ofd-report.json");
    r["indication"] = json!("TOTAL_FAILED");
    r["signatures"][0]["indication"] = json!("TOTAL_FAILED");
    r["signatures"][0]["failed_files"] = json!(["Doc_0/Pages/Page_0/Content.xml"]);
    let s = Summary::of(&r, Lang::ZhCn);
    assert_eq!(s.files, ["Doc_0/Pages/Page_0/Content.xml"]);
    assert_eq!(s.signers[0].verdict, Some(Verdict::Invalid));
}

#[test]
fn a_revoked_or_superseded_licence_says_so_and_names_the_current_version() {
    let mut r = fixture("licence-qr-report.json");
    r["indication"] = json!("TOTAL_FAILED");
    r["sub_indication"] = json!("REVOKED");
    r["status"] = json!("revoked");
    r["reason_text"] = json!({"en": "the licence is revoked", "zh-CN": "证照已注销"});
    let s = Summary::of(&r, Lang::ZhCn);
    assert_eq!(s.verdict, Verdict::Invalid);
    assert_eq!(s.licence.as_ref().unwrap().status, "revoked");
    assert_eq!(s.reasons[0], "证照已注销");
    assert_eq!(
        s.licence.unwrap().holder_name.as_deref(),
        Some("王小明"),
        "the QR's claims"
    );
    r["status"] = json!("superseded");
    r["current_identifier"] = json!("1.2.156.3005.2.X.002.Y");
    let s = Summary::of(&r, Lang::En);
    assert_eq!(
        s.licence.unwrap().current_identifier.as_deref(),
        Some("1.2.156.3005.2.X.002.Y")
    );
    assert_eq!(s.reasons[0], "the licence is revoked");
}

#[test]
fn organizations_and_times() {
    assert_eq!(
        organization_of("CN=张三,organizationIdentifier=NTRCN-1,O=某某公司,C=CN").as_deref(),
        Some("某某公司")
    );
    assert_eq!(organization_of("CN=张三,C=CN").as_deref(), Some("张三"));
    assert_eq!(organization_of("C=CN"), None);
    assert_eq!(beijing(0).as_deref(), Some("1970-01-01 08:00:00"));
}
