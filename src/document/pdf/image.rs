//! PNG pictures as PDF image XObjects: 8-bit RGB, the alpha channel as a soft mask, both
//! Flate-compressed. Bounded: at most [`MAX_PIXELS`] pixels.

use lopdf::{Dictionary, Object, Stream};

/// Largest picture drawn (pixels).
pub const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// The PNG `data` as an image XObject (8-bit RGB) and its soft mask (the alpha channel, when it
/// is not fully opaque); the error in words.
pub(super) fn png_streams(data: &[u8]) -> Result<(Stream, Option<Stream>), String> {
    let mut d = png::Decoder::new(std::io::Cursor::new(data));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut r = d.read_info().map_err(|e| e.to_string())?;
    let (w, h) = (r.info().width, r.info().height);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err("too many pixels".into());
    }
    let size = r.output_buffer_size().ok_or("too large")?;
    let mut buf = vec![0u8; size];
    let info = r.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let pixels = (w as usize) * (h as usize);
    let mut rgb = Vec::with_capacity(pixels * 3);
    let mut alpha = Vec::with_capacity(pixels);
    for c in buf.chunks_exact(channels).take(pixels) {
        match channels {
            1 => rgb.extend_from_slice(&[c[0], c[0], c[0]]),
            2 => {
                rgb.extend_from_slice(&[c[0], c[0], c[0]]);
                alpha.push(c[1]);
            }
            3 => rgb.extend_from_slice(c),
            _ => {
                rgb.extend_from_slice(&c[..3]);
                alpha.push(c[3]);
            }
        }
    }
    if rgb.len() != pixels * 3 {
        return Err("short image data".into());
    }
    let stream = |space: &[u8], bytes: Vec<u8>| -> Result<Stream, String> {
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"XObject".to_vec()));
        d.set("Subtype", Object::Name(b"Image".to_vec()));
        d.set("Width", Object::Integer(i64::from(w)));
        d.set("Height", Object::Integer(i64::from(h)));
        d.set("ColorSpace", Object::Name(space.to_vec()));
        d.set("BitsPerComponent", Object::Integer(8));
        let mut s = Stream::new(d, bytes);
        s.compress().map_err(|e| e.to_string())?;
        Ok(s)
    };
    let image = stream(b"DeviceRGB", rgb)?;
    let mask = if alpha.len() == pixels && alpha.iter().any(|a| *a != 255) {
        Some(stream(b"DeviceGray", alpha)?)
    } else {
        None
    };
    Ok((image, mask))
}
