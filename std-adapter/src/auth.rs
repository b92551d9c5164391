//! The auth object attached to every request: Clerk's `getAuth(req)`,
//! owned, so handlers can keep it.
//!
//! Every answer comes from the core (`clerk_edge::Auth`, Clerk's
//! `toAuth()` and `has()`): the typed claims are copied once per request;
//! organization fields, permission and role checks, features, plans and
//! the `toAuth()` JSON are asked of the core when called, by re-reading the
//! verified token (no RSA: the token is known to have verified; about a
//! microsecond).

use crate::clerk::with_buffer;
use clerk_edge::verify::{self, SignatureCache};
use clerk_edge::{Algorithms, JwtKey, Verified, Verifier, VerifyOptions};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

pub use clerk_edge::request::Status as AuthStatus;

/// The compact organization claim `o` of v2 tokens.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct OrgClaims {
    /// `o.id`
    pub id: Option<String>,
    /// `o.slg`
    pub slug: Option<String>,
    /// `o.rol`, without the `org:` prefix.
    pub role: Option<String>,
    /// `o.per`: permission names, comma-separated.
    pub permissions: Option<String>,
    /// `o.fpm`: per org feature, a decimal bitmap over `per`.
    pub feature_permission_map: Option<String>,
}

/// Clerk's session claims, owned. Custom claims are in [`Session::payload`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Claims {
    /// `sub`: the user id.
    pub sub: String,
    /// `sid`: the session id.
    pub sid: Option<String>,
    /// `azp`: the origin the token was issued for.
    pub azp: Option<String>,
    /// `iss`: the instance's Frontend API URL.
    pub iss: Option<String>,
    /// `exp`, seconds.
    pub exp: f64,
    /// `nbf`, seconds.
    pub nbf: Option<f64>,
    /// `iat`, seconds.
    pub iat: Option<f64>,
    /// `v`: claims version (2 = compact organization claims).
    pub v: Option<f64>,
    /// `sts`: session status (`active`, `pending`).
    pub sts: Option<String>,
    /// `o` (v2).
    pub org: Option<OrgClaims>,
    /// `fea` (v2): features, `scope:name` comma-separated.
    pub fea: Option<String>,
    /// `pla` (v2): plans.
    pub pla: Option<String>,
    /// `org_id` (v1).
    pub org_id: Option<String>,
    /// `org_role` (v1).
    pub org_role: Option<String>,
    /// `org_slug` (v1).
    pub org_slug: Option<String>,
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl Claims {
    /// Copies the core's borrowed claims.
    pub fn from_core(c: &clerk_edge::SessionClaims<'_>) -> Self {
        Claims {
            sub: c.sub.to_owned(),
            sid: owned(c.sid),
            azp: owned(c.azp),
            iss: owned(c.iss),
            exp: c.exp,
            nbf: c.nbf,
            iat: c.iat,
            v: c.v,
            sts: owned(c.sts),
            org: c.org.map(|o| OrgClaims {
                id: owned(o.id),
                slug: owned(o.slug),
                role: owned(o.role),
                permissions: owned(o.permissions),
                feature_permission_map: owned(o.feature_permission_map),
            }),
            fea: owned(c.fea),
            pla: owned(c.pla),
            org_id: owned(c.org_id),
            org_role: owned(c.org_role),
            org_slug: owned(c.org_slug),
        }
    }
}

/// What the core's `toAuth()` made of a verified session.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Standing {
    /// Signed in.
    Active,
    /// `sts` is `pending`: signed out, `sessionStatus` `pending`.
    Pending,
    /// `toAuth()` throws (a malformed `fea`): Clerk's error text.
    Invalid(String),
}

/// Organization fields from the core's `toAuth()`.
#[derive(Debug, Default)]
struct Org {
    id: Option<String>,
    slug: Option<String>,
    role: Option<String>,
    permissions: Vec<String>,
}

/// One verified session token: its typed claims, and the token itself, from
/// which the core answers everything else.
#[derive(Debug)]
pub struct Session {
    token: Box<str>,
    /// The clock the token was verified at (re-reading uses it).
    at_ms: i64,
    claims: Claims,
    standing: Standing,
    /// `exp`, `nbf`, `iat` as the core compares them with the clock.
    times: TimeClaims,
    payload: OnceLock<Value>,
    org: OnceLock<Org>,
}

