//! The auth object attached to every request: Clerk's `getAuth(req)`.
//!
//! A signed-in [`Auth`] shares one [`Session`] per token (an `Arc` from the
//! verified-token cache), so attaching it to a request copies no claims.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Clerk's request status (`signed-in`, `signed-out`, `handshake`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthStatus {
    /// A valid session token was presented.
    SignedIn,
    /// No usable session token; see the reason.
    SignedOut,
    /// A browser page load whose session must be refreshed through Clerk's
    /// handshake redirect.
    Handshake,
}

impl AuthStatus {
    /// Clerk's spelling, as in the `x-clerk-auth-status` header.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthStatus::SignedIn => "signed-in",
            AuthStatus::SignedOut => "signed-out",
            AuthStatus::Handshake => "handshake",
        }
    }
}

impl fmt::Display for AuthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

    /// Clerk's claims version test: `v` is the number 2.
    pub fn is_v2(&self) -> bool {
        self.v == Some(2.0)
    }
}

/// Organization fields as Clerk's `toAuth()` derives them.
#[derive(Clone, Debug, Default, PartialEq)]
struct OrgFields {
    id: Option<String>,
    role: Option<String>,
    slug: Option<String>,
    /// `None` = undefined in Clerk's object (no organization).
    permissions: Option<Vec<String>>,
}

/// One verified session token: typed claims, the derived `toAuth()` fields
/// and the whole payload. Built once per token, then shared.
#[derive(Debug)]
pub struct Session {
    claims: Claims,
    payload: Value,
    org: Result<OrgFields, String>,
    /// Permission check index: `org:feature:perm` strings, sorted.
    sorted_permissions: Vec<String>,
}

impl Session {
    /// Builds the session from typed claims and the payload (a JSON object).
    pub fn new(claims: Claims, payload: Value) -> Self {
        let org = org_fields(&claims, &payload);
        let mut sorted_permissions = org
            .as_ref()
            .ok()
            .and_then(|o| o.permissions.clone())
            .unwrap_or_default();
        sorted_permissions.sort_unstable();
        Session {
            claims,
            payload,
            org,
            sorted_permissions,
        }
    }

    /// Builds the session from a token the core verified.
    pub fn from_verified(v: &clerk_edge::Verified<'_>) -> Self {
        Session::new(Claims::from_core(&v.claims), payload_value(v.payload))
    }

    /// The typed claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The whole payload, for custom claims (`session.payload()["role"]`).
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// Why Clerk's `toAuth()` would throw for this token (a malformed `fea`).
    pub fn auth_error(&self) -> Option<&str> {
        self.org.as_ref().err().map(String::as_str)
    }

    /// `sts == "pending"`: Clerk treats the session as signed out.
    pub fn is_pending(&self) -> bool {
        self.claims.sts.as_deref() == Some("pending")
    }
}

/// The payload as a `serde_json` value, in document order.
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

/// `toAuth()`'s organization mapping (clerk-semantics §7.2–7.4).
fn org_fields(claims: &Claims, payload: &Value) -> Result<OrgFields, String> {
    if !claims.is_v2() {
        let permissions = payload.get("org_permissions").map(|p| match p {
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        });
        return Ok(OrgFields {
            id: claims.org_id.clone(),
            role: claims.org_role.clone(),
            slug: claims.org_slug.clone(),
            permissions,
        });
    }
    // `fea` is parsed (and may throw) whenever `o` is present.
    let Some(org) = claims.org.as_ref().filter(|_| js_truthy(payload.get("o"))) else {
        return Ok(OrgFields::default());
    };
    let permissions = org_permissions(
        claims.fea.as_deref(),
        org.permissions.as_deref(),
        org.feature_permission_map.as_deref(),
    )?;
    Ok(OrgFields {
        id: org.id.clone(),
        role: org
            .role
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| format!("org:{r}")),
        slug: org.slug.clone(),
        permissions: Some(permissions),
    })
}

