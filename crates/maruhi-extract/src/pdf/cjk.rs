//! CJK fonts drawn through predefined CMaps (PDF 32000-1 §9.7.5.2), rewritten so that pdf-extract
//! reads them.
//!
//! pdf-extract knows only `Identity-H`/`Identity-V` and embedded CMap streams: a Type0 font whose
//! `/Encoding` names a predefined CMap (`UniJIS-UCS2-H`, `90ms-RKSJ-H`, `EUC-H`, … as PDF
//! libraries and older Acrobat versions write Japanese, usually with no embedded font and no
//! `/ToUnicode` map) makes it panic, and `Identity-H` without `/ToUnicode` yields nothing. Their
//! character codes are still text in a known encoding:
//!
//! - the Unicode CMaps (`Uni…-UCS2`, `-UTF16`, `-UTF32`, `-UTF8`) use Unicode itself as the code;
//! - the Japanese byte CMaps are Shift_JIS (`…RKSJ…`), EUC-JP (`EUC`) or JIS X 0208 row/cell
//!   (`H`, `V`, `Add-H`, `Ext-H`…), and the Chinese and Korean ones GBK, Big5 and EUC-KR/UHC,
//!   all decoded by `encoding_rs`;
//! - under `Identity-H` with an Adobe-Japan1 font, the code is the CID, looked up in Adobe's
//!   Adobe-Japan1-UCS2 table (compressed in `data/adobe-japan1.bin.z`).
//!
//! So before pdf-extract runs, each such font gets an `/Encoding` CMap stream that makes the code
//! its own CID (with the code-space ranges of its encoding, so codes are split as the encoding
//! splits them) and, unless it has one, a `/ToUnicode` map holding exactly the codes the document
//! draws, decoded here. Vertical variants (`-V`) use the same codes; pdf-extract then reads each
//! string in drawing order, which for vertical text is top to bottom.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::sync::OnceLock;

use encoding_rs::Encoding;
use pdf_extract::content::Operation;
use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

/// Fonts rewritten per document at most; more is a hostile file, and the rest stay unread.
const MAX_FONTS: usize = 64;
/// Distinct codes kept across all fonts of a document (a 2-byte code space has 65,536): with the
/// maps built from them, a few tens of MiB at most.
const MAX_CODES: usize = 400_000;

/// How a font's character codes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codes {
    /// UCS-2 / UTF-16BE: the code is the UTF-16 code unit (or surrogate pair).
    Utf16,
    /// UTF-32BE.
    Utf32,
    /// UTF-8.
    Utf8,
    /// A legacy multi-byte encoding decoded by `encoding_rs`.
    Legacy(&'static Encoding, Ranges),
    /// JIS X 0208 row/cell, two bytes 0x21–0x7E each (decoded as EUC-JP with the high bits set).
    Jis,
    /// An Adobe-Japan1 CID.
    Japan1,
}

/// The code-space ranges of a legacy encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ranges {
    ShiftJis,
    EucJp,
    Gbk,
    Big5,
    EucKr,
}

/// One code-space range: codes of `width` bytes from `start` to `end` (compared as numbers, as
/// pdf-extract compares them).
type Range = (u8, u32, u32);

impl Codes {
    /// The decoder for a predefined CMap name, if its codes are text.
    fn for_cmap(name: &str) -> Option<Codes> {
        let base = name.strip_suffix("-H").or_else(|| name.strip_suffix("-V")).unwrap_or(name);
        if base.starts_with("Uni") {
            return if base.contains("UCS2") || base.contains("UTF16") {
                Some(Codes::Utf16)
            } else if base.contains("UTF32") {
                Some(Codes::Utf32)
            } else if base.contains("UTF8") {
                Some(Codes::Utf8)
            } else {
                None
            };
        }
        let legacy = |enc, ranges| Some(Codes::Legacy(enc, ranges));
        if base.contains("RKSJ") {
            return legacy(encoding_rs::SHIFT_JIS, Ranges::ShiftJis);
        }
        match base {
            "EUC" | "78-EUC" => legacy(encoding_rs::EUC_JP, Ranges::EucJp),
            // The plain JIS X 0208 CMaps (`H`, `V` and their variants) take row/cell codes.
            "" | "H" | "V" | "78" | "Add" | "Ext" | "NWP" => Some(Codes::Jis),
            "GBK-EUC" | "GBpc-EUC" | "GB-EUC" | "GBKp-EUC" | "GBK2K" => legacy(encoding_rs::GBK, Ranges::Gbk),
            "B5pc" | "ETen-B5" | "HKscs-B5" | "ETenms-B5" | "B5" => legacy(encoding_rs::BIG5, Ranges::Big5),
            "KSC-EUC" | "KSCms-UHC" | "KSCpc-EUC" | "KSCms-UHC-HW" => legacy(encoding_rs::EUC_KR, Ranges::EucKr),
            _ => None,
        }
    }

