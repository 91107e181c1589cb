//! Offline DKIM verification (RFC 6376) with keys the company gives (its partners' published
//! `selector._domainkey.domain` records), never fetched: rsa-sha256 and ed25519-sha256 (RFC
//! 8463), simple and relaxed canonicalization (§3.4), the `l=` body length.

use base64::Engine;
use sha2::{Digest, Sha256};

/// A public key as published in DNS: its record name and its `p=` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    /// `selector._domainkey.domain`, lower case.
    pub name: String,
    /// `rsa` or `ed25519`.
    pub kind: String,
    /// The decoded `p=`: SubjectPublicKeyInfo DER for RSA, the 32 raw bytes for Ed25519.
    pub public: Vec<u8>,
}

impl DkimKey {
    /// Parses one line `selector._domainkey.domain v=DKIM1; k=rsa; p=…` (the record's name, then
    /// its TXT text, as a zone file or `dig` shows it; quotes and the `TXT` keyword are ignored).
    pub fn parse_line(line: &str) -> Option<DkimKey> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (name, rest) = line.split_once(char::is_whitespace)?;
        let text: String = rest.replace('"', "").replace("IN TXT", "").replace("TXT", "");
        let tags = tags(&text);
        let kind = tags.iter().find(|(k, _)| k == "k").map_or("rsa".to_owned(), |(_, v)| v.to_lowercase());
        let p: String = tags.iter().find(|(k, _)| k == "p")?.1.split_whitespace().collect();
        let public = base64::engine::general_purpose::STANDARD.decode(p).ok()?;
        Some(DkimKey { name: name.trim_end_matches('.').to_lowercase(), kind, public })
    }
}

/// The outcome of the DKIM signatures of a mail for which a key was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A signature verified: the signing domain.
    Pass(String),
    /// A signature with a given key did not verify: the domain and why.
    Fail(String, &'static str),
}

