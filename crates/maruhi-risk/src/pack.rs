//! The built-in rule pack for trade-secret theft and the domain lists it
//! relies on, as files users can read, copy, change and add to. The files
//! live in `rules/` beside this crate's `Cargo.toml` and are compiled in; an
//! installation can use its own folder instead (`maruhi risk rules export`
//! writes the built-in files out to start from).

use crate::context::{Category, Context};
use crate::enrich::MARUHI_FIELDS;
use crate::sigma::{RuleError, RuleSet, EVENT_FIELDS};

/// A rule pack: Sigma rule files and domain lists, each as (file name, text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pack {
    /// Sigma rule files (`*.yml`).
    pub rules: Vec<(String, String)>,
    /// Domain lists (`lists/<category>.txt`).
    pub lists: Vec<(Category, String)>,
}

macro_rules! files {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../rules/", $name)))),*]
    };
}

const RULES: [(&str, &str); 11] = files!(
    "removable-media.yml",
    "cloud-upload.yml",
    "mass-access.yml",
    "need-to-know.yml",
    "mail-out.yml",
    "print-secret.yml",
    "archive-then-exfiltrate.yml",
    "after-notice.yml",
    "job-search.yml",
    "first-use.yml",
    "off-hours.yml",
);

const LISTS: [(Category, &str); 4] = [
    (Category::PersonalCloud, include_str!("../rules/lists/personal-cloud.txt")),
    (Category::FileTransfer, include_str!("../rules/lists/file-transfer.txt")),
    (Category::PersonalMail, include_str!("../rules/lists/personal-mail.txt")),
    (Category::JobSite, include_str!("../rules/lists/job-site.txt")),
];

impl Pack {
    /// The pack compiled into maruhi.
    pub fn builtin() -> Pack {
        Pack {
            rules: RULES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect(),
            lists: LISTS.iter().map(|(c, t)| (*c, (*t).to_owned())).collect(),
        }
    }

    /// The file name of a category's list in a pack folder.
    pub fn list_file(category: Category) -> String {
        format!("lists/{}.txt", category.name())
    }

    /// Compiles the pack's rules, refusing any field that is neither in the
    /// event schema nor one of maruhi's enriched fields (a misspelt field
    /// would otherwise silently never match).
    pub fn compile(&self) -> Result<RuleSet, Vec<RuleError>> {
        let known: Vec<&str> = EVENT_FIELDS.iter().chain(MARUHI_FIELDS).copied().collect();
        RuleSet::load_with_fields(&self.rules, &known)
    }

    /// Adds the pack's domain lists to `ctx`.
    pub fn classify_domains(&self, ctx: &mut Context) {
        for (category, text) in &self.lists {
            ctx.add_domain_list(text, *category);
        }
    }
}
