//! RFC 3161 against real TSAs: OpenSSL's `ts -reply` signing with RSA and
//! ECDSA keys made for each test run, under the configuration of the local
//! TSA recipe (tests/it/data/tsa.cnf).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use maruhi_timestamp::{certificate_der, request, token_from_response, verify_token, Error};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA and a TSA certificate under it, with keys of the given kind.
fn tsa(name: &str, key: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maruhi-tsa-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tsa.cnf"), include_str!("data/tsa.cnf")).unwrap();
    let mut ca = vec!["req", "-config", "tsa.cnf", "-x509", "-nodes", "-keyout", "ca.key", "-out", "ca.crt"];
    ca.extend_from_slice(key);
    ca.extend_from_slice(&["-days", "3650", "-subj", "/CN=Test Root CA", "-extensions", "v3_ca"]);
    openssl(&dir, &ca);
    let mut csr = vec!["req", "-config", "tsa.cnf", "-new", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr"];
    csr.extend_from_slice(key);
    csr.extend_from_slice(&["-subj", "/CN=Test TSA"]);
    openssl(&dir, &csr);
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "3650",
            "-extfile",
            "tsa.cnf",
            "-extensions",
            "v3_tsa",
        ],
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    dir
}

/// Our request, answered by OpenSSL's TSA.
fn stamp(dir: &Path, hash: &[u8; 32]) -> Vec<u8> {
    std::fs::write(dir.join("req.tsq"), request(hash, 7).unwrap()).unwrap();
    openssl(dir, &["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-out", "resp.tsr"]);
    std::fs::read(dir.join("resp.tsr")).unwrap()
}

fn check_tsa(name: &str, key: &[&str]) {
    let dir = tsa(name, key);
    let hash = [0x5a; 32];
    let response = stamp(&dir, &hash);
    // OpenSSL itself accepts the exchange: our request is well-formed.
    openssl(&dir, &["ts", "-verify", "-queryfile", "req.tsq", "-in", "resp.tsr", "-CAfile", "ca.crt"]);
    let token = token_from_response(&response).unwrap();
    let ca = certificate_der(&std::fs::read(dir.join("ca.crt")).unwrap()).unwrap();
    let ts = verify_token(&token, &hash, std::slice::from_ref(&ca)).unwrap();
    assert_eq!(ts.tsa, "CN=Test TSA");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(ts.unix_time.abs_diff(now) < 300, "{} vs {now}", ts.unix_time);

    // Another hash, a changed byte anywhere in the token, an unknown CA: refused.
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
    let other = tsa(&format!("{name}-other"), key);
    let other_ca = certificate_der(&std::fs::read(other.join("ca.crt")).unwrap()).unwrap();
    assert_eq!(verify_token(&token, &hash, &[other_ca]), Err(Error::Untrusted));
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
