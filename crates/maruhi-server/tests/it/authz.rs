//! Every role against every route: the expected status of each pair is
//! written down, so a change in who may do what shows up as a diff here.

use axum::http::Method;
use maruhi_service::Scope;

use crate::{Auth, Fixture};

/// Columns: admin, manager (owner of the secret), legal, analyst, auditor,
/// employee without access, employee with access, anonymous.
const ROLES: [&str; 7] = ["admin", "sato", "yamada", "tanaka", "ito", "kato", "watanabe"];

const SECRET: &str = r#"{"title":"新規","category":"drawing","level":"秘"}"#;

/// Part of the fixture's material, re-typed: what a leak looks like.
const LEAK: &str = "第二工程ではセンサー基板を防振ゴムの上に載せ,コネクタを奥まで差し込んでからロックを確認する｡第三工程で筐体を閉じ,気密試験を50キロパスカルで30秒行う";

/// One activity event, as a log shipper would post it.
const EVENT: &str = r#"{"@timestamp":"2026-11-02T09:05:00+09:00","event":{"id":"pc42-2","action":"file-copy"},"user":{"name":"watanabe"},"file":{"path":"E:\\MX-7.dwg"},"device":{"type":"removable"}}"#;

const HR: &str = "user,notice_date,last_working_day,end_date\nwatanabe,2026-11-01,2026-11-30,2026-12-31\n";

/// A body that starts with this is posted as a browser upload (multipart,
/// file `a.txt` with the rest as its content).
const UPLOAD: &str = "upload:";

/// The same, with a `text` field: a journal entry with an attached file.
const NOTE_UPLOAD: &str = "note-upload:";

/// The fixture's ids that routes name.
struct Ids {
    /// The secret managed by `sato` and granted to `watanabe` and the group `empty`.
    secret: i64,
    /// The group `empty`.
    group: i64,
    /// The user `kato`.
    user: i64,
    /// A material of the secret whose original is stored.
    material: i64,
    /// A case opened by the analyst `tanaka` (its only member), concerning
    /// `watanabe`.
    case: i64,
    /// A case opened by another analyst, `suzuki`: `tanaka` is no member.
    other_case: i64,
    /// A sharing report drafted by `tanaka` and approved by `yamada`.
    share: i64,
    /// A sharing report drafted by `tanaka`, not approved.
    share_draft: i64,
}

impl Ids {
    async fn of(f: &Fixture) -> Ids {
        let op = maruhi_service::Actor::operator();
        let groups = f.svc.list_groups(&op).await.unwrap();
        let group = groups.iter().find(|(g, _)| g.name == "empty").unwrap().0.id;
        let user = f.svc.user_by_name(&op, "kato").await.unwrap().id;
        let stored = f.svc.attach_and_store(&op, f.secret_id, "原本.txt", crate::MATERIAL.as_bytes(), false).await;
        let material = stored.unwrap().materials[0].id;
        let input = maruhi_service::admin::UserInput {
            username: "suzuki".into(),
            display_name: "suzuki".into(),
            role: "analyst".into(),
            password: Some(crate::PW.into()),
            ..Default::default()
        };
        f.svc.create_user(&op, input).await.unwrap();
        let mut opened = Vec::new();
        for analyst in ["tanaka", "suzuki"] {
            let token = f.svc.create_token(&op, analyst, "setup", Scope::Write).await.unwrap();
            let actor = f.svc.token_actor(token.expose(), None).await.unwrap().unwrap();
            let new = maruhi_service::cases::NewCase {
                title: format!("{analyst} の事案"),
                note: "持ち出しの疑い".into(),
                ..Default::default()
            };
            let case = f.svc.open_case(&actor, new).await.unwrap();
            f.svc.case_link(&actor, case.id, "person", "watanabe").await.unwrap();
            opened.push(case.id);
        }
        let token = f.svc.create_token(&op, "tanaka", "share", Scope::Write).await.unwrap();
        let tanaka = f.svc.token_actor(token.expose(), None).await.unwrap().unwrap();
        let token = f.svc.create_token(&op, "yamada", "share", Scope::Write).await.unwrap();
        let yamada = f.svc.token_actor(token.expose(), None).await.unwrap().unwrap();
        let mut drafts = Vec::new();
        for title in ["承認する共有報告", "未承認の共有報告"] {
            let new = maruhi_service::sharing::NewDraft { title: title.into(), ..Default::default() };
            drafts.push(f.svc.share_draft(&tanaka, new).await.unwrap().id);
        }
        f.svc.share_approve(&yamada, drafts[0]).await.unwrap();
        Ids {
            secret: f.secret_id,
            group,
            user,
            material,
            case: opened[0],
            other_case: opened[1],
            share: drafts[0],
            share_draft: drafts[1],
        }
    }

