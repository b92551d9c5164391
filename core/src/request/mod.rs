//! Clerk's `authenticateRequest` for session tokens, from plain header
//! values: no HTTP library, no network, no allocation.
//!
//! An [`Authenticator`] (a [`Verifier`] plus, optionally, the [`Instance`]
//! a publishable key describes) looks at a request's [`RequestParts`] and
//! returns Clerk's [`RequestState`]: `signed-in`, `signed-out` with Clerk's
//! reason and message, or `handshake` with the `location` to redirect a
//! browser to, plus the response headers Clerk would set.
//!
//! The rules are Clerk's (clerk-semantics.md §6, `@clerk/backend` 3.25):
//! the `Authorization` header wins over cookies; cookies are parsed like
//! `cookie@1.1.1`; `__client_uat`, the suffixed cookies
//! (`__session_<suffix>`), the development dev-browser token, the handshake
//! eligibility and its redirect-loop guard all follow Clerk's order.
//!
//! What needs Clerk's network is out of scope, and answered the way Clerk
//! answers when that network call is not possible:
//! - refreshing an expired token with a `__refresh_<suffix>` cookie: the
//!   reason is `session-token-expired-refresh-missing-api-client` (Clerk's
//!   reason when it has no Backend API client) and the request goes on to a
//!   handshake or signed-out, like any expired token;
//! - a handshake nonce (`__clerk_handshake_nonce`): the payload is never
//!   fetched, so the result is signed-out `session-token-missing`, as Clerk
//!   gives when the fetch fails;
//! - machine tokens (`acceptsToken`) are not accepted: a machine token is a
//!   `token-type-mismatch`, as with Clerk's default.
//!
//! A `__clerk_handshake` token is verified with the configured keys, as
//! Clerk does with a jwtKey, and the session it carries is used.
//!
//! Not supported: satellite domains, `proxyUrl`/`domain`, organization sync
//! (`organizationSyncOptions`). Without an [`Instance`] (no publishable key)
//! only unsuffixed cookies are read, the instance counts as production, and
//! no handshake is possible: a request that Clerk would redirect is
//! signed-out with the same reason, and the cross-origin `Referer` check is
//! skipped. [`Authenticator::without_instance`] behaves the same and leaves
//! the code that only an instance can reach out of the program (firmware).

mod cookies;
mod handshake;
mod instance;
pub(crate) mod js;
mod state;
mod url;

pub use handshake::{HANDSHAKE_API_VERSION, Location};
pub use instance::{
    COOKIE_SUFFIX_LEN, ConfigError, Instance, MAX_FRONTEND_API_LEN, PublishableKeyError,
};
pub use state::{
    AuthReason, Carrier, HeaderValue, Headers, Message, RefreshError, RequestState, Status,
};
pub use url::Scheme;

use crate::auth::Auth;
use crate::base64url;
use crate::error::{DecodeError, Reason, Segment, TokenError};
use crate::header::SESSION_CATEGORY;
use crate::json::{Kind, Value};
use crate::token;
use crate::verify::{MAX_TOKEN_LEN, Verifier, VerifyOptions, buffer_len};
use handshake::ClerkUrl;
use state::{MessageKind, RedirectCount, valid_header_text};
use url::{AbsoluteUrl, Origin};

/// Clerk's token category that `authenticateRequest` lets through besides
/// the session category.
pub const IGNORE_CATEGORY: &str = "cl_I7d4PD111III";

/// Clock skew Clerk allows when it retries a development handshake's
/// session token that failed a time check (one day).
pub const DEV_HANDSHAKE_CLOCK_SKEW_MS: i64 = 86_400_000;

/// Longest `iss` compared with the Frontend API (to choose between
/// suffixed and unsuffixed cookies); a longer one never matches.
pub const MAX_ISSUER_LEN: usize = 1024;

/// Value of the `__clerk_redirect_count` cookie at which Clerk stops
/// redirecting to the handshake (a redirect loop).
pub const HANDSHAKE_REDIRECT_LIMIT: u32 = 3;

/// Clerk's message for a cross-origin page load on the primary domain.
const CROSS_ORIGIN_MESSAGE: &str = "Cross-origin request from satellite domain requires handshake";

/// The parts of an HTTP request that Clerk's `authenticateRequest` reads.
///
/// Header values are passed as received (surrounding white space is
/// ignored, as Fetch's `Headers` ignores it); `None` for an absent header.
/// When a header appears several times, join the values with `, ` (with
/// `; ` for `cookie`, which HTTP/2 may split).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct RequestParts<'r> {
    /// The method, e.g. `GET`.
    pub method: &'r str,
    /// The request target in origin form: `/path?query`.
    pub path_and_query: &'r str,
    /// The scheme the request arrived with (before any `x-forwarded-proto`).
    pub scheme: Scheme,
    /// `host` (or HTTP/2's `:authority`).
    pub host: Option<&'r str>,
    /// `x-forwarded-proto`
    pub forwarded_proto: Option<&'r str>,
    /// `x-forwarded-host`
    pub forwarded_host: Option<&'r str>,
    /// `authorization`: `Bearer <token>` (the scheme in any letter case,
    /// unlike Clerk, which ignores `bearer <token>`), or a bare token.
    pub authorization: Option<&'r str>,
    /// `cookie`
    pub cookie: Option<&'r str>,
    /// `sec-fetch-dest`
    pub sec_fetch_dest: Option<&'r str>,
    /// `accept`
    pub accept: Option<&'r str>,
    /// `referer`
    pub referer: Option<&'r str>,
    /// `origin` (Clerk reads it only for satellite apps, which are not
    /// supported; kept for completeness).
    pub origin: Option<&'r str>,
}

impl<'r> RequestParts<'r> {
    /// A request with this method and target and no headers (scheme
    /// `https`).
    pub fn new(method: &'r str, path_and_query: &'r str) -> Self {
        RequestParts {
            method,
            path_and_query,
            ..RequestParts::default()
        }
    }
}

/// Bytes of buffer that [`Authenticator::authenticate`] may need for
/// `request`: room to decode its tokens (a handshake token and the session
/// it carries included) and its percent-encoded cookie and query values.
///
/// With a smaller buffer, tokens that do not fit fail as `token-invalid`
/// (with [`DecodeError::BufferTooSmall`] as the detail), and
/// percent-encoded cookie and query values are used as they are.
pub fn request_buffer_len(request: &RequestParts<'_>) -> usize {
    let len = |s: Option<&str>| s.map_or(0, str::len);
    let cookie = len(request.cookie);
    let query = request.path_and_query.len();
    let largest = len(request.authorization)
        .max(cookie)
        .max(query)
        .min(MAX_TOKEN_LEN);
    cookie + query + 4 * buffer_len(largest)
}

