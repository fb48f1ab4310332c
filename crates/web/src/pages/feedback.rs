//! The feedback and initiatives channel: the public form, the sender's tracking page, the
//! published answers, and the officials' inbox where cases are assigned, answered and closed.

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use tiendo_domain::accounts::Access;
use tiendo_domain::feedback::{
    responsible, timeliness, Concern, Contact, Evidence, FeedbackError, Kind, Reference,
    State as CaseState, Submission, Timeliness, MAX_FILES, MAX_FILE_BYTES,
};
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::tasks::Clearance;
use tiendo_storage::{Case, CaseFilter, Received};

use super::{render, render_with};
use crate::auth::{
    new_token, new_tracking_code, private_cookie, same_token, token_hash, tracking_code_read,
};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::pages::account::ClientAddr;
use crate::pages::pick;
use crate::AppState;

const FORM_COOKIE: &str = "tiendo_feedback";
/// Submissions one sender (by e-mail or phone) may make a day.
const PER_SENDER_PER_DAY: i64 = 3;
const PER_PAGE: u32 = 20;
/// The whole form with its files; the files' own caps are checked one by one.
pub const MAX_FORM_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 256 * 1024;

/// What the sender typed, kept to show the form again with its errors.
#[derive(Debug, Default)]
pub struct FeedbackForm {
    kind: String,
    concern_type: String,
    concern_code: String,
    text: String,
    name: String,
    email: String,
    phone: String,
    consent: bool,
    errors: HashMap<&'static str, String>,
}

impl FeedbackForm {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

pub struct PublishedLine {
    reference: String,
    href: String,
    kind: String,
    concern: String,
    text: String,
    answer: String,
    answered_on: String,
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    c: Chrome,
    form: FeedbackForm,
    token: String,
    kinds: Vec<(String, String)>,
    concern_types: Vec<(String, String)>,
    /// Set after a submission: the reference, and the tracking code shown only this once.
    received: Option<(String, String, String)>,
    duplicate: Option<String>,
    published: Vec<PublishedLine>,
    max_files: usize,
    max_mb: usize,
}

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    /// `task:HT-5`, `target:T1` or `document:57-NQ/TW`, from a "send feedback" link.
    #[serde(default)]
    concerns: Option<String>,
}

fn options(l: Lang, prefix: &str, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|n| (n.to_string(), l.t(&format!("{prefix}-{n}"))))
        .collect()
}

async fn published(state: &AppState, c: &Chrome) -> Result<Vec<PublishedLine>, Failure> {
    let filter = CaseFilter {
        published_only: true,
        ..CaseFilter::default()
    };
    let (cases, _) = state.store.feedback_cases(&filter, PER_PAGE, 0).await?;
    Ok(cases
        .iter()
        .map(|case| {
            let p = case.public();
            PublishedLine {
                href: c.href(&format!("/feedback/{}", p.reference)),
                reference: p.reference,
                kind: c.t(&format!("feedback-kind-{}", p.kind)),
                concern: concern_name(c.l, state, &p.concern),
                text: p.text,
                answer: p.answer.unwrap_or_default(),
                answered_on: p.answered_on.map(|d| c.l.date(d)).unwrap_or_default(),
            }
        })
        .collect())
}

/// Renders the form page with a fresh double-submit token (the public has no session).
async fn form_page(
    state: &AppState,
    page: Page,
    jar: CookieJar,
    status: StatusCode,
    form: FeedbackForm,
    received: Option<(String, String, String)>,
    duplicate: Option<String>,
) -> Result<Response, Failure> {
    let l = page.l();
    let token = new_token();
    let jar = jar.add(private_cookie(
        FORM_COOKIE,
        token.clone(),
        time::Duration::hours(2),
    ));
    let body = FeedbackPage {
        published: published(state, &page.chrome).await?,
        kinds: options(
            l,
            "feedback-kind",
            &["difficulty", "recommendation", "initiative"],
        ),
        concern_types: options(l, "feedback-about", &["task", "target", "document"]),
        form,
        token,
        received,
        duplicate,
        max_files: MAX_FILES,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        c: page.chrome,
    };
    Ok((jar, render_with(status, &body)).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    Query(q): Query<FormQuery>,
    page: Page,
    jar: CookieJar,
) -> Result<Response, Failure> {
    let mut form = FeedbackForm {
        kind: "recommendation".into(),
        concern_type: "task".into(),
        ..FeedbackForm::default()
    };
    if let Some((t, code)) = q.concerns.as_deref().and_then(|c| c.split_once(':')) {
        form.concern_type = t.to_string();
        form.concern_code = code.to_string();
    }
    form_page(&state, page, jar, StatusCode::OK, form, None, None).await
}

/// The form's fields and files as they arrived.
#[derive(Default)]
struct Posted {
    fields: HashMap<String, String>,
    files: Vec<(String, Vec<u8>)>,
    /// A file over the cap, by name: its content is not kept.
    oversized: Vec<String>,
}

async fn read_form(mut multipart: Multipart) -> Result<Posted, Failure> {
    let bad = Failure::multipart;
    let mut posted = Posted::default();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            let mut too_big = false;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                    too_big = true;
                } else if !too_big {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if too_big {
                posted.oversized.push(file_name);
            } else if !(bytes.is_empty() && file_name.is_empty()) {
                // A file input left empty arrives as a nameless, empty part.
                posted.files.push((file_name, bytes));
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            posted.fields.insert(name, text);
        }
    }
    Ok(posted)
}

