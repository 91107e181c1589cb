//! The row index: keyed hashes only, sorted by the primary value's hash.
//!
//! Each row of the export becomes one fixed-width record: 24 bits of the
//! primary value's keyed hash (the top bits choose a bucket of the
//! directory, so 24 + directory bits are compared) followed by a short
//! keyed tag of every other cell. A tag is keyed with the row's primary
//! hash as well, so equal values in two rows give unrelated tags and the
//! index tells nothing about which rows share a surname. There is no plain
//! value and no unkeyed hash in the file.
//!
//! File layout (little endian): magic `MRHEDM\0\x01`, salt (16), key check
//! (8), directory bits (1), column count (2), primary column (2), per
//! column type, name part and name (2-byte length + UTF-8), source rows (8),
//! records (8), the directory (`2^bits + 1` u32 offsets), the records, and
//! the SHA-256 of everything before it.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::schema::{Column, ColumnType, Declared, NamePart, Schema};
use crate::Error;

const MAGIC: &[u8; 8] = b"MRHEDM\0\x01";
const RESIDUAL_BYTES: usize = 3;
/// Records per directory bucket, on average: the directory costs
/// 4 / 64 bytes per row and a lookup compares about 64 residuals.
const ROWS_PER_BUCKET: u64 = 64;

/// The secret the hashes are keyed with: derived by the caller from the
/// installation's key, mixed here with the dataset's salt.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    fn dataset(&self, salt: &[u8; 16]) -> DatasetKey {
        let mut h = Sha256::new();
        h.update(b"maruhi edm dataset key v1\0");
        h.update(self.0);
        h.update(salt);
        let d: [u8; 32] = h.finalize().into();
        let mut k = [0u8; 16];
        k.copy_from_slice(&d[..16]);
        DatasetKey(k)
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

#[derive(Clone)]
pub(crate) struct DatasetKey([u8; 16]);

impl DatasetKey {
    fn sip(&self) -> SipHasher13 {
        SipHasher13::new_with_key(&self.0)
    }

    /// The keyed hash of a primary value of type `t`.
    pub(crate) fn primary(&self, t: ColumnType, value: &str) -> u64 {
        let mut h = self.sip();
        std::hash::Hasher::write(&mut h, &[b'P', t.code()]);
        std::hash::Hasher::write(&mut h, value.as_bytes());
        h.finish128().h1
    }

    /// The keyed tag of cell `column` in the row whose primary hash is `p`.
    pub(crate) fn tag(&self, p: u64, column: usize, value: &str, bytes: usize) -> u32 {
        let mut h = self.sip();
        std::hash::Hasher::write(&mut h, &[b'T', column as u8]);
        std::hash::Hasher::write(&mut h, &p.to_le_bytes());
        std::hash::Hasher::write(&mut h, value.as_bytes());
        let mask = if bytes >= 4 { u32::MAX } else { (1u32 << (8 * bytes)) - 1 };
        let t = (h.finish128().h2 as u32) & mask;
        // 0 marks an empty cell.
        if t == 0 {
            1
        } else {
            t
        }
    }

    fn check(&self) -> [u8; 8] {
        let mut h = self.sip();
        std::hash::Hasher::write(&mut h, b"maruhi edm key check");
        h.finish128().h1.to_le_bytes()
    }
}

/// Counts of a build.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BuildStats {
    /// Data rows read.
    pub source_rows: u64,
    /// Rows indexed (distinct, with a primary value).
    pub rows: u64,
    /// Rows left out because their primary value is empty or malformed.
    pub skipped: u64,
    /// Size of the index file.
    pub bytes: u64,
}

/// What a refresh changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delta {
    pub added: u64,
    pub removed: u64,
    pub unchanged: u64,
}

/// The text encoding of a CSV export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 when the first 64 KiB are UTF-8 (a BOM is skipped), else Shift_JIS.
    Auto,
    Utf8,
    ShiftJis,
}

