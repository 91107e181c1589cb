//! A case's evidence package: what a lawyer or a police investigator
//! receives, as a BagIt 1.0 bag checkable offline.
//!
//! ```text
//! data/journal.json          the case, its checklist and its journal; each entry's body exactly as committed
//! data/journal-ja.html       the same, readable (Japanese, with English headings)
//! data/events.jsonl          cited events (and alerts' evidence events) with where their record starts
//! data/originals/imports/I-NAME   an import's original file, where it was kept (--keep-original)
//! data/alerts.json           alerts with their evidence events
//! data/findings.json         scan findings cited (their ledger entry's summary)
//! data/secrets/S.json        the register record and its recorded history
//! data/files/E-NAME          files attached to journal entry E
//! data/timelines/P.json      a person's timeline
//! data/custody.json          chain of custody: each item, where it came from, who collected it when, SHA-256
//! evidence/…                 as in the prior-use bag: entries, openings, proofs, checkpoints, time stamps
//! tagmanifest-sha256.txt.tst RFC 3161 token over SHA-256 of tagmanifest-sha256.txt (when a TSA is configured)
//! ```
//!
//! The chain for an event: its line in the kept original → the file's
//! SHA-256 in the opening of the import's `events.import` entry → the
//! entry's inclusion proof → the signed checkpoint → its time stamp. For a
//! journal entry: SHA-256 of its body → `body_sha256` in its entry's opening
//! → proof; an attachment's SHA-256 is in the body.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{pretty, sha256_hex, Bag};
use crate::audit::AuditAction;
use crate::i18n::Lang;
use crate::{policy, Actor, Error, Result, Service};

/// What `case_bag_files` made.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CaseBagSummary {
    pub entries: usize,
    pub events: usize,
    /// Original files of imports carried.
    pub originals: usize,
    /// Cited events whose import's original was not kept.
    pub without_original: usize,
    pub files: usize,
    pub timestamps: usize,
    /// Entries left out because no signed checkpoint covers them yet.
    pub pending: usize,
    /// Secrets the case concerns that the exporter may not see (need-to-know
    /// holds in exports too): ask legal/IP to export.
    pub secrets_withheld: usize,
}

/// The most bytes of files a case bag carries (it is assembled in memory).
const MAX_CASE_FILES: u64 = 512 << 20;

struct Custody {
    items: Vec<Value>,
    exported_by: String,
    exported_at: String,
}

impl Custody {
    fn add(&mut self, path: &str, bytes: &[u8], source: Value) {
        self.items.push(json!({
            "path": path, "sha256": sha256_hex(bytes), "size": bytes.len(), "source": source,
            "exported_by": self.exported_by, "exported_at": self.exported_at,
            "maruhi_version": env!("CARGO_PKG_VERSION"),
        }));
    }
}

fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':') { '_' } else { c }).collect()
}

