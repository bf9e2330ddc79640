//! Persistence: the [`Repository`] of the domain over SQLite (default) or PostgreSQL
//! (`postgres://…`), with sqlx's `Any` driver and runtime queries written once in SQL that both
//! accept. Each backend has its own migration set (`src/store/migrations/{sqlite,postgres}`).
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (sqlx's default) and a 5 s busy timeout.
//! The audit table is append-only: triggers in both backends refuse UPDATE and DELETE.

use crate::auth::{Role, TokenRecord};
use crate::crypto::Algorithm;
use crate::pki::region::Connector;
use crate::pki::repo::*;
use crate::status::crl::RevokedEntry;
use crate::status::service::{CrlRecord, StatusRepository};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("src/store/migrations/postgres");

/// Which backend a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// From a URL scheme.
    pub fn of(url: &str) -> Result<Backend, RepoError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(RepoError::Backend(
                "database URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }
}

/// The SQL store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    batcher: Option<mpsc::Sender<PendingInsert>>,
}

/// A certificate waiting for the group-commit writer.
#[derive(Debug)]
struct PendingInsert {
    cert: CertificateRecord,
    audit: AuditEvent,
    done: oneshot::Sender<Result<(), RepoError>>,
}

/// Insert one certificate and its audit event on a connection or transaction.
async fn insert_pair(
    conn: &mut sqlx::AnyConnection,
    cert: &CertificateRecord,
    audit: &AuditEvent,
) -> Result<(), RepoError> {
    bind_cert(sqlx::query(INSERT_CERT), cert)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    bind_audit(sqlx::query(INSERT_AUDIT), audit)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
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

async fn group_commit_writer(
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

fn db_err(e: sqlx::Error) -> RepoError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            RepoError::Conflict(d.message().to_string())
        }
        _ => RepoError::Backend(e.to_string()),
    }
}

impl Store {
    /// Connect and migrate.
    pub async fn connect(url: &str) -> Result<Store, RepoError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .connect(url)
            .await
            .map_err(|e| RepoError::Backend(format!("cannot connect to the database: {e}")))?;
        if backend == Backend::Sqlite {
            // WAL persists in the database file once set.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await
                .map_err(db_err)?;
        }
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.run(&pool)
            .await
            .map_err(|e| RepoError::Backend(format!("migration failed: {e}")))?;
        if backend == Backend::Sqlite {
            restrict_sqlite_file(url);
        }
        Ok(Store {
            pool,
            backend,
            batcher: None,
        })
    }

    /// Route certificate inserts through one writer task that commits whatever is waiting in a
    /// single transaction (group commit): one fsync for many certificates. Each caller still
    /// gets its result only after the commit. Must be called inside a Tokio runtime.
    pub fn with_group_commit(mut self, max_batch: usize) -> Self {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(group_commit_writer(self.pool.clone(), rx, max_batch.max(1)));
        self.batcher = Some(tx);
        self
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Close the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

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
        bind_audit(sqlx::query(INSERT_AUDIT), audit)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
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

/// Make a SQLite database file (and its WAL files) readable by the owner only.
fn restrict_sqlite_file(url: &str) {
    #[cfg(unix)]
    if let Some(rest) = url.strip_prefix("sqlite://") {
        use std::os::unix::fs::PermissionsExt;
        let path = rest.split('?').next().unwrap_or(rest);
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if std::path::Path::new(&p).exists() {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
}

/// The default [`Connector`].
pub struct SqlConnector;

#[async_trait::async_trait]
impl Connector for SqlConnector {
    async fn connect(&self, url: &str) -> Result<Arc<dyn Repository>, RepoError> {
        Ok(Arc::new(Store::connect(url).await?))
    }
}

fn alg(s: &str) -> Result<Algorithm, RepoError> {
    Algorithm::from_str(s).map_err(|e| RepoError::Backend(e.to_string()))
}

fn get<T>(row: &AnyRow, col: &str) -> Result<T, RepoError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get::<T, _>(col)
        .map_err(|e| RepoError::Backend(format!("column {col}: {e}")))
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

fn audit_from_row(r: &AnyRow) -> Result<AuditEvent, RepoError> {
    Ok(AuditEvent {
        id: get(r, "id")?,
        at: get(r, "at")?,
        actor: get(r, "actor")?,
        action: get(r, "action")?,
        object: get(r, "object")?,
        outcome: get(r, "outcome")?,
        detail: get(r, "detail")?,
    })
}

const INSERT_CERT: &str = "INSERT INTO certificates (serial, issuer_ca, profile, algorithm, subject, holder_id, organization, not_before, not_after, status, revoked_at, revocation_reason, der, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
const INSERT_AUDIT: &str = "INSERT INTO audit (at, actor, action, object, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)";

fn bind_cert<'q>(
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

fn bind_audit<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    e: &'q AuditEvent,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.object)
        .bind(&e.outcome)
        .bind(&e.detail)
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
        for c in &b.cas {
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
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for c in &b.certificates {
            bind_cert(sqlx::query(INSERT_CERT), c)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for s in &b.services {
            sqlx::query("INSERT INTO services (name, algorithm, profile, serial, key_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(&s.name)
                .bind(s.algorithm.as_str())
                .bind(&s.profile)
                .bind(&s.serial)
                .bind(&s.key_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for e in &b.audit {
            bind_audit(sqlx::query(INSERT_AUDIT), e)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
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
        bind_audit(sqlx::query(INSERT_AUDIT), e)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
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
        bind_audit(sqlx::query(INSERT_AUDIT), audit)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
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
            bind_audit(sqlx::query(INSERT_AUDIT), audit)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(exists)
    }
}

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
        bind_audit(sqlx::query(INSERT_AUDIT), audit)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
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
            bind_audit(sqlx::query(INSERT_AUDIT), audit)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(n == 1)
    }
}

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
        bind_audit(sqlx::query(INSERT_AUDIT), audit)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
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
