//! Every failed page request is shown as a page of the site in the reader's language: a
//! title for its status, the reason in words where its code has them, and the ways on (home,
//! log in). The API keeps its JSON errors; a browser that reaches an unknown address gets
//! this page, not JSON.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::failure::{escape, Shown};
use crate::i18n::Lang;

pub async fn localise(request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let l = match request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("lang="))
    {
        Some("en") => Lang::En,
        _ => Lang::Vi,
    };
    let response = next.run(request).await;
    let Some(shown) = response.extensions().get::<Shown>().cloned() else {
        return response;
    };
    let status = response.status();
    let mut page = Html(render(l, status, &shown)).into_response();
    *page.status_mut() = status;
    for name in [
        header::CACHE_CONTROL,
        header::SET_COOKIE,
        header::WWW_AUTHENTICATE,
        header::RETRY_AFTER,
    ] {
        for v in response.headers().get_all(&name) {
            page.headers_mut().append(name.clone(), v.clone());
        }
    }
    page.headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(l.code()));
    page.extensions_mut().insert(shown);
    page
}

/// The page for `status` and the failure `shown`, in `l`.
pub fn render(l: Lang, status: StatusCode, shown: &Shown) -> String {
    let code = status.as_u16();
    let title = l
        .try_t(&format!("error-title-{code}"))
        .unwrap_or_else(|| l.t("error-title-other"));
    // A reason in words where the failure's code has them; otherwise the status's own
    // sentence, and in English the server's message, which is English already.
    let reason = l
        .try_t(&format!("error-{}", shown.code))
        .unwrap_or_else(|| {
            let general = l
                .try_t(&format!("error-text-{code}"))
                .unwrap_or_else(|| l.t("error-text-other"));
            match l {
                Lang::En => format!("{general} {}", shown.message),
                Lang::Vi => general,
            }
        });
    let q = format!("?lang={}", l.code());
    let login = if status == StatusCode::UNAUTHORIZED || shown.code == "login_required" {
        format!(
            "<a class=\"button\" href=\"/login{q}\">{}</a> ",
            escape(&l.t("log-in"))
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — tiendo</title><link rel=\"stylesheet\" href=\"/static/tiendo.css\"></head>\
         <body><header><nav><a class=\"brand\" href=\"/{q}\">tiendo</a></nav></header>\
         <main id=\"main\" class=\"error-page\"><h1>{title}</h1>\
         <p role=\"alert\">{reason}</p>\
         <p class=\"muted\">{code_label}: {status_code} · {failure_code}</p>\
         <p>{login}<a href=\"/{q}\">{home}</a></p>\
         </main></body></html>",
        lang = l.code(),
        title = escape(&title),
        reason = escape(&reason),
        code_label = escape(&l.t("error-code")),
        status_code = code,
        failure_code = escape(shown.code),
        home = escape(&l.t("error-home")),
    )
}
