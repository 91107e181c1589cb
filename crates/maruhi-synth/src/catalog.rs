//! The fixed world of the synthetic company: 株式会社マルヒ精機, a mid-sized
//! maker of precision machinery. Its departments (with their file-server
//! folders, typical documents, web sites and working habits), registered
//! secrets, mail correspondents, web destinations and devices.
//!
//! Every domain outside the company's own is either a well-known public
//! service (search, news, job boards, transfer services, personal mail) or a
//! fictional business with `-example` in its name, so no real customer,
//! supplier or competitor is named.

/// The company's mail domain.
pub(crate) const COMPANY_DOMAIN: &str = "maruhi-example.co.jp";
/// A group company whose staff are mailed as colleagues.
pub(crate) const GROUP_DOMAIN: &str = "maruhi-tech-example.co.jp";

/// One department and the habits its people share.
pub(crate) struct DeptSpec {
    /// Japanese name, also the top folder on its file server.
    pub name: &'static str,
    /// Short English slug (SharePoint site names).
    pub site: &'static str,
    /// Relative head count.
    pub weight: f64,
    /// File server (`fs01`…).
    pub server: &'static str,
    /// Folders under `\\server\name\` that hold ordinary documents.
    pub folders: &'static [&'static str],
    /// Document stems with their extension; names get a suffix inserted.
    pub stems: &'static [&'static str],
    /// Web sites used at work besides the company-wide ones.
    pub sites: &'static [&'static str],
    /// Mean start and end of the working day, minutes after midnight.
    pub hours: (f64, f64),
    /// How busy its people are on the PC (1.0 = office worker).
    pub activity: f64,
    /// Mails per day.
    pub mails: f64,
    /// Share of mails that go outside.
    pub external: f64,
    /// Where external mail goes.
    pub partners: Partners,
    /// Prints per day.
    pub prints: f64,
    /// Share of people who regularly use removable media for their work.
    pub usb_share: f64,
    /// Title of the ordinary staff member.
    pub staff_role: &'static str,
    /// Title of contractors (派遣/委託) here, and the share of contractors.
    pub contractor_role: &'static str,
    /// Share of the department that are contractors.
    pub contractor_share: f64,
}

/// Who a department mails outside the company.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Partners {
    Customers,
    Suppliers,
    Both,
    Academia,
    Services,
}

