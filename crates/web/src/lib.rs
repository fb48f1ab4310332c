//! tiendo's web application: server-rendered pages in Vietnamese (default) and English, and
//! the JSON API under `/api/v1`.
//!
//! The overview is computed when the server starts and served from memory, so a page never
//! waits for an evaluation; approvals trigger a recomputation in the background.

pub mod api;
mod app;
mod auth;
mod chrome;
mod demo;
mod error_page;
mod failure;
mod kept;
mod map;
mod metrics;
mod overview;
mod pages;
mod rules;
mod writer;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
// Texts and their words live in one crate, shared with the command line and notifications.
use chrono::NaiveDate;
use tiendo_storage::Store;
use tiendo_wording as wording;
use tiendo_wording::i18n;
use tokio::sync::Notify;

pub use auth::{new_token, new_tracking_code, token_hash, Passwords, MIN_PASSWORD};
pub use demo::{ensure_demo_accounts, DemoAccount, DEMO_ACCOUNTS, DEMO_PASSWORD};
pub use failure::Failure;
pub use overview::Overview;

/// The names of the open-data tables (`/open-data/{name}.csv` and `.json`).
pub fn open_data_tables() -> &'static [&'static str] {
    &pages::OPEN_DATA_TABLES
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Store(#[from] tiendo_storage::StoreError),
    #[error("the built-in {what} is invalid: {detail}")]
    BuiltIn { what: &'static str, detail: String },
    #[error("cannot start the writer of values: {0}")]
    Writer(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What every request can read.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The overview being served; a refresh replaces it whole, so a request sees either the
    /// old one or the new one and never waits for the computation.
    overview: Arc<RwLock<Arc<Overview>>>,
    /// The day figures are evaluated as of; `None` follows the calendar.
    fixed_day: Option<NaiveDate>,
    writer: writer::Writer,
    passwords: Passwords,
    submissions: Arc<auth::RateLimiter>,
    tokens: Arc<auth::TokenCache>,
    /// Woken by every change the overview must recompute for (definitions).
    changed: Arc<Notify>,
    /// Approvals applied to the overview since the last whole computation began, to apply again
    /// to a computation that read the database before they were committed.
    approved_since:
        Arc<std::sync::Mutex<Vec<(std::time::Instant, tiendo_domain::values::DataValue)>>>,
    /// Held by the whole computation of the overview, so two never overlap: an older one
    /// finishing last would hide what a newer one showed.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    /// The last day whose warnings were handed to the notification outbox.
    alerted: Arc<std::sync::Mutex<Option<NaiveDate>>>,
    /// The overview of an earlier day a reader asked for (`/?at=`): the last one kept, computed
    /// one at a time so looking back never takes more than one core from everyone else.
    past: Arc<tokio::sync::Mutex<Option<Arc<Overview>>>>,
    /// Days after a period ends that its reporters may still enter values; `None`: always.
    entry_closes_after_days: Option<u32>,
    /// Whether the published demo password signs in from elsewhere than this machine.
    demo_logins_anywhere: bool,
    /// What `/metrics` reports.
    metrics: Arc<metrics::Metrics>,
    /// When the overview being served was last computed whole.
    computed_at: Arc<std::sync::Mutex<std::time::Instant>>,
    /// A streaming replica of the database the nation is read from, when there is one; set
    /// before the first computation, so every clone sees it.
    replica: Arc<std::sync::OnceLock<Store>>,
    /// Permits to write the open-data file of every value, which reads the nation: a few at
    /// a time, the others told to come back.
    values_files: Arc<tokio::sync::Semaphore>,
    /// The validation rules submissions are checked against, kept for a second.
    rules: Arc<rules::Rules>,
    /// Held while the tasks are read again and swapped in.
    reading_tasks: Arc<tokio::sync::Mutex<()>>,
    /// The public overview page as last rendered in each language, served again until the
    /// overview changes.
    kept_pages: Arc<kept::Kept>,
    /// The overview API's answers as last made for the public and for officials, likewise.
    kept_api: Arc<kept::Kept>,
}

impl AppState {
    /// Evaluates the database as of `day` (or of each new day when `None`) for the pages to
    /// serve, and starts the writer. Must be called inside a Tokio runtime.
    pub async fn load(
        store: Store,
        day: Option<NaiveDate>,
        passwords: Passwords,
    ) -> Result<AppState, WebError> {
        AppState::load_reading(store, None, day, passwords).await
    }

    /// As [`AppState::load`], reading the nation from a streaming replica of `store` when one
    /// is given: the overview's computations (the first one too), the catch-up after a missed
    /// notification, earlier days' overviews and the open-data file of every value read there; writes and
    /// everything a signed-in user reads back go to the primary.
    pub async fn load_reading(
        store: Store,
        replica: Option<Store>,
        day: Option<NaiveDate>,
        passwords: Passwords,
    ) -> Result<AppState, WebError> {
        let today = day.unwrap_or_else(|| chrono::Local::now().date_naive());
        let overview =
            Overview::compute(reading_source(&store, replica.as_ref()).await, today).await?;
        let replica_cell = std::sync::OnceLock::new();
        if let Some(r) = replica {
            let _ = replica_cell.set(r);
        }
        let changed = Arc::new(Notify::new());
        let (approved, approvals) = tokio::sync::mpsc::unbounded_channel();
        let heard = approved.clone();
        let state = AppState {
            writer: writer::Writer::start(store.clone(), move |v| {
                // The receiver lives as long as the server; a send fails only at shutdown.
                let _ = approved.send(v.clone());
            })
            .map_err(WebError::Writer)?,
            store,
            overview: Arc::new(RwLock::new(Arc::new(overview))),
            fixed_day: day,
            passwords,
            submissions: Arc::new(auth::RateLimiter::submissions()),
            tokens: Default::default(),
            changed,
            approved_since: Default::default(),
            refreshing: Default::default(),
            alerted: Default::default(),
            past: Default::default(),
            entry_closes_after_days: None,
            demo_logins_anywhere: true,
            metrics: Default::default(),
            computed_at: Arc::new(std::sync::Mutex::new(std::time::Instant::now())),
            replica: Arc::new(replica_cell),
            values_files: Arc::new(tokio::sync::Semaphore::new(
                pages::open_data::VALUES_FILES_AT_ONCE,
            )),
            rules: Default::default(),
            reading_tasks: Default::default(),
            kept_pages: Arc::new(kept::Kept::of(&pages::KEPT)),
            kept_api: Arc::new(kept::Kept::of(&api::KEPT)),
        };
        // Planning the day's warnings can take a while at national scale; serving need not wait.
        let alerting = state.clone();
        tokio::spawn(async move { alerting.alert_once_a_day().await });
        state.follow_changes();
        state.follow_approvals(approvals);
        state.follow_other_servers(heard);
        Ok(state)
    }

    /// The overview as of `day`: the resident one for today or later, an earlier day's computed
    /// on request (the last kept).
    pub async fn overview_at(&self, day: NaiveDate) -> Result<Arc<Overview>, WebError> {
        let current = self.overview();
        if day >= current.day {
            return Ok(current);
        }
        let mut past = self.past.lock().await;
        if let Some(o) = past.as_ref().filter(|o| o.day == day) {
            return Ok(o.clone());
        }
        let o = Arc::new(Overview::compute(self.reading().await, day).await?);
        *past = Some(o.clone());
        Ok(o)
    }

    /// Whether the server reads its overview from a replica.
    pub fn reads_replica(&self) -> bool {
        self.replica.get().is_some()
    }

    /// How far the read replica is behind, in seconds, when the server reads one.
    pub async fn replica_lag(&self) -> Option<f64> {
        match self.replica.get() {
            Some(r) => r.replica_lag().await.ok().flatten(),
            None => None,
        }
    }

    /// Where a whole computation reads the nation (see [`reading_source`]).
    async fn reading(&self) -> &Store {
        reading_source(&self.store, self.replica.get()).await
    }

    /// Where the public's file of every value is read: the replica when there is one, whatever
    /// its lag (the admin page shows it; the file is published data, cached 5 minutes anyway),
    /// else the primary. A reader falls back to [`AppState::primary`] when the replica fails.
    pub(crate) fn public_reads(&self) -> &Store {
        self.replica.get().unwrap_or(&self.store)
    }

    /// The primary database.
    pub(crate) fn primary(&self) -> &Store {
        &self.store
    }

    /// The validation rules between targets, as read at most a second ago and not before the
    /// last change this server made or heard of.
    pub(crate) async fn validation_rules(
        &self,
    ) -> Result<Arc<Vec<tiendo_domain::validation::ValidationRule>>, tiendo_storage::StoreError>
    {
        self.rules.current(&self.store).await
    }

    /// A validation rule was written or withdrawn through this server, or another server
    /// announced a change: the next submission reads the rules again.
    pub(crate) fn rules_changed(&self) {
        self.rules.changed();
    }

    /// A permit to write a file of every value, when one is free.
    pub(crate) fn values_file_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.values_files.clone().try_acquire_owned().ok()
    }

    /// Closes entry of a period `days` after it ends (DHIS2's expiry days); the standing office
    /// reopens it for a unit on `/admin/reopen`. Without it, entry never closes.
    pub fn with_entry_closing(mut self, days: Option<u32>) -> AppState {
        self.entry_closes_after_days = days;
        self
    }

    /// Lets the published demo password sign in only from this machine (not through a reverse
    /// proxy): a real instance behind a proxy listens on loopback, where `tiendo serve`'s own
    /// refusal to listen beyond it does not reach.
    pub fn demo_logins_from_this_machine_only(mut self) -> AppState {
        self.demo_logins_anywhere = false;
        self
    }

    pub(crate) fn demo_logins_anywhere(&self) -> bool {
        self.demo_logins_anywhere
    }

    /// Until when reporters may enter a period's values, as of today.
    pub fn entry_window(&self) -> tiendo_domain::admissibility::EntryWindow {
        tiendo_domain::admissibility::EntryWindow {
            today: self.day(),
            closes_after_days: self.entry_closes_after_days,
        }
    }

    /// The day figures are evaluated as of now.
    pub fn day(&self) -> NaiveDate {
        self.fixed_day
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// The overview now being served.
    /// Reads the tasks again into the overview being served, at once, so the task board shows
    /// a task just added, closed or imported; the whole computation asked for after it judges
    /// the task with the rest.
    pub async fn tasks_changed(&self) {
        // One reading at a time, each swapped in before the next begins: a reading that
        // finished later with older tasks would otherwise hide a newer one's.
        let _one_at_a_time = self.reading_tasks.lock().await;
        match self
            .store
            .tasks(&tiendo_storage::TaskFilter::all(
                tiendo_domain::tasks::Clearance::Internal,
            ))
            .await
        {
            Ok(tasks) => {
                // Held as the approvals' application holds it, so neither replaces the
                // other's overview with an older one.
                let _applying = self
                    .approved_since
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let mut next = (*self.overview()).clone();
                let mut snapshot = (*next.snapshot).clone();
                snapshot.tasks = Arc::new(tasks);
                next.snapshot = Arc::new(snapshot);
                let previous = std::mem::replace(
                    &mut *self.overview.write().unwrap_or_else(|e| e.into_inner()),
                    Arc::new(next),
                );
                drop(previous);
            }
            Err(e) => tracing::warn!(error = %e, "the tasks could not be read again"),
        }
        self.changed();
    }

    pub fn overview(&self) -> Arc<Overview> {
        // A poisoned lock only means a refresh panicked; the overview it guards is whole.
        self.overview
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Recomputes the overview from the database and swaps it in. Approvals applied while it
    /// was computed are applied to it again (applying one twice changes nothing), so a
    /// computation that read the database before an approval does not hide it.
    pub async fn refresh(&self) -> Result<(), WebError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let started = std::time::Instant::now();
        let fresh = Overview::compute(self.reading().await, self.day()).await?;
        {
            let mut since = self
                .approved_since
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            since.retain(|(at, _)| *at >= started);
            let again: Vec<_> = since.iter().map(|(_, v)| v.clone()).collect();
            let fresh = if again.is_empty() {
                fresh
            } else {
                fresh.with_approvals(&again)?
            };
            *self.overview.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        }
        *self.computed_at.lock().unwrap_or_else(|e| e.into_inner()) = started;
        self.metrics.refreshed();
        self.alert_once_a_day().await;
        Ok(())
    }

    /// Applies approved values to the overview being served, without recomputing the nation.
    fn apply_approvals(&self, approved: Vec<tiendo_domain::values::DataValue>) {
        let now = std::time::Instant::now();
        let mut since = self
            .approved_since
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match self.overview().with_approvals(&approved) {
            Ok(next) => {
                let previous = std::mem::replace(
                    &mut *self.overview.write().unwrap_or_else(|e| e.into_inner()),
                    Arc::new(next),
                );
                tracing::debug!(approvals = approved.len(), elapsed = ?now.elapsed(), "approvals applied");
                since.extend(approved.into_iter().map(|v| (now, v)));
                // Freed here, off the request threads and outside the lock, unless a request
                // still reads it.
                drop(previous);
            }
            Err(e) => {
                tracing::warn!(error = %e, "approvals could not be applied; recomputing");
                self.changed();
            }
        }
    }

    /// Hands the day's warnings to the outbox the first time the day's overview is computed;
    /// the outbox's keys would drop repeats anyway, this spares planning them again.
    async fn alert_once_a_day(&self) {
        let o = self.overview();
        {
            let mut last = self.alerted.lock().unwrap_or_else(|e| e.into_inner());
            if *last == Some(o.day) {
                return;
            }
            *last = Some(o.day);
        }
        let mut events = o.alerts();
        match self.overdue_feedback(o.day).await {
            Ok(overdue) => events.extend(overdue),
            Err(e) => tracing::warn!(error = %e, "overdue feedback could not be listed"),
        }
        self.notify(&events).await;
    }

    /// One event per feedback case routed to a unit and still unanswered after its deadline.
    async fn overdue_feedback(
        &self,
        day: NaiveDate,
    ) -> Result<Vec<tiendo_notify::Event>, tiendo_storage::StoreError> {
        let filter = tiendo_storage::CaseFilter {
            overdue_on: Some(day),
            ..tiendo_storage::CaseFilter::default()
        };
        let (cases, _) = self.store.feedback_cases(&filter, u32::MAX, 0).await?;
        Ok(cases
            .into_iter()
            .filter_map(|c| {
                Some(tiendo_notify::Event {
                    kind: tiendo_notify::EventKind::FeedbackOverdue,
                    object: format!("feedback {}", c.reference),
                    name: tiendo_notify::Names {
                        vi: c.reference.to_string(),
                        en: None,
                    },
                    facts: tiendo_notify::Facts::FeedbackOverdue { due_on: c.due_on },
                    unit: c.unit?,
                    day,
                })
            })
            .collect())
    }

    /// Queues notifications of `events`; a failure is logged, never shown to the user whose
    /// action caused the event.
    pub async fn notify(&self, events: &[tiendo_notify::Event]) {
        let o = self.overview();
        let now = chrono::Utc::now();
        if let Err(e) =
            tiendo_notify::enqueue(&self.store, events, &o.snapshot.hierarchy, now).await
        {
            tracing::warn!(error = %e, "notifications could not be queued");
        }
    }

    /// Sends due notifications every `every` in the background (immediate ones; digests are
    /// sent by `tiendo notify send --digest`, once a day).
    pub fn deliver_notifications(&self, delivery: tiendo_notify::Delivery, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                if let Err(e) = delivery.run(&state.store, chrono::Utc::now(), false).await {
                    tracing::warn!(error = %e, "notifications could not be sent");
                }
            }
        });
    }

    /// Refreshes the overview every `every`, in the background, so a new day's figures and
    /// deadlines show without a restart.
    pub fn keep_fresh(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                state.refresh_logged().await;
            }
        });
    }

    /// After each definition, recomputes the overview; changes that arrive during a
    /// recomputation are covered by the next one.
    fn follow_changes(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                state.changed.notified().await;
                state.refresh_logged().await;
            }
        });
    }

    /// Applies each approval to the overview as it is committed; approvals that queue up while
    /// one batch is applied go in the next batch together.
    fn follow_approvals(
        &self,
        mut approvals: tokio::sync::mpsc::UnboundedReceiver<tiendo_domain::values::DataValue>,
    ) {
        let state = self.clone();
        tokio::spawn(async move {
            // A version this server approved is also announced back to it by the database:
            // each is applied once.
            let mut applied = Applied::default();
            while let Some(first) = approvals.recv().await {
                let mut batch = vec![first];
                while let Ok(v) = approvals.try_recv() {
                    batch.push(v);
                }
                batch.retain(|v| applied.first_time(v.version));
                if batch.is_empty() {
                    continue;
                }
                let applier = state.clone();
                // Copying the overview and judging the series is CPU work of milliseconds to
                // tenths of a second at national scale: off the request threads.
                let applied =
                    tokio::task::spawn_blocking(move || applier.apply_approvals(batch)).await;
                if let Err(e) = applied {
                    tracing::warn!(error = %e, "applying approvals stopped; recomputing");
                    state.changed();
                }
            }
        });
    }

    /// Hears what the other servers over the same PostgreSQL database approve and applies it
    /// as its own; after a lost connection, recomputes (announcements may have been missed).
    fn follow_other_servers(
        &self,
        heard: tokio::sync::mpsc::UnboundedSender<tiendo_domain::values::DataValue>,
    ) {
        let state = self.clone();
        tokio::spawn(async move {
            // Definitions changed elsewhere: the tasks are read again by one reader, so a
            // burst of announcements (a script adding tasks one by one) costs one reading
            // after the one under way, not one each.
            let definitions = Arc::new(Notify::new());
            let mut reading_tasks = None;
            loop {
                let mut feed = match state.store.feed().await {
                    Ok(Some(feed)) => feed,
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen to the other servers; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        continue;
                    }
                };
                if reading_tasks.is_none() {
                    let (reader, heard) = (state.clone(), definitions.clone());
                    reading_tasks = Some(tokio::spawn(async move {
                        loop {
                            heard.notified().await;
                            reader.tasks_changed().await;
                        }
                    }));
                }
                // Listening from now: what was approved before is read again.
                state.changed();
                loop {
                    match feed.next().await {
                        Ok(tiendo_storage::Heard::Approved(approved)) => {
                            if approved.into_iter().any(|v| heard.send(v).is_err()) {
                                // The server is stopping: so does its reader of tasks.
                                if let Some(reader) = &reading_tasks {
                                    reader.abort();
                                }
                                return;
                            }
                        }
                        Ok(tiendo_storage::Heard::AccountsChanged) => state.tokens.clear(),
                        Ok(tiendo_storage::Heard::DefinitionsChanged) => {
                            // A task added, closed or made confidential, or a rule, on another
                            // server holds on this one at once, not only after the whole
                            // computation (seconds at national scale) this also asks for.
                            state.rules_changed();
                            definitions.notify_one();
                        }
                        Ok(tiendo_storage::Heard::Missed) => {
                            state.tokens.clear();
                            state.rules_changed();
                            definitions.notify_one();
                            state.changed();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the other servers' announcements");
                            break;
                        }
                    }
                }
            }
        });
    }

    /// Asks for the overview to be recomputed in the background.
    pub fn changed(&self) {
        self.changed.notify_one();
    }

    async fn refresh_logged(&self) {
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "the overview could not be refreshed; the previous one stays");
        }
    }
}

