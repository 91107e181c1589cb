use maruhi_service::model::SecretInput;
use maruhi_service::scan::MaterialCollection;
use maruhi_service::{Actor, Error};

use crate::{both, Env};

const DESIGN: &str = "射出成形条件表 MX-7\n\
    保圧は八十五メガパスカルとし、金型温度は六十度に保つ。冷却時間は二十二秒、\
    ゲートはサブマリン方式で二点とする。樹脂は乾燥機で四時間予備乾燥してから投入し、\
    初品から三十ショットは廃棄して寸法を確認すること。この条件が歩留まり九十八パーセントを支えている。";

const NDA_MATERIAL: &str = "Partner Corp. confidential: the coating line runs at 182 degrees with a dwell time \
    of 41 seconds, and the primer ratio is three parts resin to one part hardener by weight.";

/// A leak: part of the design re-typed in half width with other punctuation,
/// inside an unrelated mail.
fn leak() -> String {
    "お疲れ様です。先日の件、以下の通りです。\n\
     保圧は八十五ﾒｶﾞﾊﾟｽｶﾙとし,金型温度は六十度に保つ｡冷却時間は二十二秒,\
     ゲートはサブマリン方式で二点とする｡樹脂は乾燥機で四時間予備乾燥してから投入し､\n\
     初品から三十ショットは廃棄して寸法を確認すること｡\nよろしくお願いします。"
        .to_owned()
}

async fn org(e: &Env) -> (Actor, i64) {
    for (u, r) in
        [("sato", "manager"), ("watanabe", "employee"), ("suzuki", "analyst"), ("yamada", "legal"), ("ito", "auditor")]
    {
        e.user(u, r).await;
    }
    let sato = e.actor("sato").await;
    let s = e
        .svc
        .create_secret(
            &sato,
            SecretInput {
                title: "MX-7 成形条件".into(),
                category: "process".into(),
                level: "極秘".into(),
                grants: vec!["watanabe".into()],
                status: Some("registered".into()),
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
    (sato, s.id)
}

#[tokio::test]
async fn attached_material_is_found_in_a_reworded_leak_and_recorded() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        let out = e.svc.attach_material(&sato, id, "成形条件.txt", DESIGN.as_bytes(), true).await.unwrap();
        assert_eq!(out.materials.len(), 1);
        let m = &out.materials[0];
        assert_eq!((m.secret_id, m.text_kept, m.name.as_str()), (Some(id), true, "成形条件.txt"));
        assert!(m.fingerprints > 5, "{m:?}");
        assert_eq!(e.svc.secret_materials(&sato, id).await.unwrap(), out.materials);

        // The analyst is not on the secret's access list: the finding is
        // neither shown nor counted (a count would tell them the secret
        // exists), only that results are restricted, as for any analyst.
        let suzuki = e.actor("suzuki").await;
        let seen = e.svc.scan_upload(&suzuki, "mail.txt", leak().into_bytes()).await.unwrap();
        assert!(seen.findings.is_empty());
        assert!(seen.restricted && seen.sha256.is_none(), "{seen:?}");
        let clean =
            e.svc.scan_upload(&suzuki, "memo.txt", "来週の会議室の予約をお願いします。".repeat(20).into_bytes());
        let clean = clean.await.unwrap();
        assert!(clean.findings.is_empty() && clean.restricted, "the same answer when nothing matched: {clean:?}");
        // Legal sees it, with where it is in both documents.
        let yamada = e.actor("yamada").await;
        let seen = e.svc.scan_upload(&yamada, "mail.txt", leak().into_bytes()).await.unwrap();
        assert_eq!(seen.findings.len(), 1, "{seen:?}");
        assert!(!seen.restricted);
        let f = &seen.findings[0];
        assert_eq!((f.secret_id, f.material_id), (Some(id), Some(m.id)));
        assert!(f.matched_chars >= 40 && f.coverage > 0.2 && f.coverage < 1.0, "{f:?}");
        assert!(f.excerpt.contains("金型温度"), "{}", f.excerpt);
        // The matching passage of the material, for the side-by-side view.
        let span = f.spans.iter().max_by_key(|s| s.reference_chars[1] - s.reference_chars[0]).unwrap();
        let passage = e.svc.material_passage(&yamada, m.id, span.reference_bytes).await.unwrap().unwrap();
        assert!(passage.text.contains("金型温度"), "{}", passage.text);
        // Auditors oversee management, never content; employees cannot scan.
        let ito = e.actor("ito").await;
        assert!(matches!(e.svc.material_passage(&ito, m.id, span.reference_bytes).await, Err(Error::NotFound)));
        let watanabe = e.actor("watanabe").await;
        assert!(matches!(e.svc.scan_upload(&watanabe, "x.txt", b"x".to_vec()).await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.scan_upload(&ito, "x.txt", b"x".to_vec()).await, Err(Error::Forbidden)));
        // On the secret's history: the attachment and both findings (each
        // scan is evidence, whoever ran it).
        let actions: Vec<String> = e.svc.history(&sato, id).await.unwrap().into_iter().map(|h| h.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "material.attach").count(), 1, "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "scan.finding").count(), 2, "{actions:?}");

        // Unrelated text finds nothing.
        let clean =
            e.svc.scan_upload(&yamada, "memo.txt", "来週の会議室の予約をお願いします。".repeat(20).into_bytes());
        assert!(clean.await.unwrap().findings.is_empty());
    })
    .await;
}