/// Where an [`Authenticator`] finds its [`Instance`]: an
/// `Option<&Instance>` chosen at run time (the default), or [`NoInstance`].
pub trait InstanceSource<'a>: Copy + sealed::Sealed {
    /// The instance, if any.
    fn instance(self) -> Option<&'a Instance>;
}

impl<'a> InstanceSource<'a> for Option<&'a Instance> {
    #[inline]
    fn instance(self) -> Option<&'a Instance> {
        self
    }
}

/// No publishable key, known when the program is compiled: an
/// [`Authenticator::without_instance`] behaves exactly like
/// `Authenticator::new(verifier, None)`, and the code that only an instance
/// can reach (suffixed cookies, development instances, handshake redirects,
/// the cross-origin `Referer` check) is left out of the program. For
/// firmware, where that is several KB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoInstance;

impl<'a> InstanceSource<'a> for NoInstance {
    #[inline(always)]
    fn instance(self) -> Option<&'a Instance> {
        None
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for Option<&super::Instance> {}
    impl Sealed for super::NoInstance {}
}

/// The session token of an `Authorization` header value, as
/// [`Authenticator::authenticate`] reads it (trimmed, `Bearer` in any letter
/// case, or a bare token); `None` when the cookies are read instead.
///
/// With a header token Clerk ignores the cookies: a request that is signed
/// in with it would be signed in with that token alone, at the same time.
pub fn header_token(authorization: &str) -> Option<&str> {
    let value = trim_http_whitespace(authorization);
    cookies::authorization_token(value)
}

/// `s` without leading and trailing spaces, tabs, CRs and LFs: what Fetch's
/// `Headers` strips from a header value. Byte-wise (the bytes are ASCII, so
/// every cut is a character boundary), which is smaller on a
/// microcontroller than a `char` pattern.
pub(crate) fn trim_http_whitespace(s: &str) -> &str {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or("")
}

/// Clerk's `authenticateRequest` for session tokens.
///
/// `I` says where the instance comes from: `Option<&Instance>` for
/// [`Authenticator::new`], [`NoInstance`] for
/// [`Authenticator::without_instance`].
#[derive(Clone, Copy, Debug)]
pub struct Authenticator<'a, I = Option<&'a Instance>> {
    verifier: Verifier<'a>,
    /// The same checks with Clerk's one-day skew, for development
    /// handshakes.
    dev_retry: Verifier<'a>,
    instance: I,
}

impl<'a> Authenticator<'a> {
    /// An authenticator verifying with `verifier`, for the instance of a
    /// publishable key if given (suffixed cookies, development instances,
    /// handshakes).
    pub fn new(verifier: Verifier<'a>, instance: Option<&'a Instance>) -> Self {
        Authenticator::with_source(verifier, instance)
    }
}

impl<'a> Authenticator<'a, NoInstance> {
    /// An authenticator verifying with `verifier`, without a publishable
    /// key: the same as `Authenticator::new(verifier, None)`, in less code
    /// (see [`NoInstance`]).
    pub fn without_instance(verifier: Verifier<'a>) -> Self {
        Authenticator::with_source(verifier, NoInstance)
    }
}

impl<'a, I: InstanceSource<'a>> Authenticator<'a, I> {
    fn with_source(verifier: Verifier<'a>, instance: I) -> Self {
        let dev_retry = Verifier::new(
            verifier.keys(),
            VerifyOptions {
                clock_skew_ms: DEV_HANDSHAKE_CLOCK_SKEW_MS,
                ..*verifier.options()
            },
        );
        Authenticator {
            verifier,
            dev_retry,
            instance,
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier<'a> {
        &self.verifier
    }

    /// The instance, when a publishable key was given.
    pub fn instance(&self) -> Option<&'a Instance> {
        self.instance.instance()
    }

    /// Authenticates a request at `now_ms` (Unix milliseconds), decoding
    /// into `buf` (see [`request_buffer_len`]).
    ///
    /// The session token comes from the `Authorization` header (`Bearer`
    /// in any letter case: RFC 9110 makes the scheme case-insensitive,
    /// while Clerk ignores a `bearer` header and falls back to cookies), else
    /// from the `__session` cookie.
    ///
    /// ```
    /// use clerk_edge::request::{Authenticator, RequestParts, Status};
    /// use clerk_edge::{JwtKey, Verifier, VerifyOptions};
    ///
    /// let keys = [JwtKey::parse(include_str!("../../tests/data/keys/main.public.pem"))?];
    /// let auth = Authenticator::new(Verifier::new(&keys, VerifyOptions::default()), None);
    ///
    /// let mut request = RequestParts::new("GET", "/api/data");
    /// request.host = Some("app.example.com");
    /// let mut buf = [0u8; 256];
    /// let state = auth.authenticate(&request, 1_767_225_600_000, &mut buf);
    ///
    /// assert_eq!(state.status(), Status::SignedOut);
    /// assert_eq!(state.reason().map(|r| r.as_str()), Some("session-token-and-uat-missing"));
    /// assert!(state.message().is_empty());
    /// let headers: Vec<(&str, String)> =
    ///     state.headers().map(|(name, value)| (name, value.to_string())).collect();
    /// assert_eq!(headers, [
    ///     ("x-clerk-auth-reason", "session-token-and-uat-missing".to_string()),
    ///     ("x-clerk-auth-status", "signed-out".to_string()),
    /// ]);
    /// # Ok::<(), clerk_edge::KeyError>(())
    /// ```
    pub fn authenticate<'t>(
        &'t self,
        request: &RequestParts<'t>,
        now_ms: i64,
        buf: &'t mut [u8],
    ) -> RequestState<'t> {
        self.run::<true>(request, now_ms, buf)
    }

    /// [`authenticate`](Self::authenticate) for a service whose clients send
    /// the session token in the `Authorization` header only (API clients,
    /// devices): the `Cookie` header and the handshake query parameters are
    /// ignored, as if the request had none. Every header-token request gets
    /// the same state as from `authenticate` when it carries no cookies.
    ///
    /// The cookie rules (suffixed cookies, `__client_uat`, handshake tokens)
    /// are then not compiled in: about 4.7 KB less flash on Cortex-M.
    ///
    /// ```
    /// use clerk_edge::request::{Authenticator, RequestParts, Status};
    /// use clerk_edge::{JwtKey, Verifier, VerifyOptions};
    ///
    /// let keys = [JwtKey::parse(include_str!("../../tests/data/keys/main.public.pem"))?];
    /// let auth = Authenticator::without_instance(Verifier::new(&keys, VerifyOptions::default()));
    ///
    /// let mut request = RequestParts::new("GET", "/relay");
    /// request.cookie = Some("__session=eyJ...; __client_uat=1767225600");
    /// let mut buf = [0u8; 256];
    /// let state = auth.authenticate_header_only(&request, 1_767_225_600_000, &mut buf);
    /// assert_eq!(state.status(), Status::SignedOut);
    /// assert_eq!(state.reason().map(|r| r.as_str()), Some("session-token-and-uat-missing"));
    /// # Ok::<(), clerk_edge::KeyError>(())
    /// ```
    pub fn authenticate_header_only<'t>(
        &'t self,
        request: &RequestParts<'t>,
        now_ms: i64,
        buf: &'t mut [u8],
    ) -> RequestState<'t> {
        self.run::<false>(request, now_ms, buf)
    }

    fn run<'t, const COOKIES: bool>(
        &'t self,
        request: &RequestParts<'t>,
        now_ms: i64,
        buf: &'t mut [u8],
    ) -> RequestState<'t> {
        let flow = Flow::<'t, 'a, I, COOKIES> {
            verifier: &self.verifier,
            dev_retry: &self.dev_retry,
            instance: self.instance,
            req: Req::new(request),
            now_ms,
            _source: core::marker::PhantomData,
        };
        let mut bump = Bump { free: buf };
        match flow.req.authorization.and_then(header_token) {
            Some(token) => flow.header_path(token, &mut bump),
            None => flow.cookie_path(&mut bump),
        }
    }
}

