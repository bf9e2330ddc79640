//! E-licence verification: licences issued by the real service (rendered, sealed, data-signed)
//! under a small PKI made here, verified as an OFD and as a QR payload — for our own region
//! (a registry in memory) and for a recognized region (signed statuses) — and the forgeries
//! that must not pass: changed metadata, a seal of another type or agency, a data signature of
//! another signer, a QR payload signed by another key under a copied key id or with a changed
//! claim, revoked, suspended and superseded licences.
//!
//! This file holds the fixtures (PKI, registry in memory, a recognized region, the issuing
//! environment); the tests are by concept: `ofd` (own region, the file), `qr` (own region, the
//! QR payload), `peer` (a recognized region's signed statuses), `report` (masking, texts).

use super::*;
use crate::crypto::{Algorithm, PrivateKey, Signer, SoftwareSigner};
use crate::document::ofd::Package;
use crate::licence::blobs::MemoryBlobStore;
use crate::licence::repo::{
    LicenceEventRow, LicenceRepository, LicenceRow, LicenceStoreError, Unique,
};
use crate::licence::service::{IssueRequest, Issued, Registry, Sealer};
use crate::licence::{Agency, Event, Status};
use crate::pki::cert::{
    CertificateTemplate, NameBuilder, StringKind, attr, extensions as x, key_identifier,
    sign_certificate,
};
use crate::seal::service::SealRecord;
use crate::trust::licences::{LicenceRegion, LicenceTrust, ListedQrSigner};
use crate::verify::hook::{ChainRole, Gathered, TrustSource};
use crate::verify::path::RevocationMode;
use crate::verify::report::{Report, Via};
use std::sync::Mutex;

// ---- a small PKI ----------------------------------------------------------------------------

struct Key {
    signer: SoftwareSigner,
    cert: Vec<u8>,
}

fn credit(first17: &str) -> String {
    format!(
        "{first17}{}",
        crate::pki::identifiers::credit_code_check_char(first17).unwrap()
    )
}

fn agency_code() -> String {
    credit("11440100MB2C12345")
}

fn other_code() -> String {
    credit("11440100MB2C54321")
}

fn now() -> i64 {
    crate::clock::now_secs()
}

fn name(cn: &str, org: Option<&str>) -> x509_cert::name::Name {
    let mut b = NameBuilder::new().push(attr::C, StringKind::Printable, "CN");
    if let Some(code) = org {
        b = b.push(
            attr::ORGANIZATION_IDENTIFIER,
            StringKind::Utf8,
            &format!("NTRCN-{code}"),
        );
    }
    b.push(attr::CN, StringKind::Utf8, cn).build().unwrap()
}

/// A certificate for a new key, issued by `issuer` (self-signed CA when `None`).
fn issue(
    issuer: Option<&Key>,
    subject: x509_cert::name::Name,
    eku: Option<const_oid::ObjectIdentifier>,
    serial: u8,
) -> Key {
    let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
    let signer = key.signer().unwrap();
    let spki = key.public_key_spki_der().unwrap();
    let mut exts = vec![x::subject_key_identifier(&key_identifier(&spki).unwrap()).unwrap()];
    let (issuer_name, issuing): (_, &dyn Signer) = match issuer {
        None => {
            exts.push(x::basic_constraints(true, None).unwrap());
            exts.push(x::key_usage(&["keyCertSign", "cRLSign"]).unwrap());
            (subject.clone(), &signer)
        }
        Some(i) => {
            let c = crate::verify::cert::Cert::shared(&i.cert).unwrap();
            exts.push(x::authority_key_identifier(&key_identifier(&c.spki_der).unwrap()).unwrap());
            exts.push(x::key_usage(&["digitalSignature", "nonRepudiation"]).unwrap());
            if let Some(e) = eku {
                exts.push(x::extended_key_usage(vec![e], false).unwrap());
            }
            (c.subject.clone(), &i.signer)
        }
    };
    let tpl = CertificateTemplate {
        serial: vec![0x11, serial],
        issuer: issuer_name,
        subject,
        not_before: now() - 3600,
        not_after: now() + 10 * 365 * 86_400,
        spki_der: spki,
        extensions: exts,
    };
    let cert = sign_certificate(&tpl, issuing).unwrap();
    Key { signer, cert }
}

struct Pki {
    root: Key,
    agency: Key,
    other: Key,
    maker: Key,
    qr: Key,
    list_signer: Key,
}