impl Service {
    /// Every file of a case's evidence package, by path; the caller may add
    /// `tagmanifest-sha256.txt.tst` (a time stamp over the tag manifest)
    /// and writes them ([`super::write_bag`]). Members and legal/IP who
    /// review risk (they read events and alerts). Audited as one export,
    /// and written in the case's journal.
    pub async fn case_bag_files(
        &self,
        actor: &Actor,
        id: i64,
        tsa_ca: Option<&[u8]>,
    ) -> Result<(BTreeMap<String, Vec<u8>>, CaseBagSummary)> {
        let view = self.case(actor, id).await?;
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let now = self.now_text();
        let mut custody = Custody { items: Vec::new(), exported_by: actor.username.clone(), exported_at: now.clone() };
        let mut bag = Bag::default();
        let mut stamped = BTreeSet::new();
        let mut summary = CaseBagSummary::default();
        let mut cited_rows = Vec::new();
        let mut conn = self.db.read().await?;

        // The journal, each entry with its ledger entry.
        let journal = maruhi_store::cases::journal(&mut conn, id).await?;
        for e in &journal {
            if let Some(row) = maruhi_store::audit::by_ledger_index(&mut conn, e.ledger_index).await? {
                cited_rows.push(row);
            }
        }
        let journal_json = json!({
            "case": view.case, "members": view.members, "links": view.links,
            "checklist": view.checklist.iter().map(|s| json!({
                "step": s.step.id, "ja": s.step.ja, "en": s.step.en,
                "done_at": s.done.as_ref().map(|d| d.at.clone()), "done_by": s.done.as_ref().map(|d| d.author.clone()),
                "entry": s.done.as_ref().map(|d| d.id),
            })).collect::<Vec<_>>(),
            "entries": journal.iter().map(|e| json!({
                "id": e.id, "at": e.at, "author": e.author_name, "kind": e.kind, "step": e.step,
                "refers_to": e.refers_to, "ledger_index": e.ledger_index, "body": e.body,
            })).collect::<Vec<_>>(),
        });
        let bytes = pretty(&journal_json)?;
        custody.add("data/journal.json", &bytes, json!({"from": "maruhi case journal", "case": id}));
        bag.payload("data/journal.json", bytes);

        // Alerts and their evidence events.
        let mut event_ids: Vec<(String, String)> = Vec::new();
        let mut alerts = Vec::new();
        for link in view.links.iter().filter(|l| l.kind == "alert") {
            let Ok(alert_id) = link.reference.parse::<i64>() else { continue };
            let Ok(detail) = self.alert(actor, alert_id).await else { continue };
            for ev in &detail.alert.event_ids {
                event_ids.push((ev.clone(), format!("alert {alert_id}")));
            }
            cited_rows.extend(maruhi_store::audit::for_object(&mut conn, "alert", &link.reference).await?);
            alerts.push(detail);
        }
        let bytes = pretty(&alerts)?;
        custody.add("data/alerts.json", &bytes, json!({"from": "maruhi insider-risk alerts"}));
        bag.payload("data/alerts.json", bytes);
        for link in view.links.iter().filter(|l| l.kind == "event") {
            event_ids.push((link.reference.clone(), "case".to_owned()));
        }

        // Cited events, their imports, and the original records where kept.
        let mut why: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (ev, reason) in event_ids {
            why.entry(ev).or_default().push(reason);
        }
        let ids: Vec<String> = why.keys().cloned().collect();
        let rows = maruhi_store::events::by_ids(&mut conn, &ids).await?;
        let mut imports: BTreeMap<i64, Option<(String, Vec<u8>)>> = BTreeMap::new();
        let mut carried = 0u64;
        let mut lines = String::new();
        for row in &rows {
            if let std::collections::btree_map::Entry::Vacant(slot) = imports.entry(row.import_id) {
                let import = maruhi_store::events::get_import(&mut conn, row.import_id).await?;
                cited_rows.extend(
                    maruhi_store::audit::for_object(&mut conn, "event_import", &row.import_id.to_string()).await?,
                );
                let original = match import.as_ref().and_then(|i| i.original_id) {
                    Some(file) => {
                        let (meta, mut plain) = self.open_file(file).await?;
                        carried += meta.size_bytes.max(0) as u64;
                        if carried > MAX_CASE_FILES {
                            return Err(Error::Conflict(crate::i18n::Msg::BagTooLarge));
                        }
                        let mut bytes = Vec::new();
                        while let Some(chunk) = plain.next().await? {
                            bytes.extend_from_slice(&chunk);
                        }
                        let path = format!("data/originals/imports/{}-{}", row.import_id, safe_name(&meta.name));
                        let i = import.as_ref();
                        custody.add(&path, &bytes, json!({
                            "from": "activity-log import (kept original)", "import": row.import_id,
                            "source": i.map(|i| i.source.clone()), "format": i.map(|i| i.format.clone()),
                            "collected_by": i.map(|i| i.actor_name.clone()), "collected_at": i.map(|i| i.started_at.clone()),
                        }));
                        bag.payload(&path, bytes.clone());
                        summary.originals += 1;
                        Some((path, bytes))
                    }
                    None => None,
                };
                slot.insert(original);
            }
            let original = imports.get(&row.import_id).and_then(Option::as_ref);
            let record = match (original, row.source_line) {
                (Some((_, bytes)), Some(line)) => record_at(bytes, line),
                _ => None,
            };
            if original.is_none() {
                summary.without_original += 1;
            }
            let event: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
            let line = json!({
                "event": event, "cited_by": why.get(&row.id), "import": row.import_id,
                "source_line": row.source_line,
                "original_file": original.map(|(p, _)| p.clone()),
                "original_record": record,
                "original_kept": original.is_some(),
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
            summary.events += 1;
        }
        custody.add(
            "data/events.jsonl",
            lines.as_bytes(),
            json!({"from": "maruhi activity events", "events": rows.len()}),
        );
        bag.payload("data/events.jsonl", lines.into_bytes());

        // Findings, by their ledger entry.
        let mut findings = Vec::new();
        for link in view.links.iter().filter(|l| l.kind == "finding") {
            let Ok(n) = link.reference.parse::<i64>() else { continue };
            if let Some(row) = maruhi_store::audit::by_ledger_index(&mut conn, n).await? {
                let s: Value = serde_json::from_str(&row.summary).unwrap_or(Value::Null);
                findings.push(json!({"ledger_index": n, "at": row.occurred_at, "action": row.action,
                    "object": format!("{} {}", row.object_type, row.object_id.clone().unwrap_or_default()), "summary": s}));
                cited_rows.push(row);
            }
        }
        let bytes = pretty(&findings)?;
        custody.add("data/findings.json", &bytes, json!({"from": "maruhi scan findings"}));
        bag.payload("data/findings.json", bytes);

        // Secrets: the register entry as it stood when the case was opened,
        // at each cited event, and at export, and its recorded history
        // (views left out).
        let mut times: Vec<String> = vec![view.case.opened_at.clone(), now.clone()];
        for row in &rows {
            times.push(crate::clock::format_time(crate::cases::from_ms(row.ts_ms)));
        }
        times.sort();
        times.dedup();
        let secret_ids: Vec<i64> =
            view.links.iter().filter(|l| l.kind == "secret").filter_map(|l| l.reference.parse().ok()).collect();
        let mut as_of: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        if !secret_ids.is_empty() {
            drop(conn);
            for t in &times {
                for state in self.replay_states(t).await? {
                    if secret_ids.contains(&state.id) {
                        as_of.entry(state.id).or_default().push(json!({"as_of": t, "state": state}));
                    }
                }
            }
            conn = self.db.read().await?;
        }
        for sid in secret_ids {
            let Ok(secret) = self.get_secret(actor, sid).await else {
                summary.secrets_withheld += 1;
                as_of.remove(&sid);
                continue;
            };
            let history: Vec<_> = maruhi_store::audit::for_object(&mut conn, "secret", &sid.to_string())
                .await?
                .into_iter()
                .filter(|r| r.action != AuditAction::SecretView.id())
                .collect();
            let record = json!({
                "record_at_export": super::secret_record(&secret),
                "as_it_stood": as_of.remove(&sid).unwrap_or_default(),
                "history": history.iter().map(|r| json!({
                    "at": r.occurred_at, "action": r.action, "ledger_index": r.ledger_index,
                    "summary": serde_json::from_str::<Value>(&r.summary).unwrap_or(Value::Null),
                })).collect::<Vec<_>>(),
            });
            let path = format!("data/secrets/{sid}.json");
            let bytes = pretty(&record)?;
            custody.add(
                &path,
                &bytes,
                json!({"from": "maruhi register (rebuilt from the ledger as it stood)", "secret": sid}),
            );
            bag.payload(&path, bytes);
            cited_rows.extend(history);
        }

        // Files attached to the journal.
        for file in &view.files {
            let (meta, mut plain) = self.open_file(file.id).await?;
            carried += meta.size_bytes.max(0) as u64;
            if carried > MAX_CASE_FILES {
                return Err(Error::Conflict(crate::i18n::Msg::BagTooLarge));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = plain.next().await? {
                bytes.extend_from_slice(&chunk);
            }
            let path = format!("data/files/{}-{}", file.entry_id, safe_name(&file.name));
            let entry = journal.iter().find(|e| e.id == file.entry_id);
            custody.add(
                &path,
                &bytes,
                json!({
                    "from": "case journal attachment", "entry": file.entry_id,
                    "collected_by": entry.map(|e| e.author_name.clone()), "collected_at": entry.map(|e| e.at.clone()),
                }),
            );
            bag.payload(&path, bytes);
            summary.files += 1;
        }
        drop(conn);

        // People's timelines.
        let mut timelines = Vec::new();
        for link in view.links.iter().filter(|l| l.kind == "person") {
            let items = self.case_timeline(actor, id, &link.reference, Lang::Ja).await.unwrap_or_default();
            let path = format!("data/timelines/{}.json", safe_name(&link.reference));
            let bytes = pretty(&items)?;
            custody.add(
                &path,
                &bytes,
                json!({"from": "maruhi HR dates, indicators, alerts and cited events", "person": link.reference}),
            );
            bag.payload(&path, bytes);
            timelines.push((link.reference.clone(), items));
        }

        // Ledger entries with their proofs.
        let mut seen = BTreeSet::new();
        for row in &cited_rows {
            let Some(index) = row.ledger_index else { continue };
            if !seen.insert(index) {
                continue;
            }
            if !self.add_entry(&mut bag, row, &mut stamped).await? {
                summary.pending += 1;
            }
        }
        self.add_renewals(&mut bag, &stamped).await?;
        summary.entries = bag.tags.keys().filter(|k| k.ends_with(".entry")).count();
        summary.timestamps = stamped.len();

        // The journal for people to read: one document, as HTML and (where a
        // Japanese font is installed) as PDF.
        let title = format!("事案 No.{id} 調査経過");
        let blocks = journal_blocks(&view, &journal, &timelines, &custody.items, findings.len());
        let html = crate::report::render::html(&title, &blocks);
        custody.add("data/journal-ja.html", html.as_bytes(), json!({"from": "rendered from data/journal.json"}));
        bag.payload("data/journal-ja.html", html.into_bytes());
        match crate::report::render::pdf(&title, &blocks) {
            Ok(pdf) => {
                custody.add("data/journal-ja.pdf", &pdf, json!({"from": "rendered from data/journal.json"}));
                bag.payload("data/journal-ja.pdf", pdf);
            }
            Err(Error::NotConfigured(_)) => {}
            Err(e) => return Err(e),
        }
        let bytes = pretty(&json!({"items": custody.items}))?;
        bag.payload("data/custody.json", bytes);

        bag.tag("evidence/log-key.txt".into(), format!("{}\n", self.ledger_public_key()?).into_bytes());
        if let Some(ca) = tsa_ca {
            let der = maruhi_timestamp::certificate_der(ca)
                .map_err(|_| Error::invalid("tsa_ca", crate::i18n::Msg::NotACertificate))?;
            bag.tag("evidence/tsa-ca.pem".into(), super::pem("CERTIFICATE", &der).into_bytes());
        }
        bag.tag("evidence/README-ja.txt".into(), readme(Lang::Ja, id).into_bytes());
        bag.tag("evidence/README-en.txt".into(), readme(Lang::En, id).into_bytes());
        let info = format!(
            "Source-Organization: maruhi, log {}\nBagging-Date: {}\nExternal-Identifier: case {id}\n\
             External-Description: Evidence package of an incident case: investigation journal, cited activity \
             events with their original records, alerts, findings, register records, attachments, chain of \
             custody, ledger entries with inclusion proofs, signed checkpoints and RFC 3161 time stamps. See \
             evidence/README-en.txt.\nBag-Software-Agent: maruhi {}\n",
            self.ledger_public_key()?.split('+').next().unwrap_or_default(),
            self.now().date(),
            env!("CARGO_PKG_VERSION"),
        );
        let files = bag.finish(&info);

        let mut tx = self.db.begin().await?;
        let event = crate::audit::Event::new(actor, AuditAction::EvidenceExport, "case", id).summary(json!({
            "kind": "case", "entries": summary.entries, "events": summary.events, "files": summary.files,
            "tagmanifest_sha256": files.get("tagmanifest-sha256.txt").map(|b| sha256_hex(b)),
        }));
        crate::audit::record(&mut tx, &now, event).await?;
        tx.commit().await?;
        Ok((files, summary))
    }

    /// The same package as one zip file (for a download), its folder named
    /// `case-N/`. Without a time stamp over the tag manifest: the caller
    /// holds no time-stamp authority (`maruhi case export` adds one).
    pub async fn case_bag_zip(&self, actor: &Actor, id: i64) -> Result<Vec<u8>> {
        let (files, _) = self.case_bag_files(actor, id, None).await?;
        super::zip_folder(&format!("case-{id}"), &files)
    }
}

/// The record that starts on line `line` (1-based) of a text file: that
/// line. `None` when the file is not text (EVTX: the record id names it).
fn record_at(bytes: &[u8], line: i64) -> Option<String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    let n = usize::try_from(line).ok()?.checked_sub(1)?;
    text.split('\n').nth(n).map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
}

/// The journal as a document: the case, the checklist, the journal, the
/// timelines and the chain of custody.
fn journal_blocks(
    view: &crate::cases::CaseView,
    journal: &[maruhi_store::cases::EntryRow],
    timelines: &[(String, Vec<crate::cases::TimelineItem>)],
    custody: &[Value],
    findings: usize,
) -> Vec<crate::report::render::Block> {
    use crate::report::render::Block;
    let c = &view.case;
    let mut b = vec![Block::Title(format!("事案 No.{} {} / Case No. {}", c.id, c.title, c.id))];
    b.push(Block::Table(
        vec![0.3, 0.7],
        vec![String::new(), String::new()],
        vec![
            vec!["種別・重大度 Kind, severity".into(), format!("{} / {}", c.kind, c.severity)],
            vec!["状態 Status".into(), format!("{} {}", c.status, c.status_reason)],
            vec!["開始 Opened".into(), c.opened_at.clone()],
            vec!["訴訟ホールド Legal hold".into(), c.hold_since.clone().unwrap_or_else(|| "なし / none".into())],
            vec!["担当 Members".into(), view.members.join(", ")],
            vec![
                "対象 Concerns".into(),
                view.links.iter().map(|l| format!("{} {}", l.kind, l.reference)).collect::<Vec<_>>().join(", "),
            ],
        ],
    ));
    b.push(Block::Heading("初動対応チェックリスト / Initial response".into()));
    let rows = view
        .checklist
        .iter()
        .map(|s| {
            let done = s
                .done
                .as_ref()
                .map(|d| format!("{} {}: {}", d.at, d.author, d.text))
                .unwrap_or_else(|| "未実施 / not yet".into());
            vec![format!("{}\n{}", s.step.ja, s.step.en), done]
        })
        .collect();
    b.push(Block::Table(vec![0.55, 0.45], vec!["項目 Step".into(), "実施 Done".into()], rows));
    b.push(Block::Heading("調査経過 / Journal".into()));
    let rows = journal
        .iter()
        .map(|e| {
            let body: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            let mut text = body["text"].as_str().unwrap_or_default().to_owned();
            if let Some(r) = e.refers_to {
                text = format!("（No.{r} の訂正 / corrects #{r}）{text}");
            }
            for key in ["status", "link", "member"] {
                if !body[key].is_null() {
                    text.push_str(&format!(" {}", body[key]));
                }
            }
            for f in body["files"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "\n添付 file: {} (SHA-256 {})",
                    f["name"].as_str().unwrap_or_default(),
                    f["sha256"].as_str().unwrap_or_default()
                ));
            }
            vec![
                format!("#{}\n{}", e.id, e.at),
                format!("{} ({})", e.author_name, e.kind),
                text,
                e.ledger_index.to_string(),
            ]
        })
        .collect();
    b.push(Block::Table(
        vec![0.23, 0.16, 0.53, 0.08],
        vec!["日時 At".into(), "記録者 By".into(), "内容 Entry".into(), "台帳".into()],
        rows,
    ));
    for (person, items) in timelines {
        b.push(Block::Heading(format!("時系列 {person} / Timeline")));
        let rows = items.iter().map(|i| vec![i.at.clone(), i.kind.clone(), i.text.clone()]).collect();
        b.push(Block::Table(vec![0.22, 0.13, 0.65], vec!["日時 At".into(), "種類 Kind".into(), "内容".into()], rows));
    }
    if findings > 0 {
        b.push(Block::Para(format!("スキャンの検出 {findings} 件（data/findings.json） / {findings} scan findings")));
    }
    b.push(Block::Heading("保管の連鎖 / Chain of custody".into()));
    let rows = custody
        .iter()
        .map(|item| {
            vec![
                item["path"].as_str().unwrap_or_default().to_owned(),
                item["sha256"].as_str().unwrap_or_default().to_owned(),
                item["source"].to_string(),
            ]
        })
        .collect();
    b.push(Block::Table(
        vec![0.3, 0.35, 0.35],
        vec!["ファイル File".into(), "SHA-256".into(), "出所 Source".into()],
        rows,
    ));
    b.push(Block::Para(
        "検証 / To check: maruhi evidence verify . ／ bagit.py --validate .（evidence/README-ja.txt 参照）".into(),
    ));
    b
}

