//! Sample data of a manufacturing company, for `maruhi demo` and for tests
//! that want a realistic register.

use crate::admin::UserInput;
use crate::model::{LegalNotes, SecretInput};
use crate::{Actor, Result, Service};

/// How many people the demo's activity logs cover.
pub const DEMO_ACTIVITY_USERS: usize = 60;

/// The password every demo user gets.
pub const DEMO_PASSWORD: &str = "maruhi-demo-2026";

/// (user name, display name, department, role)
pub const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("admin", "システム管理者", "情報システム部", "admin"),
    ("yamada", "山田 花子", "知的財産部", "legal"),
    ("sato", "佐藤 健一", "設計部", "manager"),
    ("suzuki", "鈴木 一郎", "製造部", "manager"),
    ("takahashi", "高橋 美咲", "営業部", "manager"),
    ("tanaka", "田中 翔", "情報セキュリティ室", "analyst"),
    ("ito", "伊藤 誠", "内部監査室", "auditor"),
    ("watanabe", "渡辺 直樹", "設計部", "employee"),
    ("nakamura", "中村 彩", "設計部", "employee"),
    ("kobayashi", "小林 大輔", "製造部", "employee"),
    ("kato", "加藤 由美", "営業部", "employee"),
    ("yoshida", "吉田 拓也", "研究開発部", "employee"),
];

/// (group, description, members)
const DEMO_GROUPS: &[(&str, &str, &[&str])] = &[
    ("設計部", "設計部の全員", &["sato", "watanabe", "nakamura"]),
    ("製造部", "製造部の全員", &["suzuki", "kobayashi"]),
    ("営業部", "営業部の全員", &["takahashi", "kato"]),
    ("研究開発部", "研究開発部の全員", &["yoshida", "sato"]),
];

struct DemoSecret {
    title: &'static str,
    summary: &'static str,
    category: &'static str,
    level: &'static str,
    department: &'static str,
    manager: &'static str,
    review: &'static str,
    locations: &'static [&'static str],
    marks: &'static [&'static str],
    agreements: &'static [&'static str],
    tags: &'static [&'static str],
    grants: &'static [&'static str],
    registered: bool,
}

