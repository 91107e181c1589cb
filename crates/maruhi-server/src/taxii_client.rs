//! A TAXII 2.1 client (OASIS, 2021): push a bundle's objects to a forum's
//! collection, pull a collection's objects page by page.
//!
//! Every request and response uses the media type
//! `application/taxii+json;version=2.1` (§1.6.8). Members sign in with a
//! bearer token, or with HTTP Basic (the reference server, medallion,
//! speaks only Basic).

use maruhi_service::Error;
use serde_json::{json, Value};

/// The TAXII 2.1 media type.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// Code of a forum's TAXII server failing or refusing.
pub const PEER_CODE: &str = "MRH-SHARE-001";

/// How a member signs in.
#[derive(Clone)]
pub enum Auth {
    Bearer(String),
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log.
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
        }
    }
}

/// One collection of one API root.
#[derive(Debug, Clone)]
pub struct Collection {
    http: reqwest::Client,
    /// The API root's URL, ending in `/`.
    root: String,
    id: String,
    auth: Auth,
}

/// What a pull brought.
#[derive(Debug, Default)]
pub struct Pulled {
    pub objects: Vec<Value>,
    /// `X-TAXII-Date-Added-Last` of the last page: where the next pull starts.
    pub added_last: Option<String>,
}

fn peer(root: &str, detail: impl std::fmt::Display) -> Error {
    Error::Peer { code: PEER_CODE, peer: root.to_owned(), detail: detail.to_string() }
}

impl Collection {
    pub fn new(api_root: &str, collection: &str, auth: Auth) -> Result<Collection, Error> {
        let mut root = api_root.trim().to_owned();
        if !(root.starts_with("https://") || root.starts_with("http://")) {
            return Err(peer(&root, "the API root must be an http(s) URL"));
        }
        if !root.ends_with('/') {
            root.push('/');
        }
        if collection.is_empty() || !collection.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(peer(&root, "the collection id must be letters, digits and dashes"));
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| peer(&root, e))?;
        Ok(Collection { http, root, id: collection.to_owned(), auth })
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, url).header(reqwest::header::ACCEPT, MEDIA_TYPE);
        match &self.auth {
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic { user, password } => req.basic_auth(user, Some(password)),
        }
    }

    fn objects_url(&self) -> String {
        format!("{}collections/{}/objects/", self.root, self.id)
    }

    /// Adds objects to the collection (an envelope, §5.5); returns the
    /// status resource the server answers with.
    pub async fn push(&self, objects: Vec<Value>) -> Result<Value, Error> {
        let body = serde_json::to_vec(&json!({"objects": objects})).map_err(|e| peer(&self.root, e))?;
        let resp = self
            .request(reqwest::Method::POST, &self.objects_url())
            .header(reqwest::header::CONTENT_TYPE, MEDIA_TYPE)
            .body(body)
            .send()
            .await
            .map_err(|e| peer(&self.root, e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| peer(&self.root, e))?;
        if !status.is_success() {
            return Err(peer(&self.root, format!("{status}: {}", text.chars().take(300).collect::<String>())));
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| peer(&self.root, e))?;
        let failed = v.get("failure_count").and_then(Value::as_u64).unwrap_or(0);
        if failed > 0 {
            return Err(peer(&self.root, format!("{failed} objects were refused: {v}")));
        }
        Ok(v)
    }

    /// Every object of the collection added after `added_after`, following
    /// `more`/`next` (§3.4) up to `max_pages` pages of `limit` objects.
    pub async fn pull(&self, added_after: Option<&str>, limit: usize, max_pages: usize) -> Result<Pulled, Error> {
        let mut out = Pulled::default();
        let mut next: Option<String> = None;
        for _ in 0..max_pages {
            let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
            if let Some(after) = added_after {
                query.push(("added_after", after.to_owned()));
            }
            if let Some(n) = &next {
                query.push(("next", n.clone()));
            }
            let resp = self
                .request(reqwest::Method::GET, &self.objects_url())
                .query(&query)
                .send()
                .await
                .map_err(|e| peer(&self.root, e))?;
            let status = resp.status();
            if let Some(last) = resp.headers().get("x-taxii-date-added-last").and_then(|v| v.to_str().ok()) {
                out.added_last = Some(last.to_owned());
            }
            let text = resp.text().await.map_err(|e| peer(&self.root, e))?;
            if !status.is_success() {
                return Err(peer(&self.root, format!("{status}: {}", text.chars().take(300).collect::<String>())));
            }
            let v: Value = serde_json::from_str(&text).map_err(|e| peer(&self.root, e))?;
            if let Some(objects) = v.get("objects").and_then(Value::as_array) {
                out.objects.extend(objects.iter().cloned());
            }
            let more = v.get("more").and_then(Value::as_bool).unwrap_or(false);
            next = v.get("next").and_then(Value::as_str).map(str::to_owned);
            if !more || next.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

/// Groups pulled objects into one bundle per report: the report, the
/// objects it refers to, the markings and identities they use.
pub fn bundles(objects: &[Value]) -> Vec<Value> {
    let id_of = |o: &Value| o.get("id").and_then(Value::as_str).map(str::to_owned);
    let by_id: std::collections::HashMap<String, &Value> =
        objects.iter().filter_map(|o| Some((id_of(o)?, o))).collect();
    let refs_of = |o: &Value| -> Vec<String> {
        let mut out = Vec::new();
        for key in ["created_by_ref", "from_ref"] {
            if let Some(r) = o.get(key).and_then(Value::as_str) {
                out.push(r.to_owned());
            }
        }
        for key in ["object_marking_refs", "object_refs"] {
            for r in o.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(r) = r.as_str() {
                    out.push(r.to_owned());
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    for report in objects.iter().filter(|o| o.get("type").and_then(Value::as_str) == Some("report")) {
        let Some(rid) = id_of(report) else { continue };
        let mut ids: Vec<String> = vec![rid.clone()];
        // Notes about the report belong with it.
        for o in objects {
            let is_note_on_report = o.get("type").and_then(Value::as_str) == Some("note")
                && o.get("object_refs")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|r| r.as_str() == Some(&rid)));
            if let (true, Some(id)) = (is_note_on_report, id_of(o)) {
                ids.push(id);
            }
        }
        // Then everything referred to, transitively.
        let mut i = 0;
        while i < ids.len() {
            if let Some(o) = by_id.get(&ids[i]) {
                for r in refs_of(o) {
                    if by_id.contains_key(&r) && !ids.contains(&r) {
                        ids.push(r);
                    }
                }
            }
            i += 1;
        }
        let members: Vec<Value> = ids.iter().filter_map(|id| by_id.get(id).map(|o| (*o).clone())).collect();
        let uuid = rid.rsplit("--").next().unwrap_or_default().to_owned();
        out.push(json!({"type": "bundle", "id": format!("bundle--{uuid}"), "objects": members}));
    }
    out
}
