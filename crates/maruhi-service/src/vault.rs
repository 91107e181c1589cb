//! The vault: the original files of a secret's material, kept encrypted.
//!
//! Envelope encryption. Every object gets a fresh random 256-bit data key;
//! its bytes are encrypted with XChaCha20-Poly1305 in the STREAM
//! construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
//! Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015):
//! 64 KiB segments, each sealed under the nonce `prefix ‖ counter ‖
//! last-flag`, so a file of any size streams through bounded memory, and
//! reordered, dropped or truncated segments fail to open. The data key is
//! kept only wrapped (XChaCha20-Poly1305 again) by the installation's master
//! key, in the database row of the object; rotating the master key rewraps
//! those rows and never touches the objects.
//!
//! ```text
//! object  = header ‖ segment*
//! header  = "MRHVLT1\0" ‖ segment size (u32 BE) ‖ nonce prefix (19 bytes)
//! segment = XChaCha20-Poly1305(data key, prefix ‖ i (u32 BE) ‖ last (1 byte),
//!                              aad = header, plaintext segment i) ‖ tag
//! ```
//!
//! The bytes go through [`ObjectStore`]: [`LocalStore`], a folder under the
//! data directory, by default; the server crate provides an S3-compatible
//! store (it speaks HTTP). Nothing readable is ever written: not to the
//! store, not to the database, not to a temporary file.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use maruhi_store::vault::NewObject;
use serde_json::json;

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::Msg;
use crate::model::Role;
use crate::{policy, Actor, Error, Result, Service};

/// Plaintext bytes per STREAM segment.
pub const SEGMENT_BYTES: usize = 64 * 1024;
/// Bytes handed to the object store at once (an S3 multipart part). A
/// store holds about three parts (one read, one being sealed, one being
/// written), a retrieve about two, whatever the file's size.
pub const PART_BYTES: usize = 8 * 1024 * 1024;
const TAG_BYTES: usize = 16;
const MAGIC: &[u8; 8] = b"MRHVLT1\0";
const PREFIX_BYTES: usize = 19;
const HEADER_BYTES: usize = MAGIC.len() + 4 + PREFIX_BYTES;
const WRAP_AAD: &[u8] = b"maruhi vault data key v1\0";

/// A boxed future, so the store traits can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where encrypted objects live. Implementations move opaque bytes only;
/// encryption happens before [`ObjectWriter::write`] and after
/// [`ObjectReader::next`].
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Starts writing a new object under `key`; it exists (whole) only once
    /// [`ObjectWriter::finish`] returned.
    fn put<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectWriter>>>;
    /// Reads an object back in chunks.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectReader>>>;
    /// Removes an object (after a failed transaction); absent is fine.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Where the objects are, for messages (no credentials).
    fn describe(&self) -> String;
}

/// An object being written, one part after the other.
pub trait ObjectWriter: Send {
    fn write(&mut self, part: Vec<u8>) -> BoxFuture<'_, Result<()>>;
    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
    /// Gives up, leaving nothing behind.
    fn abort(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// An object being read.
pub trait ObjectReader: Send {
    /// The next bytes, `None` at the end.
    fn next(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>>>;
}

/// The vault of an installation: its object store and master key.
#[derive(Debug, Clone)]
pub struct Vault {
    store: Arc<dyn ObjectStore>,
    master: MasterKeyFile,
}

/// The master key's file: `DATA_DIR/keys/master.key` (made on first use) or
/// the file `MARUHI_MASTER_KEY_FILE` names (never made).
#[derive(Debug, Clone)]
pub struct MasterKeyFile {
    pub path: PathBuf,
    /// Whether a missing file may be created (the data directory's own).
    pub create_if_missing: bool,
}

/// A master key with its id (the first 16 hex digits of a SHA-256 over it).
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn from_bytes(key: [u8; 32]) -> MasterKey {
        let mut h = Sha256::new();
        h.update(b"maruhi vault master key id v1\0");
        h.update(key);
        let id = hex_lower(&h.finalize()[..8]);
        MasterKey { key, id }
    }

    pub fn generate() -> Result<MasterKey> {
        Ok(MasterKey::from_bytes(random()?))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn bytes(&self) -> [u8; 32] {
        self.key
    }

    /// Wraps a data key for the object stored under `object_key`.
    pub fn wrap(&self, data_key: &[u8; 32], object_key: &str) -> Result<Vec<u8>> {
        let nonce: [u8; 24] = random()?;
        let aad = [WRAP_AAD, object_key.as_bytes()].concat();
        let sealed = XChaCha20Poly1305::new(&self.key.into())
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: data_key, aad: &aad })
            .map_err(|_| Error::Internal("wrapping a data key failed".into()))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Unwraps a data key; `None` when this is not the key that wrapped it
    /// (or the wrapped key was altered).
    pub fn unwrap_key(&self, wrapped: &[u8], object_key: &str) -> Option<[u8; 32]> {
        if wrapped.len() != 24 + 32 + TAG_BYTES {
            return None;
        }
        let (nonce, body) = wrapped.split_at(24);
        let aad = [WRAP_AAD, object_key.as_bytes()].concat();
        let plain = XChaCha20Poly1305::new(&self.key.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: &aad })
            .ok()?;
        plain.try_into().ok()
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(out)
}

impl MasterKeyFile {
    /// The file a rotation writes the next key to before the database
    /// commits; a key found there after a crash still opens what it wrapped.
    fn next_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".next");
        PathBuf::from(name)
    }

