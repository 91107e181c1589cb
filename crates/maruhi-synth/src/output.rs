//! Writers for the files a data set consists of: events as canonical JSON
//! Lines, `people.csv`, `hr.csv`, `secrets.json` and `truth.json`.

use std::io::{self, Write};

use maruhi_events::Event;
use serde::Serialize;

use crate::model::{Insider, NoisyUser};
use crate::Org;

/// Writes events in the canonical JSON Lines form of `maruhi-events`, one per
/// line.
pub fn write_jsonl<W: Write>(mut out: W, events: &[Event]) -> io::Result<()> {
    for event in events {
        serde_json::to_writer(&mut out, event)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A CSV field, quoted when it has to be (RFC 4180).
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// `truth.json`: the insiders, and the benign people planted as noise.
#[derive(Serialize)]
struct TruthFile<'a> {
    insiders: &'a [Insider],
    noisy: &'a [NoisyUser],
}

impl Org {
    /// `people.csv`: `user,display_name,romaji,department,role,employment,contractor,privileged,email,host`.
    pub fn write_people_csv<W: Write>(&self, mut out: W) -> io::Result<()> {
        writeln!(out, "user,display_name,romaji,department,role,employment,contractor,privileged,email,host")?;
        for p in &self.people {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                field(&p.user),
                field(&p.display_name),
                field(&p.romaji),
                field(&p.department),
                field(&p.role),
                p.employment.as_str(),
                p.contractor,
                p.privileged,
                field(&p.email),
                field(&p.host)
            )?;
        }
        Ok(())
    }

    /// `hr.csv`: `user,notice_date,last_working_day,end_date`, dates as
    /// `YYYY-MM-DD`.
    pub fn write_hr_csv<W: Write>(&self, mut out: W) -> io::Result<()> {
        writeln!(out, "user,notice_date,last_working_day,end_date")?;
        for r in &self.hr {
            writeln!(out, "{},{},{},{}", field(&r.user), r.notice_date, r.last_working_day, r.end_date)?;
        }
        Ok(())
    }

    /// `secrets.json`: the register, an array of [`crate::Secret`].
    pub fn write_secrets_json<W: Write>(&self, out: W) -> io::Result<()> {
        serde_json::to_writer_pretty(out, &self.secrets).map_err(io::Error::from)
    }

    /// `truth.json`: `{"insiders": [Insider…], "noisy": [NoisyUser…]}`.
    pub fn write_truth_json<W: Write>(&self, out: W) -> io::Result<()> {
        let file = TruthFile { insiders: &self.truth, noisy: &self.noisy };
        serde_json::to_writer_pretty(out, &file).map_err(io::Error::from)
    }
}
