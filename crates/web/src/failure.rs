//! What goes wrong in a request, said once and shown as an HTML page or as the API's JSON
//! error (`{"error": {"code": …, "message": …}}`, the code stable for clients to match).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

/// A request that cannot be served, with a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Shown as JSON rather than as a page.
    pub json: bool,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            json: false,
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A multipart form that could not be read: too large (413, over its stated limit) or
    /// malformed (400).
    pub fn multipart(e: axum::extract::multipart::MultipartError) -> Failure {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the upload is larger than this form takes: {e}"),
            )
        } else {
            Failure::bad_request("bad_form", format!("the form could not be read: {e}"))
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn login_required() -> Failure {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "login_required",
            "log in to do this",
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::CONFLICT, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Failure {
        let message = message.into();
        tracing::error!(%message, "request failed");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request; it has been logged",
        )
    }

    /// The same failure, shown as the API's JSON.
    pub fn as_json(mut self) -> Failure {
        self.json = true;
        self
    }
}

impl From<tiendo_storage::StoreError> for Failure {
    fn from(e: tiendo_storage::StoreError) -> Failure {
        use tiendo_storage::{ErrorKind, StoreError};
        let (status, code) = match &e {
            StoreError::Conflict { code, .. } => (StatusCode::CONFLICT, *code),
            StoreError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, *code),
            _ => match e.kind() {
                ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
                ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
                ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
                ErrorKind::Internal => return Failure::internal(e.to_string()),
            },
        };
        Failure::new(status, code, e.to_string())
    }
}

/// A failure as it left its handler, kept on the response so that `error_page` can show it
/// in the reader's language.
#[derive(Debug, Clone)]
pub struct Shown {
    pub code: &'static str,
    pub message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let shown = Shown {
            code: self.code,
            message: self.message.clone(),
        };
        let mut response = self.render();
        response.extensions_mut().insert(shown);
        response
    }
}

impl Failure {
    fn render(self) -> Response {
        if self.json {
            let body = serde_json::json!({
                "error": { "code": self.code, "message": self.message }
            });
            return (self.status, Json(body)).into_response();
        }
        let title = self.status.canonical_reason().unwrap_or("Error");
        let login = if self.status == StatusCode::UNAUTHORIZED {
            "<p><a href=\"/login\">Đăng nhập / Log in</a></p>"
        } else {
            ""
        };
        let page = format!(
            "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{} {title}</title></head>\
             <body><main><h1>{} {title}</h1><p role=\"alert\">{}</p>{login}<p><a href=\"/\">tiendo</a></p></main></body></html>",
            self.status.as_u16(),
            self.status.as_u16(),
            escape(&self.message)
        );
        (self.status, Html(page)).into_response()
    }
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An API handler's failure: always JSON.
pub struct ApiFailure(pub Failure);

impl<E: Into<Failure>> From<E> for ApiFailure {
    fn from(e: E) -> ApiFailure {
        ApiFailure(e.into())
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        self.0.as_json().into_response()
    }
}
