//! E-licence verification: licences issued by the real service (rendered, sealed, data-signed)
//! under a small PKI made here, verified as an OFD and as a QR payload — for our own region
//! (a registry in memory) and for a recognized region (signed statuses) — and the forgeries
//! that must not pass: changed metadata, a seal of another type or agency, a data signature of
//! another signer, a QR payload signed by another key under a copied key id or with a changed
//! claim, revoked, suspended and superseded licences.

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

// ---- own region: the OFD ----------------------------------------------------------------------

#[tokio::test]
async fn an_issued_licence_verifies_with_every_check() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_ofd(&issued.document).await;
    expect(&r, Indication::TotalPassed, None);
    for c in [
        "ofd",
        "metadata",
        "metadata-sealed",
        "seal",
        "identifier",
        "validity",
        "region",
        "status",
        "data-signature",
    ] {
        assert_eq!(
            r.check(c).map(|c| c.outcome),
            Some(CheckOutcome::Passed),
            "{c}: {}",
            text(&r)
        );
    }
    assert_eq!(
        r.identifier.as_deref(),
        Some(&*issued.licence.id.to_string())
    );
    assert_eq!(r.check_rule, Some(CheckRule::Standard));
    assert_eq!(
        r.kind.as_ref().map(|k| k.key.as_str()),
        Some("business-licence")
    );
    assert_eq!((r.status.as_str(), r.version), ("active", Some(1)));
    assert_eq!(r.region.as_deref(), Some("gd"));
    assert!(
        r.fields
            .iter()
            .any(|f| f.key == "ZZMC" && f.value == "营业执照")
    );
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["indication"], "TOTAL_PASSED");
    assert_eq!(j["check_rule"], "standard");
    assert!(j["indication_text"]["zh-CN"].is_string());
}

#[tokio::test]
async fn the_rebuilt_canonical_data_is_the_issued_one() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let pkg = Package::from_bytes(&issued.document).unwrap();
    let found = document::metadata(&pkg).unwrap();
    let kind = e.catalogue.by_key("business-licence").unwrap();
    assert_eq!(
        canonical_data(&found.meta),
        crate::licence::metadata::canonical_data(&issued.licence, kind)
    );
    for k in document::SEALING_KEYS {
        assert!(found.meta.contains_key(k), "{k}");
    }
    assert!(is_licence(&pkg));
}

#[tokio::test]
async fn revoked_and_suspended_licences_fail_as_revoked() {
    let e = Env::new("gd");
    let a = e.issue().await;
    let b = e.issue().await;
    e.set(&a.licence.id.to_string(), Event::Revoke).await;
    e.set(&b.licence.id.to_string(), Event::Suspend).await;
    let r = e.own_ofd(&a.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(r.status, "revoked");
    let r = e.own_ofd(&b.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Suspended));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
    // Resumed: valid again.
    e.set(&b.licence.id.to_string(), Event::Resume).await;
    expect(&e.own_ofd(&b.document).await, Indication::TotalPassed, None);
}

#[tokio::test]
async fn a_superseded_version_fails_naming_the_current_one() {
    let e = Env::new("gd");
    let v1 = e.issue().await;
    let v2 = e.change(&v1.licence.id.to_string()).await;
    let r = e.own_ofd(&v1.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Superseded));
    let current = v2.licence.id.to_string();
    assert_eq!(r.current_identifier.as_deref(), Some(current.as_str()));
    assert!(r.detail.contains(&current), "{}", r.detail);
    expect(
        &e.own_ofd(&v2.document).await,
        Indication::TotalPassed,
        None,
    );
}

#[tokio::test]
async fn a_licence_the_registry_does_not_know_is_indeterminate() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_ofd_with(&issued.document, &MemRepo::default()).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert_eq!(r.status, "unknown");
}

#[tokio::test]
async fn an_expired_licence_fails_as_expired() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    e.repo.edit(&id, |r| r.valid_to = Some("2020-01-01".into()));
    let r = e.own_ofd(&issued.document).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Expired));
    assert_eq!(r.sub_indication, Some(SubIndication::Expired));
}

// ---- forgeries of the OFD -----------------------------------------------------------------------

