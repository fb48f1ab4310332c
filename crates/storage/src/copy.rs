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

/// The table whose one row the migrations seed and no one may remove.
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
async fn tables_in_order(from: &sqlx::SqlitePool) -> Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(from)
    .await?;
    let links: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
         WHERE m.type = 'table'",
    )
    .fetch_all(from)
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
    /// yet, in one transaction, and returns each table's rows in both.
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
        let tables = tables_in_order(from).await?;
        let mut tx = to.begin().await?;
        for table in &tables {
            if table == SEEDED_HEAD {
                // The one row the migrations seed, which may not be removed: it takes the
                // source's chain head.
                let (hash, length): (String, i64) =
                    sqlx::query_as("SELECT hash, length FROM audit_head WHERE id = 1")
                        .fetch_one(from)
                        .await?;
                sqlx::query("UPDATE audit_head SET hash = $1, length = $2 WHERE id = 1")
                    .bind(hash)
                    .bind(length)
                    .execute(&mut *tx)
                    .await?;
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
            if columns.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "table {table} is missing in the target database"
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
            let mut rows = sqlx::query(&sql).fetch(from);
            let mut buf = Vec::with_capacity(COPY_CHUNK);
            while let Some(row) = rows.try_next().await? {
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
            if !buf.is_empty() {
                copy.send(buf).await?;
            }
            copy.finish().await?;
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
        tx.commit().await?;

        let mut counted = Vec::with_capacity(tables.len());
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM {}", quoted(&table));
            let source_rows: i64 = sqlx::query_scalar(&sql).fetch_one(from).await?;
            let target_rows: i64 = sqlx::query_scalar(&sql).fetch_one(to).await?;
            counted.push(CopiedTable {
                table,
                source_rows,
                target_rows,
            });
        }
        Ok(counted)
    }
}
