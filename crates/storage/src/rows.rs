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
