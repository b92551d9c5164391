//! The verifier shared by every request: keys, options, instance, cache;
//! Clerk's `verifyToken` and `authenticateRequest` on top of the core.

use crate::auth::{Auth, AuthStatus, Session, SignedOut};
use crate::cache::{CachedToken, Hit, TokenCache};
use crate::config::{ClerkBuilder, ConfigError};
use crate::instance::Instance;
use crate::jwks::JwksSource;
use crate::request::{self, Cookies, RequestView};
use clerk_edge::error::{DecodeError, TokenError};
use clerk_edge::{Algorithms, JwtKey, Verifier, VerifyOptions, verify};
use http::{HeaderMap, HeaderValue};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The clock: Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Where the keys come from.
pub(crate) enum KeySource {
    /// jwtKey(s) given at start-up.
    Static(Arc<[JwtKey]>),
    /// The instance's JWKS.
    Jwks(Box<JwksSource>),
}

impl KeySource {
    fn current(&self) -> Arc<[JwtKey]> {
        match self {
            KeySource::Static(k) => Arc::clone(k),
            KeySource::Jwks(j) => j.keys(),
        }
    }
}

/// Session-token verification and request authentication, configured once
/// and shared (cheap to clone).
#[derive(Clone)]
pub struct Clerk {
    inner: Arc<Inner>,
}

impl fmt::Debug for Clerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Clerk")
            .field(
                "keys",
                &match &i.keys {
                    KeySource::Static(k) => format!("{} jwtKey(s)", k.len()),
                    KeySource::Jwks(j) => format!("JWKS {}", j.url()),
                },
            )
            .field("authorized_parties", &i.parties)
            .field("instance", &i.instance)
            .field("cache", &i.cache)
            .finish()
    }
}

pub(crate) struct Inner {
    keys: KeySource,
    parties: Vec<String>,
    audience: Vec<String>,
    issuer: Option<String>,
    skew_ms: i64,
    algorithms: Algorithms,
    instance: Option<Instance>,
    cache: Option<TokenCache>,
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        keys: KeySource,
        parties: Vec<String>,
        audience: Vec<String>,
        issuer: Option<String>,
        skew_ms: i64,
        algorithms: Algorithms,
        instance: Option<Instance>,
        cache_capacity: usize,
    ) -> Self {
        Inner {
            keys,
            parties,
            audience,
            issuer,
            skew_ms,
            algorithms,
            instance,
            cache: (cache_capacity > 0).then(|| TokenCache::new(cache_capacity)),
        }
    }
}

/// Why a token was rejected: Clerk's reason, message and action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    reason: Cow<'static, str>,
    message: String,
    action: Option<&'static str>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Expired,
    NotActiveYet,
    IatInTheFuture,
    /// No key for the token (empty key set or unknown `kid`).
    MissingKey,
    /// A `null` header or payload (Clerk crashes with a TypeError).
    NullJson,
    Other,
}

impl Rejection {
    fn from_core(e: &TokenError<'_>) -> Self {
        let kind = match e {
            TokenError::Expired { .. } => Kind::Expired,
            TokenError::NotActiveYet { .. } => Kind::NotActiveYet,
            TokenError::IssuedInTheFuture { .. } => Kind::IatInTheFuture,
            TokenError::NoKey | TokenError::KidMismatch => Kind::MissingKey,
            TokenError::Decode(DecodeError::Null(_)) => Kind::NullJson,
            _ => Kind::Other,
        };
        Rejection {
            reason: Cow::Borrowed(e.reason().as_str()),
            message: e.to_string(),
            action: e.action(),
            kind,
        }
    }

