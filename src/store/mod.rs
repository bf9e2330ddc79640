//! Persistence: the [`Repository`] of the domain over SQLite (default) or PostgreSQL
//! (`postgres://…`), with sqlx's `Any` driver and runtime queries written once in SQL that both
//! accept. Each backend has its own migration set (`src/store/migrations/{sqlite,postgres}`).
//!
//! SQLite runs in WAL mode with `synchronous=FULL` (sqlx's default) and a 5 s busy timeout.
//! The audit table is append-only: triggers in both backends refuse UPDATE and DELETE.
//!
//! Layout (a file per repository): `certificates` implements [`Repository`] (region, CAs,
//! services, certificates, revocation and the audit log); `tokens` the [`crate::auth`] token
//! repository; `status` the
//! [`StatusRepository`](crate::status::service::StatusRepository) (revocation feed, CRLs, TSA
//! serials); `seals` the seal repository; `trust` the trust-list repository; `licences` the
//! [`LicenceRepository`](crate::licence::repo::LicenceRepository) (e-licence registry);
//! `holders` the [`HolderRepository`](crate::holder::repo::HolderRepository) (holder sessions,
//! grants of consented use, the holder's history);
//! `audit` maps audit rows and `group_commit` batches certificate inserts. `blobs` is the
//! filesystem [`BlobStore`](crate::licence::blobs::BlobStore) ([`FsBlobStore`]): no SQL.
//!
//! This file owns the connection, the migrations, [`Store`] and the row helpers every
//! repository uses; it must not import the repositories' internals.

use crate::crypto::Algorithm;
use crate::pki::region::Connector;
use crate::pki::repo::*;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::sync::mpsc;

mod audit;
mod backup;
mod blobs;
mod certificates;
mod group_commit;
mod holders;
mod licences;
mod log;
mod seals;
mod status;
mod tokens;
mod trust;

pub use blobs::FsBlobStore;
use group_commit::{PendingInsert, group_commit_writer};

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
    /// Batches the group-commit writer could not commit all at once and redid item by item.
    batch_fallbacks: Arc<AtomicU64>,
}

/// Longest wait for a connection (see [`Store::connect`]).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn db_err(e: sqlx::Error) -> RepoError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            RepoError::Conflict(d.message().to_string())
        }
        _ => RepoError::Backend(error_text(&e)),
    }
}

/// Whether `e` says the database cannot be reached now (down, restarting, shutting down, the
/// connection lost or none free in time) rather than that a statement failed.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (shut down, crashed,
        // cannot connect now), 53300 (too many connections).
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
        _ => false,
    }
}

/// The text of a database error, led by [`DATABASE_UNAVAILABLE`] when it is one of reach.
fn error_text(e: &sqlx::Error) -> String {
    if is_unavailable(e) {
        format!("{DATABASE_UNAVAILABLE}: {e}")
    } else {
        e.to_string()
    }
}

impl Store {
    /// Connect and migrate.
    pub async fn connect(url: &str) -> Result<Store, RepoError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // A database that is down (restarting, unreachable) is reported within this — as
            // 503 with Retry-After by the API — instead of holding the caller until the
            // request timeout; a healthy pool hands out connections far sooner.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // A statement's undo journal (multi-row INSERTs in a transaction) in
                        // memory rather than in a temporary file, and a page cache of 32 MiB
                        // rather than 2 MiB: the certificate indexes take random keys.
                        sqlx::query("PRAGMA temp_store = MEMORY")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA cache_size = -32768")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
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
            batch_fallbacks: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Route certificate inserts through one writer task that commits whatever is waiting in a
    /// single transaction (group commit): one fsync for many certificates. Each caller still
    /// gets its result only after the commit. Must be called inside a Tokio runtime.
    pub fn with_group_commit(mut self, max_batch: usize) -> Self {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(group_commit_writer(
            self.pool.clone(),
            rx,
            max_batch.max(1),
            self.batch_fallbacks.clone(),
        ));
        self.batcher = Some(tx);
        self
    }

    /// How many group-commit batches could not be committed all at once and were redone item
    /// by item (a serial collision does that; anything else is worth a look).
    pub fn group_commit_fallbacks(&self) -> u64 {
        self.batch_fallbacks
            .load(std::sync::atomic::Ordering::Relaxed)
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

/// The VALUES list of a multi-row INSERT: `rows` tuples of `cols` numbered placeholders,
/// `($1, …, $cols), ($cols+1, …)`.
fn placeholders(rows: usize, cols: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    tuples.join(", ")
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
