//! Administration: user accounts (admins) and the audit log (admins and inspectors).

use super::guards::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tiendo_domain::accounts::{Access, AccessError, Role, Username};
use tiendo_domain::orgs::OrgCode;
use tiendo_storage::NewUser;

use crate::app::access::require_auditor;
use crate::auth::{Viewer, MIN_PASSWORD};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::pages::{render, render_with};
use crate::AppState;

fn require_admin(viewer: &Viewer) -> Result<(), Failure> {
    viewer.require_login()?;
    if viewer.access.may_administer() {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "admins_only",
            "only administrators manage accounts",
        ))
    }
}

pub struct UserRow {
    username: String,
    name: String,
    role: String,
    capture: String,
    view: String,
    active: bool,
    /// The account of the administrator looking: it cannot be deactivated from here.
    own: bool,
}

#[derive(Default)]
pub struct UserForm {
    username: String,
    display_name: String,
    role: String,
    capture: String,
    view: String,
    errors: HashMap<&'static str, String>,
}

impl UserForm {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserRow>,
    roles: Vec<(String, String)>,
    form: UserForm,
    created: bool,
    /// Names suggested while a scope's unit is typed.
    unit_names: Vec<String>,
    /// How far the read replica is behind, worded, when the server reads one.
    replica: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    created: Option<String>,
}

async fn users_page(
    state: &AppState,
    page: Page,
    form: UserForm,
    created: bool,
) -> Result<UsersPage, Failure> {
    require_admin(&page.viewer)?;
    let l = page.l();
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            username: u.username.to_string(),
            name: u.display_name,
            role: l.t(&format!("role-{}", u.access.role())),
            capture: u
                .access
                .capture_scope()
                .map(|c| super::unit_name(l, h, c))
                .unwrap_or_default(),
            view: u
                .access
                .view_scope()
                .map(|c| super::unit_name(l, h, c))
                .unwrap_or_default(),
            active: u.active,
            own: u.username.as_str() == page.viewer.name(),
        })
        .collect();
    Ok(UsersPage {
        users,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), l.t(&format!("role-{r}"))))
            .collect(),
        form,
        created,
        unit_names: super::pickers::suggested_units(l, h, state.day()),
        replica: match state.replica_lag().await {
            Some(lag) => Some(l.t_args("replica-lag", &[("seconds", l.number(lag, 1))])),
            None if state.reads_replica() => Some(l.t("replica-unreadable")),
            None => None,
        },
        c: page.chrome,
    })
}

pub async fn users(
    State(state): State<AppState>,
    Query(q): Query<UsersQuery>,
    page: Page,
) -> Result<Response, Failure> {
    Ok(render(
        &users_page(&state, page, UserForm::default(), q.created.is_some()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub capture: String,
    #[serde(default)]
    pub view: String,
}

/// Checks a new account against the hierarchy; the errors are keyed by field.
pub fn check_user(
    state: &AppState,
    l: crate::i18n::Lang,
    input: &UserInput,
) -> Result<(Username, Access), HashMap<&'static str, String>> {
    let mut errors = HashMap::new();
    let username = input
        .username
        .trim()
        .parse::<Username>()
        .map_err(|_| errors.insert("username", l.t("user-username-invalid")))
        .ok();
    if input.display_name.trim().is_empty() {
        errors.insert("display_name", l.t("user-name-required"));
    }
    if let Err(refused) =
        tiendo_domain::accounts::check_password(&input.password, input.username.trim())
    {
        errors.insert(
            "password",
            l.t_args(
                &format!("password-{}", refused.code()),
                &[("min", MIN_PASSWORD.to_string())],
            ),
        );
    }
    let o = state.overview();
    let h = &o.snapshot.hierarchy;
    // A unit by its name (with or without diacritics) or its code, as everywhere else.
    let mut unit = |field: &'static str, text: &str| -> Option<OrgCode> {
        if text.trim().is_empty() {
            return None;
        }
        let label = if field == "capture" {
            "capture-scope"
        } else {
            "view-scope"
        };
        super::pickers::unit(h, state.day(), label, text)
            .map_err(|e| errors.insert(field, e.worded(l)))
            .ok()
    };
    let capture = unit("capture", &input.capture);
    let view = unit("view", &input.view);
    let role = input
        .role
        .parse::<Role>()
        .map_err(|_| errors.insert("role", l.t("define-unreadable")))
        .ok();
    let access = role.and_then(|r| {
        Access::new(r, capture, view)
            .map_err(|e| {
                let (field, key) = match e {
                    AccessError::NoCaptureScope => ("capture", "user-capture-needed"),
                    AccessError::UnexpectedCaptureScope => {
                        ("capture", "user-capture-reporters-only")
                    }
                    AccessError::UnexpectedViewScope(_) => ("view", "user-view-not-taken"),
                };
                // A unit that was not found is said already; that is the reason to give.
                errors.entry(field).or_insert_with(|| l.t(key));
            })
            .ok()
    });
    match (username, access) {
        (Some(u), Some(a)) if errors.is_empty() => Ok((u, a)),
        _ => Err(errors),
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<UserInput>,
) -> Result<Response, Failure> {
    require_admin(&page.viewer)?;
    let l = page.l();
    let refused = |errors| UserForm {
        username: input.username.clone(),
        display_name: input.display_name.clone(),
        role: input.role.clone(),
        capture: input.capture.clone(),
        view: input.view.clone(),
        errors,
    };
    let (username, access) = match check_user(&state, l, &input) {
        Ok(ok) => ok,
        Err(errors) => {
            let body = users_page(&state, page, refused(errors), false).await?;
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body));
        }
    };
    let user = NewUser {
        username,
        display_name: input.display_name.trim().to_string(),
        password_hash: state.passwords.hash(&input.password)?,
        access,
        // The administrator chose it: the officer chooses their own at first login.
        must_change_password: true,
    };
    match state.store.create_user(&user, page.viewer.name()).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/users?created=1&lang={}", l.code())).into_response())
        }
        // The only refusal left once the form is checked: the name is taken.
        Err(tiendo_storage::StoreError::Invalid(m)) => {
            tracing::info!(message = %m, "account not created");
            let taken = l.t_args(
                "user-username-taken",
                &[("name", input.username.trim().to_string())],
            );
            let body = users_page(
                &state,
                page,
                refused(HashMap::from([("username", taken)])),
                false,
            )
            .await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &body))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveInput {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    Path(name): Path<String>,
    page: Page,
    Checked(input): Checked<ActiveInput>,
) -> Result<Response, Failure> {
    require_admin(&page.viewer)?;
    let username: Username =
        name.parse()
            .map_err(|e: tiendo_domain::accounts::UsernameError| {
                Failure::bad_request("invalid_username", e.to_string())
            })?;
    let active = input.active == "true";
    // An administrator who deactivated their own account could lock the instance out of its
    // administration; another administrator must do it.
    if !active && username.as_str() == page.viewer.name() {
        return Err(Failure::conflict(
            "own_account",
            "you cannot deactivate your own account",
        ));
    }
    state
        .store
        .set_user_active(&username, active, page.viewer.name())
        .await?;
    state.tokens.clear();
    Ok(Redirect::to(&format!("/admin/users?lang={}", page.l().code())).into_response())
}

