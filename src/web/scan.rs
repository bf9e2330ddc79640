//! A QR code read from a photo (PNG or JPEG), for phones and browsers without a camera API:
//! decoded to greyscale (`png`, `zune-jpeg`), shrunk to at most [`MAX_SIDE`] pixels on its long
//! side by averaging (a 12-megapixel photo is read in a fraction of the time, and QR modules
//! stay several pixels wide), then searched with `rqrr`. Bounded: pictures above
//! [`MAX_PIXELS`] are refused from their headers, before anything is decoded.

use std::io::Cursor;

/// The most pixels a photo may have (a 48-megapixel phone camera's full size).
pub const MAX_PIXELS: u64 = 48_000_000;
/// The long side a photo is shrunk to before the search.
pub const MAX_SIDE: usize = 1600;

/// Why no QR text came out of a photo.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Neither PNG nor JPEG, or broken.
    #[error("the photo is not a readable PNG or JPEG picture")]
    NotAPicture,
    /// More than [`MAX_PIXELS`].
    #[error("the photo has more than {MAX_PIXELS} pixels")]
    TooLarge,
    /// No QR code could be read in it.
    #[error("no QR code could be read in the photo")]
    NoCode,
}

/// A greyscale picture.
struct Grey {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

fn png_grey(bytes: &[u8]) -> Result<Grey, ScanError> {
    let mut d = png::Decoder::new(Cursor::new(bytes));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut r = d.read_info().map_err(|_| ScanError::NotAPicture)?;
    let (w, h) = (r.info().width as usize, r.info().height as usize);
    if (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(ScanError::TooLarge);
    }
    let size = r.output_buffer_size().ok_or(ScanError::TooLarge)?;
    let mut buf = vec![0u8; size];
    let info = r.next_frame(&mut buf).map_err(|_| ScanError::NotAPicture)?;
    let channels = info.color_type.samples();
    let px = buf
        .chunks_exact(channels)
        .take(w * h)
        .map(|c| match channels {
            1 | 2 => c[0],
            // Luma of RGB(A); a transparent pixel reads as white paper.
            _ => {
                let y =
                    (u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000;
                if channels == 4 && c[3] < 128 {
                    255
                } else {
                    y as u8
                }
            }
        })
        .collect::<Vec<u8>>();
    if px.len() != w * h {
        return Err(ScanError::NotAPicture);
    }
    Ok(Grey { w, h, px })
}

fn jpeg_grey(bytes: &[u8]) -> Result<Grey, ScanError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(16_384)
        .set_max_height(16_384);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    d.decode_headers().map_err(|_| ScanError::NotAPicture)?;
    let info = d.info().ok_or(ScanError::NotAPicture)?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(ScanError::TooLarge);
    }
    let px = d.decode().map_err(|_| ScanError::NotAPicture)?;
    if px.len() != w * h {
        return Err(ScanError::NotAPicture);
    }
    Ok(Grey { w, h, px })
}

/// Shrink by an integer factor (box average) until the long side is at most [`MAX_SIDE`].
fn shrink(g: Grey) -> Grey {
    let f = g.w.max(g.h).div_ceil(MAX_SIDE);
    if f <= 1 {
        return g;
    }
    let (w, h) = (g.w / f, g.h / f);
    let mut px = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0u32;
            for dy in 0..f {
                let row = (y * f + dy) * g.w + x * f;
                sum += g.px[row..row + f]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
            px[y * w + x] = (sum / (f * f) as u32) as u8;
        }
    }
    Grey { w, h, px }
}

/// The text of the first QR code readable in the photo.
pub fn qr_from_photo(bytes: &[u8]) -> Result<String, ScanError> {
    let grey = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_grey(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_grey(bytes)?
    } else {
        return Err(ScanError::NotAPicture);
    };
    let g = shrink(grey);
    if g.w == 0 || g.h == 0 {
        return Err(ScanError::NotAPicture);
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(g.w, g.h, |x, y| g.px[y * g.w + x]);
    img.detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .ok_or(ScanError::NoCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code of `text` as a greyscale PNG, `scale` pixels a module, with a quiet zone.
    fn qr_png(text: &str, scale: usize) -> (Vec<u8>, usize) {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let side = (n + 8) * scale;
        let mut px = vec![255u8; side * side];
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (mx, my) = ((i % n + 4) * scale, (i / n + 4) * scale);
                for y in my..my + scale {
                    px[y * side + mx..y * side + mx + scale].fill(0);
                }
            }
        }
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, side as u32, side as u32);
        e.set_color(png::ColorType::Grayscale);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&px).unwrap();
        w.finish().unwrap();
        (out, side)
    }

    #[test]
    fn a_qr_code_is_read_from_a_png_also_when_large() {
        let text = "HTTPS://VERIFY.EXAMPLE/V/6BFOXN*TS0BFOXN*TS0";
        let (png, _) = qr_png(text, 4);
        assert_eq!(qr_from_photo(&png).unwrap(), text);
        // More than 1,600 pixels on a side: shrunk before the search, still read.
        let (png, side) = qr_png(text, 60);
        assert!(side > MAX_SIDE);
        assert_eq!(qr_from_photo(&png).unwrap(), text);
    }

    #[test]
    fn a_qr_code_is_read_from_a_phone_photo() {
        // fixtures/web/qr-photo.jpg: the code of the test above at 12 pixels a module,
        // turned 7°, blurred, with sensor noise and a tinted grey table around it, JPEG q75.
        let photo = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/web/qr-photo.jpg"
        ))
        .unwrap();
        assert_eq!(
            qr_from_photo(&photo).unwrap(),
            "HTTPS://VERIFY.EXAMPLE/V/6BFOXN*TS0BFOXN*TS0"
        );
    }

    #[test]
    fn not_a_picture_no_code_and_too_large_are_told_apart() {
        assert_eq!(qr_from_photo(b"hello"), Err(ScanError::NotAPicture));
        assert_eq!(
            qr_from_photo(b"\x89PNG\r\n\x1a\nbroken"),
            Err(ScanError::NotAPicture)
        );
        assert_eq!(
            qr_from_photo(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Err(ScanError::NotAPicture)
        );
        // A blank page.
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, 64, 64);
        e.set_color(png::ColorType::Grayscale);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[255u8; 64 * 64]).unwrap();
        w.finish().unwrap();
        assert_eq!(qr_from_photo(&out), Err(ScanError::NoCode));
        // 10,000 × 10,000 declared in the header: refused before decoding.
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, 10_000, 10_000);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::One);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&vec![0xFFu8; 1250 * 10_000]).unwrap();
        w.finish().unwrap();
        assert_eq!(qr_from_photo(&out), Err(ScanError::TooLarge));
    }
}
