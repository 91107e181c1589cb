//! The installation's background jobs: publishing signed checkpoints (with
//! witness cosignatures when witnesses are configured), time anchors from an
//! RFC 3161 authority, and the risk-analysis queue.
//!
//! The protocols live here (C2SP tlog-witness `add-checkpoint`, RFC 3161
//! §3.4 over HTTP); the bytes travel through [`Transport`], which the server
//! crate implements with its HTTP client, so this crate speaks no HTTP and
//! tests can put anything behind it.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use maruhi_ledger::cosignature::CosignatureVerifier;
use maruhi_ledger::note::{Note, NoteSignature, Verifier};

use crate::{Actor, Error, Result, Service};

/// A reply to a POST: status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a request reached no answer (connection, TLS, timeout), with the
/// cause.
#[derive(Debug, thiserror::Error)]
#[error("{url}: {cause}")]
pub struct TransportError {
    pub url: String,
    pub cause: String,
}

/// POSTs bytes to a peer. Every request must be bounded in time: a hung peer
/// must not stall the publisher.
pub trait Transport: Send + Sync + 'static {
    fn post(
        &self,
        url: &str,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> impl Future<Output = std::result::Result<Reply, TransportError>> + Send;
}

/// A witness that cosigns checkpoints, written `VKEY@URL`.
#[derive(Debug)]
pub struct Witness {
    pub verifier: CosignatureVerifier,
    pub url: String,
    /// The size this witness last cosigned, as far as we know.
    known: AtomicU64,
}

impl Witness {
    pub fn parse(spec: &str) -> std::result::Result<Witness, String> {
        let (vkey, url) = spec.trim().split_once('@').ok_or("a witness is VKEY@URL")?;
        let verifier = CosignatureVerifier::from_vkey(vkey).map_err(|e| format!("witness key: {e}"))?;
        Ok(Witness { verifier, url: url.trim_end_matches('/').to_owned(), known: AtomicU64::new(0) })
    }
}

/// A time-stamp authority and the certificates its tokens must chain to.
#[derive(Debug, Clone)]
pub struct Tsa {
    pub url: String,
    pub anchors: Vec<Vec<u8>>,
}

/// How the installation publishes its log.
#[derive(Debug, Default)]
pub struct PublishConfig {
    pub witnesses: Vec<Witness>,
    /// Cosignatures needed before a checkpoint is published (default: all).
    pub threshold: Option<usize>,
    pub tsa: Option<Tsa>,
    /// Time between anchors while the log grows.
    pub tsa_interval: Duration,
}

fn peer_error(code: &'static str, peer: &str, detail: impl std::fmt::Display) -> Error {
    Error::Peer { code, peer: peer.to_owned(), detail: detail.to_string() }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Error {
        peer_error("MRH-PEER-001", &e.url, e.cause)
    }
}

/// How often a server checks for time stamps to renew.
const RESTAMP_EVERY: Duration = Duration::from_secs(24 * 3600);
/// Tokens whose TSA certificate expires within this are renewed.
const RESTAMP_WITHIN: Duration = Duration::from_secs(730 * 24 * 3600);

/// Publishes checkpoints and time anchors for one installation.
pub struct Publisher<T> {
    svc: Service,
    config: PublishConfig,
    transport: T,
}

impl<T: Transport> Publisher<T> {
    pub fn new(svc: Service, config: PublishConfig, transport: T) -> Result<Publisher<T>> {
        let n = config.witnesses.len();
        if n > 0 && config.threshold.is_some_and(|t| t == 0 || t > n) {
            return Err(Error::NotConfigured(crate::i18n::Msg::BadWitnessThreshold));
        }
        Ok(Publisher { svc, config, transport })
    }

    /// Signs and publishes a checkpoint if the log grew: directly, or only
    /// with the required witnesses' cosignatures. Returns its size.
    pub async fn publish(&self) -> Result<Option<u64>> {
        if self.config.witnesses.is_empty() {
            return Ok(self.svc.publish_checkpoint().await?.map(|c| c.size as u64));
        }
        let Some(mut pending) = self.svc.prepare_checkpoint().await? else { return Ok(None) };
        // Ask every witness at once; each counts once, however often listed.
        let answers = join_all(self.config.witnesses.iter().map(|w| self.cosign(w, &pending.note, pending.size))).await;
        let mut counted = HashSet::new();
        let mut failures = Vec::new();
        for (w, answer) in self.config.witnesses.iter().zip(answers) {
            match answer {
                Ok(sig) => {
                    if counted.insert((w.verifier.name().to_owned(), w.verifier.key_id())) {
                        pending.note.add_signature(sig).map_err(|e| Error::ledger(e.code(), e))?;
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "maruhi::ledger", code = e.code(), error = %e, "a witness did not cosign");
                    failures.push(e.to_string());
                }
            }
        }
        let threshold = self.config.threshold.unwrap_or(self.config.witnesses.len());
        if counted.len() < threshold {
            return Err(peer_error(
                "MRH-PEER-003",
                "witnesses",
                format!(
                    "only {} of the {threshold} required witnesses cosigned size {}: {}",
                    counted.len(),
                    pending.size,
                    failures.join("; ")
                ),
            ));
        }
        let size = pending.size;
        Ok(self.svc.store_checkpoint(pending).await?.map(|_| size))
    }

