//! Writing a new document: the model ([`NewDocument`], [`NewPage`], [`Item`]) and
//! [`write_ofd`], which lays it out as an OFD 1.0 package.
//!
//! Owns document layout; must not import placement, sealing or signing.

use super::attach::{self, NewAttachment};
use super::zip::write_zip;
use super::{OfdWriteError, PROVIDER};
use crate::document::xml::{esc, num, open_part};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A document to write.
#[derive(Clone, Debug, Default)]
pub struct NewDocument {
    /// Pages, in order (at least one).
    pub pages: Vec<NewPage>,
    /// Custom data (`OFD.xml` → `DocInfo` → `CustomDatas`): name, value; in this order.
    pub custom_data: Vec<(String, String)>,
    /// Attachments (`Doc_0/Attachs/`).
    pub attachments: Vec<NewAttachment>,
}

/// One page: size and content. Coordinates are millimetres from the page's top-left corner.
#[derive(Clone, Debug)]
pub struct NewPage {
    /// Width (mm).
    pub width_mm: f64,
    /// Height (mm).
    pub height_mm: f64,
    /// Content, drawn in order.
    pub items: Vec<Item>,
}

/// Something drawn on a page.
#[derive(Clone, Debug)]
pub enum Item {
    /// A line of text. `(x_mm, y_mm)` is the start of its baseline.
    Text {
        /// Left (mm).
        x_mm: f64,
        /// Baseline (mm from the top).
        y_mm: f64,
        /// Font size (mm).
        size_mm: f64,
        /// The text (one line).
        text: String,
        /// Font, by name (`SimSun`, `宋体`, `KaiTi` …): declared in `PublicRes.xml`, not
        /// embedded; the reader substitutes a font of that name.
        font_name: String,
    },
    /// A PNG image in the box `(x_mm, y_mm, w_mm, h_mm)`.
    Image {
        /// Left (mm).
        x_mm: f64,
        /// Top (mm).
        y_mm: f64,
        /// Width (mm).
        w_mm: f64,
        /// Height (mm).
        h_mm: f64,
        /// The PNG bytes.
        png: Vec<u8>,
    },
    /// A straight black line.
    Line {
        /// Start `(x, y)` (mm).
        from: (f64, f64),
        /// End `(x, y)` (mm).
        to: (f64, f64),
        /// Line width (mm).
        width_mm: f64,
    },
}

/// Advance of one character at `size` (estimated): full width for CJK and other wide
/// characters, half for ASCII and other narrow ones.
pub fn advance(c: char, size: f64) -> f64 {
    if (c as u32) < 0x1100 {
        size * 0.5
    } else {
        size
    }
}

fn check_finite(what: &str, values: &[f64]) -> Result<(), OfdWriteError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(OfdWriteError::Invalid(format!(
            "{what}: a coordinate is not a finite number"
        )))
    }
}

fn check_positive(what: &str, values: &[f64]) -> Result<(), OfdWriteError> {
    check_finite(what, values)?;
    if values.iter().all(|v| *v > 0.0) {
        Ok(())
    } else {
        Err(OfdWriteError::Invalid(format!(
            "{what}: sizes must be greater than 0"
        )))
    }
}

/// A resource list part (`PublicRes.xml`, `DocumentRes.xml`): `entries` in an `ofd:{list}`
/// element, left out when there are none.
fn res_part(list: &str, entries: &[String]) -> Vec<u8> {
    let mut x = open_part("Res", " BaseLoc=\"Res\"");
    if !entries.is_empty() {
        let _ = write!(x, "<ofd:{list}>{}</ofd:{list}>", entries.concat());
    }
    x.push_str("</ofd:Res>");
    x.into_bytes()
}

/// Write `doc` as an OFD 1.0 package (zip bytes).
pub fn write_ofd(doc: &NewDocument) -> Result<Vec<u8>, OfdWriteError> {
    write_ofd_at(doc, crate::clock::now_secs())
}