pub(crate) const DEPTS: &[DeptSpec] = &[
    DeptSpec {
        name: "設計部",
        site: "design",
        weight: 17.0,
        server: "fs01",
        folders: &["MX-5", "KT-200", "KT-300", "標準部品", "設計基準", "BOM", "試作", "共通"],
        stems: &[
            "組立図.dwg",
            "部品図.dwg",
            "3Dモデル.step",
            "部品表.xlsx",
            "仕様書.docx",
            "強度計算書.xlsx",
            "公差解析.xlsx",
            "設計変更通知.pdf",
            "DR議事録.docx",
            "試作手配書.xlsx",
            "検図チェックリスト.xlsx",
            "部品.sldprt",
        ],
        sites: &[
            "jp.misumi-ec.com",
            "www.monotaro.com",
            "www.autodesk.co.jp",
            "www.solidworks.com",
            "www.jisc.go.jp",
            "www.keyence.co.jp",
            "tech.thk.com",
        ],
        hours: (8.0 * 60.0 + 30.0, 19.0 * 60.0),
        activity: 1.1,
        mails: 6.0,
        external: 0.15,
        partners: Partners::Both,
        prints: 1.5,
        usb_share: 0.03,
        staff_role: "設計担当",
        contractor_role: "CADオペレーター(派遣)",
        contractor_share: 0.12,
    },
    DeptSpec {
        name: "生産技術部",
        site: "seigi",
        weight: 13.0,
        server: "fs01",
        folders: &["ライン設計", "ダイカスト", "成形", "NCプログラム", "設備保全", "工程表", "治具"],
        stems: &[
            "工程設計書.xlsx",
            "設備仕様書.docx",
            "NCデータ.nc",
            "作業標準書.pdf",
            "設備点検表.xlsx",
            "タクト分析.xlsx",
            "金型図面.dwg",
            "段取り手順.pptx",
            "試打ち記録.xlsx",
        ],
        sites: &["www.monotaro.com", "jp.misumi-ec.com", "www.fanuc.co.jp", "www.jdca.gr.jp", "www.keyence.co.jp"],
        hours: (8.0 * 60.0 + 15.0, 18.0 * 60.0 + 45.0),
        activity: 0.95,
        mails: 5.0,
        external: 0.2,
        partners: Partners::Suppliers,
        prints: 1.5,
        usb_share: 0.25,
        staff_role: "生産技術担当",
        contractor_role: "設備保全(委託)",
        contractor_share: 0.05,
    },
    DeptSpec {
        name: "製造部",
        site: "seizo",
        weight: 16.0,
        server: "fs01",
        folders: &["日報", "生産計画", "作業手順", "設備記録", "改善提案"],
        stems: &[
            "生産日報.xlsx",
            "生産計画表.xlsx",
            "作業手順書.pdf",
            "設備記録.xlsx",
            "改善提案書.docx",
            "不良集計.xlsx",
        ],
        sites: &["www.monotaro.com", "www.jisha.or.jp"],
        hours: (8.0 * 60.0, 17.0 * 60.0 + 30.0),
        activity: 0.55,
        mails: 2.5,
        external: 0.03,
        partners: Partners::Suppliers,
        prints: 1.2,
        usb_share: 0.08,
        staff_role: "製造担当",
        contractor_role: "製造オペレーター(派遣)",
        contractor_share: 0.10,
    },
    DeptSpec {
        name: "品質保証部",
        site: "qa",
        weight: 8.0,
        server: "fs01",
        folders: &["検査成績書", "ISO9001", "クレーム対応", "測定データ", "監査"],
        stems: &[
            "検査成績書.xlsx",
            "測定データ.csv",
            "品質月報.pptx",
            "是正処置報告書.docx",
            "監査チェックリスト.xlsx",
            "8Dレポート.docx",
        ],
        sites: &["www.jisc.go.jp", "www.jqa.jp", "www.mitutoyo.co.jp"],
        hours: (8.0 * 60.0 + 30.0, 18.0 * 60.0 + 30.0),
        activity: 1.0,
        mails: 6.0,
        external: 0.2,
        partners: Partners::Customers,
        prints: 2.0,
        usb_share: 0.12,
        staff_role: "品質保証担当",
        contractor_role: "検査員(派遣)",
        contractor_share: 0.05,
    },
    DeptSpec {
        name: "研究開発部",
        site: "rd",
        weight: 10.0,
        server: "fs01",
        folders: &["文献", "実験ノート", "学会", "試作評価", "共通"],
        stems: &["実験計画書.docx", "実験データ.xlsx", "評価報告書.docx", "論文.pdf", "学会発表.pptx", "測定結果.csv"],
        sites: &[
            "scholar.google.co.jp",
            "www.jstage.jst.go.jp",
            "www.j-platpat.inpit.go.jp",
            "pubs.acs.org",
            "www.sciencedirect.com",
        ],
        hours: (9.0 * 60.0, 19.0 * 60.0),
        activity: 1.05,
        mails: 5.0,
        external: 0.12,
        partners: Partners::Academia,
        prints: 1.3,
        usb_share: 0.04,
        staff_role: "研究員",
        contractor_role: "研究補助(派遣)",
        contractor_share: 0.04,
    },
    DeptSpec {
        name: "営業部",
        site: "sales",
        weight: 14.0,
        server: "fs02",
        folders: &["提案書", "展示会", "受注", "議事録", "見積", "カタログ"],
        stems: &[
            "提案書.pptx",
            "見積書.xlsx",
            "受注一覧.xlsx",
            "商談議事録.docx",
            "製品カタログ.pdf",
            "訪問報告.docx",
            "売上実績.xlsx",
        ],
        sites: &["www.nikkei.com", "www.tdb.co.jp", "www.tsr-net.co.jp", "www.navitime.co.jp", "www.jorudan.co.jp"],
        hours: (8.0 * 60.0 + 45.0, 19.0 * 60.0 + 15.0),
        activity: 1.0,
        mails: 10.0,
        external: 0.45,
        partners: Partners::Customers,
        prints: 1.5,
        usb_share: 0.08,
        staff_role: "営業担当",
        contractor_role: "営業事務(派遣)",
        contractor_share: 0.10,
    },
    DeptSpec {
        name: "購買部",
        site: "purchasing",
        weight: 5.0,
        server: "fs02",
        folders: &["発注", "仕入先評価", "契約書", "納期管理"],
        stems: &["注文書.pdf", "仕入先評価表.xlsx", "取引基本契約書.pdf", "納期回答.xlsx", "相見積比較.xlsx"],
        sites: &["www.monotaro.com", "www.tdb.co.jp", "jp.misumi-ec.com"],
        hours: (8.0 * 60.0 + 30.0, 18.0 * 60.0),
        activity: 1.0,
        mails: 9.0,
        external: 0.5,
        partners: Partners::Suppliers,
        prints: 1.5,
        usb_share: 0.0,
        staff_role: "購買担当",
        contractor_role: "購買事務(派遣)",
        contractor_share: 0.06,
    },
    DeptSpec {
        name: "経営企画部",
        site: "keikaku",
        weight: 3.0,
        server: "fs02",
        folders: &["取締役会", "市場調査", "内部監査", "IR"],
        stems: &["取締役会資料.pptx", "市場動向.xlsx", "監査報告書.docx", "予実管理.xlsx", "決算説明資料.pptx"],
        sites: &["www.nikkei.com", "www.meti.go.jp", "www.jpx.co.jp", "www.boj.or.jp"],
        hours: (9.0 * 60.0, 19.0 * 60.0 + 30.0),
        activity: 1.0,
        mails: 8.0,
        external: 0.1,
        partners: Partners::Services,
        prints: 2.0,
        usb_share: 0.0,
        staff_role: "経営企画担当",
        contractor_role: "事務(派遣)",
        contractor_share: 0.0,
    },
    DeptSpec {
        name: "情報システム部",
        site: "it",
        weight: 4.0,
        server: "fs03",
        folders: &["手順書", "資産管理", "ネットワーク", "アカウント申請", "障害報告"],
        stems: &[
            "運用手順書.docx",
            "資産台帳.xlsx",
            "ネットワーク構成図.vsdx",
            "アカウント申請書.xlsx",
            "障害報告書.docx",
            "ログ.csv",
        ],
        sites: &["learn.microsoft.com", "www.ipa.go.jp", "www.jpcert.or.jp", "qiita.com", "github.com"],
        hours: (9.0 * 60.0, 18.0 * 60.0 + 30.0),
        activity: 1.15,
        mails: 7.0,
        external: 0.1,
        partners: Partners::Services,
        prints: 0.5,
        usb_share: 0.1,
        staff_role: "社内SE",
        contractor_role: "ヘルプデスク(委託)",
        contractor_share: 0.2,
    },
    DeptSpec {
        name: "人事部",
        site: "hr",
        weight: 3.0,
        server: "fs03",
        folders: &["採用", "研修", "勤怠", "規程"],
        stems: &["採用計画.xlsx", "研修資料.pptx", "勤怠集計.xlsx", "就業規則.pdf", "面接評価シート.xlsx"],
        sites: &["www.mhlw.go.jp", "www.nenkin.go.jp", "www.bizreach.jp", "doda.jp"],
        hours: (8.0 * 60.0 + 45.0, 18.0 * 60.0),
        activity: 1.0,
        mails: 7.0,
        external: 0.15,
        partners: Partners::Services,
        prints: 1.5,
        usb_share: 0.0,
        staff_role: "人事担当",
        contractor_role: "人事事務(派遣)",
        contractor_share: 0.05,
    },
    DeptSpec {
        name: "経理部",
        site: "finance",
        weight: 4.0,
        server: "fs03",
        folders: &["決算", "伝票", "予算", "固定資産", "税務"],
        stems: &["月次決算.xlsx", "仕訳伝票.pdf", "予算実績.xlsx", "固定資産台帳.xlsx", "支払一覧.xlsx"],
        sites: &["www.nta.go.jp", "www.e-tax.nta.go.jp", "www.mizuhobank.co.jp", "www.smbc.co.jp"],
        hours: (8.0 * 60.0 + 45.0, 18.0 * 60.0 + 15.0),
        activity: 1.0,
        mails: 5.0,
        external: 0.12,
        partners: Partners::Services,
        prints: 2.0,
        usb_share: 0.0,
        staff_role: "経理担当",
        contractor_role: "経理事務(派遣)",
        contractor_share: 0.08,
    },
    DeptSpec {
        name: "総務部",
        site: "soumu",
        weight: 3.0,
        server: "fs03",
        folders: &["規程", "施設", "社内報", "安全衛生"],
        stems: &["社内規程.pdf", "施設予約.xlsx", "社内報.pdf", "安全衛生委員会議事録.docx", "備品台帳.xlsx"],
        sites: &["www.jisha.or.jp", "www.askul.co.jp", "www.e-gov.go.jp"],
        hours: (8.0 * 60.0 + 30.0, 17.0 * 60.0 + 45.0),
        activity: 0.9,
        mails: 5.0,
        external: 0.1,
        partners: Partners::Services,
        prints: 1.5,
        usb_share: 0.0,
        staff_role: "総務担当",
        contractor_role: "受付(派遣)",
        contractor_share: 0.1,
    },
];

