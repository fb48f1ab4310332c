//! Dashboards units build: kept as their definition (the domain's file format), one row per
//! code, each save and removal recorded in the audit log in the same transaction.

use chrono::Utc;
use tiendo_domain::dashboards::{Dashboard, DashboardCode};

use crate::audit::{append, Record};
use crate::rows::{from_json, to_json};
use crate::{on_pool, Result, Store, StoreError};

impl Store {
    /// Saves a dashboard under its code, replacing the one of that code. It must be valid and
    /// its unit and targets defined.
    pub async fn save_dashboard(&self, d: &Dashboard, actor: &str) -> Result<()> {
        d.validate()
            .map_err(|e| StoreError::Invalid(format!("dashboard: {e}")))?;
        let Some(owner_id) = self.id_of("org_units", d.owner.as_str()).await? else {
            return Err(StoreError::Invalid(format!(
                "owner: unit {} does not exist",
                d.owner
            )));
        };
        for t in d.widgets.iter().flat_map(|w| w.targets()) {
            if self.id_of("targets", t.as_str()).await?.is_none() {
                return Err(StoreError::Invalid(format!(
                    "widgets: target {t} does not exist"
                )));
            }
        }
        let before = self.dashboard(&d.code).await?;
        let now = Utc::now();
        let definition = to_json(d);
        let record = Record {
            actor,
            action: "dashboard.save",
            object: format!("dashboard {}", d.code),
            before: before.as_ref().map(to_json),
            after: Some(definition.clone()),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let sql = if before.is_some() {
                "UPDATE dashboards SET owner_org_id = $2, definition = $3, author = $4, \
                 updated_at = $5 WHERE code = $1"
            } else {
                "INSERT INTO dashboards (code, owner_org_id, definition, author, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            };
            sqlx::query(sql)
                .bind(d.code.as_str())
                .bind(owner_id)
                .bind(&definition)
                .bind(actor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            append!(tx, now, record);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The dashboard of `code`, if any.
    pub async fn dashboard(&self, code: &DashboardCode) -> Result<Option<Dashboard>> {
        let row: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT definition FROM dashboards WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| from_json("dashboard", &r)).transpose()
    }

    /// Every dashboard, by code.
    pub async fn dashboards(&self) -> Result<Vec<Dashboard>> {
        let rows: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT definition FROM dashboards ORDER BY code")
                .fetch_all(pool)
                .await?
        });
        rows.iter().map(|r| from_json("dashboard", r)).collect()
    }

    /// Removes a dashboard; its definition stays in the audit log.
    pub async fn remove_dashboard(&self, code: &DashboardCode, actor: &str) -> Result<()> {
        let Some(before) = self.dashboard(code).await? else {
            return Err(StoreError::Invalid(format!("code: no dashboard {code}")));
        };
        let now = Utc::now();
        let record = Record {
            actor,
            action: "dashboard.remove",
            object: format!("dashboard {code}"),
            before: Some(to_json(&before)),
            after: None,
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("DELETE FROM dashboards WHERE code = $1")
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
            append!(tx, now, record);
            tx.commit().await?;
        });
        Ok(())
    }
}