/// The request with header values as Fetch's `Headers.get(...) ||
/// undefined` gives them: trimmed, empty as absent.
#[derive(Clone, Copy, Debug)]
struct Req<'t> {
    is_get: bool,
    path: &'t str,
    query: &'t str,
    scheme: Scheme,
    host: Option<&'t str>,
    forwarded_proto: Option<&'t str>,
    forwarded_host: Option<&'t str>,
    authorization: Option<&'t str>,
    cookie: Option<&'t str>,
    sec_fetch_dest: Option<&'t str>,
    accept: Option<&'t str>,
    referer: Option<&'t str>,
}

impl<'t> Req<'t> {
    fn new(r: &RequestParts<'t>) -> Self {
        let header = |v: Option<&'t str>| v.map(trim_http_whitespace).filter(|s| !s.is_empty());
        let target = r.path_and_query;
        let target = target.split_once('#').map_or(target, |(t, _)| t);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Req {
            // Fetch upper-cases the standard methods.
            is_get: r.method.eq_ignore_ascii_case("GET"),
            path,
            query,
            scheme: r.scheme,
            host: header(r.host),
            forwarded_proto: header(r.forwarded_proto),
            forwarded_host: header(r.forwarded_host),
            authorization: header(r.authorization),
            cookie: header(r.cookie),
            sec_fetch_dest: header(r.sec_fetch_dest),
            accept: header(r.accept),
            referer: header(r.referer),
        }
    }

    /// Clerk's `clerkUrl`: the origin from the first `x-forwarded-proto`
    /// and `x-forwarded-host` values, else the request's scheme and `Host`.
    fn clerk_url(&self) -> Option<ClerkUrl<'t>> {
        let initial = self.host.and_then(|h| Origin::parse(self.scheme, h));
        let first = |v: &'t str| v.split(',').next().unwrap_or(v);
        let host = self.forwarded_host.map(first).or(self.host);
        let proto = self.forwarded_proto.map(first);
        let derived = host.filter(|h| !h.is_empty()).and_then(|host| {
            let scheme = match proto {
                // The URL parser ignores leading spaces before the scheme and
                // trailing spaces after the host.
                Some(p) => Scheme::parse(p.trim_start_matches(|c: char| c <= ' '))?,
                None => self.scheme,
            };
            Origin::parse(scheme, host.trim_end_matches(|c: char| c <= ' '))
        });
        let origin = derived.or(initial)?;
        Some(ClerkUrl {
            origin,
            path: self.path,
            query: self.query,
        })
    }

    /// Clerk's `isRequestEligibleForHandshake`: a GET for a document or an
    /// iframe, or (without `sec-fetch-dest`) one accepting `text/html`.
    fn eligible_for_handshake(&self) -> bool {
        self.is_get
            && match self.sec_fetch_dest {
                Some(dest) => dest == "document" || dest == "iframe",
                None => self.accept.is_some_and(|a| a.starts_with("text/html")),
            }
    }
}

/// Hands out pieces of the caller's buffer.
struct Bump<'t> {
    free: &'t mut [u8],
}

impl<'t> Bump<'t> {
    /// The next `n` bytes, or all that is left when fewer.
    fn take(&mut self, n: usize) -> &'t mut [u8] {
        let free = core::mem::take(&mut self.free);
        let (taken, rest) = free.split_at_mut(n.min(free.len()));
        self.free = rest;
        taken
    }

    /// Keeps the first `len` bytes of the free space (just written) as a
    /// string.
    fn commit(&mut self, len: usize) -> Option<&'t str> {
        if len > self.free.len() {
            return None;
        }
        let (used, rest) = core::mem::take(&mut self.free).split_at_mut(len);
        self.free = rest;
        core::str::from_utf8(used).ok()
    }

    /// `decodeURIComponent` of a cookie value containing `%` (kept as it is
    /// when that fails, as `cookie@1.1.1` does, or when the buffer is full).
    fn cookie_value(&mut self, raw: &'t str) -> &'t str {
        if !raw.contains('%') {
            return raw;
        }
        match cookies::decode_uri_component(raw, self.free) {
            Ok(decoded) => {
                let len = decoded.len();
                self.commit(len).unwrap_or(raw)
            }
            Err(_) => raw,
        }
    }

    /// A query value, decoded (`None` when the buffer is full).
    fn query_value(&mut self, value: url::Component<'t>) -> Option<&'t str> {
        if !value.0.contains(['%', '+']) {
            // Nothing to decode unless it has non-UTF-8 escapes, which
            // need `%`.
            return Some(value.0);
        }
        let len = value.decode_into(self.free)?.len();
        self.commit(len)
    }
}

/// Facts about a token that is decoded but not verified (Clerk's
/// `decodeJwt`).
#[derive(Clone, Copy, Debug)]
struct Facts {
    /// `isMachineJwt`: JWT-shaped, and an OAuth `typ` or an `mch_` subject.
    machine: bool,
    /// `hasNonSessionJwtCategory`: `cat` present and neither the session
    /// nor the ignore category.
    non_session_category: bool,
    /// `!!payload.iss`
    has_issuer: bool,
    /// `iss` without `http(s)://` is the instance's Frontend API.
    belongs: bool,
    /// `payload.iat` as a number (`NaN` when absent).
    iat: f64,
    /// `payload.iat || 0` as a number.
    iat_or_zero: f64,
    /// `payload.exp <= (Date.now() / 1000 >> 0)`.
    expired: bool,
}

fn facts(
    token: &str,
    buf: &mut [u8],
    instance: Option<&Instance>,
    now_ms: i64,
) -> Result<Facts, TokenError<'static>> {
    let (kind, payload) = decode_kind(token, buf)?;
    let iss = payload.get("iss");
    let iat = payload.get("iat");
    let now_s = js::now_seconds_int32(now_ms);
    Ok(Facts {
        machine: kind.machine,
        non_session_category: kind.non_session_category,
        has_issuer: js::truthy(iss),
        belongs: match (iss, instance) {
            (Some(iss), Some(instance)) => issuer_belongs(iss, instance.frontend_api()),
            _ => false,
        },
        iat: js::to_number(iat),
        iat_or_zero: if js::truthy(iat) {
            js::to_number(iat)
        } else {
            0.0
        },
        expired: js::to_number(payload.get("exp")) <= now_s,
    })
}

