//! `yinxin restore`: the checks and the writing described in [`super::backup`]'s module doc.

use super::AppError;
use super::backup::{
    FORMAT, Manifest, PG_ENTRY, RestoreSummary, SQLITE_ENTRY, copy_hashing, err, io_err, run_tool,
    set_private,
};
use crate::crypto::{Passphrase, stream};
use crate::verify::chain::ChainInputs;
use crate::verify::context::Context;
use crate::verify::path::RevocationMode;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

type Archive = zip::ZipArchive<std::fs::File>;

/// Restore the backup `input` into the new data directory `data_dir` (see the module doc).
pub async fn restore(
    input: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    decrypt: Option<&Passphrase>,
    root_fingerprint: Option<&str>,
) -> Result<RestoreSummary, AppError> {
    let fresh = !data_dir.exists();
    if !fresh
        && std::fs::read_dir(data_dir)
            .map_err(io_err(data_dir))?
            .next()
            .is_some()
    {
        return Err(err(format!(
            "{} is not empty: restore into a new directory",
            data_dir.display()
        )));
    }
    crate::crypto::keys::create_private_dir(data_dir)?;
    let out = restore_into(input, data_dir, database_url, decrypt, root_fingerprint).await;
    if out.is_err() {
        // Nothing half-restored is left behind.
        let _ = if fresh {
            std::fs::remove_dir_all(data_dir)
        } else {
            clear_dir(data_dir)
        };
    }
    out
}

fn clear_dir(dir: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p)?;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

async fn restore_into(
    input: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    decrypt: Option<&Passphrase>,
    root_fingerprint: Option<&str>,
) -> Result<RestoreSummary, AppError> {
    let mut archive = open_archive(input, data_dir, decrypt)?;
    let manifest_bytes = read_small(&mut archive, "manifest.json", 64 << 20)?;
    let token = read_small(&mut archive, "manifest.tsr", 1 << 20)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| err(format!("the backup's manifest is not readable: {e}")))?;
    if manifest.format != FORMAT {
        return Err(err(format!(
            "not a backup this version restores ({})",
            manifest.format
        )));
    }
    // Every entry is in the manifest, and nothing else.
    let listed: HashSet<&str> = manifest.files.iter().map(|e| e.path.as_str()).collect();
    for name in archive.file_names() {
        let name = name.map_err(err)?;
        let name = name.as_ref();
        if !listed.contains(name) && name != "manifest.json" && name != "manifest.tsr" {
            return Err(err(format!(
                "{name} is in the backup but not in its manifest"
            )));
        }
    }
    // The signature first: the roots it is checked against come from the backup (their
    // hashes checked), and optionally from the operator's pin.
    let read_pems = |archive: &mut Archive, suffix: &str| -> Result<Vec<Vec<u8>>, AppError> {
        let mut ders = Vec::new();
        for e in manifest
            .files
            .iter()
            .filter(|e| e.path.starts_with("data/ca/") && e.path.ends_with(suffix))
        {
            let bytes = read_checked(archive, &e.path, &e.sha256)?;
            let (_, der) = der::pem::decode_vec(&bytes)
                .map_err(|x| err(format!("{}: not a PEM certificate: {x}", e.path)))?;
            ders.push(der);
        }
        Ok(ders)
    };
    let roots = read_pems(&mut archive, "-root.pem")?;
    let issuing = read_pems(&mut archive, "-issuing.pem")?;
    let fingerprints: Vec<String> = roots
        .iter()
        .map(|r| hex::encode(Sha256::digest(r)))
        .collect();
    if let Some(pin) = root_fingerprint {
        let pin = pin.trim().to_ascii_lowercase().replace(':', "");
        if !fingerprints.contains(&pin) {
            return Err(err(format!(
                "none of the backup's root CAs has the fingerprint {pin}: {}",
                fingerprints.join(", ")
            )));
        }
    }
    let context = Context::builder()
        .anchors(&roots)
        .intermediates(&issuing)
        .revocation(RevocationMode::Off)
        .build();
    let inputs = ChainInputs {
        context: &context,
        trust: None,
    };
    let proof = crate::verify::timestamp::prove(&token, &manifest_bytes, &inputs)
        .await
        .proof
        .map_err(|e| {
            err(format!(
                "the backup's signature (its manifest's time-stamp) does not hold: {e}"
            ))
        })?;
    // Then every file, each checked as it is written.
    let mut restored = 0;
    for e in &manifest.files {
        let target = match e.path.as_str() {
            SQLITE_ENTRY | PG_ENTRY => data_dir.join(format!(".restore-{}", safe_tail(&e.path)?)),
            p => match p.strip_prefix("data/") {
                Some(rel) => data_dir.join(safe_relative(rel)?),
                None => return Err(err(format!("{p}: an entry outside data/ and database/"))),
            },
        };
        if let Some(dir) = target.parent() {
            crate::crypto::keys::create_private_dir(dir)?;
        }
        let mut r = archive
            .by_name(&e.path)
            .map_err(|x| err(format!("{}: {x}", e.path)))?;
        let mut w = std::fs::File::create(&target).map_err(io_err(&target))?;
        if e.private {
            set_private(&target)?;
        }
        let (_, digest) = copy_hashing(&mut r, &mut w).map_err(io_err(&target))?;
        if hex::encode(digest) != e.sha256.to_ascii_lowercase() {
            return Err(err(format!(
                "{} was changed: its hash is not the manifest's",
                e.path
            )));
        }
        restored += 1;
    }
    restore_database(data_dir, &manifest.database, database_url)?;
    Ok(RestoreSummary {
        region: manifest.region,
        created: manifest.created,
        time_stamped_at: crate::clock::rfc3339(proof.at()),
        files: restored,
        root_fingerprints: fingerprints,
        root_pinned: root_fingerprint.is_some(),
    })
}