/// Checks every field of the form; all problems at once, keyed by field.
/// A problem with a field of the form in the reader's language.
fn worded(l: crate::i18n::Lang, e: &FeedbackError) -> String {
    let args: Vec<(&str, String)> = e.facts.iter().map(|(k, v)| (*k, v.clone())).collect();
    l.try_t_args(&format!("feedback-error-{}", e.code), &args)
        .unwrap_or_else(|| e.message.clone())
}

/// What the sender's words name: the code of a published task, target or document of the
/// chosen kind, or its name with or without diacritics.
async fn find_concern(
    state: &AppState,
    kind: &str,
    typed: &str,
) -> Result<Result<Concern, FeedbackError>, Failure> {
    if let Ok(c) = Concern::parse(kind, typed) {
        if concern_exists(state, &c).await? {
            return Ok(Ok(c));
        }
    }
    let q = tiendo_domain::search::fold(typed);
    let best = |found: Vec<(u8, String)>| found.into_iter().min_by_key(|(r, _)| *r).map(|(_, c)| c);
    let code = match kind.trim() {
        "task" => best(
            state
                .overview()
                .snapshot
                .tasks
                .iter()
                .filter(|t| Clearance::Public.may_see(t.confidentiality))
                .filter_map(|t| {
                    let names = [t.title_vi.as_str(), t.title_en.as_deref().unwrap_or("")];
                    tiendo_domain::search::rank(&q, t.code.as_str(), &names)
                        .map(|r| (r, t.code.to_string()))
                })
                .collect(),
        ),
        "target" => best(
            state
                .overview()
                .snapshot
                .targets
                .iter()
                .filter_map(|t| {
                    let names = [t.name_vi.as_str(), t.name_en.as_deref().unwrap_or("")];
                    tiendo_domain::search::rank(&q, t.code.as_str(), &names)
                        .map(|r| (r, t.code.to_string()))
                })
                .collect(),
        ),
        "document" => best(
            state
                .store
                .documents()
                .await?
                .iter()
                .filter_map(|d| {
                    let names = [d.title_vi.as_str(), d.title_en.as_deref().unwrap_or("")];
                    tiendo_domain::search::rank(&q, d.code.as_str(), &names)
                        .map(|r| (r, d.code.to_string()))
                })
                .collect(),
        ),
        _ => None,
    };
    Ok(match code {
        Some(code) => Concern::parse(kind, &code),
        None => Err(FeedbackError::new(
            "concerns",
            format!(
                "no published {} has the code or name \"{}\"",
                kind.trim(),
                typed.trim()
            ),
        )
        .coded("no_such_concern", [("given", typed.trim().to_string())])),
    })
}

