//! Bound-parameter lists whose length follows the data: a batch's rows, an `IN` list.
//!
//! On the write path such lists are [`Column`]s, given to a statement as [`Lists`] says. On
//! PostgreSQL a column is one array parameter, so a statement's text is the same whatever the
//! batch's size: it is parsed and planned once per connection. Written out a parameter a
//! value, each batch's size made a new text, and with it a round trip to prepare the
//! statement (and another to close one evicted from the connection's cache) for most
//! statements of most batches of a deadline's rush. SQLite prepares in-process at no such
//! cost, and takes a parameter a value.
//!
//! PostgreSQL numbers its parameters (`$1`, `$2`…). SQLite accepts those too, but treats each
//! as a name: binding a value looks its name up in a list of every name of the statement, so a
//! statement of n parameters costs n² steps before it runs (a batch of 200 entries, 1,800
//! parameters, spent more time binding than writing). SQLite's anonymous `?` takes the next
//! number in order of appearance and costs nothing to bind, so long lists are written with it
//! there; their values are bound in the order they appear, as with `$n` numbered in order.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::{Query, QueryAs};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Postgres, Sqlite};

/// How a backend takes the lists of a statement.
pub(crate) trait Numbering {
    const LISTS: Lists;
}

impl Numbering for Sqlite {
    const LISTS: Lists = Lists::Sqlite;
}

impl Numbering for Postgres {
    const LISTS: Lists = Lists::Postgres;
}

/// How the backend of a transaction takes the lists written inside it.
pub(crate) fn lists<DB: sqlx::Database + Numbering>(_: &sqlx::Transaction<'_, DB>) -> Lists {
    DB::LISTS
}

impl crate::Store {
    /// How this store's backend takes lists, for a statement run on its pool.
    pub(crate) fn lists(&self) -> Lists {
        match self {
            crate::Store::Sqlite(_) => Lists::Sqlite,
            crate::Store::Postgres(_) => Lists::Postgres,
        }
    }
}

/// SQLite's `count` anonymous parameters: `?, ?, ?`.
fn anonymous(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// SQLite's `rows` parenthesised rows of `per_row` anonymous parameters: `(?, ?), (?, ?)`.
fn anonymous_rows(rows: usize, per_row: usize) -> String {
    vec![format!("({})", anonymous(per_row)); rows].join(", ")
}

/// The values of one column of a batch, in order.
#[derive(Debug, Clone)]
pub(crate) enum Column<'q> {
    Ids(Vec<i64>),
    Numbers(Vec<f64>),
    Texts(Vec<&'q str>),
    OptionalTexts(Vec<Option<&'q str>>),
    Instants(Vec<DateTime<Utc>>),
}

impl Column<'_> {
    fn len(&self) -> usize {
        match self {
            Column::Ids(v) => v.len(),
            Column::Numbers(v) => v.len(),
            Column::Texts(v) => v.len(),
            Column::OptionalTexts(v) => v.len(),
            Column::Instants(v) => v.len(),
        }
    }

    /// PostgreSQL's type of the column's array.
    fn array_type(&self) -> &'static str {
        match self {
            Column::Ids(_) => "bigint[]",
            Column::Numbers(_) => "float8[]",
            Column::Texts(_) | Column::OptionalTexts(_) => "text[]",
            Column::Instants(_) => "timestamptz[]",
        }
    }
}

/// How a backend takes a list: SQLite a parameter a value, PostgreSQL an array a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lists {
    Sqlite,
    Postgres,
}

impl Lists {
    /// The condition that `expr` is one of `column`'s values, bound after `previous` others:
    /// `IN (?, ?)` or `= ANY($1::text[])`.
    pub(crate) fn one_of(self, expr: &str, column: &Column<'_>, previous: usize) -> String {
        match self {
            Lists::Sqlite => format!("{expr} IN ({})", anonymous(column.len())),
            Lists::Postgres => format!("{expr} = ANY(${}::{})", previous + 1, column.array_type()),
        }
    }

