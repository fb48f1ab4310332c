//! Data values: append-only versions of (target, unit, period) → number.
//!
//! A write never changes a stored row; it adds a version, and the current value of a key is
//! its version with the highest id. Imports are all-or-nothing: every row is checked before
//! the first is written, and the rows are written in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tiendo_domain::admissibility::{admit, admit_text, may_replace, Refusal, Reporter};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::problems::Problem;
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::values::{DataValue, NewValue, Number, SeriesMap, ValueState};

use crate::rows::{parse, text_enum};
use crate::{on_pool, Result, Store, StoreError};

/// What an import did, counted as DHIS2 counts it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportSummary {
    /// Keys that had no value before.
    pub imported: usize,
    /// Keys whose value or comment changed: a new version was added.
    pub updated: usize,
    /// Rows identical to the current value, or whose value is approved or awaiting review:
    /// nothing added.
    pub ignored: usize,
    /// The ignored rows whose value is approved or awaiting review, each naming why.
    pub conflicts: Vec<Problem>,
}

/// A refused row: rows count from 0 here and from 1 in the problem, as readers show them.
fn refused(row: usize, refusal: &Refusal) -> Problem {
    Problem::refused(row + 1, refusal)
}

/// At most this many problems are collected before an import stops checking.
const MAX_PROBLEMS: usize = 50;

/// Which unpublished values (drafts, submissions, returned ones) a reader may see beside the
/// approved ones.
#[derive(Debug, Clone, Copy)]
pub enum Unpublished<'a> {
    All,
    /// Those of these units only (none when empty).
    Within(&'a [OrgCode]),
}

