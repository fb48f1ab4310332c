//! `tiendo bench web`: the web application under load on loopback, on a database
//! `tiendo synth` filled. Readers fetch the overview page and its API; reporters submit values
//! through the API with their tokens. Medians and tails are reported beside a baseline
//! measured in the same run: a static file for reads, the storage layer's own batched write
//! (no HTTP) for writes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use tiendo_domain::accounts::{Access, Role};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{NewValue, Number, ValueState};
use tiendo_storage::{Entry, Store, ValueFilter};
use tiendo_web::{AppState, Passwords};

const GOAL_OVERVIEW_P95: Duration = Duration::from_millis(20);
const GOAL_WRITES_PER_SECOND: f64 = 2000.0;
const GOAL_WRITE_P99: Duration = Duration::from_millis(100);

/// Latencies of one kind of request.
struct Sample {
    times: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Sample {
    fn pct(&self, p: f64) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        percentile(&t, p)
    }

    fn rate(&self) -> f64 {
        self.times.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// The `p` quantile of `sorted` (nearest rank), zero when empty.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// `clients` concurrent clients each make `each` requests, client `i`'s `k`-th by
/// `request(i, k)` (true when served), back to back or at most one every `pace`, each client
/// starting at its own offset within the first interval.
async fn clients<F, Fut>(clients: usize, each: usize, pace: Option<Duration>, request: F) -> Sample
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut ticks = pace.map(|p| {
                    let start = tokio::time::Instant::now() + p.mul_f64(i as f64 / clients as f64);
                    let mut t = tokio::time::interval_at(start, p);
                    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    t
                });
                let mut times = Vec::with_capacity(each);
                let mut errors = 0;
                for k in 0..each {
                    if let Some(t) = ticks.as_mut() {
                        t.tick().await;
                    }
                    let t = Instant::now();
                    if request(i, k).await {
                        times.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut sample = Sample {
        times: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        match t.await {
            Ok((times, errors)) => {
                sample.times.extend(times);
                sample.errors += errors;
            }
            Err(_) => sample.errors += each,
        }
    }
    sample.elapsed = started.elapsed();
    sample
}

/// `count` concurrent readers each GET `path` `each` times, reader `i` from server
/// `i % bases.len()`.
async fn readers(
    http: &reqwest::Client,
    bases: &[String],
    path: &str,
    count: usize,
    each: usize,
) -> Sample {
    let http = http.clone();
    let urls: Arc<Vec<String>> = Arc::new(bases.iter().map(|b| format!("{b}{path}")).collect());
    clients(count, each, None, move |i, _| {
        let (http, url) = (http.clone(), urls[i % urls.len()].clone());
        async move {
            match http.get(url.as_str()).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await
}

/// One reporter: its unit, token and the keys it writes.
struct Reporter {
    token: String,
    unit: OrgCode,
}

/// The load `tiendo bench web` puts on a server.
#[derive(clap::Args)]
pub struct WebBench {
    /// The day evaluated.
    #[arg(long, default_value = "2026-01-31")]
    pub at: chrono::NaiveDate,
    /// Concurrent readers of the overview.
    #[arg(long, default_value_t = 50)]
    pub readers: usize,
    /// Requests per reader and per measured route.
    #[arg(long, default_value_t = 200)]
    pub reads: usize,
    /// Concurrent reporters, each with its own account, unit and API token.
    #[arg(long, default_value_t = 500)]
    pub reporters: usize,
    /// Values each reporter submits per run, one request each.
    #[arg(long, default_value_t = 20)]
    pub writes: usize,
    /// Submissions per second of all reporters together in the paced run (a second run goes
    /// as fast as the reporters can).
    #[arg(long, default_value_t = 2500.0)]
    pub rate: f64,
    /// Submitted values approved one at a time, each timed until the public overview API
    /// shows it.
    #[arg(long, default_value_t = 20)]
    pub approvals: usize,
    /// Reviewers of the standing office approving at once during the rush, each
    /// `--approvals` values, every approval timed by a separate reader until the public series
    /// API shows it.
    #[arg(long, default_value_t = 20)]
    pub reviewers: usize,
    /// Servers over the one database (more than one on PostgreSQL only): readers and reporters
    /// are spread over them, and each approval is made on the first and timed until the last
    /// one's public overview shows it.
    #[arg(long, default_value_t = 1)]
    pub servers: usize,
    /// After the measured runs, the deadline rush: reporters submitting, readers polling the
    /// public overview and approvals timed to it, all at once.
    #[arg(long)]
    pub rush: bool,
}

pub async fn run(store: &Store, url: &str, s: &WebBench) -> Result<()> {
    anyhow::ensure!(
        s.readers > 0
            && s.reporters > 0
            && s.writes > 0
            && s.rate > 0.0
            && s.approvals > 0
            && s.reviewers > 0,
        "--readers, --reporters, --writes, --rate, --approvals and --reviewers must be positive"
    );
    anyhow::ensure!(
        s.servers == 1 || (s.servers > 1 && store.backend() == tiendo_storage::Backend::Postgres),
        "--servers above 1 needs a PostgreSQL database, which the servers share"
    );
    let snapshot = store.snapshot(s.at).await?;
    // A target many units report, and that many of its reporters.
    let (target, units) = snapshot
        .reporters
        .iter()
        .filter(|(_, units)| units.len() >= s.reporters)
        .min_by_key(|(code, _)| code.to_string())
        .map(|(t, units)| {
            let in_force: Vec<OrgCode> = units
                .iter()
                .filter(|(_, v)| v.contains(s.at))
                .map(|(u, _)| u.clone())
                .take(s.reporters)
                .collect();
            (t.clone(), in_force)
        })
        .context("no target has that many reporters; run `tiendo synth --yes` first")?;
    anyhow::ensure!(
        units.len() == s.reporters,
        "only {} units report {target}",
        units.len()
    );
    let periodicity = snapshot
        .targets
        .iter()
        .find(|t| t.code == target)
        .map(|t| t.periodicity)
        .context("the target vanished")?;
    drop(snapshot);
    // Periods after every value already stored for the target, so each write is a new key.
    let latest = store
        .values(&ValueFilter {
            target: Some(target.clone()),
            org: None,
        })
        .await?
        .into_iter()
        .map(|v| v.period)
        .max();
    let first = match latest {
        None => periodicity.period_containing(s.at),
        Some(p) => p
            .next()
            .context("the target's periods run out before 2100: run `tiendo synth --yes` again")?,
    };
    let mut periods = vec![first];
    while periods.len() < s.writes * 4 {
        let next = periods[periods.len() - 1].next().context(
            "the target's periods run out before 2100: each run writes --writes × 4 new ones; \
             run `tiendo synth --yes` again or write fewer",
        )?;
        periods.push(next);
    }

    println!("preparing {} reporter accounts for {target}…", s.reporters);
    let mut reporters = Vec::with_capacity(s.reporters);
    for (i, unit) in units.iter().enumerate() {
        let token = crate::fresh::bench_account(
            store,
            &format!("bench-reporter-{i}"),
            &format!("Bench reporter {i}"),
            Access::new(Role::Reporter, Some(unit.clone()), None)?,
        )
        .await?;
        reporters.push(Reporter {
            token,
            unit: unit.clone(),
        });
    }

    let mut bases = Vec::with_capacity(s.servers);
    let mut load = Duration::ZERO;
    for _ in 0..s.servers {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        load = start_server(store, s.at, addr).await?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bases.push(format!("http://{addr}"));
    }
    let base = bases[0].clone();
    // Approvals are made on the first server and looked for on the last.
    let read_base = bases[bases.len() - 1].clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(s.readers.max(s.reporters))
        .timeout(Duration::from_secs(30))
        .build()?;

    println!("reading with {} clients × {} requests…", s.readers, s.reads);
    // Warm the connections and the server's caches first.
    readers(&http, &bases, "/", s.readers, 2).await;
    let baseline = readers(&http, &bases, "/static/tiendo.css", s.readers, s.reads).await;
    let page = readers(&http, &bases, "/?lang=vi", s.readers, s.reads).await;
    let api = readers(&http, &bases, "/api/v1/overview", s.readers, s.reads).await;

    let periods = Arc::new(periods);
    let reporters = Arc::new(reporters);
    let since = chrono::Utc::now();
    println!(
        "writing with {} reporters × {} values, paced at {:.0}/s in all…",
        s.reporters, s.writes, s.rate
    );
    let pace = Duration::from_secs_f64(s.reporters as f64 / s.rate);
    let paced = writers(
        &http,
        &bases,
        &target,
        &reporters,
        &periods[..s.writes],
        Some(pace),
    )
    .await;
    println!(
        "writing with {} reporters × {} values, as fast as they can…",
        s.reporters, s.writes
    );
    let saturated = writers(
        &http,
        &bases,
        &target,
        &reporters,
        &periods[s.writes..2 * s.writes],
        None,
    )
    .await;
    // The deadline rush: reporters submitting, readers polling the public overview and the
    // standing office's reviewers approving, all at once; each approval watched by a separate
    // reader until the public API shows it.
    let rush = if s.rush {
        let ready = Reviewers::prepare(store, &target, s).await?;
        println!(
            "the rush: {} reporters × {} values paced at {:.0}/s, {} readers × {} polls, {} reviewers × {} approvals at once…",
            s.reporters, s.writes, s.rate, s.readers, s.reads, s.reviewers, s.approvals
        );
        let (writes, reads, reviews) = tokio::join!(
            // Paced like the first run: reporters arrive at the deadline's rate, so the
            // latencies are those a reporter meets, not a queue of back-to-back requests
            // (the saturated run above measures that capacity).
            writers(
                &http,
                &bases,
                &target,
                &reporters,
                &periods[3 * s.writes..4 * s.writes],
                Some(pace),
            ),
            readers(&http, &bases, "/api/v1/overview", s.readers, s.reads),
            reviewers(&http, (&base, &read_base), ready),
        );
        let (approvals, mut fresh) = reviews?;
        fresh.sort();
        Some((writes, reads, approvals, fresh))
    } else {
        None
    };
    // What the operations team's monitoring would read at this moment.
    let scraped = http
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let acknowledged = paced.times.len()
        + saturated.times.len()
        + rush.as_ref().map_or(0, |(w, _, _, _)| w.times.len());
    let stored = store.versions_written_by("bench-reporter-", since).await? as usize;

    // Baseline for writes: the same number of values through the storage layer alone, in
    // batches of one request per reporter, as the server's writer forms them.
    let direct_periods: Vec<Period> = periods.iter().skip(2 * s.writes).copied().collect();
    let started = Instant::now();
    for period in direct_periods.iter().take(s.writes) {
        let batch: Vec<Vec<Entry>> = units
            .iter()
            .map(|u| {
                vec![Entry {
                    value: NewValue {
                        target: target.clone(),
                        org: u.clone(),
                        period: *period,
                        value: Number::new(42.0).expect("finite"),
                        comment: None,
                        source: None,
                    },
                    state: ValueState::Submitted,
                    author: "bench-direct".into(),
                    window: tiendo_domain::admissibility::EntryWindow::never_closes(
                        chrono::NaiveDate::MIN,
                    ),
                }]
            })
            .collect();
        store.enter_values(&batch).await?;
    }
    let direct = started.elapsed();
    let direct_rate = (s.writes * units.len()) as f64 / direct.as_secs_f64();

    println!("approving {} values one at a time…", s.approvals);
    let mut fresh = crate::fresh::approvals_to_overview(
        store,
        &http,
        (&base, &read_base),
        &target,
        s.approvals,
    )
    .await?;
    fresh.sort();

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "measure", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "goal",
    ]);
    let readers = s.readers;
    for (name, sample, goal) in [
        (
            format!("baseline: static file ({readers} clients)"),
            &baseline,
            String::new(),
        ),
        (
            format!("overview page ({readers} clients)"),
            &page,
            format!("p95 ≤ {} ms", GOAL_OVERVIEW_P95.as_millis()),
        ),
        (
            format!("overview API ({readers} clients)"),
            &api,
            format!("p95 ≤ {} ms", GOAL_OVERVIEW_P95.as_millis()),
        ),
        (
            "submissions, paced (reporters)".to_string(),
            &paced,
            format!(
                "≥ {GOAL_WRITES_PER_SECOND} /s, p99 ≤ {} ms",
                GOAL_WRITE_P99.as_millis()
            ),
        ),
        (
            "submissions, saturated (reporters)".to_string(),
            &saturated,
            String::new(),
        ),
    ]
    .into_iter()
    .chain(rush.iter().flat_map(|(writes, reads, approvals, _)| {
        [
            (
                "rush: submissions, paced (reporters)".to_string(),
                writes,
                format!(
                    "≥ {GOAL_WRITES_PER_SECOND} /s, p99 ≤ {} ms, 0 errors",
                    GOAL_WRITE_P99.as_millis()
                ),
            ),
            (
                format!("rush: overview API ({readers} clients)"),
                reads,
                "p95 ≤ 50 ms".to_string(),
            ),
            (
                format!("rush: approvals ({} reviewers)", s.reviewers),
                approvals,
                format!("p99 ≤ {} ms", GOAL_WRITE_P99.as_millis()),
            ),
        ]
    })) {
        table.add_row([
            name,
            sample.times.len().to_string(),
            format!("{:.0}", sample.rate()),
            ms(sample.pct(0.5)),
            ms(sample.pct(0.95)),
            ms(sample.pct(0.99)),
            sample.errors.to_string(),
            goal,
        ]);
    }
    println!(
        "{} on {url}, {} server(s), day {}, {} readers, {} reporters (target {target}); overview computed in {:.1} s",
        match store.backend() {
            tiendo_storage::Backend::Sqlite => "SQLite",
            tiendo_storage::Backend::Postgres => "PostgreSQL",
        },
        s.servers,
        s.at,
        s.readers,
        s.reporters,
        load.as_secs_f64()
    );
    println!("{table}");
    println!(
        "overview page p50 is {:.1}× the static file's; saturated API submissions ran at {:.0}/s, {:.2} of the storage layer's own batched rate ({direct_rate:.0}/s, no HTTP)",
        page.pct(0.5).as_secs_f64() / baseline.pct(0.5).as_secs_f64().max(1e-9),
        saturated.rate(),
        saturated.rate() / direct_rate
    );
    let median = fresh[fresh.len() / 2];
    let worst = fresh[fresh.len() - 1];
    let mut freshness = Table::new();
    freshness.load_preset(UTF8_FULL_CONDENSED);
    freshness.set_header(["measure", "approvals", "median ms", "worst ms", "goal"]);
    freshness.add_row([
        if s.servers > 1 {
            "approval's 200 on server 1 → server 2's public overview API shows it".to_string()
        } else {
            "approval's 200 → public overview API shows it".to_string()
        },
        fresh.len().to_string(),
        ms(median),
        ms(worst),
        format!("≤ {} ms", crate::fresh::GOAL_FRESHNESS.as_millis()),
    ]);
    if let Some((_, _, _, during)) = &rush {
        let at = |p: f64| percentile(during, p);
        freshness.add_row([
            format!(
                "during the rush, {} reviewers: approval's 200 → public series API shows it (p99 {}; polled every {} ms)",
                s.reviewers,
                ms(at(0.99)),
                crate::fresh::WATCH_POLL.as_millis()
            ),
            during.len().to_string(),
            ms(at(0.5)),
            ms(during[during.len() - 1]),
            format!("p99 ≤ {} ms", crate::fresh::GOAL_FRESHNESS.as_millis()),
        ]);
    }
    freshness.add_row([
        "baseline: the whole overview computed once".to_string(),
        "1".to_string(),
        ms(load),
        ms(load),
        String::new(),
    ]);
    println!("{freshness}");
    println!(
        "an approval shows after {:.3} of a whole recomputation (median)",
        median.as_secs_f64() / load.as_secs_f64().max(1e-9)
    );
    println!("/metrics after the writes (counts and sums per route, the gauges):");
    for line in scraped.lines().filter(|l| {
        l.starts_with("tiendo_")
            && !l.contains("_bucket")
            && (!l.starts_with("tiendo_http")
                || l.contains("\"/api/v1/")
                || l.contains("route=\"/\""))
    }) {
        println!("  {line}");
    }
    println!(
        "nothing lost: {acknowledged} submissions acknowledged, {stored} stored, {} refused or failed",
        paced.errors + saturated.errors
    );
    anyhow::ensure!(
        stored == acknowledged,
        "{acknowledged} acknowledged but {stored} stored"
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "goals: overview p95 {} (page) / {} (API); writes ≥ {GOAL_WRITES_PER_SECOND}/s {}; write p99 {}",
        verdict(page.pct(0.95) <= GOAL_OVERVIEW_P95),
        verdict(api.pct(0.95) <= GOAL_OVERVIEW_P95),
        verdict(paced.rate() >= GOAL_WRITES_PER_SECOND),
        verdict(paced.pct(0.99) <= GOAL_WRITE_P99)
    );
    println!(
        "goal: an approval on the overview within {} ms {} (worst {})",
        crate::fresh::GOAL_FRESHNESS.as_millis(),
        verdict(worst <= crate::fresh::GOAL_FRESHNESS),
        ms(worst)
    );
    if let Some((writes, _, approvals, during)) = &rush {
        println!(
            "goal: during the rush, writes ≥ {GOAL_WRITES_PER_SECOND}/s {} ({:.0}/s), write p99 {} ({}), approval p99 {} ({})",
            verdict(writes.rate() >= GOAL_WRITES_PER_SECOND),
            writes.rate(),
            verdict(writes.pct(0.99) <= GOAL_WRITE_P99),
            ms(writes.pct(0.99)),
            verdict(approvals.pct(0.99) <= GOAL_WRITE_P99),
            ms(approvals.pct(0.99))
        );
        let p99 = percentile(during, 0.99);
        println!(
            "goal: during the rush, approvals on the public API within {} ms at p99 {} (p99 {})",
            crate::fresh::GOAL_FRESHNESS.as_millis(),
            verdict(p99 <= crate::fresh::GOAL_FRESHNESS),
            ms(p99)
        );
    }
    Ok(())
}

/// Starts a server on `addr` as `tiendo serve` would, on threads and connections of its own
/// (as a process of its own has): the bench's thousand clients do not queue in its runtime,
/// nor several servers in one. Returns how long it took to load; it serves until the bench
/// ends.
async fn start_server(store: &Store, at: chrono::NaiveDate, addr: SocketAddr) -> Result<Duration> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("tiendo-bench-server")
        .enable_all()
        .build()?;
    let (loaded, started) = tokio::sync::oneshot::channel();
    let store = store.clone();
    std::thread::Builder::new()
        .name("tiendo-bench-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let began = Instant::now();
                let state =
                    match AppState::load(store.sibling(8), Some(at), Passwords::production()).await
                    {
                        Ok(state) => state,
                        Err(e) => {
                            let _ = loaded.send(Err(e));
                            return;
                        }
                    };
                let _ = loaded.send(Ok(began.elapsed()));
                if let Err(e) = tiendo_web::serve(state, addr).await {
                    eprintln!("the server stopped: {e}");
                }
            })
        })?;
    started
        .await
        .context("the server's thread stopped")?
        .context("evaluating the database for the web application")
}

