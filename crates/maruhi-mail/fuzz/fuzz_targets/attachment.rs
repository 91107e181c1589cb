//! Arbitrary bytes as an attachment (zip listing, OOXML and OLE macro detection, nested
//! archives), wrapped in a fixed mail. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_mail::{Config, Input, Triager};

fuzz_target!(|data: &[u8]| {
    let mut mail = b"From: a@example.jp\r\nDate: Mon, 7 Dec 2026 09:00:00 +0900\r\nSubject: x\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
        Content-Type: application/octet-stream; name=\"a.docm\"\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        .to_vec();
    mail.extend_from_slice(data);
    mail.extend_from_slice(b"\r\n--b--\r\n");
    let _ = Triager::new(Config::default()).triage(vec![Input { path: "fuzz.eml".into(), bytes: mail }]);
});
