//! Dashboards a unit builds for its own programmes: a title, the roles it is shared with, and
//! widgets — a target's chart, a table of targets, a task list with a saved filter, a ranking
//! of the unit's sub-units, its warnings, a map, and free text. A dashboard is a definition
//! only: the figures are read when it is shown, so it never goes stale, and its file (JSON) is
//! what one unit exports and another imports.

use serde::{Deserialize, Serialize};

use crate::accounts::{Access, Role};
use crate::codes::code_type;
use crate::documents::DocumentCode;
use crate::orgs::{Hierarchy, OrgCode};
use crate::targets::TargetCode;

code_type!(
    /// A dashboard's code, its address: `/dashboards/{code}`.
    DashboardCode,
    "dashboard code"
);

/// The most widgets a dashboard holds: one screenful for a meeting, not a report.
pub const MAX_WIDGETS: usize = 12;
/// The most targets a table widget lists.
pub const MAX_TABLE_TARGETS: usize = 20;
/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest free text, in characters.
pub const MAX_TEXT: usize = 4_000;
/// The largest dashboard file accepted for import, in bytes.
pub const MAX_FILE: usize = 64 * 1024;

/// Which of a unit's tasks a task list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskView {
    /// Every task the unit leads or coordinates.
    All,
    /// Those not completed or cancelled.
    Open,
    /// Those past their deadline and not completed.
    Overdue,
    /// Those due within the warning horizon.
    DueSoon,
}

/// One block of a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Widget {
    /// A target's figures for the dashboard's unit over time, with its goal and status.
    Chart { target: TargetCode },
    /// Targets' latest figures, goals and statuses for the unit.
    Table { targets: Vec<TargetCode> },
    /// The tasks the unit and the units within it lead, filtered, optionally of one document.
    Tasks {
        view: TaskView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<DocumentCode>,
    },
    /// The units directly within the dashboard's unit ranked on a target.
    Ranking { target: TargetCode },
    /// The warnings within the unit, grouped by rule.
    Warnings,
    /// The provinces coloured by their status on a target.
    Map { target: TargetCode },
    /// The units directly within the dashboard's unit as tiles coloured by their status on a
    /// target: the map of units whose outlines tiendo does not hold (communes, departments).
    Tiles { target: TargetCode },
    /// Words of the unit's own: a heading and paragraphs.
    Text {
        #[serde(default)]
        heading: String,
        body: String,
    },
}

impl Widget {
    /// The targets the widget reads.
    pub fn targets(&self) -> Vec<&TargetCode> {
        match self {
            Widget::Chart { target }
            | Widget::Ranking { target }
            | Widget::Map { target }
            | Widget::Tiles { target } => vec![target],
            Widget::Table { targets } => targets.iter().collect(),
            _ => vec![],
        }
    }
}

/// Who a dashboard is shown to besides those who may build it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Audience {
    /// Signed-in roles that see it (within their view of the unit).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Everyone, signed in or not.
    #[serde(default)]
    pub public: bool,
}

/// A dashboard as its unit defined it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub code: DashboardCode,
    /// The unit whose dashboard it is: its figures, tasks and sub-units are shown.
    pub owner: OrgCode,
    pub title_vi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub audience: Audience,
    pub widgets: Vec<Widget>,
}

/// Why a dashboard cannot be kept: a stable code for the reader's language, and the widget
/// at fault (from 1) where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}{}", .widget.map(|w| format!(" (widget {w})")).unwrap_or_default())]
pub struct DashboardError {
    pub code: &'static str,
    pub widget: Option<usize>,
}

