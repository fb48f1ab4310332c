//! The audit log: one row per write, never changed (triggers refuse UPDATE and DELETE), each
//! row chained to the one before it by a hash, so a row rewritten or removed behind tiendo's
//! back shows when the chain is verified.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{on_pool, Result, Store};

/// One write as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user name of whoever wrote, or the command that did.
    pub actor: String,
    /// What was done: `value.enter`, `value.approve`, `user.create`, …
    pub action: String,
    /// What it was done to: `value HT-01/HA-TINH/2025`, `user ha-tinh`, …
    pub object: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A write about to be recorded, in the same transaction as the write itself.
pub(crate) struct Record<'a> {
    pub actor: &'a str,
    pub action: &'static str,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The moment an entry is stamped with, to the microsecond both backends keep, so the hash
/// computed when writing is the hash recomputed when reading.
pub(crate) fn instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The hash of an entry: SHA-256 over the previous entry's hash and this entry's content, each
/// part prefixed by its length so no two contents run together the same way.
pub fn link(
    prev: &str,
    at: &DateTime<Utc>,
    actor: &str,
    action: &str,
    object: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let stamp = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let parts = [
        Some(prev),
        Some(stamp.as_str()),
        Some(actor),
        Some(action),
        Some(object),
        before,
        after,
    ];
    for part in parts {
        match part {
            Some(p) => {
                h.update((p.len() as u64 + 1).to_le_bytes());
                h.update(p.as_bytes());
            }
            // Absent is not the same as empty.
            None => h.update(0u64.to_le_bytes()),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Each record's previous hash and own hash, chained on from `head`.
pub(crate) fn chain(
    head: &str,
    at: &DateTime<Utc>,
    records: &[Record<'_>],
) -> Vec<(String, String)> {
    let mut prev = head.to_string();
    records
        .iter()
        .map(|r| {
            let hash = link(
                &prev,
                at,
                r.actor,
                r.action,
                &r.object,
                r.before.as_deref(),
                r.after.as_deref(),
            );
            (std::mem::replace(&mut prev, hash.clone()), hash)
        })
        .collect()
}

/// Takes the chain's head for this transaction and reads it: the no-op update locks its row on
/// PostgreSQL until commit (SQLite's writes are one at a time already), so concurrent appends,
/// from this server or another, queue up and form one chain. One statement, as every writer
/// of every server waits for the head from here to its commit.
pub(crate) const TAKE_HEAD: &str = "UPDATE audit_head SET hash = hash WHERE id = 1 RETURNING hash";
/// The head as read by a transaction that holds SQLite's write lock.
pub(crate) const READ_HEAD: &str = "SELECT hash FROM audit_head WHERE id = 1";
pub(crate) const SET_HEAD: &str =
    "UPDATE audit_head SET hash = $1, length = length + $2 WHERE id = 1";

/// Rows per INSERT: 8 parameters a row, well within both backends' limits.
pub(crate) const ROWS_PER_INSERT: usize = 500;

/// The INSERT of `rows` chained entries.
pub(crate) fn insert_sql(param: fn(usize) -> String, rows: usize) -> String {
    format!(
        "INSERT INTO audit_log (at, actor, action, object, before, after, prev_hash, hash) VALUES {}",
        crate::params::rows(param, rows, 8, 0)
    )
}

/// Appends `records`, stamped `at` and chained on from the head, inside the transaction `tx`
/// (of either backend).
macro_rules! append_all {
    ($tx:expr, $at:expr, $records:expr) => {{
        let records: &[$crate::audit::Record] = $records;
        if !records.is_empty() {
            let at = $crate::audit::instant($at);
            let head: String = sqlx::query_scalar($crate::audit::TAKE_HEAD)
                .fetch_one(&mut *$tx)
                .await?;
            let links = $crate::audit::chain(&head, &at, records);
            for (chunk, linked) in records
                .chunks($crate::audit::ROWS_PER_INSERT)
                .zip(links.chunks($crate::audit::ROWS_PER_INSERT))
            {
                let sql = $crate::audit::insert_sql($crate::params::of(&$tx), chunk.len());
                let mut q = sqlx::query(&sql);
                for (r, (prev, hash)) in chunk.iter().zip(linked) {
                    q = q
                        .bind(at)
                        .bind(r.actor)
                        .bind(r.action)
                        .bind(&r.object)
                        .bind(&r.before)
                        .bind(&r.after)
                        .bind(prev)
                        .bind(hash);
                }
                q.execute(&mut *$tx).await?;
            }
            let last = links.last().map(|(_, h)| h.clone()).unwrap_or(head);
            sqlx::query($crate::audit::SET_HEAD)
                .bind(last)
                .bind(records.len() as i64)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use append_all;

/// Appends one `record`; see [`append_all`].
macro_rules! append {
    ($tx:expr, $at:expr, $record:expr) => {{
        let r: &$crate::audit::Record = &$record;
        $crate::audit::append_all!($tx, $at, std::slice::from_ref(r));
    }};
}
pub(crate) use append;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object: String,
    before: Option<String>,
    after: Option<String>,
}

fn json(s: Option<String>) -> Option<serde_json::Value> {
    // Stored by tiendo as JSON; anything else is shown as the text it is.
    s.map(|s| serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s)))
}

/// What verifying the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainState {
    /// Entries written before the chain began, which carry no hashes.
    pub before_chain: u64,
    /// Chained entries whose links were checked.
    pub checked: u64,
    /// The chain's last hash and its length, as the head records them.
    pub head: String,
    pub length: u64,
    /// The first place where the chain does not hold; none when it is whole.
    pub broken: Option<ChainBreak>,
}

/// Where and how the audit chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first entry at fault; none when entries are missing after the last one.
    pub entry: Option<i64>,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BreakReason {
    /// An entry after the chain began has no hash.
    Unchained,
    /// An entry does not name the hash of the entry before it: one was removed or rewritten.
    Relinked,
    /// An entry's content no longer gives its hash: it was rewritten.
    Rewritten,
    /// The head names a longer chain or another last hash: the newest entries were removed.
    Truncated,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.reason {
            BreakReason::Unchained => "has no hash although the chain had begun",
            BreakReason::Relinked => {
                "does not name the hash of the entry before it: an entry was removed or rewritten"
            }
            BreakReason::Rewritten => "no longer matches its hash: it was rewritten",
            BreakReason::Truncated => {
                "is the last one, but the chain's head records more: the newest entries were removed"
            }
        };
        match self.entry {
            Some(id) => write!(f, "audit entry {id} {what}"),
            None => write!(f, "the audit log {what}"),
        }
    }
}

/// An entry with its links, as verification reads it.
#[derive(sqlx::FromRow)]
struct ChainRow {
    #[sqlx(flatten)]
    entry: Row,
    prev_hash: Option<String>,
    hash: Option<String>,
}

/// Entries read at a time while verifying.
const VERIFY_PAGE: i64 = 5_000;

impl Store {
    /// The chain's last hash and length as its head records them (cheap; see
    /// [`Store::verify_audit`] for the check).
    pub async fn audit_head(&self) -> Result<(String, u64)> {
        let (hash, length): (String, i64) = on_pool!(self, pool => {
            sqlx::query_as("SELECT hash, length FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        Ok((hash, length.max(0) as u64))
    }

    /// Walks the whole audit log in order and recomputes every link: the first entry that was
    /// rewritten, removed from the middle or the end, or left unchained is named.
    pub async fn verify_audit(&self) -> Result<ChainState> {
        let (head, length) = self.audit_head().await?;
        let mut state = ChainState {
            before_chain: 0,
            checked: 0,
            head,
            length,
            broken: None,
        };
        let mut prev = String::new();
        let mut last_id = i64::MIN;
        'pages: loop {
            let rows: Vec<ChainRow> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT id, at, actor, action, object, before, after, prev_hash, hash \
                     FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(last_id)
                .bind(VERIFY_PAGE)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = rows.last() else { break };
            last_id = last.entry.id;
            for ChainRow {
                entry: r,
                prev_hash,
                hash,
            } in rows
            {
                let broken = |reason| ChainBreak {
                    entry: Some(r.id),
                    reason,
                };
                let (Some(p), Some(h)) = (&prev_hash, &hash) else {
                    if state.checked == 0 {
                        state.before_chain += 1;
                        continue;
                    }
                    state.broken = Some(broken(BreakReason::Unchained));
                    break 'pages;
                };
                if *p != prev {
                    state.broken = Some(broken(BreakReason::Relinked));
                    break 'pages;
                }
                let again = link(
                    p,
                    &r.at,
                    &r.actor,
                    &r.action,
                    &r.object,
                    r.before.as_deref(),
                    r.after.as_deref(),
                );
                if again != *h {
                    state.broken = Some(broken(BreakReason::Rewritten));
                    break 'pages;
                }
                prev = again;
                state.checked += 1;
            }
        }
        if state.broken.is_none() && (prev != state.head || state.checked != state.length) {
            state.broken = Some(ChainBreak {
                entry: (state.checked > 0).then_some(last_id),
                reason: BreakReason::Truncated,
            });
        }
        Ok(state)
    }

    /// Audit entries newest first, `limit` of them after skipping `offset`, optionally only
    /// those whose object starts with `object`.
    pub async fn audit_log(
        &self,
        object: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<AuditEntry>> {
        let prefix = object.map(|o| format!("{}%", o.replace('%', "")));
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor, action, object, before, after FROM audit_log \
                 WHERE ($1 IS NULL OR object LIKE $1) ORDER BY id DESC LIMIT $2 OFFSET $3",
            )
            .bind(prefix)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                object: r.object,
                before: json(r.before),
                after: json(r.after),
            })
            .collect())
    }

    /// Number of audit entries.
    pub async fn audit_count(&self) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(pool).await?
        }))
    }
}
