//! Generated seal pictures: the standard look of a Chinese seal, drawn as vectors with
//! `tiny-skia` and glyph outlines read from a CJK font with `ttf-parser`, rendered to PNG at
//! the seal's size (12 pixels per millimetre, ≈ 300 dpi).
//!
//! - round (公章, 合同专用章, 电子证照专用章): a red ring, the holder's name along the upper arc,
//!   a five-pointed star in the centre and the seal type below it;
//! - oval (财务专用章, 发票专用章): a red ellipse, the name along the upper arc, the type across
//!   the middle;
//! - square (个人名章): a red square frame with the name in the middle.
//!
//! The font is the built-in one (`src/seal/font/`: a GB 2312 subset of Noto Serif CJK SC Bold,
//! SIL OFL 1.1), so that a picture is the same on every machine; `YINXIN_SEAL_FONT=FILE`
//! replaces it. A character the font lacks is an error naming it, never a blank or a box.

use super::types::Shape;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// Pixels per millimetre.
pub const PX_PER_MM: f32 = 12.0;

/// Seal red.
const RED: (u8, u8, u8) = (0xE6, 0x00, 0x12);

/// The built-in seal font, "Yinxin Seal Serif SC": the 6,763 hanzi of GB 2312, its punctuation
/// and full-width forms, and ASCII, from Noto Serif CJK SC Bold (SIL OFL 1.1; the licence, the
/// character set and how the subset is made are in `src/seal/font/`).
pub static BUILTIN_FONT: &[u8] = include_bytes!("font/SealSerifSC-subset.otf");

/// Errors generating a picture.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file `YINXIN_SEAL_FONT` names cannot be read or is not a font.
    #[error(
        "YINXIN_SEAL_FONT={}: {reason}: name a TrueType/OpenType font file, or unset it to use the built-in seal font",
        path.display()
    )]
    FontFile {
        /// The file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// Font bytes given to [`generate`] are not a TrueType/OpenType font.
    #[error("the seal font is not a TrueType/OpenType font: {0}")]
    Font(String),
    /// A character has no glyph in the font.
    #[error(
        "{}: pass --picture FILE.png or set YINXIN_SEAL_FONT to a font that has it",
        no_glyph(*.0)
    )]
    MissingGlyph(char),
    /// Text too long or size out of range.
    #[error("{0}")]
    Invalid(String),
    /// Rendering.
    #[error("rendering failed: {0}")]
    Render(String),
}

/// "the seal font has no glyph for '龘' (U+9F98)".
fn no_glyph(c: char) -> String {
    format!(
        "the seal font has no glyph for '{c}' (U+{:04X})",
        u32::from(c)
    )
}

impl PictureError {
    /// The message for an API client, who uploads `picture_png_base64` where the command line
    /// passes `--picture`.
    pub fn for_api(&self) -> String {
        match self {
            Self::MissingGlyph(c) => format!(
                "{}: upload picture_png_base64, or set YINXIN_SEAL_FONT on the server to a font that has it",
                no_glyph(*c)
            ),
            e => format!("{e}; upload picture_png_base64"),
        }
    }
}

/// The font file `YINXIN_SEAL_FONT` names, when it is set and not empty.
pub fn font_override() -> Option<PathBuf> {
    std::env::var_os("YINXIN_SEAL_FONT")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// The font pictures are drawn with: the file `override_path` names (see [`font_override`]),
/// else the built-in font. System fonts are never looked for: a picture must not depend on
/// the machine it was made on.
pub fn seal_font(override_path: Option<&Path>) -> Result<Cow<'static, [u8]>, PictureError> {
    let Some(path) = override_path else {
        return Ok(Cow::Borrowed(BUILTIN_FONT));
    };
    let bytes = std::fs::read(path).map_err(|e| PictureError::FontFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    ttf_parser::Face::parse(&bytes, 0).map_err(|e| PictureError::FontFile {
        path: path.to_path_buf(),
        reason: format!("not a TrueType/OpenType font ({e})"),
    })?;
    Ok(Cow::Owned(bytes))
}

struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

struct Canvas<'f> {
    pixmap: Pixmap,
    face: ttf_parser::Face<'f>,
    paint: Paint<'static>,
}

