//! The signs of a targeted mail: one stable code each, with Japanese and English text and a
//! weight. The checklist follows IPA's 「標的型攻撃メールの例と見分け方」 (its five groups: the
//! sender, the subject and body, the attachments, the links, the conversation), written in
//! maruhi's own words.

use serde::Serialize;

/// One sign found in a mail or a conversation: why the mail scored what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The stable code (`MRH-MAIL-1NN`), documented in docs/codes.md.
    pub code: &'static str,
    /// What was seen, in Japanese.
    pub ja: String,
    /// What was seen, in English.
    pub en: String,
    /// How much the sign adds to the mail's score.
    #[serde(skip)]
    pub weight: u32,
}

/// A kind of sign: its code, weight and texts; `{}` in a text is replaced by the detail (a file
/// name, a domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sign {
    /// The stable code.
    pub code: &'static str,
    /// The score the sign adds.
    pub weight: u32,
    ja: &'static str,
    en: &'static str,
}

impl Sign {
    /// This sign, with its detail filled in.
    pub fn with(&self, detail: &str) -> Reason {
        Reason {
            code: self.code,
            ja: self.ja.replace("{}", detail),
            en: self.en.replace("{}", detail),
            weight: self.weight,
        }
    }
}

macro_rules! signs {
    ($($(#[$m:meta])* $name:ident = $code:literal, $w:literal, $ja:literal, $en:literal;)*) => {
        $( $(#[$m])* pub const $name: Sign = Sign { code: $code, weight: $w, ja: $ja, en: $en }; )*
        /// Every sign, in code order (pinned by the tests and docs/codes.md).
        pub const ALL: &[Sign] = &[$($name),*];
    };
}

signs! {
    /// A free-mail address writing in a company's name.
    FREEMAIL_AS_COMPANY = "MRH-MAIL-101", 25,
        "フリーメールのアドレス({})から会社名を名乗って送られています",
        "sent from a free-mail address ({}) in a company's name";
    /// The display name holds another address or a known domain the sender is not at.
    DISPLAY_NAME_MISMATCH = "MRH-MAIL-102", 30,
        "表示名({})が送信元アドレスと一致しません",
        "the display name ({}) does not match the sender's address";
    /// Replies go to another domain than the sender's.
    REPLY_TO_ELSEWHERE = "MRH-MAIL-103", 15,
        "返信先({})が送信元と別のドメインです",
        "replies go to another domain than the sender's ({})";
    /// The signature names another mail domain than the sender's.
    SIGNATURE_ADDRESS_MISMATCH = "MRH-MAIL-104", 20,
        "署名のメールアドレス({})が送信元のドメインと一致しません",
        "the signature's address ({}) is not at the sender's domain";
    /// The signature's phone number changed within the sender's mails.
    SIGNATURE_PHONE_CHANGED = "MRH-MAIL-105", 20,
        "同じ送信元の署名の電話番号が以前のメールと異なります({})",
        "the signature's phone number differs from the sender's earlier mail ({})";
    /// The sender's domain looks like the company's or a partner's.
    LOOKALIKE_SENDER = "MRH-MAIL-106", 45,
        "送信元ドメインが自社または取引先のドメインに似せてあります({})",
        "the sender's domain imitates the company's or a partner's ({})";
    /// A link's shown text names another site than the link goes to.
    LINK_TEXT_MISMATCH = "MRH-MAIL-107", 35,
        "リンクの表示({})と実際のリンク先が異なります",
        "a link shows one address ({}) but goes to another";
    /// A link goes to a look-alike of the company's or a partner's domain.
    LOOKALIKE_LINK = "MRH-MAIL-108", 45,
        "リンク先が自社または取引先のドメインに似せてあります({})",
        "a link goes to an imitation of the company's or a partner's domain ({})";
    /// A link goes to a bare IP address.
    LINK_TO_IP = "MRH-MAIL-109", 20,
        "リンク先がIPアドレスです({})",
        "a link goes to a bare IP address ({})";
    /// A link downloads a program directly.
    LINK_TO_PROGRAM = "MRH-MAIL-110", 40,
        "リンク先が実行ファイルなどのダウンロードです({})",
        "a link downloads a program ({})";
    /// A file name hides its real extension with a right-to-left override or other bidi control.
    RLO_FILE_NAME = "MRH-MAIL-111", 70,
        "ファイル名に文字の向きを反転させる制御文字(RLO)があり、拡張子が偽装されています({})",
        "a file name hides its extension with a right-to-left override ({})";
    /// A file name carries two extensions, the real one last.
    DOUBLE_EXTENSION = "MRH-MAIL-112", 50,
        "ファイル名に二重の拡張子があります({})",
        "a file name carries a double extension ({})";
    /// An attachment is a program, script, shortcut or HTML application.
    EXECUTABLE_ATTACHMENT = "MRH-MAIL-113", 60,
        "添付ファイルが実行ファイル・スクリプト・ショートカットです({})",
        "an attachment is a program, script or shortcut ({})";
    /// An attachment is a disk image (ISO, IMG, VHD), which bypasses the mark of the web.
    DISK_IMAGE = "MRH-MAIL-114", 55,
        "添付ファイルがディスクイメージです({})",
        "an attachment is a disk image ({})";
    /// An archive holds a program, script, shortcut or disk image.
    EXECUTABLE_IN_ARCHIVE = "MRH-MAIL-115", 65,
        "圧縮ファイルの中に実行ファイル・スクリプト・ショートカットがあります({})",
        "an archive holds a program, script or shortcut ({})";
    /// A password-protected archive: its content escapes the mail gateway's scan.
    ENCRYPTED_ARCHIVE = "MRH-MAIL-116", 15,
        "パスワード付きの圧縮ファイルです(中身を検査できません)({})",
        "a password-protected archive, whose content no scanner can see ({})";
    /// An archive of a kind maruhi cannot list (RAR, 7z, LZH, CAB, ACE).
    UNLISTED_ARCHIVE = "MRH-MAIL-117", 15,
        "中身を確認できない形式の圧縮ファイルです({})",
        "an archive of a kind maruhi cannot list ({})";
    /// An Office document with macros (VBA).
    OFFICE_MACRO = "MRH-MAIL-118", 45,
        "マクロ付きのOfficeファイルです({})",
        "an Office document with macros ({})";
    /// The mail announces or carries an archive password.
    PASSWORD_NOTICE = "MRH-MAIL-119", 5,
        "パスワードを知らせる、または別送するという内容です",
        "the mail gives an archive password or says it follows separately";
    /// The border server's authentication results failed.
    AUTH_FAILED = "MRH-MAIL-120", 30,
        "自社の受信サーバーでの送信元認証に失敗しています({})",
        "sender authentication failed at the company's border server ({})";
    /// The mail claims the company's own domain but the border server did not authenticate it.
    OWN_DOMAIN_UNAUTHENTICATED = "MRH-MAIL-121", 50,
        "自社ドメイン({})を名乗っていますが、受信サーバーで認証されていません",
        "the mail claims the company's own domain ({}) but the border server did not authenticate it";
    /// A DKIM signature does not verify with the key given for its domain, or a domain with a
    /// given key sent the mail unsigned.
    DKIM_FAILED = "MRH-MAIL-122", 30,
        "DKIM署名を登録済みの公開鍵で検証できません({})",
        "the DKIM signature does not verify with the key on file ({})";
    /// A conversation that began harmless brought an attachment, a risky link or a password later.
    CONVERSATION_TURNED = "MRH-MAIL-130", 20,
        "無害なやり取りの後で添付ファイル・リンク・パスワードが送られてきました(やり取り型)({})",
        "after harmless exchanges the conversation brought an attachment, link or password ({})";
    /// A password-protected archive whose password came in a later mail of the same conversation.
    PASSWORD_IN_LATER_MAIL = "MRH-MAIL-131", 15,
        "パスワード付き圧縮ファイルのパスワードが後のメールで送られています({})",
        "the archive's password came in a later mail of the conversation ({})";
    /// A reply in a conversation comes from a domain none of its earlier mails involved, and
    /// brings an attachment or a risky link (a hijacked thread, as Emotet replied to
    /// stolen conversations).
    THREAD_HIJACK = "MRH-MAIL-132", 25,
        "これまでのやり取りに無かったドメインから、返信の形で添付ファイルやリンクが送られてきました({})",
        "a reply from a domain the conversation never involved brings an attachment or link ({})";
}

/// What a mail's or a conversation's score means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No sign, or too few to matter.
    Clean,
    /// Signs worth a look by the CSIRT.
    Suspicious,
    /// Signs that on their own mean an attack (a program attached, a hidden extension).
    Malicious,
}

impl Verdict {
    /// The score from which a mail is suspicious.
    pub const SUSPICIOUS_FROM: u32 = 25;
    /// The score from which a mail is malicious.
    pub const MALICIOUS_FROM: u32 = 60;

    /// The verdict of a score.
    pub fn of(score: u32) -> Verdict {
        if score >= Self::MALICIOUS_FROM {
            Verdict::Malicious
        } else if score >= Self::SUSPICIOUS_FROM {
            Verdict::Suspicious
        } else {
            Verdict::Clean
        }
    }

    /// `clean`, `suspicious` or `malicious`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Suspicious => "suspicious",
            Verdict::Malicious => "malicious",
        }
    }

    /// The verdict in Japanese.
    pub fn ja(self) -> &'static str {
        match self {
            Verdict::Clean => "問題なし",
            Verdict::Suspicious => "要確認",
            Verdict::Malicious => "危険",
        }
    }
}

/// The score of a set of reasons: the sum of their weights, each code counted once (its highest
/// weight), so twenty links to one fake site weigh as one.
pub fn score(reasons: &[Reason]) -> u32 {
    let mut seen: Vec<(&str, u32)> = Vec::new();
    for r in reasons {
        match seen.iter_mut().find(|(c, _)| *c == r.code) {
            Some((_, w)) => *w = (*w).max(r.weight),
            None => seen.push((r.code, r.weight)),
        }
    }
    seen.iter().map(|(_, w)| w).sum()
}
