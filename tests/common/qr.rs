//! QR codes as pictures, for the tests that photograph or film one (the citizens' pages).

/// A greyscale picture of a QR code of `text`: `scale` pixels a module, 4 modules of quiet
/// zone; the pixels and the side.
pub fn picture(text: &str, scale: usize) -> (Vec<u8>, usize) {
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
    (px, side)
}

/// The same picture as a greyscale PNG.
pub fn png(text: &str, scale: usize) -> Vec<u8> {
    let (px, side) = picture(text, scale);
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, side as u32, side as u32);
    e.set_color(png::ColorType::Grayscale);
    let mut w = e.write_header().unwrap();
    w.write_image_data(&px).unwrap();
    w.finish().unwrap();
    out
}