const DEMO_SECRETS: &[DemoSecret] = &[
    DemoSecret {
        title: "次世代減速機 MX-7 組立図一式",
        summary: "MX-7 減速機の全体組立図と部品図（2026年度量産予定）",
        category: "drawing",
        level: "極秘",
        department: "設計部",
        manager: "sato",
        review: "2026-12-10",
        locations: &["\\\\fs01\\設計\\MX-7\\図面", "設計部 施錠キャビネット B-3"],
        marks: &["㊙ スタンプ", "ファイル名接頭辞「【極秘】」", "図面枠に社外秘表示"],
        agreements: &["NDA-2025-014（共同開発先 東邦精機）"],
        tags: &["MX-7", "減速機", "量産"],
        grants: &["group:設計部"],
        registered: true,
    },
    DemoSecret {
        title: "アルミダイカスト鋳造条件表",
        summary: "ライン3のダイカスト鋳造条件（温度・射出速度・保圧）",
        category: "process",
        level: "極秘",
        department: "製造部",
        manager: "suzuki",
        review: "2027-03-31",
        locations: &["製造実行システム MES レシピ DB", "工場事務所 金庫"],
        marks: &["㊙ スタンプ", "ヘッダー「極秘・持出禁止」"],
        agreements: &[],
        tags: &["ダイカスト", "ライン3"],
        grants: &["group:製造部"],
        registered: true,
    },
    DemoSecret {
        title: "精密プレス金型 P-220",
        summary: "P-220 順送金型（実物）と金型設計データ",
        category: "mold",
        level: "秘",
        department: "製造部",
        manager: "suzuki",
        review: "2026-12-01",
        locations: &["第2工場 金型保管庫 棚12", "\\\\fs01\\製造\\金型\\P-220"],
        marks: &["金型本体に刻印「㊙」", "保管庫入口に関係者以外立入禁止表示"],
        agreements: &["NDA-2024-031（金型メーカー 大和金型）"],
        tags: &["金型", "プレス"],
        grants: &["group:製造部", "sato"],
        registered: true,
    },
    DemoSecret {
        title: "モーター制御ファームウェア ソースコード",
        summary: "インバータ制御ファームウェア v4 系のソースコードリポジトリ",
        category: "source_code",
        level: "極秘",
        department: "研究開発部",
        manager: "sato",
        review: "2027-01-15",
        locations: &["社内 Git サーバ firmware/inverter-v4"],
        marks: &["各ファイル先頭のライセンスヘッダーに機密表示", "リポジトリ README に取扱注意"],
        agreements: &[],
        tags: &["ファームウェア", "インバータ"],
        grants: &["group:研究開発部", "watanabe"],
        registered: true,
    },
    DemoSecret {
        title: "新素材 耐熱樹脂 配合試験データ",
        summary: "耐熱樹脂 HR-9 の配合比と耐熱試験の結果（2025〜2026年）",
        category: "experiment_data",
        level: "極秘",
        department: "研究開発部",
        manager: "sato",
        review: "2026-12-20",
        locations: &["研究所 実験ノート No.45〜52", "\\\\fs02\\研究\\HR-9"],
        marks: &["実験ノート表紙に ㊙ 表示"],
        agreements: &["共同研究契約 JR-2025-003（国立大学法人）"],
        tags: &["HR-9", "樹脂"],
        grants: &["group:研究開発部"],
        registered: true,
    },
    DemoSecret {
        title: "主要顧客リストと取引条件",
        summary: "上位 200 社の顧客名・担当者・取引条件・値引率",
        category: "customer",
        level: "秘",
        department: "営業部",
        manager: "takahashi",
        review: "2026-12-05",
        locations: &["CRM システム 顧客マスタ", "営業部 共有フォルダ 顧客\\重要顧客.xlsx"],
        marks: &["Excel ヘッダー・フッターに「秘」", "CRM 画面に機密表示"],
        agreements: &[],
        tags: &["顧客", "CRM"],
        grants: &["group:営業部"],
        registered: true,
    },
    DemoSecret {
        title: "2027年度 価格改定計画",
        summary: "主要製品の価格改定方針（公表前）",
        category: "sales",
        level: "極秘",
        department: "営業部",
        manager: "takahashi",
        review: "2027-02-28",
        locations: &["経営会議資料 2026-10"],
        marks: &["資料表紙に ㊙", "透かし「極秘」"],
        agreements: &[],
        tags: &["価格", "経営会議"],
        grants: &["takahashi"],
        registered: false,
    },
    DemoSecret {
        title: "部品仕入先別 調達単価一覧",
        summary: "主要部品 1,200 点の仕入先別単価",
        category: "supplier",
        level: "社外秘",
        department: "製造部",
        manager: "suzuki",
        review: "2027-06-30",
        locations: &["購買システム 単価マスタ"],
        marks: &["帳票フッターに社外秘表示"],
        agreements: &[],
        tags: &["購買", "単価"],
        grants: &["group:製造部", "group:営業部"],
        registered: true,
    },
    DemoSecret {
        title: "中期経営計画 2027-2029（取締役会資料）",
        summary: "M&A 候補と設備投資計画を含む中期計画",
        category: "finance",
        level: "極秘",
        department: "経営企画部",
        manager: "yamada",
        review: "2026-11-30",
        locations: &["取締役会事務局 金庫", "経営企画部 暗号化フォルダ"],
        marks: &["表紙に ㊙", "各ページにシリアル番号"],
        agreements: &["秘密保持契約 FA-2026-001（財務アドバイザー）"],
        tags: &["中期計画", "取締役会"],
        grants: &[],
        registered: true,
    },
];

/// Loads the demo company into an empty installation. Returns false (and
/// changes nothing) when users other than the first admin already exist.
pub async fn load(svc: &Service) -> Result<bool> {
    let op = Actor::operator();
    let existing = match svc.list_users(&op).await {
        Ok(users) => users,
        Err(e) => return Err(e),
    };
    if existing.len() > 1 {
        return Ok(false);
    }
    for (username, display, dept, role) in DEMO_USERS {
        if existing.iter().any(|u| u.username == *username) {
            continue;
        }
        svc.create_user(
            &op,
            UserInput {
                username: (*username).to_owned(),
                display_name: (*display).to_owned(),
                email: format!("{username}@example.co.jp"),
                department: (*dept).to_owned(),
                role: (*role).to_owned(),
                password: Some(DEMO_PASSWORD.to_owned()),
            },
        )
        .await?;
    }
    for (name, desc, members) in DEMO_GROUPS {
        svc.create_group(&op, name, desc).await?;
        for m in *members {
            svc.set_membership(&op, name, m, true).await?;
        }
    }
    for d in DEMO_SECRETS {
        let s = svc
            .create_secret(
                &op,
                SecretInput {
                    title: d.title.to_owned(),
                    summary: d.summary.to_owned(),
                    category: d.category.to_owned(),
                    level: d.level.to_owned(),
                    department: d.department.to_owned(),
                    manager: Some(d.manager.to_owned()),
                    review_date: Some(d.review.to_owned()),
                    locations: d.locations.iter().map(|s| s.to_string()).collect(),
                    marks: d.marks.iter().map(|s| s.to_string()).collect(),
                    agreements: d.agreements.iter().map(|s| s.to_string()).collect(),
                    tags: d.tags.iter().map(|s| s.to_string()).collect(),
                    notes: LegalNotes {
                        usefulness: "製品の競争力の源泉であり、事業活動に有用な技術上・営業上の情報。".to_owned(),
                        non_public: "社外に公開しておらず、刊行物・特許公報にも記載がない。".to_owned(),
                        secrecy_management: "台帳登録、秘密表示、アクセス権限の限定、誓約書の取得により管理している。"
                            .to_owned(),
                    },
                    handling_rules: "1. 社外への持ち出し・送信を禁止する。\n2. 閲覧は業務上必要な範囲に限る。\n3. 複製・印刷は管理責任者の承認を得る。\n4. 退職時は一切の資料を返却し、退職後も秘密を保持する。".to_owned(),
                    grants: d.grants.iter().map(|s| s.to_string()).collect(),
                    status: Some(if d.registered { "registered" } else { "draft" }.to_owned()),
                    revision: None,
                },
            )
            .await?;
        // Sample material, so the scanner has something to find (only when
        // the installation key is configured, as `maruhi demo` does).
        if let (Some((name, text)), Ok(_)) =
            (DEMO_MATERIAL.iter().find(|m| m.0 == d.title).map(|m| (m.1, m.2)), svc.fingerprinter())
        {
            svc.attach_material(&op, s.id, name, text.as_bytes(), true).await?;
        }
    }
    load_activity(svc, &op).await?;
    Ok(true)
}

