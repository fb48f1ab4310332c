//! A chart's SVG drawn as a PNG picture for the Word report, with the fonts the system has (a
//! server without fonts still gets the lines and bars, without their labels).

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// The fonts of the system, read once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            db.set_sans_serif_family("DejaVu Sans");
            Arc::new(db)
        })
        .clone()
}

/// The picture of `svg` at `scale` times its size, with its width and height in pixels;
/// `None` when the SVG cannot be read or drawn.
pub fn png(svg: &str, scale: f32) -> Option<(Vec<u8>, u32, u32)> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).ok()?;
    let size = tree.size().to_int_size().scale_by(scale)?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap.encode_png().ok()?;
    Some((bytes, size.width(), size.height()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chart_becomes_a_picture_of_its_size() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="280" viewBox="0 0 640 280"><rect x="0" y="0" width="640" height="280" fill="#fff"/><line x1="56" x2="600" y1="100" y2="100" stroke="#b3261e"/><text x="60" y="90" font-size="11">Mục tiêu 2030</text></svg>"##;
        let (bytes, w, h) = super::png(svg, 2.0).unwrap();
        assert_eq!((w, h), (1280, 560));
        assert!(bytes.starts_with(b"\x89PNG"));
        assert!(super::png("not svg", 1.0).is_none());
    }
}
