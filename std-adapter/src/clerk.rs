//! The verifier shared by every request: keys, options, instance, cache.
//! Clerk's `verifyToken` and `authenticateRequest` are the core's
//! ([`clerk_edge::Verifier`], [`clerk_edge::Authenticator`]); this module
//! feeds them the current keys and the token cache, fetches the JWKS when
//! the core finds no key for a token, and turns the core's borrowed answer
//! into an owned one.

use crate::auth::{Auth, AuthStatus, Session, SignedOut};
use crate::cache::{CacheView, TokenCache};
use crate::config::{ClerkBuilder, ConfigError};
use crate::jwks::JwksSource;
use crate::parts::{HeaderText, HttpRequest, response_headers};
use clerk_edge::error::{Reason, TokenError};
use clerk_edge::request::{self, AuthReason, Instance, Scheme};
use clerk_edge::{Algorithms, Authenticator, JwtKey, Verifier, VerifyOptions, verify};
use http::HeaderMap;
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

/// Everything a [`Clerk`] holds; built by [`ClerkBuilder::build`].
pub(crate) struct Inner {
    pub(crate) keys: KeySource,
    pub(crate) parties: Vec<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) skew_ms: i64,
    pub(crate) algorithms: Algorithms,
    pub(crate) instance: Option<Instance>,
    pub(crate) default_scheme: Scheme,
    /// `ClerkBuilder::header_only`.
    pub(crate) header_only: bool,
    pub(crate) cache: Option<TokenCache>,
}

/// Why a token was rejected: Clerk's reason, message and action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    reason: Cow<'static, str>,
    message: String,
    action: Option<&'static str>,
}

impl Rejection {
    fn from_core(e: &TokenError<'_>) -> Self {
        Rejection {
            reason: Cow::Borrowed(e.reason().as_str()),
            message: e.to_string(),
            action: e.action(),
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
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.reason)
    }
}

impl std::error::Error for Rejection {}

/// Clerk's request state, owned: the status, what `getAuth()` returns, and
/// the headers Clerk sets (`x-clerk-auth-*`; for a handshake `location`,
/// `cache-control` and `set-cookie`).
#[derive(Debug)]
pub struct RequestState {
    /// `signed-in`, `signed-out` or `handshake` (a pending session, or one
    /// whose claims `toAuth()` cannot map, is `signed-in` here and signed
    /// out in `auth`, as in Clerk).
    pub status: AuthStatus,
    /// What `getAuth()` returns for this request.
    pub auth: Auth,
    /// Response headers Clerk sets (none when signed in).
    pub headers: HeaderMap,
}

