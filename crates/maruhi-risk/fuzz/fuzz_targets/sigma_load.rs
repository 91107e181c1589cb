//! `RuleSet::load` on arbitrary text: no panic, no hang, bounded memory; and
//! whatever loads is evaluated over a few events without panicking.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use maruhi_risk::sigma::{Evaluator, Fields, RuleSet, Value};

/// An event whose every field has a few values of every kind, so that every
/// loaded rule exercises its matchers.
struct Everything;

impl Fields for Everything {
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>) {
        out.push(Value::Str(Cow::Borrowed(field)));
        out.push(Value::Str(Cow::Borrowed("10.0.0.1")));
        out.push(Value::Str(Cow::Borrowed("C:\\Users\\*?\\É")));
        out.push(Value::Int(i64::MAX));
        out.push(Value::Float(f64::NAN));
        out.push(Value::Bool(true));
    }
}

struct Nothing;

impl Fields for Nothing {
    fn values<'a>(&'a self, _field: &str, _out: &mut Vec<Value<'a>>) {}
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(rules) = RuleSet::load(&[("fuzz.yml".to_string(), text)]) else { return };
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    for (i, t) in [0, 1, 1, -5, 60_000, i64::MAX, i64::MIN].into_iter().enumerate() {
        if i % 2 == 0 {
            eval.push(&Everything, t, "e", &mut out);
        } else {
            eval.push(&Nothing, t, "n", &mut out);
        }
    }
    eval.expire(i64::MAX);
    assert!(out.len() <= 7 * (rules.rules().len() + 1) * 16);
});
