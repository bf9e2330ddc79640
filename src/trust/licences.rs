//! Recognized regions as e-licence verification sees them ([`LicenceTrust`]): whether this
//! region accepts a region's e-licences (`accept = ["e-licences", …]` in `trust.toml`, not
//! accepted by default), whether its trust list is usable now, the certificates pinned to sign
//! its list (which also sign its licence statuses), the e-licence QR signers its list names
//! (service kind `licence-qr-signer`, with their status), and its licence status supply point;
//! and fetching a licence's signed status from that supply point only.
//!
//! The federation (`peers`), offline trust lists (`offline`) and the relying party
//! (`relying`) implement it. Nothing here judges a statement: the verifier
//! (`crate::licence`) reads and checks it.
//!
//! Must not import: `crate::licence` (it imports this), `crate::api`, `crate::store`.

use super::list::{ServiceKind, ServiceStatus, VerifiedList};

/// One e-licence QR signer a region's list names.
#[derive(Clone, Debug)]
pub struct ListedQrSigner {
    /// The service id in the list.
    pub service: String,
    /// The certificate (DER).
    pub cert: Vec<u8>,
    /// Whether the service was granted at the time asked about.
    pub granted: bool,
}

/// A recognized region, for e-licences.
#[derive(Clone, Debug)]
pub struct LicenceRegion {
    /// Region code.
    pub region: String,
    /// Whether this region accepts its e-licences (`trust.toml`).
    pub accepted: bool,
    /// Why its list cannot be used now (never synced, expired); `None` when it can.
    pub unusable: Option<String>,
    /// Sequence of the list in use.
    pub list_sequence: Option<u64>,
    /// SHA-256 of the certificates that may sign its list and its signed licence statuses.
    pub status_signers: Vec<[u8; 32]>,
    /// The e-licence QR signers its list names.
    pub qr_signers: Vec<ListedQrSigner>,
    /// Its licence status supply points (`<base>`: a status is at `<base>/<id>/status`).
    pub status_bases: Vec<String>,
}

impl LicenceRegion {
    /// What `list` (signed by one of `pins`) says, for a peer that `accepted` or not.
    pub fn from_list(
        region: &str,
        accepted: bool,
        pins: Vec<[u8; 32]>,
        list: Option<&VerifiedList>,
        at: i64,
    ) -> LicenceRegion {
        let mut r = LicenceRegion {
            region: region.to_string(),
            accepted,
            unusable: list
                .is_none()
                .then(|| format!("no trust list of region {region} has been accepted yet")),
            list_sequence: list.map(|l| l.list.sequence),
            status_signers: pins,
            qr_signers: vec![],
            status_bases: vec![],
        };
        let Some(l) = list else {
            return r;
        };
        for c in l.certs_of(ServiceKind::LicenceQrSigner) {
            let svc = &l.list.services[c.service];
            r.qr_signers.push(ListedQrSigner {
                service: svc.id.clone(),
                cert: c.der.clone(),
                granted: svc.status_at(at) == Some(ServiceStatus::Granted),
            });
        }
        for s in &l.list.services {
            if s.kind == ServiceKind::LicenceQrSigner {
                for b in &s.supply_points.licence_status {
                    if !r.status_bases.contains(b) {
                        r.status_bases.push(b.clone());
                    }
                }
            }
        }
        r
    }
}

/// The URL of a licence's signed status under a listed supply point `base`.
pub fn status_url(base: &str, identifier: &str) -> String {
    format!("{}/{identifier}/status", base.trim_end_matches('/'))
}

/// Recognized regions for e-licence verification (see the module doc).
#[async_trait::async_trait]
pub trait LicenceTrust: Send + Sync {
    /// Every recognized region, with QR signers' status judged at `at` (Unix seconds).
    fn licence_regions(&self, at: i64) -> Vec<LicenceRegion>;

    /// The signed status (CMS DER) of `identifier` fetched from `region`'s listed licence
    /// status supply point. Nothing by default: only a source that may go online fetches.
    async fn fetch_licence_status(
        &self,
        region: &str,
        _identifier: &str,
    ) -> Result<Vec<u8>, String> {
        Err(format!(
            "the signed status of a licence of region {region} is not fetched here"
        ))
    }
}