#[tokio::test]
async fn changed_metadata_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let pkg = Package::from_bytes(&issued.document).unwrap();
    let found = document::metadata(&pkg).unwrap();
    let mut meta = found.meta.clone();
    meta.insert("CZZT".into(), "冒名公司".into());
    let forged = rezip(
        &issued.document,
        &found.path,
        &crate::trust::list::canonical_json(&meta),
    );
    let r = e.own_ofd(&forged).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{}", text(&r));
    assert_eq!(r.check("ofd").unwrap().outcome, CheckOutcome::Failed);
    // The custom data alone changed: they disagree with the sealed attachment.
    let ofd_xml = String::from_utf8(pkg.get("OFD.xml").unwrap().to_vec()).unwrap();
    let forged = rezip(
        &issued.document,
        "OFD.xml",
        ofd_xml
            .replace("广州示例科技有限公司", "冒名公司")
            .as_bytes(),
    );
    let r = e.own_ofd(&forged).await;
    assert_eq!(r.indication, Indication::TotalFailed, "{}", text(&r));
}

#[tokio::test]
async fn unsealed_metadata_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let meta = crate::licence::metadata::metadata(&issued.licence, kind, None);
    let face =
        crate::licence::face::render(&issued.licence, kind, &issued.qr_text, &meta, now()).unwrap();
    let r = e.own_ofd(&face).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::MetadataNotSealed),
    );
}

#[tokio::test]
async fn a_seal_of_another_type_fails() {
    let e = Env::new("gd");
    let contract = make_seal(
        &e.pki,
        "contract",
        &agency_code(),
        &e.pki.agency,
        "合同专用章",
    );
    let issued = e.issue_with(&contract, &e.pki.agency).await;
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::SealNotELicence),
    );
}

#[tokio::test]
async fn a_seal_of_another_agency_fails() {
    let e = Env::new("gd");
    let theirs = make_seal(
        &e.pki,
        "e-licence",
        &other_code(),
        &e.pki.other,
        "广州市市场监督管理局电子证照专用章",
    );
    let issued = e.issue_with(&theirs, &e.pki.other).await;
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::SealNotOfIssuer),
    );
    assert!(r.detail.contains(&other_code()), "{}", r.detail);
}

#[tokio::test]
async fn a_data_signature_of_another_signer_or_other_data_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let data = crate::licence::metadata::canonical_data(&issued.licence, kind);
    let by_other = crate::document::cms::sign_detached(
        &data,
        &e.pki.other.signer,
        &e.pki.other.cert,
        &[],
        now(),
        None,
    )
    .unwrap();
    e.repo.edit(&id, |r| r.data_signature = by_other);
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::DataSignatureInvalid),
    );
    let over_other_data = crate::document::cms::sign_detached(
        b"{\"ZZBS\":\"x\"}",
        &e.pki.agency.signer,
        &e.pki.agency.cert,
        &[],
        now(),
        None,
    )
    .unwrap();
    e.repo.edit(&id, |r| r.data_signature = over_other_data);
    let r = e.own_ofd(&issued.document).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::DataSignatureInvalid),
    );
}

#[tokio::test]
async fn a_wrong_check_character_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let kind = e.catalogue.by_key("business-licence").unwrap();
    let mut licence = issued.licence.clone();
    licence.id.check = if licence.id.check == 'A' { 'B' } else { 'A' };
    let sealing = crate::licence::metadata::Sealing {
        sealer: licence.issuer_name.clone(),
        time: crate::clock::rfc3339(now()),
        seal_name: e.seal.name.clone(),
    };
    let meta = crate::licence::metadata::metadata(&licence, kind, Some(&sealing));
    let face = crate::licence::face::render(&licence, kind, "HTTPS://X/V/1", &meta, now()).unwrap();
    let sealed = crate::document::ofd_write::seal_ofd(
        &face,
        &e.seal,
        &e.pki.agency.signer,
        &e.pki.agency.cert,
        crate::document::ofd_write::Placement::At {
            page: 0,
            x_mm: 10.0,
            y_mm: 10.0,
        },
        now(),
        None,
    )
    .unwrap();
    let r = e.own_ofd(&sealed).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::IdentifierInvalid),
    );
}

// ---- own region: the QR -----------------------------------------------------------------------

#[tokio::test]
async fn a_qr_payload_verifies_and_shows_its_claims() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let r = e.own_qr(&issued.qr_text).await;
    expect(&r, Indication::TotalPassed, None);
    let c = r.claims.as_ref().unwrap();
    assert_eq!(c.holder_name, "广州示例科技有限公司");
    assert_eq!(c.valid_to, LONG_TERM);
    assert_eq!(r.status, "active");
    // The bare payload reads too.
    let bare = issued.qr_text.rsplit("/V/").next().unwrap();
    expect(&e.own_qr(bare).await, Indication::TotalPassed, None);
}

#[tokio::test]
async fn a_qr_payload_of_a_revoked_licence_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    e.set(&issued.licence.id.to_string(), Event::Revoke).await;
    let r = e.own_qr(&issued.qr_text).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));
}

