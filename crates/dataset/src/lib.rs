//! The built-in reference dataset: Resolution 57-NQ/TW, its cascade, the provinces before and
//! after the 1 July 2025 merger, and published index results.
//!
//! The human-readable files under `data/` are compiled into the binary, so `tiendo demo` works
//! from any directory. Every file is checked here, with the file, line and field named on error,
//! and every cross-reference (a task's lead unit, a target's document) is resolved.

pub mod agencies;
pub mod appendix;
mod communes;
pub mod deadlines;
mod files;
pub mod geo;
mod load;
mod programme;
pub mod regions;
pub mod strategy;
pub mod synth;

pub use load::{reference, Dataset, DatasetError};

/// A composite index definition shipped with tiendo: its path under `data/` and its text.
pub fn builtin_index(name: &str) -> Option<(&'static str, &'static str)> {
    files::INDEX_DEFINITIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| (f.path, f.text))
}

/// The names of the shipped index definitions.
pub fn builtin_index_names() -> impl Iterator<Item = &'static str> {
    files::INDEX_DEFINITIONS.iter().map(|(n, _)| *n)
}

/// The shipped validation rules between targets, each checked (`data/rules/validation.toml`).
pub fn validation_rules() -> Result<Vec<tiendo_domain::validation::ValidationRule>, DatasetError> {
    read_rules(&files::VALIDATION_RULES)
}

/// A file of validation rules, each checked on its own.
pub(crate) fn read_rules(
    file: &files::DataFile<'_>,
) -> Result<Vec<tiendo_domain::validation::ValidationRule>, DatasetError> {
    #[derive(serde::Deserialize)]
    struct Rules {
        #[serde(rename = "rule")]
        rules: Vec<tiendo_domain::validation::ValidationRule>,
    }
    let Rules { rules } = load::read_toml(file)?;
    for r in &rules {
        r.validate()
            .map_err(|message| DatasetError::in_file(file.path, message))?;
    }
    Ok(rules)
}

/// The default unit-evaluation rubric (Regulation 366-QĐ/TW classes): its path and text.
pub fn default_rubric() -> (&'static str, &'static str) {
    (files::RUBRIC_366.path, files::RUBRIC_366.text)
}
