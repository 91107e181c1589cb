//! Text encodings of the text formats: UTF-8 with or without a byte order
//! mark, and UTF-16 (little or big endian), which Windows tools write
//! (Windows PowerShell 5.1's `Export-Csv -Encoding Unicode`, `Out-File` and
//! the `>` redirection). Everything downstream reads UTF-8; UTF-16 is
//! transcoded on the fly, a buffer at a time, so memory stays bounded.
//!
//! The encoding is decided by the first bytes: a BOM (`EF BB BF`, `FF FE`,
//! `FE FF`), or, without one, ASCII text in UTF-16 (`x 00 y 00` for little
//! endian, `00 x 00 y` for big endian). Line breaks keep their place, so line
//! numbers are the same as in the original file.

use std::io::{self, BufRead, Read};

/// Bytes of UTF-8 produced per refill of a UTF-16 input.
const CHUNK: usize = 64 * 1024;

pub(crate) struct Decoded<R> {
    inner: R,
    state: State,
    /// The first bytes, read to decide the encoding, not yet handed out
    /// (UTF-8) or not yet transcoded (UTF-16).
    head: Vec<u8>,
    head_pos: usize,
}

enum State {
    Undecided,
    Utf8,
    Utf16 { big_endian: bool, out: Vec<u8>, pos: usize, odd: Option<u8>, high: Option<u16>, eof: bool },
}

impl<R: BufRead> Decoded<R> {
    pub(crate) fn new(inner: R) -> Self {
        Decoded { inner, state: State::Undecided, head: Vec::new(), head_pos: 0 }
    }

    fn decide(&mut self) -> io::Result<()> {
        // Read up to four bytes without assuming `fill_buf` returns them at once.
        while self.head.len() < 4 {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min(4 - self.head.len());
            self.head.extend_from_slice(&buf[..n]);
            self.inner.consume(n);
        }
        let h = &self.head[..];
        let utf16 = |big_endian| State::Utf16 {
            big_endian,
            out: Vec::with_capacity(CHUNK),
            pos: 0,
            odd: None,
            high: None,
            eof: false,
        };
        self.state = if h.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.head_pos = 3;
            State::Utf8
        } else if h.starts_with(&[0xFF, 0xFE]) {
            self.head_pos = 2;
            utf16(false)
        } else if h.starts_with(&[0xFE, 0xFF]) {
            self.head_pos = 2;
            utf16(true)
        } else if h.len() == 4 && h[0] != 0 && h[1] == 0 && h[2] != 0 && h[3] == 0 {
            utf16(false)
        } else if h.len() == 4 && h[0] == 0 && h[1] != 0 && h[2] == 0 && h[3] != 0 {
            utf16(true)
        } else {
            State::Utf8
        };
        Ok(())
    }

    /// Transcodes the next buffer of UTF-16 into `out`.
    fn refill_utf16(&mut self) -> io::Result<()> {
        let State::Utf16 { big_endian, out, pos, odd, high, eof } = &mut self.state else { return Ok(()) };
        out.clear();
        *pos = 0;
        while out.len() < CHUNK - 8 && !*eof {
            let taken: Vec<u8>;
            let bytes: &[u8] = if self.head_pos < self.head.len() {
                taken = self.head[self.head_pos..].to_vec();
                self.head_pos = self.head.len();
                &taken
            } else {
                let buf = match self.inner.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buf.is_empty() {
                    *eof = true;
                    if odd.take().is_some() || high.take().is_some() {
                        push_char(out, char::REPLACEMENT_CHARACTER);
                    }
                    break;
                }
                taken = buf[..buf.len().min(CHUNK / 2)].to_vec();
                self.inner.consume(taken.len());
                &taken
            };
            let mut i = 0;
            while i < bytes.len() {
                let (a, b) = match odd.take() {
                    Some(a) => (a, bytes[i]),
                    None if i + 1 < bytes.len() => {
                        i += 1;
                        (bytes[i - 1], bytes[i])
                    }
                    None => {
                        *odd = Some(bytes[i]);
                        break;
                    }
                };
                i += 1;
                let unit = if *big_endian { u16::from_be_bytes([a, b]) } else { u16::from_le_bytes([a, b]) };
                match (high.take(), unit) {
                    (None, 0xD800..=0xDBFF) => *high = Some(unit),
                    (Some(h), 0xDC00..=0xDFFF) => {
                        let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                        push_char(out, char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    (Some(_), 0xD800..=0xDBFF) => {
                        push_char(out, char::REPLACEMENT_CHARACTER);
                        *high = Some(unit);
                    }
                    (Some(_), u) => {
                        push_char(out, char::REPLACEMENT_CHARACTER);
                        push_char(out, char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    (None, u) => push_char(out, char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
                }
            }
        }
        Ok(())
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut b = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

impl<R: BufRead> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if matches!(self.state, State::Undecided) {
            self.decide()?;
        }
        if let State::Utf16 { out, pos, .. } = &self.state {
            if *pos >= out.len() {
                self.refill_utf16()?;
            }
        }
        match &self.state {
            State::Utf16 { out, pos, .. } => Ok(&out[*pos..]),
            _ if self.head_pos < self.head.len() => Ok(&self.head[self.head_pos..]),
            _ => self.inner.fill_buf(),
        }
    }

    fn consume(&mut self, amt: usize) {
        match &mut self.state {
            State::Utf16 { out, pos, .. } => *pos = (*pos + amt).min(out.len()),
            _ if self.head_pos < self.head.len() => self.head_pos = (self.head_pos + amt).min(self.head.len()),
            _ => self.inner.consume(amt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut d = Decoded::new(bytes);
        d.read_to_string(&mut out).ok();
        out
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = if bom { vec![0xFEFF] } else { Vec::new() };
        for u in units.into_iter().chain(text.encode_utf16()) {
            out.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        out
    }

    #[test]
    fn encodings() {
        let text = "#TYPE x\r\n\"a\",\"設計\"\r\n😀,b\n";
        assert_eq!(decode(text.as_bytes()), text);
        assert_eq!(decode(&[b"\xEF\xBB\xBF", text.as_bytes()].concat()), text);
        assert_eq!(decode(&utf16(text, false, true)), text);
        assert_eq!(decode(&utf16(text, true, true)), text);
        assert_eq!(decode(&utf16(text, false, false)), text);
        assert_eq!(decode(b""), "");
        assert_eq!(decode(b"a"), "a");
        // A lone surrogate and a trailing odd byte become replacement characters.
        assert_eq!(decode(&[0xFF, 0xFE, 0x00, 0xD8, b'a', 0, 1]), "\u{fffd}a\u{fffd}");
    }

    #[test]
    fn long_utf16_crosses_buffers() {
        let text = "行,x\n".repeat(40_000);
        assert_eq!(decode(&utf16(&text, false, true)), text);
    }
}
