//! No input makes an adapter panic or loop, and every item is accounted for.

use maruhi_events::{read, Format, Options};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048), f in 0usize..6) {
        let format = Format::ALL[f];
        let n = read(format, &data[..], &Options::default()).take(10_000).count();
        prop_assert!(n <= data.len() + 1);
    }

    #[test]
    fn line_formats_report_bad_lines_by_number(lines in proptest::collection::vec("[ -~]{0,40}", 1..20)) {
        let text = lines.join("\n");
        for format in [Format::Jsonl, Format::Squid] {
            for item in read(format, text.as_bytes(), &Options::default()) {
                if let Err(bad) = item {
                    prop_assert!(bad.line >= 1 && bad.line <= lines.len() as u64);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever a text adapter makes of its input reads back through the
    /// canonical form as itself (what the fuzz targets check, on every run).
    #[test]
    fn events_read_back_through_the_canonical_form(
        lines in proptest::collection::vec("[ -~]{0,60}", 1..8),
        f in prop_oneof![Just(Format::Jsonl), Just(Format::Csv), Just(Format::M365), Just(Format::Squid)],
    ) {
        let text = lines.join("\n");
        for event in read(f, text.as_bytes(), &Options::default()).flatten() {
            let line = event.to_json_line();
            let again: Vec<_> = read(Format::Jsonl, line.as_bytes(), &Options::default()).collect();
            prop_assert_eq!(again, vec![Ok(event)]);
        }
    }
}