    /// The rows of `columns` as a table named `alias`, whose columns are named `column1`,
    /// `column2`…: `(VALUES (?, ?), (?, ?)) AS k` or `UNNEST($1::bigint[], $2::text[]) AS
    /// k(column1, column2)`.
    pub(crate) fn table(self, alias: &str, columns: &[Column<'_>], previous: usize) -> String {
        match self {
            Lists::Sqlite => format!("(VALUES {}) AS {alias}", self.values(columns, previous)),
            Lists::Postgres => format!(
                "{} AS {alias}({})",
                self.values(columns, previous),
                (1..=columns.len())
                    .map(|i| format!("column{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The rows of `columns` as the source of an `INSERT`: `VALUES (?, ?), (?, ?)` or
    /// `SELECT * FROM UNNEST($1::bigint[], $2::text[])`.
    pub(crate) fn rows(self, columns: &[Column<'_>], previous: usize) -> String {
        match self {
            Lists::Sqlite => format!("VALUES {}", self.values(columns, previous)),
            Lists::Postgres => format!("SELECT * FROM {}", self.values(columns, previous)),
        }
    }

    fn values(self, columns: &[Column<'_>], previous: usize) -> String {
        match self {
            Lists::Sqlite => anonymous_rows(columns.first().map_or(0, Column::len), columns.len()),
            Lists::Postgres => format!(
                "UNNEST({})",
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("${}::{}", previous + i + 1, c.array_type()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Binds a list's or a table's values the way [`Lists`] wrote their parameters.
pub(crate) trait BindLists<'q>: Sized {
    /// Binds one column, as written by [`Lists::one_of`].
    fn bind_list(self, column: Column<'q>) -> Self;
    /// Binds the columns of a table, as written by [`Lists::table`] or [`Lists::rows`]; they
    /// are all as long as the first.
    fn bind_table(self, columns: Vec<Column<'q>>) -> Self;
}

/// SQLite: a parameter a value, row after row.
macro_rules! sqlite_lists {
    ($query:ty $(, $o:ident)?) => {
        impl<'q $(, $o)?> BindLists<'q> for $query {
            fn bind_list(self, column: Column<'q>) -> Self {
                match column {
                    Column::Ids(v) => v.into_iter().fold(self, |q, x| q.bind(x)),
                    Column::Numbers(v) => v.into_iter().fold(self, |q, x| q.bind(x)),
                    Column::Texts(v) => v.into_iter().fold(self, |q, x| q.bind(x)),
                    Column::OptionalTexts(v) => v.into_iter().fold(self, |q, x| q.bind(x)),
                    Column::Instants(v) => v.into_iter().fold(self, |q, x| q.bind(x)),
                }
            }

            fn bind_table(self, columns: Vec<Column<'q>>) -> Self {
                let count = columns.first().map_or(0, Column::len);
                let mut q = self;
                for row in 0..count {
                    for column in &columns {
                        q = match column {
                            Column::Ids(v) => q.bind(v[row]),
                            Column::Numbers(v) => q.bind(v[row]),
                            Column::Texts(v) => q.bind(v[row]),
                            Column::OptionalTexts(v) => q.bind(v[row]),
                            Column::Instants(v) => q.bind(v[row]),
                        };
                    }
                }
                q
            }
        }
    };
}

/// PostgreSQL: an array a column.
macro_rules! postgres_lists {
    ($query:ty $(, $o:ident)?) => {
        impl<'q $(, $o)?> BindLists<'q> for $query {
            fn bind_list(self, column: Column<'q>) -> Self {
                match column {
                    Column::Ids(v) => self.bind(v),
                    Column::Numbers(v) => self.bind(v),
                    Column::Texts(v) => self.bind(v),
                    Column::OptionalTexts(v) => self.bind(v),
                    Column::Instants(v) => self.bind(v),
                }
            }

            fn bind_table(self, columns: Vec<Column<'q>>) -> Self {
                columns.into_iter().fold(self, Self::bind_list)
            }
        }
    };
}

sqlite_lists!(Query<'q, Sqlite, SqliteArguments<'q>>);
sqlite_lists!(QueryAs<'q, Sqlite, O, SqliteArguments<'q>>, O);
postgres_lists!(Query<'q, Postgres, PgArguments>);
postgres_lists!(QueryAs<'q, Postgres, O, PgArguments>, O);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_takes_a_column_as_one_array_whatever_its_length() {
        let short = [Column::Ids(vec![1]), Column::Texts(vec!["a"])];
        let long = [
            Column::Ids(vec![1, 2, 3]),
            Column::Texts(vec!["a", "b", "c"]),
        ];
        let pg = Lists::Postgres;
        assert_eq!(pg.table("k", &short, 0), pg.table("k", &long, 0));
        assert_eq!(
            pg.table("k", &long, 1),
            "UNNEST($2::bigint[], $3::text[]) AS k(column1, column2)"
        );
        assert_eq!(
            pg.one_of("code", &Column::Texts(vec!["a", "b"]), 0),
            "code = ANY($1::text[])"
        );
        assert_eq!(pg.rows(&long[..1], 0), "SELECT * FROM UNNEST($1::bigint[])");
    }

    #[test]
    fn sqlite_takes_a_parameter_a_value() {
        let long = [Column::Ids(vec![1, 2]), Column::Texts(vec!["a", "b"])];
        let sqlite = Lists::Sqlite;
        assert_eq!(sqlite.table("k", &long, 0), "(VALUES (?, ?), (?, ?)) AS k");
        assert_eq!(sqlite.rows(&long, 0), "VALUES (?, ?), (?, ?)");
        assert_eq!(
            sqlite.one_of("code", &Column::Texts(vec!["a", "b"]), 0),
            "code IN (?, ?)"
        );
    }
}
