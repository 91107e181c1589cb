//! Two `maruhi serve` processes sharing one PostgreSQL database.

use crate::{bin, data_dir, free_port, spawn, stdout, wait_http};

#[tokio::test]
async fn two_servers_share_one_postgres_database() {
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL on 127.0.0.1:5432");
    let d = data_dir("pg");
    let pw = d.join("pw");
    let data = d.join("data");
    let data = data.to_str().expect("path");
    let cli =
        |args: &[&str]| bin().args(["--database-url", &url, "--data-dir", data]).args(args).output().expect("run");
    stdout(&cli(&["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    let token = stdout(&cli(&["token", "create", "--user", "root"])).trim().to_owned();
    let ports = [free_port(), free_port()];
    let _servers: Vec<_> = ports
        .iter()
        .map(|p| {
            let mut c = bin();
            c.args(["--database-url", &url, "--data-dir", data, "serve", "--listen", &format!("127.0.0.1:{p}")]);
            spawn(c)
        })
        .collect();
    for p in ports {
        wait_http(&format!("http://127.0.0.1:{p}/healthz")).await;
    }
    let client = reqwest::Client::new();
    // Writes alternate between the servers, concurrently.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (client, token, port) = (client.clone(), token.clone(), ports[i % 2]);
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"title": format!("文書{i}"), "category": "research", "level": "秘"});
            client
                .post(format!("http://127.0.0.1:{port}/api/v1/secrets"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("join").expect("request"), 201);
    }
    for p in ports {
        let v: serde_json::Value = client
            .get(format!("http://127.0.0.1:{p}/api/v1/secrets?per_page=100"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(v["total"], 20, "server on {p} sees every write");
    }
    let audit = stdout(&cli(&["audit", "--action", "secret.create", "--limit", "100", "--json"]));
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&audit).expect("json").len(), 20);
    // One sequencer across both processes: the ledger has no gaps and verifies.
    stdout(&cli(&["ledger", "checkpoint"]));
    stdout(&cli(&["ledger", "verify"]));
}