/// Which current values to export.
#[derive(Debug, Clone, Default)]
pub struct ValueFilter {
    pub target: Option<TargetCode>,
    pub org: Option<OrgCode>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ValueRow {
    id: i64,
    target: String,
    org: String,
    period: String,
    value: f64,
    comment: Option<String>,
    source: Option<String>,
    author: String,
    recorded_at: DateTime<Utc>,
    state: String,
}

impl ValueRow {
    pub(crate) fn into_value(self) -> Result<DataValue> {
        Ok(DataValue {
            version: self.id,
            target: parse("target code", &self.target)?,
            org: parse("unit code", &self.org)?,
            period: parse("period", &self.period)?,
            value: Number::new(self.value).ok_or_else(|| StoreError::Corrupt {
                what: "value",
                detail: self.value.to_string(),
            })?,
            comment: self.comment,
            source: self.source,
            author: self.author,
            recorded_at: self.recorded_at,
            state: text_enum("value state", &self.state)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CurrentRow {
    org_id: i64,
    period: String,
    value: f64,
    comment: Option<String>,
    state: String,
}

/// A checked row, ready to write.
struct Resolved<'a> {
    /// Its place in the input, from 0.
    row: usize,
    target_id: i64,
    org_id: i64,
    /// Shared by the rows of one period: an import of a million rows names a few dozen.
    period: std::sync::Arc<str>,
    value: &'a NewValue,
    /// The key had no value when checked (counted as imported, else as updated).
    new_key: bool,
}

/// PostgreSQL's bulk path into `data_values`; rows are sent as CSV in this column order.
pub(crate) const COPY_DATA_VALUES: &str = "COPY data_values (target_id, org_id, period, value, \
     comment, source, author, recorded_at, state) FROM STDIN WITH (FORMAT csv)";

/// Imports of at least this many rows refresh PostgreSQL's statistics of `data_values`.
const ANALYZE_AFTER: usize = 10_000;

/// How an import appears in the audit log.
const IMPORT_ACTION: &str = "values.import";
const IMPORT_OBJECT: &str = "values";

/// Takes out of `rows` those whose key a reviewer submitted or approved after the import was
/// checked (`reviewed`: such keys now, with their state): like the keys under review when it
/// was checked, they count as ignored, each with a conflict.
fn set_aside<'a>(
    rows: Vec<Resolved<'a>>,
    reviewed: &HashMap<(i64, i64, String), ValueState>,
    summary: &mut ImportSummary,
) -> Vec<Resolved<'a>> {
    if reviewed.is_empty() {
        return rows;
    }
    let mut keep = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (r.target_id, r.org_id, r.period.to_string());
        match reviewed.get(&key).map(|s| may_replace(Some(*s))) {
            Some(Err(refusal)) => {
                if r.new_key {
                    summary.imported -= 1;
                } else {
                    summary.updated -= 1;
                }
                summary.ignored += 1;
                summary.conflicts.push(refused(r.row, &refusal));
            }
            _ => keep.push(r),
        }
    }
    summary.conflicts.sort_by_key(|p| p.row);
    keep
}

/// An import's one audit entry, written in its transaction.
fn import_audit(summary: &ImportSummary, state: ValueState) -> String {
    crate::rows::to_json(&serde_json::json!({
        "imported": summary.imported, "updated": summary.updated,
        "ignored": summary.ignored, "state": state.as_str(),
    }))
}

/// Below this many rows a share of the check stays on one core.
const PARALLEL_ROWS: usize = 4096;

/// Up to this many rows, an import compares with current values key by key.
const FEW_ROWS: usize = 64;

/// How often a bulk write reports progress, in rows.
const PROGRESS_EVERY: usize = 20_000;

/// The filter as a condition on `$1` (the target's code) and `$2` (the unit's), both always
/// bound, that reads the values by their index (target, unit, period): a given code is looked
/// up once; a unit's values are sought target by target, with no second index for every write
/// to keep. `$1 IS NULL OR t.code = $1` made both engines read every value of the nation.
fn filtered(filter: &ValueFilter) -> String {
    let target = match (&filter.target, &filter.org) {
        (Some(_), _) => "v.target_id = (SELECT id FROM targets WHERE code = $1)",
        (None, Some(_)) => "CAST($1 AS TEXT) IS NULL AND v.target_id IN (SELECT id FROM targets)",
        (None, None) => "CAST($1 AS TEXT) IS NULL",
    };
    let org = match filter.org {
        Some(_) => "v.org_id = (SELECT id FROM org_units WHERE code = $2)",
        None => "CAST($2 AS TEXT) IS NULL",
    };
    format!("{target} AND {org}")
}

/// The columns of a [`ValueRow`] and the tables they come from.
const VALUE_ROWS: &str = "SELECT v.id, t.code AS target, o.code AS org, v.period, v.value, \
     v.comment, v.source, v.author, v.recorded_at, v.state \
     FROM data_values v JOIN targets t ON t.id = v.target_id \
     JOIN org_units o ON o.id = v.org_id";

/// The "not superseded" condition that selects current versions.
const CURRENT: &str = "NOT EXISTS (SELECT 1 FROM data_values n WHERE n.target_id = v.target_id \
     AND n.org_id = v.org_id AND n.period = v.period AND n.id > v.id)";

impl Store {
    /// Checks every row, then writes them all in one transaction, or writes nothing and
    /// returns [`StoreError::Rejected`] naming each bad row. `progress` is told how many rows
    /// have been written so far.
    pub async fn import_values(
        &self,
        values: &[NewValue],
        author: &str,
        state: ValueState,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportSummary> {
        match self {
            Store::Sqlite(pool) => {
                // SQLite orders every write: a version added after the check began has an id
                // above the high-water mark read before it, so the write transaction can see
                // which of the import's keys a reviewer submitted or approved meanwhile.
                let path = pool.connect_options().get_filename().to_path_buf();
                let high_water: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM data_values")
                        .fetch_one(pool)
                        .await?;
                let (resolved, mut summary) = self.timed_check(values, state).await?;
                let write = SqliteWrite {
                    author,
                    now: Utc::now(),
                    state,
                    high_water,
                };
                // The write blocks on SQLite's lock and its disk: on a multi-threaded runtime
                // other tasks (the entries and reviews it may wait for) move to other workers
                // meanwhile.
                match tokio::runtime::Handle::current().runtime_flavor() {
                    tokio::runtime::RuntimeFlavor::MultiThread => {
                        tokio::task::block_in_place(|| {
                            sqlite_bulk_insert(&path, resolved, &mut summary, &write, progress)
                        })?
                    }
                    _ => sqlite_bulk_insert(&path, resolved, &mut summary, &write, progress)?,
                }
                Ok(summary)
            }
            Store::Postgres(pool) => {
                // The check reads through the pool; then the import locks the targets it
                // writes (in id order) for its transaction, which no entry or review of their
                // values shares meanwhile, and, holding them, looks on its own connection for
                // keys submitted or approved since its check and sets those rows aside.
                // Nothing can change them between that look and the write.
                let (resolved, mut summary) = self.timed_check(values, state).await?;
                let mut tx = pool.begin_with(self.begin_write()).await?;
                let mut ids: Vec<i64> = resolved.iter().map(|r| r.target_id).collect();
                ids.sort_unstable();
                ids.dedup();
                sqlx::query("SELECT id FROM targets WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                    .bind(&ids)
                    .fetch_all(&mut *tx)
                    .await?;
                let reviewed: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
                    "SELECT v.target_id, v.org_id, v.period, v.state FROM data_values v \
                     WHERE v.target_id = ANY($1) AND v.state IN ('submitted', 'approved') \
                     AND {CURRENT}"
                ))
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?;
                let reviewed = reviewed
                    .into_iter()
                    .map(|(t, o, p, state)| Ok(((t, o, p), text_enum("value state", &state)?)))
                    .collect::<Result<HashMap<_, ValueState>>>()?;
                let resolved = set_aside(resolved, &reviewed, &mut summary);
                let started = std::time::Instant::now();
                let now = Utc::now();
                let audit = import_audit(&summary, state);
                let state = state.as_str();
                let mut copy = tx.copy_in_raw(COPY_DATA_VALUES).await?;
                let stamp = now.to_rfc3339();
                for (n, chunk) in resolved.chunks(PROGRESS_EVERY).enumerate() {
                    let buf = copy_csv(chunk, author, &stamp, state)?;
                    copy.send(buf).await?;
                    progress(n * PROGRESS_EVERY + chunk.len());
                }
                copy.finish().await?;
                crate::audit::append!(
                    tx,
                    now,
                    crate::audit::Record {
                        actor: author,
                        action: IMPORT_ACTION,
                        object: IMPORT_OBJECT.to_string(),
                        before: None,
                        after: Some(audit.clone()),
                    }
                );
                tx.commit().await?;
                // After a large load the planner's statistics are stale, and the key lookups of
                // value entry can fall to plans thousands of times slower (measured: 9,206 →
                // 393 entries/s after a 100,000-value import until ANALYZE).
                if resolved.len() >= ANALYZE_AFTER {
                    sqlx::query("ANALYZE data_values").execute(pool).await?;
                }
                tracing::debug!(rows = resolved.len(), elapsed = ?started.elapsed(), "import written");
                Ok(summary)
            }
        }
    }

