use maruhi_extract::Format;

use crate::{extract, fixture, text_of};

fn single(name: &str) -> (Format, String) {
    let out = extract(name, &fixture(name));
    assert!(out.diagnostics.is_empty(), "{name}: {:?}", out.diagnostics);
    assert_eq!(out.documents.len(), 1, "{name}: {out:?}");
    (out.documents[0].format, text_of(&out, name).to_owned())
}

/// A DXF drawing becomes one line per entity (type, block, layer, text, rounded coordinates),
/// sorted, after the layer and block names; handles and owners are left out.
#[test]
fn dxf_as_canonical_entities() {
    let (f, text) = single("die-plate.dxf");
    assert_eq!(f, Format::Dxf);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "BLOCK BOLT-M8",
            "NAME LAYER",
            "NAME 外形",
            "NAME 注記",
            "NAME 穴",
            "NAME 表題",
            "NAME 部品",
            "CIRCLE 8=穴 10=105 20=15 30=0 40=4.25",
            "CIRCLE 8=穴 10=15 20=15 30=0 40=4.25",
            "CIRCLE 8=穴 10=60 20=40 30=0 40=12.5",
            "CIRCLE @BOLT-M8 8=部品 10=0 20=0 30=0 40=4",
            "INSERT 8=部品 2=BOLT-M8 10=15 20=15 30=0",
            "LINE 8=外形 10=0 20=0 30=0 11=120 21=0 31=0",
            "LINE 8=外形 10=0 20=80 30=0 11=0 21=0 31=0",
            "LINE 8=外形 10=120 20=0 30=0 11=120 21=80 31=0",
            "LINE 8=外形 10=120 20=80 30=0 11=0 21=80 31=0",
            "MTEXT 8=注記 10=5 20=100 30=0 40=2.5 1=焼入れ HRC58-60 研削仕上げ、角部R0.5以下",
            "TEXT 8=表題 10=5 20=90 30=0 40=3.5 1=金型プレート MK7-2031 公差±0.02 材質SKD11",
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