fn js_truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// Expands `fea` / `o.per` / `o.fpm` into `org:<feature>:<permission>`.
fn org_permissions(
    fea: Option<&str>,
    per: Option<&str>,
    fpm: Option<&str>,
) -> Result<Vec<String>, String> {
    let mut org_features = Vec::new();
    if let Some(fea) = fea {
        for item in fea.split(',').map(str::trim) {
            let Some((scope, name)) = item.split_once(':') else {
                return Err(format!("Invalid claim element (missing colon): {item}"));
            };
            if matches!(scope, "o" | "ou" | "uo") {
                org_features.push(name);
            }
        }
    }
    let (Some(per), Some(fpm)) = (per, fpm) else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = per.split(',').collect();
    let mut out = Vec::new();
    for (feature, bits) in org_features.iter().zip(fpm.split(',')) {
        let bits: u64 = bits.trim().parse().unwrap_or(0);
        for (j, perm) in names.iter().enumerate() {
            if j < 64 && bits & (1u64 << j) != 0 {
                out.push(format!("org:{feature}:{perm}"));
            }
        }
    }
    Ok(out)
}

/// Why a request is not signed in: Clerk's reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOut {
    pub(crate) status: AuthStatus,
    pub(crate) reason: Cow<'static, str>,
    pub(crate) message: Cow<'static, str>,
    pub(crate) session_status: Option<String>,
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
            session_status: None,
        }
    }

    pub(crate) const fn missing_layer() -> Self {
        SignedOut {
            status: AuthStatus::SignedOut,
            reason: Cow::Borrowed("clerk-layer-missing"),
            message: Cow::Borrowed(
                "No Auth on this request: add ClerkLayer in front of this handler.",
            ),
            session_status: None,
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

    /// The auth for a verified session: signed in, unless the session is
    /// pending (Clerk's default `treatPendingAsSignedOut`) or its claims
    /// cannot be mapped (then `unexpected-error`).
    pub fn from_session(session: Arc<Session>) -> Self {
        if session.is_pending() {
            return Auth::SignedOut(SignedOut {
                status: AuthStatus::SignedOut,
                reason: Cow::Borrowed(""),
                message: Cow::Borrowed(""),
                session_status: Some("pending".to_owned()),
            });
        }
        if let Some(err) = session.auth_error() {
            return Auth::signed_out("unexpected-error", err.to_owned());
        }
        Auth::SignedIn(session)
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

    fn org(&self) -> Option<&OrgFields> {
        self.session().and_then(|s| s.org.as_ref().ok())
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
            Auth::SignedOut(s) => s.session_status.as_deref(),
        }
    }

    /// `orgId` of the active organization.
    pub fn org_id(&self) -> Option<&str> {
        self.org().and_then(|o| o.id.as_deref())
    }

    /// `orgRole`, e.g. `org:admin`.
    pub fn org_role(&self) -> Option<&str> {
        self.org().and_then(|o| o.role.as_deref())
    }

    /// `orgSlug`.
    pub fn org_slug(&self) -> Option<&str> {
        self.org().and_then(|o| o.slug.as_deref())
    }

    /// `orgPermissions`, e.g. `["org:reports:read"]` (empty without one).
    pub fn org_permissions(&self) -> &[String] {
        self.org()
            .and_then(|o| o.permissions.as_deref())
            .unwrap_or(&[])
    }

    /// Whether the active organization grants `permission`
    /// (`org:<feature>:<permission>`).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.session().is_some_and(|s| {
            s.sorted_permissions
                .binary_search_by(|p| p.as_str().cmp(permission))
                .is_ok()
        })
    }

    /// Whether the member's organization role is `role` (`org:admin`).
    pub fn has_role(&self, role: &str) -> bool {
        self.org_role() == Some(role)
    }

    /// `actor` (`act`), for impersonation sessions.
    pub fn actor(&self) -> Option<&Value> {
        self.session().and_then(|s| s.payload.get("act"))
    }

    /// `factorVerificationAge` (`fva`), minutes since each factor.
    pub fn factor_verification_age(&self) -> Option<&Value> {
        self.session().and_then(|s| s.payload.get("fva"))
    }

    /// The typed claims.
    pub fn claims(&self) -> Option<&Claims> {
        self.session().map(|s| &s.claims)
    }

    /// One claim of the payload, including custom claims.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.session().and_then(|s| s.payload.get(name))
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
    /// ..., `sessionClaims`); absent keys are JavaScript's `undefined`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("tokenType".into(), "session_token".into());
        let session = match self {
            Auth::SignedIn(s) => s,
            Auth::SignedOut(s) => {
                m.insert("isAuthenticated".into(), false.into());
                for k in ["userId", "sessionId"] {
                    m.insert(k.into(), Value::Null);
                }
                m.insert(
                    "sessionStatus".into(),
                    s.session_status.clone().map_or(Value::Null, Value::String),
                );
                for k in [
                    "orgId",
                    "orgRole",
                    "orgSlug",
                    "orgPermissions",
                    "factorVerificationAge",
                    "actor",
                ] {
                    m.insert(k.into(), Value::Null);
                }
                m.insert("sessionClaims".into(), Value::Null);
                return Value::Object(m);
            }
        };
        let p = &session.payload;
        let get = |k: &str| p.get(k).cloned();
        m.insert("isAuthenticated".into(), true.into());
        m.insert("userId".into(), get("sub").unwrap_or(Value::Null));
        if let Some(sid) = get("sid") {
            m.insert("sessionId".into(), sid);
        }
        m.insert(
            "sessionStatus".into(),
            get("sts").filter(|v| !v.is_null()).unwrap_or(Value::Null),
        );
        if let Ok(org) = &session.org {
            let opt = |v: &Option<String>| v.clone().map(Value::String);
            if session.claims.is_v2() {
                if let Some(id) = opt(&org.id) {
                    m.insert("orgId".into(), id);
                }
                if let Some(role) = opt(&org.role) {
                    m.insert("orgRole".into(), role);
                }
                if let Some(slug) = opt(&org.slug) {
                    m.insert("orgSlug".into(), slug);
                }
                if let Some(perms) = &org.permissions {
                    m.insert("orgPermissions".into(), perms.clone().into());
                }
            } else {
                for (k, claim) in [
                    ("orgId", "org_id"),
                    ("orgRole", "org_role"),
                    ("orgSlug", "org_slug"),
                    ("orgPermissions", "org_permissions"),
                ] {
                    if let Some(v) = get(claim) {
                        m.insert(k.into(), v);
                    }
                }
            }
        }
        m.insert(
            "factorVerificationAge".into(),
            get("fva").filter(|v| !v.is_null()).unwrap_or(Value::Null),
        );
        if let Some(act) = get("act") {
            m.insert("actor".into(), act);
        }
        m.insert("sessionClaims".into(), p.clone());
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn permissions_follow_org_features_lsb_first() {
        let p = org_permissions(
            Some("ou:reports,u:beta,o:teams"),
            Some("read,write,delete"),
            Some("5,2"),
        )
        .unwrap();
        assert_eq!(
            p,
            ["org:reports:read", "org:reports:delete", "org:teams:write"]
        );
        assert!(org_permissions(Some("articles"), None, None).is_err());
        assert!(
            org_permissions(Some("o:a"), None, Some("1"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn pending_is_signed_out_with_status() {
        let claims = Claims {
            sub: "user_1".into(),
            sts: Some("pending".into()),
            ..Claims::default()
        };
        let auth = Auth::from_session(Arc::new(Session::new(claims, Value::Null)));
        assert!(!auth.is_signed_in());
        assert_eq!(auth.session_status(), Some("pending"));
        assert_eq!(auth.to_json()["sessionStatus"], "pending");
    }
}
