//! Audit of refusals (SECURITY.md: denials are audited). Once a request is authenticated,
//! every refusal of a seal, document or release endpoint leaves an audit line with the actor
//! (`token:<id>`), the action, the object (seal id or serial), the outcome — `denied` (403),
//! `rejected` (other 4xx) or `failed` (5xx) — and the reason: the problem's kind and detail.
//!
//! Details and objects come partly from request input, so they are bounded and any substring
//! that reads as a resident identity number is replaced by `[id-number]`: a refusal never puts
//! personal data into the audit log.

use super::super::AppState;
use super::super::problem::{ApiResult, Problem};
use crate::auth::Principal;
use crate::pki::identifiers::redact_id_numbers;
use axum::http::StatusCode;
use axum::response::Response;

/// Longest audited detail and object, in characters.
const MAX_DETAIL: usize = 300;
const MAX_OBJECT: usize = 80;

/// Redacted first, then cut (a cut number would escape redaction).
fn bounded(text: &str, max: usize) -> String {
    redact_id_numbers(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect()
}

/// The audit outcome of a refusal.
pub(crate) fn outcome(p: &Problem) -> &'static str {
    if p.status == StatusCode::FORBIDDEN {
        "denied"
    } else if p.status.is_server_error() {
        "failed"
    } else {
        "rejected"
    }
}

/// The audit detail of a refusal: `kind: detail`.
pub(crate) fn detail(p: &Problem) -> String {
    bounded(&format!("{}: {}", p.kind, p.detail), MAX_DETAIL)
}

/// Append the audit line of a refusal.
pub(in crate::api) async fn audit_refusal(
    s: &AppState,
    who: &Principal,
    action: &str,
    object: &str,
    p: &Problem,
) {
    let object = if object.is_empty() {
        "-".to_string()
    } else {
        bounded(object, MAX_OBJECT)
    };
    s.audit(who, action, &object, outcome(p), &detail(p)).await;
}

/// Audit `r` if it is a refusal, and hand it back.
pub(in crate::api) async fn audited(
    s: &AppState,
    who: &Principal,
    action: &str,
    object: &str,
    r: ApiResult<Response>,
) -> ApiResult<Response> {
    if let Err(p) = &r {
        audit_refusal(s, who, action, object, p).await;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_details() {
        let p = Problem::forbidden("no");
        assert_eq!(
            (outcome(&p), detail(&p).as_str()),
            ("denied", "forbidden: no")
        );
        let p = Problem::unprocessable("invalid-holder", "holder 11010519491231002X\nbad");
        assert_eq!(outcome(&p), "rejected");
        assert_eq!(detail(&p), "invalid-holder: holder [id-number] bad");
        let p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "x");
        assert_eq!(outcome(&p), "failed");
        let long = Problem::unprocessable("k", "审".repeat(1000));
        assert_eq!(detail(&long).chars().count(), MAX_DETAIL);
        assert_eq!(bounded("11010519491231002X", MAX_OBJECT), "[id-number]");
        // Cut after redaction: no partial number survives.
        assert_eq!(bounded("ab11010519491231002X", 8), "ab[id-nu");
    }
}
