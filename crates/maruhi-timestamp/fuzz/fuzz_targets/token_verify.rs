//! RFC 3161 time-stamp token verification (a CMS SignedData from a TSA we do
//! not control): never panics, whatever the token and the trust anchor. The
//! first byte splits the input into an anchor and a token, so both DER
//! parsers get the fuzzer's attention.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(rest.len());
    let (anchor, token) = rest.split_at(at);
    let _ = maruhi_timestamp::verify_token(token, &[0u8; 32], &[anchor.to_vec()]);
    let _ = maruhi_timestamp::verify_token(token, &[0u8; 32], &[]);
});
