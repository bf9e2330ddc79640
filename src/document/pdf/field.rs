//! Placing a signature field by incremental update and filling its `/Contents`: shared by
//! signatures (`sign`) and document time-stamps (`timestamp`).
//!
//! [`place`] writes the signature dictionary (with `/ByteRange` and `/Contents` placeholders),
//! its widget on a page (invisible, or visible with an appearance stream), the page's
//! `/Annots` and the AcroForm's `/Fields` (`/SigFlags 3`), and saves the update; [`fill`]
//! patches the byte range in place, and writes what `make` returns for the signed bytes.

use super::PdfError;
use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};

/// The `/ByteRange` written before the offsets are known; patched in place, same length.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// A visible widget: a picture in a box on a page.
pub(super) struct Visible {
    /// Page index (0 = the first page).
    pub page: usize,
    /// The box's left edge, from the page's left, in millimetres.
    pub x_mm: f64,
    /// The box's top edge, from the page's top, in millimetres.
    pub y_mm: f64,
    /// The box's width in millimetres.
    pub w_mm: f64,
    /// The box's height in millimetres.
    pub h_mm: f64,
    /// The picture: an image XObject, drawn to fill the box.
    pub image: Stream,
    /// Its soft mask (transparency), when it has one.
    pub smask: Option<Stream>,
}

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The page's `/MediaBox` (inherited through `/Parent`), `[x0 y0 x1 y1]`.
fn media_box(doc: &Document, page: ObjectId) -> Option<[f64; 4]> {
    let mut id = page;
    for _ in 0..32 {
        let d = doc.get_dictionary(id).ok()?;
        if let Ok(mb) = d
            .get(b"MediaBox")
            .and_then(|m| doc.dereference(m))
            .map(|x| x.1)
            && let Ok(a) = mb.as_array()
        {
            let v: Vec<f64> = a
                .iter()
                .filter_map(|x| {
                    x.as_float()
                        .map(f64::from)
                        .ok()
                        .or(x.as_i64().ok().map(|i| i as f64))
                })
                .collect();
            if let [x0, y0, x1, y1] = v[..] {
                return Some([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]);
            }
        }
        id = d.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}

/// A placed, not yet filled, signature: the file with its update, where the update starts,
/// and the reserved `/Contents` size.
pub(super) struct Placed {
    out: Vec<u8>,
    prev_len: usize,
    reserve: usize,
}

/// A catalog change made in the same update (`/Perms` for a certification signature).
pub(super) type CatalogEdit<'a> = &'a dyn Fn(&mut Dictionary, ObjectId);

/// Clone `id` into the update (if not there yet) and return it, mutable.
pub(super) fn updated(
    inc: &mut IncrementalDocument,
    id: ObjectId,
) -> Result<&mut Object, PdfError> {
    inc.opt_clone_object_to_new_document(id)?;
    Ok(inc.new_document.get_object_mut(id)?)
}

/// Append `item` to the array `key` of the dictionary `dict_id` (inline or referenced),
/// creating it when absent.
fn push_to_array(
    inc: &mut IncrementalDocument,
    dict_id: ObjectId,
    key: &[u8],
    item: Object,
) -> Result<(), PdfError> {
    let target = match updated(inc, dict_id)?.as_dict()?.get(key) {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    };
    match target {
        Some(array_id) => {
            let arr = updated(inc, array_id)?;
            arr.as_array_mut()?.push(item);
        }
        None => {
            let dict = updated(inc, dict_id)?.as_dict_mut()?;
            match dict.get_mut(key) {
                Ok(Object::Array(a)) => a.push(item),
                _ => dict.set(key, Object::Array(vec![item])),
            }
        }
    }
    Ok(())
}

/// The catalog's id.
pub(super) fn root_of(doc: &Document) -> Result<ObjectId, PdfError> {
    doc.trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| PdfError::Malformed("no catalog (/Root)".into()))
}

/// Read `pdf` for an update: refused when encrypted.
pub(super) fn load(pdf: &[u8]) -> Result<Document, PdfError> {
    let doc = super::limits::load(pdf)?;
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    Ok(doc)
}

