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