/// Index of a department in [`DEPTS`] by name.
pub(crate) fn dept_index(name: &str) -> usize {
    DEPTS.iter().position(|d| d.name == name).unwrap_or(0)
}

/// A registered secret: what the trade-secret register of the company holds.
pub(crate) struct SecretSpec {
    pub title: &'static str,
    pub dept: &'static str,
    /// Folders under `\\server\dept\` (ending without separator).
    pub folders: &'static [&'static str],
    /// Document stems with extension.
    pub stems: &'static [&'static str],
    /// Share of the department (besides managers) who need to know.
    pub ntk_share: f64,
    /// Departments that also get a few people on the list.
    pub related: &'static [&'static str],
}

pub(crate) const SECRETS: &[SecretSpec] = &[
    SecretSpec {
        title: "次世代MX-7 組立図・3Dモデル",
        dept: "設計部",
        folders: &["MX-7"],
        stems: &["組立図.dwg", "部品図.dwg", "3Dモデル.step", "アセンブリ.sldasm", "公差解析.xlsx", "設計仕様書.docx"],
        ntk_share: 0.55,
        related: &["生産技術部", "品質保証部"],
    },
    SecretSpec {
        title: "MX-7 部品表・原価積算",
        dept: "設計部",
        folders: &["BOM\\MX-7"],
        stems: &["部品表.xlsx", "原価積算.xlsx", "調達部品リスト.xlsx"],
        ntk_share: 0.3,
        related: &["購買部"],
    },
    SecretSpec {
        title: "ダイカスト条件表",
        dept: "生産技術部",
        folders: &["ダイカスト\\条件表"],
        stems: &["ダイカスト条件表.xlsx", "金型温度設定.xlsx", "射出速度プロファイル.csv", "鋳造方案.pdf"],
        ntk_share: 0.5,
        related: &["製造部", "品質保証部"],
    },
    SecretSpec {
        title: "射出成形ノウハウ集",
        dept: "生産技術部",
        folders: &["成形\\ノウハウ"],
        stems: &["成形ノウハウ.docx", "不良対策事例.xlsx", "樹脂乾燥条件.xlsx"],
        ntk_share: 0.4,
        related: &["製造部"],
    },
    SecretSpec {
        title: "第3工場 製造ラインレイアウト",
        dept: "生産技術部",
        folders: &["ライン設計\\第3工場"],
        stems: &["ラインレイアウト.dwg", "設備配置図.pdf", "タクト設計.xlsx"],
        ntk_share: 0.35,
        related: &["製造部"],
    },
    SecretSpec {
        title: "顧客データベース",
        dept: "営業部",
        folders: &["顧客リスト", "CRM出力"],
        stems: &["顧客一覧.xlsx", "取引先台帳.xlsx", "CRM_export.csv", "担当者連絡先.csv", "与信情報.xlsx"],
        ntk_share: 0.8,
        related: &[],
    },
    SecretSpec {
        title: "見積原価表",
        dept: "営業部",
        folders: &["見積\\原価"],
        stems: &["見積原価表.xlsx", "価格決定根拠.xlsx", "値引き承認.pdf"],
        ntk_share: 0.25,
        related: &["経理部"],
    },
    SecretSpec {
        title: "新素材 配合レシピ",
        dept: "研究開発部",
        folders: &["新素材\\配合"],
        stems: &["配合表.xlsx", "焼成条件.xlsx", "配合試験記録.docx", "組成分析.csv"],
        ntk_share: 0.4,
        related: &[],
    },
    SecretSpec {
        title: "全固体電池セル評価データ",
        dept: "研究開発部",
        folders: &["セル評価"],
        stems: &["セル評価データ.xlsx", "サイクル試験.csv", "評価報告書.docx", "劣化解析.pptx"],
        ntk_share: 0.45,
        related: &["品質保証部"],
    },
    SecretSpec {
        title: "出願前 発明資料",
        dept: "研究開発部",
        folders: &["発明届"],
        stems: &["発明届出書.docx", "先行技術調査.xlsx", "明細書ドラフト.docx", "図面.pdf"],
        ntk_share: 0.25,
        related: &["経営企画部"],
    },
    SecretSpec {
        title: "品質不良解析報告書",
        dept: "品質保証部",
        folders: &["不良解析"],
        stems: &["不良解析報告書.docx", "FTA.xlsx", "断面観察.pdf", "リコール判定資料.pptx"],
        ntk_share: 0.6,
        related: &["設計部"],
    },
    SecretSpec {
        title: "検査治具図面",
        dept: "品質保証部",
        folders: &["治具"],
        stems: &["検査治具図.dwg", "ゲージ仕様.xlsx", "治具3D.step"],
        ntk_share: 0.4,
        related: &["生産技術部"],
    },
    SecretSpec {
        title: "中期経営計画2027-2029",
        dept: "経営企画部",
        folders: &["中計"],
        stems: &["中期経営計画.pptx", "事業別収益計画.xlsx", "設備投資計画.xlsx"],
        ntk_share: 0.6,
        related: &["経理部"],
    },
    SecretSpec {
        title: "M&A検討資料",
        dept: "経営企画部",
        folders: &["案件"],
        stems: &["買収候補評価.pptx", "企業価値算定.xlsx", "デューデリジェンス.docx"],
        ntk_share: 0.3,
        related: &[],
    },
    SecretSpec {
        title: "仕入先単価一覧",
        dept: "購買部",
        folders: &["単価表"],
        stems: &["仕入単価一覧.xlsx", "価格改定履歴.xlsx", "購買条件.pdf"],
        ntk_share: 0.6,
        related: &["設計部"],
    },
    SecretSpec {
        title: "人事評価・給与データ",
        dept: "人事部",
        folders: &["給与", "評価"],
        stems: &["給与台帳.xlsx", "賞与査定.xlsx", "人事評価結果.xlsx", "昇格候補者.docx"],
        ntk_share: 0.5,
        related: &[],
    },
];