    fn ranges(self) -> &'static [Range] {
        match self {
            Codes::Utf16 => &[(2, 0x0000, 0xd7ff), (2, 0xe000, 0xffff), (4, 0xd800_dc00, 0xdbff_dfff)],
            Codes::Utf32 => &[(4, 0, 0x0010_ffff)],
            Codes::Utf8 => {
                &[(1, 0, 0x7f), (2, 0xc280, 0xdfbf), (3, 0xe0_8080, 0xef_bfbf), (4, 0xf080_8080, 0xf4bf_bfbf)]
            }
            Codes::Jis | Codes::Japan1 => &[(2, 0, 0xffff)],
            Codes::Legacy(_, Ranges::ShiftJis) => {
                &[(1, 0, 0x80), (1, 0xa0, 0xdf), (1, 0xfd, 0xff), (2, 0x8140, 0x9ffc), (2, 0xe040, 0xfcfc)]
            }
            Codes::Legacy(_, Ranges::EucJp) => {
                &[(1, 0, 0x80), (2, 0x8ea0, 0x8edf), (2, 0xa1a1, 0xfefe), (3, 0x8f_a1a1, 0x8f_fefe)]
            }
            Codes::Legacy(_, Ranges::Gbk) => &[(1, 0, 0x80), (2, 0x8140, 0xfefe)],
            Codes::Legacy(_, Ranges::Big5) => &[(1, 0, 0x80), (2, 0x8140, 0xfefe)],
            Codes::Legacy(_, Ranges::EucKr) => &[(1, 0, 0x80), (2, 0x8141, 0xfefe)],
        }
    }

    /// The text of one code, if it has any.
    fn decode(self, code: u32, width: u8) -> Option<String> {
        let bytes = &code.to_be_bytes()[4 - usize::from(width)..];
        let text = match self {
            Codes::Utf16 => {
                let units: Vec<u16> =
                    bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)])).collect();
                String::from_utf16(&units).ok()?
            }
            Codes::Utf32 => char::from_u32(code)?.to_string(),
            Codes::Utf8 => std::str::from_utf8(bytes).ok()?.to_owned(),
            Codes::Legacy(enc, _) => decode_with(enc, bytes)?,
            Codes::Jis => {
                let [hi, lo] = [bytes.first().copied()?, bytes.get(1).copied()?];
                if !(0x21..=0x7e).contains(&hi) || !(0x21..=0x7e).contains(&lo) {
                    return None;
                }
                decode_with(encoding_rs::EUC_JP, &[hi | 0x80, lo | 0x80])?
            }
            Codes::Japan1 => char::from_u32(japan1(code)?)?.to_string(),
        };
        let control = text.chars().all(|c| c.is_control() && c != '\t' && c != '\n');
        (!text.is_empty() && !control).then_some(text)
    }
}

fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// The Unicode scalar of an Adobe-Japan1 CID (0 and out-of-range CIDs have none).
fn japan1(cid: u32) -> Option<u32> {
    static TABLE: OnceLock<Vec<u32>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let packed: &[u8] = include_bytes!("../../data/adobe-japan1.bin.z");
        let mut raw = Vec::new();
        // The table is ours and fixed; a failure here would leave it empty, never half-read.
        if flate2::read::ZlibDecoder::new(packed).take(1 << 20).read_to_end(&mut raw).is_err() {
            return Vec::new();
        }
        raw.chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).collect()
    });
    table.get(usize::try_from(cid).ok()?).copied().filter(|&u| u != 0)
}

