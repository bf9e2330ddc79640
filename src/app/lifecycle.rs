//! The CA lifecycle as the CLI runs it (`yinxin ca renew-issuing | renew-root`): the region's
//! step ([`crate::pki::region::Region::renew_issuing`], `renew_root`) and, for a new root,
//! its first CRL (ARL, valid one year, as `init` makes for the first roots) so that the CRL
//! distribution point of everything below it answers from the start.

use super::{AppError, crl_service};
use crate::config::Config;
use crate::crypto::{Algorithm, Passphrase};
use crate::pki::region::{LifecycleSummary, Region};
use crate::status::service::StatusConfig;
use std::path::Path;

/// Renew the issuing CA (`root` false) or roll the root over (`root` true) of `alg`.
pub async fn renew_ca(
    data_dir: &Path,
    database_url: Option<&str>,
    alg: Algorithm,
    root: bool,
    pass: &Passphrase,
    actor: &str,
) -> Result<LifecycleSummary, AppError> {
    let region = Region::open(data_dir, database_url, &crate::store::SqlConnector).await?;
    let summary = if root {
        region.renew_root(alg, pass, actor).await?
    } else {
        region.renew_issuing(alg, pass, actor).await?
    };
    drop(region);
    if root {
        let mut config = Config::load(data_dir)?;
        if let Some(u) = database_url {
            config.database.url = u.to_string();
        }
        let cfg = StatusConfig {
            crl_validity: 365 * 86_400,
            ..Default::default()
        };
        let (store, svc, _) = crl_service(data_dir, config, &[&summary.ca], pass, cfg).await?;
        svc.generate_crl(&summary.ca, false).await?;
        store.close().await;
    }
    Ok(summary)
}
