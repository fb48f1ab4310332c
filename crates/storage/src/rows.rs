//! Turning stored text back into domain types, and domain enums into stored text.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Result, StoreError};

pub(crate) fn parse<T: FromStr>(what: &'static str, s: &str) -> Result<T>
where
    T::Err: Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

pub(crate) fn parse_opt<T: FromStr>(what: &'static str, s: Option<&str>) -> Result<Option<T>>
where
    T::Err: Display,
{
    s.map(|s| parse(what, s)).transpose()
}

pub(crate) fn from_json<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values always serialise")
}

/// A unit-like enum's serde name (`"action-programme"`), the form stored in text columns.
pub(crate) fn enum_text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("only unit-like enums are stored as text"),
    }
}

pub(crate) fn text_enum<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|e| {
        StoreError::Corrupt {
            what,
            detail: format!("\"{s}\": {e}"),
        }
    })
}

/// Names are stored in two columns that predate Vietnamese being the required one: the English
/// column is NOT NULL and holds "" when a thing has no English name, and a row written before
/// migration 0009 may lack its Vietnamese name, which then falls back to the English.
pub(crate) fn stored_english(en: Option<&str>) -> &str {
    en.unwrap_or("")
}

/// The English name read back: none when the column holds "".
pub(crate) fn read_english(stored: &str) -> Option<String> {
    Some(stored.to_string()).filter(|s| !s.trim().is_empty())
}

/// The Vietnamese name read back (see [`stored_english`]).
pub(crate) fn read_vietnamese(vi: Option<String>, en: &str) -> String {
    vi.filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| en.to_string())
}

/// A document section as stored in JSON, written before or after Vietnamese titles became the
/// required ones.
#[derive(serde::Deserialize)]
pub(crate) struct StoredSection {
    code: tiendo_domain::documents::SectionCode,
    kind: tiendo_domain::documents::SectionKind,
    #[serde(default)]
    title_vi: Option<String>,
    #[serde(default)]
    title_en: Option<String>,
}

impl From<StoredSection> for tiendo_domain::documents::Section {
    fn from(s: StoredSection) -> Self {
        let en = s.title_en.unwrap_or_default();
        tiendo_domain::documents::Section {
            code: s.code,
            kind: s.kind,
            title_vi: read_vietnamese(s.title_vi, &en),
            title_en: read_english(&en),
        }
    }
}
