//! Reopening a closed period for one unit's reporters (`/admin/reopen`): the standing office
//! names the unit, the period, the last day and why, and sees every reopening recorded.

use super::guards::Checked;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use tiendo_domain::periods::Period;

use crate::app::access::require_definer;
use crate::app::reopenings;
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::pickers::{self, FieldError};
use crate::pages::{render, render_with};
use crate::wording;
use crate::AppState;

/// A reopening as the office reads it.
pub struct Row {
    unit: String,
    unit_href: String,
    period: String,
    last_day: String,
    /// Whether it still lasts today.
    open: bool,
    reason: String,
    author: String,
    recorded: String,
}

/// What was typed, kept when the form is refused.
#[derive(Debug, Default, Deserialize)]
pub struct ReopenInput {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "reopen.html")]
struct ReopenPage {
    c: Chrome,
    /// How long entry stays open after a period, in words.
    rule: String,
    /// Whether entry closes on this server at all.
    closes: bool,
    form: ReopenInput,
    error: String,
    done: bool,
    rows: Vec<Row>,
    unit_names: Vec<String>,
    max_reason: usize,
}

#[derive(Debug, Deserialize)]
pub struct ReopenQuery {
    done: Option<String>,
}

async fn reopen_page(
    state: &AppState,
    page: Page,
    form: ReopenInput,
    error: String,
    done: bool,
) -> Result<ReopenPage, Failure> {
    let l = page.l();
    let today = state.day();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let list = reopenings::list(state, &page.viewer).await?;
    let authors: Vec<String> = list.iter().map(|r| r.author.clone()).collect();
    let people = super::some_people(state, &authors).await?;
    let rows = list
        .into_iter()
        .map(|r| Row {
            unit: super::unit_name(l, h, &r.org),
            unit_href: page.chrome.href(&format!("/units/{}", r.org)),
            period: wording::period(l, r.period),
            last_day: l.date(r.last_day),
            open: r.last_day >= today,
            reason: r.reason,
            author: super::person(&people, &r.author),
            recorded: l.date(r.recorded_at.date_naive()),
        })
        .collect();
    let rule = match state.entry_window().closes_after_days {
        Some(days) => l.t_args("reopen-rule", &[("days", days.to_string())]),
        None => l.t("reopen-no-rule"),
    };
    let form = ReopenInput {
        last_day: if form.last_day.is_empty() {
            today
                .checked_add_days(Days::new(7))
                .unwrap_or(today)
                .to_string()
        } else {
            form.last_day
        },
        ..form
    };
    Ok(ReopenPage {
        closes: state.entry_window().closes_after_days.is_some(),
        rule,
        form,
        error,
        done,
        rows,
        unit_names: pickers::suggested_units(l, h, today),
        max_reason: tiendo_storage::MAX_REASON,
        c: page.chrome,
    })
}

pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<ReopenQuery>,
    page: Page,
) -> Result<Response, Failure> {
    require_definer(&page.viewer)?;
    let done = q.done.is_some();
    Ok(render(
        &reopen_page(&state, page, ReopenInput::default(), String::new(), done).await?,
    ))
}

/// The form's fields as the operation takes them, or the first field that is wrong, worded.
fn read(
    state: &AppState,
    l: Lang,
    input: &ReopenInput,
) -> Result<(tiendo_domain::orgs::OrgCode, Period, NaiveDate), String> {
    let o = state.overview();
    let unit = pickers::unit(&o.snapshot.hierarchy, state.day(), "unit", &input.unit)
        .map_err(|e| e.worded(l))?;
    let period: Period = input.period.trim().parse().map_err(|_| {
        FieldError::new(
            "period",
            "problem-not-a-period",
            [("input", input.period.trim().to_string())],
        )
        .worded(l)
    })?;
    let last_day = pickers::day("reopen-last-day", &input.last_day)
        .map_err(|e| e.worded(l))?
        .ok_or_else(|| FieldError::new("reopen-last-day", "define-required", []).worded(l))?;
    if input.reason.trim().is_empty() {
        return Err(FieldError::new("reopen-reason", "define-required", []).worded(l));
    }
    Ok((unit, period, last_day))
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<ReopenInput>,
) -> Result<Response, Failure> {
    require_definer(&page.viewer)?;
    let l = page.l();
    let outcome = match read(&state, l, &input) {
        Err(text) => Err(text),
        Ok((unit, period, last_day)) => {
            match reopenings::reopen(&state, &page.viewer, &unit, period, last_day, &input.reason)
                .await
            {
                Ok(()) => Ok(()),
                Err(f) if f.status == StatusCode::UNPROCESSABLE_ENTITY => Err(l
                    .try_t_args(
                        &format!("error-{}", f.code),
                        &[("days", reopenings::MAX_DAYS.to_string())],
                    )
                    .unwrap_or(f.message)),
                Err(f) => return Err(f),
            }
        }
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/reopen?done=1&lang={}", l.code())).into_response())
        }
        Err(error) => Ok(render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reopen_page(&state, page, input, error, false).await?,
        )),
    }
}
