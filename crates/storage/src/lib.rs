//! tiendo's storage: one API over SQLite (the embedded default) and PostgreSQL.
//!
//! This crate alone knows SQL. Each query is written once with `$n` placeholders, which both
//! drivers accept (lists as long as a batch are written for each backend, see `params`), and
//! runs on a typed pool chosen at start-up; the schema lives in one
//! migration set per backend, applied automatically and idempotently when a store opens.

mod accounts;
mod audit;
#[cfg(feature = "bench")]
mod bench;
mod copy;
mod dashboards;
mod dataset;
mod define;
mod documents;
mod entry;
mod feed;
mod feedback;
mod load;
mod locks;
mod logins;
mod notifications;
mod orgs;
mod params;
mod reopenings;
mod replica;
mod review;
mod rows;
mod rules;
mod targets;
mod tasks;
mod values;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use accounts::{NewUser, TokenInfo, User};
pub use audit::{AuditEntry, BreakReason, ChainBreak, ChainState, LaneHead};
#[cfg(feature = "bench")]
pub use bench::bench_value;
pub use copy::CopiedTable;
pub use dataset::PUBLISHED;
pub use define::{Defined, TaskClosing};
pub use entry::{Entry, Outcome, MAX_REQUEST};
pub use feed::{Feed, Heard};
pub use feedback::{Case, CaseFilter, FileInfo, PublicCase, Received};
pub use load::LoadBy;
pub use logins::LoginFailures;
pub use notifications::{
    backoff, Channel, DeliveryMode, NewNotification, Notification, NotificationSettings, Webhook,
    MAX_ATTEMPTS,
};
pub use reopenings::{Reopening, MAX_REASON};
pub use review::StateChange;
pub use tasks::TaskFilter;
pub use tiendo_domain::admissibility::Refusal;
pub use values::{ImportSummary, Unpublished, ValueFilter};

/// `url` with its password, if it holds one, replaced by `***`: an error message or a log line
/// is read by more people than the database's owner.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    match authority[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The database file used when no URL is given.
pub const DEFAULT_DATABASE: &str = "tiendo.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row that no longer parses: the database was changed outside tiendo.
    #[error("the database holds an invalid {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// The request itself is wrong (a missing reason, too many values).
    #[error("{0}")]
    Invalid(String),
    /// An import was refused as a whole; nothing was written.
    #[error("the import was refused and nothing was written: {}", describe(.0))]
    Rejected(Vec<tiendo_domain::problems::Problem>),
    /// What the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request was right when it was made but the data changed: a value reviewed in a
    /// version that is no longer current, a move its state does not allow.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A rule forbids this caller the write whatever their scope (four eyes).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
}

impl StoreError {
    /// How a user or client should take this error, for the web application and the CLI to
    /// map in one place each.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Invalid(_) | StoreError::Rejected(_) => ErrorKind::Invalid,
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::Conflict { .. } => ErrorKind::Conflict,
            StoreError::Forbidden { .. } => ErrorKind::Forbidden,
            StoreError::Open { .. }
            | StoreError::Migrate(_)
            | StoreError::Database(_)
            | StoreError::Sqlite(_)
            | StoreError::Corrupt { .. } => ErrorKind::Internal,
        }
    }
}

/// The classes of [`StoreError`] a caller acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong; the message says where.
    Invalid,
    NotFound,
    Conflict,
    Forbidden,
    /// Not the user's doing: logged, and reported as a server fault.
    Internal,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn describe(problems: &[tiendo_domain::problems::Problem]) -> String {
    let mut text: Vec<String> = problems.iter().take(3).map(ToString::to_string).collect();
    if problems.len() > 3 {
        text.push(format!("and {} more", problems.len() - 3));
    }
    text.join("; ")
}

/// The server's options and a one-connection pool to create or drop `schema`, whose name is
/// checked to be a plain identifier (it is spliced into DDL).
async fn schema_admin(url: &str, schema: &str) -> Result<(PgConnectOptions, PgPool)> {
    let open_err = |source| StoreError::Open {
        url: without_password(url),
        source,
    };
    if schema.is_empty()
        || !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(StoreError::Invalid(format!(
            "\"{schema}\" is not a plain schema name"
        )));
    }
    let options = PgConnectOptions::from_str(url).map_err(open_err)?;
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .map_err(open_err)?;
    Ok((options, admin))
}

