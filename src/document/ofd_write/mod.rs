//! Minimal OFD writing (GB/T 33190-2016) and OFD sealing (§18).
//!
//! [`write_ofd`] lays out a small document — pages of text (fonts referenced by name, e.g.
//! `宋体`), PNG images and straight lines — as an OFD 1.0 package: `OFD.xml`,
//! `Doc_0/Document.xml`, `Doc_0/PublicRes.xml` (fonts), `Doc_0/DocumentRes.xml` (images, files
//! under `Doc_0/Res/`) and one `Doc_0/Pages/Page_N/Content.xml` per page.
//!
//! [`seal_ofd`] adds an e-seal signature to any OFD package (ours or a vendor's) as
//! `../shared/reference/ofd-signatures.md` §Signing says: the next signature id, SM3
//! References over every file except `Signatures.xml` and the new signature's own files,
//! `Signature.xml`, `SignedValue.dat` = SES_Signature over SM3(`Signature.xml`), `Seal.esl`.
//! Every existing file keeps its exact bytes; only `Signatures.xml` is updated, and `OFD.xml`
//! only when the package had no signatures at all (it then gains its `Signatures` reference).
//!
//! Layout (one concern per file):
//! - `document`: [`NewDocument`] and [`write_ofd`], laying out a new package;
//! - `attach`: a new document's custom data (`OFD.xml` `DocInfo`) and attachments
//!   ([`NewAttachment`], `Doc_0/Attachs/`);
//! - `zip`: writing the package (zip) entry by entry;
//! - `placement`: [`Placement`], the page geometry and the keyword search that place a stamp;
//! - `signature`: adding a signature to a package (references, `Signature.xml`,
//!   `Signatures.xml`), shared by sealing and signing;
//! - `seal`: [`seal_ofd`] and [`seal_package`] (Type="Seal");
//! - `sign`: [`sign_ofd`] (Type="Sign").
//!
//! XML is read and written through the layer the reader uses too (`crate::document::xml`:
//! bounded parsing with byte spans for edits in place, the `ofd:` namespace, escaping, numbers);
//! no file here parses or escapes XML by itself.
//!
//! This file owns the constants, [`OfdWriteError`] and the re-exports that keep every public
//! item at `crate::document::ofd_write::…`; it must not import the submodules' internals.

use crate::document::ofd::OfdError;
use crate::document::xml::XmlError;
use crate::seal::service::SealServiceError;

mod attach;
mod document;
mod placement;
mod seal;
mod sign;
mod signature;
mod zip;

pub use attach::NewAttachment;
pub use document::{Item, NewDocument, NewPage, advance, write_ofd, write_ofd_at};
pub use placement::Placement;
pub use seal::{seal_ofd, seal_package};
pub use sign::sign_ofd;

#[cfg(test)]
mod tests;

/// SM2-with-SM3 as SignatureMethod.
pub const SM2_SM3_OID: &str = "1.2.156.10197.1.501";
/// ecdsa-with-SHA256, the SignatureMethod of a P-256 signer.
pub const ECDSA_SHA256_OID: &str = "1.2.840.10045.4.3.2";
/// ProviderName written in `Signature.xml` and Creator in `OFD.xml`.
pub const PROVIDER: &str = "yinxin";

/// Errors writing or sealing an OFD package.
#[derive(Debug, thiserror::Error)]
pub enum OfdWriteError {
    /// The document to write is not acceptable (no pages, bad sizes, not a PNG …).
    #[error("invalid document: {0}")]
    Invalid(String),
    /// The package to seal cannot be read.
    #[error(transparent)]
    Read(#[from] OfdError),
    /// A part of the package to seal is malformed or missing what sealing needs.
    #[error("{path}: {reason}")]
    Part {
        /// Part path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The placement does not fit the document (no such page, keyword not found, page size
    /// unknown).
    #[error("placement: {0}")]
    Placement(String),
    /// A position that is not a finite number or puts the stamp (partly) off its page.
    #[error("placement: '{field}' {reason}")]
    Position {
        /// The parameter at fault (`x`, `y`, or `keyword` for a keyword's position).
        field: &'static str,
        /// Why, with the page's bounds.
        reason: String,
    },
    /// Stamping failed (seal not active, signer not allowed …).
    #[error(transparent)]
    Seal(#[from] SealServiceError),
    /// The seal DER cannot be read.
    #[error("the seal cannot be read: {0}")]
    SealFormat(#[from] crate::seal::format::SealError),
    /// Writing the zip failed.
    #[error("writing the zip: {0}")]
    Zip(String),
}

/// An XML part that cannot be read is a part sealing cannot use.
impl From<XmlError> for OfdWriteError {
    fn from(XmlError { path, reason }: XmlError) -> Self {
        OfdWriteError::Part { path, reason }
    }
}

fn part_err(path: &str, reason: impl Into<String>) -> OfdWriteError {
    OfdWriteError::Part {
        path: path.to_string(),
        reason: reason.into(),
    }
}
