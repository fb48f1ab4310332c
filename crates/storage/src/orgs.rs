//! Organisation units and their successions.

use std::collections::HashMap;

use chrono::NaiveDate;
use tiendo_domain::orgs::{Hierarchy, OrgUnit, Succession, Validity};

use crate::rows::{parse, parse_opt, text_enum};
use crate::{on_pool, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct UnitRow {
    code: String,
    kind: String,
    name_vi: String,
    name_en: String,
    parent: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    synthetic: bool,
    source: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SuccessionRow {
    predecessor: String,
    successor: String,
    effective: NaiveDate,
    source: Option<String>,
}

/// A unit's key columns, for resolving codes on import.
#[derive(sqlx::FromRow)]
pub(crate) struct UnitKey {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Store {
    /// Every unit ever in force, with successions: the hierarchy "as of" any day is read from it.
    pub async fn hierarchy(&self) -> Result<Hierarchy> {
        let (units, successions) = on_pool!(self, pool => {
            let units: Vec<UnitRow> = sqlx::query_as(
                "SELECT u.code, u.kind, u.name_vi, u.name_en, p.code AS parent, u.valid_from, \
                 u.valid_to, u.synthetic, u.source \
                 FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id ORDER BY u.id",
            )
            .fetch_all(pool)
            .await?;
            let successions: Vec<SuccessionRow> = sqlx::query_as(
                "SELECT p.code AS predecessor, s.code AS successor, x.effective, x.source \
                 FROM org_successions x JOIN org_units p ON p.id = x.predecessor_id \
                 JOIN org_units s ON s.id = x.successor_id ORDER BY p.id, s.id",
            )
            .fetch_all(pool)
            .await?;
            (units, successions)
        });
        let units = units
            .into_iter()
            .map(|r| {
                Ok(OrgUnit {
                    code: parse("unit code", &r.code)?,
                    kind: parse("unit kind", &r.kind)?,
                    name_vi: r.name_vi,
                    name_en: r.name_en,
                    parent: parse_opt("unit code", r.parent.as_deref())?,
                    validity: Validity::new(r.valid_from, r.valid_to).map_err(|e| {
                        StoreError::Corrupt {
                            what: "unit validity",
                            detail: e.to_string(),
                        }
                    })?,
                    synthetic: r.synthetic,
                    source: r.source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let successions = successions
            .into_iter()
            .map(|r| {
                Ok(Succession {
                    predecessor: parse("unit code", &r.predecessor)?,
                    successor: parse("unit code", &r.successor)?,
                    effective: r.effective,
                    source: r.source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Hierarchy::new(units, successions).map_err(|e| StoreError::Corrupt {
            what: "hierarchy",
            detail: e.to_string(),
        })
    }

    pub(crate) async fn unit_keys(&self) -> Result<HashMap<String, UnitKey>> {
        let rows: Vec<UnitKey> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, code, kind, valid_from, valid_to FROM org_units")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

impl UnitKey {
    pub(crate) fn validity(&self) -> Validity {
        Validity::new(self.valid_from, self.valid_to).unwrap_or_default()
    }

    pub(crate) fn kind(&self) -> Result<tiendo_domain::orgs::OrgKind> {
        text_enum("unit kind", &self.kind)
    }
}
