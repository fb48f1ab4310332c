#![no_main]
//! An uploaded data-entry template, as a workbook and as CSV.
use libfuzzer_sys::fuzz_target;
use tiendo_exchange::sheet;

fuzz_target!(|bytes: &[u8]| {
    let _ = sheet::read_xlsx(bytes);
    let _ = sheet::read_csv(bytes);
});
