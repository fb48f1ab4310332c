//! tiendo's benchmarks, run by `tiendo bench …`. Each prints a table of medians beside a
//! baseline measured in the same run, since these machines are shared and noisy; `.ci/run`
//! runs every one once in a smoke size so a broken benchmark fails CI.

pub mod evaluation;
pub mod fresh;
pub mod import;
pub mod web;