    fn fill(&self, path: &str) -> String {
        path.replace("{id}", &self.secret.to_string())
            .replace("{group}", &self.group.to_string())
            .replace("{user}", &self.user.to_string())
            .replace("{material}", &self.material.to_string())
            .replace("{case}", &self.case.to_string())
            .replace("{other_case}", &self.other_case.to_string())
            .replace("{share_draft}", &self.share_draft.to_string())
            .replace("{share}", &self.share.to_string())
            .replace("{collection}", "3d1c6b9e-5f0a-4c47-9e2b-8a6f4d2c1e70")
    }
}

#[rustfmt::skip]
fn api_table(ids: &Ids, width: i64) -> Vec<(Method, String, Option<String>, [u16; 8])> {
    let s = |p: &str| ids.fill(p).replace("{w}", &width.to_string());
    vec![
        (Method::GET, s("/api/v1/openapi.json"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/api/v1/metrics"), None, [200, 403, 403, 403, 200, 403, 403, 401]),
        (Method::GET, s("/api/v1/me"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/api/v1/levels"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/api/v1/secrets"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::POST, s("/api/v1/secrets"), Some(SECRET.into()), [201, 201, 201, 403, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/secrets/{id}"), None, [200, 200, 200, 404, 200, 404, 200, 401]),
        (Method::GET, s("/api/v1/secrets/999999"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::PUT, s("/api/v1/secrets/{id}"), Some(r#"{"title":"MX-7 組立図","category":"drawing","level":"極秘","manager":"sato"}"#.into()), [200, 200, 200, 404, 403, 404, 403, 401]),
        (Method::POST, s("/api/v1/secrets/{id}/status"), Some(r#"{"status":"registered"}"#.into()), [422, 422, 422, 404, 403, 404, 403, 401]),
        (Method::POST, s("/api/v1/secrets/{id}/grants"), Some(r#"{"principal":"group:empty"}"#.into()), [201, 201, 201, 404, 403, 404, 403, 401]),
        (Method::DELETE, s("/api/v1/secrets/{id}/grants/group/{group}"), None, [204, 204, 204, 404, 403, 404, 403, 401]),
        (Method::DELETE, s("/api/v1/secrets/{id}/grants/team/{group}"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/secrets/{id}/acknowledge"), None, [403, 200, 403, 404, 403, 404, 200, 401]),
        (Method::GET, s("/api/v1/secrets/{id}/history"), None, [200, 200, 200, 404, 200, 404, 200, 401]),
        (Method::GET, s("/api/v1/secrets/{id}/materials"), None, [200, 200, 200, 404, 200, 404, 200, 401]),
        (Method::POST, s("/api/v1/secrets/{id}/materials?name=a.txt"), Some(LEAK.into()), [201, 201, 201, 404, 403, 404, 403, 401]),
        (Method::POST, s("/api/v1/secrets/{id}/materials?name=a.txt&store=true"), Some(LEAK.into()), [201, 201, 201, 404, 403, 404, 403, 401]),
        // Need-to-know on content: auditors oversee management, not content.
        (Method::GET, s("/api/v1/materials/{material}/original"), None, [200, 200, 200, 404, 404, 404, 200, 401]),
        (Method::GET, s("/api/v1/materials/999999/original"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/scan?name=mail.txt"), Some(LEAK.into()), [200, 200, 200, 200, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/mail/triage?name=a.eml"), Some(LEAK.into()), [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/users"), None, [200, 403, 403, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/users"), Some(r#"{"username":"newbie","role":"employee"}"#.into()), [201, 403, 403, 403, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/groups"), None, [200, 403, 403, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/groups"), Some(r#"{"name":"新グループ"}"#.into()), [201, 403, 403, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/groups/other/members"), Some(r#"{"username":"kato"}"#.into()), [204, 403, 403, 403, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/audit"), None, [200, 403, 200, 403, 200, 403, 403, 401]),
        (Method::POST, s("/api/v1/events?format=jsonl&source=api"), Some(EVENT.into()), [200, 403, 403, 200, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/hr"), Some(HR.into()), [200, 403, 200, 403, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/hr"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/watchlists"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/watchlists/departing?as_of=2026-12-01"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/watchlists/vip"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/watchlists/contractors"), Some(r#"{"user":"vendor.kimura","note":"SES"}"#.into()), [200, 403, 200, 403, 403, 403, 403, 401]),
        (Method::DELETE, s("/api/v1/watchlists/privileged/nobody"), None, [404, 403, 404, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/risk/analyse"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/risk/users?as_of=2026-11-30&top=5"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/risk/users?as_of=yesterday"), None, [422, 422, 422, 422, 422, 422, 422, 401]),
        (Method::GET, s("/api/v1/alerts?status=new"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/alerts/999999"), None, [404, 403, 404, 404, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/alerts/999999/triage"), Some(r#"{"status":"investigating"}"#.into()), [404, 403, 404, 404, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/alerts?limit=1&offset=1&paged=true"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/risk/warnings"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/risk/domains/suggestions"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/identities"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/identities"), Some(r#"{"alias":"w.watanabe@example.co.jp","user":"watanabe"}"#.into()), [200, 403, 200, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/identities"), Some(r#"{"alias":"watanabe","user":"watanabe"}"#.into()), [422, 403, 422, 403, 403, 403, 403, 401]),
        (Method::DELETE, s("/api/v1/identities/nobody%40example.co.jp"), None, [404, 403, 404, 403, 403, 403, 403, 401]),
        // Cases are need-to-know: members (tanaka, who opened {case}) and
        // legal/IP; admin, the manager and an auditor get 404 like anyone.
        (Method::GET, s("/api/v1/cases"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::POST, s("/api/v1/cases"), Some(r#"{"title":"新しい事案","severity":"high"}"#.into()), [201, 201, 201, 201, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/cases/{case}"), None, [404, 404, 200, 200, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/cases/{other_case}"), None, [404, 404, 200, 404, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/cases/999999"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/notes"), Some(r#"{"text":"本人から事情を聴取した"}"#.into()), [404, 404, 201, 201, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/notes"), Some(r#"{"text":"訂正","refers_to":999999}"#.into()), [404, 404, 422, 422, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/notes"), Some(r#"{"text":"面談メモを添付","files":[{"name":"面談メモ.txt","content_base64":"5pys5Lq644GvIFVTQiDjgbjjga7opIflhpnjgpLoqo3jgoHjgZ/jgII="}]}"#.into()), [404, 404, 201, 201, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/notes"), Some(r#"{"text":"x","files":[{"name":"a.txt","content_base64":"not base64!"}]}"#.into()), [404, 404, 422, 422, 404, 404, 404, 401]),
        // The analyst may not see the secret, so may not name it either.
        (Method::POST, s("/api/v1/cases/{case}/links"), Some(r#"{"kind":"secret","ref":"{id}"}"#.replace("{id}", &ids.secret.to_string())), [404, 404, 200, 422, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/links"), Some(r#"{"kind":"alert","ref":"999999"}"#.into()), [404, 404, 422, 422, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/members"), Some(r#"{"username":"suzuki"}"#.into()), [404, 404, 200, 200, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/members"), Some(r#"{"username":"nobody"}"#.into()), [404, 404, 422, 422, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/status"), Some(r#"{"status":"investigating"}"#.into()), [404, 404, 200, 200, 404, 404, 404, 401]),
        // Bad input to someone else's case is still "no such case".
        (Method::POST, s("/api/v1/cases/{other_case}/status"), Some(r#"{"status":"closed"}"#.into()), [404, 404, 422, 404, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/steps"), Some(r#"{"step":"preserve","text":"ログを保全"}"#.into()), [404, 404, 201, 201, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/cases/{case}/timeline?user=watanabe"), None, [404, 404, 200, 200, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/cases/{case}/timeline?user=kato"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/cases/{case}/export"), None, [404, 404, 200, 200, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/hold"), Some(r#"{"reason":"訴訟の準備"}"#.into()), [404, 404, 200, 200, 404, 404, 404, 401]),
        // Releasing is legal's decision; then there is nothing to release.
        (Method::POST, s("/api/v1/cases/{case}/release"), Some(r#"{"reason":"和解が成立"}"#.into()), [404, 404, 200, 403, 404, 404, 404, 401]),
        (Method::POST, s("/api/v1/cases/{case}/release"), Some(r#"{"reason":"和解が成立"}"#.into()), [404, 404, 409, 403, 404, 404, 404, 401]),
        // Reports: the secret's manager and those who oversee the register.
        (Method::GET, s("/api/v1/secrets/{id}/report"), None, [200, 200, 200, 404, 200, 404, 403, 401]),
        // Before it was registered there was no such secret (watanabe may not
        // ask at all).
        (Method::GET, s("/api/v1/secrets/{id}/report?format=html&as_of=2020-01-01"), None, [404, 404, 404, 404, 404, 404, 403, 401]),
        (Method::GET, s("/api/v1/secrets/{id}/report?as_of=yesterday"), None, [422, 422, 422, 422, 422, 422, 422, 401]),
        (Method::GET, s("/api/v1/register?as_of=2026-01-01"), None, [200, 403, 200, 403, 200, 403, 403, 401]),
        (Method::GET, s("/api/v1/acknowledgements/outstanding?format=csv"), None, [200, 200, 200, 403, 200, 403, 403, 401]),
        // The self-assessment: those who oversee the register read it; admin and legal/IP answer.
        (Method::GET, s("/api/v1/assessment"), None, [200, 403, 200, 403, 200, 403, 403, 401]),
        (Method::POST, s("/api/v1/assessment/answers"), Some(r#"{"item":"T01","answer":"yes","note":"承認済み"}"#.into()), [200, 403, 200, 403, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/assessment/answers"), Some(r#"{"item":"R01","answer":"yes"}"#.into()), [422, 403, 422, 403, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/assessment/history?limit=5"), None, [200, 403, 200, 403, 200, 403, 403, 401]),
        // Sharing: drafts are seen by their drafter, legal/IP and admins;
        // approval is legal/IP's or an admin's; nothing unapproved leaves.
        (Method::GET, s("/api/v1/share/reports"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::POST, s("/api/v1/share/reports"), Some(r#"{"title":"共有報告"}"#.into()), [201, 403, 201, 201, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/share/reports"), Some(r#"{"from_case":{other_case}}"#.replace("{other_case}", &ids.other_case.to_string())), [404, 403, 201, 404, 403, 403, 403, 401]),
        (Method::GET, s("/api/v1/share/reports/{share}"), None, [200, 404, 200, 200, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/share/reports/999999"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/share/reports/{share_draft}/export?format=stix"), None, [409, 404, 409, 409, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/share/reports/{share}/export?format=misp"), None, [200, 404, 200, 200, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/share/reports/{share}/export?format=pdf"), None, [400, 400, 400, 400, 400, 400, 400, 401]),
        (Method::POST, s("/api/v1/share/reports/{share_draft}/approve"), None, [200, 404, 200, 403, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/share/dictionary"), None, [200, 403, 200, 200, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/share/dictionary"), Some(r#"{"kind":"company","term":"アクメ精機"}"#.into()), [201, 403, 200, 200, 403, 403, 403, 401]),
        (Method::POST, s("/api/v1/share/dictionary"), Some(r#"{"kind":"colour","term":"x"}"#.into()), [422, 403, 422, 422, 403, 403, 403, 401]),
        // TAXII 2.1: any member with a token reads approved reports; the
        // collection is read-only.
        (Method::GET, s("/taxii2/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/collections/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/collections/{collection}/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/collections/nope/"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::GET, s("/taxii2/forum/collections/{collection}/objects/?limit=2"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::POST, s("/taxii2/forum/collections/{collection}/objects/"), Some(r#"{"objects":[]}"#.into()), [403, 403, 403, 403, 403, 403, 403, 401]),
        (Method::GET, s("/taxii2/forum/collections/{collection}/objects/marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/collections/{collection}/objects/marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421/versions/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/collections/{collection}/manifest/"), None, [200, 200, 200, 200, 200, 200, 200, 401]),
        (Method::GET, s("/taxii2/forum/status/none/"), None, [404, 404, 404, 404, 404, 404, 404, 401]),
        (Method::GET, s("/api/v1/nope"), None, [404, 404, 404, 404, 404, 404, 404, 404]),
        (Method::GET, s("/ledger/checkpoint"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/ledger/tile/0/000.p/{w}"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/ledger/tile/0/001"), None, [404, 404, 404, 404, 404, 404, 404, 404]),
        (Method::GET, s("/ledger/tile/entries/000.p/{w}"), None, [200, 403, 200, 403, 200, 403, 403, 401]),
    ]
}

#[rustfmt::skip]
fn page_table(ids: &Ids, proof: i64) -> Vec<(Method, String, Option<String>, [u16; 8])> {
    let s = |p: &str| ids.fill(p).replace("{proof}", &proof.to_string());
    vec![
        (Method::GET, s("/login"), None, [303, 303, 303, 303, 303, 303, 303, 200]),
        (Method::GET, s("/"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/secrets"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/secrets/new"), None, [200, 200, 200, 403, 403, 403, 403, 303]),
        (Method::POST, s("/secrets"), Some("title=%E6%96%B0&category=drawing&level=%E7%A7%98".into()), [303, 303, 303, 403, 403, 403, 403, 303]),
        (Method::GET, s("/secrets/{id}"), None, [200, 200, 200, 404, 200, 404, 200, 303]),
        (Method::GET, s("/secrets/{id}/edit"), None, [200, 200, 200, 404, 403, 404, 403, 303]),
        (Method::GET, s("/secrets/{id}/evidence/prior-use.zip"), None, [200, 200, 200, 404, 403, 404, 403, 303]),
        (Method::GET, s("/secrets/{id}/evidence/prior-use.zip?originals=true"), None, [200, 200, 200, 404, 403, 404, 403, 303]),
        (Method::GET, s("/secrets/{id}/report?format=html"), None, [200, 200, 200, 404, 200, 404, 403, 303]),
        (Method::GET, s("/register/as-of?format=csv"), None, [200, 403, 200, 403, 200, 403, 403, 303]),
        (Method::GET, s("/acknowledgements/outstanding.csv"), None, [200, 200, 200, 403, 200, 403, 403, 303]),
        (Method::GET, s("/account/password"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::POST, s("/account/password"), Some("current_password=wrong&new_password=kuromame-2026-sakura".into()), [422, 422, 422, 422, 422, 422, 422, 303]),
        (Method::POST, s("/secrets/{id}"), Some("title=MX-7&category=drawing&level=%E6%A5%B5%E7%A7%98&manager=sato".into()), [303, 303, 303, 404, 403, 404, 403, 303]),
        (Method::POST, s("/secrets/{id}/grants"), Some("principal=group%3Aempty".into()), [303, 303, 303, 404, 403, 404, 403, 303]),
        (Method::POST, s("/secrets/{id}/grants/revoke"), Some(s("kind=group&principal_id={group}")), [303, 303, 303, 404, 403, 404, 403, 303]),
        (Method::POST, s("/secrets/{id}/status"), Some("status=registered&confirm=yes".into()), [422, 422, 422, 404, 403, 404, 403, 303]),
        (Method::POST, s("/secrets/{id}/acknowledge"), None, [403, 303, 403, 404, 403, 404, 303, 303]),
        (Method::GET, s("/secrets/print"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/secrets/export.csv"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/acknowledgements"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/scan"), None, [200, 200, 200, 200, 403, 403, 403, 303]),
        (Method::POST, s("/secrets/{id}/materials/999999/remove"), None, [404, 404, 404, 404, 404, 404, 404, 303]),
        (Method::GET, s("/secrets/{id}/materials/{material}/original"), None, [200, 200, 200, 404, 404, 404, 200, 303]),
        (Method::GET, s("/secrets/{id}/materials/{material}/copy"), None, [200, 200, 200, 404, 404, 404, 200, 303]),
        (Method::POST, s("/secrets/{id}/materials"), Some(format!("{UPLOAD}{LEAK}")), [303, 303, 303, 404, 403, 404, 403, 303]),
        (Method::POST, s("/scan"), Some(format!("{UPLOAD}{LEAK}")), [200, 200, 200, 200, 403, 403, 403, 303]),
        // Targeted-mail triage: the CSIRT (analysts) and admin and legal/IP, who open cases.
        (Method::GET, s("/mail"), None, [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::POST, s("/mail"), Some(format!("{UPLOAD}{LEAK}")), [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::GET, s("/trace"), None, [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::POST, s("/trace"), Some(format!("{UPLOAD}{LEAK}")), [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::GET, s("/risk"), None, [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::POST, s("/risk/analyse"), None, [303, 403, 303, 303, 403, 403, 403, 303]),
        (Method::GET, s("/risk/users/nobody"), None, [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::GET, s("/alerts"), None, [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::GET, s("/alerts/999999"), None, [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::POST, s("/alerts/999999/assign"), Some("assignee=tanaka".into()), [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::POST, s("/alerts/bulk"), Some("a999999=on&status=investigating".into()), [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::GET, s("/no/such/page"), None, [404, 404, 404, 404, 404, 404, 404, 404]),
        (Method::POST, s("/alerts/999999/triage"), Some("status=investigating".into()), [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::POST, s("/risk/domains"), Some("domain=example.co.jp".into()), [303, 403, 303, 403, 403, 403, 403, 303]),
        (Method::GET, s("/identities"), None, [200, 403, 200, 200, 403, 403, 403, 303]),
        (Method::POST, s("/identities"), Some("alias=w.watanabe&user=watanabe".into()), [303, 403, 303, 403, 403, 403, 403, 303]),
        (Method::POST, s("/identities/remove"), Some("alias=nobody".into()), [404, 403, 404, 403, 403, 403, 403, 303]),
        (Method::POST, s("/alerts/999999/case"), None, [404, 403, 404, 404, 403, 403, 403, 303]),
        (Method::GET, s("/cases"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::POST, s("/cases"), Some("title=%E6%96%B0&kind=partner&severity=high".into()), [303, 303, 303, 303, 403, 403, 403, 303]),
        (Method::POST, s("/cases"), Some("title=".into()), [422, 422, 422, 422, 403, 403, 403, 303]),
        // Need-to-know: the opener (tanaka) and legal/IP; an analyst who is
        // not a member, admin and auditors get 404.
        (Method::GET, s("/cases/{case}"), None, [404, 404, 200, 200, 404, 404, 404, 303]),
        (Method::GET, s("/cases/{other_case}"), None, [404, 404, 200, 404, 404, 404, 404, 303]),
        (Method::GET, s("/cases/999999"), None, [404, 404, 404, 404, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/notes"), Some(format!("{NOTE_UPLOAD}{LEAK}")), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/links"), Some("kind=person&reference=watanabe".into()), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/members"), Some("username=suzuki".into()), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/members"), Some("username=nobody".into()), [404, 404, 422, 422, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/status"), Some("status=investigating".into()), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/steps"), Some("step=contain&text=%E5%81%9C%E6%AD%A2".into()), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::GET, s("/cases/{case}/evidence.zip"), None, [404, 404, 200, 200, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/hold"), Some("reason=x".into()), [404, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/cases/{case}/release"), Some("reason=x".into()), [404, 404, 303, 403, 404, 404, 404, 303]),
        (Method::GET, s("/share"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::POST, s("/share"), Some("title=%E6%A8%99%E7%9A%84&indicators=sender%09a%40evil.example".into()), [303, 403, 303, 303, 403, 403, 403, 303]),
        (Method::GET, s("/share/{share}"), None, [200, 404, 200, 200, 404, 404, 404, 303]),
        (Method::GET, s("/share/999999"), None, [404, 404, 404, 404, 404, 404, 404, 303]),
        (Method::POST, s("/share/{share}/approve"), Some(String::new()), [303, 404, 303, 403, 404, 404, 404, 303]),
        (Method::POST, s("/share/{share}/terms"), Some("kind=brand&term=%E3%82%A2%E3%82%AF%E3%83%A1".into()), [303, 404, 303, 303, 404, 404, 404, 303]),
        (Method::POST, s("/share/{share}/terms"), Some("kind=colour&term=x".into()), [422, 404, 422, 422, 404, 404, 404, 303]),
        (Method::GET, s("/assessment"), None, [200, 403, 200, 403, 200, 403, 403, 303]),
        (Method::POST, s("/assessment/answers"), Some("item=T02&answer=partly&note=x".into()), [303, 403, 303, 403, 403, 403, 403, 303]),
        (Method::POST, s("/assessment/answers"), Some("item=Z99&answer=yes".into()), [422, 403, 422, 403, 403, 403, 403, 303]),
        (Method::POST, s("/assessment/save"), None, [303, 403, 303, 403, 403, 403, 403, 303]),
        (Method::GET, s("/admin/users"), None, [200, 403, 403, 403, 403, 403, 403, 303]),
        (Method::POST, s("/admin/users"), Some("username=newbie&display_name=newbie&role=employee".into()), [303, 403, 403, 403, 403, 403, 403, 303]),
        (Method::POST, s("/admin/users/{user}"), Some("display_name=kato&role=employee".into()), [303, 403, 403, 403, 403, 403, 403, 303]),
        (Method::POST, s("/admin/groups"), Some("name=%E6%96%B0".into()), [303, 403, 403, 403, 403, 403, 403, 303]),
        (Method::GET, s("/admin/groups"), None, [200, 403, 403, 403, 403, 403, 403, 303]),
        (Method::POST, s("/admin/groups/members"), Some("group=other&username=kato".into()), [303, 403, 403, 403, 403, 403, 403, 303]),
        (Method::GET, s("/audit"), None, [200, 403, 200, 403, 200, 403, 403, 303]),
        (Method::GET, s("/audit/export.csv?action=secret."), None, [200, 403, 200, 403, 200, 403, 403, 303]),
        (Method::GET, s("/tokens"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::POST, s("/tokens"), Some("name=t&scope=read".into()), [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::POST, s("/tokens/999999/revoke"), None, [404, 404, 404, 404, 404, 404, 404, 303]),
        (Method::POST, s("/lang"), Some("lang=ja&back=%2F".into()), [303, 303, 303, 303, 303, 303, 303, 303]),
        (Method::GET, s("/healthz"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/readyz"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/static/app.css"), None, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Method::GET, s("/ledger"), None, [200, 200, 200, 200, 200, 200, 200, 303]),
        (Method::GET, s("/ledger/proof/{proof}"), None, [200, 200, 200, 404, 200, 404, 200, 303]),
        (Method::GET, s("/ledger/proof/0"), None, [200, 404, 200, 404, 200, 404, 404, 303]),
        (Method::POST, s("/login"), Some(format!("username=kato&password={}", crate::PW)), [303, 303, 303, 303, 303, 303, 303, 303]),
        // Last: it ends the sessions the rows above use.
        (Method::POST, s("/logout"), None, [303, 303, 303, 303, 303, 303, 303, 303]),
    ]
}

async fn check(f: &Fixture, table: Vec<(Method, String, Option<String>, [u16; 8])>, auths: &[Auth]) {
    let mut wrong = Vec::new();
    for (method, path, body, expected) in table {
        for (i, auth) in auths.iter().enumerate() {
            if path.contains("/grants/") {
                // Every role tries to revoke the grant to `empty`, so each
                // finds it in place (granting again is a no-op).
                f.svc.grant(&maruhi_service::Actor::operator(), f.secret_id, "group:empty").await.unwrap();
            }
            let upload = body.as_deref().and_then(|b| b.strip_prefix(UPLOAD));
            let note = body.as_deref().and_then(|b| b.strip_prefix(NOTE_UPLOAD));
            let r = match (upload, note) {
                (Some(content), _) => f.upload(&path, auth, "a.txt", content.as_bytes(), &[]).await,
                (_, Some(content)) => {
                    f.upload(&path, auth, "a.txt", content.as_bytes(), &[("text", "添付つきの記録")]).await
                }
                _ => f.call(method.clone(), &path, auth, body.as_deref()).await,
            };
            let who = ROLES.get(i).copied().unwrap_or("anonymous");
            if r.status.as_u16() != expected[i] {
                wrong.push(format!("{method} {path} as {who}: got {}, want {}", r.status.as_u16(), expected[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "authorization table mismatches:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_role_against_every_api_route() {
    let f = Fixture::new().await;
    let mut auths = Vec::new();
    for r in ROLES {
        auths.push(f.token(r, Scope::Write).await);
    }
    auths.push(Auth::None);
    let width = f.svc.latest_checkpoint().await.unwrap().unwrap().size;
    check(&f, api_table(&Ids::of(&f).await, width), &auths).await;
}

#[tokio::test]
async fn every_role_against_every_page() {
    let f = Fixture::new().await;
    let mut auths = Vec::new();
    for r in ROLES {
        auths.push(f.session(r).await);
    }
    auths.push(Auth::None);
    let op = maruhi_service::Actor::operator();
    let proof = f.svc.history(&op, f.secret_id).await.unwrap()[0].ledger_index.unwrap();
    check(&f, page_table(&Ids::of(&f).await, proof), &auths).await;
}

#[tokio::test]
async fn read_tokens_cannot_write() {
    let f = Fixture::new().await;
    let admin = f.token("admin", Scope::Read).await;
    assert_eq!(f.call(Method::GET, "/api/v1/secrets", &admin, None).await.status, 200);
    assert_eq!(f.call(Method::POST, "/api/v1/secrets", &admin, Some(SECRET)).await.status, 403);
    assert_eq!(f.call(Method::POST, "/api/v1/events?format=jsonl&source=x", &admin, Some(EVENT)).await.status, 403);
    assert_eq!(f.call(Method::POST, "/api/v1/hr", &admin, Some(HR)).await.status, 403);
    // A scan records evidence and costs CPU: write scope.
    assert_eq!(f.call(Method::POST, "/api/v1/scan?name=mail.txt", &admin, Some(LEAK)).await.status, 403);
    let analyst = f.token("tanaka", Scope::Read).await;
    assert_eq!(f.call(Method::POST, "/api/v1/scan?name=mail.txt", &analyst, Some(LEAK)).await.status, 403);
    let body = r#"{"user":"x"}"#;
    assert_eq!(f.call(Method::POST, "/api/v1/watchlists/privileged", &admin, Some(body)).await.status, 403);
    assert_eq!(f.call(Method::GET, "/api/v1/watchlists", &admin, None).await.status, 200);
    assert_eq!(
        f.call(Method::POST, "/api/v1/users", &admin, Some(r#"{"username":"x","role":"admin"}"#)).await.status,
        403
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_another_origin_are_refused() {
    let f = Fixture::new().await;
    let Auth::Session(cookie, csrf) = f.session("admin").await else { unreachable!() };
    let jar = format!("maruhi_session={cookie}");
    let bare = Auth::None;
    let path = format!("/secrets/{}/grants", f.secret_id);
    let r = f.call_with(Method::POST, &path, &bare, Some("principal=kato"), &[("cookie", &jar)]).await;
    assert_eq!(r.status, 403, "missing CSRF token");
    let body = format!("principal=kato&csrf={csrf}");
    let r = f
        .call_with(
            Method::POST,
            &path,
            &bare,
            Some(&body),
            &[("cookie", &jar), ("origin", "https://evil.example"), ("host", "maruhi.local")],
        )
        .await;
    assert_eq!(r.status, 403, "cross-origin form");
    let kato = f.token("kato", Scope::Read).await;
    assert_eq!(f.call(Method::GET, "/api/v1/secrets", &kato, None).await.json()["total"], 0, "nothing was granted");
}

/// Every route `app()` serves has a row in one of the tables above, so a new
/// route cannot ship without someone writing down who may call it.
#[tokio::test]
async fn every_route_has_a_row_in_the_authorization_tables() {
    let f = Fixture::new().await;
    let routes = f.served_routes().await;
    let mut templates: Vec<String> = routes.iter().map(|(_, t)| t.clone()).collect();
    templates.dedup();
    let mut covered = std::collections::HashSet::new();
    let ids = Ids { secret: 1, group: 2, user: 3, material: 4, case: 5, other_case: 6, share: 7, share_draft: 8 };
    for (method, path, _, _) in api_table(&ids, 1).into_iter().chain(page_table(&ids, 1)) {
        if let Some(t) = crate::template_of(&path, &templates) {
            covered.insert((method, t.clone()));
        }
    }
    let missing: Vec<String> =
        routes.iter().filter(|r| !covered.contains(*r)).map(|(m, t)| format!("{m} {t}")).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization tables:\n{}", missing.join("\n"));
}
