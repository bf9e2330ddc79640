//! `yinxin backup` and `yinxin restore`. A backup is one zip file: `database/yinxin.db` (a
//! consistent SQLite snapshot taken while serving, `VACUUM INTO`) or `database/postgres.dump`
//! (`pg_dump --format=custom`, one snapshot), every file of the data directory under `data/`
//! (configuration, policies, CA certificates, the encrypted key store, licence documents),
//! `manifest.json` (region, time, each file's path, size, SHA-256 and whether it is private) and
//! `manifest.tsr`: a time-stamp token over SHA-256 of the manifest from the region's own TSA —
//! the archive's signature. Optionally the whole file is encrypted under a backup passphrase
//! ([`crate::crypto::stream`]). It is written to a temporary name and renamed when complete,
//! mode 0600.
//!
//! Restore checks before it writes anything lasting: the token validates for the TSU purpose
//! to the roots inside the backup (and, when given, to the root the operator names by its
//! SHA-256 fingerprint — without that pin the check proves integrity, not origin), every
//! file's hash matches the manifest, no entry is outside it or escapes the directory. A
//! failure removes what was restored. The database goes to `DATA_DIR/yinxin.db` or, with
//! `--database-url`, into an empty PostgreSQL database (`pg_restore`), and `yinxin.toml` is
//! pointed at it.

use super::{AppError, load_config, tsa_service};
use crate::crypto::{Passphrase, stream};
use crate::pki::region::Region;
use crate::status::tsp;
use crate::store::{Backend, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(super) const FORMAT: &str = "yinxin-backup-1";
pub(super) const SQLITE_ENTRY: &str = "database/yinxin.db";
pub(super) const PG_ENTRY: &str = "database/postgres.dump";

#[derive(Serialize, Deserialize)]
pub(super) struct Manifest {
    pub(super) format: String,
    pub(super) region: String,
    pub(super) created: String,
    pub(super) database: String,
    pub(super) files: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) path: String,
    pub(super) size: u64,
    pub(super) sha256: String,
    pub(super) private: bool,
}

/// What a backup holds.
#[derive(Debug, Serialize)]
pub struct BackupSummary {
    /// Files in it (the database included).
    pub files: usize,
    /// Their bytes, before compression.
    pub bytes: u64,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// SHA-256 of the manifest (what the time-stamp covers).
    pub manifest_sha256: String,
    /// Whether the file is encrypted.
    pub encrypted: bool,
}

/// What a restore brought back.
#[derive(Debug, Serialize)]
pub struct RestoreSummary {
    /// The region.
    pub region: String,
    /// When the backup was made (as its manifest says) and when its time-stamp proves.
    pub created: String,
    /// The time-stamp's genTime (RFC 3339).
    pub time_stamped_at: String,
    /// Files restored.
    pub files: usize,
    /// SHA-256 fingerprints of the backup's root CA certificates.
    pub root_fingerprints: Vec<String>,
    /// Whether a named root fingerprint was checked.
    pub root_pinned: bool,
}

pub(super) fn err(what: impl std::fmt::Display) -> AppError {
    AppError::Backup(what.to_string())
}

pub(super) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| err(format!("{}: {e}", path.display()))
}

