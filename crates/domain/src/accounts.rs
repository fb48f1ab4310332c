//! Who may do what: roles, and the capture and view scopes that bound them in the hierarchy.
//!
//! As in DHIS2, a reporter's capture scope (where it enters data) and view scope (where it
//! reads unpublished data) are separate subtrees. Every check the server makes on a read or a
//! write is one of the methods of [`Access`], so the rules live in one place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::codes::check_code;
use crate::orgs::{Hierarchy, OrgCode};
use crate::tasks::Clearance;

/// A login name: 3 to 64 characters of letters, digits, `.`, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid user name: use 3 to 64 letters, digits, '.', '-' or '_'")]
pub struct UsernameError(pub String);

impl FromStr for Username {
    type Err = UsernameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (3..=64).contains(&s.chars().count())
            && check_code("user name", s).is_ok()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if ok {
            Ok(Username(s.to_lowercase()))
        } else {
            Err(UsernameError(s.to_string()))
        }
    }
}

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The six roles of tiendo's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    StandingOffice,
    Reporter,
    Viewer,
    Inspector,
    Public,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::StandingOffice,
        Role::Reporter,
        Role::Viewer,
        Role::Inspector,
        Role::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::StandingOffice => "standing-office",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
            Role::Inspector => "inspector",
            Role::Public => "public",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role \"{0}\" (expected admin, standing-office, reporter, viewer, inspector or public)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// A role with the scopes it needs; a reporter without a capture scope cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "kebab-case")]
pub enum Access {
    /// Administers users and reference data; reads everything.
    Admin,
    /// Defines, assigns and evaluates; approves values anywhere.
    StandingOffice,
    /// Enters data within `capture`, approves what units below its own submit, reads
    /// unpublished data within `view`.
    Reporter { capture: OrgCode, view: OrgCode },
    /// Reads unpublished data within `view`, or everywhere when it has none.
    Viewer { view: Option<OrgCode> },
    /// Reads everything but secret tasks, including the audit log.
    Inspector,
    /// Published data only.
    Public,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("a reporter needs a capture scope (the unit it reports for)")]
    NoCaptureScope,
    #[error("only reporters have a capture scope")]
    UnexpectedCaptureScope,
    #[error("a {0} sees every unit and takes no view scope")]
    UnexpectedViewScope(Role),
}

impl Access {
    /// Builds the access of a role from its stored scopes. A reporter's view scope defaults
    /// to its capture scope.
    pub fn new(
        role: Role,
        capture: Option<OrgCode>,
        view: Option<OrgCode>,
    ) -> Result<Access, AccessError> {
        match (role, capture, view) {
            (Role::Reporter, Some(capture), view) => Ok(Access::Reporter {
                view: view.unwrap_or_else(|| capture.clone()),
                capture,
            }),
            (Role::Reporter, None, _) => Err(AccessError::NoCaptureScope),
            (_, Some(_), _) => Err(AccessError::UnexpectedCaptureScope),
            (Role::Viewer, None, view) => Ok(Access::Viewer { view }),
            (role, None, Some(_)) => Err(AccessError::UnexpectedViewScope(role)),
            (Role::Admin, None, None) => Ok(Access::Admin),
            (Role::StandingOffice, None, None) => Ok(Access::StandingOffice),
            (Role::Inspector, None, None) => Ok(Access::Inspector),
            (Role::Public, None, None) => Ok(Access::Public),
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Access::Admin => Role::Admin,
            Access::StandingOffice => Role::StandingOffice,
            Access::Reporter { .. } => Role::Reporter,
            Access::Viewer { .. } => Role::Viewer,
            Access::Inspector => Role::Inspector,
            Access::Public => Role::Public,
        }
    }

    pub fn capture_scope(&self) -> Option<&OrgCode> {
        match self {
            Access::Reporter { capture, .. } => Some(capture),
            _ => None,
        }
    }

    pub fn view_scope(&self) -> Option<&OrgCode> {
        match self {
            Access::Reporter { view, .. } => Some(view),
            Access::Viewer { view } => view.as_ref(),
            _ => None,
        }
    }

    /// Which tasks this access may see.
    pub fn clearance(&self) -> Clearance {
        match self {
            Access::Admin | Access::StandingOffice => Clearance::Secret,
            Access::Reporter { .. } | Access::Viewer { .. } | Access::Inspector => {
                Clearance::Internal
            }
            Access::Public => Clearance::Public,
        }
    }

