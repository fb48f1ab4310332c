//! Choosing one's own password (`/account/password`): at any time from the account page, and
//! first of all for an account whose password someone else chose.

use super::guards::Checked;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::accounts::{change_password, Refused};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::pages::{render, render_with};
use crate::AppState;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    /// The password was chosen by someone else and must be replaced first.
    first: bool,
    error: String,
    min: usize,
}

pub async fn form(page: Page) -> Result<Response, Failure> {
    let user = page.viewer.require_login()?;
    let first = user.must_change_password;
    Ok(render(&PasswordPage {
        first,
        error: String::new(),
        min: crate::auth::MIN_PASSWORD,
        c: page.chrome,
    }))
}

#[derive(Debug, Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

pub async fn change(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<PasswordInput>,
) -> Result<Response, Failure> {
    let l = page.l();
    match change_password(
        &state,
        &page.viewer,
        &input.current,
        &input.new,
        &input.again,
    )
    .await?
    {
        Ok(()) => {
            let home = if page.viewer.access.capture_scope().is_some()
                || page.viewer.access.may_define()
            {
                "/work"
            } else {
                "/"
            };
            Ok(Redirect::to(&format!("{home}?lang={}", l.code())).into_response())
        }
        Err(refused) => {
            let error = match refused {
                Refused::WrongCurrent => l.t("password-wrong-current"),
                Refused::Mismatch => l.t("password-mismatch"),
                Refused::Unchanged => l.t("password-unchanged"),
                Refused::Rule(code) => l.t_args(
                    &format!("password-{code}"),
                    &[("min", crate::auth::MIN_PASSWORD.to_string())],
                ),
            };
            let first = page
                .viewer
                .user
                .as_ref()
                .is_some_and(|u| u.must_change_password);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    first,
                    error,
                    min: crate::auth::MIN_PASSWORD,
                    c: page.chrome,
                },
            ))
        }
    }
}
