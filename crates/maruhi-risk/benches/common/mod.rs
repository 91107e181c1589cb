//! What the benches share: the installation's knowledge of a synthetic
//! organisation, as an installation would have it.

use std::collections::HashMap;

use maruhi_risk::{Category, Context, Departure, Pack, Person, SecretArea, Watchlist};

/// The pack's domain lists, the company's own and its competitors' domains,
/// the registered secrets with their need-to-know lists, and every person's
/// department, watchlists and HR dates (known to detection only from the
/// notice date on: the engine and the scores check `known_on`).
pub fn context(org: &maruhi_synth::Org, pack: &Pack) -> Context {
    let mut ctx = Context::new();
    pack.classify_domains(&mut ctx);
    for d in org.company_domains.iter().chain(&org.sanctioned_domains) {
        ctx.set_domain(d, Category::Company);
    }
    for d in &org.competitor_domains {
        ctx.set_domain(d, Category::Competitor);
    }
    for s in &org.secrets {
        ctx.add_secret(SecretArea {
            secret_id: s.id.clone(),
            title: s.title.clone(),
            paths: s.path_prefixes.clone(),
            need_to_know: s.need_to_know.iter().cloned().collect(),
            unrestricted: false,
        });
    }
    let hr: HashMap<&str, &maruhi_synth::HrRecord> = org.hr.iter().map(|h| (h.user.as_str(), h)).collect();
    for p in &org.people {
        let mut person = Person { department: Some(p.department.clone()), ..Person::default() };
        if p.contractor {
            person.watchlists.insert(Watchlist::Contractors);
        }
        if p.privileged {
            person.watchlists.insert(Watchlist::Privileged);
        }
        if let Some(h) = hr.get(p.user.as_str()) {
            person.departure = Some(Departure {
                notice_date: h.notice_date,
                last_working_day: Some(h.last_working_day),
                end_date: Some(h.end_date),
            });
        }
        ctx.set_person(&p.user, person);
    }
    ctx
}