fn pki() -> Pki {
    use crate::verify::purpose::{EKU_LICENCE_QR_SIGNING, EKU_TRUST_LIST_SIGNING};
    let root = issue(None, name("Test Root", None), None, 1);
    Pki {
        agency: issue(
            Some(&root),
            name("广州市市场监督管理局", Some(&agency_code())),
            None,
            2,
        ),
        other: issue(Some(&root), name("另一机关", Some(&other_code())), None, 3),
        maker: issue(Some(&root), name("Seal Maker", None), None, 4),
        qr: issue(
            Some(&root),
            name("E-licence QR Signer", None),
            Some(EKU_LICENCE_QR_SIGNING),
            5,
        ),
        list_signer: issue(
            Some(&root),
            name("Trust List Signer", None),
            Some(EKU_TRUST_LIST_SIGNING),
            6,
        ),
        root,
    }
}

fn picture() -> Vec<u8> {
    tiny_skia::Pixmap::new(16, 16)
        .unwrap()
        .encode_png()
        .unwrap()
}

fn make_seal(p: &Pki, type_key: &str, holder: &str, signer: &Key, name: &str) -> SealRecord {
    let t = crate::seal::types::by_key(type_key).unwrap();
    crate::seal::service::make_seal(
        &crate::seal::service::SealRequest {
            region: "gd",
            seal_type: &t,
            holder,
            name,
            signers: vec![("1102".into(), signer.cert.clone())],
            picture_png: picture(),
            validity_days: 365,
            now: now() - 60,
        },
        &p.maker.signer,
        &p.maker.cert,
    )
    .unwrap()
}

// ---- a registry in memory -------------------------------------------------------------------

#[derive(Default)]
struct MemRepo {
    rows: Mutex<Vec<LicenceRow>>,
    serial: Mutex<u64>,
}

impl MemRepo {
    fn rows(&self) -> std::sync::MutexGuard<'_, Vec<LicenceRow>> {
        self.rows.lock().unwrap()
    }

    fn edit(&self, id: &str, f: impl FnOnce(&mut LicenceRow)) {
        let mut rows = self.rows();
        f(rows.iter_mut().find(|r| r.identifier == id).unwrap());
    }
}

#[async_trait::async_trait]
impl LicenceRepository for MemRepo {
    async fn insert_issued(
        &self,
        row: &LicenceRow,
        _: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        let mut rows = self.rows();
        if rows.iter().any(|r| r.identifier == row.identifier) {
            return Err(LicenceStoreError::Duplicate {
                what: Unique::Identifier,
            });
        }
        rows.push(row.clone());
        Ok(())
    }
    async fn supersede(
        &self,
        old_id: &str,
        new_row: &LicenceRow,
        _: &LicenceEventRow,
        _: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        let mut rows = self.rows();
        let old = rows
            .iter_mut()
            .find(|r| r.identifier == old_id)
            .ok_or_else(|| LicenceStoreError::NotFound(old_id.into()))?;
        old.status = Status::Superseded;
        old.superseded_by = Some(new_row.identifier.clone());
        rows.push(new_row.clone());
        Ok(())
    }
    async fn set_status(
        &self,
        id: &str,
        from: &[Status],
        to: Status,
        reason: Option<&str>,
        _: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        let mut rows = self.rows();
        let r = rows
            .iter_mut()
            .find(|r| r.identifier == id)
            .ok_or_else(|| LicenceStoreError::NotFound(id.into()))?;
        if !from.contains(&r.status) {
            return Err(LicenceStoreError::Conflict(id.into()));
        }
        r.status = to;
        r.status_reason = reason.map(str::to_string);
        Ok(())
    }
    async fn by_identifier(&self, id: &str) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self.rows().iter().find(|r| r.identifier == id).cloned())
    }
    async fn by_lineage(&self, lineage: &str) -> Result<Vec<LicenceRow>, LicenceStoreError> {
        Ok(self
            .rows()
            .iter()
            .filter(|r| r.lineage == lineage)
            .cloned()
            .collect())
    }
    async fn current_version(
        &self,
        lineage: &str,
    ) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self
            .rows()
            .iter()
            .filter(|r| r.lineage == lineage)
            .max_by_key(|r| r.version)
            .cloned())
    }
    async fn by_holder(&self, h: &str, _: u32) -> Result<Vec<LicenceRow>, LicenceStoreError> {
        Ok(self
            .rows()
            .iter()
            .filter(|r| r.holder_hash == h)
            .cloned()
            .collect())
    }
    async fn by_external_key(
        &self,
        issuer: &str,
        key: &str,
    ) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self
            .rows()
            .iter()
            .find(|r| r.issuer_code == issuer && r.external_key.as_deref() == Some(key))
            .cloned())
    }
    async fn next_serial(&self, _: &str, _: &str) -> Result<u64, LicenceStoreError> {
        let mut s = self.serial.lock().unwrap();
        *s += 1;
        Ok(*s)
    }
    async fn events(&self, _: &str) -> Result<Vec<LicenceEventRow>, LicenceStoreError> {
        Ok(vec![])
    }
}

