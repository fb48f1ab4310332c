//! tiendo's evaluation: turning reported numbers into judgements that explain themselves.
//!
//! Everything here is pure computation over domain values: no database, no files, no clock.
//! Callers (the CLI, later the web application) fetch the data and pass it in.

pub mod indices;
pub mod national;
pub mod progress;
pub mod ranking;
pub mod reporting;
pub mod rollup;
pub mod scoring;
pub mod standing;
pub mod targets;
pub mod tasks;
pub mod warnings;