fn readme(lang: Lang, id: i64) -> String {
    match lang {
        Lang::Ja => format!(
            "事案 No.{id} の証拠パッケージ\n\n\
この BagIt 形式（RFC 8493）のフォルダには、事案の調査経過と、それが引用する行動ログ、アラート、スキャンの検出、\n\
営業秘密の登録記録、添付ファイルが入っています。各項目は maruhi の証跡台帳のエントリで裏付けられ、\n\
maruhi を信用せずに第三者が確かめられます。\n\n\
主なファイル:\n\
  data/journal-ja.html   調査経過（読みやすい形）\n\
  data/journal.json      調査経過（各エントリの body は台帳に記録されたとおり）\n\
  data/events.jsonl      引用された行動ログ。original_record は取り込んだ原本の該当行\n\
  data/originals/imports/ 取り込んだ原本ファイル（--keep-original で保管したもの）\n\
  data/custody.json      保管の連鎖（各ファイルの出所、収集者、日時、SHA-256、maruhi の版）\n\n\
証明の連鎖:\n\
1. 調査経過の各エントリの body（正規化 JSON）の SHA-256 は、台帳エントリ evidence/entries/N の opening の\n\
   body_sha256 と一致します（N は ledger_index）。添付ファイルの SHA-256 は body に記録されています。\n\
2. 行動ログは、取り込み（events.import）のエントリの opening にある原本ファイルの sha256 と、\n\
   data/originals/imports/ の原本が一致し、source_line がその中の行（EVTX ではレコード番号）です。\n\
3. N.tlog-proof はエントリ N が署名済みチェックポイントに含まれることの証明、\n\
   evidence/timestamps/S.tst はチェックポイント S の RFC 3161 タイムスタンプです。\n\
4. tagmanifest-sha256.txt.tst は、このパッケージ全体（tagmanifest-sha256.txt）に対する RFC 3161 タイムスタンプです。\n\n\
確認:\n\
  bagit.py --validate .\n\
  openssl ts -verify -in tagmanifest-sha256.txt.tst -token_in -data tagmanifest-sha256.txt -CAfile evidence/tsa-ca.pem\n\
  maruhi evidence verify . --key 台帳の公開鍵 --tsa-ca-cert TSAのCA証明書\n\n\
台帳の公開鍵は、このフォルダとは別の経路で入手したものと照合してください。\n"
        ),
        Lang::En => format!(
            "Evidence package of case No. {id}\n\n\
This BagIt folder (RFC 8493) holds the case's investigation journal and what it cites: activity events,\n\
alerts, scan findings, register records of secrets, attached files. Each item is backed by an entry of\n\
maruhi's evidence ledger, checkable by anyone without trusting maruhi.\n\n\
Main files:\n\
  data/journal-ja.html   the journal, readable (Japanese, with English headings)\n\
  data/journal.json      the journal; each entry's body exactly as committed in the ledger\n\
  data/events.jsonl      cited events; original_record is the line of the imported original\n\
  data/originals/imports/ imported originals kept with --keep-original\n\
  data/custody.json      chain of custody: each file's source, who collected it when, SHA-256, maruhi version\n\n\
The chain of proof:\n\
1. SHA-256 of each journal entry's body (canonical JSON) equals body_sha256 in the opening of ledger entry\n\
   evidence/entries/N (N = ledger_index). An attachment's SHA-256 is recorded in the body.\n\
2. An event's import (events.import) entry names the original file's sha256 in its opening; the file under\n\
   data/originals/imports/ has that hash, and source_line is the line (EVTX: record id) in it.\n\
3. N.tlog-proof proves entry N is in a signed checkpoint; evidence/timestamps/S.tst is an RFC 3161 time\n\
   stamp over checkpoint S.\n\
4. tagmanifest-sha256.txt.tst is an RFC 3161 time stamp over the whole package (tagmanifest-sha256.txt).\n\n\
To check:\n\
  bagit.py --validate .\n\
  openssl ts -verify -in tagmanifest-sha256.txt.tst -token_in -data tagmanifest-sha256.txt -CAfile evidence/tsa-ca.pem\n\
  maruhi evidence verify . --key LOG_KEY --tsa-ca-cert TSA_CA\n\n\
Compare the log's public key with one obtained independently of this folder.\n"
        ),
    }
}
