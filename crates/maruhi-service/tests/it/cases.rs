//! Incidents: need-to-know, the append-only journal, legal holds, kept
//! originals of activity logs, and the evidence package.

use std::path::Path;
use std::sync::Arc;

use maruhi_events::Format;
use maruhi_service::cases::{Attachment, NewCase};
use maruhi_service::ingest::EventOptions;
use maruhi_service::vault::{LocalStore, MasterKeyFile, Vault};
use maruhi_service::{Actor, Error};
use sha2::{Digest, Sha256};

use crate::{both, Env};

const LOG: &str = "{\"@timestamp\":\"2026-11-02T09:00:00+09:00\",\"event\":{\"id\":\"pc42-1\",\"action\":\"logon\"},\"user\":{\"name\":\"kimura\"},\"host\":{\"name\":\"PC-0042\"}}\n\
{\"@timestamp\":\"2026-11-02T09:06:00+09:00\",\"event\":{\"id\":\"pc42-2\",\"action\":\"file-copy\"},\"user\":{\"name\":\"kimura\"},\"host\":{\"name\":\"PC-0042\"},\"file\":{\"path\":\"E:\\\\設計\\\\MX-7.dwg\",\"size\":5242880},\"device\":{\"type\":\"removable\"}}\n";

fn scratch(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("maruhi-cases-it-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn no_files() -> Vec<Attachment<&'static [u8]>> {
    Vec::new()
}

async fn people(e: &Env) {
    for (u, r) in [
        ("suzuki", "analyst"),
        ("tanaka", "analyst"),
        ("yamada", "legal"),
        ("ito", "auditor"),
        ("root2", "admin"),
        ("kimura", "employee"),
    ] {
        e.user(u, r).await;
    }
}

#[tokio::test]
async fn a_case_is_need_to_know_its_journal_append_only_and_a_hold_refuses_erasure() {
    both(|e| async move {
        people(&e).await;
        let suzuki = e.actor("suzuki").await;
        let new = NewCase {
            title: "設計図の持ち出し".into(),
            note: "退職予定者の USB 持ち出し".into(),
            ..Default::default()
        };
        let case = e.svc.open_case(&suzuki, new).await.unwrap();
        assert_eq!((case.kind.as_str(), case.status.as_str(), case.severity.as_str()), ("manual", "open", "medium"));

        // Members and legal see it; nobody else learns it exists.
        let yamada = e.actor("yamada").await;
        assert_eq!(e.svc.case(&yamada, case.id).await.unwrap().members, vec!["suzuki".to_owned()]);
        for other in ["tanaka", "ito", "root2", "kimura"] {
            let a = e.actor(other).await;
            assert!(matches!(e.svc.case(&a, case.id).await, Err(Error::NotFound)), "{other}");
            assert!(e.svc.cases(&a).await.unwrap().is_empty(), "{other}");
            let wrote = e.svc.case_note(&a, case.id, "覗き見", None, no_files()).await;
            assert!(matches!(wrote, Err(Error::NotFound)), "{other}");
        }
        assert!(matches!(e.svc.case(&yamada, case.id + 100).await, Err(Error::NotFound)));
        let tanaka = e.actor("tanaka").await;
        assert!(e.svc.case_assign(&suzuki, case.id, "tanaka").await.unwrap());
        assert_eq!(e.svc.cases(&tanaka).await.unwrap().len(), 1, "a member now");

        // The journal only grows: a correction is a new entry naming the old.
        let first = e.svc.case_note(&suzuki, case.id, "11月4日に本人と面談", None, no_files()).await.unwrap();
        let fix = e.svc.case_note(&tanaka, case.id, "面談は11月5日だった", Some(first), no_files()).await.unwrap();
        let bad = e.svc.case_note(&suzuki, case.id, "x", Some(fix + 100), no_files()).await;
        assert!(matches!(bad, Err(Error::Invalid(_))), "a correction of an entry of this case only");
        e.svc.case_step(&suzuki, case.id, "preserve", "PC-0042 のディスクイメージを取得").await.unwrap();
        assert!(e.svc.case_step(&suzuki, case.id, "tea", "").await.is_err());
        let view = e.svc.case(&suzuki, case.id).await.unwrap();
        let kinds: Vec<&str> = view.journal.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(kinds, ["opened", "member", "note", "correction", "checklist"]);
        let original = view.journal.iter().find(|j| j.id == first).unwrap();
        assert_eq!(original.text, "11月4日に本人と面談", "the corrected entry stays as it was");
        assert_eq!(view.journal.iter().find(|j| j.id == fix).unwrap().refers_to, Some(first));
        let preserve = view.checklist.iter().find(|s| s.step.id == "preserve").unwrap();
        assert_eq!(preserve.done.as_ref().unwrap().author, "suzuki");
        // Every entry is a ledger entry committing to its body.
        for j in &view.journal {
            let entry = e.svc.ledger_entry(j.ledger_index).await.unwrap();
            let personal = entry.personal.unwrap();
            let summary = &personal["summary"];
            let body = maruhi_service::audit::canonical_json(&j.body);
            assert_eq!(summary["body_sha256"], maruhi_service::cases::body_sha256(&body), "{}", j.kind);
        }

        // Status: reporting and closing need a reason.
        assert!(matches!(e.svc.case_status(&suzuki, case.id, "closed", "").await, Err(Error::Invalid(_))));
        let moved = e.svc.case_status(&suzuki, case.id, "investigating", "").await.unwrap();
        assert_eq!(moved.status, "investigating");

        // A hold freezes the person's details; releasing is legal's.
        e.svc.case_link(&suzuki, case.id, "person", "Kimura").await.unwrap();
        e.svc.case_hold(&suzuki, case.id, "訴訟の可能性").await.unwrap();
        let op = Actor::operator();
        match e.svc.erase_personal_data(&op, "kimura").await {
            Err(Error::Held { cases }) => assert_eq!(cases, vec![case.id]),
            other => panic!("erasure under hold: {other:?}"),
        }
        let refused = e.svc.erase_personal_data(&op, "kimura").await.unwrap_err();
        assert!(refused.message(maruhi_service::i18n::Lang::Ja).contains(&format!("No.{}", case.id)));
        assert!(matches!(e.svc.case_release(&suzuki, case.id, "不要").await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.case_release(&yamada, case.id, "").await, Err(Error::Invalid(_))));
        let released = e.svc.case_release(&yamada, case.id, "和解が成立した").await.unwrap();
        assert!(released.hold_since.is_none());
        assert!(matches!(e.svc.case_release(&yamada, case.id, "再度").await, Err(Error::Conflict(_))));
        assert!(e.svc.erase_personal_data(&op, "kimura").await.is_ok(), "erasure works once the hold is released");
        let kinds: Vec<String> =
            e.svc.case(&yamada, case.id).await.unwrap().journal.into_iter().map(|j| j.kind).collect();
        assert!(kinds.ends_with(&["link".into(), "hold".into(), "release".into()]), "{kinds:?}");

        // Links name what exists and what the actor may see.
        let unknown = e.svc.case_link(&suzuki, case.id, "alert", "999").await;
        assert!(matches!(unknown, Err(Error::Invalid(_))));
        assert!(matches!(e.svc.case_link(&suzuki, case.id, "secret", "1").await, Err(Error::Invalid(_))));
        assert!(matches!(e.svc.case_link(&suzuki, case.id, "planet", "x").await, Err(Error::Invalid(_))));
    })
    .await;
}

fn vault_in(dir: &Path) -> Vault {
    Vault::new(
        Arc::new(LocalStore::new(dir.join("vault"))),
        MasterKeyFile { path: dir.join("master.key"), create_if_missing: true },
    )
}

fn flip(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let at = b.len() / 2;
    b[at] ^= 1;
    std::fs::write(path, b).unwrap();
}

/// Rewrites a bag's manifests after a change, as a forger would.
fn reseal(bag: &Path) {
    let hex = |b: &[u8]| hex::encode(Sha256::digest(b));
    let mut payload = Vec::new();
    let mut tags = Vec::new();
    for entry in walk(bag) {
        let rel = entry.strip_prefix(bag).unwrap().to_string_lossy().into_owned();
        if rel.starts_with("data/") {
            payload.push(rel);
        } else if !rel.starts_with("tagmanifest") && !rel.starts_with("manifest-sha512") {
            tags.push(rel);
        }
    }
    payload.sort();
    let manifest: String =
        payload.iter().map(|p| format!("{}  {p}\n", hex(&std::fs::read(bag.join(p)).unwrap()))).collect();
    std::fs::write(bag.join("manifest-sha256.txt"), manifest).unwrap();
    let _ = std::fs::remove_file(bag.join("manifest-sha512.txt"));
    tags.sort();
    let tagmanifest: String = tags
        .iter()
        .filter(|t| t.as_str() != "manifest-sha512.txt")
        .map(|p| format!("{}  {p}\n", hex(&std::fs::read(bag.join(p)).unwrap())))
        .collect();
    std::fs::write(bag.join("tagmanifest-sha256.txt"), tagmanifest).unwrap();
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// An event cited in a case is shown as its original line, whose file's
/// hash the import's ledger entry records; the package verifies offline,
/// and any changed byte, or a journal rewritten with fresh manifests, fails
/// naming the file.
#[tokio::test]
async fn a_case_package_carries_original_records_and_fails_on_any_change() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    people(&e).await;
    let dir = scratch("bag");
    let svc = e.svc.clone().with_vault(vault_in(&dir));
    let suzuki = e.actor("suzuki").await;
    let report = svc
        .import_events(&suzuki, "endpoint", Format::Jsonl, std::io::Cursor::new(LOG), &EventOptions::default(), |_| {})
        .await
        .unwrap();
    let import = report.import_id.unwrap();
    // Only the very file imported is kept.
    let other = svc.keep_import_original(&suzuki, import, "events.jsonl", b"{}\n".as_slice()).await;
    assert!(matches!(other, Err(Error::Conflict(_))), "{other:?}");
    svc.keep_import_original(&suzuki, import, "events.jsonl", LOG.as_bytes()).await.unwrap();
    let again = svc.keep_import_original(&suzuki, import, "events.jsonl", LOG.as_bytes()).await;
    assert!(matches!(again, Err(Error::Conflict(_))));

    let case = svc.open_case(&suzuki, NewCase { title: "持ち出し".into(), ..Default::default() }).await.unwrap();
    svc.case_link(&suzuki, case.id, "event", "pc42-2").await.unwrap();
    svc.case_link(&suzuki, case.id, "person", "kimura").await.unwrap();
    let secret = maruhi_service::model::SecretInput {
        title: "金型図面 MX-7".into(),
        category: "drawing".into(),
        level: "極秘".into(),
        grants: vec!["kimura".into()],
        status: Some("registered".into()),
        ..Default::default()
    };
    let secret = svc.create_secret(&Actor::operator(), secret).await.unwrap();
    // An analyst does not see the register; legal/IP links the secret.
    let linked = svc.case_link(&suzuki, case.id, "secret", &secret.id.to_string()).await;
    assert!(matches!(linked, Err(Error::Invalid(_))), "{linked:?}");
    svc.case_link(&e.actor("yamada").await, case.id, "secret", &secret.id.to_string()).await.unwrap();
    let memo = "面談メモ: 本人は USB への複写を認めた。".as_bytes();
    let files = vec![Attachment { name: "面談メモ.txt".to_owned(), reader: memo }];
    svc.case_note(&suzuki, case.id, "面談の記録を添付", None, files).await.unwrap();
    svc.publish_checkpoint().await.unwrap();

    // The analyst's export withholds the secret they may not see.
    let (_, summary) = svc.case_bag_files(&suzuki, case.id, None).await.unwrap();
    assert_eq!(summary.secrets_withheld, 1);
    svc.publish_checkpoint().await.unwrap();
    let (files, summary) = svc.case_bag_files(&e.actor("yamada").await, case.id, None).await.unwrap();
    assert_eq!((summary.events, summary.originals, summary.files, summary.secrets_withheld), (1, 1, 1, 0));
    let bag = dir.join("bag");
    maruhi_service::evidence::write_bag(&bag, &files).unwrap();
    let key = svc.ledger_public_key().unwrap();
    let report = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.journal_entries, 5, "opened, three links and the note");
    // The secret as it stood when the case was opened, at the cited event,
    // and at export; kimura was on its access list.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join(format!("data/secrets/{}.json", secret.id))).unwrap()).unwrap();
    let stood = record["as_it_stood"].as_array().unwrap();
    assert!(!stood.is_empty(), "{record}");
    let last = &stood[stood.len() - 1]["state"];
    assert_eq!(last["record"]["title"], "金型図面 MX-7");
    assert_eq!(last["entitled"][0]["user"], "kimura");

    let events = std::fs::read_to_string(bag.join("data/events.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(line["source_line"], 2);
    assert_eq!(line["original_record"].as_str().unwrap(), LOG.lines().nth(1).unwrap());
    let original = bag.join(line["original_file"].as_str().unwrap());
    assert_eq!(std::fs::read(&original).unwrap(), LOG.as_bytes());
    assert!(std::fs::read_to_string(bag.join("data/journal-ja.html")).unwrap().contains("面談の記録を添付"));
    if Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists() {
        assert!(std::fs::read(bag.join("data/journal-ja.pdf")).unwrap().starts_with(b"%PDF-"));
    }
    let custody = std::fs::read_to_string(bag.join("data/custody.json")).unwrap();
    assert!(custody.contains("data/files/") && custody.contains(&hex::encode(Sha256::digest(memo))));

    // Someone else's case is not theirs to export.
    let tanaka = e.actor("tanaka").await;
    assert!(matches!(svc.case_bag_files(&tanaka, case.id, None).await, Err(Error::NotFound)));

    // Any changed byte fails, naming the file.
    let copy = |name: &str| {
        let to = dir.join(name);
        maruhi_service::evidence::write_bag(&to, &files).unwrap();
        to
    };
    let changed = copy("changed");
    let attachment = walk(&changed.join("data/files")).pop().unwrap();
    flip(&attachment);
    let report = maruhi_service::evidence::verify_bag(&changed, Some(&key), None);
    assert!(report.problems.iter().any(|p| p.message.contains("data/files/")), "{:?}", report.problems);

    // A journal rewritten with fresh manifests no longer matches the ledger.
    let forged = copy("forged");
    let journal = forged.join("data/journal.json");
    let text = std::fs::read_to_string(&journal).unwrap().replace("面談の記録を添付", "面談は行っていない");
    std::fs::write(&journal, text).unwrap();
    reseal(&forged);
    let report = maruhi_service::evidence::verify_bag(&forged, Some(&key), None);
    let codes: Vec<&str> = report.problems.iter().map(|p| p.code).collect();
    assert!(codes.contains(&"MRH-BAG-008"), "{:?}", report.problems);

    // A forged original line with fresh manifests: the file's hash is no
    // longer the one the import recorded.
    let forged = copy("forged-original");
    let original = walk(&forged.join("data/originals")).pop().unwrap();
    std::fs::write(&original, LOG.replace("kimura", "someone")).unwrap();
    reseal(&forged);
    let report = maruhi_service::evidence::verify_bag(&forged, Some(&key), None);
    assert!(report.problems.iter().any(|p| p.code == "MRH-BAG-007"), "{:?}", report.problems);
}
