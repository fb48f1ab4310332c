//! Moving an instance that outgrew its SQLite file to PostgreSQL: every table copied row for
//! row in one PostgreSQL transaction (`COPY`), identities carried on, row counts compared.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// One table after a copy: its rows in the source and in the target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopiedTable {
    pub table: String,
    pub source_rows: i64,
    pub target_rows: i64,
}

/// The table whose rows, one per lane of the audit chain, the migrations seed and no one may
/// remove.
const SEEDED_HEAD: &str = "audit_head";

/// The bytes one `COPY` message carries before it is sent.
const COPY_CHUNK: usize = 1 << 20;

/// A cell of PostgreSQL's CSV format: quoted text, or nothing for NULL.
fn push_cell(buf: &mut Vec<u8>, cell: Option<&str>) {
    if let Some(text) = cell {
        buf.push(b'"');
        buf.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    }
}

/// The text PostgreSQL reads back as the same value, by the target column's type.
fn cell_text(row: &sqlx::sqlite::SqliteRow, i: usize, data_type: &str) -> Result<Option<String>> {
    Ok(match data_type {
        "bigint" | "integer" | "smallint" => row
            .try_get_unchecked::<Option<i64>, _>(i)?
            .map(|v| v.to_string()),
        // Rust writes the shortest text that reads back as the same double; SQLite's own
        // CAST would keep only 15 digits.
        "double precision" | "real" => row
            .try_get_unchecked::<Option<f64>, _>(i)?
            .map(|v| v.to_string()),
        "boolean" => row
            .try_get_unchecked::<Option<bool>, _>(i)?
            .map(|b| if b { "t" } else { "f" }.to_string()),
        "bytea" => row
            .try_get_unchecked::<Option<Vec<u8>>, _>(i)?
            .map(|bytes| {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                format!("\\x{hex}")
            }),
        _ => row.try_get_unchecked::<Option<String>, _>(i)?,
    })
}

/// The SQLite tables in an order where each comes after the tables it refers to.
async fn tables_in_order(from: &mut sqlx::SqliteConnection) -> Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *from)
    .await?;
    let links: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
         WHERE m.type = 'table'",
    )
    .fetch_all(&mut *from)
    .await?;
    let mut needs: BTreeMap<String, BTreeSet<String>> =
        names.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for (table, refers) in links {
        if table != refers {
            needs.entry(table).or_default().insert(refers);
        }
    }
    let mut ordered = Vec::with_capacity(names.len());
    while !needs.is_empty() {
        let ready: Vec<String> = needs
            .iter()
            .filter(|(_, n)| {
                n.iter()
                    .all(|r| ordered.contains(r) || !needs.contains_key(r))
            })
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Invalid(
                "the tables refer to each other in a cycle".into(),
            ));
        }
        for t in ready {
            needs.remove(&t);
            ordered.push(t);
        }
    }
    Ok(ordered)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// Copies this SQLite database into `target`, a PostgreSQL database that holds nothing
    /// yet, in one transaction, and returns each table's rows in both. Everything is read in
    /// one read transaction, so a server writing meanwhile cannot make the copy inconsistent;
    /// the rows are counted before the copy commits, and a difference commits nothing.
    pub async fn copy_to(&self, target: &Store) -> Result<Vec<CopiedTable>> {
        let (Store::Sqlite(from), Store::Postgres(to)) = (self, target) else {
            return Err(StoreError::Invalid(
                "a copy goes from a SQLite file to a PostgreSQL database".into(),
            ));
        };
        if !target.is_empty().await? || !target.users().await?.is_empty() {
            return Err(StoreError::Invalid(
                "the target database already holds data".into(),
            ));
        }
        let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(to)
            .await?;
        if logged > 0 {
            return Err(StoreError::Invalid(
                "the target database already holds data".into(),
            ));
        }
        // A read transaction on one connection: every table as of one moment.
        let mut src = from.begin().await?;
        let tables = tables_in_order(&mut src).await?;
        let mut tx = to.begin().await?;
        let mut counted = Vec::with_capacity(tables.len());
        for table in &tables {
            if table == SEEDED_HEAD {
                // The rows the migrations seed, one per lane, which may not be removed: each
                // takes the source's lane head.
                let heads: Vec<(i64, String, i64)> =
                    sqlx::query_as("SELECT id, hash, length FROM audit_head ORDER BY id")
                        .fetch_all(&mut *src)
                        .await?;
                let mut target_rows = 0;
                for (lane, hash, length) in &heads {
                    target_rows +=
                        sqlx::query("UPDATE audit_head SET hash = $1, length = $2 WHERE id = $3")
                            .bind(hash)
                            .bind(length)
                            .bind(lane)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected() as i64;
                }
                counted.push(CopiedTable {
                    table: table.clone(),
                    source_rows: heads.len() as i64,
                    target_rows,
                });
                continue;
            }
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *tx)
            .await?;
            let source_columns: BTreeSet<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(table)
                    .fetch_all(&mut *src)
                    .await?
                    .into_iter()
                    .collect();
            let target_columns: BTreeSet<String> = columns.iter().map(|(c, _)| c.clone()).collect();
            if source_columns != target_columns {
                // Nothing is dropped on the way: the two must be the same version of tiendo.
                return Err(StoreError::Invalid(format!(
                    "table {table} has different columns in the two databases \
                     (SQLite: {source_columns:?}, PostgreSQL: {target_columns:?})"
                )));
            }
            let list = columns
                .iter()
                .map(|(c, _)| quoted(c))
                .collect::<Vec<_>>()
                .join(", ");
            let mut copy = tx
                .copy_in_raw(&format!(
                    "COPY {} ({list}) FROM STDIN WITH (FORMAT csv)",
                    quoted(table)
                ))
                .await?;
            let sql = format!("SELECT {list} FROM {}", quoted(table));
            let mut rows = sqlx::query(&sql).fetch(&mut *src);
            let mut buf = Vec::with_capacity(COPY_CHUNK);
            let mut source_rows = 0i64;
            while let Some(row) = rows.try_next().await? {
                source_rows += 1;
                for (i, (_, data_type)) in columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    push_cell(&mut buf, cell_text(&row, i, data_type)?.as_deref());
                }
                buf.push(b'\n');
                if buf.len() >= COPY_CHUNK {
                    copy.send(std::mem::take(&mut buf)).await?;
                }
            }
            drop(rows);
            if !buf.is_empty() {
                copy.send(buf).await?;
            }
            copy.finish().await?;
            let target_rows: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(table)))
                    .fetch_one(&mut *tx)
                    .await?;
            counted.push(CopiedTable {
                table: table.clone(),
                source_rows,
                target_rows,
            });
            if columns.iter().any(|(c, _)| c == "id") {
                // The next identity continues after the copied ones.
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence($1, 'id'), MAX(id)) FROM {} \
                     HAVING MAX(id) IS NOT NULL",
                    quoted(table)
                ))
                .bind(table)
                .fetch_optional(&mut *tx)
                .await?;
            }
        }
        if counted.iter().any(|t| t.source_rows != t.target_rows) {
            // Dropping the transaction takes the copy back: the target stays empty.
            return Ok(counted);
        }
        tx.commit().await?;
        src.commit().await?;
        Ok(counted)
    }
}
