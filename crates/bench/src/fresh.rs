//! `tiendo bench web`'s freshness measurement: how long after an approval's answer the public
//! overview API shows the approved value, beside a whole recomputation of the overview.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tiendo_domain::accounts::{Access, Role};
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, ValueState};
use tiendo_storage::{NewUser, Store, ValueFilter};

/// The overview must show an approval within this time of its answer.
pub const GOAL_FRESHNESS: Duration = Duration::from_secs(1);

/// An API token of the benchmark's account `name` with `access`, created on first use. The
/// account never logs in; an existing one with other rights is refused rather than changed.
pub async fn bench_account(
    store: &Store,
    name: &str,
    display_name: &str,
    access: Access,
) -> Result<String> {
    let username = name.parse()?;
    let user = match store.user(&username).await? {
        Some(u) if u.access == access => u,
        Some(_) => anyhow::bail!("{name} exists with other rights; use a fresh synthetic database"),
        None => {
            store
                .create_user(
                    &NewUser {
                        username,
                        display_name: display_name.to_string(),
                        password_hash: "!".into(),
                        access,
                        must_change_password: false,
                    },
                    "tiendo bench",
                )
                .await?
        }
    };
    let token = tiendo_web::new_token();
    store
        .create_api_token(
            &user,
            "bench",
            &tiendo_web::token_hash(&token),
            "tiendo bench",
        )
        .await?;
    Ok(token)
}

/// Up to `count` of the values the bench reporters submitted for `target` and nobody has
/// reviewed yet.
pub async fn waiting(store: &Store, target: &TargetCode, count: usize) -> Result<Vec<DataValue>> {
    let waiting: Vec<_> = store
        .values(&ValueFilter {
            target: Some(target.clone()),
            org: None,
        })
        .await?
        .into_iter()
        .filter(|v| v.state == ValueState::Submitted && v.author.starts_with("bench-reporter-"))
        .take(count)
        .collect();
    anyhow::ensure!(!waiting.is_empty(), "no submitted values to approve");
    Ok(waiting)
}

/// Approves `v` through the API of the server at `base` with the standing office's `token`.
pub async fn approve(http: &reqwest::Client, base: &str, token: &str, v: &DataValue) -> Result<()> {
    let answer = http
        .post(format!("{base}/api/v1/approvals"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "target": v.target.as_str(), "org": v.org.as_str(), "period": v.period.to_string(),
            "version": v.version, "decision": "approve",
        }))
        .send()
        .await?;
    anyhow::ensure!(
        answer.status() == reqwest::StatusCode::OK,
        "approving {} {} {} answered {}",
        v.target,
        v.org,
        v.period,
        answer.status()
    );
    Ok(())
}

/// Approves up to `count` of the values the bench reporters submitted for `target`, one at a
/// time through the API of the server `on.0` as the standing office, and times each from the
/// approval's 200 to the first public overview of the server `on.1` that lists it (another
/// server over the same database, or the same one).
pub async fn approvals_to_overview(
    store: &Store,
    http: &reqwest::Client,
    on: (&str, &str),
    target: &TargetCode,
    count: usize,
) -> Result<Vec<Duration>> {
    let (base, read_base) = on;
    let token = bench_account(
        store,
        "bench-reviewer",
        "Bench reviewer",
        Access::new(Role::StandingOffice, None, None)?,
    )
    .await?;
    let mut times = Vec::with_capacity(count);
    for v in waiting(store, target, count).await? {
        approve(http, base, &token, &v).await?;
        let approved = Instant::now();
        let url = format!("{read_base}/api/v1/overview");
        let listed = |overview: &serde_json::Value| {
            overview["recent_approvals"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| {
                    a["target"] == v.target.as_str()
                        && a["unit"] == v.org.as_str()
                        && a["period"] == v.period.to_string()
                })
        };
        times.push(shown_after(http, &url, POLL, approved, &v, listed).await?);
    }
    Ok(times)
}

/// How often a reader looks again for an approval.
const POLL: Duration = Duration::from_millis(5);

/// How often each watch of the rush looks again: dozens of approvals are watched at once,
/// and at the single reader's pace their polling alone would load the server like the
/// reporters do. The measured times are this coarse, against a goal of a second.
pub const WATCH_POLL: Duration = Duration::from_millis(25);

/// Polls the JSON at `url` every `every` until `shown` finds the approval `v` made at
/// `approved` in it, and returns how long after the approval's 200 that was; gives up after
/// a minute.
async fn shown_after(
    http: &reqwest::Client,
    url: &str,
    every: Duration,
    approved: Instant,
    v: &DataValue,
    shown: impl Fn(&serde_json::Value) -> bool,
) -> Result<Duration> {
    loop {
        let answer: serde_json::Value = http
            .get(url)
            .send()
            .await?
            .json()
            .await
            .with_context(|| format!("reading {url}"))?;
        if shown(&answer) {
            return Ok(approved.elapsed());
        }
        anyhow::ensure!(
            approved.elapsed() < Duration::from_secs(60),
            "the public API did not show {} {} {} within a minute",
            v.target,
            v.org,
            v.period
        );
        tokio::time::sleep(every).await;
    }
}

/// A separate reader's watch for one approval made at `approved`: polls the public series of
/// its target and unit on the server at `read_base` until the approved figure is there, and
/// returns how long after the approval's 200 that was. Many reviewers approve at once during
/// the rush, more than the overview's list of the latest approvals holds, so each approval is
/// looked for where it must appear, not in that list.
pub async fn series_shows(
    http: reqwest::Client,
    read_base: String,
    v: DataValue,
    approved: Instant,
) -> Result<Duration> {
    let url = format!("{read_base}/api/v1/series/{}/{}", v.target, v.org);
    let period = v.period.to_string();
    let has_figure = |series: &serde_json::Value| {
        series["values"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["period"] == period.as_str() && p["value"] == v.value.get())
    };
    shown_after(&http, &url, WATCH_POLL, approved, &v, has_figure).await
}
