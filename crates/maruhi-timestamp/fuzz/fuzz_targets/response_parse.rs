//! A TSA's reply (`TimeStampResp`, RFC 3161 §2.4.2) and a PEM or DER trust
//! anchor: never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = maruhi_timestamp::token_from_response(data);
    let _ = maruhi_timestamp::certificate_der(data);
});
