//! Reports as documents: one block model rendered as HTML or as PDF.
//!
//! The PDF is made by maruhi itself (krilla): the Japanese font is embedded
//! as a subset with a ToUnicode map, so `pdftotext` reads the text back
//! exactly. The font is the system's Noto Sans CJK JP (Debian's
//! `fonts-noto-cjk`) or IPAex Gothic, or the file `MARUHI_REPORT_FONT`
//! names (TrueType, OpenType or a collection; `PATH#INDEX` picks a face).

use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::{Dating, RegisterAsOf, SecretReport};
use crate::i18n::Msg;
use crate::{Error, Result};

/// A piece of a document.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    /// A table: widths (shares of the line), header, rows.
    Table(Vec<f32>, Vec<String>, Vec<Vec<String>>),
    /// Preformatted text (proofs).
    Mono(String),
}

fn dating_blocks(d: &Dating, out: &mut Vec<Block>) {
    let mut rows = vec![vec!["基準日時 As of".to_owned(), d.as_of.clone()]];
    rows.push(vec![
        "台帳 Ledger".into(),
        match d.last_index {
            Some(i) => format!("エントリ {i} までの記録 / entries up to {i}"),
            None => "記録なし / nothing recorded".into(),
        },
    ]);
    rows.push(vec![
        "署名済みチェックポイント Signed checkpoint".into(),
        match (d.checkpoint_size, &d.checkpoint_signed_at) {
            (Some(size), Some(at)) => format!("サイズ {size}、{at} 署名 / size {size}, signed {at}"),
            _ => "まだありません / none yet".into(),
        },
    ]);
    rows.push(vec![
        "タイムスタンプ Time stamp (RFC 3161)".into(),
        match (d.timestamp_size, &d.timestamp_at, &d.timestamp_tsa) {
            (Some(size), Some(at), Some(tsa)) => {
                format!("チェックポイント {size}: {at}（{tsa}）/ checkpoint {size}: {at} ({tsa})")
            }
            _ => "まだありません / none yet".into(),
        },
    ]);
    out.push(Block::Table(vec![0.38, 0.62], vec!["".into(), "".into()], rows));
}

