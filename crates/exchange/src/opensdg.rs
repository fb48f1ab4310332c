//! Open SDG's series CSV: `Year`, `Units`, `Value`, one row per year, as its data pipeline
//! (sdg-build) reads a headline series.

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
    fn a_series_is_written_as_a_headline_file() {
        let text = super::write("% of GDP", &[(2023, 12.3), (2024, 18.3)]);
        assert_eq!(
            text,
            "Year,Units,Value\n2023,% of GDP,12.3\n2024,% of GDP,18.3\n"
        );
    }
}
