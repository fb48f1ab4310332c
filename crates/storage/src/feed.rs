//! What other tiendo servers over the same PostgreSQL database committed, as it happens: each
//! approval, and each change of who may do what, is announced with `NOTIFY` in the transaction
//! that writes it (delivered at commit, never for a rolled-back one), and every server listens,
//! so an approval on one server reaches the others' read models within moments instead of at
//! their next refresh, and a revoked token stops working on all of them at once.

use sqlx::postgres::PgListener;
use tiendo_domain::values::DataValue;

use crate::values::ValueRow;
use crate::{Result, Store};

/// The channel approvals are announced on; the payload is the approved version itself (JSON),
/// or its id when that would not fit in a notification.
pub(crate) const APPROVALS: &str = "tiendo_approvals";

/// The longest payload an approval's announcement carries: PostgreSQL refuses 8,000 bytes and
/// more. A version with a longer comment or source is announced by its id, read by each server.
const CARRIED: usize = 7_900;

/// The announcement of the approved version `value`. Carrying the version spares every other
/// server a read per approval: during a deadline's rush, hundreds a second.
pub(crate) fn approval(value: &DataValue) -> String {
    match serde_json::to_string(value) {
        Ok(json) if json.len() <= CARRIED => json,
        _ => value.version.to_string(),
    }
}

/// An approval as announced: the version itself, or its id to read.
enum Announced {
    Carried(DataValue),
    Named(i64),
}

impl Announced {
    fn of(payload: &str) -> Option<Announced> {
        if !payload.starts_with('{') {
            return payload.parse().ok().map(Announced::Named);
        }
        match serde_json::from_str(payload) {
            Ok(value) => Some(Announced::Carried(value)),
            // A version this server cannot take as carried is read by its id all the same.
            Err(_) => serde_json::from_str::<serde_json::Value>(payload)
                .ok()?
                .get("version")?
                .as_i64()
                .map(Announced::Named),
        }
    }
}

/// The channel on which a change of who may do what is announced (a token revoked, an account
/// disabled or its scope changed): what servers keep of accounts must be read again.
pub(crate) const ACCOUNTS: &str = "tiendo_accounts";

/// The channel on which a change of definitions is announced (units, documents, targets,
/// tasks, rules): the overview must be computed again. The payload names the process that
/// made it, which has already asked for its own computation.
pub(crate) const DEFINITIONS: &str = "tiendo_definitions";

/// This process among the servers: its id and the moment it first asked, to the nanosecond
/// (two servers on two machines may share a process id, not that too).
pub(crate) fn instance() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        format!("{}-{}", std::process::id(), since.as_nanos())
    })
}