impl Canvas<'_> {
    /// Draw one character centred at (x, y), `size` pixels high, rotated by `deg`.
    fn glyph(
        &mut self,
        ch: char,
        x: f32,
        y: f32,
        size: f32,
        deg: f32,
        x_stretch: f32,
    ) -> Result<(), PictureError> {
        let id = match glyph_of(&self.face, ch) {
            Ok(id) => id,
            Err(_) if ch.is_whitespace() => return Ok(()), // a space the font lacks: a gap
            Err(e) => return Err(e),
        };
        let mut b = Outline(PathBuilder::new());
        let drawn = self.face.outline_glyph(id, &mut b).is_some();
        let Some(path) = b.0.finish().filter(|_| drawn) else {
            // An empty outline is right for a space; for anything else it would be a blank.
            return if ch.is_whitespace() {
                Ok(())
            } else {
                Err(PictureError::MissingGlyph(ch))
            };
        };
        let em = f32::from(self.face.units_per_em());
        let advance = f32::from(
            self.face
                .glyph_hor_advance(id)
                .unwrap_or(self.face.units_per_em()),
        );
        let s = size / em;
        // Centre: half the advance, and a little below the middle of the em (CJK glyphs sit on
        // a baseline ≈ 0.12 em above the bottom).
        let t = Transform::from_translate(x, y)
            .pre_rotate(deg)
            .pre_scale(s * x_stretch, -s)
            .pre_translate(-advance / 2.0, -em * 0.38);
        self.pixmap
            .fill_path(&path, &self.paint, FillRule::Winding, t, None);
        Ok(())
    }

    fn text_line(
        &mut self,
        text: &str,
        cx: f32,
        cy: f32,
        size: f32,
        width: f32,
    ) -> Result<(), PictureError> {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len().max(1) as f32;
        let step = (width / n).min(size);
        let stretch = (step / size).clamp(0.6, 1.0);
        let start = cx - step * (n - 1.0) / 2.0;
        for (i, c) in chars.iter().enumerate() {
            self.glyph(*c, start + step * i as f32, cy, size, 0.0, stretch)?;
        }
        Ok(())
    }

    /// Characters along the upper arc of an ellipse with radii (rx, ry), spread over `span`
    /// degrees, upright towards the outside.
    #[allow(clippy::too_many_arguments)]
    fn arc_text(
        &mut self,
        text: &str,
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
        span: f32,
        size: f32,
    ) -> Result<(), PictureError> {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len() as f32;
        for (i, c) in chars.iter().enumerate() {
            let phi = (-90.0 - span / 2.0 + span * (i as f32 + 0.5) / n).to_radians();
            let (x, y) = (cx + rx * phi.cos(), cy + ry * phi.sin());
            // Upright towards the outside: rotate by the direction of the tangent at phi.
            let tangent = (ry * phi.cos()).atan2(-rx * phi.sin()).to_degrees();
            self.glyph(*c, x, y, size, tangent, 0.85)?;
        }
        Ok(())
    }

    fn star(&mut self, cx: f32, cy: f32, outer: f32) {
        let inner = outer * 0.382;
        let mut b = PathBuilder::new();
        for k in 0..10 {
            let r = if k % 2 == 0 { outer } else { inner };
            let a = (-90.0 + 36.0 * k as f32).to_radians();
            let (x, y) = (cx + r * a.cos(), cy + r * a.sin());
            if k == 0 {
                b.move_to(x, y)
            } else {
                b.line_to(x, y)
            }
        }
        b.close();
        if let Some(p) = b.finish() {
            self.pixmap.fill_path(
                &p,
                &self.paint,
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
}

/// The glyph for `ch`; none, or the `.notdef` box, is [`PictureError::MissingGlyph`].
fn glyph_of(face: &ttf_parser::Face<'_>, ch: char) -> Result<ttf_parser::GlyphId, PictureError> {
    face.glyph_index(ch)
        .filter(|id| id.0 != 0)
        .ok_or(PictureError::MissingGlyph(ch))
}

/// The standard picture of a seal of type `t` for `name`, drawn with the font
/// `YINXIN_SEAL_FONT` names or else the built-in one.
pub fn for_type(name: &str, t: &super::types::SealType) -> Result<Vec<u8>, PictureError> {
    for_type_with(name, t, font_override().as_deref())
}

/// [`for_type`] with the font override given (`None`: the built-in font).
pub fn for_type_with(
    name: &str,
    t: &super::types::SealType,
    font_override: Option<&Path>,
) -> Result<Vec<u8>, PictureError> {
    let font = seal_font(font_override)?;
    let type_text = if t.holder == super::types::Holder::Person {
        ""
    } else {
        t.name.as_str()
    };
    generate(name, type_text, t.shape, t.width_mm, t.height_mm, &font)
}

/// Draw a seal picture; returns PNG bytes (transparent background, seal red).
pub fn generate(
    name: &str,
    type_name: &str,
    shape: Shape,
    width_mm: i64,
    height_mm: i64,
    font: &[u8],
) -> Result<Vec<u8>, PictureError> {
    one_colour_png(&render(name, type_name, shape, width_mm, height_mm, font)?)
}

/// Draw a seal picture at full coverage precision ([`generate`] before the PNG).
fn render(
    name: &str,
    type_name: &str,
    shape: Shape,
    width_mm: i64,
    height_mm: i64,
    font: &[u8],
) -> Result<Pixmap, PictureError> {
    let n = name.chars().count();
    if n == 0 || n > 40 {
        return Err(PictureError::Invalid(
            "the name on a seal is 1 to 40 characters".into(),
        ));
    }
    if type_name.chars().count() > 16 {
        return Err(PictureError::Invalid(
            "the seal type text is at most 16 characters".into(),
        ));
    }
    if !(5..=100).contains(&width_mm) || !(5..=100).contains(&height_mm) {
        return Err(PictureError::Invalid("seal size 5 to 100 mm".into()));
    }
    let face = ttf_parser::Face::parse(font, 0).map_err(|e| PictureError::Font(e.to_string()))?;
    // Every character is checked before anything is drawn, in reading order, so the error
    // names the first one the font lacks.
    for ch in name.chars().chain(type_name.chars()) {
        if !ch.is_whitespace() {
            glyph_of(&face, ch)?;
        }
    }
    let (w, h) = (width_mm as f32 * PX_PER_MM, height_mm as f32 * PX_PER_MM);
    let pixmap = Pixmap::new(w.round() as u32, h.round() as u32)
        .ok_or_else(|| PictureError::Render("empty canvas".into()))?;
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(RED.0, RED.1, RED.2, 255));
    paint.anti_alias = true;
    let mut c = Canvas {
        pixmap,
        face,
        paint,
    };
    let (cx, cy) = (w / 2.0, h / 2.0);
    let border = 1.2 * PX_PER_MM;
    let stroke = Stroke {
        width: border,
        ..Default::default()
    };
    match shape {
        Shape::Round => {
            let r = w.min(h) / 2.0 - border / 2.0 - 1.0;
            let ring = PathBuilder::from_circle(cx, cy, r)
                .ok_or_else(|| PictureError::Render("ring".into()))?;
            c.pixmap.stroke_path(
                &ring,
                &c.paint.clone(),
                &stroke,
                Transform::identity(),
                None,
            );
            let size = r * 0.26;
            let span = (n as f32 * 21.0).clamp(90.0, 250.0);
            c.arc_text(
                name,
                cx,
                cy,
                r - border - size * 0.62,
                r - border - size * 0.62,
                span,
                size,
            )?;
            c.star(cx, cy, r * 0.26);
            if !type_name.is_empty() {
                c.text_line(type_name, cx, cy + r * 0.52, r * 0.16, r * 1.1)?;
            }
        }
        Shape::Oval => {
            let (rx, ry) = (w / 2.0 - border / 2.0 - 1.0, h / 2.0 - border / 2.0 - 1.0);
            let rect = tiny_skia::Rect::from_xywh(cx - rx, cy - ry, 2.0 * rx, 2.0 * ry)
                .ok_or_else(|| PictureError::Render("oval".into()))?;
            let oval =
                PathBuilder::from_oval(rect).ok_or_else(|| PictureError::Render("oval".into()))?;
            c.pixmap.stroke_path(
                &oval,
                &c.paint.clone(),
                &stroke,
                Transform::identity(),
                None,
            );
            let size = ry * 0.30;
            let span = (n as f32 * 18.0).clamp(80.0, 220.0);
            c.arc_text(
                name,
                cx,
                cy,
                rx - border - size * 0.6,
                ry - border - size * 0.6,
                span,
                size,
            )?;
            if !type_name.is_empty() {
                c.text_line(type_name, cx, cy + ry * 0.18, ry * 0.30, rx * 1.2)?;
            }
        }
        Shape::Square => {
            let half = w.min(h) / 2.0 - border / 2.0 - 1.0;
            let rect = tiny_skia::Rect::from_xywh(cx - half, cy - half, 2.0 * half, 2.0 * half)
                .ok_or_else(|| PictureError::Render("square".into()))?;
            let frame = PathBuilder::from_rect(rect);
            c.pixmap.stroke_path(
                &frame,
                &c.paint.clone(),
                &stroke,
                Transform::identity(),
                None,
            );
            let chars: Vec<char> = name.chars().collect();
            let inner = 2.0 * (half - border);
            if chars.len() == 4 {
                // Read top-to-bottom, right column first, as name seals are.
                let size = inner * 0.45;
                let q = inner / 4.0;
                for (i, ch) in chars.iter().enumerate() {
                    let col = if i < 2 { 1.0 } else { -1.0 };
                    let row = if i % 2 == 0 { -1.0 } else { 1.0 };
                    c.glyph(*ch, cx + col * q, cy + row * q, size, 0.0, 1.0)?;
                }
            } else {
                c.text_line(name, cx, cy, inner * 0.5, inner * 0.95)?;
            }
        }
    }
    Ok(c.pixmap)
}

/// Levels of coverage kept at a pixel's edge: 16, a 4-bit palette.
const ALPHA_LEVELS: u8 = 16;

/// The picture as an indexed PNG: every pixel is seal red at one of [`ALPHA_LEVELS`] levels of
/// coverage (the palette is red 16 times, `tRNS` gives each entry its alpha). A seal picture
/// is one ink on nothing, and it is copied into every document it stamps (the seal and the
/// signature value both carry it), so its size matters: 4-bit indexed is about a third of the
/// 32-bit RGBA `tiny-skia` writes, with edges still smooth at 300 dpi.
fn one_colour_png(pixmap: &Pixmap) -> Result<Vec<u8>, PictureError> {
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let row_bytes = w.div_ceil(2);
    let step = 255 / (ALPHA_LEVELS - 1);
    let mut data = vec![0u8; row_bytes * h];
    for (y, row) in pixmap.pixels().chunks_exact(w).enumerate() {
        for (x, px) in row.iter().enumerate() {
            // Rounded to the nearest level: 0 stays fully transparent, 255 fully inked.
            let level = ((u16::from(px.alpha()) + u16::from(step / 2)) / u16::from(step)) as u8;
            data[y * row_bytes + x / 2] |= level << (4 * (1 - x % 2));
        }
    }
    let palette: Vec<u8> = (0..ALPHA_LEVELS)
        .flat_map(|_| [RED.0, RED.1, RED.2])
        .collect();
    let alphas: Vec<u8> = (0..ALPHA_LEVELS).map(|l| l * step).collect();
    let err = |e: png::EncodingError| PictureError::Render(format!("PNG encoding: {e}"));
    let mut out = Vec::with_capacity(16 * 1024);
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Four);
    encoder.set_palette(palette);
    encoder.set_trns(alphas);
    // No filter: the one PNG recommends for palette images, and here a third smaller than
    // the adaptive filters.
    encoder.set_filter(png::Filter::NoFilter);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&data).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::types::by_key;

    fn is_red(c: &tiny_skia::PremultipliedColorU8) -> bool {
        c.alpha() > 128 && c.red() > 150 && c.green() < 80
    }

    pub(super) fn red_fraction(png: &[u8]) -> f32 {
        let p = Pixmap::decode_png(png).unwrap();
        let red = p.pixels().iter().filter(|c| is_red(c)).count();
        red as f32 / p.pixels().len() as f32
    }

    /// Red pixels in the square of half-side `half` centred on (x, y).
    fn ink_around(p: &Pixmap, x: f32, y: f32, half: f32) -> usize {
        let (x0, x1) = ((x - half).max(0.0) as u32, (x + half) as u32);
        let (y0, y1) = ((y - half).max(0.0) as u32, (y + half) as u32);
        (y0..=y1)
            .flat_map(|y| (x0..=x1).map(move |x| (x, y)))
            .filter(|&(x, y)| p.pixel(x, y).is_some_and(|c| is_red(&c)))
            .count()
    }

    /// With no override, the built-in font draws an official seal: the ring, each character
    /// of the name where the layout puts it on the upper arc, the star in the centre and the
    /// type below it, and nothing on the lower arc.
    #[test]
    fn builtin_font_draws_each_character_where_it_belongs() {
        let official = by_key("official").unwrap();
        let name = "广州市数据局";
        let png = for_type_with(name, &official, None).unwrap();
        let p = Pixmap::decode_png(&png).unwrap();
        assert_eq!((p.width(), p.height()), (504, 504)); // 42 mm at 12 px/mm
        let f = red_fraction(&png);
        assert!((0.05..0.5).contains(&f), "red fraction {f}");
        // The layout of `generate` for a round seal.
        let (cx, cy, border) = (252.0f32, 252.0f32, 1.2 * PX_PER_MM);
        let r = 252.0 - border / 2.0 - 1.0;
        let size = r * 0.26;
        let text_r = r - border - size * 0.62;
        let span = 126.0f32; // 6 characters × 21°
        let box_area = (size * 0.5).powi(2);
        for i in 0..6 {
            let phi = (-90.0 - span / 2.0 + span * (i as f32 + 0.5) / 6.0).to_radians();
            let (x, y) = (cx + text_r * phi.cos(), cy + text_r * phi.sin());
            let ink = ink_around(&p, x, y, size * 0.25) as f32;
            assert!(
                ink > box_area * 0.1,
                "character {i} at ({x:.0}, {y:.0}): {ink} red px"
            );
        }
        // The lower arc, where no character is, is bare.
        assert_eq!(ink_around(&p, cx, cy + text_r, size * 0.25), 0);
        // The star fills the centre; the type text 公章 sits below it.
        assert!(is_red(&p.pixel(252, 252).unwrap()));
        let type_ink = ink_around(&p, cx - r * 0.08, cy + r * 0.52, r * 0.06) as f32;
        assert!(type_ink > (r * 0.12).powi(2) * 0.1, "type text: {type_ink}");
        // Outside the ring: transparent.
        assert_eq!(p.pixel(3, 3).unwrap().alpha(), 0);
        if let Ok(dir) = std::env::var("YINXIN_PICTURE_OUT") {
            std::fs::write(format!("{dir}/official.png"), &png).unwrap();
        }
    }

    /// The built-in font is the default whatever the machine has, and an override file is
    /// read instead of it.
    #[test]
    fn the_override_replaces_the_builtin_font() {
        let official = by_key("official").unwrap();
        let builtin = for_type_with("广州市数据局", &official, None).unwrap();
        assert_eq!(
            builtin,
            generate("广州市数据局", "公章", Shape::Round, 42, 42, BUILTIN_FONT).unwrap()
        );
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.otf");
        std::fs::write(&copy, BUILTIN_FONT).unwrap();
        assert_eq!(
            for_type_with("广州市数据局", &official, Some(&copy)).unwrap(),
            builtin
        );
        let missing = dir.path().join("missing.ttf");
        let e = for_type_with("广州市数据局", &official, Some(&missing)).unwrap_err();
        assert!(matches!(e, PictureError::FontFile { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("YINXIN_SEAL_FONT={}: ", missing.display())),
            "{e}"
        );
        let text = dir.path().join("font.ttf");
        std::fs::write(&text, b"not a font").unwrap();
        let e = for_type_with("广州市数据局", &official, Some(&text)).unwrap_err();
        assert!(
            e.to_string().contains("not a TrueType/OpenType font"),
            "{e}"
        );
    }

    /// A character outside the font is an error that names it, in the name or the type text.
    #[test]
    fn a_character_the_font_lacks_is_named() {
        let official = by_key("official").unwrap();
        let e = for_type_with("广州市龘数据局", &official, None).unwrap_err();
        assert!(matches!(e, PictureError::MissingGlyph('龘')), "{e:?}");
        assert_eq!(
            e.to_string(),
            "the seal font has no glyph for '龘' (U+9F98): pass --picture FILE.png or set \
             YINXIN_SEAL_FONT to a font that has it"
        );
        assert!(e.for_api().contains("upload picture_png_base64"));
        assert!(!e.for_api().contains("--picture"));
        // Outside the Basic Multilingual Plane; the first missing character is the one named.
        let e = generate("𠀀龘", "公章", Shape::Round, 42, 42, BUILTIN_FONT).unwrap_err();
        assert!(e.to_string().contains("'𠀀' (U+20000)"), "{e}");
        let e = generate("广州市数据局", "龘章", Shape::Oval, 40, 30, BUILTIN_FONT).unwrap_err();
        assert!(matches!(e, PictureError::MissingGlyph('龘')), "{e:?}");
        // A space is a gap, not an error.
        assert!(generate("广州 数据局", "公章", Shape::Round, 42, 42, BUILTIN_FONT).is_ok());
    }

    /// The built-in font holds what its README says: exactly the 6,763 GB 2312 hanzi among
    /// the CJK Unified Ideographs, the punctuation of seal names, and the seal type names.
    #[test]
    fn builtin_font_covers_gb2312_and_seal_punctuation() {
        let face = ttf_parser::Face::parse(BUILTIN_FONT, 0).unwrap();
        let has = |c: char| glyph_of(&face, c).is_ok();
        let hanzi = ('\u{4E00}'..='\u{9FFF}').filter(|&c| has(c)).count();
        assert_eq!(hanzi, 6763);
        for c in "·（）《》、—★“”０９ＡＺAz09-&.,".chars() {
            assert!(has(c), "{c} (U+{:04X})", u32::from(c));
        }
        for t in crate::seal::types::builtin() {
            for c in t.name.chars() {
                assert!(has(c), "{c} in {}", t.name);
            }
        }
        assert!(!has('龘') && !has('𠀀') && !has('한'));
    }

    #[test]
    fn round_oval_and_square_seals() {
        let font = BUILTIN_FONT;
        let round = generate("广州市数据局", "合同专用章", Shape::Round, 42, 42, font).unwrap();
        let p = Pixmap::decode_png(&round).unwrap();
        assert_eq!((p.width(), p.height()), (504, 504));
        let f = red_fraction(&round);
        assert!((0.05..0.5).contains(&f), "red fraction {f}");
        // The centre (the star) is red, a corner is transparent.
        assert!(p.pixel(252, 252).unwrap().alpha() > 128);
        assert_eq!(p.pixel(3, 3).unwrap().alpha(), 0);
        let oval = generate("某某有限公司", "财务专用章", Shape::Oval, 40, 30, font).unwrap();
        let p = Pixmap::decode_png(&oval).unwrap();
        assert_eq!((p.width(), p.height()), (480, 360));
        assert!(red_fraction(&oval) > 0.05);
        // The type runs across the middle of an oval.
        assert!(ink_around(&p, 240.0, 180.0 + 170.0 * 0.18, 20.0) > 100);
        let square = generate("张三之印", "", Shape::Square, 20, 20, font).unwrap();
        assert!(red_fraction(&square) > 0.1);
        // Each of the four characters of a name seal is drawn in its quarter.
        let p = Pixmap::decode_png(&square).unwrap();
        let q = (240.0 / 2.0 - 7.2 - 1.0 - 14.4) / 2.0;
        for (x, y) in [(1.0, -1.0), (1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)] {
            let ink = ink_around(&p, 120.0 + x * q, 120.0 + y * q, q * 0.4);
            assert!(ink > 50, "quarter ({x}, {y}): {ink}");
        }
        // Different names draw differently.
        assert_ne!(
            round,
            generate("深圳市数据局", "合同专用章", Shape::Round, 42, 42, font).unwrap()
        );
        assert!(matches!(
            generate("", "x", Shape::Round, 42, 42, font),
            Err(PictureError::Invalid(_))
        ));
        assert!(matches!(
            generate("广州", "公章", Shape::Round, 42, 42, b"junk"),
            Err(PictureError::Font(_))
        ));
        if let Ok(dir) = std::env::var("YINXIN_PICTURE_OUT") {
            std::fs::write(format!("{dir}/round.png"), &round).unwrap();
            std::fs::write(format!("{dir}/oval.png"), &oval).unwrap();
            std::fs::write(format!("{dir}/square.png"), &square).unwrap();
        }
    }
}

