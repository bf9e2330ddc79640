//! The transparency log's tables ([`LogRepository`]): pending entries (queued by
//! [`super::audit::append_all`] in the object's transaction), sequenced entries, every complete
//! tree node, the head, checkpoints with cosignatures, and the witness state. Entries, hashes
//! and checkpoints are append-only (triggers refuse UPDATE and DELETE).
//!
//! Owns the log's SQL; must not import the other repositories.

use super::{Store, db_err, get};
use crate::pki::repo::RepoError;
use crate::transparency::entry::Entry;
use crate::transparency::merkle::{Hash, NodeId};
use crate::transparency::repo::{Integration, LogRepository, Pending, StoredCheckpoint};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

/// Rows per multi-row INSERT.
const ROWS_PER_INSERT: usize = 200;

fn to_i64(n: u64) -> Result<i64, RepoError> {
    i64::try_from(n).map_err(|_| RepoError::Backend("log index beyond 2^63".into()))
}

fn to_u64(n: i64) -> Result<u64, RepoError> {
    u64::try_from(n).map_err(|_| RepoError::Backend("negative log index stored".into()))
}

fn hash_from(bytes: Vec<u8>) -> Result<Hash, RepoError> {
    Hash::try_from(bytes.as_slice())
        .map_err(|_| RepoError::Backend("a stored log hash is not 32 bytes".into()))
}