/// Decodes a byte stream to UTF-8 as it is read.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_len: usize,
    eof: bool,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            if self.eof && self.raw_len == 0 {
                return Ok(0);
            }
            if !self.eof && self.raw_len < self.raw.len() {
                let n = self.inner.read(&mut self.raw[self.raw_len..])?;
                if n == 0 {
                    self.eof = true;
                }
                self.raw_len += n;
            }
            self.out.clear();
            self.out.resize(self.raw_len * 3 + 16, 0);
            let (_, read, written, _) = self.decoder.decode_to_utf8(&self.raw[..self.raw_len], &mut self.out, self.eof);
            self.out.truncate(written);
            self.raw.copy_within(read..self.raw_len, 0);
            self.raw_len -= read;
            self.pos = 0;
            if self.eof && written == 0 {
                self.raw_len = 0;
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn decoding<R>(mut inner: R, encoding: Encoding) -> std::io::Result<Box<dyn Read + Send>>
where
    R: Read + Send + 'static,
{
    let mut head = vec![0u8; 64 * 1024];
    let mut len = 0;
    while len < head.len() {
        let n = inner.read(&mut head[len..])?;
        if n == 0 {
            break;
        }
        len += n;
    }
    head.truncate(len);
    let enc = match encoding {
        Encoding::Utf8 => encoding_rs::UTF_8,
        Encoding::ShiftJis => encoding_rs::SHIFT_JIS,
        Encoding::Auto => {
            let valid = match std::str::from_utf8(&head) {
                Ok(_) => true,
                // A character cut at the end of the sample is still UTF-8.
                Err(e) => e.error_len().is_none() && len == 64 * 1024,
            };
            if valid {
                encoding_rs::UTF_8
            } else {
                encoding_rs::SHIFT_JIS
            }
        }
    };
    let stream = std::io::Cursor::new(head).chain(inner);
    Ok(Box::new(Decoding {
        inner: stream,
        decoder: enc.new_decoder_with_bom_removal(),
        raw: vec![0u8; 256 * 1024],
        raw_len: 0,
        eof: false,
        out: Vec::new(),
        pos: 0,
    }))
}

/// A loaded index: read into memory once and shared (behind an `Arc`) by
/// every scanner thread of the process.
pub struct Index {
    key: DatasetKey,
    salt: [u8; 16],
    schema: Schema,
    dir_bits: u32,
    dir: Vec<u32>,
    records: Vec<u8>,
    /// Byte offset of each non-primary column's tag in a record, and its width.
    tags: Vec<Option<(usize, usize)>>,
    record_len: usize,
    source_rows: u64,
}

fn tag_layout(schema: &Schema) -> (Vec<Option<(usize, usize)>>, usize) {
    let mut off = RESIDUAL_BYTES;
    let mut tags = Vec::new();
    for (i, c) in schema.columns.iter().enumerate() {
        if i == schema.primary {
            tags.push(None);
        } else {
            let w = c.kind.tag_bytes(c.part);
            tags.push(Some((off, w)));
            off += w;
        }
    }
    (tags, off)
}

/// Builds an index from a CSV export (header row first) in one streaming
/// pass and writes it to `out`. `salt` is fresh for a new dataset and the
/// old one's for a refresh (so the two can be compared).
///
/// # Errors
///
/// When the CSV cannot be read, the schema cannot be detected, or writing fails.
pub fn build(
    input: impl Read + Send + 'static,
    encoding: Encoding,
    declared: &Declared,
    key: &Key,
    salt: [u8; 16],
    dir_bits: Option<u32>,
    out: &Path,
) -> Result<(Schema, BuildStats), Error> {
    let reader = decoding(input, encoding).map_err(Error::Io)?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(reader);
    let mut records = csv.records();
    let header: Vec<String> = match records.next() {
        Some(r) => r.map_err(csv_error)?.iter().map(str::to_owned).collect(),
        None => return Err(Error::Empty),
    };
    // The first rows decide the types of columns whose header says nothing.
    let mut sample: Vec<csv::StringRecord> = Vec::new();
    for r in records.by_ref().take(100) {
        sample.push(r.map_err(csv_error)?);
    }
    let sample_text: Vec<Vec<String>> = sample.iter().map(|r| r.iter().map(str::to_owned).collect()).collect();
    let (schema, fields) = crate::schema::Schema::detect(&header, &sample_text, declared)?;
    drop(sample_text);
    let dkey = key.dataset(&salt);
    let (tags, record_len) = tag_layout(&schema);
    let mem_len = record_len - RESIDUAL_BYTES + 8;
    let mut mem: Vec<u8> = Vec::new();
    let mut stats = BuildStats::default();
    // One thread reads the CSV; the others normalise and hash batches of
    // rows (the most of the work) and hand back their records, which this
    // thread appends (so memory holds the records once).
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let ctx = RowHasher { schema: &schema, fields: &fields, key: &dkey, tags: &tags };
    let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<Vec<csv::StringRecord>>(workers * 2);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<(Vec<u8>, u64, u64)>();
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let read = std::thread::scope(|scope| -> Result<(), Error> {
        for _ in 0..workers {
            let (batch_rx, done_tx, ctx) = (&batch_rx, done_tx.clone(), &ctx);
            scope.spawn(move || loop {
                let batch = match batch_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(batch) = batch else { return };
                let mut out = Vec::with_capacity(batch.len() * mem_len);
                let mut skipped = 0;
                let mut cells = vec![None; ctx.schema.columns.len()];
                for row in &batch {
                    if !ctx.add(row, &mut cells, &mut out) {
                        skipped += 1;
                    }
                }
                if done_tx.send((out, batch.len() as u64, skipped)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut absorb = |(out, rows, skipped): (Vec<u8>, u64, u64), mem: &mut Vec<u8>| {
            mem.extend_from_slice(&out);
            stats.source_rows += rows;
            stats.skipped += skipped;
        };
        let mut batch = sample;
        let mut result = Ok(());
        loop {
            let mut record = csv::StringRecord::new();
            let more = match csv.read_record(&mut record) {
                Ok(more) => more,
                Err(e) => {
                    result = Err(csv_error(e));
                    false
                }
            };
            if more {
                batch.push(record);
            }
            if batch.len() >= 4096 || (!more && !batch.is_empty()) {
                if batch_tx.send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
                while let Ok(done) = done_rx.try_recv() {
                    absorb(done, &mut mem);
                }
            }
            if !more {
                break;
            }
        }
        drop(batch_tx);
        for done in done_rx {
            absorb(done, &mut mem);
        }
        result
    });
    read?;
    let n = sort_dedup(&mut mem, mem_len)?;
    mem.truncate(n * mem_len);
    stats.rows = n as u64;
    let bits = dir_bits.filter(|b| (4..=32).contains(b)).unwrap_or_else(|| dir_bits_for(n as u64));
    stats.bytes = write(out, &dkey, &salt, &schema, stats.source_rows, &mem, mem_len, bits)?;
    Ok((schema, stats))
}

/// What turns a row into its record: normalise every cell, hash the
/// primary value, tag the rest.
struct RowHasher<'a> {
    schema: &'a Schema,
    fields: &'a [Option<usize>],
    key: &'a DatasetKey,
    tags: &'a [Option<(usize, usize)>],
}

impl RowHasher<'_> {
    /// Appends the row's record; false when it has no primary value.
    fn add(&self, row: &csv::StringRecord, cells: &mut [Option<String>], out: &mut Vec<u8>) -> bool {
        for c in cells.iter_mut() {
            *c = None;
        }
        for (f, value) in row.iter().enumerate() {
            if let Some(Some(col)) = self.fields.get(f) {
                if let (Some(c), Some(cell)) = (self.schema.columns.get(*col), cells.get_mut(*col)) {
                    *cell = c.kind.normalize(value);
                }
            }
        }
        let p_type = self.schema.primary().kind;
        let Some(pv) = cells.get(self.schema.primary).and_then(|c| c.as_deref()) else { return false };
        let p = self.key.primary(p_type, pv);
        out.extend_from_slice(&p.to_be_bytes());
        for (col, slot) in self.tags.iter().enumerate() {
            let Some((_, w)) = slot else { continue };
            let t = cells.get(col).and_then(|c| c.as_deref()).map_or(0, |v| self.key.tag(p, col, v, *w));
            out.extend_from_slice(&t.to_be_bytes()[4 - w..]);
        }
        true
    }
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line() as usize);
    Error::Csv { line, message: e.kind_message() }
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    /// The error without the field's content.
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Io(e) => format!("read error: {}", e.kind()),
            csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".into(),
            csv::ErrorKind::UnequalLengths { .. } => "unequal row lengths".into(),
            _ => "malformed CSV".into(),
        }
    }
}

