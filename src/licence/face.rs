//! The licence's face as an OFD page: the title centred at the top, each printed field as its
//! label and value in its box (long values wrapped to the box's width and cut with `…` when
//! they would leave it), the QR code, the holder's photo for kinds that have one, and the
//! GB/T 36903 metadata embedded twice — as `CustomDatas` in `OFD.xml` and as the attachment
//! `metadata.json` (canonical JSON), both protected by the seal stamped afterwards.
//!
//! Conventions: boxes are millimetres from the page's top-left corner, font sizes points
//! (1 pt = 0.3528 mm); text is set in `宋体` by name (the reader substitutes a font, nothing is
//! embedded); character widths are the OFD writer's estimate ([`advance`]: full width for CJK,
//! half for ASCII). Dates print as `2026年12月5日`, a long-term end of validity as `长期`, an
//! amount with its unit (unless the label already names the unit, as in `注册资本（万元人民币）`).
//! A text never leaves its box: a box lower than one line, or narrower than one character
//! beside its label, is an error naming the field rather than a face printed wrong.
//!
//! Not drawn: the kind's background picture (`face.background`, a file next to the kind file:
//! none of the shipped kinds has one; the caller that can read it will add it) and the seal
//! (stamped into `face.seal` when the page is sealed). Photos must be PNG: a JPEG photo is
//! refused with [`FaceError::Photo`] (no JPEG decoder is linked; convert before issuing).
//!
//! Layout: this file lays out the page; `face/qr_png.rs` draws the QR code as a PNG.
//!
//! Owns the face's layout; imports the OFD writer (`document::ofd_write`) and canonical JSON
//! (`trust::list`); must not import HTTP, SQL or the store.

use super::fields::{FieldType, parse_date};
use super::kind::{FaceItem, LicenceKind, Rect};
use super::metadata::own_field;
use super::record::Licence;
use crate::document::ofd_write::{
    Item, NewAttachment, NewDocument, NewPage, OfdWriteError, advance, write_ofd_at,
};
use std::collections::BTreeMap;

mod qr_mask;
mod qr_png;
pub use qr_png::qr_png;

/// Millimetres per point.
pub const MM_PER_PT: f64 = 0.3528;
/// The font every text is set in (by name).
pub const FONT: &str = "宋体";
/// The title's size (points) when it fits.
pub const TITLE_PT: f64 = 22.0;
/// The title's top (mm from the top of the page) and the least side margin.
const MARGIN: f64 = 8.0;
/// Distance between two baselines, in font sizes.
pub const LINE_PITCH: f64 = 1.4;
/// Height of a printed line's box, in font sizes (as the OFD writer draws its boundary:
/// from one size above the baseline to a quarter below).
const LINE_BOX: f64 = 1.25;
/// Gap between a label and its value, in font sizes.
const LABEL_GAP: f64 = 0.5;
/// A value starts beside its label when at least this many full-width characters fit there;
/// else on the next line, under the label.
const MIN_BESIDE: f64 = 4.0;
/// The name of the metadata attachment.
pub const METADATA_FILE: &str = "metadata.json";
/// The largest photo printed (pixels per side).
pub const MAX_PHOTO_SIDE: u32 = 4096;
/// Slack for comparisons of millimetres.
const EPS: f64 = 1e-6;

/// Why a face cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The QR text cannot be drawn as a QR code.
    #[error("the QR code cannot be drawn: {0}")]
    Qr(String),
    /// The holder's photo is missing or cannot be printed.
    #[error("the photo ({field}) cannot be printed: {reason}")]
    Photo {
        /// The image field.
        field: String,
        /// Why.
        reason: String,
    },
    /// A face item does not fit its box (the kind's layout is wrong for its font size).
    #[error("face item {field}: {reason}")]
    Layout {
        /// The field printed.
        field: String,
        /// Why.
        reason: String,
    },
    /// Writing the OFD package failed.
    #[error(transparent)]
    Write(#[from] OfdWriteError),
}

/// Render the face of `licence` (of `kind`) as a one-page OFD package: `qr_text` is what the QR
/// carries (the signed URL), `metadata` the GB/T 36903 metadata (pictures only as their
/// `_SM3` digests), `now` the creation time (Unix seconds). Returns the package's bytes.
pub fn render(
    licence: &Licence,
    kind: &LicenceKind,
    qr_text: &str,
    metadata: &BTreeMap<String, String>,
    now: i64,
) -> Result<Vec<u8>, FaceError> {
    let doc = layout(licence, kind, qr_text, metadata)?;
    Ok(write_ofd_at(&doc, now)?)
}

/// [`render`] as a one-page PDF: the same layout ([`crate::document::pdf::write_pdf`]: text in
/// the readers' STSong-Light, the metadata as the embedded file `metadata.json` and in the
/// document information dictionary).
pub fn render_pdf(
    licence: &Licence,
    kind: &LicenceKind,
    qr_text: &str,
    metadata: &BTreeMap<String, String>,
    now: i64,
) -> Result<Vec<u8>, FaceError> {
    let doc = layout(licence, kind, qr_text, metadata)?;
    crate::document::pdf::write_pdf(&doc, now).map_err(|e| FaceError::Layout {
        field: "-".into(),
        reason: e.to_string(),
    })
}

