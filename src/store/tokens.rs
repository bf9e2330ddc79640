//! The API token repository over SQL (`crate::auth::TokenRepository`).
//!
//! Owns the tokens table; must not import the other repositories.

use super::{Store, db_err, get};
use crate::auth::{Role, TokenRecord};
use crate::pki::repo::*;
use sqlx::any::AnyRow;

fn token_from_row(r: &AnyRow) -> Result<TokenRecord, RepoError> {
    Ok(TokenRecord {
        id: get(r, "id")?,
        hash: get(r, "hash")?,
        role: Role::parse(&get::<String>(r, "role")?)
            .ok_or_else(|| RepoError::Backend("bad role".into()))?,
        organization: get(r, "organization")?,
        certificate: get(r, "certificate")?,
        created_at: get(r, "created_at")?,
        expires_at: get(r, "expires_at")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

#[async_trait::async_trait]
impl TokenRepository for Store {
    async fn insert_token(&self, t: &TokenRecord, audit: &AuditEvent) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("INSERT INTO tokens (id, hash, role, organization, created_at, expires_at, revoked_at, certificate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&t.id)
            .bind(&t.hash)
            .bind(t.role.as_str())
            .bind(t.organization.clone())
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.revoked_at)
            .bind(t.certificate.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, RepoError> {
        let row = sqlx::query("SELECT id, hash, role, organization, certificate, created_at, expires_at, revoked_at FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn revoke_token(&self, id: &str, at: i64, audit: &AuditEvent) -> Result<bool, RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let n =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
        let exists = sqlx::query("SELECT id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .is_some();
        if n == 1 {
            super::audit::append(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(exists)
    }
}