/// The rush's reviewers, ready before it starts: their tokens, and the submitted values each
/// will approve (reviewer `i` takes the values `i`, `i + reviewers`, …, all as many).
struct Reviewers {
    tokens: Vec<String>,
    waiting: Vec<tiendo_domain::values::DataValue>,
}

impl Reviewers {
    /// Listing the queue reads every value of the target: done before the rush, as a
    /// reviewer's queue is open before they start approving.
    async fn prepare(store: &Store, target: &TargetCode, s: &WebBench) -> Result<Reviewers> {
        let mut tokens = Vec::with_capacity(s.reviewers);
        for i in 0..s.reviewers {
            tokens.push(
                crate::fresh::bench_account(
                    store,
                    &format!("bench-reviewer-{i}"),
                    &format!("Bench reviewer {i}"),
                    Access::new(Role::StandingOffice, None, None)?,
                )
                .await?,
            );
        }
        let mut waiting = crate::fresh::waiting(store, target, s.reviewers * s.approvals).await?;
        tokens.truncate(waiting.len());
        let each = waiting.len() / tokens.len();
        waiting.truncate(each * tokens.len());
        Ok(Reviewers { tokens, waiting })
    }
}

/// The standing office's reviewers approve at once through the server `on.0`; every
/// approval's 200 starts a separate reader watching the public series API of the server
/// `on.1` until it shows the figure. Returns the approvals' answer times and the times until
/// each was shown.
async fn reviewers(
    http: &reqwest::Client,
    on: (&str, &str),
    Reviewers { tokens, waiting }: Reviewers,
) -> Result<(Sample, Vec<Duration>)> {
    let reviewers = tokens.len();
    let each = waiting.len() / reviewers;
    let waiting = Arc::new(waiting);
    let tokens = Arc::new(tokens);
    let watches = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (base, read_base) = (on.0.to_string(), on.1.to_string());
    let approvals = {
        let (http, watches) = (http.clone(), watches.clone());
        clients(reviewers, each, None, move |i, k| {
            let (http, waiting, tokens) = (http.clone(), waiting.clone(), tokens.clone());
            let (base, read_base, watches) = (base.clone(), read_base.clone(), watches.clone());
            async move {
                let v = &waiting[i + k * reviewers];
                if crate::fresh::approve(&http, &base, &tokens[i], v)
                    .await
                    .is_err()
                {
                    return false;
                }
                let watch = tokio::spawn(crate::fresh::series_shows(
                    http,
                    read_base,
                    v.clone(),
                    Instant::now(),
                ));
                watches
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(watch);
                true
            }
        })
        .await
    };
    let watches = std::mem::take(&mut *watches.lock().unwrap_or_else(|e| e.into_inner()));
    let mut fresh = Vec::with_capacity(watches.len());
    for w in watches {
        fresh.push(w.await??);
    }
    anyhow::ensure!(!fresh.is_empty(), "no approval was made during the rush");
    Ok((approvals, fresh))
}