    /// Clerk's reason, e.g. `token-expired`.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Clerk's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Clerk's action hint, when it gives one.
    pub fn action(&self) -> Option<&'static str> {
        self.action
    }

    /// Clerk's `getFullMessage()`: `<message>[ <action>] (reason=<reason>,
    /// token-carrier=<carrier>)`.
    pub fn full_message(&self, carrier: &str) -> String {
        let mut s = self.message.clone();
        if let Some(a) = self.action {
            s.push(' ');
            s.push_str(a);
        }
        s.push_str(&format!(
            " (reason={}, token-carrier={carrier})",
            self.reason
        ));
        s
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.reason)
    }
}

impl std::error::Error for Rejection {}

/// Clerk's request state: status, the auth object, and the
/// `x-clerk-auth-*` (and, for a handshake, `location`, `set-cookie`,
/// `cache-control`) headers to send.
#[derive(Debug)]
pub struct RequestState<'r> {
    /// `signed-in`, `signed-out` or `handshake`.
    pub status: AuthStatus,
    /// What `getAuth()` returns for this request.
    pub auth: Auth,
    /// Response headers Clerk sets (none when signed in).
    pub headers: HeaderMap,
    /// The session token of a signed-in request.
    pub token: Option<Cow<'r, str>>,
    /// The verified session when the state is signed in but the auth is
    /// not (a pending session, or claims `toAuth()` cannot map).
    pub session: Option<Arc<Session>>,
}

impl RequestState<'_> {
    /// Clerk's reason (`None` when signed in).
    pub fn reason(&self) -> Option<&str> {
        match self.status {
            AuthStatus::SignedIn => None,
            _ => self.auth.reason(),
        }
    }
}

type Lookup = (Option<u64>, Option<Hit>);

enum Checked {
    Ok(Hit),
    Err(Rejection),
    NeedKeys,
}

