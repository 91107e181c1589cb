//! Domains: registrable domains by the public suffix list, free-mail providers, and look-alikes
//! of the company's and its partners' domains (UTS #39 confusable skeletons, edit distance).

/// Free-mail providers: anyone can open an address there under any name.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.co.jp",
    "ymail.ne.jp",
    "yahoo.com",
    "outlook.com",
    "outlook.jp",
    "hotmail.com",
    "hotmail.co.jp",
    "live.com",
    "live.jp",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.com",
    "gmx.net",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "protonmail.com",
    "proton.me",
    "tutanota.com",
    "zoho.com",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
    "excite.co.jp",
    "infoseek.jp",
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
];

/// A host name in lower case, Unicode (punycode labels decoded), without a trailing dot.
pub(crate) fn normalise_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_lowercase();
    if host.split('.').any(|l| l.starts_with("xn--")) {
        let (unicode, result) = idna::domain_to_unicode(&host);
        if result.is_ok() {
            return unicode;
        }
    }
    host
}

/// The registrable domain (public suffix plus one label) of a host: `mail.example.co.jp` →
/// `example.co.jp`. A host that is a public suffix itself, or unknown to the list, is returned whole.
pub(crate) fn registrable(host: &str) -> String {
    let host = normalise_host(host);
    psl::domain_str(&host).map_or_else(|| host.clone(), str::to_owned)
}

/// The registrable domain's first label and its suffix: `example.co.jp` → (`example`, `co.jp`).
fn split_label(reg: &str) -> (&str, &str) {
    match psl::suffix_str(reg) {
        Some(suffix) if reg.len() > suffix.len() + 1 => (&reg[..reg.len() - suffix.len() - 1], suffix),
        _ => (reg, ""),
    }
}

/// Whether a host is at a free-mail provider.
pub(crate) fn is_freemail(host: &str) -> bool {
    let host = normalise_host(host);
    FREEMAIL.iter().any(|f| host == *f || host.ends_with(&format!(".{f}")))
}

/// Whether a host is one of the given domains or under one of them.
pub(crate) fn is_under(host: &str, domains: &[String]) -> bool {
    let host = normalise_host(host);
    domains.iter().any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// The UTS #39 skeleton of a string: confusable characters mapped to one prototype, so that
/// `ехample` (Cyrillic е, х) and `example` share one skeleton.
fn skeleton(s: &str) -> String {
    unicode_security::skeleton(s).collect()
}

/// Levenshtein distance over characters, capped: returns `cap + 1` as soon as it must be larger.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|m| *m > cap) {
            return cap + 1;
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The company's or partner's domain that `host` imitates, if any: same skeleton but another
/// domain (homoglyphs), a registrable label one or two edits away (`examp1e`, `exmaple`), the same
/// label under another suffix (`example.co.jp` → `example-co.jp`, `example.jp.net`), or the real
/// domain as a label of another one (`example.co.jp.evil.com`).
pub(crate) fn lookalike_of<'d>(host: &str, known: &'d [String]) -> Option<&'d str> {
    let host = normalise_host(host);
    if is_under(&host, known) {
        return None;
    }
    let reg = registrable(&host);
    let (label, _) = split_label(&reg);
    let host_skel = skeleton(&reg);
    for d in known {
        let (dlabel, _) = split_label(d);
        if host_skel == skeleton(d) {
            return Some(d);
        }
        if dlabel.chars().count() >= 4 {
            // Short labels (`abc`) are one edit from too many real domains to mean anything.
            let cap = if dlabel.chars().count() >= 8 { 2 } else { 1 };
            if skeleton(label) == skeleton(dlabel) || edit_distance(label, dlabel, cap) <= cap {
                return Some(d);
            }
            // `example-co.jp`, `example.co.jp.evil.com`, `examplecojp.com`.
            let flat: String = d.chars().filter(|c| *c != '.' && *c != '-').collect();
            let host_flat: String = host.chars().filter(|c| *c != '.' && *c != '-').collect();
            if host.contains(d.as_str()) || host_flat.contains(&flat) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        assert_eq!(registrable("mail.example.co.jp"), "example.co.jp");
        assert_eq!(registrable("a.b.example.com."), "example.com");
        assert_eq!(registrable("www.XN--WGV71A119E.JP"), "日本語.jp");
    }

    #[test]
    fn lookalikes_are_found_and_real_domains_are_not() {
        let known = vec!["sakura-seiki.co.jp".to_owned(), "example.com".to_owned()];
        assert_eq!(lookalike_of("sakura-seikl.co.jp", &known), Some("sakura-seiki.co.jp"));
        assert_eq!(lookalike_of("sakura-seiki.jp", &known), Some("sakura-seiki.co.jp"));
        assert_eq!(lookalike_of("sakura-seiki-co.jp", &known), Some("sakura-seiki.co.jp"));
        assert_eq!(lookalike_of("sakura-seiki.co.jp.mail-check.com", &known), Some("sakura-seiki.co.jp"));
        // Cyrillic а (U+0430) in place of the Latin a.
        assert_eq!(lookalike_of("s\u{430}kura-seiki.co.jp", &known), Some("sakura-seiki.co.jp"));
        assert_eq!(lookalike_of("mail.sakura-seiki.co.jp", &known), None);
        assert_eq!(lookalike_of("hanamaru-shoji.co.jp", &known), None);
        assert_eq!(lookalike_of("gmail.com", &known), None);
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("kitten", "sitting", 1), 2);
        assert_eq!(edit_distance("same", "same", 2), 0);
    }
}
