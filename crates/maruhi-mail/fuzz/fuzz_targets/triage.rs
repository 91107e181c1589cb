//! Triage of arbitrary bytes as a mailbox: split into messages (mbox or one mail), parsed, signs
//! found, threaded. Never panics; every reason has a known code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_mail::{Config, Triager};

fuzz_target!(|data: &[u8]| {
    let config = Config {
        own_domains: vec!["hanamaru-kogyo.co.jp".into()],
        partner_domains: vec!["sakura-seiki.co.jp".into()],
        authserv_ids: vec!["mx.hanamaru-kogyo.co.jp".into()],
        dkim_keys: Vec::new(),
    };
    let inputs = maruhi_mail::split("fuzz.mbox", data.to_vec());
    let t = Triager::new(config).triage(inputs);
    for m in &t.mails {
        for r in &m.reasons {
            assert!(maruhi_mail::signs::ALL.iter().any(|s| s.code == r.code));
        }
    }
});
