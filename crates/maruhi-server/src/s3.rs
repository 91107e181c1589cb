//! The vault's S3-compatible object store ([`maruhi_service::vault::ObjectStore`]):
//! path-style requests signed with AWS Signature Version 4, objects written
//! with one `PUT` when they fit one part and as a multipart upload
//! otherwise, so at most one part ([`maruhi_service::vault::PART_BYTES`]) is in memory; reads
//! stream the response body.
//!
//! `s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:9000&region=us-east-1`:
//! without `endpoint`, `https://s3.REGION.amazonaws.com`. The store holds
//! only ciphertext (the service encrypts before writing), so TLS to the
//! store protects the credentials' use, not the content.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use maruhi_service::vault::{BoxFuture, ObjectReader, ObjectStore, ObjectWriter};
use maruhi_service::{Clock, Error, Result, SystemClock};
use sha2::{Digest, Sha256};

/// An access key for the store.
#[derive(Clone)]
pub struct Credentials {
    pub key_id: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("key_id", &self.key_id).field("secret", &"***").finish()
    }
}

/// A bucket (and a prefix in it) of an S3-compatible store.
#[derive(Clone)]
pub struct S3Store {
    client: reqwest::Client,
    /// `http://host:port`, no trailing slash.
    endpoint: String,
    host: String,
    bucket: String,
    prefix: String,
    region: String,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn vault_err(what: impl std::fmt::Display) -> Error {
    Error::Vault(what.to_string())
}

impl S3Store {
    /// The store a `s3://` URL names, with these credentials.
    pub fn from_url(url: &str, credentials: Option<Credentials>) -> std::result::Result<S3Store, String> {
        let rest = url.strip_prefix("s3://").ok_or("a vault URL starts with s3://")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        if bucket.is_empty() {
            return Err("the vault URL names no bucket".into());
        }
        let (mut endpoint, mut region) = (None, "us-east-1".to_owned());
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("endpoint", v)) => endpoint = Some(v.trim_end_matches('/').to_owned()),
                Some(("region", v)) => v.clone_into(&mut region),
                _ => return Err(format!("unknown vault URL parameter `{pair}` (endpoint, region)")),
            }
        }
        let endpoint = endpoint.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let host = endpoint
            .strip_prefix("http://")
            .or_else(|| endpoint.strip_prefix("https://"))
            .ok_or("the endpoint is an http:// or https:// URL")?
            .to_owned();
        let credentials = credentials.ok_or("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the vault")?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        Ok(S3Store {
            client,
            endpoint,
            host,
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            region,
            credentials,
            clock: Arc::new(SystemClock),
        })
    }

    /// The request path of an object: `/bucket/prefix/key`, each segment
    /// URI-encoded as SigV4 wants it.
    fn path(&self, key: &str) -> String {
        let mut p = format!("/{}", encode(&self.bucket));
        for seg in self.prefix.split('/').chain(key.split('/')).filter(|s| !s.is_empty()) {
            p.push('/');
            p.push_str(&encode(seg));
        }
        p
    }

    /// A signed request. `query` is already in canonical order and encoding.
    fn request(&self, method: reqwest::Method, path: &str, query: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        let now = self.clock.now().to_offset(time::UtcOffset::UTC);
        let date = format!("{:04}{:02}{:02}", now.year(), u8::from(now.month()), now.day());
        let stamp = format!("{date}T{:02}{:02}{:02}Z", now.hour(), now.minute(), now.second());
        let payload = hex(&Sha256::digest(&body));
        let canonical = format!(
            "{method}\n{path}\n{query}\nhost:{}\nx-amz-content-sha256:{payload}\nx-amz-date:{stamp}\n\nhost;x-amz-content-sha256;x-amz-date\n{payload}",
            self.host
        );
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let to_sign = format!("AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
        let mut key = hmac(format!("AWS4{}", self.credentials.secret).as_bytes(), date.as_bytes());
        for part in [self.region.as_bytes(), b"s3", b"aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex(&hmac(&key, to_sign.as_bytes()));
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
            self.credentials.key_id
        );
        let url = if query.is_empty() {
            format!("{}{path}", self.endpoint)
        } else {
            format!("{}{path}?{query}", self.endpoint)
        };
        self.client
            .request(method, url)
            .header("x-amz-date", stamp)
            .header("x-amz-content-sha256", payload)
            .header(reqwest::header::AUTHORIZATION, auth)
            .body(body)
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<reqwest::Response> {
        let resp = req.send().await.map_err(|e| vault_err(format!("{}: {what}: {e}", self.describe())))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        let code = between(&body, "<Code>", "</Code>").unwrap_or("");
        Err(vault_err(format!("{}: {what}: {status} {code}", self.describe())))
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SigV4's URI encoding: unreserved characters stay, everything else is %XX.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

struct S3Writer {
    store: S3Store,
    path: String,
    /// The part not yet sent: the last part may be sent by a plain PUT.
    pending: Option<Vec<u8>>,
    /// The multipart upload's id and the ETags of the parts sent.
    upload: Option<(String, Vec<String>)>,
}

impl S3Writer {
    async fn send_part(&mut self, part: Vec<u8>) -> Result<()> {
        if self.upload.is_none() {
            let req = self.store.request(reqwest::Method::POST, &self.path, "uploads=", Vec::new());
            let body = self.store.send(req, "start upload").await?.text().await.map_err(vault_err)?;
            let id = between(&body, "<UploadId>", "</UploadId>").ok_or_else(|| vault_err("no UploadId"))?;
            self.upload = Some((id.to_owned(), Vec::new()));
        }
        let Some((id, etags)) = &self.upload else { return Err(vault_err("no upload")) };
        let query = format!("partNumber={}&uploadId={}", etags.len() + 1, encode(id));
        let req = self.store.request(reqwest::Method::PUT, &self.path, &query, part);
        let resp = self.store.send(req, "upload part").await?;
        let etag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| vault_err("a part came back without an ETag"))?
            .to_owned();
        if let Some((_, etags)) = &mut self.upload {
            etags.push(etag);
        }
        Ok(())
    }
}

impl ObjectWriter for S3Writer {
    fn write(&mut self, part: Vec<u8>) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if let Some(previous) = self.pending.replace(part) {
                self.send_part(previous).await?;
            }
            Ok(())
        })
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let last = self.pending.take().unwrap_or_default();
            if self.upload.is_none() {
                let req = self.store.request(reqwest::Method::PUT, &self.path, "", last);
                self.store.send(req, "put").await?;
                return Ok(());
            }
            self.send_part(last).await?;
            let Some((id, etags)) = &self.upload else { return Err(vault_err("no upload")) };
            let mut xml = String::from("<CompleteMultipartUpload>");
            for (n, etag) in etags.iter().enumerate() {
                xml.push_str(&format!("<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag></Part>", n + 1));
            }
            xml.push_str("</CompleteMultipartUpload>");
            let query = format!("uploadId={}", encode(id));
            let req = self.store.request(reqwest::Method::POST, &self.path, &query, xml.into_bytes());
            let body = self.store.send(req, "complete upload").await?.text().await.map_err(vault_err)?;
            // S3 may answer 200 with an error document for a complete.
            if body.contains("<Error>") {
                return Err(vault_err(format!(
                    "complete upload: {}",
                    between(&body, "<Code>", "</Code>").unwrap_or("error")
                )));
            }
            Ok(())
        })
    }

    fn abort(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Some((id, _)) = &self.upload {
                let query = format!("uploadId={}", encode(id));
                let req = self.store.request(reqwest::Method::DELETE, &self.path, &query, Vec::new());
                let _ = self.store.send(req, "abort upload").await;
            }
        })
    }
}

