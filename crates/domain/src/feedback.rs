//! Feedback and initiatives from citizens and businesses: what they may send, how a case moves
//! from receipt to closing, and when its answer is due.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::documents::{Document, DocumentCode};
use crate::orgs::OrgCode;
use crate::targets::{Target, TargetCode};
use crate::tasks::{Task, TaskCode};

/// Calendar days the responsible unit has to answer, counted from receipt.
pub const ANSWER_DAYS: u64 = 15;
/// A case is "due soon" this many days before its deadline.
pub const DUE_SOON_DAYS: u64 = 3;
/// Bounds on the text of a submission, in characters.
pub const MIN_TEXT: usize = 20;
pub const MAX_TEXT: usize = 4000;
/// More links than this reads as advertising, not feedback.
pub const MAX_LINKS: usize = 3;
/// Evidence: at most this many files, each at most `MAX_FILE_BYTES`.
pub const MAX_FILES: usize = 3;
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A difficulty met in carrying out the strategy.
    Difficulty,
    /// A recommendation to the agencies.
    Recommendation,
    /// An initiative proposed by the sender.
    Initiative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Received,
    Assigned,
    Answered,
    Closed,
}

macro_rules! named {
    ($ty:ident, $what:literal, $($variant:ident = $name:literal),+) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = FeedbackError;
            fn from_str(s: &str) -> Result<Self, FeedbackError> {
                match s.trim() {
                    $($name => Ok($ty::$variant),)+
                    other => Err(FeedbackError::new("kind", format!(
                        concat!("\"{}\" is not a ", $what, " (expected one of: {})"),
                        other,
                        [$($name),+].join(", ")
                    )).coded("unknown_choice", [("given", other.to_string())])),
                }
            }
        }
    };
}
named!(
    Kind,
    "kind of feedback",
    Difficulty = "difficulty",
    Recommendation = "recommendation",
    Initiative = "initiative"
);
named!(
    State,
    "feedback state",
    Received = "received",
    Assigned = "assigned",
    Answered = "answered",
    Closed = "closed"
);

impl State {
    /// Whether a case in this state still waits for its answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, State::Received | State::Assigned)
    }
}

/// What a submission is about: one item of the published cascade.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "code", rename_all = "kebab-case")]
pub enum Concern {
    Document(DocumentCode),
    Target(TargetCode),
    Task(TaskCode),
}

impl Concern {
    pub fn kind(&self) -> &'static str {
        match self {
            Concern::Document(_) => "document",
            Concern::Target(_) => "target",
            Concern::Task(_) => "task",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Concern::Document(c) => c.as_str(),
            Concern::Target(c) => c.as_str(),
            Concern::Task(c) => c.as_str(),
        }
    }

    /// Builds a concern from its kind (`document`, `target`, `task`) and code.
    pub fn parse(kind: &str, code: &str) -> Result<Concern, FeedbackError> {
        let bad = |e: String| {
            FeedbackError::new("concerns", e)
                .coded("bad_concern", [("given", code.trim().to_string())])
        };
        match kind.trim() {
            "document" => code
                .parse()
                .map(Concern::Document)
                .map_err(|e| bad(format!("{e}"))),
            "target" => code
                .parse()
                .map(Concern::Target)
                .map_err(|e| bad(format!("{e}"))),
            "task" => code
                .parse()
                .map(Concern::Task)
                .map_err(|e| bad(format!("{e}"))),
            other => Err(bad(format!(
                "\"{other}\" is not something feedback can concern (document, target or task)"
            ))),
        }
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.code())
    }
}

/// The unit that answers feedback about `concern`: a task's lead unit; the one unit named to
/// report a target, else the unit that issued its document; a document's issuer. `None` leaves
/// the case with the standing office, which assigns it by hand.
pub fn responsible(
    concern: &Concern,
    tasks: &[Task],
    targets: &[Target],
    documents: &[Document],
) -> Option<OrgCode> {
    let issuer = |code: &DocumentCode| {
        documents
            .iter()
            .find(|d| &d.code == code)
            .and_then(|d| d.issuer.clone())
    };
    match concern {
        Concern::Task(code) => tasks
            .iter()
            .find(|t| &t.code == code)
            .map(|t| t.lead.clone()),
        Concern::Target(code) => {
            let target = targets.iter().find(|t| &t.code == code)?;
            match target.reporters.units.as_slice() {
                [only] => Some(only.clone()),
                _ => target.document.as_ref().and_then(issuer),
            }
        }
        Concern::Document(code) => issuer(code),
    }
}

