//! Open SDG's series CSV: `Year`, `Units`, `Value`, one row per year, as its data pipeline
//! (sdg-build) reads a headline series. Reading keeps the headline series: the rows whose
//! disaggregation columns are all blank.

use crate::Problem;

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

/// The headline series of an Open SDG file as (year, value), in file order. A problem names
/// the line (1 is the header) and the column.
pub fn read(text: &str) -> Result<Vec<(i32, f64)>, Problem> {
    let text = crate::text::checked(text.as_bytes())?;
    let problem = |row: usize, field: &str, message: String| Problem::at(row, field, message);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| problem(1, "", e.to_string()).coded("line-unreadable", []))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |c: &str| headers.iter().position(|h| h == c);
    let year_col = col("Year").ok_or_else(|| {
        problem(1, "Year", "there is no \"Year\" column".into())
            .coded("no-column", [("column", "Year".into())])
    })?;
    // Open SDG measures a "Progress" column instead of "Value" when a file has one.
    let (value_col, value_name) = match (col("Progress"), col("Value")) {
        (Some(p), _) => (p, "Progress"),
        (None, Some(v)) => (v, "Value"),
        (None, None) => {
            return Err(problem(1, "Value", "there is no \"Value\" column".into())
                .coded("no-column", [("column", "Value".into())]))
        }
    };
    let disaggregations: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !NOT_DISAGGREGATIONS.contains(&h.as_str()) && !h.starts_with("COMMENT_"))
        .map(|(i, _)| i)
        .collect();
    let grouping: Vec<(usize, &str)> = ["Units", "Series"]
        .into_iter()
        .filter_map(|c| col(c).map(|i| (i, c)))
        .collect();
    let mut out = Vec::new();
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); grouping.len()];
    for record in reader.records() {
        let record =
            record.map_err(|e| problem(0, "", e.to_string()).coded("line-unreadable", []))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
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
                problem(line, "Year", format!("\"{raw_year}\" is not a year"))
                    .coded("not-a-year", [("input", raw_year.to_string())])
            })?;
        // A year outside the periods tiendo keeps (1900–2100) is a typing error, refused here
        // with its line rather than stored as a period nothing can read back.
        tiendo_domain::periods::Period::year_of(year).map_err(|e| {
            problem(line, "Year", e.to_string()).coded("year-out-of-range", [("input", e.input)])
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
                problem(line, value_name, format!("\"{raw_value}\" is not a number"))
                    .coded("not-a-number", [("input", raw_value.to_string())])
            })?;
        out.push((year, value));
    }
    for (g, (_, column)) in grouping.iter().enumerate() {
        if groups[g].len() > 1 {
            return Err(problem(
                0,
                column,
                format!(
                    "the headline rows hold several sub-series in \"{column}\" ({}); keep one of them in the file",
                    groups[g].join(", ")
                ),
            )
            .coded(
                "several-series",
                [
                    ("column", column.to_string()),
                    ("series", groups[g].join(", ")),
                ],
            ));
        }
    }
    if out.is_empty() {
        return Err(crate::text::no_rows());
    }
    Ok(out)
}

/// One unit's yearly series as an Open SDG headline file.
pub fn write(units: &str, series: &[(i32, f64)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(["Year", "Units", "Value"]);
    for (year, value) in series {
        let _ = w.write_record([year.to_string(), units.to_string(), value.to_string()]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_headline_series_is_read_and_problems_name_their_line() {
        let text = "Year,Sex,Units,Value\n2023,,%,12.3\n2023,female,%,11\n2024,,%,18.3\n";
        assert_eq!(super::read(text).unwrap(), vec![(2023, 12.3), (2024, 18.3)]);
        let bad = super::read("Year,Value\n2023,12\n2024,lots\n").unwrap_err();
        assert_eq!((bad.row, bad.field.as_str()), (3, "Value"));
        assert_eq!(super::read("Value\n1\n").unwrap_err().field, "Year");
        let early = super::read("Year,Value\n2023,1\n0999,2\n").unwrap_err();
        assert_eq!((early.row, early.field.as_str()), (3, "Year"));
    }

    #[test]
    fn a_series_is_written_as_a_headline_file() {
        let text = super::write("% of GDP", &[(2023, 12.3), (2024, 18.3)]);
        assert_eq!(
            text,
            "Year,Units,Value\n2023,% of GDP,12.3\n2024,% of GDP,18.3\n"
        );
    }
}
