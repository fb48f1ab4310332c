//! Notifications: which warnings reach whom, and their delivery by e-mail over SMTP and by
//! webhooks signed with HMAC-SHA256.
//!
//! Events become rows of the storage outbox with a key per event, recipient and day, so a
//! warning found again the same day is not stored again. Senders claim rows with a lease and
//! mark each sent once; a failed attempt is retried with backoff. Every message carries a
//! stable identity (the e-mail's Message-ID, the webhook's `X-Tiendo-Delivery`) so a receiver
//! can drop the copy a crash between sending and marking could produce.

mod deliver;
mod plan;

pub use deliver::{sign, Delivery, MailConfig, Report};
pub use plan::{enqueue, plan, Event, EventKind, Facts, Names};

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] tiendo_storage::StoreError),
    #[error("mail settings: {0}")]
    Config(String),
}
