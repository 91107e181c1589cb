//! Backup and restore: one passphrase-encrypted file holds the database, the
//! keys and the vault; a restored installation verifies and serves the same
//! originals; a wrong passphrase or a damaged file restores nothing.

use std::path::PathBuf;

use maruhi_service::backup::{self, Kdf};
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Error, Installation, InstallationConfig};

const PASS: &str = "correct horse battery staple";
/// A light key derivation: the tests check the format, not Argon2's cost.
const KDF: Kdf = Kdf { memory_kib: 1024, iterations: 1, parallelism: 1 };
const PLANTED: &str = "PLANTED-backup-7e57-UNIQUE-MARKER";

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maruhi-backup-it-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(dir: PathBuf) -> InstallationConfig {
    InstallationConfig { data_dir: dir, database_url: None }
}

#[tokio::test]
async fn a_restored_installation_verifies_and_serves_the_same_originals() {
    let root = scratch("roundtrip");
    let installation = Installation::create(&config(root.join("data"))).unwrap();
    let svc = installation.open().await.unwrap();
    let op = Actor::operator();
    let input = SecretInput {
        title: "MX-7 成形条件".into(),
        category: "process".into(),
        level: "極秘".into(),
        ..SecretInput::default()
    };
    let secret = svc.create_secret(&op, input).await.unwrap();
    let text = format!("射出成形条件表 保圧は八十五メガパスカル。{PLANTED}\n").repeat(200);
    let stored = svc.attach_and_store(&op, secret.id, "spec.txt", text.as_bytes(), true).await.unwrap();
    let material = stored.materials[0].id;
    svc.publish_checkpoint().await.unwrap();

    // Too short a passphrase, and someone other than the operator: refused,
    // no file.
    let file = root.join("maruhi.mrhbak");
    assert!(matches!(svc.backup(&op, &installation, &file, "short", KDF).await, Err(Error::Invalid(_))));
    assert!(!file.exists());
    let before = svc.ledger_size().await.unwrap();
    let summary = svc.backup(&op, &installation, &file, PASS, KDF).await.unwrap();
    assert!(summary.database && summary.keys == 3 && summary.objects == 1, "{summary:?}");
    // Nothing of the content or the keys is readable in the file.
    let bytes = std::fs::read(&file).unwrap();
    let key = std::fs::read_to_string(root.join("data/keys/installation.key")).unwrap();
    for needle in [PLANTED.as_bytes(), "射出成形".as_bytes(), key.trim().as_bytes()] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }
    // The backup is one entry of the audit trail, written after its copy of
    // the database.
    assert_eq!(svc.ledger_size().await.unwrap(), before + 1);
    let trail = svc.audit_log(&op, Some("installation.backup"), 1, 10).await.unwrap();
    assert_eq!(trail.items.len(), 1);

    // A wrong passphrase restores nothing.
    let target = root.join("restored");
    let wrong = backup::restore(&file, &config(target.clone()), None, "not the passphrase").await;
    assert!(matches!(wrong, Err(Error::Conflict(maruhi_service::i18n::Msg::WrongPassphrase))), "{wrong:?}");
    assert!(!target.exists());
    // A damaged byte, or a truncated file, restores nothing.
    for damage in [0usize, 1] {
        let mut copy = bytes.clone();
        if damage == 0 {
            let at = copy.len() / 2;
            copy[at] ^= 1;
        } else {
            copy.truncate(copy.len() - 100);
        }
        let bad = root.join(format!("bad-{damage}.mrhbak"));
        std::fs::write(&bad, &copy).unwrap();
        let refused = backup::restore(&bad, &config(target.clone()), None, PASS).await;
        assert!(refused.is_err(), "damage {damage} restored");
        assert!(!target.exists(), "damage {damage} left files");
    }
    // A file that is not a backup says so.
    let refused = backup::restore(&root.join("data/keys/ledger.key"), &config(target.clone()), None, PASS).await;
    assert!(matches!(refused, Err(Error::Conflict(maruhi_service::i18n::Msg::NotABackup))), "{refused:?}");

    let restored = backup::restore(&file, &config(target.clone()), None, PASS).await.unwrap();
    assert!(restored.ledger.problems.is_empty(), "{:?}", restored.ledger.problems);
    assert!(restored.missing_objects.is_empty() && restored.objects == 1);
    // A data directory that is not empty is refused.
    assert!(backup::restore(&file, &config(target.clone()), None, PASS).await.is_err());

    let again = Installation::locate(&config(target.clone())).unwrap().open().await.unwrap();
    let entries = again.ledger_size().await.unwrap();
    assert_eq!(entries, svc.ledger_size().await.unwrap() - 1, "every entry but the backup's own");
    assert_eq!(again.get_secret(&op, secret.id).await.unwrap().title, "MX-7 成形条件");
    let mut out = Vec::new();
    again.material_original(&op, material).await.unwrap().copy_to(&mut out).await.unwrap();
    assert_eq!(out, text.as_bytes());
    again.close().await;
    svc.close().await;
    std::fs::remove_dir_all(&root).unwrap();
}