    /// May read `unit`'s unpublished data (values not yet approved, the entry form).
    pub fn may_view(&self, hierarchy: &Hierarchy, unit: &OrgCode) -> bool {
        match self {
            Access::Admin | Access::StandingOffice | Access::Inspector => true,
            Access::Viewer { view: None } => true,
            Access::Reporter { capture, view } => {
                hierarchy.is_within(unit, view) || hierarchy.is_within(unit, capture)
            }
            Access::Viewer { view: Some(view) } => hierarchy.is_within(unit, view),
            Access::Public => false,
        }
    }

    /// May enter values and task progress for `unit`.
    pub fn may_capture(&self, hierarchy: &Hierarchy, unit: &OrgCode) -> bool {
        match self {
            Access::StandingOffice => true,
            Access::Reporter { capture, .. } => hierarchy.is_within(unit, capture),
            _ => false,
        }
    }

    /// May approve or return what `unit` submitted: the standing office anywhere, a reporter
    /// for the units strictly below its own, never for its own submissions.
    pub fn may_approve(&self, hierarchy: &Hierarchy, unit: &OrgCode) -> bool {
        match self {
            Access::StandingOffice => true,
            Access::Reporter { capture, .. } => {
                unit != capture && hierarchy.is_within(unit, capture)
            }
            _ => false,
        }
    }

    /// May define documents, targets and tasks and assign them anywhere.
    pub fn may_define(&self) -> bool {
        matches!(self, Access::Admin | Access::StandingOffice)
    }

    /// Where this access defines units, documents, targets and tasks: anywhere for the
    /// standing office and administrators; within its own unit for a unit's reporting office,
    /// which defines its own programmes for its departments and communes; nowhere for others.
    pub fn definition_scope(&self) -> Option<DefinitionScope> {
        match self {
            Access::Admin | Access::StandingOffice => Some(DefinitionScope::Everywhere),
            Access::Reporter { capture, .. } => Some(DefinitionScope::Within(capture.clone())),
            _ => None,
        }
    }

    /// May manage user accounts.
    pub fn may_administer(&self) -> bool {
        matches!(self, Access::Admin)
    }

    /// May read the audit log.
    pub fn may_audit(&self) -> bool {
        matches!(self, Access::Admin | Access::Inspector)
    }

    /// Is an official (anything but the public).
    pub fn is_official(&self) -> bool {
        !matches!(self, Access::Public)
    }
}

/// Where someone defines units, documents, targets and tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefinitionScope {
    Everywhere,
    /// Within this unit: documents it or a unit within it issues, targets of those documents
    /// reported by units within it, tasks of those documents led and coordinated within it,
    /// and new units placed within it.
    Within(OrgCode),
}