#[tokio::test]
async fn who_may_attach_and_what_fails_cleanly() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        let watanabe = e.actor("watanabe").await;
        // On the access list but not the manager: may read, not attach.
        assert!(matches!(
            e.svc.attach_material(&watanabe, id, "a.txt", DESIGN.as_bytes(), true).await,
            Err(Error::Forbidden)
        ));
        let suzuki = e.actor("suzuki").await;
        assert!(matches!(
            e.svc.attach_material(&suzuki, id, "a.txt", DESIGN.as_bytes(), true).await,
            Err(Error::NotFound)
        ));
        // Too little text to fingerprint: a clear error, nothing stored.
        assert!(matches!(e.svc.attach_material(&sato, id, "short.txt", b"abc", true).await, Err(Error::Invalid(_))));
        assert!(e.svc.secret_materials(&sato, id).await.unwrap().is_empty());
        // Fingerprints only: no passage can be shown.
        let m = e.svc.attach_material(&sato, id, "a.txt", DESIGN.as_bytes(), false).await.unwrap().materials.remove(0);
        assert!(!m.text_kept);
        assert!(e.svc.material_passage(&sato, m.id, [0, 30]).await.unwrap().is_none());
        // Removed material no longer matches, and the scanner notices.
        let yamada = e.actor("yamada").await;
        assert_eq!(e.svc.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.len(), 1);
        e.svc.remove_material(&sato, m.id).await.unwrap();
        assert!(e.svc.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.is_empty());
        assert!(matches!(e.svc.remove_material(&sato, m.id).await, Err(Error::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn third_party_material_shows_contamination_and_background_never_counts() {
    both(|e| async move {
        let (_, _) = org(&e).await;
        let yamada = e.actor("yamada").await;
        let sato = e.actor("sato").await;
        assert!(matches!(
            e.svc
                .add_collection_material(
                    &sato,
                    MaterialCollection::ThirdParty,
                    "p.txt",
                    "",
                    NDA_MATERIAL.as_bytes(),
                    true
                )
                .await,
            Err(Error::Forbidden)
        ));
        let nda = e
            .svc
            .add_collection_material(
                &yamada,
                MaterialCollection::ThirdParty,
                "partner-spec.txt",
                "NDA 2026-04 Partner Corp.",
                NDA_MATERIAL.as_bytes(),
                true,
            )
            .await
            .unwrap();
        assert_eq!(nda.materials[0].note, "NDA 2026-04 Partner Corp.");
        let ours = format!("Our new line: {NDA_MATERIAL} We will start in May.");
        let seen = e.svc.scan_upload(&yamada, "plan.txt", ours.clone().into_bytes()).await.unwrap();
        assert_eq!(seen.findings.len(), 1);
        assert_eq!(seen.findings[0].collection, maruhi_scan::Collection::ThirdParty);
        // Declaring the same text boilerplate silences it.
        e.svc
            .add_collection_material(
                &yamada,
                MaterialCollection::Background,
                "public.txt",
                "",
                NDA_MATERIAL.as_bytes(),
                false,
            )
            .await
            .unwrap();
        let seen = e.svc.scan_upload(&yamada, "plan.txt", ours.into_bytes()).await.unwrap();
        assert!(seen.findings.is_empty(), "{seen:?}");
        assert_eq!(e.svc.collection_materials(&yamada, MaterialCollection::Background).await.unwrap().len(), 1);
        let ito = e.actor("ito").await;
        assert!(matches!(
            e.svc.collection_materials(&ito, MaterialCollection::ThirdParty).await,
            Err(Error::Forbidden)
        ));
    })
    .await;
}

#[tokio::test]
async fn the_index_is_stored_loaded_by_the_next_process_and_rebuilt_when_damaged() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        let dir = std::env::temp_dir().join(format!("maruhi-index-{}-{}", std::process::id(), e.url.len()));
        let _ = std::fs::remove_dir_all(&dir);
        let svc = e.svc.clone().with_index_dir(&dir);
        svc.attach_material(&sato, id, "成形条件.txt", DESIGN.as_bytes(), false).await.unwrap();
        let yamada = e.actor("yamada").await;
        assert_eq!(svc.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.len(), 1);
        let stored: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(stored.len(), 2, "{stored:?}");
        let index_file = dir.join(stored.iter().find(|n| n.ends_with(".idx")).unwrap());

        // Another process: same database and key, loads the stored index.
        let other =
            maruhi_service::Service::open(&e.url).await.unwrap().with_installation_key([9u8; 32]).with_index_dir(&dir);
        assert_eq!(other.scanner().await.unwrap().reference_count(), 1);
        assert_eq!(other.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.len(), 1);

        // A damaged file is not trusted: the index is rebuilt and stored again.
        let mut bytes = std::fs::read(&index_file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&index_file, bytes).unwrap();
        let third =
            maruhi_service::Service::open(&e.url).await.unwrap().with_installation_key([9u8; 32]).with_index_dir(&dir);
        assert_eq!(third.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.len(), 1);
        assert!(maruhi_fingerprint::ReferenceSet::from_bytes(&std::fs::read(&index_file).unwrap()).is_ok());

        // Another installation key never uses it.
        let foreign =
            maruhi_service::Service::open(&e.url).await.unwrap().with_installation_key([1u8; 32]).with_index_dir(&dir);
        assert!(foreign.scan_upload(&yamada, "m.txt", leak().into_bytes()).await.unwrap().findings.is_empty());
        std::fs::remove_dir_all(&dir).ok();
    })
    .await;
}

