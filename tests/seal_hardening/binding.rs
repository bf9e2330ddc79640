//! Client-side stamping is bound like server-side stamping, before any timestamp; every
//! refusal is audited.

use super::support::*;
use crate::common::http::*;
use crate::common::init_region;
use base64::Engine;
use serde_json::json;

/// Client-side stamping has the binding of server-side stamping, checked before any
/// timestamp; every refusal of the seal, document and release endpoints is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_stamping_is_bound_and_refusals_are_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, data) = (tmp.path(), tmp.path().join("data"));
    init_region(&data, None);
    let serial_a = org(&data, work, "甲单位", ORG_A, "a");
    let serial_c = org(&data, work, "甲单位", ORG_A, "c");
    let serial_b = org(&data, work, "乙单位", ORG_B, "b");
    // A staff member of no organization may stamp A's seal (holds are for persons).
    let serial_h = person(&data, work, "李四", &other_id(), "h");
    let (_, admin) = token(&data, "seal-admin", None);
    let (_, admin_a) = token(&data, "seal-admin", Some(ORG_A));
    let (_, registrar) = token(&data, "registrar", None);
    let (_, auditor) = token(&data, "auditor", None);
    let signer_a = signer_token(&data, work, &serial_a, "a");
    let signer_b = signer_token(&data, work, &serial_b, "b");
    let signer_c = signer_token(&data, work, &serial_c, "c");
    let signer_h = signer_token(&data, work, &serial_h, "h");
    let server = Server::start(&data, ENV);
    let base = server.base.clone();
    let url = |p: &str| format!("{base}{p}");

    // Seal A (signers a, c, h) by A's seal-admin; seal B by the unbound seal-admin.
    let r = post_json(
        &url("/v1/seals"),
        Some(&admin_a),
        &seal_body(
            ORG_A,
            "official",
            "甲单位",
            &[&serial_a, &serial_c, &serial_h],
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let seal_a = r.json()["id"].as_str().unwrap().to_string();
    let r = post_json(
        &url("/v1/seals"),
        Some(&admin),
        &seal_body(ORG_B, "official", "乙单位", &[&serial_b]),
    )
    .await;
    assert_eq!(r.status, 201);
    let seal_b = r.json()["id"].as_str().unwrap().to_string();
    // Create refusals: another organization's seal; another organization's signer.
    refused(
        &post_json(
            &url("/v1/seals"),
            Some(&admin_a),
            &seal_body(ORG_B, "official", "乙单位", &[&serial_b]),
        )
        .await,
        403,
        "forbidden",
        "makes seals for it only",
    );
    refused(
        &post_json(
            &url("/v1/seals"),
            Some(&admin),
            &seal_body(ORG_A, "official", "甲单位", &[&serial_a, &serial_b]),
        )
        .await,
        422,
        "signer-not-holder",
        "another organization",
    );

    let prepare = |token: String, seal: String, pem: String| {
        let u = url(&format!("/v1/seals/{seal}/prepare"));
        async move {
            post_json(
                &u,
                Some(&token),
                &json!({"data_base64": b64().encode("合同"), "certificate_pem": pem}),
            )
            .await
        }
    };
    let complete = |token: String, seal: String, tbs: Vec<u8>, sig: Vec<u8>, pem: String| {
        let u = url(&format!("/v1/seals/{seal}/complete"));
        async move {
            post_json(
                &u,
                Some(&token),
                &json!({"tbs_base64": b64().encode(tbs), "signature_base64": b64().encode(sig),
                        "certificate_pem": pem}),
            )
            .await
        }
    };
    let sign = |token: String, seal: String| {
        let u = url(&format!("/v1/seals/{seal}/sign"));
        async move {
            post_json(
                &u,
                Some(&token),
                &json!({"data_base64": b64().encode("合同")}),
            )
            .await
        }
    };
    let tbs_of = |r: &Resp| {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        b64()
            .decode(r.json()["tbs_base64"].as_str().unwrap())
            .unwrap()
    };
    let (pem_a, pem_b, pem_c) = (
        cert_pem(work, "a"),
        cert_pem(work, "b"),
        cert_pem(work, "c"),
    );

    // Cross-organization: A's token on B's seal, with B's certificate or its own. No
    // timestamp is issued for any of it.
    let t0 = tsa_serial(&base).await;
    let r = prepare(signer_a.clone(), seal_b.clone(), pem_b.clone()).await;
    refused(
        &r,
        403,
        "certificate-not-bound",
        "not the one this token is bound to",
    );
    let r = prepare(signer_a.clone(), seal_b.clone(), pem_a.clone()).await;
    refused(&r, 403, "signer-not-allowed", "not one the seal allows");
    let tbs_b = tbs_of(&prepare(signer_b.clone(), seal_b.clone(), pem_b.clone()).await);
    let sig_b = sign_locally(work, "b", &tbs_b);
    let r = complete(
        signer_a.clone(),
        seal_b.clone(),
        tbs_b.clone(),
        sig_b.clone(),
        pem_b.clone(),
    )
    .await;
    refused(
        &r,
        403,
        "certificate-not-bound",
        "not the one this token is bound to",
    );
    let sig_ab = sign_locally(work, "a", &tbs_b);
    let r = complete(
        signer_a.clone(),
        seal_b.clone(),
        tbs_b.clone(),
        sig_ab.clone(),
        pem_a.clone(),
    )
    .await;
    refused(&r, 403, "signer-not-allowed", "not one the seal allows");
    refused(
        &sign(signer_a.clone(), seal_b.clone()).await,
        403,
        "signer-not-allowed",
        "not one the seal allows",
    );
    // A's own seal with a TBS that embeds B's seal: refused, not timestamped.
    let r = complete(
        signer_a.clone(),
        seal_a.clone(),
        tbs_b.clone(),
        sig_ab,
        pem_a.clone(),
    )
    .await;
    refused(&r, 422, "invalid-request", "not for this seal");
    assert_eq!(tsa_serial(&base).await, t0 + 1, "no timestamp was issued");
    // B's own completion works (and is timestamped).
    let r = complete(
        signer_b.clone(),
        seal_b.clone(),
        tbs_b,
        sig_b,
        pem_b.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["timestamp"], true);

    // Revoked between prepare and complete: refused before a timestamp is requested.
    let tbs_c = tbs_of(&prepare(signer_c.clone(), seal_a.clone(), pem_c.clone()).await);
    let sig_c = sign_locally(work, "c", &tbs_c);
    let r = post_json(
        &url(&format!("/v1/certificates/{serial_c}/revoke")),
        Some(&registrar),
        &json!({"reason": "keyCompromise"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let t0 = tsa_serial(&base).await;
    let r = complete(
        signer_c.clone(),
        seal_a.clone(),
        tbs_c,
        sig_c,
        pem_c.clone(),
    )
    .await;
    refused(&r, 403, "signer-certificate-revoked", "is revoked");
    let r = prepare(signer_c.clone(), seal_a.clone(), pem_c.clone()).await;
    refused(&r, 403, "signer-certificate-revoked", "is revoked");
    refused(
        &sign(signer_c.clone(), seal_a.clone()).await,
        403,
        "signer-certificate-revoked",
        "is revoked",
    );
    assert_eq!(tsa_serial(&base).await, t0 + 1, "no timestamp was issued");

    // On hold: refused; released: accepted again.
    let pem_h = cert_pem(work, "h");
    let r = post_json(
        &url(&format!("/v1/certificates/{serial_h}/revoke")),
        Some(&registrar),
        &json!({"reason": "certificateHold"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = prepare(signer_h.clone(), seal_a.clone(), pem_h.clone()).await;
    refused(&r, 403, "signer-certificate-on-hold", "is on hold");
    let r = call(
        "POST",
        &url(&format!("/v1/certificates/{serial_h}/release")),
        Some(&registrar),
        &[],
        vec![],
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    tbs_of(&prepare(signer_h.clone(), seal_a.clone(), pem_h).await);
    // Release refusals: a revoked certificate, a bad serial, an unknown one.
    let release = |serial: String| {
        let u = url(&format!("/v1/certificates/{serial}/release"));
        let t = registrar.clone();
        async move { call("POST", &u, Some(&t), &[], vec![]).await }
    };
    refused(
        &release(serial_c.clone()).await,
        409,
        "already-revoked",
        "already revoked",
    );
    release("zz".into())
        .await
        .assert_problem(400, "invalid-serial");
    refused(
        &release("0123456789ABCDEF".into()).await,
        404,
        "not-found",
        "no certificate",
    );

    // Suspended seal: prepared before, completed after: refused, not timestamped.
    let tbs_a = tbs_of(&prepare(signer_a.clone(), seal_a.clone(), pem_a.clone()).await);
    let sig_a = sign_locally(work, "a", &tbs_a);
    refused(
        &post_json(
            &url(&format!("/v1/seals/{seal_b}/revoke")),
            Some(&admin_a),
            &json!({"suspend": true}),
        )
        .await,
        403,
        "forbidden",
        "does not belong to your organization",
    );
    let r = post_json(
        &url(&format!("/v1/seals/{seal_a}/revoke")),
        Some(&admin_a),
        &json!({"suspend": true}),
    )
    .await;
    assert_eq!(r.json()["status"], "suspended");
    let ofd = {
        use yinxin::document::ofd_write::{Item, NewDocument, NewPage, write_ofd};
        write_ofd(&NewDocument {
            pages: vec![NewPage {
                width_mm: 210.0,
                height_mm: 297.0,
                items: vec![Item::Text {
                    x_mm: 20.0,
                    y_mm: 40.0,
                    size_mm: 5.0,
                    text: "合同".into(),
                    font_name: "宋体".into(),
                }],
            }],
            ..Default::default()
        })
        .unwrap()
    };
    let doc = |query: String, token: String, body: Vec<u8>| {
        let u = url(&query);
        async move {
            call(
                "POST",
                &u,
                Some(&token),
                &[("content-type", "application/octet-stream")],
                body,
            )
            .await
        }
    };
    let t0 = tsa_serial(&base).await;
    let r = complete(
        signer_a.clone(),
        seal_a.clone(),
        tbs_a,
        sig_a,
        pem_a.clone(),
    )
    .await;
    refused(&r, 409, "seal-not-active", "is suspended");
    let r = prepare(signer_a.clone(), seal_a.clone(), pem_a.clone()).await;
    refused(&r, 409, "seal-not-active", "is suspended");
    refused(
        &sign(signer_a.clone(), seal_a.clone()).await,
        409,
        "seal-not-active",
        "is suspended",
    );
    let r = doc(
        format!("/v1/documents/seal?seal={seal_a}"),
        signer_a.clone(),
        ofd.clone(),
    )
    .await;
    refused(&r, 409, "seal-not-active", "is suspended");
    assert_eq!(tsa_serial(&base).await, t0 + 1, "no timestamp was issued");
    let r = post_json(
        &url(&format!("/v1/seals/{seal_a}/revoke")),
        Some(&admin_a),
        &json!({}),
    )
    .await;
    assert_eq!(r.json()["status"], "revoked");
    refused(
        &post_json(
            &url(&format!("/v1/seals/{seal_a}/revoke")),
            Some(&admin_a),
            &json!({}),
        )
        .await,
        409,
        "seal-not-active",
        "already revoked",
    );

    // Document refusals.
    refused(
        &doc("/v1/documents/sign".into(), signer_a.clone(), vec![]).await,
        422,
        "empty-document",
        "is empty",
    );
    refused(
        &doc("/v1/documents/sign".into(), signer_c.clone(), b"x".to_vec()).await,
        403,
        "forbidden",
        "is revoked",
    );
    refused(
        &doc("/v1/documents/seal".into(), signer_a.clone(), ofd.clone()).await,
        400,
        "bad-query",
        "'seal' query parameter",
    );
    refused(
        &doc(
            "/v1/documents/seal?seal=NOSUCH".into(),
            signer_a.clone(),
            ofd,
        )
        .await,
        404,
        "not-found",
        "no seal NOSUCH",
    );

    // Every refusal above is in the audit log with its actor and reason.
    let audit = audit_log(&base, &auditor).await;
    for (action, outcome, kind, reason) in [
        (
            "seal.create",
            "denied",
            "forbidden",
            "makes seals for it only",
        ),
        (
            "seal.create",
            "rejected",
            "signer-not-holder",
            serial_b.as_str(),
        ),
        (
            "seal.prepare",
            "denied",
            "certificate-not-bound",
            "bound to",
        ),
        (
            "seal.prepare",
            "denied",
            "signer-not-allowed",
            "seal allows",
        ),
        (
            "seal.complete",
            "denied",
            "certificate-not-bound",
            "bound to",
        ),
        (
            "seal.complete",
            "denied",
            "signer-not-allowed",
            "seal allows",
        ),
        (
            "seal.complete",
            "rejected",
            "invalid-request",
            "not for this seal",
        ),
        ("seal.sign", "denied", "signer-not-allowed", "seal allows"),
        (
            "seal.complete",
            "denied",
            "signer-certificate-revoked",
            "revoked",
        ),
        (
            "seal.prepare",
            "denied",
            "signer-certificate-revoked",
            "revoked",
        ),
        (
            "seal.sign",
            "denied",
            "signer-certificate-revoked",
            "revoked",
        ),
        (
            "seal.prepare",
            "denied",
            "signer-certificate-on-hold",
            "on hold",
        ),
        (
            "certificate.release",
            "rejected",
            "already-revoked",
            serial_c.as_str(),
        ),
        ("certificate.release", "rejected", "invalid-serial", ""),
        (
            "certificate.release",
            "rejected",
            "not-found",
            "0123456789ABCDEF",
        ),
        ("seal.suspend", "denied", "forbidden", "your organization"),
        ("seal.complete", "rejected", "seal-not-active", "suspended"),
        ("seal.prepare", "rejected", "seal-not-active", "suspended"),
        ("seal.sign", "rejected", "seal-not-active", "suspended"),
        ("document.seal", "rejected", "seal-not-active", "suspended"),
        (
            "seal.revoke",
            "rejected",
            "seal-not-active",
            "already revoked",
        ),
        ("document.sign", "rejected", "empty-document", "empty"),
        ("document.sign", "denied", "forbidden", "revoked"),
        ("document.seal", "rejected", "bad-query", "'seal'"),
        ("document.seal", "rejected", "not-found", "NOSUCH"),
    ] {
        assert_audited(&audit, action, outcome, kind, reason);
    }
    // Objects: the seal for seal endpoints, the query's seal for documents.
    assert!(audit.iter().any(|e| e["action"] == "seal.complete"
        && e["outcome"] == "denied"
        && e["object"] == json!(seal_b)));
    assert!(audit.iter().any(|e| e["action"] == "document.seal"
        && e["outcome"] == "rejected"
        && e["object"] == "NOSUCH"));
    // Exactly one completion succeeded (B's own), with its timestamp.
    let done: Vec<_> = audit
        .iter()
        .filter(|e| e["action"] == "seal.complete" && e["outcome"] == "success")
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["object"], json!(seal_b));
    assert_eq!(done[0]["detail"], "timestamp=true");
}