/// A problem with one field of a submission: a stable code and the facts it is worded from in
/// the reader's language, and an English message for logs and the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FeedbackError {
    pub field: &'static str,
    pub code: &'static str,
    pub facts: Vec<(&'static str, String)>,
    pub message: String,
}

impl FeedbackError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FeedbackError {
            field,
            code: field,
            facts: Vec::new(),
            message: message.into(),
        }
    }

    /// The same problem with its code and facts.
    pub fn coded<const N: usize>(
        mut self,
        code: &'static str,
        facts: [(&'static str, String); N],
    ) -> Self {
        self.code = code;
        self.facts = facts.into();
        self
    }
}

/// How to reach the sender. Never published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Contact {
    /// A name and at least one way to answer: an e-mail address or a phone number.
    pub fn new(name: &str, email: &str, phone: &str) -> Result<Contact, Vec<FeedbackError>> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.chars().count() < 2 || name.chars().count() > 120 {
            errors.push(
                FeedbackError::new("name", "give your name (2 to 120 characters)")
                    .coded("name_length", []),
            );
        }
        let email = match email.trim() {
            "" => None,
            typed => match typed.parse::<crate::email::Email>() {
                Ok(e) => Some(e.to_string()),
                Err(e) => {
                    errors.push(
                        FeedbackError::new("email", e.to_string())
                            .coded("bad_email", [("given", typed.to_string())]),
                    );
                    None
                }
            },
        };
        let phone = Some(phone.trim().to_string()).filter(|p| !p.is_empty());
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let valid = p
                .chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
                && (8..=15).contains(&digits);
            if !valid {
                errors.push(
                    FeedbackError::new(
                        "phone",
                        format!("\"{p}\" is not a phone number (8 to 15 digits)"),
                    )
                    .coded("bad_phone", [("given", p.clone())]),
                );
            }
        }
        if email.is_none() && phone.is_none() {
            errors.push(
                FeedbackError::new(
                    "email",
                    "give an e-mail address or a phone number so the answer can reach you",
                )
                .coded("no_contact", []),
            );
        }
        if errors.is_empty() {
            Ok(Contact {
                name: name.to_string(),
                email,
                phone,
            })
        } else {
            Err(errors)
        }
    }

    /// The key that limits how often one sender may write: e-mail first, else phone digits.
    pub fn key(&self) -> String {
        match (&self.email, &self.phone) {
            (Some(e), _) => e.clone(),
            (None, Some(p)) => p.chars().filter(char::is_ascii_digit).collect(),
            (None, None) => String::new(),
        }
    }
}

/// A checked submission, ready to be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub kind: Kind,
    pub concern: Concern,
    pub text: String,
    pub contact: Contact,
    /// The sender agrees that the question and its answer may be published (without contact).
    pub consent_to_publish: bool,
}

impl Submission {
    /// Checks the text; the other fields are checked as they are parsed.
    pub fn new(
        kind: Kind,
        concern: Concern,
        text: &str,
        contact: Contact,
        consent_to_publish: bool,
    ) -> Result<Submission, FeedbackError> {
        let text = text.trim();
        let chars = text.chars().count();
        if chars < MIN_TEXT {
            return Err(FeedbackError::new(
                "text",
                format!("write at least {MIN_TEXT} characters ({chars} given)"),
            )
            .coded(
                "text_short",
                [("min", MIN_TEXT.to_string()), ("given", chars.to_string())],
            ));
        }
        if chars > MAX_TEXT {
            return Err(FeedbackError::new(
                "text",
                format!("write at most {MAX_TEXT} characters ({chars} given)"),
            )
            .coded(
                "text_long",
                [("max", MAX_TEXT.to_string()), ("given", chars.to_string())],
            ));
        }
        let links = text.matches("http://").count() + text.matches("https://").count();
        if links > MAX_LINKS {
            return Err(FeedbackError::new(
                "text",
                format!("at most {MAX_LINKS} links are accepted ({links} given)"),
            )
            .coded(
                "too_many_links",
                [("max", MAX_LINKS.to_string()), ("given", links.to_string())],
            ));
        }
        Ok(Submission {
            kind,
            concern,
            text: text.to_string(),
            contact,
            consent_to_publish,
        })
    }