/// Whether a decoded token is a machine token or of another category.
#[derive(Clone, Copy, Debug)]
struct TokenKind {
    machine: bool,
    non_session_category: bool,
}

/// Clerk's `isMachineJwt` (JWT-shaped, with an OAuth `typ` or an `mch_`
/// subject) and `hasNonSessionJwtCategory` (`cat` present and neither the
/// session nor the ignore category), for a token whose three segments
/// passed base64url validation; `m2m_sub`: its `sub` starts with `mch_`.
/// Decodes `token` the way Clerk's `decodeJwt` does and classifies it;
/// also returns the payload.
fn decode_kind<'b>(
    token: &str,
    buf: &'b mut [u8],
) -> Result<(TokenKind, Value<'b>), TokenError<'static>> {
    let segments = token::split(token)?;
    let (header, rest) =
        token::decode_json(Segment::Header, segments.header, buf).map_err(TokenError::Decode)?;
    let (payload, _) =
        token::decode_json(Segment::Payload, segments.payload, rest).map_err(TokenError::Decode)?;
    base64url::validate(segments.signature.as_bytes())
        .map_err(|e| TokenError::Decode(DecodeError::Base64(Segment::Signature, e)))?;
    Ok((classify(token, header, machine_subject(payload)), payload))
}

fn classify(token: &str, header: Value<'_>, m2m_sub: bool) -> TokenKind {
    let oauth_typ = header
        .get("typ")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t.eq_str("at+jwt") || t.eq_str("application/at+jwt"));
    let non_session_category = header.get("cat").is_some_and(|cat| {
        !cat.as_str()
            .is_some_and(|c| c.eq_str(SESSION_CATEGORY) || c.eq_str(IGNORE_CATEGORY))
    });
    TokenKind {
        machine: (oauth_typ || m2m_sub) && jwt_shaped(token),
        non_session_category,
    }
}

/// `payload.sub` is a string starting with `mch_`.
fn machine_subject(payload: Value<'_>) -> bool {
    payload
        .get("sub")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.chars().take(4).eq("mch_".chars()))
}

/// `/^[a-zA-Z0-9\-_]+\.[a-zA-Z0-9\-_]+\.[a-zA-Z0-9\-_]+$/` for a token
/// whose three segments passed base64url validation: their bytes are then
/// in the regex's alphabet except trailing `=` padding, so the token
/// matches unless a segment is empty or padded (no byte-by-byte rescan).
fn jwt_shaped(token: &str) -> bool {
    let (Some(first), Some(second)) = (token.find('.'), token.rfind('.')) else {
        return false;
    };
    let bytes = token.as_bytes();
    let segment = |start: usize, end: usize| end > start && bytes.get(end - 1) != Some(&b'=');
    segment(0, first) && segment(first + 1, second) && segment(second + 1, bytes.len())
}

/// `typeof iss === "string" && iss.replace(/https?:\/\//gi, "") === fapi`.
fn issuer_belongs(iss: Value<'_>, frontend_api: &str) -> bool {
    let Some(s) = iss.as_str() else {
        return false;
    };
    let mut buf = [0u8; MAX_ISSUER_LEN];
    let text = match s.as_borrowed() {
        Some(text) => text,
        None if s.unescaped_len() <= MAX_ISSUER_LEN => match s.unescape_into(&mut buf) {
            Ok(text) => text,
            Err(_) => return false,
        },
        None => return false,
    };
    let mut rest = text;
    let mut expected = frontend_api;
    while !rest.is_empty() {
        let skip = ["https://", "http://"].iter().find_map(|p| {
            rest.get(..p.len())
                .filter(|head| head.eq_ignore_ascii_case(p))
                .map(|_| p.len())
        });
        if let Some(n) = skip {
            rest = rest.get(n..).unwrap_or("");
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        let Some(e) = expected.strip_prefix(c) else {
            return false;
        };
        expected = e;
        rest = chars.as_str();
    }
    expected.is_empty()
}

/// The cookies (and query values) Clerk's request logic reads.
#[derive(Clone, Copy, Debug, Default)]
struct RawCookies<'t> {
    session: Option<&'t str>,
    session_suffixed: Option<&'t str>,
    client_uat: Option<&'t str>,
    client_uat_suffixed: Option<&'t str>,
    dev_browser: Option<&'t str>,
    dev_browser_suffixed: Option<&'t str>,
    refresh_suffixed: Option<&'t str>,
    handshake: Option<&'t str>,
    handshake_nonce: Option<&'t str>,
    redirect_count: Option<&'t str>,
}

/// Clerk's `usesSuffixedCookies`, with the session tokens it decoded.
#[derive(Clone, Copy, Debug)]
struct Suffixed {
    suffixed: bool,
    unsuffixed_facts: Option<Result<Facts, TokenError<'static>>>,
    suffixed_facts: Option<Result<Facts, TokenError<'static>>>,
}

