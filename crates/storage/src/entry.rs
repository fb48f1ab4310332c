//! Values entered one by one through the web application or the API, each write recorded in
//! the audit log in the same transaction (their review is in `review`).
//!
//! Entries come in batches of requests so that many reporters writing at once share one
//! transaction: a batch costs a handful of statements whatever its size. Each request (one
//! reporter's form or API call) is written whole or not at all.

use std::collections::HashMap;

use chrono::Utc;
use tiendo_domain::admissibility::{admit_entry, admit_text, EntryWindow, Refusal, Reporter};
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, NewValue, ValueState};

use crate::audit::Record;
use crate::params::{BindLists, Column};
use crate::rows::to_json;
use crate::{on_pool, Result, Store, StoreError};

/// A value as a reporter saves (draft) or submits it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: NewValue,
    pub state: ValueState,
    pub author: String,
    /// The day of the entry and how long entry stays open after a period ends.
    pub window: EntryWindow,
}

/// At most this many entries in one request.
pub const MAX_REQUEST: usize = 1000;

/// Entries per transaction: a writer's whole batch of single-value requests commits at once,
/// and the longest statement (9 parameters an entry) stays well under SQLite's limit of 32,766.
const CHUNK: usize = MAX_REQUEST;

/// What became of one request: written, or refused with each refused entry's position and
/// the rule it broke (the domain's admissibility rule).
pub type Outcome = Result<(), Vec<(usize, Refusal)>>;

/// What is known of a key's current version.
#[derive(Debug, Clone, PartialEq)]
struct Current {
    value: f64,
    state: ValueState,
}

/// What the rule needs of the units a batch names.
struct UnitFacts {
    id: i64,
    kind: OrgKind,
    validity: tiendo_domain::orgs::Validity,
    successor: bool,
}

impl Store {
    /// Writes each request whose entries are all acceptable, each entry as a new version,
    /// and returns in order what became of each request. An entry is refused when its target
    /// or unit does not exist, when it is neither a draft nor a submission, or when the value
    /// is approved (locked) or awaiting review.
    pub async fn enter_values(&self, requests: &[Vec<Entry>]) -> Result<Vec<Outcome>> {
        if let Some(big) = requests.iter().find(|r| r.len() > MAX_REQUEST) {
            return Err(StoreError::Invalid(format!(
                "a request holds {} values; send at most {MAX_REQUEST} at a time",
                big.len()
            )));
        }
        let mut out = Vec::with_capacity(requests.len());
        let mut start = 0;
        while start < requests.len() {
            let mut end = start + 1;
            let mut size = requests[start].len();
            while end < requests.len() && size + requests[end].len() <= CHUNK {
                size += requests[end].len();
                end += 1;
            }
            out.extend(self.enter_chunk(&requests[start..end]).await?);
            start = end;
        }
        Ok(out)
    }

    async fn enter_chunk(&self, requests: &[Vec<Entry>]) -> Result<Vec<Outcome>> {
        let now = Utc::now();
        let entries: Vec<&Entry> = requests.iter().flatten().collect();
        let mut target_codes: Vec<&str> = entries.iter().map(|e| e.value.target.as_str()).collect();
        let mut org_codes: Vec<&str> = entries.iter().map(|e| e.value.org.as_str()).collect();
        target_codes.sort_unstable();
        target_codes.dedup();
        org_codes.sort_unstable();
        org_codes.dedup();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let lists = crate::params::lists(&tx);
            let targets_named = Column::Texts(target_codes.clone());
            let units_named = Column::Texts(org_codes.clone());
            let target_sql = format!(
                "SELECT id, code FROM targets WHERE {} ORDER BY id{}",
                lists.one_of("code", &targets_named, 0),
                self.for_share()
            );
            let org_sql = format!(
                "SELECT o.id, o.code, o.kind, o.valid_from, o.valid_to, \
                 EXISTS (SELECT 1 FROM org_successions s WHERE s.successor_id = o.id) \
                 FROM org_units o WHERE {} ORDER BY o.id{}",
                lists.one_of("o.code", &units_named, 0),
                self.for_writing_units()
            );
            let targets: HashMap<String, i64> = sqlx::query_as::<_, (i64, String)>(&target_sql)
                .bind_list(targets_named.clone())
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|(i, c)| (c, i))
                .collect();
            // The definitions of the batch's targets alone, read under the lock just taken.
            let definitions_sql = crate::targets::named(lists, &targets_named);
            let mut definitions: HashMap<String, tiendo_domain::targets::Target> = HashMap::new();
            for row in sqlx::query_as::<_, crate::targets::TargetRow>(&definitions_sql)
                .bind_list(targets_named)
                .fetch_all(&mut *tx)
                .await?
            {
                let t = row.into_target()?;
                definitions.insert(t.code.to_string(), t);
            }
            // The units, locked after the targets: two writers of one unit's values take turns
            // from here, while other units' writers of the same targets go on (`locks`).
            type OrgRow = (i64, String, String, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>, bool);
            let mut orgs: HashMap<String, UnitFacts> = HashMap::new();
            for (id, code, kind, from, to, successor) in sqlx::query_as::<_, OrgRow>(&org_sql)
                .bind_list(units_named)
                .fetch_all(&mut *tx)
                .await?
            {
                orgs.insert(code, UnitFacts {
                    id,
                    kind: crate::rows::text_enum("unit kind", &kind)?,
                    validity: tiendo_domain::orgs::Validity::new(from, to).unwrap_or_default(),
                    successor,
                });
            }

