//! The vault: originals kept encrypted, downloaded by those entitled to the
//! content, recorded in the ledger; master key rotation; nothing readable at
//! rest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use maruhi_service::model::SecretInput;
use maruhi_service::vault::{LocalStore, MasterKeyFile, Vault};
use maruhi_service::{Actor, Error, Installation, InstallationConfig, Service};
use sha2::{Digest, Sha256};

use crate::{both, Env};

const DESIGN: &str = "射出成形条件表 MX-7\n\
    保圧は八十五メガパスカルとし、金型温度は六十度に保つ。冷却時間は二十二秒、\
    ゲートはサブマリン方式で二点とする。樹脂は乾燥機で四時間予備乾燥してから投入し、\
    初品から三十ショットは廃棄して寸法を確認すること。この条件が歩留まり九十八パーセントを支えている。";

fn scratch() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("maruhi-vault-it-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn vault_in(dir: &Path) -> Vault {
    Vault::new(
        Arc::new(LocalStore::new(dir.join("vault"))),
        MasterKeyFile { path: dir.join("master.key"), create_if_missing: true },
    )
}

async fn org(e: &Env) -> (Actor, i64) {
    for (u, r) in [
        ("sato", "manager"),
        ("watanabe", "employee"),
        ("kato", "employee"),
        ("suzuki", "analyst"),
        ("yamada", "legal"),
        ("ito", "auditor"),
    ] {
        e.user(u, r).await;
    }
    let sato = e.actor("sato").await;
    let input = SecretInput {
        title: "MX-7 成形条件".into(),
        category: "process".into(),
        level: "極秘".into(),
        grants: vec!["watanabe".into()],
        status: Some("registered".into()),
        ..SecretInput::default()
    };
    let s = e.svc.create_secret(&sato, input).await.unwrap();
    (sato, s.id)
}

