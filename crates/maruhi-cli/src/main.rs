//! The `maruhi` binary: parses arguments, installs logging, and calls the
//! service layer. Exit codes: 0 success, 1 failure (the message says why),
//! 2 wrong usage (also a data directory that holds no installation); `maruhi scan`: 0 nothing found, 1 findings, 2 could not run;
//! `maruhi events import` and `maruhi hr import`: 0 every line read, 1 some
//! lines rejected (the rest imported), 2 could not run.
#![allow(
    clippy::disallowed_methods,
    reason = "the binary shows elapsed time to people and paces its publisher loop; domain time comes from the service's Clock"
)]
// A binary has no API for `pub` to leak; its modules use `pub` for each other.
#![allow(unreachable_pub)]
#![forbid(unsafe_code)]

mod activity;
mod args;
mod commands;
mod mail;
mod progress;
mod risk;
mod scan;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    // Servers log what they do; other commands only warnings, unless -v.
    let serving = matches!(
        cli.command,
        args::Command::Serve { .. }
            | args::Command::Demo { .. }
            | args::Command::Witness(args::WitnessCmd::Serve { .. })
    );
    let level = match cli.global.verbose + u8::from(serving) {
        0 => "warn",
        1 => "info,sqlx=warn",
        _ => "debug,sqlx=info",
    };
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MARUHI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    // One JSON object per line for log collectors (MARUHI_LOG_FORMAT=json).
    if std::env::var("MARUHI_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()).init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("maruhi: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // A scan or an import that could not run exits with 2, as a wrong usage
    // does: 1 means "found something" or "some lines were rejected".
    let failure = match &cli.command {
        args::Command::Scan { .. }
        | args::Command::Mail(_)
        | args::Command::Events(_)
        | args::Command::Hr(args::HrCmd::Import { .. }) => 2,
        _ => 1,
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            // A closed pipe (e.g. `maruhi secret list | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return std::process::ExitCode::SUCCESS;
            }
            eprintln!("maruhi: {}", commands::describe(&e));
            std::process::ExitCode::from(if commands::is_usage_error(&e) { 2 } else { failure })
        }
    }
}