// ---- a recognized region --------------------------------------------------------------------

/// Region `hb` as the validator and the licence verifier see it: chains anchored at the test
/// root are recognized as `hb`'s; its licence statuses are signed by the list signer.
struct Peer {
    region: LicenceRegion,
    fetched: Option<Vec<u8>>,
}

impl Peer {
    fn new(p: &Pki, accepted: bool) -> Self {
        Peer {
            region: LicenceRegion {
                region: "hb".into(),
                accepted,
                unusable: None,
                list_sequence: Some(7),
                status_signers: vec![crate::crypto::sha256(&p.list_signer.cert)],
                qr_signers: vec![ListedQrSigner {
                    service: "sm2-licence-qr-signer".into(),
                    cert: p.qr.cert.clone(),
                    granted: true,
                }],
                status_bases: vec!["http://hb.example/v1/licences".into()],
            },
            fetched: None,
        }
    }
}

#[async_trait::async_trait]
impl TrustSource for Peer {
    fn anchors(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        (vec![], vec![])
    }
    async fn revocation_data(&self, _: &[u8], _: &[Vec<u8>]) -> Gathered {
        Gathered::default()
    }
    fn review(&self, report: &mut Report, _: &[u8], _: i64, _: ChainRole) {
        if report.anchor_sha256.is_some() {
            report.recognition = Some(Recognition {
                region: "hb".into(),
                region_name: "湖北".into(),
                via: Via::TrustList,
                list_sequence: Some(7),
                service: Some("sm2-root".into()),
                service_status: Some("granted".into()),
                assurance: None,
                summary: "recognized via region hb trust list #7".into(),
                transparency: None,
            });
        }
    }
}

#[async_trait::async_trait]
impl LicenceTrust for Peer {
    fn licence_regions(&self, _: i64) -> Vec<LicenceRegion> {
        vec![self.region.clone()]
    }
    async fn fetch_licence_status(&self, _: &str, _: &str) -> Result<Vec<u8>, String> {
        self.fetched.clone().ok_or_else(|| "not reachable".into())
    }
}

// ---- issuing and verifying ------------------------------------------------------------------

struct Env {
    pki: Pki,
    catalogue: Catalogue,
    repo: MemRepo,
    blobs: MemoryBlobStore,
    hasher: crate::pki::subject::HolderHasher,
    vault: crate::licence::vault::Vault,
    seal: SealRecord,
    region: &'static str,
}

fn values() -> serde_json::Map<String, serde_json::Value> {
    serde_json::json!({
        "credit_code": "91440101MA5CJMYA97",
        "name": "广州示例科技有限公司",
        "entity_type": "有限责任公司（自然人投资或控股）",
        "legal_representative": "张三",
        "registered_capital": "100",
        "established": "2019-03-01",
        "domicile": "广州市天河区示例路1号",
        "business_scope": "软件开发；信息技术咨询服务。"
    })
    .as_object()
    .unwrap()
    .clone()
}

impl Env {
    fn new(region: &'static str) -> Env {
        let p = pki();
        let seal = make_seal(
            &p,
            "e-licence",
            &agency_code(),
            &p.agency,
            "广州市市场监督管理局电子证照专用章",
        );
        let hasher = crate::pki::subject::HolderHasher::new(vec![7; 32]);
        Env {
            vault: crate::licence::vault::Vault::new(&hasher),
            hasher,
            catalogue: Catalogue::builtin(),
            repo: MemRepo::default(),
            blobs: MemoryBlobStore::default(),
            seal,
            pki: p,
            region,
        }
    }

