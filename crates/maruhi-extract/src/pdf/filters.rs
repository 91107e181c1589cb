//! Stream decoders that stop at a byte limit (PDF 32000-1 §7.4 "Filters").
//!
//! lopdf's own decoders (`Stream::decompressed_content`) read to the end of the data with no limit,
//! which is how a 1 MB PDF asks for gigabytes. These decode the same filters, and ASCIIHex and
//! RunLength besides, but every output byte is counted first and decoding stops one byte past the
//! limit. Corrupt data ends decoding and keeps what was decoded, as lopdf does.

use std::io::Read;

/// A standard filter this module decodes (PDF 32000-1 Table 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// §7.4.4: zlib/deflate (RFC 1950/1951).
    Flate,
    /// §7.4.4: LZW with variable code width, `EarlyChange` 1 unless the parameters say 0.
    Lzw { early_change: bool },
    /// §7.4.3.
    Ascii85,
    /// §7.4.2.
    AsciiHex,
    /// §7.4.5.
    RunLength,
}

impl Filter {
    /// The filter for a `/Filter` name (the abbreviations are those of inline images, §8.9.7).
    pub(crate) fn from_name(name: &[u8]) -> Option<Filter> {
        Some(match name {
            b"FlateDecode" | b"Fl" => Filter::Flate,
            b"LZWDecode" | b"LZW" => Filter::Lzw { early_change: true },
            b"ASCII85Decode" | b"A85" => Filter::Ascii85,
            b"ASCIIHexDecode" | b"AHx" => Filter::AsciiHex,
            b"RunLengthDecode" | b"RL" => Filter::RunLength,
            _ => return None,
        })
    }
}

/// The result of a bounded decode.
#[derive(Debug)]
pub(crate) enum Decoded {
    /// The whole stream decoded within the limit (or up to corrupt data). `bytes` is empty when
    /// the caller asked only for the count.
    Done { bytes: Vec<u8>, produced: u64 },
    /// The output would pass the limit; decoding stopped there.
    OverLimit,
}

/// A sink that counts every byte and refuses the one past `limit`.
struct Out {
    bytes: Vec<u8>,
    keep: bool,
    produced: u64,
    limit: u64,
}

/// The limit was passed.
struct Over;

impl Out {
    fn new(limit: u64, keep: bool) -> Out {
        Out { bytes: Vec::new(), keep, produced: 0, limit }
    }

    fn push(&mut self, data: &[u8]) -> Result<(), Over> {
        self.produced = self.produced.saturating_add(data.len() as u64);
        if self.produced > self.limit {
            return Err(Over);
        }
        if self.keep {
            self.bytes.extend_from_slice(data);
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) -> Result<(), Over> {
        self.push(&[b])
    }
}

/// Decodes `data` through `filters` (in decoding order), producing at most `limit` bytes at every
/// stage. With `keep` false only the final stage's size is kept; intermediate stages of a chain
/// are held in memory, each within `limit`.
pub(crate) fn decode(data: &[u8], filters: &[Filter], limit: u64, keep: bool) -> Decoded {
    let mut input: std::borrow::Cow<'_, [u8]> = std::borrow::Cow::Borrowed(data);
    let mut produced = data.len() as u64;
    for (i, filter) in filters.iter().enumerate() {
        let last = i + 1 == filters.len();
        let mut out = Out::new(limit, keep || !last);
        let result = match *filter {
            Filter::Flate => flate(&input, &mut out),
            Filter::Lzw { early_change } => lzw(&input, early_change, &mut out),
            Filter::Ascii85 => ascii85(&input, &mut out),
            Filter::AsciiHex => ascii_hex(&input, &mut out),
            Filter::RunLength => run_length(&input, &mut out),
        };
        if result.is_err() {
            return Decoded::OverLimit;
        }
        produced = out.produced;
        input = std::borrow::Cow::Owned(out.bytes);
    }
    let bytes = if keep { input.into_owned() } else { Vec::new() };
    Decoded::Done { bytes, produced }
}

/// zlib, and raw deflate after the two header bytes when zlib yields nothing (lopdf's fallback for
/// streams with a damaged header or checksum, so the count covers what lopdf would produce).
fn flate(input: &[u8], out: &mut Out) -> Result<(), Over> {
    let ok = pump(flate2::read::ZlibDecoder::new(input), out)?;
    if !ok && out.produced == 0 && input.len() > 2 {
        pump(flate2::read::DeflateDecoder::new(&input[2..]), out)?;
    }
    Ok(())
}

/// Copies a decoder into `out` in 64 KiB steps; false when the data turned out corrupt.
fn pump(mut reader: impl Read, out: &mut Out) -> Result<bool, Over> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => out.push(&buf[..n])?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
}

