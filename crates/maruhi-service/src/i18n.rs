//! Japanese first, English second, both complete.
//!
//! Messages that the service produces (validation, errors) are the [`Msg`]
//! enum, whose `text` match forces both languages for every variant. Labels
//! for pages live in [`UI`], a table checked by a test for completeness and
//! against the templates' keys.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    /// The one of two texts (Japanese, English) in this language.
    pub fn pick<'a, T: ?Sized>(self, ja: &'a T, en: &'a T) -> &'a T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" => Some(Lang::Ja),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the first supported language from an `Accept-Language` header
    /// (RFC 9110 §12.5.4), honouring q-values; Japanese when nothing fits.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// Messages from the service layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    InputInvalid,
    NotFound,
    Forbidden,
    LoginRequired,
    BadCredentials,
    Throttled,
    Busy,
    ServerError,
    Required,
    TooLong,
    TooMany,
    UnknownCategory,
    UnknownLevel,
    UnknownRole,
    UnknownStatus,
    UnknownUser,
    UnknownGroup,
    BadDate,
    BadUsername,
    PasswordTooShort,
    PasswordGuessable,
    UsernameTaken,
    GroupTaken,
    StaleRevision,
    BadTransition,
    ReasonRequired,
    LevelInUse,
    DuplicateLevel,
    BadScope,
    Disabled,
    NotYetCheckpointed,
    NeedsWitnesses,
    NoInstallationKey,
    NoVault,
    NotOnHold,
    OriginalAlreadyKept,
    ImportUnfinished,
    OriginalDiffers,
    NoLedgerKey,
    BagTooLarge,
    TooLargeToMark,
    WrongPassword,
    SamePassword,
    NotACertificate,
    NoTsa,
    BadWitnessThreshold,
    NoText,
    UnknownCollection,
    UnknownFormat,
    BadOffset,
    CsvMapSyntax,
    CsvMapField,
    CsvMapAction,
    UnknownAction,
    BadDelimiter,
    EvtxNotBuilt,
    EvtxNotOverHttp,
    BadSourceName,
    HrHeader,
    HrFieldCount,
    HrDateOrder,
    HrDuplicateUser,
    BadPersonName,
    NotUtf8,
    MalformedCsv,
    UnknownWatchlist,
    NothingReadable,
    UnknownAlertStatus,
    RulesBroken,
    UnknownDomainCategory,
    BadDomain,
    IdentityCycle,
    ActionMapSyntax,
    UnknownAssessmentItem,
    AssessmentItemAutomatic,
    UnknownAnswer,
    BadSha256,
}

