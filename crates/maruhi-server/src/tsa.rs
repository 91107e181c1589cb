//! The RFC 3161 client: asks a time-stamp authority over HTTP or HTTPS
//! (RFC 3161 §3.4, `application/timestamp-query`) for a token over a hash.

/// Why no token came back. The cause is kept as the error's source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsaError {
    #[error("could not build the time-stamp request")]
    Request(#[source] maruhi_timestamp::Error),
    #[error("{url}: the time-stamp authority could not be reached")]
    Send {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered {status}")]
    Status { url: String, status: reqwest::StatusCode },
    #[error("{url}: reading the reply failed")]
    Read {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: the reply holds no usable time-stamp token")]
    Reply {
        url: String,
        #[source]
        source: maruhi_timestamp::Error,
    },
}

/// Requests a token over `hash`; returns the token (DER ContentInfo).
pub async fn request_token(http: &reqwest::Client, url: &str, hash: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
    let mut nonce = [0u8; 8];
    // The nonce ties the reply to this request; time suffices for uniqueness.
    #[allow(clippy::disallowed_methods, reason = "a nonce, not a time")]
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    nonce.copy_from_slice(&(nanos as u64).to_be_bytes());
    let body = maruhi_timestamp::request(hash, u64::from_be_bytes(nonce)).map_err(TsaError::Request)?;
    let resp = http
        .post(url)
        .header("content-type", "application/timestamp-query")
        .body(body)
        .send()
        .await
        .map_err(|source| TsaError::Send { url: url.to_owned(), source })?;
    if !resp.status().is_success() {
        return Err(TsaError::Status { url: url.to_owned(), status: resp.status() });
    }
    let bytes = resp.bytes().await.map_err(|source| TsaError::Read { url: url.to_owned(), source })?;
    maruhi_timestamp::token_from_response(&bytes).map_err(|source| TsaError::Reply { url: url.to_owned(), source })
}
