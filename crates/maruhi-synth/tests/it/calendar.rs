use maruhi_synth::calendar::{company_holiday, is_workday, national_holiday};
use time::macros::date;

#[test]
fn national_holidays_of_2026_and_2027() {
    let holidays = [
        (date!(2026 - 01 - 12), "成人の日"),
        (date!(2026 - 03 - 20), "春分の日"),
        (date!(2026 - 05 - 06), "振替休日"),
        (date!(2026 - 07 - 20), "海の日"),
        (date!(2026 - 09 - 22), "国民の休日"),
        (date!(2026 - 09 - 23), "秋分の日"),
        (date!(2026 - 10 - 12), "スポーツの日"),
        (date!(2027 - 03 - 22), "振替休日"),
        (date!(2027 - 07 - 19), "海の日"),
    ];
    for (day, name) in holidays {
        assert_eq!(national_holiday(day), Some(name), "{day}");
        assert!(!is_workday(day), "{day}");
    }
    assert_eq!(national_holiday(date!(2026 - 05 - 07)), None);
}

#[test]
fn company_holidays_and_weekends() {
    for day in [date!(2026 - 08 - 13), date!(2026 - 08 - 14), date!(2026 - 12 - 29), date!(2027 - 01 - 03)] {
        assert!(company_holiday(day).is_some(), "{day}");
        assert!(!is_workday(day), "{day}");
    }
    assert!(is_workday(date!(2026 - 08 - 17)));
    assert!(is_workday(date!(2026 - 12 - 28)));
    assert!(!is_workday(date!(2026 - 04 - 04))); // Saturday
    assert!(is_workday(date!(2027 - 01 - 04)));
}
