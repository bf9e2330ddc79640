//! Writing an OFD package: the zip (OFD.xml first, entry by entry; deflated, except what is
//! compressed already — pictures, and the seal and signature values that carry a picture —
//! which is stored: deflating it again costs CPU for nothing).
//!
//! Owns the zip container; must not import the document model, XML, placement or signing.

use super::OfdWriteError;
use std::collections::BTreeMap;
use std::io::{Seek, Write};

fn zip_time(unix: i64) -> zip::DateTime {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            zip::DateTime::from_date_and_time(
                u16::try_from(t.year()).ok()?,
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Whether an entry is compressed already: a PNG or JPEG picture (by its signature), or a
/// seal (`.esl`) or signature value (`SignedValue.dat`), which carry the seal's picture.
fn compressed_already(name: &str, data: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    data.starts_with(b"\x89PNG\r\n\x1a\n")
        || data.starts_with(&[0xFF, 0xD8, 0xFF])
        || lower.ends_with(".esl")
        || lower.ends_with("/signedvalue.dat")
}

/// Zip `files` (OFD.xml first, then by name; see [`compressed_already`]) into `out` (written
/// once, entry by entry: nothing but the deflate state is buffered); returns `out`.
pub(super) fn write_zip<W: Write + Seek, D: AsRef<[u8]>>(
    files: &BTreeMap<String, D>,
    unix: i64,
    out: W,
) -> Result<W, OfdWriteError> {
    let zerr = |e: &dyn std::fmt::Display| OfdWriteError::Zip(e.to_string());
    let mut w = zip::ZipWriter::new(out);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(unix));
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);
    let order = files
        .iter()
        .filter(|(n, _)| n.as_str() == "OFD.xml")
        .chain(files.iter().filter(|(n, _)| n.as_str() != "OFD.xml"));
    for (name, data) in order {
        let opts = if compressed_already(name, data.as_ref()) {
            stored
        } else {
            deflated
        };
        w.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        w.write_all(data.as_ref()).map_err(|e| zerr(&e))?;
    }
    w.finish().map_err(|e| zerr(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_and_seals_are_stored_the_rest_deflated() {
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let xml = b"<ofd:OFD>".repeat(100);
        files.insert("OFD.xml".into(), xml.clone());
        files.insert("Doc_0/Res/qr.png".into(), b"\x89PNG\r\n\x1a\nrest".to_vec());
        files.insert(
            "Doc_0/Res/photo.bin".into(),
            vec![0xFF, 0xD8, 0xFF, 0xE0, 1],
        );
        files.insert("Doc_0/Signs/Sign_0/Seal.esl".into(), vec![0x30; 64]);
        files.insert("Doc_0/Signs/Sign_0/SignedValue.dat".into(), vec![0x30; 64]);
        let out = write_zip(&files, 0, std::io::Cursor::new(Vec::new())).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.into_inner())).unwrap();
        assert_eq!(
            z.name_for_index(0).unwrap().unwrap(),
            "OFD.xml",
            "OFD.xml first"
        );
        for (name, data) in &files {
            let mut e = z.by_name(name).unwrap();
            let want = if name == "OFD.xml" {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            assert_eq!(e.compression(), want, "{name}");
            let mut back = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut back).unwrap();
            assert_eq!(&back, data, "{name}");
        }
    }
}
