//! Loading a whole dataset into an empty database, and emptying one.

use std::collections::HashMap;

use tiendo_dataset::strategy::Plan;
use tiendo_dataset::Dataset;
use tiendo_domain::tasks::ProgressUpdate;
use tiendo_domain::values::ValueState;

use crate::load::LoadBy;
use crate::rows::to_json;
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
            // PostgreSQL's `1` is a 4-byte integer: cast so both backends answer the same type.
            sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(pool).await?
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

    /// Loads units, documents, targets and tasks of `dataset` in one transaction (the write
    /// of a load plan), its progress updates in another, then its values as one import
    /// (published figures are stored as approved); a failure takes everything back out.
    pub async fn load_dataset(&self, dataset: &Dataset) -> Result<()> {
        if !self.is_empty().await? {
            return Err(StoreError::Invalid(
                "the database already holds data; reset it before loading a dataset".into(),
            ));
        }
        let written = async {
            let by = LoadBy {
                actor: "dataset",
                origin: None,
                appendix_of: None,
            };
            self.write_plan(&Plan::of_dataset(dataset), &by).await?;
            self.add_published_progress(&dataset.progress).await?;
            // The author readers see beside each figure: it comes from a publication, not a
            // person.
            self.import_values(&dataset.values, PUBLISHED, ValueState::Approved, &|_| {})
                .await
        }
        .await;
        if let Err(e) = written {
            // The definitions, the progress and the values went in separate transactions:
            // take them all back out so a failed load leaves nothing behind.
            self.reset().await?;
            return Err(e);
        }
        Ok(())
    }

    /// The progress updates published reports state (a task recorded complete on the day of
    /// the report), in one transaction.
    async fn add_published_progress(&self, progress: &[ProgressUpdate]) -> Result<()> {
        let now = chrono::Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let ids: HashMap<String, i64> = sqlx::query_as("SELECT code, id FROM tasks")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            for u in progress {
                let task = ids.get(u.task.as_str()).copied().ok_or_else(|| {
                    StoreError::Invalid(format!("progress names task {}, which is not defined", u.task))
                })?;
                sqlx::query(
                    "INSERT INTO progress_updates (task_id, reported_on, percent_complete, narrative, \
                     difficulties, recommendations, evidence, author, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(task)
                .bind(u.reported_on)
                .bind(i16::from(u.percent_complete.get()))
                .bind(&u.narrative)
                .bind(&u.difficulties)
                .bind(&u.recommendations)
                .bind(to_json(&u.evidence))
                .bind(&u.author)
                .bind(u.recorded_at.unwrap_or(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The author beside figures a load brings: they come from a publication, not a person.
pub const PUBLISHED: &str = "Số liệu đã công bố";
