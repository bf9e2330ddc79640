//! Writing an OFD package: the zip (OFD.xml first, deflated, entry by entry).
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

/// Zip `files` (OFD.xml first, then by name), deflated, into `out` (written once, entry by
/// entry: nothing but the deflate state is buffered); returns `out`.
pub(super) fn write_zip<W: Write + Seek, D: AsRef<[u8]>>(
    files: &BTreeMap<String, D>,
    unix: i64,
    out: W,
) -> Result<W, OfdWriteError> {
    let zerr = |e: &dyn std::fmt::Display| OfdWriteError::Zip(e.to_string());
    let mut w = zip::ZipWriter::new(out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(unix));
    let order = files
        .iter()
        .filter(|(n, _)| n.as_str() == "OFD.xml")
        .chain(files.iter().filter(|(n, _)| n.as_str() != "OFD.xml"));
    for (name, data) in order {
        w.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        w.write_all(data.as_ref()).map_err(|e| zerr(&e))?;
    }
    w.finish().map_err(|e| zerr(&e))
}