/// Announces `$payload` on `$channel` from inside the transaction `$tx` of `$store`, delivered
/// at its commit; nothing on SQLite, where one server owns the database.
macro_rules! announce {
    ($store:expr, $tx:expr, $channel:expr, $payload:expr) => {
        if matches!($store, $crate::Store::Postgres(_)) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind($channel)
                .bind($payload)
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use announce;

/// Announces each of `$payloads` (text) on `$channel` as [`announce`] does, in their order,
/// in one statement.
macro_rules! announce_each {
    ($store:expr, $tx:expr, $channel:expr, $payloads:expr) => {
        let payloads: &[String] = $payloads;
        if matches!($store, $crate::Store::Postgres(_)) && !payloads.is_empty() {
            let column = vec![$crate::params::Column::Texts(
                payloads.iter().map(String::as_str).collect(),
            )];
            let sql = format!(
                "SELECT pg_notify($1, k.column1) FROM {}",
                $crate::params::lists(&$tx).table("k", &column, 1)
            );
            $crate::params::BindLists::bind_table(sqlx::query(&sql).bind($channel), column)
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use announce_each;

/// What the feed says next.
#[derive(Debug)]
pub enum Heard {
    /// Values approved on some server, this one included, in the order they were announced:
    /// every approval announced by the time the first is read (hundreds a second during a
    /// deadline's rush), read from the database together.
    Approved(Vec<DataValue>),
    /// Who may do what changed: cached accounts and tokens must be read again.
    AccountsChanged,
    /// Another server changed definitions: the overview must be computed again.
    DefinitionsChanged,
    /// The connection was lost and made again: announcements may have been missed, and what
    /// the read model holds should be read again from the database.
    Missed,
}

/// The most approvals the feed reads in one statement.
const READ_AT_ONCE: usize = 1000;

/// The most approvals the feed passes on at once: a bounded batch, the rest at the next call.
const GATHERED: usize = 10 * READ_AT_ONCE;

/// Announcements from every server over the database.
pub struct Feed {
    listener: PgListener,
    store: Store,
    /// An announcement read while gathering approvals, to be said next.
    held: Option<sqlx::postgres::PgNotification>,
}

impl Store {
    /// Listens for what other servers commit; `None` on SQLite, which one server owns.
    pub async fn feed(&self) -> Result<Option<Feed>> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener
                    .listen_all([APPROVALS, ACCOUNTS, DEFINITIONS])
                    .await?;
                Ok(Some(Feed {
                    listener,
                    store: self.clone(),
                    held: None,
                }))
            }
        }
    }

    /// Versions of values by their ids, in the order of `versions`; an id not in the database
    /// is passed over.
    pub async fn value_versions(&self, versions: &[i64]) -> Result<Vec<DataValue>> {
        if versions.is_empty() {
            return Ok(Vec::new());
        }
        let ids = crate::params::Column::Ids(versions.to_vec());
        let sql = format!(
            "SELECT v.id, t.code AS target, o.code AS org, v.period, v.value, v.comment, \
             v.source, v.author, v.recorded_at, v.state \
             FROM data_values v JOIN targets t ON t.id = v.target_id \
             JOIN org_units o ON o.id = v.org_id WHERE {}",
            self.lists().one_of("v.id", &ids, 0)
        );
        let rows: Vec<ValueRow> = crate::on_pool!(self, pool => {
            crate::params::BindLists::bind_list(sqlx::query_as(&sql), ids)
                .fetch_all(pool)
                .await?
        });
        let mut found = rows
            .into_iter()
            .map(|r| r.into_value().map(|v| (v.version, v)))
            .collect::<Result<std::collections::HashMap<i64, DataValue>>>()?;
        Ok(versions.iter().filter_map(|v| found.remove(v)).collect())
    }
}

impl Feed {
    /// Waits for the next announcement. A payload that is not a version, or a version gone
    /// from the database, is passed over.
    pub async fn next(&mut self) -> Result<Heard> {
        loop {
            let notification = match self.held.take() {
                Some(n) => n,
                None => match self.listener.try_recv().await? {
                    Some(n) => n,
                    None => return Ok(Heard::Missed),
                },
            };
            match notification.channel() {
                ACCOUNTS => return Ok(Heard::AccountsChanged),
                DEFINITIONS if notification.payload() == instance() => continue,
                DEFINITIONS => return Ok(Heard::DefinitionsChanged),
                _ => {}
            }
            // This approval and those announced after it, up to the first other announcement.
            let mut announced = Vec::new();
            let mut named = Vec::new();
            let mut next = Some(notification);
            while let Some(n) = next {
                if n.channel() != APPROVALS {
                    self.held = Some(n);
                    break;
                }
                match Announced::of(n.payload()) {
                    Some(a) => {
                        if let Announced::Named(version) = a {
                            named.push(version);
                        }
                        announced.push(a);
                    }
                    None => tracing::warn!(
                        payload = n.payload(),
                        "an announcement that is not a version"
                    ),
                }
                // A bounded statement; what is left is read by the next call.
                next = if named.len() < READ_AT_ONCE && announced.len() < GATHERED {
                    self.listener.next_buffered()
                } else {
                    None
                };
            }
            let mut read: std::collections::HashMap<i64, DataValue> = self
                .store
                .value_versions(&named)
                .await?
                .into_iter()
                .map(|v| (v.version, v))
                .collect();
            let approved: Vec<DataValue> = announced
                .into_iter()
                .filter_map(|a| match a {
                    Announced::Carried(v) => Some(v),
                    Announced::Named(version) => read.remove(&version),
                })
                .collect();
            if !approved.is_empty() {
                return Ok(Heard::Approved(approved));
            }
        }
    }
}