    /// The current key. A missing file is an error ([`Error::Key`]), never
    /// replaced: see [`MasterKeyFile::load_or_create`].
    pub fn load(&self) -> Result<MasterKey> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => parse(&self.path, &text),
            Err(e) => Err(Error::Key {
                path: self.path.clone(),
                why: if e.kind() == std::io::ErrorKind::NotFound { "missing".into() } else { e.to_string() },
            }),
        }
    }

    /// The current key, made (with a warning to back it up) when the data
    /// directory's own file does not exist yet. Only for a vault that holds
    /// no object yet (`init`, the first object of an older installation):
    /// a new key cannot open what a lost one wrapped, so a lost key is
    /// restored from backup, never replaced.
    pub fn load_or_create(&self) -> Result<MasterKey> {
        match self.load() {
            Err(Error::Key { why, .. }) if why == "missing" && self.create_if_missing => {
                let key = MasterKey::generate()?;
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir).map_err(crate::installation::io("cannot create", dir))?;
                }
                crate::installation::write_new_key(&self.path, &hex::encode(key.key))?;
                tracing::warn!(
                    target: "maruhi::security",
                    path = %self.path.display(),
                    "created the vault's master key; back it up with the other keys: without it no stored original can be read"
                );
                Ok(key)
            }
            other => other,
        }
    }

    /// Every key that may have wrapped a stored data key: the current one
    /// and, after an interrupted rotation, the next one.
    fn candidates(&self) -> Result<Vec<MasterKey>> {
        let mut keys = vec![self.load()?];
        let next = self.next_path();
        if let Ok(text) = std::fs::read_to_string(&next) {
            keys.push(parse(&next, &text)?);
        }
        Ok(keys)
    }
}

fn parse(path: &Path, text: &str) -> Result<MasterKey> {
    crate::installation::parse_hex_key(text)
        .map(MasterKey::from_bytes)
        .ok_or_else(|| Error::Key { path: path.to_owned(), why: "not 64 hex digits".into() })
}

/// What storing an object produced, for its database row.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub object_key: String,
    pub sha256: String,
    pub size: u64,
    pub wrapped_key: Vec<u8>,
    pub master_key_id: String,
}

impl Vault {
    pub fn new(store: Arc<dyn ObjectStore>, master: MasterKeyFile) -> Vault {
        Vault { store, master }
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn master_key_file(&self) -> &MasterKeyFile {
        &self.master
    }

    /// Encrypts everything `input` yields into a new object under a fresh
    /// data key, hashing the plaintext on the way, in bounded memory (see
    /// [`PART_BYTES`]).
    pub async fn put(&self, input: impl AsyncRead + Unpin) -> Result<StoredObject> {
        let master = self.master.load()?;
        let object_key = format!("objects/{}", hex_lower(&random::<16>()?));
        let data_key: [u8; 32] = random()?;
        let wrapped_key = master.wrap(&data_key, &object_key)?;
        let mut writer = self.store.put(&object_key).await?;
        match encrypt_into(&data_key, input, writer.as_mut()).await {
            Ok((sha256, size)) => {
                writer.finish().await?;
                Ok(StoredObject { object_key, sha256, size, wrapped_key, master_key_id: master.id.clone() })
            }
            Err(e) => {
                writer.abort().await;
                Err(e)
            }
        }
    }

    /// Opens a stored object for reading: the plaintext comes out of
    /// [`Plaintext::next`], checked segment by segment, and at the end
    /// against the SHA-256 and size recorded when it was stored.
    pub async fn open(&self, object_key: &str, wrapped_key: &[u8], sha256: &str, size: u64) -> Result<Plaintext> {
        let data_key =
            self.master.candidates()?.iter().find_map(|k| k.unwrap_key(wrapped_key, object_key)).ok_or_else(|| {
                Error::Key {
                    path: self.master.path.clone(),
                    why: "it does not open the stored object's data key (another master key?)".into(),
                }
            })?;
        let reader = self.store.get(object_key).await?;
        let mut plain = Plaintext::unchecked(reader, &data_key);
        plain.expect = Some((sha256.to_owned(), size));
        Ok(plain)
    }

    /// Reads and decrypts a whole object into `out` (the CLI's download).
    pub async fn copy_to(&self, mut plain: Plaintext, out: &mut (impl AsyncWrite + Unpin)) -> Result<u64> {
        let mut n = 0u64;
        while let Some(chunk) = plain.next().await? {
            out.write_all(&chunk).await.map_err(|e| Error::Vault(format!("cannot write the output: {e}")))?;
            n += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| Error::Vault(format!("cannot write the output: {e}")))?;
        Ok(n)
    }

    /// Rewraps `wrapped` (made under any key this vault can use) under `next`.
    pub(crate) fn rewrap(
        &self,
        keys: &[MasterKey],
        wrapped: &[u8],
        object_key: &str,
        next: &MasterKey,
    ) -> Result<Vec<u8>> {
        let data_key = keys.iter().find_map(|k| k.unwrap_key(wrapped, object_key)).ok_or_else(|| Error::Key {
            path: self.master.path.clone(),
            why: format!("it does not open the data key of {object_key}; nothing was rotated"),
        })?;
        next.wrap(&data_key, object_key)
    }

    pub(crate) fn current_keys(&self) -> Result<Vec<MasterKey>> {
        self.master.candidates()
    }

    /// Writes the next master key beside the current one (before the
    /// database commits the rewrapped keys).
    pub(crate) fn stage_next(&self, next: &MasterKey) -> Result<()> {
        let path = self.master.next_path();
        let _ = std::fs::remove_file(&path);
        crate::installation::write_new_key(&path, &hex::encode(next.key))
    }

    /// Makes the staged key the current one (after the commit): the old key
    /// file is replaced, so the old key no longer opens anything.
    pub(crate) fn promote_next(&self) -> Result<()> {
        let next = self.master.next_path();
        std::fs::rename(&next, &self.master.path).map_err(|source| Error::Io {
            what: "cannot replace the master key with",
            path: next,
            source,
        })
    }

    /// The key staged by a rotation, if one is there.
    fn staged(&self) -> Result<Option<MasterKey>> {
        let path = self.master.next_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => parse(&path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { what: "cannot read", path, source }),
        }
    }

