//! Targets (KPIs).

use tiendo_domain::documents::DocumentCode;
use tiendo_domain::targets::{Baseline, Target};

use crate::rows::{from_json, parse, parse_opt, read_english, read_vietnamese, text_enum};
use crate::{on_pool, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    code: String,
    document: Option<String>,
    group_code: Option<String>,
    name_en: String,
    name_vi: Option<String>,
    family: String,
    unit: String,
    direction: String,
    goals: String,
    baseline_value: Option<f64>,
    baseline_period: Option<String>,
    periodicity: String,
    aggregation: String,
    reporters: String,
    source: Option<String>,
    bounds: Option<String>,
}

const SELECT_TARGETS: &str = "SELECT t.code, d.code AS document, t.group_code, \
     t.name_en, t.name_vi, t.family, t.unit, t.direction, t.goals, t.baseline_value, \
     t.baseline_period, t.periodicity, t.aggregation, t.reporters, t.source, t.bounds \
     FROM targets t LEFT JOIN documents d ON d.id = t.document_id";

/// The definitions of the targets whose codes are `codes`, bound as the statement's only list.
pub(crate) fn named(lists: crate::params::Lists, codes: &crate::params::Column<'_>) -> String {
    format!(
        "{SELECT_TARGETS} WHERE {}",
        lists.one_of("t.code", codes, 0)
    )
}

impl TargetRow {
    pub(crate) fn into_target(self) -> Result<Target> {
        let baseline = match (self.baseline_value, self.baseline_period) {
            (Some(value), Some(p)) => Some(Baseline {
                value,
                period: parse("baseline period", &p)?,
            }),
            (None, None) => None,
            _ => {
                return Err(StoreError::Corrupt {
                    what: "baseline",
                    detail: format!("target {} has half a baseline", self.code),
                })
            }
        };
        Ok(Target {
            code: parse("target code", &self.code)?,
            document: parse_opt("document code", self.document.as_deref())?,
            group: parse_opt("section code", self.group_code.as_deref())?,
            name_vi: read_vietnamese(self.name_vi, &self.name_en),
            name_en: read_english(&self.name_en),
            family: text_enum("target family", &self.family)?,
            unit: self.unit,
            direction: text_enum("target direction", &self.direction)?,
            goals: from_json("target goals", &self.goals)?,
            baseline,
            periodicity: parse("periodicity", &self.periodicity)?,
            aggregation: from_json("aggregation", &self.aggregation)?,
            reporters: from_json("reporters", &self.reporters)?,
            source: self.source,
            bounds: self
                .bounds
                .as_deref()
                .map(|b| from_json("target bounds", b))
                .transpose()?,
        })
    }
}

impl Store {
    /// Targets in the order they were defined, optionally only those of one document.
    pub async fn targets(&self, document: Option<&DocumentCode>) -> Result<Vec<Target>> {
        let sql = format!("{SELECT_TARGETS} WHERE ($1 IS NULL OR d.code = $1) ORDER BY t.id");
        let doc = document.map(|d| d.as_str());
        let rows: Vec<TargetRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(doc).fetch_all(pool).await?
        });
        rows.into_iter().map(TargetRow::into_target).collect()
    }
}
