//! Tasks, their coordinators and linked targets, and progress updates.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use tiendo_domain::documents::DocumentCode;
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::tasks::{
    AsPublished, Clearance, Confidentiality, Percent, ProgressUpdate, Task, TaskCode,
    MAX_TASK_DEPTH,
};

use crate::rows::{
    from_json, parse, parse_opt, read_english, read_vietnamese, stored_english, to_json,
};
use crate::{on_pool, Result, Store, StoreError};

/// Which tasks to list. The clearance is not optional: a caller states what it may see.
#[derive(Debug, Clone)]
pub struct TaskFilter {
    pub clearance: Clearance,
    pub document: Option<DocumentCode>,
    /// Tasks this unit leads or coordinates.
    pub org: Option<OrgCode>,
}

impl TaskFilter {
    pub fn all(clearance: Clearance) -> Self {
        TaskFilter {
            clearance,
            document: None,
            org: None,
        }
    }
}

pub(crate) fn secrecy(c: Confidentiality) -> i16 {
    match c {
        Confidentiality::Public => 0,
        Confidentiality::Internal => 1,
        Confidentiality::Secret => 2,
    }
}

fn confidentiality(level: i16) -> Result<Confidentiality> {
    match level {
        0 => Ok(Confidentiality::Public),
        1 => Ok(Confidentiality::Internal),
        2 => Ok(Confidentiality::Secret),
        other => Err(StoreError::Corrupt {
            what: "task confidentiality",
            detail: other.to_string(),
        }),
    }
}

/// A task id and the code of something linked to it.
type CodeOf = (i64, String);

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    code: String,
    document: String,
    group_code: Option<String>,
    parent: Option<String>,
    title_en: String,
    title_vi: Option<String>,
    lead: String,
    start_on: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    lead_as_given: Option<String>,
    coordinators_as_given: Option<String>,
    deadline_as_given: Option<String>,
    completed_on: Option<NaiveDate>,
    cancelled_on: Option<NaiveDate>,
    expected_product: Option<String>,
    secrecy: i16,
    source: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProgressRow {
    reported_on: NaiveDate,
    percent_complete: i16,
    narrative: String,
    difficulties: Option<String>,
    recommendations: Option<String>,
    evidence: String,
    author: String,
    recorded_at: DateTime<Utc>,
}