/// Queue `entries` for sequencing on `conn` (inside the caller's transaction).
pub(super) async fn add_pending<'a>(
    conn: &mut sqlx::AnyConnection,
    entries: impl Iterator<Item = &'a Entry>,
) -> Result<(), RepoError> {
    let encoded = entries
        .map(|e| e.encode().map(|bytes| (e, bytes)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| RepoError::Backend(format!("transparency log entry: {e}")))?;
    for chunk in encoded.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO log_pending (kind, object_sha256, entry) VALUES {}",
            super::placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (e, bytes) in chunk {
            q = q
                .bind(e.kind.clone())
                .bind(hex::encode(e.object_sha256))
                .bind(bytes.clone());
        }
        q.execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

impl Store {
    async fn cosignature_lines(&self, size: i64) -> Result<Vec<String>, RepoError> {
        let rows =
            sqlx::query("SELECT line FROM log_cosignatures WHERE size = $1 ORDER BY witness")
                .bind(size)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        rows.iter().map(|r| get(r, "line")).collect()
    }

    /// The one number `sql` selects as `n`.
    async fn log_count(&self, sql: &'static str) -> Result<u64, RepoError> {
        let r = sqlx::query(sql)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        to_u64(get(&r, "n")?)
    }

    /// The checkpoint `sql` selects (`size`, `at`, `note`; one parameter, `arg`).
    async fn one_checkpoint(
        &self,
        sql: &'static str,
        arg: i64,
    ) -> Result<Option<StoredCheckpoint>, RepoError> {
        let r = sqlx::query(sql)
            .bind(arg)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match r {
            Some(r) => Ok(Some(self.checkpoint_from(&r).await?)),
            None => Ok(None),
        }
    }

    async fn checkpoint_from(&self, r: &AnyRow) -> Result<StoredCheckpoint, RepoError> {
        let size: i64 = get(r, "size")?;
        Ok(StoredCheckpoint {
            size: to_u64(size)?,
            at: get(r, "at")?,
            note: get(r, "note")?,
            cosignatures: self.cosignature_lines(size).await?,
        })
    }
}

#[async_trait::async_trait]
impl LogRepository for Store {
    async fn log_size(&self) -> Result<u64, RepoError> {
        self.log_count("SELECT size AS n FROM log_head WHERE one = 1")
            .await
    }

    async fn log_pending_count(&self) -> Result<u64, RepoError> {
        self.log_count("SELECT COUNT(*) AS n FROM log_pending")
            .await
    }

    async fn log_pending(&self, limit: u32) -> Result<Vec<Pending>, RepoError> {
        let rows = sqlx::query(
            "SELECT seq, kind, object_sha256, entry FROM log_pending ORDER BY seq LIMIT $1",
        )
        .bind(i64::from(limit.max(1)))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Pending {
                    seq: get(r, "seq")?,
                    kind: get(r, "kind")?,
                    object_sha256: get(r, "object_sha256")?,
                    entry: get(r, "entry")?,
                })
            })
            .collect()
    }

    async fn log_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Option<Hash>>, RepoError> {
        // One statement for a proof's nodes (at most 64 in one proof; chunks beyond).
        let mut found = std::collections::HashMap::with_capacity(nodes.len());
        for chunk in nodes.chunks(100) {
            let terms: Vec<String> = (0..chunk.len())
                .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "SELECT CAST(level AS BIGINT) AS level, idx, hash FROM log_hashes WHERE {}",
                terms.join(" OR ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for n in chunk {
                q = q.bind(i32::from(n.level)).bind(to_i64(n.index)?);
            }
            for r in q.fetch_all(&self.pool).await.map_err(db_err)? {
                let level = u8::try_from(get::<i64>(&r, "level")?)
                    .map_err(|_| RepoError::Backend("a stored log level beyond 255".into()))?;
                let i: i64 = get(&r, "idx")?;
                found.insert(NodeId::new(level, to_u64(i)?), hash_from(get(&r, "hash")?)?);
            }
        }
        Ok(nodes.iter().map(|n| found.get(n).copied()).collect())
    }

    async fn log_integrate(&self, step: &Integration) -> Result<bool, RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // The head moves first: the write lock (SQLite) or the row lock (PostgreSQL) is held
        // from here, and a second sequencer that read the same size finds it moved.
        let moved = sqlx::query(
            "UPDATE log_head SET size = $1, at = $2, checkpoint = $3 WHERE one = 1 AND size = $4",
        )
        .bind(to_i64(step.new_size)?)
        .bind(step.at)
        .bind(&step.checkpoint)
        .bind(to_i64(step.old_size)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if moved != 1 {
            return Ok(false);
        }
        let mut taken = 0;
        for chunk in step.pending.chunks(ROWS_PER_INSERT) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
            let sql = format!("DELETE FROM log_pending WHERE seq IN ({})", list.join(", "));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                q = q.bind(*s);
            }
            taken += q.execute(&mut *tx).await.map_err(db_err)?.rows_affected();
        }
        if taken != step.pending.len() as u64 {
            return Ok(false);
        }
        for chunk in step.entries.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO log_entries (idx, kind, object_sha256, entry) VALUES {}",
                super::placeholders(chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (idx, kind, object, bytes) in chunk {
                q = q
                    .bind(to_i64(*idx)?)
                    .bind(kind.clone())
                    .bind(object.clone())
                    .bind(bytes.clone());
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        for chunk in step.hashes.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO log_hashes (level, idx, hash) VALUES {}",
                super::placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, h) in chunk {
                q = q
                    .bind(i32::from(id.level))
                    .bind(to_i64(id.index)?)
                    .bind(h.to_vec());
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        if step.keep {
            sqlx::query("INSERT INTO log_checkpoints (size, at, note) VALUES ($1, $2, $3)")
                .bind(to_i64(step.new_size)?)
                .bind(step.at)
                .bind(&step.checkpoint)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn log_lookup(
        &self,
        object_sha256: &str,
        kind: &str,
    ) -> Result<Option<(u64, Vec<u8>)>, RepoError> {
        let r = sqlx::query(
            "SELECT idx, entry FROM log_entries WHERE object_sha256 = $1 AND kind = $2 \
             ORDER BY idx LIMIT 1",
        )
        .bind(object_sha256)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        r.map(|r| Ok((to_u64(get(&r, "idx")?)?, get(&r, "entry")?)))
            .transpose()
    }

    async fn log_head_checkpoint(&self) -> Result<Option<StoredCheckpoint>, RepoError> {
        self.one_checkpoint(
            "SELECT size, at, checkpoint AS note FROM log_head WHERE one = 1 AND checkpoint IS NOT NULL \
             AND size > $1",
            -1,
        )
        .await
    }

    async fn log_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, RepoError> {
        self.one_checkpoint(
            "SELECT size, at, note FROM log_checkpoints WHERE size > $1 ORDER BY size DESC LIMIT 1",
            -1,
        )
        .await
    }

    async fn log_best_checkpoint(&self, above: u64) -> Result<Option<StoredCheckpoint>, RepoError> {
        // The recent checkpoints only: witnesses cosign the latest one, so one of these
        // carries the cosignatures there are.
        let rows = sqlx::query(
            "SELECT c.size AS size, (SELECT COUNT(*) FROM log_cosignatures s WHERE s.size = c.size) AS n \
             FROM log_checkpoints c WHERE c.size > $1 ORDER BY c.size DESC LIMIT 64",
        )
        .bind(to_i64(above)?)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        // The most cosignatures; on a tie the larger tree (rows come largest first).
        let mut best: Option<(i64, i64)> = None;
        for r in &rows {
            let (size, n): (i64, i64) = (get(r, "size")?, get(r, "n")?);
            if best.is_none_or(|(_, bn)| n > bn) {
                best = Some((size, n));
            }
        }
        match best {
            Some((size, _)) => self.log_checkpoint(to_u64(size)?).await,
            None => Ok(None),
        }
    }

    async fn log_keep_checkpoint(&self, cp: &StoredCheckpoint) -> Result<(), RepoError> {
        sqlx::query(
            "INSERT INTO log_checkpoints (size, at, note) VALUES ($1, $2, $3) \
             ON CONFLICT (size) DO NOTHING",
        )
        .bind(to_i64(cp.size)?)
        .bind(cp.at)
        .bind(&cp.note)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn log_checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, RepoError> {
        self.one_checkpoint(
            "SELECT size, at, note FROM log_checkpoints WHERE size = $1",
            to_i64(size)?,
        )
        .await
    }

    async fn log_level_hashes(
        &self,
        level: u8,
        from: u64,
        count: u16,
    ) -> Result<Vec<Hash>, RepoError> {
        let rows = sqlx::query(
            "SELECT hash FROM log_hashes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
        )
        .bind(i32::from(level))
        .bind(to_i64(from)?)
        .bind(to_i64(from.saturating_add(u64::from(count)))?)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| hash_from(get(r, "hash")?)).collect()
    }

    async fn log_entries(&self, from: u64, count: u16) -> Result<Vec<Vec<u8>>, RepoError> {
        let rows =
            sqlx::query("SELECT entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                .bind(to_i64(from)?)
                .bind(to_i64(from.saturating_add(u64::from(count)))?)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        rows.iter().map(|r| get(r, "entry")).collect()
    }

    async fn log_add_cosignature(
        &self,
        size: u64,
        witness: &str,
        line: &str,
    ) -> Result<(), RepoError> {
        sqlx::query(
            "INSERT INTO log_cosignatures (size, witness, line) VALUES ($1, $2, $3) \
             ON CONFLICT (size, witness) DO NOTHING",
        )
        .bind(to_i64(size)?)
        .bind(witness)
        .bind(line)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn log_cosigned_size(&self, witness: &str) -> Result<u64, RepoError> {
        let r = sqlx::query("SELECT MAX(size) AS n FROM log_cosignatures WHERE witness = $1")
            .bind(witness)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        get::<Option<i64>>(&r, "n")?.map_or(Ok(0), to_u64)
    }

    async fn witnessed(&self, origin: &str) -> Result<Option<(u64, Hash)>, RepoError> {
        let r = sqlx::query("SELECT size, root FROM log_witnessed WHERE origin = $1")
            .bind(origin)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        r.map(|r| Ok((to_u64(get(&r, "size")?)?, hash_from(get(&r, "root")?)?)))
            .transpose()
    }

    async fn set_witnessed(
        &self,
        origin: &str,
        old: Option<u64>,
        size: u64,
        root: &Hash,
        at: i64,
    ) -> Result<bool, RepoError> {
        let q = match old {
            None => sqlx::query(
                "INSERT INTO log_witnessed (origin, size, root, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (origin) DO NOTHING",
            )
            .bind(origin)
            .bind(to_i64(size)?)
            .bind(root.to_vec())
            .bind(at),
            Some(old) => sqlx::query(
                "UPDATE log_witnessed SET size = $2, root = $3, at = $4 \
                 WHERE origin = $1 AND size = $5",
            )
            .bind(origin)
            .bind(to_i64(size)?)
            .bind(root.to_vec())
            .bind(at)
            .bind(to_i64(old)?),
        };
        Ok(q.execute(&self.pool).await.map_err(db_err)?.rows_affected() == 1)
    }
}
