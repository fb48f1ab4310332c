//! The regions a province is compared within (`data/orgs/regions.csv`): the six
//! socio-economic regions of the national master plan (Resolution 81/2023/QH15), each
//! province's membership dated, since a region list holds for the provinces of its time.

use chrono::NaiveDate;
use tiendo_domain::orgs::OrgCode;

use crate::files;
use crate::load::{read_csv, DatasetError};

/// A region and the provinces in it, each for the days it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// The document that sets the region and its provinces, by its number, in Vietnamese
    /// and in English.
    pub document: String,
    pub document_en: String,
    /// Where in it, in full.
    pub source: String,
    members: Vec<Membership>,
}

#[derive(Debug, Clone, PartialEq)]
struct Membership {
    unit: OrgCode,
    from: NaiveDate,
    to: NaiveDate,
}

impl Membership {
    fn holds_on(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

impl Region {
    /// The provinces in the region on `day`.
    pub fn members_on(&self, day: NaiveDate) -> impl Iterator<Item = &OrgCode> {
        self.members
            .iter()
            .filter(move |m| m.holds_on(day))
            .map(|m| &m.unit)
    }
}

/// Every region, in the order of the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Regions(Vec<Region>);

impl Regions {
    /// The region `unit` belonged to on `day`, if a region list of that day names it.
    pub fn of(&self, unit: &OrgCode, day: NaiveDate) -> Option<&Region> {
        self.0
            .iter()
            .find(|r| r.members.iter().any(|m| &m.unit == unit && m.holds_on(day)))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.0.iter()
    }
}

/// The regions shipped with tiendo. A province is in at most one region on any day.
pub fn regions() -> Result<Regions, DatasetError> {
    let mut seen: Vec<(String, Membership)> = Vec::new();
    let rows = read_csv(&files::REGIONS, |row| {
        let from: NaiveDate = row.parse("valid_from")?;
        let to: NaiveDate = row.parse("valid_to")?;
        if to < from {
            return Err(row.error(
                "valid_to",
                format!("ends on {to}, before it begins on {from}"),
            ));
        }
        let region: String = row.parse("region")?;
        let m = Membership {
            unit: row.parse("province")?,
            from,
            to,
        };
        if let Some((other, _)) = seen
            .iter()
            .find(|(_, x)| x.unit == m.unit && x.from <= m.to && m.from <= x.to)
        {
            return Err(row.error(
                "province",
                format!(
                    "{} is already in region {other} on some of these days",
                    m.unit
                ),
            ));
        }
        seen.push((region.clone(), m.clone()));
        Ok((
            region,
            row.parse::<String>("name_vi")?,
            row.parse::<String>("name_en")?,
            (
                row.parse::<String>("document")?,
                row.parse::<String>("document_en")?,
            ),
            row.parse::<String>("source")?,
            m,
        ))
    })?;
    let mut regions: Vec<Region> = Vec::new();
    for (code, name_vi, name_en, (document, document_en), source, m) in rows {
        match regions.iter_mut().find(|r| r.code == code) {
            Some(r) => r.members.push(m),
            None => regions.push(Region {
                code,
                name_vi,
                name_en,
                document,
                document_en,
                source,
                members: vec![m],
            }),
        }
    }
    Ok(Regions(regions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::orgs::OrgKind;

    #[test]
    fn the_63_provinces_are_in_six_regions_while_they_were_in_force() {
        let regions = regions().unwrap();
        let d = crate::reference().unwrap();
        let day: NaiveDate = "2024-12-31".parse().unwrap();
        let sizes: Vec<usize> = regions.iter().map(|r| r.members_on(day).count()).collect();
        assert_eq!(sizes, [14, 11, 14, 5, 6, 13]);
        for u in d.units_of_kind(OrgKind::Province, day) {
            assert!(
                regions.of(&u.code, day).is_some(),
                "{} has no region",
                u.code
            );
        }
        let ha_tinh: OrgCode = "HA-TINH".parse().unwrap();
        assert_eq!(
            regions.of(&ha_tinh, day).map(|r| r.name_vi.as_str()),
            Some("Bắc Trung Bộ và duyên hải miền Trung")
        );
    }

    #[test]
    fn no_region_is_given_for_the_34_provinces() {
        let regions = regions().unwrap();
        let day: NaiveDate = "2025-07-01".parse().unwrap();
        assert!(regions.iter().all(|r| r.members_on(day).next().is_none()));
        assert!(regions.of(&"HA-TINH".parse().unwrap(), day).is_none());
    }
}
