//! Conversations (やり取り型): mails grouped by Message-ID, In-Reply-To and References (RFC 5322
//! §3.6.4), and by subject and the two parties when a client dropped those headers. A conversation
//! that began harmless and later brought an attachment, a risky link or a password is scored
//! higher than its mails alone, and names the mail that turned it.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::domain;
use crate::mail::Mail;
use crate::signs;
use crate::Config;

static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(
        r"(?i)^\s*(?:(?:re|fw|fwd|aw|wg|ｒｅ|ｆｗ|ｆｗｄ|返信|転送|回复|转发)\s*(?:\[\d+\]|\(\d+\)|\*\d+)?\s*[:：>]|\[[^\]]{1,40}\]|【[^】]{1,20}】)\s*",
    )
    .expect("reply prefix pattern")
});

/// A subject without its reply and forward prefixes (`Re:`, `RE[2]:`, `Fw:`, `返信:`, `転送:`) and
/// list tags, with runs of white space made one.
pub fn normalise_subject(subject: &str) -> String {
    let mut s = subject.trim().to_owned();
    loop {
        let next = REPLY_PREFIX.replace(&s, "").into_owned();
        if next == s {
            break;
        }
        s = next;
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find(parent: &mut [usize], i: usize) -> usize {
    let mut root = i;
    while parent[root] != root {
        root = parent[root];
    }
    let mut j = i;
    while parent[j] != root {
        let next = parent[j];
        parent[j] = root;
        j = next;
    }
    root
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The earlier mail stays the root, so a thread is named after its first mail.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi] = lo;
    }
}

