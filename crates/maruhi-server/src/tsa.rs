//! The RFC 3161 client: asks a time-stamp authority over HTTP (RFC 3161 §3.4,
//! `application/timestamp-query`) for a token over a hash.

/// Requests a token over `hash`; returns the token (DER ContentInfo).
pub async fn request_token(http: &reqwest::Client, url: &str, hash: &[u8; 32]) -> Result<Vec<u8>, String> {
    let mut nonce = [0u8; 8];
    // The nonce ties the reply to this request; time suffices for uniqueness.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    nonce.copy_from_slice(&(nanos as u64).to_be_bytes());
    let body = maruhi_timestamp::request(hash, u64::from_be_bytes(nonce)).map_err(|e| e.to_string())?;
    let resp = http
        .post(url)
        .header("content-type", "application/timestamp-query")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered {}", resp.status()));
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    maruhi_timestamp::token_from_response(&bytes).map_err(|e| e.to_string())
}