/// Splits a string into codes as pdf-extract's `PdfCIDFont::next_char` does: one byte at a time
/// until the code so far lies in a range of its width; a string that stops matching ends there.
fn split(bytes: &[u8], ranges: &[Range], mut each: impl FnMut(u32, u8)) {
    let mut iter = bytes.iter();
    'codes: while let Some(&first) = iter.next() {
        let mut code = u32::from(first);
        for width in 1..=4u8 {
            if ranges.iter().any(|&(w, lo, hi)| w == width && (lo..=hi).contains(&code)) {
                each(code, width);
                continue 'codes;
            }
            match iter.next() {
                Some(&b) if width < 4 => code = (code << 8) | u32::from(b),
                _ => return,
            }
        }
        return;
    }
}

/// A font to rewrite: its object, how its codes decode, and whether it keeps its own
/// `/ToUnicode`.
struct Target {
    font: ObjectId,
    codes: Codes,
    has_to_unicode: bool,
    seen: BTreeSet<(u32, u8)>,
}

/// The fonts of a document that need rewriting, and the codes its content draws.
pub(super) struct Fonts {
    targets: Vec<Target>,
    /// Codes kept so far, across targets.
    codes: usize,
}

impl Fonts {
    /// Finds the Type0 fonts (indirect objects) pdf-extract cannot read.
    pub(super) fn find(doc: &Document) -> Fonts {
        let mut targets = Vec::new();
        for (&id, object) in &doc.objects {
            if targets.len() >= MAX_FONTS {
                break;
            }
            let Ok(dict) = object.as_dict() else { continue };
            if name(doc, dict, b"Subtype") != Some(b"Type0".as_slice()) {
                continue;
            }
            let has_to_unicode = dict.has(b"ToUnicode");
            let Some(encoding) = name(doc, dict, b"Encoding") else { continue };
            let encoding = String::from_utf8_lossy(encoding);
            let codes = match encoding.as_ref() {
                "Identity-H" | "Identity-V" if !has_to_unicode && japan1_font(doc, dict) => Codes::Japan1,
                "Identity-H" | "Identity-V" => continue,
                other => match Codes::for_cmap(other) {
                    Some(codes) => codes,
                    None => continue,
                },
            };
            targets.push(Target { font: id, codes, has_to_unicode, seen: BTreeSet::new() });
        }
        Fonts { targets, codes: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Notes the codes of every string a content stream shows. The font in use is not tracked
    /// (resource names are local to each resource dictionary): each target gets every string, so
    /// its map may hold codes another font drew, which costs a few entries and changes no text.
    pub(super) fn note(&mut self, operations: &[Operation]) {
        if self.targets.is_empty() {
            return;
        }
        for op in operations {
            let strings: &[Object] = match op.operator.as_str() {
                "Tj" | "'" | "\"" => op.operands.last().map(std::slice::from_ref).unwrap_or(&[]),
                "TJ" => op.operands.first().and_then(|a| a.as_array().ok()).map(Vec::as_slice).unwrap_or(&[]),
                _ => continue,
            };
            for s in strings {
                let Object::String(bytes, _) = s else { continue };
                for target in &mut self.targets {
                    let (seen, total) = (&mut target.seen, &mut self.codes);
                    split(bytes, target.codes.ranges(), |code, width| {
                        if *total < MAX_CODES && seen.insert((code, width)) {
                            *total += 1;
                        }
                    });
                }
            }
        }
    }

    /// Gives each target font an encoding pdf-extract reads and a map to Unicode.
    pub(super) fn rewrite(self, doc: &mut Document) {
        for target in self.targets {
            let encoding = doc.add_object(Stream::new(Dictionary::new(), encoding_cmap(target.codes.ranges())));
            let to_unicode = (!target.has_to_unicode).then(|| {
                let map = to_unicode_cmap(&target);
                doc.add_object(Stream::new(Dictionary::new(), map))
            });
            // The descendant's widths are indexed by the real CIDs; with codes standing in for
            // CIDs they would be wrong, so the font gets a copy without them (the default width,
            // 1000, is the width of CJK characters).
            let descendant = descendant_without_widths(doc, target.font, target.codes);
            let Ok(Object::Dictionary(font)) = doc.get_object_mut(target.font) else { continue };
            font.set("Encoding", Object::Reference(encoding));
            if let Some(id) = to_unicode {
                font.set("ToUnicode", Object::Reference(id));
            }
            if let Some(id) = descendant {
                font.set("DescendantFonts", Object::Array(vec![Object::Reference(id)]));
            }
        }
    }
}

fn name<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match dict.get(key).ok()? {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_name().ok(),
        other => other.as_name().ok(),
    }
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(&Object::Null),
        other => other,
    }
}

