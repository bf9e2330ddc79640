//! The seal repository over SQL (`crate::seal::service::SealRepository`).
//!
//! Owns the seals table; must not import the other repositories.

use super::{Store, db_err, get};
use crate::pki::repo::*;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

fn seal_from_row(r: &AnyRow) -> Result<crate::seal::service::SealRecord, RepoError> {
    use crate::seal::service::{SealRecord, SealStatus};
    let serials: String = get(r, "signer_serials")?;
    Ok(SealRecord {
        id: get(r, "id")?,
        holder: get(r, "holder")?,
        seal_type: get(r, "seal_type")?,
        name: get(r, "name")?,
        status: SealStatus::parse(&get::<String>(r, "status")?)
            .ok_or_else(|| RepoError::Backend("bad seal status".into()))?,
        valid_start: get(r, "valid_start")?,
        valid_end: get(r, "valid_end")?,
        signer_serials: serials
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        der: get(r, "der")?,
        created_at: get(r, "created_at")?,
    })
}

const SEAL_COLUMNS: &str =
    "id, holder, seal_type, name, status, valid_start, valid_end, signer_serials, der, created_at";

#[async_trait::async_trait]
impl crate::seal::service::SealRepository for Store {
    async fn insert_seal(
        &self,
        s: &crate::seal::service::SealRecord,
        audit: &AuditEvent,
    ) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO seals ({SEAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(&s.id)
        .bind(&s.holder)
        .bind(&s.seal_type)
        .bind(&s.name)
        .bind(s.status.as_str())
        .bind(s.valid_start)
        .bind(s.valid_end)
        .bind(s.signer_serials.join(","))
        .bind(s.der.clone())
        .bind(s.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO seal_history (seal_id, at, actor, status) VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.id)
        .bind(s.created_at)
        .bind(&audit.actor)
        .bind(s.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn seal(&self, id: &str) -> Result<Option<crate::seal::service::SealRecord>, RepoError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(seal_from_row).transpose()
    }

    async fn seals(
        &self,
        holder: Option<&str>,
    ) -> Result<Vec<crate::seal::service::SealRecord>, RepoError> {
        let rows = match holder {
            Some(h) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {SEAL_COLUMNS} FROM seals WHERE holder = $1 ORDER BY id LIMIT 1000"
                )))
                .bind(h.to_string())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {SEAL_COLUMNS} FROM seals ORDER BY id LIMIT 1000"
                )))
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(seal_from_row).collect()
    }

    async fn set_seal_status(
        &self,
        id: &str,
        status: crate::seal::service::SealStatus,
        audit: &AuditEvent,
    ) -> Result<bool, RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // A revoked seal stays revoked.
        let n = sqlx::query("UPDATE seals SET status = $1 WHERE id = $2 AND status <> 'revoked'")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO seal_history (seal_id, at, actor, status) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(audit.at / 1000)
            .bind(&audit.actor)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            super::audit::append(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(n == 1)
    }
}
