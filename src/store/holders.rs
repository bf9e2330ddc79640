//! The holder side over SQL ([`HolderRepository`]): sessions, grants of consented use and the
//! holder's history, with every event also appended to the audit log in the same transaction.
//!
//! The audit line of an event names the licence (or `holder`), the grant and the agency, and
//! carries the event's detail, never the holder's hash (for a person, personal data): the
//! holder's own history keeps that link.
//!
//! Using a grant is one transaction that starts with the check-and-set (`UPDATE … WHERE` every
//! condition of [`refusal`] holds `RETURNING …`): on PostgreSQL a racing use waits on the row
//! and re-checks the conditions, on SQLite the statement takes the write lock first (no
//! read-then-write upgrade to fail), so a grant is never used more than its `max_uses`. Only
//! when nothing changed does a read of the grant tell why.
//!
//! Owns the `holder_sessions`, `holder_grants` and `holder_events` tables; must not import the
//! other repositories.

use super::{Store, get};
use crate::holder::grant::{GrantRecord, Refusal, refusal};
use crate::holder::repo::{HolderEvent, HolderRepository, HolderStoreError};
use crate::holder::session::SessionRecord;
use crate::holder::{HolderIdentity, HolderKind};
use crate::pki::repo::{AuditEvent, RepoError};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

const GRANT_COLUMNS: &str = "id, code_hash, holder_hash, licence, agency, service_item, \
     case_number, created_at, until, max_uses, uses, unmask, withdrawn_at";

const EVENT_COLUMNS: &str = "id, holder_hash, at, kind, licence, agency, grant_id, detail, actor";

/// Most rows a list returns.
const MAX_ROWS: u32 = 1000;

/// Kinds of events written by a method of their own (with its change), not by `append_event`.
const OWNED_KINDS: [&str; 5] = [
    "sign-in",
    "grant",
    "withdraw",
    "exchange",
    "exchange-refused",
];

fn err(e: sqlx::Error) -> HolderStoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            HolderStoreError(format!("duplicate: {}", d.message()))
        }
        _ => HolderStoreError(super::error_text(&e)),
    }
}

fn repo_err(e: RepoError) -> HolderStoreError {
    HolderStoreError(e.to_string())
}

fn invalid(what: &str) -> HolderStoreError {
    HolderStoreError(format!("invalid: {what}"))
}

/// A boolean column: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite.
fn flag(r: &AnyRow, col: &str) -> Result<bool, HolderStoreError> {
    match get::<bool>(r, col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(get::<i64>(r, col).map_err(repo_err)? != 0),
    }
}

fn count(r: &AnyRow, col: &str) -> Result<u32, HolderStoreError> {
    let n: i64 = get(r, col).map_err(repo_err)?;
    u32::try_from(n).map_err(|_| HolderStoreError(format!("bad {col} {n}")))
}

fn session_from(r: &AnyRow) -> Result<SessionRecord, HolderStoreError> {
    let g = |e: RepoError| repo_err(e);
    let kind: String = get(r, "holder_kind").map_err(g)?;
    Ok(SessionRecord {
        id_hash: get(r, "id_hash").map_err(g)?,
        holder: HolderIdentity {
            kind: HolderKind::parse(&kind)
                .ok_or_else(|| HolderStoreError(format!("bad holder kind {kind}")))?,
            holder_hash: get(r, "holder_hash").map_err(g)?,
            display_name: get(r, "display_name").map_err(g)?,
        },
        created_at: get(r, "created_at").map_err(g)?,
        expires_at: get(r, "expires_at").map_err(g)?,
    })
}

