//! Answers drawn from the overview alone, kept between requests.
//!
//! At national scale the overview page (a chart for each national target, the map, every
//! province and ministry) takes about a millisecond of CPU to render, and the overview page
//! and its API are what the press and the public poll on deadline day, thousands of times a
//! second. Every such reader at the same address gets the same answer until the overview
//! changes (an approval, a recomputation, a new day), so the answer made for one is served to
//! the next, for at most as long as its `Cache-Control` already lets any proxy keep it.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::overview::Overview;

/// How long a kept answer is served at most: what its `Cache-Control` allows a proxy.
pub const AGE: Duration = Duration::from_secs(60);

struct Answer<O> {
    address: &'static str,
    overview: Weak<O>,
    at: Instant,
    body: Bytes,
}

/// The answers made last, one for each of a fixed list of addresses, each with the overview
/// it shows.
pub struct Kept<O = Overview> {
    /// The addresses whose answer is kept. Any other (an earlier day, a parameter a visitor
    /// made up) is made each time, so nobody can push these out by asking for endless new
    /// addresses.
    addresses: &'static [&'static str],
    answers: Mutex<Vec<Answer<O>>>,
}

impl<O> Kept<O> {
    /// Keeps answers for `addresses` only.
    pub fn of(addresses: &'static [&'static str]) -> Self {
        Kept {
            addresses,
            answers: Mutex::default(),
        }
    }

    /// The answer kept for `address`, when it was made from `overview` within [`AGE`].
    pub fn get(&self, address: &str, overview: &Arc<O>) -> Option<Bytes> {
        self.lock()
            .iter()
            .find(|p| {
                p.address == address
                    && p.at.elapsed() < AGE
                    && Weak::ptr_eq(&p.overview, &Arc::downgrade(overview))
            })
            .map(|p| p.body.clone())
    }

    /// Keeps `body`, made from `overview`, for `address` when it is one of the kept ones.
    pub fn keep(&self, address: &str, overview: &Arc<O>, body: Bytes) {
        let Some(&address) = self.addresses.iter().find(|a| **a == address) else {
            return;
        };
        let mut answers = self.lock();
        answers.retain(|p| p.address != address);
        // The weak reference keeps the overview's address from being reused by a later one
        // without keeping the overview itself alive.
        answers.push(Answer {
            address,
            overview: Arc::downgrade(overview),
            at: Instant::now(),
            body,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Answer<O>>> {
        // A panic while holding it leaves at worst an answer that is replaced or expires.
        self.answers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEPT: [&str; 3] = ["/", "/?lang=vi", "/?lang=en"];

    #[test]
    fn a_page_is_served_again_only_for_the_overview_it_shows() {
        let kept = Kept::of(&KEPT);
        let (first, second) = (Arc::new(1), Arc::new(2));
        kept.keep("/?lang=en", &first, Bytes::from("first"));
        assert_eq!(kept.get("/?lang=en", &first), Some(Bytes::from("first")));
        assert_eq!(kept.get("/?lang=en", &second), None);
        assert_eq!(kept.get("/", &first), None);
        kept.keep("/?lang=en", &second, Bytes::from("second"));
        assert_eq!(kept.get("/?lang=en", &first), None);
        assert_eq!(kept.get("/?lang=en", &second), Some(Bytes::from("second")));
    }

    #[test]
    fn an_address_a_visitor_makes_up_is_never_kept() {
        let kept = Kept::of(&KEPT);
        let overview = Arc::new(());
        for address in ["/?lang=en&x=1", "/?at=2025-06-30", "/?lang=vi&lang=en"] {
            kept.keep(address, &overview, Bytes::from("made up"));
            assert_eq!(kept.get(address, &overview), None);
        }
        assert!(kept.lock().is_empty());
    }
}
