//! Who may write one value at a time. A writer of values (an entry, a review) checks a value's
//! current version and then writes the next one; on PostgreSQL another server could write in
//! between. Each writer therefore shares its targets' rows (a change of a target's definition
//! or an import of its values waits for it, and it for them) and then locks the rows of the
//! units whose values it writes, so writers of different units' values of one target run side
//! by side and writers of one unit's values take turns. During a deadline's rush every reporter
//! writes the same few targets, each for a unit of their own: a lock on the target alone made
//! the servers take turns for all of them. A unit's row is locked rather than a row per value
//! because every value of a rush is new and a row for it would have to be written first.
//! SQLite writes one transaction at a time already.

use crate::Store;

impl Store {
    /// What a query appends to share a lock on the targets it reads until its transaction
    /// ends. Targets are locked before units, in id order, by every writer of values.
    pub(crate) fn for_share(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "",
            Store::Postgres(_) => " FOR SHARE",
        }
    }

    /// What a query appends to lock the units it reads until its transaction ends, in id
    /// order, after the targets. `NO KEY`: rows elsewhere that refer to a unit are not held up.
    pub(crate) fn for_writing_units(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "",
            Store::Postgres(_) => " FOR NO KEY UPDATE",
        }
    }

    /// The distinct codes of `codes`, sorted, and the statement that locks their rows of
    /// `table` with `suffix` in id order (the order every writer takes them in).
    pub(crate) fn lock_by_code<'a>(
        &self,
        table: &'static str,
        codes: impl Iterator<Item = &'a str>,
        suffix: &str,
    ) -> (Vec<&'a str>, String) {
        let mut codes: Vec<&str> = codes.collect();
        codes.sort_unstable();
        codes.dedup();
        let sql = format!(
            "SELECT id FROM {table} WHERE {} ORDER BY id{suffix}",
            self.lists()
                .one_of("code", &crate::params::Column::Texts(codes.clone()), 0)
        );
        (codes, sql)
    }
}

/// Runs a statement of [`Store::lock_by_code`] inside the transaction `tx`, binding its
/// codes; no codes, nothing to lock.
macro_rules! lock_rows {
    ($tx:expr, $codes:expr, $sql:expr) => {{
        let codes: &[&str] = $codes;
        if !codes.is_empty() {
            $crate::params::BindLists::bind_list(
                sqlx::query($sql),
                $crate::params::Column::Texts(codes.to_vec()),
            )
            .fetch_all(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use lock_rows;
