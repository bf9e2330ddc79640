//! The time-stamping service of a region: the SM2 and P-256 time-stamping units, serial
//! allocation and the clock, around the RFC 3161 protocol in [`super::tsp`].
//!
//! Which unit signs is decided by the request's hash: SM3 → the SM2 unit, SHA-256/384/512 →
//! the P-256 unit. Serial numbers are reserved from the database in blocks, so they are unique
//! across every process sharing the database and increase within each process.

use super::service::StatusRepository;
use super::tsp::{self, TsHash, TsaPolicy, TsaUnit};
use crate::clock::SharedClock;
use crate::crypto::Algorithm;
use const_oid::ObjectIdentifier;
use std::sync::Arc;

/// yinxin's TSA policy (see docs/oids.md; replace the arc with the region's own).
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.5.1");

/// Serials reserved per database round trip.
const SERIAL_BLOCK: u64 = 1000;

/// The time-stamping service.
pub struct TsaService {
    sm2: Option<TsaUnit>,
    p256: Option<TsaUnit>,
    policy: TsaPolicy,
    store: Arc<dyn StatusRepository>,
    clock: SharedClock,
    serials: tokio::sync::Mutex<(u64, u64)>,
}

impl TsaService {
    /// Assemble from units per algorithm.
    pub fn new(
        units: Vec<(Algorithm, TsaUnit)>,
        store: Arc<dyn StatusRepository>,
        clock: SharedClock,
    ) -> Self {
        let mut sm2 = None;
        let mut p256 = None;
        for (alg, u) in units {
            match alg {
                Algorithm::Sm2 => sm2 = Some(u),
                Algorithm::P256 => p256 = Some(u),
            }
        }
        TsaService {
            sm2,
            p256,
            policy: TsaPolicy {
                policy: TSA_POLICY,
                accuracy_seconds: 1,
            },
            store,
            clock,
            serials: tokio::sync::Mutex::new((0, 0)),
        }
    }

    async fn next_serial(&self) -> Result<u64, crate::pki::repo::RepoError> {
        let mut s = self.serials.lock().await;
        if s.0 >= s.1 {
            let first = self.store.allocate_tsa_serials(SERIAL_BLOCK).await?;
            *s = (first, first + SERIAL_BLOCK);
        }
        let n = s.0;
        s.0 += 1;
        Ok(n)
    }

    /// Answer a DER TimeStampReq with a DER TimeStampResp (rejections included).
    pub async fn respond(&self, request: &[u8]) -> Vec<u8> {
        let serial = match self.next_serial().await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "TSA serial allocation failed");
                // respond() turns an impossible time into a rejection; use serial 0 and an
                // out-of-range time to get a timeNotAvailable answer instead of an error.
                return tsp::respond(request, i64::MIN, 0, &|_| None, &self.policy);
            }
        };
        let choose = |h: TsHash| -> Option<&TsaUnit> {
            match h {
                TsHash::Sm3 => self.sm2.as_ref(),
                TsHash::Sha256 | TsHash::Sha384 | TsHash::Sha512 => self.p256.as_ref(),
            }
        };
        let now = self.clock.now_millis();
        let req = request.to_vec();
        tsp::respond(&req, now, serial, &choose, &self.policy)
    }
}
