//! The OFD zip package read safely: bounded entries and sizes, no traversal, no duplicates,
//! vendor quirks (junk before the zip, data descriptors) tolerated and reported.

use super::budget::{Deadline, Stopped};
use super::{MAX_ENTRIES, MAX_ENTRY_SIZE, MAX_RATIO, MAX_TOTAL_SIZE, OfdError, RATIO_FREE_SIZE};
use std::collections::BTreeMap;
use std::io::Read as _;

/// An OFD zip package read safely from bytes: every file entry's exact bytes, by normalized
/// path (`Doc_0/Document.xml`, no leading `/`).
#[derive(Clone, Debug)]
pub struct Package {
    entries: BTreeMap<String, Vec<u8>>,
    tolerated: Vec<String>,
}

/// Validate and normalize a zip entry name (drops `.` and empty segments).
fn normalize_entry_name(name: &str) -> Result<String, OfdError> {
    let bad = |reason| OfdError::Traversal {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("empty name"));
    }
    if name.contains('\\') {
        return Err(bad("backslash in the name"));
    }
    if name.contains('\0') {
        return Err(bad("NUL in the name"));
    }
    if name.starts_with('/') {
        return Err(bad("absolute path"));
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Err(bad("drive letter"));
    }
    let mut parts = Vec::new();
    for seg in name.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(bad("`..` segment")),
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err(bad("no path segments"));
    }
    Ok(parts.join("/"))
}

/// Total-entries count of the end-of-central-directory record, when found (not zip64).
fn eocd_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    if bytes.len() < 22 {
        return None;
    }
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[from..];
    let pos = tail.windows(4).rposition(|w| w == EOCD)?;
    let rec = tail.get(pos..pos + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != 0xFFFF).then_some(u64::from(total))
}

/// The first name listed twice in the central directory starting at `start` (bounded walk).
fn duplicate_in_central_directory(bytes: &[u8], start: usize) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    let mut pos = start;
    for _ in 0..=MAX_ENTRIES {
        let rec = bytes.get(pos..pos.checked_add(46)?)?;
        if &rec[..4] != b"PK\x01\x02" {
            return None;
        }
        let le = |i: usize| usize::from(u16::from_le_bytes([rec[i], rec[i + 1]]));
        let (name_len, extra_len, comment_len) = (le(28), le(30), le(32));
        let name = bytes.get(pos + 46..pos + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        pos += 46 + name_len + extra_len + comment_len;
    }
    None
}

type Archive<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

/// Why reading stopped: a bad package, or the deadline.
enum ReadError {
    Bad(OfdError),
    Stopped(Stopped),
}

impl From<OfdError> for ReadError {
    fn from(e: OfdError) -> Self {
        ReadError::Bad(e)
    }
}

impl Package {
    /// Read a package from bytes within the limits of this module.
    pub fn from_bytes(bytes: &[u8]) -> Result<Package, OfdError> {
        match Self::read(bytes, &Deadline::none()) {
            Ok(p) => Ok(p),
            Err(ReadError::Bad(e)) => Err(e),
            // A deadline that never passes and is never cancelled (not shared).
            Err(ReadError::Stopped(s)) => Err(OfdError::TooLarge(s.reason)),
        }
    }

    /// [`Package::from_bytes`] that stops once `deadline` passes (checked per entry read).
    pub fn read_until(
        bytes: &[u8],
        deadline: &Deadline,
    ) -> Result<Result<Package, OfdError>, Stopped> {
        match Self::read(bytes, deadline) {
            Ok(p) => Ok(Ok(p)),
            Err(ReadError::Bad(e)) => Ok(Err(e)),
            Err(ReadError::Stopped(s)) => Err(s),
        }
    }

