//! Time anchors end to end: an RFC 3161 TSA over HTTP (OpenSSL's `ts -reply`
//! behind a small HTTP front), `maruhi ledger timestamp`, a proof with its
//! token, and `verify-proof --timestamp` with nothing but keys and files.

use maruhi_timestamp::testing::TestTsa;

use crate::{bin, data_dir, free_port, run, stdout};

/// A TSA made for this test, answering `application/timestamp-query` POSTs.
async fn start_tsa(tsa: TestTsa) -> u16 {
    let port = free_port();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tsa = tsa.clone();
            async move { tsa.reply(&body).expect("openssl ts -reply") }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

#[tokio::test]
async fn a_tsa_dates_a_proof_that_verifies_offline() {
    let d = data_dir("tsa");
    let tsa = TestTsa::create(&d.join("tsa"), &["-newkey", "rsa:2048"]).expect("tsa");
    let ca = tsa.ca_path();
    let port = start_tsa(tsa).await;
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    stdout(&run(&d, &["secret", "add", "--title", "金型図面", "--level", "極秘", "--category", "mold"]));
    let url = format!("http://127.0.0.1:{port}/");
    let d2 = d.clone();
    let (url2, ca2) = (url.clone(), ca.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(&d2, &["ledger", "timestamp", "--tsa-url", &url2, "--tsa-ca", ca2.to_str().expect("path")])
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("time-stamped the checkpoint of size 2"));

    let token = d.join("e1.tst");
    let proof = stdout(&run(&d, &["ledger", "proof", "1", "--timestamp-out", token.to_str().expect("path")]));
    let file = d.join("e1.tlog-proof");
    std::fs::write(&file, proof).expect("write");
    let key = stdout(&run(&d, &["ledger", "public-key"])).trim().to_owned();
    let out = bin()
        .args(["verify-proof", file.to_str().expect("path"), "--key", &key])
        .args(["--timestamp", token.to_str().expect("path"), "--timestamp-ca", ca.to_str().expect("path")])
        .output()
        .expect("verify");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("the checkpoint of size 2 existed at"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The proof carries the same token in its checkpoint note: the CA alone
    // dates it, and a verifier that does not know the line ignores it.
    let proof_text = std::fs::read(&file).expect("proof");
    let parsed = maruhi_ledger::TlogProof::parse(&proof_text).expect("parse");
    let carried: Vec<&[u8]> = maruhi_ledger::timestamp::timestamps(parsed.note()).collect();
    assert_eq!(carried, vec![std::fs::read(&token).expect("token").as_slice()]);
    let out = bin()
        .args(["verify-proof", file.to_str().expect("path"), "--key", &key])
        .args(["--timestamp-ca", ca.to_str().expect("path")])
        .output()
        .expect("verify");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("the checkpoint of size 2 existed at"), "{said}");
    let out = bin().args(["verify-proof", file.to_str().expect("path"), "--key", &key]).output().expect("verify");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("carries an RFC 3161 time stamp"));
    // A token from elsewhere does not date this checkpoint.
    let other = d.join("other.tst");
    let mut bad = std::fs::read(&token).expect("token");
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&other, bad).expect("write");
    let out = bin()
        .args(["verify-proof", file.to_str().expect("path"), "--key", &key])
        .args(["--timestamp", other.to_str().expect("path"), "--timestamp-ca", ca.to_str().expect("path")])
        .output()
        .expect("verify");
    assert!(!out.status.success());

    // Storing the token changed nothing the ledger verifies.
    let status = bin().arg("--data-dir").arg(d.join("data")).args(["ledger", "verify"]).output().expect("verify");
    assert!(status.status.success());
}
