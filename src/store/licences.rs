//! The licence registry over SQL ([`LicenceRepository`]): the licences (one row per version),
//! their events and the serial counters, with every lifecycle event also appended to the audit
//! log in the same transaction.
//!
//! Each change is a check-and-set on the stored status (`UPDATE … WHERE status IN (…)`, one
//! row affected or nothing changes), so two operators racing on one licence cannot both win.
//!
//! Owns the `licences`, `licence_events` and `licence_serials` tables; must not import the
//! other repositories.

use super::{Store, get};
use crate::licence::record::{Event, Status};
use crate::licence::repo::{
    LicenceEventRow, LicenceRepository, LicenceRow, LicenceStoreError, LicenceSummary, StatusRow,
    Unique, event_named,
};
use crate::pki::repo::{AuditEvent, RepoError};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

const COLUMNS: &str = "identifier, lineage, kind, type_code, issuer_code, issuer_name, serial, \
     version, holder_name, holder_hash, number, issue_date, valid_from, valid_to, status, \
     superseded_by, status_reason, external_key, data, data_signature, document_sha256, \
     issued_at, updated_at, qr_text";

/// Most rows a holder query returns.
const MAX_HOLDER_ROWS: u32 = 1000;

/// Map a database error: unique violations name the rule broken (from the index or column
/// names in the message, which both backends include).
fn err(e: sqlx::Error) -> LicenceStoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            let text = format!("{} {}", d.message(), d.constraint().unwrap_or(""));
            let what = if text.contains("external_key") {
                Unique::ExternalKey
            } else if text.contains("serial") {
                Unique::SerialVersion
            } else {
                Unique::Identifier
            };
            LicenceStoreError::Duplicate { what }
        }
        _ => LicenceStoreError::Backend(super::error_text(&e)),
    }
}

fn repo_err(e: RepoError) -> LicenceStoreError {
    LicenceStoreError::Backend(e.to_string())
}

fn invalid(what: &str) -> LicenceStoreError {
    LicenceStoreError::Invalid(what.to_string())
}

fn row_from(r: &AnyRow) -> Result<LicenceRow, LicenceStoreError> {
    let g = |e: RepoError| repo_err(e);
    let status: String = get(r, "status").map_err(g)?;
    let version: i64 = get(r, "version").map_err(g)?;
    Ok(LicenceRow {
        identifier: get(r, "identifier").map_err(g)?,
        lineage: get(r, "lineage").map_err(g)?,
        kind: get(r, "kind").map_err(g)?,
        type_code: get(r, "type_code").map_err(g)?,
        issuer_code: get(r, "issuer_code").map_err(g)?,
        issuer_name: get(r, "issuer_name").map_err(g)?,
        serial: get(r, "serial").map_err(g)?,
        version: u16::try_from(version)
            .map_err(|_| LicenceStoreError::Backend(format!("bad licence version {version}")))?,
        holder_name: get(r, "holder_name").map_err(g)?,
        holder_hash: get(r, "holder_hash").map_err(g)?,
        number: get(r, "number").map_err(g)?,
        issue_date: get(r, "issue_date").map_err(g)?,
        valid_from: get(r, "valid_from").map_err(g)?,
        valid_to: get(r, "valid_to").map_err(g)?,
        status: Status::parse(&status)
            .ok_or_else(|| LicenceStoreError::Backend(format!("bad licence status {status}")))?,
        superseded_by: get(r, "superseded_by").map_err(g)?,
        status_reason: get(r, "status_reason").map_err(g)?,
        external_key: get(r, "external_key").map_err(g)?,
        data: get(r, "data").map_err(g)?,
        data_signature: get(r, "data_signature").map_err(g)?,
        document_sha256: get(r, "document_sha256").map_err(g)?,
        issued_at: get(r, "issued_at").map_err(g)?,
        updated_at: get(r, "updated_at").map_err(g)?,
        qr_text: get(r, "qr_text").map_err(g)?,
    })
}

fn event_from(r: &AnyRow) -> Result<LicenceEventRow, LicenceStoreError> {
    let g = |e: RepoError| repo_err(e);
    let name: String = get(r, "event").map_err(g)?;
    Ok(LicenceEventRow {
        licence: get(r, "licence").map_err(g)?,
        event: event_named(&name)
            .ok_or_else(|| LicenceStoreError::Backend(format!("bad licence event {name}")))?,
        actor: get(r, "actor").map_err(g)?,
        reason: get(r, "reason").map_err(g)?,
        at: get(r, "at").map_err(g)?,
    })
}

