//! Stored index files: parsing any bytes never panics (the checksum is
//! repaired on a second try, so the structural checks behind it run too),
//! and a parsed index answers the matcher without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_edm::{Dataset, Index, Key, Matcher};

fuzz_target!(|data: &[u8]| {
    check(data.to_vec());
    if data.len() > 32 {
        let mut resealed = data[..data.len() - 32].to_vec();
        resealed.extend_from_slice(&sha256(&resealed));
        check(resealed);
    }
});

fn check(bytes: Vec<u8>) {
    if let Ok(index) = Index::from_bytes(bytes, &Key::from_bytes([1; 32])) {
        let m = Matcher::new(vec![Dataset { name: "x".into(), secret_id: None, index }]);
        let _ = m.find("C0001234 山田太郎 090-1234-5678 taro@example.jp 昭和55年1月2日");
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    maruhi_edm::__sha256(data)
}