fn grant_from(r: &AnyRow) -> Result<GrantRecord, HolderStoreError> {
    let g = |e: RepoError| repo_err(e);
    Ok(GrantRecord {
        id: get(r, "id").map_err(g)?,
        code_hash: get(r, "code_hash").map_err(g)?,
        holder_hash: get(r, "holder_hash").map_err(g)?,
        licence: get(r, "licence").map_err(g)?,
        agency: get(r, "agency").map_err(g)?,
        service_item: get(r, "service_item").map_err(g)?,
        case_number: get(r, "case_number").map_err(g)?,
        created_at: get(r, "created_at").map_err(g)?,
        until: get(r, "until").map_err(g)?,
        max_uses: count(r, "max_uses")?,
        uses: count(r, "uses")?,
        unmask: flag(r, "unmask")?,
        withdrawn_at: get(r, "withdrawn_at").map_err(g)?,
    })
}

fn event_from(r: &AnyRow) -> Result<HolderEvent, HolderStoreError> {
    let g = |e: RepoError| repo_err(e);
    Ok(HolderEvent {
        id: get(r, "id").map_err(g)?,
        holder_hash: get(r, "holder_hash").map_err(g)?,
        at: get(r, "at").map_err(g)?,
        kind: get(r, "kind").map_err(g)?,
        licence: get(r, "licence").map_err(g)?,
        agency: get(r, "agency").map_err(g)?,
        grant: get(r, "grant_id").map_err(g)?,
        detail: get(r, "detail").map_err(g)?,
        actor: get(r, "actor").map_err(g)?,
    })
}

/// An event's kind is a short lowercase name (it becomes the audit action `holder.<kind>`).
fn check_event(e: &HolderEvent, kind: Option<&str>) -> Result<(), HolderStoreError> {
    if let Some(k) = kind
        && e.kind != k
    {
        return Err(invalid(&format!(
            "a {k} event was expected, not {}",
            e.kind
        )));
    }
    let well_formed = !e.kind.is_empty()
        && e.kind.len() <= 32
        && e.kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        return Err(invalid("an event kind is 1 to 32 of a-z, 0-9 and -"));
    }
    if e.actor.is_empty() {
        return Err(invalid("an event names who acted"));
    }
    Ok(())
}

fn same_holder(e: &HolderEvent, holder_hash: &str) -> Result<(), HolderStoreError> {
    if holder_hash.is_empty() || e.holder_hash != holder_hash {
        return Err(invalid("the event is the holder's own"));
    }
    Ok(())
}

/// The audit line's detail: the grant and the agency, then the event's detail with the
/// holder's hash, should it be there, taken out.
fn audit_detail(e: &HolderEvent) -> String {
    let mut parts = Vec::new();
    if let Some(g) = &e.grant {
        parts.push(format!("grant:{g}"));
    }
    if let Some(a) = &e.agency {
        parts.push(format!("agency:{a}"));
    }
    let detail = if e.holder_hash.is_empty() {
        e.detail.clone()
    } else {
        e.detail.replace(&e.holder_hash, "[holder]")
    };
    if !detail.is_empty() {
        parts.push(detail);
    }
    parts.join(" ")
}

fn outcome(kind: &str) -> &'static str {
    if kind == "exchange-refused" {
        "rejected"
    } else {
        "success"
    }
}

async fn insert_audit(tx: &mut Tx<'_>, a: &AuditEvent) -> Result<(), HolderStoreError> {
    super::audit::append(tx, a)
        .await
        .map_err(|e| HolderStoreError(e.to_string()))?;
    Ok(())
}