    /// Forgets a staged key (the transaction failed).
    pub(crate) fn drop_next(&self) {
        let _ = std::fs::remove_file(self.master.next_path());
    }
}

fn nonce(prefix: &[u8; PREFIX_BYTES], counter: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..PREFIX_BYTES].copy_from_slice(prefix);
    n[PREFIX_BYTES..PREFIX_BYTES + 4].copy_from_slice(&counter.to_be_bytes());
    n[23] = u8::from(last);
    *XNonce::from_slice(&n)
}

/// The sealing state carried from one part to the next.
struct Sealer {
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX_BYTES],
    header: Vec<u8>,
    hash: Sha256,
    counter: u32,
}

impl Sealer {
    /// Hashes and seals one part's plaintext (a whole number of segments,
    /// except in the last part) into `out`.
    fn seal_part(&mut self, plain: &[u8], last_part: bool, out: &mut Vec<u8>) -> Result<()> {
        self.hash.update(plain);
        let mut segments: Vec<&[u8]> = plain.chunks(SEGMENT_BYTES).collect();
        if segments.is_empty() {
            // An empty file is one empty, last segment.
            segments.push(&[]);
        }
        let n = segments.len();
        for (i, seg) in segments.into_iter().enumerate() {
            let last = last_part && i + 1 == n;
            let start = out.len();
            out.extend_from_slice(seg);
            let tag = self
                .cipher
                .encrypt_in_place_detached(&nonce(&self.prefix, self.counter, last), &self.header, &mut out[start..])
                .map_err(|_| Error::Internal("encrypting a segment failed".into()))?;
            out.extend_from_slice(&tag);
            if !last {
                self.counter = self
                    .counter
                    .checked_add(1)
                    .ok_or_else(|| Error::Vault("the file is too large for one object".into()))?;
            }
        }
        Ok(())
    }
}

/// Reads up to `n` bytes (fewer only at the end of the input).
async fn read_up_to(input: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>, n: usize) -> Result<()> {
    let mut filled = buf.len();
    buf.resize(n, 0);
    while filled < n {
        let got = input
            .read(&mut buf[filled..])
            .await
            .map_err(|e| Error::Vault(format!("cannot read the file to store: {e}")))?;
        if got == 0 {
            break;
        }
        filled += got;
    }
    buf.truncate(filled);
    Ok(())
}

