//! The route table: every route the service answers, the handler behind it and which
//! processes serve it ([`Served`]), by the role of the process (`yinxin serve --role`,
//! [`ServiceRole`]). The router ([`router`]) and the OpenAPI document of a role
//! ([`openapi_for`]) are both made from [`ROUTES`].
//!
//! - **verify** processes answer the public: verification, CRLs, CA certificates, the trust
//!   list and the peers. They hold no key: nothing they serve is signed by them (CRLs and
//!   trust lists are signed by the `ca` process and stored in the shared database).
//! - **ca** processes hold the keys: issuance and administration, everything signed on
//!   request (OCSP responses, time-stamps, seals and seal statuses, documents, trust-list
//!   publication).
//! - Every process answers its own health, OpenAPI document and metrics.
//! - **all** (the default) serves every route.
//!
//! A route the process does not serve answers 421 Misdirected Request, kind
//! `not-served-here`, naming the role that serves it: the resource exists, but this process
//! is not the one to answer (RFC 9110 §15.5.20). A 404 would read as "no such certificate /
//! seal" on resource paths and hide a misrouting proxy among scanners' 404s.
//!
//! Owns: the route table and the router's layering. Must not import the store or `app`.

use super::problem::Problem;
use super::state::AppState;
use super::{
    documents, documents_pdf, enterprises, envelope, handlers, holder_api, holders, licences,
    locale, log, pages, seals, serve, status, trust, verify,
};
use crate::config::ServiceRole;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use serde_json::Value;
use std::sync::Arc;

/// Which processes serve a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// Every process: about the process itself (health, its OpenAPI document, its metrics).
    Everywhere,
    /// Processes answering the public, holding no key: roles `verify` and `all`.
    ByVerify,
    /// Processes holding the keys: roles `ca` and `all`.
    ByCa,
}

impl Served {
    /// Whether a process of `role` serves the route.
    pub fn by(self, role: ServiceRole) -> bool {
        match (self, role) {
            (Served::Everywhere, _) | (_, ServiceRole::All) => true,
            (Served::ByVerify, r) => r == ServiceRole::Verify,
            (Served::ByCa, r) => r == ServiceRole::Ca,
        }
    }

    /// The role of the processes a proxy sends the route to.
    pub fn home(self) -> ServiceRole {
        match self {
            Served::Everywhere => ServiceRole::All,
            Served::ByVerify => ServiceRole::Verify,
            Served::ByCa => ServiceRole::Ca,
        }
    }
}

/// One route.
#[derive(Debug)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path as the OpenAPI document writes it.
    pub path: &'static str,
    /// Which processes serve it.
    pub served: Served,
    /// The path as the router matches it (differs from `path` for a wildcard).
    pattern: &'static str,
    handler: fn() -> MethodRouter<Arc<AppState>>,
}

const fn route(
    method: &'static str,
    path: &'static str,
    served: Served,
    handler: fn() -> MethodRouter<Arc<AppState>>,
) -> Route {
    Route {
        method,
        path,
        served,
        pattern: path,
        handler,
    }
}

use Served::{ByCa, ByVerify, Everywhere};