/// One attempt; `NeedKeys` asks the caller to fetch the JWKS and try again.
pub(crate) enum Step<T> {
    Done(T),
    NeedKeys,
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A per-thread buffer larger than this is given back after use (hostile
/// requests with huge headers must not pin memory).
const KEEP_BUFFER_BYTES: usize = 256 * 1024;

/// Runs `f` on `len` bytes of this thread's scratch buffer (a fresh one
/// when it is in use).
pub(crate) fn with_buffer<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    BUFFER.with(|cell| {
        let mut shared = cell.try_borrow_mut().ok();
        let mut own = Vec::new();
        let buf = match shared.as_deref_mut() {
            Some(b) => b,
            None => &mut own,
        };
        if buf.len() < len {
            buf.resize(len, 0);
        }
        let out = f(buf.get_mut(..len).unwrap_or_default());
        if buf.len() > KEEP_BUFFER_BYTES {
            *buf = Vec::new();
        }
        out
    })
}

/// `items` as `&str`s, on the stack when there are few.
fn str_refs<'a>(
    items: &'a [String],
    stack: &'a mut [&'a str; 8],
    heap: &'a mut Vec<&'a str>,
) -> &'a [&'a str] {
    if items.len() <= stack.len() {
        for (slot, item) in stack.iter_mut().zip(items) {
            *slot = item;
        }
        stack.get(..items.len()).unwrap_or_default()
    } else {
        heap.extend(items.iter().map(String::as_str));
        heap
    }
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
            Some(j) => {
                let before = j.generation();
                let result = j.refresh().await.map(|_| ());
                self.forget_old_keys(before);
                result
            }
            None => Ok(()),
        }
    }

    pub(crate) async fn fetch_keys(&self) {
        if let Some(j) = self.jwks() {
            let before = j.generation();
            // Errors are logged inside; the cached keys stay in use.
            let _ = j.refresh().await;
            self.forget_old_keys(before);
        }
    }

    /// Clears the token cache when the key set changed since `before`.
    fn forget_old_keys(&self, before: u64) {
        if let (Some(j), Some(cache)) = (self.jwks(), &self.inner.cache)
            && j.generation() != before
        {
            cache.clear();
        }
    }

    /// Runs `f` with a verifier for the current keys, the options and the
    /// token cache (for the current key set).
    fn with_verifier<R>(&self, now_ms: i64, f: impl FnOnce(Verifier<'_>, u64) -> R) -> R {
        let inner = &*self.inner;
        let fetched;
        let (keys, generation): (&[JwtKey], u64) = match &inner.keys {
            KeySource::Static(k) => (k, 0),
            KeySource::Jwks(j) => {
                let (k, generation) = j.key_set();
                fetched = k;
                (&fetched, generation)
            }
        };
        let (mut parties_stack, mut parties_heap) = ([""; 8], Vec::new());
        let (mut audience_stack, mut audience_heap) = ([""; 8], Vec::new());
        let options = VerifyOptions {
            authorized_parties: str_refs(&inner.parties, &mut parties_stack, &mut parties_heap),
            audience: str_refs(&inner.audience, &mut audience_stack, &mut audience_heap),
            issuer: inner.issuer.as_deref(),
            clock_skew_ms: inner.skew_ms,
            algorithms: inner.algorithms,
        };
        let view = inner.cache.as_ref().map(|cache| CacheView {
            cache,
            generation,
            expired_before_ms: now_ms as f64 - inner.skew_ms as f64,
        });
        let verifier = Verifier::new(keys, options);
        match &view {
            Some(view) => f(verifier.with_signature_cache(view), generation),
            None => f(verifier, generation),
        }
    }

    /// What to do about a token for which the core found no key: with a
    /// JWKS, fetch it (`None`: allowed now) or say why there is no key.
    fn missing_key(&self, e: &TokenError<'_>, may_fetch: bool) -> Option<Option<Rejection>> {
        if !matches!(e, TokenError::NoKey | TokenError::KidMismatch) {
            return None;
        }
        let j = self.jwks()?;
        if may_fetch && j.refetch_allowed() {
            return Some(None);
        }
        Some(Some(if j.has_loaded() {
            Rejection {
                reason: Cow::Borrowed("jwk-remote-missing"),
                message: "Unable to find a signing key in JWKS that matches the kid of the provided session token.".to_owned(),
                action: Some("Make sure that the token was issued by this instance."),
            }
        } else {
            Rejection {
                reason: Cow::Borrowed("jwk-remote-failed-to-load"),
                message: "Failed to load JWKS from Clerk Backend API.".to_owned(),
                action: Some(
                    "Check CLERK_SECRET_KEY and CLERK_API_URL, and that the Backend API is reachable.",
                ),
            }
        }))
    }

    /// Clerk's `verifyToken`: verifies one session token at `now_ms`
    /// (through the token cache); with a JWKS, an unknown `kid` refetches
    /// the keys (rate-limited).
    pub async fn verify_token(&self, token: &str, now_ms: i64) -> Result<Arc<Session>, Rejection> {
        match self.verify_step(token, now_ms, true) {
            Step::Done(r) => r,
            Step::NeedKeys => {
                self.fetch_keys().await;
                self.verify_token_now(token, now_ms)
            }
        }
    }

    /// [`verify_token`](Self::verify_token) with the keys held now (no
    /// network).
    pub fn verify_token_now(&self, token: &str, now_ms: i64) -> Result<Arc<Session>, Rejection> {
        match self.verify_step(token, now_ms, false) {
            Step::Done(r) => r,
            Step::NeedKeys => Err(Rejection::from_core(&TokenError::NoKey)),
        }
    }

    /// The generation of the key set held now (0 for jwtKeys).
    fn generation(&self) -> u64 {
        match &self.inner.keys {
            KeySource::Static(_) => 0,
            KeySource::Jwks(j) => j.generation(),
        }
    }

    /// The session the cache keeps for `token` (with `header`: one signed
    /// in by the header path), when its `exp`, `nbf` and `iat` still pass
    /// at `now_ms`: every other check the core makes gave the same answer
    /// for this token, key set and configuration. `None`: ask the core.
    fn cached_session(&self, token: &str, now_ms: i64, header: bool) -> Option<Arc<Session>> {
        let cache = self.inner.cache.as_ref()?;
        let session = cache.session(token, self.generation(), header)?;
        session
            .times_pass(now_ms, self.inner.skew_ms)
            .then_some(session)
    }

    /// Keeps the session made of `token` (verified with the key set of
    /// `generation`) in the cache.
    fn keep_session(&self, token: &str, generation: u64, session: &Arc<Session>, header: bool) {
        if let Some(cache) = &self.inner.cache {
            cache.attach(token, generation, session, header);
        }
    }

    fn verify_step(
        &self,
        token: &str,
        now_ms: i64,
        may_fetch: bool,
    ) -> Step<Result<Arc<Session>, Rejection>> {
        if let Some(session) = self.cached_session(token, now_ms, false) {
            return Step::Done(Ok(session));
        }
        // Tokens over the core's limit are refused before the buffer is used.
        let len = verify::buffer_len(token.len().min(verify::MAX_TOKEN_LEN));
        with_buffer(len, |buf| {
            self.with_verifier(now_ms, |verifier, generation| {
                match verifier.verify(token, now_ms, buf) {
                    Ok(v) => {
                        let session = Arc::new(Session::new(token, now_ms, &v));
                        self.keep_session(token, generation, &session, false);
                        Step::Done(Ok(session))
                    }
                    Err(e) => match self.missing_key(&e, may_fetch) {
                        Some(None) => Step::NeedKeys,
                        Some(Some(r)) => Step::Done(Err(r)),
                        None => Step::Done(Err(Rejection::from_core(&e))),
                    },
                }
            })
        })
    }

    /// Clerk's `authenticateRequest` for session tokens; with a JWKS, an
    /// unknown `kid` refetches the keys (rate-limited).
    pub async fn authenticate<B>(&self, req: &http::Request<B>, now_ms: i64) -> RequestState {
        let r = HttpRequest::of(req);
        match self.authenticate_step(r, now_ms, true) {
            Step::Done(state) => state,
            Step::NeedKeys => {
                self.fetch_keys().await;
                self.authenticate_held(r, now_ms)
            }
        }
    }

    /// [`authenticate`](Self::authenticate) with the keys held now (no
    /// network).
    pub fn authenticate_now<B>(&self, req: &http::Request<B>, now_ms: i64) -> RequestState {
        self.authenticate_held(HttpRequest::of(req), now_ms)
    }

    pub(crate) fn authenticate_held(&self, req: HttpRequest<'_>, now_ms: i64) -> RequestState {
        match self.authenticate_step(req, now_ms, false) {
            Step::Done(state) => state,
            // Not reached: without `may_fetch` a missing key is reported.
            Step::NeedKeys => RequestState {
                status: AuthStatus::SignedOut,
                auth: Auth::signed_out("jwk-remote-missing", ""),
                headers: HeaderMap::new(),
            },
        }
    }

    /// One run of the core's `authenticateRequest` on `req`.
    pub(crate) fn authenticate_step(
        &self,
        req: HttpRequest<'_>,
        now_ms: i64,
        may_fetch: bool,
    ) -> Step<RequestState> {
        if let Some(state) = self.header_hit(req, now_ms) {
            return Step::Done(state);
        }
        let text = HeaderText::read(req);
        let parts = text.parts(self.inner.default_scheme);
        let header_token = parts.authorization.and_then(request::header_token);
        with_buffer(request::request_buffer_len(&parts), |buf| {
            self.with_verifier(now_ms, |verifier, generation| {
                let authenticator = Authenticator::new(verifier, self.inner.instance.as_ref());
                let state = if self.inner.header_only {
                    authenticator.authenticate_header_only(&parts, now_ms, buf)
                } else {
                    authenticator.authenticate(&parts, now_ms, buf)
                };
                let jwks = state
                    .token_error()
                    .and_then(|e| self.missing_key(e, may_fetch));
                let owned = match jwks {
                    Some(None) => return Step::NeedKeys,
                    Some(Some(r)) => owned_state(&state, now_ms, Some(&r)),
                    None => owned_state(&state, now_ms, None),
                };
                // Signed in by the header path: the same token signs in the
                // same way until its times fail.
                if let (Some(token), AuthStatus::SignedIn, Some(session)) =
                    (header_token, owned.status, owned.auth.verified_arc())
                    && state.token() == Some(token)
                {
                    self.keep_session(token, generation, session, true);
                }
                Step::Done(owned)
            })
        })
    }

    /// A request whose `Authorization` header carries a token the header
    /// path signed in before, and whose times still pass: Clerk reads
    /// nothing else of such a request (clerk-semantics.md §6.5), so the
    /// answer is the kept session, without the core. Anything else
    /// (cookies, several `Authorization` fields, non-ASCII bytes, a time
    /// check that fails, an unknown token) goes through the core.
    fn header_hit(&self, req: HttpRequest<'_>, now_ms: i64) -> Option<RequestState> {
        self.inner.cache.as_ref()?;
        let mut values = req.headers.get_all(http::header::AUTHORIZATION).iter();
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let text = std::str::from_utf8(value.as_bytes())
            .ok()
            .filter(|s| s.is_ascii())?;
        let token = request::header_token(text)?;
        let session = self.cached_session(token, now_ms, true)?;
        Some(RequestState {
            status: AuthStatus::SignedIn,
            auth: Auth::from_session(session),
            headers: HeaderMap::new(),
        })
    }
}

