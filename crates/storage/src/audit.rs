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

/// The lanes the chain runs in (the migrations seed one head row for each). Every writer of
/// every server holds its lane's head from its append to the end of its commit; with one head
/// the writers of all servers committed one after another, with several they commit side by
/// side, each lane a chain of its own.
pub(crate) const LANES: i64 = 8;

/// How a backend takes a lane's head for a transaction and reads it: the no-op update locks
/// the head's row until commit, so appends to one lane, from this server or another, queue up
/// and form one chain. One statement, as every writer waits for its lane from here to its
/// commit.
pub(crate) trait Lanes {
    /// Takes a lane, given `$1`, the lane to wait for should every lane be taken; returns the
    /// lane and its head's hash.
    const TAKE_HEAD: &'static str;
    /// The lane to wait for should every lane be taken.
    fn waiting_lane() -> i64;
}

impl Lanes for sqlx::Sqlite {
    // SQLite writes one transaction at a time: the first lane is always free.
    const TAKE_HEAD: &'static str =
        "UPDATE audit_head SET hash = hash WHERE id = $1 RETURNING id, hash";
    fn waiting_lane() -> i64 {
        1
    }
}

impl Lanes for sqlx::Postgres {
    // The first lane no other transaction holds; when all are held, the given one, waited for.
    const TAKE_HEAD: &'static str = "UPDATE audit_head SET hash = hash WHERE id = COALESCE(\
         (SELECT id FROM audit_head ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED), $1) \
         RETURNING id, hash";
    fn waiting_lane() -> i64 {
        // Waiters spread over the lanes in turn rather than all queue on one.
        static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % LANES + 1
    }
}

/// The statement that takes a lane inside `tx`, and the lane it waits for if all are taken.
pub(crate) fn take_head<DB: sqlx::Database + Lanes>(
    _: &sqlx::Transaction<'_, DB>,
) -> (&'static str, i64) {
    (DB::TAKE_HEAD, DB::waiting_lane())
}

/// Lane 1's head as read by a transaction that holds SQLite's write lock.
pub(crate) const READ_HEAD: &str = "SELECT hash FROM audit_head WHERE id = 1";
pub(crate) const SET_HEAD: &str =
    "UPDATE audit_head SET hash = $1, length = length + $2 WHERE id = $3";

/// Rows per INSERT: 9 parameters a row on SQLite, well within its limit.
pub(crate) const ROWS_PER_INSERT: usize = 500;

/// The INSERT of `records` stamped `at`, chained by `links` in `lane`, and its columns.
pub(crate) fn insert<'q>(
    lists: crate::params::Lists,
    at: DateTime<Utc>,
    records: &'q [Record<'_>],
    links: &'q [(String, String)],
    lane: i64,
) -> (String, Vec<crate::params::Column<'q>>) {
    use crate::params::Column;
    let columns = vec![
        Column::Instants(vec![at; records.len()]),
        Column::Texts(records.iter().map(|r| r.actor).collect()),
        Column::Texts(records.iter().map(|r| r.action).collect()),
        Column::Texts(records.iter().map(|r| r.object.as_str()).collect()),
        Column::OptionalTexts(records.iter().map(|r| r.before.as_deref()).collect()),
        Column::OptionalTexts(records.iter().map(|r| r.after.as_deref()).collect()),
        Column::Texts(links.iter().map(|(prev, _)| prev.as_str()).collect()),
        Column::Texts(links.iter().map(|(_, hash)| hash.as_str()).collect()),
        Column::Ids(vec![lane; records.len()]),
    ];
    let sql = format!(
        "INSERT INTO audit_log (at, actor, action, object, before, after, prev_hash, hash, lane) {}",
        lists.rows(&columns, 0)
    );
    (sql, columns)
}

