//! Group commit: certificate inserts (each with its audit event) queued to one writer task
//! and committed together in one transaction, each in its own savepoint.
//!
//! Owns the batching; must not import the other repositories.

use super::certificates::{INSERT_CERT, bind_cert};
use super::db_err;
use crate::pki::repo::*;
use sqlx::AnyPool;
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

/// Commit a batch in one transaction; each item in its own savepoint so that one failure
/// (say, a serial collision) fails only that item.
async fn commit_batch(
    pool: &AnyPool,
    batch: &[PendingInsert],
) -> Result<Vec<Result<(), RepoError>>, RepoError> {
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
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        match commit_batch(&pool, &batch).await {
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