#[cfg(test)]
mod png_tests {
    use super::tests::red_fraction;
    use super::*;

    #[test]
    fn the_picture_is_one_red_at_sixteen_levels_and_small() {
        let drawn = render(
            "吉林省市场监督管理局",
            "电子证照专用章",
            Shape::Round,
            42,
            42,
            BUILTIN_FONT,
        )
        .unwrap();
        let png = one_colour_png(&drawn).unwrap();
        // The file: 4-bit indexed, every palette entry seal red, alphas 0, 17, … 255.
        let reader = png::Decoder::new(std::io::Cursor::new(&png[..]))
            .read_info()
            .unwrap();
        let info = reader.info();
        assert_eq!(info.color_type, png::ColorType::Indexed);
        assert_eq!(info.bit_depth, png::BitDepth::Four);
        let palette = info.palette.as_deref().unwrap();
        assert!(palette.chunks(3).all(|c| c == [RED.0, RED.1, RED.2]));
        let trns = info.trns.as_deref().unwrap();
        assert_eq!(trns, (0..16).map(|l| l * 17).collect::<Vec<u8>>());
        // The picture: transparent, fully inked and the anti-aliased steps between.
        let p = Pixmap::decode_png(&png).unwrap();
        let levels: std::collections::BTreeSet<u8> =
            p.pixels().iter().map(|px| px.alpha()).collect();
        assert!(red_fraction(&png) > 0.05, "{}", red_fraction(&png));
        // Transparent, fully inked and the anti-aliased steps between, each a multiple of 17.
        assert!(levels.contains(&0) && levels.contains(&255), "{levels:?}");
        assert!(levels.len() > 8, "edges keep their steps: {levels:?}");
        assert!(levels.iter().all(|a| a % 17 == 0), "{levels:?}");
        // Each pixel's coverage is the drawn one rounded to the nearest of the 16 levels.
        for (a, b) in drawn.pixels().iter().zip(p.pixels()) {
            assert!(a.alpha().abs_diff(b.alpha()) <= 8, "{a:?} {b:?}");
        }
        // The drawing as 32-bit RGBA is more than twice the size.
        let rgba = drawn.encode_png().unwrap();
        assert!(
            png.len() * 2 < rgba.len(),
            "{} vs {}",
            png.len(),
            rgba.len()
        );
        assert!(png.len() < 24 * 1024, "{} bytes", png.len());
    }
}