    /// Identifies the same request sent twice: the concern and the words of the text,
    /// ignoring case, punctuation and spacing.
    pub fn fingerprint(&self) -> String {
        let words: Vec<String> = self
            .text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut hash = Sha256::new();
        hash.update(self.concern.to_string().as_bytes());
        hash.update([0]);
        hash.update(words.join(" ").as_bytes());
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The day an answer to a case received on `received` is due.
pub fn due_on(received: NaiveDate) -> NaiveDate {
    received
        .checked_add_days(Days::new(ANSWER_DAYS))
        .unwrap_or(received)
}

/// Where a waiting case stands against its deadline on `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timeliness {
    OnTime,
    DueSoon,
    Overdue,
}

pub fn timeliness(state: State, due: NaiveDate, day: NaiveDate) -> Option<Timeliness> {
    if !state.awaits_answer() {
        return None;
    }
    let soon = due
        .checked_sub_days(Days::new(DUE_SOON_DAYS))
        .unwrap_or(due);
    Some(if day > due {
        Timeliness::Overdue
    } else if day >= soon {
        Timeliness::DueSoon
    } else {
        Timeliness::OnTime
    })
}

/// The reference a sender quotes: `FB-000042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reference(pub i64);

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FB-{:06}", self.0)
    }
}

impl FromStr for Reference {
    type Err = FeedbackError;
    fn from_str(s: &str) -> Result<Reference, FeedbackError> {
        s.trim()
            .strip_prefix("FB-")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(Reference)
            .ok_or_else(|| {
                FeedbackError::new(
                    "reference",
                    format!("\"{s}\" is not a reference like FB-000042"),
                )
                .coded("bad_reference", [("given", s.to_string())])
            })
    }
}

/// The file types accepted as evidence, recognised by their content, never by the name or
/// the type the browser declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceType {
    Pdf,
    Png,
    Jpeg,
}

impl EvidenceType {
    pub fn sniff(bytes: &[u8]) -> Option<EvidenceType> {
        if bytes.starts_with(b"%PDF-") {
            Some(EvidenceType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(EvidenceType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(EvidenceType::Jpeg)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Png => "image/png",
            EvidenceType::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "pdf",
            EvidenceType::Png => "png",
            EvidenceType::Jpeg => "jpg",
        }
    }
}

/// An evidence file that passed the checks: a known type, within the size cap, and a name
/// that is only a label (no directories, no control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub name: String,
    pub kind: EvidenceType,
    pub bytes: Vec<u8>,
}

impl Evidence {
    pub fn new(name: &str, bytes: Vec<u8>) -> Result<Evidence, FeedbackError> {
        let label = safe_name(name);
        if bytes.is_empty() {
            return Err(
                FeedbackError::new("evidence", format!("{label}: the file is empty"))
                    .coded("file_empty", [("file", label)]),
            );
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(FeedbackError::new(
                "evidence",
                format!(
                    "{label}: {} bytes is more than the {} MB a file may have",
                    bytes.len(),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .coded(
                "file_too_large",
                [
                    ("file", label),
                    ("max", (MAX_FILE_BYTES / (1024 * 1024)).to_string()),
                ],
            ));
        }
        let kind = EvidenceType::sniff(&bytes).ok_or_else(|| {
            FeedbackError::new(
                "evidence",
                format!("{label}: only PDF, PNG and JPEG files are accepted"),
            )
            .coded("file_type", [("file", label.clone())])
        })?;
        // The stored name always ends in the extension of the content actually found.
        let stem = label
            .rsplit_once('.')
            .map_or(label.as_str(), |(stem, _)| stem)
            .to_string();
        Ok(Evidence {
            name: format!("{stem}.{}", kind.extension()),
            kind,
            bytes,
        })
    }
}

/// The last path component of `name`, without control characters or quotes, at most 80
/// characters; `file` when nothing is left.
pub fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | ':'))
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(text: &str) -> Submission {
        let contact = Contact::new("Nguyễn Văn A", "a@example.vn", "").unwrap();
        Submission::new(
            Kind::Recommendation,
            Concern::parse("task", "HT-1").unwrap(),
            text,
            contact,
            true,
        )
        .unwrap()
    }

