//! Golden tests on hand-written Japanese fixtures (tests/data): each sign, each conversation.

use std::path::{Path, PathBuf};

use maruhi_mail::{Config, Input, Triage, Triager, Verdict};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// The company of the fixtures: 花丸工業 (hanamaru-kogyo.co.jp), its partner さくら精機
/// (sakura-seiki.co.jp), its border server mx.hanamaru-kogyo.co.jp.
fn triager() -> Triager {
    Triager::new(Config {
        own_domains: vec!["hanamaru-kogyo.co.jp".into()],
        partner_domains: vec!["Sakura-Seiki.co.jp.".into()],
        authserv_ids: vec!["mx.hanamaru-kogyo.co.jp".into()],
        dkim_keys: Vec::new(),
    })
}

fn run(rels: &[&str]) -> Triage {
    let (inputs, problems) = maruhi_mail::read_paths(&rels.iter().map(|r| data(r)).collect::<Vec<_>>());
    assert!(problems.is_empty(), "{problems:?}");
    triager().triage(inputs)
}

/// `(file name, verdict, codes)` of every mail, paths relative to tests/data.
fn summary(t: &Triage) -> Vec<(String, Verdict, Vec<&'static str>)> {
    let base = data("").display().to_string();
    t.mails
        .iter()
        .map(|m| {
            let mut codes: Vec<&'static str> = m.reasons.iter().map(|r| r.code).collect();
            codes.dedup();
            (m.path.trim_start_matches(&base).to_owned(), m.verdict, codes)
        })
        .collect()
}

#[test]
fn a_fake_job_application_turns_on_its_third_mail() {
    let t = run(&["job"]);
    assert_eq!(
        summary(&t),
        [
            ("job/1.eml".to_owned(), Verdict::Clean, vec![]),
            ("job/2.eml".to_owned(), Verdict::Clean, vec![]),
            ("job/3.eml".to_owned(), Verdict::Malicious, vec!["MRH-MAIL-112", "MRH-MAIL-115", "MRH-MAIL-130"]),
        ]
    );
    // The RFC 2231 file name, split in two parts, is read whole; the archive's members are named.
    let r = &t.mails[2].reasons;
    assert!(r[0].ja.contains("履歴書_山田健一.zip!/履歴書_山田健一.pdf.lnk"), "{}", r[0].ja);
    assert!(r.iter().any(|r| r.en.contains("履歴書_山田健一.zip!/職務経歴書.exe")));
    assert_eq!(t.threads.len(), 1);
    assert_eq!(t.threads[0].turned_by.as_deref(), Some(t.mails[2].path.as_str()));
    assert_eq!(t.threads[0].verdict, Verdict::Malicious);
    // The conversation scores higher than the same mail alone.
    let alone = run(&["job/3.eml"]);
    assert!(t.mails[2].score > alone.mails[0].score, "{} vs {}", t.mails[2].score, alone.mails[0].score);
    assert_eq!(t.mails[0].subject.as_deref(), Some("中途採用への応募について"));
}

#[test]
fn a_look_alike_partner_domain_and_a_disguised_link() {
    let t = run(&["lookalike.eml"]);
    assert_eq!(summary(&t)[0].1, Verdict::Malicious);
    assert_eq!(summary(&t)[0].2, ["MRH-MAIL-106", "MRH-MAIL-107", "MRH-MAIL-108"]);
    assert_eq!(
        t.mails[0].reasons[0].ja,
        "送信元ドメインが自社または取引先のドメインに似せてあります(sakura-seikl.co.jp ≈ sakura-seiki.co.jp)"
    );
    // The Shift_JIS subject is decoded.
    assert_eq!(t.mails[0].subject.as_deref(), Some("【重要】お振込先口座変更のお知らせ"));
}

#[test]
fn a_right_to_left_override_hides_a_program() {
    let t = run(&["rlo.eml"]);
    assert_eq!(summary(&t)[0].2, ["MRH-MAIL-111", "MRH-MAIL-113"]);
    assert_eq!(t.mails[0].verdict, Verdict::Malicious);
    // The report shows the control character instead of obeying it.
    assert!(t.mails[0].reasons[0].en.contains("請求書_12月分<U+202E>fdp.scr"));
    assert!(!t.mails[0].reasons[0].en.contains('\u{202E}'));
}

#[test]
fn a_macro_document_from_a_free_mail_company() {
    let t = run(&["macro.eml"]);
    assert_eq!(summary(&t)[0].2, ["MRH-MAIL-101", "MRH-MAIL-118"]);
    assert_eq!(t.mails[0].verdict, Verdict::Malicious);
}