fn text_ok(s: &str, max: usize) -> bool {
    s.chars().count() <= max
        && !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

impl Dashboard {
    /// Checks what a dashboard may hold: a Vietnamese title, at most [`MAX_WIDGETS`] widgets,
    /// tables of one to [`MAX_TABLE_TARGETS`] targets, text a person wrote within its bounds.
    /// Whether its targets and unit exist is the catalogue's to say.
    pub fn validate(&self) -> Result<(), DashboardError> {
        let whole = |code| Err(DashboardError { code, widget: None });
        // The code is the dashboard's address: one path segment a person can type.
        if !self
            .code
            .as_str()
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return whole("dashboard-code-chars");
        }
        if self.title_vi.trim().is_empty() {
            return whole("dashboard-no-title");
        }
        if !text_ok(&self.title_vi, MAX_TITLE)
            || !self
                .title_en
                .as_deref()
                .is_none_or(|t| text_ok(t, MAX_TITLE))
        {
            return whole("dashboard-title-too-long");
        }
        if self.widgets.is_empty() {
            return whole("dashboard-no-widgets");
        }
        if self.widgets.len() > MAX_WIDGETS {
            return whole("dashboard-too-many-widgets");
        }
        for (i, w) in self.widgets.iter().enumerate() {
            let bad = |code| {
                Err(DashboardError {
                    code,
                    widget: Some(i + 1),
                })
            };
            match w {
                Widget::Table { targets } if targets.is_empty() => {
                    return bad("dashboard-table-empty")
                }
                Widget::Table { targets } if targets.len() > MAX_TABLE_TARGETS => {
                    return bad("dashboard-table-too-long")
                }
                Widget::Text { heading, body } => {
                    if body.trim().is_empty() && heading.trim().is_empty() {
                        return bad("dashboard-text-empty");
                    }
                    if !text_ok(heading, MAX_TITLE) || !text_ok(body, MAX_TEXT) {
                        return bad("dashboard-text-too-long");
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads a dashboard file (JSON) and checks it.
    pub fn from_file(bytes: &[u8]) -> Result<Dashboard, DashboardError> {
        if bytes.len() > MAX_FILE {
            return Err(DashboardError {
                code: "dashboard-file-too-large",
                widget: None,
            });
        }
        let d: Dashboard = serde_json::from_slice(bytes).map_err(|_| DashboardError {
            code: "dashboard-file-unreadable",
            widget: None,
        })?;
        d.validate()?;
        Ok(d)
    }

    /// The dashboard as a file another unit can import.
    pub fn to_file(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether `access` shows this dashboard: to those who may build it, to everyone when it
    /// is public, and to the roles it is shared with that may view the unit's data.
    pub fn shown_to(&self, access: &Access, h: &Hierarchy) -> bool {
        may_build(access, h, &self.owner)
            || self.audience.public
            || (self.audience.roles.contains(&access.role()) && access.may_view(h, &self.owner))
    }
}

/// Whether `access` may build and change the dashboards of `owner`: the standing office and
/// administrators for any unit, a unit's reporting office for its own unit and those within.
pub fn may_build(access: &Access, h: &Hierarchy, owner: &OrgCode) -> bool {
    match access {
        Access::Admin | Access::StandingOffice => true,
        Access::Reporter { capture, .. } => h.is_within(owner, capture),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orgs::{OrgKind, OrgUnit};
    use proptest::prelude::*;

    fn code<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().unwrap()
    }

    fn dashboard(widgets: Vec<Widget>) -> Dashboard {
        Dashboard {
            code: code("ht-cds"),
            owner: code("HA-TINH"),
            title_vi: "Chuyển đổi số Hà Tĩnh".into(),
            title_en: None,
            audience: Audience {
                roles: vec![Role::Viewer],
                public: false,
            },
            widgets,
        }
    }

    fn hierarchy() -> Hierarchy {
        let unit = |c: &str, parent: Option<&str>| {
            OrgUnit::named(code(c), OrgKind::Province, c, parent.map(code))
        };
        Hierarchy::new(
            vec![
                unit("VN", None),
                unit("HA-TINH", Some("VN")),
                unit("HT-X1", Some("HA-TINH")),
                unit("NGHE-AN", Some("VN")),
            ],
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn a_province_builds_its_own_and_shares_with_the_roles_it_chooses() {
        let h = hierarchy();
        let d = dashboard(vec![Widget::Warnings]);
        let ha_tinh = Access::new(Role::Reporter, Some(code("HA-TINH")), None).unwrap();
        let commune = Access::new(Role::Reporter, Some(code("HT-X1")), None).unwrap();
        let nghe_an = Access::new(Role::Reporter, Some(code("NGHE-AN")), None).unwrap();
        let leader = Access::new(Role::Viewer, None, Some(code("HA-TINH"))).unwrap();
        let other_leader = Access::new(Role::Viewer, None, Some(code("NGHE-AN"))).unwrap();
        assert!(may_build(&ha_tinh, &h, &d.owner));
        assert!(
            !may_build(&commune, &h, &d.owner),
            "a commune does not build its province's"
        );
        assert!(!may_build(&nghe_an, &h, &d.owner));
        assert!(d.shown_to(&leader, &h));
        assert!(
            !d.shown_to(&other_leader, &h),
            "shared within the unit's view"
        );
        assert!(!d.shown_to(&nghe_an, &h));
        assert!(!d.shown_to(&Access::Public, &h));
        let public = Dashboard {
            audience: Audience {
                roles: vec![],
                public: true,
            },
            ..d
        };
        assert!(public.shown_to(&Access::Public, &h));
    }

    #[test]
    fn what_a_dashboard_holds_is_bounded_and_named() {
        assert!(dashboard(vec![Widget::Warnings]).validate().is_ok());
        assert_eq!(
            dashboard(vec![]).validate().unwrap_err().code,
            "dashboard-no-widgets"
        );
        let many = dashboard(vec![Widget::Warnings; MAX_WIDGETS + 1]);
        assert_eq!(
            many.validate().unwrap_err().code,
            "dashboard-too-many-widgets"
        );
        let empty_table = dashboard(vec![Widget::Warnings, Widget::Table { targets: vec![] }]);
        assert_eq!(
            empty_table.validate().unwrap_err(),
            DashboardError {
                code: "dashboard-table-empty",
                widget: Some(2)
            }
        );
        let mut slashed = dashboard(vec![Widget::Warnings]);
        slashed.code = code("57/NQ");
        assert_eq!(slashed.validate().unwrap_err().code, "dashboard-code-chars");
        let mut untitled = dashboard(vec![Widget::Warnings]);
        untitled.title_vi = "  ".into();
        assert_eq!(untitled.validate().unwrap_err().code, "dashboard-no-title");
    }

    #[test]
    fn a_file_round_trips_and_bad_files_are_named() {
        let d = dashboard(vec![
            Widget::Chart {
                target: code("HT-T4"),
            },
            Widget::Tasks {
                view: TaskView::Overdue,
                document: Some(code("40-CTr/TU")),
            },
            Widget::Text {
                heading: "Ghi chú".into(),
                body: "Số liệu quý III".into(),
            },
        ]);
        assert_eq!(Dashboard::from_file(d.to_file().as_bytes()).unwrap(), d);
        assert_eq!(
            Dashboard::from_file(b"{\"code\": \"a b\"}")
                .unwrap_err()
                .code,
            "dashboard-file-unreadable"
        );
        let big = vec![b' '; MAX_FILE + 1];
        assert_eq!(
            Dashboard::from_file(&big).unwrap_err().code,
            "dashboard-file-too-large"
        );
    }

    proptest! {
        /// Any bytes are read as a dashboard or refused with a code; reading never panics.
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Dashboard::from_file(&bytes);
        }
    }
}
