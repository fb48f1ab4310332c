//! Tasks assigned to a lead unit with coordinating units, and the progress reported on them.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_type;
use crate::documents::{DocumentCode, SectionCode};
use crate::orgs::OrgCode;
use crate::targets::TargetCode;

code_type!(
    /// Code of a task, unique across all documents.
    TaskCode,
    "task code"
);

/// Tasks nest at most this deep (task, sub-task, sub-sub-task), as the national system does.
pub const MAX_TASK_DEPTH: usize = 3;

/// Who may see a task. Ordered: each level sees everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidentiality {
    Public,
    Internal,
    Secret,
}

impl Confidentiality {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidentiality::Public => "public",
            Confidentiality::Internal => "internal",
            Confidentiality::Secret => "secret",
        }
    }
}

impl fmt::Display for Confidentiality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a caller is cleared to see. Every read of tasks takes one, so no read can forget it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clearance {
    /// The public: published, public tasks only.
    Public,
    /// Officials: public and internal tasks.
    Internal,
    /// Holders of a secret clearance: everything.
    Secret,
}

impl Clearance {
    pub fn may_see(self, c: Confidentiality) -> bool {
        match self {
            Clearance::Public => c == Confidentiality::Public,
            Clearance::Internal => c <= Confidentiality::Internal,
            Clearance::Secret => true,
        }
    }

    /// The most confidential level this clearance may see.
    pub fn ceiling(self) -> Confidentiality {
        match self {
            Clearance::Public => Confidentiality::Public,
            Clearance::Internal => Confidentiality::Internal,
            Clearance::Secret => Confidentiality::Secret,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub code: TaskCode,
    pub document: DocumentCode,
    /// Its task group inside the document.
    pub group: Option<SectionCode>,
    pub parent: Option<TaskCode>,
    /// Its title in Vietnamese, as the plan words it; the English one is a courtesy.
    pub title_vi: String,
    #[serde(default)]
    pub title_en: Option<String>,
    pub lead: OrgCode,
    #[serde(default)]
    pub coordinators: Vec<OrgCode>,
    pub start: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// The plan's own words where they say more than one unit and one date can: the lead and
    /// coordinating agencies as named ("Các bộ, ngành, địa phương") and the deadline as given
    /// ("6/2025", "Thường xuyên", "2025-2030").
    #[serde(default, flatten)]
    pub as_published: AsPublished,
    pub completed_on: Option<NaiveDate>,
    /// The day the task was withdrawn, when it was.
    #[serde(default)]
    pub cancelled_on: Option<NaiveDate>,
    pub expected_product: Option<String>,
    #[serde(default)]
    pub targets: Vec<TargetCode>,
    pub confidentiality: Confidentiality,
    pub source: Option<String>,
}

/// What a published plan says of a task in its own words, kept beside the units and dates
/// tiendo reads from them so a reader can check one against the other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsPublished {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_as_given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinators_as_given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_as_given: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("task {task}: {reason}")]
pub struct TaskError {
    pub task: TaskCode,
    /// Stable, for the reader's language: `title-empty`, `deadline-before-start`, …
    pub code: &'static str,
    pub reason: String,
}

impl Task {
    pub fn validate(&self) -> Result<(), TaskError> {
        let fail = |code: &'static str, reason: &str| {
            Err(TaskError {
                task: self.code.clone(),
                code,
                reason: reason.into(),
            })
        };
        if self.title_vi.trim().is_empty() {
            return fail("title-empty", "the Vietnamese title is empty");
        }
        if let (Some(s), Some(d)) = (self.start, self.deadline) {
            if d < s {
                return fail(
                    "deadline-before-start",
                    "the deadline is before the start date",
                );
            }
        }
        if let (Some(s), Some(c)) = (self.start, self.completed_on) {
            if c < s {
                return fail(
                    "completed-before-start",
                    "the completion date is before the start date",
                );
            }
        }
        if self.completed_on.is_some() && self.cancelled_on.is_some() {
            return fail(
                "completed-and-cancelled",
                "a task cannot be both completed and cancelled",
            );
        }
        if self.parent.as_ref() == Some(&self.code) {
            return fail("own-parent", "a task cannot be its own parent");
        }
        if self.coordinators.contains(&self.lead) {
            return fail(
                "lead-coordinates",
                "the lead unit is also listed as a coordinator",
            );
        }
        Ok(())
    }
}

/// A whole percentage 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Percent(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("percent complete must be 0 to 100, not {0}")]
pub struct PercentError(pub i64);

impl Percent {
    pub fn new(v: i64) -> Result<Self, PercentError> {
        u8::try_from(v)
            .ok()
            .filter(|p| *p <= 100)
            .map(Percent)
            .ok_or(PercentError(v))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Percent::new(i64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One report on a task's progress. Updates are only ever added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    pub task: TaskCode,
    pub reported_on: NaiveDate,
    pub percent_complete: Percent,
    pub narrative: String,
    pub difficulties: Option<String>,
    pub recommendations: Option<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
    pub author: String,
    /// When it was stored; set by storage.
    pub recorded_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearance_hides_what_it_must() {
        assert!(!Clearance::Public.may_see(Confidentiality::Internal));
        assert!(!Clearance::Internal.may_see(Confidentiality::Secret));
        assert!(Clearance::Internal.may_see(Confidentiality::Public));
        assert!(Clearance::Secret.may_see(Confidentiality::Secret));
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(Percent::new(100).unwrap().get(), 100);
        assert!(Percent::new(101).is_err());
        assert!(Percent::new(-1).is_err());
    }
}
