//! Seal hardening (issue 12, items 3–5), against a real `yinxin serve`:
//!
//! - personal seals (个人名章): the holder's identity number is checked and replaced by the
//!   salted hash of person certificates; it is never stored, logged, audited or served (the
//!   database files, the server log, the audit log and every API answer are searched for it);
//! - client-side stamping (`prepare` / `complete`) has the binding of server-side stamping:
//!   cross-organization, revoked or on-hold signers and suspended seals are refused before any
//!   timestamp is issued (the TSA's serial counter shows none);
//! - every refusal is audited with its actor and reason (read back through `GET /v1/audit`);
//! - seals registered before these checks keep working.

#[path = "seal_hardening/binding.rs"]
mod binding;
mod common;
#[path = "seal_hardening/support.rs"]
mod support;

use base64::Engine;
use common::http::*;
use common::{RED_PNG, init_region, run_ok, yinxin};
use serde_json::{Value, json};
use support::*;

/// A personal seal is made for a checked identity number, stored and shown as the hash of
/// person certificates; bad numbers are refused with their reason; the public view, picture
/// and `.esl` serve no personal data; the number is nowhere: not in the database files, the
/// server log, the audit log or any answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_seals_never_keep_the_identity_number() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, data) = (tmp.path(), tmp.path().join("data"));
    init_region(&data, None);
    let serial_p = person(&data, work, "张三", ID, "person");
    let serial_q = person(&data, work, "李四", &other_id(), "other");
    let serial_a = org(&data, work, "甲单位", ORG_A, "org-a");

    // The CLI: same checks, same hash (lower-case check character: the same person).
    let cli = |holder: &str, seal_type: &str, signer: &str| {
        yinxin()
            .args(["seal", "create", "--holder", holder, "--type", seal_type])
            .args(["--name", "张三", "--signer", signer, "--data-dir"])
            .arg(&data)
            .arg("--picture")
            .arg(work.join("seal.png"))
            .output()
            .unwrap()
    };
    std::fs::write(work.join("seal.png"), RED_PNG).unwrap();
    let o = cli(&ID.to_lowercase(), "personal", &serial_p);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cli_seal: Value = serde_json::from_slice(&o.stdout).unwrap();
    let hash = cli_seal["holder"].as_str().unwrap().to_string();
    assert!(yinxin::seal::holder::is_person_hash(&hash), "{hash}");
    let o = cli(ID, "official", &serial_p);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("credit code") && !err.contains(ID), "{err}");
    let o = cli(ID, "personal", &serial_q);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("holder's certificates"));

    let (_, admin) = token(&data, "seal-admin", None);
    let (_, admin_a) = token(&data, "seal-admin", Some(ORG_A));
    let (_, auditor) = token(&data, "auditor", None);
    let signer_p = signer_token(&data, work, &serial_p, "person");
    let signer_q = signer_token(&data, work, &serial_q, "other");
    let log = work.join("server.log");
    let server = start_logged(&data, &log);
    let base = server.base.clone();
    let mut answers: Vec<Vec<u8>> = vec![cli_seal.to_string().into_bytes(), o.stderr.clone()];

    // Made through the API: the hash, the same as the CLI's and as the person certificate's.
    let r = post_json(
        &format!("{base}/v1/seals"),
        Some(&admin),
        &seal_body(ID, "personal", "张三", &[&serial_p]),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    answers.push(r.body.clone());
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["holder"], json!(hash));
    assert_eq!(r.json()["holder_kind"], "person");
    let r = get(
        &format!("{base}/v1/certificates/{serial_p}"),
        Some(&auditor),
    )
    .await;
    assert_eq!(
        r.json()["holder"],
        json!(hash),
        "the person certificate's hash"
    );
    answers.push(r.body.clone());

    // Refused holders and signers, each with its reason (never the number).
    let mut future = String::from("11010520990101001");
    future.push(yinxin::pki::identifiers::id_number_check_char(&future).unwrap());
    let bad_check = format!("{}1", &ID[..17]);
    for (body, token, status, kind, reason) in [
        (
            seal_body(&bad_check, "personal", "张三", &[&serial_p]),
            &admin,
            422,
            "bad-check-character",
            "check character",
        ),
        (
            seal_body(&future, "personal", "张三", &[&serial_p]),
            &admin,
            422,
            "invalid-holder",
            "birth date is in the future",
        ),
        (
            seal_body(ORG_A, "personal", "张三", &[&serial_p]),
            &admin,
            422,
            "invalid-holder",
            "resident identity number",
        ),
        (
            seal_body(ID, "official", "张三", &[&serial_p]),
            &admin,
            422,
            "bad-check-character",
            "unified social credit code",
        ),
        (
            seal_body(ID, "personal", "张三", &[&serial_a]),
            &admin,
            422,
            "signer-not-holder",
            "its holder's certificates",
        ),
        (
            seal_body(ID, "personal", "张三", &[&serial_p]),
            &admin_a,
            403,
            "forbidden",
            "personal seals are made by an unbound seal-admin",
        ),
    ] {
        let r = post_json(&format!("{base}/v1/seals"), Some(token), &body).await;
        refused(&r, status, kind, reason);
        answers.push(r.body.clone());
    }

    // The public view: the hash and the name on the seal; no signer serials, no number.
    let r = get(&format!("{base}/v1/seals/{id}"), None).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        (
            v["holder"].as_str(),
            v["holder_kind"].as_str(),
            v["name"].as_str()
        ),
        (Some(hash.as_str()), Some("person"), Some("张三"))
    );
    assert!(v.get("signer_serials").is_none(), "{v}");
    answers.push(r.body.clone());
    let pic = call(
        "GET",
        &format!("{base}/v1/seals/{id}"),
        None,
        &[("accept", "image/png")],
        vec![],
    )
    .await;
    assert_eq!(pic.body, RED_PNG);
    // The .esl carries the holder's certificate: not for anyone.
    let esl = |token: Option<String>| {
        let url = format!("{base}/v1/seals/{id}");
        async move {
            call(
                "GET",
                &url,
                token.as_deref(),
                &[("accept", "application/octet-stream")],
                vec![],
            )
            .await
        }
    };
    refused(&esl(None).await, 401, "unauthorized", "personal data");
    refused(
        &esl(Some(signer_q.clone())).await,
        403,
        "personal-data",
        "its signers only",
    );
    for t in [&auditor, &admin, &signer_p] {
        let r = esl(Some(t.clone())).await;
        assert_eq!(r.status, 200);
        assert!(yinxin::seal::Seal::from_der(&r.body).is_ok());
    }

    // Stamping: its holder only.
    let r = post_json(
        &format!("{base}/v1/seals/{id}/sign"),
        Some(&signer_p),
        &json!({"data_base64": b64().encode("同意")}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    answers.push(r.body.clone());
    let r = post_json(
        &format!("{base}/v1/seals/{id}/sign"),
        Some(&signer_q),
        &json!({"data_base64": b64().encode("同意")}),
    )
    .await;
    refused(&r, 403, "signer-not-allowed", "not one the seal allows");
    // A bound seal-admin does not suspend a personal seal.
    let r = post_json(
        &format!("{base}/v1/seals/{id}/revoke"),
        Some(&admin_a),
        &json!({"suspend": true}),
    )
    .await;
    refused(&r, 403, "forbidden", "does not belong to your organization");

    // The refusals are audited with their reasons, the success with the hash.
    let audit = audit_log(&base, &auditor).await;
    let text = serde_json::to_string(&audit).unwrap();
    for (action, outcome, kind, reason) in [
        (
            "seal.create",
            "rejected",
            "bad-check-character",
            "check character",
        ),
        ("seal.create", "rejected", "invalid-holder", "in the future"),
        (
            "seal.create",
            "rejected",
            "invalid-holder",
            "identity number",
        ),
        (
            "seal.create",
            "rejected",
            "bad-check-character",
            "credit code",
        ),
        (
            "seal.create",
            "rejected",
            "signer-not-holder",
            serial_a.as_str(),
        ),
        ("seal.create", "denied", "forbidden", "unbound seal-admin"),
        ("seal.read", "denied", "personal-data", "its signers only"),
        ("seal.sign", "denied", "signer-not-allowed", "seal allows"),
        ("seal.suspend", "denied", "forbidden", "your organization"),
    ] {
        assert_audited(&audit, action, outcome, kind, reason);
    }
    assert!(
        audit.iter().any(|e| e["action"] == "seal.create"
            && e["object"] == json!(id)
            && e["detail"] == json!(format!("type=personal holder_kind=person holder={hash}"))),
        "{text}"
    );
    drop(server);

    // The number (and the future one, and its lower-case form) is nowhere.
    let mut places: Vec<(String, Vec<u8>)> = files(&data)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    let db = places
        .iter()
        .filter(|(n, _)| n.contains("yinxin.db"))
        .count();
    assert!(db >= 1, "the SQLite database is searched");
    places.push(("server log".into(), std::fs::read(&log).unwrap()));
    places.push(("audit".into(), text.into_bytes()));
    for (i, a) in answers.into_iter().enumerate() {
        places.push((format!("answer {i}"), a));
    }
    for (name, bytes) in &places {
        for needle in [ID, &ID.to_lowercase(), &future, &other_id()] {
            assert!(!contains(bytes, needle), "{needle} found in {name}");
        }
    }
    assert!(
        std::fs::metadata(&log).unwrap().len() > 0,
        "the server logged something"
    );
}
/// Seals registered before the checks keep working: a personal seal whose row holds the raw
/// number (shown and bound as its hash), and an organization seal whose holder is not its
/// signer's organization (refused at stamping).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seals_registered_before_the_checks_keep_working() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, data) = (tmp.path(), tmp.path().join("data"));
    init_region(&data, None);
    let serial_p = person(&data, work, "张三", ID, "person");
    let serial_b = org(&data, work, "乙单位", ORG_B, "b");
    std::fs::write(work.join("seal.png"), RED_PNG).unwrap();
    let create = |holder: &str, seal_type: &str, signer: &str| -> Value {
        let o = run_ok(
            yinxin()
                .args(["seal", "create", "--holder", holder, "--type", seal_type])
                .args(["--name", "旧章", "--signer", signer, "--data-dir"])
                .arg(&data)
                .arg("--picture")
                .arg(work.join("seal.png")),
        );
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let personal = create(ID, "personal", &serial_p);
    let hash = personal["holder"].as_str().unwrap().to_string();
    let personal = personal["id"].as_str().unwrap().to_string();
    let official = create(ORG_B, "official", &serial_b)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // What an older version stored: the raw number; a holder that is not the signer's.
    {
        sqlx::any::install_default_drivers();
        let db = yinxin::config::resolve_database_url("sqlite://yinxin.db", &data);
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        for (holder, id) in [(ID, &personal), (ORG_A, &official)] {
            sqlx::query("UPDATE seals SET holder = $1 WHERE id = $2")
                .bind(holder)
                .bind(id.as_str())
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let signer_p = signer_token(&data, work, &serial_p, "person");
    let signer_b = signer_token(&data, work, &serial_b, "b");
    let server = Server::start(&data, ENV);
    let base = server.base.clone();
    let r = get(&format!("{base}/v1/seals/{personal}"), None).await;
    assert_eq!(r.json()["holder"], json!(hash), "shown as its hash");
    assert!(!contains(&r.body, ID));
    let r = call(
        "GET",
        &format!("{base}/v1/seals/{personal}"),
        None,
        &[("accept", "application/octet-stream")],
        vec![],
    )
    .await;
    r.assert_problem(401, "unauthorized");
    let body = json!({"data_base64": b64().encode("同意")});
    let r = post_json(
        &format!("{base}/v1/seals/{personal}/sign"),
        Some(&signer_p),
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = post_json(
        &format!("{base}/v1/seals/{official}/sign"),
        Some(&signer_b),
        &body,
    )
    .await;
    refused(&r, 403, "organization-mismatch", "another organization");
    // The organization seal's public view is the record, as before.
    let v = get(&format!("{base}/v1/seals/{official}"), None)
        .await
        .json();
    assert_eq!(
        (v["holder"].as_str(), v["holder_kind"].as_str()),
        (Some(ORG_A), Some("organization"))
    );
    assert_eq!(v["signer_serials"], json!([serial_b]));
}
