//! The HTTP client behind the service's jobs ([`maruhi_service::jobs`]):
//! witnesses' `add-checkpoint` and RFC 3161 time-stamp requests.

use std::time::Duration;

use maruhi_service::jobs::{Reply, Transport, TransportError};

/// reqwest with bounded connects and requests: a hung peer must not stall
/// the publisher.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    pub fn new() -> Result<HttpTransport, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    async fn post(&self, url: &str, content_type: &'static str, body: Vec<u8>) -> Result<Reply, TransportError> {
        let failed = |e: reqwest::Error| TransportError { url: url.to_owned(), cause: error_chain(&e) };
        let resp = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(failed)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(failed)?.to_vec();
        Ok(Reply { status, body })
    }
}

/// The error and its causes on one line ("error sending request" alone
/// says nothing about a refused connection or a bad certificate).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
