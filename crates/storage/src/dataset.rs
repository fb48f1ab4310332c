//! Loading a whole dataset into an empty database, and emptying one.

use std::collections::HashMap;

use tiendo_dataset::Dataset;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::values::ValueState;

use crate::rows::{enum_text, stored_english, to_json};
use crate::{on_pool, Result, Store, StoreError};

/// Tables in an order that respects foreign keys when emptied front to back.
const TABLES: [&str; 13] = [
    "dashboards",
    "entry_reopenings",
    "validation_rules",
    "data_values",
    "progress_updates",
    "task_targets",
    "task_coordinators",
    "tasks",
    "targets",
    "document_links",
    "documents",
    "org_successions",
    "org_units",
];

impl Store {
    /// Writes a consistent copy of a SQLite database to `file` while it serves (`VACUUM
    /// INTO`: one read transaction, the copy compacted); PostgreSQL is copied with `pg_dump`.
    pub async fn backup_to(&self, file: &std::path::Path) -> Result<()> {
        match self {
            Store::Sqlite(pool) => {
                let path = file.to_str().ok_or_else(|| {
                    StoreError::Invalid(format!("{}: the path is not text", file.display()))
                })?;
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(pool)
                    .await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::Invalid(
                "a PostgreSQL database is copied with pg_dump".into(),
            )),
        }
    }