async fn check(
    state: &AppState,
    l: crate::i18n::Lang,
    posted: &Posted,
    form: &mut FeedbackForm,
) -> Result<Option<(Submission, Vec<Evidence>)>, Failure> {
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let kind = form
        .kind
        .parse::<Kind>()
        .map_err(|e| errors.insert("kind", worded(l, &e)));
    let concern = match find_concern(state, &form.concern_type, &form.concern_code).await? {
        Ok(c) => Some(c),
        Err(e) => {
            errors.insert("concerns", worded(l, &e));
            None
        }
    };
    let contact = match Contact::new(&form.name, &form.email, &form.phone) {
        Ok(c) => Some(c),
        Err(list) => {
            for e in list {
                errors.entry(e.field).or_insert_with(|| worded(l, &e));
            }
            None
        }
    };
    let mut evidence = Vec::new();
    for name in &posted.oversized {
        let e = FeedbackError::new(
            "evidence",
            format!(
                "{}: a file may have at most {} MB",
                tiendo_domain::feedback::safe_name(name),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .coded(
            "file_too_large",
            [
                ("file", tiendo_domain::feedback::safe_name(name)),
                ("max", (MAX_FILE_BYTES / (1024 * 1024)).to_string()),
            ],
        );
        errors.insert("evidence", worded(l, &e));
    }
    if posted.files.len() > MAX_FILES {
        let e = FeedbackError::new("evidence", format!("attach at most {MAX_FILES} files"))
            .coded("too_many_files", [("max", MAX_FILES.to_string())]);
        errors.insert("evidence", worded(l, &e));
    }
    for (name, bytes) in posted.files.iter().take(MAX_FILES) {
        match Evidence::new(name, bytes.clone()) {
            Ok(e) => evidence.push(e),
            Err(e) => {
                errors.insert("evidence", worded(l, &e));
            }
        }
    }
    let (Ok(kind), Some(concern), Some(contact)) = (kind, concern, contact) else {
        form.errors = errors;
        return Ok(None);
    };
    match Submission::new(kind, concern, &form.text, contact, form.consent) {
        Ok(s) if errors.is_empty() => Ok(Some((s, evidence))),
        Ok(_) => {
            form.errors = errors;
            Ok(None)
        }
        Err(e) => {
            errors.insert(e.field, worded(l, &e));
            form.errors = errors;
            Ok(None)
        }
    }
}

/// Whether the public may see what the feedback is about (an internal task is not offered).
async fn concern_exists(state: &AppState, concern: &Concern) -> Result<bool, Failure> {
    Ok(match concern {
        Concern::Task(code) => state.store.task(code, Clearance::Public).await?.is_some(),
        Concern::Target(code) => state
            .overview()
            .snapshot
            .targets
            .iter()
            .any(|t| &t.code == code),
        Concern::Document(code) => state
            .store
            .documents()
            .await?
            .iter()
            .any(|d| &d.code == code),
    })
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    page: Page,
    jar: CookieJar,
    multipart: Multipart,
) -> Result<Response, Failure> {
    let posted = read_form(multipart).await?;
    let token = posted.fields.get("token").cloned().unwrap_or_default();
    let token_ok = jar
        .get(FORM_COOKIE)
        .is_some_and(|c| !token.is_empty() && same_token(c.value(), &token));
    let ip_key = ip.map(|ip| format!("ip:{ip}")).unwrap_or_default();
    match take(&state, page.l(), &ip_key, token_ok, posted).await? {
        Err((status, form)) => form_page(&state, page, jar, status, form, None, None).await,
        Ok((outcome, tracking)) => {
            let jar = jar.remove(Cookie::build(FORM_COOKIE).path("/"));
            let blank = FeedbackForm::default();
            match outcome {
                Received::New(reference) => {
                    let link = format!(
                        "/feedback/{reference}?code={tracking}&lang={}",
                        page.l().code()
                    );
                    let received = Some((reference.to_string(), tracking, link));
                    form_page(
                        &state,
                        page,
                        jar,
                        StatusCode::CREATED,
                        blank,
                        received,
                        None,
                    )
                    .await
                }
                Received::Duplicate(reference) => {
                    let duplicate = Some(reference.to_string());
                    form_page(&state, page, jar, StatusCode::OK, blank, None, duplicate).await
                }
            }
        }
    }
}

/// Checks and stores a posted form: what became of it and the sender's tracking code, or the
/// status and the form to show again with its errors.
async fn take(
    state: &AppState,
    l: Lang,
    ip_key: &str,
    token_ok: bool,
    posted: Posted,
) -> Result<Result<(Received, String), (StatusCode, FeedbackForm)>, Failure> {
    let field = |k: &str| posted.fields.get(k).cloned().unwrap_or_default();
    let mut form = FeedbackForm {
        kind: field("kind"),
        concern_type: field("concern_type"),
        concern_code: field("concern_code").trim().to_string(),
        text: field("text"),
        name: field("name"),
        email: field("email"),
        phone: field("phone"),
        consent: !field("consent").is_empty(),
        errors: HashMap::new(),
    };
    let refuse = |mut form: FeedbackForm, status, key: &str| {
        form.errors.insert("form", l.t(key));
        Ok(Err((status, form)))
    };
    if !token_ok {
        return refuse(form, StatusCode::FORBIDDEN, "form-stale");
    }
    // A field hidden from people and filled by robots.
    if !field("website").is_empty() {
        return refuse(form, StatusCode::UNPROCESSABLE_ENTITY, "feedback-refused");
    }
    if !state.submissions.allows(&[ip_key]) {
        return refuse(form, StatusCode::TOO_MANY_REQUESTS, "feedback-throttled");
    }
    let Some((submission, evidence)) = check(state, l, &posted, &mut form).await? else {
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, form)));
    };
    let now = chrono::Utc::now();
    let sent = state
        .store
        .feedback_sent_since(&submission.contact.key(), now - chrono::Duration::days(1))
        .await?;
    if sent >= PER_SENDER_PER_DAY {
        return refuse(form, StatusCode::TOO_MANY_REQUESTS, "feedback-throttled");
    }
    state.submissions.record(&[ip_key]);
    let o = state.overview();
    let documents = state.store.documents().await?;
    let unit = responsible(
        &submission.concern,
        &o.snapshot.tasks,
        &o.snapshot.targets,
        &documents,
    );
    let tracking = new_tracking_code();
    let outcome = state
        .store
        .receive_feedback(
            &submission,
            unit.as_ref(),
            &evidence,
            &token_hash(&tracking_code_read(&tracking)),
            now,
        )
        .await?;
    Ok(Ok((outcome, tracking)))
}

