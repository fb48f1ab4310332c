//! Every reader of what reporters send answers any input — bytes, text, near-miss files —
//! with values or problems, never a panic, and within its limits. These run in every test
//! run, as the standing form of fuzzing the entry points; a long run:
//! `TIENDO_FUZZ_CASES=2000000 cargo test --release -p tiendo-exchange --test hostile`.

use proptest::prelude::*;
use tiendo_exchange::{dhis2, opensdg, sheet, values_csv};

/// Text shaped like the files people send: CSV punctuation, quotes, digits, letters with
/// diacritics, control characters, a byte-order mark.
fn csvish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\"".to_string()),
            Just("\u{feff}".to_string()),
            Just("\u{0}".to_string()),
            Just("target,org,period,value,comment\n".to_string()),
            Just("dataelement,period,orgunit,value\n".to_string()),
            Just("Year,Units,Value\n".to_string()),
            "[0-9]{1,6}".prop_map(|s| s),
            "[A-Z-]{1,8}".prop_map(|s| s),
            "[àáảãạăằắẳẵặđêếềểễệ ]{1,5}".prop_map(|s| s),
            "(19|20)[0-9]{2}(Q[1-4]|S[12]|W[0-9]{1,2}|[01][0-9])?".prop_map(|s| s),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Cases per reader: 2,048 in every test run; `TIENDO_FUZZ_CASES` raises it for a long run.
fn cases() -> u32 {
    std::env::var("TIENDO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_values_csv_reader_answers_anything(text in csvish(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = values_csv::read("v.csv", text.as_bytes());
        let _ = values_csv::read("v.csv", &bytes);
    }

    #[test]
    fn dhis2_readers_answer_anything(text in csvish()) {
        if let Ok(set) = dhis2::parse_csv(&text) {
            let _ = dhis2::to_values(&set, &dhis2::Mapping::default());
        }
        let _ = dhis2::parse_json(&text);
        let json = format!("{{\"dataValues\": [{{\"dataElement\": {text:?}, \"period\": {text:?}, \"orgUnit\": \"HT\", \"value\": {text:?}}}]}}");
        if let Ok(set) = dhis2::parse_json(&json) {
            let _ = dhis2::to_values(&set, &dhis2::Mapping::default());
        }
    }

    #[test]
    fn the_open_sdg_reader_answers_anything(text in csvish()) {
        let _ = opensdg::read(&text);
    }

    #[test]
    fn template_readers_answer_anything(text in csvish(), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = sheet::read_csv(text.as_bytes());
        let _ = sheet::read_xlsx(&bytes);
        // A ZIP header on noise is the start of a workbook that is not one.
        let mut zipish = b"PK\x03\x04".to_vec();
        zipish.extend_from_slice(&bytes);
        let _ = sheet::read_xlsx(&zipish);
    }

    #[test]
    fn periods_parse_or_say_why(text in "\\PC{0,12}") {
        if let Ok(p) = text.parse::<tiendo_domain::periods::Period>() {
            prop_assert_eq!(p.to_string().parse::<tiendo_domain::periods::Period>().unwrap(), p);
        }
    }
}