    fn registry(&self) -> Registry<'_> {
        Registry {
            catalogue: &self.catalogue,
            repo: &self.repo,
            blobs: &self.blobs,
            vault: &self.vault,
            hasher: &self.hasher,
            region: self.region,
            public_base: "https://yz.example.gov.cn",
            qr_signer: &self.pki.qr.signer,
            qr_cert: &self.pki.qr.cert,
        }
    }

    fn agency(&self) -> Agency {
        Agency {
            credit_code: agency_code(),
            name: "广州市市场监督管理局".into(),
        }
    }

    /// Issue a business licence sealed with `seal` stamped by `signer`.
    async fn issue_with(&self, seal: &SealRecord, signer: &Key) -> Issued {
        let sealer = Sealer {
            seal,
            signer: &signer.signer,
            cert: &signer.cert,
            chain: &[],
            timestamp: None,
            format: crate::licence::service::DocumentFormat::Ofd,
        };
        let req = IssueRequest {
            kind: "business-licence".into(),
            agency: self.agency(),
            values: values(),
            external_key: None,
            actor: "test".into(),
        };
        match self.registry().issue(&sealer, req, now()).await {
            Ok(i) => i,
            Err(e) => panic!("issue: {e}"),
        }
    }

    async fn issue(&self) -> Issued {
        self.issue_with(&self.seal, &self.pki.agency).await
    }

    async fn change(&self, id: &str) -> Issued {
        let sealer = Sealer {
            seal: &self.seal,
            signer: &self.pki.agency.signer,
            cert: &self.pki.agency.cert,
            chain: &[],
            timestamp: None,
            format: crate::licence::service::DocumentFormat::Ofd,
        };
        let mut v = values();
        v.insert("registered_capital".into(), "200".into());
        match self
            .registry()
            .change(&sealer, id, &self.agency(), &v, "test", now())
            .await
        {
            Ok(i) => i,
            Err(e) => panic!("change: {e}"),
        }
    }

    async fn set(&self, id: &str, event: Event) {
        self.registry()
            .set_status(id, &agency_code(), event, Some("test"), "test", now())
            .await
            .unwrap();
    }

    fn options<'t>(&self, trust: Option<&'t dyn TrustSource>) -> VerifyOptions<'t> {
        VerifyOptions {
            context: crate::verify::context::Context::builder()
                .anchors([&self.pki.root.cert])
                .revocation(RevocationMode::Off)
                .seal_makers([crate::crypto::sha256(&self.pki.maker.cert)])
                .shared(),
            trust,
            registry: None,
            data: None,
            now: now(),
        }
    }

    /// Verify as our own region (`gd`), with our registry.
    async fn own_ofd(&self, doc: &[u8]) -> LicenceReport {
        self.own_ofd_with(doc, &self.repo).await
    }

    async fn own_ofd_with(&self, doc: &[u8], repo: &dyn LicenceRepository) -> LicenceReport {
        let opts = self.options(None);
        let pkg = Package::from_bytes(doc).unwrap();
        let ofd = crate::document::ofd::verify_package(&pkg, &opts).await;
        let own = RepoStatus(repo);
        let v = Verifier {
            region: Some("gd"),
            own: Some(&own),
            own_qr_signers: std::slice::from_ref(&self.pki.qr.cert),
            ..Verifier::new(&self.catalogue, &opts)
        };
        v.ofd(&ofd, &pkg).await
    }

    async fn own_qr(&self, text: &str) -> LicenceReport {
        let opts = self.options(None);
        let own = RepoStatus(&self.repo);
        let v = Verifier {
            region: Some("gd"),
            own: Some(&own),
            own_qr_signers: std::slice::from_ref(&self.pki.qr.cert),
            ..Verifier::new(&self.catalogue, &opts)
        };
        v.qr(text).await
    }

    /// The signed status of `id` from this (peer) registry, signed by `signer`.
    async fn signed_status(&self, id: &str, signer: &Key) -> Vec<u8> {
        let st = crate::licence::service::statement(&self.repo, self.region, id, now(), 300)
            .await
            .unwrap();
        crate::licence::status::sign(&st, &signer.signer, &signer.cert, now()).unwrap()
    }

    /// Verify as region `gd` recognizing `peer`, with `statuses` given.
    async fn peer_ofd(&self, doc: &[u8], peer: &Peer, statuses: &[Vec<u8>]) -> LicenceReport {
        let opts = self.options(Some(peer));
        let pkg = Package::from_bytes(doc).unwrap();
        let ofd = crate::document::ofd::verify_package(&pkg, &opts).await;
        let empty = MemRepo::default();
        let own = RepoStatus(&empty);
        let v = Verifier {
            region: Some("gd"),
            own: Some(&own),
            trust: Some(peer),
            statuses,
            ..Verifier::new(&self.catalogue, &opts)
        };
        v.ofd(&ofd, &pkg).await
    }

    async fn peer_qr(&self, text: &str, peer: &Peer, statuses: &[Vec<u8>]) -> LicenceReport {
        let opts = self.options(Some(peer));
        let empty = MemRepo::default();
        let own = RepoStatus(&empty);
        let v = Verifier {
            region: Some("gd"),
            own: Some(&own),
            trust: Some(peer),
            statuses,
            ..Verifier::new(&self.catalogue, &opts)
        };
        v.qr(text).await
    }
}

fn text(r: &LicenceReport) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

#[track_caller]
fn expect(r: &LicenceReport, ind: Indication, reason: Option<LicenceReason>) {
    assert_eq!(r.indication, ind, "{}", text(r));
    assert_eq!(r.reason, reason, "{}", text(r));
}

/// The files of a package, one replaced, zipped again.
fn rezip(pkg: &[u8], path: &str, data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let p = Package::from_bytes(pkg).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for n in p.names() {
        w.start_file(n, opts).unwrap();
        w.write_all(if n == path { data } else { p.get(n).unwrap() })
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}

mod anchored;
mod ofd;
mod peer;
mod qr;
mod report;
