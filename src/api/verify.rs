//! `POST /v1/verify` (public): a certificate, a seal, an SES_Signature, an OFD package or a
//! CMS SignedData, verified against our CAs and those of the recognized regions, with
//! revocation from the CRLs stored by the `ca` process and the seal registry. An OFD that is an
//! e-licence also gets the licence report beside the OFD report (`licence`, with the licence's
//! verdict at the top level), and `{"qr": "<text>"}` verifies the QR payload of an e-licence
//! ([`crate::licence::verify`]; our status from the licence registry, other regions' from their
//! signed statuses). It needs no key:
//! a `verify` process serves it (see [`super::routes`]), and the verification runs on the
//! bounded pool ([`super::verify_pool`]).
//!
//! Owns: reading the object and building the verification options. Must not import the store
//! or sign anything.

use super::problem::{ApiResult, Problem};
use super::seals::{decode_b64, ok, services};
use super::state::AppState;
use crate::auth::Principal;
use crate::document::ofd::{self, OfdReport, Package, Stopped};
use crate::licence::verify::{LicenceReport, LicenceStatusSource, RepoStatus, Verifier};
use crate::seal::service as seal_service;
use crate::seal::verify::VerifyOptions;
use crate::verify::cert::Cert;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Query parameters of `POST /v1/verify`.
#[derive(Deserialize)]
pub struct VerifyQuery {
    /// For a bare certificate: what it is validated for.
    #[serde(default)]
    purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    /// The object (or, instead, `qr`).
    #[serde(default)]
    object_base64: Option<String>,
    /// The text of an e-licence's QR code (the URL or the bare payload), instead of an object.
    #[serde(default)]
    qr: Option<String>,
    #[serde(default)]
    data_base64: Option<String>,
    /// For a bare certificate: what it is validated for (default `document-signer`).
    #[serde(default)]
    purpose: Option<String>,
}

/// `POST /v1/verify` (public): a seal or an SES_Signature (JSON with base64, or the raw DER as
/// `application/octet-stream`), optional original data; or (JSON) `qr`, the text of an
/// e-licence's QR code; returns the report. Our CAs are the anchors; revocation uses our
/// published CRLs.
pub async fn verify(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    axum::extract::Query(query): axum::extract::Query<VerifyQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    // Public: anonymous callers are rate-limited per address; a token (e.g. `region-peer`)
    // gets its own, larger, bucket.
    let who = if headers.contains_key(header::AUTHORIZATION) {
        Some(s.authenticate(&headers).await?)
    } else {
        s.rate_limit_anonymous(addr)?;
        None
    };
    services(&s)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut purpose_name = query.purpose;
    // The object itself as the body: any of the types the documents and status endpoints
    // answer with (an OFD from /v1/documents/seal is application/ofd).
    const RAW: [&str; 7] = [
        "application/octet-stream",
        "application/ofd",
        "application/pdf",
        "application/pkix-cert",
        "application/x-pem-file",
        "application/pkcs7-signature",
        "application/pkcs7-mime",
    ];
    let mut qr = None;
    let (object, data) = if RAW.iter().any(|t| ct.starts_with(t)) {
        let bytes = super::handlers::body_bytes(&s, body).await?;
        (bytes.to_vec(), None)
    } else {
        let b: VerifyBody = super::handlers::read_json(&s, &headers, body).await?;
        if b.purpose.is_some() {
            purpose_name = b.purpose.clone();
        }
        let object = match (&b.object_base64, b.qr) {
            (Some(o), None) => decode_b64("object_base64", o)?,
            (None, Some(text)) => {
                qr = Some(text);
                Vec::new()
            }
            _ => {
                return Err(Problem::unprocessable(
                    "invalid-request",
                    "give either object_base64 (an object) or qr (the text of an e-licence's QR code)",
                ));
            }
        };
        (
            object,
            b.data_base64
                .as_deref()
                .map(|d| decode_b64("data_base64", d))
                .transpose()?,
        )
    };
    let purpose = match purpose_name.as_deref() {
        None => crate::verify::purpose::Purpose::DocumentSigner,
        Some(p) => p.parse().map_err(|e: String| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-request", &e)
        })?,
    };
    // CPU work off the async workers, within the deadline (see `verify_pool`).
    let state = s.clone();
    state
        .verify_pool
        .run(who.is_none(), move |deadline| {
            verify_object(s, who, object, data, qr, purpose, deadline)
        })
        .await?
}

