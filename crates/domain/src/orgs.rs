//! Organisation units: one hierarchy whose members come and go on known dates.
//!
//! Provinces merged on 1 July 2025 stay in the hierarchy with an end date and a successor link,
//! so values they reported keep their meaning and the hierarchy "as of" any day can be rebuilt.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::code_type;

code_type!(
    /// Code of an organisation unit, e.g. `HA-TINH` or `MOST`.
    OrgCode,
    "organisation unit code"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    /// The country, root of the hierarchy.
    Nation,
    /// Party and state bodies at the centre (Politburo, Government, steering committees).
    CentralAgency,
    Ministry,
    /// Province or centrally-run city.
    Province,
    Commune,
    Ward,
    SpecialZone,
    /// A department or office inside another unit.
    Department,
    /// Mass organisations, associations and other bodies that can be assigned tasks.
    Organisation,
}

impl OrgKind {
    pub const ALL: [OrgKind; 9] = [
        OrgKind::Nation,
        OrgKind::CentralAgency,
        OrgKind::Ministry,
        OrgKind::Province,
        OrgKind::Commune,
        OrgKind::Ward,
        OrgKind::SpecialZone,
        OrgKind::Department,
        OrgKind::Organisation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Nation => "nation",
            OrgKind::CentralAgency => "central-agency",
            OrgKind::Ministry => "ministry",
            OrgKind::Province => "province",
            OrgKind::Commune => "commune",
            OrgKind::Ward => "ward",
            OrgKind::SpecialZone => "special-zone",
            OrgKind::Department => "department",
            OrgKind::Organisation => "organisation",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown organisation kind \"{0}\" (expected one of: nation, central-agency, ministry, province, commune, ward, special-zone, department, organisation)")]
pub struct UnknownOrgKind(pub String);

impl FromStr for OrgKind {
    type Err = UnknownOrgKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownOrgKind(s.to_string()))
    }
}

/// The days a unit is in force: from `from` (inclusive, open when unknown) to `to` (inclusive,
/// open while the unit exists). Construction guarantees `from <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Validity {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("validity ends on {to} before it starts on {from}")]
pub struct ValidityError {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Validity {
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Self, ValidityError> {
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(ValidityError { from, to });
            }
        }
        Ok(Validity { from, to })
    }

    pub fn always() -> Self {
        Validity::default()
    }

    pub fn from(&self) -> Option<NaiveDate> {
        self.from
    }

    pub fn to(&self) -> Option<NaiveDate> {
        self.to
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }

    /// True when the unit is in force on at least one day between `start` and `end`.
    pub fn overlaps(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= end) && self.to.is_none_or(|t| start <= t)
    }
}

impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            from: Option<NaiveDate>,
            to: Option<NaiveDate>,
        }
        let raw = Raw::deserialize(d)?;
        Validity::new(raw.from, raw.to).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub code: OrgCode,
    pub kind: OrgKind,
    pub name_vi: String,
    pub name_en: String,
    pub parent: Option<OrgCode>,
    #[serde(flatten)]
    pub validity: Validity,
    /// True for generated units that stand in where real names are not available.
    pub synthetic: bool,
    pub source: Option<String>,
}

impl OrgUnit {
    /// A real unit in force from the beginning, named alike in both languages and without a
    /// source: what a test or a quick definition needs.
    pub fn named(code: OrgCode, kind: OrgKind, name: &str, parent: Option<OrgCode>) -> OrgUnit {
        OrgUnit {
            code,
            kind,
            name_vi: name.into(),
            name_en: name.into(),
            parent,
            validity: Validity::always(),
            synthetic: false,
            source: None,
        }
    }
}

/// `predecessor` ceased to exist and continues as `successor` from `effective`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub predecessor: OrgCode,
    pub successor: OrgCode,
    pub effective: NaiveDate,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    #[error("organisation unit {0} appears twice")]
    Duplicate(OrgCode),
    #[error("organisation unit {unit} names parent {parent}, which is not a known unit")]
    UnknownParent { unit: OrgCode, parent: OrgCode },
    #[error("succession names {0}, which is not a known unit")]
    UnknownSuccessionUnit(OrgCode),
    #[error("organisation unit {0} is its own ancestor")]
    Cycle(OrgCode),
}

/// All units ever in force, with the parent and succession links checked.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    units: Vec<OrgUnit>,
    index: HashMap<OrgCode, usize>,
    successions: Vec<Succession>,
}

