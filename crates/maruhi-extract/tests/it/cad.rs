use maruhi_extract::Format;

use crate::{extract, fixture, text_of};

fn single(name: &str) -> (Format, String) {
    let out = extract(name, &fixture(name));
    assert!(out.diagnostics.is_empty(), "{name}: {:?}", out.diagnostics);
    assert_eq!(out.documents.len(), 1, "{name}: {out:?}");
    (out.documents[0].format, text_of(&out, name).to_owned())
}

/// A DXF drawing becomes one line per entity (type, block, layer, text, rounded coordinates
/// without a zero Z), sorted, after the block names; handles, owners and the layer table are
/// left out.
#[test]
fn dxf_as_canonical_entities() {
    let (f, text) = single("die-plate.dxf");
    assert_eq!(f, Format::Dxf);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "BLOCK BOLT-M8",
            "CIRCLE @BOLT-M8 部品 0 0 4",
            "CIRCLE 穴 105 15 4.25",
            "CIRCLE 穴 15 15 4.25",
            "CIRCLE 穴 60 40 12.5",
            "INSERT 部品 BOLT-M8 15 15",
            "LINE 外形 0 0 120 0",
            "LINE 外形 0 80 0 0",
            "LINE 外形 120 0 120 80",
            "LINE 外形 120 80 0 80",
            "MTEXT 注記 5 100 2.5 焼入れ HRC58-60 研削仕上げ、角部R0.5以下",
            "TEXT 表題 5 90 3.5 金型プレート MK7-2031 公差±0.02 材質SKD11",
        ]
    );
}

/// Re-saved by another program: entities in another order, new handles, six decimals, CRLF.
/// The canonical text is the same, so the fingerprints are.
#[test]
fn resaved_dxf_gives_the_same_text() {
    assert_eq!(single("die-plate.dxf").1, single("die-plate-resaved.dxf").1);
}

#[test]
fn step_and_gcode() {
    let (f, text) = single("die-plate.stp");
    assert_eq!(f, Format::Step);
    assert!(text.contains("PRODUCT('MK7-2031','金型プレート SKD11','',(#))"), "{text:?}");
    assert!(text.contains("CARTESIAN_POINT('',(120,80,0))"), "{text:?}");
    assert!(!text.contains("2026-11-02"), "the header's time stamp is not drawing content: {text:?}");
    let (f, text) = single("die-plate.nc");
    assert_eq!(f, Format::Gcode);
    assert!(
        text.starts_with("O2031\nMK7-2031 DIE PLATE ROUGHING\n金型プレート 荒加工 T1 D10\nG90 G54 G17\nT1 M6\n"),
        "{text:?}"
    );
    assert!(text.contains("G1 Z-2 F300\nX130 F800\n"), "{text:?}");
}

/// Named like a drawing but not one: its text is still read, as text.
#[test]
fn not_a_dxf_after_all() {
    let out = extract("notes.dxf", "図面の送付について。来週お送りします。".as_bytes());
    assert_eq!(out.documents[0].format, Format::Text);
    let out = extract("binary.dxf", b"AutoCAD Binary DXF\r\n\x1a\0\0\x01\x02");
    assert!(out.documents.is_empty() && out.diagnostics.is_empty(), "{out:?}");
}
