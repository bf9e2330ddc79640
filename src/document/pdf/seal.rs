//! Electronic seals on PDFs (盖章): a visible signature whose appearance is the registered
//! seal's picture (its size in millimetres, the box's top-left corner at a page position), made
//! with the seal holder's key like any PDF signature of its algorithm (PAdES for P-256, the
//! vendors' SM2 profile for SM2), and bound to the seal as in OFD: a GB/T 38540 SES_Signature
//! (v4) over the SM3 of the same byte ranges, with its own time-stamp, carried as a **signed**
//! attribute of the CMS ([`SES_SIGNATURE_ATTRIBUTE`]) — the CMS signature covers it, so it
//! cannot be swapped for another seal's; the verifier checks it through the seal engine (the
//! seal maker's signature on the seal, the signer in its certList, its data hash = the bytes).

use super::PdfError;
use super::field::Visible;
use super::sign::{SignOptions, sign_visible};
use crate::crypto::Signer;
use crate::document::cms::TimestampFn;
use crate::seal::registry::SealRecord;
use const_oid::ObjectIdentifier;

/// The signed attribute carrying a seal's SES_Signature in a PDF signature's CMS (yinxin's arc;
/// there is no standard one: GB/T 38540 defines the SES_Signature, not its place in a CMS).
pub const SES_SIGNATURE_ATTRIBUTE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.6.1");

/// Where the seal goes.
#[derive(Clone, Debug)]
pub enum SealPlacement {
    /// At a position.
    At {
        /// Page index (0 = first).
        page: usize,
        /// The picture's left edge from the page's left (mm).
        x_mm: f64,
        /// The picture's top edge from the page's top (mm).
        y_mm: f64,
    },
    /// Centred on the first occurrence of this text in the pages ([`super::find`]).
    Keyword(String),
}

/// Seal `pdf` with the seal `rec`: see the module doc. `ses_timestamp` time-stamps the
/// SES_Signature's value (SM3), `timestamp` the CMS signature (B-T).
#[allow(clippy::too_many_arguments)]
pub fn seal(
    pdf: &[u8],
    rec: &SealRecord,
    signer: &dyn Signer,
    signer_cert: &[u8],
    chain: &[Vec<u8>],
    at: &SealPlacement,
    opts: &SignOptions,
    ses_timestamp: Option<TimestampFn<'_>>,
    timestamp: Option<TimestampFn<'_>>,
) -> Result<Vec<u8>, PdfError> {
    let parsed = crate::seal::format::Seal::from_der(&rec.der)
        .map_err(|e| PdfError::Seal(format!("the seal cannot be read: {e}")))?;
    let pic = &parsed.picture;
    if !pic.kind.eq_ignore_ascii_case("png") {
        return Err(PdfError::Seal(format!(
            "the seal's picture is {}: only PNG seal pictures are drawn on PDFs here",
            pic.kind
        )));
    }
    let (image, smask) = super::image::png_streams(&pic.data)
        .map_err(|e| PdfError::Seal(format!("the seal's PNG picture: {e}")))?;
    let (w_mm, h_mm) = (pic.width_mm as f64, pic.height_mm as f64);
    if !(1.0..=500.0).contains(&w_mm) || !(1.0..=500.0).contains(&h_mm) {
        return Err(PdfError::Seal(format!(
            "the seal's picture size {w_mm}×{h_mm} mm cannot be drawn"
        )));
    }
    let (page, x_mm, y_mm) = match at {
        SealPlacement::At { page, x_mm, y_mm } => (*page, *x_mm, *y_mm),
        SealPlacement::Keyword(k) => {
            let doc = super::limits::load(pdf)?;
            let (page, cx, cy) =
                super::find::keyword(&doc, k, super::limits::stream_bound(pdf.len())).ok_or_else(
                    || PdfError::Placement(format!("the keyword {k:?} is not in the PDF's text")),
                )?;
            (page, (cx - w_mm / 2.0).max(0.0), (cy - h_mm / 2.0).max(0.0))
        }
    };
    let visible = Visible {
        page,
        x_mm,
        y_mm,
        w_mm,
        h_mm,
        image,
        smask,
    };
    let time = opts.time;
    let field = opts.field_name.clone();
    let bind = move |a: &[u8], b: &[u8]| {
        let mut h = crate::crypto::Sm3::new();
        h.update(a);
        h.update(b);
        let hash = h.finalize();
        let ses = crate::seal::stamp::stamp(
            rec,
            &hash,
            &format!("PDF:{field}"),
            signer,
            signer_cert,
            time,
            ses_timestamp,
        )
        .map_err(|e| PdfError::Seal(e.to_string()))?;
        Ok((SES_SIGNATURE_ATTRIBUTE, ses))
    };
    let mut opts = opts.clone();
    if opts.reason.is_none() {
        opts.reason = Some(format!("电子印章：{}", parsed.name));
    }
    // The SES_Signature and its time-stamp make the CMS larger than a plain signature's.
    opts.reserve = opts.reserve.max(48 * 1024);
    sign_visible(
        pdf,
        signer,
        signer_cert,
        chain,
        &opts,
        Some(visible),
        Some(&bind),
        timestamp,
    )
}