#[test]
fn the_password_in_the_next_mail() {
    let t = run(&["ppap"]);
    let s = summary(&t);
    assert_eq!(s[2].2, ["MRH-MAIL-119", "MRH-MAIL-116", "MRH-MAIL-130", "MRH-MAIL-131"]);
    assert_eq!(s[2].1, Verdict::Malicious);
    assert_eq!(s[3].1, Verdict::Clean);
    assert_eq!(t.threads.len(), 1);
    assert_eq!(t.threads[0].turned_by.as_deref(), Some(t.mails[2].path.as_str()));
}

#[test]
fn a_harmless_business_thread_stays_clean() {
    let t = run(&["business"]);
    assert!(t.mails.iter().all(|m| m.verdict == Verdict::Clean), "{:?}", summary(&t));
    assert_eq!(t.threads.len(), 1);
    assert_eq!(t.threads[0].mails.len(), 3);
    assert_eq!(t.worst(), Verdict::Clean);
}

#[test]
fn our_own_domain_spoofed_and_a_forged_pass_ignored() {
    let t = run(&["spoofed-own.eml"]);
    assert_eq!(summary(&t)[0].2, ["MRH-MAIL-109", "MRH-MAIL-120", "MRH-MAIL-121"]);
    assert!(t.mails[0].reasons[1].en.contains("spf=fail, dmarc=fail"));
    // Without the border server configured, no Authentication-Results header counts.
    let bytes = std::fs::read(data("spoofed-own.eml")).unwrap_or_default();
    let plain = Triager::new(Config { own_domains: vec!["hanamaru-kogyo.co.jp".into()], ..Config::default() })
        .triage(vec![Input { path: "x.eml".into(), bytes }]);
    assert_eq!(plain.mails[0].reasons.iter().map(|r| r.code).collect::<Vec<_>>(), ["MRH-MAIL-109"]);
}

#[test]
fn conversations_without_threading_headers_group_by_sender_and_subject() {
    let t = run(&["dropped"]);
    assert_eq!(t.threads.len(), 1);
    assert_eq!(summary(&t)[0].2, ["MRH-MAIL-102"]);
    assert_eq!(summary(&t)[1].2, ["MRH-MAIL-102", "MRH-MAIL-110", "MRH-MAIL-130"]);
    assert_eq!(t.threads[0].turned_by.as_deref(), Some(t.mails[1].path.as_str()));
}

#[test]
fn an_old_office_document_with_a_vba_storage() {
    // An OLE compound file as Word 97-2003 writes it: a `Macros` storage holding `VBA`.
    let mut doc = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    doc.create_storage("/Macros").unwrap();
    doc.create_storage("/Macros/VBA").unwrap();
    doc.create_stream("/WordDocument").unwrap();
    doc.flush().unwrap();
    let ole = doc.into_inner().into_inner();
    let mut plain = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    plain.create_stream("/WordDocument").unwrap();
    plain.flush().unwrap();
    let plain = plain.into_inner().into_inner();
    let mail = |name: &str, bytes: &[u8]| {
        use std::io::Write;
        let mut m = Vec::new();
        let b64 = base64_encode(bytes);
        write!(
            m,
            "From: a@example.jp\r\nDate: Mon, 7 Dec 2026 09:00:00 +0900\r\nSubject: doc\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n\
             Content-Type: application/msword; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
        )
        .unwrap();
        m
    };
    let t = triager().triage(vec![
        Input { path: "macro.eml".into(), bytes: mail("注文書.doc", &ole) },
        Input { path: "plain.eml".into(), bytes: mail("注文書.doc", &plain) },
    ]);
    assert_eq!(t.mails[0].reasons.iter().map(|r| r.code).collect::<Vec<_>>(), ["MRH-MAIL-118"]);
    assert!(t.mails[1].reasons.is_empty(), "{:?}", t.mails[1].reasons);
}

