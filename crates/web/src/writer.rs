//! One writer for entered values and their review, committing in groups.
//!
//! Hundreds of reporters submit in the same minutes before a deadline. Each request hands its
//! entry or review to one of the writer's two tasks and waits; each task takes whatever has
//! queued up (at most `MAX_BATCH`) and writes the entries in one transaction and the reviews in another,
//! so a burst costs a few commits instead of one each. An entry and an approval of the same
//! value never interleave between their check and their write: the store orders them (each
//! transaction locks the values it writes on PostgreSQL; SQLite has one write lock), so where
//! the database lets two writing transactions proceed side by side the entries and the
//! reviews are written at the same time, and a batch of approvals does not hold up the
//! reporters' entries queued behind it.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Mutex, MutexGuard};

use tiendo_domain::values::{DataValue, ValueState};
use tiendo_storage::{Entry, Outcome, StateChange, Store, StoreError};

const MAX_BATCH: usize = 500;
const QUEUE: usize = 4096;

type Entered = Result<Outcome, String>;
type EntryJob = (Vec<Entry>, oneshot::Sender<Entered>);
type ReviewJob = (StateChange, oneshot::Sender<Result<DataValue, StoreError>>);

#[derive(Clone)]
pub struct Writer {
    entries: mpsc::Sender<EntryJob>,
    reviews: mpsc::Sender<ReviewJob>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the writer has stopped")]
    Stopped,
    #[error("{0}")]
    Store(String),
}

/// The first job and whatever queued up behind it, up to `MAX_BATCH` by `size`.
fn batch<T>(first: T, queue: &mut mpsc::Receiver<T>, size: impl Fn(&T) -> usize) -> Vec<T> {
    let mut total = size(&first);
    let mut jobs = vec![first];
    while total < MAX_BATCH {
        let Ok(next) = queue.try_recv() else { break };
        total += size(&next);
        jobs.push(next);
    }
    jobs
}

/// Waits for the write lock's turn where the database has one (`turns`), else at once.
async fn turn(turns: &Option<Arc<Mutex<()>>>) -> Option<MutexGuard<'_, ()>> {
    match turns {
        Some(t) => Some(t.lock().await),
        None => None,
    }
}

impl Writer {
    /// How many entries and reviews wait for the writer now.
    pub fn queued(&self) -> usize {
        let waiting = |s: usize, c: usize| s - c;
        waiting(self.entries.max_capacity(), self.entries.capacity())
            + waiting(self.reviews.max_capacity(), self.reviews.capacity())
    }

    /// Starts the writer's two tasks, one for entries and one for reviews; `on_approved` is
    /// handed each approved version once committed. A review never ends or delays a batch of
    /// entries, so twenty reviewers approving during a rush do not split or hold up the
    /// reporters' writes. Where the database has one write lock the two tasks take turns
    /// (a fair lock, so neither waits behind more than one batch of the other).
    ///
    /// The tasks run on a thread of their own, with their own connections: a batch makes a
    /// dozen round trips to the database, and on the request handlers' runtime each answer
    /// waited behind every request queued there, so during a rush a batch took ten times as
    /// long as its statements did.
    pub fn start(
        store: Store,
        on_approved: impl Fn(&DataValue) + Send + Sync + 'static,
    ) -> std::io::Result<Writer> {
        let (entries, mut entry_queue) = mpsc::channel::<EntryJob>(QUEUE);
        let (reviews, mut review_queue) = mpsc::channel::<ReviewJob>(QUEUE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("tiendo-writer".into())
            .spawn(move || {
                runtime.block_on(async move {
                    // One connection for each task.
                    let store = store.sibling(2);
                    let turns = (!store.writes_side_by_side()).then(|| Arc::new(Mutex::new(())));
                    let entries = tokio::spawn({
                        let (store, turns) = (store.clone(), turns.clone());
                        async move {
                            while let Some(first) = entry_queue.recv().await {
                                let _turn = turn(&turns).await;
                                // What queued up while this task waited for its turn is written too.
                                let jobs = batch(first, &mut entry_queue, |(e, _)| e.len());
                                write_batch(&store, jobs).await;
                            }
                        }
                    });
                    let reviews = tokio::spawn(async move {
                        while let Some(first) = review_queue.recv().await {
                            let _turn = turn(&turns).await;
                            // What queued up while this task waited for its turn is written too.
                            let jobs = batch(first, &mut review_queue, |_| 1);
                            run_reviews(&store, jobs, &on_approved).await;
                        }
                    });
                    // Both end when the server lets go of its writer; the thread ends with them.
                    let _ = tokio::join!(entries, reviews);
                })
            })?;
        Ok(Writer { entries, reviews })
    }

    /// Writes one request's entries, all or none.
    pub async fn enter(&self, entries: Vec<Entry>) -> Result<Outcome, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.entries
            .send((entries, reply))
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
        self.reviews
            .send((review, reply))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)
    }
}

async fn run_reviews(store: &Store, reviews: Vec<ReviewJob>, on_approved: &impl Fn(&DataValue)) {
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

async fn write_batch(store: &Store, batch: Vec<EntryJob>) {
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
