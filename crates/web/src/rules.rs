//! The validation rules between targets that every submission is checked against, read from
//! the database at most once a second.
//!
//! During a deadline rush thousands of submissions a second each need the rules, which change
//! a few times a year: reading them for each one took a database round trip from every
//! request. A rule written or withdrawn on this server applies to the next submission; one
//! written elsewhere (another server, `tiendo load`) within a second. When a second is up,
//! one request reads them again while the others go on with the rules of a moment ago: before,
//! every submission in flight at that moment read them at once, and the pool's connections
//! all went to the same read.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tiendo_domain::validation::ValidationRule;
use tiendo_storage::{Store, StoreError};

/// How long rules read from the database are used before they are read again.
const KEPT_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Rules {
    state: Mutex<Kept>,
    /// Held by the one request reading the rules again.
    reading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Kept {
    /// Counts the changes made on this server; rules read before one are not kept after it.
    generation: u64,
    read: Option<(Instant, u64, Arc<Vec<ValidationRule>>)>,
}

/// What is kept of the rules.
enum Held {
    /// Read within the second, since the last change on this server.
    Fresh(Arc<Vec<ValidationRule>>),
    /// Read longer ago, since the last change on this server.
    Stale(Arc<Vec<ValidationRule>>),
    /// Nothing read since the last change.
    Nothing,
}

impl Rules {
    pub(crate) async fn current(
        &self,
        store: &Store,
    ) -> Result<Arc<Vec<ValidationRule>>, StoreError> {
        let stale = match self.kept() {
            Held::Fresh(rules) => return Ok(rules),
            Held::Stale(rules) => Some(rules),
            Held::Nothing => None,
        };
        let _reading = match self.reading.try_lock() {
            Ok(reading) => reading,
            // Another request reads them again: until it is done the rules of a moment ago
            // serve, being older than a second but not older than a change on this server.
            Err(_) => match stale {
                Some(rules) => return Ok(rules),
                None => self.reading.lock().await,
            },
        };
        // Read by the request before this one while this one waited for its turn.
        if let Held::Fresh(rules) = self.kept() {
            return Ok(rules);
        }
        let generation = self.lock().generation;
        let read_at = Instant::now();
        let rules = Arc::new(store.validation_rules().await?);
        let mut kept = self.lock();
        // A change made while they were read: the next submission reads them again.
        if kept.generation == generation {
            kept.read = Some((read_at, generation, rules.clone()));
        }
        Ok(rules)
    }

    fn kept(&self) -> Held {
        let kept = self.lock();
        match &kept.read {
            Some((at, read_in, rules)) if *read_in == kept.generation => {
                if at.elapsed() < KEPT_FOR {
                    Held::Fresh(rules.clone())
                } else {
                    Held::Stale(rules.clone())
                }
            }
            _ => Held::Nothing,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding it leaves at worst rules that are read again.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A rule was written or withdrawn on this server, or another server announced a change:
    /// the next submission reads them again.
    pub(crate) fn changed(&self) {
        let mut kept = self.lock();
        kept.generation += 1;
        kept.read = None;
    }
}