            // The standing office's reopenings of the batch's units: the latest of each period.
            let mut reopened: HashMap<(i64, String), chrono::NaiveDate> = HashMap::new();
            if !orgs.is_empty() {
                let units = Column::Ids(orgs.values().map(|o| o.id).collect());
                let sql = format!(
                    "SELECT org_id, period, last_day FROM entry_reopenings WHERE {} ORDER BY id",
                    lists.one_of("org_id", &units, 0)
                );
                for (o, p, last_day) in sqlx::query_as::<_, (i64, String, chrono::NaiveDate)>(&sql)
                    .bind_list(units)
                    .fetch_all(&mut *tx)
                    .await?
                {
                    reopened.insert((o, p), last_day);
                }
            }

            // Resolve, then read the current version of every key the batch touches.
            let mut results: Vec<Result<(i64, i64), Refusal>> = Vec::with_capacity(entries.len());
            for e in &entries {
                let v = &e.value;
                let target = targets.get(v.target.as_str()).zip(definitions.get(v.target.as_str()));
                results.push(match (target, orgs.get(v.org.as_str())) {
                    (None, _) => Err(Refusal::UnknownTarget { target: v.target.clone() }),
                    (_, None) => Err(Refusal::UnknownUnit { unit: v.org.clone() }),
                    (Some((&t, _)), Some(o)) => Ok((t, o.id)),
                });
            }
            let keys: Vec<(i64, i64, String)> = results
                .iter()
                .zip(&entries)
                .filter_map(|(r, e)| r.as_ref().ok().map(|&(t, o)| (t, o, e.value.period.to_string())))
                .collect();
            let mut current: HashMap<(i64, i64, String), Current> = HashMap::new();
            if !keys.is_empty() {
                // Each key's latest version by the key's index, then those rows by id: both
                // engines look each key up whatever the batch's size (PostgreSQL scanned the
                // whole table to match a thousand keys given as `(…) IN (VALUES …)`).
                let columns = vec![
                    Column::Ids(keys.iter().map(|k| k.0).collect()),
                    Column::Ids(keys.iter().map(|k| k.1).collect()),
                    Column::Texts(keys.iter().map(|k| k.2.as_str()).collect()),
                ];
                let sql = format!(
                    "SELECT v.target_id, v.org_id, v.period, v.value, v.state FROM data_values v \
                     WHERE v.id IN (SELECT (SELECT MAX(n.id) FROM data_values n \
                     WHERE n.target_id = k.column1 AND n.org_id = k.column2 \
                     AND n.period = k.column3) FROM {})",
                    lists.table("k", &columns, 0)
                );
                for (t, o, p, value, state) in sqlx::query_as::<_, (i64, i64, String, f64, String)>(&sql)
                    .bind_table(columns)
                    .fetch_all(&mut *tx)
                    .await?
                {
                    let state = state.parse().map_err(|e: tiendo_domain::values::UnknownValueState| {
                        StoreError::Corrupt { what: "value state", detail: e.to_string() }
                    })?;
                    current.insert((t, o, p), Current { value, state });
                }
            }