/// §7.4.4.2: codes of 9 to 12 bits, most significant bit first; 256 clears the table, 257 ends
/// the data. With `EarlyChange` 1 the code width grows one code early.
fn lzw(input: &[u8], early_change: bool, out: &mut Out) -> Result<(), Over> {
    const CLEAR: usize = 256;
    const EOD: usize = 257;
    // Each entry is (prefix code, last byte); the first 258 entries are the single bytes and the
    // two control codes.
    let mut table: Vec<(u16, u8)> = (0..258u16).map(|c| (u16::MAX, c as u8)).collect();
    let mut width = 9u32;
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut previous: Option<usize> = None;
    let mut scratch = Vec::new();
    let early = usize::from(early_change);
    // Writes the string of `code` (walked back through its prefixes) and returns its first byte.
    let emit = |table: &[(u16, u8)], code: usize, scratch: &mut Vec<u8>, out: &mut Out| -> Result<u8, Over> {
        scratch.clear();
        let mut c = code;
        loop {
            let (prefix, byte) = table[c];
            scratch.push(byte);
            if prefix == u16::MAX {
                break;
            }
            c = usize::from(prefix);
        }
        scratch.reverse();
        out.push(scratch)?;
        Ok(scratch[0])
    };
    for &byte in input {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= width {
            bits -= width;
            let code = ((acc >> bits) & ((1 << width) - 1)) as usize;
            acc &= (1 << bits) - 1;
            match code {
                CLEAR => {
                    table.truncate(258);
                    width = 9;
                    previous = None;
                    continue;
                }
                EOD => return Ok(()),
                _ => {}
            }
            match previous {
                None => {
                    if code >= table.len() {
                        return Ok(());
                    }
                    emit(&table, code, &mut scratch, out)?;
                }
                Some(prev) => {
                    let first = if code < table.len() {
                        emit(&table, code, &mut scratch, out)?
                    } else if code == table.len() {
                        // The KwKwK case: the code being defined right now.
                        let first = emit(&table, prev, &mut scratch, out)?;
                        out.byte(first)?;
                        first
                    } else {
                        return Ok(());
                    };
                    if table.len() < 4096 {
                        table.push((prev as u16, first));
                    }
                }
            }
            previous = Some(code);
            let next = table.len() + early;
            width = if next >= 2048 {
                12
            } else if next >= 1024 {
                11
            } else if next >= 512 {
                10
            } else {
                9
            };
        }
    }
    Ok(())
}

/// §7.4.3: groups of five characters `!`..`u` give four bytes, `z` four zeros, `~>` ends the data;
/// white space is ignored and any other character ends decoding.
fn ascii85(input: &[u8], out: &mut Out) -> Result<(), Over> {
    let (mut group, mut count) = (0u64, 0usize);
    for &c in input {
        match c {
            b'z' if count == 0 => out.push(&[0, 0, 0, 0])?,
            b'!'..=b'u' => {
                group = group * 85 + u64::from(c - b'!');
                count += 1;
                if count == 5 {
                    let Ok(word) = u32::try_from(group) else { return Ok(()) };
                    out.push(&word.to_be_bytes())?;
                    (group, count) = (0, 0);
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => break,
        }
    }
    if count > 1 {
        for _ in count..5 {
            group = group * 85 + 84;
        }
        let Ok(word) = u32::try_from(group) else { return Ok(()) };
        out.push(&word.to_be_bytes()[..count - 1])?;
    }
    Ok(())
}

/// §7.4.2: pairs of hexadecimal digits, white space ignored, `>` ends the data, an odd final
/// digit is followed by an implied 0.
fn ascii_hex(input: &[u8], out: &mut Out) -> Result<(), Over> {
    let mut high: Option<u8> = None;
    for &c in input {
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            c if c.is_ascii_whitespace() => continue,
            _ => break,
        };
        match high.take() {
            Some(h) => out.byte(h << 4 | digit)?,
            None => high = Some(digit),
        }
    }
    if let Some(h) = high {
        out.byte(h << 4)?;
    }
    Ok(())
}

/// §7.4.5: a length byte 0..=127 copies the next n + 1 bytes, 129..=255 repeats the next byte
/// 257 − n times, 128 ends the data.
fn run_length(input: &[u8], out: &mut Out) -> Result<(), Over> {
    let mut i = 0;
    while let Some(&n) = input.get(i) {
        match n {
            128 => break,
            0..=127 => {
                let end = (i + 2 + usize::from(n)).min(input.len());
                out.push(&input[(i + 1).min(end)..end])?;
                i = end;
            }
            _ => {
                let Some(&b) = input.get(i + 1) else { break };
                out.push(&[b; 128][..257 - usize::from(n)])?;
                i += 2;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn done(d: Decoded) -> Vec<u8> {
        match d {
            Decoded::Done { bytes, .. } => bytes,
            Decoded::OverLimit => panic!("over limit"),
        }
    }

    #[test]
    fn ascii_filters() {
        assert_eq!(done(decode(b"61 62\n6>", &[Filter::AsciiHex], 100, true)), b"ab`");
        // PDF 32000-1 §7.4.3's example alphabet: "Man " is 9jqo^.
        assert_eq!(done(decode(b"9jqo^z~>", &[Filter::Ascii85], 100, true)), b"Man \0\0\0\0");
        assert_eq!(done(decode(b"9jqo~>", &[Filter::Ascii85], 100, true)), b"Man");
        assert_eq!(
            done(decode(&[2, b'a', b'b', b'c', 254, b'x', 128, 0, b'q'], &[Filter::RunLength], 100, true)),
            b"abcxxx"
        );
    }

    #[test]
    fn lzw_example_of_the_standard() {
        // PDF 32000-1 §7.4.4.2, Example 2: "-----A---B" encodes to these bytes.
        let encoded = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        assert_eq!(done(decode(&encoded, &[Filter::Lzw { early_change: true }], 100, true)), b"-----A---B");
    }

    #[test]
    fn limits_stop_every_filter() {
        assert!(matches!(decode(&[129, 0], &[Filter::RunLength], 127, false), Decoded::OverLimit));
        assert!(matches!(decode(&[129, 0], &[Filter::RunLength], 128, false), Decoded::Done { produced: 128, .. }));
        assert!(matches!(decode(b"zzzz", &[Filter::Ascii85], 15, false), Decoded::OverLimit));
    }
}