/// Every route the service answers. The router is built from it, and the OpenAPI document is
/// checked against it (tests/api.rs).
pub const ROUTES: &[Route] = &[
    route("GET", "/v1/health", Everywhere, || get(handlers::health)),
    route("GET", "/openapi.json", Everywhere, || {
        get(handlers::openapi)
    }),
    route("GET", "/metrics", Everywhere, || get(handlers::metrics)),
    // Public, keyless: verification and what is read from the shared database.
    route("GET", "/v1/ca", ByVerify, || get(handlers::ca)),
    route("GET", "/ca/{file}", ByVerify, || {
        get(status::ca_certificate)
    }),
    route("GET", "/crl/{file}", ByVerify, || get(status::crl)),
    route("POST", "/v1/verify", ByVerify, || post(verify::verify)),
    route("GET", "/V/{payload}", ByVerify, || get(verify::qr_url)),
    // The citizens' pages (HTML).
    route("GET", "/", ByVerify, || get(pages::home)),
    route("GET", "/verify", ByVerify, || get(pages::home)),
    route("POST", "/verify", ByVerify, || post(pages::verify_form)),
    route("POST", "/verify/scan", ByVerify, || post(pages::scan_frame)),
    route("GET", "/verify/licence/{id}", ByVerify, || {
        get(pages::licence_status)
    }),
    route("GET", "/assets/{file}", ByVerify, || get(pages::asset)),
    route("GET", "/v1/trust-list", ByVerify, || get(trust::trust_list)),
    route("GET", "/v1/trust/peers", ByVerify, || get(trust::peers)),
    // The transparency log (C2SP tlog-tiles), read from the shared database.
    route("GET", "/log/checkpoint", ByVerify, || get(log::checkpoint)),
    Route {
        pattern: "/log/tile/{*path}",
        ..route("GET", "/log/tile/{path}", ByVerify, || get(log::tile))
    },
    route("GET", "/log/proof", ByVerify, || get(log::proof)),
    // The peers' lists live in the memory of the processes that verify with them.
    route("POST", "/v1/trust/peers/sync", ByVerify, || {
        post(trust::sync)
    }),
    // Issuance and administration.
    route("POST", "/v1/certificates", ByCa, || post(handlers::issue)),
    route("GET", "/v1/certificates", ByCa, || get(handlers::list)),
    route("GET", "/v1/certificates/{serial}", ByCa, || {
        get(handlers::get_certificate)
    }),
    route("POST", "/v1/certificates/{serial}/revoke", ByCa, || {
        post(handlers::revoke)
    }),
    route("POST", "/v1/certificates/{serial}/release", ByCa, || {
        post(handlers::release)
    }),
    route("GET", "/v1/audit", ByCa, || get(handlers::audit)),
    // Signed on request.
    route("POST", "/ocsp", ByCa, || post(status::ocsp_post)),
    Route {
        pattern: "/ocsp/{*request}",
        ..route("GET", "/ocsp/{request}", ByCa, || get(status::ocsp_get))
    },
    route("POST", "/tsa", ByCa, || post(status::tsa)),
    route("POST", "/v1/seals", ByCa, || post(seals::create)),
    // A personal seal's public view needs the holder hasher, a secret of the key store.
    route("GET", "/v1/seals/{id}", ByCa, || get(seals::get)),
    route("POST", "/v1/seals/{id}/revoke", ByCa, || {
        post(seals::revoke)
    }),
    route("POST", "/v1/seals/{id}/sign", ByCa, || post(seals::sign)),
    route("POST", "/v1/seals/{id}/prepare", ByCa, || {
        post(seals::prepare)
    }),
    route("POST", "/v1/seals/{id}/complete", ByCa, || {
        post(seals::complete)
    }),
    // Signed by the seal maker on request (kept in memory, not stored).
    route("GET", "/v1/seals/{id}/status", ByCa, || get(seals::status)),
    route("POST", "/v1/documents/seal", ByCa, || post(documents::seal)),
    route("POST", "/v1/licences", ByCa, || post(licences::issue)),
    route("POST", "/v1/enterprises", ByCa, || {
        post(enterprises::register)
    }),
    route("GET", "/v1/licences/{id}", ByCa, || get(licences::get)),
    route("GET", "/v1/licences/{id}/document", ByCa, || {
        get(licences::document)
    }),
    route("POST", "/v1/licences/{id}/change", ByCa, || {
        post(licences::change)
    }),
    route("POST", "/v1/licences/{id}/suspend", ByCa, || {
        post(licences::suspend)
    }),
    route("POST", "/v1/licences/{id}/resume", ByCa, || {
        post(licences::resume)
    }),
    route("POST", "/v1/licences/{id}/revoke", ByCa, || {
        post(licences::revoke)
    }),
    // Signed by the trust-list signer on request.
    route("GET", "/v1/licences/{id}/status", ByCa, || {
        get(licences::status)
    }),
    route("POST", "/v1/documents/sign", ByCa, || post(documents::sign)),
    route("POST", "/v1/documents/extend", ByCa, || {
        post(documents_pdf::extend)
    }),
    // The holders' side (keys: the vault opens licence data, the QR signer signs showings).
    route("GET", "/holder", ByCa, || get(holders::home)),
    route("GET", "/holder/login", ByCa, || get(holders::login)),
    route("GET", "/holder/callback", ByCa, || get(holders::callback)),
    route("POST", "/holder/logout", ByCa, || post(holders::logout)),
    route("GET", "/holder/show/{id}", ByCa, || get(holders::show)),
    route("POST", "/holder/grants", ByCa, || post(holders::grant)),
    route("POST", "/holder/grants/{id}/withdraw", ByCa, || {
        post(holders::withdraw)
    }),
    route("GET", "/v1/holder/licences", ByCa, || {
        get(holder_api::licences)
    }),
    route("POST", "/v1/holder/licences/{id}/show", ByCa, || {
        post(holder_api::show)
    }),
    route("GET", "/v1/holder/grants", ByCa, || get(holder_api::grants)),
    route("POST", "/v1/holder/grants", ByCa, || {
        post(holder_api::create_grant)
    }),
    route("POST", "/v1/holder/grants/{id}/withdraw", ByCa, || {
        post(holder_api::withdraw)
    }),
    route("GET", "/v1/holder/events", ByCa, || get(holder_api::events)),
    route("POST", "/v1/grants/exchange", ByCa, || {
        post(holder_api::exchange)
    }),
    route("POST", "/v1/licences/{id}/duty-lookup", ByCa, || {
        post(holder_api::duty_lookup)
    }),
    // This region as a witness of its peers' logs (C2SP tlog-witness): signs cosignatures.
    route("POST", "/log/witness/add-checkpoint", ByCa, || {
        post(log::add_checkpoint)
    }),
    route("POST", "/v1/trust-list/publish", ByCa, || {
        post(trust::publish)
    }),
    route(
        "POST",
        "/v1/trust-list/services/{id}/withdraw",
        ByCa,
        || post(trust::withdraw),
    ),
];

