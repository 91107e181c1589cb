//! The RFC 3161 client: asks a time-stamp authority over HTTP or HTTPS
//! (RFC 3161 §3.4, `application/timestamp-query`) for a token over a hash.

/// Why no token came back. The cause is kept as the error's source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsaError {
    #[error("no randomness for the request's nonce")]
    Randomness(#[source] getrandom::Error),
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
    // RFC 3161 §2.4.1: the nonce is a large random number, so a reply to
    // another request cannot be passed off as the answer to this one.
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(TsaError::Randomness)?;
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
