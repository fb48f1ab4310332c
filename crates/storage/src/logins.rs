//! Failed sign-ins, counted in the database so that every tiendo server over it holds back
//! the same guesser. What the counts mean (how long to wait) is the web layer's policy.

use chrono::{DateTime, Utc};

use crate::{on_pool, Result, Store};

/// The failures counted against one subject (a user name from an address, or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub last_at: DateTime<Utc>,
}

impl Store {
    /// The failures counted against `subject`, if any.
    pub async fn login_failures(&self, subject: &str) -> Result<Option<LoginFailures>> {
        let row: Option<(i64, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT failures, last_at FROM login_failures WHERE subject = $1")
                .bind(subject)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(count, last_at)| LoginFailures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            last_at,
        }))
    }

    /// Counts one more failure against each of `subjects` at `now`. A subject quiet since
    /// `fresh_after` starts again from one, and every subject quiet since then is forgotten,
    /// so names and addresses a visitor invents are not kept.
    pub async fn count_login_failure(
        &self,
        subjects: &[&str],
        now: DateTime<Utc>,
        fresh_after: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("DELETE FROM login_failures WHERE last_at < $1")
                .bind(fresh_after)
                .execute(&mut *tx)
                .await?;
            for subject in subjects {
                sqlx::query(
                    "INSERT INTO login_failures (subject, failures, last_at) VALUES ($1, 1, $2) \
                     ON CONFLICT (subject) DO UPDATE SET \
                     failures = login_failures.failures + 1, last_at = excluded.last_at",
                )
                .bind(subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets the failures counted against `subject` (its owner has signed in).
    pub async fn forget_login_failures(&self, subject: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE subject = $1")
                .bind(subject)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
