//! A one-line progress display on stderr for long commands (scans, imports,
//! bulk attachments), shown only when stderr is a terminal and the output is
//! for people, and cleared before anything else is printed.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct ProgressLine {
    enabled: bool,
    started: Instant,
    /// Nothing is shown before this much time has passed (short runs stay quiet).
    quiet_for: Duration,
    last: Option<Instant>,
    shown: bool,
}

impl ProgressLine {
    /// A line for output meant for people (`for_people`), quiet for the
    /// first `quiet_for`.
    pub fn new(for_people: bool, quiet_for: Duration) -> ProgressLine {
        ProgressLine {
            enabled: for_people && std::io::stderr().is_terminal(),
            started: Instant::now(),
            quiet_for,
            last: None,
            shown: false,
        }
    }

    /// Shows `text()`, at most a few times a second.
    pub fn show(&mut self, text: impl FnOnce() -> String) {
        if !self.enabled
            || self.started.elapsed() < self.quiet_for
            || self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(150))
        {
            return;
        }
        self.last = Some(Instant::now());
        eprint!("\r\x1b[2K{}", text());
        self.shown = true;
    }

    /// Erases the line, if shown, so that what follows starts clean.
    pub fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            self.shown = false;
        }
    }

    /// How long since the line was made.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
