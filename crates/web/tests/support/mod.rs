//! A demo database behind the router, and a client that keeps cookies and the CSRF token as a
//! browser does.
#![allow(dead_code)] // each test file uses its own part of the support

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tiendo_storage::Store;
use tiendo_web::{ensure_demo_accounts, router, AppState, Passwords, DEMO_PASSWORD};
use tower::ServiceExt;

pub struct App {
    pub router: axum::Router,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// The reference dataset and the demo accounts on a fresh SQLite file, judged on `day`.
pub async fn demo(day: &str) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("tiendo.db").to_str().unwrap())
        .await
        .unwrap();
    demo_on(store, dir, day).await
}

/// The same, with reporters' entry closing `days` after each period ends.
pub async fn demo_closing(day: &str, days: u32) -> App {
    let app = demo(day).await;
    let state = app.state.clone().with_entry_closing(Some(days));
    App {
        router: router(state.clone()),
        state,
        _dir: app._dir,
    }
}

/// The same on PostgreSQL (`TIENDO_TEST_POSTGRES_URL`), in a schema of its own.
pub async fn demo_on_postgres(day: &str, schema: &str) -> App {
    let url = std::env::var("TIENDO_TEST_POSTGRES_URL").expect("TIENDO_TEST_POSTGRES_URL");
    let store = Store::open_in_new_schema(&url, schema).await.unwrap();
    demo_on(store, tempfile::tempdir().unwrap(), day).await
}

async fn demo_on(store: Store, dir: tempfile::TempDir, day: &str) -> App {
    store
        .load_dataset(&tiendo_dataset::reference().unwrap())
        .await
        .unwrap();
    ensure_demo_accounts(&store, &Passwords::cheap())
        .await
        .unwrap();
    let state = AppState::load(store, Some(day.parse().unwrap()), Passwords::cheap())
        .await
        .unwrap();
    App {
        router: router(state.clone()),
        state,
        _dir: dir,
    }
}

pub struct Res {
    pub status: StatusCode,
    pub kind: String,
    pub location: String,
    pub cache: String,
    pub csp: String,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A browser-like client: cookies kept, the last page's CSRF token remembered.
pub struct Client {
    app: axum::Router,
    cookies: HashMap<String, String>,
    pub csrf: String,
    pub bearer: Option<String>,
    /// The address the server sees the client at; none, as in-process requests have.
    pub addr: Option<std::net::SocketAddr>,
    /// A server listening on TCP to send to instead of the router in process.
    remote: Option<Remote>,
}

/// A tiendo server on a TCP port, reached from a chosen local address.
struct Remote {
    base: String,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Body,
    >,
}

/// Serves `app` on a loopback port, as `tiendo serve` does; returns its address.
pub async fn listen(app: &App) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

impl Client {
    pub fn new(app: &App) -> Client {
        Client {
            app: app.router.clone(),
            cookies: HashMap::new(),
            csrf: String::new(),
            bearer: None,
            addr: None,
            remote: None,
        }
    }

