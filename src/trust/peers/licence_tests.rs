//! The federation as e-licence verification sees it: what `trust.toml` accepts, the QR signers
//! and the licence status supply point a peer's list names, and a signed status fetched from
//! that supply point only (a local HTTP server plays the peer).

use super::tests::{Clock, MemRepo, T0, self_signed};
use super::*;
use crate::trust::licences::LicenceTrust;
use crate::trust::list::{CurrentService, RegionId, ServiceKind, SupplyPoints, next_version, sign};
use std::sync::atomic::AtomicI64;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn federation(pin: &[u8], accept: &str) -> Federation {
    let cfg: TrustConfig = toml::from_str(&format!(
        "[[peer]]\nregion = \"pa\"\nlist_url = \"http://127.0.0.1:9/\"\nsigner_sha256 = [\"{}\"]\naccept = [{accept}]\n",
        hex::encode(crate::crypto::sha256(pin))
    ))
    .unwrap();
    Federation::new(
        ("me", "Me"),
        vec![],
        cfg,
        Path::new("."),
        Arc::new(MemRepo::default()),
    )
    .await
    .unwrap()
    .with_clock(Arc::new(Clock(AtomicI64::new(T0))))
}

/// A server answering every request with `body`; returns its base URL and the request lines.
async fn peer_server(body: &'static [u8]) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            log.lock()
                .unwrap()
                .push(req.lines().next().unwrap_or_default().to_string());
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/cms\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(body).await;
        }
    });
    (base, seen)
}

fn list_with_qr_signer(root: &[u8], qr: &[u8], status_base: &str) -> crate::trust::list::TrustList {
    let svc = |id: &str, kind, cert: &[u8], supply_points| CurrentService {
        id: id.into(),
        kind,
        algorithm: "sm2".into(),
        cert: cert.to_vec(),
        policies: vec![],
        assurance_levels: Default::default(),
        supply_points,
    };
    next_version(
        RegionId {
            code: "pa".into(),
            name: "Peer A".into(),
        },
        None,
        &[
            svc(
                "sm2-root",
                ServiceKind::RootCa,
                root,
                SupplyPoints::default(),
            ),
            svc(
                "sm2-licence-qr-signer",
                ServiceKind::LicenceQrSigner,
                qr,
                SupplyPoints {
                    licence_status: vec![status_base.to_string()],
                    ..SupplyPoints::default()
                },
            ),
        ],
        T0,
        3600,
    )
}

#[tokio::test]
async fn peers_are_offered_for_e_licences_and_their_statuses_fetched_from_the_listed_point() {
    let (signer, signer_cert) = self_signed("list signer", false);
    let (_, root) = self_signed("peer root", true);
    let (_, qr) = self_signed("qr signer", false);
    let (base, seen) = peer_server(b"signed status").await;
    let status_base = format!("{base}/v1/licences");
    let signed = sign(
        &list_with_qr_signer(&root, &qr, &status_base),
        &signer,
        &signer_cert,
        T0,
    )
    .unwrap();

    // Never synced: known, not usable.
    let f = federation(&signer_cert, "\"certificates\", \"e-licences\"").await;
    let r = &f.licence_regions(T0)[0];
    assert!(r.accepted && r.unusable.is_some());

    f.offer("pa", &signed, T0).await.unwrap();
    let r = &f.licence_regions(T0)[0];
    assert_eq!(r.region, "pa");
    assert!(r.accepted && r.unusable.is_none(), "{r:?}");
    assert_eq!(r.status_signers, vec![crate::crypto::sha256(&signer_cert)]);
    assert_eq!(r.qr_signers.len(), 1);
    assert!(r.qr_signers[0].granted && r.qr_signers[0].cert == qr);
    assert_eq!(r.status_bases, vec![status_base.clone()]);

    let id = "1.2.156.3005.2.A.B.C.001.X";
    let got = f.fetch_licence_status("pa", id).await.unwrap();
    assert_eq!(got, b"signed status");
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![format!("GET /v1/licences/{id}/status HTTP/1.1")]
    );
    // Nothing but an identifier goes into the URL; an unknown region has no supply point.
    assert!(f.fetch_licence_status("pa", "../../admin").await.is_err());
    assert!(f.fetch_licence_status("zz", id).await.is_err());
    assert_eq!(seen.lock().unwrap().len(), 1, "nothing else was contacted");

    // Not accepted by default.
    let f = federation(&signer_cert, "\"certificates\", \"seals\"").await;
    f.offer("pa", &signed, T0).await.unwrap();
    assert!(!f.licence_regions(T0)[0].accepted);
}
