//! Proof of 秘密管理性: the register rebuilt as it stood, a secret's
//! report whose every statement has a verifying proof, acknowledgement
//! gaps, and the PDF's Japanese read back by poppler.

use maruhi_ledger::checkpoint::TrustPolicy;
use maruhi_ledger::note::{Ed25519Verifier, Verifier};
use maruhi_ledger::{leaf_hash, TlogProof};
use maruhi_service::model::{PrincipalKind, SecretInput};
use maruhi_service::report::render;
use maruhi_service::{Actor, Error};

use crate::{both, Env};

async fn company(e: &Env) -> i64 {
    for (u, r) in
        [("sato", "manager"), ("watanabe", "employee"), ("kato", "employee"), ("ito", "auditor"), ("mori", "manager")]
    {
        e.user(u, r).await;
    }
    let op = Actor::operator();
    e.svc.create_group(&op, "設計課", "").await.unwrap();
    e.svc.set_membership(&op, "設計課", "kato", true).await.unwrap();
    let input = SecretInput {
        title: "金型図面 MX-7".into(),
        category: "drawing".into(),
        level: "極秘".into(),
        department: "設計部".into(),
        manager: Some("sato".into()),
        locations: vec!["\\\\fs01\\設計\\MX-7".into(), "設計部キャビネット B-3".into()],
        marks: vec!["㊙ 表紙スタンプ".into()],
        handling_rules: "社外持出し禁止".into(),
        grants: vec!["watanabe".into(), "group:設計課".into()],
        status: Some("registered".into()),
        ..SecretInput::default()
    };
    e.svc.create_secret(&e.actor("sato").await, input).await.unwrap().id
}

#[tokio::test]
async fn the_register_as_it_stood_matches_what_was_seen_that_day() {
    both(|e| async move {
        let id = company(&e).await;
        let op = Actor::operator();
        let watanabe = e.actor("watanabe").await;
        e.svc.acknowledge(&watanabe, id).await.unwrap();
        // A snapshot taken "that day", from the live tables.
        let then = e.svc.now();
        let seen = e.svc.get_secret(&op, id).await.unwrap();
        let mut seen_access = Vec::new();
        for g in seen.access.unwrap() {
            let name = match g.kind {
                PrincipalKind::User => e.svc.username_of(g.id).await.unwrap(),
                PrincipalKind::Group => g.name,
            };
            seen_access.push(format!("{}:{name}", g.kind.id()));
        }
        seen_access.sort();

        e.clock.advance(time::Duration::days(30));
        let sato = e.actor("sato").await;
        let watanabe_id = e.svc.user_by_name(&op, "watanabe").await.unwrap().id;
        e.svc.revoke(&sato, id, PrincipalKind::User, watanabe_id).await.unwrap();
        let mut input = SecretInput {
            title: "金型図面 MX-7".into(),
            category: "drawing".into(),
            level: "極秘".into(),
            department: "設計部".into(),
            manager: Some("sato".into()),
            locations: vec!["\\\\fs01\\設計\\MX-7".into(), "設計部キャビネット B-3".into()],
            marks: vec!["㊙ 表紙スタンプ".into()],
            handling_rules: "社外持出し禁止。複製は管理責任者の許可を得ること。".into(),
            ..SecretInput::default()
        };
        input.revision = Some(e.svc.get_secret(&op, id).await.unwrap().revision);
        e.svc.update_secret(&sato, id, input).await.unwrap();
        e.svc.acknowledge(&e.actor("kato").await, id).await.unwrap();

        let old = e.svc.register_as_of(&op, Some(then)).await.unwrap();
        let s = &old.secrets[0];
        let mut access: Vec<String> = s.access.iter().map(|p| format!("{}:{}", p.kind, p.name)).collect();
        access.sort();
        assert_eq!(access, seen_access, "access as it stood");
        assert_eq!(s.rules_version, 1);
        assert_eq!(s.record["handling_rules"], "社外持出し禁止");
        let entitled: Vec<&str> = s.entitled.iter().map(|p| p.user.as_str()).collect();
        assert_eq!(entitled, ["kato", "watanabe"], "the group expanded as it was");
        let outstanding: Vec<&str> = s.outstanding.iter().map(|p| p.user.as_str()).collect();
        assert_eq!(outstanding, ["kato"], "watanabe had acknowledged v1");

        let now = e.svc.register_as_of(&op, None).await.unwrap();
        let s = &now.secrets[0];
        assert!(s.access.iter().all(|p| p.name != "watanabe"), "revoked since");
        assert_eq!(s.rules_version, 2);
        assert!(s.outstanding.is_empty(), "kato acknowledged v2: {:?}", s.outstanding);
        let before = e.svc.register_as_of(&op, Some(then - time::Duration::days(1))).await.unwrap();
        assert!(before.secrets.is_empty(), "nothing was registered the day before");
        // The register is for those who oversee it.
        assert!(matches!(e.svc.register_as_of(&sato, None).await, Err(Error::Forbidden)));
        assert!(e.svc.register_as_of(&e.actor("ito").await, None).await.is_ok());
        let csv = String::from_utf8(maruhi_service::report::register_csv(&old).unwrap()).unwrap();
        assert!(csv.contains("金型図面 MX-7") && csv.contains("user:watanabe"), "{csv}");
    })
    .await;
}