macro_rules! sort_widths {
    ($mem:expr, $len:expr, $($n:literal)*) => {
        match $len {
            $($n => {
                let (chunks, _) = $mem.as_chunks_mut::<$n>();
                chunks.sort_unstable();
                let mut w = 0usize;
                for r in 0..chunks.len() {
                    if w == 0 || chunks[w - 1] != chunks[r] {
                        chunks[w] = chunks[r];
                        w += 1;
                    }
                }
                Ok(w)
            })*
            _ => Err(Error::Schema { line: 0, message: "too many columns for one record".into() }),
        }
    };
}

/// Sorts the in-memory records (primary hash first, big endian) in place
/// and drops duplicates; returns how many remain.
fn sort_dedup(mem: &mut [u8], len: usize) -> Result<usize, Error> {
    sort_widths!(mem, len,
        10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40
        41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72
        73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103
        104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128
        129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152
        153 154 155 156 157 158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176
        177 178 179 180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200)
}

fn dir_bits_for(rows: u64) -> u32 {
    let buckets = (rows / ROWS_PER_BUCKET).max(1);
    (64 - buckets.leading_zeros()).clamp(4, 32)
}

#[allow(clippy::too_many_arguments)]
fn write(
    out: &Path,
    key: &DatasetKey,
    salt: &[u8; 16],
    schema: &Schema,
    source_rows: u64,
    mem: &[u8],
    mem_len: usize,
    bits: u32,
) -> Result<u64, Error> {
    let n = mem.len() / mem_len;
    let mut head = Vec::new();
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(salt);
    head.extend_from_slice(&key.check());
    head.push(bits as u8);
    head.extend_from_slice(&(schema.columns.len() as u16).to_le_bytes());
    head.extend_from_slice(&(schema.primary as u16).to_le_bytes());
    for c in &schema.columns {
        head.push(c.kind.code());
        head.push(match c.part {
            NamePart::Whole => 0,
            NamePart::Family => 1,
            NamePart::Given => 2,
        });
        let name = c.name.as_bytes();
        let name = &name[..name.len().min(u16::MAX as usize)];
        head.extend_from_slice(&(name.len() as u16).to_le_bytes());
        head.extend_from_slice(name);
    }
    head.extend_from_slice(&source_rows.to_le_bytes());
    head.extend_from_slice(&(n as u64).to_le_bytes());
    let file = std::fs::File::create(out).map_err(Error::Io)?;
    let mut w = HashingWriter { inner: BufWriter::with_capacity(1 << 20, file), hash: Sha256::new(), len: 0 };
    w.write_all(&head).map_err(Error::Io)?;
    // The directory: the first record of each bucket (top `bits` bits).
    let mut bucket = 0u64;
    let buckets = 1u64 << bits;
    for (i, rec) in mem.chunks_exact(mem_len).enumerate() {
        let p = u64::from_be_bytes(first8(rec));
        let b = p >> (64 - bits);
        while bucket <= b {
            w.write_all(&(i as u32).to_le_bytes()).map_err(Error::Io)?;
            bucket += 1;
        }
    }
    while bucket <= buckets {
        w.write_all(&(n as u32).to_le_bytes()).map_err(Error::Io)?;
        bucket += 1;
    }
    for rec in mem.chunks_exact(mem_len) {
        let p = u64::from_be_bytes(first8(rec));
        let residual = residual(p, bits);
        w.write_all(&residual.to_be_bytes()[4 - RESIDUAL_BYTES..]).map_err(Error::Io)?;
        w.write_all(&rec[8..]).map_err(Error::Io)?;
    }
    let digest = w.hash.clone().finalize();
    w.inner.write_all(&digest).map_err(Error::Io)?;
    w.inner.flush().map_err(Error::Io)?;
    w.inner.get_ref().sync_all().map_err(Error::Io)?;
    Ok(w.len + 32)
}

