//! The seal pictures the page shows: read from the verified object itself (the OFD's signed
//! values, a seal, an SES signature) for the signers whose verification **passed** — a seal
//! that did not verify is named in the result, never drawn as if it vouched for anything.

use super::page::Picture;
use super::view::{Summary, Verdict};
use crate::document::ofd::Package;
use crate::seal::{Seal, SesSignature};

/// The most bytes of a picture shown inline.
const MAX_PICTURE_BYTES: usize = 512 * 1024;

fn picture_of(seal: &Seal) -> Option<Picture> {
    let p = &seal.picture;
    let mime = match p.kind.to_ascii_uppercase().as_str() {
        "PNG" => "image/png",
        "JPG" | "JPEG" => "image/jpeg",
        "GIF" => "image/gif",
        // SVG could carry script; "ofd" pictures and BMP are not drawn by browsers inline.
        _ => return None,
    };
    (p.data.len() <= MAX_PICTURE_BYTES).then(|| Picture {
        mime,
        bytes: p.data.clone(),
    })
}

/// The seal inside a signed value or a seal file.
fn seal_in(bytes: &[u8]) -> Option<Seal> {
    SesSignature::from_der(bytes)
        .map(|s| s.seal)
        .or_else(|_| Seal::from_der(bytes))
        .ok()
}

/// One picture (or none) per signer of `summary`, in order.
pub fn pictures(object: &[u8], summary: &Summary) -> Vec<Option<Picture>> {
    let package = if object.starts_with(b"PK\x03\x04") {
        Package::from_bytes(object).ok()
    } else {
        None
    };
    summary
        .signers
        .iter()
        .map(|s| {
            if s.verdict != Some(Verdict::Valid) {
                return None;
            }
            let seal = match (&package, &s.signed_value) {
                (Some(pkg), Some(path)) => seal_in(pkg.get(path)?)?,
                (None, None) if s.kind == "seal" || s.kind == "signature" => seal_in(object)?,
                _ => return None,
            };
            picture_of(&seal)
        })
        .collect()
}