/// A month of activity logs of the company's factory and offices, with a
/// few insiders among its people (maruhi-synth), their HR dates and the
/// competitors' domains, analysed so the risk pages have something to show.
async fn load_activity(svc: &Service, op: &Actor) -> Result<()> {
    let config = maruhi_synth::Config {
        seed: 2026,
        users: DEMO_ACTIVITY_USERS,
        start: time::macros::date!(2026 - 10 - 19),
        months: 1,
        ..maruhi_synth::Config::default()
    };
    let Ok(org) = maruhi_synth::generate(&config) else { return Ok(()) };
    let mut jsonl = Vec::new();
    let mut hr = Vec::new();
    for (_, events) in org.days() {
        // Writing into memory cannot fail.
        let _ = maruhi_synth::write_jsonl(&mut jsonl, &events);
    }
    let _ = org.write_hr_csv(&mut hr);
    for d in org.company_domains.iter().chain(&org.sanctioned_domains) {
        svc.set_risk_domain(op, d, "company").await?;
    }
    for d in &org.competitor_domains {
        svc.set_risk_domain(op, d, "competitor").await?;
    }
    let options = crate::ingest::EventOptions::default();
    let format = crate::ingest::Format::Jsonl;
    svc.import_events(op, "demo-endpoint-agent", format, std::io::Cursor::new(jsonl), &options, |_| {}).await?;
    svc.import_hr(op, std::io::Cursor::new(hr)).await?;
    svc.analyse_risk(op).await?;
    Ok(())
}

/// (secret title, file name, text): material of the demo secrets.
const DEMO_MATERIAL: &[(&str, &str, &str)] = &[
    (
        "アルミダイカスト鋳造条件表",
        "ライン3_鋳造条件_rev12.txt",
        "ライン3 アルミダイカスト鋳造条件（ADC12、型番 MX7-H01）\n\
         溶湯温度は六百七十度±五度に管理し、ラドル投入前に脱ガス処理を十分に行う。\n\
         射出は低速〇・二五メートル毎秒から高速三・八メートル毎秒へ切り替え、切替位置はスリーブ充填率五十五パーセントとする。\n\
         鋳造圧力は八十メガパスカル、増圧遅れ時間は三十ミリ秒とし、金型温度は固定側二百十度、可動側百九十度を目標とする。\n\
         離型剤は希釈倍率百二十倍、スプレー時間は一・八秒。サイクルタイム五十二秒で歩留まり九十六パーセントを達成した条件である。\n\
         条件変更時は試打ち二十ショットの X 線検査で巣の発生がないことを確認してから量産に戻す。",
    ),
    (
        "次世代減速機 MX-7 組立図一式",
        "MX-7_組立手順書.txt",
        "MX-7 減速機 組立手順書 第三版\n\
         一、ハウジングを治具に固定し、入力軸側の軸受をプレスで圧入する。圧入荷重は十二キロニュートン以下とする。\n\
         二、遊星キャリアに遊星歯車四個を組み付け、ピン穴のクリアランスを隙間ゲージで〇・〇二ミリ以内に確認する。\n\
         三、内歯車とのかみ合いを確認し、バックラッシを一分以内に調整する。調整シムは〇・〇五ミリ刻みで選定する。\n\
         四、出力軸のオイルシールを専用治具で挿入し、グリースを規定量四十グラム充填してからカバーを締結する。\n\
         五、ボルトは対角順に二回に分けて締め付け、最終トルクは二十五ニュートンメートルとする。",
    ),
];