/// The longest QR payload `GET /V/{payload}` reads (a version-40 QR holds 7,089 digits).
const MAX_QR_PAYLOAD: usize = 7_089;

/// `GET /V/{payload}` (public): the URL an e-licence's QR code carries. Answers the
/// verification report of that payload, as `POST /v1/verify` with `{"qr": …}` does (the
/// signature, the signer and the live status from the registry or the issuing region); a
/// browser (`Accept` preferring `text/html`) gets the result page ([`super::pages`]).
pub async fn qr_url(
    State(s): State<Arc<AppState>>,
    ClientAddr(addr): ClientAddr,
    axum::extract::Path(payload): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<super::pages::LangQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    s.rate_limit_anonymous(addr)?;
    services(&s)?;
    if payload.len() > MAX_QR_PAYLOAD {
        return Err(Problem::unprocessable(
            "invalid-request",
            "the QR payload is longer than any QR code holds",
        ));
    }
    // A phone's browser opening the printed code: the result page (same report).
    if super::pages::wants_html(&headers) {
        return Ok(super::pages::qr_page(&s, &headers, q.lang.as_deref(), payload).await);
    }
    let state = s.clone();
    state
        .verify_pool
        .run(true, move |deadline| {
            verify_object(
                s,
                None,
                Vec::new(),
                None,
                Some(payload),
                crate::verify::purpose::Purpose::DocumentSigner,
                deadline,
            )
        })
        .await?
}

/// The verification proper of `POST /v1/verify`, run on the verification pool.
async fn verify_object(
    s: Arc<AppState>,
    who: Option<Principal>,
    object: Vec<u8>,
    data: Option<Vec<u8>>,
    qr: Option<String>,
    purpose: crate::verify::purpose::Purpose,
    deadline: crate::document::ofd::Deadline,
) -> ApiResult<Response> {
    let report = report_of(&s, &object, data, qr, purpose, deadline).await?;
    Ok(ok(StatusCode::OK, report, who.as_ref()))
}

