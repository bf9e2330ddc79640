//! The QR code as a PNG: error correction M, one square of [`SCALE`] pixels per module, a
//! quiet zone of [`QUIET`] modules, black on white, 1-bit greyscale (a 292-pixel version-12
//! symbol is 11 KB before compression instead of 341 KB of RGBA; encoding it was a sixth of
//! the CPU time of issuing an e-licence).
//!
//! Owns the QR picture; must not import the OFD writer.

use super::FaceError;

/// Pixels per module.
pub const SCALE: u32 = 4;
/// Quiet zone around the symbol (modules).
pub const QUIET: u32 = 4;

/// Draw `text` as a QR code (EC level M) and encode it as a PNG.
pub fn qr_png(text: &str) -> Result<Vec<u8>, FaceError> {
    if text.is_empty() {
        return Err(FaceError::Qr("nothing to encode".into()));
    }
    let (n, dark) = super::qr_mask::modules(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| FaceError::Qr(e.to_string()))?;
    let side = (n + 2 * QUIET as usize) * SCALE as usize;
    let row_bytes = side.div_ceil(8);
    // 1 = white in greyscale: start white, clear the bits of dark modules.
    let mut pixels = vec![0xffu8; row_bytes * side];
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (mx, my) = (
            (i % n + QUIET as usize) * SCALE as usize,
            (i / n + QUIET as usize) * SCALE as usize,
        );
        for y in my..my + SCALE as usize {
            for x in mx..mx + SCALE as usize {
                pixels[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let side = u32::try_from(side).map_err(|e| FaceError::Qr(e.to_string()))?;
    let mut out = Vec::with_capacity(2048);
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    let png_err = |e: png::EncodingError| FaceError::Qr(format!("PNG encoding: {e}"));
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(&pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}
