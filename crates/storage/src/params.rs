//! Bound-parameter lists whose length follows the data: a batch's rows, an `IN` list.
//!
//! PostgreSQL numbers its parameters (`$1`, `$2`…). SQLite accepts those too, but treats each
//! as a name: binding a value looks its name up in a list of every name of the statement, so a
//! statement of n parameters costs n² steps before it runs (a batch of 200 entries, 1,800
//! parameters, spent more time binding than writing). SQLite's anonymous `?` takes the next
//! number in order of appearance and costs nothing to bind, so long lists are written with it
//! there; their values are bound in the order they appear, as with `$n` numbered in order.

/// How a backend's statements name their bound parameters.
pub(crate) trait Numbering {
    /// The parameter that follows `previous` parameters.
    fn param(previous: usize) -> String;
}

impl Numbering for sqlx::Sqlite {
    fn param(_: usize) -> String {
        "?".to_string()
    }
}

impl Numbering for sqlx::Postgres {
    fn param(previous: usize) -> String {
        format!("${}", previous + 1)
    }
}

/// The backend of a transaction, for the lists written inside it.
pub(crate) fn of<DB: sqlx::Database + Numbering>(
    _: &sqlx::Transaction<'_, DB>,
) -> fn(usize) -> String {
    DB::param
}

impl crate::Store {
    /// How this store's backend names parameters, for the lists of a statement run on its pool.
    pub(crate) fn param(&self) -> fn(usize) -> String {
        match self {
            crate::Store::Sqlite(_) => <sqlx::Sqlite as Numbering>::param,
            crate::Store::Postgres(_) => <sqlx::Postgres as Numbering>::param,
        }
    }
}

/// `count` parameters separated by commas, after `previous` others: `$3, $4` or `?, ?`.
pub(crate) fn list(param: fn(usize) -> String, count: usize, previous: usize) -> String {
    (previous..previous + count)
        .map(param)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `rows` parenthesised rows of `per_row` parameters, after `previous` others:
/// `($1, $2), ($3, $4)` or `(?, ?), (?, ?)`.
pub(crate) fn rows(
    param: fn(usize) -> String,
    rows: usize,
    per_row: usize,
    previous: usize,
) -> String {
    (0..rows)
        .map(|r| format!("({})", list(param, per_row, previous + r * per_row)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_lists_continue_after_the_parameters_before_them() {
        let pg = <sqlx::Postgres as Numbering>::param;
        assert_eq!(list(pg, 3, 2), "$3, $4, $5");
        assert_eq!(rows(pg, 2, 2, 1), "($2, $3), ($4, $5)");
        assert_eq!(list(pg, 0, 0), "");
    }

    #[test]
    fn sqlite_lists_are_anonymous_in_order() {
        let sqlite = <sqlx::Sqlite as Numbering>::param;
        assert_eq!(list(sqlite, 3, 2), "?, ?, ?");
        assert_eq!(rows(sqlite, 2, 3, 0), "(?, ?, ?), (?, ?, ?)");
    }
}
