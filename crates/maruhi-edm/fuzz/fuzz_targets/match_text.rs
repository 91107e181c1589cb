//! Scanned text is untrusted: normalising and matching any text never
//! panics (a small index built from a fixed export is looked up).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_edm::{index, ColumnType, Dataset, Declared, Index, Key, Matcher};

const EXPORT: &str = "会員番号,姓,名,フリガナ,電話,メール,郵便番号,住所,生年月日\nC0001234,山田,太郎,ヤマダ タロウ,090-1234-5678,taro@example.jp,100-0005,東京都千代田区丸の内一丁目2番3号,昭和55年1月2日\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for t in ColumnType::ALL {
        let _ = t.normalize(text);
    }
    let key = Key::from_bytes([1; 32]);
    let path = std::env::temp_dir().join(format!("maruhi-edm-fuzz-m-{}.edm", std::process::id()));
    let csv = std::io::Cursor::new(EXPORT.as_bytes().to_vec());
    if index::build(csv, index::Encoding::Auto, &Declared::default(), &key, [2; 16], None, &path).is_ok() {
        if let Ok(index) = Index::load(&path, &key) {
            let m = Matcher::new(vec![Dataset { name: "x".into(), secret_id: None, index }]);
            let _ = m.find(text);
        }
    }
    let _ = std::fs::remove_file(&path);
});
