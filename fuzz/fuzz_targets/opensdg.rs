#![no_main]
//! An Open SDG headline series file.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tiendo_exchange::opensdg::read(text);
});