/// The STREAM encryption of `input` into `writer`, in parts of
/// [`PART_BYTES`]; returns the plaintext's SHA-256 and size. A pipeline:
/// while one part is written, the next is hashed and sealed on a blocking
/// thread, so the store's writes and the cipher use two cores.
pub(crate) async fn encrypt_into(
    data_key: &[u8; 32],
    input: impl AsyncRead + Unpin,
    writer: &mut dyn ObjectWriter,
) -> Result<(String, u64)> {
    // Reads of 1 MiB: a file's reads go through tokio's blocking pool, one
    // round trip each.
    let mut input = tokio::io::BufReader::with_capacity(1 << 20, input);
    let prefix: [u8; PREFIX_BYTES] = random()?;
    let mut header = Vec::with_capacity(HEADER_BYTES);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&(SEGMENT_BYTES as u32).to_be_bytes());
    header.extend_from_slice(&prefix);
    let mut sealer = Sealer {
        cipher: XChaCha20Poly1305::new(data_key.into()),
        prefix,
        header: header.clone(),
        hash: Sha256::new(),
        counter: 0,
    };
    let mut size = 0u64;
    let mut pending: Option<Vec<u8>> = None;
    let mut carry = Vec::new();
    let mut first = true;
    loop {
        // One byte of look-ahead: a part is the last only when nothing follows it.
        let mut plain = std::mem::take(&mut carry);
        read_up_to(&mut input, &mut plain, PART_BYTES + 1).await?;
        let last = plain.len() <= PART_BYTES;
        if !last {
            carry = plain.split_off(PART_BYTES);
        }
        size += plain.len() as u64;
        let mut out =
            Vec::with_capacity(plain.len() + plain.len() / SEGMENT_BYTES * TAG_BYTES + TAG_BYTES + HEADER_BYTES);
        if first {
            out.extend_from_slice(&header);
            first = false;
        }
        let seal = tokio::task::spawn_blocking(move || {
            let sealed = sealer.seal_part(&plain, last, &mut out);
            (sealer, sealed.map(|()| out))
        });
        let write = async {
            match pending.take() {
                Some(part) => writer.write(part).await,
                None => Ok(()),
            }
        };
        let (written, sealed) = tokio::join!(write, seal);
        written?;
        let (back, out) = sealed.map_err(|_| Error::Internal("the sealing thread failed".into()))?;
        sealer = back;
        pending = Some(out?);
        if last {
            break;
        }
    }
    if let Some(part) = pending {
        writer.write(part).await?;
    }
    Ok((hex_lower(&sealer.hash.finalize()), size))
}

/// The plaintext of a stored object, segment by segment.
pub struct Plaintext {
    reader: Box<dyn ObjectReader>,
    cipher: XChaCha20Poly1305,
    header: Option<(Vec<u8>, [u8; PREFIX_BYTES])>,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start (consumed segments are not
    /// shifted out one by one, which would copy the part again per segment).
    pos: usize,
    counter: u32,
    done: bool,
    hash: Sha256,
    seen: u64,
    /// The plaintext's SHA-256 and size, checked at the end (a backup's
    /// members are checked against its manifest instead).
    expect: Option<(String, u64)>,
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plaintext").field("counter", &self.counter).finish_non_exhaustive()
    }
}

fn altered(why: &str) -> Error {
    Error::Tampered(format!("stored object does not open: {why}"))
}

impl Plaintext {
    /// Decrypts what `reader` yields under `data_key`, segments
    /// authenticated as always, with no recorded hash to check (yet).
    pub(crate) fn unchecked(reader: Box<dyn ObjectReader>, data_key: &[u8; 32]) -> Plaintext {
        Plaintext {
            reader,
            cipher: XChaCha20Poly1305::new(data_key.into()),
            header: None,
            buf: Vec::new(),
            pos: 0,
            counter: 0,
            done: false,
            hash: Sha256::new(),
            seen: 0,
            expect: None,
        }
    }

    /// The next decrypted bytes (up to [`PART_BYTES`]), `None` at the end.
    /// An object that was altered, truncated or extended fails with
    /// [`Error::Tampered`]; no byte of a segment is returned before its tag
    /// verified.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>> {
        const SEALED: usize = SEGMENT_BYTES + TAG_BYTES;
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::new();
        let mut eof = false;
        loop {
            // Enough to decide whether the first buffered segment is the last.
            let ready = self.header.is_some() && self.buf.len() - self.pos > SEALED;
            if !ready && !eof {
                match self.reader.next().await? {
                    Some(bytes) => {
                        self.buf.drain(..self.pos);
                        self.pos = 0;
                        self.buf.extend_from_slice(&bytes);
                    }
                    None => eof = true,
                }
                if self.header.is_none() && self.buf.len() - self.pos >= HEADER_BYTES {
                    let header: Vec<u8> = self.buf.drain(..HEADER_BYTES).collect();
                    if &header[..MAGIC.len()] != MAGIC
                        || header[MAGIC.len()..MAGIC.len() + 4] != (SEGMENT_BYTES as u32).to_be_bytes()
                    {
                        return Err(altered("bad header"));
                    }
                    let mut prefix = [0u8; PREFIX_BYTES];
                    prefix.copy_from_slice(&header[MAGIC.len() + 4..]);
                    self.header = Some((header, prefix));
                }
                continue;
            }
            let Some((header, prefix)) = &self.header else {
                return Err(altered("truncated header"));
            };
            let rest = &self.buf[self.pos..];
            let last = rest.len() <= SEALED;
            let take = rest.len().min(SEALED);
            if take < TAG_BYTES {
                return Err(altered("truncated"));
            }
            let start = out.len();
            out.extend_from_slice(&rest[..take - TAG_BYTES]);
            let tag = chacha20poly1305::Tag::clone_from_slice(&rest[take - TAG_BYTES..take]);
            self.cipher
                .decrypt_in_place_detached(&nonce(prefix, self.counter, last), header, &mut out[start..], &tag)
                .map_err(|_| altered("a segment does not authenticate"))?;
            self.pos += take;
            self.hash.update(&out[start..]);
            self.seen += (out.len() - start) as u64;
            if last {
                self.done = true;
                let sha = hex_lower(&std::mem::take(&mut self.hash).finalize());
                if self.expect.as_ref().is_some_and(|(s, n)| *s != sha || *n != self.seen) {
                    return Err(altered("its hash is not the one recorded"));
                }
                return Ok(Some(out));
            }
            self.counter = self.counter.checked_add(1).ok_or_else(|| altered("too many segments"))?;
            if out.len() >= PART_BYTES {
                return Ok(Some(out));
            }
        }
    }
}

