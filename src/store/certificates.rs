//! The PKI [`Repository`] over SQL: region, CAs, services, certificates (inserted directly or
//! through group commit), revocation and release with the status change feed, and the audit
//! log.
//!
//! Owns the certificates, CAs, region and services tables; must not import the other
//! repositories.

use super::audit::audit_from_row;
use super::group_commit::{PendingInsert, insert_pair};
use super::{Store, alg, db_err, get};
use crate::pki::repo::*;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use tokio::sync::oneshot;

/// After a conditional status UPDATE: record the change and its audit event when it moved,
/// commit, and say what happened (`unchanged` decides an idempotent repeat).
async fn finish_status_move(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    serial: &str,
    moved: bool,
    at: i64,
    audit: &AuditEvent,
    unchanged: impl Fn(&CertificateRecord) -> bool,
) -> Result<RevokeOutcome, RepoError> {
    if moved {
        record_change(&mut tx, serial, at).await?;
        super::audit::append(&mut tx, audit).await?;
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1"
    )))
    .bind(serial)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    let Some(row) = row else {
        return Ok(RevokeOutcome::NotFound);
    };
    let rec = cert_from_row(&row)?;
    Ok(if moved {
        RevokeOutcome::Changed(rec)
    } else if unchanged(&rec) {
        RevokeOutcome::Unchanged(rec)
    } else {
        RevokeOutcome::Conflict(rec)
    })
}

/// Append to the status change feed (read by OCSP caches in every process).
async fn record_change(
    conn: &mut sqlx::AnyConnection,
    serial: &str,
    at: i64,
) -> Result<(), RepoError> {
    sqlx::query("INSERT INTO status_changes (serial, issuer_ca, at) SELECT serial, issuer_ca, $1 FROM certificates WHERE serial = $2")
        .bind(at)
        .bind(serial)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn ca_from_row(r: &AnyRow) -> Result<CaRecord, RepoError> {
    Ok(CaRecord {
        id: get(r, "id")?,
        algorithm: alg(&get::<String>(r, "algorithm")?)?,
        role: CaRole::parse(&get::<String>(r, "role")?)
            .ok_or_else(|| RepoError::Backend("bad CA role".into()))?,
        parent_id: get(r, "parent_id")?,
        subject: get(r, "subject")?,
        serial: get(r, "serial")?,
        not_before: get(r, "not_before")?,
        not_after: get(r, "not_after")?,
        ski: get(r, "ski")?,
        key_id: get(r, "key_id")?,
        der: get(r, "der")?,
        created_at: get(r, "created_at")?,
    })
}

const CERT_COLUMNS: &str = "serial, issuer_ca, profile, algorithm, subject, holder_id, organization, not_before, not_after, status, revoked_at, revocation_reason, invalidity_date, der, created_at";

fn cert_from_row(r: &AnyRow) -> Result<CertificateRecord, RepoError> {
    Ok(CertificateRecord {
        serial: get(r, "serial")?,
        issuer_ca: get(r, "issuer_ca")?,
        profile: get(r, "profile")?,
        algorithm: alg(&get::<String>(r, "algorithm")?)?,
        subject: get(r, "subject")?,
        holder_id: get(r, "holder_id")?,
        organization: get(r, "organization")?,
        not_before: get(r, "not_before")?,
        not_after: get(r, "not_after")?,
        status: CertStatus::parse(&get::<String>(r, "status")?)
            .ok_or_else(|| RepoError::Backend("bad status".into()))?,
        revoked_at: get(r, "revoked_at")?,
        revocation_reason: get(r, "revocation_reason")?,
        invalidity_date: get(r, "invalidity_date")?,
        der: get(r, "der")?,
        created_at: get(r, "created_at")?,
    })
}

macro_rules! cert_insert_head {
    () => {
        "INSERT INTO certificates (serial, issuer_ca, profile, algorithm, subject, holder_id, organization, not_before, not_after, status, revoked_at, revocation_reason, der, created_at) VALUES "
    };
}
/// A certificate INSERT up to its VALUES list, which [`bind_cert`]'s 14 values fill.
pub(super) const CERT_INSERT_HEAD: &str = cert_insert_head!();
/// The number of values [`bind_cert`] binds.
pub(super) const CERT_COLUMN_COUNT: usize = 14;
pub(super) const INSERT_CERT: &str = concat!(
    cert_insert_head!(),
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
);

pub(super) fn bind_cert<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    c: &'q CertificateRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&c.serial)
        .bind(&c.issuer_ca)
        .bind(&c.profile)
        .bind(c.algorithm.as_str())
        .bind(&c.subject)
        .bind(&c.holder_id)
        .bind(c.organization.clone())
        .bind(c.not_before)
        .bind(c.not_after)
        .bind(c.status.as_str())
        .bind(c.revoked_at)
        .bind(c.revocation_reason)
        .bind(c.der.clone())
        .bind(c.created_at)
}

