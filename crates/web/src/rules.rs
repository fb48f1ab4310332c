//! The validation rules between targets that every submission is checked against, read from
//! the database at most once a second.
//!
//! During a deadline rush thousands of submissions a second each need the rules, which change
//! a few times a year: reading them for each one took a database round trip from every
//! request. A rule written or withdrawn on this server applies to the next submission; one
//! written elsewhere (another server, `tiendo load`) within a second.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tiendo_domain::validation::ValidationRule;
use tiendo_storage::{Store, StoreError};

/// How long rules read from the database are used before they are read again.
const KEPT_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Rules {
    state: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// Counts the changes made on this server; rules read before one are not kept after it.
    generation: u64,
    read: Option<(Instant, u64, Arc<Vec<ValidationRule>>)>,
}

impl Rules {
    pub(crate) async fn current(
        &self,
        store: &Store,
    ) -> Result<Arc<Vec<ValidationRule>>, StoreError> {
        let generation = {
            let kept = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, read_in, rules)) = &kept.read {
                if *read_in == kept.generation && at.elapsed() < KEPT_FOR {
                    return Ok(rules.clone());
                }
            }
            kept.generation
        };
        let read_at = Instant::now();
        let rules = Arc::new(store.validation_rules().await?);
        let mut kept = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // A change made while they were read: the next submission reads them again. A read
        // that began before the one kept does not replace it with older rules.
        let newer = kept.read.as_ref().is_none_or(|(at, _, _)| *at < read_at);
        if kept.generation == generation && newer {
            kept.read = Some((read_at, generation, rules.clone()));
        }
        Ok(rules)
    }

    /// A rule was written or withdrawn on this server, or another server announced a change:
    /// the next submission reads them again.
    pub(crate) fn changed(&self) {
        let mut kept = self.state.lock().unwrap_or_else(|e| e.into_inner());
        kept.generation += 1;
        kept.read = None;
    }
}
