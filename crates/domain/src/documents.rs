//! Documents of the cascade: a resolution is implemented by programmes, which plans implement.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::code_type;
use crate::orgs::OrgCode;

code_type!(
    /// Official number of a document, e.g. `57-NQ/TW` or `03/NQ-CP`.
    DocumentCode,
    "document code"
);

code_type!(
    /// Code of a section inside a document, e.g. `TG3` for its third task group.
    SectionCode,
    "section code"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    Resolution,
    ActionProgramme,
    Plan,
    Decision,
    Conclusion,
    CoordinationPlan,
    Regulation,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Resolution => "resolution",
            DocumentKind::ActionProgramme => "action-programme",
            DocumentKind::Plan => "plan",
            DocumentKind::Decision => "decision",
            DocumentKind::Conclusion => "conclusion",
            DocumentKind::CoordinationPlan => "coordination-plan",
            DocumentKind::Regulation => "regulation",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectionKind {
    ViewpointGroup,
    TargetGroup,
    TaskGroup,
}

/// A group inside a document's structure (viewpoints, targets or tasks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub code: SectionCode,
    pub kind: SectionKind,
    /// Its title in Vietnamese, as the document words it.
    pub title_vi: String,
    #[serde(default)]
    pub title_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub code: DocumentCode,
    pub kind: DocumentKind,
    /// Its title in Vietnamese, as published; the English one is a courtesy.
    pub title_vi: String,
    #[serde(default)]
    pub title_en: Option<String>,
    /// The unit that issued it, where it is a unit of the hierarchy.
    pub issuer: Option<OrgCode>,
    pub issued_on: Option<NaiveDate>,
    /// The documents this one carries out.
    #[serde(default)]
    pub implements: Vec<DocumentCode>,
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Free-text summary of its structure where sections are not listed one by one.
    #[serde(default)]
    pub structure_note: Option<String>,
    pub source: Option<String>,
}

impl Document {
    pub fn section(&self, code: &SectionCode) -> Option<&Section> {
        self.sections.iter().find(|s| &s.code == code)
    }
}