impl DefinitionScope {
    /// Whether `unit` lies in the scope.
    pub fn covers(&self, h: &Hierarchy, unit: &OrgCode) -> bool {
        match self {
            DefinitionScope::Everywhere => true,
            DefinitionScope::Within(root) => h.is_within(unit, root),
        }
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefusal {
    #[error("use at least {MIN_PASSWORD} characters")]
    TooShort,
    #[error("a password cannot be only spaces")]
    Blank,
    #[error("a password cannot contain the user name")]
    HasUsername,
    #[error("a password cannot be one character repeated")]
    Repeated,
    #[error("this password is among those guessed first (common passwords, words, keyboard runs, dates)")]
    Guessable,
}

impl PasswordRefusal {
    /// A stable code, the key of its message.
    pub fn code(self) -> &'static str {
        match self {
            PasswordRefusal::TooShort => "too_short",
            PasswordRefusal::Blank => "blank",
            PasswordRefusal::HasUsername => "has_username",
            PasswordRefusal::Repeated => "repeated",
            PasswordRefusal::Guessable => "guessable",
        }
    }
}

/// Whether `password` may be set for `username`: long enough, not blank, not built on the user
/// name, not one character repeated, and not among the passwords an attacker tries first —
/// judged by zxcvbn from its lists of leaked passwords, names and words, keyboard runs,
/// sequences and dates: fewer than 10¹⁰ guesses is refused. (Hashing is argon2id, done by the
/// web application.)
pub fn check_password(password: &str, username: &str) -> Result<(), PasswordRefusal> {
    if password.trim().is_empty() {
        return Err(PasswordRefusal::Blank);
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(PasswordRefusal::TooShort);
    }
    let lower = password.to_lowercase();
    if username.chars().count() >= 3 && lower.contains(&username.to_lowercase()) {
        return Err(PasswordRefusal::HasUsername);
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Err(PasswordRefusal::Repeated);
        }
    }
    if zxcvbn::zxcvbn(password, &[username]).score() < zxcvbn::Score::Three {
        return Err(PasswordRefusal::Guessable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_must_be_long_and_not_guessable_from_the_account() {
        assert_eq!(
            check_password("          ", "ha-tinh"),
            Err(PasswordRefusal::Blank)
        );
        assert_eq!(
            check_password("short pass", "ha-tinh"),
            Err(PasswordRefusal::TooShort)
        );
        assert_eq!(
            check_password("HA-TINH-2026-mua-thu", "ha-tinh"),
            Err(PasswordRefusal::HasUsername)
        );
        assert_eq!(
            check_password("aaaaaaaaaaaaaa", "ha-tinh"),
            Err(PasswordRefusal::Repeated)
        );
        assert_eq!(check_password("mưa phùn tháng ba 2026", "ha-tinh"), Ok(()));
        // Long enough, yet among the first an attacker tries.
        for common in [
            "password1234",
            "123456789012",
            "qwertyuiop123",
            "iloveyou2025",
        ] {
            assert_eq!(
                check_password(common, "ha-tinh"),
                Err(PasswordRefusal::Guessable),
                "{common}"
            );
        }
    }

    use super::*;
    use crate::orgs::{OrgKind, OrgUnit, Validity};

    fn unit(code: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit {
            code: code.parse().unwrap(),
            kind: OrgKind::Province,
            name_vi: code.into(),
            name_en: code.into(),
            parent: parent.map(|p| p.parse().unwrap()),
            validity: Validity::always(),
            synthetic: false,
            source: None,
        }
    }

    fn tree() -> Hierarchy {
        Hierarchy::new(
            vec![
                unit("VN", None),
                unit("HA-TINH", Some("VN")),
                unit("HA-TINH-001", Some("HA-TINH")),
                unit("NGHE-AN", Some("VN")),
            ],
            vec![],
        )
        .unwrap()
    }

    fn code(s: &str) -> OrgCode {
        s.parse().unwrap()
    }

    #[test]
    fn a_reporter_captures_its_subtree_and_approves_only_below_itself() {
        let h = tree();
        let r = Access::new(Role::Reporter, Some(code("HA-TINH")), None).unwrap();
        assert!(r.may_capture(&h, &code("HA-TINH")));
        assert!(r.may_capture(&h, &code("HA-TINH-001")));
        assert!(!r.may_capture(&h, &code("NGHE-AN")));
        assert!(!r.may_view(&h, &code("NGHE-AN")));
        assert!(r.may_approve(&h, &code("HA-TINH-001")));
        assert!(!r.may_approve(&h, &code("HA-TINH")));
    }

    #[test]
    fn capture_and_view_scopes_are_separate() {
        let h = tree();
        let r = Access::new(Role::Reporter, Some(code("HA-TINH-001")), Some(code("VN"))).unwrap();
        assert!(r.may_view(&h, &code("NGHE-AN")));
        assert!(!r.may_capture(&h, &code("NGHE-AN")));
    }

    #[test]
    fn roles_take_only_the_scopes_they_use() {
        assert_eq!(
            Access::new(Role::Reporter, None, None),
            Err(AccessError::NoCaptureScope)
        );
        assert!(Access::new(Role::Inspector, None, Some(code("VN"))).is_err());
        assert!(Access::new(Role::Viewer, Some(code("VN")), None).is_err());
        let public = Access::new(Role::Public, None, None).unwrap();
        assert!(!public.may_view(&tree(), &code("VN")));
        assert_eq!(public.clearance(), Clearance::Public);
    }

    #[test]
    fn user_names_are_checked_and_folded() {
        assert_eq!(
            "Ha.Tinh_1".parse::<Username>().unwrap().as_str(),
            "ha.tinh_1"
        );
        assert!("a b".parse::<Username>().is_err());
        assert!("ab".parse::<Username>().is_err());
        assert!("x/../y".parse::<Username>().is_err());
    }
}