/// A token's time claims in milliseconds, as the core's verifier compares
/// them (Clerk: `new Date(0).setUTCSeconds(t)`, i.e. trunc(t)·1000).
#[derive(Clone, Copy, Debug)]
struct TimeClaims {
    exp_ms: f64,
    nbf_ms: Option<f64>,
    iat_ms: Option<f64>,
}

/// The core's `jsdate::seconds_to_ms`, operation for operation.
fn seconds_to_ms(seconds: f64) -> f64 {
    let t = if seconds.abs() < 4_503_599_627_370_496.0 {
        (seconds as i64) as f64
    } else {
        seconds
    };
    t * 1000.0
}

/// Vouches for the one token a [`Session`] was built from, which verified.
struct KnownToken<'t>(&'t str);

impl SignatureCache for KnownToken<'_> {
    fn contains(&self, token: &str) -> bool {
        token == self.0
    }
    fn insert(&self, _: &str, _: f64) {}
}

/// A key for re-reading: the verifier needs one, but never consults it for
/// a token its cache vouches for.
fn placeholder_keys() -> &'static [JwtKey] {
    static KEYS: OnceLock<Vec<JwtKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        JwtKey::from_modulus(&[0xff; 256], 65_537)
            .map(|k| vec![k])
            .unwrap_or_default()
    })
}

impl Session {
    /// A session for `token`, which the core verified at `at_ms` into
    /// `verified`.
    pub(crate) fn new(token: &str, at_ms: i64, verified: &Verified<'_>) -> Self {
        let standing = match clerk_edge::Auth::from_verified(verified) {
            Ok(a) if a.is_authenticated() => Standing::Active,
            Ok(_) => Standing::Pending,
            Err(e) => Standing::Invalid(e.to_string()),
        };
        let c = &verified.claims;
        Session {
            token: token.into(),
            at_ms,
            claims: Claims::from_core(c),
            standing,
            times: TimeClaims {
                exp_ms: seconds_to_ms(c.exp),
                nbf_ms: c.nbf.map(seconds_to_ms),
                iat_ms: c.iat.map(seconds_to_ms),
            },
            payload: OnceLock::new(),
            org: OnceLock::new(),
        }
    }

    /// Whether the token's `exp`, `nbf` and `iat` pass at `now_ms` with
    /// `skew_ms`, compared exactly as the core's verifier compares them
    /// (the only checks whose answer changes for a token that verified).
    pub(crate) fn times_pass(&self, now_ms: i64, skew_ms: i64) -> bool {
        let now = now_ms as f64;
        let skew = skew_ms as f64;
        let t = &self.times;
        if t.exp_ms <= now - skew {
            return false;
        }
        if t.nbf_ms.is_some_and(|nbf_ms| nbf_ms > now + skew) {
            return false;
        }
        if t.iat_ms.is_some_and(|iat_ms| iat_ms > now + skew) {
            return false;
        }
        true
    }

    /// The session token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The typed claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The whole payload, for custom claims (`session.payload()["role"]`).
    pub fn payload(&self) -> &Value {
        self.payload.get_or_init(|| {
            self.with_verified(|v| payload_value(v.payload))
                .unwrap_or(Value::Null)
        })
    }

    /// Why Clerk's `toAuth()` throws for this token (a malformed `fea`).
    pub fn auth_error(&self) -> Option<&str> {
        match &self.standing {
            Standing::Invalid(e) => Some(e),
            _ => None,
        }
    }

    /// `sts` is `pending`: Clerk treats the session as signed out.
    pub fn is_pending(&self) -> bool {
        self.standing == Standing::Pending
    }

