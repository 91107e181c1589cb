//! Load benchmark of the register list: 100,000 secrets and 10,000 users,
//! 50 concurrent clients on loopback against the list page and
//! `GET /api/v1/secrets`, as a need-to-know employee and as an auditor who
//! sees the whole register. Prints p50/p95/p99 latency and requests/s.
//!
//! ```sh
//! cargo bench -p maruhi-server --bench register_load            # SQLite
//! MARUHI_BENCH_DATABASE=postgres cargo bench -p maruhi-server --bench register_load
//! ```
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use maruhi_service::admin::UserInput;
use maruhi_service::{Actor, Scope, Service};

const SECRETS: i64 = 100_000;
const USERS: i64 = 10_000;
const CLIENTS: usize = 50;
const REQUESTS_PER_CLIENT: usize = 40;

async fn seed(url: &str) -> Service {
    let svc = Service::open(url).await.expect("open");
    let db = maruhi_store::Db::connect(url).await.expect("db");
    let now = "2026-11-25T00:00:00Z";
    let mut tx = db.begin().await.expect("tx");
    for i in 0..USERS {
        let name = format!("user{i:05}");
        let u = maruhi_store::users::NewUser {
            username: &name,
            display_name: &name,
            email: "",
            department: "",
            role: if i % 50 == 0 { "manager" } else { "employee" },
            password_hash: None,
            created_at: now,
        };
        maruhi_store::users::insert(tx.conn(), &u).await.expect("user");
    }
    tx.commit().await.expect("commit");
    let levels = ["極秘", "秘", "社外秘"];
    let categories = ["drawing", "process", "mold", "source_code", "customer", "sales"];
    for chunk in 0..(SECRETS / 5_000) {
        let mut tx = db.begin().await.expect("tx");
        for j in 0..5_000 {
            let i = chunk * 5_000 + j;
            let row = maruhi_store::rows::SecretRow {
                title: format!("技術資料 {i:06} 金型設計"),
                summary: "量産ライン向けの条件と図面".into(),
                category: categories[(i % 6) as usize].into(),
                level: levels[(i % 3) as usize].into(),
                department: format!("部門{}", i % 40),
                manager_id: Some(1 + (i % USERS / 50) * 50),
                status: "registered".into(),
                rules_version: 1,
                created_at: now.into(),
                updated_at: format!("2026-11-{:02}T{:02}:00:00Z", 1 + i % 25, i % 24),
                ..Default::default()
            };
            let id = maruhi_store::secrets::insert(tx.conn(), &row).await.expect("secret");
            // Each secret is granted to three users: every user sees ~30.
            for k in 0..3 {
                let uid = 1 + (i * 7 + k * 3331) % USERS;
                maruhi_store::access::grant(tx.conn(), id, "user", uid, None, now).await.expect("grant");
            }
        }
        tx.commit().await.expect("commit");
    }
    let op = Actor::operator();
    for (name, role) in [("bench-employee", "employee"), ("bench-auditor", "auditor")] {
        let input = UserInput {
            username: name.into(),
            role: role.into(),
            password: Some("bench-password-123".into()),
            ..Default::default()
        };
        svc.create_user(&op, input).await.expect("user");
    }
    // The employee is on 30 secrets' lists, like everyone else.
    for id in (1..=SECRETS).step_by((SECRETS / 30) as usize) {
        svc.grant(&op, id, "bench-employee").await.expect("grant");
    }
    svc
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn load(name: &str, url: String, auth: (&'static str, String)) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, url, auth) = (client.clone(), url.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(REQUESTS_PER_CLIENT);
            for r in 0..REQUESTS_PER_CLIENT {
                let page = 1 + (c + r) % 5;
                let t = Instant::now();
                let resp = client.get(format!("{url}page={page}")).header(auth.0, &auth.1).send().await.expect("send");
                assert!(resp.status().is_success(), "{}", resp.status());
                resp.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("join"));
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "{name:<44} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  {:>7.1} req/s",
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        all.len() as f64 / secs
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let (backend, url) = maruhi_store::testing::bench_database().await.expect("database");
        let t = Instant::now();
        let svc = seed(&url).await;
        eprintln!("seeded {SECRETS} secrets and {USERS} users on {backend} in {:.1} s", t.elapsed().as_secs_f64());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = maruhi_server::app(maruhi_server::AppState::new(svc.clone(), false));
        tokio::spawn(maruhi_server::serve(listener, app, std::future::pending()));
        let base = format!("http://{addr}");
        for (user, label) in
            [("bench-employee", "employee (need-to-know)"), ("bench-auditor", "auditor (whole register)")]
        {
            let token = svc.create_token(&Actor::operator(), user, "bench", Scope::Read).await.expect("token");
            let (cookie, _) = svc.login(user, "bench-password-123", "127.0.0.1").await.expect("login");
            load(
                &format!("{backend} GET /api/v1/secrets, {label}"),
                format!("{base}/api/v1/secrets?"),
                ("authorization", format!("Bearer {}", token.expose())),
            )
            .await;
            load(
                &format!("{backend} GET /secrets page, {label}"),
                format!("{base}/secrets?"),
                ("cookie", format!("maruhi_session={}", cookie.expose())),
            )
            .await;
        }
    });
}