/// A long process description with kanji numerals, as registered material.
const PROCESS: &str = "第二工場 成形課 作業標準 MX-7 改訂三版\n\
    一、材料の準備。樹脂は除湿乾燥機で摂氏八十度、四時間予備乾燥してから投入する。乾燥後二時間を過ぎた材料は再乾燥する。\n\
    二、金型の準備。金型温度調節機を六十度に設定し、温度が安定してから十五分待つ。可動側と固定側の温度差は三度以内とする。\n\
    三、成形条件。射出速度は毎秒百二十ミリメートル、保圧は八十五メガパスカルで七秒、冷却時間は二十二秒とする。\n\
    四、初品の扱い。立ち上げから三十ショットは廃棄し、三十一ショット目から寸法を測定する。公差は零点零五ミリメートル以内。\n\
    五、記録。条件を変えたときは変更前後の値と時刻を成形日報に記入し、班長の確認を受ける。歩留まりは九十八パーセントを目標とする。";

/// The case reported from the web scan page: a copy in which kanji
/// numerals became digits found nothing there while `maruhi scan
/// --reference` reported it. The two modes fingerprint under different keys
/// (the installation's secret one, the ad hoc one); keyed winnowing selects
/// different k-grams of the short runs between numerals, and a verdict that
/// added up scattered runs depended on that choice. Passages chain across
/// the numerals, so both modes now see the same copy.
#[tokio::test]
async fn web_upload_and_ad_hoc_scan_agree_on_a_copy_with_digits() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        e.svc.attach_material(&sato, id, "作業標準.txt", PROCESS.as_bytes(), true).await.unwrap();
        let yamada = e.actor("yamada").await;

        let fp = maruhi_fingerprint::Fingerprinter::builder().key([3u8; 32]).build().unwrap();
        let mut b = maruhi_scan::Scanner::builder(fp.clone());
        b.add(
            maruhi_scan::Reference::new("作業標準.txt", maruhi_scan::Collection::Reference),
            &fp.fingerprint(PROCESS).unwrap(),
        )
        .unwrap();
        let ad_hoc = b.build().unwrap();

        let digits = PROCESS
            .replace("百二十", "120")
            .replace("九十八", "98")
            .replace("八十五", "85")
            .replace("八十", "80")
            .replace("六十", "60")
            .replace("二十二", "22")
            .replace("三十一", "31")
            .replace("三十", "30")
            .replace("十五", "15")
            .replace("零点零五", "0.05");
        let width: String = PROCESS
            .chars()
            .map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
            .collect();
        for (what, text) in [("verbatim", PROCESS.to_owned()), ("digits", digits), ("full width", width)] {
            let web = e.svc.scan_upload(&yamada, "upload.txt", text.clone().into_bytes()).await.unwrap();
            let cli = ad_hoc.scan_bytes("upload.txt", text.as_bytes());
            assert_eq!(web.findings.len(), 1, "{what}: {web:?}");
            assert_eq!(cli.findings.len(), 1, "{what}: {cli:?}");
            let (w, c) = (&web.findings[0], &cli.findings[0]);
            // The verdict is the same; how much of the text is evidenced
            // still depends on the key where changes are as dense as every
            // few words (a run between two numerals has a fingerprint by
            // chance), so coverage may differ a little.
            assert_eq!((w.reference.as_str(), w.severity), (c.reference.as_str(), c.severity), "{what}");
            assert!(w.coverage > 0.25 && c.coverage > 0.25, "{what}: {} / {}", w.coverage, c.coverage);
            assert!((w.coverage - c.coverage).abs() < 0.2, "{what}: {} / {}", w.coverage, c.coverage);
        }
    })
    .await;
}

