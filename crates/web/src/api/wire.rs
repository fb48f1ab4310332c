//! The API's own input types for the standing office's definitions. They are Vietnamese first
//! (a Vietnamese name is required, an English one optional) and turn into domain values here,
//! so the JSON contract can stay put while the domain changes. Codes and closed enumerations
//! are read by the domain's own parsers, so an unknown one is refused with the field named.

use chrono::NaiveDate;
use serde::Deserialize;

use tiendo_domain::documents::{Document, DocumentCode, DocumentKind, Section, SectionCode};
use tiendo_domain::orgs::{OrgCode, OrgKind, OrgUnit, Validity};
use tiendo_domain::periods::Periodicity;
use tiendo_domain::targets::{
    Aggregation, Baseline, Direction, Family, Goal, Reporters, Target, TargetCode,
};
use tiendo_domain::tasks::{Confidentiality, Task, TaskCode};
use utoipa::ToSchema;

use crate::app::definitions::Definition;
use crate::failure::Failure;

/// An organisation unit to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    /// Upper-case code, e.g. `HA-TINH-X042`.
    #[schema(value_type = String)]
    pub code: OrgCode,
    /// national, ministry, agency, province, department, commune
    #[schema(value_type = String)]
    pub kind: OrgKind,
    /// The unit's name in Vietnamese (required).
    pub name_vi: String,
    /// Its English name; the Vietnamese one when omitted.
    pub name_en: Option<String>,
    #[schema(value_type = Option<String>)]
    pub parent: Option<OrgCode>,
    /// First day in force (YYYY-MM-DD); always when omitted.
    pub from: Option<NaiveDate>,
    /// Last day in force; open when omitted.
    pub to: Option<NaiveDate>,
    /// Where the unit is established (an http(s) link or a citation).
    pub source: Option<String>,
}

/// A document of the cascade to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentIn {
    /// e.g. `57-NQ/TW`
    #[schema(value_type = String)]
    pub code: DocumentCode,
    /// resolution, action-programme, plan, decision, …
    #[schema(value_type = String)]
    pub kind: DocumentKind,
    /// The title in Vietnamese, as the document gives it (required).
    pub title_vi: String,
    pub title_en: Option<String>,
    #[schema(value_type = Option<String>)]
    pub issuer: Option<OrgCode>,
    pub issued_on: Option<NaiveDate>,
    /// Codes of the documents this one carries out.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub implements: Vec<DocumentCode>,
    /// Its sections (task groups, parts): `{code, kind, title_en, title_vi}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub sections: Vec<Section>,
    pub structure_note: Option<String>,
    pub source: Option<String>,
}

/// A target (KPI) to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetIn {
    #[schema(value_type = String)]
    pub code: TargetCode,
    #[schema(value_type = Option<String>)]
    pub document: Option<DocumentCode>,
    /// The document's section it belongs to.
    #[schema(value_type = Option<String>)]
    pub group: Option<SectionCode>,
    /// The target's name in Vietnamese, in the document's wording (required).
    pub name_vi: String,
    pub name_en: Option<String>,
    /// strategic, operational
    #[schema(value_type = String)]
    pub family: Family,
    /// Unit of measure: `%`, `0-1`, `rank`, `enterprises`, …
    pub unit: String,
    /// increase or decrease
    #[schema(value_type = String)]
    pub direction: Direction,
    /// `{deadline: {kind: by, year}, requirement: {shape: threshold, op, value}}`, …
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub goals: Vec<Goal>,
    /// `{value, period}`
    #[schema(value_type = Option<Object>)]
    pub baseline: Option<Baseline>,
    /// yearly, half-yearly, quarterly, monthly
    #[schema(value_type = String)]
    pub periodicity: Periodicity,
    /// `{method: sum | mean | weighted-mean (with weight) | min | max | latest}`
    #[schema(value_type = Object)]
    pub aggregation: Aggregation,
    /// `{kinds: [...], units: [...]}`: who reports it; everyone when empty.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub reporters: Reporters,
    pub source: Option<String>,
    /// `{min, max, whole}`: the values it may take, beyond its unit of measure's.
    #[schema(value_type = Option<Object>)]
    pub bounds: Option<tiendo_domain::admissibility::Bounds>,
}