/// Appends `records`, stamped `at` and chained on from the head of a lane taken for the
/// transaction `tx` (of either backend).
macro_rules! append_all {
    ($tx:expr, $at:expr, $records:expr) => {{
        let records: &[$crate::audit::Record] = $records;
        if !records.is_empty() {
            let at = $crate::audit::instant($at);
            let (take, waiting) = $crate::audit::take_head(&$tx);
            let (lane, head): (i64, String) = sqlx::query_as(take)
                .bind(waiting)
                .fetch_one(&mut *$tx)
                .await?;
            let links = $crate::audit::chain(&head, &at, records);
            for (chunk, linked) in records
                .chunks($crate::audit::ROWS_PER_INSERT)
                .zip(links.chunks($crate::audit::ROWS_PER_INSERT))
            {
                let (sql, columns) =
                    $crate::audit::insert($crate::params::lists(&$tx), at, chunk, linked, lane);
                $crate::params::BindLists::bind_table(sqlx::query(&sql), columns)
                    .execute(&mut *$tx)
                    .await?;
            }
            let last = links.last().map(|(_, h)| h.clone()).unwrap_or(head);
            sqlx::query($crate::audit::SET_HEAD)
                .bind(last)
                .bind(records.len() as i64)
                .bind(lane)
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
    /// Each lane's last hash and length as its head records them, for the lanes that hold
    /// entries.
    pub heads: Vec<LaneHead>,
    /// The chain's length, all lanes together, as their heads record it.
    pub length: u64,
    /// The first place where the chain does not hold; none when it is whole.
    pub broken: Option<ChainBreak>,
}

/// One lane of the chain as its head records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LaneHead {
    #[sqlx(rename = "id")]
    pub lane: i64,
    /// The lane's last hash: each is the hash of one entry of that lane, so one noted down
    /// can be looked for later.
    pub hash: String,
    #[sqlx(try_from = "i64")]
    pub length: u64,
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
                "is the last one of its lane, but the lane's head records more: the newest entries \
                 were removed"
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
    lane: i64,
}

/// Entries read at a time while verifying.
const VERIFY_PAGE: i64 = 5_000;

const READ_HEADS: &str = "SELECT id, hash, length FROM audit_head WHERE length > 0 ORDER BY id";
const READ_CHAIN: &str =
    "SELECT id, at, actor, action, object, before, after, prev_hash, hash, lane \
     FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";

/// Verification as it walks the log in id order: each lane's last hash and length so far.
struct Walk {
    state: ChainState,
    lanes: std::collections::BTreeMap<i64, (String, u64, i64)>,
    last_id: i64,
}

impl Walk {
    fn new(heads: Vec<LaneHead>) -> Walk {
        let length = heads.iter().map(|h| h.length).sum();
        Walk {
            state: ChainState {
                before_chain: 0,
                checked: 0,
                heads,
                length,
                broken: None,
            },
            lanes: Default::default(),
            last_id: i64::MIN,
        }
    }

    /// Checks one page of entries; false once the chain is found broken.
    fn page(&mut self, rows: Vec<ChainRow>) -> bool {
        for ChainRow {
            entry: r,
            prev_hash,
            hash,
            lane,
        } in rows
        {
            self.last_id = r.id;
            let broken = |reason| {
                Some(ChainBreak {
                    entry: Some(r.id),
                    reason,
                })
            };
            let (Some(p), Some(h)) = (&prev_hash, &hash) else {
                if self.state.checked == 0 {
                    self.state.before_chain += 1;
                    continue;
                }
                self.state.broken = broken(BreakReason::Unchained);
                return false;
            };
            let (prev, length, last) = self
                .lanes
                .entry(lane)
                .or_insert_with(|| (String::new(), 0, r.id));
            if p != prev {
                self.state.broken = broken(BreakReason::Relinked);
                return false;
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
                self.state.broken = broken(BreakReason::Rewritten);
                return false;
            }
            *prev = again;
            *length += 1;
            *last = r.id;
            self.state.checked += 1;
        }
        true
    }

    /// The state once every entry was read: each lane must end where its head says.
    fn end(mut self) -> ChainState {
        if self.state.broken.is_some() {
            return self.state;
        }
        let mut lanes: std::collections::BTreeSet<i64> = self.lanes.keys().copied().collect();
        lanes.extend(self.state.heads.iter().map(|h| h.lane));
        for lane in lanes {
            let walked = self.lanes.get(&lane);
            let head = self.state.heads.iter().find(|h| h.lane == lane);
            let holds = match (walked, head) {
                (Some((hash, length, _)), Some(h)) => *hash == h.hash && *length == h.length,
                _ => false,
            };
            if !holds {
                self.state.broken = Some(ChainBreak {
                    entry: walked.map(|(_, _, last)| *last),
                    reason: BreakReason::Truncated,
                });
                break;
            }
        }
        self.state
    }
}

impl Store {
    /// What a read transaction starts with to read every statement as of its first.
    fn one_snapshot(&self) -> Option<&'static str> {
        match self {
            // A read transaction in WAL mode reads one snapshot already.
            Store::Sqlite(_) => None,
            Store::Postgres(_) => {
                Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            }
        }
    }

    /// Each lane's last hash and length as its head records them, for the lanes that hold
    /// entries (cheap; see [`Store::verify_audit`] for the check).
    pub async fn audit_head(&self) -> Result<Vec<LaneHead>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(READ_HEADS).fetch_all(pool).await?
        }))
    }

    /// Walks the whole audit log in order and recomputes every link of every lane: the first
    /// entry that was rewritten, removed from the middle or the end, or left unchained is
    /// named. The heads and every entry are read as of one moment (one read transaction), so
    /// writes meanwhile are neither half seen nor taken for a break.
    pub async fn verify_audit(&self) -> Result<ChainState> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(snapshot) = self.one_snapshot() {
                sqlx::query(snapshot).execute(&mut *tx).await?;
            }
            let heads = sqlx::query_as(READ_HEADS).fetch_all(&mut *tx).await?;
            let mut walk = Walk::new(heads);
            loop {
                let rows: Vec<ChainRow> = sqlx::query_as(READ_CHAIN)
                    .bind(walk.last_id)
                    .bind(VERIFY_PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                if rows.is_empty() || !walk.page(rows) {
                    break;
                }
            }
            tx.rollback().await?;
            walk.end()
        }))
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
