//! The log's entries: one canonical record per thing the region signs or changes (a
//! certificate issued or revoked, a seal made, suspended or revoked, a licence issued, suspended,
//! resumed, changed (superseded by a new version) or revoked, a trust-list version, a cross-certificate).
//!
//! The record is text, one `key value` field per line in a fixed order, so that it reads in an
//! entry bundle and hashes the same everywhere (the leaf hash is over these exact bytes):
//!
//! ```text
//! yinxin.log-entry/v1
//! kind seal.make
//! time 1733570000
//! ref seal-1f2e…
//! object-sha256 9b71d2…
//! holder 91350100M000100Y43
//! name 跨区域签约公司合同专用章
//! object MIIB…
//! ```
//!
//! `holder`, `name` and `object` are optional. No personal data goes in clear: `holder` is an
//! organization's unified social credit code or, for a person, the region's salted holder hash
//! (as in its certificates); `name` is only set for organizations' objects (a seal's name, an
//! organization's certificate subject); `object` carries the public part only (a certificate's
//! DER, never a key or a licence's personal fields).
//!
//! Owns the record format; pure (no storage, no clock).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The first line of every record.
pub const ENTRY_HEADER: &str = "yinxin.log-entry/v1";

/// Largest record: an entry bundle stores lengths in two bytes.
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// The kinds of records.
pub const KINDS: &[&str] = &[
    "certificate.issue",
    "certificate.revoke",
    "certificate.release",
    "seal.make",
    "seal.suspend",
    "seal.resume",
    "seal.revoke",
    "licence.issue",
    "licence.suspend",
    "licence.resume",
    "licence.change",
    "licence.revoke",
    "trust-list.publish",
    "cross-certificate.issue",
];

/// A malformed record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Not UTF-8, wrong header, a field missing, out of order or malformed.
    #[error("malformed log entry: {0}")]
    Malformed(&'static str),
    /// A kind this version does not know.
    #[error("unknown log entry kind {0:?}")]
    UnknownKind(String),
    /// Longer than an entry bundle can hold.
    #[error("log entry of {0} bytes is larger than {MAX_ENTRY_BYTES}")]
    TooLarge(usize),
}

/// One record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// One of [`KINDS`].
    pub kind: String,
    /// Unix seconds, as the region's clock gave it (a claim of the region, proven only by the
    /// checkpoints that came after).
    pub time: i64,
    /// The object's identifier in the region (a serial, a seal or licence identifier, a
    /// trust-list sequence number).
    pub reference: String,
    /// SHA-256 of the object as it is verified (certificate DER, seal DER, signed licence data,
    /// signed trust list).
    pub object_sha256: [u8; 32],
    /// Unified social credit code, or the salted holder hash of a person.
    pub holder: Option<String>,
    /// An organization's display name for the object (seal name, organization).
    pub name: Option<String>,
    /// The object's public part (certificate DER).
    pub object: Option<Vec<u8>>,
}

/// A field value may not hold a line break (it would read as the next field).
fn clean(v: &str) -> Result<&str, EntryError> {
    if v.contains(['\n', '\r']) || v.is_empty() {
        Err(EntryError::Malformed(
            "empty field or line break in a field",
        ))
    } else {
        Ok(v)
    }
}

impl Entry {
    /// A record of `kind` about the object `object_der` known as `reference`.
    pub fn new(kind: &str, time: i64, reference: &str, object_der: &[u8]) -> Self {
        Entry {
            kind: kind.to_string(),
            time,
            reference: reference.to_string(),
            object_sha256: crate::crypto::sha256(object_der),
            holder: None,
            name: None,
            object: None,
        }
    }

    /// With the holder (credit code or holder hash).
    pub fn holder(mut self, holder: Option<&str>) -> Self {
        self.holder = holder.filter(|h| !h.is_empty()).map(str::to_string);
        self
    }

    /// With an organization's name for the object.
    pub fn name(mut self, name: Option<&str>) -> Self {
        self.name = name.filter(|n| !n.is_empty()).map(str::to_string);
        self
    }

    /// With the object's public part.
    pub fn object(mut self, der: &[u8]) -> Self {
        self.object = Some(der.to_vec());
        self
    }

