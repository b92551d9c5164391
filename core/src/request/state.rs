//! What [`Authenticator::authenticate`](super::Authenticator::authenticate)
//! returns: Clerk's request state, its reason and message, and the response
//! headers Clerk sets.

use super::handshake::Location;
use crate::auth::{Auth, AuthError};
use crate::error::{Reason, TokenError};
use crate::verify::Verified;
use core::fmt;

/// Clerk's `AuthStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `signed-in`: a valid session token.
    SignedIn,
    /// `signed-out`: no usable session token; see the reason.
    SignedOut,
    /// `handshake`: a browser page load to redirect through Clerk's
    /// handshake (see [`RequestState::location`]).
    Handshake,
}

impl Status {
    /// Clerk's spelling, as in `x-clerk-auth-status`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::SignedIn => "signed-in",
            Status::SignedOut => "signed-out",
            Status::Handshake => "handshake",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an expired token was not refreshed (the `<x>` of
/// `session-token-expired-refresh-<x>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefreshError {
    /// `non-eligible-non-get`: the request is not a GET.
    NonEligibleNonGet,
    /// `non-eligible-no-refresh-cookie`: no `__refresh_<suffix>` cookie.
    NonEligibleNoRefreshCookie,
    /// `missing-api-client`: a refresh would need Clerk's Backend API, which
    /// this crate never calls (Clerk's own reason when it has no API client).
    MissingApiClient,
}

/// Why a request is not signed in: Clerk's `AuthErrorReason` values, and the
/// `TokenVerificationErrorReason` of a token that failed verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthReason {
    /// `client-uat-but-no-session-token`
    ClientUatButNoSessionToken,
    /// `dev-browser-missing`
    DevBrowserMissing,
    /// `dev-browser-sync`
    DevBrowserSync,
    /// `primary-responds-to-syncing`
    PrimaryRespondsToSyncing,
    /// `primary-domain-cross-origin-sync`
    PrimaryDomainCrossOriginSync,
    /// `satellite-needs-syncing` (satellite apps are not supported; never
    /// produced).
    SatelliteNeedsSyncing,
    /// `session-token-and-uat-missing`
    SessionTokenAndUatMissing,
    /// `session-token-missing`
    SessionTokenMissing,
    /// `session-token-expired` (Clerk always adds a refresh reason; see
    /// [`AuthReason::SessionTokenExpiredRefresh`]).
    SessionTokenExpired,
    /// `session-token-expired-refresh-<x>`
    SessionTokenExpiredRefresh(RefreshError),
    /// `session-token-iat-before-client-uat`
    SessionTokenIatBeforeClientUat,
    /// `session-token-nbf`
    SessionTokenNbf,
    /// `session-token-iat-in-the-future`
    SessionTokenIatInTheFuture,
    /// `session-token-but-no-client-uat`
    SessionTokenButNoClientUat,
    /// `active-organization-mismatch` (organization sync is not supported;
    /// never produced).
    ActiveOrganizationMismatch,
    /// `token-type-mismatch`: a machine token where a session token was
    /// expected.
    TokenTypeMismatch,
    /// `unexpected-error`
    UnexpectedError,
    /// A token verification error (`token-invalid-signature`, ...).
    Token(Reason),
}

impl AuthReason {
    /// Clerk's reason string.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthReason::ClientUatButNoSessionToken => "client-uat-but-no-session-token",
            AuthReason::DevBrowserMissing => "dev-browser-missing",
            AuthReason::DevBrowserSync => "dev-browser-sync",
            AuthReason::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            AuthReason::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            AuthReason::SatelliteNeedsSyncing => "satellite-needs-syncing",
            AuthReason::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            AuthReason::SessionTokenMissing => "session-token-missing",
            AuthReason::SessionTokenExpired => "session-token-expired",
            AuthReason::SessionTokenExpiredRefresh(RefreshError::NonEligibleNonGet) => {
                "session-token-expired-refresh-non-eligible-non-get"
            }
            AuthReason::SessionTokenExpiredRefresh(RefreshError::NonEligibleNoRefreshCookie) => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            AuthReason::SessionTokenExpiredRefresh(RefreshError::MissingApiClient) => {
                "session-token-expired-refresh-missing-api-client"
            }
            AuthReason::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            AuthReason::SessionTokenNbf => "session-token-nbf",
            AuthReason::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            AuthReason::SessionTokenButNoClientUat => "session-token-but-no-client-uat",
            AuthReason::ActiveOrganizationMismatch => "active-organization-mismatch",
            AuthReason::TokenTypeMismatch => "token-type-mismatch",
            AuthReason::UnexpectedError => "unexpected-error",
            AuthReason::Token(reason) => reason.as_str(),
        }
    }
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which request part carried a token that failed verification (Clerk's
/// `token-carrier`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// The `Authorization` header.
    Header,
    /// The `__session` cookie.
    Cookie,
}