fn first8(rec: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&rec[..8]);
    a
}

/// The 24 bits of a primary hash after the directory's bits.
fn residual(p: u64, bits: u32) -> u32 {
    ((p << bits) >> (64 - 8 * RESIDUAL_BYTES as u32)) as u32
}

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let s = self.b.get(self.i..self.i.checked_add(n).ok_or(Error::Corrupt)?).ok_or(Error::Corrupt)?;
        self.i += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Error> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(first8(self.take(8)?)))
    }
}

impl Index {
    /// Reads an index file into memory.
    ///
    /// The issue behind this crate asks for a memory-mapped index; maruhi
    /// forbids `unsafe` code, which mapping a file needs, so the index is
    /// read once per process and shared by its threads instead.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] when the file is damaged, [`Error::WrongKey`]
    /// when it was built under another key.
    pub fn load(path: &Path, key: &Key) -> Result<Index, Error> {
        let bytes = std::fs::read(path).map_err(Error::Io)?;
        Index::from_bytes(bytes, key)
    }

    /// Parses an index held in memory (see [`Index::load`]).
    ///
    /// # Errors
    ///
    /// As [`Index::load`].
    pub fn from_bytes(mut bytes: Vec<u8>, key: &Key) -> Result<Index, Error> {
        if bytes.len() < 32 + MAGIC.len() {
            return Err(Error::Corrupt);
        }
        let body_len = bytes.len() - 32;
        let digest: [u8; 32] = Sha256::digest(&bytes[..body_len]).into();
        if digest[..] != bytes[body_len..] {
            return Err(Error::Corrupt);
        }
        bytes.truncate(body_len);
        let mut c = Cursor { b: &bytes, i: 0 };
        if c.take(8)? != MAGIC {
            return Err(Error::Corrupt);
        }
        let mut salt = [0u8; 16];
        salt.copy_from_slice(c.take(16)?);
        let dkey = key.dataset(&salt);
        if c.take(8)? != dkey.check() {
            return Err(Error::WrongKey);
        }
        let bits = u32::from(c.u8()?);
        if !(4..=32).contains(&bits) {
            return Err(Error::Corrupt);
        }
        let ncols = usize::from(c.u16()?);
        let primary = usize::from(c.u16()?);
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let kind = ColumnType::from_code(c.u8()?).ok_or(Error::Corrupt)?;
            let part = match c.u8()? {
                0 => NamePart::Whole,
                1 => NamePart::Family,
                2 => NamePart::Given,
                _ => return Err(Error::Corrupt),
            };
            let len = usize::from(c.u16()?);
            let name = std::str::from_utf8(c.take(len)?).map_err(|_| Error::Corrupt)?.to_owned();
            columns.push(Column { name, kind, part });
        }
        if primary >= ncols || !(2..=64).contains(&ncols) {
            return Err(Error::Corrupt);
        }
        let schema = Schema { columns, primary };
        let source_rows = c.u64()?;
        let n = usize::try_from(c.u64()?).map_err(|_| Error::Corrupt)?;
        let dir_len = (1usize << bits) + 1;
        let dir_bytes = c.take(dir_len.checked_mul(4).ok_or(Error::Corrupt)?)?;
        let dir: Vec<u32> = dir_bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if dir.windows(2).any(|w| w[0] > w[1]) || dir.last().copied() != Some(n as u32) {
            return Err(Error::Corrupt);
        }
        let (tags, record_len) = tag_layout(&schema);
        let start = c.i;
        if bytes.len() - start != n.checked_mul(record_len).ok_or(Error::Corrupt)? {
            return Err(Error::Corrupt);
        }
        bytes.drain(..start);
        bytes.shrink_to_fit();
        Ok(Index { key: dkey, salt, schema, dir_bits: bits, dir, records: bytes, tags, record_len, source_rows })
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Rows indexed.
    pub fn rows(&self) -> u64 {
        (self.records.len() / self.record_len.max(1)) as u64
    }

