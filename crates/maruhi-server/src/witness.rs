//! C2SP tlog-witness over HTTP: the witness server (`maruhi witness serve`)
//! and the log's client that gathers cosignatures before a checkpoint is
//! published.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use maruhi_ledger::cosignature::{CosignatureVerifier, Cosigner};
use maruhi_ledger::note::{Ed25519Verifier, Note, Verifier};
use maruhi_ledger::witness::{add_checkpoint, AddCheckpoint, Recorded};
use maruhi_ledger::Hash;
use maruhi_service::Service;
use tokio::sync::Mutex;

/// A witness: its key, the logs it follows and where it keeps its records.
pub struct WitnessState {
    cosigner: Cosigner,
    logs: HashMap<String, Ed25519Verifier>,
    path: PathBuf,
    /// The check of the old size and the update are one critical section
    /// (C2SP tlog-witness: otherwise a slower request could roll back leaves).
    records: Mutex<HashMap<String, (u64, String)>>,
}

impl WitnessState {
    /// Loads the records from `path` (created on first use).
    pub fn open(cosigner: Cosigner, logs: Vec<Ed25519Verifier>, path: PathBuf) -> std::io::Result<Self> {
        let records = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => return Err(e),
        };
        let logs = logs.into_iter().map(|v| (v.name().to_owned(), v)).collect();
        Ok(WitnessState { cosigner, logs, path, records: Mutex::new(records) })
    }

    fn persist(&self, records: &HashMap<String, (u64, String)>) -> std::io::Result<()> {
        // Durable before we answer: write, fsync, rename, fsync the folder.
        let tmp = self.path.with_extension("tmp");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec(records).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        std::fs::File::open(dir)?.sync_all()
    }
}

/// The witness's HTTP interface: `POST /add-checkpoint`.
pub fn witness_app(state: Arc<WitnessState>) -> Router {
    Router::new().route("/add-checkpoint", post(add)).with_state(state)
}

async fn add(State(w): State<Arc<WitnessState>>, body: Bytes) -> Response {
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(r) => return (StatusCode::BAD_REQUEST, r.reason).into_response(),
    };
    let Some(log_key) = w.logs.get(req.origin()) else {
        return (StatusCode::NOT_FOUND, "unknown log").into_response();
    };
    let mut records = w.records.lock().await;
    let recorded = records
        .get(req.origin())
        .and_then(|(size, root)| Hash::from_base64(root).ok().map(|root| Recorded { size: *size, root }));
    // C2SP tlog-cosignature: the timestamp is the witness's own clock.
    #[allow(clippy::disallowed_methods, reason = "the witness signs with its own time")]
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1);
    match add_checkpoint(&req, log_key, recorded, &w.cosigner, now) {
        Ok((new, lines)) => {
            records.insert(req.origin().to_owned(), (new.size, new.root.to_base64()));
            // Persist before answering (C2SP tlog-witness).
            if let Err(e) = w.persist(&records) {
                tracing::error!(error = %e, "cannot persist witness records");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            tracing::info!(origin = req.origin(), size = new.size, "cosigned");
            lines.into_response()
        }
        Err(r) => {
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
            tracing::warn!(origin = req.origin(), status = r.status, reason = r.reason, "refused a checkpoint");
            match r.recorded_size {
                Some(size) => {
                    let mut resp = (status, format!("{size}\n")).into_response();
                    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/x.tlog.size"));
                    resp
                }
                None => (status, r.reason).into_response(),
            }
        }
    }
}