#[tokio::test]
async fn a_qr_payload_signed_by_another_key_under_a_copied_key_id_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    let mine = PrivateKey::generate(Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    // Our QR signer's certificate gives the key id; the forger's key signs.
    let payload = crate::licence::qr::sign(&genuine.claims, &mine, &e.pki.qr.cert).unwrap();
    let forged = crate::licence::qr::decode(&payload).unwrap();
    assert_eq!(forged.kid, genuine.kid);
    let r = e.own_qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignatureInvalid),
    );
    assert_eq!(r.sub_indication, Some(SubIndication::SigCryptoFailure));
}

#[tokio::test]
async fn a_qr_payload_with_a_changed_claim_fails() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let payload = issued.qr_text.rsplit("/V/").next().unwrap();
    let mut bytes = crate::licence::qr::digits_decode(payload).unwrap();
    // The holder's name as printed: one character changed, same length.
    let from = "广州".as_bytes();
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + from.len()].copy_from_slice("深圳".as_bytes());
    let forged = crate::licence::qr::digits_encode(&bytes);
    assert_eq!(
        crate::licence::qr::decode(&forged)
            .unwrap()
            .claims
            .holder_name,
        "深圳示例科技有限公司"
    );
    let r = e.own_qr(&forged).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignatureInvalid),
    );
}

#[tokio::test]
async fn a_qr_payload_of_an_unknown_signer_or_of_another_region_is_refused() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    let mine = PrivateKey::generate(Algorithm::Sm2)
        .unwrap()
        .signer()
        .unwrap();
    let unknown =
        crate::licence::qr::sign(&genuine.claims, &mine, b"some other certificate").unwrap();
    let r = e.own_qr(&unknown).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::QrSignerUnknown),
    );
    // Our signer, another region's name in the claims.
    let elsewhere = crate::licence::qr::Claims {
        region: "hb".into(),
        ..genuine.claims.clone()
    };
    let payload = crate::licence::qr::sign(&elsewhere, &e.pki.qr.signer, &e.pki.qr.cert).unwrap();
    let r = e.own_qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrRegionMismatch),
    );
    expect(
        &e.own_qr("HTTPS://X/V/12A").await,
        Indication::TotalFailed,
        Some(LicenceReason::QrMalformed),
    );
}

#[tokio::test]
async fn a_qr_signer_without_the_qr_signing_purpose_is_refused() {
    let e = Env::new("gd");
    let issued = e.issue().await;
    let genuine = crate::licence::qr::decode(&issued.qr_text).unwrap();
    // The agency's certificate posing as a QR signer.
    let payload =
        crate::licence::qr::sign(&genuine.claims, &e.pki.agency.signer, &e.pki.agency.cert)
            .unwrap();
    let opts = e.options(None);
    let own = RepoStatus(&e.repo);
    let signers = [e.pki.qr.cert.clone(), e.pki.agency.cert.clone()];
    let v = Verifier {
        region: Some("gd"),
        own: Some(&own),
        own_qr_signers: &signers,
        ..Verifier::new(&e.catalogue, &opts)
    };
    let r = v.qr(&payload).await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::QrSignerInvalid),
    );
}

// ---- a recognized region --------------------------------------------------------------------

#[tokio::test]
async fn a_peer_licence_verifies_with_its_signed_status() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let signed = e.signed_status(&id, &e.pki.list_signer).await;
    let peer = Peer::new(&e.pki, true);
    let r = e
        .peer_ofd(&issued.document, &peer, std::slice::from_ref(&signed))
        .await;
    expect(&r, Indication::TotalPassed, None);
    assert_eq!(r.region.as_deref(), Some("hb"));
    assert_eq!(
        r.check("data-signature").unwrap().outcome,
        CheckOutcome::Skipped
    );
    assert!(
        r.status_source
            .as_deref()
            .unwrap()
            .contains("signed status of region hb")
    );
    // The QR too.
    let r = e
        .peer_qr(&issued.qr_text, &peer, std::slice::from_ref(&signed))
        .await;
    expect(&r, Indication::TotalPassed, None);
    // Fetched from its supply point rather than given.
    let mut fetching = Peer::new(&e.pki, true);
    fetching.fetched = Some(signed.clone());
    expect(
        &e.peer_ofd(&issued.document, &fetching, &[]).await,
        Indication::TotalPassed,
        None,
    );
    // Neither given nor reachable: undecided.
    let r = e.peer_ofd(&issued.document, &peer, &[]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
}