/// A task to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    #[schema(value_type = String)]
    pub code: TaskCode,
    #[schema(value_type = String)]
    pub document: DocumentCode,
    #[schema(value_type = Option<String>)]
    pub group: Option<SectionCode>,
    #[schema(value_type = Option<String>)]
    pub parent: Option<TaskCode>,
    /// The task in Vietnamese, in the document's wording (required).
    pub title_vi: String,
    pub title_en: Option<String>,
    /// The lead unit.
    #[schema(value_type = String)]
    pub lead: OrgCode,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub coordinators: Vec<OrgCode>,
    pub start: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub expected_product: Option<String>,
    /// Targets the task serves.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub targets: Vec<TargetCode>,
    /// public, internal, secret
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
    pub source: Option<String>,
}

fn invalid(field: &str, message: impl std::fmt::Display) -> Failure {
    Failure::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_definition",
        format!("{field}: {message}"),
    )
}

impl TryFrom<UnitIn> for Definition {
    type Error = Failure;

    fn try_from(u: UnitIn) -> Result<Definition, Failure> {
        let validity = Validity::new(u.from, u.to).map_err(|e| invalid("to", e))?;
        Ok(Definition::Unit(OrgUnit {
            code: u.code,
            kind: u.kind,
            name_en: u.name_en.unwrap_or_else(|| u.name_vi.clone()),
            name_vi: u.name_vi,
            parent: u.parent,
            validity,
            synthetic: false,
            source: u.source,
        }))
    }
}

impl From<DocumentIn> for Definition {
    fn from(d: DocumentIn) -> Definition {
        Definition::Document(Document {
            code: d.code,
            kind: d.kind,
            title_en: d.title_en,
            title_vi: d.title_vi,
            issuer: d.issuer,
            issued_on: d.issued_on,
            implements: d.implements,
            sections: d.sections,
            structure_note: d.structure_note,
            source: d.source,
        })
    }
}

impl From<TargetIn> for Definition {
    fn from(t: TargetIn) -> Definition {
        Definition::Target(Target {
            code: t.code,
            document: t.document,
            group: t.group,
            name_en: t.name_en,
            name_vi: t.name_vi,
            family: t.family,
            unit: t.unit,
            direction: t.direction,
            goals: t.goals,
            baseline: t.baseline,
            periodicity: t.periodicity,
            aggregation: t.aggregation,
            reporters: t.reporters,
            source: t.source,
            bounds: t.bounds,
        })
    }
}

impl From<TaskIn> for Definition {
    fn from(t: TaskIn) -> Definition {
        Definition::Task(Task {
            code: t.code,
            document: t.document,
            group: t.group,
            parent: t.parent,
            title_en: t.title_en,
            title_vi: t.title_vi,
            lead: t.lead,
            coordinators: t.coordinators,
            start: t.start,
            deadline: t.deadline,
            as_published: Default::default(),
            completed_on: None,
            cancelled_on: None,
            expected_product: t.expected_product,
            targets: t.targets,
            confidentiality: t.confidentiality,
            source: t.source,
        })
    }
}

/// A validation rule between targets: for one unit and one period, the sum of the `left`
/// targets' values compared (`op`: `<=`, `>=`, `=`, `<`, `>`) with the sum of the `right` ones
/// plus `constant`. Read by `GET /api/v1/rules` and sent to `POST /api/v1/rules`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleWire {
    /// A code of its own, e.g. `GRDP-SECTOR-SHARES`.
    pub code: String,
    /// What the rule says, in Vietnamese (required); shown beside the values that break it.
    pub name_vi: String,
    pub name_en: Option<String>,
    /// `{targets: [codes], constant}`
    #[schema(value_type = Object)]
    pub left: tiendo_domain::validation::Side,
    #[schema(value_type = String)]
    pub op: tiendo_domain::targets::Comparison,
    /// `{targets: [codes], constant}`
    #[schema(value_type = Object)]
    pub right: tiendo_domain::validation::Side,
    /// The rounding forgiven, from 0.
    #[serde(default)]
    pub tolerance: f64,
    /// Why the rule holds.
    pub source: Option<String>,
}

impl From<RuleWire> for Definition {
    fn from(r: RuleWire) -> Definition {
        Definition::Rule(tiendo_domain::validation::ValidationRule {
            code: r.code,
            name_vi: r.name_vi,
            name_en: r.name_en,
            left: r.left,
            op: r.op,
            right: r.right,
            tolerance: r.tolerance,
            source: r.source,
        })
    }
}
