//! Wiring the holders' side: the relying party of `[holders.oidc]` (its client secret read
//! from `client_secret_file`, 0600 inside the data directory, or `YINXIN_OIDC_CLIENT_SECRET`),
//! its transport to the identity provider, and the clock.
//!
//! **Transport.** The identity provider is contacted only at URLs on the configured issuer's
//! origin (its metadata, keys and token endpoint), over HTTPS (rustls with the system's roots
//! and `ca_file`'s) — or plain HTTP to a loopback address only (a local TLS egress proxy, the
//! tests' provider) — with a total timeout, a body cap, and no redirects followed.

use super::AppError;
use crate::api::holders::HolderServices;
use crate::clock::SharedClock;
use crate::config::{Config, ConfigError};
use crate::holder::HolderError;
use crate::holder::oidc::{IdpTransport, Oidc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// A whole exchange with the provider (connect, send, read).
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read (metadata, keys, tokens).
const MAX_BODY: usize = 256 * 1024;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

struct Transport {
    client: Client<Https, Full<Bytes>>,
    origin: String,
}

fn unavailable(e: impl std::fmt::Display) -> HolderError {
    HolderError::Unavailable(e.to_string())
}

impl Transport {
    async fn exchange(&self, req: hyper::Request<Full<Bytes>>) -> Result<Vec<u8>, HolderError> {
        let url = req.uri().to_string();
        if !url.starts_with(&self.origin) {
            return Err(unavailable(format!(
                "{url} is not on the provider's origin"
            )));
        }
        let done = async {
            let resp = self.client.request(req).await.map_err(|e| {
                let mut m = e.to_string();
                let mut cur = std::error::Error::source(&e);
                while let Some(c) = cur {
                    m = format!("{m}: {c}");
                    cur = c.source();
                }
                unavailable(m)
            })?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| unavailable(format!("{url}: {e}")))?
                .to_bytes();
            if status != hyper::StatusCode::OK {
                let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
                return Err(unavailable(format!("{url} answered {status}: {text}")));
            }
            Ok(body.to_vec())
        };
        tokio::time::timeout(TIMEOUT, done)
            .await
            .map_err(|_| unavailable(format!("{url}: no answer within {} s", TIMEOUT.as_secs())))?
    }
}

#[async_trait::async_trait]
impl IdpTransport for Transport {
    async fn get(&self, url: &str) -> Result<Vec<u8>, HolderError> {
        let req = hyper::Request::get(url)
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::new()))
            .map_err(|e| unavailable(format!("{url}: {e}")))?;
        self.exchange(req).await
    }
    async fn post_form(&self, url: &str, form: String) -> Result<Vec<u8>, HolderError> {
        let req = hyper::Request::post(url)
            .header(
                hyper::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| unavailable(format!("{url}: {e}")))?;
        self.exchange(req).await
    }
}

/// The provider's transport: HTTPS trusting the system's roots and the certificates in
/// `ca_file`; plain HTTP to loopback only.
pub fn transport(issuer: &str, ca_file: Option<&Path>) -> Result<Box<dyn IdpTransport>, String> {
    let origin = origin(issuer).ok_or_else(|| format!("issuer {issuer:?} is not a URL"))?;
    let host = origin
        .trim_end_matches('/')
        .split_once("://")
        .map_or("", |(_, h)| h);
    let hostname = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let loopback = hostname == "localhost"
        || hostname
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let plain_loopback = origin.starts_with("http://") && loopback;
    if !(origin.starts_with("https://") || plain_loopback) {
        return Err(format!(
            "issuer {issuer:?}: https:// (or http:// to a loopback address, e.g. a local TLS egress proxy)"
        ));
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(f) = ca_file {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_file_iter(f)
            .map_err(|e| format!("ca_file {}: {e}", f.display()))?;
        let mut n = 0;
        for c in certs {
            let c = c.map_err(|e| format!("ca_file {}: {e}", f.display()))?;
            roots
                .add(c)
                .map_err(|e| format!("ca_file {}: {e}", f.display()))?;
            n += 1;
        }
        if n == 0 {
            return Err(format!("ca_file {}: no certificate", f.display()));
        }
    }
    // `ring` is the crate's one cryptographic backend (no second, aws-lc-rs, built beside
    // it); rustls marks its provider deprecated for lacking post-quantum key exchange.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    Ok(Box::new(Transport { client, origin }))
}

/// `scheme://host[:port]/` of a URL.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}/"))
}

fn invalid(data_dir: &Path, message: String) -> AppError {
    AppError::Config(ConfigError::Invalid {
        file: data_dir
            .join(crate::config::CONFIG_FILE)
            .display()
            .to_string(),
        message: format!("[holders.oidc] {message}"),
    })
}

/// The holders' side of this configuration.
pub(super) fn services(
    config: &Config,
    data_dir: &Path,
    repo: Arc<dyn crate::holder::repo::HolderRepository>,
) -> Result<Arc<HolderServices>, AppError> {
    let cfg = config.holders.clone();
    let oidc = match &cfg.oidc {
        None => None,
        Some(o) => {
            let secret = match (
                &o.client_secret_file,
                std::env::var("YINXIN_OIDC_CLIENT_SECRET"),
            ) {
                (_, Ok(v)) if !v.is_empty() => Zeroizing::new(v),
                (Some(f), _) => Zeroizing::new(
                    std::fs::read_to_string(data_dir.join(f))
                        .map_err(|e| invalid(data_dir, format!("client_secret_file {f}: {e}")))?
                        .trim()
                        .to_string(),
                ),
                _ => {
                    return Err(invalid(
                        data_dir,
                        "no client secret: set client_secret_file or YINXIN_OIDC_CLIENT_SECRET"
                            .into(),
                    ));
                }
            };
            let ca = o.ca_file.as_ref().map(|f| data_dir.join(f));
            let transport =
                transport(&o.issuer, ca.as_deref()).map_err(|m| invalid(data_dir, m))?;
            let redirect = format!(
                "{}/holder/callback",
                config.service.public_base_url.trim_end_matches('/')
            );
            Some(Oidc::new(o.clone(), secret, redirect, transport))
        }
    };
    Ok(Arc::new(HolderServices { cfg, oidc, repo }))
}

/// The service's clock: the system's. A debug build (what the tests run) also reads
/// `YINXIN_TEST_CLOCK_FILE`, a file holding seconds to add to the system time, so a test can
/// move the clock of a running server (a showing's QR code expiring); release builds have no
/// such knob.
pub(super) fn clock() -> SharedClock {
    #[cfg(debug_assertions)]
    if let Ok(f) = std::env::var("YINXIN_TEST_CLOCK_FILE") {
        return Arc::new(crate::clock::OffsetFileClock(f.into()));
    }
    Arc::new(crate::clock::SystemClock)
}
