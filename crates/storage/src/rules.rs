//! Validation rules between targets: those the dataset ships and those the standing office
//! adds. A rule is withdrawn rather than deleted, so the audit trail keeps what it said.

use chrono::Utc;
use tiendo_domain::validation::ValidationRule;

use crate::audit::{append, Record};
use crate::rows::{from_json, to_json};
use crate::{on_pool, Result, Store, StoreError};

impl Store {
    /// The rules in force, by code.
    pub async fn validation_rules(&self) -> Result<Vec<ValidationRule>> {
        let rows: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT rule FROM validation_rules WHERE withdrawn_on IS NULL ORDER BY code",
            )
            .fetch_all(pool)
            .await?
        });
        rows.iter()
            .map(|r| from_json("validation rule", r))
            .collect()
    }

    /// Adds a rule: it must be well formed, its code new and every target it reads defined.
    pub async fn add_validation_rule(&self, rule: &ValidationRule, actor: &str) -> Result<()> {
        rule.validate().map_err(StoreError::Invalid)?;
        if self.id_of("validation_rules", &rule.code).await?.is_some() {
            return Err(StoreError::Invalid(format!(
                "code: rule {} already exists",
                rule.code
            )));
        }
        for t in rule.targets() {
            if self.id_of("targets", t.as_str()).await?.is_none() {
                return Err(StoreError::Invalid(format!(
                    "targets: target {t} does not exist"
                )));
            }
        }
        let now = Utc::now();
        let record = Record {
            actor,
            action: "rule.create",
            object: format!("rule {}", rule.code),
            before: None,
            after: Some(to_json(rule)),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            sqlx::query("INSERT INTO validation_rules (code, rule) VALUES ($1, $2)")
                .bind(&rule.code)
                .bind(to_json(rule))
                .execute(&mut *tx)
                .await?;
            append!(tx, now, record);
            crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
            tx.commit().await?;
        });
        Ok(())
    }

    /// Withdraws a rule in force from the day of the call; values are no longer checked
    /// against it.
    pub async fn withdraw_validation_rule(&self, code: &str, actor: &str) -> Result<()> {
        let today = Utc::now().date_naive();
        let now = Utc::now();
        let record = Record {
            actor,
            action: "rule.withdraw",
            object: format!("rule {code}"),
            before: None,
            after: Some(to_json(&serde_json::json!({ "withdrawn_on": today }))),
        };
        let changed = on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            let changed = sqlx::query(
                "UPDATE validation_rules SET withdrawn_on = $1 \
                 WHERE code = $2 AND withdrawn_on IS NULL",
            )
            .bind(today)
            .bind(code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                append!(tx, now, record);
                crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
                tx.commit().await?;
            }
            changed
        });
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "code: no rule {code} is in force"
            )))
        }
    }
}
