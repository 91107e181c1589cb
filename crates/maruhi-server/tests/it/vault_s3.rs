//! The vault on an S3-compatible store: s3s-fs (a real S3 server over a
//! folder) started on loopback by the test, through `S3Store`'s SigV4
//! requests and multipart uploads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use maruhi_server::s3::{Credentials, S3Store};
use maruhi_service::model::SecretInput;
use maruhi_service::vault::{MasterKeyFile, ObjectStore, Vault, PART_BYTES};
use maruhi_service::{Actor, Service};
use sha2::{Digest, Sha256};

/// s3s-fs on a free loopback port, stopped when dropped.
struct S3Server {
    child: tokio::process::Child,
    port: u16,
    root: PathBuf,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn s3s_fs() -> Option<S3Server> {
    let found = std::process::Command::new("s3s-fs").arg("--help").output();
    if found.is_err() {
        eprintln!("SKIPPED: s3s-fs is not installed (cargo install s3s-fs@0.14.1 --features binary --locked)");
        return None;
    }
    let root = std::env::temp_dir().join(format!("maruhi-s3s-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("maruhi-test")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new("s3s-fs")
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", "AK", "--secret-key", "SK"])
        .arg(&root)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(S3Server { child, port, root });
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("s3s-fs did not start on port {port}");
}

fn store(port: u16, secret: &str) -> S3Store {
    let creds = Credentials { key_id: "AK".into(), secret: secret.into() };
    let url = format!("s3://maruhi-test/vault?endpoint=http://127.0.0.1:{port}");
    S3Store::from_url(&url, Some(creds)).unwrap()
}

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
async fn originals_round_trip_through_an_s3_compatible_store() {
    let Some(server) = s3s_fs().await else { return };
    let keys = server.root.with_extension("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let master = MasterKeyFile { path: keys.join("master.key"), create_if_missing: true };
    master.load_or_create().unwrap();
    let vault = Vault::new(Arc::new(store(server.port, "SK")), master);

    // Larger than two parts: a multipart upload of three parts.
    let planted = b"PLANTED-s3-7e11-UNIQUE-MARKER";
    let mut data: Vec<u8> = (0..2 * PART_BYTES + 12_345).map(|i| (i % 253) as u8).collect();
    data[PART_BYTES..PART_BYTES + planted.len()].copy_from_slice(planted);
    let stored = vault.put(&data[..]).await.unwrap();
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&data)));
    let plain = vault.open(&stored.object_key, &stored.wrapped_key, &stored.sha256, stored.size).await.unwrap();
    let mut back = Vec::new();
    vault.copy_to(plain, &mut back).await.unwrap();
    assert!(back == data, "the object comes back whole");

    // What the store holds is ciphertext.
    let mut all = Vec::new();
    files(&server.root, &mut all);
    assert!(!all.is_empty());
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.windows(planted.len()).any(|w| w == planted), "plaintext in {}", path.display());
    }

    // Through the service: attach --store, download.
    let svc = Service::open(&maruhi_store::testing::fresh_sqlite()).await.unwrap().with_installation_key([3; 32]);
    let svc = svc.with_vault(vault.clone());
    let op = Actor::operator();
    let input = SecretInput {
        title: "MX-7".into(),
        category: "process".into(),
        level: "極秘".into(),
        ..SecretInput::default()
    };
    let secret = svc.create_secret(&op, input).await.unwrap();
    let out = svc.attach_and_store(&op, secret.id, "a.txt", crate::MATERIAL.as_bytes(), true).await.unwrap();
    let original = svc.material_original(&op, out.materials[0].id).await.unwrap();
    let mut back = Vec::new();
    original.copy_to(&mut back).await.unwrap();
    assert_eq!(back, crate::MATERIAL.as_bytes());

    // Wrong credentials are refused by the store, with the vault's code.
    let wrong = store(server.port, "not-the-secret");
    let err = wrong.get(&stored.object_key).await.err().unwrap();
    assert_eq!(err.code(), "MRH-VAULT-001", "{err}");
    vault.store().delete(&stored.object_key).await.unwrap();
    assert!(vault.store().get(&stored.object_key).await.is_err());
    let _ = std::fs::remove_dir_all(&keys);
}
