//! Sharing with a forum: the gate removes what identifies the provider,
//! nothing unapproved leaves, approval is in the ledger with the approved
//! bytes' digest, and exports pass other people's validators.

use base64::Engine as _;
use maruhi_service::cases::NewCase;
use maruhi_service::model::SecretInput;
use maruhi_service::sharing::{Count, Draft, Format, Indicator, NewDraft};
use maruhi_service::{Actor, Error};
use sha2::{Digest, Sha256};

use crate::{both, Env};

/// Every term the test's dictionary holds, as it must never leave.
const TERMS: [&str; 8] = [
    "アクメ精機",
    "Acme Seiki",
    "acme-seiki.co.jp",
    "Nightingale",
    "corp.acme.local",
    "射出成形条件表",
    "kimura",
    "203.0.113.9",
];

async fn people(e: &Env) {
    for (u, r) in [("tanaka", "analyst"), ("yamada", "legal"), ("ito", "auditor"), ("kimura", "employee")] {
        e.user(u, r).await;
    }
}

async fn dictionary(e: &Env, actor: &Actor) {
    for (kind, term) in [
        ("company", "アクメ精機"),
        ("company", "Acme Seiki"),
        ("domain", "acme-seiki.co.jp"),
        ("project", "Nightingale"),
        ("host-suffix", "corp.acme.local"),
        ("ip-range", "203.0.113.0/24"),
    ] {
        assert!(e.svc.share_dictionary_add(actor, kind, term).await.unwrap());
    }
    assert!(!e.svc.share_dictionary_add(actor, "company", "Acme Seiki").await.unwrap());
    assert!(matches!(e.svc.share_dictionary_add(actor, "colour", "x").await, Err(Error::Invalid(_))));
    // The register feeds the dictionary too.
    e.svc
        .create_secret(
            &Actor::operator(),
            SecretInput {
                title: "射出成形条件表".into(),
                category: "process".into(),
                level: "極秘".into(),
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn qp(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b' ' { char::from(b).to_string() } else { format!("={b:02X}") })
        .collect()
}

/// A draft that names the provider everywhere a mail can: headers, bodies
/// (plain, base64, quoted-printable), URLs, attachment names, subjects.
fn draft() -> Draft {
    let ind = |kind: &str, value: &str| Indicator { kind: kind.into(), value: value.into() };
    Draft {
        title: "アクメ精機を狙った Nightingale 設計情報の窃取".into(),
        tlp: "amber".into(),
        method: "取引先を装ったメールで kimura@acme-seiki.co.jp に射出成形条件表を送らせた。".into(),
        detection: "2026-11-02T09:06:00+09:00 に fs01.corp.acme.local (203.0.113.9) から 37通 の転送を検知".into(),
        countermeasures: "Acme Seiki では外部転送を承認制にした。".into(),
        text: "kimura さんの端末 10.1.2.3 を保全。".into(),
        first_seen: "2026-11-02".into(),
        last_seen: "2026年11月4日".into(),
        counts: vec![Count { label: "Nightingale 関連の受信者".into(), n: 37 }],
        indicators: vec![
            ind("sender", "billing@evil-supplier.example"),
            ind("sender", "kimura@acme-seiki.co.jp"),
            ind("domain", "evil-supplier.example"),
            ind("url", "https://wiki.acme-seiki.co.jp/Nightingale/spec?u=kimura%40acme-seiki.co.jp"),
            ind("url", "https://evil-supplier.example/login?next=%E3%82%A2%E3%82%AF%E3%83%A1%E7%B2%BE%E6%A9%9F"),
            ind("attachment", "Nightingale_射出成形条件表.zip"),
            ind("subject", &format!("=?UTF-8?B?{}?=", b64("【アクメ精機】請求書のご確認"))),
            ind("header", "Received: from mail.corp.acme.local (203.0.113.9) by mx.acme-seiki.co.jp"),
            ind("header", "To: kimura <kimura@acme-seiki.co.jp>"),
            ind("body", &b64("Acme Seiki 様\nNightingale の図面を送付ください。")),
            ind("body", &qp("アクメ精機 kimura 様 ご確認ください")),
            ind("sha256", &"AB".repeat(32)),
            ind("attack", "T1566.001"),
            ind("malware", "AgentTesla"),
        ],
        ..Draft::default()
    }
}

/// The text with every base64 and quoted-printable run decoded beside it,
/// by this test's own decoders.
fn decoded(text: &str) -> String {
    let mut out = text.to_owned();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=')) {
        let w = word.trim_end_matches('=');
        if w.len() >= 12 {
            if let Ok(b) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(w) {
                out.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    let mut bytes = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

fn assert_clean(what: &str, text: &str) {
    let all = decoded(text);
    let lower = all.to_lowercase();
    for t in TERMS {
        assert!(!lower.contains(&t.to_lowercase()), "{what}: {t} left in {text}");
    }
    assert!(!all.contains("10.1.2.3"), "{what}: internal address left");
}

#[tokio::test]
async fn the_gate_removes_what_identifies_and_only_approved_bytes_leave() {
    both(|e| async move {
        people(&e).await;
        let tanaka = e.actor("tanaka").await;
        let yamada = e.actor("yamada").await;
        dictionary(&e, &tanaka).await;
        let case = e
            .svc
            .open_case(&tanaka, NewCase { title: "アクメ精機 設計情報の窃取".into(), ..Default::default() })
            .await
            .unwrap();
        // The drafter must see the case.
        let kimura = e.actor("kimura").await;
        let from_case = NewDraft { from_case: Some(case.id), ..NewDraft::default() };
        assert!(matches!(e.svc.share_draft(&kimura, from_case.clone()).await, Err(Error::Forbidden)));
        let other = e.actor("yamada").await;
        let report = e.svc.share_draft(&tanaka, NewDraft { draft: Some(draft()), ..from_case }).await.unwrap();
        assert_eq!(report.source_case, Some(case.id));
        assert_eq!(report.title, draft().title);

        // The side-by-side: the gate's output holds none of it.
        let view = e.svc.share_report(&tanaka, report.id).await.unwrap();
        assert!(view.residuals.is_empty(), "{:?}", view.residuals);
        let gated = view.gated.clone().unwrap();
        let text = serde_json::to_string(&gated).unwrap();
        assert_clean("gated", &text);
        assert_eq!(gated.first_seen, "2026-W45");
        assert_eq!(gated.last_seen, "2026-W45");
        assert_eq!(gated.counts[0].approx, "~40");
        assert!(gated.detection.contains("約40通"), "{}", gated.detection);
        // The internal sender is dropped; the attacker's stays.
        let senders: Vec<&str> =
            gated.indicators.iter().filter(|i| i.kind == "sender").map(|i| i.value.as_str()).collect();
        assert_eq!(senders, ["billing@evil-supplier.example"]);
        // Same value, same pseudonym within the report.
        let p = gated.title.split_whitespace().find(|w| w.starts_with("PROJECT-")).unwrap().to_owned();
        assert!(gated.counts[0].label.contains(&p));
        // Every removal is shown with what it was.
        for kind in ["company", "project", "internal-address", "internal-domain", "internal-ip", "date", "encoded"] {
            assert!(view.removals.iter().any(|r| r.kind == kind), "no removal of kind {kind}");
        }

        // Not approved: nothing leaves, by any format.
        for f in [Format::Stix, Format::Misp] {
            let refused = e.svc.share_export(&tanaka, report.id, f, "cli").await;
            assert!(matches!(refused, Err(Error::Conflict(_))), "{f:?}");
        }
        assert!(e.svc.share_published().await.unwrap().is_empty());
        // Who approves: legal/IP or an administrator, never the drafter.
        assert!(matches!(e.svc.share_approve(&tanaka, report.id).await, Err(Error::Forbidden)));
        let own =
            e.svc.share_draft(&other, NewDraft { title: "自分の報告".into(), ..NewDraft::default() }).await.unwrap();
        assert!(matches!(e.svc.share_approve(&yamada, own.id).await, Err(Error::Conflict(_))));
        // Others do not learn the draft exists.
        let ito = e.actor("ito").await;
        assert!(matches!(e.svc.share_report(&ito, report.id).await, Err(Error::NotFound)));
        assert!(matches!(e.svc.share_report(&kimura, report.id).await, Err(Error::NotFound)));

        let approval = e.svc.share_approve(&yamada, report.id).await.unwrap();
        let view = e.svc.share_report(&yamada, report.id).await.unwrap();
        let body = maruhi_service::audit::canonical_json(view.approved_body.as_ref().unwrap());
        assert_eq!(approval.sha256, hex::encode(Sha256::digest(body.as_bytes())));
        let entry = e.svc.ledger_entry(approval.ledger_index).await.unwrap();
        assert_eq!(entry.action, "share.approve");
        assert_eq!(entry.personal.unwrap()["summary"]["sha256"], approval.sha256);

        let stix = e.svc.share_export(&tanaka, report.id, Format::Stix, "cli").await.unwrap();
        let misp = e.svc.share_export(&tanaka, report.id, Format::Misp, "cli").await.unwrap();
        for (name, bytes) in [("stix", &stix), ("misp", &misp)] {
            assert_clean(name, std::str::from_utf8(bytes).unwrap());
        }
        // The same approval exports to the same bytes.
        assert_eq!(stix, e.svc.share_export(&tanaka, report.id, Format::Stix, "cli").await.unwrap());
        check_stix(&stix);
        check_misp(&misp);
        assert_eq!(e.svc.share_published().await.unwrap().len(), 1);

        // A received report: kept as received, read-only.
        let received = e.svc.share_import(&tanaka, &stix, "test").await.unwrap();
        let seen = e.svc.share_report(&tanaka, received.id).await.unwrap();
        assert_eq!(seen.draft.title, view.gated.as_ref().unwrap().title);
        assert!(seen.draft.indicators.iter().any(|i| i.kind == "attack" && i.value == "T1566.001"));
        assert!(matches!(e.svc.share_approve(&yamada, received.id).await, Err(Error::Conflict(_))));
        let from_misp = e.svc.share_import(&tanaka, &misp, "test").await.unwrap();
        let seen = e.svc.share_report(&tanaka, from_misp.id).await.unwrap();
        assert!(seen.draft.indicators.iter().any(|i| i.kind == "sha256"));
        // What the MISP project's converter makes of our event is read too.
        if let Some(bundle) = misp_to_stix(&misp) {
            let converted = e.svc.share_import(&tanaka, &bundle, "misp-stix").await.unwrap();
            let seen = e.svc.share_report(&tanaka, converted.id).await.unwrap();
            assert_eq!(seen.draft.title, view.gated.as_ref().unwrap().title);
            for kind in ["sha256", "sender", "url"] {
                assert!(seen.draft.indicators.iter().any(|i| i.kind == kind), "no {kind} from misp-stix");
            }
        }

        // A term added after approval that the approved bytes contain
        // stops the export; so does any change to the draft.
        let mut changed = draft();
        changed.text = "追加の所見".into();
        let pseudo = gated.producer.clone();
        e.svc.share_dictionary_add(&yamada, "brand", &pseudo).await.unwrap();
        assert!(matches!(e.svc.share_export(&tanaka, report.id, Format::Stix, "cli").await, Err(Error::Conflict(_))));
        e.svc.share_edit(&tanaka, report.id, changed).await.unwrap();
        assert!(e.svc.share_report(&tanaka, report.id).await.unwrap().report.approved.is_none());
        assert!(matches!(e.svc.share_export(&tanaka, report.id, Format::Misp, "cli").await, Err(Error::Conflict(_))));
    })
    .await;
}

fn scratch(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("maruhi-sharing-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A program of the venv that `.ci/run` makes with the sharing tools
/// (stix2-validator, pymisp, taxii2-client, medallion): `MARUHI_SHARING_VENV`.
fn tool(name: &str) -> Option<std::path::PathBuf> {
    match std::env::var_os("MARUHI_SHARING_VENV") {
        Some(venv) => Some(std::path::PathBuf::from(venv).join("bin").join(name)),
        None => {
            eprintln!("skipping {name}: MARUHI_SHARING_VENV is not set (see .ci/run)");
            None
        }
    }
}

/// The bundle's shape, and OASIS's validator in strict mode.
fn check_stix(bytes: &[u8]) {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let types: Vec<&str> = v["objects"].as_array().unwrap().iter().map(|o| o["type"].as_str().unwrap()).collect();
    for t in [
        "marking-definition",
        "identity",
        "report",
        "attack-pattern",
        "malware",
        "indicator",
        "observed-data",
        "email-addr",
        "email-message",
        "domain-name",
        "url",
        "file",
        "course-of-action",
        "note",
    ] {
        assert!(types.contains(&t), "no {t} in the bundle");
    }
    let Some(validator) = tool("stix2_validator") else { return };
    let path = scratch("bundle.json", bytes);
    let out = std::process::Command::new(validator).arg("--strict").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !text.contains("[X]") && !text.contains("[!]"), "stix2_validator: {text}");
}

/// pymisp loads the event.
fn check_misp(bytes: &[u8]) {
    let Some(python) = tool("python") else { return };
    let path = scratch("event.json", bytes);
    let script = "import sys\nfrom pymisp import MISPEvent\ne = MISPEvent()\ne.load_file(sys.argv[1])\n\
                  assert e.info and len(e.attributes) > 5, e\n\
                  assert any(a.type == 'sha256' for a in e.attributes)\n\
                  assert any(t.name == 'tlp:amber' for t in e.tags)\nprint(e.uuid, len(e.attributes))\n";
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&path).output().unwrap();
    assert!(out.status.success(), "pymisp: {}", String::from_utf8_lossy(&out.stderr));
}

/// misp-stix (the MISP project's converter) turns our MISP event into a
/// STIX 2.1 bundle; the bundle it writes, not ours.
fn misp_to_stix(misp: &[u8]) -> Option<Vec<u8>> {
    let python = tool("python")?;
    let path = scratch("misp-stix.json", misp);
    let script = "import sys, json\nfrom misp_stix_converter import MISPtoSTIX21Parser\n\
                  p = MISPtoSTIX21Parser()\np.parse_misp_event(json.load(open(sys.argv[1])))\n\
                  print(p.bundle.serialize())\n";
    let out = std::process::Command::new(python).arg("-c").arg(script).arg(&path).output().unwrap();
    assert!(out.status.success(), "misp-stix: {}", String::from_utf8_lossy(&out.stderr));
    Some(out.stdout)
}
