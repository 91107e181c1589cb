//! Text-based CAD and NC formats, turned into a canonical text so that fingerprints follow what
//! the drawing is, not how a program wrote it:
//!
//! - DXF (ASCII): one line per entity with its type, block, layer, text and coordinates
//!   (rounded to 0.001, zero Z left out), no handles or owner pointers (a re-save renumbers them),
//!   the lines sorted, so a re-saved drawing whose entities come in another order gives the same
//!   text; block names first. The layer table is left out: a company's drawings share it.
//! - STEP (ISO 10303-21): one line per entity of the DATA section with its type and parameters,
//!   the instance numbers (`#12`) dropped, strings decoded (`\X2\…\X0\` UTF-16 for Japanese
//!   names), numbers rounded, the lines sorted.
//! - G-code: block by block, in order (an NC program is a sequence), with line numbers (`N120`)
//!   and spaces dropped, words upper-cased and numbers in one form (`X10.` = `X010.000` =
//!   `X10`), comments kept.

/// Rounds a coordinate to 0.001 and prints it without trailing zeros (`-0` as `0`).
fn num(s: &str) -> Option<String> {
    let x: f64 = s.trim().parse().ok()?;
    if !x.is_finite() {
        return None;
    }
    let r = (x * 1000.0).round() / 1000.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let mut t = format!("{r:.3}");
    while t.contains('.') && (t.ends_with('0') || t.ends_with('.')) {
        t.pop();
    }
    Some(t)
}

/// DXF group codes kept for an entity: text (1, 3), names (2), layer (8), points and sizes
/// (10–59), and nothing else (handles 5, owners 330, colours, flags vary with the writer).
fn dxf_kept(code: i32) -> bool {
    matches!(code, 1..=3 | 6..=8 | 10..=59)
}

/// MTEXT formatting: `\P` is a paragraph; `\f…;`, `\H…;`, `\C…;` and the like set fonts and
/// sizes; braces group them.
fn mtext(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('P') | Some('n') => out.push(' '),
                Some('~') => out.push(' '),
                Some('\\') => out.push('\\'),
                Some('{') => out.push('{'),
                Some('}') => out.push('}'),
                Some(c) if c.is_ascii_alphabetic() => {
                    // A formatting code with a value up to `;` (or a one-letter switch).
                    if matches!(
                        c,
                        'f' | 'F' | 'H' | 'h' | 'C' | 'c' | 'T' | 't' | 'Q' | 'q' | 'W' | 'w' | 'A' | 'a' | 'p'
                    ) {
                        for d in chars.by_ref() {
                            if d == ';' {
                                break;
                            }
                        }
                    }
                }
                _ => {}
            },
            '{' | '}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The canonical text of an ASCII DXF file; `None` when it is not one.