/// The event row and its audit line.
async fn insert_event(tx: &mut Tx<'_>, e: &HolderEvent) -> Result<(), HolderStoreError> {
    sqlx::query(
        "INSERT INTO holder_events (holder_hash, at, kind, licence, agency, grant_id, detail, \
         actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&e.holder_hash)
    .bind(e.at)
    .bind(&e.kind)
    .bind(e.licence.clone())
    .bind(e.agency.clone())
    .bind(e.grant.clone())
    .bind(&e.detail)
    .bind(&e.actor)
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    let audit = AuditEvent {
        id: 0,
        at: e.at.saturating_mul(1000),
        actor: e.actor.clone(),
        action: format!("holder.{}", e.kind),
        object: match &e.licence {
            Some(l) => format!("licence:{l}"),
            None => "holder".into(),
        },
        outcome: outcome(&e.kind).into(),
        detail: audit_detail(e),
        log: None,
    };
    insert_audit(tx, &audit).await
}

/// `reason`, then the caller's detail.
fn with_reason(reason: Refusal, detail: &str) -> String {
    if detail.is_empty() {
        reason.as_str().to_string()
    } else {
        format!("{}: {detail}", reason.as_str())
    }
}

#[async_trait::async_trait]
impl HolderRepository for Store {
    async fn create_session(
        &self,
        s: &SessionRecord,
        event: &HolderEvent,
    ) -> Result<(), HolderStoreError> {
        check_event(event, Some("sign-in"))?;
        same_holder(event, &s.holder.holder_hash)?;
        let mut tx = self.pool.begin().await.map_err(err)?;
        sqlx::query(
            "INSERT INTO holder_sessions (id_hash, holder_kind, holder_hash, display_name, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id_hash)
        .bind(s.holder.kind.as_str())
        .bind(&s.holder.holder_hash)
        .bind(&s.holder.display_name)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await.map_err(err)
    }

    async fn session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRecord>, HolderStoreError> {
        let row = sqlx::query(
            "SELECT id_hash, holder_kind, holder_hash, display_name, created_at, expires_at \
             FROM holder_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(session_from).transpose()
    }

    async fn end_session(&self, id_hash: &str, now: i64) -> Result<(), HolderStoreError> {
        sqlx::query("DELETE FROM holder_sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn insert_grant(
        &self,
        g: &GrantRecord,
        event: &HolderEvent,
    ) -> Result<(), HolderStoreError> {
        check_event(event, Some("grant"))?;
        same_holder(event, &g.holder_hash)?;
        if g.max_uses == 0 || g.uses > g.max_uses {
            return Err(invalid(
                "a grant has 1 or more uses, not more used than allowed",
            ));
        }
        let mut event = event.clone();
        event.licence = Some(g.licence.clone());
        event.agency = Some(g.agency.clone());
        event.grant = Some(g.id.clone());
        let mut tx = self.pool.begin().await.map_err(err)?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO holder_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13)"
        )))
        .bind(&g.id)
        .bind(&g.code_hash)
        .bind(&g.holder_hash)
        .bind(&g.licence)
        .bind(&g.agency)
        .bind(&g.service_item)
        .bind(&g.case_number)
        .bind(g.created_at)
        .bind(g.until)
        .bind(i64::from(g.max_uses))
        .bind(i64::from(g.uses))
        .bind(g.unmask)
        .bind(g.withdrawn_at)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(err)
    }

    async fn grants_of(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<GrantRecord>, HolderStoreError> {
        let limit = limit.clamp(1, MAX_ROWS);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM holder_grants WHERE holder_hash = $1 \
             ORDER BY created_at DESC, id DESC LIMIT {limit}"
        )))
        .bind(holder_hash)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(grant_from).collect()
    }

    async fn withdraw_grant(
        &self,
        holder_hash: &str,
        id: &str,
        at: i64,
        event: &HolderEvent,
    ) -> Result<bool, HolderStoreError> {
        check_event(event, Some("withdraw"))?;
        same_holder(event, holder_hash)?;
        let mut tx = self.pool.begin().await.map_err(err)?;
        let Some(row) = sqlx::query(
            "UPDATE holder_grants SET withdrawn_at = $1 \
             WHERE id = $2 AND holder_hash = $3 AND withdrawn_at IS NULL \
             RETURNING licence, agency",
        )
        .bind(at)
        .bind(id)
        .bind(holder_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?
        else {
            return Ok(false);
        };
        let mut event = event.clone();
        event.licence = Some(get(&row, "licence").map_err(repo_err)?);
        event.agency = Some(get(&row, "agency").map_err(repo_err)?);
        event.grant = Some(id.to_string());
        insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn use_grant(
        &self,
        code_hash: &str,
        agency: &str,
        now: i64,
        used: &HolderEvent,
        refused: &HolderEvent,
    ) -> Result<Result<GrantRecord, Refusal>, HolderStoreError> {
        check_event(used, Some("exchange"))?;
        check_event(refused, Some("exchange-refused"))?;
        let fill = |e: &HolderEvent, g: &GrantRecord| {
            let mut e = e.clone();
            e.holder_hash = g.holder_hash.clone();
            e.licence = Some(g.licence.clone());
            e.grant = Some(g.id.clone());
            e.agency = Some(agency.to_string());
            e
        };
        let mut tx = self.pool.begin().await.map_err(err)?;
        // The check-and-set: the conditions are those of `refusal`, in SQL.
        let counted = sqlx::query(AssertSqlSafe(format!(
            "UPDATE holder_grants SET uses = uses + 1 \
             WHERE code_hash = $1 AND agency = $2 AND withdrawn_at IS NULL AND until > $3 \
             AND uses < max_uses RETURNING {GRANT_COLUMNS}"
        )))
        .bind(code_hash)
        .bind(agency)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(row) = counted {
            let g = grant_from(&row)?;
            insert_event(&mut tx, &fill(used, &g)).await?;
            tx.commit().await.map_err(err)?;
            return Ok(Ok(g));
        }
        // Nothing changed: why. (A refusal cannot turn into a use: uses only grow, a
        // withdrawal is never undone and `until` never changes.)
        let found = sqlx::query(AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM holder_grants WHERE code_hash = $1"
        )))
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = found else {
            // No holder to tell: the audit log alone records it.
            let mut parts = vec![
                Refusal::Unknown.as_str().to_string(),
                format!("agency:{agency}"),
            ];
            if !refused.detail.is_empty() {
                parts.push(refused.detail.clone());
            }
            let audit = AuditEvent {
                id: 0,
                at: refused.at.saturating_mul(1000),
                actor: refused.actor.clone(),
                action: format!("holder.{}", refused.kind),
                object: "grant:unknown".into(),
                outcome: outcome(&refused.kind).into(),
                detail: parts.join(" "),
                log: None,
            };
            insert_audit(&mut tx, &audit).await?;
            tx.commit().await.map_err(err)?;
            return Ok(Err(Refusal::Unknown));
        };
        let g = grant_from(&row)?;
        let Some(reason) = refusal(&g, agency, now) else {
            return Err(HolderStoreError(format!(
                "grant {} was not counted though nothing refuses it",
                g.id
            )));
        };
        let mut event = fill(refused, &g);
        event.detail = with_reason(reason, &refused.detail);
        insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(err)?;
        Ok(Err(reason))
    }

    async fn append_event(&self, event: &HolderEvent) -> Result<(), HolderStoreError> {
        check_event(event, None)?;
        if event.holder_hash.is_empty() {
            return Err(invalid("an event belongs to a holder"));
        }
        if OWNED_KINDS.contains(&event.kind.as_str()) {
            return Err(invalid(&format!(
                "a {} event is written with its change",
                event.kind
            )));
        }
        let mut tx = self.pool.begin().await.map_err(err)?;
        insert_event(&mut tx, event).await?;
        tx.commit().await.map_err(err)
    }

    async fn events_of(
        &self,
        holder_hash: &str,
        limit: u32,
    ) -> Result<Vec<HolderEvent>, HolderStoreError> {
        let limit = limit.clamp(1, MAX_ROWS);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM holder_events WHERE holder_hash = $1 \
             ORDER BY id DESC LIMIT {limit}"
        )))
        .bind(holder_hash)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(event_from).collect()
    }
}