/// Add the signature dictionary `v` (its `/ByteRange` and `/Contents` are set here) as the
/// value of a new signature field named `field_name` (or the next free name), with an
/// invisible widget on the first page or `visible`; `catalog` may edit the catalog too.
pub(super) fn place(
    pdf: &[u8],
    mut v: Dictionary,
    field_name: &str,
    reserve: usize,
    visible: Option<Visible>,
    catalog: Option<CatalogEdit<'_>>,
) -> Result<Placed, PdfError> {
    let doc = load(pdf)?;
    let root = root_of(&doc)?;
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let page_index = visible.as_ref().map_or(0, |v| v.page);
    let page = *pages.get(page_index).ok_or_else(|| {
        PdfError::Malformed(format!(
            "no page {} (the document has {})",
            page_index + 1,
            pages.len()
        ))
    })?;
    let field_name = free_name(&doc, field_name);
    let rect = match &visible {
        None => None,
        Some(vis) => {
            let [x0, y0, x1, y1] = media_box(&doc, page).unwrap_or([0.0, 0.0, 595.0, 842.0]);
            let (w, h) = (vis.w_mm * PT_PER_MM, vis.h_mm * PT_PER_MM);
            let left = x0 + vis.x_mm * PT_PER_MM;
            let top = y1 - vis.y_mm * PT_PER_MM;
            let fits = vis.x_mm.is_finite()
                && vis.y_mm.is_finite()
                && vis.x_mm >= 0.0
                && vis.y_mm >= 0.0
                && left + w <= x1 + 0.01
                && top - h >= y0 - 0.01;
            if !fits {
                return Err(PdfError::Placement(format!(
                    "a {:.0}×{:.0} mm seal at x={} mm, y={} mm is not inside page {} ({:.0}×{:.0} mm)",
                    vis.w_mm,
                    vis.h_mm,
                    vis.x_mm,
                    vis.y_mm,
                    page_index + 1,
                    (x1 - x0) / PT_PER_MM,
                    (y1 - y0) / PT_PER_MM
                )));
            }
            Some([left, top - h, left + w, top])
        }
    };
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), doc);

    v.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ]),
    );
    v.set(
        "Contents",
        Object::String(vec![0u8; reserve], StringFormat::Hexadecimal),
    );
    let sig_id = inc.new_document.add_object(Object::Dictionary(v));

    let mut w = Dictionary::new();
    w.set("Type", Object::Name(b"Annot".to_vec()));
    w.set("Subtype", Object::Name(b"Widget".to_vec()));
    w.set("FT", Object::Name(b"Sig".to_vec()));
    w.set(
        "T",
        Object::String(utf16_text(&field_name), StringFormat::Hexadecimal),
    );
    w.set("V", Object::Reference(sig_id));
    // Print | Locked.
    w.set("F", Object::Integer(132));
    w.set("P", Object::Reference(page));
    match visible {
        None => w.set(
            "Rect",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        ),
        Some(vis) => {
            let [x1, y1, x2, y2] = rect.unwrap_or_default();
            let r = |v: f64| Object::Real((v * 100.0).round() as f32 / 100.0);
            w.set("Rect", Object::Array(vec![r(x1), r(y1), r(x2), r(y2)]));
            let mut image = vis.image;
            if let Some(mask) = vis.smask {
                let id = inc.new_document.add_object(Object::Stream(mask));
                image.dict.set("SMask", Object::Reference(id));
            }
            let image_id = inc.new_document.add_object(Object::Stream(image));
            let mut xobjects = Dictionary::new();
            xobjects.set("Im0", Object::Reference(image_id));
            let mut res = Dictionary::new();
            res.set("XObject", Object::Dictionary(xobjects));
            let (bw, bh) = (x2 - x1, y2 - y1);
            let mut ap = Dictionary::new();
            ap.set("Type", Object::Name(b"XObject".to_vec()));
            ap.set("Subtype", Object::Name(b"Form".to_vec()));
            ap.set(
                "BBox",
                Object::Array(vec![0.into(), 0.into(), r(bw), r(bh)]),
            );
            ap.set("Resources", Object::Dictionary(res));
            let content = format!("q {bw:.2} 0 0 {bh:.2} 0 0 cm /Im0 Do Q\n").into_bytes();
            let ap_id = inc
                .new_document
                .add_object(Object::Stream(Stream::new(ap, content)));
            let mut apd = Dictionary::new();
            apd.set("N", Object::Reference(ap_id));
            w.set("AP", Object::Dictionary(apd));
        }
    }
    let widget_id = inc.new_document.add_object(Object::Dictionary(w));

    push_to_array(&mut inc, page, b"Annots", Object::Reference(widget_id))?;
    // The AcroForm: inline in the catalog or referenced; Fields gets the widget, SigFlags 3.
    let form = match updated(&mut inc, root)?.as_dict()?.get(b"AcroForm") {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    };
    let form_id = match form {
        Some(id) => id,
        None => {
            let inline = match updated(&mut inc, root)?.as_dict()?.get(b"AcroForm") {
                Ok(Object::Dictionary(d)) => d.clone(),
                _ => Dictionary::new(),
            };
            let id = inc.new_document.add_object(Object::Dictionary(inline));
            updated(&mut inc, root)?
                .as_dict_mut()?
                .set("AcroForm", Object::Reference(id));
            id
        }
    };
    push_to_array(&mut inc, form_id, b"Fields", Object::Reference(widget_id))?;
    updated(&mut inc, form_id)?
        .as_dict_mut()?
        .set("SigFlags", Object::Integer(3));
    if let Some(edit) = catalog {
        edit(updated(&mut inc, root)?.as_dict_mut()?, sig_id);
    }

    let mut out = Vec::with_capacity(pdf.len() + 2 * reserve + 4096);
    inc.save_to(&mut out)
        .map_err(|e| PdfError::Sign(format!("writing the update: {e}")))?;
    Ok(Placed {
        out,
        prev_len: pdf.len(),
        reserve,
    })
}