/// The face laid out: the page and its items, the metadata as custom data and attachment.
fn layout(
    licence: &Licence,
    kind: &LicenceKind,
    qr_text: &str,
    metadata: &BTreeMap<String, String>,
) -> Result<NewDocument, FaceError> {
    let face = &kind.face;
    let mut items = Vec::new();
    title(kind, &mut items);
    for item in &face.items {
        let value = printed_value(licence, kind, item);
        lay_out(item, value.as_deref(), &mut items)?;
    }
    if let Some(p) = &face.photo {
        match licence.values.images.get(&p.field) {
            Some(img) => items.push(photo(p, img)?),
            None if kind.field(&p.field).is_some_and(|f| f.required) => {
                return Err(FaceError::Photo {
                    field: p.field.clone(),
                    reason: "required, and not given".into(),
                });
            }
            None => {}
        }
    }
    let png = qr_png::qr_png(qr_text)?;
    let (x, y, side) = square_in(&face.qr);
    items.push(Item::Image {
        x_mm: x,
        y_mm: y,
        w_mm: side,
        h_mm: side,
        png,
    });
    let doc = NewDocument {
        pages: vec![NewPage {
            width_mm: face.width,
            height_mm: face.height,
            items,
        }],
        custom_data: metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        attachments: vec![NewAttachment {
            name: "metadata".into(),
            format: "json".into(),
            file_name: METADATA_FILE.into(),
            visible: false,
            data: crate::trust::list::canonical_json(metadata),
        }],
    };
    Ok(doc)
}

/// Width of `text` at size `s` (mm).
fn width(text: &str, s: f64) -> f64 {
    text.chars().map(|c| advance(c, s)).sum()
}

fn text(x: f64, baseline: f64, s: f64, t: String) -> Item {
    Item::Text {
        x_mm: x,
        y_mm: baseline,
        size_mm: s,
        text: t,
        font_name: FONT.into(),
    }
}

/// The largest square centred in `r`: (left, top, side).
fn square_in(r: &Rect) -> (f64, f64, f64) {
    let side = r.w.min(r.h);
    (r.x + (r.w - side) / 2.0, r.y + (r.h - side) / 2.0, side)
}

/// `2026-12-05` → `2026年12月5日`; anything else as given (e.g. `长期`).
pub fn chinese_date(value: &str) -> String {
    match parse_date(value) {
        Some(d) => format!("{}年{}月{}日", d.year(), d.month() as u8, d.day()),
        None => value.to_string(),
    }
}

/// The text printed for a face item's field, or `None` when it has no value.
fn printed_value(licence: &Licence, kind: &LicenceKind, item: &FaceItem) -> Option<String> {
    let raw = own_field(licence, &item.field).filter(|v| !v.trim().is_empty())?;
    let field = kind.field(&item.field);
    let is_date = matches!(
        item.field.as_str(),
        "issue_date" | "valid_from" | "valid_to"
    ) || field.is_some_and(|f| f.kind == FieldType::Date);
    if is_date {
        return Some(chinese_date(&raw));
    }
    if let Some(f) = field
        && f.kind == FieldType::Money
        && let Some(unit) = &f.unit
        && !item
            .label
            .as_deref()
            .is_some_and(|l| l.contains(unit.as_str()))
    {
        return Some(format!("{raw}{unit}"));
    }
    Some(raw)
}

/// The title, centred at the top: the kind's size, or smaller when the page is too narrow or
/// a box below it comes too close.
fn title(kind: &LicenceKind, out: &mut Vec<Item>) {
    let face = &kind.face;
    let t = face.title.clone().unwrap_or_else(|| kind.name.zh.clone());
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.trim().is_empty() {
        return;
    }
    let mut s = TITLE_PT * MM_PER_PT;
    let room = face.width - 2.0 * MARGIN;
    if width(&t, s) > room {
        s *= room / width(&t, s);
    }
    // The first box under the title's span limits its height.
    let boxes: Vec<&Rect> = face
        .items
        .iter()
        .map(|i| &i.at)
        .chain(face.photo.iter().map(|p| &p.at))
        .chain([&face.qr, &face.seal])
        .collect();
    let w = width(&t, s);
    let (left, right) = ((face.width - w) / 2.0, (face.width + w) / 2.0);
    let below = boxes
        .iter()
        .filter(|r| r.x < right && r.x + r.w > left && r.y + EPS >= MARGIN)
        .map(|r| r.y)
        .fold(face.height, f64::min);
    if (below - MARGIN) < s * LINE_BOX {
        s = ((below - MARGIN) / LINE_BOX).max(4.0 * MM_PER_PT);
    }
    let w = width(&t, s);
    out.push(text((face.width - w) / 2.0, MARGIN + s, s, t));
}

