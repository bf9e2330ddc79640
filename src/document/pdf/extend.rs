//! PAdES levels and extending a signed PDF to a higher one later (`yinxin extend`, `?level=`):
//! B-LT adds a DSS with the validation data of every certificate the signatures and
//! time-stamps carry; B-LTA adds that, then a document time-stamp over everything. Extending a
//! B-LTA document again adds the validation data of its last document time-stamp and a new
//! one (archive renewal).

use super::PdfError;
use super::dss::ValidationData;
use std::str::FromStr;

/// A PAdES baseline level (ETSI EN 319 142-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Basic: the signature.
    BB,
    /// With a signature time-stamp.
    BT,
    /// With the validation data in the DSS.
    BLT,
    /// With a document time-stamp over the validation data.
    BLTA,
}

impl Level {
    /// `B-B`, `B-T`, `B-LT`, `B-LTA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::BB => "B-B",
            Level::BT => "B-T",
            Level::BLT => "B-LT",
            Level::BLTA => "B-LTA",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" | "BB" => Ok(Level::BB),
            "B-T" | "BT" => Ok(Level::BT),
            "B-LT" | "BLT" => Ok(Level::BLT),
            "B-LTA" | "BLTA" => Ok(Level::BLTA),
            _ => Err(format!(
                "unknown PAdES level {s:?} (B-B, B-T, B-LT or B-LTA)"
            )),
        }
    }
}

/// Every certificate the signatures and time-stamps of `pdf` carry (signers, their CAs, TSUs),
/// each once, in order of appearance. A signature that does not verify over its byte range is
/// an error: validation data is not added to a broken document.
pub fn certificates(pdf: &[u8]) -> Result<Vec<Vec<u8>>, PdfError> {
    let doc = super::limits::load(pdf)?;
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut add = |certs: Vec<Vec<u8>>| {
        for c in certs {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    };
    for (name, v) in super::verify::signature_fields(&doc)? {
        let signed = super::verify::signed_range(pdf, &v)
            .map_err(|e| PdfError::Malformed(format!("signature {name}: {e}")))?;
        let sub_filter = super::verify::text(v.get(b"SubFilter").unwrap_or(&lopdf::Object::Null));
        if sub_filter == "ETSI.RFC3161" {
            let token = crate::status::tsp::parse_token(&signed.der)
                .map_err(|e| PdfError::Malformed(format!("document time-stamp {name}: {e}")))?;
            add(token.certificates);
            continue;
        }
        let info = crate::document::cms::verify_detached(&signed.der, &signed.bytes(pdf))
            .map_err(|e| PdfError::Malformed(format!("signature {name} does not verify: {e}")))?;
        add(info.certificates);
        if let Some(t) = info.timestamp
            && let Ok(token) = crate::status::tsp::parse_token(&t)
        {
            add(token.certificates);
        }
    }
    Ok(out)
}

/// Extend `pdf` to `level` (B-LT or B-LTA; lower levels are the signing's business and leave
/// it as it is): `collect` gives the validation data for certificates (their CA certificates,
/// CRLs and OCSP responses), `timestamp` the document time-stamp token over the bytes it is
/// given; `now` is the `/TU` of the VRI entries.
pub fn extend(
    pdf: &[u8],
    level: Level,
    collect: &dyn Fn(&[Vec<u8>]) -> ValidationData,
    timestamp: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    now: i64,
) -> Result<Vec<u8>, PdfError> {
    if level < Level::BLT {
        return Ok(pdf.to_vec());
    }
    let certs = certificates(pdf)?;
    if certs.is_empty() {
        return Err(PdfError::Malformed(
            "the PDF has no signature to extend".into(),
        ));
    }
    let mut data = collect(&certs);
    for c in certs {
        if !data.certs.contains(&c) {
            data.certs.push(c);
        }
    }
    let out = super::dss::add(pdf, &data, now)?;
    if level == Level::BLTA {
        return super::timestamp::add(&out, timestamp);
    }
    Ok(out)
}
