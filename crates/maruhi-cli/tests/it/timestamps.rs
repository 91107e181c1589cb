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

/// `bagit.py` (PyPI `bagit`, the Library of Congress's implementation):
/// `MARUHI_BAGIT`, or on the PATH. `.ci/run` installs it.
fn bagit() -> Option<std::path::PathBuf> {
    let named = std::env::var_os("MARUHI_BAGIT").map(std::path::PathBuf::from);
    named.or_else(|| {
        std::env::var_os("PATH")
            .and_then(|p| std::env::split_paths(&p).map(|d| d.join("bagit.py")).find(|f| f.is_file()))
    })
}

/// A prior-use bag checked by other people's tools: bagit.py validates it
/// (not `--fast`), `openssl ts -verify` each token against the checkpoint
/// text, and `maruhi evidence verify` everything; one flipped payload byte
/// fails both.
#[tokio::test]
async fn a_prior_use_bag_validates_with_bagit_and_openssl() {
    let d = data_dir("bag");
    let tsa = TestTsa::create(&d.join("tsa"), &["-newkey", "rsa:2048"]).expect("tsa");
    let ca = tsa.ca_path();
    let port = start_tsa(tsa).await;
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    stdout(&run(&d, &["secret", "add", "--title", "焼結条件", "--level", "極秘", "--category", "process"]));
    let material = d.join("焼結条件.txt");
    std::fs::write(&material, "焼結温度 1,180℃、保持 45 分、窒素雰囲気、炉冷で 300℃ まで。".repeat(5)).expect("write");
    stdout(&run(&d, &["secret", "attach", "1", material.to_str().expect("path")]));
    let (d2, url, ca2) = (d.clone(), format!("http://127.0.0.1:{port}/"), ca.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(&d2, &["ledger", "timestamp", "--tsa-url", &url, "--tsa-ca", ca2.to_str().expect("path")])
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Renew the token (as if its certificate expired within a century), and
    // export the chain for a keeping service.
    let (d2, url, ca2) = (d.clone(), format!("http://127.0.0.1:{port}/"), ca.clone());
    let out = tokio::task::spawn_blocking(move || {
        let ca = ca2.to_str().expect("path");
        run(&d2, &["ledger", "restamp", "--within-days", "36500", "--tsa-url", &url, "--tsa-ca", ca])
    })
    .await
    .expect("join");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("renewed 1 time stamp"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tokens = d.join("tokens");
    stdout(&run(&d, &["ledger", "tokens", "--out", tokens.to_str().expect("path")]));
    assert_eq!(std::fs::read_dir(&tokens).expect("tokens").count(), 2, "the token and its renewal");
    let bag = d.join("bag");
    let (b, c) = (bag.to_str().expect("path"), ca.to_str().expect("path"));
    let out = run(&d, &["evidence", "prior-use", "1", "--out", b, "--hashes-only", "--tsa-ca-cert", c]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = stdout(&run(&d, &["ledger", "public-key"])).trim().to_owned();
    let verify = || bin().args(["evidence", "verify", b, "--key", &key]).output().expect("verify");
    let out = verify();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("existed no later than"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for token in std::fs::read_dir(bag.join("evidence/timestamps")).expect("tokens").flatten() {
        let name = token.file_name().to_string_lossy().into_owned();
        // A token dates its checkpoint's text; a renewal, the token before it.
        let text = match name.strip_suffix(".tst").and_then(|n| n.split_once(".renewal-")) {
            Some((size, "1")) => bag.join(format!("evidence/timestamps/{size}.tst")),
            Some((size, n)) => {
                bag.join(format!("evidence/timestamps/{size}.renewal-{}.tst", n.parse::<u32>().expect("n") - 1))
            }
            None => bag.join(format!("evidence/checkpoints/{}.txt", name.trim_end_matches(".tst"))),
        };
        let out = std::process::Command::new("openssl")
            .args(["ts", "-verify", "-token_in", "-in"])
            .arg(token.path())
            .arg("-data")
            .arg(&text)
            .arg("-CAfile")
            .arg(bag.join("evidence/tsa-ca.pem"))
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl ts -verify: {}", String::from_utf8_lossy(&out.stderr));
    }
    let bagit = bagit();
    let validate = || {
        bagit.as_ref().map(|tool| std::process::Command::new(tool).args(["--validate", b]).output().expect("bagit.py"))
    };
    match validate() {
        Some(out) => assert!(out.status.success(), "bagit.py: {}", String::from_utf8_lossy(&out.stderr)),
        None => eprintln!("bagit.py not found (pip install bagit, or set MARUHI_BAGIT): BagIt validation skipped"),
    }

    let payload = bag.join("data/materials.txt");
    let mut bytes = std::fs::read(&payload).expect("payload");
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&payload, bytes).expect("write");
    assert_eq!(verify().status.code(), Some(1));
    if let Some(out) = validate() {
        assert!(!out.status.success(), "bagit.py must refuse a changed payload");
    }
}

/// A case's evidence package as a lawyer receives it: `case export` with a
/// TSA time-stamps the whole package; bagit.py validates it, `openssl ts
/// -verify` checks the package's token against its tag manifest, `maruhi
/// evidence verify` checks every proof and the journal; one changed byte
/// anywhere makes it exit 1 naming the file.
#[tokio::test]
async fn a_case_package_is_time_stamped_and_validates_with_bagit_and_openssl() {
    let d = data_dir("case");
    let tsa = TestTsa::create(&d.join("tsa"), &["-newkey", "rsa:2048"]).expect("tsa");
    let ca = tsa.ca_path();
    let port = start_tsa(tsa).await;
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/events.jsonl");
    let hr = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/hr.csv");
    let _ = run(&d, &["hr", "import", hr.to_str().expect("path")]);
    let out = run(&d, &["events", "import", log.to_str().expect("path"), "--format", "jsonl", "--keep-original"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept the original of import 1"));
    let id = stdout(&run(&d, &["case", "open", "--title", "設計図の持ち出し", "--from-alert", "1"])).trim().to_owned();
    stdout(&run(&d, &["case", "add", &id, "--event", "pc42-3"]));
    let memo = d.join("面談メモ.txt");
    std::fs::write(&memo, "本人は USB メモリへの複写を認めた。").expect("write");
    stdout(&run(&d, &["case", "note", &id, "--text", "本人と面談", "--attach", memo.to_str().expect("path")]));
    stdout(&run(&d, &["case", "hold", &id, "--reason", "訴訟の可能性"]));
    stdout(&run(&d, &["user", "add", "tanaka", "--role", "employee"]));
    let refused = run(&d, &["ledger", "erase", "--user", "tanaka"]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && said.contains("legal hold") && said.contains("MRH-CASE-001"), "{said}");

    let bag = d.join("package");
    let (d2, b, url, c) = (d.clone(), bag.clone(), format!("http://127.0.0.1:{port}/"), ca.clone());
    let out = tokio::task::spawn_blocking(move || {
        let (b, c) = (b.to_str().expect("path").to_owned(), c.to_str().expect("path").to_owned());
        run(&d2, &["case", "export", "1", "--out", &b, "--tsa-url", &url, "--tsa-ca", &c])
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let b = bag.to_str().expect("path");
    let key = stdout(&run(&d, &["ledger", "public-key"])).trim().to_owned();
    let verify = || bin().args(["evidence", "verify", b, "--key", &key]).output().expect("verify");
    let out = verify();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("the whole package") && said.contains("case journal"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = std::fs::read_to_string(bag.join("data/events.jsonl")).expect("events");
    assert!(events.contains("\"original_record\":\"{"), "{events}");

    let out = std::process::Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(bag.join("tagmanifest-sha256.txt.tst"))
        .arg("-data")
        .arg(bag.join("tagmanifest-sha256.txt"))
        .arg("-CAfile")
        .arg(&ca)
        .output()
        .expect("openssl");
    assert!(out.status.success(), "openssl ts -verify: {}", String::from_utf8_lossy(&out.stderr));
    let bagit = bagit();
    let validate = || {
        bagit.as_ref().map(|tool| std::process::Command::new(tool).args(["--validate", b]).output().expect("bagit.py"))
    };
    match validate() {
        Some(out) => assert!(out.status.success(), "bagit.py: {}", String::from_utf8_lossy(&out.stderr)),
        None => eprintln!("bagit.py not found (pip install bagit, or set MARUHI_BAGIT): BagIt validation skipped"),
    }

    // One changed byte anywhere: a payload file, a tag file.
    for file in ["data/journal-ja.html", "evidence/README-en.txt"] {
        let path = bag.join(file);
        let original = std::fs::read(&path).expect("read");
        let mut changed = original.clone();
        changed[10] ^= 1;
        std::fs::write(&path, &changed).expect("write");
        let out = verify();
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(file),
            "{file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::fs::write(&path, original).expect("restore");
    }
    assert!(verify().status.success());
}
