//! DHIS2 `dataValueSets` with codes as identifiers (`idScheme=CODE`): data element → target,
//! org unit → unit, through a mapping where the codes differ.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tiendo_domain::orgs::OrgCode;
use tiendo_domain::periods::Period;
use tiendo_domain::targets::TargetCode;
use tiendo_domain::values::{DataValue, NewValue, Number};

use crate::{Problem, MAX_PROBLEMS};

/// DHIS2 codes that differ from tiendo's; codes not listed are taken as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub data_elements: HashMap<String, TargetCode>,
    #[serde(default)]
    pub org_units: HashMap<String, OrgCode>,
}

impl Mapping {
    /// A mapping file: `[data_elements]` and `[org_units]` tables of `"DHIS2 code" = "tiendo code"`.
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    fn target(&self, code: &str) -> Result<TargetCode, String> {
        match self.data_elements.get(code) {
            Some(t) => Ok(t.clone()),
            None => code
                .parse()
                .map_err(|e: tiendo_domain::codes::CodeError| e.to_string()),
        }
    }

    fn unit(&self, code: &str) -> Result<OrgCode, String> {
        match self.org_units.get(code) {
            Some(u) => Ok(u.clone()),
            None => code
                .parse()
                .map_err(|e: tiendo_domain::codes::CodeError| e.to_string()),
        }
    }

    /// The DHIS2 code of a target: the mapped one, or its own.
    fn data_element_of(&self, target: &TargetCode) -> String {
        self.data_elements
            .iter()
            .find(|(_, t)| *t == target)
            .map_or_else(|| target.to_string(), |(k, _)| k.clone())
    }

    fn org_unit_of(&self, unit: &OrgCode) -> String {
        self.org_units
            .iter()
            .find(|(_, u)| *u == unit)
            .map_or_else(|| unit.to_string(), |(k, _)| k.clone())
    }
}

/// One data value as DHIS2 writes it: every field text, the period and org unit optionally
/// inherited from the set.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawValue {
    #[serde(default)]
    pub data_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_by: Option<String>,
}

/// DHIS2 sends values as strings; some clients send numbers.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!(
            "a value must be text or a number, not {other}"
        ))),
    }
}

/// A `dataValueSets` document.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataValueSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit: Option<String>,
    #[serde(default)]
    pub data_values: Vec<RawValue>,
}

/// Parses a `dataValueSets` JSON document.
pub fn parse_json(text: &str) -> Result<DataValueSet, Problem> {
    // Editors on Windows save JSON with a byte-order mark; it is not part of the document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        Problem::at(
            e.line(),
            "dataValues",
            format!("not a DHIS2 dataValueSets document: {e}"),
        )
    })
}

/// DHIS2's data value CSV columns, in its order.
const CSV_COLUMNS: [&str; 10] = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
];