/// What a caller may do with a case.
struct Rights {
    read: bool,
    contact: bool,
    assign: bool,
    answer: bool,
    close: bool,
}

fn rights(access: &Access, h: &Hierarchy, case: &Case) -> Rights {
    let all_seeing = matches!(
        access,
        Access::Admin | Access::StandingOffice | Access::Inspector
    );
    let in_view = case.unit.as_ref().is_some_and(|u| access.may_view(h, u));
    let handles = match access {
        Access::StandingOffice => true,
        Access::Reporter { .. } => case.unit.as_ref().is_some_and(|u| access.may_capture(h, u)),
        _ => false,
    };
    let office = matches!(access, Access::StandingOffice);
    Rights {
        read: all_seeing || (access.is_official() && in_view),
        contact: handles || matches!(access, Access::Admin | Access::Inspector),
        assign: handles && case.state.awaits_answer(),
        answer: handles && case.state == CaseState::Assigned,
        close: case.state != CaseState::Closed
            && (office || (handles && case.state == CaseState::Answered)),
    }
}

#[derive(Template)]
#[template(path = "feedback_case.html")]
struct CasePage {
    c: Chrome,
    reference: String,
    kind: String,
    concern: (String, String),
    unit: String,
    state: String,
    state_css: &'static str,
    text: String,
    received: String,
    due: String,
    timeliness: String,
    timeliness_css: &'static str,
    answer: String,
    answered: String,
    published: bool,
    consent: bool,
    repeats: i64,
    close_note: String,
    contact: Option<Contact>,
    files: Vec<(String, String, String)>,
    /// The code of the unit the case is routed to, to keep it chosen.
    unit_code: String,
    /// Units the caller may assign the case to: code and name.
    assign_to: Vec<(String, String)>,
    may_answer: bool,
    may_close: bool,
    action: String,
    error: String,
}

#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    code: Option<String>,
}

fn concern_link(c: &Chrome, state: &AppState, concern: &Concern) -> (String, String) {
    let path = match concern {
        Concern::Task(t) => format!("/tasks/{t}"),
        Concern::Target(t) => format!("/targets/{t}"),
        Concern::Document(d) => format!("/documents/{d}"),
    };
    (c.href(&path), concern_name(c.l, state, concern))
}

