//! `yinxin licence issue | change | revoke | show | document | import` over a region made with
//! `yinxin init`: an agency's organization certificate (key generated, imported into the key
//! store with `yinxin token create --role licence-issuer`) and its 电子证照专用章 listing it.
//! A licence issued from the command line: its OFD verifies TOTAL_PASSED with `yinxin verify` (the
//! licence itself is undecided offline without its status); the same
//! external key gives back the same licence; a change makes version 002 and supersedes 001; a
//! revocation shows; a bulk import issues the good rows, describes the bad ones (naming the
//! field, never an identity number) and, run again, skips what it issued.

mod common;
use common::{init_region, run_ok, yinxin};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A GB 32100 code: the 17 characters given and their check character.
fn credit_code(first17: &str) -> String {
    let c = yinxin::pki::identifiers::credit_code_check_char(first17).unwrap();
    format!("{first17}{c}")
}

/// The `i`-th company's credit code.
fn company_code(i: usize) -> String {
    credit_code(&format!("91440101MA5CJM{i:03}"))
}

/// The values of a business licence for company `i`.
fn company(i: usize) -> Value {
    json!({
        "credit_code": company_code(i),
        "name": format!("广州示例{i}科技有限公司"),
        "entity_type": "有限责任公司（自然人投资或控股）",
        "legal_representative": "张三",
        "business_scope": "软件开发；信息技术咨询服务。",
        "registered_capital": "100",
        "established": "2019-03-01",
        "domicile": format!("广州市天河区示例路{i}号, A座"),
    })
}

struct Env {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    data: PathBuf,
    agency: String,
    serial: String,
}

