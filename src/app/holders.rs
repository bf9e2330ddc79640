//! Wiring the holders' side: the relying party of `[holders.oidc]` (its client secret read
//! from `client_secret_file`, 0600 inside the data directory, or `YINXIN_OIDC_CLIENT_SECRET`),
//! its transport over the crate's one outbound client, and the clock.
//!
//! **Transport.** The identity provider is contacted only at URLs on the configured issuer's
//! origin (its metadata, keys and token endpoint), through the outbound client's rules (no
//! redirects, a total timeout, a body cap). That client speaks plain `http://` only: a region
//! reaches its identity service over its government network or a local TLS-terminating egress
//! proxy (docs/holders.md); an `https://` issuer is refused at start, not silently downgraded.

use super::AppError;
use crate::api::holders::HolderServices;
use crate::clock::SharedClock;
use crate::config::{Config, ConfigError};
use crate::holder::HolderError;
use crate::holder::oidc::{IdpTransport, Oidc};
use crate::trust::fetch::{FetchConfig, RevocationFetcher};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

struct Transport {
    client: RevocationFetcher,
    origin: String,
}

impl Transport {
    fn allowed(&self, url: &str) -> bool {
        url.starts_with(&self.origin)
    }
}

fn unavailable(e: impl std::fmt::Display) -> HolderError {
    HolderError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl IdpTransport for Transport {
    async fn get(&self, url: &str) -> Result<Vec<u8>, HolderError> {
        let allowed = |u: &str| self.allowed(u);
        self.client
            .get_accepting(url, &allowed, "application/json", 256 * 1024)
            .await
            .map_err(unavailable)
    }
    async fn post_form(&self, url: &str, form: String) -> Result<Vec<u8>, HolderError> {
        let allowed = |u: &str| self.allowed(u);
        self.client
            .post(
                url,
                &allowed,
                "application/x-www-form-urlencoded",
                form.into_bytes(),
            )
            .await
            .map_err(unavailable)
    }
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
            if !o.issuer.starts_with("http://") {
                return Err(invalid(
                    data_dir,
                    format!(
                        "issuer {:?}: only http:// is reached directly (use the region's TLS egress proxy, docs/holders.md)",
                        o.issuer
                    ),
                ));
            }
            let origin = origin(&o.issuer)
                .ok_or_else(|| invalid(data_dir, format!("issuer {:?} is not a URL", o.issuer)))?;
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
            let client = RevocationFetcher::new(FetchConfig {
                timeout: Duration::from_secs(10),
                max_bytes: 256 * 1024,
                max_entries: 0,
                refusal: "not on the identity provider's origin".into(),
                ..Default::default()
            });
            let redirect = format!(
                "{}/holder/callback",
                config.service.public_base_url.trim_end_matches('/')
            );
            Some(Oidc::new(
                o.clone(),
                secret,
                redirect,
                Box::new(Transport { client, origin }),
            ))
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
