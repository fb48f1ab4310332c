//! The audit log: one row per write, never changed (triggers refuse UPDATE and DELETE).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{on_pool, Result, Store};

/// One write as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user name of whoever wrote, or the command that did.
    pub actor: String,
    /// What was done: `value.enter`, `value.approve`, `user.create`, …
    pub action: String,
    /// What it was done to: `value HT-01/HA-TINH/2025`, `user ha-tinh`, …
    pub object: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A write about to be recorded, in the same transaction as the write itself.
pub(crate) struct Record<'a> {
    pub actor: &'a str,
    pub action: &'static str,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) const INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, object, before, after) VALUES ($1, $2, $3, $4, $5, $6)";

/// Appends `record` inside the transaction `tx` (of either backend).
macro_rules! append {
    ($tx:expr, $at:expr, $record:expr) => {{
        let r: &$crate::audit::Record = &$record;
        sqlx::query($crate::audit::INSERT)
            .bind($at)
            .bind(r.actor)
            .bind(r.action)
            .bind(&r.object)
            .bind(&r.before)
            .bind(&r.after)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use append;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object: String,
    before: Option<String>,
    after: Option<String>,
}

fn json(s: Option<String>) -> Option<serde_json::Value> {
    // Stored by tiendo as JSON; anything else is shown as the text it is.
    s.map(|s| serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s)))
}

impl Store {
    /// Audit entries newest first, `limit` of them after skipping `offset`, optionally only
    /// those whose object starts with `object`.
    pub async fn audit_log(
        &self,
        object: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<AuditEntry>> {
        let prefix = object.map(|o| format!("{}%", o.replace('%', "")));
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor, action, object, before, after FROM audit_log \
                 WHERE ($1 IS NULL OR object LIKE $1) ORDER BY id DESC LIMIT $2 OFFSET $3",
            )
            .bind(prefix)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                object: r.object,
                before: json(r.before),
                after: json(r.after),
            })
            .collect())
    }

    /// Number of audit entries.
    pub async fn audit_count(&self) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(pool).await?
        }))
    }
}