async fn insert_row(tx: &mut Tx<'_>, l: &LicenceRow) -> Result<(), LicenceStoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO licences ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
    )))
    .bind(&l.identifier)
    .bind(&l.lineage)
    .bind(&l.kind)
    .bind(&l.type_code)
    .bind(&l.issuer_code)
    .bind(&l.issuer_name)
    .bind(&l.serial)
    .bind(i64::from(l.version))
    .bind(&l.holder_name)
    .bind(&l.holder_hash)
    .bind(&l.number)
    .bind(&l.issue_date)
    .bind(&l.valid_from)
    .bind(l.valid_to.clone())
    .bind(l.status.name())
    .bind(l.superseded_by.clone())
    .bind(l.status_reason.clone())
    .bind(l.external_key.clone())
    .bind(l.data.clone())
    .bind(l.data_signature.clone())
    .bind(&l.document_sha256)
    .bind(l.issued_at)
    .bind(l.updated_at)
    .bind(l.qr_text.clone())
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    Ok(())
}

/// The event row and its audit line.
async fn insert_event(
    tx: &mut Tx<'_>,
    e: &LicenceEventRow,
    detail: &str,
) -> Result<(), LicenceStoreError> {
    sqlx::query(
        "INSERT INTO licence_events (licence, event, actor, reason, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&e.licence)
    .bind(e.event.name())
    .bind(&e.actor)
    .bind(e.reason.clone())
    .bind(e.at)
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    // The transparency log records the version's signed data (by its hash) and its holder
    // (salted hash or credit code), never the printed names.
    let row = sqlx::query("SELECT data_signature, holder_hash FROM licences WHERE identifier = $1")
        .bind(&e.licence)
        .fetch_one(&mut **tx)
        .await
        .map_err(err)?;
    let signed: Vec<u8> = get(&row, "data_signature").map_err(repo_err)?;
    let holder: String = get(&row, "holder_hash").map_err(repo_err)?;
    let entry = crate::transparency::entry::Entry::new(e.event.name(), e.at, &e.licence, &signed)
        .holder(Some(&holder));
    // The reason is the agency's free text: kept with the licence, not in the audit log.
    let audit = AuditEvent {
        id: 0,
        at: e.at.saturating_mul(1000),
        actor: e.actor.clone(),
        action: e.event.name().to_string(),
        object: format!("licence:{}", e.licence),
        outcome: "success".into(),
        detail: detail.to_string(),
        log: Some(entry),
    };
    super::audit::append(tx, &audit).await.map_err(repo_err)?;
    Ok(())
}

/// After a check-and-set changed nothing: why (absent, or in another status).
async fn why_unchanged(tx: &mut Tx<'_>, id: &str) -> LicenceStoreError {
    let found = sqlx::query("SELECT status FROM licences WHERE identifier = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await;
    match found {
        Ok(None) => LicenceStoreError::NotFound(id.to_string()),
        Ok(Some(r)) => match get::<String>(&r, "status") {
            Ok(s) => LicenceStoreError::Conflict(format!("licence {id} is {s}")),
            Err(e) => repo_err(e),
        },
        Err(e) => err(e),
    }
}

impl Store {
    /// Which rule a refused insert of `row` broke: the rows it clashed with are never deleted,
    /// so they are still there to find (the database's message alone names only the first
    /// index it checked, which differs between backends).
    async fn refine(&self, e: LicenceStoreError, row: &LicenceRow) -> LicenceStoreError {
        let LicenceStoreError::Duplicate { what: guess } = e else {
            return e;
        };
        let pool = &self.pool;
        let found = |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>| async move {
            matches!(q.fetch_optional(pool).await, Ok(Some(_)))
        };
        let by_id = sqlx::query("SELECT 1 AS x FROM licences WHERE identifier = $1")
            .bind(row.identifier.clone());
        let by_key = row.external_key.clone().map(|key| {
            sqlx::query("SELECT 1 AS x FROM licences WHERE issuer_code = $1 AND external_key = $2")
                .bind(row.issuer_code.clone())
                .bind(key)
        });
        let by_serial = sqlx::query(
            "SELECT 1 AS x FROM licences WHERE issuer_code = $1 AND type_code = $2 \
             AND serial = $3 AND version = $4",
        )
        .bind(row.issuer_code.clone())
        .bind(row.type_code.clone())
        .bind(row.serial.clone())
        .bind(i64::from(row.version));
        let what = if found(by_id).await {
            Unique::Identifier
        } else if let Some(q) = by_key
            && found(q).await
        {
            Unique::ExternalKey
        } else if found(by_serial).await {
            Unique::SerialVersion
        } else {
            guess
        };
        LicenceStoreError::Duplicate { what }
    }

    async fn licences_where(
        &self,
        condition: &str,
        binds: &[&str],
    ) -> Result<Vec<LicenceRow>, LicenceStoreError> {
        let sql = format!("SELECT {COLUMNS} FROM licences WHERE {condition}");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b.to_string());
        }
        let rows = q.fetch_all(&self.pool).await.map_err(err)?;
        rows.iter().map(row_from).collect()
    }
}