/// Parses DHIS2's data value CSV (`dataelement,period,orgunit,categoryoptioncombo,
/// attributeoptioncombo,value,storedby,lastupdated,comment,followup`); headers are matched
/// without regard to case, and a file without a header row is read in that column order.
pub fn parse_csv(text: &str) -> Result<DataValueSet, Vec<Problem>> {
    let text = crate::text::checked(text.as_bytes()).map_err(|p| vec![p])?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let first = match records.next() {
        None => return Ok(DataValueSet::default()),
        Some(r) => r.map_err(|e| vec![csv_problem(1, e)])?,
    };
    let header: Vec<String> = first.iter().map(|h| h.trim().to_lowercase()).collect();
    let has_header = header.iter().any(|h| h == "dataelement");
    let columns: Vec<String> = if has_header {
        header
    } else {
        CSV_COLUMNS.iter().map(|s| s.to_string()).collect()
    };
    let col = |name: &str| columns.iter().position(|c| c == name);
    let (de, pe, ou, coc, value, stored, comment) = (
        col("dataelement"),
        col("period"),
        col("orgunit"),
        col("categoryoptioncombo"),
        col("value"),
        col("storedby"),
        col("comment"),
    );
    let mut set = DataValueSet::default();
    let mut problems = Vec::new();
    let rows = (!has_header)
        .then_some(Ok(first))
        .into_iter()
        .chain(records);
    for (i, record) in rows.enumerate() {
        let line = i + if has_header { 2 } else { 1 };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(csv_problem(line, e));
                if problems.len() >= MAX_PROBLEMS {
                    break;
                }
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).map(|s| s.trim().to_string());
        set.data_values.push(RawValue {
            data_element: get(de).unwrap_or_default(),
            period: get(pe).filter(|s| !s.is_empty()),
            org_unit: get(ou).filter(|s| !s.is_empty()),
            category_option_combo: get(coc).filter(|s| !s.is_empty()),
            value: get(value).unwrap_or_default(),
            comment: get(comment).filter(|s| !s.is_empty()),
            stored_by: get(stored).filter(|s| !s.is_empty()),
        });
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

fn csv_problem(line: usize, e: csv::Error) -> Problem {
    Problem::at(line, "line", e.to_string())
}

/// Turns a set into tiendo values through `mapping`; every problem names its row (from 1)
/// and field with DHIS2's names. Values in other category option combos than the default are
/// refused: tiendo keeps no disaggregations.
pub fn to_values(set: &DataValueSet, mapping: &Mapping) -> Result<Vec<NewValue>, Vec<Problem>> {
    let mut out = Vec::with_capacity(set.data_values.len());
    if set.data_values.is_empty() {
        return Err(vec![crate::text::no_rows()]);
    }
    let mut problems = Vec::new();
    for (i, v) in set.data_values.iter().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let row = i + 1;
        let mut problem =
            |field: &str, message: String| problems.push(Problem::at(row, field, message));
        let target = mapping.target(&v.data_element);
        let unit = v
            .org_unit
            .as_deref()
            .or(set.org_unit.as_deref())
            .ok_or_else(|| "no org unit for the value or the set".to_string())
            .and_then(|u| mapping.unit(u));
        let period = v
            .period
            .as_deref()
            .or(set.period.as_deref())
            .ok_or_else(|| "no period for the value or the set".to_string())
            .and_then(|p| p.parse::<Period>().map_err(|e| e.to_string()));
        let value = v
            .value
            .trim()
            .parse::<Number>()
            .map_err(|_| format!("\"{}\" is not a number", v.value));
        if let Some(coc) = v.category_option_combo.as_deref() {
            if !matches!(coc, "default" | "HllvX50cXC0") {
                problem(
                    "categoryOptionCombo",
                    format!("\"{coc}\" is a disaggregation; tiendo takes totals (default) only"),
                );
                continue;
            }
        }
        match (target, unit, period, value) {
            (Ok(target), Ok(org), Ok(period), Ok(value)) => out.push(NewValue {
                target,
                org,
                period,
                value,
                comment: v.comment.clone().filter(|c| !c.is_empty()),
                source: Some("DHIS2 dataValueSets".into()),
            }),
            (t, u, p, x) => {
                if let Err(e) = t {
                    problem("dataElement", e);
                }
                if let Err(e) = u {
                    problem("orgUnit", e);
                }
                if let Err(e) = p {
                    problem("period", e);
                }
                if let Err(e) = x {
                    problem("value", e);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// tiendo values as a `dataValueSets` document, with DHIS2's codes.
pub fn from_values(values: &[DataValue], mapping: &Mapping) -> DataValueSet {
    DataValueSet {
        data_values: values
            .iter()
            .map(|v| RawValue {
                data_element: mapping.data_element_of(&v.target),
                period: Some(v.period.to_string()),
                org_unit: Some(mapping.org_unit_of(&v.org)),
                category_option_combo: None,
                value: format_number(v.value.get()),
                comment: v.comment.clone(),
                stored_by: Some(v.author.clone()),
            })
            .collect(),
        ..DataValueSet::default()
    }
}

/// The same values as DHIS2's CSV, with its header row.
pub fn to_csv(set: &DataValueSet) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(CSV_COLUMNS);
    for v in &set.data_values {
        let _ = w.write_record([
            v.data_element.as_str(),
            v.period.as_deref().unwrap_or_default(),
            v.org_unit.as_deref().unwrap_or_default(),
            "",
            "",
            v.value.as_str(),
            v.stored_by.as_deref().unwrap_or_default(),
            "",
            v.comment.as_deref().unwrap_or_default(),
            "false",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A number as DHIS2 writes it: no trailing `.0`.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON nested 100,000 deep is refused (at the first value of the wrong shape, and in any
    /// case at serde_json's depth limit of 128), never followed down the stack.
    #[test]
    fn deeply_nested_json_is_refused_without_exhausting_the_stack() {
        for deep in [
            format!(
                "{{\"dataValues\": {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ] {
            let e = parse_json(&deep).unwrap_err();
            assert!(e.message.starts_with("not a DHIS2"), "{}", e.message);
        }
    }

    #[test]
    fn a_json_file_with_a_byte_order_mark_is_json_and_an_empty_set_is_refused() {
        let set = parse_json("\u{feff}{\"dataValues\": []}").unwrap();
        let refused = to_values(&set, &Mapping::default()).unwrap_err();
        assert_eq!(refused[0].code, "no-rows");
        let quote =
            parse_csv("dataelement,period,orgunit,value\nDTI,2025,HA-TINH,\"0.5\n").unwrap_err();
        assert_eq!((quote[0].row, quote[0].code), (2, "unterminated-quote"));
    }

    #[test]
    fn a_json_set_inherits_period_and_unit_and_maps_codes() {
        let set = parse_json(
            r#"{"dataSet": "NQ57", "period": "2025", "orgUnit": "HT",
                "dataValues": [
                  {"dataElement": "DE_DIGITAL_ECONOMY", "value": "18.5"},
                  {"dataElement": "DTI", "orgUnit": "HA-NOI", "period": "2024", "value": 0.82, "comment": "official"}
                ]}"#,
        )
        .unwrap();
        let mapping = Mapping::from_toml(
            "[data_elements]\nDE_DIGITAL_ECONOMY = \"HT-T1\"\n[org_units]\nHT = \"HA-TINH\"\n",
        )
        .unwrap();
        let values = to_values(&set, &mapping).unwrap();
        assert_eq!(values[0].target.as_str(), "HT-T1");
        assert_eq!(values[0].org.as_str(), "HA-TINH");
        assert_eq!(values[0].period.to_string(), "2025");
        assert_eq!(values[1].value.get(), 0.82);
        assert_eq!(values[1].comment.as_deref(), Some("official"));
        let back = from_values(
            &[DataValue {
                version: 1,
                target: values[0].target.clone(),
                org: values[0].org.clone(),
                period: values[0].period,
                value: values[0].value,
                comment: None,
                source: None,
                author: "x".into(),
                recorded_at: Default::default(),
                state: tiendo_domain::values::ValueState::Approved,
            }],
            &mapping,
        );
        assert_eq!(back.data_values[0].data_element, "DE_DIGITAL_ECONOMY");
        assert_eq!(back.data_values[0].org_unit.as_deref(), Some("HT"));
    }

    #[test]
    fn every_bad_row_is_named_with_its_field() {
        let set = parse_csv(
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n\
             DTI,2024,HA-NOI,,,0.8\n\
             DTI,2024Q9,HA-NOI,,,0.8\n\
             DTI,2024,HA-NOI,,,lots\n\
             DTI,2024,HA-NOI,Female,,1\n",
        )
        .unwrap();
        let problems = to_values(&set, &Mapping::default()).unwrap_err();
        let named: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert_eq!(
            named,
            [(2, "period"), (3, "value"), (4, "categoryOptionCombo")]
        );
    }

    #[test]
    fn csv_round_trips_and_headerless_files_use_dhis2_order() {
        let set = parse_csv("DTI,2024,HA-NOI,,,0.8241,admin,,official,false\n").unwrap();
        let values = to_values(&set, &Mapping::default()).unwrap();
        assert_eq!(values[0].value.get(), 0.8241);
        let text = to_csv(&set);
        assert!(text.starts_with("dataelement,period,orgunit"));
        let again = parse_csv(&text).unwrap();
        assert_eq!(again.data_values[0].value, "0.8241");
        assert_eq!(again.data_values[0].comment.as_deref(), Some("official"));
    }
}