impl Store {
    /// Tasks the filter's clearance may see, in the order they were defined.
    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        self.tasks_where(filter, None).await
    }

    /// The task of `code`, when `clearance` may see it: read by its key, not among all tasks.
    pub async fn task(&self, code: &TaskCode, clearance: Clearance) -> Result<Option<Task>> {
        Ok(self
            .tasks_where(&TaskFilter::all(clearance), Some(code))
            .await?
            .pop())
    }

    /// The filter's tasks, only the one of `code` when it is given.
    async fn tasks_where(&self, filter: &TaskFilter, code: Option<&TaskCode>) -> Result<Vec<Task>> {
        // The links of one task are read by its id; those of all tasks in one pass each.
        let (one, linked) = match code {
            Some(_) => (
                "AND t.code = $4",
                "WHERE x.task_id = (SELECT id FROM tasks WHERE code = $1)",
            ),
            None => ("", ""),
        };
        let sql = format!(
            "SELECT t.id, t.code, d.code AS document, t.group_code, p.code AS parent, \
             t.title_en, t.title_vi, l.code AS lead, t.start_on, t.deadline, t.completed_on, \
             t.cancelled_on, t.expected_product, t.secrecy, t.source, t.lead_as_given, \
             t.coordinators_as_given, t.deadline_as_given \
             FROM tasks t JOIN documents d ON d.id = t.document_id \
             JOIN org_units l ON l.id = t.lead_id LEFT JOIN tasks p ON p.id = t.parent_id \
             WHERE t.secrecy <= $1 AND ($2 IS NULL OR d.code = $2) \
             AND ($3 IS NULL OR l.code = $3 OR EXISTS (SELECT 1 FROM task_coordinators c \
                  JOIN org_units co ON co.id = c.org_id WHERE c.task_id = t.id AND co.code = $3)) \
             {one} ORDER BY t.id"
        );
        let ceiling = secrecy(filter.clearance.ceiling());
        let doc = filter.document.as_ref().map(|d| d.as_str());
        let org = filter.org.as_ref().map(|o| o.as_str());
        let (rows, coordinators, targets): (Vec<TaskRow>, Vec<CodeOf>, Vec<CodeOf>) = on_pool!(self, pool => {
            let mut rows = sqlx::query_as(&sql)
                .bind(ceiling)
                .bind(doc)
                .bind(org);
            let coordinators = format!(
                "SELECT x.task_id, o.code FROM task_coordinators x \
                 JOIN org_units o ON o.id = x.org_id {linked} ORDER BY x.task_id, o.code"
            );
            let targets = format!(
                "SELECT x.task_id, t.code FROM task_targets x \
                 JOIN targets t ON t.id = x.target_id {linked} ORDER BY x.task_id, t.code"
            );
            let mut coordinators = sqlx::query_as(&coordinators);
            let mut targets = sqlx::query_as(&targets);
            if let Some(code) = code {
                rows = rows.bind(code.as_str());
                coordinators = coordinators.bind(code.as_str());
                targets = targets.bind(code.as_str());
            }
            let rows = rows.fetch_all(pool).await?;
            let coordinators = coordinators.fetch_all(pool).await?;
            let targets = targets.fetch_all(pool).await?;
            (rows, coordinators, targets)
        });
        let group = |pairs: Vec<(i64, String)>| {
            let mut m: HashMap<i64, Vec<String>> = HashMap::new();
            for (id, code) in pairs {
                m.entry(id).or_default().push(code);
            }
            m
        };
        let (mut coordinators, mut targets) = (group(coordinators), group(targets));
        rows.into_iter()
            .map(|r| {
                let confidentiality = confidentiality(r.secrecy)?;
                if !filter.clearance.may_see(confidentiality) {
                    // The query already filtered; this guards the invariant if it ever changes.
                    return Err(StoreError::Corrupt {
                        what: "task filter",
                        detail: format!("task {} escaped the clearance filter", r.code),
                    });
                }
                Ok(Task {
                    coordinators: coordinators
                        .remove(&r.id)
                        .unwrap_or_default()
                        .iter()
                        .map(|c| parse("unit code", c))
                        .collect::<Result<_>>()?,
                    targets: targets
                        .remove(&r.id)
                        .unwrap_or_default()
                        .iter()
                        .map(|c| parse("target code", c))
                        .collect::<Result<_>>()?,
                    code: parse("task code", &r.code)?,
                    document: parse("document code", &r.document)?,
                    group: parse_opt("section code", r.group_code.as_deref())?,
                    parent: parse_opt("task code", r.parent.as_deref())?,
                    title_vi: read_vietnamese(r.title_vi, &r.title_en),
                    title_en: read_english(&r.title_en),
                    lead: parse("unit code", &r.lead)?,
                    start: r.start_on,
                    deadline: r.deadline,
                    as_published: AsPublished {
                        lead_as_given: r.lead_as_given,
                        coordinators_as_given: r.coordinators_as_given,
                        deadline_as_given: r.deadline_as_given,
                    },
                    completed_on: r.completed_on,
                    cancelled_on: r.cancelled_on,
                    expected_product: r.expected_product,
                    confidentiality,
                    source: r.source,
                })
            })
            .collect()
    }

    /// Adds one task. Its document, units, parent and targets must exist, and it may nest at
    /// most three levels deep.
    pub async fn add_task(&self, task: &Task, actor: &str) -> Result<()> {
        task.validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let now = Utc::now();
        let record = crate::audit::Record {
            actor,
            action: "task.create",
            object: format!("task {}", task.code),
            before: None,
            after: Some(to_json(task)),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE code = $1")
                .bind(task.code.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if taken > 0 {
                return Err(StoreError::Invalid(format!("task {}: the code is taken", task.code)));
            }
            let document_id: Option<i64> = sqlx::query_scalar("SELECT id FROM documents WHERE code = $1")
                .bind(task.document.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let document_id = document_id.ok_or_else(|| StoreError::Invalid(format!(
                "task {}: document {} does not exist", task.code, task.document)))?;
            let (parent_id, depth) = match &task.parent {
                None => (None, 1),
                Some(p) => {
                    let row: Option<(i64, i32)> = sqlx::query_as("SELECT id, depth FROM tasks WHERE code = $1")
                        .bind(p.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let (id, depth) = row.ok_or_else(|| StoreError::Invalid(format!(
                        "task {}: parent task {p} does not exist", task.code)))?;
                    (Some(id), depth + 1)
                }
            };
            if depth as usize > MAX_TASK_DEPTH {
                return Err(StoreError::Invalid(format!(
                    "task {}: tasks nest at most {MAX_TASK_DEPTH} levels deep", task.code)));
            }
            let mut unit_id = async |code: &OrgCode| -> Result<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                id.ok_or_else(|| StoreError::Invalid(format!(
                    "task {}: unit {code} does not exist", task.code)))
            };
            let lead_id = unit_id(&task.lead).await?;
            let mut coordinator_ids = Vec::new();
            for c in &task.coordinators {
                coordinator_ids.push(unit_id(c).await?);
            }
            let task_id: i64 = sqlx::query_scalar(
                "INSERT INTO tasks (code, document_id, group_code, parent_id, depth, title_en, \
                 title_vi, lead_id, start_on, deadline, completed_on, cancelled_on, expected_product, secrecy, source, \
                 lead_as_given, coordinators_as_given, deadline_as_given) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            )
            .bind(task.code.as_str())
            .bind(document_id)
            .bind(task.group.as_ref().map(|g| g.as_str()))
            .bind(parent_id)
            .bind(depth)
            .bind(stored_english(task.title_en.as_deref()))
            .bind(&task.title_vi)
            .bind(lead_id)
            .bind(task.start)
            .bind(task.deadline)
            .bind(task.completed_on)
            .bind(task.cancelled_on)
            .bind(&task.expected_product)
            .bind(secrecy(task.confidentiality))
            .bind(&task.source)
            .bind(&task.as_published.lead_as_given)
            .bind(&task.as_published.coordinators_as_given)
            .bind(&task.as_published.deadline_as_given)
            .fetch_one(&mut *tx)
            .await?;
            for org_id in coordinator_ids {
                sqlx::query("INSERT INTO task_coordinators (task_id, org_id) VALUES ($1, $2)")
                    .bind(task_id)
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for t in &task.targets {
                let target_id: Option<i64> = sqlx::query_scalar("SELECT id FROM targets WHERE code = $1")
                    .bind(t.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let target_id = target_id.ok_or_else(|| StoreError::Invalid(format!(
                    "task {}: target {t} does not exist", task.code)))?;
                sqlx::query("INSERT INTO task_targets (task_id, target_id) VALUES ($1, $2)")
                    .bind(task_id)
                    .bind(target_id)
                    .execute(&mut *tx)
                    .await?;
            }
            crate::audit::append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a progress update; earlier updates are kept. The audit log gets it too.
    pub async fn add_progress(&self, update: &ProgressUpdate) -> Result<()> {
        let evidence = to_json(&update.evidence);
        let percent = i16::from(update.percent_complete.get());
        let now = Utc::now();
        let record = crate::audit::Record {
            actor: &update.author,
            action: "task.progress",
            object: format!("task {}", update.task),
            before: None,
            after: Some(to_json(&serde_json::json!({
                "reported_on": update.reported_on,
                "percent_complete": percent,
                "narrative": update.narrative,
                "difficulties": update.difficulties,
                "recommendations": update.recommendations,
            }))),
        };
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let done = sqlx::query(
                "INSERT INTO progress_updates (task_id, reported_on, percent_complete, narrative, \
                 difficulties, recommendations, evidence, author, recorded_at) \
                 SELECT id, $2, $3, $4, $5, $6, $7, $8, $9 FROM tasks WHERE code = $1",
            )
            .bind(update.task.as_str())
            .bind(update.reported_on)
            .bind(percent)
            .bind(&update.narrative)
            .bind(&update.difficulties)
            .bind(&update.recommendations)
            .bind(&evidence)
            .bind(&update.author)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done > 0 {
                crate::audit::append!(tx, now, record);
                tx.commit().await?;
            }
            done
        });
        if done == 0 {
            return Err(StoreError::Invalid(format!(
                "task {} does not exist",
                update.task
            )));
        }
        Ok(())
    }

    /// The day of each task's latest progress update, for tasks that have one.
    pub async fn last_progress_dates(&self) -> Result<HashMap<TaskCode, NaiveDate>> {
        let rows: Vec<(String, NaiveDate)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.code, MAX(u.reported_on) FROM progress_updates u \
                 JOIN tasks t ON t.id = u.task_id GROUP BY t.code",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(code, day)| Ok((parse("task code", &code)?, day)))
            .collect()
    }

    /// A task's progress updates, oldest first.
    pub async fn progress(&self, task: &TaskCode) -> Result<Vec<ProgressUpdate>> {
        let rows: Vec<ProgressRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.reported_on, u.percent_complete, u.narrative, u.difficulties, \
                 u.recommendations, u.evidence, u.author, u.recorded_at \
                 FROM progress_updates u JOIN tasks t ON t.id = u.task_id \
                 WHERE t.code = $1 ORDER BY u.reported_on, u.id",
            )
            .bind(task.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ProgressUpdate {
                    task: task.clone(),
                    reported_on: r.reported_on,
                    percent_complete: Percent::new(r.percent_complete.into()).map_err(|e| {
                        StoreError::Corrupt {
                            what: "percent complete",
                            detail: e.to_string(),
                        }
                    })?,
                    narrative: r.narrative,
                    difficulties: r.difficulties,
                    recommendations: r.recommendations,
                    evidence: from_json("evidence", &r.evidence)?,
                    author: r.author,
                    recorded_at: Some(r.recorded_at),
                })
            })
            .collect()
    }
}
