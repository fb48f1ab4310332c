//! One writer for entered values and their review, committing in groups.
//!
//! Hundreds of reporters submit in the same minutes before a deadline. Each request hands its
//! entry to this task and waits; the task takes whatever has queued up (at most `MAX_BATCH`)
//! and writes it in one transaction, so a burst costs a few commits instead of one each. One
//! writer also orders every change of a value's state: an entry and an approval of the same
//! value never interleave between their check and their write.

use tokio::sync::{mpsc, oneshot};

use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, ValueState};
use tiendo_storage::{Entry, Outcome, Store, StoreError};

const MAX_BATCH: usize = 500;
const QUEUE: usize = 4096;

/// A change of state asked of a value by a reviewer.
#[derive(Debug, Clone)]
pub struct Review {
    pub target: TargetCode,
    pub org: OrgCode,
    pub period: Period,
    /// The version the reviewer judged.
    pub version: i64,
    pub next: ValueState,
    pub author: String,
    pub comment: Option<String>,
}

type Entered = Result<Outcome, String>;

enum Job {
    Enter(Vec<Entry>, oneshot::Sender<Entered>),
    Review(Review, oneshot::Sender<Result<DataValue, StoreError>>),
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
                match first {
                    Job::Review(review, reply) => {
                        run_review(&store, review, reply, &on_approved).await
                    }
                    Job::Enter(entries, reply) => {
                        let mut batch = vec![(entries, reply)];
                        let mut size = batch[0].0.len();
                        let mut held = None;
                        while size < MAX_BATCH {
                            match rx.try_recv() {
                                Ok(Job::Enter(e, r)) => {
                                    size += e.len();
                                    batch.push((e, r));
                                }
                                Ok(review) => {
                                    held = Some(review);
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        write_batch(&store, batch).await;
                        if let Some(Job::Review(review, reply)) = held {
                            run_review(&store, review, reply, &on_approved).await;
                        }
                    }
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
        review: Review,
    ) -> Result<Result<DataValue, StoreError>, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Review(review, reply))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)
    }
}

async fn run_review(
    store: &Store,
    review: Review,
    reply: oneshot::Sender<Result<DataValue, StoreError>>,
    on_approved: &impl Fn(&DataValue),
) {
    let started = std::time::Instant::now();
    let done = store
        .set_value_state(
            &review.target,
            &review.org,
            review.period,
            review.version,
            review.next,
            &review.author,
            review.comment.as_deref(),
        )
        .await;
    if let Ok(v) = &done {
        if v.state == ValueState::Approved {
            on_approved(v);
        }
    }
    tracing::debug!(elapsed = ?started.elapsed(), "review written");
    // The requester may have gone away; the write stands either way.
    let _ = reply.send(done);
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
