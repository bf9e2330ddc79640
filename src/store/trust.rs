//! The trust-list repository over SQL (`crate::trust::TrustRepository`): our own lists and
//! the peers'.
//!
//! Owns the trust-list tables; must not import the other repositories.

use super::{Store, db_err, get};
use crate::pki::repo::*;

#[async_trait::async_trait]
impl crate::trust::TrustRepository for Store {
    async fn latest_own_list(&self) -> Result<Option<crate::trust::OwnList>, RepoError> {
        let row = sqlx::query(
            "SELECT seq, issued_at, next_update, content, signed_sm2, signed_p256 \
             FROM trust_lists ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| {
            Ok(crate::trust::OwnList {
                sequence: get::<i64>(&r, "seq")? as u64,
                issued_at: get(&r, "issued_at")?,
                next_update: get(&r, "next_update")?,
                content: get(&r, "content")?,
                signed_sm2: get(&r, "signed_sm2")?,
                signed_p256: get(&r, "signed_p256")?,
            })
        })
        .transpose()
    }

    async fn insert_own_list(
        &self,
        l: &crate::trust::OwnList,
        audit: &AuditEvent,
    ) -> Result<bool, RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let inserted = sqlx::query(
            "INSERT INTO trust_lists (seq, issued_at, next_update, content, signed_sm2, signed_p256) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(l.sequence as i64)
        .bind(l.issued_at)
        .bind(l.next_update)
        .bind(&l.content)
        .bind(l.signed_sm2.clone())
        .bind(l.signed_p256.clone())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => return Ok(false),
            Err(e) => return Err(db_err(e)),
        }
        super::audit::append(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn insert_peer_list(&self, r: &crate::trust::PeerListRecord) -> Result<(), RepoError> {
        let res = sqlx::query(
            "INSERT INTO peer_lists (region, seq, issued_at, next_update, fetched_at, signed) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&r.region)
        .bind(r.sequence as i64)
        .bind(r.issued_at)
        .bind(r.next_update)
        .bind(r.fetched_at)
        .bind(r.signed.clone())
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Ok(()),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn peer_lists(
        &self,
        region: &str,
    ) -> Result<Vec<crate::trust::PeerListRecord>, RepoError> {
        let rows = sqlx::query(
            "SELECT region, seq, issued_at, next_update, fetched_at, signed \
             FROM peer_lists WHERE region = $1 ORDER BY seq",
        )
        .bind(region.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(crate::trust::PeerListRecord {
                    region: get(r, "region")?,
                    sequence: get::<i64>(r, "seq")? as u64,
                    issued_at: get(r, "issued_at")?,
                    next_update: get(r, "next_update")?,
                    fetched_at: get(r, "fetched_at")?,
                    signed: get(r, "signed")?,
                })
            })
            .collect()
    }
}
