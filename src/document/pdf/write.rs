//! Writing a new PDF from the document model the OFD writer takes ([`NewDocument`]): the same
//! pages, in the same places — so a licence face is laid out once and printed as OFD or PDF.
//!
//! - Millimetres from the top-left become points from the bottom-left.
//! - Text is set in `STSong-Light` (Adobe-GB1, `UniGB-UTF16-H`), one of the CJK fonts every PDF
//!   reader supplies (as the OFD names `宋体` without embedding it): nothing is embedded, the
//!   reader substitutes (poppler through fontconfig, e.g. Noto CJK). ASCII advances half an em
//!   and the rest a full em, as the OFD writer estimates.
//! - PNG pictures become image XObjects (alpha as a soft mask); lines are stroked in black.
//! - Attachments are embedded files (the catalog's `/Names /EmbeddedFiles` and `/AF`), so a
//!   signature made afterwards covers them; custom data goes into the document information
//!   dictionary.

use super::PdfError;
use crate::document::ofd_write::{Item, NewDocument};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};
use std::fmt::Write as _;

/// Points per millimetre.
const PT: f64 = 72.0 / 25.4;

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

fn text_string(s: &str) -> Object {
    Object::String(super::field::utf16_text(s), StringFormat::Hexadecimal)
}

/// The CJK font every text is set in.
fn font(doc: &mut Document) -> lopdf::ObjectId {
    let mut info = Dictionary::new();
    info.set("Registry", Object::string_literal("Adobe"));
    info.set("Ordering", Object::string_literal("GB1"));
    info.set("Supplement", Object::Integer(4));
    let mut descriptor = Dictionary::new();
    descriptor.set("Type", name("FontDescriptor"));
    descriptor.set("FontName", name("STSong-Light"));
    descriptor.set("Flags", Object::Integer(6));
    descriptor.set(
        "FontBBox",
        Object::Array(vec![(-25).into(), (-254).into(), 1000.into(), 880.into()]),
    );
    descriptor.set("ItalicAngle", Object::Integer(0));
    descriptor.set("Ascent", Object::Integer(880));
    descriptor.set("Descent", Object::Integer(-120));
    descriptor.set("CapHeight", Object::Integer(880));
    descriptor.set("StemV", Object::Integer(93));
    let descriptor = doc.add_object(descriptor);
    let mut cid = Dictionary::new();
    cid.set("Type", name("Font"));
    cid.set("Subtype", name("CIDFontType0"));
    cid.set("BaseFont", name("STSong-Light"));
    cid.set("CIDSystemInfo", Object::Dictionary(info));
    cid.set("FontDescriptor", Object::Reference(descriptor));
    cid.set("DW", Object::Integer(1000));
    // CIDs 1–95 of Adobe-GB1 are the proportional Latin set: half an em, as laid out.
    cid.set("W", Object::Array(vec![1.into(), 95.into(), 500.into()]));
    let cid = doc.add_object(cid);
    let mut f = Dictionary::new();
    f.set("Type", name("Font"));
    f.set("Subtype", name("Type0"));
    f.set("BaseFont", name("STSong-Light-UniGB-UTF16-H"));
    f.set("Encoding", name("UniGB-UTF16-H"));
    f.set(
        "DescendantFonts",
        Object::Array(vec![Object::Reference(cid)]),
    );
    doc.add_object(f)
}

/// UTF-16BE hex of `s` (the font's encoding).
fn utf16_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 4);
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out
}

