//! Sealing an OFD package (Type="Seal"): [`seal_ofd`] and [`seal_package`].
//!
//! Owns the sealing entry points; must not import the document writer or the XML and zip
//! internals (the signature assembly is `signature`'s).

use super::OfdWriteError;
use super::placement::Placement;
use super::signature::{Mark, add_signature};
use crate::crypto::Signer;
use crate::document::ofd::Package;
use crate::seal::service::{SealRecord, TimestampFn};
use std::io::{Seek, Write};

/// Seal (stamp) an OFD package: a new e-seal signature made with `seal` by `signer`
/// (`signer_cert` must be in the seal's certList) at `placement`, signed at `now` (Unix
/// seconds), with a timestamp over the signature value when `timestamp` gives one.
/// Returns the new package; every existing file keeps its exact bytes except
/// `Signatures.xml` and, for the first signature of a package, `OFD.xml`.
pub fn seal_ofd(
    pkg: &[u8],
    seal: &SealRecord,
    signer: &dyn Signer,
    signer_cert: &[u8],
    placement: Placement,
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, OfdWriteError> {
    let package = Package::from_bytes(pkg)?;
    let out = seal_package(
        &package,
        seal,
        signer,
        signer_cert,
        placement,
        now,
        timestamp,
        std::io::Cursor::new(Vec::new()),
    )?;
    Ok(out.into_inner())
}

/// [`seal_ofd`] of a package already read, written to `out` (e.g. a temporary file, so that
/// the sealed package is never held in memory; the package's files are not copied either).
/// Returns `out`.
#[allow(clippy::too_many_arguments)]
pub fn seal_package<W: Write + Seek>(
    package: &Package,
    seal: &SealRecord,
    signer: &dyn Signer,
    signer_cert: &[u8],
    placement: Placement,
    now: i64,
    timestamp: Option<TimestampFn<'_>>,
    out: W,
) -> Result<W, OfdWriteError> {
    add_signature(
        package,
        Mark::Seal(seal, placement),
        signer,
        signer_cert,
        now,
        timestamp,
        out,
    )
}