impl Hierarchy {
    pub fn new(units: Vec<OrgUnit>, successions: Vec<Succession>) -> Result<Self, HierarchyError> {
        let mut index = HashMap::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            if index.insert(u.code.clone(), i).is_some() {
                return Err(HierarchyError::Duplicate(u.code.clone()));
            }
        }
        for u in &units {
            if let Some(p) = &u.parent {
                if !index.contains_key(p) {
                    return Err(HierarchyError::UnknownParent {
                        unit: u.code.clone(),
                        parent: p.clone(),
                    });
                }
            }
        }
        for s in &successions {
            for c in [&s.predecessor, &s.successor] {
                if !index.contains_key(c) {
                    return Err(HierarchyError::UnknownSuccessionUnit(c.clone()));
                }
            }
        }
        let h = Hierarchy {
            units,
            index,
            successions,
        };
        for u in &h.units {
            let mut steps = 0;
            let mut cur = u.parent.as_ref();
            while let Some(p) = cur {
                steps += 1;
                if steps > h.units.len() {
                    return Err(HierarchyError::Cycle(u.code.clone()));
                }
                cur = h.get(p).and_then(|x| x.parent.as_ref());
            }
        }
        Ok(h)
    }

    pub fn units(&self) -> &[OrgUnit] {
        &self.units
    }

    pub fn successions(&self) -> &[Succession] {
        &self.successions
    }

    pub fn get(&self, code: &OrgCode) -> Option<&OrgUnit> {
        self.index.get(code).map(|&i| &self.units[i])
    }

    /// The unit standing for the whole nation, where the hierarchy has one.
    pub fn nation(&self) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.kind == OrgKind::Nation)
    }

    /// Units in force on `day`, in the order they were given.
    pub fn as_of(&self, day: NaiveDate) -> impl Iterator<Item = &OrgUnit> {
        self.units.iter().filter(move |u| u.validity.contains(day))
    }

    /// The units matching what someone typed — a code, or a name with or without its
    /// diacritics — best match first; among equal matches, those in force on `day` first.
    pub fn search(&self, query: &str, day: NaiveDate) -> Vec<&OrgUnit> {
        let q = crate::search::fold(query);
        let mut found: Vec<(u8, bool, &OrgUnit)> = self
            .units
            .iter()
            .filter_map(|u| {
                crate::search::rank(&q, u.code.as_str(), &[&u.name_vi, &u.name_en])
                    .map(|r| (r, !u.validity.contains(day), u))
            })
            .collect();
        found.sort_by(|a, b| (a.0, a.1, &a.2.name_vi).cmp(&(b.0, b.1, &b.2.name_vi)));
        found.into_iter().map(|(_, _, u)| u).collect()
    }

    /// True when `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &OrgCode, ancestor: &OrgCode) -> bool {
        let mut cur = Some(unit);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.get(c).and_then(|u| u.parent.as_ref());
        }
        false
    }

    /// Where a unit's responsibilities lie on `day`: the unit itself while it is in force,
    /// otherwise the successor chain followed up to `day`.
    pub fn in_force_for(&self, unit: &OrgCode, day: NaiveDate) -> Option<&OrgUnit> {
        let mut cur = self.get(unit)?;
        for _ in 0..=self.successions.len() {
            if cur.validity.contains(day) {
                return Some(cur);
            }
            let next = self
                .successions
                .iter()
                .filter(|s| s.predecessor == cur.code && s.effective <= day)
                .max_by_key(|s| s.effective)?;
            cur = self.get(&next.successor)?;
        }
        None
    }

    /// The succession that ended `unit`, if it was merged into another.
    pub fn successor_of(&self, unit: &OrgCode) -> Option<&Succession> {
        self.successions.iter().find(|s| &s.predecessor == unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, parent: Option<&str>, from: Option<&str>, to: Option<&str>) -> OrgUnit {
        OrgUnit {
            code: code.parse().unwrap(),
            kind: OrgKind::Province,
            name_vi: code.into(),
            name_en: code.into(),
            parent: parent.map(|p| p.parse().unwrap()),
            validity: Validity::new(
                from.map(|d| d.parse().unwrap()),
                to.map(|d| d.parse().unwrap()),
            )
            .unwrap(),
            synthetic: false,
            source: None,
        }
    }

    fn merged() -> Hierarchy {
        let units = vec![
            unit("VN", None, None, None),
            unit("A-OLD", Some("VN"), None, Some("2025-06-30")),
            unit("B", Some("VN"), None, Some("2025-06-30")),
            unit("A", Some("VN"), Some("2025-07-01"), None),
            unit("C", Some("VN"), None, None),
        ];
        let eff = "2025-07-01".parse().unwrap();
        let s = |p: &str| Succession {
            predecessor: p.parse().unwrap(),
            successor: "A".parse().unwrap(),
            effective: eff,
            source: None,
        };
        Hierarchy::new(units, vec![s("A-OLD"), s("B")]).unwrap()
    }

    #[test]
    fn as_of_returns_the_units_in_force_that_day() {
        let h = merged();
        let codes = |d: &str| -> Vec<String> {
            h.as_of(d.parse().unwrap())
                .map(|u| u.code.to_string())
                .collect()
        };
        assert_eq!(codes("2025-06-30"), ["VN", "A-OLD", "B", "C"]);
        assert_eq!(codes("2025-07-01"), ["VN", "A", "C"]);
    }

    #[test]
    fn merged_units_resolve_to_their_successor() {
        let h = merged();
        let b: OrgCode = "B".parse().unwrap();
        let after = h.in_force_for(&b, "2026-01-01".parse().unwrap()).unwrap();
        assert_eq!(after.code.as_str(), "A");
        let before = h.in_force_for(&b, "2024-01-01".parse().unwrap()).unwrap();
        assert_eq!(before.code.as_str(), "B");
        assert_eq!(h.successor_of(&b).unwrap().successor.as_str(), "A");
    }

    #[test]
    fn rejects_broken_links() {
        let e = Hierarchy::new(vec![unit("X", Some("NOPE"), None, None)], vec![]).unwrap_err();
        assert!(e.to_string().contains("NOPE"));
        let e = Hierarchy::new(
            vec![
                unit("X", Some("Y"), None, None),
                unit("Y", Some("X"), None, None),
            ],
            vec![],
        )
        .unwrap_err();
        assert!(matches!(e, HierarchyError::Cycle(_)));
        assert!(Validity::new(
            Some("2025-02-01".parse().unwrap()),
            Some("2025-01-01".parse().unwrap())
        )
        .is_err());
    }
}
