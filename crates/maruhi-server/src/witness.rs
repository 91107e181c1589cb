//! C2SP tlog-witness over HTTP: the witness server (`maruhi witness serve`).
//! The log's side, which gathers cosignatures before a checkpoint is
//! published, is [`maruhi_service::jobs::Publisher`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use maruhi_ledger::cosignature::Cosigner;
use maruhi_ledger::note::{Ed25519Verifier, Verifier};
use maruhi_ledger::witness::{add_checkpoint, AddCheckpoint, Recorded};
use maruhi_ledger::Hash;
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