/// A secret's report as blocks: Japanese first, English beside it.
pub fn secret_blocks(r: &SecretReport) -> Vec<Block> {
    let s = &r.secret;
    let mut b = vec![Block::Title(format!(
        "営業秘密 No.{} 「{}」 秘密管理性の報告書 / Trade secret No. {}: secrecy management report",
        s.id,
        s.title(),
        s.id
    ))];
    dating_blocks(&r.dating, &mut b);
    b.push(Block::Heading("1. 登録 / Registration".into()));
    if s.erased {
        b.push(Block::Para(
            "登録時の記録の個人情報部分が消去されているため、当時の内容を再構成できません。/ The registration's details were erased; the record as it stood cannot be rebuilt.".into(),
        ));
    }
    b.push(Block::Table(
        vec![0.3, 0.7],
        vec!["項目 Item".into(), "内容 Value".into()],
        vec![
            vec![
                "登録 Registered".into(),
                format!("{} / {} [台帳 {}]", s.registered_at, s.registered_by, idx(s.registered_index)),
            ],
            vec!["秘密区分 Level".into(), s.text("level")],
            vec!["分類 Category".into(), s.text("category")],
            vec!["状態 Status".into(), format!("{} {}", s.text("status"), s.text("status_reason"))],
            vec!["部署 Department".into(), s.text("department")],
            vec!["管理責任者 Manager".into(), super::short(&s.record["manager"])],
        ],
    ));
    b.push(Block::Heading("2. 秘密表示と保管場所（媒体別） / Marks and storage by medium".into()));
    let rows: Vec<Vec<String>> = r
        .media
        .iter()
        .map(|m| {
            vec![
                format!("{} {}", m.ja, m.en),
                if m.marks.is_empty() { "—".into() } else { m.marks.join("、") },
                if m.locations.is_empty() { "—".into() } else { m.locations.join("、") },
            ]
        })
        .collect();
    b.push(Block::Table(
        vec![0.2, 0.4, 0.4],
        vec!["媒体 Medium".into(), "表示 Marks".into(), "保管場所 Locations".into()],
        rows,
    ));
    b.push(Block::Para(
        "媒体は表示・保管場所の語から分類しています。/ Media are classified by the words of each mark and location."
            .into(),
    ));
    b.push(Block::Heading("3. アクセス権 / Access (need-to-know)".into()));
    let rows = s.access.iter().map(|p| vec![format!("{}:{}", p.kind, p.name), p.since.clone()]).collect();
    b.push(Block::Table(vec![0.5, 0.5], vec!["対象 Principal".into(), "付与 Since".into()], rows));
    let rows = s.entitled.iter().map(|p| vec![p.user.clone(), p.since.clone()]).collect();
    b.push(Block::Para(
        "グループを当時の構成で展開した閲覧可能者 / Entitled people, groups expanded as they were:".into(),
    ));
    b.push(Block::Table(vec![0.5, 0.5], vec!["利用者 User".into(), "以降 Since".into()], rows));
    b.push(Block::Heading(format!(
        "4. 確認・誓約（取扱規程 第{}版、{} 以降） / Acknowledgements (handling rules v{} since {})",
        s.rules_version, s.rules_since, s.rules_version, s.rules_since
    )));
    let rules = s.text("handling_rules");
    b.push(Block::Para(format!(
        "取扱規程 / Handling rules: {}",
        if rules.is_empty() { "（定めなし / none recorded）".to_owned() } else { rules }
    )));
    let rows = s
        .acknowledged
        .iter()
        .map(|a| vec![a.user.clone(), format!("v{}", a.rules_version), a.at.clone(), idx(a.ledger_index)])
        .collect();
    b.push(Block::Table(
        vec![0.3, 0.15, 0.35, 0.2],
        vec!["利用者 User".into(), "版 Version".into(), "日時 At".into(), "台帳 Ledger".into()],
        rows,
    ));
    let pending: Vec<String> =
        s.outstanding.iter().map(|p| format!("{}（{} 以降 / since {}）", p.user, p.since, p.since)).collect();
    b.push(Block::Para(if pending.is_empty() {
        "未確認者なし / Everyone entitled has acknowledged the current rules.".into()
    } else {
        format!("未確認 / Not yet acknowledged: {}", pending.join("、"))
    }));
    b.push(Block::Heading("5. 契約・見直し / Agreements and review".into()));
    let agreements = s.text("agreements");
    b.push(Block::Para(format!(
        "契約（秘密保持契約など） / Agreements (NDAs etc.): {}",
        if agreements.is_empty() { "—".into() } else { agreements }
    )));
    b.push(Block::Para(match &r.review_date {
        Some(d) if r.review_overdue => {
            format!("見直し期限 {d}（基準日時に超過）/ Review due {d} (overdue at the as-of date)")
        }
        Some(d) => format!("見直し期限 {d} / Review due {d}"),
        None => "見直し期限の定めなし / No review date set".into(),
    }));
    b.push(Block::Heading("6. 経緯（台帳の記録） / History (as recorded in the ledger)".into()));
    let rows = r
        .statements
        .iter()
        .map(|st| vec![st.at.clone(), format!("{}\n{}", st.ja, st.en), idx(st.ledger_index)])
        .collect();
    b.push(Block::Table(
        vec![0.22, 0.63, 0.15],
        vec!["日時 At".into(), "内容 Statement".into(), "台帳 Ledger".into()],
        rows,
    ));
    if !r.scans.is_empty() {
        b.push(Block::Heading("7. スキャンと検出 / Scans and findings".into()));
        let rows = r
            .scans
            .iter()
            .map(|st| vec![st.at.clone(), format!("{}\n{}", st.ja, st.en), idx(st.ledger_index)])
            .collect();
        b.push(Block::Table(
            vec![0.22, 0.63, 0.15],
            vec!["日時 At".into(), "内容 Statement".into(), "台帳 Ledger".into()],
            rows,
        ));
    }
    b.push(Block::Heading("付録: 包含証明 / Appendix: inclusion proofs (c2sp.org/tlog-proof@v1)".into()));
    b.push(Block::Para(
        "各証明は maruhi verify-proof FILE --key 台帳の公開鍵 で確認できます。/ Check each with maruhi verify-proof FILE --key LOG_KEY.".into(),
    ));
    for (index, proof) in &r.proofs {
        b.push(Block::Para(format!("台帳エントリ {index} / ledger entry {index}")));
        b.push(Block::Mono(proof.clone()));
    }
    b
}