/// Write a backup of `data_dir` to `out` (see the module doc).
pub async fn backup(
    data_dir: &Path,
    database_url: Option<&str>,
    out: &Path,
    key_pass: &Passphrase,
    encrypt: Option<&Passphrase>,
) -> Result<BackupSummary, AppError> {
    if out.exists() {
        return Err(err(format!(
            "{} exists: refusing to overwrite",
            out.display()
        )));
    }
    let config = load_config(data_dir, database_url)?;
    let code = config.region.code.clone();
    let url = crate::config::resolve_database_url(&config.database.url, data_dir);
    let backend = Backend::of(&url)?;
    let store = Arc::new(Store::connect(&url).await?);
    let region = Region::from_parts(data_dir, config, store.clone()).await?;
    let tsa = tsa_service(&region, &store, key_pass).await?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let work = tempfile::Builder::new()
        .prefix(".yinxin-backup-")
        .tempdir_in(parent.unwrap_or(Path::new(".")))
        .map_err(|e| err(format!("cannot make a working directory: {e}")))?;
    let (db_file, db_entry) = match backend {
        Backend::Sqlite => {
            let f = work.path().join("yinxin.db");
            store.snapshot_sqlite(&f).await?;
            (f, SQLITE_ENTRY)
        }
        Backend::Postgres => {
            let f = work.path().join("postgres.dump");
            run_tool(
                "pg_dump",
                &["--format=custom", "--no-owner", "--file"],
                &f,
                &url,
            )?;
            (f, PG_ENTRY)
        }
    };
    let skip = skipped_paths(data_dir, &url, out, work.path());
    let plain = work.path().join("backup.zip");
    let file = std::fs::File::create(&plain).map_err(io_err(&plain))?;
    let mut zip = zip::ZipWriter::new(file);
    let mut entries = vec![add_file(&mut zip, &db_file, db_entry)?];
    let mut files = Vec::new();
    walk_files(data_dir, &skip, &mut files)?;
    for f in &files {
        let rel = f.strip_prefix(data_dir).map_err(err)?;
        let name = format!("data/{}", rel.to_string_lossy().replace('\\', "/"));
        entries.push(add_file(&mut zip, f, &name)?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        region: code,
        created: crate::clock::rfc3339(crate::clock::now_secs()),
        database: match backend {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        files: entries,
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(err)?;
    let token = time_stamp(&tsa, &manifest_json).await?;
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("manifest.json", opts).map_err(err)?;
    zip.write_all(&manifest_json).map_err(err)?;
    zip.start_file("manifest.tsr", opts).map_err(err)?;
    zip.write_all(&token).map_err(err)?;
    zip.finish().map_err(err)?;
    store.close().await;
    let partial = work.path().join("backup.out");
    match encrypt {
        Some(p) => {
            let mut input = std::fs::File::open(&plain).map_err(io_err(&plain))?;
            let mut o = std::fs::File::create(&partial).map_err(io_err(&partial))?;
            stream::encrypt(p.expose(), &mut input, &mut o)?;
            o.sync_all().map_err(io_err(&partial))?;
        }
        None => std::fs::rename(&plain, &partial).map_err(io_err(&partial))?,
    }
    set_private(&partial)?;
    std::fs::rename(&partial, out).map_err(io_err(out))?;
    Ok(BackupSummary {
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|e| e.size).sum(),
        database: manifest.database,
        manifest_sha256: hex::encode(Sha256::digest(&manifest_json)),
        encrypted: encrypt.is_some(),
    })
}

/// A token over SHA-256 of `bytes` from the region's TSA.
async fn time_stamp(
    tsa: &crate::status::tsa::TsaService,
    bytes: &[u8],
) -> Result<Vec<u8>, AppError> {
    let req =
        tsp::build_request(tsp::TsHash::Sha256, &Sha256::digest(bytes), None, true).map_err(err)?;
    let parsed = tsp::parse_response(&tsa.respond(&req).await).map_err(err)?;
    let failures = parsed.failures();
    parsed.token.map(|t| t.der).ok_or_else(|| {
        err(format!(
            "the TSA refused to stamp the manifest: {failures:?}"
        ))
    })
}

/// Run `tool ARGS FILE --dbname URL` (pg_dump, pg_restore); its stderr in the error.
pub(super) fn run_tool(tool: &str, args: &[&str], file: &Path, url: &str) -> Result<(), AppError> {
    let out = std::process::Command::new(tool)
        .args(args)
        .arg(file)
        .arg("--dbname")
        .arg(url)
        .output()
        .map_err(|e| err(format!("cannot run {tool}: {e}")))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(err(format!(
            "{tool} failed: {}",
            why.lines().next().unwrap_or("")
        )));
    }
    Ok(())
}

/// What the walk leaves out: the live SQLite files (the snapshot replaces them), the backup
/// itself and its working directory, and a demo region's passphrase file.
fn skipped_paths(data_dir: &Path, url: &str, out: &Path, work: &Path) -> Vec<PathBuf> {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    // A demo region's key store passphrase never travels with the keys it opens.
    let mut skip = vec![
        abs(work),
        abs(out),
        abs(&data_dir.join(super::DEMO_PASSPHRASE_FILE)),
    ];
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let db = abs(&data_dir.join(rest.split('?').next().unwrap_or(rest)));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut s = db.clone().into_os_string();
            s.push(suffix);
            skip.push(PathBuf::from(s));
        }
    }
    skip
}

fn walk_files(dir: &Path, skip: &[PathBuf], out: &mut Vec<PathBuf>) -> Result<(), AppError> {
    let mut items: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .collect::<Result<_, _>>()
        .map_err(io_err(dir))?;
    items.sort_by_key(|e| e.file_name());
    for e in items {
        let p = e.path();
        let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if skip.contains(&canon) {
            continue;
        }
        let t = e.file_type().map_err(io_err(&p))?;
        if t.is_dir() {
            walk_files(&p, skip, out)?;
        } else if t.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn is_private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 == 0)
        .unwrap_or(true)
}

pub(super) fn set_private(path: &Path) -> Result<(), AppError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io_err(path))
}

/// Copy `r` to `w`, returning (bytes, SHA-256).
pub(super) fn copy_hashing(
    r: &mut impl Read,
    w: &mut impl Write,
) -> std::io::Result<(u64, [u8; 32])> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            return Ok((n, h.finalize().into()));
        }
        h.update(&buf[..k]);
        w.write_all(&buf[..k])?;
        n += k as u64;
    }
}

fn add_file(
    zip: &mut zip::ZipWriter<std::fs::File>,
    path: &Path,
    name: &str,
) -> Result<Entry, AppError> {
    let opts = zip::write::SimpleFileOptions::default().large_file(true);
    zip.start_file(name, opts).map_err(err)?;
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let (size, digest) = copy_hashing(&mut f, zip).map_err(io_err(path))?;
    Ok(Entry {
        path: name.into(),
        size,
        sha256: hex::encode(digest),
        private: is_private(path),
    })
}
