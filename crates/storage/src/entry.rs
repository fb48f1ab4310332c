//! Values entered one by one through the web application or the API, and their review
//! (submit, approve, return), each write recorded in the audit log in the same transaction.
//!
//! Entries come in batches of requests so that many reporters writing at once share one
//! transaction: a batch costs a handful of statements whatever its size. Each request (one
//! reporter's form or API call) is written whole or not at all.

use std::collections::HashMap;

use chrono::Utc;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, NewValue, ValueState};

use crate::audit::{Record, INSERT as AUDIT_INSERT};
use crate::rows::to_json;
use crate::{on_pool, Result, Store, StoreError};

/// A value as a reporter saves (draft) or submits it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: NewValue,
    pub state: ValueState,
    pub author: String,
}

/// Why one entry was refused; nothing of it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The field at fault, as the entry form and the API name it.
    pub field: &'static str,
    pub message: String,
}

/// Entries per transaction, so every statement stays well under SQLite's bound-parameter limit.
const CHUNK: usize = 200;

/// At most this many entries in one request.
pub const MAX_REQUEST: usize = 1000;

/// What became of one request: written, or refused with each refused entry's position.
pub type Outcome = Result<(), Vec<(usize, Refusal)>>;

/// What is known of a key's current version.
#[derive(Debug, Clone, PartialEq)]
struct Current {
    value: f64,
    state: ValueState,
}

fn refusal(field: &'static str, message: String) -> Refusal {
    Refusal { field, message }
}