/// The register as it stood, as blocks.
pub fn register_blocks(r: &RegisterAsOf) -> Vec<Block> {
    let mut b = vec![Block::Title(format!(
        "営業秘密管理台帳（{} 時点） / The register as of {}",
        r.dating.as_of, r.dating.as_of
    ))];
    dating_blocks(&r.dating, &mut b);
    let rows = r
        .secrets
        .iter()
        .map(|s| {
            let access: Vec<String> = s.access.iter().map(|p| format!("{}:{}", p.kind, p.name)).collect();
            vec![
                s.id.to_string(),
                s.title().to_owned(),
                format!("{} / {}", s.text("level"), s.text("status")),
                format!("{}\n{}", s.text("marks"), s.text("locations")),
                access.join(", "),
                format!(
                    "v{}: {}/{}",
                    s.rules_version,
                    s.entitled.len() - s.outstanding.len().min(s.entitled.len()),
                    s.entitled.len()
                ),
            ]
        })
        .collect();
    b.push(Block::Table(
        vec![0.06, 0.22, 0.14, 0.26, 0.2, 0.12],
        vec![
            "No.".into(),
            "名称 Title".into(),
            "区分・状態 Level, status".into(),
            "表示・保管場所 Marks, locations".into(),
            "アクセス権 Access".into(),
            "誓約 Acks".into(),
        ],
        rows,
    ));
    b
}

