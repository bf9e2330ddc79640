//! The [`StatusRepository`] over SQL: the revoked entries, CRLs, the status change feed and
//! TSA serial allocation.
//!
//! Owns the CRL, status-change and TSA-serial tables (reading certificates); must not import
//! the other repositories.

use super::{Store, db_err, get};
use crate::pki::repo::*;
use crate::status::crl::RevokedEntry;
use crate::status::service::{CrlRecord, StatusRepository};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

fn serial_bytes(hex_serial: &str) -> Result<Vec<u8>, RepoError> {
    hex::decode(hex_serial)
        .map_err(|e| RepoError::Backend(format!("stored serial {hex_serial}: {e}")))
}

fn crl_from_row(r: &AnyRow) -> Result<CrlRecord, RepoError> {
    Ok(CrlRecord {
        ca_id: get(r, "ca_id")?,
        number: get::<i64>(r, "number")? as u64,
        base_number: get::<Option<i64>>(r, "base_number")?.map(|n| n as u64),
        this_update: get(r, "this_update")?,
        next_update: get(r, "next_update")?,
        entries: get::<i64>(r, "entries")? as u64,
        der: get(r, "der")?,
    })
}

#[async_trait::async_trait]
impl StatusRepository for Store {
    async fn for_each_revoked(
        &self,
        ca_id: &str,
        since: Option<i64>,
        f: &mut (dyn FnMut(RevokedEntry) -> Result<(), crate::status::crl::CrlError> + Send),
    ) -> Result<(), RepoError> {
        use futures_util::TryStreamExt;
        let q = match since {
            None => sqlx::query(
                "SELECT serial, status, revoked_at, revocation_reason, invalidity_date, released_at FROM certificates \
                 WHERE issuer_ca = $1 AND status IN ('revoked', 'hold')",
            )
            .bind(ca_id.to_string()),
            Some(t) => sqlx::query(
                "SELECT serial, status, revoked_at, revocation_reason, invalidity_date, released_at FROM certificates \
                 WHERE issuer_ca = $1 AND ((status IN ('revoked', 'hold') AND revoked_at >= $2) \
                 OR (status = 'valid' AND released_at >= $3 AND revoked_at <= $4))",
            )
            .bind(ca_id.to_string())
            .bind(t)
            .bind(t)
            .bind(t),
        };
        let mut rows = q.fetch(&self.pool);
        while let Some(r) = rows.try_next().await.map_err(db_err)? {
            let status: String = get(&r, "status")?;
            let serial = serial_bytes(&get::<String>(&r, "serial")?)?;
            let entry = if status == "valid" {
                RevokedEntry {
                    serial,
                    revoked_at: get::<Option<i64>>(&r, "released_at")?.unwrap_or(0),
                    reason: crate::status::crl::REMOVE_FROM_CRL,
                    invalidity_date: None,
                }
            } else {
                RevokedEntry {
                    serial,
                    revoked_at: get::<Option<i64>>(&r, "revoked_at")?.unwrap_or(0),
                    reason: get::<Option<i64>>(&r, "revocation_reason")?.unwrap_or(0),
                    invalidity_date: get(&r, "invalidity_date")?,
                }
            };
            f(entry).map_err(|e| RepoError::Backend(e.to_string()))?;
        }
        Ok(())
    }

    async fn store_crl(&self, c: &CrlRecord) -> Result<(), RepoError> {
        sqlx::query(
            "INSERT INTO crls (ca_id, number, base_number, this_update, next_update, entries, der) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&c.ca_id)
        .bind(c.number as i64)
        .bind(c.base_number.map(|n| n as i64))
        .bind(c.this_update)
        .bind(c.next_update)
        .bind(c.entries as i64)
        .bind(c.der.clone())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn latest_crl(&self, ca_id: &str, delta: bool) -> Result<Option<CrlRecord>, RepoError> {
        let sql = if delta {
            "SELECT ca_id, number, base_number, this_update, next_update, entries, der FROM crls WHERE ca_id = $1 AND base_number IS NOT NULL ORDER BY number DESC LIMIT 1"
        } else {
            "SELECT ca_id, number, base_number, this_update, next_update, entries, der FROM crls WHERE ca_id = $1 AND base_number IS NULL ORDER BY number DESC LIMIT 1"
        };
        let row = sqlx::query(sql)
            .bind(ca_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(crl_from_row).transpose()
    }

    async fn latest_crl_this_update(
        &self,
        ca_id: &str,
        delta: bool,
    ) -> Result<Option<i64>, RepoError> {
        let sql = if delta {
            "SELECT this_update FROM crls WHERE ca_id = $1 AND base_number IS NOT NULL ORDER BY number DESC LIMIT 1"
        } else {
            "SELECT this_update FROM crls WHERE ca_id = $1 AND base_number IS NULL ORDER BY number DESC LIMIT 1"
        };
        let row = sqlx::query(sql)
            .bind(ca_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref()
            .map(|r| get::<i64>(r, "this_update"))
            .transpose()
    }

    async fn max_crl_number(&self, ca_id: &str) -> Result<u64, RepoError> {
        let row = sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM crls WHERE ca_id = $1")
            .bind(ca_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(get::<i64>(&row, "n")? as u64)
    }

    async fn status_changes_since(
        &self,
        seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, RepoError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT seq, serial, issuer_ca FROM status_changes WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.clamp(1, 100_000)
        )))
        .bind(seq)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, "seq")?, get(r, "serial")?, get(r, "issuer_ca")?)))
            .collect()
    }

    async fn last_status_change(&self) -> Result<i64, RepoError> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM status_changes")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        get(&row, "n")
    }

    async fn allocate_tsa_serials(&self, n: u64) -> Result<u64, RepoError> {
        let row = sqlx::query("UPDATE tsa_state SET next_serial = next_serial + $1 WHERE id = 1 RETURNING next_serial - $2 AS first")
            .bind(n as i64)
            .bind(n as i64)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(get::<i64>(&row, "first")? as u64)
    }
}