    /// Data rows of the export it was built from.
    pub fn source_rows(&self) -> u64 {
        self.source_rows
    }

    pub fn salt(&self) -> [u8; 16] {
        self.salt
    }

    /// The directory's bits, which a refresh keeps so that the old and new
    /// index can be compared record by record.
    pub fn dir_bits(&self) -> u32 {
        self.dir_bits
    }

    pub(crate) fn key(&self) -> &DatasetKey {
        &self.key
    }

    /// The records whose primary hash is `p`: their index numbers.
    pub(crate) fn lookup(&self, p: u64) -> std::ops::Range<usize> {
        let b = (p >> (64 - self.dir_bits)) as usize;
        let (Some(&lo), Some(&hi)) = (self.dir.get(b), self.dir.get(b + 1)) else { return 0..0 };
        let (lo, hi) = (lo as usize, hi as usize);
        let want = residual(p, self.dir_bits);
        let res = |i: usize| -> u32 {
            let r = &self.records[i * self.record_len..i * self.record_len + RESIDUAL_BYTES];
            (u32::from(r[0]) << 16) | (u32::from(r[1]) << 8) | u32::from(r[2])
        };
        // Within a bucket records are sorted by residual.
        let mut a = lo;
        let mut z = hi;
        while a < z {
            let m = (a + z) / 2;
            if res(m) < want {
                a = m + 1;
            } else {
                z = m;
            }
        }
        let mut e = a;
        while e < hi && res(e) == want {
            e += 1;
        }
        a..e
    }