fn placeholders(rows: usize, per_row: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..per_row)
                .map(|c| format!("${}", first + r * per_row + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
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
        let target_sql = format!(
            "SELECT id, code FROM targets WHERE code IN ({})",
            (1..=target_codes.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let org_sql = format!(
            "SELECT id, code FROM org_units WHERE code IN ({})",
            (1..=org_codes.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut q = sqlx::query_as::<_, (i64, String)>(&target_sql);
            for c in &target_codes {
                q = q.bind(*c);
            }
            let targets: HashMap<String, i64> =
                q.fetch_all(&mut *tx).await?.into_iter().map(|(i, c)| (c, i)).collect();
            let mut q = sqlx::query_as::<_, (i64, String)>(&org_sql);
            for c in &org_codes {
                q = q.bind(*c);
            }
            let orgs: HashMap<String, i64> =
                q.fetch_all(&mut *tx).await?.into_iter().map(|(i, c)| (c, i)).collect();

            // Resolve, then read the current version of every key the batch touches.
            let mut results: Vec<Result<(i64, i64), Refusal>> = Vec::with_capacity(entries.len());
            for e in &entries {
                let v = &e.value;
                results.push(match (targets.get(v.target.as_str()), orgs.get(v.org.as_str())) {
                    (None, _) => Err(refusal("target", format!("target {} does not exist", v.target))),
                    (_, None) => Err(refusal("org", format!("organisation unit {} does not exist", v.org))),
                    (Some(&t), Some(&o)) => Ok((t, o)),
                });
            }
            let keys: Vec<(i64, i64, String)> = results
                .iter()
                .zip(&entries)
                .filter_map(|(r, e)| r.as_ref().ok().map(|&(t, o)| (t, o, e.value.period.to_string())))
                .collect();
            let mut current: HashMap<(i64, i64, String), Current> = HashMap::new();
            if !keys.is_empty() {
                let sql = format!(
                    "SELECT v.target_id, v.org_id, v.period, v.value, v.state FROM data_values v \
                     WHERE (v.target_id, v.org_id, v.period) IN (VALUES {}) AND NOT EXISTS \
                     (SELECT 1 FROM data_values n WHERE n.target_id = v.target_id \
                     AND n.org_id = v.org_id AND n.period = v.period AND n.id > v.id)",
                    placeholders(keys.len(), 3, 1)
                );
                let mut q = sqlx::query_as::<_, (i64, i64, String, f64, String)>(&sql);
                for (t, o, p) in &keys {
                    q = q.bind(*t).bind(*o).bind(p.as_str());
                }
                for (t, o, p, value, state) in q.fetch_all(&mut *tx).await? {
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
                    let verdict = resolved.next().unwrap_or_else(|| {
                        Err(refusal("value", "internal: entry without a resolution".into()))
                    });
                    let (t, o) = match verdict {
                        Ok(ids) => ids,
                        Err(r) => {
                            refused.push((i, r));
                            continue;
                        }
                    };
                    let key = (t, o, e.value.period.to_string());
                    let before = mine_current.get(&key).or_else(|| current.get(&key)).cloned();
                    if let Err(r) = check_entry(e, before.as_ref()) {
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
                let sql = format!(
                    "INSERT INTO data_values (target_id, org_id, period, value, comment, source, \
                     author, recorded_at, state) VALUES {}",
                    placeholders(rows.len(), 9, 1)
                );
                let mut q = sqlx::query(&sql);
                for (t, o, p, e) in &rows {
                    q = q
                        .bind(*t)
                        .bind(*o)
                        .bind(p.as_str())
                        .bind(e.value.value.get())
                        .bind(e.value.comment.as_deref())
                        .bind(e.value.source.as_deref())
                        .bind(e.author.as_str())
                        .bind(now)
                        .bind(e.state.as_str());
                }
                q.execute(&mut *tx).await?;
                let sql = format!(
                    "INSERT INTO audit_log (at, actor, action, object, before, after) VALUES {}",
                    placeholders(audits.len(), 6, 1)
                );
                let mut q = sqlx::query(&sql);
                for a in &audits {
                    q = q
                        .bind(now)
                        .bind(a.actor)
                        .bind(a.action)
                        .bind(&a.object)
                        .bind(&a.before)
                        .bind(&a.after);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Moves the current version of a value to `next` (submit, approve, return) by adding a
    /// version; the move must be allowed from the current state. A return needs a reason.
    pub async fn set_value_state(
        &self,
        target: &TargetCode,
        org: &OrgCode,
        period: Period,
        next: ValueState,
        author: &str,
        comment: Option<&str>,
    ) -> Result<DataValue> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if next == ValueState::Returned && comment.is_none() {
            return Err(StoreError::Invalid(
                "a value is returned with a reason for its reporter".into(),
            ));
        }
        let history = self.value_history(target, org, period).await?;
        let Some(current) = history.last() else {
            return Err(StoreError::Invalid(format!(
                "there is no value for {target} / {org} / {period}"
            )));
        };
        if !current.state.may_become(next) {
            return Err(StoreError::Invalid(format!(
                "{target} / {org} / {period} is {} and cannot become {next}",
                current.state
            )));
        }
        let sql = "INSERT INTO data_values (target_id, org_id, period, value, comment, source, \
             author, recorded_at, state) \
             SELECT v.target_id, v.org_id, v.period, v.value, COALESCE($4, v.comment), v.source, \
             $5, $6, $7 FROM data_values v JOIN targets t ON t.id = v.target_id \
             JOIN org_units o ON o.id = v.org_id \
             WHERE t.code = $1 AND o.code = $2 AND v.period = $3 AND NOT EXISTS \
             (SELECT 1 FROM data_values n WHERE n.target_id = v.target_id \
             AND n.org_id = v.org_id AND n.period = v.period AND n.id > v.id)";
        let now = Utc::now();
        let p = period.to_string();
        let record = Record {
            actor: author,
            action: match next {
                ValueState::Approved => "value.approve",
                ValueState::Returned => "value.return",
                ValueState::Submitted => "value.submit",
                ValueState::Draft => "value.reopen",
            },
            object: value_object(target, org, period),
            before: Some(to_json(
                &serde_json::json!({"value": current.value, "state": current.state}),
            )),
            after: Some(to_json(
                &serde_json::json!({"value": current.value, "state": next, "comment": comment}),
            )),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(sql)
                .bind(target.as_str())
                .bind(org.as_str())
                .bind(&p)
                .bind(comment)
                .bind(author)
                .bind(now)
                .bind(next.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(AUDIT_INSERT)
                .bind(now)
                .bind(record.actor)
                .bind(record.action)
                .bind(&record.object)
                .bind(&record.before)
                .bind(&record.after)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        let mut after = self.value_history(target, org, period).await?;
        after.pop().ok_or_else(|| StoreError::Corrupt {
            what: "value history",
            detail: "a version vanished".into(),
        })
    }

    /// Current values awaiting review (submitted), oldest first, at most `limit`.
    pub async fn submitted_values(&self, limit: u32) -> Result<Vec<DataValue>> {
        self.values_in_state(ValueState::Submitted, false, limit)
            .await
    }

    /// The most recently approved values, newest first, at most `limit`.
    pub async fn recently_approved(&self, limit: u32) -> Result<Vec<DataValue>> {
        self.values_in_state(ValueState::Approved, true, limit)
            .await
    }
}

fn value_object(target: &TargetCode, org: &OrgCode, period: Period) -> String {
    format!("value {target}/{org}/{period}")
}

fn check_entry(e: &Entry, before: Option<&Current>) -> Result<(), Refusal> {
    if !matches!(e.state, ValueState::Draft | ValueState::Submitted) {
        return Err(refusal(
            "state",
            format!("a reporter saves a draft or submits, not \"{}\"", e.state),
        ));
    }
    match before.map(|b| b.state) {
        Some(ValueState::Approved) => Err(refusal(
            "value",
            "this value is approved and locked".to_string(),
        )),
        Some(ValueState::Submitted) => Err(refusal(
            "value",
            "this value is awaiting approval; it can change again once it is returned".to_string(),
        )),
        _ => Ok(()),
    }
}
