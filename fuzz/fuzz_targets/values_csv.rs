#![no_main]
//! `tiendo values import`'s reader on any bytes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = tiendo_exchange::values_csv::read("fuzz.csv", bytes);
});
