//! One writer for entered values and their review, committing in groups.
//!
//! Hundreds of reporters submit in the same minutes before a deadline. Each request hands its
//! entry or review to this task and waits; the task takes whatever has queued up (at most
//! `MAX_BATCH` of each) and writes the entries in one transaction, then the reviews in
//! another, so a burst costs a few commits instead of one each. One writer also orders every
//! change of a value's state: an entry and an approval of the same value never interleave
//! between their check and their write.

use tokio::sync::{mpsc, oneshot};

use tiendo_domain::values::{DataValue, ValueState};
use tiendo_storage::{Entry, Outcome, StateChange, Store, StoreError};

const MAX_BATCH: usize = 500;
const QUEUE: usize = 4096;

type Entered = Result<Outcome, String>;

enum Job {
    Enter(Vec<Entry>, oneshot::Sender<Entered>),
    Review(StateChange, oneshot::Sender<Result<DataValue, StoreError>>),
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the writer has stopped")]
    Stopped,
    #[error("{0}")]
    Store(String),
}

impl Writer {
    /// How many entries and reviews wait for the writer now.
    pub fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Starts the writer task; `on_approved` is handed each approved version once committed.
    pub fn start(store: Store, on_approved: impl Fn(&DataValue) + Send + Sync + 'static) -> Writer {
        let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // Whatever queued up meanwhile: entries in one transaction, then reviews in
                // another. A review no longer ends a batch of entries, so twenty reviewers
                // approving during a rush do not split the reporters' writes into small ones.
                let mut entries = Vec::new();
                let mut size = 0;
                let mut reviews = Vec::new();
                let mut job = Some(first);
                while let Some(next) = job.take() {
                    match next {
                        Job::Enter(e, r) => {
                            size += e.len();
                            entries.push((e, r));
                        }
                        Job::Review(c, r) => reviews.push((c, r)),
                    }
                    if size < MAX_BATCH && reviews.len() < MAX_BATCH {
                        job = rx.try_recv().ok();
                    }
                }
                if !entries.is_empty() {
                    write_batch(&store, entries).await;
                }
                if !reviews.is_empty() {
                    run_reviews(&store, reviews, &on_approved).await;
                }
            }
        });
        Writer { jobs: tx }
    }

    /// Writes one request's entries, all or none.
    pub async fn enter(&self, entries: Vec<Entry>) -> Result<Outcome, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Enter(entries, reply))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer
            .await
            .map_err(|_| WriteError::Stopped)?
            .map_err(WriteError::Store)
    }

    pub async fn review(
        &self,
        review: StateChange,
    ) -> Result<Result<DataValue, StoreError>, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Review(review, reply))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)
    }
}

async fn run_reviews(
    store: &Store,
    reviews: Vec<(StateChange, oneshot::Sender<Result<DataValue, StoreError>>)>,
    on_approved: &impl Fn(&DataValue),
) {
    let started = std::time::Instant::now();
    let (changes, replies): (Vec<StateChange>, Vec<_>) = reviews.into_iter().unzip();
    let outcomes = store.set_value_states(&changes).await;
    tracing::debug!(reviews = changes.len(), elapsed = ?started.elapsed(), "reviews written");
    for (done, reply) in outcomes.into_iter().zip(replies) {
        if let Ok(v) = &done {
            if v.state == ValueState::Approved {
                on_approved(v);
            }
        }
        // The requester may have gone away; the write stands either way.
        let _ = reply.send(done);
    }
}

async fn write_batch(store: &Store, batch: Vec<(Vec<Entry>, oneshot::Sender<Entered>)>) {
    let (requests, replies): (Vec<Vec<Entry>>, Vec<_>) = batch.into_iter().unzip();
    let started = std::time::Instant::now();
    let written = store.enter_values(&requests).await;
    tracing::debug!(requests = requests.len(), elapsed = ?started.elapsed(), "entries written");
    match written {
        Ok(outcomes) => {
            for (outcome, reply) in outcomes.into_iter().zip(replies) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "a batch of entries could not be written");
            for reply in replies {
                let _ = reply.send(Err(e.to_string()));
            }
        }
    }
}