/// Write `new` as a PDF; `now` (Unix seconds) is its creation date.
pub fn write_pdf(new: &NewDocument, now: i64) -> Result<Vec<u8>, PdfError> {
    if new.pages.is_empty() {
        return Err(PdfError::Malformed("a document needs a page".into()));
    }
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = font(&mut doc);
    let mut kids = Vec::new();
    for page in &new.pages {
        let (w, h) = (page.width_mm * PT, page.height_mm * PT);
        let mut content = String::new();
        let mut xobjects = Dictionary::new();
        for item in &page.items {
            match item {
                Item::Text {
                    x_mm,
                    y_mm,
                    size_mm,
                    text,
                    ..
                } => {
                    let _ = writeln!(
                        content,
                        "BT /F1 {:.3} Tf 1 0 0 1 {:.3} {:.3} Tm <{}> Tj ET",
                        size_mm * PT,
                        x_mm * PT,
                        h - y_mm * PT,
                        utf16_hex(text)
                    );
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    png,
                } => {
                    let (image, mask) = super::image::png_streams(png)
                        .map_err(|e| PdfError::Malformed(format!("a picture: {e}")))?;
                    let mut image = image;
                    if let Some(m) = mask {
                        let id = doc.add_object(m);
                        image.dict.set("SMask", Object::Reference(id));
                    }
                    let id = doc.add_object(image);
                    let n = format!("Im{}", xobjects.len());
                    xobjects.set(n.as_bytes().to_vec(), Object::Reference(id));
                    let _ = writeln!(
                        content,
                        "q {:.3} 0 0 {:.3} {:.3} {:.3} cm /{n} Do Q",
                        w_mm * PT,
                        h_mm * PT,
                        x_mm * PT,
                        h - (y_mm + h_mm) * PT
                    );
                }
                Item::Line { from, to, width_mm } => {
                    let _ = writeln!(
                        content,
                        "q 0 G {:.3} w {:.3} {:.3} m {:.3} {:.3} l S Q",
                        width_mm * PT,
                        from.0 * PT,
                        h - from.1 * PT,
                        to.0 * PT,
                        h - to.1 * PT
                    );
                }
            }
        }
        let mut stream = Stream::new(Dictionary::new(), content.into_bytes());
        stream
            .compress()
            .map_err(|e| PdfError::Sign(format!("compressing a page: {e}")))?;
        let content_id = doc.add_object(stream);
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font));
        let mut resources = Dictionary::new();
        resources.set("Font", Object::Dictionary(fonts));
        if !xobjects.is_empty() {
            resources.set("XObject", Object::Dictionary(xobjects));
        }
        let mut p = Dictionary::new();
        p.set("Type", name("Page"));
        p.set("Parent", Object::Reference(pages_id));
        p.set(
            "MediaBox",
            Object::Array(vec![
                0.into(),
                0.into(),
                Object::Real(w as f32),
                Object::Real(h as f32),
            ]),
        );
        p.set("Contents", Object::Reference(content_id));
        p.set("Resources", Object::Dictionary(resources));
        kids.push(Object::Reference(doc.add_object(p)));
    }
    let mut pages = Dictionary::new();
    pages.set("Type", name("Pages"));
    pages.set("Count", Object::Integer(kids.len() as i64));
    pages.set("Kids", Object::Array(kids));
    doc.objects.insert(pages_id, Object::Dictionary(pages));

    let mut catalog = Dictionary::new();
    catalog.set("Type", name("Catalog"));
    catalog.set("Pages", Object::Reference(pages_id));
    if !new.attachments.is_empty() {
        let mut names = Vec::new();
        let mut af = Vec::new();
        for a in &new.attachments {
            let mut sd = Dictionary::new();
            sd.set("Type", name("EmbeddedFile"));
            sd.set(
                "Subtype",
                name(match a.format.as_str() {
                    "json" => "application#2Fjson",
                    _ => "application#2Foctet-stream",
                }),
            );
            let mut params = Dictionary::new();
            params.set("Size", Object::Integer(a.data.len() as i64));
            sd.set("Params", Object::Dictionary(params));
            let mut st = Stream::new(sd, a.data.clone());
            st.compress()
                .map_err(|e| PdfError::Sign(format!("compressing an attachment: {e}")))?;
            let file = doc.add_object(st);
            let mut ef = Dictionary::new();
            ef.set("F", Object::Reference(file));
            let mut spec = Dictionary::new();
            spec.set("Type", name("Filespec"));
            spec.set("F", Object::string_literal(a.file_name.as_str()));
            spec.set("UF", text_string(&a.file_name));
            spec.set("AFRelationship", name("Data"));
            spec.set("EF", Object::Dictionary(ef));
            let spec = doc.add_object(spec);
            names.push(Object::string_literal(a.file_name.as_str()));
            names.push(Object::Reference(spec));
            af.push(Object::Reference(spec));
        }
        let mut tree = Dictionary::new();
        tree.set("Names", Object::Array(names));
        let mut n = Dictionary::new();
        n.set("EmbeddedFiles", Object::Dictionary(tree));
        catalog.set("Names", Object::Dictionary(n));
        catalog.set("AF", Object::Array(af));
    }
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut info = Dictionary::new();
    info.set("Producer", Object::string_literal("yinxin"));
    info.set(
        "CreationDate",
        Object::string_literal(super::field::pdf_date(now)),
    );
    for (k, v) in &new.custom_data {
        // Information dictionary keys are names: the metadata keys are ASCII (GB/T 36903).
        if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            info.set(k.as_bytes().to_vec(), text_string(v));
        }
    }
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| PdfError::Sign(format!("writing the PDF: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::ofd_write::NewPage;

    #[test]
    fn pages_text_and_attachments_are_written_where_laid_out() {
        let new = NewDocument {
            pages: vec![NewPage {
                width_mm: 210.0,
                height_mm: 297.0,
                items: vec![
                    Item::Text {
                        x_mm: 20.0,
                        y_mm: 30.0,
                        size_mm: 5.0,
                        text: "营业执照 A1".into(),
                        font_name: "宋体".into(),
                    },
                    Item::Line {
                        from: (10.0, 10.0),
                        to: (200.0, 10.0),
                        width_mm: 0.5,
                    },
                ],
            }],
            custom_data: vec![(
                "ZZBS".into(),
                "1.2.156.3005.2.11100000000013338W.0001".into(),
            )],
            attachments: vec![crate::document::ofd_write::NewAttachment {
                name: "metadata".into(),
                format: "json".into(),
                file_name: "metadata.json".into(),
                visible: false,
                data: b"{\"ZZBS\":\"x\"}".to_vec(),
            }],
        };
        let pdf = write_pdf(&new, 1_780_000_000).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        let page = *doc.get_pages().get(&1).unwrap();
        let content = doc.get_page_content(page);
        let text = String::from_utf8_lossy(&content);
        // 营 = U+8425; x = 20 mm = 56.693 pt; baseline 30 mm from the top of 841.89 pt.
        assert!(text.contains("<8425"), "{text}");
        assert!(text.contains("56.693 756.850 Tm"), "{text}");
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        assert!(doc.get_dictionary(info).unwrap().get(b"ZZBS").is_ok());
        let names = doc
            .catalog()
            .unwrap()
            .get(b"Names")
            .unwrap()
            .as_dict()
            .unwrap();
        assert!(names.get(b"EmbeddedFiles").is_ok());
        // Empty documents are refused.
        assert!(write_pdf(&NewDocument::default(), 0).is_err());
    }
}