fn idx(i: Option<i64>) -> String {
    i.map(|i| i.to_string()).unwrap_or_else(|| "—".into())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The blocks as a standalone HTML page.
pub fn html(title: &str, blocks: &[Block]) -> String {
    let mut h = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;margin:2em auto;max-width:62em;line-height:1.5}}\
         table{{border-collapse:collapse;width:100%;margin:.5em 0}}td,th{{border:1px solid #aaa;padding:3px 6px;vertical-align:top;text-align:left;white-space:pre-wrap}}\
         th{{background:#eee}}pre{{font-size:.75em;background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all}}h1{{font-size:1.4em}}h2{{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.5em}}\
         </style></head><body>",
        esc(title)
    );
    for block in blocks {
        match block {
            Block::Title(t) => h.push_str(&format!("<h1>{}</h1>", esc(t))),
            Block::Heading(t) => h.push_str(&format!("<h2>{}</h2>", esc(t))),
            Block::Para(t) => h.push_str(&format!("<p>{}</p>", esc(t))),
            Block::Mono(t) => h.push_str(&format!("<pre>{}</pre>", esc(t))),
            Block::Table(_, header, rows) => {
                h.push_str("<table>");
                if header.iter().any(|c| !c.is_empty()) {
                    h.push_str("<tr>");
                    for c in header {
                        h.push_str(&format!("<th>{}</th>", esc(c)));
                    }
                    h.push_str("</tr>");
                }
                for row in rows {
                    h.push_str("<tr>");
                    for c in row {
                        h.push_str(&format!("<td>{}</td>", esc(c)));
                    }
                    h.push_str("</tr>");
                }
                h.push_str("</table>");
            }
        }
    }
    h.push_str("</body></html>\n");
    h
}

/// A rendered report: its media type, a file name and the bytes.
pub struct Rendered {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A secret's report in `format` (`pdf`, `html` or `json`).
pub fn secret_document(r: &SecretReport, format: &str) -> Result<Rendered> {
    let title = format!("営業秘密 No.{} 秘密管理性の報告書", r.secret.id);
    let stem = format!("secret-{}-report-{}", r.secret.id, r.dating.as_of.get(..10).unwrap_or_default());
    document(r, format, &title, &stem, || secret_blocks(r))
}

/// The register as it stood, in `format` (`csv`, `html`, `pdf` or `json`).
pub fn register_document(r: &RegisterAsOf, format: &str) -> Result<Rendered> {
    if format == "csv" {
        let file_name = format!("register-{}.csv", r.dating.as_of.get(..10).unwrap_or_default());
        return Ok(Rendered { content_type: "text/csv; charset=utf-8", file_name, bytes: super::register_csv(r)? });
    }
    let title = format!("営業秘密管理台帳 {}", r.dating.as_of);
    let stem = format!("register-{}", r.dating.as_of.get(..10).unwrap_or_default());
    document(r, format, &title, &stem, || register_blocks(r))
}

fn document<T: serde::Serialize>(
    value: &T,
    format: &str,
    title: &str,
    stem: &str,
    blocks: impl Fn() -> Vec<Block>,
) -> Result<Rendered> {
    Ok(match format {
        "json" => Rendered {
            content_type: "application/json",
            file_name: format!("{stem}.json"),
            bytes: serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(e.to_string()))?,
        },
        "html" => Rendered {
            content_type: "text/html; charset=utf-8",
            file_name: format!("{stem}.html"),
            bytes: html(title, &blocks()).into_bytes(),
        },
        "pdf" => Rendered {
            content_type: "application/pdf",
            file_name: format!("{stem}.pdf"),
            bytes: pdf(title, &blocks())?,
        },
        _ => return Err(Error::invalid("format", Msg::InputInvalid)),
    })
}

/// Where the report font is looked for, in order.
const FONT_PATHS: [&str; 5] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
];

pub(crate) fn load_font() -> Result<Font> {
    let named = std::env::var("MARUHI_REPORT_FONT").ok().filter(|s| !s.is_empty());
    let candidates: Vec<String> = match &named {
        Some(n) => vec![n.clone()],
        None => FONT_PATHS.iter().map(|p| (*p).to_owned()).collect(),
    };
    for c in candidates {
        let (path, index) = match c.rsplit_once('#') {
            Some((p, i)) => (p.to_owned(), i.parse().unwrap_or(0)),
            None => (c.clone(), 0),
        };
        if let Ok(data) = std::fs::read(&path) {
            if let Some(font) = Font::new(data.into(), index) {
                return Ok(font);
            }
        }
    }
    Err(Error::NotConfigured(Msg::NoReportFont))
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;

/// An estimate of a character's advance in ems: full width for CJK and
/// other wide characters, about half for Latin.
pub(crate) fn advance(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
            0.66
        } else {
            0.55
        }
    } else if ('\u{0080}'..'\u{2E80}').contains(&c) && c != '—' && c != '…' {
        0.6
    } else {
        1.0
    }
}

/// Breaks text into lines no wider than `width` points at `size`: Latin
/// words break at a space where there is one, Japanese anywhere.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let width_of = |s: &str| s.chars().map(advance).sum::<f32>() * size;
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for c in para.chars() {
            if width_of(&line) + advance(c) * size > width && !line.is_empty() {
                let in_word = c.is_ascii_alphanumeric() && line.ends_with(|p: char| p.is_ascii_alphanumeric());
                match line.rfind(' ').filter(|&i| in_word && i > 0 && width_of(&line[i..]) < width / 2.0) {
                    Some(i) => {
                        let rest = line[i + 1..].to_owned();
                        line.truncate(i);
                        lines.push(std::mem::replace(&mut line, rest));
                    }
                    None => lines.push(std::mem::take(&mut line)),
                }
            }
            line.push(c);
        }
        lines.push(line);
    }
    lines
}

