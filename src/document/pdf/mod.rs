//! PDF signatures and seals (issue 17; docs/pdf.md): signatures added by **incremental update**
//! (the earlier revisions' bytes untouched) — PAdES baseline B-B to B-LTA for P-256 keys, the
//! Chinese vendors' `adbe.pkcs7.detached` SM2 profile for SM2 keys, certification (DocMDP),
//! visible seals carrying their SES_Signature — and the verification of every signature and
//! document time-stamp of a PDF through the same engine and purposes as detached CMS and OFD.
//!
//! - `field`: the signature field, its widget, the placeholders, filling them;
//! - `sign`, `seal`: the profiles; `dss`, `timestamp`, `extend`: the levels;
//! - `verify`, `changes`: verification and modification analysis; `limits`: hostile input;
//! - `write`, `image`: new PDFs from the OFD writer's model (licence faces).
//!
//! Must not import HTTP or SQL types.

mod changes;
pub mod dss;
pub mod embedded;
mod extend;
mod field;
mod find;
mod image;
pub mod limits;
pub mod seal;
mod sign;
pub mod timestamp;
mod verify;
mod write;

pub use dss::ValidationData;
pub use extend::{Level, certificates, extend};
pub use seal::{SES_SIGNATURE_ATTRIBUTE, SealPlacement, seal};
pub use sign::{DocMdp, SignOptions, sign, sub_filter};
pub use verify::{DssCounts, PdfReport, PdfSignatureReport, verify};
pub use write::write_pdf;

/// Why a PDF cannot be signed or read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Not a PDF lopdf can read, or one without what a signature needs (pages, a catalog).
    #[error("the PDF cannot be read: {0}")]
    Malformed(String),
    /// Encrypted PDFs are not signed here.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The signature did not fit the space reserved for it.
    #[error("the signature ({0} bytes) is larger than the space reserved for it")]
    TooLarge(usize),
    /// The visible signature does not fit where it was asked for.
    #[error("{0}")]
    Placement(String),
    /// The seal cannot be applied (its picture, its state, the signer).
    #[error("{0}")]
    Seal(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

impl From<lopdf::Error> for PdfError {
    fn from(e: lopdf::Error) -> Self {
        PdfError::Malformed(e.to_string())
    }
}
