//! What a page's form post needs, declared in the handler's signature: `Checked<T>` reads the
//! form and refuses it unless it carries the session's CSRF token, so no handler can forget the
//! check. Multipart uploads read their token from their own parts.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// The largest form accepted, in bytes, as axum's own default.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// A URL-encoded form whose `csrf` field matched the caller's session.
pub struct Checked<T>(pub T);

#[derive(Deserialize)]
struct Token {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Checked<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Checked<T>, Failure> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "form_too_large",
                format!("a form may hold at most {FORM_LIMIT} bytes"),
            )
        })?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or(Token { csrf: None });
        viewer.check_csrf(token.csrf.as_deref())?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Checked)
            .map_err(|e| Failure::bad_request("invalid_form", e.to_string()))
    }
}

/// The file of a multipart upload (its safe name and bytes; `None` when none was chosen), once
/// the form's `csrf` part matched the caller's session. Uploads read their token from their
/// own parts, so this is their guard.
pub async fn checked_file(
    viewer: &Viewer,
    multipart: axum::extract::Multipart,
) -> Result<Option<(String, Vec<u8>)>, Failure> {
    Ok(checked_file_and_fields(viewer, multipart).await?.0)
}

/// [`checked_file`] with the form's other short text fields (a choice beside the file).
pub async fn checked_file_and_fields(
    viewer: &Viewer,
    mut multipart: axum::extract::Multipart,
) -> Result<(Option<(String, Vec<u8>)>, HashMap<String, String>), Failure> {
    let bad = Failure::multipart;
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default().to_string().as_str() {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "file" => {
                let name = tiendo_domain::feedback::safe_name(field.file_name().unwrap_or("file"));
                file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            other if fields.len() < MAX_FIELDS => {
                let other = other.chars().take(64).collect::<String>();
                let text: String = field
                    .text()
                    .await
                    .map_err(bad)?
                    .chars()
                    .take(1_000)
                    .collect();
                fields.insert(other, text);
            }
            _ => {}
        }
    }
    viewer.check_csrf(Some(&csrf))?;
    Ok((file.filter(|(_, b)| !b.is_empty()), fields))
}

/// The text fields kept beside an uploaded file.
const MAX_FIELDS: usize = 8;