impl Carrier {
    /// `header` or `cookie`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Carrier::Header => "header",
            Carrier::Cookie => "cookie",
        }
    }
}

/// The message of a request state.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MessageKind<'t> {
    Empty,
    Static(&'static str),
    /// Clerk's `getFullMessage()` of a verification error.
    Token(TokenError<'t>, Carrier),
    /// What Clerk throws when a development instance's handshake token does
    /// not verify.
    HandshakeFailed(TokenError<'t>),
}

/// Clerk's message for a request state (`""` when there is none), e.g.
/// `JWT signature is invalid. (reason=token-invalid-signature,
/// token-carrier=header)`.
#[derive(Clone, Copy, Debug)]
pub struct Message<'s, 't> {
    kind: &'s MessageKind<'t>,
}

impl Message<'_, '_> {
    /// `true` when the message is `""`.
    pub fn is_empty(&self) -> bool {
        matches!(self.kind, MessageKind::Empty)
    }
}

impl fmt::Display for Message<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            MessageKind::Empty => Ok(()),
            MessageKind::Static(s) => f.write_str(s),
            MessageKind::Token(error, carrier) => {
                write!(f, "{}", error.full_message(carrier.as_str()))
            }
            MessageKind::HandshakeFailed(TokenError::Signature) => f.write_str(
                "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.",
            ),
            MessageKind::HandshakeFailed(error) => write!(
                f,
                "Clerk: Handshake token verification failed: {}.",
                error.full_message("undefined")
            ),
        }
    }
}

/// The redirect count a handshake sets in a cookie, with the function that
/// writes that cookie: called through a pointer set by [`RedirectCount::new`]
/// (as [`Location`]'s writing is), so that a program that never makes a
/// handshake state does not link JavaScript's number formatting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RedirectCount {
    count: f64,
    write: fn(f64, &mut dyn fmt::Write) -> fmt::Result,
}

impl RedirectCount {
    pub(crate) fn new(count: f64) -> Self {
        RedirectCount {
            count,
            write: |n, f| {
                write!(
                    f,
                    "__clerk_redirect_count={}; SameSite=Lax; HttpOnly; Max-Age=2",
                    super::js::JsNumber(n)
                )
            },
        }
    }
}

/// The result of authenticating a request: Clerk's `RequestState`.
///
/// Everything is borrowed from the request and the caller's buffer.
#[derive(Clone, Copy, Debug)]
pub struct RequestState<'t> {
    pub(crate) status: Status,
    pub(crate) reason: Option<AuthReason>,
    pub(crate) message: MessageKind<'t>,
    pub(crate) token: Option<&'t str>,
    pub(crate) verified: Option<Verified<'t>>,
    /// `location` (with `cache-control: no-store`).
    pub(crate) location: Option<Location<'t>>,
    /// The value after `__clerk_redirect_count=` in a `set-cookie`.
    pub(crate) redirect_count: Option<RedirectCount>,
    /// `set-cookie` values from a handshake token, separated by `\n`.
    pub(crate) handshake_cookies: Option<&'t str>,
    /// `access-control-allow-origin: null` and
    /// `access-control-allow-credentials: true` (a resolved handshake).
    pub(crate) cors: bool,
}

impl<'t> RequestState<'t> {
    pub(crate) fn new(
        status: Status,
        reason: Option<AuthReason>,
        message: MessageKind<'t>,
    ) -> Self {
        RequestState {
            status,
            reason,
            message,
            token: None,
            verified: None,
            location: None,
            redirect_count: None,
            handshake_cookies: None,
            cors: false,
        }
    }

