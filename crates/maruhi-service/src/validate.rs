//! Input validation: collect every problem, so a form can show them all at once.

use crate::error::FieldError;
use crate::i18n::Msg;

#[derive(Default)]
pub(crate) struct Problems(pub Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: &'static str, msg: Msg) {
        if !self.0.iter().any(|p| p.field == field) {
            self.0.push(FieldError { field, msg });
        }
    }

    /// Trims `value`; flags it when required and empty or longer than `max` chars.
    pub(crate) fn text(&mut self, field: &'static str, value: &str, required: bool, max: usize) -> String {
        let v = value.trim();
        if required && v.is_empty() {
            self.add(field, Msg::Required);
        } else if v.chars().count() > max {
            self.add(field, Msg::TooLong);
        }
        v.to_owned()
    }

    /// Trims each item, drops empty ones, limits count and length.
    pub(crate) fn list(
        &mut self,
        field: &'static str,
        items: &[String],
        max_items: usize,
        max_len: usize,
    ) -> Vec<String> {
        let out: Vec<String> = items.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if out.len() > max_items {
            self.add(field, Msg::TooMany);
        } else if out.iter().any(|s| s.chars().count() > max_len || s.contains(['\r', '\n'])) {
            self.add(field, Msg::TooLong);
        }
        out
    }

    pub(crate) fn finish(self) -> crate::Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Invalid(self.0))
        }
    }
}

/// User names: 1–64 of ASCII letters, digits, `.`, `_`, `-`.
pub(crate) fn valid_username(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
