//! Who is asking: sessions (cookies), API tokens (bearer), passwords (argon2id), CSRF tokens
//! and the login rate limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tiendo_domain::accounts::Access;
use tiendo_storage::User;

use crate::failure::Failure;
use crate::AppState;

pub const SESSION_COOKIE: &str = "tiendo_session";
/// Holds the CSRF token of the login form, before there is a session to hold it.
pub const LOGIN_COOKIE: &str = "tiendo_login";
pub const SESSION_HOURS: i64 = 12;

/// Password hashing with argon2id. Production uses OWASP's recommended cost; tests use the
/// cheapest parameters so a suite of logins stays fast.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
}

impl Passwords {
    /// 19 MiB, 2 passes, 1 lane: OWASP's first recommended argon2id setting.
    pub fn production() -> Passwords {
        Passwords {
            params: Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
        }
    }

    pub fn cheap() -> Passwords {
        Passwords {
            params: Params::new(8, 1, 1, None).expect("valid argon2 parameters"),
        }
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> Result<String, Failure> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Failure::internal(format!("cannot hash a password: {e}")))
    }

    /// Verifies with the parameters stored in the hash, whatever this instance's are.
    pub fn verify(&self, hash: &str, password: &str) -> bool {
        PasswordHash::new(hash)
            .map(|h| {
                self.argon()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// Passwords must be at least this long.
pub use tiendo_domain::accounts::MIN_PASSWORD;

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Crockford's base 32: digits and capitals without I, L, O and U, which are read wrong.
const TRACKING_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A code a citizen can read out, write down and type on a phone: 12 characters of Crockford's
/// base 32 (60 random bits) in groups of four, `7K3M-Q9TA-X2PD`. Guessing one online against a
/// case's reference is hopeless; a 64-character token asked too much of a person.
pub fn new_tracking_code() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| TRACKING_ALPHABET[usize::from(b % 32)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A tracking code as typed, read as Crockford's base 32 reads it: case, spaces and hyphens do
/// not count, O is read as 0, I and L as 1. This is what is hashed and compared.
pub fn tracking_code_read(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A cookie only the server reads, sent only over HTTPS (browsers treat `localhost` as
/// secure) and never on cross-site subrequests.
pub fn private_cookie(
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build()
}

/// The caller of a request: a logged-in user, a machine client with an API token, or the
/// public.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Option<User>,
    pub access: Access,
    /// The session's CSRF token; API-token callers have none and need none.
    pub csrf: Option<String>,
    pub session: Option<String>,
}

impl Viewer {
    pub fn public() -> Viewer {
        Viewer {
            user: None,
            access: Access::Public,
            csrf: None,
            session: None,
        }
    }

    fn of(user: User, csrf: Option<String>, session: Option<String>) -> Viewer {
        Viewer {
            access: user.access.clone(),
            user: Some(user),
            csrf,
            session,
        }
    }

    /// The name written into values and the audit log.
    pub fn name(&self) -> &str {
        self.user.as_ref().map_or("public", |u| u.username.as_str())
    }

    /// Refuses a cookie-authenticated write whose CSRF token does not match the session's.
    /// Bearer-token writes carry no cookie a third-party site could ride on.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), Failure> {
        match (&self.csrf, self.session.is_some()) {
            (_, false) => Ok(()),
            (Some(expected), true) if given.is_some_and(|g| same_token(g, expected)) => Ok(()),
            _ => Err(Failure::forbidden(
                "csrf_failed",
                "the form's security token is missing or stale; reload the page and try again",
            )),
        }
    }

    /// Refuses the public: the caller must log in.
    pub fn require_login(&self) -> Result<&User, Failure> {
        self.user.as_ref().ok_or_else(Failure::login_required)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Failure> {
        // A handler's guards and its page frame each ask; the session is looked up once.
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let api = parts.uri.path().starts_with("/api/");
        let viewer = resolve(parts, state)
            .await
            .map_err(|f| if api { f.as_json() } else { f })?;
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Viewer, Failure> {
    {
        if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    Failure::unauthorized("the Authorization header must be `Bearer <token>`")
                })?;
            let user = state
                .tokens
                .user(&state.store, &token_hash(token.trim()))
                .await?
                .ok_or_else(|| Failure::unauthorized("the API token is unknown or revoked"))?;
            return Ok(Viewer::of(user, None, None));
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(Viewer::public());
        };
        let hash = token_hash(cookie.value());
        match state.store.session(&hash, chrono::Utc::now()).await? {
            Some((user, csrf)) => Ok(Viewer::of(user, Some(csrf), Some(hash))),
            // An expired or ended session reads as the public; the login page offers a new one.
            None => Ok(Viewer::public()),
        }
    }
}

/// API tokens resolved recently, so a machine client writing many values costs one lookup a
/// minute instead of one a request. Revoking or deactivating clears the cache.
#[derive(Default)]
pub struct TokenCache {
    users: Mutex<HashMap<String, (User, Instant)>>,
}

const TOKEN_TTL: Duration = Duration::from_secs(60);

impl TokenCache {
    pub async fn user(
        &self,
        store: &tiendo_storage::Store,
        hash: &str,
    ) -> Result<Option<User>, Failure> {
        if let Some((user, at)) = self.lock().get(hash) {
            if at.elapsed() < TOKEN_TTL {
                return Ok(Some(user.clone()));
            }
        }
        let user = store.token_user(hash).await?;
        if let Some(u) = &user {
            self.lock()
                .insert(hash.to_string(), (u.clone(), Instant::now()));
        }
        Ok(user)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (User, Instant)>> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// At most `max` events (failed logins, feedback submissions) per key in a sliding `window`;
/// further attempts are refused without doing the work. Keys name a user, an address or a
/// sender; empty keys are ignored.
pub struct RateLimiter {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            events: Mutex::default(),
        }
    }

    /// Feedback: 5 submissions per address an hour.
    pub fn submissions() -> RateLimiter {
        RateLimiter::new(5, Duration::from_secs(60 * 60))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether one more event for these keys may happen now.
    pub fn allows(&self, keys: &[&str]) -> bool {
        let mut map = self.lock();
        keys.iter().filter(|k| !k.is_empty()).all(|k| {
            let list = map.entry((*k).to_string()).or_default();
            list.retain(|t| t.elapsed() < self.window);
            list.len() < self.max
        })
    }

    pub fn record(&self, keys: &[&str]) {
        let mut map = self.lock();
        for k in keys.iter().filter(|k| !k.is_empty()) {
            map.entry((*k).to_string())
                .or_default()
                .push(Instant::now());
        }
    }
}

/// Failed logins slow down the one who fails, never the account's owner elsewhere: each pair
/// of user name and address may fail a few times freely, then waits twice as long after every
/// further failure (up to 15 minutes); an address failing for many user names is held back as
/// a whole. Nobody can lock an account by naming it from their own address. The counts live
/// in the database, so every server over it holds back the same guesser.
pub mod login_throttle {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use tiendo_storage::{LoginFailures, Store};

    /// Failures of one user name from one address before waits begin.
    pub const FREE: u32 = 5;
    /// The longest wait.
    pub const LONGEST: Duration = Duration::from_secs(15 * 60);
    /// Failures of one address, for any user names, within `LONGEST` before it waits.
    pub const PER_ADDRESS: u32 = 50;
    /// The characters of a typed user name that are kept: a visitor may type any length.
    const NAME_KEPT: usize = 100;

    fn pair(user: &str, address: &str) -> String {
        let name: String = user.to_lowercase().chars().take(NAME_KEPT).collect();
        format!("pair {address} {name}")
    }

    fn whole(address: &str) -> String {
        format!("address {address}")
    }

    fn wait_after(count: u32) -> Duration {
        match count.checked_sub(FREE) {
            None => Duration::ZERO,
            Some(extra) => Duration::from_secs(1u64 << extra.min(10)).min(LONGEST),
        }
    }

    fn since(f: &LoginFailures, now: DateTime<Utc>) -> Duration {
        (now - f.last_at).to_std().unwrap_or(Duration::ZERO)
    }

    fn longest() -> chrono::Duration {
        chrono::Duration::from_std(LONGEST).unwrap_or(chrono::Duration::MAX)
    }

    /// How long `user` from `address` must still wait at `now` before trying again; zero when
    /// they may try now.
    pub async fn wait(
        store: &Store,
        user: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> tiendo_storage::Result<Duration> {
        let by_pair = store
            .login_failures(&pair(user, address))
            .await?
            .filter(|f| now - f.last_at < longest())
            .map_or(Duration::ZERO, |f| {
                wait_after(f.count).saturating_sub(since(&f, now))
            });
        let by_address = if address.is_empty() {
            Duration::ZERO
        } else {
            store
                .login_failures(&whole(address))
                .await?
                .filter(|f| f.count >= PER_ADDRESS)
                .map_or(Duration::ZERO, |f| LONGEST.saturating_sub(since(&f, now)))
        };
        Ok(by_pair.max(by_address))
    }

    /// Counts a failed sign-in of `user` from `address` at `now`.
    pub async fn failed(
        store: &Store,
        user: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> tiendo_storage::Result<()> {
        let pair = pair(user, address);
        let whole = whole(address);
        let subjects: &[&str] = if address.is_empty() {
            &[&pair]
        } else {
            &[&pair, &whole]
        };
        store
            .count_login_failure(subjects, now, now - longest())
            .await
    }

    /// `user` signed in from `address`: their earlier failures there no longer count.
    pub async fn succeeded(store: &Store, user: &str, address: &str) -> tiendo_storage::Result<()> {
        store.forget_login_failures(&pair(user, address)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A tracking code read back as a person might type it (lower case, spaces for
        /// hyphens, O for 0, l for 1) is the same code.
        #[test]
        fn tracking_codes_survive_being_retyped(_seed in 0u8..=255) {
            let code = new_tracking_code();
            prop_assert_eq!(code.len(), 14);
            prop_assert!(code.chars().all(|c| c == '-' || TRACKING_ALPHABET.contains(&(c as u8))));
            let retyped = code
                .to_lowercase()
                .replace('-', " ")
                .replace('0', "o")
                .replace('1', "l");
            prop_assert_eq!(tracking_code_read(&retyped), tracking_code_read(&code));
            prop_assert_eq!(tracking_code_read(&code).len(), 12);
        }
    }
}
