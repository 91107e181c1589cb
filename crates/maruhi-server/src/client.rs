//! The HTTP client the log uses to reach witnesses and time-stamp
//! authorities.
//!
//! HTTPS goes through rustls and trusts the operating system's root
//! certificates (reqwest's `rustls-tls-native-roots`): a company's own TSA or
//! witness is usually signed by a company CA that IT installs in the system
//! store, and the system's store is updated with the system, not with
//! maruhi. A CA given here (PEM) is trusted in addition, for a service whose
//! CA is in no store.

use std::time::Duration;

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

/// A client with short timeouts (a witness or TSA that does not answer
/// must not hold up publishing for long) that also trusts the certificates
/// in `ca_bundle_pem`, if given.
pub fn http_client(ca_bundle_pem: Option<&[u8]>) -> Result<reqwest::Client, ClientError> {
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
    builder.build().map_err(ClientError::Build)
}
