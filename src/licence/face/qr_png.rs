//! The QR code as a PNG: error correction M, one square of [`SCALE`] pixels per module, a
//! quiet zone of [`QUIET`] modules, black on white.
//!
//! Owns the QR picture; must not import the OFD writer.

use super::FaceError;

/// Pixels per module.
pub const SCALE: u32 = 4;
/// Quiet zone around the symbol (modules).
pub const QUIET: u32 = 4;

/// Draw `text` as a QR code (EC level M) and encode it as a PNG.
pub(super) fn qr_png(text: &str) -> Result<Vec<u8>, FaceError> {
    if text.is_empty() {
        return Err(FaceError::Qr("nothing to encode".into()));
    }
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| FaceError::Qr(e.to_string()))?;
    let n = u32::try_from(code.width()).map_err(|e| FaceError::Qr(e.to_string()))?;
    let side = (n + 2 * QUIET) * SCALE;
    let mut pixmap = tiny_skia::Pixmap::new(side, side)
        .ok_or_else(|| FaceError::Qr(format!("a {side}×{side} picture cannot be made")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let row = side as usize * 4;
    let data = pixmap.data_mut();
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c != qrcode::Color::Dark {
            continue;
        }
        let i = i as u32;
        let (mx, my) = ((i % n + QUIET) * SCALE, (i / n + QUIET) * SCALE);
        for y in my..my + SCALE {
            let start = y as usize * row + mx as usize * 4;
            for px in data[start..start + SCALE as usize * 4].chunks_exact_mut(4) {
                px.copy_from_slice(&[0, 0, 0, 255]);
            }
        }
    }
    pixmap
        .encode_png()
        .map_err(|e| FaceError::Qr(format!("PNG encoding: {e}")))
}
