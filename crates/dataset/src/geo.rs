//! Province boundaries for maps (`data/geo/`, Natural Earth, public domain): the 63 provinces
//! in force until 30 June 2025 and the 34 from 1 July 2025, the archipelagos of Hoàng Sa and
//! Trường Sa with Đà Nẵng and Khánh Hòa. Coordinates are longitude and latitude (WGS84).

use chrono::NaiveDate;
use serde::Deserialize;
use tiendo_domain::orgs::OrgCode;

use crate::files::{self, DataFile};
use crate::load::{read_json, DatasetError};

/// The first day of the 34 provinces.
const REORGANISED: (i32, u32, u32) = (2025, 7, 1);

/// One ring of a polygon: (longitude, latitude) points, the last equal to the first.
pub type Ring = Vec<[f64; 2]>;

/// A province's outline: its polygons, each an outer ring and its holes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvinceShape {
    pub code: OrgCode,
    pub polygons: Vec<Vec<Ring>>,
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    code: OrgCode,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Ring>),
    MultiPolygon(Vec<Vec<Ring>>),
}

fn read(file: &DataFile<'_>) -> Result<Vec<ProvinceShape>, DatasetError> {
    let c: Collection = read_json(file)?;
    Ok(c.features
        .into_iter()
        .map(|f| ProvinceShape {
            code: f.properties.code,
            polygons: match f.geometry {
                Geometry::Polygon(rings) => vec![rings],
                Geometry::MultiPolygon(polygons) => polygons,
            },
        })
        .collect())
}

/// Whether `day` falls on or after 1 July 2025, when the 34 provinces began.
pub fn after_reorganisation(day: NaiveDate) -> bool {
    let (y, m, d) = REORGANISED;
    NaiveDate::from_ymd_opt(y, m, d).is_some_and(|first| day >= first)
}

/// The provinces' outlines in force on `day`.
pub fn province_shapes(day: NaiveDate) -> Result<Vec<ProvinceShape>, DatasetError> {
    if !after_reorganisation(day) {
        read(&files::PROVINCES_63_GEO)
    } else {
        read(&files::PROVINCES_34_GEO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::orgs::OrgKind;

    #[test]
    fn every_province_in_force_has_an_outline_and_nothing_else_does() {
        let d = crate::reference().unwrap();
        for day in ["2025-06-30", "2025-07-01"] {
            let day: NaiveDate = day.parse().unwrap();
            let shapes = province_shapes(day).unwrap();
            let mut drawn: Vec<String> = shapes.iter().map(|s| s.code.to_string()).collect();
            let mut provinces: Vec<String> = d
                .units_of_kind(OrgKind::Province, day)
                .map(|u| u.code.to_string())
                .collect();
            drawn.sort();
            provinces.sort();
            assert_eq!(drawn, provinces, "{day}");
            assert!(shapes
                .iter()
                .flat_map(|s| s.polygons.iter().flatten().flatten())
                .all(|[lon, lat]| (102.0..116.0).contains(lon) && (8.0..24.0).contains(lat)));
        }
    }

    #[test]
    fn the_archipelagos_belong_to_da_nang_and_khanh_hoa() {
        let shapes = province_shapes("2025-07-01".parse().unwrap()).unwrap();
        let owner = |lon: f64, lat: f64| {
            shapes
                .iter()
                .find(|s| {
                    s.polygons
                        .iter()
                        .flatten()
                        .flatten()
                        .any(|p| (p[0] - lon).abs() < 0.8 && (p[1] - lat).abs() < 0.8)
                })
                .map(|s| s.code.to_string())
        };
        assert_eq!(owner(112.0, 16.5).as_deref(), Some("DA-NANG"), "Hoàng Sa");
        assert_eq!(
            owner(114.5, 10.0).as_deref(),
            Some("KHANH-HOA"),
            "Trường Sa"
        );
    }
}