    pub(crate) fn signed_in(token: &'t str, verified: Verified<'t>) -> Self {
        RequestState {
            token: Some(token),
            verified: Some(verified),
            ..RequestState::new(Status::SignedIn, None, MessageKind::Empty)
        }
    }

    pub(crate) fn signed_out(reason: AuthReason, message: MessageKind<'t>) -> Self {
        RequestState::new(Status::SignedOut, Some(reason), message)
    }

    /// `signed-in`, `signed-out` or `handshake`.
    pub fn status(&self) -> Status {
        self.status
    }

    /// `isSignedIn`.
    pub fn is_signed_in(&self) -> bool {
        self.status == Status::SignedIn
    }

    /// Why the request is not signed in (`None` when it is).
    pub fn reason(&self) -> Option<AuthReason> {
        self.reason
    }

    /// Clerk's message: `""` when signed in or when Clerk gives none.
    pub fn message(&self) -> Message<'_, 't> {
        Message {
            kind: &self.message,
        }
    }

    /// The verification error behind a `token-*` or time-based reason, for
    /// logs ([`TokenError::detail`] says which limit was hit).
    pub fn token_error(&self) -> Option<&TokenError<'t>> {
        match &self.message {
            MessageKind::Token(e, _) | MessageKind::HandshakeFailed(e) => Some(e),
            _ => None,
        }
    }

    /// The session token of a signed-in request.
    pub fn token(&self) -> Option<&'t str> {
        self.token
    }

    /// The verified session token of a signed-in request.
    pub fn verified(&self) -> Option<&Verified<'t>> {
        self.verified.as_ref()
    }

    /// Clerk's `toAuth()`: the auth object of a signed-in or signed-out
    /// request, `None` for a handshake. An error where Clerk's `toAuth()`
    /// throws (a malformed `fea` claim); a pending session is signed out.
    pub fn to_auth(&self) -> Result<Option<Auth<'t>>, AuthError<'t>> {
        match (self.status, &self.verified) {
            (Status::Handshake, _) => Ok(None),
            (Status::SignedIn, Some(v)) => Auth::from_verified(v).map(Some),
            _ => Ok(Some(Auth::signed_out())),
        }
    }

    /// Where a handshake redirects to (also set when a development
    /// instance resolves a handshake token).
    pub fn location(&self) -> Option<&Location<'t>> {
        self.location.as_ref()
    }

    /// The response headers Clerk sets for this state, in the order of
    /// their names. Signed-out and handshake states carry
    /// `x-clerk-auth-status`, `x-clerk-auth-reason` and, when not empty and
    /// a valid header value, `x-clerk-auth-message`; a handshake adds
    /// `location`, `cache-control` and the redirect-count `set-cookie`.
    /// Values are text: characters U+0080 to U+00FF (possible in a message)
    /// go on the wire as single bytes (Latin-1), as Node sends them.
    ///
    /// With the `omit-auth-message` feature (for firmware), there is no
    /// `x-clerk-auth-message` header: formatting Clerk's messages takes
    /// several KB of code. [`message`](Self::message) still gives it.
    pub fn headers(&self) -> Headers<'_, 't> {
        Headers {
            state: self,
            step: 0,
            cookies: None,
        }
    }
}

/// Iterator over the response headers of a [`RequestState`]:
/// `(name, value)`, names in lower case.
#[derive(Clone, Debug)]
pub struct Headers<'s, 't> {
    state: &'s RequestState<'t>,
    step: u8,
    cookies: Option<core::str::Split<'t, char>>,
}

/// A response header value, written by its `Display` or
/// [`write_to`](Self::write_to).
#[derive(Clone, Copy, Debug)]
pub struct HeaderValue<'s, 't> {
    inner: Value<'s, 't>,
}