/// The answer of a route this process does not serve.
pub fn not_served_here(route: &Route, here: ServiceRole) -> Problem {
    Problem::new(StatusCode::MISDIRECTED_REQUEST, "not-served-here", "").msg(
        "msg-not-served-here",
        &[
            ("method", route.method),
            ("path", route.path),
            ("role", route.served.home().as_str()),
            ("here", here.as_str()),
        ],
    )
}

/// The refusal of `route` by a process of role `here`, for the route's method only (other
/// methods stay 405 as elsewhere).
fn refusal(route: &'static Route, here: ServiceRole) -> MethodRouter<Arc<AppState>> {
    let filter = match route.method {
        "GET" => MethodFilter::GET,
        _ => MethodFilter::POST,
    };
    on(filter, move || async move { not_served_here(route, here) })
}

/// Build the router of `state.role`: every route of [`ROUTES`], the ones this role does not
/// serve answering [`not_served_here`].
pub fn router(state: Arc<AppState>) -> Router {
    let role = state.role;
    let mut r = Router::new();
    for route in ROUTES {
        let handler = if route.served.by(role) {
            (route.handler)()
        } else {
            refusal(route, role)
        };
        r = r.route(route.pattern, handler);
    }
    r.fallback(|| async { Problem::not_found("no such resource") })
        // Last line: a panic in a handler is a problem+json 500 (seen by the envelope's log
        // and metrics), not a dropped connection.
        .layer(serve::catch_panic())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            envelope::envelope,
        ))
        // Outermost: problems (the envelope's own included) in the caller's language.
        .layer(middleware::from_fn(locale::localize))
        .with_state(state)
}

