//! Logging in and out, and a user's own page where API tokens are issued.

use super::guards::Checked;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use tiendo_domain::accounts::Username;

use crate::auth::{
    login_throttle, new_token, private_cookie, same_token, token_hash, LOGIN_COOKIE,
    SESSION_COOKIE, SESSION_HOURS,
};
use crate::chrome::{Chrome, Page};
use crate::failure::Failure;
use crate::pages::{render, render_with};
use crate::AppState;
use tiendo_storage::{DeliveryMode, NotificationSettings};

/// The client's address when the server knows it (not in in-process tests): the peer's, or
/// behind a reverse proxy on the same machine the one the proxy names in `X-Forwarded-For`.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// The address of the connection's other end, IPv4 written as IPv4 even on a dual-stack socket.
pub fn peer_of(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
}

/// Whether a request came straight from this machine, not through a reverse proxy.
pub fn from_this_machine(parts: &Parts) -> bool {
    peer_of(parts).is_some_and(|ip| ip.is_loopback()) && !forwarded(&parts.headers)
}

fn forwarded(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded")
}

/// Whether the request came straight from this machine, as an extractor.
pub struct ThisMachine(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for ThisMachine {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ThisMachine, Self::Rejection> {
        Ok(ThisMachine(from_this_machine(parts)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        let peer = peer_of(parts);
        // Behind a reverse proxy on this machine every request comes from loopback: the
        // client is the last address the proxy added (on the last header line: earlier ones
        // may come from the client). Anyone else's header is not believed.
        let forwarded = peer
            .filter(|ip| ip.is_loopback())
            .and_then(|_| parts.headers.get_all("x-forwarded-for").iter().next_back())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok())
            .map(|ip| ip.to_canonical());
        Ok(ClientAddr(forwarded.or(peer)))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    token: String,
    username: String,
    error: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only paths on this site are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(
    page: Page,
    jar: CookieJar,
    status: StatusCode,
    username: String,
    error: String,
    next: String,
) -> Response {
    let token = new_token();
    let jar = jar.add(private_cookie(
        LOGIN_COOKIE,
        token.clone(),
        time::Duration::minutes(30),
    ));
    let body = LoginPage {
        c: page.chrome,
        token,
        username,
        error,
        next,
    };
    (jar, render_with(status, &body)).into_response()
}

pub async fn login_form(page: Page, jar: CookieJar, Query(q): Query<LoginQuery>) -> Response {
    login_page(
        page,
        jar,
        StatusCode::OK,
        String::new(),
        String::new(),
        safe_next(q.next.as_deref()),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ThisMachine(local): ThisMachine,
    page: Page,
    jar: CookieJar,
    Form(input): Form<LoginInput>,
) -> Response {
    let l = page.l();
    let next = safe_next(Some(&input.next));
    // The login form's own CSRF token travels in a cookie and in the form (double submit).
    let token_ok = jar
        .get(LOGIN_COOKIE)
        .is_some_and(|c| !input.token.is_empty() && same_token(c.value(), &input.token));
    if !token_ok {
        return login_page(
            page,
            jar,
            StatusCode::FORBIDDEN,
            input.username,
            l.t("login-stale"),
            next,
        );
    }
    let name = input.username.trim().to_string();
    let address = ip.map(|ip| ip.to_string()).unwrap_or_default();
    let now = chrono::Utc::now();
    let wait = match login_throttle::wait(&state.store, &name, &address, now).await {
        Ok(wait) => wait,
        Err(e) => return Failure::from(e).into_response(),
    };
    if !wait.is_zero() {
        return login_page(
            page,
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            input.username,
            l.t_args(
                "login-throttled",
                &[("seconds", wait.as_secs().max(1).to_string())],
            ),
            next,
        );
    }
    let user = match input.username.trim().parse::<Username>() {
        Ok(name) => match state.store.credentials(&name).await {
            Ok(found) => found,
            Err(e) => return Failure::from(e).into_response(),
        },
        Err(_) => None,
    };
    let verified = match &user {
        Some((u, hash)) if u.active => state.passwords.verify(hash, &input.password),
        // Hash anyway so a wrong name takes as long as a wrong password.
        _ => {
            let _ = state.passwords.hash(&input.password);
            false
        }
    };
    let Some((user, _)) = user.filter(|_| verified) else {
        if let Err(e) = login_throttle::failed(&state.store, &name, &address, now).await {
            return Failure::from(e).into_response();
        }
        return login_page(
            page,
            jar,
            StatusCode::UNAUTHORIZED,
            input.username,
            l.t("login-failed"),
            next,
        );
    };
    if input.password == crate::DEMO_PASSWORD && !local && !state.demo_logins_anywhere() {
        // The password is published: whoever reaches the server through the network is not
        // let in with it, only someone on the server itself (to change it).
        return login_page(
            page,
            jar,
            StatusCode::FORBIDDEN,
            input.username,
            l.t("login-demo-password-remote"),
            next,
        );
    }
    if let Err(e) = login_throttle::succeeded(&state.store, &name, &address).await {
        return Failure::from(e).into_response();
    }
    let session = new_token();
    let csrf = new_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    if let Err(e) = state
        .store
        .create_session(&user, &token_hash(&session), &csrf, expires)
        .await
    {
        return Failure::from(e).into_response();
    }
    let jar = jar
        .remove(Cookie::build(LOGIN_COOKIE).path("/"))
        .add(private_cookie(
            SESSION_COOKIE,
            session,
            time::Duration::hours(SESSION_HOURS),
        ));
    // Whoever reports or reviews lands on what they owe, unless they were going elsewhere.
    let next = if next == "/"
        && matches!(
            user.access,
            tiendo_domain::accounts::Access::Reporter { .. }
                | tiendo_domain::accounts::Access::StandingOffice
        ) {
        "/work".to_string()
    } else {
        next
    };
    let sep = if next.contains('?') { '&' } else { '?' };
    let target = if next.contains("lang=") {
        next
    } else {
        format!("{next}{sep}lang={}", l.code())
    };
    (jar, Redirect::to(&target)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {}

pub async fn logout(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Checked(CsrfOnly {}): Checked<CsrfOnly>,
) -> Result<Response, Failure> {
    if let Some(hash) = &page.viewer.session {
        state.store.end_session(hash).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to(&format!("/?lang={}", page.l().code()))).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    username: String,
    capture: String,
    view: String,
    new_token: Option<String>,
    /// (id, name, created, revoked)
    tokens: Vec<(String, String, String, String)>,
    email: String,
    /// (mode, label, chosen)
    modes: Vec<(String, String, bool)>,
}

async fn account_page(
    state: &AppState,
    page: Page,
    new_token: Option<String>,
) -> Result<AccountPage, Failure> {
    let user = page.viewer.require_login()?.clone();
    let l = page.l();
    let tokens = state
        .store
        .api_tokens(&user)
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                t.name,
                l.date(t.created_at.date_naive()),
                t.revoked_at
                    .map(|r| l.date(r.date_naive()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let settings = state
        .store
        .notification_settings()
        .await?
        .into_iter()
        .find(|s| s.username == user.username.as_str());
    let mode = settings.as_ref().map_or(DeliveryMode::Off, |s| s.mode);
    Ok(AccountPage {
        tokens,
        email: settings.map(|s| s.email).unwrap_or_default(),
        modes: DeliveryMode::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str().to_string(),
                    l.t(&format!("notify-{}", m.as_str())),
                    *m == mode,
                )
            })
            .collect(),
        username: user.username.to_string(),
        capture: user
            .access
            .capture_scope()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "—".into()),
        view: user
            .access
            .view_scope()
            .map(|c| c.to_string())
            .unwrap_or_else(|| page.l().t("everywhere")),
        new_token,
        c: page.chrome,
    })
}

pub async fn account(State(state): State<AppState>, page: Page) -> Result<Response, Failure> {
    Ok(render(&account_page(&state, page, None).await?))
}

#[derive(Debug, Deserialize)]
pub struct NotifyInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    mode: String,
}

/// Sets how the caller hears of warnings: e-mail now, a daily digest, or not at all.
pub async fn notifications(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<NotifyInput>,
) -> Result<Response, Failure> {
    let user = page.viewer.require_login()?.clone();
    let settings = NotificationSettings {
        username: user.username.to_string(),
        email: input.email.trim().to_string(),
        mode: input.mode.parse()?,
    };
    state.store.set_notification_settings(&settings).await?;
    Ok(Redirect::to(&format!("/account?lang={}", page.l().code())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RevokeInput {
    id: String,
}

/// Revokes one of the caller's API tokens; it stops working at once on this server.
pub async fn revoke_token(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<RevokeInput>,
) -> Result<Response, Failure> {
    let user = page.viewer.require_login()?.clone();
    state
        .store
        .revoke_api_token(&user, &input.id, user.username.as_str())
        .await?;
    state.tokens.clear();
    Ok(Redirect::to(&format!("/account?lang={}", page.l().code())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TokenInput {
    #[serde(default)]
    name: String,
}

/// Issues an API token to the logged-in user; it is shown once and only its hash is kept.
pub async fn create_token(
    State(state): State<AppState>,
    page: Page,
    Checked(input): Checked<TokenInput>,
) -> Result<Response, Failure> {
    let user = page.viewer.require_login()?.clone();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Failure::bad_request(
            "invalid_name",
            "name the token (1 to 80 characters)",
        ));
    }
    let token = new_token();
    state
        .store
        .create_api_token(&user, name, &token_hash(&token), user.username.as_str())
        .await?;
    Ok(render(&account_page(&state, page, Some(token)).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: &[&str]) -> Parts {
        let mut request = axum::http::Request::builder();
        for f in forwarded {
            request = request.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    async fn client(peer: &str, forwarded: &[&str]) -> Option<std::net::IpAddr> {
        let mut p = parts(peer, forwarded);
        ClientAddr::from_request_parts(&mut p, &()).await.unwrap().0
    }

    #[tokio::test]
    async fn the_client_behind_a_local_proxy_is_the_last_address_it_added() {
        let ip = |s: &str| Some(s.parse().unwrap());
        // nginx appends the client to what the client sent: the last entry is the proxy's.
        assert_eq!(
            client("127.0.0.1:5000", &["10.0.0.1, 203.0.113.7"]).await,
            ip("203.0.113.7")
        );
        assert_eq!(
            client("127.0.0.1:5000", &["10.0.0.1", "203.0.113.8"]).await,
            ip("203.0.113.8")
        );
        // A dual-stack socket's IPv4 loopback is loopback too.
        assert_eq!(
            client("[::ffff:127.0.0.1]:5000", &["203.0.113.9"]).await,
            ip("203.0.113.9")
        );
        // A client that is not the local proxy cannot claim another address.
        assert_eq!(
            client("198.51.100.1:5000", &["127.0.0.1"]).await,
            ip("198.51.100.1")
        );
        assert!(from_this_machine(&parts("127.0.0.1:9", &[])));
        assert!(!from_this_machine(&parts("127.0.0.1:9", &["203.0.113.7"])));
        assert!(!from_this_machine(&parts("198.51.100.1:9", &[])));
    }
}