/// [`write_ofd`] with the creation time given (Unix seconds).
pub fn write_ofd_at(doc: &NewDocument, now: i64) -> Result<Vec<u8>, OfdWriteError> {
    if doc.pages.is_empty() {
        return Err(OfdWriteError::Invalid(
            "a document needs at least one page".into(),
        ));
    }
    attach::check(&doc.custom_data, &doc.attachments)?;
    let mut next_id: u64 = 0;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // Fonts (by name, first use order) and images.
    let mut fonts: Vec<(String, u64)> = Vec::new();
    let mut media: Vec<(u64, String)> = Vec::new();
    // Allocate resource ids first.
    let mut page_bodies = Vec::with_capacity(doc.pages.len());
    let mut item_res: Vec<Vec<u64>> = Vec::new();
    for (pi, page) in doc.pages.iter().enumerate() {
        check_positive(&format!("page {pi}"), &[page.width_mm, page.height_mm])?;
        let mut res = Vec::with_capacity(page.items.len());
        for (ii, item) in page.items.iter().enumerate() {
            let what = format!("page {pi} item {ii}");
            match item {
                Item::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    font_name,
                } => {
                    check_finite(&what, &[*x_mm, *y_mm])?;
                    check_positive(&what, &[*size_mm])?;
                    if font_name.trim().is_empty() || font_name.chars().any(char::is_control) {
                        return Err(OfdWriteError::Invalid(format!("{what}: bad font name")));
                    }
                    if text.chars().any(char::is_control) {
                        return Err(OfdWriteError::Invalid(format!(
                            "{what}: control characters in the text (one line only)"
                        )));
                    }
                    let fid = match fonts.iter().find(|(n, _)| n == font_name) {
                        Some((_, fid)) => *fid,
                        None => {
                            let fid = id();
                            fonts.push((font_name.clone(), fid));
                            fid
                        }
                    };
                    res.push(fid);
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    png,
                } => {
                    check_finite(&what, &[*x_mm, *y_mm])?;
                    check_positive(&what, &[*w_mm, *h_mm])?;
                    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
                        return Err(OfdWriteError::Invalid(format!("{what}: not a PNG image")));
                    }
                    let mid = id();
                    let file = format!("Image_{mid}.png");
                    files.insert(format!("Doc_0/Res/{file}"), png.clone());
                    media.push((mid, file));
                    res.push(mid);
                }
                Item::Line { from, to, width_mm } => {
                    check_finite(&what, &[from.0, from.1, to.0, to.1])?;
                    check_positive(&what, &[*width_mm])?;
                    res.push(0);
                }
            }
        }
        item_res.push(res);
    }
    let page_ids: Vec<u64> = doc.pages.iter().map(|_| id()).collect();
    for (pi, page) in doc.pages.iter().enumerate() {
        let mut body = String::new();
        let layer_id = id();
        let _ = write!(body, "<ofd:Layer ID=\"{layer_id}\">");
        for (ii, item) in page.items.iter().enumerate() {
            let res = item_res[pi][ii];
            let oid = id();
            match item {
                Item::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    ..
                } => {
                    let s = *size_mm;
                    let adv: Vec<f64> = text.chars().map(|c| advance(c, s)).collect();
                    let width: f64 = adv.iter().sum::<f64>().max(s);
                    let delta = if adv.len() > 1 {
                        let d: Vec<String> = adv[..adv.len() - 1].iter().map(|a| num(*a)).collect();
                        format!(" DeltaX=\"{}\"", d.join(" "))
                    } else {
                        String::new()
                    };
                    let _ = write!(
                        body,
                        "<ofd:TextObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" Font=\"{res}\" Size=\"{}\">\
                         <ofd:FillColor Value=\"0 0 0\"/>\
                         <ofd:TextCode X=\"0\" Y=\"{}\"{delta}>{}</ofd:TextCode></ofd:TextObject>",
                        num(*x_mm),
                        num(y_mm - s),
                        num(width),
                        num(s * 1.25),
                        num(s),
                        num(s),
                        esc(text)
                    );
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    ..
                } => {
                    let _ = write!(
                        body,
                        "<ofd:ImageObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" CTM=\"{} 0 0 {} 0 0\" ResourceID=\"{res}\"/>",
                        num(*x_mm),
                        num(*y_mm),
                        num(*w_mm),
                        num(*h_mm),
                        num(*w_mm),
                        num(*h_mm)
                    );
                }
                Item::Line { from, to, width_mm } => {
                    let w = *width_mm;
                    let bx = from.0.min(to.0) - w;
                    let by = from.1.min(to.1) - w;
                    let bw = (from.0 - to.0).abs() + 2.0 * w;
                    let bh = (from.1 - to.1).abs() + 2.0 * w;
                    let _ = write!(
                        body,
                        "<ofd:PathObject ID=\"{oid}\" Boundary=\"{} {} {} {}\" LineWidth=\"{}\" Stroke=\"true\" Fill=\"false\">\
                         <ofd:StrokeColor Value=\"0 0 0\"/>\
                         <ofd:AbbreviatedData>M {} {} L {} {}</ofd:AbbreviatedData></ofd:PathObject>",
                        num(bx),
                        num(by),
                        num(bw),
                        num(bh),
                        num(w),
                        num(from.0 - bx),
                        num(from.1 - by),
                        num(to.0 - bx),
                        num(to.1 - by)
                    );
                }
            }
        }
        body.push_str("</ofd:Layer>");
        page_bodies.push(format!(
            "{}<ofd:Area><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:Area>\
             <ofd:Content>{body}</ofd:Content></ofd:Page>",
            open_part("Page", ""),
            num(page.width_mm),
            num(page.height_mm)
        ));
    }
    let attachments = attach::add_attachments(&doc.attachments, now, &mut id, &mut files);
    let max_id = next_id;
    for (pi, body) in page_bodies.into_iter().enumerate() {
        files.insert(
            format!("Doc_0/Pages/Page_{pi}/Content.xml"),
            body.into_bytes(),
        );
    }
    // PublicRes.xml: fonts.
    let font_entries: Vec<String> = fonts
        .iter()
        .map(|(name, fid)| {
            let n = esc(name);
            format!("<ofd:Font ID=\"{fid}\" FontName=\"{n}\" FamilyName=\"{n}\"/>")
        })
        .collect();
    files.insert(
        "Doc_0/PublicRes.xml".into(),
        res_part("Fonts", &font_entries),
    );
    // DocumentRes.xml: images.
    let media_entries: Vec<String> = media
        .iter()
        .map(|(mid, file)| {
            format!(
                "<ofd:MultiMedia ID=\"{mid}\" Type=\"Image\" Format=\"PNG\"><ofd:MediaFile>{file}</ofd:MediaFile></ofd:MultiMedia>"
            )
        })
        .collect();
    files.insert(
        "Doc_0/DocumentRes.xml".into(),
        res_part("MultiMedias", &media_entries),
    );
    // Document.xml.
    let first = &doc.pages[0];
    let mut document = format!(
        "{}<ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>\
         <ofd:PageArea><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea>\
         <ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>\
         </ofd:CommonData><ofd:Pages>",
        open_part("Document", ""),
        num(first.width_mm),
        num(first.height_mm)
    );
    for (pi, pid) in page_ids.iter().enumerate() {
        let _ = write!(
            document,
            "<ofd:Page ID=\"{pid}\" BaseLoc=\"Pages/Page_{pi}/Content.xml\"/>"
        );
    }
    document.push_str("</ofd:Pages>");
    document.push_str(&attachments);
    document.push_str("</ofd:Document>");
    files.insert("Doc_0/Document.xml".into(), document.into_bytes());
    // OFD.xml.
    let mut rnd = [0u8; 16];
    crate::crypto::random_bytes(&mut rnd).map_err(|e| OfdWriteError::Invalid(e.to_string()))?;
    let date = time::OffsetDateTime::from_unix_timestamp(now)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN);
    let ofd_xml = format!(
        "{}<ofd:DocBody><ofd:DocInfo>\
         <ofd:DocID>{}</ofd:DocID><ofd:CreationDate>{:04}-{:02}-{:02}</ofd:CreationDate>\
         <ofd:Creator>{PROVIDER}</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion>{}</ofd:DocInfo>\
         <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        open_part("OFD", " DocType=\"OFD\" Version=\"1.0\""),
        hex::encode(rnd),
        date.year(),
        date.month() as u8,
        date.day(),
        env!("CARGO_PKG_VERSION"),
        attach::custom_datas_xml(&doc.custom_data)
    );
    files.insert("OFD.xml".into(), ofd_xml.into_bytes());
    Ok(write_zip(&files, now, std::io::Cursor::new(Vec::new()))?.into_inner())
}