#[async_trait::async_trait]
impl Repository for Store {
    async fn region(&self) -> Result<Option<RegionRecord>, RepoError> {
        let row = sqlx::query("SELECT code, name, created_at FROM region")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(RegionRecord {
                code: get(&r, "code")?,
                name: get(&r, "name")?,
                created_at: get(&r, "created_at")?,
            })
        })
        .transpose()
    }

    async fn bootstrap_region(&self, b: &RegionBootstrap) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let existing = sqlx::query("SELECT code FROM region")
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if existing.is_some() {
            return Err(RepoError::Conflict(
                "a region already exists in this database".into(),
            ));
        }
        sqlx::query("INSERT INTO region (code, name, created_at) VALUES ($1, $2, $3)")
            .bind(&b.region.code)
            .bind(&b.region.name)
            .bind(b.region.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_parts(&mut tx, &b.cas, &b.certificates, &b.services, &b.audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn add_cas(&self, a: &CaAddition) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_parts(&mut tx, &a.cas, &a.certificates, &a.services, &a.audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn cas(&self) -> Result<Vec<CaRecord>, RepoError> {
        let rows = sqlx::query("SELECT id, algorithm, role, parent_id, subject, serial, not_before, not_after, ski, key_id, der, created_at FROM cas ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(ca_from_row).collect()
    }

    async fn services(&self) -> Result<Vec<ServiceRecord>, RepoError> {
        let rows = sqlx::query(
            "SELECT name, algorithm, profile, serial, key_id FROM services ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ServiceRecord {
                    name: get(r, "name")?,
                    algorithm: alg(&get::<String>(r, "algorithm")?)?,
                    profile: get(r, "profile")?,
                    serial: get(r, "serial")?,
                    key_id: get(r, "key_id")?,
                })
            })
            .collect()
    }

    async fn insert_certificate(
        &self,
        cert: &CertificateRecord,
        audit: &AuditEvent,
    ) -> Result<(), RepoError> {
        if let Some(b) = &self.batcher {
            let (done, wait) = oneshot::channel();
            b.send(PendingInsert {
                cert: cert.clone(),
                audit: audit.clone(),
                done,
            })
            .await
            .map_err(|_| RepoError::Backend("the database writer has stopped".into()))?;
            return wait
                .await
                .map_err(|_| RepoError::Backend("the database writer has stopped".into()))?;
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_pair(&mut tx, cert, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn certificate(&self, serial: &str) -> Result<Option<CertificateRecord>, RepoError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1"
        )))
        .bind(serial.to_ascii_uppercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(cert_from_row).transpose()
    }

    async fn certificates(
        &self,
        f: &CertificateFilter,
    ) -> Result<Vec<CertificateRecord>, RepoError> {
        let mut sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, col: &str, op: &str, v: String| {
            args.push(v);
            sql.push_str(&format!(" AND {col} {op} ${}", args.len()));
        };
        if let Some(p) = &f.profile {
            push(&mut sql, "profile", "=", p.clone());
        }
        if let Some(s) = f.status {
            push(&mut sql, "status", "=", s.as_str().into());
        }
        if let Some(h) = &f.holder {
            push(&mut sql, "holder_id", "=", h.clone());
        }
        if let Some(o) = &f.organization {
            push(&mut sql, "organization", "=", o.clone());
        }
        if let Some(a) = &f.after {
            push(&mut sql, "serial", ">", a.to_ascii_uppercase());
        }
        let limit = f.limit.clamp(1, 1000);
        sql.push_str(&format!(" ORDER BY serial LIMIT {limit}"));
        // Only column names and numbered placeholders are interpolated; values are bound.
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in &args {
            q = q.bind(a.clone());
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(cert_from_row).collect()
    }

    async fn append_audit(&self, e: &AuditEvent) -> Result<(), RepoError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        super::audit::append(&mut tx, e).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn revoke(
        &self,
        c: &StatusChange,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError> {
        let serial = c.serial.to_ascii_uppercase();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // One conditional UPDATE decides the race between concurrent revocations, on SQLite
        // and on PostgreSQL alike: only an allowed move matches.
        let moved = sqlx::query(
            "UPDATE certificates SET status = $1, revoked_at = $2, revocation_reason = $3, invalidity_date = $4 \
             WHERE serial = $5 AND (status = 'valid' OR (status = 'hold' AND $6 = 'revoked'))",
        )
        .bind(c.status.as_str())
        .bind(c.at)
        .bind(c.reason)
        .bind(c.invalidity_date)
        .bind(&serial)
        .bind(c.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        finish_status_move(tx, &serial, moved == 1, c.at, audit, |rec| {
            rec.status == c.status && rec.revocation_reason == Some(c.reason)
        })
        .await
    }

    async fn release(
        &self,
        serial: &str,
        at: i64,
        audit: &AuditEvent,
    ) -> Result<RevokeOutcome, RepoError> {
        let serial = serial.to_ascii_uppercase();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let moved = sqlx::query("UPDATE certificates SET status = 'valid', released_at = $1 WHERE serial = $2 AND status = 'hold'")
            .bind(at)
            .bind(&serial)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        finish_status_move(tx, &serial, moved == 1, at, audit, |rec| {
            rec.status == CertStatus::Valid
        })
        .await
    }

    async fn audit(&self, after: i64, limit: u32) -> Result<Vec<AuditEvent>, RepoError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, at, actor, action, object, outcome, detail FROM audit WHERE id > $1 ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        )))
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(audit_from_row).collect()
    }
}

/// Insert CAs, certificates, services and audit events inside `tx`.
async fn insert_parts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    cas: &[CaRecord],
    certificates: &[CertificateRecord],
    services: &[ServiceRecord],
    audit: &[AuditEvent],
) -> Result<(), RepoError> {
    for c in cas {
        sqlx::query("INSERT INTO cas (id, algorithm, role, parent_id, subject, serial, not_before, not_after, ski, key_id, der, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .bind(&c.id)
                .bind(c.algorithm.as_str())
                .bind(c.role.as_str())
                .bind(c.parent_id.clone())
                .bind(&c.subject)
                .bind(&c.serial)
                .bind(c.not_before)
                .bind(c.not_after)
                .bind(&c.ski)
                .bind(&c.key_id)
                .bind(c.der.clone())
                .bind(c.created_at)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
    }
    for c in certificates {
        bind_cert(sqlx::query(INSERT_CERT), c)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    for s in services {
        sqlx::query("INSERT INTO services (name, algorithm, profile, serial, key_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(&s.name)
                .bind(s.algorithm.as_str())
                .bind(&s.profile)
                .bind(&s.serial)
                .bind(&s.key_id)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
    }
    for e in audit {
        super::audit::append(tx, e).await?;
    }
    Ok(())
}