    async fn timed_check<'a>(
        &self,
        values: &'a [NewValue],
        state: ValueState,
    ) -> Result<(Vec<Resolved<'a>>, ImportSummary)> {
        let started = std::time::Instant::now();
        let checked = self.check_import(values, state).await?;
        tracing::debug!(rows = values.len(), elapsed = ?started.elapsed(), "import checked");
        Ok(checked)
    }

    /// Checks an import without writing anything (a dry run): what it would import, update and
    /// ignore, or every problem.
    pub async fn check_values(
        &self,
        values: &[NewValue],
        state: ValueState,
    ) -> Result<ImportSummary> {
        Ok(self.check_import(values, state).await?.1)
    }

    /// Resolves codes and checks every row with the domain's admissibility rule; then compares
    /// with the current values. Rows whose value is approved or awaiting review are not written:
    /// they count as ignored, each with a conflict naming it. Returns the rows to write.
    async fn check_import<'a>(
        &self,
        values: &'a [NewValue],
        state: ValueState,
    ) -> Result<(Vec<Resolved<'a>>, ImportSummary)> {
        let unit_keys = self.unit_keys().await?;
        let units: rustc_hash::FxHashMap<&str, &crate::orgs::UnitKey> =
            unit_keys.iter().map(|(c, u)| (c.as_str(), u)).collect();
        let kinds: HashMap<i64, tiendo_domain::orgs::OrgKind> = units
            .values()
            .map(|u| Ok((u.id, u.kind()?)))
            .collect::<Result<_>>()?;
        let ids: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, code FROM targets")
                .fetch_all(pool)
                .await?
        });
        let ids: HashMap<String, i64> = ids.into_iter().map(|(i, c)| (c, i)).collect();
        let definitions = self.targets(None).await?;
        // Looked up once a row, with a faster hash than the default's: the default guards
        // against colliding keys an attacker chooses, and these keys are defined codes and
        // stored ids, which no file chooses.
        let mut targets: rustc_hash::FxHashMap<&str, (i64, &Target)> =
            rustc_hash::FxHashMap::default();
        for t in &definitions {
            if let Some(&id) = ids.get(t.code.as_str()) {
                targets.insert(t.code.as_str(), (id, t));
            }
        }
        let successors: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT successor_id FROM org_successions")
                .fetch_all(pool)
                .await?
        });

        // Rows are checked on every core (a file of a million rows spends as long here as the
        // write takes); the periods' texts are made once beforehand, shared by their rows.
        let mut period_texts: rustc_hash::FxHashMap<Period, std::sync::Arc<str>> =
            rustc_hash::FxHashMap::default();
        for v in values {
            period_texts
                .entry(v.period)
                .or_insert_with(|| v.period.to_string().into());
        }
        let check =
            |(row, v): (usize, &'a NewValue)| -> std::result::Result<Resolved<'a>, Problem> {
                let Some(&(target_id, target)) = targets.get(v.target.as_str()) else {
                    return Err(refused(
                        row,
                        &Refusal::UnknownTarget {
                            target: v.target.clone(),
                        },
                    ));
                };
                let Some(unit) = units.get(v.org.as_str()) else {
                    return Err(refused(
                        row,
                        &Refusal::UnknownUnit {
                            unit: v.org.clone(),
                        },
                    ));
                };
                admit_text(v).map_err(|r| refused(row, &r))?;
                let reporter = Reporter {
                    code: &v.org,
                    kind: kinds[&unit.id],
                    validity: unit.validity(),
                    successor: successors.contains(&unit.id),
                };
                admit(target, reporter, v.period, v.value, None).map_err(|r| refused(row, &r))?;
                Ok(Resolved {
                    row,
                    target_id,
                    org_id: unit.id,
                    period: period_texts[&v.period].clone(),
                    value: v,
                    new_key: true,
                })
            };
        let check_all = || -> Vec<std::result::Result<Resolved<'a>, Problem>> {
            use rayon::prelude::*;
            values
                .par_iter()
                .enumerate()
                .with_min_len(PARALLEL_ROWS)
                .map(check)
                .collect()
        };
        // Every core for a large file: on a multi-threaded runtime the other tasks (the
        // server's writer, requests) move to other workers meanwhile.
        let checked = if values.len() >= PARALLEL_ROWS
            && tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread
        {
            tokio::task::block_in_place(check_all)
        } else {
            check_all()
        };
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(values.len());
        for c in checked {
            match c {
                Ok(r) => resolved.push(r),
                Err(p) => problems.push(p),
            }
        }
        // A key given twice: every row after the first of its key is refused, naming it.
        let mut keys: Vec<(i64, i64, Period, usize)> = resolved
            .iter()
            .map(|r| (r.target_id, r.org_id, r.value.period, r.row))
            .collect();
        rayon::slice::ParallelSliceMut::par_sort_unstable(&mut keys[..]);
        let mut first = None;
        for pair in keys.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if (a.0, a.1, a.2) == (b.0, b.1, b.2) {
                let first_row = *first.get_or_insert(a.3);
                problems.push(refused(b.3, &Refusal::Twice { first_row }));
            } else {
                first = None;
            }
        }
        problems.sort_by_key(|p| p.row);
        problems.truncate(MAX_PROBLEMS);
        if !problems.is_empty() {
            return Err(StoreError::Rejected(problems));
        }

        // Compare with current values: key by key for a few rows (a form, a single report),
        // target by target for a file.
        let mut summary = ImportSummary::default();
        let mut current: HashMap<(i64, i64, String), CurrentRow> = HashMap::new();
        if resolved.len() <= FEW_ROWS {
            let sql = "SELECT v.org_id, v.period, v.value, v.comment, v.state FROM data_values v \
                       WHERE v.target_id = $1 AND v.org_id = $2 AND v.period = $3 \
                       ORDER BY v.id DESC LIMIT 1";
            for r in &resolved {
                let row: Option<CurrentRow> = on_pool!(self, pool => {
                    sqlx::query_as(sql)
                        .bind(r.target_id)
                        .bind(r.org_id)
                        .bind(&*r.period)
                        .fetch_optional(pool)
                        .await?
                });
                if let Some(row) = row {
                    current.insert((r.target_id, row.org_id, row.period.clone()), row);
                }
            }
        } else {
            let mut involved: Vec<i64> = resolved.iter().map(|r| r.target_id).collect();
            involved.sort_unstable();
            involved.dedup();
            let sql = format!(
                "SELECT v.org_id, v.period, v.value, v.comment, v.state FROM data_values v \
                 WHERE v.target_id = $1 AND {CURRENT}"
            );
            for target_id in involved {
                let rows: Vec<CurrentRow> = on_pool!(self, pool => {
                    sqlx::query_as(&sql).bind(target_id).fetch_all(pool).await?
                });
                for r in rows {
                    current.insert((target_id, r.org_id, r.period.clone()), r);
                }
            }
        }
        if current.is_empty() {
            summary.imported = resolved.len();
            return Ok((resolved, summary));
        }
        let mut keep = Vec::with_capacity(resolved.len());
        for r in resolved {
            match current.get(&(r.target_id, r.org_id, r.period.to_string())) {
                None => {
                    summary.imported += 1;
                    keep.push(r);
                }
                // The same number, comment and state: nothing to add. (The same number sent
                // for approval over a draft is a submission, not a repeat.)
                Some(c)
                    if c.value == r.value.value.get()
                        && c.comment == r.value.comment
                        && c.state == state.as_str() =>
                {
                    summary.ignored += 1;
                }
                Some(c) => match may_replace(Some(text_enum("value state", &c.state)?)) {
                    Ok(()) => {
                        summary.updated += 1;
                        keep.push(Resolved {
                            new_key: false,
                            ..r
                        });
                    }
                    Err(refusal) => {
                        summary.ignored += 1;
                        summary.conflicts.push(refused(r.row, &refusal));
                    }
                },
            }
        }
        Ok((keep, summary))
    }

    /// The published values of one target: those whose current version is approved, sorted
    /// by unit and period. Read by the target's index, so a file of every value reads the
    /// nation one target at a time without scanning it for each.
    pub async fn published_values(&self, target: &TargetCode) -> Result<Vec<DataValue>> {
        let sql = format!(
            "{VALUE_ROWS} WHERE v.target_id = (SELECT id FROM targets WHERE code = $1) \
             AND v.state = 'approved' AND {CURRENT} ORDER BY o.code, v.period"
        );
        let rows: Vec<ValueRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(target.as_str()).fetch_all(pool).await?
        });
        rows.into_iter().map(ValueRow::into_value).collect()
    }

    /// Current values, sorted by target, unit and period.
    pub async fn values(&self, filter: &ValueFilter) -> Result<Vec<DataValue>> {
        let sql = format!("{VALUE_ROWS} WHERE {} AND {CURRENT}", filtered(filter));
        let target = filter.target.as_ref().map(|t| t.as_str());
        let org = filter.org.as_ref().map(|o| o.as_str());
        let rows: Vec<ValueRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(target).bind(org).fetch_all(pool).await?
        });
        let mut out = rows
            .into_iter()
            .map(ValueRow::into_value)
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| (&a.target, &a.org, a.period).cmp(&(&b.target, &b.org, b.period)));
        Ok(out)
    }

    /// One page of current values for a reader, counted and cut in the database: approved
    /// values, and unpublished ones of the units `unpublished` names. Sorted by target, unit and
    /// period code. Returns the page and how many values match in all.
    pub async fn values_page(
        &self,
        filter: &ValueFilter,
        unpublished: Unpublished<'_>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<DataValue>, u64)> {
        let (visible, units): (String, &[OrgCode]) = match unpublished {
            Unpublished::All => ("1 = 1".into(), &[]),
            Unpublished::Within([]) => ("1 = 0".into(), &[]),
            Unpublished::Within(units) => (
                format!(
                    "o.code IN ({})",
                    (0..units.len())
                        .map(|i| format!("${}", i + 3))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                units,
            ),
        };
        let from = format!(
            "FROM data_values v JOIN targets t ON t.id = v.target_id \
             JOIN org_units o ON o.id = v.org_id \
             WHERE {} AND {CURRENT} AND (v.state = 'approved' OR {visible})",
            filtered(filter)
        );
        let target = filter.target.as_ref().map(|t| t.as_str());
        let org = filter.org.as_ref().map(|o| o.as_str());
        let n = units.len();
        let count_sql = format!("SELECT COUNT(*) {from}");
        let page_sql = format!(
            "SELECT v.id, t.code AS target, o.code AS org, v.period, v.value, v.comment, \
             v.source, v.author, v.recorded_at, v.state {from} \
             ORDER BY t.code, o.code, v.period LIMIT ${} OFFSET ${}",
            n + 3,
            n + 4
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let (total, rows): (i64, Vec<ValueRow>) = on_pool!(self, pool => {
            let mut count = sqlx::query_scalar(&count_sql).bind(target).bind(org);
            let mut page = sqlx::query_as(&page_sql).bind(target).bind(org);
            for u in units {
                count = count.bind(u.as_str());
                page = page.bind(u.as_str());
            }
            let total = count.fetch_one(pool).await?;
            (total, page.bind(limit).bind(offset).fetch_all(pool).await?)
        });
        let values = rows
            .into_iter()
            .map(ValueRow::into_value)
            .collect::<Result<Vec<_>>>()?;
        Ok((values, u64::try_from(total).unwrap_or(0)))
    }

    /// The approved value of every target, unit and period, as series. One ordered pass over
    /// the key index: rows arrive grouped by key with the newest version last, so no
    /// per-row lookup of newer versions is needed. On SQLite the pass reads through rusqlite,
    /// whose per-row cost is a fraction of sqlx's.
    pub async fn current_series(&self) -> Result<SeriesMap> {
        use futures::TryStreamExt;
        let code_of =
            |rows: Vec<(i64, String)>| -> HashMap<i64, String> { rows.into_iter().collect() };
        let (targets, units) = on_pool!(self, pool => {
            let t: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM targets").fetch_all(pool).await?;
            let u: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM org_units").fetch_all(pool).await?;
            (code_of(t), code_of(u))
        });
        let mut series = SeriesBuilder::new(&targets, &units);
        // Only approved figures are official; approved versions are the last of their key.
        let sql = "SELECT target_id, org_id, period, value FROM data_values \
                   WHERE state = 'approved' ORDER BY target_id, org_id, period, id";
        match self {
            Store::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().to_path_buf();
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )?;
                let mut stmt = conn.prepare(sql)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let period = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
                    series.push(row.get(0)?, row.get(1)?, period, row.get(3)?)?;
                }
            }
            Store::Postgres(pool) => {
                let mut rows = sqlx::query_as::<_, (i64, i64, String, f64)>(sql).fetch(pool);
                while let Some((t, o, period, value)) = rows.try_next().await? {
                    series.push(t, o, &period, value)?;
                }
            }
        }
        series.finish()
    }

    /// Everything evaluation reads on `day`: the hierarchy, the tasks an official may see,
    /// the latest progress dates, the targets and every current series.
    pub async fn snapshot(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<tiendo_domain::snapshot::Snapshot> {
        let tasks = self
            .tasks(&crate::TaskFilter::all(
                tiendo_domain::tasks::Clearance::Internal,
            ))
            .await?;
        Ok(tiendo_domain::snapshot::Snapshot::new(
            day,
            self.hierarchy().await?,
            tasks,
            self.last_progress_dates().await?,
            self.targets(None).await?,
            self.current_series().await?,
        ))
    }

    /// Every version of one value, oldest first.
    pub async fn value_history(
        &self,
        target: &TargetCode,
        org: &OrgCode,
        period: Period,
    ) -> Result<Vec<DataValue>> {
        let sql = "SELECT v.id, t.code AS target, o.code AS org, v.period, v.value, v.comment, \
             v.source, v.author, v.recorded_at, v.state \
             FROM data_values v JOIN targets t ON t.id = v.target_id \
             JOIN org_units o ON o.id = v.org_id \
             WHERE t.code = $1 AND o.code = $2 AND v.period = $3 ORDER BY v.id";
        let period = period.to_string();
        let rows: Vec<ValueRow> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(target.as_str())
                .bind(org.as_str())
                .bind(&period)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(ValueRow::into_value).collect()
    }

    /// Current values in `state`, oldest or newest first, at most `limit`.
    pub(crate) async fn values_in_state(
        &self,
        state: ValueState,
        newest_first: bool,
        limit: u32,
    ) -> Result<Vec<DataValue>> {
        let order = if newest_first { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT v.id, t.code AS target, o.code AS org, v.period, v.value, v.comment, \
             v.source, v.author, v.recorded_at, v.state \
             FROM data_values v JOIN targets t ON t.id = v.target_id \
             JOIN org_units o ON o.id = v.org_id \
             WHERE v.state = $1 AND {CURRENT} ORDER BY v.id {order} LIMIT $2"
        );
        let rows: Vec<ValueRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(state.as_str()).bind(i64::from(limit)).fetch_all(pool).await?
        });
        rows.into_iter().map(ValueRow::into_value).collect()
    }
}

