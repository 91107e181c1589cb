//! End-to-end tests of the `maruhi` binary: the CLI as users type it, servers
//! as separate processes, and the web UI in headless Chromium.

// Tests state their expectations by unwrapping; a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod activity;
mod browser;
mod cli;
mod crashes;
mod mail;
mod risk;
mod scan;
mod servers;
mod sharing;
mod timestamps;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const PW: &str = "correct-horse-battery";

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maruhi"));
    c.env_remove("MARUHI_DATA_DIR").env_remove("MARUHI_DATABASE_URL").env("LANG", "C").env("NO_COLOR", "1");
    c.env_remove("MARUHI_VAULT_URL").env_remove("MARUHI_MASTER_KEY_FILE");
    c
}

/// A fresh data directory with an admin password file beside it.
pub fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maruhi-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    std::fs::write(dir.join("pw"), format!("{PW}\n")).expect("pw");
    dir
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    bin().arg("--data-dir").arg(dir.join("data")).args(args).output().expect("run maruhi")
}

pub fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spawn(mut cmd: Command) -> Proc {
    Proc(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn"))
}

/// Waits until `url` answers, for up to 120 s (a debug build of `maruhi
/// demo` generates and analyses a month of activity first, which takes tens
/// of seconds while other tests share the machine's two cores).
pub async fn wait_http(url: &str) {
    for _ in 0..1200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}
