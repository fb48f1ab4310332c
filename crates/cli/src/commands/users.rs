//! `tiendo init` and `tiendo users …`: a real instance's first administrator, and the accounts
//! of its officers from the command line — one at a time or a whole list, all or none.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use tiendo_domain::accounts::{check_password, Access, Role, Username};
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_storage::{NewUser, Store};
use tiendo_web::Passwords;
use tiendo_wording::Lang;

use crate::cli::UsersCommand;
use crate::output::{opt, Listing};
use crate::BadInput;

/// The columns of an officers' file, in order; `users list --format csv` writes them back.
const COLUMNS: [&str; 6] = [
    "username",
    "display_name",
    "role",
    "capture_scope",
    "view_scope",
    "email",
];

/// The most accounts one file adds: every officer of a national instance, with room to spare.
const MAX_ROWS: usize = 20_000;

pub async fn init(store: &Store, url: &str, hierarchy: bool, l: Lang) -> Result<()> {
    if !store.is_empty().await? || !store.users().await?.is_empty() {
        return Err(BadInput(l.t_args("cli-init-not-empty", &[("url", url.to_string())])).into());
    }
    let password = admin_password(l)?;
    if hierarchy {
        let reference = tiendo_dataset::reference().context("reading the built-in dataset")?;
        store
            .load_dataset(&tiendo_dataset::Dataset::with_hierarchy(
                reference.hierarchy,
            ))
            .await?;
    }
    let admin: Username = "admin".parse().map_err(|e| BadInput(format!("{e}")))?;
    store
        .create_user(
            &NewUser {
                username: admin,
                display_name: l.t("cli-admin-name"),
                password_hash: hash(&password)?,
                access: Access::Admin,
                // Typed by the administrator themself.
                must_change_password: false,
            },
            "tiendo init",
        )
        .await?;
    println!("{}", l.t_args("cli-init-done", &[("url", url.to_string())]));
    Ok(())
}

/// The first administrator's password: asked for twice on a terminal, else read from
/// `TIENDO_ADMIN_PASSWORD`; held to the same rule as any password.
fn admin_password(l: Lang) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(l.t("cli-password-prompt"))?;
        let again = rpassword::prompt_password(l.t("cli-password-again"))?;
        if first != again {
            return Err(BadInput(l.t("cli-password-mismatch")).into());
        }
        first
    } else {
        std::env::var("TIENDO_ADMIN_PASSWORD")
            .map_err(|_| BadInput(l.t("cli-password-no-terminal")))?
    };
    check_password(&password, "admin").map_err(|r| {
        BadInput(l.t_args(
            &format!("password-{}", r.code()),
            &[("min", tiendo_web::MIN_PASSWORD.to_string())],
        ))
    })?;
    Ok(password)
}

/// The stored hash of `password` (argon2id, the server's production parameters).
fn hash(password: &str) -> Result<String> {
    Passwords::production()
        .hash(password)
        .map_err(|e| anyhow::anyhow!(e.message))
}

/// A one-time password: 120 random bits, readable aloud, for the officer to replace.
fn one_time_password() -> String {
    format!(
        "{}-{}",
        tiendo_web::new_tracking_code(),
        tiendo_web::new_tracking_code()
    )
}

