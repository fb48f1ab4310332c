//! The review of entered values: a reviewer moves a value's version to another state
//! (approve, return, submit, reopen) by adding a version, recorded in the audit log in the same
//! transaction.
//!
//! Reviews come in batches, as entries do, and a batch costs a handful of statements whatever
//! its size: twenty reviewers approving during a deadline's rush share one transaction that
//! reads every value they judge at once and writes every new version at once.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use tiendo_domain::admissibility::{admit_review, ReviewRefusal};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, Number, ValueState};

use crate::audit::Record;
use crate::entry::value_object;
use crate::params::{BindLists, Column};
use crate::rows::to_json;
use crate::{on_pool, Result, Store, StoreError};

/// A reviewer's move of one value's version to another state.
#[derive(Debug, Clone)]
pub struct StateChange {
    pub target: TargetCode,
    pub org: OrgCode,
    pub period: Period,
    /// The version the reviewer judged.
    pub version: i64,
    pub next: ValueState,
    pub author: String,
    pub comment: Option<String>,
}

/// A value's current version as a reviewer judges it.
#[derive(sqlx::FromRow)]
struct Current {
    target_id: i64,
    org_id: i64,
    target: String,
    org: String,
    period: String,
    id: i64,
    value: f64,
    state: String,
    author: String,
    comment: Option<String>,
    source: Option<String>,
}

/// A move that passed its check, waiting for its version to be written.
struct Allowed<'a> {
    change: usize,
    current: &'a Current,
    state: ValueState,
    comment: Option<&'a str>,
}

