//! The data files, embedded at build time.

/// A data file's text and the path error messages name: `data/…` for the files compiled in,
/// the path on disk for a strategy folder (`tiendo load`).
pub struct DataFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

macro_rules! data_file {
    ($path:literal) => {
        DataFile {
            path: $path,
            text: include_str!(concat!("../../../", $path)),
        }
    };
}

pub const CENTRAL_UNITS: DataFile<'static> = data_file!("data/orgs/central.csv");
pub const PROVINCES: DataFile<'static> = data_file!("data/orgs/provinces.csv");
pub const SUCCESSIONS: DataFile<'static> = data_file!("data/orgs/successions.csv");
/// The regions provinces are compared within.
pub const REGIONS: DataFile<'static> = data_file!("data/orgs/regions.csv");
pub const COMMUNE_COUNTS: DataFile<'static> = data_file!("data/orgs/communes.csv");
pub const COMMUNE_RULES: DataFile<'static> = data_file!("data/orgs/communes.toml");
pub const DOCUMENTS: DataFile<'static> = data_file!("data/documents.toml");
pub const TARGET_FILES: [DataFile<'static>; 5] = [
    data_file!("data/targets/nq57.toml"),
    data_file!("data/targets/ha-tinh.toml"),
    data_file!("data/targets/indicators.toml"),
    data_file!("data/targets/index-inputs.toml"),
    data_file!("data/targets/published.toml"),
];
/// Composite index definitions, by the name users give them on the command line.
pub const INDEX_DEFINITIONS: [(&str, DataFile<'static>); 2] = [
    ("pii-like", data_file!("data/indices/pii-like.toml")),
    ("dti-like", data_file!("data/indices/dti-like.toml")),
];
pub const TASKS: DataFile<'static> = data_file!("data/tasks.toml");
/// The Government action programme's tasks, as its appendix tables them.
pub const PROGRAMME_TASKS: DataFile<'static> = data_file!("data/tasks/government-programme.csv");
/// How plans write the names of central agencies where that differs from the unit's name.
pub const AGENCY_NAMES: DataFile<'static> = data_file!("data/orgs/agency-names.csv");
/// Published values: provincial DTI and PII, ministry DTI, the national series, and provinces'
/// own published facts.
pub const VALUE_FILES: [DataFile<'static>; 5] = [
    data_file!("data/values/dti.csv"),
    data_file!("data/values/pii.csv"),
    data_file!("data/values/dti-ministry.csv"),
    data_file!("data/values/national.csv"),
    data_file!("data/values/published.csv"),
];

/// The default unit-evaluation rubric.
/// Province outlines before and after the 2025 reorganisation.
pub const PROVINCES_63_GEO: DataFile<'static> = data_file!("data/geo/vn-provinces-63.geojson");
pub const PROVINCES_34_GEO: DataFile<'static> = data_file!("data/geo/vn-provinces-34.geojson");
/// Dashboards shipped as examples of what a unit builds (the same file format as an export).
pub const DASHBOARDS: [DataFile<'static>; 1] =
    [data_file!("data/dashboards/ha-tinh-chuyen-doi-so.json")];
/// Validation rules between targets.
pub const VALIDATION_RULES: DataFile<'static> = data_file!("data/rules/validation.toml");
pub const RUBRIC_366: DataFile<'static> = data_file!("data/rubrics/366-qd-tw.toml");
