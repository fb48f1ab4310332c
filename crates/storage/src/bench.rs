//! The engine's own bulk-load path, as the baseline tiendo's import is measured against.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;

use crate::{Result, Store, StoreError};

/// The value the baseline stores for one key: the same formula the benchmark's CSV uses, so
/// both paths write the same rows.
pub fn bench_value(t: usize, o: usize, p: usize) -> f64 {
    ((t * 31 + o * 7 + p) % 1000) as f64 / 10.0
}

impl Store {
    /// Writes one value for every target × unit × period through the engine's fastest path
    /// (SQLite: one `INSERT … SELECT` over a cross join generated inside the engine;
    /// PostgreSQL: `COPY FROM STDIN` of rows prepared beforehand) and returns the time the
    /// engine took, commit included.
    pub async fn engine_bulk_load(
        &self,
        targets: &[TargetCode],
        orgs: &[OrgCode],
        periods: &[Period],
    ) -> Result<Duration> {
        let target_ids = self
            .ids("targets", targets.iter().map(|t| t.as_str()))
            .await?;
        let org_ids = self
            .ids("org_units", orgs.iter().map(|o| o.as_str()))
            .await?;
        let now = Utc::now();
        match self {
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                for (table, col) in [("bench_t", "id"), ("bench_o", "id"), ("bench_p", "period")] {
                    let ty = if col == "id" { "INTEGER" } else { "TEXT" };
                    sqlx::query(&format!(
                        "CREATE TEMP TABLE IF NOT EXISTS {table} (ord INTEGER, {col} {ty})"
                    ))
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *conn)
                        .await?;
                }
                for (i, id) in target_ids.iter().enumerate() {
                    sqlx::query("INSERT INTO bench_t VALUES ($1, $2)")
                        .bind(i as i64)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                for (i, id) in org_ids.iter().enumerate() {
                    sqlx::query("INSERT INTO bench_o VALUES ($1, $2)")
                        .bind(i as i64)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                for (i, p) in periods.iter().enumerate() {
                    sqlx::query("INSERT INTO bench_p VALUES ($1, $2)")
                        .bind(i as i64)
                        .bind(p.to_string())
                        .execute(&mut *conn)
                        .await?;
                }
                let started = Instant::now();
                // CROSS JOIN fixes SQLite's join order, so rows arrive in key order, as a
                // sorted CSV file would.
                sqlx::query(
                    "INSERT INTO data_values (author, recorded_at, state, target_id, org_id, \
                     period, value, comment, source) \
                     SELECT 'engine', $1, 'submitted', t.id, o.id, p.period, \
                     ((t.ord * 31 + o.ord * 7 + p.ord) % 1000) / 10.0, NULL, NULL \
                     FROM bench_t t CROSS JOIN bench_o o CROSS JOIN bench_p p",
                )
                .bind(now)
                .execute(&mut *conn)
                .await?;
                Ok(started.elapsed())
            }
            Store::Postgres(pool) => {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::new());
                let stamp = now.to_rfc3339();
                let period_text: Vec<String> = periods.iter().map(Period::to_string).collect();
                for (t, tid) in target_ids.iter().enumerate() {
                    for (o, oid) in org_ids.iter().enumerate() {
                        for (p, period) in period_text.iter().enumerate() {
                            w.write_record([
                                tid.to_string().as_str(),
                                &oid.to_string(),
                                period,
                                &bench_value(t, o, p).to_string(),
                                "",
                                "",
                                "engine",
                                &stamp,
                                "submitted",
                            ])
                            .map_err(|e| StoreError::Invalid(e.to_string()))?;
                        }
                    }
                }
                let buf = w
                    .into_inner()
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                let started = Instant::now();
                let mut tx = pool.begin_with(self.begin_write()).await?;
                let mut copy = tx.copy_in_raw(crate::values::COPY_DATA_VALUES).await?;
                for chunk in buf.chunks(1 << 20) {
                    copy.send(chunk).await?;
                }
                copy.finish().await?;
                tx.commit().await?;
                Ok(started.elapsed())
            }
        }
    }

    async fn ids(&self, table: &str, codes: impl Iterator<Item = &str>) -> Result<Vec<i64>> {
        let sql = format!("SELECT code, id FROM {table}");
        let all: HashMap<String, i64> = crate::on_pool!(self, pool => {
            sqlx::query_as::<_, (String, i64)>(&sql).fetch_all(pool).await?.into_iter().collect()
        });
        codes
            .map(|c| {
                all.get(c)
                    .copied()
                    .ok_or_else(|| StoreError::Invalid(format!("{c} is not in {table}")))
            })
            .collect()
    }
}

impl Store {
    /// Versions written since `since` by authors whose name starts with `prefix`: how a load
    /// benchmark proves that every acknowledged write is stored.
    pub async fn versions_written_by(
        &self,
        prefix: &str,
        since: chrono::DateTime<Utc>,
    ) -> Result<i64> {
        let like = format!("{}%", prefix.replace('%', ""));
        Ok(crate::on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM data_values WHERE author LIKE $1 AND recorded_at >= $2",
            )
            .bind(&like)
            .bind(since)
            .fetch_one(pool)
            .await?
        }))
    }
}