/// Index of the customer database in [`SECRETS`] (the Benesse-like scenario).
pub(crate) const CUSTOMER_DB: usize = 5;

/// Company-wide web sites (intranet and SaaS) with typical paths, most
/// visited first.
pub(crate) const WORK_SITES: &[(&str, &[&str])] = &[
    ("outlook.office.com", &["/mail/", "/calendar/view/week"]),
    ("teams.microsoft.com", &["/_#/conversations/{n}", "/_#/calendarv2"]),
    ("portal.maruhi-example.co.jp", &["/", "/news/{n}", "/forms/{n}", "/search?q=規程"]),
    ("maruhi.cybozu.com", &["/g/schedule/index.csp", "/g/workflow/view.csp?pid={n}", "/k/{n}/"]),
    (
        "maruhi.sharepoint.com",
        &["/sites/portal/SitePages/Home.aspx", "/sites/{site}/Shared%20Documents/Forms/AllItems.aspx"],
    ),
    ("www.google.co.jp", &["/search?q={n}"]),
    ("kintai.maruhi-example.co.jp", &["/", "/timecard", "/request/{n}"]),
    ("www.nikkei.com", &["/", "/article/DGXZQO{n}/"]),
    ("translate.google.co.jp", &["/"]),
    ("www.deepl.com", &["/translator"]),
];