struct Run {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

struct Layout {
    pages: Vec<Vec<Run>>,
    /// Horizontal rules per page (their y).
    rules: Vec<Vec<f32>>,
    y: f32,
}

impl Layout {
    fn need(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN {
            self.pages.push(Vec::new());
            self.rules.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn rule(&mut self) {
        if let Some(r) = self.rules.last_mut() {
            r.push(self.y);
        }
    }

    fn text(&mut self, x: f32, size: f32, text: String) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Run { x, y: self.y + size, size, text });
        }
    }

    fn lines(&mut self, text: &str, size: f32, gap: f32) {
        for line in wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            self.need(size * 1.45);
            self.text(MARGIN, size, line);
            self.y += size * 1.45;
        }
        self.y += gap;
    }
}

/// The blocks as a PDF (A4), the font embedded as a subset.
pub fn pdf(title: &str, blocks: &[Block]) -> Result<Vec<u8>> {
    let font = load_font()?;
    let mut l = Layout { pages: vec![Vec::new()], rules: vec![Vec::new()], y: MARGIN };
    for block in blocks {
        match block {
            Block::Title(t) => l.lines(t, 15.0, 8.0),
            Block::Heading(t) => {
                l.y += 6.0;
                l.need(40.0);
                l.lines(t, 11.5, 0.0);
                l.rule();
                l.y += 3.0;
            }
            Block::Para(t) => l.lines(t, 8.5, 3.0),
            Block::Mono(t) => l.lines(t, 6.0, 4.0),
            Block::Table(widths, header, rows) => {
                let full = PAGE_W - 2.0 * MARGIN;
                let header_row = header.iter().any(|c| !c.is_empty()).then_some(header);
                for (n, row) in header_row.into_iter().chain(rows.iter()).enumerate() {
                    let size = 8.0;
                    let cells: Vec<Vec<String>> = row
                        .iter()
                        .enumerate()
                        .map(|(i, c)| wrap(c, size, widths.get(i).copied().unwrap_or(0.2) * full - 6.0))
                        .collect();
                    let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.35 + 3.0;
                    l.need(height);
                    let mut x = MARGIN;
                    for (i, lines) in cells.iter().enumerate() {
                        let y0 = l.y;
                        for line in lines {
                            l.text(x, size, line.clone());
                            l.y += size * 1.35;
                        }
                        l.y = y0;
                        x += widths.get(i).copied().unwrap_or(0.2) * full;
                    }
                    l.y += height;
                    l.rule();
                    if n == 0 && header_row.is_some() {
                        l.y += 1.0;
                    }
                }
                l.y += 4.0;
            }
        }
    }
    let mut doc = Document::new();
    doc.set_metadata(krilla::metadata::Metadata::new().title(title.to_owned()).language("ja".to_owned()));
    let total = l.pages.len();
    let lines_of = l.rules;
    for (n, runs) in l.pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| Error::Internal("page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let rule = |surface: &mut krilla::surface::Surface<'_>, y: f32| {
            let mut path = krilla::geom::PathBuilder::new();
            path.move_to(MARGIN, y);
            path.line_to(PAGE_W - MARGIN, y);
            if let Some(p) = path.finish() {
                surface.set_stroke(Some(krilla::paint::Stroke { width: 0.4, ..Default::default() }));
                surface.draw_path(&p);
                surface.set_stroke(None);
            }
        };
        for y in &lines_of[n] {
            rule(&mut surface, *y);
        }
        for r in runs {
            surface.draw_text(Point::from_xy(r.x, r.y), font.clone(), r.size, &r.text, false, TextDirection::Auto);
        }
        let footer = format!("maruhi — {} / {}", n + 1, total);
        surface.draw_text(
            Point::from_xy(MARGIN, PAGE_H - 24.0),
            font.clone(),
            7.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| Error::Internal(format!("pdf: {e:?}")))
}