pub struct AuditRow {
    at: String,
    actor: String,
    action: String,
    object: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    rows: Vec<AuditRow>,
    prev: Option<String>,
    next: Option<String>,
    /// The sentence over the chain's lanes and each lane's name with its last hash, to note
    /// down.
    head: (String, Vec<(String, String)>),
    /// The result of verifying the whole chain, when asked for: the sentence and whether it
    /// is broken.
    verified: Option<(String, bool)>,
    verify: String,
}

/// What an audit entry records as done, in the reader's language (`user.create` reads "Tạo
/// tài khoản"); an action without a message shows as recorded.
fn audit_action(l: crate::i18n::Lang, action: &str) -> String {
    l.try_t(&format!("audit-{}", action.replace('.', "-")))
        .unwrap_or_else(|| action.to_string())
}

/// What it was done to: the kind in the reader's language, the code as recorded
/// (`user ha-tinh` reads "tài khoản ha-tinh").
fn audit_object(l: crate::i18n::Lang, object: &str) -> String {
    let (kind, rest) = object.split_once(' ').unwrap_or((object, ""));
    match l.try_t(&format!("audit-object-{kind}")) {
        Some(k) if rest.is_empty() => k,
        Some(k) => format!("{k} {rest}"),
        None => object.to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    page: Option<u32>,
    /// Verify the whole chain (it reads every entry, so only when asked).
    #[serde(default)]
    verify: bool,
}

pub const AUDIT_PAGE: u32 = 50;

pub async fn audit(
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
    page: Page,
) -> Result<Response, Failure> {
    require_auditor(&page.viewer)?;
    let n = q.page.unwrap_or(1).max(1);
    let entries = state
        .store
        .audit_log(None, AUDIT_PAGE + 1, (n - 1) * AUDIT_PAGE)
        .await?;
    let more = entries.len() > AUDIT_PAGE as usize;
    let l = page.l();
    let show =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let rows = entries
        .iter()
        .take(AUDIT_PAGE as usize)
        .map(|e| AuditRow {
            at: format!("{} {}", l.date(e.at.date_naive()), e.at.format("%H:%M:%S")),
            actor: e.actor.clone(),
            action: audit_action(l, &e.action),
            object: audit_object(l, &e.object),
            before: show(&e.before),
            after: show(&e.after),
        })
        .collect();
    let link = |p: u32| format!("/admin/audit?page={p}&lang={}", l.code());
    let heads = state.store.audit_head().await?;
    let length: u64 = heads.iter().map(|h| h.length).sum();
    let head = (
        l.t_args("audit-chain-head", &[("length", length.to_string())]),
        heads
            .into_iter()
            .map(|h| (crate::wording::audit_lane(l, h.lane, h.length), h.hash))
            .collect(),
    );
    let verified = if q.verify {
        let chain = state.store.verify_audit().await?;
        let reason = chain
            .broken
            .as_ref()
            .map(|b| (b.entry, crate::wording::serde_name(&b.reason)));
        let text = crate::wording::audit_chain(
            l,
            chain.checked,
            chain.before_chain,
            reason.as_ref().map(|(e, r)| (*e, r.as_str())),
        );
        Some((text, chain.broken.is_some()))
    } else {
        None
    };
    Ok(render(&AuditPage {
        head,
        verified,
        verify: format!("/admin/audit?verify=true&lang={}", l.code()),
        rows,
        prev: (n > 1).then(|| link(n - 1)),
        next: more.then(|| link(n + 1)),
        c: page.chrome,
    }))
}