/// The core's state as an owned [`RequestState`]; `jwks` replaces the
/// core's `jwk-*` reason (which names no JWKS) by the JWKS one.
fn owned_state(
    state: &request::RequestState<'_>,
    now_ms: i64,
    jwks: Option<&Rejection>,
) -> RequestState {
    let status = state.status();
    if let (AuthStatus::SignedIn, Some(token), Some(verified)) =
        (status, state.token(), state.verified())
    {
        let session = Arc::new(Session::new(token, now_ms, verified));
        return RequestState {
            status,
            auth: Auth::from_session(session),
            // Usually none; a resolved handshake sets its cookies.
            headers: response_headers(state, None),
        };
    }
    let core_message = state.message().to_string();
    let jwks = jwks.filter(|_| {
        matches!(
            state.reason(),
            Some(AuthReason::Token(
                Reason::JwkKidMismatch | Reason::JwkFailedToResolve
            ))
        )
    });
    let (reason, message) = match jwks {
        Some(r) => {
            let carrier = core_message
                .rsplit_once("token-carrier=")
                .map_or("header", |(_, c)| c.trim_end_matches(')'));
            let mut message = r.message.clone();
            if let Some(action) = r.action {
                message.push(' ');
                message.push_str(action);
            }
            message.push_str(&format!(" (reason={}, token-carrier={carrier})", r.reason));
            (r.reason.clone(), message)
        }
        None => (
            Cow::Borrowed(state.reason().map_or("", AuthReason::as_str)),
            core_message,
        ),
    };
    let headers = response_headers(state, jwks.map(|_| (reason.as_ref(), message.as_str())));
    let message = if message.is_empty() {
        Cow::Borrowed("")
    } else {
        Cow::Owned(message)
    };
    RequestState {
        status,
        auth: Auth::SignedOut(SignedOut {
            status,
            reason,
            message,
            session: None,
        }),
        headers,
    }
}