/// Why a witness gave no cosignature, or a checkpoint was not published. The
/// cause is kept as the error's source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    #[error("a witness is VKEY@URL")]
    Spec,
    #[error("witness key")]
    Key(#[source] maruhi_ledger::note::KeyError),
    #[error("{url}: the witness could not be reached")]
    Send {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: reading the reply failed")]
    Read {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("{url}: no valid cosignature from the witness key")]
    NoCosignature { url: String },
    #[error("{url}: malformed 409 body")]
    Malformed409 { url: String },
    #[error("{url} kept refusing the old size")]
    KeptRefusing { url: String },
    #[error("the witness threshold must be between 1 and {witnesses}")]
    Threshold { witnesses: usize },
    #[error("only {cosigned} of the {threshold} required witnesses cosigned size {size}")]
    TooFewCosignatures { cosigned: usize, threshold: usize, size: u64 },
    #[error("the ledger")]
    Ledger(#[source] maruhi_service::Error),
}

/// A witness the log asks for cosignatures: `VKEY@URL`.
pub struct WitnessClient {
    pub verifier: CosignatureVerifier,
    pub url: String,
    /// The size this witness last cosigned, as far as we know.
    known: std::sync::atomic::AtomicU64,
}

impl WitnessClient {
    pub fn parse(spec: &str) -> Result<Self, WitnessError> {
        let (vkey, url) = spec.split_once('@').ok_or(WitnessError::Spec)?;
        let verifier = CosignatureVerifier::from_vkey(vkey).map_err(WitnessError::Key)?;
        Ok(WitnessClient { verifier, url: url.trim_end_matches('/').to_owned(), known: Default::default() })
    }

    /// Asks for a cosignature; on 409 learns the witness's size and retries once.
    async fn cosign(
        &self,
        svc: &Service,
        http: &reqwest::Client,
        note: &Note,
        size: u64,
    ) -> Result<maruhi_ledger::note::NoteSignature, WitnessError> {
        use std::sync::atomic::Ordering;
        for _ in 0..2 {
            let old = self.known.load(Ordering::Relaxed);
            let proof = svc.consistency_proof(old, size).await.map_err(WitnessError::Ledger)?;
            let mut body = format!("old {old}\n");
            for h in &proof {
                body.push_str(&h.to_base64());
                body.push('\n');
            }
            body.push('\n');
            body.push_str(&String::from_utf8_lossy(&note.to_bytes()));
            let resp = http
                .post(format!("{}/add-checkpoint", self.url))
                .body(body)
                .send()
                .await
                .map_err(|source| WitnessError::Send { url: self.url.clone(), source })?;
            let status = resp.status().as_u16();
            let text = resp.text().await.map_err(|source| WitnessError::Read { url: self.url.clone(), source })?;
            match status {
                200 => {
                    // Keep only a signature line that verifies under this
                    // witness's key; anything else in the reply is dropped.
                    let prefix = String::from_utf8_lossy(&note.to_bytes()).into_owned();
                    let line = text
                        .lines()
                        .filter_map(|l| Note::parse(format!("{prefix}{l}\n").as_bytes()).ok())
                        .find_map(|n| {
                            let sig = n.signatures().last()?.clone();
                            let ok = sig.name() == self.verifier.name()
                                && sig.key_id() == self.verifier.key_id()
                                && self.verifier.verify_cosignature(note.text(), sig.signature()).is_some();
                            ok.then_some(sig)
                        })
                        .ok_or_else(|| WitnessError::NoCosignature { url: self.url.clone() })?;
                    self.known.store(size, Ordering::Relaxed);
                    return Ok(line);
                }
                409 => {
                    let theirs =
                        text.trim().parse().map_err(|_| WitnessError::Malformed409 { url: self.url.clone() })?;
                    self.known.store(theirs, Ordering::Relaxed);
                }
                _ => {
                    let body = text.trim().chars().take(200).collect();
                    return Err(WitnessError::Status { url: self.url.clone(), status, body });
                }
            }
        }
        Err(WitnessError::KeptRefusing { url: self.url.clone() })
    }
}

/// Prepares a checkpoint, gathers cosignatures and publishes it only when at
/// least `threshold` witnesses cosigned. Returns the published size.
pub async fn cosign_and_publish(
    svc: &Service,
    http: &reqwest::Client,
    witnesses: &[WitnessClient],
    threshold: usize,
) -> Result<Option<u64>, WitnessError> {
    let Some(mut pending) = svc.prepare_checkpoint().await.map_err(WitnessError::Ledger)? else {
        return Ok(None);
    };
    if threshold == 0 || threshold > witnesses.len() {
        return Err(WitnessError::Threshold { witnesses: witnesses.len() });
    }
    // Ask every witness at once; each counts once, however often it is listed.
    let answers = join_all(witnesses.iter().map(|w| w.cosign(svc, http, &pending.note, pending.size))).await;
    let mut counted = std::collections::HashSet::new();
    for (w, answer) in witnesses.iter().zip(answers) {
        match answer {
            Ok(sig) => {
                if counted.insert((w.verifier.name().to_owned(), w.verifier.key_id())) {
                    let _ = pending.note.add_signature(sig);
                }
            }
            Err(e) => {
                let cause = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
                tracing::warn!(target: "maruhi::ledger", error = %e, cause, "witness did not cosign")
            }
        }
    }
    let cosigned = counted.len();
    if cosigned < threshold {
        return Err(WitnessError::TooFewCosignatures { cosigned, threshold, size: pending.size });
    }
    let size = pending.size;
    Ok(svc.store_checkpoint(pending).await.map_err(WitnessError::Ledger)?.map(|_| size))
}

/// Runs the futures concurrently and returns their outputs in order.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
