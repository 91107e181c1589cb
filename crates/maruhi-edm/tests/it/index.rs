//! The index file: keyed hashes only, refresh, keys, encodings, schemas.

use maruhi_edm::{index, ColumnType, Declared, Error, Index, Key, NamePart};

use crate::support::{build, key, Tmp, CUSTOMERS};

#[test]
fn the_index_file_holds_no_plain_value() {
    let dir = Tmp::new("plain");
    let ix = build(CUSTOMERS, &Declared::default(), &dir, "c");
    assert_eq!(ix.rows(), 3);
    let bytes = std::fs::read(dir.0.join("c.edm")).unwrap();
    // Every cell, raw and normalised, in UTF-8 and as its digits.
    let mut needles: Vec<String> = Vec::new();
    for line in CUSTOMERS.lines().skip(1) {
        for cell in line.split(',') {
            needles.push(cell.to_owned());
            for t in ColumnType::ALL {
                if let Some(v) = t.normalize(cell) {
                    needles.push(v);
                }
            }
        }
    }
    for n in needles.iter().filter(|n| n.len() >= 4) {
        assert!(!bytes.windows(n.len()).any(|w| w == n.as_bytes()), "{n:?} is in the index file");
    }
    // The primary values as unkeyed SipHash (zero key) are not there either.
    use std::hash::Hasher;
    for n in ["C0001234", "C0001235"] {
        let mut h = siphasher::sip128::SipHasher13::new_with_keys(0, 0);
        h.write(n.as_bytes());
        let d = siphasher::sip128::Hasher128::finish128(&h).h1.to_be_bytes();
        assert!(!bytes.windows(4).any(|w| w == &d[..4]));
    }
}

#[test]
fn detects_types_and_the_primary_column() {
    let dir = Tmp::new("detect");
    let ix = build(CUSTOMERS, &Declared::default(), &dir, "c");
    let kinds: Vec<ColumnType> = ix.schema().columns.iter().map(|c| c.kind).collect();
    use ColumnType::*;
    assert_eq!(kinds, vec![Id, Name, Kana, Phone, Email, Postal, Address, Date]);
    assert_eq!(ix.schema().primary().name, "会員番号");
    let split = "姓,名,電話\n山田,太郎,090-1234-5678\n";
    let ix = build(split, &Declared::default(), &dir, "s");
    let parts: Vec<NamePart> = ix.schema().columns.iter().map(|c| c.part).collect();
    assert_eq!(parts, vec![NamePart::Family, NamePart::Given, NamePart::Whole]);
    assert_eq!(ix.schema().primary().kind, Phone);
}

#[test]
fn a_schema_file_declares_types_and_the_primary_column() {
    let d = Declared::parse(
        "# customers\nprimary = \"メール\"\nignore = [\"備考\"]\n[columns]\n\"お客様番号\" = \"id\"\n\"メール\" = \"email\" # login\n",
    )
    .unwrap();
    assert_eq!(d.primary.as_deref(), Some("メール"));
    assert_eq!(d.ignore, vec!["備考".to_owned()]);
    let dir = Tmp::new("schema");
    let csv = "お客様番号,メール,備考\nX1-0001,a@example.jp,電話希望\n";
    let ix = build(csv, &d, &dir, "d");
    assert_eq!(ix.schema().columns.len(), 2);
    assert_eq!(ix.schema().primary().kind, ColumnType::Email);
    assert!(matches!(Declared::parse("[rows]\n"), Err(Error::Schema { line: 1, .. })));
    assert!(matches!(Declared::parse("x = \"id\"\n"), Err(Error::Schema { .. })));
    assert!(matches!(Declared::parse("[columns]\n\"a\" = \"colour\"\n"), Err(Error::Schema { line: 2, .. })));
}

#[test]
fn without_a_patterned_column_there_is_no_primary() {
    let dir = Tmp::new("noprimary");
    let r = index::build(
        std::io::Cursor::new("氏名,住所\n山田,東京都千代田区丸の内1-2-3\n".as_bytes().to_vec()),
        index::Encoding::Auto,
        &Declared::default(),
        &key(),
        [0; 16],
        None,
        &dir.0.join("x.edm"),
    );
    assert!(matches!(r, Err(Error::NoPrimary)));
}

#[test]
fn another_key_or_a_damaged_file_is_refused() {
    let dir = Tmp::new("key");
    build(CUSTOMERS, &Declared::default(), &dir, "c");
    let path = dir.0.join("c.edm");
    assert!(matches!(Index::load(&path, &Key::from_bytes([1; 32])), Err(Error::WrongKey)));
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 1;
    assert!(matches!(Index::from_bytes(bytes, &key()), Err(Error::Corrupt)));
}

#[test]
fn refresh_reports_rows_added_removed_and_kept() {
    let dir = Tmp::new("refresh");
    let old = build(CUSTOMERS, &Declared::default(), &dir, "old");
    let mut lines: Vec<&str> = CUSTOMERS.lines().collect();
    lines.remove(2); // 髙橋 leaves
    let mut next = lines.join("\n");
    next.push_str("\nC0001237,鈴木 次郎,スズキ ジロウ,070-1111-2222,jiro@example.jp,060-0001,北海道札幌市中央区北1条西2丁目3番地,1985-03-04\n");
    // A changed cell is a changed row.
    let next = next.replace("1990-12-31", "1990-12-30");
    let path = dir.0.join("new.edm");
    index::build(
        std::io::Cursor::new(next.into_bytes()),
        index::Encoding::Auto,
        &Declared::default(),
        &key(),
        old.salt(),
        Some(old.dir_bits()),
        &path,
    )
    .unwrap();
    let new = Index::load(&path, &key()).unwrap();
    let d = new.delta(&old);
    assert_eq!((d.added, d.removed, d.unchanged), (2, 2, 1));
}

#[test]
fn shift_jis_exports_are_read() {
    let dir = Tmp::new("sjis");
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(CUSTOMERS);
    assert!(!bad);
    let path = dir.0.join("s.edm");
    let (schema, stats) = index::build(
        std::io::Cursor::new(sjis.into_owned()),
        index::Encoding::Auto,
        &Declared::default(),
        &key(),
        [9; 16],
        None,
        &path,
    )
    .unwrap();
    assert_eq!(stats.rows, 3);
    assert_eq!(schema.columns[1].name, "氏名");
    // The same rows as from UTF-8: same salt and key give the same records.
    let utf8 = build(CUSTOMERS, &Declared::default(), &dir, "u");
    let d = Index::load(&path, &key()).unwrap().delta(&utf8);
    assert_eq!((d.added, d.removed, d.unchanged), (0, 0, 3));
}

#[test]
fn rows_without_a_primary_value_are_skipped_and_counted() {
    let dir = Tmp::new("skip");
    let csv = "電話,氏名\n090-1234-5678,山田\n,佐藤\nnot a phone,鈴木\n090-1234-5678,山田\n";
    let path = dir.0.join("k.edm");
    let (_, stats) = index::build(
        std::io::Cursor::new(csv.as_bytes().to_vec()),
        index::Encoding::Auto,
        &Declared::default(),
        &key(),
        [9; 16],
        None,
        &path,
    )
    .unwrap();
    assert_eq!((stats.source_rows, stats.skipped, stats.rows), (4, 2, 1));
}
