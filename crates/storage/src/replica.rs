//! A streaming replica of the PostgreSQL database, which a server reads the nation from when it
//! recomputes its overview, so that work does not load the primary that takes the writes.
//! Replication itself is PostgreSQL's own; this module opens the replica and tells how far it
//! has replayed the primary's log.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{Result, Store, StoreError};

impl Store {
    /// Opens a read-only replica at `url` without migrating it: the primary's migrations reach
    /// it through replication.
    pub async fn open_replica(url: &str) -> Result<Store> {
        let open_err = |source| StoreError::Open {
            url: crate::without_password(url),
            source,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Invalid(
                "a read replica is a PostgreSQL database (postgres://…)".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url).map_err(open_err)?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(open_err)?;
        Ok(Store::Postgres(pool))
    }

    /// Where the primary's write-ahead log stands: what a replica must have replayed to hold
    /// every write committed so far. `None` on SQLite.
    pub async fn log_position(&self) -> Result<Option<String>> {
        Ok(match self {
            Store::Sqlite(_) => None,
            Store::Postgres(pool) => Some(
                sqlx::query_scalar("SELECT CAST(pg_current_wal_lsn() AS TEXT)")
                    .fetch_one(pool)
                    .await?,
            ),
        })
    }

    /// Whether this replica has replayed the primary's log up to `position`.
    pub async fn replayed(&self, position: &str) -> Result<bool> {
        Ok(match self {
            Store::Sqlite(_) => true,
            Store::Postgres(pool) => sqlx::query_scalar(
                "SELECT COALESCE(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), CAST($1 AS pg_lsn)) >= 0, TRUE)",
            )
            .bind(position)
            .fetch_one(pool)
            .await?,
        })
    }

    /// How far this replica is behind the primary, in seconds: zero when it has replayed all it
    /// received, else the age of the last transaction it replayed. `None` when this database
    /// is no replica.
    pub async fn replica_lag(&self) -> Result<Option<f64>> {
        Ok(match self {
            Store::Sqlite(_) => None,
            Store::Postgres(pool) => sqlx::query_scalar(
                "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL \
                 WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN CAST(0 AS DOUBLE PRECISION) \
                 ELSE CAST(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) AS DOUBLE PRECISION) END",
            )
            .fetch_one(pool)
            .await?,
        })
    }
}
