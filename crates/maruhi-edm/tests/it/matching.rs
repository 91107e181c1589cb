//! Rows found in text: the primary element plus one more cell nearby.

use maruhi_edm::{Declared, Severity};

use crate::support::{build, matcher, Tmp, CUSTOMERS};

#[test]
fn a_leaked_csv_with_columns_reordered_and_dropped() {
    let dir = Tmp::new("reorder");
    let m = matcher(build(CUSTOMERS, &Declared::default(), &dir, "c"));
    // The id moved to the end, the reading, postal code, address and date dropped.
    let leak = "電話,名前,メール,ID\n090-1234-5678,山田太郎,taro.yamada@example.jp,C0001234\n08023456789,高橋花子,hanako@example.co.jp,c-0001235\n";
    let found = m.find(leak);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!((f.rows, f.secret_id), (2, Some(7)));
    assert_eq!(f.columns, vec!["会員番号", "氏名", "電話番号", "メールアドレス"]);
    // Masked: no example is a whole value.
    assert!(f.examples.iter().all(|e| e.contains('*')), "{:?}", f.examples);
    assert!(!f.examples.iter().any(|e| e.contains("12345678")));
}

#[test]
fn prose_with_variants() {
    let dir = Tmp::new("prose");
    let m = matcher(build(CUSTOMERS, &Declared::default(), &dir, "c"));
    let text = "お客様の髙橋花子様（会員番号 Ｃ０００１２３５）から、東京都渋谷区神宮前4-5-6へ送ってほしいと連絡がありました。生年月日は昭和50年7月15日です。";
    let found = m.find(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rows, 1);
    assert!(found[0].columns.contains(&"住所".to_owned()), "{:?}", found[0].columns);
    assert!(found[0].columns.contains(&"生年月日".to_owned()), "{:?}", found[0].columns);
    assert!(found[0].columns.contains(&"氏名".to_owned()), "{:?}", found[0].columns);
}

#[test]
fn one_cell_alone_or_look_alike_rows_are_not_found() {
    let dir = Tmp::new("lookalike");
    let m = matcher(build(CUSTOMERS, &Declared::default(), &dir, "c"));
    // The real phone number, nothing else of its row.
    assert!(m.find("至急 090-1234-5678 に折り返してください（鈴木）").is_empty());
    // Same formats, values not in the dataset.
    assert!(m.find("C0009999,山田 太郎,ヤマダ タロウ,090-9999-0000,x@example.jp,100-0005").is_empty());
    // A real id beside another row's cells.
    assert!(m.find("C0001234,髙橋 花子,080-2345-6789").is_empty());
}

#[test]
fn family_and_given_name_columns_meet_a_full_name_and_back() {
    let dir = Tmp::new("names");
    let split = "会員番号,姓,名,電話\nM-100200,山田,太郎,090-1234-5678\n";
    let m = matcher(build(split, &Declared::default(), &dir, "s"));
    let found = m.find("M100200 山田太郎");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].columns, vec!["会員番号", "姓", "名"]);
    let whole = "会員番号,氏名,電話\nM-100200,山田 太郎,090-1234-5678\n";
    let m = matcher(build(whole, &Declared::default(), &dir, "w"));
    let found = m.find("M-100200\t山田\t太郎\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].columns, vec!["会員番号", "氏名"]);
}

#[test]
fn severity_grows_with_rows_and_columns() {
    assert_eq!(Severity::of(1, 2), Severity::Low);
    assert_eq!(Severity::of(1, 4), Severity::Medium);
    assert_eq!(Severity::of(10, 2), Severity::Medium);
    assert_eq!(Severity::of(10, 4), Severity::High);
    assert_eq!(Severity::of(100, 2), Severity::High);
}
