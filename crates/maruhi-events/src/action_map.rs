//! What other tools' action names mean in our `event.action` vocabulary:
//! a built-in table for the names Winlogbeat, Elastic Agent, Elastic Defend,
//! Auditbeat, Sysmon (through Winlogbeat) and the Microsoft 365 integration
//! write into `event.action`, and [`ActionMap`], the user's own table, which
//! is consulted first.
//!
//! The user's table is a text file, one `value=action` per line:
//!
//! ```text
//! # Our DLP agent's names
//! USB copy = file-copy
//! network-flow = http-request
//! File System = skip
//! ```
//!
//! `value` is compared with `event.action` and then with `event.code`,
//! ignoring ASCII case and surrounding blanks; `action` is a name of the
//! vocabulary, or `skip` to pass such records over (counted as skipped).
//! Blank lines and lines starting with `#` are ignored; the last `=` of a
//! line separates the two sides.

use std::fmt;

use crate::Action;

/// The built-in meanings of other tools' `event.action` values (`None`:
/// outside the vocabulary, skipped). Compared ignoring ASCII case.
const BUILT_IN: &[(&str, Option<Action>)] = &[
    // Windows Security log through Winlogbeat / Elastic Agent (the
    // security module's table of event codes), Elastic Defend, Auditbeat.
    ("logged-in", Some(Action::Logon)),
    ("logon-failed", Some(Action::Logon)),
    ("log_on", Some(Action::Logon)),
    ("user_login", Some(Action::Logon)),
    ("logged-out", Some(Action::Logoff)),
    ("log_off", Some(Action::Logoff)),
    ("user_logout", Some(Action::Logoff)),
    // File events: Winlogbeat's Sysmon task names, Elastic Defend, Auditbeat
    // file integrity, and kebab-case forms.
    ("file-created", Some(Action::FileWrite)),
    ("file created", Some(Action::FileWrite)),
    ("file created (rule: filecreate)", Some(Action::FileWrite)),
    ("creation", Some(Action::FileWrite)),
    ("created", Some(Action::FileWrite)),
    ("modification", Some(Action::FileWrite)),
    ("overwrite", Some(Action::FileWrite)),
    ("updated", Some(Action::FileWrite)),
    ("file-modified", Some(Action::FileWrite)),
    ("file-written", Some(Action::FileWrite)),
    ("deleted", Some(Action::FileDelete)),
    ("deletion", Some(Action::FileDelete)),
    ("file-deleted", Some(Action::FileDelete)),
    ("file delete archived (rule: filedelete)", Some(Action::FileDelete)),
    ("file delete logged (rule: filedeletedetected)", Some(Action::FileDelete)),
    ("file-opened", Some(Action::FileOpen)),
    ("opened", Some(Action::FileOpen)),
    ("file-copied", Some(Action::FileCopy)),
    ("copied", Some(Action::FileCopy)),
    ("file-downloaded", Some(Action::FileDownload)),
    ("file-uploaded", Some(Action::FileUpload)),
    ("device-connected", Some(Action::DeviceConnect)),
    ("device-disconnected", Some(Action::DeviceDisconnect)),
    ("email-sent", Some(Action::EmailSend)),
    ("printing a document", Some(Action::Print)),
    ("document-printed", Some(Action::Print)),
    // Microsoft 365 operations as Elastic's o365 integration writes them
    // into `event.action` (the same meanings as the `m365` adapter).
    ("fileaccessed", Some(Action::FileOpen)),
    ("fileaccessedextended", Some(Action::FileOpen)),
    ("filepreviewed", Some(Action::FileOpen)),
    ("filemodified", Some(Action::FileWrite)),
    ("filemodifiedextended", Some(Action::FileWrite)),
    ("filedownloaded", Some(Action::FileDownload)),
    ("filesyncdownloadedfull", Some(Action::FileDownload)),
    ("filesyncdownloadedpartial", Some(Action::FileDownload)),
    ("fileuploaded", Some(Action::FileUpload)),
    ("filesyncuploadedfull", Some(Action::FileUpload)),
    ("filesyncuploadedpartial", Some(Action::FileUpload)),
    ("filecopied", Some(Action::FileCopy)),
    ("filedeleted", Some(Action::FileDelete)),
    ("filerecycled", Some(Action::FileDelete)),
    ("filedeletedfirststagerecyclebin", Some(Action::FileDelete)),
    ("filedeletedsecondstagerecyclebin", Some(Action::FileDelete)),
    ("send", Some(Action::EmailSend)),
    ("sendas", Some(Action::EmailSend)),
    ("sendonbehalf", Some(Action::EmailSend)),
    ("userloggedin", Some(Action::Logon)),
    ("userloginfailed", Some(Action::Logon)),
];