async fn download(svc: &Service, actor: &Actor, material: i64) -> Result<Vec<u8>, Error> {
    let original = svc.material_original(actor, material).await?;
    let mut out = Vec::new();
    original.copy_to(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn a_stored_original_is_in_the_ledger_and_downloads_only_for_those_entitled() {
    both(|e| async move {
        let dir = scratch();
        let svc = e.svc.clone().with_vault(vault_in(&dir));
        let (sato, id) = org(&e).await;
        let out = svc.attach_and_store(&sato, id, "成形条件.txt", DESIGN.as_bytes(), true).await.unwrap();
        let m = &out.materials[0];
        assert!(m.stored, "{m:?}");
        let sha = hex::encode(Sha256::digest(DESIGN.as_bytes()));

        // The object's SHA-256 and size are in the ledger, committed with its row.
        let op = Actor::operator();
        let trail = svc.audit_log(&op, Some("vault.store"), 1, 10).await.unwrap();
        let entry = &trail.items[0];
        assert_eq!(entry.summary["sha256"], sha.as_str());
        assert_eq!(entry.summary["size"], DESIGN.len());
        assert!(entry.ledger_index.is_some());
        let attach = svc.audit_log(&op, Some("material.attach"), 1, 10).await.unwrap();
        // Recorded in the same batch as the material, just before it.
        assert_eq!(attach.items[0].ledger_index, entry.ledger_index.map(|i| i + 1));

        // Need-to-know: manager, access list, admin, legal; not auditors,
        // not others (who are told it does not exist).
        for who in ["sato", "watanabe", "yamada"] {
            let actor = e.actor(who).await;
            assert_eq!(download(&svc, &actor, m.id).await.unwrap(), DESIGN.as_bytes(), "{who}");
        }
        assert_eq!(download(&svc, &op, m.id).await.unwrap(), DESIGN.as_bytes());
        for who in ["ito", "suzuki", "kato"] {
            let actor = e.actor(who).await;
            assert!(matches!(download(&svc, &actor, m.id).await, Err(Error::NotFound)), "{who}");
        }
        // Every download is in the ledger: four of them.
        let downloads = svc.audit_log(&op, Some("material.download"), 1, 10).await.unwrap();
        assert_eq!(downloads.total, 4);
        assert_eq!(downloads.items[0].summary["sha256"], sha.as_str());
        assert!(downloads.items.iter().all(|d| d.ledger_index.is_some()));

        // Material attached without --store has no original to download.
        let plain = svc.attach_material(&sato, id, "b.txt", DESIGN.as_bytes(), true).await.unwrap();
        assert!(!plain.materials[0].stored);
        assert!(matches!(download(&svc, &sato, plain.materials[0].id).await, Err(Error::NotFound)));
        // The watanabe employee may not store (not the manager).
        let watanabe = e.actor("watanabe").await;
        let refused = svc.attach_and_store(&watanabe, id, "c.txt", DESIGN.as_bytes(), true).await;
        assert!(matches!(refused, Err(Error::Forbidden)));
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[tokio::test]
async fn key_rotation_rewraps_data_keys_and_leaves_the_objects_alone() {
    both(|e| async move {
        let dir = scratch();
        let svc = e.svc.clone().with_vault(vault_in(&dir));
        let (sato, id) = org(&e).await;
        let m = svc.attach_and_store(&sato, id, "a.txt", DESIGN.as_bytes(), false).await.unwrap().materials.remove(0);
        let objects = dir.join("vault/objects");
        let object = std::fs::read_dir(&objects).unwrap().next().unwrap().unwrap().path();
        let sealed = std::fs::read(&object).unwrap();
        let old_key = std::fs::read(dir.join("master.key")).unwrap();

        let op = Actor::operator();
        assert!(matches!(svc.rotate_vault_key(&sato).await, Err(Error::Forbidden)));
        let rotation = svc.rotate_vault_key(&op).await.unwrap();
        assert_eq!(rotation.objects, 1);
        assert_ne!(rotation.old_key_id, rotation.new_key_id);
        assert_eq!(std::fs::read(&object).unwrap(), sealed, "the content is not re-encrypted");
        assert_ne!(std::fs::read(dir.join("master.key")).unwrap(), old_key);
        assert!(!dir.join("master.key.next").exists());
        assert_eq!(download(&svc, &sato, m.id).await.unwrap(), DESIGN.as_bytes());
        let trail = svc.audit_log(&op, Some("vault.rotate_key"), 1, 10).await.unwrap();
        assert_eq!(trail.items[0].summary["new_key_id"], rotation.new_key_id.as_str());

        // The old master key no longer opens anything.
        let old = dir.join("old.key");
        std::fs::write(&old, &old_key).unwrap();
        let stale = e.svc.clone().with_vault(Vault::new(
            Arc::new(LocalStore::new(dir.join("vault"))),
            MasterKeyFile { path: old, create_if_missing: false },
        ));
        assert!(matches!(download(&stale, &sato, m.id).await, Err(Error::Key { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn nothing_readable_is_at_rest_in_the_data_directory_or_the_database() {
    let dir = scratch().join("data");
    let config = InstallationConfig { data_dir: dir.clone(), database_url: None };
    let installation = Installation::create(&config).unwrap();
    assert!(dir.join("keys/master.key").exists(), "init makes the master key");
    let svc = installation.open().await.unwrap();
    let op = Actor::operator();
    let input = SecretInput {
        title: "MX-7".into(),
        category: "process".into(),
        level: "極秘".into(),
        ..SecretInput::default()
    };
    let secret = svc.create_secret(&op, input).await.unwrap();
    let planted = "PLANTED-c0ffee-4a1d-UNIQUE-MARKER";
    let text = format!("{DESIGN}\n{planted} {}\n{DESIGN}", "ゲート位置の詳細は別紙。".repeat(3));
    let out = svc.attach_and_store(&op, secret.id, "spec.txt", text.as_bytes(), true).await.unwrap();
    assert_eq!(download(&svc, &op, out.materials[0].id).await.unwrap(), text.as_bytes());
    svc.close().await;

    let mut all = Vec::new();
    files(&dir, &mut all);
    assert!(all.iter().any(|p| p.starts_with(dir.join("vault/objects"))), "{all:?}");
    assert!(all.iter().any(|p| p.ends_with("maruhi.db")), "{all:?}");
    for needle in [planted.as_bytes(), "金型温度は六十度".as_bytes()] {
        for path in &all {
            let bytes = std::fs::read(path).unwrap();
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "plaintext found in {}", path.display());
        }
    }
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn an_installation_older_than_the_vault_gets_its_master_key_on_first_use() {
    let dir = scratch().join("data");
    let config = InstallationConfig { data_dir: dir.clone(), database_url: None };
    let installation = Installation::create(&config).unwrap();
    std::fs::remove_file(dir.join("keys/master.key")).unwrap();
    let svc = installation.open().await.unwrap();
    assert!(!dir.join("keys/master.key").exists(), "opening makes no key");
    let op = Actor::operator();
    let input = SecretInput {
        title: "MX-7".into(),
        category: "process".into(),
        level: "極秘".into(),
        ..SecretInput::default()
    };
    let secret = svc.create_secret(&op, input).await.unwrap();
    svc.attach_and_store(&op, secret.id, "a.txt", DESIGN.as_bytes(), false).await.unwrap();
    assert!(dir.join("keys/master.key").exists());
    // Once objects exist, a lost key is an error, never a new key.
    std::fs::remove_file(dir.join("keys/master.key")).unwrap();
    let refused = svc.attach_and_store(&op, secret.id, "b.txt", DESIGN.as_bytes(), false).await;
    assert!(matches!(refused, Err(Error::Key { .. })), "{refused:?}");
    assert!(!dir.join("keys/master.key").exists());
    // A master key file given by the operator is never made.
    let missing = installation.master_key_file(Some(&dir.join("elsewhere.key")));
    assert!(matches!(missing.load(), Err(Error::Key { .. })));
    svc.close().await;
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_rotation_interrupted_before_or_after_its_commit_loses_nothing() {
    both(|e| async move {
        let dir = scratch();
        let svc = e.svc.clone().with_vault(vault_in(&dir));
        let (sato, id) = org(&e).await;
        let m = svc.attach_and_store(&sato, id, "a.txt", DESIGN.as_bytes(), false).await.unwrap().materials.remove(0);
        let op = Actor::operator();
        let (key, next) = (dir.join("master.key"), dir.join("master.key.next"));

        // Crashed before the commit: a staged key that wraps nothing is forgotten.
        std::fs::write(&next, "ab".repeat(32)).unwrap();
        assert_eq!(download(&svc, &sato, m.id).await.unwrap(), DESIGN.as_bytes());
        svc.rotate_vault_key(&op).await.unwrap();
        assert!(!next.exists());
        assert_eq!(download(&svc, &sato, m.id).await.unwrap(), DESIGN.as_bytes());

        // Crashed after the commit, before the rename: the staged key opens
        // what it wraps, and the next rotation makes it current first.
        let before = std::fs::read(&key).unwrap();
        svc.rotate_vault_key(&op).await.unwrap();
        std::fs::rename(&key, &next).unwrap();
        std::fs::write(&key, &before).unwrap();
        assert_eq!(download(&svc, &sato, m.id).await.unwrap(), DESIGN.as_bytes());
        svc.rotate_vault_key(&op).await.unwrap();
        assert!(!next.exists());
        assert_eq!(download(&svc, &sato, m.id).await.unwrap(), DESIGN.as_bytes());
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

/// A marked copy names its recipient; a fragment pasted out of it leads
/// `trace_copy` back to the download and its ledger entry.
#[tokio::test]
async fn a_marked_copy_leads_back_to_its_recipient() {
    both(|e| async move {
        let dir = scratch();
        let svc = e.svc.clone().with_vault(vault_in(&dir));
        let (sato, id) = org(&e).await;
        let text: String = (1..=30).map(|i| format!("{i}. {DESIGN}\n")).collect();
        let out = svc.attach_and_store(&sato, id, "成形条件.txt", text.as_bytes(), false).await.unwrap();
        let m = out.materials[0].id;
        let watanabe = e.actor("watanabe").await;
        // Only admin and legal/IP name someone else as the recipient.
        assert!(matches!(svc.material_marked_copy(&watanabe, m, Some("kato")).await, Err(Error::Forbidden)));
        let copy = svc.material_marked_copy(&watanabe, m, None).await.unwrap();
        assert_eq!(copy.recipient, "watanabe");
        let marked = String::from_utf8(copy.bytes.clone()).unwrap();
        assert!(marked.starts_with("㊙ 極秘") && marked.contains(&copy.code), "{}", &marked[..200]);
        // Need-to-know holds for copies too.
        let kato = e.actor("kato").await;
        assert!(matches!(svc.material_marked_copy(&kato, m, None).await, Err(Error::NotFound)));

        // Ten lines pasted out of the middle name the copy.
        let fragment: String = marked.lines().skip(12).take(10).collect::<Vec<_>>().join("\n");
        let yamada = e.actor("yamada").await;
        let found = svc.trace_copy(&yamada, "paste.txt", fragment.into_bytes()).await.unwrap();
        assert_eq!(found.copies.len(), 1);
        let hit = &found.copies[0];
        assert_eq!(
            (hit.recipient.as_str(), hit.ledger_index, hit.code.as_str()),
            ("watanabe", copy.ledger_index, copy.code.as_str())
        );
        // Employees do not investigate; the clean original carries no mark.
        assert!(matches!(svc.trace_copy(&watanabe, "x.txt", marked.into_bytes()).await, Err(Error::Forbidden)));
        assert!(svc.trace_copy(&yamada, "clean.txt", text.into_bytes()).await.unwrap().copies.is_empty());
    })
    .await;
}

/// A stored PDF is handed out stamped on every page; the copy itself, or
/// its text copied out of a viewer, names the recipient.
#[tokio::test]
async fn a_marked_pdf_leads_back_to_its_recipient() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    let dir = scratch();
    let svc = e.svc.clone().with_vault(vault_in(&dir));
    let (sato, id) = org(&e).await;
    let original = include_bytes!("../../../maruhi-extract/tests/fixtures/sample.pdf");
    let out = svc.attach_and_store(&sato, id, "技術報告書.pdf", original, false).await.unwrap();
    let m = out.materials[0].id;
    let watanabe = e.actor("watanabe").await;
    let copy = svc.material_marked_copy(&watanabe, m, None).await.unwrap();
    assert!(copy.bytes.starts_with(b"%PDF-") && copy.bytes != original.as_slice());
    let yamada = e.actor("yamada").await;
    let found = svc.trace_copy(&yamada, "leak.pdf", copy.bytes.clone()).await.unwrap();
    assert_eq!(found.copies.len(), 1);
    assert_eq!((found.copies[0].recipient.as_str(), found.copies[0].code.as_str()), ("watanabe", copy.code.as_str()));
    // The page's text, as a viewer copies it, carries the visible number.
    let text = maruhi_extract::extract_bytes("leak.pdf", &copy.bytes, &maruhi_extract::Limits::default());
    let text: String = text.documents.iter().map(|d| d.text.as_str()).collect();
    assert!(text.contains("配合比率") && text.contains("様専用"), "{text}");
    let pasted = text.lines().filter(|l| l.contains("複製番号")).collect::<Vec<_>>().join("\n");
    let found = svc.trace_copy(&yamada, "paste.txt", pasted.into_bytes()).await.unwrap();
    assert_eq!(found.copies.len(), 1);
    // The original in the vault is unchanged.
    assert_eq!(download(&svc, &sato, m).await.unwrap(), original.as_slice());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without `--hashes-only`, the prior-use bag carries the stored originals,
/// and their hashes must be the ones the ledger registered.
#[tokio::test]
async fn a_prior_use_bag_carries_the_stored_originals() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    let dir = scratch();
    let svc = e.svc.clone().with_vault(vault_in(&dir));
    let (sato, id) = org(&e).await;
    let out = svc.attach_and_store(&sato, id, "成形条件.txt", DESIGN.as_bytes(), false).await.unwrap();
    let m = out.materials[0].id;
    svc.publish_checkpoint().await.unwrap();
    let bag = dir.join("bag");
    let options = maruhi_service::evidence::PriorUseOptions { hashes_only: false, tsa_ca: None };
    svc.prior_use_bag(&sato, id, &bag, &options).await.unwrap();
    let original = bag.join(format!("data/originals/{m}-成形条件.txt"));
    assert_eq!(std::fs::read(&original).unwrap(), DESIGN.as_bytes());
    let key = svc.ledger_public_key().unwrap();
    let report = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(report.ok(), "{:?}", report.problems);
    // The folder's originals were streamed, the zip's held in memory: the
    // same manifests and payload either way.
    let zipped = svc.prior_use_zip(&sato, id, &options).await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    for name in ["manifest-sha256.txt", "manifest-sha512.txt"] {
        let mut inner = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&format!("prior-use-{id}/{name}")).unwrap(), &mut inner)
            .unwrap();
        assert_eq!(inner, std::fs::read_to_string(bag.join(name)).unwrap(), "{name}");
        assert!(inner.contains("data/originals/"), "{inner}");
    }
    // A refused export leaves no folder behind.
    let kato = e.actor("kato").await;
    let refused = dir.join("refused");
    assert!(svc.prior_use_bag(&kato, id, &refused, &options).await.is_err());
    assert!(!refused.exists());
    // A changed original fails the manifests.
    std::fs::write(&original, "差し替え").unwrap();
    let report = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(report.problems.iter().any(|p| p.code == "MRH-BAG-002"), "{:?}", report.problems);
}