pub async fn run(store: &Store, c: UsersCommand, l: Lang) -> Result<()> {
    let h = store.hierarchy().await?;
    match c {
        UsersCommand::Add {
            username,
            name,
            role,
            capture,
            view,
        } => {
            let row = Row {
                username,
                display_name: name,
                role,
                capture_scope: capture.unwrap_or_default(),
                view_scope: view.unwrap_or_default(),
                email: String::new(),
            };
            let (user, password) = row.account(&h, l).map_err(BadInput)?;
            store
                .create_users(std::slice::from_ref(&user), "tiendo users")
                .await?;
            print_passwords(l, &[(user.username.to_string(), password)]);
            Ok(())
        }
        UsersCommand::List { format } => {
            let users = store.users().await?;
            let emails: std::collections::HashMap<String, String> = store
                .notification_settings()
                .await?
                .into_iter()
                .map(|n| (n.username, n.email))
                .collect();
            Listing {
                items: &users,
                headers: &COLUMNS,
                row: |u: &tiendo_storage::User| {
                    vec![
                        u.username.to_string(),
                        u.display_name.clone(),
                        u.access.role().as_str().to_string(),
                        opt(&u.access.capture_scope()),
                        opt(&u.access.view_scope()),
                        emails.get(u.username.as_str()).cloned().unwrap_or_default(),
                    ]
                },
            }
            .print(format.format, l)
        }
        UsersCommand::Disable { username } => active(store, &username, false, l).await,
        UsersCommand::Enable { username } => active(store, &username, true, l).await,
        UsersCommand::ResetPassword { username } => {
            let name = parse_username(&username, l)?;
            let password = one_time_password();
            store
                .set_password(&name, &hash(&password)?, true, "tiendo users")
                .await
                .map_err(|_| BadInput(l.t_args("cli-no-user", &[("user", username.clone())])))?;
            print_passwords(l, &[(username, password)]);
            Ok(())
        }
        UsersCommand::SetScope {
            username,
            capture,
            view,
        } => {
            let name = parse_username(&username, l)?;
            let Some(user) = store.user(&name).await? else {
                return Err(BadInput(l.t_args("cli-no-user", &[("user", username)])).into());
            };
            let unit = |typed: Option<String>| -> Result<Option<OrgCode>, BadInput> {
                typed
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| find_unit(&h, &t, l).map_err(BadInput))
                    .transpose()
            };
            let access = Access::new(user.access.role(), unit(capture)?, unit(view)?)
                .map_err(|e| BadInput(l.t_args("cli-bad-scopes", &[("reason", e.to_string())])))?;
            store
                .set_user_access(&name, &access, "tiendo users")
                .await?;
            println!("{}", l.t_args("cli-user-scoped", &[("user", username)]));
            Ok(())
        }
        UsersCommand::Import { file } => import(store, &h, &file, l).await,
    }
}

fn parse_username(typed: &str, l: Lang) -> Result<Username, BadInput> {
    typed
        .parse()
        .map_err(|_| BadInput(l.t_args("cli-bad-username", &[("user", typed.to_string())])))
}

async fn active(store: &Store, username: &str, on: bool, l: Lang) -> Result<()> {
    let name = parse_username(username, l)?;
    store
        .set_user_active(&name, on, "tiendo users")
        .await
        .map_err(|_| BadInput(l.t_args("cli-no-user", &[("user", username.to_string())])))?;
    let key = if on {
        "cli-user-enabled"
    } else {
        "cli-user-disabled"
    };
    println!("{}", l.t_args(key, &[("user", username.to_string())]));
    Ok(())
}

fn print_passwords(l: Lang, accounts: &[(String, String)]) {
    println!("{}", l.t("cli-one-time-passwords"));
    for (user, password) in accounts {
        println!("  {user:<20} {password}");
    }
}

/// The unit `typed` names: its code, else its name with or without diacritics.
fn find_unit(h: &Hierarchy, typed: &str, l: Lang) -> Result<OrgCode, String> {
    let typed = typed.trim();
    h.units()
        .iter()
        .find(|u| u.code.as_str() == typed)
        .map(|u| u.code.clone())
        .or_else(|| {
            h.search(typed, chrono::Local::now().date_naive())
                .first()
                .map(|u| u.code.clone())
        })
        .ok_or_else(|| l.t_args("cli-no-unit", &[("unit", typed.to_string())]))
}

/// One account as written in a file or on the command line.
struct Row {
    username: String,
    display_name: String,
    role: String,
    capture_scope: String,
    view_scope: String,
    /// Where its warnings are sent (a daily digest); may be empty.
    email: String,
}

