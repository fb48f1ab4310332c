//! Names where codes are stored: a form field takes what an officer types — a unit's or a task's
//! name with or without diacritics, or its code — and finds the one thing it names; what it
//! cannot find, or finds several of, is refused with the field named and the choices listed,
//! in the reader's language.

use chrono::NaiveDate;
use tiendo_domain::codes::CodeError;
use tiendo_domain::orgs::{Hierarchy, OrgCode, OrgKind, OrgUnit};
use tiendo_domain::search::{pick, Pick};
use tiendo_domain::tasks::{Task, TaskCode};

use crate::i18n::Lang;

/// A field of a form that could not be taken: the label of the field (a message name) and why,
/// as a message name and its arguments; worded when shown.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub label: &'static str,
    pub key: String,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new<const N: usize>(
        label: &'static str,
        key: impl Into<String>,
        args: [(&'static str, String); N],
    ) -> FieldError {
        FieldError {
            label,
            key: key.into(),
            args: args.into(),
        }
    }

    /// "Chủ trì: không có đơn vị nào tên hoặc mã “…”."
    pub fn worded(&self, l: Lang) -> String {
        format!("{}: {}", l.t(self.label), l.t_args(&self.key, &self.args))
    }
}

/// A code typed into `label`, refused in words when it is empty, too long or holds a space.
pub fn code<T: std::str::FromStr<Err = CodeError>>(
    label: &'static str,
    typed: &str,
) -> Result<T, FieldError> {
    typed
        .trim()
        .parse()
        .map_err(|e: CodeError| FieldError::new(label, format!("code-{}", e.problem), []))
}

/// A day typed as the date input sends it (YYYY-MM-DD); `None` when the field is blank.
pub fn day(label: &'static str, typed: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| FieldError::new(label, "pick-not-a-date", [("typed", t.to_string())]))
}

/// The unit `typed` names: among those in force on `day` first, then among all.
pub fn unit(
    h: &Hierarchy,
    day: NaiveDate,
    label: &'static str,
    typed: &str,
) -> Result<OrgCode, FieldError> {
    fn names(u: &OrgUnit) -> Vec<&str> {
        vec![&u.name_vi, &u.name_en]
    }
    fn code(u: &OrgUnit) -> &str {
        u.code.as_str()
    }
    let found = match pick(typed, h.as_of(day), code, names) {
        Pick::Nothing => pick(typed, h.units(), code, names),
        found => found,
    };
    picked(found, label, typed, "pick-no-unit", |u| {
        (&u.name_vi, u.code.as_str())
    })
    .map(|u| u.code.clone())
}

/// Names to suggest while a unit is typed: the central agencies, ministries and provinces in
/// force on `day` (a department or commune is found by typing its name).
pub fn suggested_units(l: Lang, h: &Hierarchy, day: NaiveDate) -> Vec<String> {
    h.as_of(day)
        .filter(|u| {
            matches!(
                u.kind,
                OrgKind::CentralAgency | OrgKind::Ministry | OrgKind::Province
            )
        })
        .map(|u| super::pick(l, &u.name_vi, Some(&u.name_en)))
        .collect()
}

/// The units of a list typed one per line (or separated by semicolons: a unit's name may hold
/// a comma, as "Bộ Văn hóa, Thể thao và Du lịch" does).
pub fn units(
    h: &Hierarchy,
    day: NaiveDate,
    label: &'static str,
    typed: &str,
) -> Result<Vec<OrgCode>, FieldError> {
    lines(typed).map(|t| unit(h, day, label, t)).collect()
}

/// The task `typed` names among `tasks`, by code or title.
pub fn task(tasks: &[Task], label: &'static str, typed: &str) -> Result<TaskCode, FieldError> {
    fn code(t: &Task) -> &str {
        t.code.as_str()
    }
    fn titles(t: &Task) -> Vec<&str> {
        let mut names = vec![t.title_vi.as_str()];
        names.extend(t.title_en.as_deref());
        names
    }
    let found = pick(typed, tasks, code, titles);
    picked(found, label, typed, "pick-no-task", |t| {
        (&t.title_vi, t.code.as_str())
    })
    .map(|t| t.code.clone())
}

/// The one thing picked, or the refusal: nothing named `typed` (`none_key`), or several, each
/// listed by its name and code.
fn picked<'a, T>(
    found: Pick<'a, T>,
    label: &'static str,
    typed: &str,
    none_key: &'static str,
    shown: impl Fn(&'a T) -> (&'a String, &'a str),
) -> Result<&'a T, FieldError> {
    let typed = typed.trim().to_string();
    match found {
        Pick::One(t) => Ok(t),
        Pick::Nothing => Err(FieldError::new(label, none_key, [("typed", typed)])),
        Pick::Several(ts) => Err(FieldError::new(
            label,
            "pick-several",
            [
                ("typed", typed),
                ("choices", choices(ts.into_iter().map(shown))),
            ],
        )),
    }
}

/// The non-blank items of a list typed one per line or separated by semicolons.
pub fn lines(typed: &str) -> impl Iterator<Item = &str> {
    typed
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// "Xã Tân Phú (X1); Xã Tân Phú (X2)": the name, and the code that tells them apart.
fn choices<'a>(found: impl Iterator<Item = (&'a String, &'a str)>) -> String {
    found
        .map(|(name, code)| format!("{name} ({code})"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::orgs::Validity;

    fn unit_(code: &str, name: &str, to: Option<&str>) -> OrgUnit {
        OrgUnit {
            code: code.parse().unwrap(),
            kind: OrgKind::Province,
            name_vi: name.into(),
            name_en: name.into(),
            parent: None,
            validity: Validity::new(
                Some("2020-01-01".parse().unwrap()),
                to.map(|d| d.parse().unwrap()),
            )
            .unwrap(),
            synthetic: false,
            source: None,
        }
    }

    #[test]
    fn a_name_finds_the_unit_in_force_before_one_that_ceased() {
        let h = Hierarchy::new(
            vec![
                unit_("TQ-OLD", "Tỉnh Tuyên Quang", Some("2025-06-30")),
                unit_("TQ", "Tỉnh Tuyên Quang", None),
                unit_("HG", "Tỉnh Hà Giang", Some("2025-06-30")),
            ],
            vec![],
        )
        .unwrap();
        let day: NaiveDate = "2025-09-01".parse().unwrap();
        let found = |t: &str| unit(&h, day, "lead", t).map(|c| c.to_string());
        assert_eq!(found("tinh tuyen quang").unwrap(), "TQ");
        assert_eq!(
            found("Hà Giang").unwrap(),
            "HG",
            "a ceased unit is still found"
        );
        assert_eq!(found("TQ-OLD").unwrap(), "TQ-OLD");
        let e = found("Đà Nẵng").unwrap_err();
        assert_eq!((e.label, e.key.as_str()), ("lead", "pick-no-unit"));
        let listed = units(&h, day, "coordinators", "Tỉnh Hà Giang\n; TQ \n\n").unwrap();
        assert_eq!(listed.len(), 2);
    }

    #[test]
    fn codes_are_refused_in_words() {
        let e = code::<OrgCode>("code", "HA TINH").unwrap_err();
        assert_eq!(e.key, "code-white-space");
        assert_eq!(code::<OrgCode>("code", "").unwrap_err().key, "code-empty");
        assert!(day("deadline", "30/6/2025").is_err());
        assert_eq!(day("deadline", " ").unwrap(), None);
    }
}
