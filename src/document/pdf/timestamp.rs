//! Document time-stamps (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3): a signature field whose value
//! is a `/Type /DocTimeStamp` dictionary, `/SubFilter /ETSI.RFC3161`, and whose `/Contents` is
//! an RFC 3161 `TimeStampToken` over the byte ranges — the whole document but the token, its
//! signatures and DSS included.

use super::PdfError;
use super::field;
use lopdf::{Dictionary, Object};

/// Bytes reserved for a document time-stamp token.
pub const RESERVE: usize = 12 * 1024;

/// Add a document time-stamp to `pdf`; `timestamp` returns the token over the bytes it is
/// given (it hashes them with its own algorithm), or `None` when the TSA failed.
pub fn add(pdf: &[u8], timestamp: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Result<Vec<u8>, PdfError> {
    let mut v = Dictionary::new();
    v.set("Type", Object::Name(b"DocTimeStamp".to_vec()));
    v.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    v.set("SubFilter", Object::Name(b"ETSI.RFC3161".to_vec()));
    let placed = field::place(pdf, v, "DocumentTimestamp1", RESERVE, None, None)?;
    field::fill(placed, |a, b| {
        let mut signed = Vec::with_capacity(a.len() + b.len());
        signed.extend_from_slice(a);
        signed.extend_from_slice(b);
        timestamp(&signed).ok_or_else(|| {
            PdfError::Sign("the time-stamping authority gave no document time-stamp".into())
        })
    })
}