#[derive(Clone, Copy, Debug)]
enum Value<'s, 't> {
    Text(&'s str),
    Location(&'s Location<'t>),
    RedirectCount(RedirectCount),
    /// Left out with `omit-auth-message`, so that nothing formats a message.
    #[cfg(not(feature = "omit-auth-message"))]
    Message(Message<'s, 't>),
}

impl<'s> HeaderValue<'s, '_> {
    /// The value when it is a plain string (not a `location` or a message).
    pub fn as_str(&self) -> Option<&'s str> {
        match self.inner {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl HeaderValue<'_, '_> {
    /// Writes the value into `out`: the same text as `Display`, without
    /// going through `core::fmt`'s formatting code for the plain values
    /// (what firmware that never builds a handshake writes).
    pub fn write_to(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        match &self.inner {
            Value::Text(s) => out.write_str(s),
            Value::Location(l) => l.write_location(out),
            Value::RedirectCount(n) => (n.write)(n.count, out),
            #[cfg(not(feature = "omit-auth-message"))]
            Value::Message(m) => write!(out, "{m}"),
        }
    }
}

impl fmt::Display for HeaderValue<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl<'s, 't> Iterator for Headers<'s, 't> {
    type Item = (&'static str, HeaderValue<'s, 't>);

    fn next(&mut self) -> Option<Self::Item> {
        let state = self.state;
        let debug = state.status != Status::SignedIn;
        loop {
            if let Some(cookies) = &mut self.cookies {
                if let Some(cookie) = cookies.next() {
                    let value = super::trim_http_whitespace(cookie);
                    return Some((
                        "set-cookie",
                        HeaderValue {
                            inner: Value::Text(value),
                        },
                    ));
                }
                self.cookies = None;
            }
            let step = self.step;
            self.step = step.saturating_add(1);
            let item = match step {
                0 if state.cors => ("access-control-allow-credentials", Value::Text("true")),
                1 if state.cors => ("access-control-allow-origin", Value::Text("null")),
                2 if state.location.is_some() => ("cache-control", Value::Text("no-store")),
                3 => match &state.location {
                    Some(l) => ("location", Value::Location(l)),
                    None => continue,
                },
                4 => {
                    self.cookies = state.handshake_cookies.map(|c| c.split('\n'));
                    continue;
                }
                5 => match state.redirect_count {
                    Some(n) => ("set-cookie", Value::RedirectCount(n)),
                    None => continue,
                },
                #[cfg(not(feature = "omit-auth-message"))]
                6 if debug && is_header_value(&state.message()) => {
                    ("x-clerk-auth-message", Value::Message(state.message()))
                }
                7 if debug => match state.reason {
                    Some(r) => ("x-clerk-auth-reason", Value::Text(r.as_str())),
                    None => continue,
                },
                8 if debug => ("x-clerk-auth-status", Value::Text(state.status.as_str())),
                0..=8 => continue,
                _ => return None,
            };
            return Some((item.0, HeaderValue { inner: item.1 }));
        }
    }
}

/// Whether Fetch's `Headers.set` accepts the message: not empty, no NUL, CR
/// or LF, every character at most U+00FF (a ByteString). Clerk silently
/// drops a message that fails (e.g. one quoting an emoji `azp`).
#[cfg(not(feature = "omit-auth-message"))]
fn is_header_value(message: &Message<'_, '_>) -> bool {
    struct Check(bool);
    impl fmt::Write for Check {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 &= s
                .chars()
                .all(|c| c <= '\u{ff}' && !matches!(c, '\0' | '\r' | '\n'));
            Ok(())
        }
    }
    if message.is_empty() {
        return false;
    }
    let mut check = Check(true);
    fmt::write(&mut check, format_args!("{message}")).is_ok() && check.0
}

/// Whether Fetch's `Headers.append` accepts `value` (after trimming).
pub(crate) fn valid_header_text(value: &str) -> bool {
    super::trim_http_whitespace(value)
        .chars()
        .all(|c| c <= '\u{ff}' && !matches!(c, '\0' | '\r' | '\n'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    #[test]
    fn message_header_unless_omitted() {
        let state = RequestState::signed_out(
            AuthReason::Token(Reason::TokenInvalidSignature),
            MessageKind::Token(TokenError::Signature, Carrier::Header),
        );
        let names: Vec<&str> = state.headers().map(|(name, _)| name).collect();
        if cfg!(feature = "omit-auth-message") {
            assert_eq!(names, ["x-clerk-auth-reason", "x-clerk-auth-status"]);
        } else {
            assert_eq!(
                names,
                [
                    "x-clerk-auth-message",
                    "x-clerk-auth-reason",
                    "x-clerk-auth-status"
                ]
            );
        }
        // The message itself is there either way.
        assert_eq!(
            state.message().to_string(),
            "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)"
        );
    }
}