    /// The stored tag of `column` in record `i` (0 for an empty cell).
    pub(crate) fn tag(&self, i: usize, column: usize) -> u32 {
        let Some(Some((off, w))) = self.tags.get(column) else { return 0 };
        let start = i * self.record_len + off;
        self.records.get(start..start + w).map_or(0, |b| b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
    }

    pub(crate) fn tag_width(&self, column: usize) -> usize {
        self.tags.get(column).copied().flatten().map_or(0, |(_, w)| w)
    }

    /// Bytes per row on disk, directory included.
    pub fn bytes_per_row(&self) -> f64 {
        let n = self.rows().max(1) as f64;
        (self.records.len() + self.dir.len() * 4) as f64 / n
    }

    /// Rows added, removed and kept between `old` and this index (built
    /// with the same salt, as a refresh does).
    pub fn delta(&self, old: &Index) -> Delta {
        let mut d = Delta::default();
        if old.salt != self.salt || old.record_len != self.record_len || old.dir_bits != self.dir_bits {
            d.added = self.rows();
            d.removed = old.rows();
            return d;
        }
        let (n, m) = (self.rows() as usize, old.rows() as usize);
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            match order_key(self, i).cmp(&order_key(old, j)) {
                std::cmp::Ordering::Less => {
                    d.added += 1;
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    d.removed += 1;
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    d.unchanged += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        d.added += (n - i) as u64;
        d.removed += (m - j) as u64;
        d
    }
}

/// Record `i`'s place in the index order: bucket, then residual and tags.
fn order_key(ix: &Index, i: usize) -> (usize, &[u8]) {
    let b = ix.dir.partition_point(|&s| s as usize <= i).saturating_sub(1);
    (b, ix.records.get(i * ix.record_len..(i + 1) * ix.record_len).unwrap_or(&[]))
}