    fn read(bytes: &[u8], deadline: &Deadline) -> Result<Package, ReadError> {
        deadline
            .check(|| "before reading the package".into())
            .map_err(ReadError::Stopped)?;
        let mut tolerated = Vec::new();
        if let Some(n) = eocd_entry_count(bytes)
            && n > MAX_ENTRIES as u64
        {
            return Err(OfdError::TooManyEntries(n).into());
        }
        let mut zip_bytes = bytes;
        let mut archive: Archive<'_> = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            Ok(a) => a,
            Err(first) => {
                // Leading junk the zip reader could not skip: retry from the first local header.
                let start = bytes
                    .windows(4)
                    .position(|w| w == b"PK\x03\x04")
                    .filter(|&p| p > 0)
                    .ok_or_else(|| OfdError::NotZip(first.to_string()))?;
                let a = zip::ZipArchive::new(std::io::Cursor::new(&bytes[start..]))
                    .map_err(|_| OfdError::NotZip(first.to_string()))?;
                tolerated.push(format!(
                    "{start} junk bytes before the zip (read from the first local header)"
                ));
                zip_bytes = &bytes[start..];
                a
            }
        };
        if archive.offset() > 0 {
            tolerated.push(format!("{} junk bytes before the zip", archive.offset()));
        }
        let n = archive.len();
        if n > MAX_ENTRIES {
            return Err(OfdError::TooManyEntries(n as u64).into());
        }
        if archive.has_duplicate_names() {
            let dir = usize::try_from(archive.central_directory_start()).unwrap_or(usize::MAX);
            let offset = usize::try_from(archive.offset()).unwrap_or(0);
            let name = duplicate_in_central_directory(zip_bytes, dir)
                .or_else(|| duplicate_in_central_directory(zip_bytes, dir.saturating_add(offset)))
                .unwrap_or_else(|| "(a name)".into());
            return Err(OfdError::Duplicate(name).into());
        }
        // First pass over the central directory only: names and declared sizes.
        let meta = archive.metadata();
        let mut declared_total: u64 = 0;
        for i in 0..n {
            let e = meta.entry(i).map_err(|e| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: e.to_string(),
            })?;
            let raw_name = e.name().map_err(|err| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: err.to_string(),
            })?;
            normalize_entry_name(&raw_name)?;
            declared_total = declared_total.saturating_add(e.size());
        }
        if declared_total > MAX_TOTAL_SIZE {
            return Err(OfdError::TooLarge(format!(
                "the entries claim {declared_total} bytes uncompressed (at most {MAX_TOTAL_SIZE})"
            ))
            .into());
        }
        let mut entries = BTreeMap::new();
        let mut total: u64 = 0;
        let mut descriptors = 0usize;
        for i in 0..n {
            deadline
                .check(|| format!("while reading entry {} of {n} of the package", i + 1))
                .map_err(ReadError::Stopped)?;
            let mut f = archive.by_index(i).map_err(|e| OfdError::BadEntry {
                name: format!("#{i}"),
                reason: e.to_string(),
            })?;
            let raw_name = f
                .name()
                .map(|c| c.into_owned())
                .map_err(|e| OfdError::BadEntry {
                    name: format!("#{i}"),
                    reason: e.to_string(),
                })?;
            let name = normalize_entry_name(&raw_name)?;
            if raw_name.ends_with('/') {
                if f.size() > 0 {
                    return Err(OfdError::BadEntry {
                        name: raw_name,
                        reason: "a directory entry with data".into(),
                    }
                    .into());
                }
                continue;
            }
            if f.encrypted() {
                return Err(OfdError::BadEntry {
                    name,
                    reason: "the entry is encrypted".into(),
                }
                .into());
            }
            if f.flags().is_using_data_descriptor() {
                descriptors += 1;
            }
            let declared = f.size();
            let compressed = f.compressed_size();
            if declared > MAX_ENTRY_SIZE {
                return Err(OfdError::TooLarge(format!(
                    "entry {name} is {declared} bytes uncompressed (at most {MAX_ENTRY_SIZE})"
                ))
                .into());
            }
            if total.saturating_add(declared) > MAX_TOTAL_SIZE {
                return Err(OfdError::TooLarge(format!(
                    "the package is more than {MAX_TOTAL_SIZE} bytes uncompressed"
                ))
                .into());
            }
            let ratio_cap = compressed.saturating_mul(MAX_RATIO).max(RATIO_FREE_SIZE);
            if declared > ratio_cap {
                return Err(OfdError::ZipBomb {
                    name,
                    ratio: declared / compressed.max(1),
                }
                .into());
            }
            // Never trust the declared size: read at most one byte past every limit, and past
            // the declared size (so an entry holds no more memory than the central directory
            // announced: what callers budget for).
            let limit = MAX_ENTRY_SIZE.min(MAX_TOTAL_SIZE - total).min(ratio_cap);
            let cap = limit.min(declared);
            let mut buf = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
            (&mut f)
                .take(cap + 1)
                .read_to_end(&mut buf)
                .map_err(|e| OfdError::BadEntry {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            let got = buf.len() as u64;
            if got > limit {
                return Err(if got > ratio_cap {
                    OfdError::ZipBomb {
                        ratio: got / compressed.max(1),
                        name,
                    }
                } else if got > MAX_ENTRY_SIZE {
                    OfdError::TooLarge(format!(
                        "entry {name} is more than {MAX_ENTRY_SIZE} bytes uncompressed"
                    ))
                } else {
                    OfdError::TooLarge(format!(
                        "the package is more than {MAX_TOTAL_SIZE} bytes uncompressed"
                    ))
                }
                .into());
            }
            if got > declared {
                return Err(OfdError::BadEntry {
                    name,
                    reason: format!("more than the {declared} bytes the central directory says"),
                }
                .into());
            }
            if got != declared {
                return Err(OfdError::BadEntry {
                    name,
                    reason: format!("{got} bytes where the central directory says {declared}"),
                }
                .into());
            }
            total += got;
            if entries.insert(name.clone(), buf).is_some() {
                return Err(OfdError::Duplicate(name).into());
            }
        }
        if descriptors > 0 {
            tolerated.push(format!(
                "data descriptors on {descriptors} entries (sizes from the central directory)"
            ));
        }
        Ok(Package { entries, tolerated })
    }

    /// The exact bytes of a file (`/Doc_0/x.xml` or `Doc_0/x.xml`).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.entries
            .get(path.trim_start_matches('/'))
            .map(Vec::as_slice)
    }

    /// Resolve a path found in the part `base_file`: absolute (`/Doc_0/...`, from the package
    /// root) or relative to `base_file`'s folder. `None` if it leaves the package root.
    pub fn resolve(&self, base_file: &str, path: &str) -> Option<String> {
        resolve_path(base_file, path)
    }

    /// The file names (normalized), sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Vendor quirks tolerated while reading the zip.
    pub fn tolerated(&self) -> &[String] {
        &self.tolerated
    }
}

/// See [`Package::resolve`].
pub(super) fn resolve_path(base_file: &str, path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let path = path.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    if !path.starts_with('/') {
        let base = base_file.trim_start_matches('/');
        if let Some((dir, _)) = base.rsplit_once('/') {
            parts.extend(dir.split('/').filter(|s| !s.is_empty() && *s != "."));
        }
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(
            normalize_entry_name("Doc_0/./a.xml").ok().as_deref(),
            Some("Doc_0/a.xml")
        );
        for bad in ["../evil", "a/../../b", "/abs", "C:/x", "a\\b", ""] {
            assert!(normalize_entry_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolving() {
        assert_eq!(
            resolve_path("Doc_0/Signs/Signatures.xml", "Sign_0/Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(
            resolve_path("Doc_0/Signs/Signatures.xml", "/Doc_0/Document.xml").as_deref(),
            Some("Doc_0/Document.xml")
        );
        assert_eq!(
            resolve_path("OFD.xml", "Doc_0/Signs/Signatures.xml").as_deref(),
            Some("Doc_0/Signs/Signatures.xml")
        );
        assert_eq!(resolve_path("OFD.xml", "../x"), None);
    }
}
