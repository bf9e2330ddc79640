//! Reading a PDF that may be hostile: every stream lopdf decodes while loading (object and
//! cross-reference streams) is bounded — at most 32 times the file's size and never above
//! 64 MiB — and the document may hold at most [`MAX_OBJECTS`] objects. A `/Prev` chain that
//! loops ends where it loops (lopdf); revisions beyond 64 are not analysed (`changes`).

use super::PdfError;
use lopdf::{Document, LoadOptions};

/// Most objects a PDF may hold.
pub const MAX_OBJECTS: usize = 500_000;
/// Largest a single stream may decode to while loading.
const MAX_STREAM: usize = 64 * 1024 * 1024;
/// The decompression ratio allowed for a single stream.
const MAX_RATIO: usize = 32;

/// The per-stream bound for a file of `len` bytes.
pub fn stream_bound(len: usize) -> usize {
    len.saturating_mul(MAX_RATIO).clamp(1024 * 1024, MAX_STREAM)
}

/// Load `pdf` within the bounds above.
pub fn load(pdf: &[u8]) -> Result<Document, PdfError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PdfError::Malformed("not a PDF (no %PDF- header)".into()));
    }
    let opts = LoadOptions {
        max_decompressed_size: Some(stream_bound(pdf.len())),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(pdf, opts).map_err(|e| match e {
        lopdf::Error::Decompress(_) => PdfError::Malformed(format!(
            "a stream decompresses beyond {} bytes (a decompression bomb?): {e}",
            stream_bound(pdf.len())
        )),
        e => PdfError::Malformed(e.to_string()),
    })?;
    if doc.objects.len() > MAX_OBJECTS {
        return Err(PdfError::Malformed(format!(
            "{} objects: more than the {MAX_OBJECTS} read here",
            doc.objects.len()
        )));
    }
    Ok(doc)
}