/// The OpenAPI document of a process of `role`: the routes it serves (all of them for
/// `all`).
pub fn openapi_for(role: ServiceRole) -> Value {
    let mut doc = super::openapi::document();
    if role == ServiceRole::All {
        return doc;
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            if let Some(ops) = ops.as_object_mut() {
                ops.retain(|method, _| {
                    ROUTES.iter().any(|r| {
                        r.path == path && r.method.eq_ignore_ascii_case(method) && r.served.by(role)
                    })
                });
            }
        }
        paths.retain(|_, ops| ops.as_object().is_some_and(|o| !o.is_empty()));
    }
    if let Some(d) = doc["info"]["description"].as_str() {
        doc["info"]["description"] = Value::String(format!(
            "{d} This process has the role `{role}`: it serves the paths listed here; the \
             service's other routes answer 421 not-served-here, naming the role that serves them."
        ));
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_one_home_and_all_serves_everything() {
        for r in ROUTES {
            assert!(matches!(r.method, "GET" | "POST"), "{r:?}");
            assert!(r.served.by(ServiceRole::All), "{r:?}");
            let by_ca = r.served.by(ServiceRole::Ca);
            let by_verify = r.served.by(ServiceRole::Verify);
            assert_eq!(by_ca && by_verify, r.served == Everywhere, "{r:?}");
            assert!(by_ca || by_verify, "{r:?}");
        }
        let mut seen: Vec<(&str, &str)> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), ROUTES.len(), "a route is listed twice");
    }

    #[test]
    fn the_verify_role_serves_nothing_that_signs() {
        let verify: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.served.by(ServiceRole::Verify))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        for signing in [
            "POST /v1/certificates",
            "POST /ocsp",
            "GET /ocsp/{request}",
            "POST /tsa",
            "POST /v1/seals",
            "GET /v1/seals/{id}/status",
            "POST /v1/seals/{id}/sign",
            "POST /v1/seals/{id}/complete",
            "POST /v1/documents/seal",
            "POST /v1/documents/sign",
            "POST /v1/documents/extend",
            "POST /v1/trust-list/publish",
            "POST /v1/trust-list/services/{id}/withdraw",
        ] {
            assert!(!verify.contains(&signing.to_string()), "{signing}");
        }
        assert!(verify.contains(&"POST /v1/verify".to_string()));
        // And a `ca` process does not parse anonymous verification uploads.
        assert!(
            !ROUTES
                .iter()
                .any(|r| r.path == "/v1/verify" && r.served.by(ServiceRole::Ca))
        );
    }

    #[test]
    fn the_openapi_document_of_a_role_lists_its_routes_only() {
        for role in ServiceRole::ALL {
            let doc = openapi_for(role);
            let mut documented = vec![];
            for (p, ops) in doc["paths"].as_object().unwrap() {
                for m in ops.as_object().unwrap().keys() {
                    documented.push(format!("{} {p}", m.to_uppercase()));
                }
            }
            let mut want: Vec<_> = ROUTES
                .iter()
                .filter(|r| r.served.by(role))
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            documented.sort();
            want.sort();
            assert_eq!(documented, want, "{role}");
        }
    }

    #[test]
    fn the_refusal_names_the_role_that_serves_the_route() {
        let r = ROUTES.iter().find(|r| r.path == "/tsa").unwrap();
        let p = not_served_here(r, ServiceRole::Verify);
        assert_eq!(p.status, StatusCode::MISDIRECTED_REQUEST);
        assert_eq!(p.kind, "not-served-here");
        assert!(p.detail.contains("POST /tsa"), "{}", p.detail);
        assert!(p.detail.contains("ca"), "{}", p.detail);
        let zh = p.detail_in(crate::i18n::Lang::ZhCn);
        assert!(zh.contains("/tsa") && zh != p.detail, "{zh}");
    }
}
