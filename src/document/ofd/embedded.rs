//! What a document carries beside its pages, read for the verifiers of documents with a meaning
//! of their own (an e-licence's metadata): the custom data of `OFD.xml` (`DocBody` → `DocInfo`
//! → `CustomDatas`, GB/T 33190 §7.4) and the attachments its document root lists
//! (`Document.xml` → `Attachments` → `Attachment` / `FileLoc`, §20), each resolved to the package
//! path a signature's References name.
//!
//! Strict, unlike the coverage reader: a part is found by its exact resolved path only (no
//! root-relative or case-insensitive tolerance), so that the file read is the very file a
//! Reference that names the same path protects. Bounded: at most three XML parts (`OFD.xml`,
//! the document root, the attachment list), each within the XML limits.
//!
//! Owns only this reading; must not judge what it reads (the caller does).

use super::xml::parse_xml;
use super::{OfdError, Package};

/// One attachment the document root lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    /// `Name`.
    pub name: String,
    /// `Format`.
    pub format: String,
    /// `FileLoc` resolved against the attachment list: the package path.
    pub path: String,
}

/// The custom data and the attachments of a package's documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embedded {
    /// How many `DocBody` elements `OFD.xml` has.
    pub documents: usize,
    /// The custom data of the first document (`Name`, text), in order.
    pub custom_data: Vec<(String, String)>,
    /// The attachments of the first document, in order.
    pub attachments: Vec<Attached>,
}

/// Read the custom data and the attachment list of the package's first document.
pub fn read_embedded(pkg: &Package) -> Result<Embedded, OfdError> {
    let ofd_bytes = pkg
        .get("OFD.xml")
        .ok_or_else(|| OfdError::MissingPart("OFD.xml".into()))?;
    let (ofd, _) = parse_xml("OFD.xml", ofd_bytes)?;
    let mut out = Embedded {
        documents: ofd.children_named("DocBody").count(),
        ..Embedded::default()
    };
    let Some(body) = ofd.child("DocBody") else {
        return Ok(out);
    };
    if let Some(list) = body.child("DocInfo").and_then(|i| i.child("CustomDatas")) {
        for c in list.children_named("CustomData") {
            let name = c.attr("Name").unwrap_or_default().to_string();
            out.custom_data.push((name, c.text.clone()));
        }
    }
    let Some(root) = body
        .child_text("DocRoot")
        .and_then(|l| pkg.resolve("OFD.xml", &l))
        .filter(|p| pkg.get(p).is_some())
    else {
        return Ok(out);
    };
    let (doc, _) = parse_xml(&root, pkg.get(&root).unwrap_or_default())?;
    let Some(list_path) = doc
        .child_text("Attachments")
        .and_then(|l| pkg.resolve(&root, &l))
    else {
        return Ok(out);
    };
    let list_bytes = pkg
        .get(&list_path)
        .ok_or_else(|| OfdError::MissingPart(list_path.clone()))?;
    let (list, _) = parse_xml(&list_path, list_bytes)?;
    for a in list.children_named("Attachment") {
        let Some(path) = a
            .child_text("FileLoc")
            .and_then(|l| pkg.resolve(&list_path, &l))
        else {
            continue;
        };
        out.attachments.push(Attached {
            name: a.attr("Name").unwrap_or_default().to_string(),
            format: a.attr("Format").unwrap_or_default().to_string(),
            path,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::ofd_write::{Item, NewAttachment, NewDocument, NewPage, write_ofd_at};

    #[test]
    fn custom_data_and_attachments_read_back() {
        let doc = NewDocument {
            pages: vec![NewPage {
                width_mm: 100.0,
                height_mm: 100.0,
                items: vec![Item::Line {
                    from: (1.0, 1.0),
                    to: (2.0, 2.0),
                    width_mm: 0.1,
                }],
            }],
            custom_data: vec![
                ("ZZBS".into(), "1.2.3".into()),
                ("KZ_X".into(), " a & <b> ".into()),
            ],
            attachments: vec![NewAttachment {
                name: "metadata".into(),
                format: "json".into(),
                file_name: "metadata.json".into(),
                visible: false,
                data: b"{}".to_vec(),
            }],
        };
        let bytes = write_ofd_at(&doc, 1_700_000_000).unwrap();
        let pkg = Package::from_bytes(&bytes).unwrap();
        let e = read_embedded(&pkg).unwrap();
        assert_eq!(e.documents, 1);
        assert_eq!(e.custom_data, doc.custom_data);
        assert_eq!(e.attachments.len(), 1);
        assert_eq!(e.attachments[0].name, "metadata");
        assert_eq!(e.attachments[0].format, "json");
        assert_eq!(pkg.get(&e.attachments[0].path), Some(&b"{}"[..]));
    }
}