impl Env {
    fn path(&self, name: &str) -> PathBuf {
        self.work.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// `yinxin licence <args> --data-dir D` (not checked).
    fn licence(&self, args: &[&str]) -> Output {
        yinxin()
            .arg("licence")
            .args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .output()
            .unwrap()
    }

    /// The same, which must succeed: its standard output as JSON.
    fn licence_ok(&self, args: &[&str]) -> Value {
        let o = self.licence(args);
        assert!(
            o.status.success(),
            "licence {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).unwrap()
    }

    fn issue(&self, values: &Value, key: Option<&str>, out: &str) -> Value {
        let v = self.write(&format!("{out}.json"), &values.to_string());
        let out = self.path(out);
        let mut args = vec![
            "issue",
            "--kind",
            "business-licence",
            "--agency",
            &self.agency,
            "--cert",
            &self.serial,
            "--values",
            v.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(k) = key {
            args.extend(["--external-key", k]);
        }
        self.licence_ok(&args)
    }

    fn show(&self, id: &str) -> Value {
        self.licence_ok(&["show", id, "--agency", &self.agency])
    }
}

/// A region with an agency that may issue licences: its SM2 organization certificate (key
/// imported with a licence-issuer token) and its active e-licence seal listing it.
fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().to_path_buf();
    let data = work.join("data");
    init_region(&data, None);
    let agency = credit_code("11440100MB2C12345");
    let (_, serial) = common::licence::agency_with_serial(
        &data,
        &work,
        "广州市市场监督管理局",
        &agency,
        "agency",
    );
    Env {
        _tmp: tmp,
        work,
        data,
        agency,
        serial,
    }
}

/// The signed status of the agency's e-licence seal (what `GET /v1/seals/{id}/status` serves),
/// made with the region's seal maker, and the CRLs of the SM2 CAs (`yinxin crl`).
async fn evidence(env: &Env) -> Vec<std::ffi::OsString> {
    use yinxin::seal::service::SealRepository;
    let config = yinxin::config::Config::load(&env.data).unwrap();
    let url = yinxin::config::resolve_database_url(&config.database.url, &env.data);
    let store = std::sync::Arc::new(yinxin::store::Store::connect(&url).await.unwrap());
    let region = yinxin::pki::region::Region::from_parts(&env.data, config, store.clone())
        .await
        .unwrap();
    let (maker, maker_cert) = region
        .service_signer("sm2-seal-maker", &common::region::pass())
        .await
        .unwrap();
    let seal = store
        .seals(Some(&env.agency))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.seal_type == "e-licence")
        .unwrap();
    let status = yinxin::seal::status::issue(
        &seal,
        &region.config.region.code,
        maker.as_ref(),
        &maker_cert,
        yinxin::clock::now_secs(),
        3600,
    )
    .unwrap();
    let status_file = env.path("seal-status.cms");
    std::fs::write(&status_file, status).unwrap();
    let mut args: Vec<std::ffi::OsString> = vec![
        "--anchor".into(),
        env.data.join("ca/sm2-root.pem").into(),
        "--chain".into(),
        env.data.join("ca/sm2-issuing.pem").into(),
        "--seal-status".into(),
        status_file.into(),
    ];
    for ca in ["sm2-issuing", "sm2-root"] {
        let crl = env.path(&format!("{ca}.crl"));
        run_ok(
            yinxin()
                .args(["crl", "--ca", ca, "--data-dir"])
                .arg(&env.data)
                .arg("--out")
                .arg(&crl),
        );
        args.push("--crl".into());
        args.push(crl.into());
    }
    args
}

fn verify(file: &Path, evidence: &[std::ffi::OsString]) -> (Option<i32>, String) {
    let o = yinxin()
        .arg("verify")
        .arg(file)
        .args(evidence)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_verify_replay_change_revoke_show() {
    let env = setup();
    let issued = env.issue(&company(1), Some("REG-0001"), "l1.ofd");
    let id = issued["identifier"].as_str().unwrap().to_string();
    assert_eq!(issued["version"], 1, "{issued:#}");
    assert_eq!(issued["status"], "active");
    assert_eq!(issued["replayed"], false);
    assert!(issued["qr"].as_str().unwrap().contains("/V/"), "{issued:#}");
    assert!(id.contains(&env.agency), "{id}");
    // The identifier's check character is right.
    let o = yinxin()
        .args(["licence", "check-id", &id])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The sealed OFD verifies: the agency's seal, its certificate, the TSA's timestamp.
    let evidence = evidence(&env).await;
    // Offline, without the registry or a signed status of our own region, the licence is
    // undecided (its status is unknown) while its OFD passes.
    let (code, out) = verify(&env.path("l1.ofd"), &evidence);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.starts_with("INDETERMINATE"), "{out}");
    assert!(out.contains("status: unknown"), "{out}");
    assert!(out.contains("TOTAL_PASSED  (OFD, 1 signature(s))"), "{out}");
    assert!(out.contains("e-licence seal"), "{out}");
    // The seal's time is proven by the region's TSA.
    let o = yinxin()
        .arg("verify")
        .arg(env.path("l1.ofd"))
        .args(&evidence)
        .arg("--json")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let seal = &report["signatures"][0]["seal"];
    assert_eq!(seal["time"]["basis"], "timestamp", "{report:#}");
    assert!(
        seal["time"]["proven"]["tsu"]
            .as_str()
            .unwrap()
            .contains("Time-Stamping Unit"),
        "{report:#}"
    );
    // What is stored is what was written.
    env.licence_ok(&[
        "document",
        &id,
        "--out",
        env.path("l1-stored.ofd").to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(env.path("l1.ofd")).unwrap(),
        std::fs::read(env.path("l1-stored.ofd")).unwrap()
    );

    // The same external key: the same licence, replayed (the values are not looked at again).
    let again = env.issue(&company(2), Some("REG-0001"), "l1-again.ofd");
    assert_eq!(again["identifier"], id.as_str());
    assert_eq!(again["replayed"], true);
    assert_eq!(again["qr"], issued["qr"]);
    assert_eq!(
        std::fs::read(env.path("l1-again.ofd")).unwrap(),
        std::fs::read(env.path("l1.ofd")).unwrap()
    );
    // An existing output file is refused before anything is issued.
    let v = env.write("dup.json", &company(3).to_string());
    let o = env.licence(&[
        "issue",
        "--kind",
        "business-licence",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        "--values",
        v.to_str().unwrap(),
        "--out",
        env.path("l1.ofd").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
    // Bad values: the field is named, nothing is issued.
    let mut bad = company(4);
    bad["established"] = json!("2019-13-01");
    let v = env.write("bad.json", &bad.to_string());
    let o = env.licence(&[
        "issue",
        "--kind",
        "business-licence",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        "--values",
        v.to_str().unwrap(),
        "--out",
        env.path("bad.ofd").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("established: must be a date"), "{err}");
    assert!(!env.path("bad.ofd").exists());

    // Show: the record, the fields, the events.
    let shown = env.show(&id);
    assert_eq!(shown["status"], "active", "{shown:#}");
    assert_eq!(shown["fields"]["name"], "广州示例1科技有限公司");
    assert_eq!(shown["external_key"], "REG-0001");
    assert_eq!(shown["events"][0]["event"], "licence.issue");
    // Another agency sees nothing of it.
    let other = credit_code("11440100MB2C99999");
    let o = env.licence(&["show", &id, "--agency", &other]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("issued by another agency"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Change: version 002, the old one superseded and pointing at it.
    let mut changed = company(1);
    changed["domicile"] = json!("广州市黄埔区新址路8号");
    let v = env.write("changed.json", &changed.to_string());
    let o = env.licence(&[
        "change",
        &id,
        "--agency",
        &env.agency,
        "--values",
        v.to_str().unwrap(),
        "--cert",
        &env.serial,
        "--out",
        env.path("l1-v2.ofd").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v2: Value = serde_json::from_slice(&o.stdout).unwrap();
    let id2 = v2["identifier"].as_str().unwrap().to_string();
    assert_eq!(v2["version"], 2, "{v2:#}");
    assert!(id2.contains(".002."), "{id2}");
    assert_eq!(id2[..id2.len() - 6], id[..id.len() - 6], "same lineage");
    let old = env.show(&id);
    assert_eq!(old["status"], "superseded", "{old:#}");
    assert_eq!(old["superseded_by"], id2.as_str());
    assert_eq!(
        env.show(&id2)["fields"]["domicile"],
        "广州市黄埔区新址路8号"
    );
    let (_, out) = verify(&env.path("l1-v2.ofd"), &evidence);
    assert!(out.contains("TOTAL_PASSED  (OFD, 1 signature(s))"), "{out}");
    assert!(out.contains(".002."), "{out}");
    // A superseded version cannot be changed again.
    let o = env.licence(&[
        "change",
        &id,
        "--agency",
        &env.agency,
        "--values",
        v.to_str().unwrap(),
        "--cert",
        &env.serial,
        "--out",
        env.path("l1-v3.ofd").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("superseded"));

    // Suspend needs a reason; suspend, resume, revoke.
    let o = env.licence(&["suspend", &id2, "--agency", &env.agency]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("reason is required"));
    let s = env.licence_ok(&[
        "suspend",
        &id2,
        "--agency",
        &env.agency,
        "--reason",
        "责令整改",
    ]);
    assert_eq!(s["status"], "suspended");
    let s = env.licence_ok(&["resume", &id2, "--agency", &env.agency]);
    assert_eq!(s["status"], "active");
    let s = env.licence_ok(&[
        "revoke",
        &id2,
        "--agency",
        &env.agency,
        "--reason",
        "企业申请注销",
    ]);
    assert_eq!(s["status"], "revoked");
    let shown = env.show(&id2);
    assert_eq!(shown["status"], "revoked", "{shown:#}");
    assert_eq!(shown["status_reason"], "企业申请注销");
    let events: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "licence.issue",
            "licence.suspend",
            "licence.resume",
            "licence.revoke"
        ]
    );
    // Revoked is final.
    let o = env.licence(&["resume", &id2, "--agency", &env.agency]);
    assert_eq!(o.status.code(), Some(1));
}

/// The CSV of 20 companies; rows 5 (wrong check character) and 12 (no name) are bad.
fn companies_csv() -> String {
    let cols = [
        "credit_code",
        "name",
        "entity_type",
        "legal_representative",
        "business_scope",
        "registered_capital",
        "established",
        "domicile",
    ];
    let mut csv = format!("external_key,{}\n", cols.join(","));
    for i in 1..=20 {
        let mut v = company(100 + i);
        if i == 5 {
            let code = company_code(100 + i);
            let wrong = if code.ends_with('0') { '1' } else { '0' };
            v["credit_code"] = json!(format!("{}{wrong}", &code[..17]));
        }
        if i == 12 {
            v["name"] = json!("");
        }
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                let s = v[c].as_str().unwrap();
                if s.contains(',') {
                    format!("\"{s}\"")
                } else {
                    s.to_string()
                }
            })
            .collect();
        csv.push_str(&format!("CO-{i:04},{}\n", cells.join(",")));
    }
    csv
}

#[test]
fn import_issues_the_good_rows_and_resumes() {
    let env = setup();
    let file = env.write("companies.csv", &companies_csv());
    let errors = env.path("errors.jsonl");
    let args = |errors: &Path| {
        vec![
            "import".to_string(),
            "--kind".into(),
            "business-licence".into(),
            "--agency".into(),
            env.agency.clone(),
            "--cert".into(),
            env.serial.clone(),
            file.to_str().unwrap().into(),
            "--errors".into(),
            errors.to_str().unwrap().into(),
        ]
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        env.licence(&a)
    };
    let o = run(args(&errors));
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    // Two rows failed: exit 1, with the summary all the same.
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 of 20 rows failed"), "{stderr}");
    assert!(
        stderr.contains("18 issued, 0 skipped (already issued), 2 failed in "),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            &summary["rows"],
            &summary["issued"],
            &summary["skipped"],
            &summary["failed"]
        ),
        (&json!(20), &json!(18), &json!(0), &json!(2)),
        "{summary:#}"
    );
    assert!(summary["rows_per_second"].as_f64().unwrap() > 0.0);
    let lines: Vec<Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["row"], 5);
    assert_eq!(lines[0]["key"], "CO-0005");
    assert_eq!(lines[0]["errors"][0]["field"], "credit_code", "{lines:?}");
    assert_eq!(lines[1]["row"], 12);
    assert_eq!(lines[1]["errors"][0]["field"], "name");
    assert_eq!(lines[1]["errors"][0]["reason"], "is required");

    // A row's licence is there under its key, with the CSV's quoted value.
    let again = env.issue(&company(999), Some("CO-0003"), "co3.ofd");
    assert_eq!(again["replayed"], true);
    let shown = env.show(again["identifier"].as_str().unwrap());
    assert_eq!(shown["fields"]["domicile"], "广州市天河区示例路103号, A座");

    // Run again: the 18 are skipped, nothing new, the 2 still fail.
    let o = run(args(&errors));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (&summary["issued"], &summary["skipped"], &summary["failed"]),
        (&json!(0), &json!(18), &json!(2)),
        "{summary:#}"
    );
    assert_eq!(std::fs::read_to_string(&errors).unwrap().lines().count(), 2);

    // Fixed rows in a file of their own (JSON lines) are issued; their keys say which rows.
    let mut fixed5 = company(105);
    fixed5["external_key"] = json!("CO-0005");
    let mut fixed12 = company(112);
    fixed12["external_key"] = json!("CO-0012");
    let jl = env.write("fixed.jsonl", &format!("{fixed5}\n\n{fixed12}\n"));
    let o = env.licence(&[
        "import",
        "--kind",
        "business-licence",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        jl.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["issued"], 2, "{summary:#}");
    let default_errors = env.path("fixed.jsonl.errors.jsonl");
    assert_eq!(std::fs::read_to_string(default_errors).unwrap(), "");
}

#[test]
fn import_errors_never_hold_an_identity_number() {
    use base64::Engine as _;
    let env = setup();
    let id_number = "11010519491231002X";
    let photo = base64::engine::general_purpose::STANDARD.encode(common::RED_PNG);
    let person = |key: &str, approved: &str| {
        json!({
            "external_key": key,
            "holder_name": "王五",
            "id_number": id_number,
            "gender": "男",
            "qualification": "信息系统项目管理师",
            "level": "高级",
            "specialty": "计算机技术与软件",
            "certificate_number": "2026ZC0001234",
            "approved_on": approved,
            "photo": photo,
        })
    };
    let jl = env.write(
        "people.jsonl",
        &format!(
            "{}\n{}\n{{\"{id_number}\": \"x\"}}\n",
            person("A", "2026-06-30"),
            person(&format!("APP-{id_number}"), "2026-02-30")
        ),
    );
    let o = env.licence(&[
        "import",
        "--kind",
        "professional-qualification",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        jl.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["issued"], 1, "{summary:#} {stderr}");
    assert_eq!(summary["failed"], 2);
    let text = std::fs::read_to_string(env.path("people.jsonl.errors.jsonl")).unwrap();
    assert!(!text.contains(id_number), "{text}");
    assert!(!stderr.contains(id_number), "{stderr}");
    assert!(text.contains("APP-[id-number]"), "{text}");
    assert!(text.contains("approved_on"), "{text}");
    // The licence (found again by its key) shows the number masked unless asked.
    let mut values = person("A", "2026-06-30");
    values.as_object_mut().unwrap().remove("external_key");
    let v = env.write("p.json", &values.to_string());
    let again = env.licence_ok(&[
        "issue",
        "--kind",
        "professional-qualification",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        "--values",
        v.to_str().unwrap(),
        "--external-key",
        "A",
        "--out",
        env.path("p.ofd").to_str().unwrap(),
    ]);
    assert_eq!(again["replayed"], true);
    let id = again["identifier"].as_str().unwrap().to_string();
    let masked = env.show(&id);
    assert_ne!(masked["fields"]["id_number"], id_number, "{masked:#}");
    assert!(!masked.to_string().contains(id_number));
    let full = env.licence_ok(&["show", &id, "--agency", &env.agency, "--unmasked"]);
    assert_eq!(full["fields"]["id_number"], id_number);
    // A sensitive field cannot be the key column (keys are stored in clear).
    let o = env.licence(&[
        "import",
        "--kind",
        "professional-qualification",
        "--agency",
        &env.agency,
        "--cert",
        &env.serial,
        jl.to_str().unwrap(),
        "--key-column",
        "id_number",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sensitive field"));
}
