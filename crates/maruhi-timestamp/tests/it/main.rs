//! RFC 3161 against real TSAs: OpenSSL's `ts -reply` signing with RSA and
//! ECDSA keys made for each test run, under the configuration of the local
//! TSA recipe (tests/it/data/tsa.cnf).
#![allow(clippy::disallowed_methods, reason = "tests")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

use maruhi_timestamp::testing::TestTsa;
use maruhi_timestamp::{request, token_from_response, verify_token, Error};

fn make_tsa(name: &str, key: &[&str]) -> TestTsa {
    let dir = std::env::temp_dir().join(format!("maruhi-tsa-{}-{name}", std::process::id()));
    TestTsa::create(&dir, key).unwrap()
}

fn check_tsa(name: &str, key: &[&str]) {
    let tsa = make_tsa(name, key);
    let hash = [0x5a; 32];
    let response = tsa.reply(&request(&hash, 7).unwrap()).unwrap();
    // OpenSSL itself accepts the exchange: our request is well-formed.
    tsa.openssl(&["ts", "-verify", "-queryfile", "req.tsq", "-in", "resp.tsr", "-CAfile", "ca.crt"]).unwrap();
    let token = token_from_response(&response).unwrap();
    let ca = tsa.ca_der().unwrap();
    let ts = verify_token(&token, &hash, std::slice::from_ref(&ca)).unwrap();
    assert_eq!(ts.tsa, "CN=Test TSA");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(ts.unix_time.abs_diff(now) < 300, "{} vs {now}", ts.unix_time);

    // Another hash, a changed signed byte, an unknown CA: refused.
    assert_eq!(verify_token(&token, &[0x5b; 32], std::slice::from_ref(&ca)), Err(Error::WrongImprint));
    // Every signed byte counts: the TSTInfo after the imprint (serial, time,
    // accuracy, nonce…) and the signature at the end of the SignerInfo.
    let at = token.windows(32).position(|w| w == hash).unwrap();
    let signed_region = (at..(at + 80).min(token.len())).chain(token.len() - 40..token.len());
    for i in signed_region {
        let mut bad = token.clone();
        bad[i] ^= 0x01;
        assert!(verify_token(&bad, &hash, std::slice::from_ref(&ca)).is_err(), "a change at byte {i} went unnoticed");
    }
    let other = make_tsa(&format!("{name}-other"), key);
    assert_eq!(verify_token(&token, &hash, &[other.ca_der().unwrap()]), Err(Error::Untrusted));
}

#[test]
fn ecdsa_p256_tsa() {
    check_tsa("p256", &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}

#[test]
fn ecdsa_p384_tsa() {
    check_tsa("p384", &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]);
}

#[test]
fn rsa_tsa() {
    check_tsa("rsa", &["-newkey", "rsa:2048"]);
}

#[test]
fn refusals_and_garbage_are_errors_not_panics() {
    assert!(token_from_response(b"").is_err());
    assert!(token_from_response(&[0x30, 0x03, 0x02, 0x01, 0x02]).is_err());
    assert!(verify_token(&[0x30; 64], &[0; 32], &[]).is_err());
}