/// Patch the byte range, and write into `/Contents` what `make` returns given the two signed
/// byte ranges (before and after the hole).
pub(super) fn fill(
    placed: Placed,
    make: impl FnOnce(&[u8], &[u8]) -> Result<Vec<u8>, PdfError>,
) -> Result<Vec<u8>, PdfError> {
    let Placed {
        mut out,
        prev_len,
        reserve,
    } = placed;
    let mut hole = vec![b'<'];
    hole.extend(std::iter::repeat_n(b'0', 2 * reserve));
    hole.push(b'>');
    let start = find(&out[prev_len..], &hole)
        .map(|i| i + prev_len)
        .ok_or_else(|| PdfError::Sign("the /Contents placeholder was not written".into()))?;
    let end = start + hole.len();
    let p = BYTE_RANGE_PLACEHOLDER;
    let placeholder = format!("[0 {p} {p} {p}]");
    let at = find(&out[prev_len..], placeholder.as_bytes())
        .map(|i| i + prev_len)
        .ok_or_else(|| PdfError::Sign("the /ByteRange placeholder was not written".into()))?;
    let range = format!("[0 {start} {end} {}]", out.len() - end);
    let padded = format!("{range:<width$}", width = placeholder.len());
    out[at..at + placeholder.len()].copy_from_slice(padded.as_bytes());

    let contents = make(&out[..start], &out[end..])?;
    if contents.len() > reserve {
        return Err(PdfError::TooLarge(contents.len()));
    }
    let hex = hex::encode_upper(&contents);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// `wanted`, or `wanted` with the first free number after it when a top-level field has that
/// name (a second signature).
fn free_name(doc: &Document, wanted: &str) -> String {
    let names: Vec<String> = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|f| doc.dereference(f).ok())
        .and_then(|(_, f)| f.as_dict().ok())
        .and_then(|f| f.get(b"Fields").ok())
        .and_then(|f| doc.dereference(f).ok())
        .and_then(|(_, f)| f.as_array().ok())
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| doc.dereference(f).ok())
                .filter_map(|(_, f)| f.as_dict().ok())
                .filter_map(|f| f.get(b"T").ok())
                .map(super::verify::text)
                .collect()
        })
        .unwrap_or_default();
    let base = wanted.trim_end_matches(|c: char| c.is_ascii_digit());
    let mut name = wanted.to_string();
    let mut n = 2;
    while names.contains(&name) && n < 10_000 {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// A text string as PDF wants non-ASCII text: UTF-16BE with a byte order mark.
pub(super) fn utf16_text(s: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

/// A PDF date (`D:YYYYMMDDHHmmSS+00'00'`) of Unix seconds.
pub(super) fn pdf_date(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