/// What a case is about as a reader knows it: "Chỉ tiêu: Tỷ trọng dịch vụ trong GRDP
/// (GRDP-SERVICES)"; a document by its number.
fn concern_name(l: Lang, state: &AppState, concern: &Concern) -> String {
    let o = state.overview();
    let (kind, name) = match concern {
        Concern::Task(t) => (
            "task",
            o.snapshot
                .tasks
                .iter()
                .find(|x| &x.code == t)
                .map(|x| format!("{} ({t})", pick(l, &x.title_vi, x.title_en.as_deref()))),
        ),
        Concern::Target(t) => (
            "target",
            o.snapshot
                .targets
                .iter()
                .find(|x| &x.code == t)
                .map(|x| format!("{} ({t})", pick(l, &x.name_vi, x.name_en.as_deref()))),
        ),
        Concern::Document(d) => ("document", Some(d.to_string())),
    };
    format!(
        "{}: {}",
        l.t(&format!("feedback-about-{kind}")),
        name.unwrap_or_else(|| concern.code().to_string())
    )
}

fn state_css(s: CaseState) -> &'static str {
    match s {
        CaseState::Received | CaseState::Assigned => "st-due-soon",
        CaseState::Answered => "st-on-track",
        CaseState::Closed => "st-completed",
    }
}

fn timeliness_css(t: Timeliness) -> &'static str {
    match t {
        Timeliness::OnTime => "st-on-track",
        Timeliness::DueSoon => "st-due-soon",
        Timeliness::Overdue => "st-overdue",
    }
}

/// The units below (and including) the caller's capture scope, or every unit in force for the
/// standing office.
fn assignable(
    l: crate::i18n::Lang,
    access: &Access,
    h: &Hierarchy,
    day: chrono::NaiveDate,
) -> Vec<(String, String)> {
    h.as_of(day)
        .filter(|u| access.may_capture(h, &u.code))
        .map(|u| (u.code.to_string(), pick(l, &u.name_vi, Some(&u.name_en))))
        .collect()
}

async fn load_case(state: &AppState, reference: &str) -> Result<Case, Failure> {
    let not_found = || Failure::not_found("feedback_not_found", format!("no case {reference}"));
    let r: Reference = reference.parse().map_err(|_| not_found())?;
    state.store.feedback_case(r).await?.ok_or_else(not_found)
}

