//! The evidence ledger: every audit event is a leaf; checkpoints are signed;
//! proofs verify offline; tampering in the database is caught.

use maruhi_ledger::checkpoint::TrustPolicy;
use maruhi_ledger::note::{Ed25519Verifier, Verifier};
use maruhi_ledger::{leaf_hash, TlogProof};
use maruhi_service::model::SecretInput;
use maruhi_service::Actor;
use sqlx::Connection;

use crate::{both, Env};

async fn populate(e: &Env) {
    let op = Actor::operator();
    for i in 0..6 {
        let s = SecretInput {
            title: format!("図面{i}"),
            category: "drawing".into(),
            level: "極秘".into(),
            ..SecretInput::default()
        };
        e.svc.create_secret(&op, s).await.unwrap();
    }
    assert!(e.svc.publish_checkpoint().await.unwrap().is_some());
}

async fn sql(e: &Env, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&e.url).await.unwrap();
    for s in statements {
        sqlx::query(s).execute(&mut c).await.unwrap();
    }
}

#[tokio::test]
async fn every_event_is_a_leaf_and_proofs_verify_offline() {
    both(|e| async move {
        populate(&e).await;
        assert_eq!(e.svc.ledger_size().await.unwrap(), 6);
        assert!(e.svc.publish_checkpoint().await.unwrap().is_none(), "nothing new, nothing signed");
        let report = e.svc.verify_ledger().await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!((report.entries, report.checkpoints), (6, 1));

        let entry = e.svc.ledger_entry(2).await.unwrap();
        assert!(entry.entry.starts_with("maruhi audit entry v1\n"));
        assert!(!entry.entry.contains("operator"), "personal details stay out of the leaf");
        assert_eq!(entry.personal.as_ref().unwrap()["actor"], "operator (CLI)");

        let vkey = e.svc.ledger_public_key().unwrap();
        let verifier = Ed25519Verifier::from_vkey(&vkey).unwrap();
        let policy = TrustPolicy { origin: verifier.name(), log_key: &verifier, witnesses: &[], witness_threshold: 0 };
        let text = e.svc.ledger_proof(2).await.unwrap();
        let proof = TlogProof::parse(text.as_bytes()).unwrap();
        proof.verify(&leaf_hash(entry.entry.as_bytes()), &policy).unwrap();
        assert!(proof.verify(&leaf_hash(b"forged"), &policy).is_err());

        // More events extend the log consistently.
        e.svc.change_status(&Actor::operator(), 1, "registered", "").await.unwrap();
        let cp = e.svc.publish_checkpoint().await.unwrap().unwrap();
        assert_eq!(cp.size, 7);
        assert!(e.svc.verify_ledger().await.unwrap().ok());
    })
    .await;
}

