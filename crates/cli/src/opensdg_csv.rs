//! Reading a series in Open SDG's CSV format: `Year`, optional disaggregation columns, `Value`.
//! The headline series is the rows whose disaggregation columns are all blank.

use std::path::Path;

use tiendo_evaluation::progress::Observation;

use crate::BadInput;

/// Columns that describe a row without splitting the series, as Open SDG treats them.
const NOT_DISAGGREGATIONS: [&str; 9] = [
    "Year",
    "Value",
    "Units",
    "Series",
    "GeoCode",
    "Progress",
    "Observation status",
    "Unit multiplier",
    "Unit measure",
];

pub fn read_headline(path: &Path) -> Result<Vec<Observation>, BadInput> {
    let name = path.display();
    let (mut reader, headers) = crate::values_csv::open(path)?;
    let col = |c: &str| headers.iter().position(|h| h == c);
    let year_col = col("Year")
        .ok_or_else(|| BadInput(format!("{name}, line 1: there is no \"Year\" column")))?;
    // Open SDG measures a "Progress" column instead of "Value" when a file has one.
    let (value_col, value_name) = match (col("Progress"), col("Value")) {
        (Some(p), _) => (p, "Progress"),
        (None, Some(v)) => (v, "Value"),
        (None, None) => {
            return Err(BadInput(format!(
                "{name}, line 1: there is no \"Value\" column"
            )))
        }
    };
    let disaggregations: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !NOT_DISAGGREGATIONS.contains(h) && !h.starts_with("COMMENT_"))
        .map(|(i, _)| i)
        .collect();
    let grouping: Vec<(usize, &str)> = ["Units", "Series"]
        .into_iter()
        .filter_map(|c| col(c).map(|i| (i, c)))
        .collect();

    let mut out = Vec::new();
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); grouping.len()];
    for record in reader.records() {
        let record = record.map_err(|e| BadInput(format!("{name}: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        if disaggregations.iter().any(|&i| !field(i).is_empty()) {
            continue;
        }
        for (g, (i, _)) in grouping.iter().enumerate() {
            let v = field(*i).to_string();
            if !groups[g].contains(&v) {
                groups[g].push(v);
            }
        }
        let raw_year = field(year_col);
        // Ranges such as "2015-2016" count as their first year, as Open SDG does.
        let year = raw_year
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok())
            .ok_or_else(|| {
                BadInput(format!(
                    "{name}, line {line}, field `Year`: \"{raw_year}\" is not a year"
                ))
            })?;
        let raw_value = field(value_col);
        if raw_value.is_empty() {
            continue;
        }
        let value = raw_value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                BadInput(format!(
                    "{name}, line {line}, field `{value_name}`: \"{raw_value}\" is not a number"
                ))
            })?;
        out.push(Observation { year, value });
    }
    for (g, (_, column)) in grouping.iter().enumerate() {
        if groups[g].len() > 1 {
            return Err(BadInput(format!(
                "{name}: the headline rows hold several sub-series in \"{column}\" ({}); \
                 keep one of them in the file",
                groups[g].join(", ")
            )));
        }
    }
    Ok(out)
}