fn tags(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .filter_map(|t| {
            let (k, v) = t.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// The header fields of a message, each as written (name, and the whole field with its folding
/// and without the final line break), and the body, with bare LF read as CRLF.
fn split(raw: &[u8]) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    // Mail on disk often has LF line ends; signatures are over CRLF (RFC 6376 §5.3).
    let mut crlf = Vec::with_capacity(raw.len() + raw.len() / 40);
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            crlf.push(b'\r');
        }
        crlf.push(b);
        prev = b;
    }
    let end = crlf.windows(4).position(|w| w == b"\r\n\r\n");
    let (head, body) = match end {
        Some(i) => (&crlf[..i + 2], crlf[i + 4..].to_vec()),
        None => (&crlf[..], Vec::new()),
    };
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    for line in head.split_inclusive(|&b| b == b'\n') {
        if (line.starts_with(b" ") || line.starts_with(b"\t")) && !fields.is_empty() {
            if let Some(last) = fields.last_mut() {
                last.1.extend_from_slice(line);
            }
        } else {
            let name = line.split(|&b| b == b':').next().unwrap_or(b"");
            fields.push((String::from_utf8_lossy(name).trim().to_lowercase(), line.to_vec()));
        }
    }
    for f in &mut fields {
        if f.1.ends_with(b"\r\n") {
            f.1.truncate(f.1.len() - 2);
        }
    }
    (fields, body)
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// RFC 6376 §3.4.2: lower-case name, unfolded value, runs of white space as one space, none at
/// either end of the value.
fn relaxed_header(field: &[u8]) -> Vec<u8> {
    let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
    let name = String::from_utf8_lossy(&field[..colon]).trim().to_lowercase();
    let value = field.get(colon + 1..).unwrap_or(b"");
    let mut out = name.into_bytes();
    out.push(b':');
    let mut v = Vec::new();
    let mut space = false;
    for &b in value {
        if b == b'\r' || b == b'\n' {
            continue;
        }
        if is_wsp(b) {
            space = true;
        } else {
            if space && !v.is_empty() {
                v.push(b' ');
            }
            space = false;
            v.push(b);
        }
    }
    out.extend_from_slice(&v);
    out
}

/// RFC 6376 §3.4.3 and §3.4.4.
fn canonical_body(body: &[u8], relaxed: bool) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if relaxed {
            let mut l = Vec::new();
            let mut space = false;
            for &b in line {
                if is_wsp(b) {
                    space = true;
                } else {
                    if space {
                        l.push(b' ');
                    }
                    space = false;
                    l.push(b);
                }
            }
            lines.push(l);
        } else {
            lines.push(line.to_vec());
        }
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    let mut out = Vec::new();
    for l in &lines {
        out.extend_from_slice(l);
        out.extend_from_slice(b"\r\n");
    }
    if out.is_empty() && !relaxed {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Removes the value of the `b=` tag from a DKIM-Signature field, keeping everything else as
/// written (RFC 6376 §3.7).
fn without_b(field: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(field).into_owned();
    let mut out = String::with_capacity(text.len());
    let colon = text.find(':').map_or(0, |i| i + 1);
    out.push_str(&text[..colon]);
    let parts: Vec<&str> = text[colon..].split(';').collect();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let key = part.split('=').next().unwrap_or("").trim();
        if key == "b" {
            let eq = part.find('=').map_or(part.len(), |e| e + 1);
            out.push_str(&part[..eq]);
        } else {
            out.push_str(part);
        }
    }
    out.into_bytes()
}

/// Verifies every DKIM-Signature of a raw message whose key is among `keys`.
pub(crate) fn verify(raw: &[u8], keys: &[DkimKey]) -> Vec<Outcome> {
    if keys.is_empty() {
        return Vec::new();
    }
    let (fields, body) = split(raw);
    let mut out = Vec::new();
    for (name, field) in fields.iter().filter(|(n, _)| n == "dkim-signature").take(8) {
        let _ = name;
        let text = String::from_utf8_lossy(field);
        let value = text.split_once(':').map_or("", |(_, v)| v);
        let t = tags(&value.replace(['\r', '\n'], ""));
        let get = |k: &str| t.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let (Some(d), Some(s)) = (get("d"), get("s")) else { continue };
        let domain = d.to_lowercase();
        let Some(key) = keys.iter().find(|k| k.name == format!("{}._domainkey.{domain}", s.to_lowercase())) else {
            continue;
        };
        out.push(match check(&fields, field, &body, &get, key) {
            Ok(()) => Outcome::Pass(domain),
            Err(why) => Outcome::Fail(domain, why),
        });
    }
    out
}

fn check<'a>(
    fields: &[(String, Vec<u8>)],
    sig_field: &[u8],
    body: &[u8],
    get: &dyn Fn(&str) -> Option<&'a str>,
    key: &DkimKey,
) -> Result<(), &'static str> {
    let b64 = |s: &str| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(s).map_err(|_| "malformed signature")
    };
    let algorithm = get("a").unwrap_or("");
    let (header_c, body_c) = match get("c").unwrap_or("simple/simple").split_once('/') {
        Some((h, b)) => (h.trim() == "relaxed", b.trim() == "relaxed"),
        None => (get("c").unwrap_or("").trim() == "relaxed", false),
    };
    let mut cbody = canonical_body(body, body_c);
    if let Some(l) = get("l").and_then(|l| l.parse::<usize>().ok()) {
        cbody.truncate(l);
    }
    if Sha256::digest(&cbody).as_slice() != b64(get("bh").ok_or("malformed signature")?)?.as_slice() {
        return Err("body changed");
    }
    // §5.4.2: each name in h= takes the next instance from the bottom; a name with none left
    // contributes nothing.
    let mut used = vec![false; fields.len()];
    let mut data = Vec::new();
    for name in get("h").ok_or("malformed signature")?.split(':') {
        let name = name.trim().to_lowercase();
        let pick = fields.iter().enumerate().rev().find(|(i, (n, _))| !used[*i] && *n == name).map(|(i, _)| i);
        if let Some(i) = pick {
            used[i] = true;
            let f = &fields[i].1;
            if header_c {
                data.extend_from_slice(&relaxed_header(f));
            } else {
                data.extend_from_slice(f);
            }
            data.extend_from_slice(b"\r\n");
        }
    }
    let sig_stripped = without_b(sig_field);
    if header_c {
        data.extend_from_slice(&relaxed_header(&sig_stripped));
    } else {
        data.extend_from_slice(&sig_stripped);
    }
    let signature = b64(get("b").ok_or("malformed signature")?)?;
    match (algorithm, key.kind.as_str()) {
        ("rsa-sha256", "rsa") => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::pkcs8::DecodePublicKey;
            let public = rsa::RsaPublicKey::from_public_key_der(&key.public)
                .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(&key.public))
                .map_err(|_| "unusable key")?;
            let digest = Sha256::digest(&data);
            public
                .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
                .map_err(|_| "signature does not verify")
        }
        ("ed25519-sha256", "ed25519") => {
            // RFC 8463 §3: Ed25519 signs the SHA-256 of the header data.
            let bytes: [u8; 32] = key.public.as_slice().try_into().map_err(|_| "unusable key")?;
            let public = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| "unusable key")?;
            let sig = ed25519_dalek::Signature::from_slice(&signature).map_err(|_| "malformed signature")?;
            public.verify_strict(&Sha256::digest(&data), &sig).map_err(|_| "signature does not verify")
        }
        _ => Err("algorithm not supported"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_canonicalized_as_rfc_6376_says() {
        // RFC 6376 §3.4.5's example.
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canonical_body(body, true), b" C\r\nD E\r\n");
        assert_eq!(canonical_body(body, false), b" C \r\nD \t E\r\n");
        assert_eq!(relaxed_header(b"A: X"), b"a:X");
        assert_eq!(relaxed_header(b"B : Y\t\r\n\tZ  "), b"b:Y Z");
        assert_eq!(canonical_body(b"", false), b"\r\n");
        assert_eq!(canonical_body(b"", true), b"");
    }

    #[test]
    fn the_b_tag_is_emptied_and_nothing_else() {
        assert_eq!(
            without_b(b"DKIM-Signature: a=rsa-sha256; b=abc\r\n def; bh=xyz"),
            b"DKIM-Signature: a=rsa-sha256; b=; bh=xyz"
        );
    }
}