struct S3Reader {
    resp: reqwest::Response,
    what: String,
}

impl ObjectReader for S3Reader {
    fn next(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            let chunk = self.resp.chunk().await.map_err(|e| vault_err(format!("{}: read: {e}", self.what)))?;
            Ok(chunk.map(|b| b.to_vec()))
        })
    }
}

impl ObjectStore for S3Store {
    fn put<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectWriter>>> {
        Box::pin(async move {
            let writer = S3Writer { store: self.clone(), path: self.path(key), pending: None, upload: None };
            Ok(Box::new(writer) as Box<dyn ObjectWriter>)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Box<dyn ObjectReader>>> {
        Box::pin(async move {
            let req = self.request(reqwest::Method::GET, &self.path(key), "", Vec::new());
            let resp = self.send(req, "get").await?;
            Ok(Box::new(S3Reader { resp, what: self.describe() }) as Box<dyn ObjectReader>)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let req = self.request(reqwest::Method::DELETE, &self.path(key), "", Vec::new());
            self.send(req, "delete").await.map(drop)
        })
    }

    fn describe(&self) -> String {
        format!("s3://{}/{} at {}", self.bucket, self.prefix, self.endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_bucket_prefix_endpoint_and_region() {
        let creds = Some(Credentials { key_id: "AK".into(), secret: "SK".into() });
        let s = S3Store::from_url("s3://b/p/q?endpoint=http://127.0.0.1:9000/&region=ap-northeast-1", creds.clone())
            .expect("url");
        assert_eq!((s.bucket.as_str(), s.prefix.as_str(), s.host.as_str()), ("b", "p/q", "127.0.0.1:9000"));
        assert_eq!(s.region, "ap-northeast-1");
        assert_eq!(s.path("objects/ab"), "/b/p/q/objects/ab");
        assert!(S3Store::from_url("http://b", creds.clone()).is_err());
        assert!(S3Store::from_url("s3://b?x=1", creds).is_err());
        assert!(S3Store::from_url("s3://b", None).is_err());
    }
}