/// What Clerk's `AuthenticateContext` derives from cookies and the query.
#[derive(Clone, Copy, Debug)]
struct CookieCtx<'t> {
    suffixed: bool,
    session: Option<&'t str>,
    /// The facts of `session`, when choosing it decoded it already.
    session_facts: Option<Result<Facts, TokenError<'static>>>,
    client_uat: f64,
    dev_browser: Option<&'t str>,
    /// `__clerk_db_jwt` is in the query (even empty).
    dev_browser_in_query: bool,
    refresh: bool,
    handshake_token: Option<&'t str>,
    handshake_nonce: Option<&'t str>,
    redirect_count: f64,
    redirect_url: Option<&'t str>,
}

impl CookieCtx<'_> {
    /// What a request without cookies or Clerk query parameters gives.
    const NONE: Self = CookieCtx {
        suffixed: false,
        session: None,
        session_facts: None,
        client_uat: 0.0,
        dev_browser: None,
        dev_browser_in_query: false,
        refresh: false,
        handshake_token: None,
        handshake_nonce: None,
        redirect_count: 0.0,
        redirect_url: None,
    };
}

/// One `authenticateRequest` call.
///
/// Generic over where the instance comes from so that, with [`NoInstance`],
/// every `self.instance()` is a constant `None` and the code behind it is
/// not compiled in; likewise `COOKIES = false` leaves the cookie and
/// handshake-query code out.
struct Flow<'t, 'a, I, const COOKIES: bool> {
    verifier: &'t Verifier<'t>,
    dev_retry: &'t Verifier<'t>,
    instance: I,
    req: Req<'t>,
    now_ms: i64,
    _source: core::marker::PhantomData<&'a ()>,
}

