//! The audit table's rows: reading an [`AuditEvent`] and binding one to an INSERT (the table
//! is append-only; every repository appends through these).
//!
//! Owns the audit row mapping; must not import the repositories.

use super::get;
use crate::pki::repo::*;
use sqlx::any::AnyRow;

pub(super) fn audit_from_row(r: &AnyRow) -> Result<AuditEvent, RepoError> {
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

pub(super) const INSERT_AUDIT: &str = "INSERT INTO audit (at, actor, action, object, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)";

pub(super) fn bind_audit<'q>(
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
