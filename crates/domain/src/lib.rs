//! tiendo's domain model: what a strategy, its cascade and its monitoring are made of.
//!
//! This crate does no I/O. Storage, the dataset loader, evaluation and the CLI all speak in
//! these types, and each type admits only valid states (a [`periods::Period`] is always a real
//! period, an [`orgs::OrgCode`] never holds white space).

pub mod accounts;
pub mod admissibility;
pub mod codes;
pub mod dashboards;
pub mod documents;
pub mod email;
pub mod feedback;
pub mod orgs;
pub mod periods;
pub mod plausibility;
pub mod problems;
pub mod search;
pub mod snapshot;
pub mod targets;
pub mod tasks;
pub mod validation;
pub mod values;