#[async_trait::async_trait]
impl LicenceRepository for Store {
    async fn insert_issued(
        &self,
        row: &LicenceRow,
        event: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        if event.licence != row.identifier || event.event != Event::Issue {
            return Err(invalid(
                "an issued licence is recorded with its own issue event",
            ));
        }
        let mut tx = self.pool.begin().await.map_err(err)?;
        if let Err(e) = insert_row(&mut tx, row).await {
            drop(tx);
            return Err(self.refine(e, row).await);
        }
        insert_event(&mut tx, event, "").await?;
        tx.commit().await.map_err(err)
    }

    async fn supersede(
        &self,
        old_id: &str,
        new_row: &LicenceRow,
        superseded: &LicenceEventRow,
        issued: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        if superseded.licence != old_id || superseded.event != Event::Supersede {
            return Err(invalid(
                "the old version is recorded with a supersede event",
            ));
        }
        if issued.licence != new_row.identifier || issued.event != Event::Issue {
            return Err(invalid(
                "the new version is recorded with its own issue event",
            ));
        }
        if new_row.identifier == old_id {
            return Err(invalid("a version cannot supersede itself"));
        }
        let mut tx = self.pool.begin().await.map_err(err)?;
        // Check-and-set first: of two racing changes, the second waits on the row and then
        // finds it superseded.
        let n = sqlx::query(
            "UPDATE licences SET status = 'superseded', superseded_by = $1, updated_at = $2 \
             WHERE identifier = $3 AND status IN ('active', 'suspended') AND lineage = $4",
        )
        .bind(&new_row.identifier)
        .bind(superseded.at)
        .bind(old_id)
        .bind(&new_row.lineage)
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected();
        if n != 1 {
            let lineage = sqlx::query("SELECT lineage FROM licences WHERE identifier = $1")
                .bind(old_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
            if let Some(r) = lineage
                && get::<String>(&r, "lineage").map_err(repo_err)? != new_row.lineage
            {
                return Err(invalid("a new version keeps the lineage of the old one"));
            }
            return Err(why_unchanged(&mut tx, old_id).await);
        }
        if let Err(e) = insert_row(&mut tx, new_row).await {
            drop(tx);
            return Err(self.refine(e, new_row).await);
        }
        insert_event(
            &mut tx,
            superseded,
            &format!("superseded by {}", new_row.identifier),
        )
        .await?;
        insert_event(&mut tx, issued, &format!("supersedes {old_id}")).await?;
        tx.commit().await.map_err(err)
    }

    async fn set_status(
        &self,
        id: &str,
        from: &[Status],
        to: Status,
        reason: Option<&str>,
        event: &LicenceEventRow,
    ) -> Result<(), LicenceStoreError> {
        if to == Status::Superseded {
            return Err(invalid("a licence is superseded by a new version only"));
        }
        if from.is_empty() {
            return Err(invalid("no status to change from"));
        }
        if event.licence != id || event.event.target() != to {
            return Err(invalid("the event does not match the change"));
        }
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "UPDATE licences SET status = $1, status_reason = $2, updated_at = $3 \
             WHERE identifier = $4 AND status IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(to.name())
            .bind(reason.map(str::to_string))
            .bind(event.at)
            .bind(id);
        for s in from {
            q = q.bind(s.name());
        }
        let mut tx = self.pool.begin().await.map_err(err)?;
        let n = q.execute(&mut *tx).await.map_err(err)?.rows_affected();
        if n != 1 {
            return Err(why_unchanged(&mut tx, id).await);
        }
        insert_event(&mut tx, event, "").await?;
        tx.commit().await.map_err(err)
    }

    async fn by_identifier(&self, id: &str) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self
            .licences_where("identifier = $1", &[id])
            .await?
            .into_iter()
            .next())
    }

    async fn by_lineage(&self, lineage: &str) -> Result<Vec<LicenceRow>, LicenceStoreError> {
        self.licences_where("lineage = $1 ORDER BY version", &[lineage])
            .await
    }

    async fn status_of(&self, id: &str) -> Result<Option<StatusRow>, LicenceStoreError> {
        let Some(r) = sqlx::query(
            "SELECT identifier, lineage, version, status, valid_to, superseded_by \
             FROM licences WHERE identifier = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?
        else {
            return Ok(None);
        };
        let g = |e: RepoError| repo_err(e);
        let status: String = get(&r, "status").map_err(g)?;
        let version: i64 = get(&r, "version").map_err(g)?;
        Ok(Some(StatusRow {
            identifier: get(&r, "identifier").map_err(g)?,
            lineage: get(&r, "lineage").map_err(g)?,
            version: u16::try_from(version).map_err(|_| {
                LicenceStoreError::Backend(format!("bad licence version {version}"))
            })?,
            status: Status::parse(&status).ok_or_else(|| {
                LicenceStoreError::Backend(format!("bad licence status {status}"))
            })?,
            valid_to: get(&r, "valid_to").map_err(g)?,
            superseded_by: get(&r, "superseded_by").map_err(g)?,
        }))
    }

    async fn current_version(
        &self,
        lineage: &str,
    ) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self
            .licences_where("lineage = $1 ORDER BY version DESC LIMIT 1", &[lineage])
            .await?
            .into_iter()
            .next())
    }

    async fn by_holder(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, LicenceStoreError> {
        let limit = limit.clamp(1, MAX_HOLDER_ROWS);
        self.licences_where(
            &format!("holder_hash = $1 ORDER BY issued_at DESC, identifier LIMIT {limit}"),
            &[holder_hash],
        )
        .await
    }

    async fn held_by(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<LicenceSummary>, LicenceStoreError> {
        let limit = limit.clamp(1, MAX_HOLDER_ROWS);
        // Exactly the columns of `licences_holder_list`, in its order: PostgreSQL and SQLite
        // both answer from the index alone.
        let sql = format!(
            "SELECT identifier, issued_at, kind, type_code, issuer_name, version, holder_name, \
             number, valid_to, status, superseded_by FROM licences WHERE holder_hash = $1 \
             ORDER BY issued_at DESC, identifier LIMIT {limit}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(holder_hash)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        let g = |e: RepoError| repo_err(e);
        rows.iter()
            .map(|r| {
                let status: String = get(r, "status").map_err(g)?;
                let version: i64 = get(r, "version").map_err(g)?;
                Ok(LicenceSummary {
                    identifier: get(r, "identifier").map_err(g)?,
                    kind: get(r, "kind").map_err(g)?,
                    type_code: get(r, "type_code").map_err(g)?,
                    issuer_name: get(r, "issuer_name").map_err(g)?,
                    version: u16::try_from(version).map_err(|_| {
                        LicenceStoreError::Backend(format!("bad licence version {version}"))
                    })?,
                    holder_name: get(r, "holder_name").map_err(g)?,
                    number: get(r, "number").map_err(g)?,
                    valid_to: get(r, "valid_to").map_err(g)?,
                    status: Status::parse(&status).ok_or_else(|| {
                        LicenceStoreError::Backend(format!("bad licence status {status}"))
                    })?,
                    superseded_by: get(r, "superseded_by").map_err(g)?,
                    issued_at: get(r, "issued_at").map_err(g)?,
                })
            })
            .collect()
    }

    async fn by_external_key(
        &self,
        issuer_code: &str,
        external_key: &str,
    ) -> Result<Option<LicenceRow>, LicenceStoreError> {
        Ok(self
            .licences_where(
                "issuer_code = $1 AND external_key = $2",
                &[issuer_code, external_key],
            )
            .await?
            .into_iter()
            .next())
    }

    async fn next_serial(
        &self,
        issuer_code: &str,
        type_code: &str,
    ) -> Result<u64, LicenceStoreError> {
        // One statement: atomic on both backends (a row lock on PostgreSQL, the write lock on
        // SQLite), including the first call for a new (issuer, type).
        let row = sqlx::query(
            "INSERT INTO licence_serials (issuer_code, type_code, last_serial) VALUES ($1, $2, 1) \
             ON CONFLICT (issuer_code, type_code) \
             DO UPDATE SET last_serial = licence_serials.last_serial + 1 \
             RETURNING last_serial",
        )
        .bind(issuer_code)
        .bind(type_code)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        let n: i64 = get(&row, "last_serial").map_err(repo_err)?;
        u64::try_from(n).map_err(|_| LicenceStoreError::Backend(format!("bad serial counter {n}")))
    }

    async fn events(&self, id: &str) -> Result<Vec<LicenceEventRow>, LicenceStoreError> {
        let rows = sqlx::query(
            "SELECT licence, event, actor, reason, at FROM licence_events \
             WHERE licence = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(event_from).collect()
    }
}