/// Web sites people visit for themselves, mostly around lunch; each person
/// has favourites.
pub(crate) const LEISURE_SITES: &[(&str, &[&str])] = &[
    ("www.yahoo.co.jp", &["/"]),
    ("news.yahoo.co.jp", &["/", "/articles/{n}", "/topics/top-picks"]),
    ("www.youtube.com", &["/", "/watch?v={n}"]),
    ("www.amazon.co.jp", &["/", "/dp/B0{n}", "/gp/cart/view.html"]),
    ("x.com", &["/home", "/search?q={n}"]),
    ("www.rakuten.co.jp", &["/", "/search/mall/{n}/"]),
    ("weather.yahoo.co.jp", &["/weather/jp/13/4410.html"]),
    ("www3.nhk.or.jp", &["/news/", "/news/html/{n}.html"]),
    ("kakaku.com", &["/", "/item/K0{n}/"]),
    ("tabelog.com", &["/tokyo/A1301/A130101/{n}/"]),
    ("www.asahi.com", &["/", "/articles/ASS{n}.html"]),
    ("sports.yahoo.co.jp", &["/", "/column/detail/{n}"]),
    ("jp.mercari.com", &["/", "/item/m{n}"]),
    ("www.jalan.net", &["/", "/yad{n}/"]),
    ("cookpad.com", &["/recipe/{n}"]),
    ("www.nicovideo.jp", &["/watch/sm{n}"]),
];

