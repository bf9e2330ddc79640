//! Bounded work for one verification: a [`Deadline`] checked inside the loops (per signature,
//! per reference, per package entry read), and the hashing of package files: each file is
//! hashed at most once per method ([`Hasher`] caches by path and method) and all hashing of
//! one verification stays under [`MAX_HASHED_BYTES`](super::MAX_HASHED_BYTES). Which
//! CheckMethods are accepted is decided here ([`check_method`]); the digests themselves are
//! [`HashAlg`]'s.
//!
//! Owns deadlines and the digest cache; must not import the package reader, the XML parts or
//! signature verification.

use super::MAX_HASHED_BYTES;
use crate::crypto::HashAlg;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// When a verification must stop: a point in time (or none), and a cancel flag another thread
/// may set (e.g. when the request that asked for the verification is abandoned). Clones share
/// the flag. The verification checks it inside its loops and stops with [`Stopped`].
#[derive(Clone, Debug)]
pub struct Deadline {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    at: Option<Instant>,
    budget: Option<Duration>,
    cancelled: AtomicBool,
}

impl Deadline {
    /// No deadline (local verification, the CLI); it can still be cancelled.
    pub fn none() -> Deadline {
        Deadline {
            inner: Arc::new(Inner {
                at: None,
                budget: None,
                cancelled: AtomicBool::new(false),
            }),
        }
    }

    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            inner: Arc::new(Inner {
                at: Instant::now().checked_add(budget),
                budget: Some(budget),
                cancelled: AtomicBool::new(false),
            }),
        }
    }

    /// Stop the work at its next check.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Deadline::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Relaxed)
    }

    /// Whether the work must stop (cancelled, or the time is up).
    pub fn expired(&self) -> bool {
        self.is_cancelled() || self.inner.at.is_some_and(|at| Instant::now() >= at)
    }

    /// Time left (`None`: no deadline; zero once expired or cancelled).
    pub fn remaining(&self) -> Option<Duration> {
        if self.is_cancelled() {
            return Some(Duration::ZERO);
        }
        self.inner
            .at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// The whole budget given at creation (`None`: no deadline).
    pub fn budget(&self) -> Option<Duration> {
        self.inner.budget
    }

    /// `Err` when the work must stop; `during` says what was being done (for the message).
    pub fn check(&self, during: impl FnOnce() -> String) -> Result<(), Stopped> {
        if self.expired() {
            Err(self.stopped(during()))
        } else {
            Ok(())
        }
    }

    /// The error for work stopped by this deadline while doing `during`.
    pub fn stopped(&self, during: String) -> Stopped {
        let why = if self.is_cancelled() {
            "was cancelled (its request was abandoned)".to_string()
        } else {
            match self.inner.budget {
                Some(b) => format!("reached its deadline of {:.3} s", b.as_secs_f64()),
                None => "reached its deadline".to_string(),
            }
        };
        Stopped {
            reason: format!("the verification {why} {during}; it was stopped there"),
        }
    }
}

/// A verification stopped by its [`Deadline`] before it finished.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{reason}")]
pub struct Stopped {
    /// What happened and where (deadline or cancel, and the work in progress).
    pub reason: String,
}

/// A CheckMethod's digest: [`check_method`] gives only SM3 or SHA-256.
pub(super) type Method = HashAlg;

/// SM3 under the OIDs some vendors write as CheckMethod (SM2-with-SM3 arcs of the SM3 OID).
const SM3_VENDOR_OIDS: [&str; 2] = ["1.2.156.10197.1.401.1", "1.2.156.10197.1.401.2"];

/// The method named by a CheckMethod (absent = SM3): SM3 or SHA-256, by dotted OID or name
/// (`SM3`, `SHA256`, `SHA-256`, case ignored), SM3 also by a vendor OID; `None` if not
/// supported.
pub(super) fn check_method(method: Option<&str>) -> Option<Method> {
    let m = match method.map(str::trim) {
        None | Some("") => return Some(HashAlg::Sm3),
        Some(m) => m,
    };
    if SM3_VENDOR_OIDS.contains(&m) {
        return Some(HashAlg::Sm3);
    }
    HashAlg::from_dotted(m)
        .or_else(|| HashAlg::from_name(m))
        .filter(|h| matches!(h, HashAlg::Sm3 | HashAlg::Sha256))
}

/// How much hashing one verification did.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct HashWork {
    /// References checked (each one a look-up of a digest).
    pub references: usize,
    /// Digests computed (files hashed; at most one per file and method).
    pub digests: usize,
    /// Bytes hashed.
    pub bytes: u64,
}

/// Why a digest was not computed.
#[derive(Debug)]
pub(super) enum HashError {
    /// The deadline passed or the work was cancelled.
    Stopped(Stopped),
    /// Hashing this file would exceed [`MAX_HASHED_BYTES`].
    Budget { needed: u64 },
}

/// The digests of one verification, each file hashed at most once per method.
pub(super) struct Hasher<'d> {
    deadline: &'d Deadline,
    cache: HashMap<(String, Method), Vec<u8>>,
    pub(super) work: HashWork,
}

impl<'d> Hasher<'d> {
    pub(super) fn new(deadline: &'d Deadline) -> Self {
        Hasher {
            deadline,
            cache: HashMap::new(),
            work: HashWork::default(),
        }
    }

    pub(super) fn deadline(&self) -> &'d Deadline {
        self.deadline
    }

    /// The digest of the file at `path` (bytes `data`) with `method`; `during` names the work
    /// for a deadline message.
    pub(super) fn digest(
        &mut self,
        path: &str,
        method: Method,
        data: &[u8],
        during: impl FnOnce() -> String,
    ) -> Result<&[u8], HashError> {
        self.work.references += 1;
        let key = (path.to_string(), method);
        if !self.cache.contains_key(&key) {
            self.deadline.check(during).map_err(HashError::Stopped)?;
            let needed = self.work.bytes.saturating_add(data.len() as u64);
            if needed > MAX_HASHED_BYTES {
                return Err(HashError::Budget { needed });
            }
            let d = method.digest(data);
            self.work.digests += 1;
            self.work.bytes = needed;
            self.cache.insert(key.clone(), d);
        }
        Ok(self.cache.get(&key).map(Vec::as_slice).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines() {
        let none = Deadline::none();
        assert!(!none.expired() && none.remaining().is_none());
        let c = none.clone();
        c.cancel();
        assert!(none.expired(), "clones share the cancel flag");
        assert!(none.check(|| "here".into()).is_err());
        let past = Deadline::after(Duration::ZERO);
        let e = past.check(|| "while testing".into()).expect_err("expired");
        assert!(
            e.reason.contains("deadline of 0.000 s while testing"),
            "{e}"
        );
        let later = Deadline::after(Duration::from_secs(3600));
        assert!(!later.expired() && later.remaining() > Some(Duration::from_secs(3000)));
    }

    #[test]
    fn each_file_hashed_once_per_method() {
        let d = Deadline::none();
        let mut h = Hasher::new(&d);
        let data = vec![7u8; 1000];
        for _ in 0..100 {
            h.digest("a", Method::Sm3, &data, String::new)
                .expect("digest");
        }
        h.digest("a", Method::Sha256, &data, String::new)
            .expect("digest");
        assert_eq!(h.work.references, 101);
        assert_eq!(h.work.digests, 2);
        assert_eq!(h.work.bytes, 2000);
        assert_eq!(
            h.digest("a", Method::Sm3, &data, String::new)
                .expect("digest"),
            crate::crypto::sm3(&data).as_slice()
        );
    }
}