/// Groups rows that arrive ordered by (target, unit, period, version) into current series.
struct SeriesBuilder<'a> {
    targets: &'a HashMap<i64, String>,
    units: &'a HashMap<i64, String>,
    out: SeriesMap,
    key: Option<(i64, i64)>,
    current: Vec<(Period, f64)>,
}

impl<'a> SeriesBuilder<'a> {
    fn new(targets: &'a HashMap<i64, String>, units: &'a HashMap<i64, String>) -> Self {
        SeriesBuilder {
            targets,
            units,
            out: SeriesMap::new(),
            key: None,
            current: Vec::new(),
        }
    }

    fn push(&mut self, target: i64, org: i64, period: &str, value: f64) -> Result<()> {
        if self.key != Some((target, org)) {
            self.flush()?;
            self.key = Some((target, org));
        }
        let period: Period = parse("period", period)?;
        match self.current.last_mut() {
            // A newer version of the same period replaces the older one.
            Some(last) if last.0 == period => last.1 = value,
            _ => self.current.push((period, value)),
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some((t, o)) = self.key {
            fn code<'m>(
                map: &'m HashMap<i64, String>,
                id: i64,
                what: &'static str,
            ) -> Result<&'m String> {
                map.get(&id).ok_or(StoreError::Corrupt {
                    what,
                    detail: format!("a value refers to the missing id {id}"),
                })
            }
            let target = parse("target code", code(self.targets, t, "target")?)?;
            let org = parse("unit code", code(self.units, o, "unit")?)?;
            std::sync::Arc::make_mut(self.out.entry(target).or_default())
                .insert(org, std::mem::take(&mut self.current));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<SeriesMap> {
        self.flush()?;
        Ok(self.out)
    }
}

/// Writes checked rows to SQLite through one prepared statement stepped per row, on a
/// connection of its own: sqlx's per-statement overhead would cost several times what SQLite
/// itself spends. The rows go in one IMMEDIATE transaction, so a failure writes nothing.
/// What one SQLite import writes besides its rows.
struct SqliteWrite<'a> {
    author: &'a str,
    now: DateTime<Utc>,
    state: ValueState,
    /// The highest version id before the import was checked.
    high_water: i64,
}