/// Job boards and recruiters (転職サイト).
pub(crate) const JOB_SITES: &[(&str, &[&str])] = &[
    (
        "doda.jp",
        &[
            "/",
            "/DodaFront/View/JobSearchList/j_oc__0301M/-preBtn__1/",
            "/dodaid/mypage/",
            "/DodaFront/View/JobSearchDetail/j_jid__{n}/",
        ],
    ),
    ("www.bizreach.jp", &["/", "/job-feed/", "/scout/inbox/", "/job/{n}/"]),
    ("employment.en-japan.com", &["/", "/desc_{n}/", "/mypage/"]),
    ("tenshoku.mynavi.jp", &["/", "/jobinfo-{n}/", "/mypage/"]),
    ("next.rikunabi.com", &["/", "/company/cmi{n}/", "/mypage/"]),
    ("type.jp", &["/job-1/{n}_detail/"]),
    ("www.green-japan.com", &["/company/{n}/job/"]),
    ("www.jac-recruitment.jp", &["/jobs/{n}/", "/my/"]),
    ("www.linkedin.com", &["/jobs/view/{n}/", "/feed/"]),
];

/// Large-file transfer services (大容量ファイル転送): used legitimately to
/// send big drawings to suppliers, and to take data out.
pub(crate) const TRANSFER_SERVICES: &[(&str, &str)] = &[
    ("46.gigafile.nu", "https://46.gigafile.nu/upload_chunk.php"),
    ("112.gigafile.nu", "https://112.gigafile.nu/upload_chunk.php"),
    ("firestorage.jp", "https://firestorage.jp/upload.cgi"),
    ("wetransfer.com", "https://wetransfer.com/api/v4/transfers/upload"),
];

