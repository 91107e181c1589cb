//! Time anchors end to end: an RFC 3161 TSA over HTTP (OpenSSL's `ts -reply`
//! behind a small HTTP front), `maruhi ledger timestamp`, a proof with its
//! token, and `verify-proof --timestamp` with nothing but keys and files.

use std::path::PathBuf;
use std::process::Command;

use crate::{bin, data_dir, free_port, run, stdout};

fn openssl(dir: &PathBuf, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A TSA made for this test, answering `application/timestamp-query` POSTs.
async fn start_tsa(dir: PathBuf) -> u16 {
    std::fs::write(dir.join("tsa.cnf"), include_str!("../../../maruhi-timestamp/tests/it/data/tsa.cnf")).expect("cnf");
    openssl(
        &dir,
        &[
            "req",
            "-config",
            "tsa.cnf",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "30",
            "-subj",
            "/CN=Test Root CA",
            "-extensions",
            "v3_ca",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-config",
            "tsa.cnf",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Test TSA",
        ],
    );
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
            "30",
            "-extfile",
            "tsa.cnf",
            "-extensions",
            "v3_tsa",
        ],
    );
    std::fs::write(dir.join("tsaserial"), "01\n").expect("serial");
    let port = free_port();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: axum::body::Bytes| {
            let dir = dir.clone();
            async move {
                std::fs::write(dir.join("req.tsq"), &body).expect("req");
                openssl(&dir, &["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-out", "resp.tsr"]);
                std::fs::read(dir.join("resp.tsr")).expect("resp")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

#[tokio::test]
async fn a_tsa_dates_a_proof_that_verifies_offline() {
    let d = data_dir("tsa");
    let tsa_dir = d.join("tsa");
    std::fs::create_dir_all(&tsa_dir).expect("dir");
    let port = start_tsa(tsa_dir.clone()).await;
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    stdout(&run(&d, &["secret", "add", "--title", "金型図面", "--level", "極秘", "--category", "mold"]));
    let ca = tsa_dir.join("ca.crt");
    let url = format!("http://127.0.0.1:{port}/");
    let d2 = d.clone();
    let (url2, ca2) = (url.clone(), ca.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(&d2, &["--tsa-url", &url2, "--tsa-ca", ca2.to_str().expect("path"), "ledger", "timestamp"])
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
    // Storing the token changed nothing the ledger verifies.
    let status = bin().arg("--data-dir").arg(d.join("data")).args(["ledger", "verify"]).output().expect("verify");
    assert!(status.status.success());
}