/// Lines of `value` no wider than `room` at size `s`: paragraphs at line feeds, then greedy
/// breaks (anywhere: CJK text has no spaces; a space at a break is dropped).
fn wrap(value: &str, room: f64, s: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for para in value.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let a = advance(c, s);
            if w + a > room + EPS && !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                w = 0.0;
                if c == ' ' {
                    continue;
                }
            }
            line.push(c);
            w += a;
        }
        lines.push(line.trim_end().to_string());
    }
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// At most `max` lines: when there are more, the last one kept ends with `…` (within `room`).
fn cut(mut lines: Vec<String>, max: usize, room: f64, s: f64) -> Vec<String> {
    if lines.len() <= max {
        return lines;
    }
    lines.truncate(max);
    if let Some(last) = lines.last_mut() {
        let ell = advance('…', s);
        while !last.is_empty() && width(last, s) + ell > room + EPS {
            last.pop();
        }
        let trimmed = last.trim_end().len();
        last.truncate(trimmed);
        last.push('…');
    }
    lines
}

/// A field's label and value in its box.
fn lay_out(item: &FaceItem, value: Option<&str>, out: &mut Vec<Item>) -> Result<(), FaceError> {
    let bad = |reason: String| FaceError::Layout {
        field: item.field.clone(),
        reason,
    };
    let r = &item.at;
    let s = item.size * MM_PER_PT;
    let pitch = s * LINE_PITCH;
    if r.h + EPS < s * LINE_BOX {
        return Err(bad(format!(
            "the box ({} mm high) is lower than one line at {} pt",
            r.h, item.size
        )));
    }
    let lines_in_box = ((r.h - s * LINE_BOX) / pitch + EPS).floor() as usize + 1;
    let baseline = |line: usize| r.y + s + line as f64 * pitch;
    let (mut x, mut room, mut first) = (r.x, r.w, 0usize);
    if let Some(label) = item.label.as_deref().filter(|l| !l.trim().is_empty()) {
        let label: String = label.chars().filter(|c| !c.is_control()).collect();
        let lw = width(&label, s);
        if lw > r.w + EPS {
            return Err(bad(format!(
                "the label is wider ({lw:.1} mm) than its box ({} mm)",
                r.w
            )));
        }
        out.push(text(r.x, baseline(0), s, label));
        let indent = lw + LABEL_GAP * s;
        if r.w - indent + EPS >= MIN_BESIDE * s {
            (x, room) = (r.x + indent, r.w - indent);
        } else {
            first = 1;
        }
    }
    let Some(value) = value else {
        return Ok(());
    };
    if room + EPS < s {
        return Err(bad(format!(
            "the box ({} mm wide) is narrower than one character at {} pt",
            r.w, item.size
        )));
    }
    if first >= lines_in_box {
        return Err(bad(
            "no room for the value: beside the label is too narrow and the box has one line".into(),
        ));
    }
    let lines = cut(wrap(value, room, s), lines_in_box - first, room, s);
    for (i, line) in lines.into_iter().enumerate() {
        if !line.is_empty() {
            out.push(text(x, baseline(first + i), s, line));
        }
    }
    Ok(())
}

/// The holder's photo, scaled to fit its box (aspect kept) and centred in it. PNG only.
fn photo(p: &FaceItem, img: &[u8]) -> Result<Item, FaceError> {
    let bad = |reason: &str| FaceError::Photo {
        field: p.field.clone(),
        reason: reason.to_string(),
    };
    if img.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(bad(
            "it is a JPEG: only PNG photos are printed on the face; convert it to PNG",
        ));
    }
    if !img.starts_with(b"\x89PNG\r\n\x1a\n") || img.len() < 24 || &img[12..16] != b"IHDR" {
        return Err(bad("not a PNG picture"));
    }
    let dim = |at: usize| u32::from_be_bytes([img[at], img[at + 1], img[at + 2], img[at + 3]]);
    let (w, h) = (dim(16), dim(20));
    if w == 0 || h == 0 || w > MAX_PHOTO_SIDE || h > MAX_PHOTO_SIDE {
        return Err(bad(&format!(
            "{w}×{h} pixels (1 to {MAX_PHOTO_SIDE} a side)"
        )));
    }
    // The whole picture must decode, or the face would show a broken image.
    tiny_skia::Pixmap::decode_png(img)
        .map_err(|e| bad(&format!("the PNG does not decode: {e}")))?;
    let r = &p.at;
    let scale = (r.w / f64::from(w)).min(r.h / f64::from(h));
    let (iw, ih) = (f64::from(w) * scale, f64::from(h) * scale);
    Ok(Item::Image {
        x_mm: r.x + (r.w - iw) / 2.0,
        y_mm: r.y + (r.h - ih) / 2.0,
        w_mm: iw,
        h_mm: ih,
        png: img.to_vec(),
    })
}

#[cfg(test)]
mod tests;