/// Objects in a folder (`DATA_DIR/vault` by default), written to a
/// temporary name and renamed when whole.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        // Keys are ours (`objects/<hex>`); anything else is refused rather
        // than joined onto the root.
        let ok = key.split('/').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        if !ok {
            return Err(Error::Vault(format!("invalid object key {key:?}")));
        }
        Ok(self.root.join(key))
    }
}

struct LocalWriter {
    file: tokio::fs::File,
    tmp: PathBuf,
    path: PathBuf,
}

impl ObjectWriter for LocalWriter {
    fn write(&mut self, part: Vec<u8>) -> BoxFuture<'_, Result<()>> {
        Box::pin(
            async move { self.file.write_all(&part).await.map_err(crate::installation::io("cannot write", &self.tmp)) },
        )
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let LocalWriter { mut file, tmp, path } = *self;
            file.flush().await.map_err(crate::installation::io("cannot write", &tmp))?;
            file.sync_all().await.map_err(crate::installation::io("cannot write", &tmp))?;
            drop(file);
            tokio::fs::rename(&tmp, &path).await.map_err(crate::installation::io("cannot rename", &tmp))
        })
    }

    fn abort(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            drop(self.file);
            let _ = tokio::fs::remove_file(&self.tmp).await;
        })
    }
}

struct LocalReader {
    file: tokio::fs::File,
    path: PathBuf,
}

impl ObjectReader for LocalReader {
    fn next(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            let mut buf = vec![0u8; PART_BYTES];
            let mut filled = 0;
            while filled < buf.len() {
                let n = self
                    .file
                    .read(&mut buf[filled..])
                    .await
                    .map_err(crate::installation::io("cannot read", &self.path))?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            buf.truncate(filled);
            Ok((filled > 0).then_some(buf))
        })
    }
}

impl ObjectStore for LocalStore {
    fn put<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectWriter>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(crate::installation::io("cannot create", dir))?;
            }
            let tmp = path.with_extension("partial");
            let file = tokio::fs::File::create(&tmp).await.map_err(crate::installation::io("cannot create", &tmp))?;
            Ok(Box::new(LocalWriter { file, tmp, path }) as Box<dyn ObjectWriter>)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectReader>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let file = tokio::fs::File::open(&path).await.map_err(crate::installation::io("cannot open", &path))?;
            Ok(Box::new(LocalReader { file, path }) as Box<dyn ObjectReader>)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(crate::installation::io("cannot remove", &path)(e))
                }
                _ => Ok(()),
            }
        })
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// A stored original being downloaded: its name, recorded hash and size,
/// and the plaintext. A marking step (a copy marked for its recipient) goes
/// between [`Original::next`] and the recipient.
#[derive(Debug)]
pub struct Original {
    pub material_id: i64,
    pub secret_id: i64,
    pub name: String,
    pub sha256: String,
    pub size: u64,
    /// The ledger index of the download's audit event.
    pub ledger_index: i64,
    plain: Plaintext,
}

impl Original {
    /// The next plaintext bytes, checked (see [`Plaintext::next`]).
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>> {
        self.plain.next().await
    }

    /// Writes the whole original to `out`; returns the bytes written.
    pub async fn copy_to(mut self, out: &mut (impl AsyncWrite + Unpin)) -> Result<u64> {
        let mut n = 0u64;
        while let Some(chunk) = self.plain.next().await? {
            out.write_all(&chunk).await.map_err(|e| Error::Vault(format!("cannot write the output: {e}")))?;
            n += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| Error::Vault(format!("cannot write the output: {e}")))?;
        Ok(n)
    }
}

/// What a master key rotation did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rotation {
    pub objects: usize,
    pub old_key_id: String,
    pub new_key_id: String,
}

impl Service {
    /// Keeps originals in `vault` (its store and master key).
    pub fn with_vault(mut self, vault: Vault) -> Service {
        self.vault = Some(vault);
        self
    }

    /// The vault, or why there is none.
    pub fn vault(&self) -> Result<&Vault> {
        self.vault.as_ref().ok_or(Error::NotConfigured(Msg::NoVault))
    }

