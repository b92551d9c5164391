//! Configuration: the environment variables Clerk's SDKs read, or a builder.
//!
//! | variable | meaning |
//! |---|---|
//! | `CLERK_JWT_KEY` | PEM public key: networkless verification (recommended) |
//! | `CLERK_SECRET_KEY` | `sk_…`: fetch the keys from the JWKS when there is no jwtKey |
//! | `CLERK_PUBLISHABLE_KEY` | `pk_…`: cookie suffixes, dev instances, handshake redirects |
//! | `CLERK_AUTHORIZED_PARTIES` | comma-separated origins accepted in `azp` |
//! | `CLERK_API_URL` | Backend API for the JWKS (default `https://api.clerk.com`) |
//!
//! Every mistake is found by [`ClerkBuilder::build`], at start-up, with a
//! message that says how to fix it.

use crate::clerk::{Clerk, Inner, KeySource};
use crate::jwks::JwksSource;
use clerk_edge::request::{Instance, Scheme};
use clerk_edge::{Algorithms, JwtKey};
use std::fmt;
use std::time::Duration;

/// Clerk's Backend API.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// Default least time between two JWKS fetches.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Default JWKS request timeout.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(10);

/// A setting that stops start-up, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    setting: &'static str,
    problem: String,
    fix: String,
}

impl ConfigError {
    fn new(setting: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        ConfigError {
            setting,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// The environment variable (or builder setting) at fault.
    pub fn setting(&self) -> &'static str {
        self.setting
    }

    /// What to do about it.
    pub fn fix(&self) -> &str {
        &self.fix
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}. Fix: {}", self.setting, self.problem, self.fix)
    }
}

impl std::error::Error for ConfigError {}

/// Builds a [`Clerk`]: keys, authorized parties, instance, cache.
#[derive(Clone, Debug)]
pub struct ClerkBuilder {
    jwt_key: Option<String>,
    keys: Vec<JwtKey>,
    publishable_key: Option<String>,
    secret_key: Option<String>,
    authorized_parties: Vec<String>,
    audience: Vec<String>,
    issuer: Option<String>,
    api_url: String,
    clock_skew_ms: i64,
    algorithms: Algorithms,
    cache_capacity: usize,
    jwks_refetch_interval: Duration,
    jwks_timeout: Duration,
    default_scheme: Scheme,
    header_only: bool,
}

impl Default for ClerkBuilder {
    fn default() -> Self {
        ClerkBuilder {
            jwt_key: None,
            keys: Vec::new(),
            publishable_key: None,
            secret_key: None,
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            issuer: None,
            api_url: DEFAULT_API_URL.to_owned(),
            clock_skew_ms: clerk_edge::verify::DEFAULT_CLOCK_SKEW_MS,
            algorithms: Algorithms::RS256,
            cache_capacity: crate::cache::DEFAULT_CAPACITY,
            jwks_refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            jwks_timeout: DEFAULT_JWKS_TIMEOUT,
            default_scheme: Scheme::Http,
            header_only: false,
        }
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

impl ClerkBuilder {
    /// Settings read from the environment (`CLERK_JWT_KEY`,
    /// `CLERK_PUBLISHABLE_KEY`, `CLERK_SECRET_KEY`,
    /// `CLERK_AUTHORIZED_PARTIES`, `CLERK_API_URL`); empty values count as
    /// unset. Change anything with the builder methods, then
    /// [`build`](Self::build).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), with any variable source.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut b = ClerkBuilder {
            jwt_key: non_empty(get("CLERK_JWT_KEY")),
            publishable_key: non_empty(get("CLERK_PUBLISHABLE_KEY")),
            secret_key: non_empty(get("CLERK_SECRET_KEY")),
            ..ClerkBuilder::default()
        };
        if let Some(url) = non_empty(get("CLERK_API_URL")) {
            b.api_url = url;
        }
        if let Some(parties) = get("CLERK_AUTHORIZED_PARTIES") {
            b.authorized_parties = parties
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
        }
        b
    }