/// Groups mails into conversations; each group lists mail indexes in conversation order (by Date,
/// then input order).
pub(crate) fn group(mails: &[Option<Mail>]) -> Vec<Vec<usize>> {
    let n = mails.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, m) in mails.iter().enumerate() {
        if let Some(id) = m.as_ref().and_then(|m| m.message_id.as_deref()) {
            by_id.entry(id).or_insert(i);
        }
    }
    let mut by_subject: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, m) in mails.iter().enumerate() {
        let Some(m) = m else { continue };
        for id in m.in_reply_to.iter().chain(&m.references) {
            if let Some(&j) = by_id.get(id.as_str()) {
                union(&mut parent, i, j);
            }
        }
        let subject = normalise_subject(m.subject.as_deref().unwrap_or(""));
        if let (false, Some(from)) = (subject.is_empty(), &m.from) {
            let to = m.to.clone().unwrap_or_default();
            let (a, b) = if *from <= to { (from.clone(), to) } else { (to, from.clone()) };
            match by_subject.get(&(subject.clone(), a.clone(), b.clone())) {
                Some(&j) => union(&mut parent, i, j),
                None => {
                    by_subject.insert((subject, a, b), i);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for (i, m) in mails.iter().enumerate() {
        if m.is_none() {
            continue;
        }
        let r = find(&mut parent, i);
        let g = *index.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    for g in &mut groups {
        g.sort_by_key(|&i| (mails[i].as_ref().and_then(|m| m.date).unwrap_or(i64::MAX), i));
    }
    groups
}

/// Whether a mail brings something a conversation can turn on.
fn brings_payload(m: &Mail) -> bool {
    m.attachments > 0 || m.password_notice || m.risky_link
}

/// What a conversation adds: signs on the mails it concerns, and the mail that turned it.
pub(crate) struct Turn {
    pub(crate) turned_by: Option<usize>,
}

/// Adds the conversation's signs to its mails: the mail that turned a harmless conversation, the
/// archive whose password came later, the signature phone that changed.
pub(crate) fn assess(group: &[usize], mails: &mut [Option<Mail>], config: &Config) -> Turn {
    let mut turned_by = None;
    let known = config.known_domains();
    let first_harmless = group.first().and_then(|&i| mails[i].as_ref()).is_some_and(|m| !brings_payload(m));
    if group.len() >= 2 && first_harmless {
        let pos = group.iter().position(|&i| mails[i].as_ref().is_some_and(brings_payload));
        if let Some(pos) = pos {
            let i = group[pos];
            if let Some(m) = mails[i].as_mut() {
                let host = m.from.as_deref().and_then(|a| a.rsplit_once('@')).map(|(_, h)| h.to_owned());
                let inside = host.as_deref().is_some_and(|h| domain::is_under(h, &config.own_domains));
                // Targeted mail is written to a person or a desk, not to a list.
                if !inside && !m.mailing_list {
                    let mut reason = signs::CONVERSATION_TURNED.with(&format!("{}/{}", pos + 1, group.len()));
                    // A stranger turning a conversation with something that is itself a sign is
                    // the やり取り型 pattern IPA describes (a fake applicant or customer); a plain
                    // résumé PDF after a question is how real applicants write.
                    let stranger =
                        host.as_deref().is_some_and(|h| domain::is_freemail(h) || !domain::is_under(h, &known));
                    if stranger && !m.reasons.is_empty() {
                        reason.weight += 10;
                    }
                    m.reasons.push(reason);
                    turned_by = Some(i);
                }
            }
        }
    }
    // A hijacked thread: a reply bringing an attachment or a risky link from a domain no earlier
    // mail involved. (A password alone is not enough: people quote passwords in discussions.)
    let mut involved: Vec<String> = Vec::new();
    for &i in group {
        let Some(m) = mails[i].as_mut() else { continue };
        let from_reg = m.from.as_deref().and_then(|a| a.rsplit_once('@')).map(|(_, h)| domain::registrable(h));
        let is_reply = !m.in_reply_to.is_empty() || !m.references.is_empty();
        if let Some(reg) = &from_reg {
            let inside = domain::is_under(reg, &config.own_domains);
            if is_reply
                && !involved.is_empty()
                && !involved.contains(reg)
                && !inside
                && !m.mailing_list
                && (m.attachments > 0 || m.risky_link)
            {
                m.reasons.push(signs::THREAD_HIJACK.with(m.from.as_deref().unwrap_or("")));
            }
        }
        for a in [m.from.as_deref(), m.to.as_deref()].into_iter().flatten() {
            if let Some((_, h)) = a.rsplit_once('@') {
                let reg = domain::registrable(h);
                if !involved.contains(&reg) {
                    involved.push(reg);
                }
            }
        }
    }
    // PPAP: an encrypted archive, then its password from the same stranger.
    for (k, &i) in group.iter().enumerate() {
        let Some(m) = mails[i].as_ref() else { continue };
        if !m.encrypted_archive {
            continue;
        }
        let sender = m.from.clone();
        let stranger =
            sender.as_deref().and_then(|a| a.rsplit_once('@')).is_some_and(|(_, h)| !domain::is_under(h, &known));
        let later = group[k + 1..].iter().find(|&&j| {
            mails[j].as_ref().is_some_and(|n| n.password_notice && n.from == sender && !n.encrypted_archive)
        });
        if let (true, Some(&j)) = (stranger, later) {
            let pos = group.iter().position(|&x| x == j).map_or(0, |p| p + 1);
            if let Some(m) = mails[i].as_mut() {
                m.reasons.push(signs::PASSWORD_IN_LATER_MAIL.with(&format!("{pos}/{}", group.len())));
            }
        }
    }
    // The same sender's signature phone changing within a conversation.
    let mut phones: HashMap<String, Vec<String>> = HashMap::new();
    for &i in group {
        let Some(m) = mails[i].as_mut() else { continue };
        let Some(from) = m.from.clone() else { continue };
        let seen = phones.entry(from).or_default();
        if !seen.is_empty() && !m.phones.is_empty() && m.phones.iter().all(|p| !seen.contains(p)) {
            let detail = format!("{} → {}", seen.join(", "), m.phones.join(", "));
            m.reasons.push(signs::SIGNATURE_PHONE_CHANGED.with(&detail));
        }
        seen.extend(m.phones.iter().cloned());
    }
    Turn { turned_by }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_lose_their_prefixes() {
        assert_eq!(normalise_subject("Re: RE[2]: Fw: 会社説明会について"), "会社説明会について");
        assert_eq!(normalise_subject("返信: 転送: 見積の件"), "見積の件");
        assert_eq!(normalise_subject("ＲＥ：【重要】 見積の件"), "見積の件");
        assert_eq!(normalise_subject("Reply needed"), "Reply needed");
    }
}
