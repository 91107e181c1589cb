//! Writes a synthetic organisation's data set to a folder:
//!
//! ```text
//! cargo run -p maruhi-synth --release --example synth_org -- --users 1000 --months 6 --seed 7 --out DIR
//! ```
//!
//! Files: `events.jsonl` (canonical JSON Lines, in time order), `people.csv`,
//! `hr.csv`, `secrets.json`, `truth.json`. Progress goes to stderr, the
//! counts to stdout.
#![allow(clippy::disallowed_methods, reason = "the example reports how long generation took")]

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use maruhi_synth::{generate, write_jsonl, Config};
use time::format_description::well_known::Iso8601;
use time::Date;

const USAGE: &str =
    "usage: synth_org [--users N] [--months N] [--seed N] [--start YYYY-MM-DD] [--insiders N] --out DIR";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> Result<(Config, PathBuf), String> {
    let mut config = Config { seed: 7, ..Config::default() };
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{arg}: not a number: {value}"));
        match arg.as_str() {
            "--users" => config.users = number()? as usize,
            "--months" => config.months = number()? as u32,
            "--seed" => config.seed = number()?,
            "--insiders" => config.insiders = Some(number()? as usize),
            "--start" => {
                config.start =
                    Date::parse(&value, &Iso8601::DATE).map_err(|_| format!("--start: not a date: {value}"))?
            }
            "--out" => out = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    Ok((config, out.ok_or_else(|| format!("--out is required\n{USAGE}"))?))
}

fn create(dir: &std::path::Path, name: &str) -> Result<BufWriter<File>, String> {
    let path = dir.join(name);
    File::create(&path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| format!("create {}: {e}", path.display()))
}

fn run() -> Result<(), String> {
    let (config, dir) = parse_args()?;
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let began = Instant::now();
    let org = generate(&config).map_err(|e| e.to_string())?;
    let planned = began.elapsed();

    let io = |what: &str, e: io::Error| format!("write {what}: {e}");
    let mut people = create(&dir, "people.csv")?;
    org.write_people_csv(&mut people).and_then(|()| people.flush()).map_err(|e| io("people.csv", e))?;
    let mut hr = create(&dir, "hr.csv")?;
    org.write_hr_csv(&mut hr).and_then(|()| hr.flush()).map_err(|e| io("hr.csv", e))?;
    let mut secrets = create(&dir, "secrets.json")?;
    org.write_secrets_json(&mut secrets).and_then(|()| secrets.flush()).map_err(|e| io("secrets.json", e))?;
    let mut truth = create(&dir, "truth.json")?;
    org.write_truth_json(&mut truth).and_then(|()| truth.flush()).map_err(|e| io("truth.json", e))?;

    let mut events = create(&dir, "events.jsonl")?;
    let total_days = org.dates().count();
    let mut count = 0u64;
    let mut person_days = 0u64;
    let mut workday_person_days = 0u64;
    let mut workday_events = 0u64;
    // One thread generates days while this one writes them out.
    std::thread::scope(|scope| -> Result<(), String> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2);
        scope.spawn(|| {
            for day in org.days() {
                if sender.send(day).is_err() {
                    break;
                }
            }
            drop(sender);
        });
        for (i, (date, day)) in receiver.into_iter().enumerate() {
            write_jsonl(&mut events, &day).map_err(|e| io("events.jsonl", e))?;
            count += day.len() as u64;
            let users: HashSet<&str> = day.iter().filter_map(|e| e.user.as_ref()).map(|u| u.name.as_str()).collect();
            person_days += users.len() as u64;
            if maruhi_synth::calendar::is_workday(date) {
                workday_person_days += users.len() as u64;
                workday_events += day.len() as u64;
            }
            eprint!(
                "\r{date}  day {:>3}/{total_days}  {count:>10} events  {:>5.1}s",
                i + 1,
                began.elapsed().as_secs_f64()
            );
        }
        Ok(())
    })?;
    eprintln!();
    events.flush().map_err(|e| io("events.jsonl", e))?;

    let mut per_scenario: BTreeMap<&str, usize> = BTreeMap::new();
    for insider in &org.truth {
        *per_scenario.entry(insider.scenario.as_str()).or_default() += 1;
    }
    let leavers = org.hr.len();
    let leaving_insiders = org.truth.iter().filter(|t| t.last_working_day.is_some()).count();
    println!("period:      {} to {} ({total_days} days)", org.start(), org.end());
    println!(
        "users:       {} ({} contractors, {} privileged)",
        org.people.len(),
        org.people.iter().filter(|p| p.contractor).count(),
        org.people.iter().filter(|p| p.privileged).count()
    );
    println!("events:      {count}");
    println!("leavers:     {leavers} in hr.csv ({} benign, {leaving_insiders} insiders)", leavers - leaving_insiders);
    println!(
        "insiders:    {} ({})",
        org.truth.len(),
        per_scenario.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!("malicious:   {} events", org.truth.iter().map(|t| t.event_ids.len()).sum::<usize>());
    println!("noisy:       {} entries", org.noisy.len());
    println!("secrets:     {}", org.secrets.len());
    println!(
        "per person:  {:.1} events per person-day present, {:.1} on workdays",
        count as f64 / person_days.max(1) as f64,
        workday_events as f64 / workday_person_days.max(1) as f64
    );
    println!(
        "time:        {:.2}s (plan {:.2}s)  → {}",
        began.elapsed().as_secs_f64(),
        planned.as_secs_f64(),
        dir.display()
    );
    Ok(())
}
