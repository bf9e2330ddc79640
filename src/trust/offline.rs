//! Offline recognition for relying parties (`yinxin verify --trust-list FILE --trust-pin SHA`):
//! signed trust lists given as files are verified against the pins and must be unexpired;
//! their listed roots become anchors and their issuing CAs intermediates, and chains are
//! judged by the same rules as the service's federation (services granted at the time that
//! counts). Nothing is fetched here: revocation data comes from the caller (`--crl`), or from
//! [`super::relying`] with `--fetch-revocation`.

use super::list::{self, ListError, ServiceKind, VerifiedList};
use super::peers::{Accept, Freshness, Judged, PeerConfig, review_against};
use crate::verify::hook::{ChainRole, Gathered, TrustSource};
use crate::verify::report::Report;

/// Lists loaded from files.
pub struct OfflineTrust {
    lists: Vec<(PeerConfig, VerifiedList)>,
}

impl OfflineTrust {
    /// Verify each signed list against `pins` at `now`; an expired list is refused.
    pub fn load(signed: &[Vec<u8>], pins: &[[u8; 32]], now: i64) -> Result<Self, ListError> {
        let mut lists = Vec::new();
        for s in signed {
            let v = list::verify_signed(s, pins, now)?;
            if v.list.next_update_at() < now {
                return Err(ListError::Expired(v.list.next_update.clone()));
            }
            let peer = PeerConfig {
                region: v.list.region.code.clone(),
                name: v.list.region.name.clone(),
                list_url: String::new(),
                signer_sha256: vec![v.signer_sha256.clone()],
                signer_certs: vec![],
                accept: vec![Accept::Certificates, Accept::Seals, Accept::ELicences],
                assurance_map: Default::default(),
                root_sha256: vec![],
            };
            lists.push((peer, v));
        }
        Ok(OfflineTrust { lists })
    }

    /// Every supply point URL of the loaded lists (what a relying party may fetch for their
    /// regions with `--fetch-revocation`).
    pub fn supply_points(&self) -> std::collections::BTreeSet<String> {
        self.lists
            .iter()
            .flat_map(|(_, v)| v.supply_points.iter().cloned())
            .collect()
    }
}

#[async_trait::async_trait]
impl crate::trust::licences::LicenceTrust for OfflineTrust {
    fn licence_regions(&self, at: i64) -> Vec<crate::trust::licences::LicenceRegion> {
        self.lists
            .iter()
            .map(|(peer, v)| {
                let pins = hex::decode(&v.signer_sha256)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .into_iter()
                    .collect();
                crate::trust::licences::LicenceRegion::from_list(
                    &peer.region,
                    peer.accept.contains(&Accept::ELicences),
                    pins,
                    Some(v),
                    at,
                )
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl TrustSource for OfflineTrust {
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let (mut anchors, mut inter) = (vec![], vec![]);
        for (_, v) in &self.lists {
            v.anchors_into(&mut anchors, &mut inter, |_| true);
        }
        (anchors, inter)
    }

    async fn revocation_data(&self, _target: &[u8], _extra: &[Vec<u8>]) -> Gathered {
        Gathered::default()
    }

    fn review(&self, report: &mut Report, target: &[u8], at: i64, role: ChainRole) {
        let Some(anchor) = report.anchor_sha256.clone() else {
            return;
        };
        // Anchors given with --anchor are the caller's own business.
        let Some((peer, v)) = self
            .lists
            .iter()
            .find(|(_, v)| v.certs_of(ServiceKind::RootCa).any(|c| c.sha256 == anchor))
        else {
            return;
        };
        review_against(
            report,
            &Judged {
                target,
                at,
                role,
                anchor: &anchor,
                peer,
                list: v,
                freshness: Freshness::Fresh,
                grace: 0,
                assurance: None,
            },
        );
    }
}
