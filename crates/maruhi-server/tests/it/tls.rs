//! The log's HTTP client over HTTPS: a time-stamp authority on loopback
//! behind TLS, with a certificate from a CA made for the test.

use std::sync::Arc;

use maruhi_server::transport::HttpTransport;
use maruhi_service::jobs::Transport;
use maruhi_timestamp::testing::TestTsa;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// A TSA whose CA also signs a server certificate for 127.0.0.1.
fn tsa_with_server_cert(dir: &std::path::Path) -> TestTsa {
    let tsa = TestTsa::create(dir, &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]).unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n",
    )
    .unwrap();
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let mut csr =
        vec!["req", "-new", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"];
    csr.extend_from_slice(&key);
    tsa.openssl(&csr).unwrap();
    tsa.openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ])
    .unwrap();
    tsa
}

/// Serves RFC 3161 over HTTPS on loopback: each connection is one
/// HTTP/1.1 request answered by the test TSA. Returns the URL.
async fn https_tsa(tsa: TestTsa) -> String {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(tsa.dir.join("server.crt")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(tsa.dir.join("server.key")).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://127.0.0.1:{}/tsa", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (acceptor, tsa) = (acceptor.clone(), tsa.clone());
            tokio::spawn(async move {
                // A client that does not trust the CA hangs up in the handshake.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = tls.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the request ended early");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map(|v| v.trim().parse::<usize>().unwrap())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = tls.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the body ended early");
                    buf.extend_from_slice(&chunk[..n]);
                }
                let reply = tsa.reply(&buf[head_end..head_end + length]).unwrap();
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n",
                    reply.len()
                );
                tls.write_all(head.as_bytes()).await.unwrap();
                tls.write_all(&reply).await.unwrap();
                tls.shutdown().await.unwrap();
            });
        }
    });
    url
}

#[tokio::test]
async fn a_time_stamp_comes_over_https_from_a_server_the_client_trusts() {
    let dir = std::env::temp_dir().join(format!("maruhi-https-tsa-{}", std::process::id()));
    let tsa = tsa_with_server_cert(&dir);
    let ca_pem = std::fs::read(tsa.ca_path()).unwrap();
    let anchor = tsa.ca_der().unwrap();
    let url = https_tsa(tsa).await;
    let imprint = [7u8; 32];

    let request = maruhi_timestamp::request(&imprint, 42).unwrap();

    let trusting = HttpTransport::new(Some(&ca_pem)).unwrap();
    let reply = trusting.post(&url, "application/timestamp-query", request.clone()).await.unwrap();
    assert_eq!(reply.status, 200);
    let token = maruhi_timestamp::token_from_response(&reply.body).unwrap();
    maruhi_timestamp::verify_token(&token, &imprint, &[anchor]).unwrap();

    // Without the test CA the handshake fails, and the error keeps why.
    let plain = HttpTransport::new(None).unwrap();
    let err = plain.post(&url, "application/timestamp-query", request).await.unwrap_err();
    assert!(
        err.cause.contains("UnknownIssuer") || err.cause.contains("certificate"),
        "the cause is kept: {}",
        err.cause
    );
    // A bundle without certificates is refused, not silently ignored.
    assert!(HttpTransport::new(Some(b"not a certificate")).is_err());
    let _ = std::fs::remove_dir_all(dir);
}