#[tokio::test]
async fn every_statement_of_a_secret_report_has_a_proof_that_verifies() {
    both(|e| async move {
        let id = company(&e).await;
        let op = Actor::operator();
        e.svc.acknowledge(&e.actor("watanabe").await, id).await.unwrap();
        e.svc.publish_checkpoint().await.unwrap();
        let sato = e.actor("sato").await;
        let r = e.svc.secret_report(&sato, id, None).await.unwrap();
        assert!(r.dating.checkpoint_size.is_some(), "dated by a signed checkpoint");
        let kinds: Vec<&str> = r.statements.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(kinds, ["secret.create", "secret.acknowledge"]);
        let paper = r.media.iter().find(|m| m.en == "Paper").unwrap();
        assert_eq!(paper.locations, ["設計部キャビネット B-3"]);
        let electronic = r.media.iter().find(|m| m.en == "Electronic").unwrap();
        assert_eq!(electronic.locations.len(), 1);
        let verifier = Ed25519Verifier::from_vkey(&e.svc.ledger_public_key().unwrap()).unwrap();
        let policy = TrustPolicy { origin: verifier.name(), log_key: &verifier, witnesses: &[], witness_threshold: 0 };
        for s in &r.statements {
            let index = s.ledger_index.expect("every statement names its entry");
            let proof = TlogProof::parse(r.proofs[&index].as_bytes()).unwrap();
            let entry = e.svc.ledger_entry(index).await.unwrap();
            proof.verify(&leaf_hash(entry.entry.as_bytes()), &policy).unwrap();
            assert_eq!(entry.action, s.action);
        }
        // Others' secrets are not theirs to report on.
        assert!(matches!(e.svc.secret_report(&e.actor("mori").await, id, None).await, Err(Error::NotFound)));
        assert!(matches!(e.svc.secret_report(&e.actor("watanabe").await, id, None).await, Err(Error::Forbidden)));
        assert!(e.svc.secret_report(&op, id, None).await.is_ok());

        // Acknowledgement gaps: kato (through the group) has not acknowledged.
        let gaps = e.svc.acknowledgement_gaps(&sato).await.unwrap();
        assert_eq!(gaps.iter().map(|g| g.user.as_str()).collect::<Vec<_>>(), ["kato"]);
        assert!(e.svc.acknowledgement_gaps(&e.actor("mori").await).await.unwrap().is_empty(), "not mori's secret");
        e.svc.acknowledge(&e.actor("kato").await, id).await.unwrap();
        assert!(e.svc.acknowledgement_gaps(&sato).await.unwrap().is_empty());
        assert!(matches!(e.svc.acknowledgement_gaps(&e.actor("kato").await).await, Err(Error::Forbidden)));
    })
    .await;
}

/// The PDF carries its font and `pdftotext` (poppler) reads the Japanese
/// back exactly; skipped, saying so, without poppler or a Japanese font.
#[tokio::test]
async fn a_pdf_report_reads_back_in_japanese() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    let id = company(&e).await;
    let r = e.svc.secret_report(&Actor::operator(), id, None).await.unwrap();
    let pdf = match render::pdf("report", &render::secret_blocks(&r)) {
        Ok(pdf) => pdf,
        Err(Error::NotConfigured(_)) => return eprintln!("no Japanese font installed (fonts-noto-cjk): skipped"),
        Err(e) => panic!("{e}"),
    };
    let dir = std::env::temp_dir().join(format!("maruhi-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("r.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let Ok(text) = std::process::Command::new("pdftotext").arg(&file).arg("-").output() else {
        return eprintln!("pdftotext not found (poppler-utils): skipped");
    };
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in ["金型図面 MX-7", "秘密管理性の報告書", "設計部キャビネット B-3", "社外持出し禁止", "未確認"]
    {
        assert!(text.contains(expected), "{expected} not read back:\n{text}");
    }
    let fonts = std::process::Command::new("pdffonts").arg(&file).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let font_line = fonts.lines().nth(2).unwrap_or_default();
    assert!(
        font_line.contains("CID") && font_line.contains(" yes yes yes "),
        "embedded subset with ToUnicode: {fonts}"
    );
    let html = render::html("report", &render::secret_blocks(&r));
    assert!(html.contains("金型図面 MX-7") && html.contains("<h2>"));
}
