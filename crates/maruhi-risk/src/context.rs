//! What the installation knows beside the events: who is on which watchlist,
//! HR dates of leavers, the paths of registered secrets and who needs to know
//! them, and what kind of place a domain is. Detection reads it through the
//! enriched fields of [`crate::enrich`].

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// How far back a resignation notice re-scores a person's activity: the
/// weeks before a notice are when most leavers take material (IPA 2020 survey
/// of leak routes; CERT insider cases).
pub const LOOK_BACK: Duration = Duration::days(90);

/// A watchlist a person can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Watchlist {
    /// Has given notice (from HR data, or put on by hand).
    Departing,
    /// Works for a contractor or staffing agency (委託・派遣).
    Contractors,
    /// Holds administrative rights.
    Privileged,
}

impl Watchlist {
    /// Every list.
    pub const ALL: [Watchlist; 3] = [Watchlist::Departing, Watchlist::Contractors, Watchlist::Privileged];

    /// The name used in files, on the command line and in rules
    /// (`maruhi.user.watchlist`).
    pub fn name(self) -> &'static str {
        match self {
            Watchlist::Departing => "departing",
            Watchlist::Contractors => "contractors",
            Watchlist::Privileged => "privileged",
        }
    }

    /// The list with this name.
    pub fn from_name(name: &str) -> Option<Watchlist> {
        Watchlist::ALL.into_iter().find(|w| w.name() == name.trim())
    }
}

/// HR dates of a leaver: 退職届 (notice), 最終出社日 (last working day) and
/// 退職日 (end date; paid leave often lies between the last two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Departure {
    /// The day notice was given.
    pub notice_date: Date,
    /// The last day at work, when known.
    pub last_working_day: Option<Date>,
    /// The day employment ends, when known.
    pub end_date: Option<Date>,
}

impl Departure {
    /// Whether HR knew of the departure on `day`.
    pub fn known_on(&self, day: Date) -> bool {
        day >= self.notice_date
    }

    /// Whether activity on `day` falls in the look-back or watch window that
    /// the notice opens: from [`LOOK_BACK`] before the notice to the end date.
    pub fn covers(&self, day: Date) -> bool {
        let end = self.end_date.or(self.last_working_day);
        day >= self.notice_date - LOOK_BACK && end.is_none_or(|end| day <= end)
    }
}

/// What is known of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Department, for peer baselines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Lists the person is on by hand (departing by HR data is in
    /// [`Person::departure`]).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub watchlists: BTreeSet<Watchlist>,
    /// HR dates when the person is leaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure: Option<Departure>,
}

impl Person {
    /// The lists the person is on, on `day`: by hand, and `departing` from
    /// the notice date to the end date. Sorted, without repeats.
    pub fn watchlists_on(&self, day: Date) -> BTreeSet<Watchlist> {
        let mut lists = self.watchlists.clone();
        if self.departure.is_some_and(|d| d.known_on(day) && d.end_date.is_none_or(|end| day <= end)) {
            lists.insert(Watchlist::Departing);
        }
        lists
    }
}

/// A registered secret as detection sees it: where its material lives and
/// who needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretArea {
    /// The register's id.
    pub secret_id: String,
    /// Its title, for reasons.
    pub title: String,
    /// Path prefixes (folders) or full paths of its material, as they appear
    /// in `file.path`. Compared case-insensitively, `/` and `\` alike.
    pub paths: Vec<String>,
    /// Accounts on the access list (need-to-know).
    pub need_to_know: BTreeSet<String>,
    /// Who needs to know it is unknown (no access list, no owning
    /// department): every access counts as entitled.
    pub unrestricted: bool,
}

/// What kind of place a domain is. The built-in lists live in
/// `rules/lists/*.txt` and can be replaced like rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The company's own domains.
    Company,
    /// Storage services for individuals (Google Drive, Dropbox, …).
    PersonalCloud,
    /// Large-file transfer services (ギガファイル便, firestorage, WeTransfer, …).
    FileTransfer,
    /// Free or carrier mail for individuals (gmail.com, docomo.ne.jp, …).
    PersonalMail,
    /// Competitors, as the company lists them.
    Competitor,
    /// Job boards and recruiting agencies.
    JobSite,
}

impl Category {
    /// The name used in rules (`destination.category`).
    pub fn name(self) -> &'static str {
        match self {
            Category::Company => "company",
            Category::PersonalCloud => "personal-cloud",
            Category::FileTransfer => "file-transfer",
            Category::PersonalMail => "personal-mail",
            Category::Competitor => "competitor",
            Category::JobSite => "job-site",
        }
    }
}

/// Everything detection knows beside the events.
#[derive(Debug, Clone, Default)]
pub struct Context {
    people: HashMap<String, Person>,
    secrets: Vec<Area>,
    web: HashMap<String, Category>,
    mail: HashMap<String, Category>,
}

