//! E-mail (RFC 5322 with MIME): the subject and text bodies are one document named after the
//! mail; each attachment is extracted recursively as `mail.eml!/name`.

use mail_parser::{MessageParser, MimeHeaders};

use crate::ctx::{extract_into, member_path, Ctx};
use crate::{codes, Format};

pub(crate) fn extract(cx: &mut Ctx<'_>, path: &str, bytes: &[u8], depth: u32) {
    // mail-parser decodes RFC 2047 words, RFC 2231 parameters (file names) and the Japanese
    // charsets (ISO-2022-JP, Shift_JIS, EUC-JP, through encoding_rs with `full_encoding`).
    let Some(message) = MessageParser::default().parse(bytes) else {
        cx.diag(path, codes::MALFORMED, "not a readable e-mail message");
        return;
    };
    let mut body = String::new();
    if let Some(subject) = message.subject() {
        body.push_str(subject);
        body.push_str("\n\n");
    }
    for i in 0..message.text_body_count() {
        if let Some(text) = message.body_text(i) {
            body.push_str(&text);
            if !body.ends_with('\n') {
                body.push('\n');
            }
        }
    }
    cx.push(path, Format::Eml, body);

    let mut taken: Vec<String> = Vec::new();
    for (n, part) in message.attachments().enumerate() {
        if cx.out_of_time(path) {
            return;
        }
        if !cx.count_member(path) {
            return;
        }
        let is_message = part.is_message();
        let mut name = part
            .attachment_name()
            .map(|s| s.replace(['/', '\\'], "_"))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| {
                if is_message {
                    format!("message-{}.eml", n + 1)
                } else {
                    format!("attachment-{}", n + 1)
                }
            });
        // Two attachments may share a name; paths stay unique.
        if taken.contains(&name) {
            name = format!("{name}~{}", n + 1);
        }
        taken.push(name.clone());
        let mpath = member_path(path, &name);
        let hint = is_message.then_some(Format::Eml);
        extract_into(cx, &mpath, &name, part.contents(), depth + 1, hint);
    }
}