    /// A client of the server at `base` over TCP, connecting from `from` (any 127.x.y.z is
    /// loopback, so clients can stand for different people's addresses).
    pub fn remote(app: &App, base: &str, from: std::net::IpAddr) -> Client {
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_local_address(Some(from));
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Client {
            remote: Some(Remote {
                base: base.to_string(),
                client,
            }),
            ..Client::new(app)
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        uri: &str,
        kind: &str,
        body: impl Into<Body>,
    ) -> Res {
        let mut req = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, jar.join("; "));
        }
        if let Some(token) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if !kind.is_empty() {
            req = req.header(header::CONTENT_TYPE, kind);
        }
        if !self.csrf.is_empty() {
            req = req.header("x-csrf-token", self.csrf.clone());
        }
        let mut req = req.body(body.into()).unwrap();
        if let Some(addr) = self.addr {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let res = match &self.remote {
            None => self.app.clone().oneshot(req).await.unwrap(),
            Some(remote) => {
                let (mut parts, body) = req.into_parts();
                parts.uri = format!("{}{}", remote.base, parts.uri).parse().unwrap();
                remote
                    .client
                    .request(Request::from_parts(parts, body))
                    .await
                    .unwrap()
                    .map(Body::new)
            }
        };
        for c in res.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = res.status();
        let header = |h| {
            res.headers()
                .get(h)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (kind, location, cache, csp) = (
            header(header::CONTENT_TYPE),
            header(header::LOCATION),
            header(header::CACHE_CONTROL),
            header(header::CONTENT_SECURITY_POLICY),
        );
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = hidden(&body, "csrf") {
            if !token.is_empty() {
                self.csrf = token;
            }
        }
        Res {
            status,
            kind,
            location,
            cache,
            csp,
            body,
            bytes,
        }
    }

    pub async fn get(&mut self, uri: &str) -> Res {
        self.send(Method::GET, uri, "", String::new()).await
    }

    /// Posts a form with the CSRF token the last page carried.
    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Res {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf", &csrf));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(Method::POST, uri, "application/x-www-form-urlencoded", body)
            .await
    }

    /// Posts a `multipart/form-data` form: text fields, then files as (field, name, bytes).
    pub async fn post_multipart(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Res {
        let boundary = "tiendo-test-boundary-7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Method::POST,
            uri,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    pub async fn post_json(&mut self, uri: &str, body: serde_json::Value) -> Res {
        self.send(Method::POST, uri, "application/json", body.to_string())
            .await
    }

    /// Logs in through the login form; returns the response to the form.
    pub async fn login(&mut self, user: &str, password: &str) -> Res {
        let form = self.get("/login").await;
        let token = hidden(&form.body, "token").expect("the login form carries a token");
        let res = self
            .post_form(
                "/login",
                &[
                    ("token", &token),
                    ("username", user),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        if res.status == StatusCode::SEE_OTHER {
            // Load a page so the session's CSRF token is known.
            self.get("/account").await;
        }
        res
    }

    pub async fn login_demo(&mut self, user: &str) {
        let res = self.login(user, DEMO_PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "{user} logs in: {}",
            res.body
        );
    }
}

/// The value of the hidden input `name` in a page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Fills a downloaded XLSX template as an officer does in Excel: every cell kept, and the value
/// column (G) of the rows whose target is given typed in — a number where Excel would store one,
/// text otherwise.
pub fn fill_xlsx(template: &[u8], values: &[(&str, &str)]) -> Vec<u8> {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let mut source: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(template)).unwrap();
    let name = source.sheet_names()[0].clone();
    let range = source.worksheet_range(&name).unwrap();
    let (top, left) = range.start().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&name).unwrap();
    for (i, row) in range.rows().enumerate() {
        let r = top + i as u32;
        for (j, cell) in row.iter().enumerate() {
            let c = (left as usize + j) as u16;
            match cell {
                Data::String(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                Data::Float(f) => {
                    sheet.write_number(r, c, *f).unwrap();
                }
                Data::Int(n) => {
                    sheet.write_number(r, c, *n as f64).unwrap();
                }
                _ => {}
            }
        }
        let target = match row.first() {
            Some(Data::String(s)) => s.as_str(),
            _ => "",
        };
        if let Some((_, typed)) = values.iter().find(|(t, _)| *t == target) {
            match typed.parse::<f64>() {
                Ok(n) => sheet.write_number(r, 6, n).unwrap(),
                Err(_) => sheet.write_string(r, 6, *typed).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

/// The review queue's key of the current version of a value (`target|unit|period|version`),
/// as the queue page and `GET /api/v1/approvals` show it.
pub async fn review_key(app: &App, target: &str, unit: &str, period: &str) -> String {
    format!(
        "{target}|{unit}|{period}|{}",
        current_version(app, target, unit, period).await
    )
}

/// The id of the current version of a value.
pub async fn current_version(app: &App, target: &str, unit: &str, period: &str) -> i64 {
    app.state
        .store
        .value_history(
            &target.parse().unwrap(),
            &unit.parse().unwrap(),
            period.parse().unwrap(),
        )
        .await
        .unwrap()
        .last()
        .expect("a value")
        .version
}