/// The versions last applied to the overview, so an approval heard twice (from this server's
/// writer and from the database's announcement) is applied once.
#[derive(Default)]
struct Applied {
    seen: std::collections::HashSet<i64>,
    order: std::collections::VecDeque<i64>,
}

impl Applied {
    /// Remembers this many: far more than can be in flight between the two paths.
    const KEPT: usize = 100_000;

    fn first_time(&mut self, version: i64) -> bool {
        if !self.seen.insert(version) {
            return false;
        }
        self.order.push_back(version);
        if self.order.len() > Self::KEPT {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

/// Every route the application serves, pages and API: method and path template. The
/// authorisation matrix test walks it, so a new route cannot be left out of the matrix.
pub fn route_table() -> Vec<(axum::http::Method, &'static str)> {
    pages::table()
        .into_iter()
        .chain(api::table())
        .map(|(method, path, _)| (method, path))
        .collect()
}

pub fn router(state: AppState) -> Router {
    pages::routes()
        .merge(api::routes())
        // Inside the routing, where the matched route's template is known.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), timed))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            password_first,
        ))
        .layer(axum::middleware::from_fn(error_page::localise))
        .layer(axum::middleware::from_fn(cache_policy))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Records how long each request took, by its route's template, for `/metrics`.
async fn timed(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

impl AppState {
    /// The text of a `/metrics` scrape.
    pub(crate) async fn metrics_text(&self) -> Result<String, WebError> {
        let computed = *self.computed_at.lock().unwrap_or_else(|e| e.into_inner());
        let reading = metrics::Reading {
            read_model_age_seconds: computed.elapsed().as_secs_f64(),
            writer_queue: self.writer.queued(),
            outbox: self.store.notification_counts().await?,
            pool: self.store.pool_stats(),
            replica_lag_seconds: self.replica_lag().await,
        };
        Ok(self.metrics.render(&reading))
    }
}

/// Where a whole computation reads the nation: the replica once it has replayed every write
/// committed on the primary before the computation began (within a moment), else the primary.
async fn reading_source<'a>(primary: &'a Store, replica: Option<&'a Store>) -> &'a Store {
    let Some(replica) = replica else {
        return primary;
    };
    let position = match primary.log_position().await {
        Ok(Some(p)) => p,
        _ => return primary,
    };
    let started = std::time::Instant::now();
    while started.elapsed() < REPLICA_WAIT {
        match replica.replayed(&position).await {
            Ok(true) => {
                tracing::debug!("the overview is computed from the read replica");
                return replica;
            }
            Ok(false) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            Err(e) => {
                tracing::warn!(error = %e, "the read replica cannot be read; reading the primary");
                return primary;
            }
        }
    }
    tracing::warn!("the read replica is behind; reading the primary this time");
    primary
}

/// The longest a computation waits for the read replica to replay what was committed before
/// it began; beyond it the primary is read.
const REPLICA_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// An account whose password someone else chose reaches nothing but the page to choose its own
/// (and logging out) until it has: a page asked for leads there, anything sent is refused.
async fn password_first(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let exempt = path.starts_with("/api/")
        || path.starts_with("/static/")
        || matches!(path, "/account/password" | "/logout" | "/login");
    if exempt {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // The viewer is kept in the request's extensions: the handler does not look it up again.
    let viewer = match auth::Viewer::from_request_parts(&mut parts, &state).await {
        Ok(v) => v,
        Err(f) => return f.into_response(),
    };
    let request = axum::extract::Request::from_parts(parts, body);
    if viewer.user.as_ref().is_some_and(|u| u.must_change_password) {
        return if request.method() == axum::http::Method::GET {
            axum::response::Redirect::to("/account/password").into_response()
        } else {
            Failure::forbidden(
                "password_change_first",
                "choose your own password first, at /account/password",
            )
            .into_response()
        };
    }
    next.run(request).await
}

/// Pages run no inline script or style and load nothing from elsewhere, so the browser is told
/// to refuse both, never to frame the site, and to keep addresses to itself. The vendored
/// Swagger UI under `/api/v1/docs` starts itself with an inline script and keeps its own.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let docs = request.uri().path().starts_with("/api/v1/docs");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !docs {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                 base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Anonymous reads may be cached by browsers and proxies for a minute (the public portal's
/// pages are the same for everyone); anything a logged-in user or a token sees is private.
async fn cache_policy(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, Method};
    let anonymous = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.headers().contains_key(header::AUTHORIZATION)
        && !request
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.contains(auth::SESSION_COOKIE)));
    let mut response = next.run(request).await;
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        // A response that sets a cookie (the login form's token) is never shared.
        let personal = response.headers().contains_key(header::SET_COOKIE);
        let policy = if anonymous && !personal && response.status().is_success() {
            "public, max-age=60"
        } else {
            "private, no-store"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Serves until the process is stopped.
pub async fn serve(state: AppState, addr: SocketAddr) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Listen { addr, source })?;
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|source| WebError::Listen { addr, source })
}

/// Ctrl-C or SIGTERM (a supervisor stopping the service): the server stops accepting and
/// finishes the requests in flight, so every write a reporter was answered for is committed.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "Ctrl-C cannot be watched");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGTERM cannot be watched");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
