//! A consistent copy of a SQLite database while it serves (`VACUUM INTO`: one read
//! transaction, so the copy is one point in time whatever writers do meanwhile). PostgreSQL is
//! copied with `pg_dump` by the composition root.
//!
//! Owns: the SQLite snapshot. Must not import the repositories.

use super::{Backend, Store, db_err};
use crate::pki::repo::RepoError;
use sqlx::AssertSqlSafe;
use std::path::Path;

impl Store {
    /// Write a consistent copy of this SQLite database to `path` (which must not exist).
    pub async fn snapshot_sqlite(&self, path: &Path) -> Result<(), RepoError> {
        if self.backend != Backend::Sqlite {
            return Err(RepoError::Backend(
                "a SQLite snapshot of a PostgreSQL database".into(),
            ));
        }
        let p = path
            .to_str()
            .ok_or_else(|| RepoError::Backend("the snapshot path is not UTF-8".into()))?;
        // A string literal: quotes doubled.
        let lit = p.replace('\'', "''");
        sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{lit}'")))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
