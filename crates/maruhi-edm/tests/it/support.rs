//! Builds small indexes in a temporary folder.

use std::path::PathBuf;

use maruhi_edm::{index, Dataset, Declared, Index, Key, Matcher};

pub(crate) fn key() -> Key {
    Key::from_bytes([42; 32])
}

pub(crate) struct Tmp(pub(crate) PathBuf);

impl Tmp {
    pub(crate) fn new(name: &str) -> Tmp {
        let dir = std::env::temp_dir().join(format!("maruhi-edm-it-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tmp(dir)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) const CUSTOMERS: &str = "会員番号,氏名,フリガナ,電話番号,メールアドレス,郵便番号,住所,生年月日
C0001234,山田 太郎,ヤマダ タロウ,090-1234-5678,taro.yamada@example.jp,100-0005,東京都千代田区丸の内1-2-3 丸の内ビル501,1980-01-02
C0001235,髙橋 花子,タカハシ ハナコ,080-2345-6789,hanako@example.co.jp,150-0001,東京都渋谷区神宮前四丁目5番6号,1975-07-15
C0001236,佐藤 一郎,サトウ イチロウ,03-3456-7890,ichiro.sato@example.com,530-0001,大阪府大阪市北区梅田2-4-9,1990-12-31
";

pub(crate) fn build(csv: &str, declared: &Declared, dir: &Tmp, name: &str) -> Index {
    let path = dir.0.join(format!("{name}.edm"));
    index::build(
        std::io::Cursor::new(csv.as_bytes().to_vec()),
        index::Encoding::Auto,
        declared,
        &key(),
        [9; 16],
        None,
        &path,
    )
    .unwrap();
    Index::load(&path, &key()).unwrap()
}

pub(crate) fn matcher(index: Index) -> Matcher {
    Matcher::new(vec![Dataset { name: "顧客".into(), secret_id: Some(7), index }])
}