/// What resolving a handshake token leads to.
#[allow(clippy::large_enum_variant)] // returned once per request
enum Resolution<'t> {
    Done(RequestState<'t>),
    /// Clerk throws (a development handshake token that does not verify).
    Throw(TokenError<'t>),
    /// Clerk logs the failure and goes on with the cookies.
    Continue,
}

impl<'t, 'a: 't, I: InstanceSource<'a>, const COOKIES: bool> Flow<'t, 'a, I, COOKIES> {
    #[inline(always)]
    fn instance(&self) -> Option<&'t Instance> {
        self.instance.instance()
    }

    fn development(&self) -> bool {
        self.instance().is_some_and(|i| i.is_development())
    }

    /// `authenticateRequestWithTokenInHeader`.
    ///
    /// Clerk rejects a machine token before verifying; the check depends on
    /// the token alone, so it is made on the already decoded token after a
    /// successful verification (the common case decodes once), and by
    /// decoding again only when verification fails.
    fn header_path(&self, token: &'t str, bump: &mut Bump<'t>) -> RequestState<'t> {
        let mismatch =
            || RequestState::signed_out(AuthReason::TokenTypeMismatch, MessageKind::Empty);
        let buf = bump.take(buffer_len(token.len()));
        match self.verifier.verify(token, self.now_ms, buf) {
            Ok(verified) => {
                let m2m_sub = verified.claims.sub.starts_with("mch_");
                let kind = classify(token, verified.header.raw, m2m_sub);
                if kind.machine || kind.non_session_category {
                    return mismatch();
                }
                RequestState::signed_in(token, verified)
            }
            Err(error) => {
                if let Ok((kind, _)) = decode_kind(token, bump.free)
                    && (kind.machine || kind.non_session_category)
                {
                    return mismatch();
                }
                let cx = self.cookie_ctx(bump);
                self.token_error(error, Carrier::Header, &cx, Some(token))
            }
        }
    }

    /// `authenticateRequestWithTokenInCookie`.
    fn cookie_path(&self, bump: &mut Bump<'t>) -> RequestState<'t> {
        let cx = self.cookie_ctx(bump);
        if COOKIES && (cx.handshake_nonce.is_some() || cx.handshake_token.is_some()) {
            match self.resolve_handshake(&cx, bump) {
                Resolution::Done(state) => return state,
                Resolution::Throw(error) => {
                    return RequestState::signed_out(
                        AuthReason::UnexpectedError,
                        MessageKind::HandshakeFailed(error),
                    );
                }
                Resolution::Continue => {}
            }
        }
        let dev = self.development();
        if let Some(redirect) = cx.redirect_url.filter(|_| dev) {
            // `new URL(redirectUrl)` throws on what it cannot parse.
            let Some(url) = AbsoluteUrl::parse(redirect) else {
                return RequestState::signed_out(AuthReason::UnexpectedError, MessageKind::Empty);
            };
            let location = Location::sync_back(url, cx.dev_browser);
            return self.maybe_handshake(
                AuthReason::PrimaryRespondsToSyncing,
                MessageKind::Empty,
                &cx,
                None,
                Some(location),
            );
        }
        if dev && cx.dev_browser_in_query {
            return self.maybe_handshake(
                AuthReason::DevBrowserSync,
                MessageKind::Empty,
                &cx,
                None,
                None,
            );
        }
        if dev && cx.dev_browser.is_none() {
            return self.maybe_handshake(
                AuthReason::DevBrowserMissing,
                MessageKind::Empty,
                &cx,
                None,
                None,
            );
        }
        let has_client = cx.client_uat != 0.0;
        let token = match (has_client, cx.session) {
            (false, None) => {
                return RequestState::signed_out(
                    AuthReason::SessionTokenAndUatMissing,
                    MessageKind::Empty,
                );
            }
            (false, Some(_)) => {
                return self.maybe_handshake(
                    AuthReason::SessionTokenButNoClientUat,
                    MessageKind::Empty,
                    &cx,
                    None,
                    None,
                );
            }
            (true, None) => {
                return self.maybe_handshake(
                    AuthReason::ClientUatButNoSessionToken,
                    MessageKind::Empty,
                    &cx,
                    None,
                    None,
                );
            }
            (true, Some(token)) => token,
        };
        let decoded = match cx.session_facts {
            Some(known) => known,
            None => facts(token, bump.free, self.instance(), self.now_ms),
        };
        let f = match decoded {
            Ok(f) => f,
            Err(error) => return self.token_error(error, Carrier::Cookie, &cx, None),
        };
        if f.machine || f.non_session_category {
            return RequestState::signed_out(AuthReason::TokenTypeMismatch, MessageKind::Empty);
        }
        if f.iat < cx.client_uat {
            return self.maybe_handshake(
                AuthReason::SessionTokenIatBeforeClientUat,
                MessageKind::Empty,
                &cx,
                None,
                None,
            );
        }
        let buf = bump.take(buffer_len(token.len()));
        let verified = match self.verifier.verify(token, self.now_ms, buf) {
            Ok(v) => v,
            Err(error) => return self.token_error(error, Carrier::Cookie, &cx, None),
        };
        if self.cross_origin_page_load(&cx) {
            return self.maybe_handshake(
                AuthReason::PrimaryDomainCrossOriginSync,
                MessageKind::Static(CROSS_ORIGIN_MESSAGE),
                &cx,
                None,
                None,
            );
        }
        if Auth::from_verified(&verified).is_err() {
            // Clerk calls `toAuth()` here; what throws is an unexpected error.
            return RequestState::signed_out(AuthReason::UnexpectedError, MessageKind::Empty);
        }
        RequestState::signed_in(token, verified)
    }

    /// Reads the cookies once (first of duplicates wins, empty values are
    /// absent), decodes the ones with `%`, and derives Clerk's values.
    fn cookie_ctx(&self, bump: &mut Bump<'t>) -> CookieCtx<'t> {
        if !COOKIES {
            return CookieCtx::NONE;
        }
        let mut raw = RawCookies::default();
        for pair in cookies::pairs(self.req.cookie.unwrap_or("")) {
            let slot = match pair.name {
                "__session" => &mut raw.session,
                "__client_uat" => &mut raw.client_uat,
                "__clerk_db_jwt" => &mut raw.dev_browser,
                "__clerk_handshake" => &mut raw.handshake,
                "__clerk_handshake_nonce" => &mut raw.handshake_nonce,
                "__clerk_redirect_count" => &mut raw.redirect_count,
                name => match self.instance() {
                    Some(i) if i.is_suffixed(name, "__session") => &mut raw.session_suffixed,
                    Some(i) if i.is_suffixed(name, "__client_uat") => &mut raw.client_uat_suffixed,
                    Some(i) if i.is_suffixed(name, "__clerk_db_jwt") => {
                        &mut raw.dev_browser_suffixed
                    }
                    Some(i) if i.is_suffixed(name, "__refresh") => &mut raw.refresh_suffixed,
                    _ => continue,
                },
            };
            // Duplicates: the first one wins (even when it is empty).
            if slot.is_none() {
                *slot = Some(pair.value);
            }
        }
        let mut value =
            |v: Option<&'t str>| v.map(|v| bump.cookie_value(v)).filter(|v| !v.is_empty());
        let raw = RawCookies {
            session: value(raw.session),
            session_suffixed: value(raw.session_suffixed),
            client_uat: value(raw.client_uat),
            client_uat_suffixed: value(raw.client_uat_suffixed),
            dev_browser: value(raw.dev_browser),
            dev_browser_suffixed: value(raw.dev_browser_suffixed),
            refresh_suffixed: value(raw.refresh_suffixed),
            handshake: value(raw.handshake),
            handshake_nonce: value(raw.handshake_nonce),
            redirect_count: value(raw.redirect_count),
        };
        let Suffixed {
            suffixed,
            unsuffixed_facts,
            suffixed_facts,
        } = self.uses_suffixed_cookies(&raw, bump);
        let pick = |unsuffixed, suffixed_value| if suffixed { suffixed_value } else { unsuffixed };
        let query = self.req.query;
        let mut param = |name: &str| {
            url::query_get(query, name)
                .and_then(|v| bump.query_value(v))
                .filter(|v| !v.is_empty())
        };
        let dev_browser_query = param("__clerk_db_jwt");
        let handshake_query = param("__clerk_handshake");
        let nonce_query = param("__clerk_handshake_nonce");
        let redirect_url = param("__clerk_redirect_url");
        CookieCtx {
            suffixed,
            session: pick(raw.session, raw.session_suffixed),
            session_facts: if suffixed {
                suffixed_facts
            } else {
                unsuffixed_facts
            },
            client_uat: {
                let uat = pick(raw.client_uat, raw.client_uat_suffixed).unwrap_or("");
                let n = js::parse_int(uat);
                if n.is_nan() { 0.0 } else { n }
            },
            dev_browser: dev_browser_query.or(pick(raw.dev_browser, raw.dev_browser_suffixed)),
            dev_browser_in_query: url::query_get(query, "__clerk_db_jwt").is_some(),
            refresh: raw.refresh_suffixed.is_some(),
            handshake_token: handshake_query.or(raw.handshake),
            handshake_nonce: nonce_query.or(raw.handshake_nonce),
            redirect_count: {
                let n = raw
                    .redirect_count
                    .map_or(0.0, |c| js::string_to_number(c.chars()));
                if n.is_nan() { 0.0 } else { n }
            },
            redirect_url,
        }
    }

    /// Clerk's `usesSuffixedCookies`.
    fn uses_suffixed_cookies(&self, c: &RawCookies<'t>, bump: &mut Bump<'t>) -> Suffixed {
        let mut out = Suffixed {
            suffixed: false,
            unsuffixed_facts: None,
            suffixed_facts: None,
        };
        let Some(instance) = self.instance() else {
            return out;
        };
        let facts_of =
            |token: &str, bump: &mut Bump<'t>| facts(token, bump.free, Some(instance), self.now_ms);
        out.unsuffixed_facts = c.session.map(|t| facts_of(t, bump));
        let session = out.unsuffixed_facts.and_then(Result::ok);
        if c.session.is_some() {
            if !session.is_some_and(|f| f.has_issuer) {
                return out;
            }
            if !session.is_some_and(|f| f.belongs) {
                out.suffixed = true;
                return out;
            }
        }
        if c.client_uat_suffixed.is_none() && c.session_suffixed.is_none() {
            return out;
        }
        out.suffixed_facts = c.session_suffixed.map(|t| facts_of(t, bump));
        let suffixed_session = out.suffixed_facts.and_then(Result::ok);
        // `iat || 0` compared with `>`: numbers here (two string `iat`s
        // would compare as strings in JavaScript).
        let session_iat = session.map_or(0.0, |f| f.iat_or_zero);
        let suffixed_iat = suffixed_session.map_or(0.0, |f| f.iat_or_zero);
        let suffixed_uat_zero = c.client_uat_suffixed == Some("0");
        let uat_zero = c.client_uat == Some("0");
        if !suffixed_uat_zero && !uat_zero && session_iat > suffixed_iat {
            return out;
        }
        if suffixed_uat_zero && !uat_zero {
            return out;
        }
        if instance.is_development()
            && !suffixed_uat_zero
            && uat_zero
            && suffixed_session.is_some_and(|f| f.expired)
        {
            return out;
        }
        if c.client_uat_suffixed.is_none() && c.session_suffixed.is_some() {
            return out;
        }
        out.suffixed = true;
        out
    }

    /// `handleSessionTokenError`.
    fn token_error(
        &self,
        error: TokenError<'t>,
        carrier: Carrier,
        cx: &CookieCtx<'t>,
        header_token: Option<&'t str>,
    ) -> RequestState<'t> {
        if let TokenError::Decode(DecodeError::Null(_)) = error {
            // JavaScript fails with a TypeError, not a verification error.
            return RequestState::signed_out(AuthReason::UnexpectedError, MessageKind::Empty);
        }
        let reason = match error.reason() {
            Reason::TokenExpired => AuthReason::SessionTokenExpiredRefresh(if !self.req.is_get {
                RefreshError::NonEligibleNonGet
            } else if !cx.refresh {
                RefreshError::NonEligibleNoRefreshCookie
            } else {
                RefreshError::MissingApiClient
            }),
            Reason::TokenNotActiveYet => AuthReason::SessionTokenNbf,
            Reason::TokenIatInTheFuture => AuthReason::SessionTokenIatInTheFuture,
            other => {
                return RequestState::signed_out(
                    AuthReason::Token(other),
                    MessageKind::Token(error, carrier),
                );
            }
        };
        self.maybe_handshake(
            reason,
            MessageKind::Token(error, carrier),
            cx,
            header_token,
            None,
        )
    }

    /// `handleMaybeHandshakeStatus`.
    fn maybe_handshake(
        &self,
        reason: AuthReason,
        message: MessageKind<'t>,
        cx: &CookieCtx<'t>,
        header_token: Option<&'t str>,
        location: Option<Location<'t>>,
    ) -> RequestState<'t> {
        // Without an instance there is no redirect: `location` only comes
        // from development instances. Checked first so that, with
        // `NoInstance`, the rest is not compiled in.
        let Some(instance) = self.instance() else {
            return RequestState::signed_out(reason, message);
        };
        if !self.req.eligible_for_handshake() {
            return RequestState::signed_out(reason, message);
        }
        let location = location.or_else(|| {
            let url = self.req.clerk_url()?;
            Some(Location::handshake(
                instance.frontend_api(),
                url,
                cx.suffixed,
                reason,
                cx.session.or(header_token),
                cx.dev_browser.filter(|_| instance.is_development()),
            ))
        });
        let Some(location) = location else {
            // No origin: no redirect can be built.
            return RequestState::signed_out(reason, message);
        };
        if cx.redirect_count == f64::from(HANDSHAKE_REDIRECT_LIMIT) {
            return RequestState::signed_out(reason, message);
        }
        RequestState {
            location: Some(location),
            redirect_count: Some(RedirectCount::new(cx.redirect_count + 1.0)),
            ..RequestState::new(Status::Handshake, Some(reason), message)
        }
    }

    /// The primary-domain check after a cookie token verified: a GET page
    /// load, a `Referer` from another origin that is not Clerk's, and no
    /// handshake redirect yet.
    fn cross_origin_page_load(&self, cx: &CookieCtx<'t>) -> bool {
        let Some(instance) = self.instance() else {
            return false;
        };
        if !self.req.is_get
            || self.req.sec_fetch_dest != Some("document")
            || cx.redirect_count != 0.0
        {
            return false;
        }
        let (Some(referer), Some(url)) = (self.req.referer, self.req.clerk_url()) else {
            return false;
        };
        let referer_origin = match url::url_origin(referer) {
            None => return false,
            Some(None) => return true,
            Some(Some(o)) => o,
        };
        !referer_origin.same_as(&url.origin) && !known_clerk_referrer(&referer_origin, instance)
    }

    /// `resolveHandshake`, for a handshake token (a nonce would need
    /// Clerk's Backend API).
    fn resolve_handshake(&self, cx: &CookieCtx<'t>, bump: &mut Bump<'t>) -> Resolution<'t> {
        let dev = self.development();
        let location = if dev {
            self.req.clerk_url().map(Location::cleaned)
        } else {
            None
        };
        let base = |status, reason, message| RequestState {
            cors: true,
            location,
            ..RequestState::new(status, reason, message)
        };
        let session_missing = || {
            base(
                Status::SignedOut,
                Some(AuthReason::SessionTokenMissing),
                MessageKind::Empty,
            )
        };
        if cx.handshake_nonce.is_some() {
            return Resolution::Done(session_missing());
        }
        let Some(token) = cx.handshake_token else {
            return Resolution::Continue;
        };
        let fail = |error| {
            if dev {
                Resolution::Throw(error)
            } else {
                Resolution::Continue
            }
        };
        match facts(token, bump.free, self.instance(), self.now_ms) {
            Ok(f) if f.non_session_category => return fail(TokenError::MachineCategory),
            _ => {}
        }
        let buf = bump.take(buffer_len(token.len()));
        let payload = match self.verifier.verify_signature(token, buf) {
            Ok(payload) => payload,
            Err(error) => return fail(error),
        };
        let Some((cookies, count, session)) = handshake_cookies(payload, bump) else {
            // A directive that is not a string, or not a header value: Clerk
            // throws a TypeError, logs it and goes on.
            return Resolution::Continue;
        };
        let with_cookies = |mut state: RequestState<'t>| {
            state.handshake_cookies = (count > 0).then_some(cookies);
            state
        };
        let session = match session {
            HandshakeSession::None => return Resolution::Done(with_cookies(session_missing())),
            HandshakeSession::Token("") => {
                return Resolution::Done(with_cookies(session_missing()));
            }
            HandshakeSession::Token(t) => t,
            HandshakeSession::NoValue => "",
        };
        let buf = bump.take(buffer_len(session.len()));
        let error = match self.verifier.verify(session, self.now_ms, buf) {
            Ok(verified) => {
                let mut state = base(Status::SignedIn, None, MessageKind::Empty);
                state.token = Some(session);
                state.verified = Some(verified);
                return Resolution::Done(with_cookies(state));
            }
            Err(error) => error,
        };
        let time_error = matches!(
            error.reason(),
            Reason::TokenExpired | Reason::TokenNotActiveYet | Reason::TokenIatInTheFuture
        );
        if dev && time_error {
            let buf = bump.take(buffer_len(session.len()));
            if let Ok(verified) = self.dev_retry.verify(session, self.now_ms, buf) {
                let mut state = base(Status::SignedIn, None, MessageKind::Empty);
                state.token = Some(session);
                state.verified = Some(verified);
                return Resolution::Done(with_cookies(state));
            }
        }
        // Clerk throws a plain `Error`, logs it and goes on with the cookies.
        Resolution::Continue
    }
}

