//! The audit table's rows: reading an [`AuditEvent`], appending one with its chain link (see
//! [`crate::audit`]), and the [`AuditTrail`] the trail's checks read (rows with their links,
//! the head, checkpoints). The table is append-only; every repository appends through
//! [`append`], which also queues the transparency log entries the events carry (same
//! transaction).
//!
//! Owns the audit row mapping and the chain's storage; must not import the repositories.

use super::{Store, db_err, get};
use crate::audit::chain::parse_hash;
use crate::audit::{AuditTrail, ChainedRow, Checkpoint, GENESIS, Head, link};
use crate::pki::repo::*;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

pub(super) fn audit_from_row(r: &AnyRow) -> Result<AuditEvent, RepoError> {
    Ok(AuditEvent {
        id: get(r, "id")?,
        at: get(r, "at")?,
        actor: get(r, "actor")?,
        action: get(r, "action")?,
        object: get(r, "object")?,
        outcome: get(r, "outcome")?,
        detail: get(r, "detail")?,
        log: None,
    })
}

const COLUMNS: &str = "id, at, actor, action, object, outcome, detail, prev_hash, hash";

/// Append `e` on `conn` (inside the caller's transaction): move the head (the first write, so
/// that the transaction holds the write lock — SQLite — or the head's row lock — PostgreSQL —
/// from here to its commit, and ids follow commit order), link the row to the previous hash
/// and store both. The id `e` carries is ignored: the row gets the next one.
pub(super) async fn append(
    conn: &mut sqlx::AnyConnection,
    e: &AuditEvent,
) -> Result<(), RepoError> {
    append_all(conn, std::slice::from_ref(e)).await
}

/// Rows per multi-row INSERT (9 parameters each; well under SQLite's and PostgreSQL's limits).
const ROWS_PER_INSERT: usize = 100;

/// Append `events` in this order on `conn` (inside the caller's transaction), as [`append`]
/// would one by one, in three statements and one more per [`ROWS_PER_INSERT`] rows: the head
/// moves by `events.len()` at once (the first write, see [`append`]), the links are computed
/// here, the rows go in multi-row INSERTs, and the head takes the last hash. The ids the
/// events carry are ignored.
pub(super) async fn append_all(
    conn: &mut sqlx::AnyConnection,
    events: &[AuditEvent],
) -> Result<(), RepoError> {
    if events.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(events.len())
        .map_err(|_| RepoError::Backend("too many audit events in one append".into()))?;
    let row = sqlx::query("UPDATE audit_head SET id = id + $1 WHERE one = 1 RETURNING id, hash")
        .bind(n)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or_else(|| RepoError::Backend("the audit head is missing".into()))?;
    let first = get::<i64>(&row, "id")? - n + 1;
    let mut prev = match get::<Option<String>>(&row, "hash")? {
        Some(h) => parse_hash(&h)
            .ok_or_else(|| RepoError::Backend("the audit head's hash is malformed".into()))?,
        None => fold_unlinked(conn, first).await?,
    };
    let mut rows = Vec::with_capacity(events.len());
    for (id, e) in (first..).zip(events) {
        let mut ev = e.clone();
        ev.id = id;
        let hash = link(&prev, &ev);
        rows.push((ev, hex::encode(prev), hex::encode(hash)));
        prev = hash;
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO audit ({COLUMNS}) VALUES {}",
            super::placeholders(chunk.len(), 9)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (ev, prev_hash, hash) in chunk {
            q = q
                .bind(ev.id)
                .bind(ev.at)
                .bind(&ev.actor)
                .bind(&ev.action)
                .bind(&ev.object)
                .bind(&ev.outcome)
                .bind(&ev.detail)
                .bind(prev_hash)
                .bind(hash);
        }
        q.execute(&mut *conn).await.map_err(db_err)?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE one = 1")
        .bind(hex::encode(prev))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    super::log::add_pending(conn, events.iter().filter_map(|e| e.log.as_ref())).await
}

/// The chain's hash over the rows written before the chain (all ids below `before`): once,
/// when the first linked row is appended.
async fn fold_unlinked(conn: &mut sqlx::AnyConnection, before: i64) -> Result<[u8; 32], RepoError> {
    let mut acc = GENESIS;
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object, outcome, detail FROM audit \
             WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1000",
        )
        .bind(after)
        .bind(before)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        let Some(last) = rows.last() else { break };
        after = get(last, "id")?;
        for r in &rows {
            acc = link(&acc, &audit_from_row(r)?);
        }
    }
    Ok(acc)
}

#[async_trait::async_trait]
impl AuditTrail for Store {
    async fn chained_rows(&self, after: i64, limit: u32) -> Result<Vec<ChainedRow>, RepoError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit WHERE id > $1 ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        )))
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ChainedRow {
                    event: audit_from_row(r)?,
                    prev_hash: get(r, "prev_hash")?,
                    hash: get(r, "hash")?,
                })
            })
            .collect()
    }

    async fn audit_head(&self) -> Result<Head, RepoError> {
        let row = sqlx::query("SELECT id, hash FROM audit_head WHERE one = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(match row {
            Some(r) => Head {
                id: get(&r, "id")?,
                hash: get(&r, "hash")?,
            },
            None => Head { id: 0, hash: None },
        })
    }

    async fn add_checkpoint(&self, cp: &Checkpoint) -> Result<(), RepoError> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (size, head, at, token) VALUES ($1, $2, $3, $4)",
        )
        .bind(cp.size)
        .bind(&cp.head)
        .bind(cp.at)
        .bind(&cp.token)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, RepoError> {
        let rows = sqlx::query("SELECT size, head, at, token FROM audit_checkpoints ORDER BY size")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    size: get(r, "size")?,
                    head: get(r, "head")?,
                    at: get(r, "at")?,
                    token: get(r, "token")?,
                })
            })
            .collect()
    }
}