/// The zip, decrypted first (into the new directory, removed when done) when it is encrypted.
fn open_archive(
    input: &Path,
    data_dir: &Path,
    decrypt: Option<&Passphrase>,
) -> Result<Archive, AppError> {
    let mut f = std::fs::File::open(input).map_err(io_err(input))?;
    let mut magic = vec![0u8; stream::MAGIC.len()];
    let n = f.read(&mut magic).map_err(io_err(input))?;
    let f = if n == magic.len() && magic == stream::MAGIC {
        let pass = decrypt.ok_or_else(|| {
            err("the backup is encrypted: give its passphrase (--backup-passphrase-file)")
        })?;
        let mut f = std::fs::File::open(input).map_err(io_err(input))?;
        let plain = data_dir.join(".restore-archive.zip");
        let mut w = std::fs::File::create(&plain).map_err(io_err(&plain))?;
        set_private(&plain)?;
        stream::decrypt(pass.expose(), &mut f, &mut w)?;
        let opened = std::fs::File::open(&plain).map_err(io_err(&plain))?;
        // The open handle keeps the bytes; the name goes now.
        std::fs::remove_file(&plain).map_err(io_err(&plain))?;
        opened
    } else {
        std::fs::File::open(input).map_err(io_err(input))?
    };
    zip::ZipArchive::new(f).map_err(|e| err(format!("{}: not a backup: {e}", input.display())))
}

fn read_small(archive: &mut Archive, name: &str, max: u64) -> Result<Vec<u8>, AppError> {
    let r = archive
        .by_name(name)
        .map_err(|_| err(format!("the backup has no {name}")))?;
    let mut out = Vec::new();
    r.take(max + 1).read_to_end(&mut out).map_err(err)?;
    if out.len() as u64 > max {
        return Err(err(format!("{name} is too large")));
    }
    Ok(out)
}

fn read_checked(archive: &mut Archive, name: &str, sha256: &str) -> Result<Vec<u8>, AppError> {
    let bytes = read_small(archive, name, 1 << 20)?;
    if hex::encode(Sha256::digest(&bytes)) != sha256.to_ascii_lowercase() {
        return Err(err(format!(
            "{name} was changed: its hash is not the manifest's"
        )));
    }
    Ok(bytes)
}

/// A relative path of plain names only (no `..`, no root, nothing empty).
fn safe_relative(rel: &str) -> Result<PathBuf, AppError> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(err(format!("{rel}: a path that leaves the data directory")));
    }
    Ok(p.to_path_buf())
}

fn safe_tail(entry: &str) -> Result<String, AppError> {
    Ok(entry.rsplit('/').next().unwrap_or(entry).to_string())
}

/// Put the database where the restored configuration will find it.
fn restore_database(
    data_dir: &Path,
    kind: &str,
    database_url: Option<&str>,
) -> Result<(), AppError> {
    let url = match (kind, database_url) {
        ("sqlite", None) => {
            let from = data_dir.join(".restore-yinxin.db");
            let to = data_dir.join("yinxin.db");
            std::fs::rename(&from, &to).map_err(io_err(&to))?;
            set_private(&to)?;
            "sqlite://yinxin.db".to_string()
        }
        ("sqlite", Some(_)) => {
            return Err(err(
                "a SQLite backup is restored into DATA_DIR/yinxin.db: --database-url is for PostgreSQL backups",
            ));
        }
        ("postgres", Some(u)) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            let dump = data_dir.join(".restore-postgres.dump");
            run_tool(
                "pg_restore",
                &["--no-owner", "--exit-on-error", "--single-transaction"],
                &dump,
                u,
            )?;
            std::fs::remove_file(&dump).map_err(io_err(&dump))?;
            u.to_string()
        }
        ("postgres", _) => {
            return Err(err(
                "a PostgreSQL backup needs --database-url postgres://… (an empty database)",
            ));
        }
        (other, _) => return Err(err(format!("unknown database kind {other}"))),
    };
    let cfg = data_dir.join(crate::config::CONFIG_FILE);
    let text = std::fs::read_to_string(&cfg).map_err(io_err(&cfg))?;
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| err(format!("{}: {e}", cfg.display())))?;
    let db = table
        .entry("database")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(t) = db.as_table_mut() {
        t.insert("url".into(), toml::Value::String(url));
    }
    std::fs::write(&cfg, toml::to_string(&table).map_err(err)?).map_err(io_err(&cfg))?;
    Ok(())
}
