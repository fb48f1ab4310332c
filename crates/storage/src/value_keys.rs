//! Who may write one value at a time. A writer of values (an entry, a review) checks a value's
//! current version and then writes the next one; on PostgreSQL another server could write in
//! between. Each writer therefore shares its targets' rows (a change of a target's definition
//! or an import of its values waits for it, and it for them) and locks the rows of the very
//! values it writes, so writers of different values of one target run side by side. During a
//! deadline's rush every reporter writes the same few targets: a lock on the target alone made
//! the servers take turns for all of them. SQLite writes one transaction at a time already.

use crate::Store;

/// A value's key as a writer names it: target code, unit code, period.
pub(crate) type Key<'a> = (&'a str, &'a str, String);

impl Store {
    /// What a query appends to share a lock on the targets it reads until its transaction
    /// ends. Targets are locked before values, in id order, by every writer.
    pub(crate) fn for_share(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "",
            Store::Postgres(_) => " FOR SHARE",
        }
    }

    /// The statement that locks `count` values' keys, given as (target code, unit code,
    /// period) parameters, each row made on its first use; in key order, so two writers of
    /// overlapping values cannot wait for each other. None where no lock is needed.
    pub(crate) fn key_lock(&self, count: usize) -> Option<String> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(_) => Some(format!(
                "INSERT INTO value_keys (target_id, org_id, period) \
                 SELECT t.id, o.id, k.column3 FROM (VALUES {}) AS k \
                 JOIN targets t ON t.code = k.column1 JOIN org_units o ON o.code = k.column2 \
                 ORDER BY t.id, o.id, k.column3 \
                 ON CONFLICT (target_id, org_id, period) DO UPDATE SET period = excluded.period",
                crate::params::rows(self.param(), count, 3, 0)
            )),
        }
    }
}

/// Locks the values `keys` names (each once) inside the transaction `tx`; see
/// [`Store::key_lock`].
macro_rules! lock_values {
    ($store:expr, $tx:expr, $keys:expr) => {{
        let mut keys: Vec<$crate::value_keys::Key> = $keys;
        keys.sort_unstable();
        keys.dedup();
        if let Some(sql) = $store.key_lock(keys.len()).filter(|_| !keys.is_empty()) {
            let mut q = sqlx::query(&sql);
            for (target, org, period) in &keys {
                q = q.bind(*target).bind(*org).bind(period.as_str());
            }
            q.execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use lock_values;
