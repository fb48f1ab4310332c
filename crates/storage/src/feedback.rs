//! Feedback cases: received from the public, routed to a unit, answered, published, closed.
//! Every step is one transaction with its audit entry; a step the case's state does not allow
//! is refused and changes nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tiendo_domain::feedback::{
    Concern, Contact, Evidence, Kind, Reference, State, Submission, MAX_FILES,
};
use tiendo_domain::orgs::OrgCode;

use crate::audit::{append, Record};
use crate::rows::{parse, parse_opt};
use crate::{on_pool, Result, Store, StoreError};

/// How long a fingerprint counts as "already sent".
const DUPLICATE_WINDOW_DAYS: i64 = 90;

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A new case under this reference.
    New(Reference),
    /// The same request is already open under this reference; nothing new was stored, and the
    /// case counts one more sender.
    Duplicate(Reference),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FileInfo {
    pub position: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// A case as officials see it. Only [`Case::public`] may leave for the public.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub reference: Reference,
    pub kind: Kind,
    pub concern: Concern,
    pub unit: Option<OrgCode>,
    pub state: State,
    pub text: String,
    pub contact: Contact,
    pub consent_to_publish: bool,
    /// How many more times the same request arrived.
    pub repeats: i64,
    pub received_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub assigned_by: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub published: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_note: Option<String>,
    pub files: Vec<FileInfo>,
}

/// What the public may read of a published case: no contact, no files, no officials' names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicCase {
    pub reference: String,
    pub kind: Kind,
    pub concern: Concern,
    pub unit: Option<OrgCode>,
    pub state: State,
    pub text: String,
    pub received_on: NaiveDate,
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
}

impl Case {
    pub fn public(&self) -> PublicCase {
        PublicCase {
            reference: self.reference.to_string(),
            kind: self.kind,
            concern: self.concern.clone(),
            unit: self.unit.clone(),
            state: self.state,
            text: self.text.clone(),
            received_on: self.received_at.date_naive(),
            answer: self.answer.clone(),
            answered_on: self.answered_at.map(|a| a.date_naive()),
        }
    }
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Cases routed to these units; `None` for every case, unrouted ones included.
    pub units: Option<Vec<OrgCode>>,
    pub state: Option<State>,
    pub published_only: bool,
    /// Only cases still waiting for an answer whose deadline passed before this day.
    pub overdue_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    concern_type: String,
    concern_code: String,
    unit: Option<String>,
    state: String,
    body: String,
    contact_name: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    consent: bool,
    repeats: i64,
    received_at: DateTime<Utc>,
    due_on: NaiveDate,
    assigned_by: Option<String>,
    answer: Option<String>,
    answered_at: Option<DateTime<Utc>>,
    answered_by: Option<String>,
    published: bool,
    closed_at: Option<DateTime<Utc>>,
    close_note: Option<String>,
}

const COLUMNS: &str = "id, kind, concern_type, concern_code, unit, state, body, contact_name, \
     contact_email, contact_phone, consent, repeats, received_at, due_on, assigned_by, answer, \
     answered_at, answered_by, published, closed_at, close_note";