/// The verification report (JSON) of an object (certificate, seal, SES signature, OFD — an
/// e-licence with its licence report —, CMS) or of an e-licence's QR text: what
/// `POST /v1/verify` answers and the citizens' page shows.
pub(super) async fn report_of(
    s: &AppState,
    object: &[u8],
    data: Option<Vec<u8>>,
    qr: Option<String>,
    purpose: crate::verify::purpose::Purpose,
    deadline: crate::document::ofd::Deadline,
) -> ApiResult<Value> {
    let svc = services(s)?;
    let own = s
        .verify_context
        .as_ref()
        .ok_or_else(|| Problem::internal(&"seal services without a verification context"))?;
    let mut crls = Vec::new();
    for ca in s.status.cas() {
        if let Ok(Some(c)) = super::status::latest(s, &ca.record.id, false).await {
            crls.push(c.der.clone());
        }
    }
    let federation = s.trust.as_ref().map(|t| t.federation.clone());
    let trust: Option<&dyn crate::verify::hook::TrustSource> = federation
        .as_deref()
        .map(|f| f as &dyn crate::verify::hook::TrustSource);
    let certificate = certificate_of(object);
    // Our own region's material, parsed once at start-up; what this request adds (the CRLs
    // just read, recognized regions' anchors and seal makers, a certificate's chain) goes into
    // a derived context sharing the parsed certificates.
    let chain = certificate
        .as_ref()
        .map(|(_, c)| c.as_slice())
        .unwrap_or(&[]);
    let context = if crls.is_empty() && federation.is_none() && chain.is_empty() {
        own.clone()
    } else {
        let mut extra = own.with_extra().crls(crls);
        if let Some(t) = trust {
            let (a, i) = t.anchors();
            extra = extra.anchors(a).intermediates(i);
        }
        if let Some(f) = federation.as_deref() {
            extra = extra.seal_makers(f.seal_makers());
        }
        extra.intermediates(chain).shared()
    };
    let opts = VerifyOptions {
        context,
        trust,
        registry: Some(svc.repo.as_ref()),
        data: data.as_deref(),
        now: s.clock.now(),
    };
    let licences = s.licences.as_deref();
    let own = licences.map(|l| RepoStatus(l.repo.as_ref()));
    let own = own.as_ref().map(|o| o as &dyn LicenceStatusSource);
    if let Some(text) = qr {
        let report = verify_licence(s, own, &opts, LicenceInput::Qr(&text)).await;
        return Ok(serde_json::to_value(&report).unwrap_or(Value::Null));
    }
    if let Some((cert, _)) = certificate {
        return Ok(verify_certificate(&cert, purpose, &opts).await);
    }
    if object.starts_with(b"PK\x03\x04") {
        let stopped = |s: Stopped| super::verify_pool::deadline_problem(&s);
        let (report, pkg) = match Package::read_until(object, &deadline).map_err(stopped)? {
            Ok(pkg) => (
                ofd::verify_package_until(&pkg, &opts, &deadline)
                    .await
                    .map_err(stopped)?,
                Some(pkg),
            ),
            // Unreadable: the verifier reports why.
            Err(_) => (
                ofd::verify_until(object, &opts, &deadline)
                    .await
                    .map_err(stopped)?,
                None,
            ),
        };
        let value = match pkg.filter(crate::licence::verify::is_licence) {
            Some(pkg) => {
                let l = verify_licence(s, own, &opts, LicenceInput::Ofd(&report, &pkg)).await;
                crate::licence::verify::ofd_with_licence(&report, &l)
            }
            None => serde_json::to_value(&report).unwrap_or(Value::Null),
        };
        return Ok(value);
    }
    if object.starts_with(b"%PDF-") {
        return Ok(match crate::document::pdf::verify(object, &opts).await {
            // A licence face written as PDF is verified as a licence too (status, issuer…).
            Ok(report) if crate::licence::verify::is_pdf_licence(&report) => {
                let l = verify_licence(s, own, &opts, LicenceInput::Pdf(&report, object)).await;
                crate::licence::verify::pdf_with_licence(&report, &l)
            }
            Ok(report) => serde_json::to_value(&report).unwrap_or(Value::Null),
            // Unreadable: a report saying so, as for an unreadable OFD.
            Err(e) => serde_json::json!({
                "object": "pdf",
                "indication": "TOTAL_FAILED",
                "sub_indication": "FORMAT_FAILURE",
                "detail": e.to_string(),
                "signatures": [],
            }),
        });
    }
    if crate::document::cms::embedded_content(object).is_ok() {
        let report = crate::document::cms::verify_with_options(
            object,
            data.as_deref().unwrap_or_default(),
            &opts,
        )
        .await;
        return Ok(serde_json::to_value(&report).unwrap_or(Value::Null));
    }
    let report = seal_service::verify(object, &opts).await;
    Ok(serde_json::to_value(&report).unwrap_or(Value::Null))
}

/// What an e-licence verification is given.
enum LicenceInput<'a> {
    /// An OFD package that is an e-licence, and its OFD report.
    Ofd(&'a OfdReport, &'a Package),
    /// The text of a licence's QR code.
    Qr(&'a str),
    /// A PDF that is an e-licence, and its PDF report.
    Pdf(&'a crate::document::pdf::PdfReport, &'a [u8]),
}

