//! `maruhi scan`, `secret attach` and `material`: exit codes, the JSON Lines
//! contract, archives, diagnostics and the audit trail.

use std::io::Write;

use crate::{bin, data_dir, run, stdout};

const DESIGN: &str = "ライン3 アルミダイカスト鋳造条件: 溶湯温度は六百七十度±五度に管理し、脱ガス処理を十分に行う。\
    射出は低速〇・二五メートル毎秒から高速三・八メートル毎秒へ切り替え、切替位置はスリーブ充填率五十五パーセントとする。\
    鋳造圧力は八十メガパスカル、増圧遅れ時間は三十ミリ秒とし、金型温度は固定側二百十度、可動側百九十度を目標とする。";

/// A ZIP with one member, made with Python's zipfile (on every machine of
/// this kind).
fn zip(path: &std::path::Path, member: &str, text: &str) {
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); z.writestr(sys.argv[2], sys.argv[3]); z.close()"])
        .arg(path)
        .arg(member)
        .arg(text)
        .status()
        .expect("python3");
    assert!(status.success());
}

fn jsonl(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn ad_hoc_scan_finds_copies_in_archives_and_exits_by_the_contract() {
    let d = data_dir("scan-adhoc");
    let refs = d.join("refs");
    let suspect = d.join("suspect/usb");
    std::fs::create_dir_all(&refs).unwrap();
    std::fs::create_dir_all(&suspect).unwrap();
    std::fs::write(refs.join("鋳造条件.txt"), DESIGN).unwrap();
    // Re-typed, re-wrapped, in a ZIP; plus an unrelated file and a broken one.
    let leak = DESIGN.replace('、', ", ").replace('。', ".\n");
    zip(&suspect.join("持ち出し.zip"), "資料/メモ.txt", &leak);
    std::fs::write(suspect.join("議事録.txt"), "来週の定例会議は第二会議室で行います。".repeat(20)).unwrap();
    let mut broken = std::fs::File::create(suspect.join("壊れた.docx")).unwrap();
    broken.write_all(b"PK\x03\x04 not really a zip").unwrap();

    let out = crate::bin()
        .args(["scan", "--reference"])
        .arg(&refs)
        .args(["--format", "jsonl"])
        .arg(d.join("suspect"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "findings exit with 1: {}", String::from_utf8_lossy(&out.stderr));
    let lines = jsonl(&out);
    let finding = lines.iter().find(|l| l["type"] == "finding").expect("a finding");
    assert!(finding["path"].as_str().unwrap().ends_with("持ち出し.zip!/資料/メモ.txt"), "{finding}");
    assert!(finding["reference"].as_str().unwrap().ends_with("鋳造条件.txt"));
    assert!(finding["secret_id"].is_null());
    let coverage = finding["coverage"].as_f64().unwrap();
    assert!(coverage > 0.5 && coverage <= 1.0, "{finding}");
    assert!(finding["matched_chars"].as_u64().unwrap() >= 100);
    assert!(finding["spans"].as_array().is_some_and(|s| !s.is_empty()));
    let diagnostic = lines.iter().find(|l| l["type"] == "diagnostic").expect("the broken file is a diagnostic");
    assert!(diagnostic["path"].as_str().unwrap().ends_with("壊れた.docx"));
    assert!(diagnostic["code"].as_str().unwrap().starts_with("MRH-EXTRACT-"));
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (summary["files"].as_u64(), summary["findings"].as_u64(), summary["diagnostics"].as_u64()),
        (Some(3), Some(1), Some(1))
    );

    // Nothing found: 0. The scan cannot run: 2.
    let clean = crate::bin().args(["scan", "--reference"]).arg(&refs).arg(suspect.join("議事録.txt")).output().unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let missing = crate::bin().args(["scan", "--reference"]).arg(&refs).arg(d.join("nowhere")).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file or folder"));
    let no_refs = crate::bin().args(["scan", "--reference"]).arg(d.join("nowhere")).arg(&suspect).output().unwrap();
    assert_eq!(no_refs.status.code(), Some(2));
}

#[test]
fn attached_material_is_found_and_the_finding_is_audited() {
    let d = data_dir("scan-installed");
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    let id = stdout(&run(&d, &["secret", "add", "--title", "鋳造条件表", "--level", "極秘", "--category", "process"]));
    let id = id.trim();
    std::fs::write(d.join("条件表.txt"), DESIGN).unwrap();
    let attached = stdout(&run(&d, &["secret", "attach", id, d.join("条件表.txt").to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&attached).unwrap();
    assert_eq!(v[0]["materials"][0]["name"], "条件表.txt");
    // A file with no text to fingerprint: a clear error, exit 1.
    std::fs::write(d.join("空.txt"), "").unwrap();
    let empty = run(&d, &["secret", "attach", id, d.join("空.txt").to_str().unwrap()]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("MRH-INPUT-001"));

    let leak = d.join("mail.txt");
    std::fs::write(&leak, format!("転送します。\n{}", &DESIGN[DESIGN.find("射出").unwrap()..])).unwrap();
    let out = run(&d, &["scan", "--format", "jsonl", leak.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = jsonl(&out);
    assert_eq!(lines[0]["secret_id"].as_i64().map(|v| v.to_string()).as_deref(), Some(id));
    assert_eq!(lines[0]["reference"], "条件表.txt");
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "scan."]));
    assert!(audit.contains("scan.finding"), "{audit}");
    let listed = stdout(&run(&d, &["material", "list", "--secret", id]));
    assert!(listed.contains("条件表.txt"));

    // One verdict, both modes: on the installation's machine, `--reference`
    // with the same material fingerprints under the installation's key, so
    // a copy with numerals re-typed and phrases left out (evidence near the
    // threshold) gives the same passages as the index.
    let refs = d.join("refs");
    std::fs::create_dir_all(&refs).unwrap();
    std::fs::write(refs.join("条件表.txt"), DESIGN).unwrap();
    let edited = DESIGN.replace("六百七十", "670").replace("を十分に行う", "を行う").replace("、可動側百九十度", "");
    std::fs::write(&leak, format!("転送します。\n{edited}")).unwrap();
    let indexed = jsonl(&run(&d, &["scan", "--format", "jsonl", leak.to_str().unwrap()]));
    let ad_hoc =
        jsonl(&run(&d, &["scan", "--reference", refs.to_str().unwrap(), "--format", "jsonl", leak.to_str().unwrap()]));
    let verdict = |lines: &[serde_json::Value]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["type"] == "finding")
            .map(|f| format!("{} {}", f["passages"], f["severity"]))
            .collect()
    };
    assert_eq!(verdict(&indexed), verdict(&ad_hoc));
    assert_eq!(verdict(&indexed).len(), 1, "{indexed:?}");

    // A folder fills the background collection: every file below it, the one
    // with no text reported by name while the others are kept.
    let public = d.join("public");
    std::fs::create_dir_all(public.join("sub")).unwrap();
    std::fs::write(
        public.join("利用規約.txt"),
        "本サービスの利用規約は、利用者と当社との間の権利義務関係を定めるものです。".repeat(3),
    )
    .unwrap();
    std::fs::write(
        public.join("sub").join("license.txt"),
        "Permission is hereby granted, free of charge, to any person.",
    )
    .unwrap();
    // First in name order, so the files after it show that adding went on.
    std::fs::write(public.join("0-空.txt"), "").unwrap();
    let out = run(&d, &["material", "add", "--collection", "background", public.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("空.txt") && said.contains("1 of 3 file(s) could not be added"), "{said}");
    let listed = stdout(&run(&d, &["material", "list", "--collection", "background"]));
    assert!(
        listed.contains("利用規約.txt") && listed.contains("license.txt") && !listed.contains("空.txt"),
        "{listed}"
    );
}

#[test]
fn a_stored_original_downloads_and_survives_a_master_key_rotation() {
    let d = data_dir("vault");
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    assert!(d.join("data/keys/master.key").exists(), "init makes the vault's master key");
    let id = stdout(&run(&d, &["secret", "add", "--title", "鋳造条件表", "--level", "極秘", "--category", "process"]));
    let id = id.trim();
    std::fs::write(d.join("条件表.txt"), DESIGN).unwrap();
    let file = d.join("条件表.txt");
    let attached = stdout(&run(&d, &["secret", "attach", id, file.to_str().unwrap(), "--store", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&attached).unwrap();
    assert_eq!(v[0]["materials"][0]["stored"], true);
    let material = v[0]["materials"][0]["id"].to_string();
    let listed = stdout(&run(&d, &["material", "list", "--secret", id]));
    assert!(listed.contains("\tstored\t条件表.txt"), "{listed}");

    let out = d.join("取り出し.txt");
    let got = run(&d, &["material", "get", &material, "--out", out.to_str().unwrap()]);
    stdout(&got);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), DESIGN);
    assert!(String::from_utf8_lossy(&got.stderr).contains("ledger entry"));
    // An existing file is never overwritten.
    let again = run(&d, &["material", "get", &material, "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));

    let rotated = stdout(&run(&d, &["vault", "rotate-key", "--json"]));
    let r: serde_json::Value = serde_json::from_str(&rotated).unwrap();
    assert_eq!(r["objects"], 1);
    let out2 = d.join("二回目.txt");
    stdout(&run(&d, &["material", "get", &material, "--out", out2.to_str().unwrap()]));
    assert_eq!(std::fs::read_to_string(&out2).unwrap(), DESIGN);
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "material.download"]));
    assert_eq!(audit.matches("material.download").count(), 2, "{audit}");
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "vault."]));
    assert!(audit.contains("vault.store") && audit.contains("vault.rotate_key"), "{audit}");

    // Backed up and restored elsewhere, the original comes out the same and
    // the ledger verifies.
    let backup = d.join("maruhi.mrhbak");
    let pass = d.join("passphrase");
    std::fs::write(&pass, "a long backup passphrase\n").unwrap();
    let out = bin()
        .args(["--data-dir", d.join("data").to_str().unwrap(), "backup", "--out", backup.to_str().unwrap()])
        .env("MARUHI_BACKUP_PASSPHRASE", "a long backup passphrase")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&stdout_ok(&out)).contains("stored objects: 1"));
    let restored = d.join("restored");
    let restore = |pass: &std::path::Path| {
        bin()
            .args(["--data-dir", restored.to_str().unwrap(), "restore", backup.to_str().unwrap(), "--json"])
            .args(["--passphrase-file", pass.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let wrong = restore(&pw);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Wrong passphrase"));
    assert!(!restored.exists());
    let r: serde_json::Value = serde_json::from_str(&stdout(&restore(&pass))).unwrap();
    assert_eq!((r["objects"].as_u64(), r["ledger"]["problems"].as_array().map(Vec::len)), (Some(1), Some(0)), "{r}");
    let out3 = d.join("復元後.txt");
    let got = bin()
        .args(["--data-dir", restored.to_str().unwrap(), "material", "get", &material, "--out", out3.to_str().unwrap()])
        .output()
        .unwrap();
    stdout(&got);
    assert_eq!(std::fs::read_to_string(&out3).unwrap(), DESIGN);
    // A restore never writes over an installation.
    assert_eq!(restore(&pass).status.code(), Some(1));
}

/// The stderr of a command that succeeded.
fn stdout_ok(o: &std::process::Output) -> Vec<u8> {
    assert!(o.status.success(), "failed: {}", String::from_utf8_lossy(&o.stderr));
    o.stderr.clone()
}

/// `maruhi edm`: a customer database registered from a Shift_JIS export,
/// found by `maruhi scan` (JSON Lines `edm` records, values masked in both
/// outputs), refreshed, listed and removed.
#[test]
fn edm_datasets_are_found_by_scans_with_values_masked() {
    let d = data_dir("scan-edm");
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    let export = "会員番号,姓,名,電話番号,メールアドレス\n\
        C0001234,山田,太郎,090-1234-5678,taro.yamada@example.jp\n\
        C0001235,髙橋,花子,080-2345-6789,hanako@example.co.jp\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(export);
    std::fs::write(d.join("members.csv"), &sjis).unwrap();
    let added = stdout(&run(&d, &["edm", "add", "会員", d.join("members.csv").to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&added).unwrap();
    assert_eq!((v["dataset"]["rows"].as_i64(), v["dataset"]["primary"].as_str()), (Some(2), Some("会員番号")));

    let leak = d.join("leak.txt");
    std::fs::write(&leak, "名簿を送ります\n山田太郎 C-0001234 taro.yamada@example.jp\n").unwrap();
    let out = run(&d, &["scan", "--format", "jsonl", leak.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = jsonl(&out);
    assert_eq!(lines[0]["type"], "edm");
    assert_eq!(lines[0]["dataset"], "会員");
    assert_eq!(lines[0]["rows"], 1);
    assert_eq!(lines[0]["columns"], serde_json::json!(["会員番号", "姓", "名", "メールアドレス"]));
    assert_eq!(lines[1]["findings"], 1);
    let text = run(&d, &["scan", leak.to_str().unwrap()]);
    let shown = format!("{}{}", String::from_utf8_lossy(&text.stdout), String::from_utf8_lossy(&text.stderr));
    for value in ["C0001234", "taro.yamada", "山田"] {
        assert!(!shown.contains(value) && !lines[0].to_string().contains(value), "{value} shown: {shown}");
    }
    assert!(shown.contains("会員"), "{shown}");
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "scan.edm"]));
    assert!(audit.contains("scan.edm") && !audit.contains("C0001234"), "{audit}");

    std::fs::write(d.join("next.csv"), export.replace("C0001235", "C0001299")).unwrap();
    let refreshed = stdout(&run(&d, &["edm", "refresh", "会員", d.join("next.csv").to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&refreshed).unwrap();
    assert_eq!(v["delta"], serde_json::json!({"added": 1, "removed": 1, "unchanged": 1}));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["edm", "list", "--json"]))).unwrap();
    assert_eq!(listed[0]["name"], "会員");
    stdout(&run(&d, &["edm", "remove", "会員"]));
    let out = run(&d, &["scan", "--format", "jsonl", leak.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
}

/// A CAD drawing has no text: as a reference it is matched by its exact
/// content, and a copy zipped into a mail is a finding of kind `exact_file`;
/// attached to a secret, it becomes a material of format `file`.
#[test]
fn a_drawing_without_text_is_found_as_this_exact_file() {
    let d = data_dir("scan-exact");
    let (refs, suspect) = (d.join("refs"), d.join("suspect"));
    std::fs::create_dir_all(&refs).unwrap();
    std::fs::create_dir_all(&suspect).unwrap();
    let mut dwg = b"AC1032\0\0\0\0\0\x03\x00".to_vec();
    dwg.extend((0u32..20_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(refs.join("MK7-assy.dwg"), &dwg).unwrap();
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, io, zipfile, email.message\n\
             buf = io.BytesIO(); z = zipfile.ZipFile(buf, 'w'); z.write(sys.argv[1], 'copy.dwg'); z.close()\n\
             m = email.message.EmailMessage(); m['From'] = 'a@example.jp'; m['To'] = 'b@example.com'; m['Subject'] = 'fyi'\n\
             m.set_content('see attached')\n\
             m.add_attachment(buf.getvalue(), maintype='application', subtype='zip', filename='d.zip')\n\
             open(sys.argv[2], 'wb').write(bytes(m))",
        ])
        .arg(refs.join("MK7-assy.dwg"))
        .arg(suspect.join("out.eml"))
        .status()
        .expect("python3");
    assert!(status.success());
    let out = crate::bin()
        .args(["scan", "--reference"])
        .arg(&refs)
        .args(["--format", "jsonl"])
        .arg(&suspect)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = jsonl(&out);
    let finding = lines.iter().find(|l| l["type"] == "finding").expect("a finding");
    assert_eq!(finding["kind"], "exact_file", "{finding}");
    assert!(finding["path"].as_str().unwrap().ends_with("out.eml!/d.zip!/copy.dwg"), "{finding}");
    assert!(finding["reference"].as_str().unwrap().ends_with("MK7-assy.dwg"), "{finding}");

    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    let id =
        stdout(&run(&d, &["secret", "add", "--title", "MK7 金型図面", "--level", "極秘", "--category", "process"]));
    let attached =
        stdout(&run(&d, &["secret", "attach", id.trim(), refs.join("MK7-assy.dwg").to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&attached).unwrap();
    assert_eq!(
        (&v[0]["materials"][0]["name"], &v[0]["materials"][0]["format"]),
        (&"MK7-assy.dwg".into(), &"file".into())
    );
}