    /// Asks for a cosignature (C2SP tlog-witness); on 409 learns the
    /// witness's size and retries once.
    async fn cosign(&self, w: &Witness, note: &Note, size: u64) -> Result<NoteSignature> {
        let url = format!("{}/add-checkpoint", w.url);
        for _ in 0..2 {
            let old = w.known.load(Ordering::Relaxed);
            let proof = self.svc.consistency_proof(old, size).await?;
            let mut body = format!("old {old}\n");
            for h in &proof {
                body.push_str(&h.to_base64());
                body.push('\n');
            }
            body.push('\n');
            let mut body = body.into_bytes();
            body.extend_from_slice(&note.to_bytes());
            let reply = self.transport.post(&url, "text/plain", body).await?;
            let text = String::from_utf8_lossy(&reply.body);
            match reply.status {
                200 => {
                    // Keep only a signature line that verifies under this
                    // witness's key; anything else in the reply is dropped.
                    let prefix = String::from_utf8_lossy(&note.to_bytes()).into_owned();
                    let sig = text
                        .lines()
                        .filter_map(|l| Note::parse(format!("{prefix}{l}\n").as_bytes()).ok())
                        .find_map(|n| {
                            let sig = n.signatures().last()?.clone();
                            let ok = sig.name() == w.verifier.name()
                                && sig.key_id() == w.verifier.key_id()
                                && w.verifier.verify_cosignature(note.text(), sig.signature()).is_some();
                            ok.then_some(sig)
                        })
                        .ok_or_else(|| {
                            peer_error("MRH-PEER-004", &w.url, "no valid cosignature from the witness key")
                        })?;
                    w.known.store(size, Ordering::Relaxed);
                    return Ok(sig);
                }
                409 => {
                    let theirs =
                        text.trim().parse().map_err(|_| peer_error("MRH-PEER-002", &w.url, "malformed 409 body"))?;
                    w.known.store(theirs, Ordering::Relaxed);
                }
                status => {
                    return Err(peer_error("MRH-PEER-002", &w.url, format!("answered {status}: {}", text.trim())));
                }
            }
        }
        Err(peer_error("MRH-PEER-002", &w.url, "kept refusing the old size"))
    }

    /// Gets and stores a time stamp over the latest checkpoint if it has
    /// none. Returns the checkpoint's size.
    pub async fn anchor(&self) -> Result<Option<i64>> {
        let tsa = self.config.tsa.as_ref().ok_or(Error::NotConfigured(crate::i18n::Msg::NoTsa))?;
        let Some((size, imprint)) = self.svc.checkpoint_to_timestamp().await? else { return Ok(None) };
        let token = self.request_token(&tsa.url, &imprint).await?;
        self.svc.store_timestamp(size, &token, &tsa.anchors).await?;
        Ok(Some(size))
    }

    /// Renews every time-stamp chain whose latest token expires within
    /// `within` (RFC 4998's idea: a new token over the old one, while the
    /// old one still verifies). Returns how many were renewed.
    pub async fn restamp(&self, within: Duration) -> Result<usize> {
        let tsa = self.config.tsa.as_ref().ok_or(Error::NotConfigured(crate::i18n::Msg::NoTsa))?;
        let due = self.svc.renewals_due(within, &tsa.anchors).await?;
        for d in &due {
            let token = self.request_token(&tsa.url, &d.imprint).await?;
            self.svc.store_renewal(d, &token, &tsa.anchors).await?;
        }
        Ok(due.len())
    }

    /// A time stamp from the configured TSA over `imprint` (a SHA-256),
    /// checked against the TSA's certificates before it is returned: what
    /// an evidence package's `tagmanifest-sha256.txt.tst` is.
    pub async fn stamp(&self, imprint: &[u8; 32]) -> Result<Vec<u8>> {
        let tsa = self.config.tsa.as_ref().ok_or(Error::NotConfigured(crate::i18n::Msg::NoTsa))?;
        let token = self.request_token(&tsa.url, imprint).await?;
        maruhi_timestamp::verify_token(&token, imprint, &tsa.anchors).map_err(|e| peer_error(e.code(), &tsa.url, e))?;
        Ok(token)
    }

