//! The application layer: every operation a user can perform, each taking the caller's
//! identity and checking what the caller may do itself. The HTML pages (`pages`) and the JSON
//! API (`api`) are two front ends over these operations; they call into this module and never
//! into each other (tested in `tests/architecture.rs`).

pub mod access;
pub mod accounts;
pub mod appendix;
pub mod dashboards;
pub mod definitions;
pub mod reopenings;
pub mod reporting;
pub mod tasks;
pub mod values;
pub mod work;