/// Clerk's `isKnownClerkReferrer`: the Frontend API itself, the instance's
/// Account Portal, or (development) a development Account Portal.
fn known_clerk_referrer(referer: &Origin<'_>, instance: &Instance) -> bool {
    let fapi = instance.frontend_api();
    if referer.host_eq(fapi) {
        return true;
    }
    let host_ends = |suffix: &str| {
        let h = referer.host;
        h.len() >= suffix.len()
            && h.get(h.len() - suffix.len()..)
                .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
    };
    let host_starts = |prefix: &str| {
        referer
            .host
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if instance.is_development() {
        let legacy = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"];
        if host_starts("accounts.") && legacy.iter().any(|s| host_ends(s)) {
            return true;
        }
        let current = [
            (".accounts.dev", ".clerk.accounts.dev"),
            (".accountsstage.dev", ".clerk.accountsstage.dev"),
            (".accounts.lclclerk.com", ".clerk.accounts.lclclerk.com"),
        ];
        if current
            .iter()
            .any(|(s, clerk)| host_ends(s) && !host_ends(clerk))
        {
            return true;
        }
    }
    // `https://` + fapi with `clerk.accountsstage.` → `accountsstage.`,
    // then the first `clerk.accounts.` or `clerk.` → `accounts.`.
    let Some(step1) = replaced(fapi, &["clerk.accountsstage."], "accountsstage.") else {
        return false;
    };
    let Some(accounts) = replaced(&step1, &["clerk.accounts.", "clerk."], "accounts.") else {
        return false;
    };
    referer.scheme == Scheme::Https
        && referer.port.is_none()
        && referer.host.eq_ignore_ascii_case(&accounts)
}

/// [`replace_first`] written into a fixed buffer; `None` when it does not fit.
fn replaced(
    s: &str,
    patterns: &[&str],
    with: &str,
) -> Option<heapless::String<{ MAX_FRONTEND_API_LEN + 8 }>> {
    let (a, b, c) = replace_first(s, patterns, with);
    let mut out = heapless::String::new();
    out.push_str(a).ok()?;
    out.push_str(b).ok()?;
    out.push_str(c).ok()?;
    Some(out)
}

/// `s.replace(/p1|p2|.../, with)`: the leftmost match (the first pattern
/// at the same position), as three pieces to concatenate.
fn replace_first<'s>(s: &'s str, patterns: &[&str], with: &'s str) -> (&'s str, &'s str, &'s str) {
    for (i, _) in s.char_indices() {
        let rest = s.get(i..).unwrap_or("");
        if let Some(p) = patterns.iter().find(|p| rest.starts_with(**p)) {
            return (
                s.get(..i).unwrap_or(""),
                with,
                rest.get(p.len()..).unwrap_or(""),
            );
        }
    }
    (s, "", "")
}