/// Boilerplate every secret's material carries (a disclaimer) is discounted
/// without anyone curating the background collection: a leak that carries
/// it names only the secret whose own text it holds, and the finding says
/// what did not count and why.
#[tokio::test]
async fn boilerplate_common_to_many_secrets_does_not_count_and_is_explained() {
    both(|e| async move {
        let (sato, first) = org(&e).await;
        let disclaimer = "本資料は株式会社サンプル精機の社外秘情報を含みます。許可なく複製し、又は第三者に開示することを禁じます。\
                          取扱いは営業秘密管理規程第十二条に従ってください。";
        let bodies = [
            PROCESS.to_owned(),
            "塗装ラインの前処理は脱脂、水洗、化成処理の順に行い、化成皮膜の重量は一平方メートルあたり二グラムを目安とする。".repeat(3),
            "出荷検査では全数の外観を確認し、抜き取りで耐圧試験を行う。不合格品は赤札を付けて隔離し、原因を報告書に記す。".repeat(3),
            "新型モーターの巻線は二層構造とし、絶縁紙の重なりを五ミリ以上確保する。含浸ワニスは真空で二回処理する。".repeat(3),
            "購買部門は主要部品の供給元を二社以上確保し、単価の改定は四半期ごとに見直す。見積条件は社外に出さない。".repeat(3),
        ];
        let mut ids = vec![first];
        for i in 1..bodies.len() {
            let s = e
                .svc
                .create_secret(
                    &sato,
                    SecretInput {
                        title: format!("資料 {i}"),
                        category: "process".into(),
                        level: "秘".into(),
                        status: Some("registered".into()),
                        ..SecretInput::default()
                    },
                )
                .await
                .unwrap();
            ids.push(s.id);
        }
        for (id, body) in ids.iter().zip(&bodies) {
            let text = format!("{disclaimer}\n{body}\n{disclaimer}");
            e.svc.attach_material(&sato, *id, "資料.txt", text.as_bytes(), true).await.unwrap();
        }
        let yamada = e.actor("yamada").await;
        let half: String = PROCESS.chars().take(PROCESS.chars().count() / 2).collect();
        let leak = format!("転送します。\n{disclaimer}\n{half}");
        let seen = e.svc.scan_upload(&yamada, "leak.txt", leak.into_bytes()).await.unwrap();
        assert_eq!(seen.findings.len(), 1, "{seen:?}");
        let f = &seen.findings[0];
        assert_eq!(f.secret_id, Some(first));
        assert!(!f.discounted.is_empty(), "{f:?}");
        assert!(f.discounted.iter().all(|d| d.documents >= 4), "{:?}", f.discounted);
        assert!(f.discounted.iter().any(|d| disclaimer.contains(d.excerpt.trim_end_matches('…'))), "{:?}", f.discounted);
        // The disclaimer alone is nobody's secret.
        let alone = e.svc.scan_upload(&yamada, "notice.txt", disclaimer.as_bytes().to_vec()).await.unwrap();
        assert!(alone.findings.is_empty(), "{alone:?}");
    })
    .await;
}

