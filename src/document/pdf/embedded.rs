//! What a PDF carries besides its pages: embedded files (the catalog's `/Names /EmbeddedFiles`
//! name tree) and the document information dictionary — where a licence face written as PDF
//! keeps its GB/T 36903 metadata (`metadata.json` and the same entries as information keys).
//! Bounded: a name tree of at most 8 levels and 10,000 entries, a file decoded within the
//! stream bound.

use super::PdfError;
use lopdf::{Document, Object};
use std::collections::BTreeMap;

/// The information dictionary's standard keys (ISO 32000 §14.3.3), not custom data.
const STANDARD_INFO: [&str; 9] = [
    "Title",
    "Author",
    "Subject",
    "Keywords",
    "Creator",
    "Producer",
    "CreationDate",
    "ModDate",
    "Trapped",
];

/// Visit every entry of the embedded files' name tree of `doc`: its name and its file
/// specification, in tree order.
fn entries(
    doc: &Document,
    mut visit: impl FnMut(String, &Object) -> Result<(), PdfError>,
) -> Result<(), PdfError> {
    let Ok(names) = doc
        .catalog()
        .and_then(|c| c.get(b"Names"))
        .and_then(|n| doc.dereference(n))
        .and_then(|(_, n)| n.as_dict())
    else {
        return Ok(());
    };
    let Ok(root) = names.get(b"EmbeddedFiles") else {
        return Ok(());
    };
    let mut stack = vec![(root.clone(), 0usize)];
    let mut seen = 0usize;
    while let Some((node, depth)) = stack.pop() {
        let Ok((_, node)) = doc.dereference(&node) else {
            continue;
        };
        let Ok(node) = node.as_dict() else { continue };
        if let Ok(Object::Array(kids)) = node
            .get(b"Kids")
            .and_then(|k| doc.dereference(k))
            .map(|x| x.1)
            && depth < 8
        {
            stack.extend(kids.iter().rev().map(|k| (k.clone(), depth + 1)));
        }
        let Ok(Object::Array(pairs)) = node
            .get(b"Names")
            .and_then(|k| doc.dereference(k))
            .map(|x| x.1)
        else {
            continue;
        };
        for pair in pairs.chunks(2) {
            seen += 1;
            if seen > 10_000 {
                return Err(PdfError::Malformed(
                    "more than 10,000 embedded files".into(),
                ));
            }
            if let [key, spec] = pair {
                visit(super::verify::text(key), spec)?;
            }
        }
    }
    Ok(())
}

/// The names of the embedded files of `doc`, in tree order (unreadable trees: none).
pub fn names(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    let _ = entries(doc, |name, _| {
        out.push(name);
        Ok(())
    });
    out
}

/// Every embedded file named `name` in `doc`: their decoded bytes, in tree order.
pub fn embedded_files(doc: &Document, name: &str, bound: usize) -> Result<Vec<Vec<u8>>, PdfError> {
    let mut out = Vec::new();
    entries(doc, |key, spec| {
        if key != name {
            return Ok(());
        }
        let bytes = doc
            .dereference(spec)
            .ok()
            .and_then(|(_, s)| s.as_dict().ok())
            .and_then(|s| s.get(b"EF").ok())
            .and_then(|ef| doc.dereference(ef).ok())
            .and_then(|(_, ef)| ef.as_dict().ok())
            .and_then(|ef| ef.get(b"F").ok())
            .and_then(|f| doc.dereference(f).ok())
            .and_then(|(_, f)| f.as_stream().ok())
            .map(|s| {
                s.decompressed_content_with_limit(bound)
                    .ok()
                    .or_else(|| s.filters().is_err().then(|| s.content.clone()))
            });
        match bytes {
            Some(Some(b)) => {
                out.push(b);
                Ok(())
            }
            _ => Err(PdfError::Malformed(format!(
                "the embedded file {name} cannot be read"
            ))),
        }
    })?;
    Ok(out)
}

/// The information dictionary's entries other than the standard ones, as text.
pub fn custom_info(doc: &Document) -> BTreeMap<String, String> {
    let Ok(info) = doc
        .trailer
        .get(b"Info")
        .and_then(|i| doc.dereference(i))
        .and_then(|(_, i)| i.as_dict())
    else {
        return BTreeMap::new();
    };
    info.iter()
        .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v))
        .filter(|(k, _)| !STANDARD_INFO.contains(&k.as_str()))
        .map(|(k, v)| (k, super::verify::text(v)))
        .collect()
}