pub(crate) fn dxf_text(text: &str) -> Option<String> {
    let mut lines = text.lines();
    let mut pairs = Vec::new();
    while let (Some(code), Some(value)) = (lines.next(), lines.next()) {
        let code: i32 = code.trim().parse().ok()?;
        pairs.push((code, value.trim_end_matches('\r')));
    }
    if !pairs.iter().any(|&(c, v)| c == 0 && v.trim() == "SECTION") {
        return None;
    }
    let mut names = Vec::new();
    let mut entities = Vec::new();
    let mut section = String::new();
    let mut block = String::new();
    let mut current: Option<(String, Vec<String>)> = None;
    let flush = |current: &mut Option<(String, Vec<String>)>, block: &str, entities: &mut Vec<String>| {
        if let Some((kind, fields)) = current.take() {
            let mut line = kind;
            if !block.is_empty() {
                line.push_str(" @");
                line.push_str(block);
            }
            for f in fields {
                line.push(' ');
                line.push_str(&f);
            }
            entities.push(line);
        }
    };
    let mut after_section = false;
    for &(code, value) in &pairs {
        let value_t = value.trim();
        if code == 0 {
            flush(&mut current, &block, &mut entities);
            match value_t {
                "SECTION" => after_section = true,
                "ENDSEC" => section.clear(),
                "BLOCK" if section == "BLOCKS" => block.clear(),
                "ENDBLK" => block.clear(),
                kind if section == "ENTITIES" || section == "BLOCKS" => {
                    current = Some((kind.to_owned(), Vec::new()));
                }
                _ => {}
            }
            continue;
        }
        if after_section && code == 2 {
            section = value_t.to_owned();
            after_section = false;
            continue;
        }
        match section.as_str() {
            "BLOCKS" if code == 2 && current.is_none() => {
                block = value_t.to_owned();
                names.push(format!("BLOCK {value_t}"));
            }
            "ENTITIES" | "BLOCKS" => {
                if let Some((kind, fields)) = current.as_mut() {
                    if !dxf_kept(code) {
                        continue;
                    }
                    let field = match code {
                        1 | 3 if kind == "MTEXT" => mtext(value),
                        1..=3 | 6..=8 => value_t.to_owned(),
                        _ => match num(value_t) {
                            // Z of a flat drawing: the same everywhere, not what it shows.
                            Some(n) if (30..=39).contains(&code) && n == "0" => continue,
                            Some(n) => n,
                            None => continue,
                        },
                    };
                    fields.push(field);
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &block, &mut entities);
    names.sort();
    names.dedup();
    entities.sort();
    let mut out = names.join("\n");
    out.push('\n');
    out.push_str(&entities.join("\n"));
    out.push('\n');
    Some(out)
}

/// Decodes a STEP string's escapes: `''`, `\X2\hhhh…\X0\` (UTF-16), `\X\hh` (Latin-1), `\S\c`.
fn step_string(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(body) = rest.strip_prefix("\\X2\\") {
            let end = body.find("\\X0\\").unwrap_or(body.len());
            let hex = &body[..end];
            let units: Vec<u16> =
                (0..hex.len() / 4).filter_map(|k| u16::from_str_radix(hex.get(k * 4..k * 4 + 4)?, 16).ok()).collect();
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
            rest = body.get(end + 4..).unwrap_or("");
        } else if let Some(body) = rest.strip_prefix("\\X\\") {
            if let Some(b) = body.get(..2).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(char::from(b));
                rest = body.get(2..).unwrap_or("");
            } else {
                rest = body;
            }
        } else if let Some(body) = rest.strip_prefix("\\S\\") {
            let mut it = body.chars();
            if let Some(c) = it.next() {
                out.extend(char::from_u32(c as u32 + 128));
            }
            rest = it.as_str();
        } else {
            out.push('\\');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out.replace("''", "'")
}

/// The canonical text of a STEP file; `None` when it is not one.
pub(crate) fn step_text(text: &str) -> Option<String> {
    let start = text.find("ISO-10303-21")?;
    let data = text[start..].find("DATA;").map(|i| start + i + 5)?;
    let body = &text[data..];
    let body = &body[..body.find("ENDSEC;").unwrap_or(body.len())];
    let mut lines = Vec::new();
    // Entities end with `;` outside strings.
    let mut entity = String::new();
    let mut in_string = false;
    for c in body.chars() {
        if c == '\'' {
            in_string = !in_string;
        }
        if c == ';' && !in_string {
            if let Some(line) = step_entity(entity.trim()) {
                lines.push(line);
            }
            entity.clear();
        } else if in_string || !c.is_whitespace() {
            entity.push(c);
        }
    }
    lines.sort();
    Some(lines.join("\n") + "\n")
}

/// `#12=CARTESIAN_POINT('',(1.,2.5,0.));` → `CARTESIAN_POINT('',(1,2.5,0))`.
fn step_entity(e: &str) -> Option<String> {
    let (_, rhs) = e.split_once('=')?;
    let mut out = String::with_capacity(rhs.len());
    let mut chars = rhs.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let mut s = String::new();
                while let Some(d) = chars.next() {
                    if d == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                            s.push_str("''");
                            continue;
                        }
                        break;
                    }
                    s.push(d);
                }
                out.push('\'');
                out.push_str(&step_string(&s));
                out.push('\'');
            }
            '#' => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('#');
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.peek().is_some_and(|d| d.is_ascii_digit() || *d == '.'))
                || (c == '.' && chars.peek().is_some_and(char::is_ascii_digit)) =>
            {
                let mut n = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() || matches!(d, '.' | 'E' | 'e' | '-' | '+') {
                        n.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(&num(&n).unwrap_or(n));
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// The canonical text of a G-code (NC) program.
pub(crate) fn gcode_text(text: &str) -> String {
    let mut out = String::new();
    for raw in text.lines() {
        let mut line = String::new();
        let mut chars = raw.trim().chars().peekable();
        let mut comments = Vec::new();
        while let Some(c) = chars.next() {
            match c {
                '(' => {
                    let mut comment = String::new();
                    for d in chars.by_ref() {
                        if d == ')' {
                            break;
                        }
                        comment.push(d);
                    }
                    comments.push(comment.trim().to_owned());
                }
                ';' => {
                    comments.push(chars.by_ref().collect::<String>().trim().to_owned());
                }
                c if c.is_ascii_alphabetic() => {
                    let letter = c.to_ascii_uppercase();
                    let mut value = String::new();
                    while let Some(&d) = chars.peek() {
                        if d.is_ascii_digit() || matches!(d, '.' | '-' | '+') || d == ' ' {
                            if d != ' ' {
                                value.push(d);
                            }
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    if letter == 'N' {
                        continue; // line numbers change with every re-save
                    }
                    line.push(letter);
                    line.push_str(&num(&value).unwrap_or(value));
                    line.push(' ');
                }
                _ => {}
            }
        }
        let line = line.trim_end();
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
        for comment in comments.into_iter().filter(|c| !c.is_empty()) {
            out.push_str(&comment);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_one_form() {
        assert_eq!(num("10.").as_deref(), Some("10"));
        assert_eq!(num("010.0004").as_deref(), Some("10"));
        assert_eq!(num("-0.0001").as_deref(), Some("0"));
        assert_eq!(num("2.5E1").as_deref(), Some("25"));
    }

    #[test]
    fn gcode_formatting_does_not_matter() {
        let a = gcode_text("%\nO1234 (MK7 荒加工)\nN10 G00 X10. Y-5.0\nN20 g01 z-1.000 f120.\n");
        let b = gcode_text("O1234(MK7 荒加工)\nG0X10Y-5\nG1Z-1F120\n%");
        assert_eq!(a, b);
    }

    #[test]
    fn step_strings_and_instances() {
        let s = "ISO-10303-21;\nHEADER;\nFILE_NAME('a','2026-01-01',(''),(''),'','','');\nENDSEC;\nDATA;\n\
                 #10=PRODUCT('\\X2\\91D1578B\\X0\\ MK7','',(#2));\n#2=CARTESIAN_POINT('',(1.,2.50,-0.));\nENDSEC;\nEND-ISO-10303-21;";
        assert_eq!(step_text(s).as_deref(), Some("CARTESIAN_POINT('',(1,2.5,0))\nPRODUCT('金型 MK7','',(#))\n"));
    }
}
