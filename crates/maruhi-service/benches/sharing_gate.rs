//! The sharing gate's throughput: a mail-like text (headers, a URL, a
//! base64 body, a quoted-printable body, dates, counts) scrubbed under a
//! dictionary of N terms (default 2,000: a register's titles, users, HR
//! records and manual entries of a mid-sized company), and the residual
//! check over the output. Prints MB/s for each.
//!
//! ```sh
//! cargo bench -p maruhi-service --bench sharing_gate
//! MARUHI_BENCH_TERMS=20000 cargo bench -p maruhi-service --bench sharing_gate
//! ```
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use base64::Engine as _;
use maruhi_service::sharing::gate::{residuals, Dictionary, Gate};

fn main() {
    let n: usize = std::env::var("MARUHI_BENCH_TERMS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mut pairs: Vec<(String, String)> =
        (0..n).map(|i| ("project".to_owned(), format!("プロジェクト{i:05}号"))).collect();
    pairs.extend([
        ("company".to_owned(), "アクメ精機".to_owned()),
        ("domain".to_owned(), "acme-seiki.co.jp".to_owned()),
        ("person".to_owned(), "佐藤 太郎".to_owned()),
        ("ip-range".to_owned(), "203.0.113.0/24".to_owned()),
    ]);
    let t = Instant::now();
    let dict = Dictionary::new(pairs);
    println!("dictionary of {} entries built in {:.1} ms", dict.len(), t.elapsed().as_secs_f64() * 1000.0);

    let body = base64::engine::general_purpose::STANDARD
        .encode("アクメ精機 佐藤様 プロジェクト00042号 の図面を送ってください");
    let unit = format!(
        "Received: from mail.acme-seiki.co.jp (203.0.113.9) by mx.example\nTo: sato@acme-seiki.co.jp\n\
         Date: 2026-11-02T09:06:00+09:00\nSubject: =?UTF-8?B?{}?=\n\n\
         https://intra.acme-seiki.co.jp/wiki/プロジェクト00017号?u=sato%40acme-seiki.co.jp 37通\n{body}\n\
         =E3=82=A2=E3=82=AF=E3=83=A1=E7=B2=BE=E6=A9=9F のお知らせ。ふつうの文章がしばらく続きます。\n",
        base64::engine::general_purpose::STANDARD.encode("【アクメ精機】請求書")
    );
    let text = unit.repeat(200);
    let mb = text.len() as f64 / 1e6;
    let rounds = 5;
    let t = Instant::now();
    let mut out = String::new();
    for _ in 0..rounds {
        let mut gate = Gate::new(&dict, [1; 32], "bench");
        out = gate.text("text", &text);
    }
    let secs = t.elapsed().as_secs_f64() / f64::from(rounds);
    println!("gate: {:.2} MB in {:.1} ms = {:.2} MB/s", mb, secs * 1000.0, mb / secs);
    let t = Instant::now();
    let left = residuals(&dict, &out);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "residual check: {:.1} ms = {:.2} MB/s, {} left",
        secs * 1000.0,
        out.len() as f64 / 1e6 / secs,
        left.len()
    );
    assert!(left.is_empty());
}