/// Personal cloud storage.
pub(crate) const PERSONAL_CLOUDS: &[(&str, &str)] = &[
    ("drive.google.com", "https://drive.google.com/upload/drive/v3/files?uploadType=resumable"),
    ("www.dropbox.com", "https://www.dropbox.com/upload"),
    ("onedrive.live.com", "https://onedrive.live.com/upload?cid={n}"),
];

/// The sanctioned corporate cloud storage.
pub(crate) const CORPORATE_CLOUDS: &[(&str, &str)] = &[
    ("maruhi.box.com", "https://maruhi.box.com/api/2.0/files/content"),
    (
        "maruhi-my.sharepoint.com",
        "https://maruhi-my.sharepoint.com/personal/{user}/_api/web/GetFolderByServerRelativeUrl('Documents')/Files/add",
    ),
];

/// Personal mail providers (the part after `@`).
pub(crate) const PERSONAL_MAIL: &[&str] =
    &["gmail.com", "yahoo.co.jp", "icloud.com", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "outlook.jp"];

/// Competitors (fictional).
pub(crate) const COMPETITORS: &[&str] = &[
    "tokai-seimitsu-example.co.jp",
    "shinwa-kogyo-example.co.jp",
    "daito-kiko-example.co.jp",
    "hokuriku-precision-example.co.jp",
    "sanshin-mechatronics-example.co.jp",
];

/// Customers (fictional).
pub(crate) const CUSTOMERS: &[&str] = &[
    "asahi-motors-example.co.jp",
    "kansai-denki-example.co.jp",
    "nihon-robotics-example.co.jp",
    "tohoku-machinery-example.co.jp",
    "chubu-autoparts-example.co.jp",
    "setouchi-zosen-example.co.jp",
    "kyushu-semicon-example.co.jp",
    "hokkai-energy-example.co.jp",
];

/// Suppliers (fictional).
pub(crate) const SUPPLIERS: &[&str] = &[
    "yamato-casting-example.co.jp",
    "fuji-press-example.co.jp",
    "shonan-resin-example.co.jp",
    "okayama-steel-example.co.jp",
    "sanyo-bearing-example.co.jp",
    "kanto-butsuryu-example.co.jp",
];

/// Universities and public research partners (fictional).
pub(crate) const ACADEMIA: &[&str] =
    &["eng.tohoku-univ-example.ac.jp", "mat.kyoto-univ-example.ac.jp", "aist-example.go.jp"];

/// Auditors, banks, agencies (fictional).
pub(crate) const SERVICES: &[&str] =
    &["aozora-audit-example.jp", "sakura-law-example.jp", "midori-bank-example.co.jp", "career-agent-example.co.jp"];

/// USB mass storage models (`device.name`) and their vendor id strings.
pub(crate) const USB_STICKS: &[&str] = &[
    "BUFFALO USB Flash Disk",
    "I-O DATA USB Flash Disk",
    "SanDisk Ultra USB 3.0",
    "ELECOM MF-MSU3 USB Device",
    "KIOXIA TransMemory USB Device",
    "BUFFALO External HDD USB Device",
];

/// Smartphones seen over MTP.
pub(crate) const PHONES: &[&str] =
    &["Apple iPhone (MTP)", "Xperia 10 VI (MTP)", "Galaxy S24 (MTP)", "AQUOS sense8 (MTP)"];

/// Printers per floor.
pub(crate) const PRINTERS: &[&str] = &[
    "RICOH IM C4510 (本社2F)",
    "RICOH IM C3010 (本社3F)",
    "Canon iR-ADV C5840 (技術棟1F)",
    "Canon iR-ADV C3930 (技術棟2F)",
    "FUJIFILM Apeos C5570 (第3工場事務所)",
];

/// Servers administrators log on to.
pub(crate) const SERVERS: &[&str] = &["SRV-FS01", "SRV-FS02", "SRV-FS03", "SRV-AD01", "SRV-BK01", "SRV-CRM01"];