impl Msg {
    pub fn text(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Msg::InputInvalid => ("入力内容に誤りがあります。", "Some input is invalid."),
            Msg::NotFound => ("見つかりません。", "Not found."),
            Msg::Forbidden => ("この操作を行う権限がありません。", "You are not allowed to do this."),
            Msg::LoginRequired => ("ログインしてください。", "Please log in."),
            Msg::BadCredentials => ("ユーザー名またはパスワードが違います。", "Wrong user name or password."),
            Msg::Throttled => (
                "ログインの失敗が続いたため、しばらく待ってから再度お試しください。",
                "Too many failed logins. Please wait a while and try again.",
            ),
            Msg::Busy => (
                "ただいま他のスキャンや資料の登録を処理中のため受け付けられません。少し待ってから再度お試しください。",
                "The server is busy with other scans and attachments. Please try again in a moment.",
            ),
            Msg::ServerError => ("サーバーでエラーが発生しました。", "The server hit an error."),
            Msg::Required => ("必須項目です。", "This field is required."),
            Msg::TooLong => ("長すぎます。", "This is too long."),
            Msg::TooMany => ("項目が多すぎます。", "There are too many items."),
            Msg::UnknownCategory => ("分類が正しくありません。", "Unknown category."),
            Msg::UnknownLevel => ("秘密区分が正しくありません。", "Unknown classification level."),
            Msg::UnknownRole => ("ロールが正しくありません。", "Unknown role."),
            Msg::UnknownStatus => ("状態が正しくありません。", "Unknown status."),
            Msg::UnknownUser => ("そのユーザーは存在しません。", "No such user."),
            Msg::UnknownGroup => ("そのグループは存在しません。", "No such group."),
            Msg::BadDate => ("日付は YYYY-MM-DD の形式で入力してください。", "Enter the date as YYYY-MM-DD."),
            Msg::BadUsername => (
                "ユーザー名は半角英数字と . _ - で 1〜64 文字にしてください。",
                "A user name is 1 to 64 characters: letters, digits, '.', '_' or '-'.",
            ),
            Msg::PasswordTooShort => {
                ("パスワードは 12 文字以上にしてください。", "A password needs at least 12 characters.")
            }
            Msg::PasswordGuessable => (
                "推測されやすいパスワードです（よく使われるパスワード、空白だけ、同じ文字や並びの繰り返しなど）。別のものにしてください。",
                "This password is too easy to guess (a common password, only spaces, or a repeated or sequential pattern). Choose another.",
            ),
            Msg::UsernameTaken => ("そのユーザー名は既に使われています。", "That user name is already taken."),
            Msg::GroupTaken => ("そのグループ名は既に使われています。", "That group name is already taken."),
            Msg::StaleRevision => (
                "他の人が先に更新しました。最新の内容を確認してからやり直してください。",
                "Someone else changed this first. Review the latest version and try again.",
            ),
            Msg::BadTransition => ("その状態には変更できません。", "The status cannot change that way."),
            Msg::ReasonRequired => ("理由を入力してください。", "Please give a reason."),
            Msg::LevelInUse => {
                ("使用中の秘密区分は削除できません。", "A classification level in use cannot be removed.")
            }
            Msg::DuplicateLevel => ("秘密区分が重複しています。", "Classification levels must be distinct."),
            Msg::BadScope => ("スコープは read または write です。", "The scope is read or write."),
            Msg::Disabled => ("このアカウントは無効です。", "This account is disabled."),
            Msg::NoInstallationKey => (
                "インストール鍵が設定されていないため、スキャン機能を使えません（maruhi init で作成されます）。",
                "The scanner needs the installation key, which is not configured (maruhi init creates it).",
            ),
            Msg::OriginalAlreadyKept => ("この取り込みの原本はすでに保管されています。", "The original of this import is already kept."),
            Msg::ImportUnfinished => ("取り込みが完了していないため、原本を保管できません。", "The import did not finish, so its original cannot be kept."),
            Msg::OriginalDiffers => (
                "ファイルが取り込んだときと異なります（SHA-256 が一致しません）。保管していません。",
                "The file differs from the one imported (its SHA-256 does not match); it was not kept.",
            ),
            Msg::NotOnHold => ("この事案は訴訟ホールド中ではありません。", "This case is not under legal hold."),
            Msg::NoVault => (
                "原本の保管庫が設定されていません（インストールのデータディレクトリで実行してください）。",
                "No vault is configured to keep originals (run on an installation's data directory).",
            ),
            Msg::NoLedgerKey => (
                "台帳の署名鍵が設定されていないため、チェックポイントに署名できません（maruhi init で作成されます）。",
                "Checkpoints cannot be signed: the ledger key is not configured (maruhi init creates it).",
            ),
            Msg::NotACertificate => ("証明書（PEM または DER）ではありません。", "Not a certificate (PEM or DER)."),
            Msg::WrongPassword => ("現在のパスワードが違います。", "The current password is wrong."),
            Msg::SamePassword => (
                "新しいパスワードは現在のものと別にしてください。",
                "The new password must differ from the current one.",
            ),
            Msg::TooLargeToMark => (
                "64 MiB を超える原本の複製には番号を入れられません。",
                "Originals over 64 MiB cannot be copied with a mark.",
            ),
            Msg::BagTooLarge => (
                "原本の合計が 256 MiB を超えます。--hashes-only でハッシュだけを収めてください。",
                "The originals exceed 256 MiB together; use --hashes-only to carry their hashes only.",
            ),
            Msg::NoTsa => (
                "時刻認証局が設定されていません（--tsa-url と --tsa-ca を指定してください）。",
                "No time-stamp authority is configured (give --tsa-url and --tsa-ca).",
            ),
            Msg::BadWitnessThreshold => (
                "証人のしきい値は 1 から証人の数までです。",
                "The witness threshold must be between 1 and the number of witnesses.",
            ),
            Msg::NoText => (
                "このファイルからは指紋を取れるテキストを取り出せませんでした。",
                "No text to fingerprint could be extracted from this file.",
            ),
            Msg::UnknownCollection => {
                ("コレクションは third_party または background です。", "The collection is third_party or background.")
            }
            Msg::UnknownFormat => (
                "形式は jsonl, csv, cert, evtx, m365, squid のいずれかです。",
                "The format is one of jsonl, csv, cert, evtx, m365, squid.",
            ),
            Msg::BadOffset => (
                "UTC からの時差は +09:00 のように ±HH:MM で指定してください。",
                "Give the UTC offset as ±HH:MM, for example +09:00.",
            ),
            Msg::CsvMapSyntax => (
                "CSV の対応付けは「項目=列名」をカンマで区切って指定してください。",
                "A CSV mapping is FIELD=COLUMN pairs separated by commas.",
            ),
            Msg::CsvMapField => (
                "CSV の列で埋められる項目ではありません。@timestamp、event.id、user.name などイベントの項目名を使ってください。",
                "Not a field a CSV column can fill; use the event schema's names, such as @timestamp, event.id, user.name.",
            ),
            Msg::CsvMapAction => (
                "@timestamp を列に対応付け、event.action を列に対応付けるか固定のアクションを指定してください。",
                "Map @timestamp to a column, and map event.action to a column or give a constant action.",
            ),
            Msg::UnknownAction => (
                "アクションが語彙にありません（logon、file-copy、file-upload、email-send など）。",
                "Not an action of the vocabulary (logon, file-copy, file-upload, email-send, …).",
            ),
            Msg::BadDelimiter => (
                "区切り文字は ASCII の 1 文字（または tab）です。",
                "The delimiter is one ASCII character (or tab).",
            ),
            Msg::EvtxNotBuilt => (
                "この maruhi は EVTX を読めません（evtx 機能を有効にしてビルドしてください）。",
                "This maruhi cannot read EVTX (build it with the evtx feature).",
            ),
            Msg::EvtxNotOverHttp => (
                "EVTX は API では受け付けません。maruhi events import で取り込んでください。",
                "EVTX is not accepted over the API; import it with maruhi events import.",
            ),
            Msg::BadSourceName => (
                "取り込み元の名前は 1〜200 文字で、制御文字を含めないでください。",
                "The source name is 1 to 200 characters without control characters.",
            ),
            Msg::HrHeader => (
                "見出し行は user,notice_date,last_working_day,end_date の通りにしてください。",
                "The header row must be exactly user,notice_date,last_working_day,end_date.",
            ),
            Msg::HrFieldCount => (
                "列は user、notice_date、last_working_day、end_date の 4 つです。",
                "A line has four fields: user, notice_date, last_working_day, end_date.",
            ),
            Msg::HrDateOrder => (
                "日付は 退職の申出日 ≤ 最終出社日 ≤ 退職日 の順にしてください。",
                "The dates must be in order: notice date ≤ last working day ≤ end date.",
            ),
            Msg::HrDuplicateUser => (
                "このユーザーはファイルの前の行に既にあります（最初の行を使います）。",
                "This user is on an earlier line of the file (the first one is used).",
            ),
            Msg::BadPersonName => (
                "ユーザー名は 1〜256 バイトで、制御文字を含めないでください。",
                "A user name is 1 to 256 bytes without control characters.",
            ),
            Msg::NotUtf8 => ("UTF-8 の文字列ではありません。", "This is not UTF-8 text."),
            Msg::MalformedCsv => ("CSV の形式が正しくありません。", "This is not well-formed CSV."),
            Msg::NothingReadable => (
                "1 行も読み取れなかったため、何も取り込んでいません。",
                "No line could be read, so nothing was imported.",
            ),
            Msg::UnknownWatchlist => (
                "ウォッチリストは departing、contractors、privileged のいずれかです。",
                "The watchlist is departing, contractors or privileged.",
            ),
            Msg::RulesBroken => (
                "ルールフォルダーに読み込めないルールがあるため分析できません（maruhi risk rules check で確認してください）。",
                "The rule folder does not load, so no analysis can run (see maruhi risk rules check).",
            ),
            Msg::UnknownAlertStatus => (
                "状態は new, investigating, dismissed, confirmed のいずれかです。",
                "The status is one of new, investigating, dismissed, confirmed.",
            ),
            Msg::UnknownDomainCategory => {
                ("区分は company（自社）または competitor（競合）です。", "The category is company or competitor.")
            }
            Msg::IdentityCycle => (
                "別名とその利用者が同じ人を指しているため、循環になります。",
                "The alias and the user already lead to each other: this would make a cycle.",
            ),
            Msg::ActionMapSyntax => (
                "操作の対応表は「値=操作」の行（操作は語彙のいずれかか skip）で書いてください。",
                "Each line of the action table must be value=action, with an action of the vocabulary or skip.",
            ),
            Msg::BadDomain => ("ドメイン名の形式が正しくありません（例: example.co.jp）。", "Not a domain name (e.g. example.co.jp)."),
            Msg::NeedsWitnesses => (
                "ウィットネスの連署が足りないため、チェックポイントを公開しません。",
                "Not publishing a checkpoint with fewer witness cosignatures than the last one.",
            ),
            Msg::UnknownAssessmentItem => ("自己評価にその項目はありません。", "There is no such assessment item."),
            Msg::AssessmentItemAutomatic => (
                "この項目は記録から自動で評価されるため、回答できません。",
                "This item is scored automatically from what maruhi recorded; it takes no answer.",
            ),
            Msg::UnknownAnswer => (
                "回答は yes、partly、no、na のいずれかです。",
                "The answer is one of yes, partly, no, na.",
            ),
            Msg::BadSha256 => ("SHA-256 は16進数64桁で指定してください。", "A SHA-256 is 64 hexadecimal digits."),
            Msg::NotYetCheckpointed => (
                "このエントリーはまだ署名済みチェックポイントに含まれていません。数秒後に再度お試しください。",
                "This entry is not yet under a signed checkpoint. Try again in a few seconds.",
            ),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// Labels for pages: (key, Japanese, English).
pub static UI: &[(&str, &str, &str)] = &[
    ("app.name", "㊙ maruhi 営業秘密管理", "㊙ maruhi trade-secret register"),
    ("nav.dashboard", "ダッシュボード", "Dashboard"),
    ("nav.register", "営業秘密管理台帳", "Register"),
    ("nav.new", "新規登録", "Register a secret"),
    ("nav.acks", "確認・誓約", "Acknowledgements"),
    ("nav.users", "ユーザー", "Users"),
    ("nav.groups", "グループ", "Groups"),
    ("nav.audit", "監査ログ", "Audit log"),
    ("nav.tokens", "APIトークン", "API tokens"),
    ("nav.password", "パスワード変更", "Change password"),
    ("password.title", "パスワードの変更", "Change your password"),
    (
        "password.intro",
        "変更すると、このアカウントのすべてのセッションが終了します。新しいパスワードでログインし直してください。",
        "Changing it ends every session of this account; log in again with the new password.",
    ),
    ("password.current", "現在のパスワード", "Current password"),
    ("password.new", "新しいパスワード", "New password"),
    (
        "password.rules",
        "12 文字以上。よく使われるパスワードや単純な繰り返しは使えません。",
        "At least 12 characters; common passwords and simple patterns are refused.",
    ),
    ("password.change", "変更する", "Change password"),
    ("nav.ledger", "証拠台帳", "Evidence ledger"),
    ("nav.scan", "漏えいスキャン", "Leak scan"),
    ("nav.risk", "内部不正リスク", "Insider risk"),
    ("nav.alerts", "アラート", "Alerts"),
    ("nav.identities", "利用者の別名", "Identities"),
    ("risk.warnings", "設定についての注意", "Configuration warnings"),
    ("risk.domains.title", "自社ドメインの候補", "Company domains to confirm"),
    ("risk.domains.intro", "利用者のメールアドレスと人事データの名前から推定した、自社のものらしいドメインです。自社のドメインであれば確定してください。確定するまで、これらへのメールや送信は社外として数えます。", "Domains that look like the company's own, inferred from users' mail addresses and names in HR data. Confirm those that are: until then, mail and uploads to them count as leaving the company."),
    ("risk.domains.domain", "ドメイン", "Domain"),
    ("risk.domains.people", "人数", "People"),
    ("risk.domains.sources", "出どころ", "Seen in"),
    ("risk.domains.confirm", "自社として確定", "Confirm as ours"),
    ("identities.title", "利用者の別名", "Identities"),
    ("identities.intro", "同じ人がログごとに別の名前（メールアドレス、UPN、DOMAIN\\user など）で現れても一人として評価するための対応表です。利用者のメールアドレスと人事データから自動で作られる別名に加えて、手作業で登録できます。取り込むイベントの利用者名は正規の名前に置き換えて保存します。", "One person, one name: the same person appears in different logs as a mail address, a UPN or DOMAIN\\user. Aliases come from users' mail addresses and HR data, and can be added by hand; imported events are stored under the canonical name."),
    ("identities.alias", "別名", "Alias"),
    ("identities.user", "利用者", "User"),
    ("identities.canonical", "正規の名前", "Canonical name"),
    ("identities.source", "出どころ", "Source"),
    ("identities.note", "メモ", "Note"),
    ("identities.add", "登録する", "Add"),
    ("identities.remove", "削除", "Remove"),
    ("identities.none", "別名はまだありません。", "No aliases yet."),
    ("identity.source.manual", "手作業", "By hand"),
    ("identity.source.user-email", "利用者のメールアドレス", "User's mail address"),
    ("identity.source.hr", "人事データ", "HR data"),
    ("risk.title", "内部不正リスク", "Insider risk"),
    ("risk.intro", "取り込んだ操作ログをルールと本人の普段の行動に照らして評価し、確認すべき人を点数順に示します。点数は指標の加点の合計で、時間とともに減衰します（半減期14日）。", "Activity logs are evaluated against the rules and each person's usual behaviour; people to look at are ranked by score. A score is the sum of its indicators' points and halves every 14 days."),
    ("risk.analysed", "分析しました（イベント/アラート/新規）", "Analysis done (events/alerts/new)"),
    ("risk.as_of", "基準日", "As of"),
    ("risk.last_analysis", "最終分析", "Last analysis"),
    ("risk.events", "件のイベント", "events"),
    ("risk.analyse", "いま分析する", "Analyse now"),
    ("risk.none", "この時点でリスクの指標がある人はいません。", "Nobody has risk indicators at this time."),
    ("risk.user", "利用者", "User"),
    ("risk.score", "スコア", "Score"),
    ("risk.reasons", "理由", "Reasons"),
    ("risk.reason", "理由", "Reason"),
    ("risk.open_alerts", "未対応アラート", "Open alerts"),
    ("risk.timeline", "指標の時系列", "Timeline of indicators"),
    ("risk.method", "退職届のある人は届出の90日前から退職日までの指標が2倍、普段の量を超えた日の指標は1.5倍、同じルールの繰り返しは2回目が1/2、3回目が1/3…として数えます。", "For leavers, indicators from 90 days before the notice to the end date count double; indicators on days above the person's usual volume count 1.5×; repeats of a rule count 1/2, 1/3, …"),
    ("watch.departing", "退職予定", "Departing"),
    ("watch.contractors", "委託・派遣", "Contractor"),
    ("watch.privileged", "特権", "Privileged"),
    ("alerts.none", "アラートはありません。", "No alerts."),
    ("alerts.day", "日付", "Day"),
    ("alerts.severity", "重大度", "Severity"),
    ("alerts.rule", "ルール", "Rule"),
    ("alerts.events", "イベント数", "Events"),
    ("alerts.status", "対応状況", "Status"),
    ("alerts.period", "期間", "Period"),
    ("alerts.comment", "コメント", "Comment"),
    ("alerts.triage", "トリアージ", "Triage"),
    ("alerts.save", "記録する", "Record"),
    ("alerts.evidence", "根拠となるイベント", "Evidence events"),
    ("alerts.time", "日時", "Time"),
    ("alerts.action", "操作", "Action"),
    ("alerts.host", "端末", "Host"),
    ("alerts.what", "対象", "Object"),
    ("alerts.size", "サイズ", "Size"),
    ("alerts.events_missing", "一部のイベントは保存されていません（取り込みから削除されたもの）。", "Some events are no longer stored."),
    ("severity.informational", "情報", "Info"),
    ("severity.low", "低", "Low"),
    ("severity.medium", "中", "Medium"),
    ("severity.high", "高", "High"),
    ("severity.critical", "重大", "Critical"),
    ("alert.status.new", "未対応", "New"),
    ("alert.status.investigating", "調査中", "Investigating"),
    ("alert.status.dismissed", "問題なし", "Dismissed"),
    ("alert.status.confirmed", "不正と確認", "Confirmed"),
    ("scan.title", "漏えい・コンタミネーションのスキャン", "Leak and contamination scan"),
    ("scan.intro", "ファイル（Office 文書、PDF、メール、ZIP など）をアップロードすると、登録済みの営業秘密の資料や第三者の資料が部分的にでも含まれていないかを調べます。書式の変更、全角・半角、改行や句読点の違いがあっても見つかります。検出は証拠台帳に記録されます。", "Upload a file (Office documents, PDF, mail, ZIP and more) to find whole or partial copies of registered secrets' material or of third-party material, even after reformatting, width changes, re-wrapping or other punctuation. Findings are recorded in the evidence ledger."),
    ("scan.file", "スキャンするファイル", "File to scan"),
    ("scan.submit", "スキャン", "Scan"),
    ("scan.result", "結果", "Result"),
    ("scan.size", "サイズ", "Size"),
    ("scan.documents", "文書数", "Documents"),
    ("scan.none_found", "登録済みの資料は見つかりませんでした。", "No registered material was found."),
    ("scan.restricted", "表示しているのは、あなたが閲覧できる資料との一致だけです。それ以外の資料との一致があった場合は、表示も件数の表示もせずに証拠台帳に記録し、法務・知財と管理責任者が確認できます。", "Only matches with material you may see are shown. Matches with other material, if any, are neither shown nor counted; they were recorded in the evidence ledger for legal/IP and the secrets' managers."),
    ("scan.none_visible", "閲覧できる資料との一致は見つかりませんでした。", "No match with material you may see was found."),
    ("scan.diagnostics", "読み取れなかった部分", "Parts that could not be read"),
    ("scan.third_party", "第三者資料", "Third-party"),
    ("scan.coverage", "資料に占める割合", "Coverage of the material"),
    ("scan.query_coverage", "ファイルに占める割合", "Share of the scanned file"),
    ("scan.matched_chars", "一致文字数", "Matched characters"),
    ("scan.longest_passage", "最長の一致箇所（文字）", "Longest passage (characters)"),
    ("scan.aligned", "一致文字数", "Aligned characters"),
    ("scan.similarity", "類似度", "Similarity"),
    ("scan.severity.high", "重大", "High"),
    ("scan.severity.medium", "中", "Medium"),
    ("scan.severity.low", "軽微", "Low"),
    ("scan.discounted", "数えなかった定型文", "Boilerplate not counted"),
    ("scan.discounted_why", "次の箇所も登録資料と一致しましたが、多くの登録資料に共通する定型文（ヘッダー、注意書き、ライセンス文、よく使うコマンドなど）のため、検出の根拠に数えていません。", "These parts also match the material, but they are boilerplate shared by many registered documents (headers, disclaimers, licences, common commands), so they do not count as evidence."),
    ("scan.discounted_documents", "件の登録資料に共通", "registered documents share it"),
    ("scan.scanned_passage", "スキャンしたファイル", "Scanned file"),
    ("scan.material_passage", "登録資料", "Registered material"),
    ("scan.not_kept", "（本文は保存されていません。指紋のみ登録）", "(Text not kept: fingerprints only)"),
    ("scan.not_entitled", "（閲覧権限がないため表示しません）", "(Not shown: you are not entitled to this content)"),
    ("material.title", "指紋登録済みの資料", "Fingerprinted material"),
    ("material.intro", "ここに登録した資料の一部でも、スキャンしたファイルに含まれていれば検出されます。資料そのものではなく鍵付きの指紋を保存し、本文は希望する場合のみ暗号化して保存します。ファイルのハッシュは証拠台帳に記録されます。", "Scans find even partial copies of the material registered here. maruhi stores keyed fingerprints, not the material; the text is kept only if asked, encrypted. Each file's hash enters the evidence ledger."),
    ("material.name", "資料", "Material"),
    ("material.format", "形式", "Format"),
    ("material.chars", "文字数", "Characters"),
    ("material.fingerprints", "指紋数", "Fingerprints"),
    ("material.added", "登録日時", "Added"),
    ("material.download_marked", "番号入りの複製", "Marked copy"),
    (
        "material.marked_help",
        "あなた宛ての㊙表示と、流出時に maruhi trace で受取人を特定できる複製番号が入ります（テキスト、DOCX、XLSX、PPTX）。",
        "Carries a ㊙ banner for you and a copy code that maruhi trace reads from a leak (text, DOCX, XLSX and PPTX).",
    ),
    ("trace.title", "流出物の追跡", "Trace a leaked copy"),
    (
        "trace.intro",
        "流出したファイル（または貼り付けられた一部）を読み込むと、番号入りの複製の受取人とダウンロードの記録を示します。",
        "Upload a leaked file (or a pasted part of one) to name the recipient of a marked copy and its download.",
    ),
    ("trace.file", "ファイル", "File"),
    ("trace.submit", "追跡する", "Trace"),
    ("trace.none", "このインストールの複製番号は見つかりませんでした。", "No copy code of this installation was found."),
    ("trace.code", "複製番号", "Copy code"),
    ("trace.recipient", "受取人", "Recipient"),
    ("trace.secret", "営業秘密", "Secret"),
    ("trace.downloaded", "ダウンロード", "Downloaded"),
    ("trace.entry", "台帳エントリ", "Ledger entry"),
    ("trace.unknown", "このインストールの複製ではありません", "not a copy of this installation"),
    ("material.anchored", "存在の証明（タイムスタンプ）", "Existed no later than"),
    ("material.not_anchored", "未取得", "not yet time-stamped"),
    ("evidence.prior_use", "先使用権の証拠をダウンロード（BagIt, zip）", "Download the prior-use evidence (BagIt, zip)"),
    (
        "evidence.prior_use_help",
        "台帳エントリ、包含証明、署名済みチェックポイント、タイムスタンプ。maruhi evidence verify と bagit.py で検証できます。",
        "Ledger entries, inclusion proofs, signed checkpoints and time stamps; check with maruhi evidence verify and bagit.py.",
    ),
    ("material.file", "資料ファイル", "Material file"),
    ("material.keep_text", "一致箇所の対照表示のため本文を暗号化して保存する", "Keep the text encrypted for side-by-side views"),
    ("material.text_kept", "本文保存", "Text kept"),
    ("material.text_kept_help", "本文は暗号化して保存され、閲覧権限のある人だけが一致箇所を見られます。", "The text is stored encrypted; only entitled users see matching passages."),
    ("material.attach", "指紋を登録", "Fingerprint"),
    ("material.remove", "登録解除", "Remove"),
    ("material.store", "原本ファイルも暗号化して保管する（権限者がダウンロードでき、ハッシュは証拠台帳に記録されます）", "Also store the original file, encrypted (entitled users can download it; its hash enters the evidence ledger)"),
    ("material.stored", "原本保管", "Original stored"),
    ("material.stored_help", "原本は暗号化して保管されています。ダウンロードは証拠台帳に記録されます。", "The original is stored encrypted; every download is recorded in the evidence ledger."),
    ("material.download", "原本をダウンロード", "Download original"),
    ("ledger.title", "証拠台帳（改ざん検知ログ）", "Evidence ledger (tamper-evident log)"),
    ("ledger.intro", "すべての操作記録は RFC 6962 のマークル木に追記され、署名付きチェックポイントで確定します。公開鍵さえあれば、誰でも maruhi を信頼せずに検証できます。", "Every audit event is appended to an RFC 6962 Merkle tree and sealed by signed checkpoints. Anyone with the public key can verify it without trusting maruhi."),
    ("ledger.size", "エントリー数", "Entries"),
    ("ledger.public_key", "検証用公開鍵", "Verifier key"),
    ("ledger.witnesses", "ウィットネス（第三者の連署）", "Witnesses (cosigners)"),
    ("ledger.anchors", "タイムスタンプ（RFC 3161）", "Time anchors (RFC 3161)"),
    ("ledger.not_configured", "未設定", "Not configured"),
    ("ledger.latest", "最新のチェックポイント", "Latest checkpoint"),
    ("ledger.covers", "対象エントリー数", "Covers entries"),
    ("ledger.how", "証明の検証方法", "How to verify a proof"),
    ("ledger.how_text", "各営業秘密の変更履歴から、操作ごとの証明ファイル（c2sp.org/tlog-proof@v1）をダウンロードできます。検証にはデータベースも maruhi のサーバーも不要です。", "Each secret's history offers a proof file (c2sp.org/tlog-proof@v1) per event. Verifying it needs neither the database nor a maruhi server."),
    ("ledger.proof", "証明", "Proof"),
    ("ledger.anchor_covers", "対象エントリー数", "Covers entries"),
    ("ledger.anchor_note", "1つのタイムスタンプトークンは、そのチェックポイント以前のすべてのエントリー（登録・変更・ファイルのハッシュ）の存在時刻を証明します。各エントリーの証明ファイルには、その時刻を示すトークンが同梱されます。", "One time-stamp token over a checkpoint dates every entry below it (registrations, changes, file hashes). Each entry's proof file carries the token that dates it."),
    ("nav.logout", "ログアウト", "Log out"),
    ("nav.skip", "本文へ移動", "Skip to content"),
    ("lang.switch", "English", "日本語"),
    ("login.title", "ログイン", "Log in"),
    ("login.username", "ユーザー名", "User name"),
    ("login.password", "パスワード", "Password"),
    ("login.submit", "ログイン", "Log in"),
    ("dash.title", "ダッシュボード", "Dashboard"),
    ("dash.by_level", "秘密区分別の件数", "Secrets by classification level"),
    ("dash.reviews_due", "30日以内に見直し期限", "Reviews due within 30 days"),
    ("dash.my_acks", "未確認の取扱ルール", "Handling rules you have not acknowledged"),
    ("dash.acks_total", "台帳全体の未確認件数", "Acknowledgements outstanding across the register"),
    ("dash.total", "合計", "Total"),
    ("dash.none", "ありません。", "None."),
    ("dash.registered", "登録済み", "Registered"),
    ("dash.draft", "下書き", "Draft"),
    ("list.title", "営業秘密管理台帳", "Trade-secret register"),
    ("list.search", "検索", "Search"),
    ("list.search_placeholder", "名称・概要・タグ・部署", "Title, summary, tag, department"),
    ("list.all", "すべて", "All"),
    ("list.filter", "絞り込み", "Filter"),
    ("list.count", "件", "secrets"),
    ("list.empty", "該当する営業秘密はありません。", "No secrets match."),
    ("list.print", "印刷用台帳", "Printable register"),
    ("list.csv", "CSV出力", "Export CSV"),
    ("list.prev", "前へ", "Previous"),
    ("list.next", "次へ", "Next"),
    ("list.page", "ページ", "Page"),
    ("field.id", "管理番号", "No."),
    ("field.title", "名称", "Title"),
    ("field.summary", "概要（秘密でない説明）", "Summary (not secret)"),
    ("field.category", "分類", "Category"),
    ("field.level", "秘密区分", "Classification"),
    ("field.department", "管理部署", "Owning department"),
    ("field.manager", "管理責任者", "Secret owner (管理責任者)"),
    ("field.status", "状態", "Status"),
    ("field.status_reason", "状態変更の理由", "Reason for the status"),
    ("field.review_date", "見直し期限", "Review date"),
    ("field.locations", "保管場所", "Where the material is"),
    ("field.marks", "秘密表示", "Marks applied"),
    ("field.agreements", "関連する契約・NDA", "Related agreements / NDAs"),
    ("form.one_per_line", "1行に1件", "one per line"),
    ("field.group", "グループ", "group"),
    ("field.tags", "タグ（カンマ区切り）", "Tags (comma-separated)"),
    ("field.usefulness", "有用性", "Usefulness (有用性)"),
    ("field.non_public", "非公知性", "Not publicly known (非公知性)"),
    ("field.secrecy_mgmt", "秘密管理性", "Managed as a secret (秘密管理性)"),
    ("field.handling_rules", "取扱ルール", "Handling rules"),
    ("field.rules_version", "ルール版数", "Rules version"),
    ("field.access", "アクセス権者（need-to-know）", "Who may access (need-to-know)"),
    (
        "field.grants",
        "アクセス権者（ユーザー名、group:グループ名；カンマ区切り）",
        "Access (user names, group:NAME; comma-separated)",
    ),
    ("field.updated_at", "更新日時", "Updated"),
    ("field.created_at", "登録日時", "Created"),
    ("field.revision", "版", "Revision"),
    ("field.legal_notes", "三要件の記録", "The three legal requirements"),
    ("detail.history", "変更履歴", "History"),
    ("detail.edit", "編集", "Edit"),
    ("detail.acks", "確認・誓約の記録", "Acknowledgements"),
    (
        "detail.ack_button",
        "取扱ルールを確認し、遵守することを誓約します",
        "I have read the handling rules and will follow them",
    ),
    ("detail.acked", "確認済み", "Acknowledged"),
    ("detail.grant", "アクセス権を付与", "Grant access"),
    ("detail.revoke", "削除", "Revoke"),
    ("detail.change_status", "状態を変更", "Change status"),
    ("detail.principal", "ユーザー名 または group:グループ名", "User name or group:NAME"),
    ("detail.when", "日時", "When"),
    ("detail.who", "実行者", "Who"),
    ("detail.what", "操作", "Action"),
    ("detail.details", "内容", "Details"),
    ("detail.none", "なし", "None"),
    ("form.new_title", "営業秘密の新規登録", "Register a trade secret"),
    ("form.edit_title", "営業秘密の編集", "Edit trade secret"),
    ("form.save", "保存", "Save"),
    ("form.cancel", "キャンセル", "Cancel"),
    ("form.errors", "入力内容を確認してください。", "Please check the highlighted fields."),
    ("form.select", "選択してください", "Choose…"),
    ("form.apply", "適用", "Apply"),
    ("acks.title", "取扱ルールの確認・誓約", "Acknowledge handling rules"),
    (
        "acks.intro",
        "アクセスできる営業秘密のうち、最新の取扱ルールをまだ確認していないものです。",
        "Secrets you may access whose current handling rules you have not yet acknowledged.",
    ),
    ("users.title", "ユーザー管理", "Users"),
    ("users.add", "ユーザーを追加", "Add a user"),
    ("users.display_name", "表示名", "Display name"),
    ("users.email", "メールアドレス", "E-mail"),
    ("users.department", "所属部署", "Department"),
    ("users.role", "ロール", "Role"),
    ("users.disabled", "無効", "Disabled"),
    ("users.active", "有効", "Active"),
    ("users.password", "初期パスワード（12文字以上）", "Initial password (12+ characters)"),
    ("users.save", "更新", "Update"),
    ("groups.title", "グループ管理", "Groups"),
    ("groups.add", "グループを追加", "Add a group"),
    ("groups.name", "グループ名", "Group name"),
    ("groups.description", "説明", "Description"),
    ("groups.members", "メンバー", "Members"),
    ("groups.add_member", "メンバーを追加", "Add member"),
    ("audit.title", "監査ログ", "Audit log"),
    (
        "audit.intro",
        "すべての変更・付与・確認・ログイン・閲覧の記録です（追記のみ）。",
        "Every change, grant, acknowledgement, login and view, append-only.",
    ),
    ("tokens.title", "APIトークン", "API tokens"),
    ("tokens.create", "トークンを発行", "Create token"),
    ("tokens.name", "用途", "Purpose"),
    ("tokens.scope", "スコープ", "Scope"),
    (
        "tokens.once",
        "このトークンは一度だけ表示されます。安全な場所に保管してください。",
        "This token is shown only once. Store it somewhere safe.",
    ),
    ("tokens.revoked", "失効", "Revoked"),
    ("tokens.revoke", "失効させる", "Revoke"),
    ("print.title", "営業秘密管理台帳（印刷用）", "Trade-secret register (print)"),
    ("print.generated", "出力日時", "Generated"),
    ("print.by", "出力者", "By"),
    ("error.title", "エラー", "Error"),
    ("error.back", "戻る", "Back"),
    ("error.code", "エラーコード", "Error code"),
    ("common.yes", "はい", "Yes"),
    ("common.no", "いいえ", "No"),
];

/// Looks up a page label; a missing key shows as itself (and fails a test).
pub fn ui(lang: Lang, key: &str) -> &'static str {
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, (&'static str, &'static str)>> =
        std::sync::LazyLock::new(|| UI.iter().map(|(k, ja, en)| (*k, (*ja, *en))).collect());
    match INDEX.get(key) {
        Some((ja, en)) => match lang {
            Lang::Ja => ja,
            Lang::En => en,
        },
        None => "??",
    }
}