async fn tampered(statements: &[&str], expect: &str) {
    let expect = expect.to_owned();
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    both(move |e| {
        let (statements, expect) = (statements.clone(), expect.clone());
        async move {
            populate(&e).await;
            let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
            sql(&e, &refs).await;
            let report = e.svc.verify_ledger().await.unwrap();
            assert!(
                report.problems.iter().any(|p| p.message.contains(&expect)),
                "want {expect:?} in {:?}",
                report.problems
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_edited_event_is_caught_at_its_index() {
    tampered(&["UPDATE audit_events SET object_id = '99' WHERE ledger_index = 2"], "entry 2: content does not match")
        .await;
}

#[tokio::test]
async fn edited_personal_details_are_caught() {
    tampered(
        &["UPDATE audit_events SET actor_name = 'someone else' WHERE ledger_index = 4"],
        "entry 4: personal details were altered",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_event_is_caught() {
    tampered(&["DELETE FROM audit_events WHERE ledger_index = 3"], "entry 3: missing").await;
}

#[tokio::test]
async fn reordered_events_are_caught() {
    tampered(
        &[
            "UPDATE audit_events SET ledger_index = -1 WHERE ledger_index = 1",
            "UPDATE audit_events SET ledger_index = 1 WHERE ledger_index = 2",
            "UPDATE audit_events SET ledger_index = 2 WHERE ledger_index = -1",
        ],
        "entry 1: content does not match",
    )
    .await;
}

#[tokio::test]
async fn a_truncated_log_is_caught() {
    tampered(
        &["DELETE FROM audit_events WHERE ledger_index >= 4", "DELETE FROM ledger_nodes WHERE idx >= 2"],
        "checkpoint of size 6 was signed but the log now has only 4 entries",
    )
    .await;
}

/// Proofs and tiles are served from the stored tree nodes: a node deleted
/// or changed at any level is caught, not only the leaves.
#[tokio::test]
async fn deleted_or_changed_tree_nodes_are_caught_at_every_level() {
    tampered(&["DELETE FROM ledger_nodes WHERE level = 1 AND idx = 1"], "tree node 1/1: missing").await;
    tampered(&["DELETE FROM ledger_nodes WHERE level = 0 AND idx = 5"], "entry 5: its leaf is missing").await;
    tampered(&["DELETE FROM ledger_nodes WHERE level = 2"], "tree node 2/0: missing").await;
    tampered(
        &["UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE level = 0 AND idx = 0) WHERE level = 1 AND idx = 2"],
        "tree node 1/2: does not match the entries below it",
    )
    .await;
}

#[tokio::test]
async fn an_event_inserted_behind_the_ledgers_back_is_caught() {
    tampered(
        &["INSERT INTO audit_events (occurred_at, actor_name, action, object_type, summary) \
           VALUES ('2026-11-20T01:00:00Z', 'x', 'secret.view', 'secret', '{}')"],
        "is not in the ledger",
    )
    .await;
}

#[tokio::test]
async fn batched_appends_build_the_same_tree() {
    both(|e| async move {
        populate(&e).await;
        let op = Actor::operator();
        let ids: Vec<String> = (0..700).map(|i| format!("f{i}")).collect();
        let events: Vec<_> = ids
            .iter()
            .map(|id| {
                maruhi_service::audit::Event::new(&op, maruhi_service::audit::AuditAction::ScanFinding, "file", id)
            })
            .collect();
        assert_eq!(e.svc.record_events(&events).await.unwrap(), 6);
        e.svc
            .create_secret(
                &op,
                SecretInput { title: "後".into(), category: "mold".into(), level: "秘".into(), ..Default::default() },
            )
            .await
            .unwrap();
        assert_eq!(e.svc.publish_checkpoint().await.unwrap().unwrap().size, 707);
        let report = e.svc.verify_ledger().await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let entry = e.svc.ledger_entry(500).await.unwrap();
        assert_eq!(entry.object_id.as_deref(), Some("f494"));
        let verifier = Ed25519Verifier::from_vkey(&e.svc.ledger_public_key().unwrap()).unwrap();
        let policy = TrustPolicy { origin: verifier.name(), log_key: &verifier, witnesses: &[], witness_threshold: 0 };
        let proof = TlogProof::parse(e.svc.ledger_proof(500).await.unwrap().as_bytes()).unwrap();
        proof.verify(&leaf_hash(entry.entry.as_bytes()), &policy).unwrap();
    })
    .await;
}

#[tokio::test]
async fn erasing_personal_details_keeps_every_proof_valid() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let sato = e.actor("sato").await;
        let s =
            SecretInput { title: "金型".into(), category: "mold".into(), level: "秘".into(), ..Default::default() };
        let created = e.svc.create_secret(&sato, s).await.unwrap();
        e.svc.publish_checkpoint().await.unwrap();
        let index = e.svc.history(&Actor::operator(), created.id).await.unwrap()[0].ledger_index.unwrap();
        let before = e.svc.ledger_entry(index).await.unwrap();
        assert_eq!(before.personal.as_ref().unwrap()["actor"], "sato");

        let n = e.svc.erase_personal_data(&Actor::operator(), "sato").await.unwrap();
        assert!(n >= 3, "the account's creation, the login and the registration: {n}");
        let about_sato = e.svc.audit_log(&Actor::operator(), Some("user.create"), 1, 10).await.unwrap();
        assert_eq!(about_sato.items[0].summary, serde_json::json!({}), "events about the user are erased too");
        let after = e.svc.ledger_entry(index).await.unwrap();
        assert!(after.personal.is_none());
        assert_eq!(after.entry, before.entry, "the leaf is unchanged");
        e.svc.publish_checkpoint().await.unwrap();
        let report = e.svc.verify_ledger().await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let verifier = Ed25519Verifier::from_vkey(&e.svc.ledger_public_key().unwrap()).unwrap();
        let policy = TrustPolicy { origin: verifier.name(), log_key: &verifier, witnesses: &[], witness_threshold: 0 };
        let proof = TlogProof::parse(e.svc.ledger_proof(index).await.unwrap().as_bytes()).unwrap();
        proof.verify(&leaf_hash(after.entry.as_bytes()), &policy).unwrap();
        assert!(matches!(e.svc.erase_personal_data(&sato, "sato").await, Err(maruhi_service::Error::Forbidden)));
    })
    .await;
}

/// A real RFC 3161 TSA (OpenSSL's `ts -reply`) dates a checkpoint; the proof
/// of an entry below it is made against that checkpoint.
#[tokio::test]
async fn a_time_stamp_dates_every_entry_below_its_checkpoint() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    populate(&e).await;
    let (size, imprint) = e.svc.checkpoint_to_timestamp().await.unwrap().expect("an unstamped checkpoint");
    let dir = std::env::temp_dir().join(format!("maruhi-svc-tsa-{}", std::process::id()));
    let tsa =
        maruhi_timestamp::testing::TestTsa::create(&dir, &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
            .unwrap();
    let response = tsa.reply(&maruhi_timestamp::request(&imprint, 1).unwrap()).unwrap();
    let token = maruhi_timestamp::token_from_response(&response).unwrap();
    let ca = tsa.ca_der().unwrap();

    // A token over something else is refused and nothing is stored.
    assert!(e.svc.store_timestamp(size, &[0x30, 0x00], std::slice::from_ref(&ca)).await.is_err());
    let stamp = e.svc.store_timestamp(size, &token, std::slice::from_ref(&ca)).await.unwrap();
    assert_eq!(stamp.tsa, "CN=Test TSA");
    assert!(e.svc.checkpoint_to_timestamp().await.unwrap().is_none(), "already stamped");
    let status = e.svc.ledger_status().await.unwrap();
    assert_eq!(status.anchor.as_ref().map(|a| a.0), Some(size));

    // Later checkpoints do not change which checkpoint dates entry 2.
    e.svc.change_status(&Actor::operator(), 1, "registered", "").await.unwrap();
    e.svc.publish_checkpoint().await.unwrap();
    let (stamped_size, stored) = e.svc.timestamp_token_for(2).await.unwrap().unwrap();
    assert_eq!((stamped_size, &stored), (size, &token));
    let proof = TlogProof::parse(e.svc.ledger_proof(2).await.unwrap().as_bytes()).unwrap();
    assert_eq!(proof.checkpoint().size() as i64, size);
    let imprint = maruhi_service::ledger::checkpoint_imprint(proof.note().text());
    maruhi_timestamp::verify_token(&stored, &imprint, &[ca]).unwrap();
}

/// A prior-use bag proves, offline, that a material's file existed no later
/// than a time stamp; any changed byte makes it fail.
#[tokio::test]
async fn a_prior_use_bag_verifies_offline_and_fails_on_any_change() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    let op = Actor::operator();
    let s = e
        .svc
        .create_secret(
            &op,
            SecretInput {
                title: "焼結条件".into(),
                category: "process".into(),
                level: "極秘".into(),
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
    let file = "焼結温度 1,180℃、保持時間 45 分、窒素雰囲気。冷却は炉冷で 300℃ まで。".repeat(4);
    e.svc.attach_material(&op, s.id, "条件.txt", file.as_bytes(), false).await.unwrap();
    e.svc.publish_checkpoint().await.unwrap();
    let dir = std::env::temp_dir().join(format!("maruhi-svc-bag-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tsa = maruhi_timestamp::testing::TestTsa::create(
        &dir.join("tsa"),
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )
    .unwrap();
    let (size, imprint) = e.svc.checkpoint_to_timestamp().await.unwrap().expect("a checkpoint to stamp");
    let token =
        maruhi_timestamp::token_from_response(&tsa.reply(&maruhi_timestamp::request(&imprint, 7).unwrap()).unwrap())
            .unwrap();
    let ca = tsa.ca_der().unwrap();
    e.svc.store_timestamp(size, &token, std::slice::from_ref(&ca)).await.unwrap();
    // Renewal (RFC 4998's idea): due when the certificate expires within the
    // horizon; the new token dates the old one; then nothing is due.
    let anchors = std::slice::from_ref(&ca);
    let far = std::time::Duration::from_secs(100 * 365 * 86_400);
    let due = e.svc.renewals_due(far, anchors).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(e.svc.store_renewal(&due[0], &token, anchors).await.is_err(), "a token over something else");
    let renewal = tsa.reply(&maruhi_timestamp::request(&due[0].imprint, 8).unwrap()).unwrap();
    let renewal = maruhi_timestamp::token_from_response(&renewal).unwrap();
    e.svc.store_renewal(&due[0], &renewal, anchors).await.unwrap();
    assert!(e.svc.renewals_due(std::time::Duration::ZERO, anchors).await.unwrap().is_empty());
    assert_eq!(e.svc.renewals_due(far, anchors).await.unwrap()[0].seq, 2, "the chain grows by one");

    let bag = dir.join("bag");
    let options = maruhi_service::evidence::PriorUseOptions { hashes_only: true, tsa_ca: Some(ca.clone()) };
    let written = e.svc.prior_use_bag(&op, s.id, &bag, &options).await.unwrap();
    assert_eq!((written.materials, written.timestamps), (1, 1));
    assert!(e.svc.prior_use_bag(&op, s.id, &bag, &options).await.is_err(), "an existing bag is never overwritten");
    let key = e.svc.ledger_public_key().unwrap();
    let report = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(report.ok(), "{:?}", report.problems);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file.as_bytes()));
    assert_eq!(report.materials.len(), 1);
    assert_eq!(report.materials[0].0, sha);
    assert!(report.materials[0].1.is_some(), "dated by the time stamp");
    assert!(bag.join(format!("evidence/timestamps/{size:08}.renewal-1.tst")).exists());
    // The download is the same bag, zipped under one folder.
    let zipped = e.svc.prior_use_zip(&op, s.id, &options).await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    let mut bagit = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&format!("prior-use-{}/bagit.txt", s.id)).unwrap(), &mut bagit)
        .unwrap();
    assert!(bagit.starts_with("BagIt-Version: 1.0\n"));

    // Another log's key, a changed payload byte, a changed token: each fails.
    let other = maruhi_service::ledger::new_log_key("maruhi/other").unwrap();
    let other = maruhi_ledger::note::Ed25519Signer::from_key_string(&other).unwrap().verifier().vkey();
    let codes = |r: &maruhi_service::evidence::BagReport| r.problems.iter().map(|p| p.code).collect::<Vec<_>>();
    assert!(codes(&maruhi_service::evidence::verify_bag(&bag, Some(&other), None)).contains(&"MRH-BAG-004"));
    let flip = |path: &std::path::Path| {
        let mut b = std::fs::read(path).unwrap();
        let last = b.len() - 2;
        b[last] ^= 1;
        std::fs::write(path, b).unwrap();
    };
    let tst = std::fs::read_dir(bag.join("evidence/entries"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tlog-proof"))
        .unwrap();
    flip(&tst);
    let r = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(codes(&r).contains(&"MRH-BAG-003"), "{:?}", r.problems);
    flip(&tst);
    flip(&bag.join("data/materials.txt"));
    let r = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert!(codes(&r).contains(&"MRH-BAG-002"), "{:?}", r.problems);
    flip(&bag.join("data/materials.txt"));

    // A forger who also rewrites the manifests is caught by the proofs:
    // another file hash in an opening no longer matches its commitment.
    let opening = std::fs::read_dir(bag.join("evidence/entries"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("file_sha256")))
        .unwrap();
    let forged = std::fs::read_to_string(&opening).unwrap().replace(&sha, &"0".repeat(64));
    std::fs::write(&opening, forged).unwrap();
    let tags: String = std::fs::read_to_string(bag.join("tagmanifest-sha256.txt"))
        .unwrap()
        .lines()
        .map(|line| {
            let path = line.split_once("  ").unwrap().1;
            let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(bag.join(path)).unwrap()));
            format!("{digest}  {path}\n")
        })
        .collect();
    std::fs::write(bag.join("tagmanifest-sha256.txt"), tags).unwrap();
    let r = maruhi_service::evidence::verify_bag(&bag, Some(&key), None);
    assert_eq!(codes(&r), ["MRH-BAG-005", "MRH-BAG-007"], "{:?}", r.problems);
    let _ = std::fs::remove_dir_all(&dir);
}