// A transient return value; boxing it would allocate on every request.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step<'r> {
    Done(RequestState<'r>),
    NeedKeys,
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Clerk {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Clerk {
            inner: Arc::new(inner),
        }
    }

    /// A builder with nothing set.
    pub fn builder() -> ClerkBuilder {
        ClerkBuilder::default()
    }

    /// Configuration from Clerk's environment variables; see
    /// [`crate::config`].
    pub fn from_env() -> Result<Clerk, ConfigError> {
        ClerkBuilder::from_env().build()
    }

    /// The instance of the configured publishable key.
    pub fn instance(&self) -> Option<&Instance> {
        self.inner.instance.as_ref()
    }

    /// The verified-token cache, if enabled.
    pub fn cache(&self) -> Option<&TokenCache> {
        self.inner.cache.as_ref()
    }

    /// The JWKS source, when keys are not configured locally.
    pub fn jwks(&self) -> Option<&JwksSource> {
        match &self.inner.keys {
            KeySource::Jwks(j) => Some(j),
            KeySource::Static(_) => None,
        }
    }

    /// Loads the JWKS now (when configured), so the first request does not
    /// wait for it. Failing is not fatal: requests retry, rate-limited.
    pub async fn prefetch_keys(&self) -> Result<(), crate::jwks::JwksError> {
        match self.jwks() {
            Some(j) => j.refresh().await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Clerk's `verifyToken`: verifies one session token at `now_ms`,
    /// through the cache; with a JWKS, an unknown `kid` refetches the keys
    /// (rate-limited).
    pub async fn verify_token(&self, token: &str, now_ms: i64) -> Result<Arc<Session>, Rejection> {
        loop {
            match self.check(token, None, now_ms, true) {
                Checked::Ok(c) => return Ok(c.session),
                Checked::Err(e) => return Err(e),
                Checked::NeedKeys => self.fetch_keys().await,
            }
        }
    }

    /// [`verify_token`](Self::verify_token) with the keys held now (no
    /// network).
    pub fn verify_token_now(&self, token: &str, now_ms: i64) -> Result<Arc<Session>, Rejection> {
        match self.check(token, None, now_ms, false) {
            Checked::Ok(c) => Ok(c.session),
            Checked::Err(e) => Err(e),
            Checked::NeedKeys => Err(self.missing_key_rejection()),
        }
    }

    /// Clerk's `authenticateRequest` for session tokens.
    pub async fn authenticate<'r>(&self, req: &RequestView<'r>, now_ms: i64) -> RequestState<'r> {
        match self.authenticate_step(req, now_ms, true) {
            Step::Done(state) => state,
            Step::NeedKeys => {
                self.fetch_keys().await;
                match self.authenticate_step(req, now_ms, false) {
                    Step::Done(state) => state,
                    Step::NeedKeys => self.signed_out_missing_key(),
                }
            }
        }
    }

    /// [`authenticate`](Self::authenticate) with the keys held now.
    pub fn authenticate_now<'r>(&self, req: &RequestView<'r>, now_ms: i64) -> RequestState<'r> {
        match self.authenticate_step(req, now_ms, false) {
            Step::Done(state) => state,
            Step::NeedKeys => self.signed_out_missing_key(),
        }
    }

    fn signed_out_missing_key<'r>(&self) -> RequestState<'r> {
        let r = self.missing_key_rejection();
        signed_out(r.reason.into_owned(), r.message)
    }

    pub(crate) async fn fetch_keys(&self) {
        if let Some(j) = self.jwks() {
            // Errors are logged inside; the cached keys stay in use.
            let _ = j.refresh().await;
        }
    }

    fn missing_key_rejection(&self) -> Rejection {
        match self.jwks() {
            Some(j) if !j.has_loaded() => Rejection {
                reason: Cow::Borrowed("jwk-remote-failed-to-load"),
                message: "Failed to load JWKS from Clerk Backend API.".to_owned(),
                action: Some("Check CLERK_SECRET_KEY and CLERK_API_URL, and that the Backend API is reachable."),
                kind: Kind::MissingKey,
            },
            Some(_) => Rejection {
                reason: Cow::Borrowed("jwk-remote-missing"),
                message: "Unable to find a signing key in JWKS that matches the kid of the provided session token.".to_owned(),
                action: Some("Make sure that the token was issued by this instance."),
                kind: Kind::MissingKey,
            },
            None => Rejection {
                reason: Cow::Borrowed("jwk-kid-mismatch"),
                message: "Unable to find a signing key that matches the kid of the provided session token.".to_owned(),
                action: None,
                kind: Kind::MissingKey,
            },
        }
    }

    /// The token's cache hash and cached verdict, if any.
    fn lookup(&self, token: &str) -> Lookup {
        match &self.inner.cache {
            Some(c) => {
                let h = c.hash(token);
                (Some(h), c.get(h, token))
            }
            None => (None, None),
        }
    }

    /// Verifies through the cache (`looked_up`: a [`lookup`](Self::lookup)
    /// already made for this token).
    fn check(
        &self,
        token: &str,
        looked_up: Option<Lookup>,
        now_ms: i64,
        may_fetch: bool,
    ) -> Checked {
        let inner = &*self.inner;
        let (hash, hit) = match looked_up {
            Some(l) => l,
            None => self.lookup(token),
        };
        if let Some(hit) = hit {
            return match self.check_times(&hit, now_ms) {
                Ok(()) => Checked::Ok(hit),
                Err(e) => Checked::Err(e),
            };
        }
        let keys = inner.keys.current();
        match self.verify_uncached(&keys, token, now_ms) {
            Ok(session) => {
                let entry = CachedToken::new(Arc::new(session));
                let hit = Hit {
                    session: Arc::clone(&entry.session),
                    exp_ms: entry.exp_ms,
                    nbf_ms: entry.nbf_ms,
                    iat_ms: entry.iat_ms,
                };
                if let (Some(cache), Some(h)) = (&inner.cache, hash) {
                    let cutoff = now_ms as f64 - inner.skew_ms as f64;
                    cache.insert(h, token, entry, cutoff);
                }
                Checked::Ok(hit)
            }
            Err(e) if e.kind == Kind::MissingKey => match self.jwks() {
                Some(j) if may_fetch && j.refetch_allowed() => Checked::NeedKeys,
                Some(_) => Checked::Err(self.missing_key_rejection()),
                None => Checked::Err(e),
            },
            Err(e) => Checked::Err(e),
        }
    }

    /// Clerk's time checks, on a cached token (same order and messages as
    /// the core's).
    fn check_times(&self, c: &Hit, now_ms: i64) -> Result<(), Rejection> {
        let now = now_ms as f64;
        let skew = self.inner.skew_ms as f64;
        if c.exp_ms <= now - skew {
            return Err(Rejection::from_core(&TokenError::Expired {
                exp_ms: c.exp_ms,
                now_ms,
            }));
        }
        if let Some(nbf_ms) = c.nbf_ms.filter(|&t| t > now + skew) {
            return Err(Rejection::from_core(&TokenError::NotActiveYet {
                nbf_ms,
                now_ms,
            }));
        }
        if let Some(iat_ms) = c.iat_ms.filter(|&t| t > now + skew) {
            return Err(Rejection::from_core(&TokenError::IssuedInTheFuture {
                iat_ms,
                now_ms,
            }));
        }
        Ok(())
    }

    /// One RSA verification by the core, into a per-thread buffer.
    fn verify_uncached(
        &self,
        keys: &[JwtKey],
        token: &str,
        now_ms: i64,
    ) -> Result<Session, Rejection> {
        let inner = &*self.inner;
        let parties: Vec<&str> = inner.parties.iter().map(String::as_str).collect();
        let audience: Vec<&str> = inner.audience.iter().map(String::as_str).collect();
        let options = VerifyOptions {
            authorized_parties: &parties,
            audience: &audience,
            issuer: inner.issuer.as_deref(),
            clock_skew_ms: inner.skew_ms,
            algorithms: inner.algorithms,
        };
        let verifier = Verifier::new(keys, options);
        // Tokens over the core's limit are refused before the buffer is used.
        let len = verify::buffer_len(token.len().min(verify::MAX_TOKEN_LEN));
        let run = |buf: &mut Vec<u8>| {
            if buf.len() < len {
                buf.resize(len, 0);
            }
            let buf = buf.get_mut(..len).unwrap_or_default();
            verifier
                .verify(token, now_ms, buf)
                .map(|v| Session::from_verified(&v))
                .map_err(|e| Rejection::from_core(&e))
        };
        BUFFER.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => run(&mut buf),
            Err(_) => run(&mut Vec::new()),
        })
    }

    /// Clerk's `authenticateRequest` (session tokens), one step: `NeedKeys`
    /// asks the caller to fetch the JWKS and try again.
    pub(crate) fn authenticate_step<'r>(
        &self,
        req: &RequestView<'r>,
        now_ms: i64,
        may_fetch: bool,
    ) -> Step<'r> {
        if let Some(token) = req.header_token() {
            return self.header_path(req, token, now_ms, may_fetch);
        }
        self.cookie_path(req, now_ms, may_fetch)
    }

    fn header_path<'r>(
        &self,
        req: &RequestView<'r>,
        token: Cow<'r, str>,
        now_ms: i64,
        may_fetch: bool,
    ) -> Step<'r> {
        let looked_up = self.lookup(&token);
        // Cached tokens passed this check already (it depends on the token only).
        if looked_up.1.is_none() && peek(&token).is_some_and(|p| p.machine) {
            return Step::Done(signed_out("token-type-mismatch", String::new()));
        }
        match self.check(&token, Some(looked_up), now_ms, may_fetch) {
            Checked::Ok(c) => Step::Done(signed_in(c, token)),
            Checked::NeedKeys => Step::NeedKeys,
            Checked::Err(e) if e.kind == Kind::NullJson => {
                Step::Done(signed_out("unexpected-error", String::new()))
            }
            Checked::Err(e) => {
                let cookies = req.cookies(self.suffix());
                Step::Done(self.token_error(req, &cookies, e, "header", Some(&token), false))
            }
        }
    }

    fn suffix(&self) -> Option<&str> {
        self.inner.instance.as_ref().map(Instance::cookie_suffix)
    }

    fn cookie_path<'r>(&self, req: &RequestView<'r>, now_ms: i64, may_fetch: bool) -> Step<'r> {
        let cookies = req.cookies(self.suffix());
        let dev = self
            .inner
            .instance
            .as_ref()
            .is_some_and(|i| !i.is_production());

        // A handshake nonce needs Clerk's network: no session here.
        if req.query_param("__clerk_handshake_nonce").is_some() || cookies.handshake_nonce.is_some()
        {
            let mut state = signed_out("session-token-missing", String::new());
            state.headers.insert(
                "access-control-allow-origin",
                HeaderValue::from_static("null"),
            );
            state.headers.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
            return Step::Done(state);
        }

        if dev && req.query_param("__clerk_db_jwt").is_some() {
            let s = self.maybe_handshake(
                req,
                &cookies,
                "dev-browser-sync",
                String::new(),
                None,
                false,
            );
            return Step::Done(s);
        }

        let suffixed = self.uses_suffixed_cookies(&cookies, now_ms);
        let (session, uat, dev_browser) = if suffixed {
            (
                cookies.session_suffixed.clone(),
                cookies.client_uat_suffixed.clone(),
                cookies.dev_browser_suffixed.clone(),
            )
        } else {
            (
                cookies.session.clone(),
                cookies.client_uat.clone(),
                cookies.dev_browser.clone(),
            )
        };
        let session = session.filter(|s| !s.is_empty());

        if dev && dev_browser.is_none() && req.query_param("__clerk_db_jwt").is_none() {
            let s = self.maybe_handshake(
                req,
                &cookies,
                "dev-browser-missing",
                String::new(),
                session.as_deref(),
                suffixed,
            );
            return Step::Done(s);
        }

        let client_uat = uat.as_deref().map_or(0, request::parse_int);
        let Some(token) = session else {
            if client_uat == 0 {
                return Step::Done(signed_out("session-token-and-uat-missing", String::new()));
            }
            let s = self.maybe_handshake(
                req,
                &cookies,
                "client-uat-but-no-session-token",
                String::new(),
                None,
                suffixed,
            );
            return Step::Done(s);
        };
        if client_uat == 0 {
            let s = self.maybe_handshake(
                req,
                &cookies,
                "session-token-but-no-client-uat",
                String::new(),
                Some(&token),
                suffixed,
            );
            return Step::Done(s);
        }

        let (hash, hit) = self.lookup(&token);
        let iat = match &hit {
            Some(c) => c.session.claims().iat,
            None => match peek(&token) {
                None => {
                    // Undecodable: the core names the exact problem.
                    return Step::Done(
                        match self.check(&token, Some((hash, None)), now_ms, false) {
                            Checked::Err(e) if e.kind == Kind::NullJson => {
                                signed_out("unexpected-error", String::new())
                            }
                            Checked::Err(e) => {
                                let msg = e.full_message("cookie");
                                signed_out(e.reason.into_owned(), msg)
                            }
                            _ => signed_out("token-invalid", String::new()),
                        },
                    );
                }
                Some(p) if p.machine => {
                    return Step::Done(signed_out("token-type-mismatch", String::new()));
                }
                Some(p) => p.iat,
            },
        };
        if iat.is_some_and(|iat| iat < client_uat as f64) {
            let s = self.maybe_handshake(
                req,
                &cookies,
                "session-token-iat-before-client-uat",
                String::new(),
                Some(&token),
                suffixed,
            );
            return Step::Done(s);
        }

        match self.check(&token, Some((hash, hit)), now_ms, may_fetch) {
            Checked::NeedKeys => Step::NeedKeys,
            Checked::Err(e) if e.kind == Kind::NullJson => {
                Step::Done(signed_out("unexpected-error", String::new()))
            }
            Checked::Err(e) => {
                Step::Done(self.token_error(req, &cookies, e, "cookie", Some(&token), suffixed))
            }
            Checked::Ok(c) => {
                if c.session.auth_error().is_some() {
                    // `toAuth()` throws on the cookie path: unexpected-error.
                    return Step::Done(signed_out("unexpected-error", String::new()));
                }
                if self.cross_origin_document(req, &cookies) {
                    let s = self.maybe_handshake(
                        req,
                        &cookies,
                        "primary-domain-cross-origin-sync",
                        "Cross-origin request from satellite domain requires handshake".to_owned(),
                        Some(&token),
                        suffixed,
                    );
                    return Step::Done(s);
                }
                Step::Done(signed_in(c, token))
            }
        }
    }

    /// Clerk's `usesSuffixedCookies` (clerk-semantics §6.7).
    fn uses_suffixed_cookies(&self, c: &Cookies<'_>, now_ms: i64) -> bool {
        let Some(instance) = &self.inner.instance else {
            return false;
        };
        if let Some(session) = c.session.as_deref() {
            let iss = self.claims_of(session, |p| p.iss.clone());
            match iss.flatten() {
                None => return false,
                Some(iss) => {
                    let host = iss
                        .strip_prefix("https://")
                        .or_else(|| iss.strip_prefix("http://"))
                        .unwrap_or(&iss);
                    if host != instance.frontend_api() {
                        return true;
                    }
                }
            }
        }
        let (uat, suat) = (c.client_uat.as_deref(), c.client_uat_suffixed.as_deref());
        if suat.is_none() && c.session_suffixed.is_none() {
            return false;
        }
        if let (Some(u), Some(su)) = (uat, suat)
            && u != "0"
            && su != "0"
        {
            let iat = |t: Option<&str>| t.and_then(|t| self.claims_of(t, |p| p.iat)).flatten();
            if let (Some(a), Some(b)) = (
                iat(c.session.as_deref()),
                iat(c.session_suffixed.as_deref()),
            ) && a > b
            {
                return false;
            }
        }
        if suat == Some("0") && uat.is_some_and(|u| u != "0") {
            return false;
        }
        if !instance.is_production() && suat.is_some_and(|s| s != "0") && uat == Some("0") {
            let expired = c.session_suffixed.as_deref().and_then(|t| {
                self.claims_of(t, |p| p.exp)
                    .flatten()
                    .map(|exp| exp * 1000.0 <= now_ms as f64)
            });
            if expired == Some(true) {
                return false;
            }
        }
        if suat.is_none() && c.session_suffixed.is_some() {
            return false;
        }
        true
    }

    /// Reads unverified claims of a token, from the cache when possible.
    fn claims_of<T>(&self, token: &str, f: impl Fn(&Peek) -> T) -> Option<T> {
        if let Some(cache) = &self.inner.cache
            && let Some(hit) = cache.get(cache.hash(token), token)
        {
            let c = hit.session.claims();
            return Some(f(&Peek {
                iss: c.iss.clone(),
                iat: c.iat,
                exp: Some(c.exp),
                machine: false,
            }));
        }
        peek(token).map(|p| f(&p))
    }

    /// A signed-in GET page load coming from another site's page.
    fn cross_origin_document(&self, req: &RequestView<'_>, cookies: &Cookies<'_>) -> bool {
        let Some(instance) = &self.inner.instance else {
            return false;
        };
        if req.method != http::Method::GET
            || req.sec_fetch_dest().as_deref() != Some("document")
            || cookies
                .redirect_count
                .as_deref()
                .map_or(0, request::parse_int)
                != 0
        {
            return false;
        }
        let Some(referer) = req.referer() else {
            return false;
        };
        let Some(ref_origin) = request::origin_of(&referer) else {
            return false;
        };
        let ref_host = ref_origin.split_once("://").map_or("", |(_, h)| h);
        ref_origin != req.origin()
            && ref_host != instance.frontend_api()
            && !ref_host.starts_with("accounts.")
    }

    /// Clerk's `handleSessionTokenError` (§6.8).
    fn token_error<'r>(
        &self,
        req: &RequestView<'r>,
        cookies: &Cookies<'_>,
        e: Rejection,
        carrier: &str,
        token: Option<&str>,
        suffixed: bool,
    ) -> RequestState<'r> {
        let message = e.full_message(carrier);
        let reason = match e.kind {
            Kind::Expired => {
                if req.method != http::Method::GET {
                    "session-token-expired-refresh-non-eligible-non-get"
                } else if cookies.refresh_suffixed.is_none() {
                    "session-token-expired-refresh-non-eligible-no-refresh-cookie"
                } else {
                    // Refreshing needs Clerk's network, which this library
                    // never calls on the request path.
                    "session-token-expired-refresh-fetch-error"
                }
            }
            Kind::NotActiveYet => "session-token-nbf",
            Kind::IatInTheFuture => "session-token-iat-in-the-future",
            _ => return signed_out(e.reason.into_owned(), message),
        };
        self.maybe_handshake(req, cookies, reason, message, token, suffixed)
    }

    /// Clerk's `handleMaybeHandshakeStatus` (§6.9).
    fn maybe_handshake<'r>(
        &self,
        req: &RequestView<'r>,
        cookies: &Cookies<'_>,
        reason: &'static str,
        message: String,
        token: Option<&str>,
        suffixed: bool,
    ) -> RequestState<'r> {
        let Some(instance) = &self.inner.instance else {
            return signed_out(reason, message);
        };
        let dest = req.sec_fetch_dest();
        let eligible = req.method == http::Method::GET
            && match dest.as_deref() {
                Some(d) => d == "document" || d == "iframe",
                None => req.accept().is_some_and(|a| a.starts_with("text/html")),
            };
        let count = cookies
            .redirect_count
            .as_deref()
            .map_or(0, request::parse_int);
        if !eligible || count == 3 {
            return signed_out(reason, message);
        }
        let mut location = format!(
            "https://{}/v1/client/handshake?redirect_url=",
            instance.frontend_api()
        );
        request::form_encode(&req.clerk_url(), &mut location);
        location.push_str("&__clerk_api_version=2026-05-12&suffixed_cookies=");
        location.push_str(if suffixed { "true" } else { "false" });
        location.push_str("&__clerk_hs_reason=");
        request::form_encode(reason, &mut location);
        location.push_str("&format=nonce");
        let session = if suffixed {
            cookies.session_suffixed.as_deref()
        } else {
            cookies.session.as_deref()
        };
        if let Some(t) = session.filter(|s| !s.is_empty()).or(token) {
            location.push_str("&__session=");
            request::form_encode(t, &mut location);
        }
        if !instance.is_production() {
            let db = req.query_param("__clerk_db_jwt").or_else(|| {
                if suffixed {
                    cookies.dev_browser_suffixed.as_deref().map(str::to_owned)
                } else {
                    cookies.dev_browser.as_deref().map(str::to_owned)
                }
            });
            if let Some(db) = db {
                location.push_str("&__clerk_db_jwt=");
                request::form_encode(&db, &mut location);
            }
        }
        let mut state = signed_out(reason, message);
        state.status = AuthStatus::Handshake;
        if let Auth::SignedOut(s) = &mut state.auth {
            s.status = AuthStatus::Handshake;
        }
        state
            .headers
            .insert("x-clerk-auth-status", HeaderValue::from_static("handshake"));
        if let Ok(v) = HeaderValue::from_str(&location) {
            state.headers.insert(http::header::LOCATION, v);
        }
        state.headers.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!(
            "__clerk_redirect_count={}; SameSite=Lax; HttpOnly; Max-Age=2",
            count + 1
        )) {
            state.headers.insert(http::header::SET_COOKIE, v);
        }
        state
    }
}

