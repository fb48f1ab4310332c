//! The provinces as a map: an SVG choropleth drawn on the server, each province a link to its
//! page with its name and state as its title, the archipelagos of Hoàng Sa and Trường Sa marked
//! and named, and a legend. The same figures are always in a table beside it for screen readers.

use std::fmt::Write;
use std::sync::OnceLock;

use chrono::NaiveDate;
use tiendo_dataset::geo::ProvinceShape;
use tiendo_dataset::DatasetError;
use tiendo_domain::orgs::OrgCode;

use crate::i18n::Lang;

/// How one province is drawn.
pub struct Area {
    pub fill: &'static str,
    /// Its name and state, shown on hover and read by screen readers.
    pub title: String,
    pub href: String,
}

/// One entry of the legend.
pub struct Key {
    pub fill: &'static str,
    pub label: String,
}

/// A legend from fills and the message names of their labels.
pub fn legend(l: Lang, entries: &[(&'static str, &str)]) -> Vec<Key> {
    entries
        .iter()
        .map(|(fill, key)| Key {
            fill,
            label: l.t(key),
        })
        .collect()
}

/// The west and north edges drawn, in degrees.
const WEST: f64 = 102.0;
const NORTH: f64 = 23.6;
const EAST: f64 = 116.2;
const SOUTH: f64 = 7.9;
/// Longitudes shrink with the cosine of the latitude; Vietnam's middle lies near 16° N.
const COS_MIDDLE: f64 = 0.9613;
const WIDTH: f64 = 440.0;
const LEGEND: f64 = 26.0;

fn scale() -> f64 {
    WIDTH / ((EAST - WEST) * COS_MIDDLE)
}

fn project([lon, lat]: [f64; 2]) -> (f64, f64) {
    ((lon - WEST) * COS_MIDDLE * scale(), (NORTH - lat) * scale())
}

/// The archipelagos' extents (from `data/geo/SOURCE.md`): their islets are under a pixel, so a
/// dashed outline and a name show where they are.
const ARCHIPELAGOS: [(&str, [f64; 4]); 2] = [
    ("map-hoang-sa", [111.19, 112.74, 15.78, 16.98]),
    ("map-truong-sa", [113.34, 115.85, 8.26, 11.12]),
];

fn escape(s: &str) -> String {
    crate::failure::escape(s)
}

/// The provinces' outlines in force on a day, each already projected as an SVG path: read and
/// drawn once per set of boundaries, not for every page that shows the map (they were most of
/// the overview page's cost).
pub struct Outlines {
    provinces: Vec<(OrgCode, String)>,
}

impl Outlines {
    fn of(shapes: &[ProvinceShape]) -> Outlines {
        let provinces = shapes
            .iter()
            .map(|shape| {
                let mut d = String::new();
                for ring in shape.polygons.iter().flatten() {
                    for (i, p) in ring.iter().enumerate() {
                        let (x, y) = project(*p);
                        let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                    }
                    d.push('Z');
                }
                (shape.code.clone(), d)
            })
            .collect();
        Outlines { provinces }
    }
}

/// The outlines in force on `day`: the 63 provinces before 1 July 2025, the 34 from then.
pub fn outlines(day: NaiveDate) -> Result<&'static Outlines, DatasetError> {
    static BEFORE: OnceLock<Result<Outlines, DatasetError>> = OnceLock::new();
    static AFTER: OnceLock<Result<Outlines, DatasetError>> = OnceLock::new();
    let cell = if tiendo_dataset::geo::after_reorganisation(day) {
        &AFTER
    } else {
        &BEFORE
    };
    cell.get_or_init(|| tiendo_dataset::geo::province_shapes(day).map(|s| Outlines::of(&s)))
        .as_ref()
        .map_err(Clone::clone)
}

/// The map of `outlines`, each province drawn as `area` says, with `legend` below it and the boundaries'
/// attribution.
pub fn choropleth(
    l: Lang,
    title: &str,
    outlines: &Outlines,
    area: impl Fn(&OrgCode) -> Area,
    legend: &[Key],
) -> String {
    let height = (NORTH - SOUTH) * scale();
    let rows = legend.len().div_ceil(2) as f64;
    let total = height + rows * LEGEND + 24.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {total:.0}\" role=\"img\" \
         aria-labelledby=\"map-title\" class=\"map\"><title id=\"map-title\">{}</title>\
         <rect width=\"{WIDTH}\" height=\"{height:.0}\" fill=\"#eef4f8\"/>",
        escape(title)
    );
    for (code, d) in &outlines.provinces {
        let a = area(code);
        let path = format!(
            "<path d=\"{d}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"#fff\" \
             stroke-width=\"0.6\"><title>{}</title></path>",
            a.fill,
            escape(&a.title)
        );
        // A province without a page of its own is drawn, not linked.
        if a.href.is_empty() {
            svg.push_str(&path);
        } else {
            let _ = write!(svg, "<a href=\"{}\">{path}</a>", escape(&a.href));
        }
    }
    for (key, [w, e, s, n]) in ARCHIPELAGOS {
        let (x0, y0) = project([w, n]);
        let (x1, y1) = project([e, s]);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let _ = write!(
            svg,
            "<ellipse cx=\"{cx:.1}\" cy=\"{cy:.1}\" rx=\"{:.1}\" ry=\"{:.1}\" fill=\"none\" \
             stroke=\"#555\" stroke-dasharray=\"3 2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">{}</text>",
            (x1 - x0) / 2.0 + 6.0,
            (y1 - y0) / 2.0 + 6.0,
            // Right-aligned under the outline, so the name stays inside the map.
            (x1 + 6.0).min(WIDTH - 4.0),
            y1 + 18.0,
            escape(&l.t(key))
        );
    }
    for (i, k) in legend.iter().enumerate() {
        let x = if i % 2 == 0 { 8.0 } else { WIDTH / 2.0 + 4.0 };
        let y = height + 8.0 + (i / 2) as f64 * LEGEND;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y:.1}\" width=\"16\" height=\"16\" fill=\"{}\" stroke=\"#666\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#222\">{}</text>",
            k.fill,
            x + 22.0,
            y + 13.0,
            escape(&k.label)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"8\" y=\"{:.1}\" font-size=\"10\" fill=\"#555\">{}</text></svg>",
        total - 6.0,
        escape(&l.t("map-attribution"))
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_province_is_a_linked_titled_area_and_the_archipelagos_are_named() {
        let day = "2025-07-01".parse().unwrap();
        let svg = choropleth(
            Lang::Vi,
            "Bản đồ",
            outlines(day).unwrap(),
            |code| Area {
                fill: "#ccc",
                title: format!("{code}: chưa có số liệu"),
                href: format!("/units/{code}"),
            },
            &[Key {
                fill: "#ccc",
                label: "Chưa có số liệu".into(),
            }],
        );
        assert_eq!(svg.matches("<a href=").count(), 34);
        assert!(svg.contains("<a href=\"/units/HA-TINH\">"));
        assert!(svg.contains("Quần đảo Hoàng Sa") && svg.contains("Quần đảo Trường Sa"));
        assert!(!svg.contains("NaN"));
        assert_eq!(
            outlines("2025-06-30".parse().unwrap())
                .unwrap()
                .provinces
                .len(),
            63
        );
        assert_eq!(outlines(day).unwrap().provinces.len(), 34);
    }
}