#[tokio::test]
async fn a_peer_whose_e_licences_are_not_accepted_is_refused() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &e.pki.list_signer)
        .await;
    let peer = Peer::new(&e.pki, false);
    let r = e
        .peer_ofd(&issued.document, &peer, std::slice::from_ref(&signed))
        .await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::RegionNotAccepted),
    );
    let r = e
        .peer_qr(&issued.qr_text, &peer, std::slice::from_ref(&signed))
        .await;
    expect(
        &r,
        Indication::TotalFailed,
        Some(LicenceReason::RegionNotAccepted),
    );
}

#[tokio::test]
async fn a_peer_status_by_an_unpinned_signer_is_not_accepted() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    // A trust-list signer's certificate, but not the one pinned for hb.
    let stranger = issue(
        Some(&e.pki.root),
        name("Stranger", None),
        Some(crate::verify::purpose::EKU_TRUST_LIST_SIGNING),
        9,
    );
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &stranger)
        .await;
    let peer = Peer::new(&e.pki, true);
    let r = e.peer_ofd(&issued.document, &peer, &[signed]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
    assert!(r.detail.contains("not pinned"), "{}", r.detail);
    // Pinned, but not a trust-list signer.
    let mut peer = Peer::new(&e.pki, true);
    peer.region.status_signers = vec![crate::crypto::sha256(&e.pki.agency.cert)];
    let signed = e
        .signed_status(&issued.licence.id.to_string(), &e.pki.agency)
        .await;
    let r = e.peer_ofd(&issued.document, &peer, &[signed]).await;
    expect(
        &r,
        Indication::Indeterminate,
        Some(LicenceReason::StatusUnknown),
    );
}

#[tokio::test]
async fn a_peer_revoked_status_fails() {
    let e = Env::new("hb");
    let issued = e.issue().await;
    let id = issued.licence.id.to_string();
    let active = e.signed_status(&id, &e.pki.list_signer).await;
    e.set(&id, Event::Revoke).await;
    let revoked = e.signed_status(&id, &e.pki.list_signer).await;
    let peer = Peer::new(&e.pki, true);
    // A revocation is final, whatever else is given.
    let r = e
        .peer_ofd(&issued.document, &peer, &[active, revoked.clone()])
        .await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
    let r = e.peer_qr(&issued.qr_text, &peer, &[revoked]).await;
    expect(&r, Indication::TotalFailed, Some(LicenceReason::Revoked));
}

#[test]
fn sensitive_values_are_masked_in_the_report() {
    let c = Catalogue::builtin();
    let kind = c.by_type_code("11100000717802000J001").unwrap();
    let meta: std::collections::BTreeMap<String, String> = [
        ("CZZT", "张三"),
        ("CZZTDM", "11010519491231002X"),
        ("KZ_SFZH", "11010519491231002X"),
        ("KZ_PHOTO_SM3", "ab12"),
        ("KZ_UNKNOWN", "x"),
        ("ZZBS", "1.2.156.3005.2.X"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let shown = |f: &[FieldView], k: &str| {
        let f = f.iter().find(|f| f.key == k).unwrap();
        (f.value.clone(), f.masked)
    };
    let f = view::fields(&meta, Some(kind));
    assert_eq!(shown(&f, "CZZT"), ("张三".into(), false));
    assert_eq!(shown(&f, "CZZTDM"), ("110************02X".into(), true));
    assert_eq!(shown(&f, "KZ_SFZH"), ("110************02X".into(), true));
    assert_eq!(shown(&f, "KZ_UNKNOWN"), ("*".into(), true));
    assert!(!shown(&f, "ZZBS").1);
    assert!(!f.iter().any(|x| x.value.contains("19491231")));
    // A kind this region does not know: the holder's code and every extension masked.
    let f = view::fields(&meta, None);
    assert!(shown(&f, "CZZTDM").1 && shown(&f, "KZ_PHOTO_SM3").1);
    assert!(!shown(&f, "CZZT").1);
}

#[test]
fn every_reason_has_texts_in_both_languages() {
    use crate::i18n::{Lang, has};
    use LicenceReason::*;
    for r in [
        OfdNotValid,
        MetadataMissing,
        MetadataInvalid,
        MetadataNotSealed,
        SealNotELicence,
        SealNotOfIssuer,
        IdentifierInvalid,
        IdentifierMismatch,
        DataSignatureInvalid,
        Revoked,
        Suspended,
        Superseded,
        Expired,
        StatusUnknown,
        RegionNotAccepted,
        QrMalformed,
        QrSignerUnknown,
        QrSignerInvalid,
        QrSignatureInvalid,
        QrRegionMismatch,
        ClaimsMismatch,
    ] {
        for l in Lang::ALL {
            assert!(has(l, &format!("reason-{}", r.code())), "{}", r.code());
        }
    }
}