/// Writes the rows and the import's audit entry in one transaction. Under the write lock it
/// first sets aside the rows whose key a version added since `high_water` put under review or
/// approval (SQLite orders every write, so those are exactly the versions added since the
/// check began), adjusting `summary`.
fn sqlite_bulk_insert(
    path: &std::path::Path,
    rows: Vec<Resolved<'_>>,
    summary: &mut ImportSummary,
    write: &SqliteWrite<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<()> {
    use rusqlite::{Connection, TransactionBehavior};
    let SqliteWrite {
        author,
        now,
        state,
        high_water,
    } = *write;
    // The same text sqlx writes for a timestamp, so both read it back alike.
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A large import touches many pages of the table and its index: keep them cached.
    conn.pragma_update(None, "cache_size", -262_144)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows = {
        let mut since = tx.prepare(
            "SELECT target_id, org_id, period, state FROM data_values WHERE id > ?1 ORDER BY id",
        )?;
        let mut changed = since.query([high_water])?;
        let mut latest: HashMap<(i64, i64, String), String> = HashMap::new();
        while let Some(r) = changed.next()? {
            latest.insert((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?);
        }
        let reviewed = latest
            .into_iter()
            .filter(|(_, state)| state == "submitted" || state == "approved")
            .map(|(key, state)| Ok((key, text_enum("value state", &state)?)))
            .collect::<Result<HashMap<_, ValueState>>>()?;
        set_aside(rows, &reviewed, summary)
    };
    let audit = import_audit(summary, state);
    let state = state.as_str();
    // Several rows per statement: each execution opens cursors on the table, its index and
    // both foreign-key parents, so one row per execution would spend more there than on
    // the rows themselves.
    {
        let mut full = multi_row_insert(&tx, SQLITE_ROWS_PER_INSERT)?;
        for (n, chunk) in rows.chunks(SQLITE_ROWS_PER_INSERT).enumerate() {
            let mut partial;
            let insert = if chunk.len() == SQLITE_ROWS_PER_INSERT {
                &mut full
            } else {
                {
                    partial = multi_row_insert(&tx, chunk.len())?;
                    &mut partial
                }
            };
            insert.raw_bind_parameter(1, author)?;
            insert.raw_bind_parameter(2, &stamp)?;
            insert.raw_bind_parameter(3, state)?;
            for (i, r) in chunk.iter().enumerate() {
                let b = 4 + i * 6;
                insert.raw_bind_parameter(b, r.target_id)?;
                insert.raw_bind_parameter(b + 1, r.org_id)?;
                insert.raw_bind_parameter(b + 2, &*r.period)?;
                insert.raw_bind_parameter(b + 3, r.value.value.get())?;
                insert.raw_bind_parameter(b + 4, &r.value.comment)?;
                insert.raw_bind_parameter(b + 5, &r.value.source)?;
            }
            insert.raw_execute()?;
            let done = n * SQLITE_ROWS_PER_INSERT + chunk.len();
            if done % PROGRESS_EVERY < SQLITE_ROWS_PER_INSERT {
                progress(done);
            }
        }
    }
    // Chained on from the head like every audit entry (the transaction holds SQLite's one
    // write lock, so the head cannot move meanwhile).
    let at = crate::audit::instant(now);
    let head: String = tx.query_row(crate::audit::READ_HEAD, [], |r| r.get(0))?;
    let record = crate::audit::Record {
        actor: author,
        action: IMPORT_ACTION,
        object: IMPORT_OBJECT.to_string(),
        before: None,
        after: Some(audit),
    };
    let links = crate::audit::chain(&head, &at, std::slice::from_ref(&record));
    let (prev, hash) = &links[0];
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, object, before, after, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7)",
        rusqlite::params![
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            author,
            IMPORT_ACTION,
            IMPORT_OBJECT,
            record.after,
            prev,
            hash
        ],
    )?;
    tx.execute(
        "UPDATE audit_head SET hash = ?1, length = length + 1 WHERE id = 1",
        [hash],
    )?;
    tx.commit()?;
    progress(rows.len());
    Ok(())
}

