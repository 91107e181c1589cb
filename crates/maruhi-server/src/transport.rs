//! The HTTP client behind the service's jobs ([`maruhi_service::jobs`]):
//! witnesses' `add-checkpoint` and RFC 3161 time-stamp requests.
//!
//! HTTPS goes through rustls and trusts the operating system's root
//! certificates (reqwest's `rustls-tls-native-roots`): a company's own TSA or
//! witness is usually signed by a company CA that IT installs in the system
//! store, and the system's store is updated with the system, not with
//! maruhi. A CA bundle given here (PEM, `--peer-ca`) is trusted in addition,
//! for a service whose CA is in no store.

use std::time::Duration;

use maruhi_service::jobs::{Reply, Transport, TransportError};

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error("the CA bundle is not PEM certificates")]
    CaBundle(#[source] reqwest::Error),
    #[error("the CA bundle holds no certificate")]
    EmptyCaBundle,
    #[error("the HTTP client could not be built")]
    Build(#[source] reqwest::Error),
}

/// reqwest with bounded connects and requests: a witness or TSA that does
/// not answer must not hold up publishing for long.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A client that also trusts the certificates in `ca_bundle_pem`.
    pub fn new(ca_bundle_pem: Option<&[u8]>) -> Result<HttpTransport, ClientError> {
        let mut builder =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).timeout(Duration::from_secs(10));
        if let Some(pem) = ca_bundle_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(ClientError::CaBundle)?;
            if certs.is_empty() {
                return Err(ClientError::EmptyCaBundle);
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(HttpTransport { client: builder.build().map_err(ClientError::Build)? })
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
/// says nothing about a refused connection or an unknown certificate).
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
