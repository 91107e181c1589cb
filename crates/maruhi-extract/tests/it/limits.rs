use std::time::Duration;

use maruhi_extract::{extract_bytes, Limits};

use crate::{codes, text_of, zip_of};

/// 64 MiB of zeros deflate to about 64 KiB: a ratio near 1000.
fn bomb() -> Vec<u8> {
    zip_of(&[("zeros.bin", &vec![0u8; 64 << 20]), ("after.txt", b"after the bomb")])
}

#[test]
fn zip_bomb_is_refused_by_ratio() {
    let out = extract_bytes("bomb.zip", &bomb(), &Limits::default());
    assert_eq!(codes(&out), ["MRH-EXTRACT-004"]);
    assert_eq!(out.diagnostics[0].path, "bomb.zip!/zeros.bin");
    assert_eq!(text_of(&out, "bomb.zip!/after.txt"), "after the bomb");
}

#[test]
fn zip_bomb_with_a_lying_header_stops_at_the_limit() {
    let mut zip = bomb();
    // Claim the member expands to 100 bytes, in the local header (offset 22) and the central
    // directory (offset 24), so only the bounded reader stands in the way.
    zip[22..26].copy_from_slice(&100u32.to_le_bytes());
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());
    let out = extract_bytes("liar.zip", &zip, &Limits::default());
    assert_eq!(out.diagnostics[0].path, "liar.zip!/zeros.bin");
    assert!(["MRH-EXTRACT-004", "MRH-EXTRACT-009"].contains(&out.diagnostics[0].code), "{out:?}");
    assert_eq!(text_of(&out, "liar.zip!/after.txt"), "after the bomb");
}

#[test]
fn expanded_budget_and_member_count() {
    let big = vec![b'a'; 600 * 1024];
    let zip = zip_of(&[("1.txt", &big), ("2.txt", &big), ("3.txt", b"small")]);
    let limits = Limits { max_expanded_bytes: 1024 * 1024, ..Limits::default() };
    let out = extract_bytes("z.zip", &zip, &limits);
    assert_eq!(codes(&out), ["MRH-EXTRACT-005"]);
    assert_eq!(out.diagnostics[0].path, "z.zip!/2.txt");
    assert_eq!(out.documents.len(), 2);

    let limits = Limits { max_members: 2, ..Limits::default() };
    let out = extract_bytes("z.zip", &zip, &limits);
    assert_eq!(codes(&out), ["MRH-EXTRACT-006"]);
    assert_eq!(out.documents.len(), 2);
}

#[test]
fn nesting_depth() {
    let mut data = zip_of(&[("leaf.txt", b"leaf")]);
    for _ in 0..3 {
        data = zip_of(&[("z.zip", &data)]);
    }
    let out = extract_bytes("d.zip", &data, &Limits { max_depth: 3, ..Limits::default() });
    assert_eq!(codes(&out), ["MRH-EXTRACT-003"]);
    assert_eq!(out.diagnostics[0].path, "d.zip!/z.zip!/z.zip!/z.zip!/leaf.txt");
    let out = extract_bytes("d.zip", &data, &Limits { max_depth: 4, ..Limits::default() });
    assert_eq!(text_of(&out, "d.zip!/z.zip!/z.zip!/z.zip!/leaf.txt"), "leaf");
}

#[test]
fn text_budget_truncates_on_a_char_boundary() {
    let limits = Limits { max_text_bytes: 7, ..Limits::default() };
    let out = extract_bytes("t.txt", "日本語テキスト".as_bytes(), &limits);
    assert_eq!(out.documents[0].text, "日本");
    assert_eq!(codes(&out), ["MRH-EXTRACT-007"]);
}

#[test]
fn time_budget() {
    let limits = Limits { time_budget: Duration::ZERO, ..Limits::default() };
    let out = extract_bytes("slow.pdf", &crate::fixture("sample.pdf"), &limits);
    assert_eq!(codes(&out), ["MRH-EXTRACT-008"]);
    assert!(out.documents.is_empty());
}

#[test]
fn diagnostic_messages_carry_no_content() {
    let zip = zip_of(&[("secret-name.txt", b"TOPSECRET".as_slice())]);
    let limits = Limits { max_text_bytes: 3, ..Limits::default() };
    let out = extract_bytes("z.zip", &zip, &limits);
    for d in &out.diagnostics {
        assert!(!d.message.contains("TOPSECRET") && !d.message.contains("secret-name"), "{d:?}");
    }
}