fn first_descendant<'a>(doc: &'a Document, font: &'a Dictionary) -> Option<&'a Dictionary> {
    let array = resolve(doc, font.get(b"DescendantFonts").ok()?).as_array().ok()?;
    resolve(doc, array.first()?).as_dict().ok()
}

/// Whether a Type0 font's CIDs are Adobe-Japan1's.
fn japan1_font(doc: &Document, font: &Dictionary) -> bool {
    let Some(cid_font) = first_descendant(doc, font) else { return false };
    let Ok(info) = cid_font.get(b"CIDSystemInfo").map(|o| resolve(doc, o)).and_then(Object::as_dict) else {
        return false;
    };
    let string = |key: &[u8]| match info.get(key).map(|o| resolve(doc, o)) {
        Ok(Object::String(s, _)) => Some(s.clone()),
        _ => None,
    };
    string(b"Registry").as_deref() == Some(b"Adobe") && string(b"Ordering").as_deref() == Some(b"Japan1")
}

fn descendant_without_widths(doc: &mut Document, font: ObjectId, codes: Codes) -> Option<ObjectId> {
    if codes == Codes::Japan1 {
        return None; // codes are the real CIDs: the widths stay right
    }
    let font = doc.get_dictionary(font).ok()?;
    let mut copy = first_descendant(doc, font)?.clone();
    copy.remove(b"W");
    // pdf-extract requires a descriptor; a font without one keeps failing as before.
    copy.get(b"FontDescriptor").ok()?;
    Some(doc.add_object(Object::Dictionary(copy)))
}

fn hex(code: u32, width: u8) -> String {
    let digits = usize::from(width) * 2;
    format!("<{code:0digits$X}>")
}

/// An embedded CMap whose codes are their own CIDs, split by `ranges`.
fn encoding_cmap(ranges: &[Range]) -> Vec<u8> {
    let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n");
    cmap.push_str(&format!("{} begincodespacerange\n", ranges.len()));
    // adobe-cmap-parser 0.4 takes a range's code width as half its byte length, so a range of
    // `width`-byte codes is written with twice as many bytes, zero-padded on the left.
    for &(width, lo, hi) in ranges {
        cmap.push_str(&format!("{} {}\n", hex(lo, width * 2), hex(hi, width * 2)));
    }
    // pdf-extract adds the range's base CID to the code itself, so one range from 0 is identity.
    cmap.push_str("endcodespacerange\n1 begincidrange\n<00000000> <FFFFFFFF> 0\nendcidrange\n");
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
    cmap.into_bytes()
}

/// A ToUnicode CMap for the codes the document draws with this font.
fn to_unicode_cmap(target: &Target) -> Vec<u8> {
    let mut entries = Vec::new();
    let mut cache: HashMap<(u32, u8), Option<String>> = HashMap::new();
    for &(code, width) in &target.seen {
        let text = cache.entry((code, width)).or_insert_with(|| target.codes.decode(code, width));
        if let Some(text) = text {
            let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
            entries.push(format!("{} <{utf16}>", hex(code, width)));
        }
    }
    let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n");
    for chunk in entries.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for entry in chunk {
            cmap.push_str(entry);
            cmap.push('\n');
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
    cmap.into_bytes()
}