    /// RFC 3161 §3.4: a TimeStampReq over `imprint`, answered by a token.
    async fn request_token(&self, url: &str, imprint: &[u8; 32]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
        let body = maruhi_timestamp::request(imprint, u64::from_be_bytes(nonce) >> 1)
            .map_err(|e| peer_error(e.code(), url, e))?;
        let reply = self.transport.post(url, "application/timestamp-query", body).await?;
        if !(200..300).contains(&reply.status) {
            return Err(peer_error("MRH-PEER-002", url, format!("answered {}", reply.status)));
        }
        maruhi_timestamp::token_from_response(&reply.body).map_err(|e| peer_error(e.code(), url, e))
    }

    /// Whether time anchors are configured.
    pub fn anchors(&self) -> bool {
        self.config.tsa.is_some()
    }

    /// Publishes every few seconds while the log grows and anchors at most
    /// once per interval; failures are logged with their codes, and retried.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            let mut last_anchor: Option<tokio::time::Instant> = None;
            let mut last_restamp: Option<tokio::time::Instant> = None;
            loop {
                let now = tick.tick().await;
                match self.publish().await {
                    Ok(Some(size)) => tracing::info!(target: "maruhi::ledger", size, "published a checkpoint"),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(target: "maruhi::ledger", code = e.code(), error = %e, "could not publish a checkpoint")
                    }
                }
                let due = last_anchor.is_none_or(|t| now.duration_since(t) >= self.config.tsa_interval);
                if self.anchors() && due {
                    match self.anchor().await {
                        Ok(Some(size)) => {
                            last_anchor = Some(now);
                            tracing::info!(target: "maruhi::ledger", size, "time-stamped a checkpoint");
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::error!(target: "maruhi::ledger", code = e.code(), error = %e, "could not time-stamp")
                        }
                    }
                }
                // Once a day, renew tokens whose certificate expires within
                // two years (`maruhi ledger restamp` does it by hand).
                if self.anchors() && last_restamp.is_none_or(|t| now.duration_since(t) >= RESTAMP_EVERY) {
                    last_restamp = Some(now);
                    match self.restamp(RESTAMP_WITHIN).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(target: "maruhi::ledger", renewed = n, "renewed time stamps"),
                        Err(e) => {
                            tracing::error!(target: "maruhi::ledger", code = e.code(), error = %e, "could not renew time stamps")
                        }
                    }
                }
            }
        })
    }
}

/// Runs the futures concurrently and returns their outputs in order.
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
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

/// Background risk analysis after changes to what it reads (events, HR
/// dates, watchlists, identities): at most one runs per process; changes
/// arriving meanwhile make it run once more when it ends.
#[derive(Debug, Default)]
pub(crate) struct AnalysisQueue {
    background: AtomicBool,
    running: AtomicBool,
    again: AtomicBool,
}

impl Service {
    /// Analyses in the background whenever what the analysis reads changes
    /// (a server). Without it (the CLI), callers analyse themselves.
    pub fn with_background_analysis(self) -> Service {
        self.analysis.background.store(true, Ordering::SeqCst);
        self
    }

    /// What the risk analysis reads changed, by `actor`'s doing.
    pub(crate) fn risk_inputs_changed(&self, actor: &Actor) {
        if self.analysis.background.load(Ordering::SeqCst) {
            self.request_analysis(actor.clone());
        }
    }

    /// Queues a re-analysis of the stored events on behalf of `actor`.
    pub fn request_analysis(&self, actor: Actor) {
        let q = &self.analysis;
        q.again.store(true, Ordering::SeqCst);
        if q.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let svc = self.clone();
        tokio::spawn(async move {
            let q = Arc::clone(&svc.analysis);
            loop {
                while q.again.swap(false, Ordering::SeqCst) {
                    match svc.analyse_risk(&actor).await {
                        Ok(r) => {
                            tracing::info!(events = r.events, alerts = r.alerts, new = r.new_alerts, "risk analysis")
                        }
                        Err(e) => tracing::warn!(error = %e, code = e.code(), "risk analysis failed"),
                    }
                }
                q.running.store(false, Ordering::SeqCst);
                // A request that came after the last check but before the
                // flag was cleared would otherwise wait for the next change.
                if !q.again.load(Ordering::SeqCst) || q.running.swap(true, Ordering::SeqCst) {
                    break;
                }
            }
        });
    }
}