impl Row {
    /// The account this row describes with a fresh one-time password, or what is wrong with
    /// it in the reader's language.
    fn account(&self, h: &Hierarchy, l: Lang) -> Result<(NewUser, String), String> {
        let username = parse_username(self.username.trim(), l).map_err(|e| e.0)?;
        let display_name = self.display_name.trim();
        if display_name.is_empty() {
            return Err(l.t("cli-no-display-name"));
        }
        let role = Role::ALL
            .into_iter()
            .find(|r| r.as_str() == self.role.trim())
            .ok_or_else(|| l.t_args("cli-bad-role", &[("role", self.role.trim().to_string())]))?;
        let unit = |typed: &str| -> Result<Option<OrgCode>, String> {
            let typed = typed.trim();
            if typed.is_empty() {
                return Ok(None);
            }
            find_unit(h, typed, l).map(Some)
        };
        let email = self.email.trim();
        if !email.is_empty() {
            email
                .parse::<tiendo_domain::email::Email>()
                .map_err(|_| l.t_args("cli-bad-email", &[("email", email.to_string())]))?;
        }
        let access = Access::new(role, unit(&self.capture_scope)?, unit(&self.view_scope)?)
            .map_err(|e| l.t_args("cli-bad-scopes", &[("reason", e.to_string())]))?;
        let password = one_time_password();
        let hash = hash(&password).map_err(|e| e.to_string())?;
        Ok((
            NewUser {
                username,
                display_name: display_name.to_string(),
                password_hash: hash,
                access,
                must_change_password: true,
            },
            password,
        ))
    }
}

/// Reads every line first and writes nothing unless all are right.
async fn import(store: &Store, h: &Hierarchy, file: &Path, l: Lang) -> Result<()> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| crate::refused::unreadable(l, file, &e))?;
    let text = tiendo_exchange::text::checked(&bytes)
        .map_err(|p| crate::refused::rejected(l, &name, &[p], &tiendo_wording::Codes))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| BadInput(format!("{name}: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if header
        .iter()
        .map(String::as_str)
        .ne(COLUMNS.iter().copied())
    {
        return Err(BadInput(l.t_args(
            "cli-users-header",
            &[("file", name.clone()), ("header", COLUMNS.join(","))],
        ))
        .into());
    }
    let mut accounts = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i >= MAX_ROWS {
            problems.push(format!(
                "{}: {}",
                l.t_args("place-row", &[("row", line.to_string())]),
                l.t_args("cli-users-too-many", &[("max", MAX_ROWS.to_string())])
            ));
            break;
        }
        let place = l.t_args("place-row", &[("row", line.to_string())]);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{place}: {e}"));
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or_default().to_string();
        let row = Row {
            username: cell(0),
            display_name: cell(1),
            role: cell(2),
            capture_scope: cell(3),
            view_scope: cell(4),
            email: cell(5),
        };
        if !seen.insert(row.username.clone()) {
            problems.push(format!(
                "{place}: {}",
                l.t_args("cli-user-twice", &[("user", row.username.clone())])
            ));
            continue;
        }
        if let Ok(u) = row.username.parse::<Username>() {
            if store.user(&u).await?.is_some() {
                problems.push(format!(
                    "{place}: {}",
                    l.t_args("cli-user-taken", &[("user", row.username.clone())])
                ));
                continue;
            }
        }
        match row.account(h, l) {
            Ok((u, p)) => accounts.push((u, p, row.email.trim().to_string())),
            Err(e) => problems.push(format!("{place}: {e}")),
        }
    }
    if !problems.is_empty() {
        let count = problems.len();
        return Err(crate::refused::listed(l, &name, problems.into_iter(), count).into());
    }
    let users: Vec<NewUser> = accounts.iter().map(|(u, _, _)| u.clone()).collect();
    store.create_users(&users, "tiendo users import").await?;
    // Addresses were checked with every line; each officer gets a daily digest of warnings,
    // which they change on their account page.
    for (u, _, email) in &accounts {
        if !email.is_empty() {
            store
                .set_notification_settings(&tiendo_storage::NotificationSettings {
                    username: u.username.to_string(),
                    email: email.clone(),
                    mode: tiendo_storage::DeliveryMode::Digest,
                })
                .await?;
        }
    }
    println!(
        "{}",
        l.t_args(
            "cli-users-imported",
            &[("file", name), ("count", users.len().to_string())]
        )
    );
    let shown: Vec<(String, String)> = accounts
        .into_iter()
        .map(|(u, p, _)| (u.username.to_string(), p))
        .collect();
    print_passwords(l, &shown);
    Ok(())
}
