//! Publishing this region's trust list: collect the region's trust services (roots, issuing
//! CAs, seal makers, time-stamping units, OCSP responders) with their certificates, policies,
//! assurance levels and supply points; carry over status histories from the previous
//! version; apply a status change (withdraw / grant); sign with both trust-list signers; store.

use super::list::{
    self, CurrentService, RegionId, ServiceKind, ServiceStatus, SupplyPoints, TrustList,
};
use super::peers::TrustConfig;
use super::{OwnList, TrustRepository};
use crate::crypto::Passphrase;
use crate::pki::region::Region;
use crate::pki::repo::{AuditEvent, CaRole};

/// A publishing failure.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The region's data is incomplete (e.g. no trust-list signer).
    #[error("{0}")]
    Region(String),
    /// No such service in the list.
    #[error("no trust service {0} in the list")]
    UnknownService(String),
    /// Storage.
    #[error("storage: {0}")]
    Store(String),
    /// Signing.
    #[error("{0}")]
    Sign(String),
}

/// The region's services as they are now.
pub async fn current_services(
    region: &Region,
    cfg: &TrustConfig,
) -> Result<Vec<CurrentService>, PublishError> {
    let urls = region.public_urls();
    let r = |e: crate::pki::repo::RepoError| PublishError::Store(e.to_string());
    let mut policies: Vec<String> = region
        .profiles
        .iter()
        .filter(|p| !p.kind.is_service())
        .flat_map(|p| p.policies.iter().map(|o| o.to_string()))
        .collect();
    policies.sort();
    policies.dedup();
    let levels = |pols: &[String]| {
        cfg.list
            .assurance_levels
            .iter()
            .filter(|(oid, _)| pols.contains(oid))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let mut out = Vec::new();
    let cas = region.repo.cas().await.map_err(r)?;
    for ca in &cas {
        let (kind, supply) = match ca.role {
            CaRole::Root => (
                ServiceKind::RootCa,
                SupplyPoints {
                    crl: vec![urls.crl(&ca.id)],
                    ..Default::default()
                },
            ),
            CaRole::Issuing => (
                ServiceKind::IssuingCa,
                SupplyPoints {
                    crl: vec![urls.crl(&ca.id), urls.delta_crl(&ca.id)],
                    ocsp: vec![urls.ocsp()],
                    ..Default::default()
                },
            ),
        };
        out.push(CurrentService {
            id: ca.id.clone(),
            kind,
            algorithm: ca.algorithm.to_string(),
            cert: ca.der.clone(),
            policies: policies.clone(),
            assurance_levels: levels(&policies),
            supply_points: supply,
        });
    }
    // The link certificates of root rollovers (DATA_DIR/ca/link-*.pem): published only
    // when one of our roots really signed it and it carries another of our roots' keys.
    for der_bytes in crate::pki::cross::load_links(&region.data_dir) {
        let Some((issuer, subject)) = link_between(&cas, &der_bytes) else {
            tracing::warn!(
                "a link-*.pem file that is not a link between our roots was not published"
            );
            continue;
        };
        // A link withdrawn (revoked on its root's ARL) is no longer published.
        let serial = crate::verify::cert::Cert::from_der(&der_bytes)
            .map(|c| hex::encode_upper(&c.serial))
            .unwrap_or_default();
        match region.repo.certificate(&serial).await.map_err(r)? {
            Some(rec) if rec.status == crate::pki::repo::CertStatus::Valid => {}
            _ => continue,
        }
        out.push(CurrentService {
            id: format!("link-{}-by-{}", subject.id, issuer.id),
            kind: ServiceKind::RootLink,
            algorithm: issuer.algorithm.to_string(),
            cert: der_bytes.clone(),
            policies: vec![],
            assurance_levels: Default::default(),
            supply_points: SupplyPoints {
                crl: vec![urls.crl(&issuer.id)],
                ..Default::default()
            },
        });
    }
    for svc in region.repo.services().await.map_err(r)? {
        let kind = match svc.profile.as_str() {
            "seal-maker" => ServiceKind::SealMaker,
            "tsa" => ServiceKind::Tsu,
            "ocsp-signer" => ServiceKind::OcspResponder,
            "licence-qr-signer" => ServiceKind::LicenceQrSigner,
            _ => continue,
        };
        let cert = region
            .repo
            .certificate(&svc.serial)
            .await
            .map_err(r)?
            .ok_or_else(|| PublishError::Region(format!("no certificate for {}", svc.name)))?;
        let pols: Vec<String> = region
            .profiles
            .get(&svc.profile)
            .map(|p| p.policies.iter().map(|o| o.to_string()).collect())
            .unwrap_or_default();
        let supply = match kind {
            ServiceKind::Tsu => SupplyPoints {
                tsa: vec![format!("{}/tsa", urls.base)],
                ..Default::default()
            },
            ServiceKind::OcspResponder => SupplyPoints {
                ocsp: vec![urls.ocsp()],
                ..Default::default()
            },
            ServiceKind::LicenceQrSigner => SupplyPoints {
                licence_status: vec![format!("{}/v1/licences", urls.base)],
                ..Default::default()
            },
            _ => SupplyPoints::default(),
        };
        out.push(CurrentService {
            id: svc.name.clone(),
            kind,
            algorithm: svc.algorithm.to_string(),
            cert: cert.der,
            assurance_levels: levels(&pols),
            policies: pols,
            supply_points: supply,
        });
    }
    Ok(out)
}

/// Publish the next version (optionally changing one service's status first). Retries when
/// another process published the same sequence number concurrently.
pub async fn publish(
    region: &Region,
    pass: &Passphrase,
    repo: &dyn TrustRepository,
    cfg: &TrustConfig,
    change: Option<(&str, ServiceStatus)>,
    actor: &str,
) -> Result<OwnList, PublishError> {
    let signers = [
        region
            .service_signer("sm2-trust-list-signer", pass)
            .await
            .map_err(|e| PublishError::Region(format!("SM2 trust-list signer: {e}")))?,
        region
            .service_signer("p256-trust-list-signer", pass)
            .await
            .map_err(|e| PublishError::Region(format!("P-256 trust-list signer: {e}")))?,
    ];
    let log_keys = region
        .log_keys(pass)
        .await
        .map_err(|e| PublishError::Region(e.to_string()))?;
    let current = current_services(region, cfg).await?;
    // The issuing CA of each signer travels in the CMS (standard tools build the path).
    let cas = region
        .repo
        .cas()
        .await
        .map_err(|e| PublishError::Store(e.to_string()))?;
    let issuing = |alg: crate::crypto::Algorithm| -> Vec<Vec<u8>> {
        cas.iter()
            .filter(|c| c.role == CaRole::Issuing && c.algorithm == alg)
            .map(|c| c.der.clone())
            .collect()
    };
    let chains = [
        issuing(crate::crypto::Algorithm::Sm2),
        issuing(crate::crypto::Algorithm::P256),
    ];
    for _ in 0..5 {
        let prev = repo
            .latest_own_list()
            .await
            .map_err(|e| PublishError::Store(e.to_string()))?;
        let prev_list = prev
            .as_ref()
            .map(|p| TrustList::from_json(p.content.as_bytes()))
            .transpose()
            .map_err(|e| PublishError::Store(format!("stored list: {e}")))?;
        let now = crate::clock::now_secs();
        let mut next = list::next_version(
            RegionId {
                code: region.config.region.code.clone(),
                name: region.config.region.name.clone(),
            },
            prev_list.as_ref(),
            &current,
            now,
            i64::from(cfg.list.validity_hours) * 3600,
        );
        if let Some((id, status)) = change
            && !list::set_status(&mut next, id, status, now)
        {
            return Err(PublishError::UnknownService(id.to_string()));
        }
        let a = log_keys.info(&region.public_urls().base);
        next.transparency = Some(list::LogInfo {
            origin: a.origin,
            url: a.url,
            log_key: a.log_key,
            sm2_key: a.sm2_key,
            witness_key: a.witness_key,
            witness_url: a.witness_url,
        });
        let [(s1, c1), (s2, c2)] = &signers;
        let own = OwnList {
            sequence: next.sequence,
            issued_at: now,
            next_update: next.next_update_at(),
            content: String::from_utf8(next.canonical_json()).unwrap_or_default(),
            signed_sm2: list::sign_with_chain(&next, s1.as_ref(), c1, &chains[0], now)
                .map_err(|e| PublishError::Sign(e.to_string()))?,
            signed_p256: list::sign_with_chain(&next, s2.as_ref(), c2, &chains[1], now)
                .map_err(|e| PublishError::Sign(e.to_string()))?,
        };
        let detail = match change {
            Some((id, st)) => format!("sequence={} {id}={st:?}", own.sequence),
            None => format!("sequence={}", own.sequence),
        };
        let audit = AuditEvent::now(
            actor,
            "trust-list.publish",
            &own.sequence.to_string(),
            "success",
            &detail,
        )
        .logged(
            crate::transparency::entry::Entry::new(
                "trust-list.publish",
                now,
                &own.sequence.to_string(),
                &own.signed_sm2,
            )
            .name(Some(&next.region.name)),
        );
        if repo
            .insert_own_list(&own, &audit)
            .await
            .map_err(|e| PublishError::Store(e.to_string()))?
        {
            return Ok(own);
        }
    }
    Err(PublishError::Store(
        "could not publish: sequence numbers kept colliding with another publisher".into(),
    ))
}

/// The (issuer, subject) roots of a link certificate: both among our roots, the subject's
/// name and key those of the link, and the link's signature made by the issuer's key.
fn link_between<'a>(
    cas: &'a [crate::pki::repo::CaRecord],
    der_bytes: &[u8],
) -> Option<(
    &'a crate::pki::repo::CaRecord,
    &'a crate::pki::repo::CaRecord,
)> {
    use crate::verify::cert::{Cert, names_equal};
    let link = Cert::from_der(der_bytes).ok()?;
    let roots: Vec<(&crate::pki::repo::CaRecord, Cert)> = cas
        .iter()
        .filter(|c| c.role == CaRole::Root)
        .filter_map(|c| Cert::from_der(&c.der).ok().map(|p| (c, p)))
        .collect();
    let (subject, _) = roots
        .iter()
        .find(|(_, p)| names_equal(&p.subject, &link.subject) && p.spki_der == link.spki_der)?;
    let (issuer, _) = roots.iter().find(|(_, p)| {
        names_equal(&p.subject, &link.issuer)
            && link.sig_params.is_none()
            && crate::crypto::verify::verify_signature(
                &p.spki_der,
                link.sig_alg,
                None,
                &link.tbs_der,
                &link.signature,
            )
            .is_ok()
    })?;
    (issuer.id != subject.id).then_some((*issuer, *subject))
}