impl Store {
    /// Moves version `version` of a value to `next` (approve, return, submit, reopen) by adding
    /// a version. The version must still be the current one, the move must be allowed from its
    /// state, a return needs a reason, and nobody approves or returns a value they wrote.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_value_state(
        &self,
        target: &TargetCode,
        org: &OrgCode,
        period: Period,
        version: i64,
        next: ValueState,
        author: &str,
        comment: Option<&str>,
    ) -> Result<DataValue> {
        let change = StateChange {
            target: target.clone(),
            org: org.clone(),
            period,
            version,
            next,
            author: author.to_string(),
            comment: comment.map(str::to_string),
        };
        self.write_state_changes(std::slice::from_ref(&change))
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Invalid("no state change was made".into())))
    }

    /// Several reviewers' moves in one transaction, each checked as [`Store::set_value_state`]
    /// checks one: a refused move is answered on its own and the others are written. When the
    /// transaction fails (one corrupt row, a lost connection), each move is tried again in a
    /// transaction of its own, so one cannot fail the others and each answer says its own why.
    pub async fn set_value_states(&self, changes: &[StateChange]) -> Vec<Result<DataValue>> {
        match self.write_state_changes(changes).await {
            Ok(done) => done,
            Err(e) if changes.len() == 1 => vec![Err(e)],
            Err(e) => {
                tracing::warn!(error = %e, reviews = changes.len(), "a batch of reviews failed; writing them one by one");
                let mut out = Vec::with_capacity(changes.len());
                for c in changes {
                    out.push(
                        match self.write_state_changes(std::slice::from_ref(c)).await {
                            Ok(mut one) => one.pop().unwrap_or_else(|| {
                                Err(StoreError::Invalid("no state change was made".into()))
                            }),
                            Err(e) => Err(e),
                        },
                    );
                }
                out
            }
        }
    }

    /// The moves of [`Store::set_value_states`]; the outer error is the transaction's, which
    /// writes none of them. The targets are locked first, then the units, each in id order, as
    /// every writer of values locks them. Moves are judged in rounds of at most one move per
    /// value, so a second move of a value in the same batch is judged against the first's
    /// version (and so refused as stale, as it would be a moment later).
    async fn write_state_changes(&self, changes: &[StateChange]) -> Result<Vec<Result<DataValue>>> {
        let (codes, lock) = self.lock_by_code(
            "targets",
            changes.iter().map(|c| c.target.as_str()),
            self.for_share(),
        );
        let (units, unit_lock) = self.lock_by_code(
            "org_units",
            changes.iter().map(|c| c.org.as_str()),
            self.for_writing_units(),
        );
        // Microseconds, as PostgreSQL keeps them, so the version returned equals the one read back.
        let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
        let mut out: Vec<Option<Result<DataValue>>> = changes.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = Vec::with_capacity(changes.len());
        for (i, c) in changes.iter().enumerate() {
            let comment = c
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            if c.next == ValueState::Returned && comment.is_none() {
                out[i] = Some(Err(StoreError::Invalid(
                    "a value is returned with a reason for its reporter".into(),
                )));
            } else {
                pending.push(i);
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let lists = crate::params::lists(&tx);
            crate::locks::lock_rows!(tx, &codes, &lock);
            crate::locks::lock_rows!(tx, &units, &unit_lock);
            let mut audits = Vec::new();
            let mut approved = Vec::new();
            while !pending.is_empty() {
                let mut named = HashSet::new();
                let (round, later): (Vec<usize>, Vec<usize>) = pending.iter().partition(|&&i| {
                    let c = &changes[i];
                    named.insert((c.target.as_str(), c.org.as_str(), c.period))
                });
                pending = later;
                // Each value's current version, found through its key's index.
                let period_texts: Vec<String> = round.iter().map(|&i| changes[i].period.to_string()).collect();
                let keys = vec![
                    Column::Texts(round.iter().map(|&i| changes[i].target.as_str()).collect()),
                    Column::Texts(round.iter().map(|&i| changes[i].org.as_str()).collect()),
                    Column::Texts(period_texts.iter().map(String::as_str).collect()),
                ];
                let sql = format!(
                    "SELECT v.target_id, v.org_id, t.code AS target, o.code AS org, v.period, v.id, v.value, v.state, \
                     v.author, v.comment, v.source FROM data_values v \
                     JOIN targets t ON t.id = v.target_id JOIN org_units o ON o.id = v.org_id \
                     WHERE v.id IN (SELECT (SELECT MAX(n.id) FROM data_values n \
                     WHERE n.target_id = kt.id AND n.org_id = ko.id AND n.period = k.column3) \
                     FROM {} JOIN targets kt ON kt.code = k.column1 \
                     JOIN org_units ko ON ko.code = k.column2)",
                    lists.table("k", &keys, 0)
                );
                let found = sqlx::query_as::<_, Current>(&sql).bind_table(keys).fetch_all(&mut *tx).await?;
                let by_key: HashMap<(&str, &str, &str), &Current> = found
                    .iter()
                    .map(|v| ((v.target.as_str(), v.org.as_str(), v.period.as_str()), v))
                    .collect();
                let mut allowed = Vec::with_capacity(round.len());
                for &i in &round {
                    let StateChange { target, org, period, version, next, author, comment } = &changes[i];
                    let period_text = period.to_string();
                    let Some(current) = by_key.get(&(target.as_str(), org.as_str(), period_text.as_str())) else {
                        out[i] = Some(Err(StoreError::NotFound(format!(
                            "there is no value for {target} / {org} / {period}"
                        ))));
                        continue;
                    };
                    let state: ValueState = crate::rows::text_enum("value state", &current.state)?;
                    if let Err(r) = admit_review(author, *version, *next, current.id, state, &current.author) {
                        let message = format!("{target} / {org} / {period}: {r}");
                        out[i] = Some(Err(match r {
                            ReviewRefusal::OwnValue { .. } => StoreError::Forbidden { code: r.code(), message },
                            ReviewRefusal::Stale { .. } | ReviewRefusal::Transition { .. } => {
                                StoreError::Conflict { code: r.code(), message }
                            }
                        }));
                        continue;
                    }
                    let comment = comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
                    allowed.push(Allowed { change: i, current, state, comment });
                }
                if allowed.is_empty() {
                    continue;
                }
                // Each new version copies its value and source from the version judged.
                let moves = vec![
                    Column::Ids(allowed.iter().map(|a| a.current.id).collect()),
                    Column::OptionalTexts(allowed.iter().map(|a| a.comment).collect()),
                    Column::Texts(allowed.iter().map(|a| changes[a.change].author.as_str()).collect()),
                    Column::Instants(vec![now; allowed.len()]),
                    Column::Texts(allowed.iter().map(|a| changes[a.change].next.as_str()).collect()),
                ];
                let sql = format!(
                    "INSERT INTO data_values (target_id, org_id, period, value, comment, source, \
                     author, recorded_at, state) \
                     SELECT v.target_id, v.org_id, v.period, v.value, COALESCE(k.column2, v.comment), \
                     v.source, k.column3, k.column4, k.column5 \
                     FROM {} JOIN data_values v ON v.id = k.column1 \
                     RETURNING id, target_id, org_id, period",
                    lists.table("k", &moves, 0)
                );
                // One move per value in a round: a written row's key names its move.
                let versions: HashMap<(i64, i64, String), i64> = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql)
                    .bind_table(moves)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .map(|(id, t, o, p)| ((t, o, p), id))
                    .collect();
                for a in allowed {
                    let c = &changes[a.change];
                    let key = (a.current.target_id, a.current.org_id, a.current.period.clone());
                    let Some(&version) = versions.get(&key) else {
                        return Err(StoreError::Corrupt { what: "review batch", detail: format!("no version was written for {}", a.current.id) });
                    };
                    let Some(number) = Number::new(a.current.value) else {
                        return Err(StoreError::Corrupt { what: "value", detail: a.current.value.to_string() });
                    };
                    audits.push(Record {
                        actor: &c.author,
                        action: match c.next {
                            ValueState::Approved => "value.approve",
                            ValueState::Returned => "value.return",
                            ValueState::Submitted => "value.submit",
                            ValueState::Draft => "value.reopen",
                        },
                        object: value_object(&c.target, &c.org, c.period),
                        before: Some(to_json(&serde_json::json!({"value": a.current.value, "state": a.state, "version": a.current.id}))),
                        after: Some(to_json(&serde_json::json!({"value": a.current.value, "state": c.next, "comment": a.comment}))),
                    });
                    // The new version as written, built here: a read after the commit could
                    // fail and hide an approval that stands.
                    let written = DataValue {
                        version,
                        target: c.target.clone(),
                        org: c.org.clone(),
                        period: c.period,
                        value: number,
                        comment: a.comment.map(str::to_string).or_else(|| a.current.comment.clone()),
                        source: a.current.source.clone(),
                        author: c.author.clone(),
                        recorded_at: now,
                        state: c.next,
                    };
                    if c.next == ValueState::Approved {
                        approved.push(crate::feed::approval(&written));
                    }
                    out[a.change] = Some(Ok(written));
                }
            }
            crate::feed::announce_each!(self, tx, crate::feed::APPROVALS, &approved);
            crate::audit::append_all!(tx, now, &audits);
            tx.commit().await?;
        });
        out.into_iter()
            .map(|o| {
                o.ok_or_else(|| StoreError::Corrupt {
                    what: "review batch",
                    detail: "a move without an answer".into(),
                })
            })
            .collect()
    }
}
