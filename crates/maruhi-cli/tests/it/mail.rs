//! `maruhi mail triage`: the JSON lines contract, the text report and the exit codes, on the
//! hand-written fixtures of maruhi-mail.

use std::path::PathBuf;

use crate::bin;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../maruhi-mail/tests/data")
}

fn triage(args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(fixtures())
        .env_remove("MARUHI_MAIL_OWN_DOMAINS")
        .env("MARUHI_MAIL_PARTNER_DOMAINS", "sakura-seiki.co.jp")
        .args(["mail", "triage", "--own-domain", "hanamaru-kogyo.co.jp", "--authserv-id", "mx.hanamaru-kogyo.co.jp"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn jsonl_names_each_mail_and_the_conversation_that_turned() {
    let out = triage(&["--format", "jsonl", "--thread", "ppap", "business"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mails: Vec<_> = lines.iter().filter(|l| l["type"] == "mail").collect();
    let threads: Vec<_> = lines.iter().filter(|l| l["type"] == "thread").collect();
    assert_eq!((mails.len(), threads.len()), (7, 2));
    let third = mails.iter().find(|m| m["path"] == "ppap/3.eml").unwrap();
    assert_eq!(third["verdict"], "malicious");
    assert_eq!(third["message_id"], "p3@asia-parts-trading.com");
    let codes: Vec<&str> = third["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["MRH-MAIL-119", "MRH-MAIL-116", "MRH-MAIL-130", "MRH-MAIL-131"]);
    assert_eq!(third["reasons"][1]["ja"], "パスワード付きの圧縮ファイルです(中身を検査できません)(spec_2026.zip)");
    let ppap = threads.iter().find(|t| t["id"] == third["thread"]).unwrap();
    assert_eq!(ppap["turned_by"], "ppap/3.eml");
    assert_eq!(ppap["mails"].as_array().unwrap().len(), 4);
    let business = threads.iter().find(|t| t["id"] != third["thread"]).unwrap();
    assert_eq!(business["verdict"], "clean");
}

#[test]
fn exit_codes_tell_clean_from_suspicious_from_could_not_run() {
    let clean = triage(&["business"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("3 mails: 0 malicious, 0 suspicious, 3 clean"));
    let bad = triage(&["rlo.eml"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(text.contains("MRH-MAIL-111 a file name hides its extension"), "{text}");
    let forged = triage(&["--dkim-key", "dkim-keys.txt", "dkim-relaxed.eml", "dkim-tampered.eml"]);
    assert_eq!(forged.status.code(), Some(1));
    let text = String::from_utf8_lossy(&forged.stdout);
    assert!(
        text.contains(
            "MRH-MAIL-122 the DKIM signature does not verify with the key on file (d=sakura-seiki.co.jp: body changed)"
        ),
        "{text}"
    );
    assert!(text.contains("2 mails: 0 malicious, 1 suspicious, 1 clean"), "{text}");
    let missing = triage(&["no-such.eml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such.eml: no such file or folder"));
}

#[test]
fn text_in_japanese_groups_by_conversation() {
    let out = triage(&["--thread", "--lang", "ja", "job"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("thread-1 危険 145  中途採用への応募について (3)  転換点: job/3.eml\n"), "{text}");
    assert!(text.contains("MRH-MAIL-130 無害なやり取りの後で"), "{text}");
}