#[test]
fn mbox_and_maildir_are_read() {
    let dir = std::env::temp_dir().join(format!("maruhi-mail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("Maildir/cur")).unwrap();
    std::fs::create_dir_all(dir.join("Maildir/new")).unwrap();
    std::fs::create_dir_all(dir.join("Maildir/tmp")).unwrap();
    let one = std::fs::read(data("job/1.eml")).unwrap();
    let two = std::fs::read(data("job/2.eml")).unwrap();
    let three = std::fs::read(data("job/3.eml")).unwrap();
    std::fs::write(dir.join("Maildir/cur/1.host:2,S"), &one).unwrap();
    std::fs::write(dir.join("Maildir/new/2.host"), &two).unwrap();
    std::fs::write(dir.join("Maildir/tmp/3.host"), &three).unwrap();
    let mut mbox = Vec::new();
    for m in [&one, &two, &three] {
        mbox.extend_from_slice(b"From kenichi.yamada.1990@gmail.com Tue Dec  1 10:12:00 2026\n");
        mbox.extend_from_slice(&String::from_utf8_lossy(m).replace("\r\n", "\n").into_bytes());
        mbox.extend_from_slice(b"\n");
    }
    std::fs::write(dir.join("inbox.mbox"), &mbox).unwrap();
    let (inputs, problems) = maruhi_mail::read_paths(&[dir.join("Maildir"), dir.join("inbox.mbox")]);
    assert!(problems.is_empty());
    let paths: Vec<&str> = inputs.iter().map(|i| i.path.rsplit('/').next().unwrap_or("")).collect();
    assert_eq!(paths, ["1.host:2,S", "2.host", "inbox.mbox#1", "inbox.mbox#2", "inbox.mbox#3"]);
    let t = triager().triage(inputs);
    assert_eq!(t.mails[4].verdict, Verdict::Malicious);
    assert_eq!(t.mails[4].thread, t.mails[0].thread);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn what_is_not_mail_is_a_problem_not_a_failure() {
    let t = triager().triage(vec![
        Input { path: "a.bin".into(), bytes: vec![0, 159, 146, 150] },
        Input { path: "b.eml".into(), bytes: std::fs::read(data("rlo.eml")).unwrap_or_default() },
    ]);
    assert_eq!(t.problems.len(), 1);
    assert_eq!(t.problems[0].path, "a.bin");
    assert_eq!(t.mails.len(), 1);
}

#[test]
fn every_sign_has_a_unique_code_and_both_languages() {
    let mut codes: Vec<&str> = maruhi_mail::signs::ALL.iter().map(|s| s.code).collect();
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), n);
    for s in maruhi_mail::signs::ALL {
        let r = s.with("x");
        assert!(r.ja.chars().any(|c| c > '\u{3000}'), "{}", s.code);
        assert!(r.en.is_ascii(), "{}", s.code);
        let doc = include_str!("../../../../docs/codes.md");
        assert!(doc.contains(s.code), "{} missing from docs/codes.md", s.code);
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn with_dkim_keys() -> Triager {
    let keys = std::fs::read_to_string(data("dkim-keys.txt")).unwrap();
    Triager::new(Config {
        own_domains: vec!["hanamaru-kogyo.co.jp".into()],
        partner_domains: vec!["sakura-seiki.co.jp".into()],
        authserv_ids: Vec::new(),
        dkim_keys: keys.lines().filter_map(maruhi_mail::DkimKey::parse_line).collect(),
    })
}

/// The fixtures were signed by dkimpy (an independent implementation), relaxed/relaxed and
/// simple/simple; the tampered copy had its body changed after signing.
#[test]
fn dkim_signatures_verify_offline_with_the_keys_given() {
    let (inputs, _) = maruhi_mail::read_paths(&[
        data("dkim-relaxed.eml"),
        data("dkim-simple.eml"),
        data("dkim-tampered.eml"),
        data("business/2.eml"),
    ]);
    let t = with_dkim_keys().triage(inputs);
    let codes = |i: usize| t.mails[i].reasons.iter().map(|r| r.code).collect::<Vec<_>>();
    assert!(codes(0).is_empty(), "{:?}", t.mails[0].reasons);
    assert!(codes(1).is_empty(), "{:?}", t.mails[1].reasons);
    assert_eq!(codes(2), ["MRH-MAIL-122"]);
    assert!(t.mails[2].reasons[0].en.contains("d=sakura-seiki.co.jp: body changed"), "{}", t.mails[2].reasons[0].en);
    // The partner has a key on file; the same mail unsigned is a sign.
    assert_eq!(codes(3), ["MRH-MAIL-122"]);
    assert!(t.mails[3].reasons[0].en.contains("unsigned"));
    // Without keys nothing is verified.
    let (inputs, _) = maruhi_mail::read_paths(&[data("dkim-tampered.eml")]);
    assert!(triager().triage(inputs).mails[0].reasons.is_empty());
}

#[test]
fn a_hijacked_thread_replies_from_a_domain_it_never_involved() {
    let t = run(&["business", "hijack.eml"]);
    assert_eq!(t.threads.len(), 1);
    let s = summary(&t);
    assert!(s[..3].iter().all(|m| m.1 == Verdict::Clean), "{s:?}");
    assert_eq!(s[3].0, "hijack.eml");
    assert_eq!(s[3].1, Verdict::Malicious);
    assert!(s[3].2.contains(&"MRH-MAIL-132"), "{s:?}");
    assert!(s[3].2.contains(&"MRH-MAIL-115"), "{s:?}");
}
