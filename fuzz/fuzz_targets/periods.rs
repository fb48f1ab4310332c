#![no_main]
//! A period typed anywhere: parsed or refused, and a parsed one prints back to itself.
use libfuzzer_sys::fuzz_target;
use tiendo_domain::periods::Period;

fuzz_target!(|text: &str| {
    if let Ok(p) = text.parse::<Period>() {
        assert_eq!(p.to_string().parse::<Period>().ok(), Some(p));
    }
});
