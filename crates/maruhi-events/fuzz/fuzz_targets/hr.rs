//! The HR CSV parser on arbitrary bytes: no panic, no hang; every kept line
//! is valid and every line is either kept, rejected or blank.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_events::hr::{parse, person_name};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = parse(data, 1000) {
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        assert!(file.lines.len() as u64 + file.rejected_total <= lines);
        assert!(file.rejected.len() as u64 <= file.rejected_total);
        for l in &file.lines {
            assert_eq!(person_name(&l.user).as_deref(), Some(l.user.as_str()));
            assert_eq!(l.notice_date.len(), 10);
            let dates = [Some(&l.notice_date), l.last_working_day.as_ref(), l.end_date.as_ref()];
            let present: Vec<&String> = dates.into_iter().flatten().collect();
            assert!(present.windows(2).all(|w| w[0] <= w[1]));
        }
        for r in &file.rejected {
            assert!(r.line >= 2 && r.line <= lines, "{r:?}");
        }
    }
});
