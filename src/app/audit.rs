//! Wiring the tamper-evident audit trail ([`crate::audit`]): checkpoints made by the region's
//! own TSA (on a schedule while serving, or by `yinxin audit checkpoint`), and the walk of
//! `yinxin audit verify` with the region's CAs as anchors.

use super::{AppError, load_config, tsa_service};
use crate::audit::{AuditTrail, Broken, Checkpoint, TrailSummary, checkpoint, walk};
use crate::pki::region::Region;
use crate::pki::repo::{CaRole, Repository};
use crate::status::service::StatusRepository;
use crate::status::tsa::TsaService;
use crate::store::Store;
use crate::verify::chain::ChainInputs;
use crate::verify::context::Context;
use crate::verify::path::RevocationMode;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Checkpoint the trail every `every` (only when rows were added), for the life of the process.
pub(super) fn spawn_checkpoints(
    store: Arc<Store>,
    region: String,
    tsa: Arc<TsaService>,
    every: Duration,
) {
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match checkpoint::make(&*store, &region, &tsa, crate::clock::now_millis()).await {
                Ok(Some(cp)) => tracing::info!(size = cp.size, "audit checkpoint"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
            }
        }
    });
}

/// `yinxin audit checkpoint`: fix the head now (the TSA keys decrypted with `pass`).
pub async fn audit_checkpoint(
    data_dir: &Path,
    database_url: Option<&str>,
    pass: &crate::crypto::Passphrase,
) -> Result<Option<Checkpoint>, AppError> {
    let config = load_config(data_dir, database_url)?;
    let code = config.region.code.clone();
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = Arc::new(Store::connect(&url).await?);
    let region = Region::from_parts(data_dir, config, store.clone()).await?;
    let tsa = tsa_service(&region, &store, pass).await?;
    let made = checkpoint::make(&*store, &code, &tsa, crate::clock::now_millis())
        .await
        .map_err(|e| AppError::Audit(e.to_string()))?;
    store.close().await;
    Ok(made)
}

/// `yinxin audit verify`: walk the whole trail; no key is needed.
pub async fn audit_verify(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Result<TrailSummary, Broken>, AppError> {
    let config = load_config(data_dir, database_url)?;
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let store = Store::connect(&url).await?;
    let context = region_context(&store).await?;
    let inputs = ChainInputs {
        context: &context,
        trust: None,
    };
    let out = walk(&store as &dyn AuditTrail, &config.region.code, &inputs).await?;
    store.close().await;
    Ok(out)
}

/// The region's own CAs as the only anchors (roots) and intermediates, with their newest
/// CRLs: a checkpoint counts only when stamped by one of the region's TSUs.
async fn region_context(store: &Store) -> Result<Context, AppError> {
    let cas = store.cas().await?;
    let mut crls = Vec::new();
    for ca in &cas {
        if let Some(c) = store.latest_crl(&ca.id, false).await? {
            crls.push(c.der);
        }
    }
    Ok(Context::builder()
        .anchors(
            cas.iter()
                .filter(|c| c.role == CaRole::Root)
                .map(|c| &c.der),
        )
        .intermediates(
            cas.iter()
                .filter(|c| c.role == CaRole::Issuing)
                .map(|c| &c.der),
        )
        .crls(crls)
        .revocation(RevocationMode::IfAvailable)
        .build())
}
