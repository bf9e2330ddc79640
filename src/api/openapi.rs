//! The OpenAPI 3.1 description served at `/openapi.json`. A test checks that it documents
//! exactly the routes in [`super::ROUTES`].

use serde_json::{Value, json};

fn problem_responses(codes: &[u16]) -> Value {
    let mut m = serde_json::Map::new();
    for c in codes {
        m.insert(
            c.to_string(),
            json!({"description": "problem details (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
        );
    }
    Value::Object(m)
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(am), Value::Object(bm)) = (a.as_object_mut(), b) {
        am.extend(bm);
    }
    a
}

/// The e-licence paths (`src/api/licences.rs`).
fn licence_paths() -> Value {
    let bearer = json!([{"bearer": []}]);
    let id = json!([{"name": "id", "in": "path", "required": true, "description": "the licence identifier (GB/T 36904)", "schema": {"type": "string"}}]);
    let reason = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}});
    json!({
        "/v1/licences": {"post": {"summary": "Issue an e-licence (licence-issuer: the agency of the token, sealed with its 电子证照专用章 by the token's certificate, timestamped by our TSA). Fields are checked against the kind (policies/licences); the face is rendered as an OFD page (document_format pdf: a PDF page of the same layout, sealed as a PDF signature carrying the seal's SES_Signature) with a signed QR code; the canonical data is signed separately (detached CMS). Idempotency-Key (or external_key) makes retries return the same licence (200, replayed: true)", "security": bearer,
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 128}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind", "values"], "properties": {"kind": {"type": "string"}, "values": {"type": "object"}, "external_key": {"type": "string"}, "document_format": {"type": "string", "enum": ["ofd", "pdf"], "default": "ofd"}}}}}},
            "responses": merge(json!({"201": {"description": "issued: identifier, version, qr, document and status URLs"}, "200": {"description": "replayed: the licence issued earlier under the same key"}}), problem_responses(&[400, 401, 403, 409, 422, 503]))}},
        "/v1/enterprises": {"post": {"summary": "同步发放: register a new company in one step (registration-authority, bound like a licence-issuer): its organization certificate (key generated and returned encrypted under the company's passphrase, or from its CSR), its 公章 (official seal) listing that certificate, and its business licence sealed by the authority — all three or none: a failure half way revokes what was made (certificate: cessationOfOperation). Idempotency-Key makes a retry return the same three (200, replayed: true; a generated key is returned once only)", "security": bearer,
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 128}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["registration", "key"], "properties": {
                "registration": {"type": "object", "description": "the business licence's field values (policies/licences/business-licence.toml): name, credit_code, …"},
                "key": {"oneOf": [
                    {"type": "object", "required": ["generate"], "properties": {"generate": {"type": "object", "required": ["passphrase"], "properties": {"passphrase": {"type": "string", "minLength": 8}}}}},
                    {"type": "object", "required": ["csr_pem"], "properties": {"csr_pem": {"type": "string"}}}]},
                "seal": {"type": "object", "properties": {"name": {"type": "string", "description": "the name on the 公章 (default: the company's name)"}}},
                "algorithm": {"type": "string", "enum": ["sm2", "p256"], "default": "sm2"}}}}}},
            "responses": merge(json!({"201": {"description": "registered: licence (identifier, qr, document URL), certificate (serial, pem), key_pem_encrypted (generated keys), seal (id)"}, "200": {"description": "replayed: the registration made earlier under the same key"}}), problem_responses(&[400, 401, 403, 409, 422, 503]))}},
        "/v1/licences/{id}": {"get": {"summary": "A licence record (its issuing agency, an auditor or an admin; sensitive fields masked for auditors)", "security": bearer, "parameters": id,
            "responses": merge(json!({"200": {"description": "the licence"}}), problem_responses(&[401, 403, 404]))}},
        "/v1/licences/{id}/document": {"get": {"summary": "The sealed document of a licence, OFD or PDF as it was issued (its issuing agency, an auditor or an admin)", "security": bearer, "parameters": id,
            "responses": merge(json!({"200": {"description": "the OFD or the PDF", "content": {"application/ofd": {}, "application/pdf": {}}}}), problem_responses(&[401, 403, 404]))}},
        "/v1/licences/{id}/change": {"post": {"summary": "Change a licence (变更): a new version with the values given, sealed anew; the old version becomes superseded, pointing at the new one (its issuing agency only)", "security": bearer, "parameters": id,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["values"], "properties": {"values": {"type": "object"}, "document_format": {"type": "string", "enum": ["ofd", "pdf"], "default": "ofd"}}}}}},
            "responses": merge(json!({"201": {"description": "the new version"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
        "/v1/licences/{id}/suspend": {"post": {"summary": "Suspend a licence (reason required; its issuing agency only)", "security": bearer, "parameters": id, "requestBody": reason,
            "responses": merge(json!({"200": {"description": "suspended"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
        "/v1/licences/{id}/resume": {"post": {"summary": "Resume a suspended licence (its issuing agency only)", "security": bearer, "parameters": id, "requestBody": reason,
            "responses": merge(json!({"200": {"description": "active again"}}), problem_responses(&[401, 403, 404, 409]))}},
        "/v1/licences/{id}/revoke": {"post": {"summary": "Revoke a licence (注销/废止; reason required; final; its issuing agency only)", "security": bearer, "parameters": id, "requestBody": reason,
            "responses": merge(json!({"200": {"description": "revoked"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
        "/v1/licences/{id}/status": {"get": {"summary": "The licence's signed status (public, no personal data): a CMS SignedData (application/cms) signed by the region's trust-list signer carrying the canonical JSON {current_identifier, format: yinxin-licence-status/1, identifier, next_update, produced_at, region, status: active | suspended | revoked | superseded | expired, valid_to, version}. Reused until half its validity (Cache-Control), signed anew at once when what it states changes. Its base URL is the licence-status supply point of the trust list's licence-qr-signer service", "security": [], "parameters": id,
            "responses": merge(json!({"200": {"description": "the signed status", "content": {"application/cms": {}}}}), problem_responses(&[404, 429, 503]))}},
        "/V/{payload}": {"get": {"summary": "The URL an e-licence's QR code carries (public): the verification report of the payload, as POST /v1/verify with {\"qr\": …} answers it (signature, signer, live status)", "security": [],
            "parameters": [{"name": "payload", "in": "path", "required": true, "description": "the QR payload (decimal digits)", "schema": {"type": "string", "maxLength": 7089}}],
            "responses": merge(json!({"200": {"description": "the QR verification report (indication, reason, claims, status, checks); a browser (Accept preferring text/html) gets the result page", "content": {"application/json": {}, "text/html": {}}}}), problem_responses(&[422, 429, 503]))}},
    })
}

/// The holders' paths (`src/api/holders.rs`, `src/api/holder_api.rs`).
fn holder_paths() -> Value {
    let session = json!([{"holderSession": []}]);
    let bearer = json!([{"bearer": []}]);
    let csrf = json!({"name": "X-CSRF-Token", "in": "header", "required": true, "description": "the session's CSRF token (csrf_token of GET /v1/holder/licences)", "schema": {"type": "string"}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let empty = json!({"required": false, "description": "none", "content": {"application/json": {"schema": {"type": "object"}}}});
    let html = |summary: &str, ok: &str| json!({"summary": summary, "security": [], "responses": merge(json!({ok: {"description": "an HTML page or a redirect", "content": {"text/html": {}}}}), problem_responses(&[400, 403]))});
    let form = json!({"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["csrf"], "properties": {"csrf": {"type": "string"}}}}}});
    let mut grant_form = html(
        "用证授权 from the page: a consent (csrf, licence, agency, service_item, case_number, days, uses, unmask); the page shows the auth code once",
        "200",
    );
    grant_form["requestBody"] = form.clone();
    let mut withdraw_form = html("Withdraw a consent from the page (csrf)", "303");
    withdraw_form["parameters"] = json!([id.clone()]);
    withdraw_form["requestBody"] = form.clone();
    let mut logout = html("Sign out (csrf)", "303");
    logout["requestBody"] = form;
    let mut show_page = html(
        "亮证: the full-screen page of one's licence with a dynamic QR code valid [holders] show_qr_seconds, renewing itself",
        "200",
    );
    show_page["parameters"] = json!([id.clone()]);
    json!({
        "/holder": {"get": html("The holder's page: my licences, certificates, consents and history (or the sign-in page)", "200")},
        "/holder/login": {"get": html("Start signing in: a redirect to the region's identity provider (OpenID Connect, code + PKCE S256)", "303")},
        "/holder/callback": {"get": html("The identity provider's answer: the code exchanged, the ID token verified, a session cookie; a redirect to /holder", "303")},
        "/holder/logout": {"post": logout},
        "/holder/show/{id}": {"get": show_page},
        "/holder/grants": {"post": grant_form},
        "/holder/grants/{id}/withdraw": {"post": withdraw_form},
        "/v1/holder/licences": {"get": {"summary": "The signed-in holder's licences and certificates, and the session's CSRF token", "security": session,
            "responses": merge(json!({"200": {"description": "holder, csrf_token, licences, certificates"}}), problem_responses(&[401]))}},
        "/v1/holder/licences/{id}/show": {"post": {"summary": "亮证: a fresh dynamic QR of one's licence (qr_text, shown_at, valid_until)", "security": session, "parameters": [id.clone(), csrf.clone()], "requestBody": empty.clone(),
            "responses": merge(json!({"200": {"description": "the dynamic QR"}}), problem_responses(&[401, 403, 404, 409]))}},
        "/v1/holder/grants": {
            "get": {"summary": "The holder's consents (用证授权)", "security": session,
                "responses": merge(json!({"200": {"description": "grants"}}), problem_responses(&[401]))},
            "post": {"summary": "A consent: one licence, one agency (credit code), a service item and case number, until, uses, unmask; the auth code is returned once", "security": session, "parameters": [csrf.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["licence", "agency", "service_item", "case_number", "until", "uses"], "properties": {
                    "licence": {"type": "string"}, "agency": {"type": "string"}, "service_item": {"type": "string"}, "case_number": {"type": "string"},
                    "until": {"type": "integer", "description": "Unix seconds"}, "uses": {"type": "integer", "minimum": 1}, "unmask": {"type": "boolean"}}}}}},
                "responses": merge(json!({"201": {"description": "the grant and its auth_code"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
        "/v1/holder/grants/{id}/withdraw": {"post": {"summary": "Withdraw a consent", "security": session, "parameters": [id.clone(), csrf], "requestBody": empty,
            "responses": merge(json!({"200": {"description": "withdrawn"}}), problem_responses(&[401, 403, 404]))}},
        "/v1/holder/events": {"get": {"summary": "The holder's history: sign-ins, showings, consents, withdrawals, agencies' uses and refusals, lookups by duty (with legal basis and reason)", "security": session,
            "responses": merge(json!({"200": {"description": "events, newest first"}}), problem_responses(&[401]))}},
        "/v1/grants/exchange": {"post": {"summary": "A relying agency (relying-agency token bound to the granted credit code) exchanges a holder's auth code for the licence's data (sensitive fields masked unless the holder unmasked them) and its sealed OFD; each use counted and shown to the holder", "security": bearer,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["auth_code"], "properties": {"auth_code": {"type": "string"}}}}}},
            "responses": merge(json!({"200": {"description": "grant, licence, document (base64 OFD)"}}), problem_responses(&[401, 403, 404]))}},
        "/v1/licences/{id}/duty-lookup": {"post": {"summary": "依职能查验: a lookup without the holder's consent, only for roles (and agencies) [[holders.duty_lookup]] gives a legal basis, with a reason; shown in the holder's history", "security": bearer, "parameters": [id],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 4, "maxLength": 200}}}}}},
            "responses": merge(json!({"200": {"description": "legal_basis, licence (masked), document"}}), problem_responses(&[401, 403, 404, 422]))}},
    })
}

/// The document.
pub fn document() -> Value {
    let mut doc = document_without_licences();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for more in [licence_paths(), holder_paths()] {
            if let Value::Object(more) = more {
                paths.extend(more);
            }
        }
    }
    doc
}

fn document_without_licences() -> Value {
    let bearer = json!([{"bearer": []}]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "yinxin (印信) certification service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Issuance, lookup and revocation of SM2 and P-256 certificates. Errors are RFC 9457 problem details with type URIs urn:yinxin:problem:<kind>. Any request may also be answered 400 bad-request or 431 headers-too-large (unparsable or oversized head), 414 uri-too-long, 408 body-too-slow (body below the minimum rate), 429 rate-limited or 503 overloaded (no in-flight slot; anonymous requests have a share of their own) — see the README, service behaviour."
        },
        "components": {
            "securitySchemes": {"holderSession": {"type": "apiKey", "in": "cookie", "name": "__Host-yx_holder", "description": "a holder's session (sign in at /holder/login)"}, "bearer": {"type": "http", "scheme": "bearer", "description": "operator token (yx_…): roles admin, registrar, auditor, seal-admin, signer, region-peer, licence-issuer, registration-authority, relying-agency"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                    "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                    "status": {"type": "integer"}, "detail": {"type": "string"}}},
                "Certificate": {"type": "object", "properties": {
                    "serial": {"type": "string"}, "issuer_ca": {"type": "string"}, "profile": {"type": "string"},
                    "algorithm": {"enum": ["sm2", "p256"]}, "subject": {"type": "string"}, "holder": {"type": "string"},
                    "organization": {"type": ["string", "null"]}, "not_before": {"type": "string", "format": "date-time"},
                    "not_after": {"type": "string", "format": "date-time"}, "status": {"enum": ["valid", "revoked", "hold"]},
                    "revoked_at": {"type": ["string", "null"]}, "revocation_reason": {"type": ["integer", "null"]}}},
                "IssueRequest": {"type": "object", "required": ["profile", "algorithm", "subject"], "additionalProperties": false, "properties": {
                    "profile": {"type": "string", "examples": ["person", "organization", "device"]},
                    "algorithm": {"enum": ["sm2", "p256"]},
                    "subject": {"type": "object", "description": "person {name, id_number}; organization {name, credit_code, province?, locality?}; device {device_id, owner_credit_code, dns?, ip?, uri?}"},
                    "csr": {"type": "string", "description": "PKCS#10 PEM"},
                    "generate_key": {"type": "object", "required": ["passphrase"], "properties": {"passphrase": {"type": "string", "minLength": 8}}},
                    "validity_days": {"type": "integer", "minimum": 1}}},
                "IssueResponse": {"type": "object", "properties": {
                    "serial": {"type": "string"}, "certificate": {"$ref": "#/components/schemas/Certificate"},
                    "certificate_pem": {"type": "string"}, "chain_pem": {"type": "string"},
                    "encrypted_private_key_pem": {"type": "string"}}},
                "RevokeRequest": {"type": "object", "additionalProperties": false, "properties": {
                    "reason": {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "RFC 5280 reason name or code"}}}
            }
        },
        "paths": {
            "/v1/health": {"get": {"summary": "Liveness and database reachability", "security": [],
                "responses": merge(json!({"200": {"description": "healthy: {status, region, database}"}}), problem_responses(&[503]))}},
            "/v1/ca": {"get": {"summary": "CA certificates per algorithm with metadata", "security": [],
                "responses": {"200": {"description": "the region's CAs"}}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/v1/certificates": {
                "post": {"summary": "Issue a certificate (admin, registrar)", "security": bearer,
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueRequest"}}}},
                    "responses": merge(json!({"201": {"description": "issued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueResponse"}}}}}),
                        problem_responses(&[400, 401, 403, 413, 415, 422, 429, 500]))},
                "get": {"summary": "List certificates with cursor pagination (admin, registrar, auditor)", "security": bearer,
                    "parameters": [
                        {"name": "profile", "in": "query", "schema": {"type": "string"}},
                        {"name": "status", "in": "query", "schema": {"enum": ["valid", "revoked", "hold"]}},
                        {"name": "holder", "in": "query", "schema": {"type": "string"}, "description": "holder identifier: credit code, or a person's hashed identifier"},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                    "responses": merge(json!({"200": {"description": "a page: {items, next_cursor}"}}), problem_responses(&[400, 401, 403, 429]))}
            },
            "/v1/certificates/{serial}": {"get": {"summary": "One certificate: JSON, DER (Accept: application/pkix-cert) or PEM (Accept: application/x-pem-file)",
                "security": bearer,
                "parameters": [{"name": "serial", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "the certificate", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}},
                    "application/pkix-cert": {}, "application/x-pem-file": {}}}}), problem_responses(&[400, 401, 403, 404, 406, 429]))}},
            "/v1/certificates/{serial}/revoke": {"post": {"summary": "Revoke (idempotent; a different revocation is 409)", "security": bearer,
                "parameters": [{"name": "serial", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RevokeRequest"}}}},
                "responses": merge(json!({"200": {"description": "revoked (field `changed` says whether this call changed it)"}}),
                    problem_responses(&[400, 401, 403, 404, 409, 413, 415, 422, 429]))}},
            "/v1/audit": {"get": {"summary": "Audit events (admin, auditor)", "security": bearer,
                "parameters": [{"name": "after", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": merge(json!({"200": {"description": "{items, next_cursor}"}}), problem_responses(&[400, 401, 403, 429]))}},
            "/v1/certificates/{serial}/release": {"post": {"summary": "Release a person certificate from hold (admin, registrar)", "security": bearer,
                "requestBody": {"required": false, "description": "no body (an empty JSON object is accepted)", "content": {"application/json": {"schema": {"type": "object"}}}},
                "parameters": [{"name": "serial", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "valid again (field `changed`)"}}), problem_responses(&[400, 401, 403, 404, 409, 429]))}},
            "/crl/{file}": {"get": {"summary": "Latest CRL of a CA: {ca}.crl (full) or {ca}-delta.crl (delta); cache headers follow nextUpdate", "security": [],
                "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string"}, "example": "sm2-issuing.crl"}],
                "responses": merge(json!({"200": {"description": "DER CRL", "content": {"application/pkix-crl": {}}}}), problem_responses(&[404, 429]))}},
            "/ca/{file}": {"get": {"summary": "A CA certificate of the region (the AIA caIssuers URL of issued certificates): {ca}.cer (DER) or {ca}.pem", "security": [],
                "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string"}, "example": "sm2-issuing.cer"}],
                "responses": merge(json!({"200": {"description": "the CA certificate", "content": {"application/pkix-cert": {}, "application/x-pem-file": {}}}}), problem_responses(&[404]))}},
            "/ocsp": {"post": {"summary": "OCSP responder (RFC 6960, RFC 5019)", "security": [],
                "requestBody": {"required": true, "content": {"application/ocsp-request": {}}},
                "responses": merge(json!({"200": {"description": "OCSP response (errors are OCSP response statuses)", "content": {"application/ocsp-response": {}}}}), problem_responses(&[413, 415, 429]))}},
            "/ocsp/{request}": {"get": {"summary": "OCSP responder, GET form: base64 DER request in the path", "security": [],
                "parameters": [{"name": "request", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "OCSP response", "content": {"application/ocsp-response": {}}}}), problem_responses(&[414, 429]))}},
            "/tsa": {"post": {"summary": "Time-stamping (RFC 3161): SM3 requests are signed by the SM2 unit, SHA-2 by the P-256 unit", "security": [],
                "requestBody": {"required": true, "content": {"application/timestamp-query": {}}},
                "responses": merge(json!({"200": {"description": "TimeStampResp (rejections carry PKIStatusInfo)", "content": {"application/timestamp-reply": {}}}}), problem_responses(&[413, 415]))}},
            "/v1/seals": {"post": {"summary": "Make and register a seal (seal-admin): holder (organization seals: credit code; personal seals: identity number, stored and answered only as the salted hash), type, name, signers (certificate serials of the holder), picture_png_base64, validity_days", "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {}}},
                "responses": merge(json!({"201": {"description": "the seal record with esl_base64"}}), problem_responses(&[400, 401, 403, 415, 422, 429]))}},
            "/v1/seals/{id}": {"get": {"summary": "A seal: JSON (a personal seal: its public view, no personal data), the .esl (Accept: application/octet-stream; a personal seal's only with a seal-admin, auditor or its signer's token) or its picture (Accept: image/png)", "security": [{}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "the seal"}}), problem_responses(&[400, 401, 403, 404]))}},
            "/v1/seals/{id}/status": {"get": {"summary": "The seal's signed status (public; OCSP for seals): a CMS SignedData (application/cms) signed by the region's SM2 seal maker, carrying the canonical JSON {es_id, format: yinxin-seal-status/1, next_update, produced_at, region, seal_sha256 (SHA-256 of the seal's DER), status: active | suspended | revoked}. Valid service.seal_status_validity_seconds; reused until half of it (Cache-Control), re-signed at once when the registry status changes. `yinxin verify --seal-status FILE` checks it offline", "security": [],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "the signed status", "content": {"application/cms": {}}}}), problem_responses(&[404, 429, 503]))}},
            "/v1/seals/{id}/revoke": {"post": {"summary": "Revoke a seal, or suspend it with {\"suspend\": true} (seal-admin)", "security": bearer,
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"suspend": {"type": "boolean", "description": "suspend instead of revoking"}}}}}},
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "new status"}}), problem_responses(&[401, 403, 404, 409]))}},
            "/v1/seals/{id}/sign": {"post": {"summary": "Stamp server-side (signer token bound to a certificate whose key was imported): data_base64 or sm3_hex → SES_Signature with a timestamp", "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"data_base64": {"type": "string"}, "sm3_hex": {"type": "string"}, "property_info": {"type": "string"}}, "description": "data_base64 or sm3_hex"}}}},
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "signature_base64"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
            "/v1/seals/{id}/prepare": {"post": {"summary": "Client-side stamping, step 1: the exact TBS_Sign bytes and their SM3 with Z", "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["certificate_pem"], "properties": {"data_base64": {"type": "string"}, "sm3_hex": {"type": "string"}, "property_info": {"type": "string"}, "certificate_pem": {"type": "string"}}}}}},
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "tbs_base64, sm3_with_z_hex"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
            "/v1/seals/{id}/complete": {"post": {"summary": "Client-side stamping, step 2: the signature over the TBS bytes → SES_Signature with a timestamp", "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["tbs_base64", "signature_base64", "certificate_pem"], "properties": {"tbs_base64": {"type": "string"}, "signature_base64": {"type": "string"}, "certificate_pem": {"type": "string"}}}}}},
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "signature_base64"}}), problem_responses(&[401, 403, 404, 409, 422]))}},
            "/v1/verify": {"post": {"summary": "Verify a certificate (PEM or DER), a seal, an SES_Signature, an OFD package or a CMS SignedData (JSON object_base64 [+ data_base64 for detached data], or the raw object as application/octet-stream): the report, with the region whose trust service anchored each chain (recognition). Public: anonymous callers are rate-limited per address; a region-peer token has its own larger limit. Runs on a bounded worker pool (anonymous callers hold at most a share of it: 503 overloaded with Retry-After when it is busy) with a deadline (503 timeout, saying where the work stopped)", "security": [{}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["object_base64"], "properties": {"object_base64": {"type": "string"}, "data_base64": {"type": "string"}, "purpose": {"type": "string", "description": "for a bare certificate: seal-maker, document-signer (default), tsu, ocsp-signer, trust-list-signer, ca, crl-signer, client-auth, server-auth"}}}}, "application/octet-stream": {}, "application/ofd": {}, "application/pdf": {}, "application/pkix-cert": {}, "application/x-pem-file": {}, "application/pkcs7-signature": {}}},
                "responses": merge(json!({"200": {"description": "the report"}}), problem_responses(&[400, 401, 413, 415, 422, 429, 503]))}},
            "/": {"get": {"summary": "The citizens' verification page (HTML, zh-CN by default; ?lang=en or Accept-Language): upload form for a document, seal, signature, certificate or a licence's QR code (text, photo, camera)", "security": [],
                "parameters": [{"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["zh-CN", "en"]}}],
                "responses": {"200": {"description": "the page", "content": {"text/html": {}}}}}},
            "/verify": {"get": {"summary": "The verification page (as /)", "security": [],
                "parameters": [{"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["zh-CN", "en"]}}],
                "responses": {"200": {"description": "the page", "content": {"text/html": {}}}}},
                "post": {"summary": "The verification page's form (multipart/form-data: file [+ data], or qr, or qr_photo; lang): the result page rendered on the server (有效 / 无效 / 无法确定, who sealed and when, the licence and its status, why). Refused (403) when the browser says another site sent it (Sec-Fetch-Site, Origin); rate-limited per address like /v1/verify", "security": [],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "data": {"type": "string", "format": "binary"}, "qr": {"type": "string"}, "qr_photo": {"type": "string", "format": "binary"}, "lang": {"type": "string"}}}}}},
                "responses": {"200": {"description": "the result page", "content": {"text/html": {}}}, "400": {"description": "the form cannot be read (page)"}, "403": {"description": "sent from another site (page)"}, "413": {"description": "too large (page)"}, "422": {"description": "nothing, or more than one thing, to verify; no QR code in the photo (page)"}, "429": {"description": "rate limited (page)"}, "503": {"description": "overloaded (page)"}}}},
            "/verify/scan": {"post": {"summary": "The verification page's camera (browsers without BarcodeDetector): one PNG or JPEG frame → the text of the QR code in it. Same-site only (403 cross-site), rate-limited like /v1/verify", "security": [],
                "requestBody": {"required": true, "content": {"image/jpeg": {}, "image/png": {}}},
                "responses": merge(json!({"200": {"description": "{\"text\": …}", "content": {"application/json": {}}}}), problem_responses(&[403, 413, 422, 429]))}},
            "/verify/licence/{id}": {"get": {"summary": "A licence's public status as a page (status, version, valid to, the current version's identifier; no personal data)", "security": [],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "lang", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the page", "content": {"text/html": {}}}, "404": {"description": "no such licence (page)"}}}},
            "/assets/{file}": {"get": {"summary": "The pages' stylesheet and script (embedded; names carry their content hash; cached for a year)", "security": [],
                "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "text/css or text/javascript"}}), problem_responses(&[404]))}},
            "/v1/documents/seal": {"post": {"summary": "Seal an OFD or a PDF (signer token with a server-held key): body = the OFD package or the PDF (streamed to disk; a PDF by its %PDF- magic: the seal's picture as a visible signature by incremental update, the seal's SES_Signature a signed attribute of the CMS, B-T); query seal=ID and page=N&x=MM&y=MM (the stamp's top-left corner; the whole stamp must lie on the page, else 422 placement naming x or y) or keyword=TEXT; answer = the sealed OFD (application/ofd). Each sealing reserves its memory from service.max_document_memory_bytes: more than the whole budget is 413 document-too-large, no memory in time 503 overloaded with Retry-After", "security": bearer,
                "requestBody": {"required": true, "content": {"application/ofd": {}, "application/pdf": {}, "application/octet-stream": {}}},
                "parameters": [
                    {"name": "seal", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
                    {"name": "x", "in": "query", "required": false, "schema": {"type": "number"}},
                    {"name": "y", "in": "query", "required": false, "schema": {"type": "number"}},
                    {"name": "keyword", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "the sealed OFD (application/ofd) or PDF (application/pdf)"}}), problem_responses(&[400, 401, 403, 404, 409, 413, 422, 503]))}},
            "/v1/documents/sign": {"post": {"summary": "Sign a file (signer token with a server-held key): body = the file (streamed to disk). Any file: detached CMS — DER SignedData (application/pkcs7-signature) with signingTime, ESS signingCertificateV2 and a timestamp. A PDF (Content-Type application/pdf or the %PDF- magic; format=cms to get a detached CMS instead): a signature added by incremental update — P-256 signers: PAdES baseline (ETSI.CAdES.detached, no signingTime); SM2 signers: adbe.pkcs7.detached with SM3/SM2 as Chinese vendors sign — at the level asked (B-T by default: a signature time-stamp from our TSA; B-LT adds the DSS; B-LTA a document time-stamp), the signed PDF answered", "security": bearer,
                "parameters": [{"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["cms", "pades"]}},
                    {"name": "level", "in": "query", "required": false, "schema": {"type": "string", "enum": ["B-B", "B-T", "B-LT", "B-LTA"]}},
                    {"name": "certify", "in": "query", "required": false, "description": "a PDF certification signature (DocMDP): what later revisions may do; only as the document's first signature", "schema": {"type": "string", "enum": ["no-changes", "form-fill", "annotations"]}}],
                "requestBody": {"required": true, "content": {"application/octet-stream": {}, "application/pdf": {}}},
                "responses": merge(json!({"200": {"description": "the .p7s (application/pkcs7-signature), or the signed PDF (application/pdf)"}}), problem_responses(&[400, 401, 403, 413, 422, 503]))}},
            "/v1/documents/extend": {"post": {"summary": "Extend a signed PDF (stamp permission): B-LT adds a DSS with the certificates, OCSP responses and CRLs of every chain its signatures and time-stamps carry (from this region's status services); B-LTA (the default) adds that and a document time-stamp; again on a B-LTA document: archive renewal", "security": bearer,
                "parameters": [{"name": "level", "in": "query", "required": false, "schema": {"type": "string", "enum": ["B-LT", "B-LTA"]}}],
                "requestBody": {"required": true, "content": {"application/pdf": {}}},
                "responses": merge(json!({"200": {"description": "the extended PDF (application/pdf)"}}), problem_responses(&[400, 401, 403, 413, 422, 503]))}},
            "/v1/trust-list": {"get": {"summary": "This region's signed trust list (public): CMS SignedData (application/cms) carrying the canonical JSON, signed by the SM2 (default) or P-256 trust-list signer; format=json gives the unsigned JSON for reading",
                "parameters": [{"name": "alg", "in": "query", "required": false, "schema": {"type": "string", "enum": ["sm2", "p256"]}},
                    {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["cms", "json"]}}],
                "responses": merge(json!({"200": {"description": "the signed list"}}), problem_responses(&[400, 404, 503]))}},
            "/v1/trust-list/publish": {"post": {"summary": "Re-sign and publish the next version of the trust list (admin)", "security": bearer,
                "requestBody": {"required": false, "description": "no body", "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": merge(json!({"200": {"description": "sequence, issued, next_update"}}), problem_responses(&[401, 403, 503]))}},
            "/v1/trust-list/services/{id}/withdraw": {"post": {"summary": "Withdraw a trust service (admin): a new list version is published with the status change in the service's history", "security": bearer,
                "requestBody": {"required": false, "description": "no body", "content": {"application/json": {"schema": {"type": "object"}}}},
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "the new sequence"}}), problem_responses(&[401, 403, 404, 503]))}},
            "/v1/trust/peers": {"get": {"summary": "Recognized regions: state (fresh / stale / expired / never-synced), list in use, versions kept, last error (public)",
                "responses": merge(json!({"200": {"description": "one entry per peer"}}), problem_responses(&[503]))}},
            "/v1/trust/peers/sync": {"post": {"summary": "Fetch peers' lists now (admin); region=CODE for one peer", "security": bearer,
                "requestBody": {"required": false, "description": "no body", "content": {"application/json": {"schema": {"type": "object"}}}},
                "parameters": [{"name": "region", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "outcome per peer"}}), problem_responses(&[401, 403, 404, 503]))}},
            "/log/checkpoint": {"get": {"summary": "The latest checkpoint of this region's transparency log (C2SP tlog-checkpoint signed note: the log's Ed25519 key, the region's SM2 key, the peers' witness cosignatures); public, Cache-Control no-cache",
                "responses": merge(json!({"200": {"description": "text/plain signed note"}}), problem_responses(&[404, 503]))}},
            "/log/tile/{path}": {"get": {"summary": "A hash tile (<L>/<N>[.p/<W>]) or entry bundle (entries/<N>[.p/<W>]) of the log (C2SP tlog-tiles); public, immutable",
                "parameters": [{"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "application/octet-stream"}}), problem_responses(&[404, 503]))}},
            "/log/proof": {"get": {"summary": "The tlog-proof (c2sp.org/tlog-proof@v1) of an object's first log entry of a kind, the entry as its extra data, against the best-cosigned recent checkpoint; public",
                "parameters": [{"name": "kind", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "sha256", "in": "query", "required": true, "schema": {"type": "string"}}],
                "responses": merge(json!({"200": {"description": "text/plain tlog-proof"}}), problem_responses(&[400, 404, 503]))}},
            "/log/witness/add-checkpoint": {"post": {"summary": "C2SP tlog-witness add-checkpoint: this region cosigns a peer's checkpoint (the log its trust list announces) that extends the last one it cosigned; 409 with the latest size (text/x.tlog.size), 422 on a bad consistency proof",
                "requestBody": {"required": true, "description": "old size, consistency proof, signed checkpoint", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "responses": merge(json!({"200": {"description": "cosignature line"}, "409": {"description": "the witness's latest size"}}), problem_responses(&[400, 403, 404, 422, 503]))}},
            "/metrics": {"get": {"summary": "Prometheus metrics (admin, auditor)", "security": bearer,
                "responses": merge(json!({"200": {"description": "text/plain; version=0.0.4"}}), problem_responses(&[401, 403]))}}
        }
    })
}
