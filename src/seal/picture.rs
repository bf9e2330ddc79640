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
//! The font comes from `YINXIN_SEAL_FONT` or the usual system locations (Debian:
//! `fonts-wqy-microhei`, `fonts-noto-cjk`); without one, pictures must be uploaded.

use super::types::Shape;
use std::path::PathBuf;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// Pixels per millimetre.
pub const PX_PER_MM: f32 = 12.0;

/// Seal red.
const RED: (u8, u8, u8) = (0xE6, 0x00, 0x12);

/// Errors generating a picture.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// No CJK font.
    #[error(
        "no CJK font found: install fonts-wqy-microhei or fonts-noto-cjk, or set YINXIN_SEAL_FONT"
    )]
    NoFont,
    /// The font is unreadable.
    #[error("font: {0}")]
    Font(String),
    /// A character has no glyph in the font.
    #[error("the font has no glyph for '{0}'")]
    MissingGlyph(char),
    /// Text too long or size out of range.
    #[error("{0}")]
    Invalid(String),
    /// Rendering.
    #[error("rendering failed: {0}")]
    Render(String),
}

/// Where a CJK font is looked for.
pub fn find_font() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("YINXIN_SEAL_FONT")
        && !p.is_empty()
    {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
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
        let id = self
            .face
            .glyph_index(ch)
            .ok_or(PictureError::MissingGlyph(ch))?;
        let mut b = Outline(PathBuilder::new());
        if self.face.outline_glyph(id, &mut b).is_none() {
            return Ok(()); // a blank glyph (space)
        }
        let Some(path) = b.0.finish() else {
            return Ok(());
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

/// The standard picture of a seal of type `t` for `name`, with the system's CJK font.
pub fn for_type(name: &str, t: &super::types::SealType) -> Result<Vec<u8>, PictureError> {
    let path = find_font().ok_or(PictureError::NoFont)?;
    let font =
        std::fs::read(&path).map_err(|e| PictureError::Font(format!("{}: {e}", path.display())))?;
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
    c.pixmap
        .encode_png()
        .map_err(|e| PictureError::Render(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Option<Vec<u8>> {
        find_font().and_then(|p| std::fs::read(p).ok())
    }

    fn red_fraction(png: &[u8]) -> f32 {
        let p = Pixmap::decode_png(png).unwrap();
        let red = p
            .pixels()
            .iter()
            .filter(|c| c.alpha() > 128 && c.red() > 150 && c.green() < 80)
            .count();
        red as f32 / p.pixels().len() as f32
    }

    #[test]
    fn round_oval_and_square_seals() {
        let Some(font) = font() else {
            println!("skipped: no CJK font (install fonts-wqy-microhei)");
            return;
        };
        let round = generate("广州市数据局", "合同专用章", Shape::Round, 42, 42, &font).unwrap();
        let p = Pixmap::decode_png(&round).unwrap();
        assert_eq!((p.width(), p.height()), (504, 504));
        let f = red_fraction(&round);
        assert!((0.05..0.5).contains(&f), "red fraction {f}");
        // The centre (the star) is red, a corner is transparent.
        assert!(p.pixel(252, 252).unwrap().alpha() > 128);
        assert_eq!(p.pixel(3, 3).unwrap().alpha(), 0);
        let oval = generate("某某有限公司", "财务专用章", Shape::Oval, 40, 30, &font).unwrap();
        assert_eq!(Pixmap::decode_png(&oval).unwrap().width(), 480);
        assert!(red_fraction(&oval) > 0.05);
        let square = generate("张三之印", "", Shape::Square, 20, 20, &font).unwrap();
        assert!(red_fraction(&square) > 0.1);
        // Different names draw differently.
        assert_ne!(
            round,
            generate("深圳市数据局", "合同专用章", Shape::Round, 42, 42, &font).unwrap()
        );
        assert!(matches!(
            generate("", "x", Shape::Round, 42, 42, &font),
            Err(PictureError::Invalid(_))
        ));
        if let Ok(dir) = std::env::var("YINXIN_PICTURE_OUT") {
            std::fs::write(format!("{dir}/round.png"), &round).unwrap();
            std::fs::write(format!("{dir}/oval.png"), &oval).unwrap();
            std::fs::write(format!("{dir}/square.png"), &square).unwrap();
        }
    }
}