fn signed_in<'r>(c: Hit, token: Cow<'r, str>) -> RequestState<'r> {
    let session = (c.session.is_pending() || c.session.auth_error().is_some())
        .then(|| Arc::clone(&c.session));
    let auth = Auth::from_session(c.session);
    RequestState {
        status: AuthStatus::SignedIn,
        auth,
        headers: HeaderMap::new(),
        token: Some(token),
        session,
    }
}

fn signed_out<'r>(
    reason: impl Into<Cow<'static, str>>,
    message: impl Into<Cow<'static, str>>,
) -> RequestState<'r> {
    let out = SignedOut::new(reason, message);
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-clerk-auth-status",
        HeaderValue::from_static("signed-out"),
    );
    if !out.reason.is_empty()
        && let Some(v) = request::to_latin1(&out.reason)
    {
        headers.insert("x-clerk-auth-reason", v);
    }
    if !out.message.is_empty()
        && let Some(v) = request::to_latin1(&out.message)
    {
        headers.insert("x-clerk-auth-message", v);
    }
    RequestState {
        status: AuthStatus::SignedOut,
        auth: Auth::SignedOut(out),
        headers,
        token: None,
        session: None,
    }
}

/// Unverified facts about a token, for the checks Clerk makes before
/// verifying (machine tokens, `iat` against `__client_uat`, `iss`).
pub(crate) struct Peek {
    pub(crate) iss: Option<String>,
    pub(crate) iat: Option<f64>,
    pub(crate) exp: Option<f64>,
    /// An M2M / OAuth token, or a non-session category (§6.5.1).
    pub(crate) machine: bool,
}

