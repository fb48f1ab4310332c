//! User accounts, login sessions and API tokens.
//!
//! Passwords arrive here already hashed (the web layer owns hashing), and session and API
//! tokens only as hashes, so nothing in the database lets anyone log in.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tiendo_domain::accounts::{Access, Role, Username};
use tiendo_domain::orgs::OrgCode;

use crate::audit::{append, Record};
use crate::rows::{parse, parse_opt, to_json};
use crate::{on_pool, Result, Store, StoreError};

/// A user as the rest of tiendo sees it: never with its password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    #[serde(flatten)]
    pub access: Access,
    pub active: bool,
    /// Someone else chose the password: the user chooses their own before anything else.
    pub must_change_password: bool,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub access: Access,
    /// The password was chosen for the user (a one-time password): they change it first.
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    capture_scope: Option<String>,
    view_scope: Option<String>,
    active: bool,
    must_change_password: bool,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        let role: Role = parse("role", &self.role)?;
        let capture: Option<OrgCode> = parse_opt("unit code", self.capture_scope.as_deref())?;
        let view: Option<OrgCode> = parse_opt("unit code", self.view_scope.as_deref())?;
        Ok(User {
            id: self.id,
            username: parse("user name", &self.username)?,
            display_name: self.display_name,
            access: Access::new(role, capture, view).map_err(|e| StoreError::Corrupt {
                what: "user scopes",
                detail: e.to_string(),
            })?,
            active: self.active,
            must_change_password: self.must_change_password,
        })
    }
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.capture_scope, u.view_scope, u.active, \
     u.must_change_password";

