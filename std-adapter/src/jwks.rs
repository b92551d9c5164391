//! Keys from the instance's JWKS, for deployments without a jwtKey:
//! `GET {api_url}/v1/jwks` with the secret key, over HTTPS (rustls with the
//! webpki roots; plain HTTP is accepted only for loopback test servers).
//!
//! The keys are cached. A token whose `kid` is unknown triggers a refetch,
//! at most once per [`min_refetch_interval`](JwksSource::min_refetch_interval)
//! (concurrent requests share one fetch); a failed fetch keeps the keys
//! already held, so a Clerk API outage does not sign anybody out.

use bytes::Bytes;
use clerk_edge::JwtKey;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Largest JWKS document read.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why the JWKS could not be fetched.
#[derive(Debug)]
pub enum JwksError {
    /// Connection, TLS or protocol failure.
    Http(String),
    /// No answer within the timeout.
    Timeout,
    /// A status other than 200.
    Status(http::StatusCode),
    /// The body is not a JWKS with a usable RSA key.
    Document(String),
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksError::Http(e) => write!(f, "request failed: {e}"),
            JwksError::Timeout => f.write_str("no answer in time"),
            JwksError::Status(s) if *s == http::StatusCode::UNAUTHORIZED => write!(
                f,
                "status {s}: the secret key was refused; check CLERK_SECRET_KEY"
            ),
            JwksError::Status(s) => write!(f, "status {s}"),
            JwksError::Document(e) => write!(f, "not a usable JWKS: {e}"),
        }
    }
}

impl std::error::Error for JwksError {}

struct State {
    keys: Arc<[JwtKey]>,
    /// Moves on every time the key set changes.
    generation: u64,
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
}

/// A cached, rate-limited JWKS.
pub struct JwksSource {
    url: http::Uri,
    authorization: http::HeaderValue,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    state: RwLock<State>,
    fetching: tokio::sync::Mutex<()>,
    min_interval: Duration,
    timeout: Duration,
}

impl fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksSource")
            .field("url", &self.url)
            .field("keys", &self.keys().len())
            .field("min_interval", &self.min_interval)
            .finish()
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}
fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl JwksSource {
    /// A source for `{api_url}/v1/jwks`, authenticated with `secret_key`.
    pub fn new(
        api_url: &str,
        secret_key: &str,
        min_interval: Duration,
        timeout: Duration,
    ) -> Result<Self, String> {
        let url: http::Uri = format!("{}/v1/jwks", api_url.trim_end_matches('/'))
            .parse()
            .map_err(|e| format!("{e}"))?;
        let authorization = http::HeaderValue::from_str(&format!("Bearer {secret_key}"))
            .map_err(|_| "the secret key contains characters not allowed in a header".to_owned())?;
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(tls);
        Ok(JwksSource {
            url,
            authorization,
            client,
            state: RwLock::new(State {
                keys: Arc::from(Vec::new()),
                generation: 0,
                last_attempt: None,
                last_success: None,
            }),
            fetching: tokio::sync::Mutex::new(()),
            min_interval,
            timeout,
        })
    }

    /// The JWKS URL.
    pub fn url(&self) -> &http::Uri {
        &self.url
    }

    /// The keys held now (empty before the first successful fetch).
    pub fn keys(&self) -> Arc<[JwtKey]> {
        Arc::clone(&read(&self.state).keys)
    }

    /// The keys held now and the generation of that key set (it moves on
    /// every time a fetch brings a different set: rotation).
    pub fn key_set(&self) -> (Arc<[JwtKey]>, u64) {
        let state = read(&self.state);
        (Arc::clone(&state.keys), state.generation)
    }

    /// The generation of the key set held now.
    pub fn generation(&self) -> u64 {
        read(&self.state).generation
    }

    /// Whether a successful fetch ever happened.
    pub fn has_loaded(&self) -> bool {
        read(&self.state).last_success.is_some()
    }

    /// The least time between two fetches.
    pub fn min_refetch_interval(&self) -> Duration {
        self.min_interval
    }

    /// Whether a fetch may start now (the last attempt is older than the
    /// minimum interval).
    pub fn refetch_allowed(&self) -> bool {
        read(&self.state)
            .last_attempt
            .is_none_or(|t| t.elapsed() >= self.min_interval)
    }

    /// Fetches the JWKS unless a fetch happened within the interval (then
    /// it returns `Ok(false)` and the caller should just reread
    /// [`keys`](Self::keys), which a concurrent fetch may have updated).
    pub async fn refresh(&self) -> Result<bool, JwksError> {
        let _one_at_a_time = self.fetching.lock().await;
        if !self.refetch_allowed() {
            return Ok(false);
        }
        write(&self.state).last_attempt = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "JWKS loaded");
                let mut state = write(&self.state);
                if *state.keys != *keys {
                    state.keys = Arc::from(keys);
                    state.generation += 1;
                }
                state.last_success = Some(Instant::now());
                Ok(true)
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, kept = read_len(&self.state), "JWKS fetch failed; keeping the cached keys");
                Err(e)
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<JwtKey>, JwksError> {
        let req = http::Request::get(self.url.clone())
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("clerk-edge-hyper/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| JwksError::Http(e.to_string()))?;
        let work = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| JwksError::Http(error_chain(&e)))?;
            if resp.status() != http::StatusCode::OK {
                return Err(JwksError::Status(resp.status()));
            }
            let body = Limited::new(resp.into_body(), MAX_JWKS_BYTES)
                .collect()
                .await
                .map_err(|e| JwksError::Http(e.to_string()))?
                .to_bytes();
            Ok(body)
        };
        let body = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| JwksError::Timeout)??;
        let text =
            std::str::from_utf8(&body).map_err(|_| JwksError::Document("not UTF-8".to_owned()))?;
        parse_jwks(text)
    }
}

fn read_len(state: &RwLock<State>) -> usize {
    read(state).keys.len()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// The RSA signing keys of a JWKS document; keys of other types are
/// skipped, a document with none is an error.
pub fn parse_jwks(text: &str) -> Result<Vec<JwtKey>, JwksError> {
    let mut keys = Vec::new();
    let elements =
        clerk_edge::key::jwks_keys(text).map_err(|e| JwksError::Document(e.to_string()))?;
    for key in elements {
        match key {
            Ok(key) => keys.push(key),
            Err(e) if e.is_other_key_type() => {}
            Err(e) => tracing::warn!(error = %e, "JWKS key skipped"),
        }
    }
    if keys.is_empty() {
        return Err(JwksError::Document("no RSA signing key".to_owned()));
    }
    Ok(keys)
}