/// Decodes header and payload without verifying; `None` when the token
/// does not decode.
pub(crate) fn peek(token: &str) -> Option<Peek> {
    use clerk_edge::base64url;
    use clerk_edge::json;
    if token.len() > verify::MAX_TOKEN_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let decode = |seg: &str| -> Option<String> {
        let mut buf = vec![0u8; base64url::decoded_len(seg.as_bytes()).ok()?];
        let n = base64url::decode(seg.as_bytes(), &mut buf).ok()?;
        buf.truncate(n);
        let text = String::from_utf8(buf).ok()?;
        Some(
            text.strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text),
        )
    };
    let header = decode(h)?;
    let payload = decode(p)?;
    let header = json::parse(&header).ok()?;
    let payload = json::parse(&payload).ok()?;
    if header.kind() == json::Kind::Null || payload.kind() == json::Kind::Null {
        return None;
    }
    let string = |v: Option<json::Value<'_>>| -> Option<String> {
        let s = v?.as_str()?;
        let mut out = vec![0u8; s.unescaped_len()];
        s.unescape_into(&mut out).ok().map(str::to_owned)
    };
    let typ = string(header.get("typ"));
    let cat = string(header.get("cat"));
    let sub = string(payload.get("sub"));
    let plain = [h, p, s].iter().all(|seg| {
        !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let machine_jwt = plain
        && (matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt"))
            || sub.as_deref().is_some_and(|s| s.starts_with("mch_")));
    let foreign_category = cat.as_deref().is_some_and(|c| {
        !c.is_empty() && c != clerk_edge::header::SESSION_CATEGORY && c != "cl_I7d4PD111III"
    });
    Some(Peek {
        iss: string(payload.get("iss")),
        iat: payload.get("iat").and_then(|v| v.as_f64()),
        exp: payload.get("exp").and_then(|v| v.as_f64()),
        machine: machine_jwt || foreign_category,
    })
}