#[tokio::test]
async fn the_investigated_do_not_see_the_investigation_in_the_history() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        e.svc.attach_material(&sato, id, "成形条件.txt", DESIGN.as_bytes(), true).await.unwrap();
        let yamada = e.actor("yamada").await;
        let seen = e.svc.scan_upload(&yamada, "watanabe-usb/押収.txt", leak().into_bytes()).await.unwrap();
        assert_eq!(seen.findings.len(), 1);
        let scans = |h: Vec<maruhi_service::model::AuditEntry>| {
            h.into_iter().filter(|x| x.action.starts_with("scan.")).collect::<Vec<_>>()
        };
        // Legal and the secret's manager see the finding and what was scanned.
        let found = scans(e.svc.history(&yamada, id).await.unwrap());
        assert_eq!(found.len(), 1);
        assert!(found[0].summary.to_string().contains("押収.txt"), "{:?}", found[0].summary);
        assert_eq!(scans(e.svc.history(&sato, id).await.unwrap()).len(), 1);
        assert_eq!(scans(e.svc.history(&Actor::operator(), id).await.unwrap()).len(), 1, "admin");
        // The employee on the access list sees the secret's history without it.
        let watanabe = e.actor("watanabe").await;
        let history = e.svc.history(&watanabe, id).await.unwrap();
        assert!(!history.is_empty(), "the rest of the history is still there");
        assert!(scans(history).is_empty());
        // ...and cannot fetch the entry's proof either; the ledger keeps it.
        let index = found[0].ledger_index.unwrap();
        e.svc.publish_checkpoint().await.unwrap();
        assert!(matches!(e.svc.ledger_proof_for(&watanabe, index).await, Err(Error::NotFound)));
        e.svc.ledger_proof_for(&sato, index).await.expect("the manager gets the proof");
        e.svc.ledger_proof_for(&yamada, index).await.expect("legal gets the proof");
        // An analyst on the access list sees the investigation.
        e.svc.grant(&sato, id, "suzuki").await.unwrap();
        let suzuki = e.actor("suzuki").await;
        assert_eq!(scans(e.svc.history(&suzuki, id).await.unwrap()).len(), 1);
    })
    .await;
}