#[derive(Debug, Clone)]
struct Area {
    secret: SecretArea,
    prefixes: Vec<String>,
    need_to_know: HashSet<String>,
}

impl Context {
    /// An empty context: nobody is watched, no secret is registered, no domain
    /// is classified.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets what is known of `user` (accounts compare case-insensitively).
    pub fn set_person(&mut self, user: &str, person: Person) {
        self.people.insert(user.to_lowercase(), person);
    }

    /// What is known of `user`.
    pub fn person(&self, user: &str) -> Option<&Person> {
        if let Some(p) = self.people.get(user) {
            return Some(p);
        }
        self.people.get(&user.to_lowercase())
    }

    /// Every person with something known, by account.
    pub fn people(&self) -> impl Iterator<Item = (&str, &Person)> {
        self.people.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Registers where a secret's material lives.
    pub fn add_secret(&mut self, secret: SecretArea) {
        let prefixes = secret.paths.iter().map(|p| normalise_path(p)).filter(|p| !p.is_empty()).collect();
        let need_to_know = secret.need_to_know.iter().map(|u| u.to_lowercase()).collect();
        self.secrets.push(Area { secret, prefixes, need_to_know });
    }

    /// The secrets registered for detection.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretArea> {
        self.secrets.iter().map(|a| &a.secret)
    }

    /// Classifies `domain` and its subdomains. Personal mail domains are
    /// looked up for mail only and the web categories for web only (icloud.com
    /// is both a mail service and a storage service); company and competitor
    /// domains count for both.
    pub fn set_domain(&mut self, domain: &str, category: Category) {
        let d = domain.trim().trim_start_matches("*.").trim_end_matches('.').to_ascii_lowercase();
        if d.is_empty() {
            return;
        }
        match category {
            Category::PersonalMail => {
                self.mail.insert(d, category);
            }
            Category::PersonalCloud | Category::FileTransfer | Category::JobSite => {
                self.web.insert(d, category);
            }
            Category::Company | Category::Competitor => {
                self.mail.insert(d.clone(), category);
                self.web.insert(d, category);
            }
        }
    }

    /// Reads a list file: one domain per line, `#` starts a comment.
    pub fn add_domain_list(&mut self, text: &str, category: Category) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                self.set_domain(line, category);
            }
        }
    }

    /// The category of a web `domain` (a host name): the longest classified
    /// suffix on a label boundary.
    pub fn category(&self, domain: &str) -> Option<Category> {
        lookup(&self.web, domain)
    }

    /// The category of a mail domain (the part of an address after `@`).
    pub fn mail_category(&self, domain: &str) -> Option<Category> {
        lookup(&self.mail, domain)
    }

    /// The secrets whose material `path` belongs to, with whether `user`
    /// needs to know each.
    pub fn secrets_at<'a>(&'a self, path: &str, user: Option<&str>) -> impl Iterator<Item = (&'a SecretArea, bool)> {
        let path = normalise_path(path);
        let user = user.map(str::to_lowercase);
        self.secrets.iter().filter_map(move |a| {
            let hit = a.prefixes.iter().any(|p| {
                path.starts_with(p.as_str())
                    && (path.len() == p.len() || p.ends_with('\\') || path.as_bytes().get(p.len()) == Some(&b'\\'))
            });
            hit.then(|| (&a.secret, a.secret.unrestricted || user.as_ref().is_some_and(|u| a.need_to_know.contains(u))))
        })
    }
}

fn lookup(map: &HashMap<String, Category>, domain: &str) -> Option<Category> {
    let domain = domain.trim_end_matches('.');
    let lower;
    let mut d: &str = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = domain.to_ascii_lowercase();
        &lower
    } else {
        domain
    };
    loop {
        if let Some(c) = map.get(d) {
            return Some(*c);
        }
        match d.find('.') {
            Some(i) => d = &d[i + 1..],
            None => return None,
        }
    }
}

/// Second-level labels under which a country-code domain registers names
/// (`example.co.jp`, `example.ne.jp`, `example.co.uk`, `example.com.au`).
/// A short list instead of the Public Suffix List: the pure crate ships no
/// data files, and these cover the destinations Japanese companies see.
const SECOND_LEVEL: [&str; 14] =
    ["co", "ne", "or", "ac", "go", "ad", "ed", "gr", "lg", "com", "net", "org", "edu", "gov"];

/// The registrable domain of a host name (`upload.box.example.co.jp` →
/// `example.co.jp`): what "a new destination" means. Services spread one
/// destination over many host names (`p42-content.icloud.com`,
/// `dl3.gigafile.nu`), so keying on the full host makes every upload "new".
/// IP addresses and single labels are returned as they are (lower case).
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return host;
    }
    let keep = match (labels.get(n - 2), labels.get(n - 1)) {
        (Some(second), Some(tld)) if tld.len() == 2 && SECOND_LEVEL.contains(second) => 3,
        _ => 2,
    };
    labels[n - keep..].join(".")
}

