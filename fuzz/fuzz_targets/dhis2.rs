#![no_main]
//! DHIS2 dataValueSets as JSON and as CSV, then turned into values.
use libfuzzer_sys::fuzz_target;
use tiendo_exchange::dhis2;

fuzz_target!(|text: &str| {
    for set in [dhis2::parse_json(text).ok(), dhis2::parse_csv(text).ok()]
        .into_iter()
        .flatten()
    {
        let _ = dhis2::to_values(&set, &dhis2::Mapping::default());
    }
});