    /// The instance's public key (PEM from the dashboard's "JWT public
    /// key"): tokens are verified without any network call.
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.jwt_key = Some(pem.into());
        self
    }

    /// Keys already loaded (several keys are told apart by `kid`).
    pub fn keys(mut self, keys: impl IntoIterator<Item = JwtKey>) -> Self {
        self.keys.extend(keys);
        self
    }

    /// `pk_test_…` / `pk_live_…`: enables cookie suffixes, development
    /// instances and handshake redirects.
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = Some(key.into());
        self
    }

    /// `sk_…`: used only to fetch the JWKS when no jwtKey is set.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Adds an origin accepted in `azp` (e.g. `https://app.example.com`).
    pub fn authorized_party(mut self, origin: impl Into<String>) -> Self {
        self.authorized_parties.push(origin.into());
        self
    }

    /// Replaces the accepted `azp` origins.
    pub fn authorized_parties<I: IntoIterator<Item = S>, S: Into<String>>(mut self, o: I) -> Self {
        self.authorized_parties = o.into_iter().map(Into::into).collect();
        self
    }

    /// Accepted `aud` values (none checked by default, as in Clerk).
    pub fn audience<I: IntoIterator<Item = S>, S: Into<String>>(mut self, aud: I) -> Self {
        self.audience = aud.into_iter().map(Into::into).collect();
        self
    }

    /// Required `iss` (not checked by default, as in Clerk).
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }

    /// Backend API base URL for the JWKS (default `https://api.clerk.com`).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Tolerance for `exp` / `nbf` / `iat` (Clerk's default: 5 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew_ms = i64::try_from(skew.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Clock skew in milliseconds; may be negative (Clerk uses it as given).
    pub fn clock_skew_ms(mut self, skew_ms: i64) -> Self {
        self.clock_skew_ms = skew_ms;
        self
    }

    /// Accepted algorithms (RS256 only by default).
    pub fn algorithms(mut self, algorithms: Algorithms) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// How many verified tokens to remember (0 disables the cache).
    pub fn cache_capacity(mut self, tokens: usize) -> Self {
        self.cache_capacity = tokens;
        self
    }

    /// Least time between two JWKS fetches (default 60 s).
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_refetch_interval = interval;
        self
    }

    /// Timeout of one JWKS fetch (default 10 s).
    pub fn jwks_timeout(mut self, timeout: Duration) -> Self {
        self.jwks_timeout = timeout;
        self
    }

    /// The scheme of requests whose target names none (HTTP/1 requests in
    /// origin form), used for the URL a handshake redirects back to:
    /// `http` by default. Set `https` when this server terminates TLS
    /// itself; behind a proxy, `x-forwarded-proto` says it instead.
    pub fn default_scheme(mut self, scheme: Scheme) -> Self {
        self.default_scheme = scheme;
        self
    }

    /// Read the session token from the `Authorization` header only, never
    /// from the `__session` cookie (off by default): for APIs called by
    /// mobile apps, other servers or `fetch` with a Bearer token. A request
    /// then gets the state Clerk gives it without its cookies, so a page on
    /// another site cannot make a browser send an authenticated request by
    /// cookie (no CSRF exposure), and no handshake follows from cookies.
    pub fn header_only(mut self, enabled: bool) -> Self {
        self.header_only = enabled;
        self
    }

    /// Checks every setting and builds the verifier.
    pub fn build(self) -> Result<Clerk, ConfigError> {
        let mut keys = self.keys;
        if let Some(pem) = &self.jwt_key {
            let key = JwtKey::parse(pem).map_err(|e| {
                ConfigError::new(
                    "CLERK_JWT_KEY",
                    format!("not a usable public key ({e})"),
                    "copy the PEM public key from the Clerk Dashboard (API keys > Show JWT public key > PEM Public Key), including the BEGIN/END lines; literal \\n sequences are fine",
                )
            })?;
            keys.push(key);
        }

        let instance = match &self.publishable_key {
            None => None,
            Some(pk) => Some(Instance::from_publishable_key(pk.trim()).map_err(|e| {
                ConfigError::new(
                    "CLERK_PUBLISHABLE_KEY",
                    format!("{:?} is not a publishable key ({e})", abbreviate(pk)),
                    "copy the Publishable key (pk_test_... or pk_live_...) from the Clerk Dashboard, API keys; or unset it",
                )
            })?),
        };

        let secret = self.secret_key.as_deref().map(str::trim);
        if let Some(sk) = secret {
            if !(sk.starts_with("sk_test_") || sk.starts_with("sk_live_")) {
                return Err(ConfigError::new(
                    "CLERK_SECRET_KEY",
                    "does not start with sk_test_ or sk_live_",
                    "copy the Secret key from the Clerk Dashboard, API keys; or unset it and set CLERK_JWT_KEY",
                ));
            }
            if let Some(i) = &instance
                && i.is_production() != sk.starts_with("sk_live_")
            {
                return Err(ConfigError::new(
                    "CLERK_SECRET_KEY",
                    "one of CLERK_SECRET_KEY / CLERK_PUBLISHABLE_KEY is a live key and the other a test key",
                    "use the two keys of the same instance (both _live_ or both _test_)",
                ));
            }
        }

        for party in &self.authorized_parties {
            check_origin(party)?;
        }
        if let Some(iss) = &self.issuer
            && iss.is_empty()
        {
            return Err(ConfigError::new(
                "issuer",
                "is empty",
                "give the Frontend API URL (https://clerk.<your domain>) or do not set an issuer",
            ));
        }

        let key_source = if !keys.is_empty() {
            KeySource::Static(keys.into())
        } else if let Some(sk) = secret {
            check_api_url(&self.api_url)?;
            let jwks = JwksSource::new(
                &self.api_url,
                sk,
                self.jwks_refetch_interval,
                self.jwks_timeout,
            )
            .map_err(|e| {
                ConfigError::new(
                    "CLERK_API_URL",
                    e,
                    "use the Backend API base URL, e.g. https://api.clerk.com",
                )
            })?;
            KeySource::Jwks(Box::new(jwks))
        } else {
            return Err(ConfigError::new(
                "CLERK_JWT_KEY",
                "no key to verify session tokens with",
                "set CLERK_JWT_KEY to the PEM public key from the Clerk Dashboard (API keys > Show JWT public key), or set CLERK_SECRET_KEY to fetch the keys from the Backend API",
            ));
        };

        Ok(Clerk::from_inner(Inner {
            keys: key_source,
            parties: self.authorized_parties,
            audience: self.audience,
            issuer: self.issuer,
            skew_ms: self.clock_skew_ms,
            algorithms: self.algorithms,
            instance,
            default_scheme: self.default_scheme,
            header_only: self.header_only,
            cache: (self.cache_capacity > 0)
                .then(|| crate::cache::TokenCache::new(self.cache_capacity)),
        }))
    }
}

