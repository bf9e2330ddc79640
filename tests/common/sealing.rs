//! A region with a contract seal and its signer, to seal and sign OFD packages in tests.

use super::{RED_PNG, org_signer};
use std::sync::Arc;
use yinxin::crypto::Signer;
use yinxin::document::ofd::{self, OfdReport};
use yinxin::document::ofd_write::{self, Placement};
use yinxin::seal::service as seals;
use yinxin::seal::types;
use yinxin::seal::verify::VerifyOptions;
use yinxin::verify::context::Context;
use yinxin::verify::path::RevocationMode;

/// A region (in a temporary directory), one active contract seal with its signed status, its
/// signer, and the region's SM2 root and issuing CA as anchors and intermediates.
pub struct SealEnv {
    pub tmp: tempfile::TempDir,
    pub seal: seals::SealRecord,
    /// The seal's signed status (active), from the region's seal maker.
    pub status: Vec<u8>,
    pub signer: (Arc<dyn Signer>, Vec<u8>),
    pub anchors: Vec<Vec<u8>>,
    pub intermediates: Vec<Vec<u8>>,
}

/// Create the region, the signer and the seal.
pub async fn seal_env() -> SealEnv {
    let r = super::region::test_region("sl", "印章测试区").await;
    let (region, maker) = (&r.region, &r.maker);
    let signer = org_signer(region, "盖章单位").await;
    let t = types::builtin()
        .into_iter()
        .find(|t| t.key == "contract")
        .unwrap();
    let seal = seals::make_seal(
        &seals::SealRequest {
            region: "sl",
            seal_type: &t,
            holder: "91350100M000100Y43",
            name: "盖章单位合同专用章",
            signers: vec![(signer.2.clone(), signer.1.clone())],
            picture_png: RED_PNG.to_vec(),
            validity_days: 365,
            now: yinxin::clock::now_secs() - 60,
        },
        maker.0.as_ref(),
        &maker.1,
    )
    .unwrap();
    let status = yinxin::seal::status::issue(
        &seal,
        "sl",
        maker.0.as_ref(),
        &maker.1,
        yinxin::clock::now_secs(),
        86_400,
    )
    .unwrap();
    SealEnv {
        seal,
        status,
        signer: (signer.0, signer.1),
        anchors: r.anchors.clone(),
        intermediates: r.intermediates.clone(),
        tmp: r.tmp,
    }
}

impl SealEnv {
    /// Our anchors, no revocation, the seal's status, now.
    pub fn opts(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            context: Context::builder()
                .anchors(&self.anchors)
                .intermediates(&self.intermediates)
                .revocation(RevocationMode::Off)
                .seal_status([self.status.clone()])
                .shared(),
            trust: None,
            registry: None,
            data: None,
            now: yinxin::clock::now_secs(),
        }
    }

    /// Verify a package with [`SealEnv::opts`].
    pub async fn verify(&self, pkg: &[u8]) -> OfdReport {
        ofd::verify(pkg, &self.opts()).await
    }

    /// Seal a package with the seal at `placement`.
    pub fn seal(&self, pkg: &[u8], placement: Placement) -> Vec<u8> {
        ofd_write::seal_ofd(
            pkg,
            &self.seal,
            self.signer.0.as_ref(),
            &self.signer.1,
            placement,
            yinxin::clock::now_secs(),
            None,
        )
        .unwrap_or_else(|e| panic!("seal_ofd: {e}"))
    }

    /// Sign a package (Type="Sign") as the seal's signer, the intermediates in the CMS.
    pub fn sign(&self, pkg: &[u8]) -> Vec<u8> {
        ofd_write::sign_ofd(
            pkg,
            self.signer.0.as_ref(),
            &self.signer.1,
            &self.intermediates,
            yinxin::clock::now_secs(),
            None,
        )
        .unwrap_or_else(|e| panic!("sign_ofd: {e}"))
    }
}