    /// The canonical bytes (what the leaf hash covers).
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(EntryError::UnknownKind(self.kind.clone()));
        }
        let mut s = format!(
            "{ENTRY_HEADER}\nkind {}\ntime {}\nref {}\nobject-sha256 {}\n",
            self.kind,
            self.time,
            clean(&self.reference)?,
            hex::encode(self.object_sha256)
        );
        if let Some(h) = &self.holder {
            s.push_str(&format!("holder {}\n", clean(h)?));
        }
        if let Some(n) = &self.name {
            s.push_str(&format!("name {}\n", clean(n)?));
        }
        if let Some(o) = &self.object {
            s.push_str(&format!("object {}\n", BASE64.encode(o)));
        }
        if s.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(s.len()));
        }
        Ok(s.into_bytes())
    }

    /// Reads a record; only the canonical form is accepted (so one object has one encoding).
    pub fn parse(bytes: &[u8]) -> Result<Self, EntryError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| EntryError::Malformed("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or(EntryError::Malformed("no final line break"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(ENTRY_HEADER) {
            return Err(EntryError::Malformed("wrong header"));
        }
        let mut field = |key: &'static str| -> Result<String, EntryError> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_string)
                .ok_or(EntryError::Malformed(key))
        };
        let kind = field("kind")?;
        let time = field("time")?
            .parse::<i64>()
            .map_err(|_| EntryError::Malformed("time"))?;
        let reference = field("ref")?;
        let mut object_sha256 = [0u8; 32];
        hex::decode_to_slice(field("object-sha256")?, &mut object_sha256)
            .map_err(|_| EntryError::Malformed("object-sha256"))?;
        let mut e = Entry {
            kind,
            time,
            reference,
            object_sha256,
            holder: None,
            name: None,
            object: None,
        };
        for line in lines {
            let (k, v) = line
                .split_once(' ')
                .ok_or(EntryError::Malformed("field without value"))?;
            match k {
                "holder" if e.holder.is_none() && e.name.is_none() && e.object.is_none() => {
                    e.holder = Some(v.to_string())
                }
                "name" if e.name.is_none() && e.object.is_none() => e.name = Some(v.to_string()),
                "object" if e.object.is_none() => {
                    e.object = Some(
                        BASE64
                            .decode(v)
                            .map_err(|_| EntryError::Malformed("object"))?,
                    )
                }
                _ => return Err(EntryError::Malformed("unknown or repeated field")),
            }
        }
        // Canonical: re-encoding gives the same bytes (catches "time 007", a bad kind…).
        if e.encode()? != bytes {
            return Err(EntryError::Malformed("not in canonical form"));
        }
        Ok(e)
    }

    /// The Merkle leaf hash of the canonical bytes.
    pub fn leaf_hash(&self) -> Result<super::merkle::Hash, EntryError> {
        Ok(super::merkle::leaf_hash(&self.encode()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry::new("seal.make", 1_733_570_000, "seal-1", b"seal der")
            .holder(Some("91350100M000100Y43"))
            .name(Some("合同专用章"))
            .object(b"\x30\x03\x02\x01\x01")
    }

    #[test]
    fn round_trip_and_canonical_form() {
        let e = sample();
        let bytes = e.encode().unwrap();
        assert!(std::str::from_utf8(&bytes).unwrap().starts_with(
            "yinxin.log-entry/v1\nkind seal.make\ntime 1733570000\nref seal-1\nobject-sha256 "
        ));
        assert_eq!(Entry::parse(&bytes).unwrap(), e);
        let minimal = Entry::new("trust-list.publish", 5, "7", b"list");
        assert_eq!(Entry::parse(&minimal.encode().unwrap()).unwrap(), minimal);
    }

    #[test]
    fn refuses_what_is_not_canonical() {
        let good = String::from_utf8(sample().encode().unwrap()).unwrap();
        for (bad, why) in [
            (
                good.replace("time 1733570000", "time 01733570000"),
                "padded time",
            ),
            (
                good.replace("kind seal.make", "kind seal.forge"),
                "unknown kind",
            ),
            (good.trim_end().to_string(), "no final newline"),
            (
                good.replace("yinxin.log-entry/v1", "yinxin.log-entry/v2"),
                "header",
            ),
            (
                good.replacen("name 合同专用章\n", "", 1)
                    .replacen("holder ", "name x\nholder ", 1),
                "fields out of order",
            ),
            (format!("{good}holder again\n"), "repeated field"),
        ] {
            assert!(Entry::parse(bad.as_bytes()).is_err(), "{why}: {bad}");
        }
        let e = Entry::new("seal.make", 1, "a\nobject-sha256 00", b"x");
        assert_eq!(
            e.encode(),
            Err(EntryError::Malformed(
                "empty field or line break in a field"
            ))
        );
        let big = Entry::new("seal.make", 1, "r", b"x").object(&vec![0u8; 60_000]);
        assert!(matches!(big.encode(), Err(EntryError::TooLarge(_))));
    }
}
