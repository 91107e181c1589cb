//! Exact data match in the installation: datasets, their audit trail, and
//! rows found by scans, for those who may see them.

use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Error};

use crate::{both, Env};

const EXPORT: &str = "会員番号,氏名,フリガナ,電話番号,メールアドレス,住所,生年月日
C0001234,山田 太郎,ヤマダ タロウ,090-1234-5678,taro.yamada@example.jp,東京都千代田区丸の内1-2-3,1980-01-02
C0001235,髙橋 花子,タカハシ ハナコ,080-2345-6789,hanako@example.co.jp,東京都渋谷区神宮前四丁目5番6号,1975-07-15
";

const LEAK: &str = "お世話になっております。名簿の件です。\nC0001234\t山田太郎\t０９０－１２３４－５６７８\nC0001235\t高橋 花子\t080-2345-6789\n";

fn csv(text: &str) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(text.as_bytes().to_vec())
}

async fn org(e: &Env, dir: &std::path::Path) -> (maruhi_service::Service, Actor, i64) {
    for (u, r) in [("sato", "manager"), ("suzuki", "analyst"), ("yamada", "legal"), ("ito", "auditor")] {
        e.user(u, r).await;
    }
    let svc = e.svc.clone().with_edm_dir(dir);
    let sato = e.actor("sato").await;
    let s = svc
        .create_secret(
            &sato,
            SecretInput {
                title: "会員名簿".into(),
                category: "customer".into(),
                level: "極秘".into(),
                status: Some("registered".into()),
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
    (svc, sato, s.id)
}

fn temp(e: &Env, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("maruhi-edm-{name}-{}-{}", std::process::id(), e.url.len()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn a_dataset_is_added_found_by_scans_refreshed_and_removed() {
    both(|e| async move {
        let dir = temp(&e, "cycle");
        let (svc, sato, secret) = org(&e, &dir).await;
        let out = svc.edm_add(&sato, "会員", Some(secret), csv(EXPORT), None).await.unwrap();
        assert_eq!((out.dataset.rows, out.dataset.source_rows, out.skipped), (2, 2, 0));
        assert_eq!(out.dataset.primary, "会員番号");
        assert_eq!(out.dataset.columns.len(), 7);
        assert!(matches!(
            svc.edm_add(&sato, "会員", Some(secret), csv(EXPORT), None).await,
            Err(Error::Conflict(_))
        ));
        // Analysts may not register databases; managers only for their secrets.
        let suzuki = e.actor("suzuki").await;
        assert!(matches!(svc.edm_add(&suzuki, "x", None, csv(EXPORT), None).await, Err(Error::Forbidden)));
        assert!(matches!(svc.edm_add(&sato, "x", None, csv(EXPORT), None).await, Err(Error::Forbidden)));

        // No value of the export is in the data directory's EDM folder.
        for f in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap();
            for v in ["C0001234", "山田", "09012345678", "090-1234-5678", "taro.yamada", "千代田区", "19800102"] {
                assert!(!bytes.windows(v.len()).any(|w| w == v.as_bytes()), "{v}");
            }
        }

        // Legal scans a leaked list: two rows, recorded on the secret's history.
        let yamada = e.actor("yamada").await;
        let seen = svc.scan_upload(&yamada, "list.txt", LEAK.as_bytes().to_vec()).await.unwrap();
        assert_eq!(seen.edm.len(), 1, "{seen:?}");
        assert_eq!((seen.edm[0].rows, seen.edm[0].secret_id), (2, Some(secret)));
        assert_eq!(seen.edm[0].columns, vec!["会員番号", "氏名", "電話番号"]);
        assert!(seen.sha256.is_some());
        // The analyst does not see the secret: neither the rows nor the hash.
        let hidden = svc.scan_upload(&suzuki, "list.txt", LEAK.as_bytes().to_vec()).await.unwrap();
        assert!(hidden.edm.is_empty() && hidden.sha256.is_none(), "{hidden:?}");
        let actions: Vec<String> = svc.history(&sato, secret).await.unwrap().into_iter().map(|h| h.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "edm.add").count(), 1, "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "scan.edm").count(), 2, "{actions:?}");
        let log = svc.audit_log(&Actor::operator(), Some("scan.edm"), 1, 10).await.unwrap();
        let summary = log.items[0].summary.to_string();
        assert!(summary.contains("\"rows\":2") && !summary.contains("09012345678"), "{summary}");

        // A refresh: one row leaves, one arrives.
        let next = EXPORT.lines().filter(|l| !l.starts_with("C0001235")).collect::<Vec<_>>().join("\n")
            + "\nC0001236,佐藤 一郎,サトウ イチロウ,03-3456-7890,ichiro@example.com,大阪府大阪市北区梅田2-4-9,1990-12-31\n";
        let out = svc.edm_refresh(&sato, "会員", csv(&next)).await.unwrap();
        let d = out.delta.unwrap();
        assert_eq!((d.added, d.removed, d.unchanged), (1, 1, 1));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "the old index file is gone");
        let seen = svc.scan_upload(&yamada, "list.txt", LEAK.as_bytes().to_vec()).await.unwrap();
        assert_eq!(seen.edm[0].rows, 1);

        // Listed for the auditor (shape only), and removed.
        let ito = e.actor("ito").await;
        let list = svc.edm_list(&ito).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(svc.edm_for_secret(&sato, secret).await.unwrap().len(), 1);
        // The analyst does not see the secret, so not its dataset either.
        assert!(svc.edm_list(&suzuki).await.unwrap().is_empty());
        assert!(matches!(svc.edm_remove(&suzuki, "会員").await, Err(Error::NotFound)));
        svc.edm_remove(&sato, "会員").await.unwrap();
        assert!(svc.edm_list(&ito).await.unwrap().is_empty());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let seen = svc.scan_upload(&yamada, "list.txt", LEAK.as_bytes().to_vec()).await.unwrap();
        assert!(seen.edm.is_empty());
        std::fs::remove_dir_all(&dir).ok();
    })
    .await;
}

#[tokio::test]
async fn bad_exports_and_schemas_are_input_errors() {
    both(|e| async move {
        let dir = temp(&e, "bad");
        let (svc, sato, secret) = org(&e, &dir).await;
        let r = svc.edm_add(&sato, "a", Some(secret), csv("氏名,住所\n山田,東京都\n"), None).await;
        assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
        let r = svc.edm_add(&sato, "b", Some(secret), csv(EXPORT), Some("[rows]\n")).await;
        assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
        let schema = "primary = \"メールアドレス\"\n[columns]\n\"会員番号\" = \"free\"\n";
        let out = svc.edm_add(&sato, "c", Some(secret), csv(EXPORT), Some(schema)).await.unwrap();
        assert_eq!(out.dataset.primary, "メールアドレス");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "failed builds leave no file");
        std::fs::remove_dir_all(&dir).ok();
    })
    .await;
}
