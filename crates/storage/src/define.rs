//! What the standing office defines after the first load: new units, documents and targets,
//! units that cease, and tasks completed or withdrawn. Each is checked, written in one
//! transaction with its audit entry, and refused with a reason naming the field.

use chrono::{NaiveDate, Utc};
use tiendo_domain::documents::Document;
use tiendo_domain::orgs::{OrgCode, OrgUnit};
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::TaskCode;

use tiendo_dataset::strategy::Plan;

use crate::audit::{append, Record};
use crate::rows::to_json;
use crate::{on_pool, Result, Store, StoreError};

fn invalid(what: String) -> StoreError {
    StoreError::Invalid(what)
}

impl Store {
    pub(crate) async fn id_of(&self, table: &'static str, code: &str) -> Result<Option<i64>> {
        let sql = format!("SELECT id FROM {table} WHERE code = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(&sql).bind(code).fetch_optional(pool).await?
        }))
    }

    /// Whether a code is taken among the things of one kind (a withdrawn rule's code stays
    /// taken), read from the database rather than a read model that may lag a write.
    pub async fn is_defined(&self, kind: Defined, code: &str) -> Result<bool> {
        let table = match kind {
            Defined::Unit => "org_units",
            Defined::Document => "documents",
            Defined::Target => "targets",
            Defined::Task => "tasks",
            Defined::Rule => "validation_rules",
        };
        Ok(self.id_of(table, code).await?.is_some())
    }

    /// Adds an organisation unit under an existing parent.
    pub async fn add_unit(&self, unit: &OrgUnit, actor: &str) -> Result<()> {
        if self.id_of("org_units", unit.code.as_str()).await?.is_some() {
            return Err(invalid(format!("code: unit {} already exists", unit.code)));
        }
        if let Some(p) = &unit.parent {
            if self.id_of("org_units", p.as_str()).await?.is_none() {
                return Err(invalid(format!("parent: unit {p} does not exist")));
            }
        }
        let record = Record {
            actor,
            action: "unit.create",
            object: format!("unit {}", unit.code),
            before: None,
            after: Some(to_json(unit)),
        };
        let mut plan = Plan::nothing();
        plan.units.new.push(unit.clone());
        self.write_audited(&plan, actor, Some(record), false).await
    }

    /// Ends a unit's validity on `last_day` (it is not in force after it).
    pub async fn end_unit(&self, code: &OrgCode, last_day: NaiveDate, actor: &str) -> Result<()> {
        let row: Option<(Option<NaiveDate>, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT valid_from, valid_to FROM org_units WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
        });
        let (from, to) = row.ok_or_else(|| invalid(format!("code: unit {code} does not exist")))?;
        if from.is_some_and(|f| f > last_day) {
            return Err(invalid(format!(
                "valid_to: {last_day} is before the unit began"
            )));
        }
        let now = Utc::now();
        let record = Record {
            actor,
            action: "unit.end",
            object: format!("unit {code}"),
            before: Some(to_json(&serde_json::json!({ "valid_to": to }))),
            after: Some(to_json(&serde_json::json!({ "valid_to": last_day }))),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("UPDATE org_units SET valid_to = $1 WHERE code = $2")
                .bind(last_day)
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
            tx.commit().await?;
        });
        Ok(())
    }

    /// Adds a document of the cascade; its issuer and the documents it implements must exist.
    pub async fn add_document(&self, doc: &Document, actor: &str) -> Result<()> {
        if self.id_of("documents", doc.code.as_str()).await?.is_some() {
            return Err(invalid(format!(
                "code: document {} already exists",
                doc.code
            )));
        }
        if let Some(i) = &doc.issuer {
            if self.id_of("org_units", i.as_str()).await?.is_none() {
                return Err(invalid(format!("issuer: unit {i} does not exist")));
            }
        }
        for d in &doc.implements {
            if self.id_of("documents", d.as_str()).await?.is_none() {
                return Err(invalid(format!("implements: document {d} does not exist")));
            }
        }
        let record = Record {
            actor,
            action: "document.create",
            object: format!("document {}", doc.code),
            before: None,
            after: Some(to_json(doc)),
        };
        let mut plan = Plan::nothing();
        plan.documents.new.push(doc.clone());
        self.write_audited(&plan, actor, Some(record), false).await
    }

    /// Adds a target; it must be valid and its document must exist.
    pub async fn add_target(&self, target: &Target, actor: &str) -> Result<()> {
        target.validate().map_err(|e| invalid(e.to_string()))?;
        if self.id_of("targets", target.code.as_str()).await?.is_some() {
            return Err(invalid(format!(
                "code: target {} already exists",
                target.code
            )));
        }
        if let Some(d) = &target.document {
            if self.id_of("documents", d.as_str()).await?.is_none() {
                return Err(invalid(format!("document: document {d} does not exist")));
            }
        }
        let record = Record {
            actor,
            action: "target.create",
            object: format!("target {}", target.code),
            before: None,
            after: Some(to_json(target)),
        };
        let mut plan = Plan::nothing();
        plan.targets.new.push(target.clone());
        self.write_audited(&plan, actor, Some(record), false).await
    }

    /// Marks a task completed or withdrawn on a day; a task is closed once.
    pub async fn close_task(
        &self,
        code: &TaskCode,
        how: TaskClosing,
        day: NaiveDate,
        actor: &str,
    ) -> Result<()> {
        let row: Option<(Option<NaiveDate>, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT completed_on, cancelled_on FROM tasks WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
        });
        let (completed, cancelled) =
            row.ok_or_else(|| invalid(format!("task {code} does not exist")))?;
        if completed.is_some() || cancelled.is_some() {
            return Err(invalid(format!("task {code} is already closed")));
        }
        let (column, action) = match how {
            TaskClosing::Completed => ("completed_on", "task.complete"),
            TaskClosing::Cancelled => ("cancelled_on", "task.cancel"),
        };
        let now = Utc::now();
        let record = Record {
            actor,
            action,
            object: format!("task {code}"),
            before: None,
            after: Some(to_json(&serde_json::json!({ column: day }))),
        };
        let sql = format!("UPDATE tasks SET {column} = $1 WHERE code = $2");
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query(&sql).bind(day).bind(code.as_str()).execute(&mut *tx).await?;
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
            tx.commit().await?;
        });
        Ok(())
    }
}

/// How a task is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskClosing {
    Completed,
    Cancelled,
}

/// The kinds of thing the standing office defines, each with codes of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defined {
    Unit,
    Document,
    Target,
    Task,
    Rule,
}
