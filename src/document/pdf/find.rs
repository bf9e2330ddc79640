//! Finding a keyword in a PDF's page text, for a seal centred on it: each page's content
//! streams (bounded like every stream read here) are walked with the text state — `cm`, `BT`,
//! `Tf`, `Tm`, `Td`, `TD`, `T*`, `TL` — and each string shown (`Tj`, `TJ`, `'`, `"`) is
//! decoded with its font's encoding (simple encodings, the predefined CJK CMaps lopdf knows,
//! `/ToUnicode`). Where the keyword starts in a string is estimated as the OFD writer lays text
//! out (half an em for ASCII, a full em for the rest): good for generated documents, an
//! estimate for others. A keyword split across two shown strings is not found; form XObjects
//! are not entered.

use lopdf::content::Content;
use lopdf::{Document, Object, ObjectId};

/// Millimetres per point.
const MM: f64 = 25.4 / 72.0;
/// Most operations read per page.
const MAX_OPERATIONS: usize = 1_000_000;

/// A 2-D affine matrix `[a b c d e f]`.
type M = [f64; 6];

fn mul(m: M, n: M) -> M {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: M, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn nums(ops: &[Object]) -> Vec<f64> {
    ops.iter().filter_map(num).collect()
}

/// The advance of `c` in ems, as laid out.
fn advance(c: char) -> f64 {
    if c.is_ascii() { 0.5 } else { 1.0 }
}

/// The page's content, its streams concatenated (each decoded within `bound`).
fn page_content(doc: &Document, page: ObjectId, bound: usize) -> Option<Vec<u8>> {
    let dict = doc.get_dictionary(page).ok()?;
    let refs: Vec<Object> = match dict.get(b"Contents").ok()? {
        Object::Array(a) => a.clone(),
        o => vec![o.clone()],
    };
    let mut out = Vec::new();
    for r in refs.iter().take(64) {
        let (_, o) = doc.dereference(r).ok()?;
        let s = o.as_stream().ok()?;
        let bytes = s
            .decompressed_content_with_limit(bound)
            .ok()
            .or_else(|| s.filters().is_err().then(|| s.content.clone()))?;
        out.extend_from_slice(&bytes);
        out.push(b'\n');
        if out.len() > bound {
            return None;
        }
    }
    Some(out)
}

/// The page's `/MediaBox` left and top edges (points).
fn media(doc: &Document, page: ObjectId) -> (f64, f64) {
    let mut id = page;
    for _ in 0..32 {
        let Ok(d) = doc.get_dictionary(id) else { break };
        if let Ok(Object::Array(a)) = d.get(b"MediaBox") {
            let v = nums(a);
            if let [x0, y0, x1, y1] = v[..] {
                return (x0.min(x1), y0.max(y1));
            }
        }
        match d.get(b"Parent").and_then(Object::as_reference) {
            Ok(p) => id = p,
            Err(_) => break,
        }
    }
    (0.0, 842.0)
}

/// The centre of the first occurrence of `keyword` in the pages' text, in order: the page index
/// and the centre in millimetres from the page's top-left corner.
pub fn keyword(doc: &Document, keyword: &str, bound: usize) -> Option<(usize, f64, f64)> {
    if keyword.is_empty() {
        return None;
    }
    for (index, page) in doc.get_pages().values().enumerate() {
        let Some(content) = page_content(doc, *page, bound) else {
            continue;
        };
        let Ok(content) = Content::decode(&content) else {
            continue;
        };
        let fonts = doc.get_page_fonts(*page).unwrap_or_default();
        let (left, top) = media(doc, *page);
        let mut ctm: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let mut saved: Vec<M> = Vec::new();
        let (mut tm, mut tlm): (M, M) = (
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        );
        let (mut size, mut leading) = (12.0f64, 0.0f64);
        let mut font: Option<Vec<u8>> = None;
        for op in content.operations.iter().take(MAX_OPERATIONS) {
            let o = &op.operands;
            let mut shown: Option<Vec<u8>> = None;
            match op.operator.as_str() {
                "q" => saved.push(ctm),
                "Q" => ctm = saved.pop().unwrap_or(ctm),
                "cm" => {
                    if let [a, b, c, d, e, f] = nums(o)[..] {
                        ctm = mul([a, b, c, d, e, f], ctm);
                    }
                }
                "BT" => {
                    tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                    tlm = tm;
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(s)) = (o.first(), o.get(1).and_then(num)) {
                        font = Some(n.clone());
                        size = s;
                    }
                }
                "TL" => leading = o.first().and_then(num).unwrap_or(leading),
                "Tm" => {
                    if let [a, b, c, d, e, f] = nums(o)[..] {
                        tm = [a, b, c, d, e, f];
                        tlm = tm;
                    }
                }
                "Td" | "TD" => {
                    if let [tx, ty] = nums(o)[..] {
                        if op.operator == "TD" {
                            leading = -ty;
                        }
                        tlm = mul([1.0, 0.0, 0.0, 1.0, tx, ty], tlm);
                        tm = tlm;
                    }
                }
                "T*" => {
                    tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -leading], tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = o.first() {
                        shown = Some(s.clone());
                    }
                }
                "'" | "\"" => {
                    tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -leading], tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = o.last() {
                        shown = Some(s.clone());
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(a)) = o.first() {
                        let mut all = Vec::new();
                        for x in a {
                            if let Object::String(s, _) = x {
                                all.extend_from_slice(s);
                            }
                        }
                        shown = Some(all);
                    }
                }
                _ => {}
            }
            let Some(bytes) = shown else { continue };
            let text = font
                .as_ref()
                .and_then(|f| fonts.get(f))
                .and_then(|f| f.get_font_encoding(doc).ok())
                .and_then(|e| Document::decode_text(&e, &bytes).ok())
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            let chars: Vec<char> = text.chars().collect();
            let key: Vec<char> = keyword.chars().collect();
            let at = chars.windows(key.len()).position(|w| w == key.as_slice());
            let run: f64 = chars.iter().map(|c| advance(*c)).sum::<f64>() * size;
            if let Some(i) = at {
                let before: f64 = chars[..i].iter().map(|c| advance(*c)).sum();
                let width: f64 = key.iter().map(|c| advance(*c)).sum();
                let (x, y) = (size * (before + width / 2.0), size * 0.35);
                let (ux, uy) = apply(mul(tm, ctm), x, y);
                return Some((index, (ux - left) * MM, (top - uy).max(0.0) * MM));
            }
            // Move on along the line.
            tm = mul([1.0, 0.0, 0.0, 1.0, run, 0.0], tm);
        }
    }
    None
}