/// Which backend a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cloning is cheap: clones share one connection pool.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever typed pool the store holds. The body is compiled once per
/// backend, so every query in it is checked against both drivers' type support.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Store {
    /// Opens (creating when needed) the database at `url` and applies pending migrations.
    ///
    /// `postgres://…` and `postgresql://…` select PostgreSQL; `sqlite:…` or a plain file path
    /// selects SQLite, created on first use and run in WAL mode.
    pub async fn open(url: &str) -> Result<Store> {
        let open_err = |source| StoreError::Open {
            url: without_password(url),
            source,
        };
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(open_err)?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(open_err)?;
            Store::Postgres(pool)
        } else {
            let options = if url.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url).map_err(open_err)?
            } else {
                SqliteConnectOptions::new().filename(Path::new(url))
            };
            if options.get_filename() == Path::new(":memory:") {
                return Err(StoreError::Invalid(
                    "tiendo keeps its data in a file: give a file path, not an in-memory database"
                        .into(),
                ));
            }
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .map_err(open_err)?;
            Store::Sqlite(pool)
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Wraps an existing PostgreSQL pool (tests and benchmarks use it to work in a schema of
    /// their own) and applies pending migrations.
    pub async fn from_pg_pool(pool: PgPool) -> Result<Store> {
        let store = Store::Postgres(pool);
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a store in a new, empty PostgreSQL schema `schema` (replacing one of that name),
    /// for a benchmark run that must not touch the database's own data. Drop it with
    /// [`Store::drop_schema`].
    pub async fn open_in_new_schema(url: &str, schema: &str) -> Result<Store> {
        let (options, admin) = schema_admin(url, schema).await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&admin)
            .await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options.options([("search_path", schema)]))
            .await
            .map_err(|source| StoreError::Open {
                url: without_password(url),
                source,
            })?;
        Store::from_pg_pool(pool).await
    }

    /// A pool of its own, of at most `connections`, over the same database with the same
    /// options (a schema of its own too), connecting on first use; migrations are applied
    /// already. Call it on the runtime that will use it: a connection wakes the runtime it
    /// was opened on, so a part of the server on a thread of its own is not woken through
    /// the request handlers' runtime.
    pub fn sibling(&self, connections: u32) -> Store {
        match self {
            Store::Sqlite(pool) => Store::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
            Store::Postgres(pool) => Store::Postgres(
                PgPoolOptions::new()
                    .max_connections(connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
        }
    }

    /// Drops a schema made by [`Store::open_in_new_schema`] with everything in it.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
        let (_, admin) = schema_admin(url, schema).await?;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(())
    }

    async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// The pool's open connections and how many of them are idle, for monitoring.
    pub fn pool_stats(&self) -> (u32, usize) {
        on_pool!(self, pool => (pool.size(), pool.num_idle()))
    }

    /// Whether two writing transactions make progress side by side: on PostgreSQL they do,
    /// each locking only the rows it writes; SQLite has one write lock, for which they take
    /// turns (a waiting one sleeping between its tries), so its writers write one at a time.
    pub fn writes_side_by_side(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// How a writing transaction starts. On SQLite it takes the write lock at once: a
    /// transaction that read first and wrote later could not wait for a concurrent writer
    /// (SQLite answers "database is locked" at once rather than deadlock), so it waits at its
    /// start instead, for up to the busy timeout.
    pub(crate) fn begin_write(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "BEGIN IMMEDIATE",
            Store::Postgres(_) => "BEGIN",
        }
    }

    /// The file of a SQLite database URL (a path, or `sqlite:` and a path); `None` for
    /// PostgreSQL.
    pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            None
        } else if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .ok()
                .map(|o| o.get_filename().to_path_buf())
        } else {
            Some(Path::new(url).to_path_buf())
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

#[cfg(test)]
mod url_tests {
    use super::without_password;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            without_password("postgres://tiendo:bí-mật@db.example:5432/tiendo"),
            "postgres://tiendo:***@db.example:5432/tiendo"
        );
        assert_eq!(
            without_password("postgres://tiendo:p@ss@db/tiendo"),
            "postgres://tiendo:***@db/tiendo"
        );
        for kept in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://127.0.0.1/test",
            "sqlite://tiendo.db",
            "tiendo.db",
        ] {
            assert_eq!(without_password(kept), kept);
        }
    }
}