/// Values that name a failed logon (the outcome when the record has none).
pub(crate) fn is_failed_logon(value: &str) -> bool {
    ["logon-failed", "userloginfailed", "4625"].iter().any(|v| v.eq_ignore_ascii_case(value.trim()))
}

/// The built-in meaning of an `event.action` value: `Some(None)` for a value
/// known to be outside the vocabulary, `None` for an unknown one.
pub(crate) fn built_in(value: &str) -> Option<Option<Action>> {
    let value = value.trim();
    BUILT_IN.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)).map(|(_, a)| *a)
}

/// A user's table of action names: `value → action` (or skip). Consulted
/// before the built-in table, for `event.action` and then `event.code`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionMap {
    entries: Vec<(String, Option<Action>)>,
}

/// A line of an action map file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("action map, line {line}: {problem}")]
pub struct ActionMapError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub problem: ActionMapProblem,
}

/// Why a line of an action map file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActionMapProblem {
    /// No `=` on the line.
    NoEquals,
    /// Nothing before the `=`.
    EmptyValue,
    /// The right side is neither an action of the vocabulary nor `skip`.
    UnknownAction,
}

impl fmt::Display for ActionMapProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionMapProblem::NoEquals => "expected value=action",
            ActionMapProblem::EmptyValue => "empty value before `=`",
            ActionMapProblem::UnknownAction => "not an action of the vocabulary, nor `skip`",
        })
    }
}

impl ActionMap {
    /// An empty table (only the built-in meanings apply).
    pub fn new() -> Self {
        ActionMap::default()
    }

    /// Maps `value` to `action` (`None`: skip such records), replacing an
    /// earlier entry for the same value.
    pub fn insert(&mut self, value: &str, action: Option<Action>) {
        let value = value.trim().to_owned();
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(&value));
        self.entries.push((value, action));
    }

    /// Reads a table in the `value=action` line format (see the module
    /// documentation); the first bad line refuses the whole table.
    pub fn parse(text: &str) -> Result<ActionMap, ActionMapError> {
        let mut map = ActionMap::new();
        for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |problem| ActionMapError { line: line_no, problem };
            let (value, action) = line.rsplit_once('=').ok_or(err(ActionMapProblem::NoEquals))?;
            if value.trim().is_empty() {
                return Err(err(ActionMapProblem::EmptyValue));
            }
            let action = match action.trim() {
                a if a.eq_ignore_ascii_case("skip") => None,
                a => Some(a.parse::<Action>().map_err(|_| err(ActionMapProblem::UnknownAction))?),
            };
            map.insert(value, action);
        }
        Ok(map)
    }

    /// The entries, in the order they were added.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<Action>)> {
        self.entries.iter().map(|(k, a)| (k.as_str(), *a))
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// This table's meaning of `value`: `Some(None)` for skip, `None` when
    /// the table does not name it.
    pub fn get(&self, value: &str) -> Option<Option<Action>> {
        let value = value.trim();
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)).map(|(_, a)| *a)
    }

    /// `value` through this table, then the built-in one.
    pub(crate) fn resolve(&self, value: &str) -> Option<Option<Action>> {
        self.get(value).or_else(|| built_in(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_line_format() {
        let map = ActionMap::parse(
            "\u{feff}# ours\n\n USB copy = file-copy \nnetwork-flow=http-request\nFile System=SKIP\na=b=logon\n",
        )
        .ok();
        let map = map.unwrap_or_default();
        assert_eq!(map.get("usb COPY"), Some(Some(Action::FileCopy)));
        assert_eq!(map.get("network-flow"), Some(Some(Action::HttpRequest)));
        assert_eq!(map.get("file system"), Some(None));
        assert_eq!(map.get("a=b"), Some(Some(Action::Logon)));
        assert_eq!(map.get("logged-in"), None);
        assert_eq!(map.resolve("Logged-In"), Some(Some(Action::Logon)));
        assert_eq!(map.entries().count(), 4);
    }

    #[test]
    fn refuses_bad_lines_by_number() {
        let problem = |text: &str| ActionMap::parse(text).err().map(|e| (e.line, e.problem));
        assert_eq!(problem("x=logon\nnothing here"), Some((2, ActionMapProblem::NoEquals)));
        assert_eq!(problem(" = logon"), Some((1, ActionMapProblem::EmptyValue)));
        assert_eq!(problem("x = exfiltrate"), Some((1, ActionMapProblem::UnknownAction)));
    }

    #[test]
    fn the_user_table_comes_first() {
        let mut map = ActionMap::new();
        map.insert("deleted", None);
        assert_eq!(map.resolve("deleted"), Some(None));
        assert_eq!(ActionMap::new().resolve("deleted"), Some(Some(Action::FileDelete)));
    }
}