    #[test]
    fn the_same_words_make_the_same_fingerprint() {
        let a = submission("Đề nghị mở rộng phủ sóng 5G tại các xã miền núi.");
        let b = submission("  đề nghị mở rộng phủ sóng 5G, tại các xã miền núi  ");
        let c = submission("Đề nghị mở rộng phủ sóng 4G tại các xã miền núi.");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn contact_needs_a_way_to_answer() {
        let errors = Contact::new("An", "", "").unwrap_err();
        assert_eq!(errors[0].field, "email");
        assert!(Contact::new("An", "", "0912 345 678").is_ok());
        assert_eq!(
            Contact::new("An", "not-an-address", "").unwrap_err()[0].field,
            "email"
        );
        assert_eq!(
            Contact::new("An", "", "12ab").unwrap_err()[0].field,
            "phone"
        );
        assert_eq!(Contact::new("", "a@b.vn", "").unwrap_err()[0].field, "name");
    }

    #[test]
    fn text_length_and_links_are_bounded() {
        let contact = Contact::new("An", "a@b.vn", "").unwrap();
        let concern = Concern::parse("target", "T1").unwrap();
        let short = Submission::new(
            Kind::Difficulty,
            concern.clone(),
            "too short",
            contact.clone(),
            false,
        );
        assert_eq!(short.unwrap_err().field, "text");
        let spam =
            "buy now https://a.example https://b.example https://c.example https://d.example";
        let spam = Submission::new(Kind::Difficulty, concern, spam, contact, false);
        assert!(spam.unwrap_err().message.contains("links"));
    }

    #[test]
    fn evidence_is_recognised_by_content_and_named_safely() {
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let e = Evidence::new("../../etc/passwd.png", png.clone()).unwrap();
        assert_eq!(e.name, "passwd.png");
        let e = Evidence::new("C:\\Users\\x\\ảnh chụp.exe", png).unwrap();
        assert_eq!(e.name, "ảnh chụp.png", "the extension follows the content");
        assert!(Evidence::new("a.pdf", b"MZ\x90\x00".to_vec()).is_err());
        assert!(Evidence::new("a.pdf", vec![]).is_err());
        let mut big = b"%PDF-1.7".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert!(Evidence::new("big.pdf", big)
            .unwrap_err()
            .message
            .contains("MB"));
        assert_eq!(safe_name("...."), "file");
    }

    #[test]
    fn deadlines_warn_before_and_after() {
        let received: NaiveDate = "2026-03-01".parse().unwrap();
        let due = due_on(received);
        assert_eq!(due, "2026-03-16".parse::<NaiveDate>().unwrap());
        let at = |d: &str| timeliness(State::Assigned, due, d.parse().unwrap());
        assert_eq!(at("2026-03-10"), Some(Timeliness::OnTime));
        assert_eq!(at("2026-03-13"), Some(Timeliness::DueSoon));
        assert_eq!(at("2026-03-16"), Some(Timeliness::DueSoon));
        assert_eq!(at("2026-03-17"), Some(Timeliness::Overdue));
        assert_eq!(
            timeliness(State::Answered, due, "2026-04-01".parse().unwrap()),
            None
        );
    }

    #[test]
    fn references_round_trip() {
        let r: Reference = "FB-000042".parse().unwrap();
        assert_eq!(r, Reference(42));
        assert_eq!(r.to_string(), "FB-000042");
        assert!("42".parse::<Reference>().is_err());
        assert!("FB-0".parse::<Reference>().is_err());
    }
}