            // Decide request by request, entry by entry; later entries of a key see earlier
            // ones, and a refused request leaves no trace.
            let mut rows: Vec<(i64, i64, String, &Entry)> = Vec::new();
            let mut audits: Vec<Record> = Vec::new();
            let mut out = Vec::with_capacity(requests.len());
            let mut resolved = results.into_iter();
            for request in requests {
                let mut refused = Vec::new();
                let mut mine_rows = Vec::new();
                let mut mine_audits = Vec::new();
                let mut mine_current: HashMap<(i64, i64, String), Current> = HashMap::new();
                for (i, e) in request.iter().enumerate() {
                    let Some(verdict) = resolved.next() else {
                        return Err(StoreError::Corrupt { what: "entry batch", detail: "an entry without a resolution".into() });
                    };
                    let (t, o) = match verdict {
                        Ok(ids) => ids,
                        Err(r) => {
                            refused.push((i, r));
                            continue;
                        }
                    };
                    let key = (t, o, e.value.period.to_string());
                    let before = mine_current.get(&key).or_else(|| current.get(&key)).cloned();
                    let (Some(target), Some(unit)) = (
                        definitions.get(e.value.target.as_str()),
                        orgs.get(e.value.org.as_str()),
                    ) else {
                        return Err(StoreError::Corrupt { what: "entry batch", detail: "a resolved entry lost its target or unit".into() });
                    };
                    let reporter = Reporter {
                        code: &e.value.org,
                        kind: unit.kind,
                        validity: unit.validity,
                        successor: unit.successor,
                    };
                    if let Err(r) = admit_text(&e.value).and_then(|()| admit_entry(
                        target,
                        reporter,
                        e.value.period,
                        e.value.value,
                        e.state,
                        before.as_ref().map(|b| b.state),
                    )).and_then(|()| e.window.admits(e.value.period, reopened.get(&(o, key.2.clone())).copied())) {
                        refused.push((i, r));
                        continue;
                    }
                    mine_audits.push(Record {
                        actor: &e.author,
                        action: if e.state == ValueState::Submitted { "value.submit" } else { "value.save" },
                        object: value_object(&e.value.target, &e.value.org, e.value.period),
                        before: before.as_ref().map(|b| to_json(&serde_json::json!({"value": b.value, "state": b.state}))),
                        after: Some(to_json(&serde_json::json!({
                            "value": e.value.value, "state": e.state,
                            "comment": e.value.comment, "source": e.value.source,
                        }))),
                    });
                    mine_current.insert(key.clone(), Current { value: e.value.value.get(), state: e.state });
                    mine_rows.push((key.0, key.1, key.2, e));
                }
                if refused.is_empty() {
                    current.extend(mine_current);
                    rows.extend(mine_rows);
                    audits.extend(mine_audits);
                    out.push(Ok(()));
                } else {
                    out.push(Err(refused));
                }
            }
            if !rows.is_empty() {
                let columns = vec![
                    Column::Ids(rows.iter().map(|r| r.0).collect()),
                    Column::Ids(rows.iter().map(|r| r.1).collect()),
                    Column::Texts(rows.iter().map(|r| r.2.as_str()).collect()),
                    Column::Numbers(rows.iter().map(|r| r.3.value.value.get()).collect()),
                    Column::OptionalTexts(rows.iter().map(|r| r.3.value.comment.as_deref()).collect()),
                    Column::OptionalTexts(rows.iter().map(|r| r.3.value.source.as_deref()).collect()),
                    Column::Texts(rows.iter().map(|r| r.3.author.as_str()).collect()),
                    Column::Instants(vec![now; rows.len()]),
                    Column::Texts(rows.iter().map(|r| r.3.state.as_str()).collect()),
                ];
                let sql = format!(
                    "INSERT INTO data_values (target_id, org_id, period, value, comment, source, \
                     author, recorded_at, state) {}",
                    lists.rows(&columns, 0)
                );
                sqlx::query(&sql).bind_table(columns).execute(&mut *tx).await?;
                crate::audit::append_all!(tx, now, &audits);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Current values awaiting review (submitted), oldest first, at most `limit`.
    pub async fn submitted_values(&self, limit: u32) -> Result<Vec<DataValue>> {
        self.values_in_state(ValueState::Submitted, false, limit)
            .await
    }

    /// Values whose current version a reviewer returned, newest first, at most `limit`: what
    /// reporters still owe a correction for.
    pub async fn returned_values(&self, limit: u32) -> Result<Vec<DataValue>> {
        self.values_in_state(ValueState::Returned, true, limit)
            .await
    }

    /// The day each unit first submitted (or had approved) a value of each `(target, period)`,
    /// for reporting timeliness: a report is on time when its first submission was.
    pub async fn first_submitted(
        &self,
        keys: &[(TargetCode, Period)],
    ) -> Result<HashMap<(TargetCode, OrgCode), chrono::NaiveDate>> {
        let mut out = HashMap::new();
        // Few hundred keys at national scale; chunks keep every statement's parameters bounded.
        for chunk in keys.chunks(CHUNK) {
            let periods: Vec<String> = chunk.iter().map(|(_, p)| p.to_string()).collect();
            let columns = vec![
                Column::Texts(chunk.iter().map(|(t, _)| t.as_str()).collect()),
                Column::Texts(periods.iter().map(String::as_str).collect()),
            ];
            let sql = format!(
                "SELECT t.code, o.code, MIN(v.recorded_at) FROM data_values v \
                 JOIN targets t ON t.id = v.target_id JOIN org_units o ON o.id = v.org_id \
                 WHERE v.state IN ('submitted', 'approved') \
                 AND (t.code, v.period) IN (SELECT k.column1, k.column2 FROM {}) \
                 GROUP BY t.code, o.code",
                self.lists().table("k", &columns, 0)
            );
            let rows: Vec<(String, String, chrono::DateTime<Utc>)> = on_pool!(self, pool => {
                sqlx::query_as(&sql).bind_table(columns).fetch_all(pool).await?
            });
            for (t, o, at) in rows {
                out.insert(
                    (
                        crate::rows::parse("target code", &t)?,
                        crate::rows::parse("unit code", &o)?,
                    ),
                    at.date_naive(),
                );
            }
        }
        Ok(out)
    }

    /// The most recently approved values, newest first, at most `limit`.
    pub async fn recently_approved(&self, limit: u32) -> Result<Vec<DataValue>> {
        self.values_in_state(ValueState::Approved, true, limit)
            .await
    }
}

pub(crate) fn value_object(target: &TargetCode, org: &OrgCode, period: Period) -> String {
    format!("value {target}/{org}/{period}")
}