/// Lower case, `/` as `\`, no trailing separator, URLs percent-decoded
/// without their query or fragment: how paths and locations are compared.
fn normalise_path(path: &str) -> String {
    let path = path.trim();
    let decoded;
    let path = if path.contains("://") {
        let cut = path.find(['?', '#']).unwrap_or(path.len());
        decoded = maruhi_events::percent_decode(path.get(..cut).unwrap_or(path));
        decoded.as_str()
    } else {
        path
    };
    let mut p: String = path.chars().map(|c| if c == '/' { '\\' } else { c }).collect::<String>().to_lowercase();
    while p.len() > 1 && p.ends_with('\\') {
        p.pop();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_on_label_boundaries() {
        let mut ctx = Context::new();
        ctx.add_domain_list("# personal mail\ngmail.com\nyahoo.co.jp  # Yahoo!メール\n", Category::PersonalMail);
        ctx.set_domain("icloud.com", Category::PersonalCloud);
        ctx.set_domain("icloud.com", Category::PersonalMail);
        assert_eq!(ctx.mail_category("gmail.com"), Some(Category::PersonalMail));
        assert_eq!(ctx.mail_category("mail.YAHOO.co.jp"), Some(Category::PersonalMail));
        assert_eq!(ctx.mail_category("notgmail.com"), None);
        assert_eq!(ctx.mail_category("co.jp"), None);
        assert_eq!(ctx.category("gmail.com"), None, "mail domains are not web categories");
        assert_eq!(ctx.category("p42-content.icloud.com"), Some(Category::PersonalCloud));
        assert_eq!(ctx.mail_category("icloud.com"), Some(Category::PersonalMail));
    }

    #[test]
    fn secret_paths_match_whole_components() {
        let mut ctx = Context::new();
        ctx.add_secret(SecretArea {
            secret_id: "7".into(),
            title: "MX-7 組立図".into(),
            paths: vec!["//fs01/設計部/MX-7/".into()],
            need_to_know: ["Yamada.Taro".to_string()].into(),
            unrestricted: false,
        });
        let hits: Vec<_> = ctx.secrets_at(r"\\FS01\設計部\MX-7\組立図.dwg", Some("yamada.taro")).collect();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].1);
        assert!(!ctx.secrets_at(r"\\fs01\設計部\MX-7\a.dwg", Some("sato")).next().is_some_and(|h| h.1));
        assert_eq!(ctx.secrets_at(r"\\fs01\設計部\MX-70\a.dwg", None).count(), 0);
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("dl3.GigaFile.nu"), "gigafile.nu");
        assert_eq!(registrable_domain("upload.box.example.co.jp"), "example.co.jp");
        assert_eq!(registrable_domain("example.co.jp"), "example.co.jp");
        assert_eq!(registrable_domain("p42-content.icloud.com."), "icloud.com");
        assert_eq!(registrable_domain("10.1.2.3"), "10.1.2.3");
        assert_eq!(registrable_domain("intranet"), "intranet");
    }

    #[test]
    fn secret_locations_given_as_urls_match_urls() {
        let mut ctx = Context::new();
        ctx.add_secret(SecretArea {
            secret_id: "9".into(),
            title: "顧客DB".into(),
            paths: vec!["https://maruhi.sharepoint.com/sites/営業/顧客".into()],
            need_to_know: BTreeSet::new(),
            unrestricted: false,
        });
        let url = "https://maruhi.sharepoint.com/sites/%E5%96%B6%E6%A5%AD/%E9%A1%A7%E5%AE%A2/list.xlsx?web=1";
        assert_eq!(ctx.secrets_at(url, None).count(), 1);
        assert_eq!(ctx.secrets_at("https://maruhi.sharepoint.com/sites/営業/顧客/a.csv", None).count(), 1);
        assert_eq!(ctx.secrets_at("https://maruhi.sharepoint.com/sites/営業/顧客2/a.csv", None).count(), 0);
        // The query comes straight after the location: cut, not part of it.
        let folder = "https://maruhi.sharepoint.com/sites/%E5%96%B6%E6%A5%AD/%E9%A1%A7%E5%AE%A2?web=1";
        assert_eq!(ctx.secrets_at(folder, None).count(), 1);
    }

    #[test]
    fn departure_windows() {
        let d = Departure {
            notice_date: time::macros::date!(2026 - 06 - 01),
            last_working_day: Some(time::macros::date!(2026 - 06 - 30)),
            end_date: Some(time::macros::date!(2026 - 07 - 31)),
        };
        assert!(d.covers(time::macros::date!(2026 - 03 - 03)));
        assert!(!d.covers(time::macros::date!(2026 - 03 - 02)));
        assert!(d.covers(time::macros::date!(2026 - 07 - 31)));
        assert!(!d.covers(time::macros::date!(2026 - 08 - 01)));
        assert!(!d.known_on(time::macros::date!(2026 - 05 - 31)));
    }
}