    /// Whether the database answers: one trivial query.
    pub async fn ping(&self) -> Result<()> {
        let _: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT 1").fetch_one(pool).await?
        });
        Ok(())
    }

    /// True when the database holds no organisation units (nothing has been loaded).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM org_units").fetch_one(pool).await?
        });
        Ok(n == 0)
    }

    /// Deletes every row of every table, in one transaction.
    pub async fn reset(&self) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            // Units and tasks point at each other's rows: cut those links before deleting.
            sqlx::query("UPDATE tasks SET parent_id = NULL").execute(&mut *tx).await?;
            sqlx::query("UPDATE org_units SET parent_id = NULL").execute(&mut *tx).await?;
            for table in TABLES {
                sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Loads units, documents, targets and tasks of `dataset` in one transaction, then its
    /// values as one import (published figures are stored as approved).
    pub async fn load_dataset(&self, dataset: &Dataset) -> Result<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Invalid(
                "the database already holds data; reset it before loading a dataset".into(),
            ));
        }
        let h = &dataset.hierarchy;
        // Parents before children, so each row can name its parent's id as it is inserted.
        let depth = |code: &OrgCode| {
            let mut d = 0;
            let mut cur = h.get(code).and_then(|u| u.parent.as_ref());
            while let Some(p) = cur {
                d += 1;
                cur = h.get(p).and_then(|u| u.parent.as_ref());
            }
            d
        };
        let mut units: Vec<_> = h.units().iter().collect();
        units.sort_by_key(|u| depth(&u.code));
        let mut tasks: Vec<_> = dataset.tasks.iter().collect();
        let by_code: HashMap<&str, &tiendo_domain::tasks::Task> =
            dataset.tasks.iter().map(|t| (t.code.as_str(), t)).collect();
        let task_depth = |code: &tiendo_domain::tasks::TaskCode| {
            let mut d = 1;
            let mut cur = by_code.get(code.as_str()).and_then(|t| t.parent.as_ref());
            while let Some(p) = cur {
                d += 1;
                cur = by_code.get(p.as_str()).and_then(|t| t.parent.as_ref());
            }
            d
        };
        tasks.sort_by_key(|t| task_depth(&t.code));

        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let mut unit_ids: HashMap<&str, i64> = HashMap::new();
            for u in &units {
                let parent = u.parent.as_ref().and_then(|p| unit_ids.get(p.as_str()).copied());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO org_units (code, kind, name_vi, name_en, parent_id, valid_from, \
                     valid_to, synthetic, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     RETURNING id",
                )
                .bind(u.code.as_str())
                .bind(u.kind.as_str())
                .bind(&u.name_vi)
                .bind(&u.name_en)
                .bind(parent)
                .bind(u.validity.from())
                .bind(u.validity.to())
                .bind(u.synthetic)
                .bind(&u.source)
                .fetch_one(&mut *tx)
                .await?;
                unit_ids.insert(u.code.as_str(), id);
            }
            for s in h.successions() {
                sqlx::query(
                    "INSERT INTO org_successions (predecessor_id, successor_id, effective, source) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(unit_ids[s.predecessor.as_str()])
                .bind(unit_ids[s.successor.as_str()])
                .bind(s.effective)
                .bind(&s.source)
                .execute(&mut *tx)
                .await?;
            }
            let mut doc_ids: HashMap<&str, i64> = HashMap::new();
            for d in &dataset.documents {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO documents (code, kind, title_en, title_vi, issuer_id, issued_on, \
                     structure_note, sections, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     RETURNING id",
                )
                .bind(d.code.as_str())
                .bind(d.kind.as_str())
                .bind(stored_english(d.title_en.as_deref()))
                .bind(&d.title_vi)
                .bind(d.issuer.as_ref().map(|i| unit_ids[i.as_str()]))
                .bind(d.issued_on)
                .bind(&d.structure_note)
                .bind(to_json(&d.sections))
                .bind(&d.source)
                .fetch_one(&mut *tx)
                .await?;
                doc_ids.insert(d.code.as_str(), id);
            }
            for d in &dataset.documents {
                for imp in &d.implements {
                    sqlx::query("INSERT INTO document_links (document_id, implements_id) VALUES ($1, $2)")
                        .bind(doc_ids[d.code.as_str()])
                        .bind(doc_ids[imp.as_str()])
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let mut target_ids: HashMap<&str, i64> = HashMap::new();
            for t in &dataset.targets {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO targets (code, document_id, group_code, name_en, name_vi, family, \
                     unit, direction, goals, baseline_value, baseline_period, periodicity, \
                     aggregation, reporters, source, bounds) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                     RETURNING id",
                )
                .bind(t.code.as_str())
                .bind(t.document.as_ref().map(|d| doc_ids[d.as_str()]))
                .bind(t.group.as_ref().map(|g| g.as_str()))
                .bind(stored_english(t.name_en.as_deref()))
                .bind(&t.name_vi)
                .bind(enum_text(&t.family))
                .bind(&t.unit)
                .bind(enum_text(&t.direction))
                .bind(to_json(&t.goals))
                .bind(t.baseline.as_ref().map(|b| b.value))
                .bind(t.baseline.as_ref().map(|b| b.period.to_string()))
                .bind(t.periodicity.as_str())
                .bind(to_json(&t.aggregation))
                .bind(to_json(&t.reporters))
                .bind(&t.source)
                .bind(t.bounds.as_ref().map(to_json))
                .fetch_one(&mut *tx)
                .await?;
                target_ids.insert(t.code.as_str(), id);
            }
            let now = chrono::Utc::now();
            for d in &dataset.dashboards {
                sqlx::query(
                    "INSERT INTO dashboards (code, owner_org_id, definition, author, updated_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(d.code.as_str())
                .bind(unit_ids[d.owner.as_str()])
                .bind(to_json(d))
                .bind("dataset")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            for r in &dataset.rules {
                sqlx::query("INSERT INTO validation_rules (code, rule) VALUES ($1, $2)")
                    .bind(&r.code)
                    .bind(to_json(r))
                    .execute(&mut *tx)
                    .await?;
            }
            let mut task_ids: HashMap<&str, (i64, i32)> = HashMap::new();
            for t in &tasks {
                let parent = t.parent.as_ref().map(|p| task_ids[p.as_str()]);
                let depth = parent.map_or(1, |(_, d)| d + 1);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO tasks (code, document_id, group_code, parent_id, depth, title_en, \
                     title_vi, lead_id, start_on, deadline, completed_on, cancelled_on, \
                     expected_product, secrecy, source, lead_as_given, coordinators_as_given, \
                     deadline_as_given) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18) \
                     RETURNING id",
                )
                .bind(t.code.as_str())
                .bind(doc_ids[t.document.as_str()])
                .bind(t.group.as_ref().map(|g| g.as_str()))
                .bind(parent.map(|(id, _)| id))
                .bind(depth)
                .bind(stored_english(t.title_en.as_deref()))
                .bind(&t.title_vi)
                .bind(unit_ids[t.lead.as_str()])
                .bind(t.start)
                .bind(t.deadline)
                .bind(t.completed_on)
                .bind(t.cancelled_on)
                .bind(&t.expected_product)
                .bind(crate::tasks::secrecy(t.confidentiality))
                .bind(&t.source)
                .bind(&t.as_published.lead_as_given)
                .bind(&t.as_published.coordinators_as_given)
                .bind(&t.as_published.deadline_as_given)
                .fetch_one(&mut *tx)
                .await?;
                task_ids.insert(t.code.as_str(), (id, depth));
                for c in &t.coordinators {
                    sqlx::query("INSERT INTO task_coordinators (task_id, org_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(unit_ids[c.as_str()])
                        .execute(&mut *tx)
                        .await?;
                }
                for tc in &t.targets {
                    sqlx::query("INSERT INTO task_targets (task_id, target_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(target_ids[tc.as_str()])
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let evidence_json: Vec<String> = dataset.progress.iter().map(|u| to_json(&u.evidence)).collect();
            let now = chrono::Utc::now();
            for (u, evidence) in dataset.progress.iter().zip(&evidence_json) {
                sqlx::query(
                    "INSERT INTO progress_updates (task_id, reported_on, percent_complete, narrative, \
                     difficulties, recommendations, evidence, author, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(task_ids[u.task.as_str()].0)
                .bind(u.reported_on)
                .bind(i16::from(u.percent_complete.get()))
                .bind(&u.narrative)
                .bind(&u.difficulties)
                .bind(&u.recommendations)
                .bind(evidence)
                .bind(&u.author)
                .bind(u.recorded_at.unwrap_or(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        // The author readers see beside each figure: it comes from a publication, not a person.
        let imported = self
            .import_values(
                &dataset.values,
                "Số liệu đã công bố",
                ValueState::Approved,
                &|_| {},
            )
            .await;
        if let Err(e) = imported {
            // The structure went in one transaction and the values in another: take the
            // structure back out so a failed load leaves nothing behind.
            self.reset().await?;
            return Err(e);
        }
        Ok(())
    }
}