    /// Makes the master key when the vault holds no object yet (an
    /// installation older than the vault); with objects, a missing key is
    /// an error to restore from backup.
    pub(crate) async fn ensure_master_key(&self) -> Result<()> {
        let vault = self.vault()?;
        let empty = {
            let mut conn = self.db.read().await?;
            maruhi_store::vault::count(&mut conn).await? == 0
        };
        if empty {
            vault.master.load_or_create()?;
        } else {
            vault.master.load()?;
        }
        Ok(())
    }

    /// Writes a stored object's row and queues its `vault.store` event (the
    /// plaintext's SHA-256 and size enter the ledger with the row).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_object<'a>(
        &self,
        tx: &mut maruhi_store::WriteTx,
        actor: &'a Actor,
        secret_id: i64,
        name: &str,
        object: &StoredObject,
        at: &str,
        events: &mut Vec<Event<'a>>,
    ) -> Result<i64> {
        let id = maruhi_store::vault::insert(
            tx.conn(),
            &NewObject {
                secret_id,
                name,
                object_key: &object.object_key,
                sha256: &object.sha256,
                size_bytes: i64::try_from(object.size).map_err(|_| Error::Vault("the file is too large".into()))?,
                wrapped_key: &object.wrapped_key,
                master_key_id: &object.master_key_id,
                created_by: actor.user_id,
                created_at: at,
            },
        )
        .await?;
        events.push(Event::new(actor, AuditAction::VaultStore, "secret", secret_id).summary(json!({
            "object": id, "name": name, "sha256": object.sha256, "size": object.size,
            "master_key_id": object.master_key_id,
        })));
        Ok(id)
    }

    /// Writes the row of a stored file that belongs to no secret (a case's
    /// attachment, a kept activity log); its hash enters the ledger with the
    /// entry that attaches it.
    pub(crate) async fn insert_file(
        &self,
        tx: &mut maruhi_store::WriteTx,
        actor: &Actor,
        name: &str,
        object: &StoredObject,
        at: &str,
    ) -> Result<i64> {
        let id = maruhi_store::vault::insert_file(
            tx.conn(),
            &NewObject {
                secret_id: 0,
                name,
                object_key: &object.object_key,
                sha256: &object.sha256,
                size_bytes: i64::try_from(object.size).map_err(|_| Error::Vault("the file is too large".into()))?,
                wrapped_key: &object.wrapped_key,
                master_key_id: &object.master_key_id,
                created_by: actor.user_id,
                created_at: at,
            },
        )
        .await?;
        Ok(id)
    }

    /// A stored file's bytes (no access check: callers decide).
    pub(crate) async fn open_file(&self, file_id: i64) -> Result<(maruhi_store::vault::FileRow, Plaintext)> {
        let vault = self.vault()?;
        let row = {
            let mut conn = self.db.read().await?;
            maruhi_store::vault::get_file(&mut conn, file_id).await?.ok_or(Error::NotFound)?
        };
        let size = u64::try_from(row.size_bytes).map_err(|_| Error::Tampered("negative object size".into()))?;
        let plain = vault.open(&row.object_key, &row.wrapped_key, &row.sha256, size).await?;
        Ok((row, plain))
    }

    /// The stored original of a material, for those entitled to the
    /// secret's content (its manager and access list, admin, legal/IP;
    /// never auditors): anyone else gets [`Error::NotFound`]. The download
    /// is recorded in the ledger (`material.download`) before a byte is
    /// returned.
    pub async fn material_original(&self, actor: &Actor, material_id: i64) -> Result<Original> {
        let vault = self.vault()?;
        let (object, _) = self.entitled_object(actor, material_id).await?;
        let size = u64::try_from(object.size_bytes).map_err(|_| Error::Tampered("negative object size".into()))?;
        let plain = vault.open(&object.object_key, &object.wrapped_key, &object.sha256, size).await?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let event = Event::new(actor, AuditAction::MaterialDownload, "secret", object.secret_id).summary(json!({
            "material": material_id, "object": object.id, "name": object.name,
            "sha256": object.sha256, "size": size, "copy": "original",
        }));
        let ledger_index = audit::record(&mut tx, &at, event).await?;
        tx.commit().await?;
        Ok(Original {
            material_id,
            secret_id: object.secret_id,
            name: object.name,
            sha256: object.sha256,
            size,
            ledger_index,
            plain,
        })
    }

    /// The stored object behind a material and its secret's level, for
    /// those entitled to the secret's content (anyone else: `NotFound`).
    async fn entitled_object(
        &self,
        actor: &Actor,
        material_id: i64,
    ) -> Result<(maruhi_store::vault::ObjectRow, String)> {
        let mut conn = self.db.read().await?;
        let row = maruhi_store::materials::get(&mut conn, material_id).await?.ok_or(Error::NotFound)?;
        let (Some(secret_id), Some(object_id)) = (row.secret_id, row.object_id) else {
            return Err(Error::NotFound);
        };
        if !self.entitled_to_content(&mut conn, actor, secret_id).await? {
            return Err(Error::NotFound);
        }
        let secret = maruhi_store::secrets::get(&mut conn, secret_id).await?.ok_or(Error::NotFound)?;
        let object = maruhi_store::vault::get(&mut conn, object_id).await?.ok_or(Error::NotFound)?;
        Ok((object, secret.level))
    }

    /// A copy of a stored original marked for `recipient` (default: the
    /// caller): the ㊙ banner and the invisible copy code
    /// ([`crate::marking`]). The download, the code, the recipient and the
    /// marked copy's SHA-256 enter the ledger and `marked_copies` in one
    /// transaction, so `maruhi trace` can name the copy later. Only the
    /// administrator and legal/IP may name someone else as recipient.
    /// Formats that cannot be marked yet are refused
    /// (`MRH-MARK-001`); their original is for admin and legal only.
    pub async fn material_marked_copy(
        &self,
        actor: &Actor,
        material_id: i64,
        recipient: Option<&str>,
    ) -> Result<crate::marking::MarkedCopy> {
        let recipient = match recipient.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) if r != actor.username => {
                if !matches!(actor.role, Role::Admin | Role::Legal) {
                    return Err(Error::Forbidden);
                }
                crate::hr::person_name(r).ok_or_else(|| Error::invalid("recipient", Msg::BadPersonName))?
            }
            _ => actor.username.clone(),
        };
        let vault = self.vault()?;
        let (object, level) = self.entitled_object(actor, material_id).await?;
        let size = u64::try_from(object.size_bytes).map_err(|_| Error::Tampered("negative object size".into()))?;
        if size > crate::marking::MAX_MARKED_BYTES {
            return Err(Error::Conflict(Msg::TooLargeToMark));
        }
        let mut plain = vault.open(&object.object_key, &object.wrapped_key, &object.sha256, size).await?;
        let mut bytes = Vec::with_capacity(size as usize);
        while let Some(chunk) = plain.next().await? {
            bytes.extend_from_slice(&chunk);
        }
        let code = crate::marking::CopyCode::random().map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
        let banner = crate::marking::Banner {
            level,
            secret_id: object.secret_id,
            recipient: recipient.clone(),
            date: self.today().to_string(),
            code,
        };
        let name = object.name.clone();
        let marked = tokio::task::spawn_blocking(move || crate::marking::mark(&name, &bytes, &banner))
            .await
            .map_err(Error::task)?
            .map_err(|e| match e {
                crate::marking::MarkError::NoFont => Error::NotConfigured(crate::i18n::Msg::NoReportFont),
                e => Error::Marking(e.to_string()),
            })?;
        let marked_sha = hex::encode(Sha256::digest(&marked));
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let event = Event::new(actor, AuditAction::MaterialDownload, "secret", object.secret_id).summary(json!({
            "material": material_id, "object": object.id, "name": object.name, "sha256": object.sha256,
            "size": size, "copy": "marked", "code": code.text(), "recipient": recipient, "marked_sha256": marked_sha,
        }));
        let ledger_index = audit::record(&mut tx, &at, event).await?;
        let row = maruhi_store::copies::CopyRow {
            code: code.text(),
            material_id,
            secret_id: object.secret_id,
            recipient: recipient.clone(),
            downloaded_by: actor.username.clone(),
            downloaded_at: at,
            ledger_index,
            sha256: marked_sha,
        };
        maruhi_store::copies::insert(tx.conn(), &row).await?;
        tx.commit().await?;
        Ok(crate::marking::MarkedCopy {
            secret_id: object.secret_id,
            name: object.name,
            bytes: marked,
            code: code.text(),
            recipient,
            ledger_index,
        })
    }

    /// Rewraps every stored object's data key under a new master key, in
    /// one transaction with its audit event; the objects are not touched.
    /// The new key is written beside the old one first and replaces it once
    /// the transaction committed, so a crash in between loses nothing.
    /// Admin only (the CLI's operator).
    pub async fn rotate_vault_key(&self, actor: &Actor) -> Result<Rotation> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let vault = self.vault()?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let rows = maruhi_store::vault::all(tx.conn()).await?;
        // A key staged by a rotation that crashed: current if it wraps any
        // row (that rotation committed), else forgotten.
        if let Some(staged) = vault.staged()? {
            let files = maruhi_store::vault::all_files(tx.conn()).await?;
            if rows.iter().any(|r| r.master_key_id == staged.id) || files.iter().any(|r| r.master_key_id == staged.id) {
                vault.promote_next()?;
            } else {
                vault.drop_next();
            }
        }
        let keys = vault.current_keys()?;
        let old_key_id = keys.first().map(|k| k.id.clone()).unwrap_or_default();
        let next = MasterKey::generate()?;
        let files = maruhi_store::vault::all_files(tx.conn()).await?;
        let mut rewrapped = Vec::with_capacity(rows.len());
        for row in &rows {
            rewrapped.push(vault.rewrap(&keys, &row.wrapped_key, &row.object_key, &next)?);
        }
        let mut rewrapped_files = Vec::with_capacity(files.len());
        for row in &files {
            rewrapped_files.push(vault.rewrap(&keys, &row.wrapped_key, &row.object_key, &next)?);
        }
        vault.stage_next(&next)?;
        let result = async {
            for (row, wrapped) in rows.iter().zip(&rewrapped) {
                maruhi_store::vault::rewrap(tx.conn(), row.id, wrapped, &next.id).await?;
            }
            for (row, wrapped) in files.iter().zip(&rewrapped_files) {
                maruhi_store::vault::rewrap_file(tx.conn(), row.id, wrapped, &next.id).await?;
            }
            let event = Event::new(actor, AuditAction::VaultRotateKey, "vault", "master-key").summary(json!({
                "objects": rows.len(), "files": files.len(), "old_key_id": old_key_id, "new_key_id": next.id,
            }));
            audit::record(&mut tx, &at, event).await?;
            tx.commit().await?;
            Ok::<(), Error>(())
        }
        .await;
        if let Err(e) = result {
            vault.drop_next();
            return Err(e);
        }
        vault.promote_next()?;
        Ok(Rotation { objects: rows.len() + files.len(), old_key_id, new_key_id: next.id })
    }

    /// Whether the actor may read a secret's content (stored text, originals):
    /// admin and legal/IP, and whoever sees it through the access list or as
    /// its manager; never auditors. False also for a secret the actor may not
    /// see at all.
    pub(crate) async fn entitled_to_content(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        actor: &Actor,
        secret_id: i64,
    ) -> Result<bool> {
        match self.visible_row(conn, actor, secret_id).await {
            Ok(_) => {}
            Err(Error::NotFound) => return Ok(false),
            Err(e) => return Err(e),
        }
        if actor.role == Role::Auditor {
            return Ok(false);
        }
        Ok(matches!(actor.role, Role::Admin | Role::Legal)
            || match actor.user_id {
                Some(uid) => maruhi_store::secrets::is_visible_to(conn, secret_id, uid).await?,
                None => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("maruhi-vault-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    fn vault(dir: &Path) -> Vault {
        let master = MasterKeyFile { path: dir.join("master.key"), create_if_missing: true };
        master.load_or_create().expect("master key");
        Vault::new(Arc::new(LocalStore::new(dir.join("vault"))), master)
    }

    async fn round_trip(v: &Vault, data: &[u8]) -> Vec<u8> {
        let stored = v.put(data).await.expect("put");
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(stored.sha256, hex_lower(&Sha256::digest(data)));
        let plain = v.open(&stored.object_key, &stored.wrapped_key, &stored.sha256, stored.size).await.expect("open");
        let mut out = Vec::new();
        v.copy_to(plain, &mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn sizes_around_segment_and_part_boundaries_round_trip() {
        let dir = scratch("sizes");
        let v = vault(&dir);
        for n in
            [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES, PART_BYTES, PART_BYTES + 7]
        {
            let data: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
            assert_eq!(round_trip(&v, &data).await, data, "size {n}");
        }
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[tokio::test]
    async fn a_truncated_or_altered_object_does_not_open() {
        let dir = scratch("tamper");
        let v = vault(&dir);
        let data = vec![7u8; 3 * SEGMENT_BYTES + 5];
        let stored = v.put(&data[..]).await.expect("put");
        let path = dir.join("vault").join(&stored.object_key);
        let sealed = std::fs::read(&path).expect("object");
        let open = |bytes: Vec<u8>| {
            let (v, path, stored) = (v.clone(), path.clone(), stored.clone());
            async move {
                std::fs::write(&path, bytes).expect("write");
                let plain = v.open(&stored.object_key, &stored.wrapped_key, &stored.sha256, stored.size).await?;
                v.copy_to(plain, &mut Vec::new()).await
            }
        };
        // Dropping the last segment leaves whole segments, none marked last.
        let cut = sealed.len() - (5 + TAG_BYTES);
        assert!(matches!(open(sealed[..cut].to_vec()).await, Err(Error::Tampered(_))));
        let mut flipped = sealed.clone();
        flipped[HEADER_BYTES + 10] ^= 1;
        assert!(matches!(open(flipped).await, Err(Error::Tampered(_))));
        assert!(open(sealed).await.is_ok());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_data_key_unwraps_only_under_its_master_key_and_object() {
        let (a, b) = (MasterKey::generate().expect("key"), MasterKey::generate().expect("key"));
        let dk = [9u8; 32];
        let wrapped = a.wrap(&dk, "objects/x").expect("wrap");
        assert_eq!(a.unwrap_key(&wrapped, "objects/x"), Some(dk));
        assert_eq!(a.unwrap_key(&wrapped, "objects/y"), None);
        assert_eq!(b.unwrap_key(&wrapped, "objects/x"), None);
    }
}