impl Store {
    /// Creates an account; the user name must be free.
    pub async fn create_user(&self, user: &NewUser, actor: &str) -> Result<User> {
        self.create_users(std::slice::from_ref(user), actor).await?;
        self.user(&user.username)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: "user",
                detail: format!("{} vanished after it was created", user.username),
            })
    }

    /// Creates accounts all together or none: every user name must be free and appear once.
    pub async fn create_users(&self, users: &[NewUser], actor: &str) -> Result<()> {
        let now = Utc::now();
        let mut seen = std::collections::HashSet::new();
        for u in users {
            if !seen.insert(u.username.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "the user name {} appears twice",
                    u.username
                )));
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            for user in users {
                let access = &user.access;
                let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
                    .bind(user.username.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if exists > 0 {
                    return Err(StoreError::Invalid(format!(
                        "the user name {} is taken",
                        user.username
                    )));
                }
                sqlx::query(
                    "INSERT INTO users (username, display_name, password_hash, role, capture_scope, \
                     view_scope, active, created_at, must_change_password) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8)",
                )
                .bind(user.username.as_str())
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(access.role().as_str())
                .bind(access.capture_scope().map(|c| c.as_str()))
                .bind(access.view_scope().map(|c| c.as_str()))
                .bind(now)
                .bind(user.must_change_password)
                .execute(&mut *tx)
                .await?;
                let record = Record {
                    actor,
                    action: "user.create",
                    object: format!("user {}", user.username),
                    before: None,
                    after: Some(to_json(&serde_json::json!({
                        "display_name": user.display_name,
                        "access": access,
                    }))),
                };
                append!(tx, now, record);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces an account's password (its hash), to be changed at the next login when someone
    /// else chose it (`must_change`); the audit log records that it changed.
    pub async fn set_password(
        &self,
        username: &Username,
        password_hash: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<()> {
        let now = Utc::now();
        let record = Record {
            actor,
            action: "user.password",
            object: format!("user {username}"),
            before: None,
            after: None,
        };
        let changed = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let changed = sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE username = $3",
            )
                .bind(password_hash)
                .bind(must_change)
                .bind(username.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 1 {
                append!(tx, now, record);
                crate::feed::announce!(self, tx, crate::feed::ACCOUNTS, "");
                tx.commit().await?;
            }
            changed
        });
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!("username: no user {username}")))
        }
    }

    /// Every account, by user name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    pub async fn user(&self, username: &Username) -> Result<Option<User>> {
        Ok(self.credentials(username).await?.map(|(u, _)| u))
    }

    /// A user and its password hash, for logging in.
    pub async fn credentials(&self, username: &Username) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let sql =
            format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1");
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(username.as_str()).fetch_optional(pool).await?
        });
        row.map(|r| Ok((r.user.into_user()?, r.password_hash)))
            .transpose()
    }

    /// Activates or deactivates an account; a deactivated account's sessions end at once and
    /// its API tokens are revoked.
    pub async fn set_user_active(
        &self,
        username: &Username,
        active: bool,
        actor: &str,
    ) -> Result<()> {
        let Some(user) = self.user(username).await? else {
            return Err(StoreError::Invalid(format!("there is no user {username}")));
        };
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                .bind(active)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?;
                // Its API tokens are revoked for good: reactivating the account must not
                // bring back a token that may have leaked meanwhile.
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            }
            let record = Record {
                actor,
                action: if active { "user.activate" } else { "user.deactivate" },
                object: format!("user {username}"),
                before: Some(to_json(&serde_json::json!({ "active": user.active }))),
                after: Some(to_json(&serde_json::json!({ "active": active }))),
            };
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::ACCOUNTS, "");
            tx.commit().await?;
        });
        Ok(())
    }

    /// Gives an account its role's scopes anew (the role stays); audited with before and after.
    pub async fn set_user_access(
        &self,
        username: &Username,
        access: &Access,
        actor: &str,
    ) -> Result<()> {
        let Some(user) = self.user(username).await? else {
            return Err(StoreError::Invalid(format!("there is no user {username}")));
        };
        if user.access.role() != access.role() {
            return Err(StoreError::Invalid(format!(
                "role: {username} stays {}",
                user.access.role()
            )));
        }
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("UPDATE users SET capture_scope = $1, view_scope = $2 WHERE id = $3")
                .bind(access.capture_scope().map(|c| c.as_str()))
                .bind(access.view_scope().map(|c| c.as_str()))
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            let record = Record {
                actor,
                action: "user.scope",
                object: format!("user {username}"),
                before: Some(to_json(&user.access)),
                after: Some(to_json(access)),
            };
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::ACCOUNTS, "");
            tx.commit().await?;
        });
        Ok(())
    }

    /// Starts a session for `user` until `expires_at`.
    pub async fn create_session(
        &self,
        user: &User,
        token_hash: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user.id)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The active user and CSRF token of a session that has not expired at `now`.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf: String,
        }
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
        );
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(pool).await?
        });
        row.map(|r| Ok((r.user.into_user()?, r.csrf))).transpose()
    }

    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Issues an API token named `name` to `user`; only its hash is kept.
    pub async fn create_api_token(
        &self,
        user: &User,
        name: &str,
        token_hash: &str,
        actor: &str,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user.id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let record = Record {
                actor,
                action: "token.create",
                object: format!("user {}", user.username),
                before: None,
                after: Some(to_json(&serde_json::json!({ "token": name }))),
            };
            append!(tx, now, record);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The active user an unrevoked API token belongs to.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active"
        );
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(token_hash).fetch_optional(pool).await?
        });
        row.map(UserRow::into_user).transpose()
    }
}

/// An API token as its owner sees it: never the token itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The API tokens of `user`, newest first; each is named by the first 12 characters of
    /// its hash.
    pub async fn api_tokens(&self, user: &User) -> Result<Vec<TokenInfo>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            token_hash: String,
            name: String,
            created_at: DateTime<Utc>,
            revoked_at: Option<DateTime<Utc>>,
        }
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT token_hash, name, created_at, revoked_at FROM api_tokens \
                 WHERE user_id = $1 ORDER BY created_at DESC",
            )
            .bind(user.id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| TokenInfo {
                id: r.token_hash.chars().take(12).collect(),
                name: r.name,
                created_at: r.created_at,
                revoked_at: r.revoked_at,
            })
            .collect())
    }

    /// Revokes the token of `user` whose id (hash prefix) is `id`.
    pub async fn revoke_api_token(&self, user: &User, id: &str, actor: &str) -> Result<()> {
        if id.len() != 12 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::Invalid(format!(
                "\"{id}\" does not name a token"
            )));
        }
        let now = Utc::now();
        let prefix = format!("{id}%");
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND token_hash LIKE $3 \
                 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user.id)
            .bind(&prefix)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Invalid(format!("{} has no active token {id}", user.username)));
            }
            let record = Record {
                actor,
                action: "token.revoke",
                object: format!("user {}", user.username),
                before: None,
                after: Some(to_json(&serde_json::json!({ "token": id }))),
            };
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::ACCOUNTS, "");
            tx.commit().await?;
        });
        Ok(())
    }
}
