//! Group commit: certificate inserts (each with its audit event) queued to one writer task
//! and committed together in one transaction: first all at once (multi-row INSERTs and one
//! move of the audit head, a handful of statements for the whole batch); when that fails, once
//! more item by item, each in its own savepoint, so that one bad item (a serial collision)
//! fails alone.
//!
//! Owns the batching; must not import the other repositories.

use super::certificates::{CERT_COLUMN_COUNT, CERT_INSERT_HEAD, INSERT_CERT, bind_cert};
use super::db_err;
use crate::pki::repo::*;
use sqlx::{AnyPool, AssertSqlSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::sync::{mpsc, oneshot};

/// A certificate waiting for the group-commit writer.
#[derive(Debug)]
pub(super) struct PendingInsert {
    pub(super) cert: CertificateRecord,
    pub(super) audit: AuditEvent,
    pub(super) done: oneshot::Sender<Result<(), RepoError>>,
}

/// Insert one certificate and its audit event on a connection or transaction.
pub(super) async fn insert_pair(
    conn: &mut sqlx::AnyConnection,
    cert: &CertificateRecord,
    audit: &AuditEvent,
) -> Result<(), RepoError> {
    bind_cert(sqlx::query(INSERT_CERT), cert)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    super::audit::append(&mut *conn, audit).await?;
    Ok(())
}

/// Certificates per multi-row INSERT.
const CERTS_PER_INSERT: usize = 100;

/// Commit the whole batch in one transaction with as few statements as possible; on any
/// error nothing of it is kept (the transaction is rolled back when dropped).
async fn commit_together(pool: &AnyPool, batch: &[PendingInsert]) -> Result<(), RepoError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    for chunk in batch.chunks(CERTS_PER_INSERT) {
        let sql = format!(
            "{CERT_INSERT_HEAD}{}",
            super::placeholders(chunk.len(), CERT_COLUMN_COUNT)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for p in chunk {
            q = bind_cert(q, &p.cert);
        }
        q.execute(&mut *tx).await.map_err(db_err)?;
    }
    let events: Vec<AuditEvent> = batch.iter().map(|p| p.audit.clone()).collect();
    super::audit::append_all(&mut tx, &events).await?;
    tx.commit().await.map_err(db_err)
}

/// Commit a batch in one transaction: all together when that works, else each item in its own
/// savepoint so that one failure (say, a serial collision) fails only that item.
async fn commit_batch(
    pool: &AnyPool,
    batch: &[PendingInsert],
    fallbacks: &AtomicU64,
) -> Result<Vec<Result<(), RepoError>>, RepoError> {
    if batch.len() > 1 {
        match commit_together(pool, batch).await {
            Ok(()) => return Ok(batch.iter().map(|_| Ok(())).collect()),
            Err(e) => {
                fallbacks.fetch_add(1, Relaxed);
                tracing::debug!(error = %e, items = batch.len(), "batch insert failed; item by item");
            }
        }
    }
    let mut tx = pool.begin().await.map_err(db_err)?;
    let mut results = Vec::with_capacity(batch.len());
    for p in batch {
        let mut sp = sqlx::Acquire::begin(&mut *tx).await.map_err(db_err)?;
        match insert_pair(&mut sp, &p.cert, &p.audit).await {
            Ok(()) => {
                sp.commit().await.map_err(db_err)?;
                results.push(Ok(()));
            }
            Err(e) => {
                sp.rollback().await.map_err(db_err)?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(results)
}

pub(super) async fn group_commit_writer(
    pool: AnyPool,
    mut rx: mpsc::Receiver<PendingInsert>,
    max_batch: usize,
    fallbacks: Arc<AtomicU64>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        match commit_batch(&pool, &batch, &fallbacks).await {
            Ok(results) => {
                for (p, r) in batch.into_iter().zip(results) {
                    let _ = p.done.send(r);
                }
            }
            Err(e) => {
                for p in batch {
                    let _ = p.done.send(Err(e.clone()));
                }
            }
        }
    }
}