#[tokio::test]
async fn extractions_are_capped_and_a_full_server_says_busy_at_once() {
    both(|e| async move {
        let (sato, id) = org(&e).await;
        let svc = e.svc.clone().with_max_extractions(1);
        let yamada = e.actor("yamada").await;
        let slot = svc.extraction_slot().unwrap();
        // Every slot taken: refused at once, never queued, nothing recorded.
        let before = svc.audit_log(&Actor::operator(), Some("scan."), 1, 50).await.unwrap().items.len();
        let busy = svc.scan_upload(&yamada, "mail.txt", leak().into_bytes()).await.unwrap_err();
        assert!(matches!(busy, Error::Busy), "{busy:?}");
        assert_eq!((busy.status(), busy.code(), busy.retry_after()), (503, "MRH-BUSY-001", Some(5)));
        assert!(!busy.is_server_error(), "not logged as our failure");
        assert!(matches!(svc.attach_material(&sato, id, "a.txt", DESIGN.as_bytes(), true).await, Err(Error::Busy)));
        assert!(matches!(svc.extraction_slot(), Err(Error::Busy)));
        assert!(svc.secret_materials(&sato, id).await.unwrap().is_empty());
        drop(slot);
        svc.attach_material(&sato, id, "a.txt", DESIGN.as_bytes(), true).await.expect("a slot is free again");
        assert_eq!(svc.scan_upload(&yamada, "mail.txt", leak().into_bytes()).await.unwrap().findings.len(), 1);
        let after = svc.audit_log(&Actor::operator(), Some("scan."), 1, 50).await.unwrap().items.len();
        assert_eq!(after, before + 1);
        // The slot is given back when a scan ends.
        svc.extraction_slot().expect("released");
    })
    .await;
}

/// A drawing has no text to fingerprint: registered inside a ZIP, the ZIP
/// and the drawing become materials by their exact content, and an exact
/// copy of the drawing zipped into a mail is found as "this exact file",
/// visible to whoever may see the secret, while a modified copy is not.
#[tokio::test]
async fn a_registered_drawing_is_found_as_this_exact_file_in_a_zip_in_a_mail() {
    use base64::Engine as _;
    both(|e| async move {
        let (sato, id) = org(&e).await;
        let mut dwg = b"AC1032\0\0\0\0\0\x03\x00".to_vec();
        dwg.extend((0u32..20_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        let zip_of = |name: &str, data: &[u8]| {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
            w.finish().unwrap().into_inner()
        };
        let out = e.svc.attach_material(&sato, id, "図面.zip", &zip_of("MK7-assy.dwg", &dwg), false).await.unwrap();
        let names: Vec<(&str, &str)> = out.materials.iter().map(|m| (m.name.as_str(), m.format.as_str())).collect();
        assert_eq!(names, [("図面.zip", "file"), ("図面.zip!/MK7-assy.dwg", "file")]);

        let mail = |zip: &[u8]| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(zip);
            format!(
                "From: a@example.jp\r\nTo: b@example.com\r\nSubject: fyi\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
                 --b\r\nContent-Type: application/zip; name=\"d.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
            )
            .into_bytes()
        };
        let yamada = e.actor("yamada").await;
        let seen = e.svc.scan_upload(&yamada, "out.eml", mail(&zip_of("copy.dwg", &dwg))).await.unwrap();
        assert_eq!(seen.findings.len(), 1, "{seen:?}");
        let f = &seen.findings[0];
        assert_eq!(
            (f.kind, f.path.as_str(), f.reference.as_str(), f.secret_id),
            (maruhi_scan::MatchKind::ExactFile, "out.eml!/d.zip!/copy.dwg", "図面.zip!/MK7-assy.dwg", Some(id))
        );
        let mut changed = dwg.clone();
        changed[500] ^= 0xff;
        let seen = e.svc.scan_upload(&yamada, "out.eml", mail(&zip_of("copy.dwg", &changed))).await.unwrap();
        assert!(seen.findings.is_empty(), "{seen:?}");
    })
    .await;
}