    /// Re-reads the verified token with the core: the claims checks passed
    /// at `at_ms`, and pass again with an unbounded clock skew; the
    /// signature is vouched for.
    fn with_verified<R>(&self, f: impl FnOnce(&Verified<'_>) -> R) -> Option<R> {
        let known = KnownToken(&self.token);
        let options = VerifyOptions {
            clock_skew_ms: i64::MAX,
            algorithms: Algorithms::ALL_RSA,
            ..VerifyOptions::default()
        };
        let verifier = Verifier::new(placeholder_keys(), options).with_signature_cache(&known);
        let len = verify::buffer_len(self.token.len());
        with_buffer(len, |buf| {
            verifier
                .verify(&self.token, self.at_ms, buf)
                .ok()
                .map(|v| f(&v))
        })
    }

    /// The core's auth object for this session (Clerk's `toAuth()`).
    fn with_auth<R>(&self, f: impl FnOnce(&clerk_edge::Auth<'_>) -> R) -> Option<R> {
        self.with_verified(|v| clerk_edge::Auth::from_verified(v).ok().map(|a| f(&a)))
            .flatten()
    }

    fn org(&self) -> &Org {
        self.org.get_or_init(|| {
            self.with_auth(|a| Org {
                id: owned(a.org_id()),
                slug: owned(a.org_slug()),
                role: a.org_role().map(|r| r.to_string()),
                permissions: match a.org_permissions() {
                    clerk_edge::auth::OrgPermissions::Computed(p) => {
                        p.iter().map(|p| p.to_string()).collect()
                    }
                    clerk_edge::auth::OrgPermissions::AsIssued(list) => list
                        .elements()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| match payload_value(e) {
                            Value::String(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                    clerk_edge::auth::OrgPermissions::None => Vec::new(),
                },
            })
            .unwrap_or_default()
        })
    }

    /// Clerk's `toAuth()` as JSON (signed out for a pending session).
    fn auth_json(&self) -> Option<Value> {
        self.with_auth(|a| {
            let mut text = String::new();
            a.write_json(&mut text).ok().map(|()| text)
        })
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
    }
}

/// A JSON value of the core as a `serde_json` value, in document order.
pub(crate) fn payload_value(v: clerk_edge::json::Value<'_>) -> Value {
    if let Ok(value) = serde_json::from_str(v.raw()) {
        return value;
    }
    // Numbers serde_json cannot hold (1e400): take JavaScript's rendering.
    let mut js = String::new();
    if v.write_js(&mut js).is_ok()
        && let Ok(value) = serde_json::from_str(&js)
    {
        return value;
    }
    Value::Null
}

/// Why a request is not signed in: Clerk's reason and message.
#[derive(Clone, Debug)]
pub struct SignedOut {
    pub(crate) status: AuthStatus,
    pub(crate) reason: Cow<'static, str>,
    pub(crate) message: Cow<'static, str>,
    /// A verified session that Clerk does not count as signed in (pending,
    /// or one `toAuth()` cannot map).
    pub(crate) session: Option<Arc<Session>>,
}

impl SignedOut {
    /// A signed-out state with Clerk's reason and message.
    pub fn new(
        reason: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        SignedOut {
            status: AuthStatus::SignedOut,
            reason: reason.into(),
            message: message.into(),
            session: None,
        }
    }

    pub(crate) const fn missing_layer() -> Self {
        SignedOut {
            status: AuthStatus::SignedOut,
            reason: Cow::Borrowed("clerk-layer-missing"),
            message: Cow::Borrowed(
                "No Auth on this request: add ClerkLayer in front of this handler.",
            ),
            session: None,
        }
    }
}

/// What `getAuth(req)` returns: a signed-in session or why not.
#[derive(Clone, Debug)]
pub enum Auth {
    /// A verified, active session.
    SignedIn(Arc<Session>),
    /// Not signed in (including handshake and pending sessions).
    SignedOut(SignedOut),
}

static MISSING: Auth = Auth::SignedOut(SignedOut::missing_layer());

impl Auth {
    /// The auth of a request that did not pass through [`crate::ClerkLayer`].
    pub fn missing() -> &'static Auth {
        &MISSING
    }

    /// Signed out with Clerk's reason and message.
    pub fn signed_out(
        reason: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Auth::SignedOut(SignedOut::new(reason, message))
    }

    /// The auth for a verified session, as the core's `toAuth()` sees it:
    /// signed in, unless the session is pending (Clerk's default
    /// `treatPendingAsSignedOut`) or its claims cannot be mapped (then
    /// `unexpected-error`).
    pub fn from_session(session: Arc<Session>) -> Self {
        let (reason, message) = match &session.standing {
            Standing::Active => return Auth::SignedIn(session),
            Standing::Pending => (Cow::Borrowed(""), Cow::Borrowed("")),
            Standing::Invalid(e) => (Cow::Borrowed("unexpected-error"), Cow::Owned(e.clone())),
        };
        Auth::SignedOut(SignedOut {
            status: AuthStatus::SignedOut,
            reason,
            message,
            session: Some(session),
        })
    }

    /// `true` for a verified, active session.
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Auth::SignedIn(_))
    }

    /// Clerk's status for the request.
    pub fn status(&self) -> AuthStatus {
        match self {
            Auth::SignedIn(_) => AuthStatus::SignedIn,
            Auth::SignedOut(s) => s.status,
        }
    }

    /// The session, when signed in.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Auth::SignedIn(s) => Some(s),
            Auth::SignedOut(_) => None,
        }
    }

    /// The verified session token behind this auth: the signed-in one, or
    /// one Clerk does not count as signed in (pending, unmappable claims).
    pub fn verified_session(&self) -> Option<&Session> {
        match self {
            Auth::SignedIn(s) => Some(s),
            Auth::SignedOut(s) => s.session.as_deref(),
        }
    }

    /// The shared session behind [`verified_session`](Self::verified_session).
    pub(crate) fn verified_arc(&self) -> Option<&Arc<Session>> {
        match self {
            Auth::SignedIn(s) => Some(s),
            Auth::SignedOut(s) => s.session.as_ref(),
        }
    }

    /// `userId` (`sub`).
    pub fn user_id(&self) -> Option<&str> {
        self.session().map(|s| s.claims.sub.as_str())
    }

    /// `sessionId` (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.session().and_then(|s| s.claims.sid.as_deref())
    }

    /// `sessionStatus` (`sts`; `pending` for a pending session).
    pub fn session_status(&self) -> Option<&str> {
        match self {
            Auth::SignedIn(s) => s.claims.sts.as_deref(),
            Auth::SignedOut(s) => s
                .session
                .as_deref()
                .filter(|s| s.is_pending())
                .and_then(|s| s.claims.sts.as_deref()),
        }
    }

    /// `orgId` of the active organization.
    pub fn org_id(&self) -> Option<&str> {
        self.session().and_then(|s| s.org().id.as_deref())
    }

    /// `orgSlug`.
    pub fn org_slug(&self) -> Option<&str> {
        self.session().and_then(|s| s.org().slug.as_deref())
    }

    /// `orgRole`, e.g. `org:admin`.
    pub fn org_role(&self) -> Option<&str> {
        self.session().and_then(|s| s.org().role.as_deref())
    }

    /// `orgPermissions`, e.g. `["org:reports:read"]` (empty without one).
    pub fn org_permissions(&self) -> &[String] {
        self.session().map_or(&[], |s| &s.org().permissions)
    }

    /// Asks the core's `toAuth()` of the signed-in session.
    fn ask(&self, f: impl FnOnce(&clerk_edge::Auth<'_>) -> bool) -> bool {
        self.session().and_then(|s| s.with_auth(f)).unwrap_or(false)
    }

    /// Clerk's `has({ permission })`: the active organization grants
    /// `permission` (`org:<feature>:<permission>`; `org:` may be left out).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.ask(|a| a.has_permission(permission))
    }

    /// Clerk's `has({ role })`: the member's organization role is `role`
    /// (`org:admin` or `admin`).
    pub fn has_role(&self, role: &str) -> bool {
        self.ask(|a| a.has_role(role))
    }

    /// Clerk's `has({ feature })` (`name`, or `o:name` / `u:name`).
    pub fn has_feature(&self, feature: &str) -> bool {
        self.ask(|a| a.has_feature(feature))
    }

    /// Clerk's `has({ plan })`.
    pub fn has_plan(&self, plan: &str) -> bool {
        self.ask(|a| a.has_plan(plan))
    }

    /// `actor` (`act`), for impersonation sessions.
    pub fn actor(&self) -> Option<&Value> {
        self.claim("act")
    }

    /// `factorVerificationAge` (`fva`), minutes since each factor.
    pub fn factor_verification_age(&self) -> Option<&Value> {
        self.claim("fva")
    }

    /// The typed claims.
    pub fn claims(&self) -> Option<&Claims> {
        self.session().map(|s| &s.claims)
    }

    /// One claim of the payload, including custom claims.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.session().and_then(|s| s.payload().get(name))
    }

    /// Clerk's reason when not signed in (`token-expired`, ...).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Auth::SignedIn(_) => None,
            Auth::SignedOut(s) => Some(&s.reason),
        }
    }

    /// Clerk's message when not signed in.
    pub fn message(&self) -> Option<&str> {
        match self {
            Auth::SignedIn(_) => None,
            Auth::SignedOut(s) => Some(&s.message),
        }
    }

    /// The auth object as Clerk's `toAuth()` shows it (`userId`, `orgId`,
    /// ..., `sessionClaims`), written by the core.
    pub fn to_json(&self) -> Value {
        let from_session = match self {
            Auth::SignedIn(s) => s.auth_json(),
            Auth::SignedOut(s) => s.session.as_deref().and_then(Session::auth_json),
        };
        from_session.unwrap_or_else(|| {
            let mut text = String::new();
            let _ = clerk_edge::Auth::signed_out().write_json(&mut text);
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }
}
