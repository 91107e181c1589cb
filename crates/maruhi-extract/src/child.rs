//! Other people's programs (poppler's `pdftotext` and `pdftoppm`, Tesseract) run as child
//! processes under the extraction's budgets: an address-space ceiling, a deadline and a cap on
//! the output kept.
#![allow(clippy::disallowed_methods, reason = "children run against the time budget's deadline")]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a child process gave.
pub(crate) enum Child {
    /// Its standard output (at most `max_out` + 1 bytes), after a successful exit.
    Out(Vec<u8>),
    /// The program is not installed.
    Missing,
    /// It failed, or could not be started.
    Failed,
    /// It ran past the deadline and was killed.
    TimedOut,
}

/// Runs `program` with `args` under an address-space ceiling of `max_memory` bytes, keeping at
/// most `max_out` bytes of its output and killing it at `deadline`.
///
/// These programs decode their input without our budgets, so the child gets a ceiling on its
/// address space (RLIMIT_AS, through the POSIX shell's `ulimit -v`, in KiB): past it, allocation
/// fails inside the child, which dies alone. The shell then `exec`s the program, so the pid
/// killed at the deadline is the program's own; `&&` keeps it from running unlimited if the
/// limit cannot be set. OpenMP programs (Tesseract) are held to one thread.
pub(crate) fn run(program: &str, args: &[&std::ffi::OsStr], deadline: Instant, max_out: u64, max_memory: u64) -> Child {
    let kib = (max_memory / 1024).max(1).to_string();
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$1" && shift && exec "$@""#)
        .arg("sh")
        .arg(kib)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("OMP_THREAD_LIMIT", "1")
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Child::Missing,
        Err(_) => return Child::Failed,
    };
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Child::Failed;
    };
    // The pipe is drained on its own thread so a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut stdout = stdout;
        let mut out = Vec::new();
        let _ = (&mut stdout).take(max_out.saturating_add(1)).read_to_end(&mut out);
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        out
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => break Err(Child::TimedOut),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break Err(Child::Failed),
        }
    };
    let status = match status {
        Ok(status) => status,
        Err(outcome) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = reader.join();
            return outcome;
        }
    };
    let out = reader.join().unwrap_or_default();
    match status.code() {
        // 127: the shell did not find the program.
        Some(127) => Child::Missing,
        _ if status.success() => Child::Out(out),
        _ => Child::Failed,
    }
}