/// The session cookie a handshake carries (Clerk's `getCookieValue`).
#[derive(Clone, Copy, Debug)]
enum HandshakeSession<'t> {
    /// No `__session*` directive: Clerk's token stays `""`.
    None,
    /// `__session*` without `=`: Clerk's token is `undefined`.
    NoValue,
    Token(&'t str),
}

/// Unescapes the `handshake` claim's directives into the buffer, separated
/// by `\n`, and finds the last `__session*` one. `None` when Clerk would
/// throw: an element that is not a string, or not a valid header value.
fn handshake_cookies<'t>(
    payload: Value<'t>,
    bump: &mut Bump<'t>,
) -> Option<(&'t str, usize, HandshakeSession<'t>)> {
    let list = match payload.get("handshake") {
        Some(list) if list.kind() == Kind::Array => list,
        _ => return Some(("", 0, HandshakeSession::None)),
    };
    let mut len = 0;
    let mut count = 0;
    for (i, element) in list.elements().into_iter().flatten().enumerate() {
        count += 1;
        let s = element.as_str()?;
        let dst = bump.free.get_mut(len..)?;
        let sep = usize::from(i > 0);
        if sep == 1 {
            *dst.first_mut()? = b'\n';
        }
        let written = s.unescape_into(dst.get_mut(sep..)?).ok()?;
        if !valid_header_text(written) {
            return None;
        }
        len += sep + written.len();
    }
    let all = bump.commit(len)?;
    let mut session = HandshakeSession::None;
    for directive in all.split('\n') {
        let first = directive.split(';').next().unwrap_or("");
        let mut kv = first.split('=');
        if kv.next().unwrap_or("").starts_with("__session") {
            session = match kv.next() {
                Some(value) => HandshakeSession::Token(value),
                None => HandshakeSession::NoValue,
            };
        }
    }
    Some((all, count, session))
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    use super::*;

    #[test]
    fn issuer_matching() {
        let v = |s: &'static str| crate::json::parse(s).ok();
        let check = |iss: &'static str, fapi: &str| v(iss).is_some_and(|i| issuer_belongs(i, fapi));
        assert!(check(r#""https://clerk.example.com""#, "clerk.example.com"));
        assert!(check(r#""HTTP://clerk.example.com""#, "clerk.example.com"));
        assert!(check(r#""clerk.example.com""#, "clerk.example.com"));
        assert!(check(r#""clerk.https://example.com""#, "clerk.example.com"));
        assert!(!check(
            r#""https://clerk.other-app.com""#,
            "clerk.example.com"
        ));
        assert!(!check(
            r#""https://clerk.example.com/""#,
            "clerk.example.com"
        ));
        assert!(check(
            r#""https:\/\/clerk.example.com""#,
            "clerk.example.com"
        ));
        assert!(!check("5", "clerk.example.com"));
    }

    #[test]
    fn jwt_shape_of_validated_segments() {
        assert!(jwt_shaped("a.b.c"));
        for t in [
            "a.b", "abc", ".b.c", "a..c", "a.b.", "a=.b.c", "a.b==.c", "a.b.c=",
        ] {
            assert!(!jwt_shaped(t), "{t}");
        }
    }

    #[test]
    fn accounts_portal() {
        assert_eq!(
            replace_first(
                "clerk.example.com",
                &["clerk.accounts.", "clerk."],
                "accounts."
            ),
            ("", "accounts.", "example.com")
        );
        assert_eq!(
            replace_first(
                "foo.clerk.accounts.dev",
                &["clerk.accounts.", "clerk."],
                "accounts."
            ),
            ("foo.", "accounts.", "dev")
        );
        assert_eq!(
            replace_first("example.com", &["clerk."], "x"),
            ("example.com", "", "")
        );
    }
}
