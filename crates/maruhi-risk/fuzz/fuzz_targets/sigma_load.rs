//! `RuleSet::load` on arbitrary text: no panic, no hang, bounded memory; and
//! whatever loads is evaluated over a stream of synthetic events (derived
//! from the same bytes) without panicking.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use maruhi_risk::sigma::{Evaluator, Fields, RuleSet, Value};

/// An event whose fields have values chosen by `seed`: every kind of value,
/// few distinct ones (so that groups and distinct counts collide), sometimes
/// none.
struct Synth(u8);

impl Fields for Synth {
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>) {
        let s = self.0;
        if s & 7 == 0 {
            return;
        }
        out.push(Value::Str(Cow::Owned(field.to_owned())));
        out.push(Value::Str(Cow::Borrowed(["a", "B", "10.0.0.1", "C:\\Users\\*?\\É", "", "1.5"][usize::from(s % 6)])));
        match s >> 5 {
            0 => out.push(Value::Int(i64::from(s))),
            1 => out.push(Value::Int(i64::MAX)),
            2 => out.push(Value::Float(f64::NAN)),
            3 => out.push(Value::Float(-1e308)),
            4 => out.push(Value::Bool(s & 1 == 0)),
            5 => out.push(Value::Int(i64::MIN)),
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The YAML, then (after the last NUL, if any) the event stream.
    let (yaml, stream) = match data.iter().rposition(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(yaml).into_owned();
    let Ok(rules) = RuleSet::load(&[("fuzz.yml".to_string(), text)]) else { return };
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    let mut t: i64 = 0;
    for (i, &b) in stream.iter().take(512).enumerate() {
        // Mostly forward in time, sometimes back, sometimes far.
        t = match b & 0x18 {
            0x18 => t.saturating_sub(i64::from(b)),
            0x10 => t.saturating_add(86_400_000),
            _ => t.saturating_add(i64::from(b & 7) * 1000),
        };
        let before = out.len();
        eval.push(&Synth(b), t, &format!("e{i}"), &mut out);
        assert!(out.len() - before <= rules.rules().len() * 16);
        if i % 64 == 63 {
            eval.expire(t);
        }
    }
    eval.expire(i64::MAX);
});