/// Every reporter submits one value per period, one request each, at most one every `pace`
/// or back to back when `pace` is `None`.
async fn writers(
    http: &reqwest::Client,
    bases: &[String],
    target: &TargetCode,
    reporters: &Arc<Vec<Reporter>>,
    periods: &[Period],
    pace: Option<Duration>,
) -> Sample {
    let http = http.clone();
    // Reporter `i` writes through server `i % bases.len()`.
    let urls: Arc<Vec<String>> =
        Arc::new(bases.iter().map(|b| format!("{b}/api/v1/values")).collect());
    let target = Arc::new(target.to_string());
    let periods = Arc::new(periods.to_vec());
    let reporters = reporters.clone();
    let each = periods.len();
    clients(reporters.len(), each, pace, move |i, k| {
        let (http, url, target) = (http.clone(), urls[i % urls.len()].clone(), target.clone());
        let (r, period) = (&reporters[i], periods[k]);
        let body = serde_json::json!({
            "values": [{"target": target.as_str(), "org": r.unit.as_str(), "period": period.to_string(), "value": 42.0}],
            "submit": true,
        });
        let token = r.token.clone();
        async move {
            match http.post(url.as_str()).bearer_auth(token).json(&body).send().await {
                Ok(res) if res.status() == reqwest::StatusCode::CREATED => res.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await
}