/// Rows per INSERT statement on SQLite (6 parameters a row, far below SQLite's limit).
const SQLITE_ROWS_PER_INSERT: usize = 64;

fn multi_row_insert<'c>(
    tx: &'c rusqlite::Transaction<'_>,
    rows: usize,
) -> rusqlite::Result<rusqlite::Statement<'c>> {
    let mut sql = String::from(
        "INSERT INTO data_values (author, recorded_at, state, target_id, org_id, period, value, \
         comment, source) VALUES ",
    );
    for i in 0..rows {
        let b = 4 + i * 6;
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!(
            "(?1,?2,?3,?{},?{},?{},?{},?{},?{})",
            b,
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
    }
    tx.prepare(&sql)
}

fn copy_csv(rows: &[Resolved<'_>], author: &str, stamp: &str, state: &str) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows.len() * 64));
    let io = |e: csv::Error| StoreError::Invalid(format!("cannot encode a value for COPY: {e}"));
    let mut ryu = ryu::Buffer::new();
    for r in rows {
        w.write_record([
            r.target_id.to_string().as_str(),
            r.org_id.to_string().as_str(),
            &r.period,
            ryu.format_finite(r.value.value.get()),
            r.value.comment.as_deref().unwrap_or(""),
            r.value.source.as_deref().unwrap_or(""),
            author,
            stamp,
            state,
        ])
        .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| StoreError::Invalid(format!("cannot encode values for COPY: {e}")))
}