impl Row {
    fn case(self, files: Vec<FileInfo>) -> Result<Case> {
        let corrupt = |what, e: String| StoreError::Corrupt { what, detail: e };
        Ok(Case {
            reference: Reference(self.id),
            kind: parse("feedback kind", &self.kind)?,
            concern: Concern::parse(&self.concern_type, &self.concern_code)
                .map_err(|e| corrupt("feedback concern", e.to_string()))?,
            unit: parse_opt("unit code", self.unit.as_deref())?,
            state: parse("feedback state", &self.state)?,
            text: self.body,
            contact: Contact {
                name: self.contact_name,
                email: self.contact_email,
                phone: self.contact_phone,
            },
            consent_to_publish: self.consent,
            repeats: self.repeats,
            received_at: self.received_at,
            due_on: self.due_on,
            assigned_by: self.assigned_by,
            answer: self.answer,
            answered_at: self.answered_at,
            answered_by: self.answered_by,
            published: self.published,
            closed_at: self.closed_at,
            close_note: self.close_note,
            files,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn refused(reference: Reference, what: String) -> StoreError {
    StoreError::Invalid(format!("{reference}: {what}"))
}

impl Store {
    /// Stores a submission with its evidence, routed to `unit`, unless the same request
    /// (same fingerprint) arrived in the last 90 days and is not closed.
    pub async fn receive_feedback(
        &self,
        submission: &Submission,
        unit: Option<&OrgCode>,
        files: &[Evidence],
        tracking_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Received> {
        if files.len() > MAX_FILES {
            return Err(StoreError::Invalid(format!(
                "evidence: at most {MAX_FILES} files ({} given)",
                files.len()
            )));
        }
        let fingerprint = submission.fingerprint();
        let since = at - Duration::days(DUPLICATE_WINDOW_DAYS);
        let due = tiendo_domain::feedback::due_on(at.date_naive());
        let after = serde_json::json!({
            "kind": submission.kind,
            "concern": submission.concern,
            "unit": unit,
            "files": files.len(),
        })
        .to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let earlier: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM feedback WHERE fingerprint = $1 AND received_at >= $2 \
                 AND state <> 'closed' ORDER BY id LIMIT 1",
            )
            .bind(&fingerprint)
            .bind(since)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = earlier {
                sqlx::query("UPDATE feedback SET repeats = repeats + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Received::Duplicate(Reference(id)));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO feedback (kind, concern_type, concern_code, unit, state, body, \
                 contact_name, contact_email, contact_phone, contact_key, consent, fingerprint, \
                 tracking_hash, received_at, due_on) \
                 VALUES ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 RETURNING id",
            )
            .bind(submission.kind.as_str())
            .bind(submission.concern.kind())
            .bind(submission.concern.code())
            .bind(unit.map(|u| u.as_str()))
            .bind(&submission.text)
            .bind(&submission.contact.name)
            .bind(&submission.contact.email)
            .bind(&submission.contact.phone)
            .bind(submission.contact.key())
            .bind(submission.consent_to_publish)
            .bind(&fingerprint)
            .bind(tracking_hash)
            .bind(at)
            .bind(due)
            .fetch_one(&mut *tx)
            .await?;
            for (position, file) in files.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO feedback_files (feedback_id, position, name, content_type, size, \
                     sha256, content) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(position as i64 + 1)
                .bind(&file.name)
                .bind(file.kind.mime())
                .bind(file.bytes.len() as i64)
                .bind(hex(&Sha256::digest(&file.bytes)))
                .bind(&file.bytes)
                .execute(&mut *tx)
                .await?;
            }
            append!(tx, at, Record {
                actor: "public",
                action: "feedback.receive",
                object: format!("feedback {}", Reference(id)),
                before: None,
                after: Some(after),
            });
            tx.commit().await?;
            Ok(Received::New(Reference(id)))
        })
    }

    /// How many cases a sender (by [`Contact::key`]) has sent since `since`.
    pub async fn feedback_sent_since(
        &self,
        contact_key: &str,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM feedback WHERE contact_key = $1 AND received_at >= $2",
            )
            .bind(contact_key)
            .bind(since)
            .fetch_one(pool)
            .await?
        }))
    }

    /// One case with the list of its files (not their content).
    pub async fn feedback_case(&self, reference: Reference) -> Result<Option<Case>> {
        let sql = format!("SELECT {COLUMNS} FROM feedback WHERE id = $1");
        let (row, files): (Option<Row>, Vec<FileInfo>) = on_pool!(self, pool => {
            let row = sqlx::query_as(&sql).bind(reference.0).fetch_optional(pool).await?;
            let files = sqlx::query_as(
                "SELECT position, name, content_type, size FROM feedback_files \
                 WHERE feedback_id = $1 ORDER BY position",
            )
            .bind(reference.0)
            .fetch_all(pool)
            .await?;
            (row, files)
        });
        row.map(|r| r.case(files)).transpose()
    }

    /// Whether `tracking_hash` is the hash of the code given to the sender of the case.
    pub async fn feedback_tracked_by(
        &self,
        reference: Reference,
        tracking_hash: &str,
    ) -> Result<bool> {
        let stored: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT tracking_hash FROM feedback WHERE id = $1")
                .bind(reference.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(stored.is_some_and(|s| s == tracking_hash))
    }

    /// One evidence file and its content.
    pub async fn feedback_file(
        &self,
        reference: Reference,
        position: i64,
    ) -> Result<Option<(FileInfo, Vec<u8>)>> {
        let row: Option<(String, String, i64, Vec<u8>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT name, content_type, size, content FROM feedback_files \
                 WHERE feedback_id = $1 AND position = $2",
            )
            .bind(reference.0)
            .bind(position)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(name, content_type, size, content)| {
            (
                FileInfo {
                    position,
                    name,
                    content_type,
                    size,
                },
                content,
            )
        }))
    }

    /// Cases newest first, `limit` of them after `offset`, and how many match in all.
    pub async fn feedback_cases(
        &self,
        filter: &CaseFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Case>, i64)> {
        let mut clauses = vec!["1 = 1".to_string()];
        let mut binds: Vec<String> = Vec::new();
        if let Some(units) = &filter.units {
            if units.is_empty() {
                return Ok((Vec::new(), 0));
            }
            let marks: Vec<String> = units
                .iter()
                .map(|u| {
                    binds.push(u.to_string());
                    format!("${}", binds.len())
                })
                .collect();
            clauses.push(format!("unit IN ({})", marks.join(", ")));
        }
        if let Some(state) = filter.state {
            binds.push(state.to_string());
            clauses.push(format!("state = ${}", binds.len()));
        }
        if filter.published_only {
            clauses.push("published".to_string());
        }
        if let Some(day) = filter.overdue_on {
            // A date literal both backends compare with their own date column type.
            clauses.push(format!(
                "state IN ('received', 'assigned') AND due_on < '{}'",
                day.format("%Y-%m-%d")
            ));
        }
        let condition = clauses.join(" AND ");
        let sql = format!(
            "SELECT {COLUMNS} FROM feedback WHERE {condition} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
        );
        let count_sql = format!("SELECT COUNT(*) FROM feedback WHERE {condition}");
        let (rows, total): (Vec<Row>, i64) = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            let mut c = sqlx::query_scalar(&count_sql);
            for b in &binds {
                q = q.bind(b);
                c = c.bind(b);
            }
            (q.fetch_all(pool).await?, c.fetch_one(pool).await?)
        });
        let cases = rows
            .into_iter()
            .map(|r| r.case(Vec::new()))
            .collect::<Result<Vec<_>>>()?;
        Ok((cases, total))
    }

    /// Routes a waiting case to `unit` (received or assigned → assigned).
    pub async fn assign_feedback(
        &self,
        reference: Reference,
        unit: &OrgCode,
        actor: &str,
    ) -> Result<()> {
        let case = self.case_for_step(reference).await?;
        if !case.state.awaits_answer() {
            return Err(refused(
                reference,
                format!("a case that is {} cannot be assigned", case.state),
            ));
        }
        let now = Utc::now();
        let record = Record {
            actor,
            action: "feedback.assign",
            object: format!("feedback {reference}"),
            before: Some(serde_json::json!({"state": case.state, "unit": case.unit}).to_string()),
            after: Some(serde_json::json!({"state": State::Assigned, "unit": unit}).to_string()),
        };
        self.step(
            "UPDATE feedback SET state = 'assigned', unit = $2, assigned_at = $3, assigned_by = $4 \
             WHERE id = $1 AND state IN ('received', 'assigned')",
            reference,
            Some(unit.as_str()),
            actor,
            now,
            record,
        )
        .await
    }

    /// Records the unit's answer (assigned → answered); `publish` needs the sender's consent.
    pub async fn answer_feedback(
        &self,
        reference: Reference,
        answer: &str,
        publish: bool,
        actor: &str,
    ) -> Result<()> {
        let case = self.case_for_step(reference).await?;
        if case.state != State::Assigned {
            return Err(refused(
                reference,
                format!(
                    "only an assigned case can be answered; this one is {}",
                    case.state
                ),
            ));
        }
        let answer = answer.trim();
        if answer.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "answer: write the answer (at least 10 characters)".into(),
            ));
        }
        if publish && !case.consent_to_publish {
            return Err(StoreError::Invalid(
                "publish: the sender did not agree to publication; answer without publishing"
                    .into(),
            ));
        }
        let now = Utc::now();
        let record = Record {
            actor,
            action: "feedback.answer",
            object: format!("feedback {reference}"),
            before: Some(serde_json::json!({"state": case.state}).to_string()),
            after: Some(
                serde_json::json!({"state": State::Answered, "answer": answer, "published": publish})
                    .to_string(),
            ),
        };
        let sql = if publish {
            "UPDATE feedback SET state = 'answered', answer = $2, answered_at = $3, answered_by = $4, \
             published = TRUE WHERE id = $1 AND state = 'assigned'"
        } else {
            "UPDATE feedback SET state = 'answered', answer = $2, answered_at = $3, answered_by = $4 \
             WHERE id = $1 AND state = 'assigned'"
        };
        self.step(sql, reference, Some(answer), actor, now, record)
            .await
    }

    /// Closes a case. A case closed before it was answered (spam, out of scope) needs a note.
    pub async fn close_feedback(
        &self,
        reference: Reference,
        note: &str,
        actor: &str,
    ) -> Result<()> {
        let case = self.case_for_step(reference).await?;
        let note = note.trim();
        if case.state == State::Closed {
            return Err(refused(reference, "the case is already closed".into()));
        }
        if case.state != State::Answered && note.is_empty() {
            return Err(StoreError::Invalid(
                "note: say why a case is closed without an answer".into(),
            ));
        }
        let now = Utc::now();
        let record = Record {
            actor,
            action: "feedback.close",
            object: format!("feedback {reference}"),
            before: Some(serde_json::json!({"state": case.state}).to_string()),
            after: Some(serde_json::json!({"state": State::Closed, "note": note}).to_string()),
        };
        self.step(
            "UPDATE feedback SET state = 'closed', close_note = $2, closed_at = $3, closed_by = $4 \
             WHERE id = $1 AND state <> 'closed'",
            reference,
            Some(note).filter(|n| !n.is_empty()),
            actor,
            now,
            record,
        )
        .await
    }

    async fn case_for_step(&self, reference: Reference) -> Result<Case> {
        self.feedback_case(reference)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("reference: there is no case {reference}")))
    }

    /// Runs one workflow update (`$1` the id, `$2` its text, `$3` the time, `$4` the actor)
    /// with its audit entry; refuses when a concurrent step changed the state first.
    async fn step(
        &self,
        sql: &str,
        reference: Reference,
        text: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
        record: Record<'_>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let changed = sqlx::query(sql)
                .bind(reference.0)
                .bind(text)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed != 1 {
                return Err(refused(reference, "the case changed meanwhile; reload it".into()));
            }
            append!(tx, now, record);
            tx.commit().await?;
        });
        Ok(())
    }
}