async fn case_page(
    state: &AppState,
    page: Page,
    case: Case,
    tracked: bool,
    error: String,
) -> Result<Response, Failure> {
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let r = rights(&page.viewer.access, h, &case);
    if !(r.read || case.published || tracked) {
        // Neither the case nor its existence is shown to anyone else.
        return Err(Failure::not_found(
            "feedback_not_found",
            format!("no case {}", case.reference),
        ));
    }
    let c = &page.chrome;
    let l = page.l();
    let official = r.read;
    let timely = timeliness(case.state, case.due_on, state.day());
    let body = CasePage {
        reference: case.reference.to_string(),
        kind: c.t(&format!("feedback-kind-{}", case.kind)),
        concern: concern_link(c, state, &case.concern),
        unit: case
            .unit
            .as_ref()
            .map(|u| super::unit_name(l, h, u))
            .unwrap_or_else(|| c.t("feedback-unrouted")),
        unit_code: case
            .unit
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        state: c.t(&format!("feedback-state-{}", case.state)),
        state_css: state_css(case.state),
        text: case.text.clone(),
        received: l.date(case.received_at.date_naive()),
        due: if official {
            l.date(case.due_on)
        } else {
            String::new()
        },
        timeliness: timely
            .filter(|_| official)
            .map(|t| c.t(&format!("feedback-time-{}", crate::wording::serde_name(&t))))
            .unwrap_or_default(),
        timeliness_css: timely.map_or("", timeliness_css),
        answer: case.answer.clone().unwrap_or_default(),
        answered: case
            .answered_at
            .map(|a| l.date(a.date_naive()))
            .unwrap_or_default(),
        published: case.published,
        consent: case.consent_to_publish,
        repeats: if official { case.repeats } else { 0 },
        close_note: if official {
            case.close_note.clone().unwrap_or_default()
        } else {
            String::new()
        },
        contact: r.contact.then(|| case.contact.clone()),
        files: if official {
            case.files
                .iter()
                .map(|f| {
                    (
                        format!("/feedback/{}/files/{}", case.reference, f.position),
                        f.name.clone(),
                        format!("{} KB", (f.size + 1023) / 1024),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        assign_to: if r.assign {
            assignable(l, &page.viewer.access, h, state.day())
        } else {
            Vec::new()
        },
        may_answer: r.answer,
        may_close: r.close,
        action: format!("/feedback/{}", case.reference),
        error,
        c: page.chrome,
    };
    Ok(render(&body))
}

pub async fn case(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    Query(q): Query<CaseQuery>,
    page: Page,
) -> Result<Response, Failure> {
    let case = load_case(&state, &reference).await?;
    let tracked = match q.code.as_deref() {
        Some(code) if !code.is_empty() => {
            let store = &state.store;
            // Codes given before they were readable were kept as typed.
            store
                .feedback_tracked_by(case.reference, &token_hash(&tracking_code_read(code)))
                .await?
                || store
                    .feedback_tracked_by(case.reference, &token_hash(code))
                    .await?
        }
        _ => false,
    };
    let mut response = case_page(&state, page, case, tracked, String::new()).await?;
    if q.code.is_some() {
        // The tracking address is the sender's own: never kept by a browser or a proxy.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct StepInput {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    publish: Option<String>,
    #[serde(default)]
    note: String,
}

/// Assigns, answers or closes a case, each only for those whose rights allow it.
pub async fn step(
    State(state): State<AppState>,
    Path((reference, step)): Path<(String, String)>,
    page: Page,
    Checked(input): Checked<StepInput>,
) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    let case = load_case(&state, &reference).await?;
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let r = rights(&page.viewer.access, h, &case);
    if !r.read {
        return Err(Failure::not_found(
            "feedback_not_found",
            format!("no case {reference}"),
        ));
    }
    let actor = page.viewer.name().to_string();
    let forbidden = |what: &str| {
        Failure::forbidden(
            "not_handler",
            format!("{actor} may not {what} case {}", case.reference),
        )
    };
    let result = match step.as_str() {
        "assign" => {
            if !r.assign {
                return Err(forbidden("assign"));
            }
            match input.unit.trim().parse::<OrgCode>() {
                Ok(unit)
                    if h.get(&unit)
                        .is_some_and(|u| u.validity.contains(state.day()))
                        && page.viewer.access.may_capture(h, &unit) =>
                {
                    let done = state
                        .store
                        .assign_feedback(case.reference, &unit, &actor)
                        .await;
                    if done.is_ok() {
                        let event = tiendo_notify::Event {
                            kind: tiendo_notify::EventKind::FeedbackAssigned,
                            object: format!("feedback {}", case.reference),
                            name: tiendo_notify::Names {
                                vi: case.reference.to_string(),
                                en: None,
                            },
                            facts: tiendo_notify::Facts::FeedbackAssigned {
                                by: actor.to_string(),
                                due_on: case.due_on,
                            },
                            unit,
                            day: state.day(),
                        };
                        state.notify(&[event]).await;
                    }
                    done
                }
                _ => Err(tiendo_storage::StoreError::Invalid(format!(
                    "unit: \"{}\" is not a unit you may assign to",
                    input.unit.trim()
                ))),
            }
        }
        "answer" => {
            if !r.answer {
                return Err(forbidden("answer"));
            }
            state
                .store
                .answer_feedback(
                    case.reference,
                    &input.answer,
                    input.publish.is_some(),
                    &actor,
                )
                .await
        }
        "close" => {
            if !r.close {
                return Err(forbidden("close"));
            }
            state
                .store
                .close_feedback(case.reference, &input.note, &actor)
                .await
        }
        _ => {
            return Err(Failure::not_found(
                "no_such_step",
                format!("no step {step}"),
            ))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/feedback/{}?lang={}",
            case.reference,
            page.l().code()
        ))
        .into_response()),
        Err(tiendo_storage::StoreError::Invalid(message)) => {
            let mut response = case_page(&state, page, case, false, message).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// An evidence file, for officials who may read the case. Always a download, typed by the
/// content found at upload, never sniffed by the browser.
pub async fn file(
    State(state): State<AppState>,
    Path((reference, position)): Path<(String, i64)>,
    page: Page,
) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    let case = load_case(&state, &reference).await?;
    let o = state.overview();
    // Evidence files go with the sender's contact details: to those who handle the case,
    // administrators and inspectors, not to every official who may read the case.
    if !rights(&page.viewer.access, &o.snapshot.hierarchy, &case).contact {
        return Err(Failure::not_found(
            "feedback_not_found",
            format!("no case {reference}"),
        ));
    }
    let (info, bytes) = state
        .store
        .feedback_file(case.reference, position)
        .await?
        .ok_or_else(|| Failure::not_found("file_not_found", format!("no file {position}")))?;
    let ascii: String = info
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, info.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub struct InboxLine {
    href: String,
    reference: String,
    kind: String,
    concern: String,
    unit: String,
    state: String,
    state_css: &'static str,
    received: String,
    due: String,
    timeliness: String,
    timeliness_css: &'static str,
    repeats: i64,
}

#[derive(Template)]
#[template(path = "feedback_inbox.html")]
struct InboxPage {
    c: Chrome,
    lines: Vec<InboxLine>,
    states: Vec<(String, String, bool)>,
    total: i64,
    overdue: i64,
    only_overdue: bool,
    overdue_href: String,
    page: u32,
    pages: u32,
    prev: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    overdue: Option<String>,
}

/// Which cases an official's inbox holds: everything for the standing office, admins and
/// inspectors; the cases of the units within its scope for anyone else.
pub fn inbox_scope(access: &Access, h: &Hierarchy) -> Option<Vec<OrgCode>> {
    match access {
        Access::Admin | Access::StandingOffice | Access::Inspector => None,
        _ => Some(
            h.units()
                .iter()
                .filter(|u| access.may_view(h, &u.code))
                .map(|u| u.code.clone())
                .collect(),
        ),
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    Query(q): Query<InboxQuery>,
    page: Page,
) -> Result<Response, Failure> {
    page.viewer.require_login()?;
    if !page.viewer.access.is_official() {
        return Err(Failure::forbidden(
            "not_official",
            "the inbox is for officials",
        ));
    }
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let wanted = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<CaseState>()
                .map_err(|e| Failure::bad_request("bad_state", e.message))?,
        ),
        None => None,
    };
    let day = state.day();
    let only_overdue = q.overdue.as_deref().is_some_and(|o| !o.is_empty());
    let mut filter = CaseFilter {
        units: inbox_scope(&page.viewer.access, h),
        state: wanted,
        published_only: false,
        overdue_on: None,
    };
    let overdue = {
        let all_overdue = CaseFilter {
            overdue_on: Some(day),
            state: None,
            ..filter.clone()
        };
        state.store.feedback_cases(&all_overdue, 0, 0).await?.1
    };
    if only_overdue {
        filter.overdue_on = Some(day);
    }
    let number = q.page.unwrap_or(1).max(1);
    let (cases, total) = state
        .store
        .feedback_cases(&filter, PER_PAGE, (number - 1) * PER_PAGE)
        .await?;
    let c = &page.chrome;
    let l = page.l();
    let lines: Vec<InboxLine> = cases
        .iter()
        .map(|case| {
            let t = timeliness(case.state, case.due_on, day);
            InboxLine {
                href: c.href(&format!("/feedback/{}", case.reference)),
                reference: case.reference.to_string(),
                kind: c.t(&format!("feedback-kind-{}", case.kind)),
                concern: concern_name(l, &state, &case.concern),
                unit: case
                    .unit
                    .as_ref()
                    .map(|u| super::unit_name(l, h, u))
                    .unwrap_or_else(|| c.t("feedback-unrouted")),
                state: c.t(&format!("feedback-state-{}", case.state)),
                state_css: state_css(case.state),
                received: l.date(case.received_at.date_naive()),
                due: l.date(case.due_on),
                timeliness: t
                    .map(|t| c.t(&format!("feedback-time-{}", crate::wording::serde_name(&t))))
                    .unwrap_or_default(),
                timeliness_css: t.map_or("", timeliness_css),
                repeats: case.repeats,
            }
        })
        .collect();
    let pages = (total.max(1) as u32).div_ceil(PER_PAGE);
    let state_param = q.state.clone().unwrap_or_default();
    let overdue_param = if only_overdue { "&overdue=1" } else { "" };
    let link = |n: u32| {
        c.href(&format!(
            "/feedback/inbox?state={state_param}{overdue_param}&page={n}"
        ))
    };
    let body = InboxPage {
        states: CaseState::ALL
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    c.t(&format!("feedback-state-{s}")),
                    wanted == Some(*s),
                )
            })
            .collect(),
        lines,
        total,
        overdue,
        only_overdue,
        overdue_href: c.href("/feedback/inbox?overdue=1"),
        page: number,
        pages,
        prev: if number > 1 {
            link(number - 1)
        } else {
            String::new()
        },
        next: if number < pages {
            link(number + 1)
        } else {
            String::new()
        },
        c: page.chrome,
    };
    Ok(render(&body))
}
