//! Periods the standing office reopened for a unit's reporters after entry had closed (DHIS2's
//! lock exceptions): each until a last day, with a reason, recorded in the audit log in the
//! same transaction. Reopenings are never deleted: the latest for a unit and period decides.

use chrono::{DateTime, NaiveDate, Utc};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;

use crate::audit::{append, Record};
use crate::rows::to_json;
use crate::{on_pool, Result, Store, StoreError};

/// The longest reason for a reopening, in characters.
pub const MAX_REASON: usize = 1_000;

/// A period reopened for one unit's reporters until `last_day`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reopening {
    pub org: OrgCode,
    pub period: Period,
    pub last_day: NaiveDate,
    pub reason: String,
    pub author: String,
    pub recorded_at: DateTime<Utc>,
}

impl Store {
    /// Reopens entry of `period` for `org`'s reporters until `last_day`, for `reason`. The unit
    /// must exist and the reason be text a person wrote.
    pub async fn reopen_entry(
        &self,
        org: &OrgCode,
        period: Period,
        last_day: NaiveDate,
        reason: &str,
        actor: &str,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("reason: a reopening states why".into()));
        }
        if reason.chars().count() > MAX_REASON
            || reason
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(StoreError::Invalid(format!(
                "reason: at most {MAX_REASON} characters of text"
            )));
        }
        let Some(org_id) = self.id_of("org_units", org.as_str()).await? else {
            return Err(StoreError::Invalid(format!(
                "org: unit {org} does not exist"
            )));
        };
        let now = Utc::now();
        let record = Record {
            actor,
            action: "entry.reopen",
            object: format!("entry {org} {period}"),
            before: None,
            after: Some(to_json(&serde_json::json!({
                "last_day": last_day, "reason": reason,
            }))),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query(
                "INSERT INTO entry_reopenings (org_id, period, last_day, reason, author, \
                 recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(org_id)
            .bind(period.to_string())
            .bind(last_day)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            append!(tx, now, record);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The last day of the latest reopening of `period` for `org`, if any.
    pub async fn reopened_until(&self, org: &OrgCode, period: Period) -> Result<Option<NaiveDate>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT r.last_day FROM entry_reopenings r JOIN org_units o ON o.id = r.org_id \
                 WHERE o.code = $1 AND r.period = $2 ORDER BY r.id DESC LIMIT 1",
            )
            .bind(org.as_str())
            .bind(period.to_string())
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every reopening, the latest first (at most `limit`).
    pub async fn reopenings(&self, limit: u32) -> Result<Vec<Reopening>> {
        type Row = (String, String, NaiveDate, String, String, DateTime<Utc>);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT o.code, r.period, r.last_day, r.reason, r.author, r.recorded_at \
                 FROM entry_reopenings r JOIN org_units o ON o.id = r.org_id \
                 ORDER BY r.id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(org, period, last_day, reason, author, recorded_at)| {
                Ok(Reopening {
                    org: crate::rows::parse("unit code", &org)?,
                    period: crate::rows::parse("period", &period)?,
                    last_day,
                    reason,
                    author,
                    recorded_at,
                })
            })
            .collect()
    }
}