/// Verify an e-licence with our registry `own` (the licence repository), our region's QR
/// signer certificates (its service credentials) and the recognized regions (the federation:
/// their QR signers, their signed statuses fetched from the supply points their lists name,
/// only for peers whose trust.toml accepts `e-licences`).
async fn verify_licence(
    s: &AppState,
    own: Option<&dyn LicenceStatusSource>,
    opts: &VerifyOptions<'_>,
    input: LicenceInput<'_>,
) -> LicenceReport {
    let builtin;
    let catalogue = match s.licences.as_deref() {
        Some(l) => &l.catalogue,
        None => {
            builtin = crate::licence::Catalogue::builtin();
            &builtin
        }
    };
    let qr_signers = own_qr_signers(s).await;
    let federation = s.trust.as_ref().map(|t| t.federation.clone());
    let v = Verifier {
        region: Some(&s.region_code),
        own,
        own_qr_signers: &qr_signers,
        trust: federation
            .as_deref()
            .map(|f| f as &dyn crate::trust::licences::LicenceTrust),
        ..Verifier::new(catalogue, opts)
    };
    match input {
        LicenceInput::Ofd(report, pkg) => v.ofd(report, pkg).await,
        LicenceInput::Qr(text) => v.qr(text).await,
        LicenceInput::Pdf(report, pdf) => v.pdf(report, pdf).await,
    }
}

/// The certificates of our e-licence QR signer service credentials (and of the signer this
/// process holds, if any).
/// Read at most every [`QR_SIGNERS_TTL`] (a region's QR signer changes at a key rollover).
async fn own_qr_signers(s: &AppState) -> Arc<Vec<Vec<u8>>> {
    if let Ok(c) = s.qr_signers.read()
        && let Some((list, at)) = c.as_ref()
        && at.elapsed() < QR_SIGNERS_TTL
    {
        return list.clone();
    }
    let list = Arc::new(read_qr_signers(s).await);
    if let Ok(mut c) = s.qr_signers.write() {
        *c = Some((list.clone(), std::time::Instant::now()));
    }
    list
}

/// How long the QR signer certificates read are reused.
const QR_SIGNERS_TTL: std::time::Duration = std::time::Duration::from_secs(10);

async fn read_qr_signers(s: &AppState) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(sig) = s.licences.as_deref().and_then(|l| l.signing.as_ref()) {
        out.push(sig.qr_cert.clone());
    }
    let services = s.repo.services().await.unwrap_or_default();
    for svc in services.iter().filter(|x| x.profile == "licence-qr-signer") {
        if let Ok(Some(c)) = s.repo.certificate(&svc.serial).await
            && !out.contains(&c.der)
        {
            out.push(c.der);
        }
    }
    out
}

/// The client address of a request, when the server recorded it.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A certificate given as DER, or as PEM optionally followed by more CERTIFICATE blocks (its
/// chain, added to the pool); anything else: `None`.
fn certificate_of(object: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    if !object.starts_with(b"-----BEGIN CERTIFICATE") {
        Cert::shared(object).ok()?;
        return Some((object.to_vec(), vec![]));
    }
    let text = std::str::from_utf8(object).ok()?;
    let mut certs = Vec::new();
    for block in text.split_inclusive("-----END CERTIFICATE-----") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        let (label, d) = der::pem::decode_vec(block.as_bytes()).ok()?;
        if label != "CERTIFICATE" || certs.len() >= 16 {
            return None;
        }
        Cert::shared(&d).ok()?;
        certs.push(d);
    }
    let mut it = certs.into_iter();
    let target = it.next()?;
    Some((target, it.collect()))
}

/// A bare certificate: path validation now, with revocation required, through our anchors
/// and those of recognized regions; the report says which region anchored it.
async fn verify_certificate(
    cert: &[u8],
    purpose: crate::verify::purpose::Purpose,
    opts: &VerifyOptions<'_>,
) -> Value {
    let (report, notes) = crate::verify::chain::validate_for_noted(
        cert,
        &[],
        opts.now,
        purpose,
        &opts.chain_inputs(),
    )
    .await;
    let mut v = serde_json::to_value(&report).unwrap_or(Value::Null);
    v["object"] = json!("certificate");
    v["purpose"] = json!(purpose.name());
    if !notes.is_empty() {
        v["revocation_fetch"] = json!(notes);
    }
    v
}
