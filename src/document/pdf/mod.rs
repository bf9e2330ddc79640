//! PDF signatures (issue 17, first part): a PAdES baseline B-B / B-T signature added to a PDF
//! by an **incremental update** (the earlier revisions' bytes untouched), and the verification
//! of every signature of a PDF through the same CMS engine and purposes as detached CMS and OFD.
//!
//! - `sign`: the signature field (an invisible widget on the first page), the signature
//!   dictionary (`/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached`, `/M`), the
//!   `/ByteRange` and `/Contents` placeholders patched in place after saving, and the CMS over the
//!   byte ranges: one SignerInfo, signing-certificate-v2, content type id-data, **no**
//!   signingTime (ETSI EN 319 142-1), an optional signature time-stamp (B-T).
//! - `verify`: every signature field with a value; the byte range must start at 0, leave out
//!   exactly the `/Contents` string, and end at the end of its revision; the CMS verified over
//!   those bytes and the signer validated for the document-signer purpose (at the time a
//!   validated time-stamp proves, else now).
//! - `changes`: modification analysis of the revisions after a signed one — more signatures,
//!   their fields, validation data allowed; anything else FAILED naming the revision.
//!
//! Not yet (issue 17): P-256 B-LT/B-LTA (DSS, VRI, document time-stamps), SM2 as Chinese vendors
//! sign (`adbe.pkcs7.detached`), visible seals, DocMDP, PDF licence faces.
//!
//! Must not import HTTP or SQL types.

mod changes;
pub mod dss;
mod extend;
mod field;
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