fn abbreviate(s: &str) -> String {
    let mut out: String = s.chars().take(16).collect();
    if s.chars().count() > 16 {
        out.push('…');
    }
    out
}

/// An authorized party must be an origin (`scheme://host[:port]`), which is
/// what Clerk puts in `azp` and compares exactly.
fn check_origin(party: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            "CLERK_AUTHORIZED_PARTIES",
            format!("{party:?} {why}"),
            "list origins exactly as the browser sends them, comma-separated, e.g. https://app.example.com,http://localhost:3000",
        )
    };
    let Some((scheme, rest)) = party.split_once("://") else {
        return Err(bad("has no scheme (https://...)"));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(bad("is not an http(s) origin"));
    }
    if rest.is_empty() {
        return Err(bad("has no host"));
    }
    if rest.contains('/') {
        return Err(bad(
            "has a path or a trailing slash; Clerk compares azp exactly with the origin",
        ));
    }
    if rest.contains(['?', '#', ' ']) {
        return Err(bad("is not an origin"));
    }
    Ok(())
}

fn check_api_url(url: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            "CLERK_API_URL",
            format!("{url:?} {why}"),
            "leave it unset (https://api.clerk.com) or give an https:// URL",
        )
    };
    let uri: http::Uri = url.parse().map_err(|_| bad("is not a URL"))?;
    let host = uri.host().ok_or_else(|| bad("has no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) => Ok(()),
        Some("http") => Err(bad(
            "uses plain http; the secret key is only sent over https (plain http is allowed for loopback test servers)",
        )),
        _ => Err(bad("is not an http(s) URL")),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn origins() {
        assert!(check_origin("https://app.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://app.example.com/").is_err());
        assert!(check_origin("app.example.com").is_err());
    }

    #[test]
    fn api_urls() {
        assert!(check_api_url("https://api.clerk.com").is_ok());
        assert!(check_api_url("http://127.0.0.1:9999").is_ok());
        assert!(check_api_url("http://api.clerk.com").is_err());
    }

    #[test]
    fn missing_key_says_what_to_set() {
        let err = ClerkBuilder::from_lookup(|_| None).build().unwrap_err();
        assert_eq!(err.setting(), "CLERK_JWT_KEY");
        assert!(err.to_string().contains("CLERK_SECRET_KEY"));
    }
}