/// PostgreSQL: the database is dumped with `pg_dump` and restored with
/// `pg_restore` (README: Backup and restore); the backup carries the keys and
/// the vault, and the restored installation's ledger verifies.
#[tokio::test]
async fn on_postgresql_the_dump_and_the_backup_restore_together() {
    let Some(pg_dump) = which("pg_dump").zip(which("pg_restore")) else {
        eprintln!("skipped: pg_dump and pg_restore are not installed");
        return;
    };
    let root = scratch("postgres");
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    let source = InstallationConfig { data_dir: root.join("data"), database_url: Some(url.clone()) };
    let installation = Installation::create(&source).unwrap();
    let svc = installation.open().await.unwrap();
    let op = Actor::operator();
    let input = SecretInput {
        title: "炉の温度曲線".into(),
        category: "process".into(),
        level: "極秘".into(),
        ..SecretInput::default()
    };
    let secret = svc.create_secret(&op, input).await.unwrap();
    let text = format!("昇温は毎分五度。{PLANTED}\n").repeat(50);
    let material =
        svc.attach_and_store(&op, secret.id, "curve.txt", text.as_bytes(), false).await.unwrap().materials[0].id;
    svc.publish_checkpoint().await.unwrap();

    // 1. pg_dump, 2. maruhi backup (objects are never removed, so the
    // backup taken after the dump holds every object the dump names).
    let dump = root.join("maruhi.dump");
    let status = std::process::Command::new(&pg_dump.0)
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success());
    let file = root.join("files.mrhbak");
    let summary = svc.backup(&op, &installation, &file, PASS, KDF).await.unwrap();
    assert!(!summary.database && summary.objects == 1, "{summary:?}");
    svc.close().await;

    // Restore: a new database from the dump, then the backup beside it.
    let target_url = maruhi_store::testing::fresh_postgres().await.unwrap();
    let status = std::process::Command::new(&pg_dump.1)
        .args(["--no-owner", "--dbname", &target_url])
        .arg(&dump)
        .status()
        .unwrap();
    assert!(status.success());
    let target = InstallationConfig { data_dir: root.join("restored"), database_url: Some(target_url) };
    // Without --database-url the backup says where the database must come from.
    let lacking = backup::restore(&file, &config(root.join("lacking")), None, PASS).await;
    assert!(matches!(lacking, Err(Error::Conflict(maruhi_service::i18n::Msg::BackupNeedsDatabase))), "{lacking:?}");
    let restored = backup::restore(&file, &target, None, PASS).await.unwrap();
    assert!(restored.ledger.problems.is_empty() && restored.ledger.entries > 0, "{:?}", restored.ledger);
    assert!(restored.missing_objects.is_empty());
    let again = Installation::locate(&target).unwrap().open().await.unwrap();
    let mut out = Vec::new();
    again.material_original(&op, material).await.unwrap().copy_to(&mut out).await.unwrap();
    assert_eq!(out, text.as_bytes());
    again.close().await;
    std::fs::remove_dir_all(&root).unwrap();
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join(name)).find(|p| p.is_file())
}
