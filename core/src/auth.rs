//! Clerk's `toAuth()`: the auth object of a request, from a verified session
//! token, without copying or allocating.
//!
//! Every field is borrowed from the [`Verified`] token. Organization fields
//! follow the claims version: v2 tokens (`v` is the number 2) carry the
//! active organization in the compact `o` claim and the permissions as
//! bitmaps (`fea`, `o.per`, `o.fpm`), decoded lazily here; other tokens
//! carry `org_id`, `org_role`, `org_slug` and `org_permissions` as issued.
//!
//! ```
//! use clerk_edge::auth::Permissions;
//!
//! // fea "o:articles,o:teams", per "read,manage", fpm "3,1":
//! let perms = Permissions::new("o:articles,o:teams", "read,manage", "3,1")?;
//! let shown: Vec<String> = perms.iter().map(|p| p.to_string()).collect();
//! assert_eq!(shown, ["org:articles:read", "org:articles:manage", "org:teams:read"]);
//! assert!(perms.contains("org:teams:read"));
//! assert!(!perms.contains("org:teams:manage"));
//! # Ok::<(), clerk_edge::auth::AuthError<'static>>(())
//! ```

use crate::SessionClaims;
use crate::json::{Kind, Value};
use crate::request::js;
use crate::verify::Verified;
use core::fmt::{self, Write as _};

/// Most permission names (`o.per` entries) a v2 token may carry: the
/// per-feature bitmaps are decoded into this many bits.
pub const MAX_PERMISSIONS: usize = 256;

const LIMBS: usize = MAX_PERMISSIONS / 64;

/// Why `toAuth()` fails for a verified token (Clerk's `toAuth()` throws).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError<'a> {
    /// An element of `fea` has no `:` (Clerk: "Invalid claim element
    /// (missing colon): ...").
    MissingColon(&'a str),
    /// `fea`, `o.per` or `o.fpm` is present and truthy but not a string
    /// (Clerk fails with a `TypeError`).
    NotAString(&'static str),
    /// `o.per` names more than [`MAX_PERMISSIONS`] permissions.
    TooManyPermissions,
}

impl fmt::Display for AuthError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::MissingColon(part) => {
                write!(f, "Invalid claim element (missing colon): {part}")
            }
            AuthError::NotAString(claim) => write!(f, "claim {claim} is not a string"),
            AuthError::TooManyPermissions => write!(
                f,
                "more than {MAX_PERMISSIONS} organization permissions in o.per"
            ),
        }
    }
}

/// The auth object of a request: Clerk's `toAuth()` result for a signed-in
/// or signed-out request.
#[derive(Clone, Copy, Debug)]
pub struct Auth<'a> {
    state: State<'a>,
}

#[derive(Clone, Copy, Debug)]
#[allow(clippy::large_enum_variant)] // `Copy`, like `Verified` itself
enum State<'a> {
    SignedIn(Verified<'a>),
    /// Signed out; `Some("pending")` for a pending session.
    SignedOut(Option<&'a str>),
}

impl<'a> Auth<'a> {
    /// The auth object of a verified session token.
    ///
    /// As in Clerk (`treatPendingAsSignedOut`, the default), a pending
    /// session (`sts` is `pending`) gives a signed-out object whose
    /// `session_status` is `pending`. The organization claims are checked
    /// first, as Clerk computes them first: a v2 token with an `fea` element
    /// without `:` is an error even when pending.
    pub fn from_verified(verified: &Verified<'a>) -> Result<Self, AuthError<'a>> {
        if has_v2_org(verified) {
            // Validates `fea`, `o.per` and `o.fpm` the way Clerk reads them.
            V2Org::read(verified)?;
        }
        if verified.claims.sts == Some("pending") {
            return Ok(Auth {
                state: State::SignedOut(Some("pending")),
            });
        }
        Ok(Auth {
            state: State::SignedIn(*verified),
        })
    }

    /// The signed-out auth object (every field `null` in Clerk).
    pub const fn signed_out() -> Self {
        Auth {
            state: State::SignedOut(None),
        }
    }

    /// `isAuthenticated`: a non-pending session.
    pub fn is_authenticated(&self) -> bool {
        matches!(self.state, State::SignedIn(_))
    }

    /// The verified token behind a signed-in auth object.
    pub fn verified(&self) -> Option<&Verified<'a>> {
        match &self.state {
            State::SignedIn(v) => Some(v),
            State::SignedOut(_) => None,
        }
    }

    /// `sessionClaims`, typed.
    pub fn session_claims(&self) -> Option<&SessionClaims<'a>> {
        self.verified().map(|v| &v.claims)
    }

    /// `sessionClaims` as the raw payload, for custom claims.
    pub fn payload(&self) -> Option<Value<'a>> {
        self.verified().map(|v| v.payload)
    }

    /// `userId`: the `sub` claim.
    pub fn user_id(&self) -> Option<&'a str> {
        self.verified().map(|v| v.claims.sub)
    }

    /// `sessionId`: the `sid` claim.
    pub fn session_id(&self) -> Option<&'a str> {
        self.verified().and_then(|v| v.claims.sid)
    }

    /// `sessionStatus`: the `sts` claim (`active`, `pending`, ...).
    pub fn session_status(&self) -> Option<&'a str> {
        match &self.state {
            State::SignedIn(v) => v.claims.sts,
            State::SignedOut(status) => *status,
        }
    }

    /// `actor`: the `act` claim of an impersonation session, as raw JSON.
    pub fn actor(&self) -> Option<Value<'a>> {
        self.verified().and_then(|v| v.claims.act)
    }

    /// `factorVerificationAge`: the `fva` claim (minutes since the first and
    /// second factor were verified, `-1` for never), as raw JSON.
    pub fn factor_verification_age(&self) -> Option<Value<'a>> {
        self.verified().and_then(|v| v.claims.fva)
    }

    /// `orgId`: the active organization.
    pub fn org_id(&self) -> Option<&'a str> {
        let v = self.verified()?;
        if v.claims.is_v2() {
            v.claims.org.and_then(|o| o.id)
        } else {
            v.claims.org_id
        }
    }

    /// `orgSlug`.
    pub fn org_slug(&self) -> Option<&'a str> {
        let v = self.verified()?;
        if v.claims.is_v2() {
            v.claims.org.and_then(|o| o.slug)
        } else {
            v.claims.org_slug
        }
    }

    /// `orgRole`: `org:` + `o.rol` for v2 tokens, `org_role` as issued
    /// otherwise (Clerk's v1 roles already carry the prefix).
    pub fn org_role(&self) -> Option<OrgRole<'a>> {
        let v = self.verified()?;
        if v.claims.is_v2() {
            v.claims
                .org
                .and_then(|o| o.role)
                .filter(|r| !r.is_empty())
                .map(OrgRole::Prefixed)
        } else {
            v.claims.org_role.map(OrgRole::AsIssued)
        }
    }

    /// `orgPermissions`.
    pub fn org_permissions(&self) -> OrgPermissions<'a> {
        let Some(v) = self.verified() else {
            return OrgPermissions::None;
        };
        if has_v2_org(v) {
            return match V2Org::read(v) {
                Ok(org) => OrgPermissions::Computed(org.permissions),
                Err(_) => OrgPermissions::None,
            };
        }
        match v.payload.get("org_permissions") {
            Some(list) if !v.claims.is_v2() => OrgPermissions::AsIssued(list),
            _ => OrgPermissions::None,
        }
    }

    /// `has({ permission })`: an active organization whose permissions
    /// include `permission` (`org:` is added when missing, as Clerk does).
    pub fn has_permission(&self, permission: &str) -> bool {
        if !self.has_user_and_org() {
            return false;
        }
        let wanted = strip_org_prefixes(permission);
        match self.org_permissions() {
            OrgPermissions::None => false,
            OrgPermissions::Computed(perms) => perms.contains_unprefixed(wanted),
            OrgPermissions::AsIssued(list) => {
                list.kind() == Kind::Array
                    && list.elements().into_iter().flatten().any(|e| {
                        e.as_str()
                            .is_some_and(|s| s.chars().eq("org:".chars().chain(wanted.chars())))
                    })
            }
        }
    }

    /// `has({ role })`: an active organization in which the user has `role`
    /// (`org:` is added when missing, as Clerk does).
    pub fn has_role(&self, role: &str) -> bool {
        if !self.has_user_and_org() {
            return false;
        }
        self.org_role().is_some_and(|r| {
            let mine = match r {
                OrgRole::Prefixed(r) => strip_org_prefixes(r),
                OrgRole::AsIssued(r) => strip_org_prefixes(r),
            };
            !r.is_empty() && mine == strip_org_prefixes(role)
        })
    }

    /// `has({ feature })`: `feature` is `name` (any scope) or `scope:name`
    /// with scope `o`/`org`/`organization` or `u`/`user`, looked up in `fea`.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.verified()
            .is_some_and(|v| !v.claims.sub.is_empty() && entitled(v.claims.fea, feature))
    }

    /// `has({ plan })`: like [`has_feature`](Self::has_feature), in `pla`.
    pub fn has_plan(&self, plan: &str) -> bool {
        self.verified()
            .is_some_and(|v| !v.claims.sub.is_empty() && entitled(v.claims.pla, plan))
    }

    fn has_user_and_org(&self) -> bool {
        self.user_id().is_some_and(|u| !u.is_empty())
            && self.org_id().is_some_and(|o| !o.is_empty())
    }

    /// Writes the serializable fields of Clerk's auth object as JSON, the
    /// way `JSON.stringify(toAuth())` would (fields that are `undefined` in
    /// Clerk are left out): `tokenType`, `isAuthenticated`, `userId`,
    /// `sessionId`, `sessionStatus`, `orgId`, `orgRole`, `orgSlug`,
    /// `orgPermissions`, `factorVerificationAge`, `actor`, `sessionClaims`.
    pub fn write_json(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let v = match &self.state {
            State::SignedOut(status) => {
                out.write_str(r#"{"tokenType":"session_token","isAuthenticated":false,"userId":null,"sessionId":null,"sessionStatus":"#)?;
                match status {
                    Some(s) => write_json_string(s, out)?,
                    None => out.write_str("null")?,
                }
                return out.write_str(r#","orgId":null,"orgRole":null,"orgSlug":null,"orgPermissions":null,"factorVerificationAge":null,"actor":null,"sessionClaims":null}"#);
            }
            State::SignedIn(v) => v,
        };
        let p = v.payload;
        let mut obj = JsonObject::new(out)?;
        obj.raw("tokenType", r#""session_token""#)?;
        obj.raw("isAuthenticated", "true")?;
        obj.value("userId", p.get("sub"))?;
        obj.value("sessionId", p.get("sid"))?;
        obj.value_or_null("sessionStatus", p.get("sts"))?;
        if v.claims.is_v2() {
            if let Some(org) = v2_org(v) {
                obj.value("orgId", org.get("id"))?;
                if let Some(rol) = org.get("rol").filter(|r| js::truthy(Some(*r))) {
                    obj.key("orgRole")?;
                    obj.out.write_str("\"org:")?;
                    js::write_string(rol, &mut JsonEscape(&mut *obj.out))?;
                    obj.out.write_char('"')?;
                }
                obj.value("orgSlug", org.get("slg"))?;
                if let OrgPermissions::Computed(perms) = self.org_permissions() {
                    obj.key("orgPermissions")?;
                    obj.out.write_char('[')?;
                    for (i, perm) in perms.iter().enumerate() {
                        if i > 0 {
                            obj.out.write_char(',')?;
                        }
                        obj.out.write_char('"')?;
                        fmt::write(&mut JsonEscape(&mut *obj.out), format_args!("{perm}"))?;
                        obj.out.write_char('"')?;
                    }
                    obj.out.write_char(']')?;
                }
            }
        } else {
            obj.value("orgId", p.get("org_id"))?;
            obj.value("orgRole", p.get("org_role"))?;
            obj.value("orgSlug", p.get("org_slug"))?;
            obj.value("orgPermissions", p.get("org_permissions"))?;
        }
        obj.value_or_null("factorVerificationAge", p.get("fva"))?;
        obj.value("actor", p.get("act"))?;
        obj.value("sessionClaims", Some(p))?;
        obj.out.write_char('}')
    }
}

/// The `o` claim of a v2 token when it is truthy (Clerk's `if (claims.o)`).
fn v2_org<'a>(v: &Verified<'a>) -> Option<Value<'a>> {
    if !v.claims.is_v2() {
        return None;
    }
    v.payload.get("o").filter(|o| js::truthy(Some(*o)))
}

/// Whether the `o` claim of a v2 token is truthy: from the typed claim when
/// `o` is an object (no look-up), else from the payload.
fn has_v2_org(v: &Verified<'_>) -> bool {
    v.claims.is_v2() && (v.claims.org.is_some() || v2_org(v).is_some())
}

/// The permissions part of a v2 `o` claim, checked.
struct V2Org<'a> {
    permissions: Permissions<'a>,
}

impl<'a> V2Org<'a> {
    /// Reads a v2 token whose `o` claim is truthy. The typed claims answer
    /// for strings; the payload is looked up only for a claim that is
    /// present but not a string.
    fn read(v: &Verified<'a>) -> Result<Self, AuthError<'a>> {
        // Clerk splits `fea` first (and throws on a bad element), then reads
        // `o.per` and `o.fpm` only when both are truthy.
        let features = match truthy_string(v.claims.fea, || v.payload.get("fea")) {
            None => "",
            Some(fea) => fea.ok_or(AuthError::NotAString("fea"))?,
        };
        check_features(features)?;
        // `per` and `fpm` are read only when `o` is an object.
        let (per, fpm) = match v.claims.org {
            Some(org) => {
                let raw = |name: &'static str| move || v.payload.get("o").and_then(|o| o.get(name));
                match (
                    truthy_string(org.permissions, raw("per")),
                    truthy_string(org.feature_permission_map, raw("fpm")),
                ) {
                    (Some(per), Some(fpm)) => (
                        per.ok_or(AuthError::NotAString("o.per"))?,
                        fpm.ok_or(AuthError::NotAString("o.fpm"))?,
                    ),
                    _ => ("", ""),
                }
            }
            None => ("", ""),
        };
        Ok(V2Org {
            permissions: Permissions::new(features, per, fpm)?,
        })
    }
}

/// A claim that Clerk calls `.split` on when it is truthy: `None` when
/// falsy, else its string (`None` inside when truthy but not a string).
/// `typed` is the claim when it is a string; `raw` looks it up otherwise.
fn truthy_string<'a>(
    typed: Option<&'a str>,
    raw: impl FnOnce() -> Option<Value<'a>>,
) -> Option<Option<&'a str>> {
    match typed {
        Some(s) => (!s.is_empty()).then_some(Some(s)),
        None => js::truthy(raw()).then_some(None),
    }
}

/// Clerk's `splitByScope` check: every `,`-separated element (trimmed) has
/// a `:`.
fn check_features(fea: &str) -> Result<(), AuthError<'_>> {
    if fea.is_empty() {
        return Ok(());
    }
    match fea
        .split(',')
        .map(js::trim)
        .find(|part| !part.contains(':'))
    {
        Some(part) => Err(AuthError::MissingColon(part)),
        None => Ok(()),
    }
}

/// The elements of `fea` (or `pla`) with their scope, Clerk's
/// `splitByScope`: `(is_org, is_user, name)`; elements without `:` are
/// skipped (callers check them first).
fn scoped(claim: &str) -> Scoped<'_> {
    Scoped {
        parts: (!claim.is_empty()).then(|| claim.split(',')),
    }
}

#[derive(Clone, Debug)]
struct Scoped<'a> {
    parts: Option<core::str::Split<'a, char>>,
}

impl<'a> Iterator for Scoped<'a> {
    type Item = (bool, bool, &'a str);

    fn next(&mut self) -> Option<(bool, bool, &'a str)> {
        loop {
            let part = js::trim(self.parts.as_mut()?.next()?);
            let Some((scope, name)) = part.split_once(':') else {
                continue;
            };
            let (org, user) = match scope {
                "o" => (true, false),
                "u" => (false, true),
                "ou" | "uo" => (true, true),
                _ => (false, false),
            };
            return Some((org, user, name));
        }
    }
}

/// Clerk's billing check of `has({ feature })` / `has({ plan })`.
fn entitled(claim: Option<&str>, wanted: &str) -> bool {
    let Some(claim) = claim.filter(|c| !c.is_empty()) else {
        return false;
    };
    if check_features(claim).is_err() {
        return false;
    }
    let mut parts = wanted.split(':');
    let raw_scope = parts.next().unwrap_or("");
    let raw_id = parts.next();
    let id = match raw_id {
        Some(id) if !id.is_empty() => id,
        _ => raw_scope,
    };
    let (want_org, want_user) = match raw_id {
        None => (true, true),
        Some(_) => match raw_scope {
            "o" | "org" | "organization" => (true, false),
            "u" | "user" => (false, true),
            _ => return false,
        },
    };
    scoped(claim).any(|(org, user, name)| name == id && ((want_org && org) || (want_user && user)))
}

/// `value.replace(/^(org:)*/, "")`.
fn strip_org_prefixes(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("org:") {
        s = rest;
    }
    s
}

/// An organization role as Clerk's `orgRole` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgRole<'a> {
    /// A v2 role (`o.rol`); shown as `org:<role>`.
    Prefixed(&'a str),
    /// A v1 `org_role`, shown as issued.
    AsIssued(&'a str),
}

impl OrgRole<'_> {
    /// `true` for an empty role.
    pub fn is_empty(&self) -> bool {
        match self {
            OrgRole::Prefixed(_) => false,
            OrgRole::AsIssued(r) => r.is_empty(),
        }
    }
}

impl fmt::Display for OrgRole<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Plain writes, not `write!`: the same text, without pulling
            // `core::fmt`'s padding code into firmware.
            OrgRole::Prefixed(r) => {
                f.write_str("org:")?;
                f.write_str(r)
            }
            OrgRole::AsIssued(r) => f.write_str(r),
        }
    }
}

/// `orgPermissions`.
#[derive(Clone, Copy, Debug)]
pub enum OrgPermissions<'a> {
    /// No active organization (Clerk: `undefined` or `null`).
    None,
    /// v2: decoded from `fea`, `o.per` and `o.fpm`.
    Computed(Permissions<'a>),
    /// v1: the `org_permissions` claim as issued (normally an array of
    /// strings).
    AsIssued(Value<'a>),
}

/// The organization permissions of a v2 token, decoded lazily: for each org
/// feature of `fea` (scope `o`, `ou` or `uo`, in order) the decimal bitmap
/// at the same index of `fpm` selects names of `per`, least significant bit
/// first. Clerk's `buildOrgPermissions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions<'a> {
    features: &'a str,
    per: &'a str,
    fpm: &'a str,
}

impl<'a> Permissions<'a> {
    /// Checks the three claims as Clerk reads them: every `fea` element has
    /// a `:`, and `per` has at most [`MAX_PERMISSIONS`] names. An empty
    /// `per` or `fpm` gives no permissions.
    pub fn new(fea: &'a str, per: &'a str, fpm: &'a str) -> Result<Self, AuthError<'a>> {
        check_features(fea)?;
        let (per, fpm) = if per.is_empty() || fpm.is_empty() {
            ("", "")
        } else {
            (per, fpm)
        };
        if !per.is_empty() && per.split(',').count() > MAX_PERMISSIONS {
            return Err(AuthError::TooManyPermissions);
        }
        Ok(Permissions {
            features: fea,
            per,
            fpm,
        })
    }

    /// The permissions, in Clerk's order.
    pub fn iter(&self) -> PermissionIter<'a> {
        PermissionIter {
            features: scoped(self.features),
            fpm: self.fpm.split(','),
            per: self.per,
            current: None,
            active: !self.per.is_empty(),
        }
    }

    /// Whether `permission` (e.g. `org:teams:read`) is granted.
    pub fn contains(&self, permission: &str) -> bool {
        permission
            .strip_prefix("org:")
            .is_some_and(|rest| self.contains_unprefixed(rest))
    }

    fn contains_unprefixed(&self, rest: &str) -> bool {
        self.iter().any(|p| {
            rest.strip_prefix(p.feature)
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(|r| r == p.permission)
        })
    }
}

/// One organization permission: shown as `org:<feature>:<permission>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission<'a> {
    /// The feature, e.g. `teams`.
    pub feature: &'a str,
    /// The permission name, e.g. `read`.
    pub permission: &'a str,
}

impl fmt::Display for Permission<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain writes, not `write!`: see `OrgRole`.
        f.write_str("org:")?;
        f.write_str(self.feature)?;
        f.write_str(":")?;
        f.write_str(self.permission)
    }
}

/// Iterator over [`Permissions`].
#[derive(Clone, Debug)]
pub struct PermissionIter<'a> {
    features: Scoped<'a>,
    fpm: core::str::Split<'a, char>,
    per: &'a str,
    /// The feature being expanded.
    current: Option<Expanding<'a>>,
    active: bool,
}

/// A feature, its bitmap and the permission names still to look at.
#[derive(Clone, Debug)]
struct Expanding<'a> {
    feature: &'a str,
    bits: [u64; LIMBS],
    names: core::iter::Enumerate<core::str::Split<'a, char>>,
}

impl<'a> Iterator for PermissionIter<'a> {
    type Item = Permission<'a>;

    fn next(&mut self) -> Option<Permission<'a>> {
        if !self.active {
            return None;
        }
        loop {
            if let Some(current) = &mut self.current {
                for (j, name) in current.names.by_ref() {
                    let set = current
                        .bits
                        .get(j / 64)
                        .is_some_and(|limb| limb >> (j % 64) & 1 == 1);
                    if set {
                        return Some(Permission {
                            feature: current.feature,
                            permission: js::trim(name),
                        });
                    }
                }
                self.current = None;
            }
            // The next org feature, paired with the next bitmap: bitmaps go
            // with org features by position.
            let feature = loop {
                let (org, _, name) = self.features.next()?;
                if org {
                    break name;
                }
            };
            let Some(entry) = self.fpm.next() else {
                self.active = false;
                return None;
            };
            let bits = decimal_bits(js::trim(entry)).unwrap_or([0; LIMBS]);
            self.current = Some(Expanding {
                feature,
                bits,
                names: self.per.split(',').enumerate(),
            });
        }
    }
}

/// A decimal string (ASCII digits only, at least one) as its low
/// [`MAX_PERMISSIONS`] bits; `None` otherwise (Clerk then grants nothing
/// for that feature).
fn decimal_bits(s: &str) -> Option<[u64; LIMBS]> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n = [0u64; LIMBS];
    for d in s.bytes() {
        let mut carry = u128::from(d - b'0');
        for limb in &mut n {
            let x = u128::from(*limb) * 10 + carry;
            *limb = x as u64;
            carry = x >> 64;
        }
    }
    Some(n)
}

/// Writes `{"key":value,...}` with JSON values from the payload.
struct JsonObject<'w> {
    out: &'w mut dyn fmt::Write,
    first: bool,
}

impl<'w> JsonObject<'w> {
    fn new(out: &'w mut dyn fmt::Write) -> Result<Self, fmt::Error> {
        out.write_char('{')?;
        Ok(JsonObject { out, first: true })
    }

    fn key(&mut self, key: &str) -> fmt::Result {
        if !self.first {
            self.out.write_char(',')?;
        }
        self.first = false;
        write!(self.out, "\"{key}\":")
    }

    fn raw(&mut self, key: &str, raw: &str) -> fmt::Result {
        self.key(key)?;
        self.out.write_str(raw)
    }

    /// Left out when `undefined`.
    fn value(&mut self, key: &str, value: Option<Value<'_>>) -> fmt::Result {
        match value {
            Some(v) => {
                self.key(key)?;
                v.write_js(&mut *self.out)
            }
            None => Ok(()),
        }
    }

    /// `value ?? null`.
    fn value_or_null(&mut self, key: &str, value: Option<Value<'_>>) -> fmt::Result {
        self.key(key)?;
        match value {
            Some(v) => v.write_js(&mut *self.out),
            None => self.out.write_str("null"),
        }
    }
}

fn write_json_string(s: &str, out: &mut dyn fmt::Write) -> fmt::Result {
    out.write_char('"')?;
    JsonEscape(out).write_str(s)?;
    out.write_char('"')
}

/// Escapes text for the inside of a JSON string, as `JSON.stringify` does.
struct JsonEscape<'w>(&'w mut dyn fmt::Write);

impl fmt::Write for JsonEscape<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match c {
                '"' => self.0.write_str("\\\"")?,
                '\\' => self.0.write_str("\\\\")?,
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                '\u{8}' => self.0.write_str("\\b")?,
                '\u{c}' => self.0.write_str("\\f")?,
                c if u32::from(c) < 0x20 => write!(self.0, "\\u{:04x}", u32::from(c))?,
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::{String, ToString};
    use std::vec::Vec;

    fn perms(fea: &str, per: &str, fpm: &str) -> Vec<String> {
        Permissions::new(fea, per, fpm)
            .map(|p| p.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn permissions_like_clerk() {
        // clerk-semantics.md §7.3.
        assert_eq!(
            perms("o:articles,o:teams", "read,manage", "3,1"),
            ["org:articles:read", "org:articles:manage", "org:teams:read"]
        );
        // User features take no bitmap; `ou` is both.
        assert_eq!(
            perms("ou:reports,u:beta,o:teams", "read,write,delete", "5,2"),
            ["org:reports:read", "org:reports:delete", "org:teams:write"]
        );
        assert_eq!(
            perms("o:a,o:b,u:premium", "read,manage", "3,1"),
            ["org:a:read", "org:a:manage", "org:b:read"]
        );
        // Fewer bitmaps than features, bits beyond `per`, non-digit bitmaps.
        assert_eq!(perms("o:a,o:b", "x", "7"), ["org:a:x"]);
        assert_eq!(perms("o:a,o:b", "x,y", "x, 2 "), ["org:b:y"]);
        assert!(perms("o:a", "", "1").is_empty());
        assert!(perms("o:a", "x", "").is_empty());
        assert!(perms("", "x", "1").is_empty());
        // Trimming and big bitmaps.
        assert_eq!(
            perms(" o:a , o:b", " x , y ", "18446744073709551616,0"),
            [] as [&str; 0]
        );
        let mut names = String::new();
        for i in 0..70 {
            if i > 0 {
                names.push(',');
            }
            names.push_str(&std::format!("p{i}"));
        }
        assert_eq!(
            perms("o:f", &names, "1180591620717411303424"), // 2^70
            [] as [&str; 0]
        );
        assert_eq!(perms("o:f", &names, "590295810358705651712"), ["org:f:p69"]); // 2^69
        assert!(Permissions::new("articles", "read", "1").is_err());
        assert_eq!(
            Permissions::new("o:a,", "read", "1").err(),
            Some(AuthError::MissingColon(""))
        );
        let p = Permissions::new("o:articles,o:teams", "read,manage", "3,1");
        assert!(p.is_ok_and(|p| p.contains("org:teams:read") && !p.contains("teams:read")));
    }

    #[test]
    fn entitlements() {
        let fea = Some("o:articles,u:premium,ou:both");
        assert!(entitled(fea, "articles"));
        assert!(entitled(fea, "o:articles"));
        assert!(entitled(fea, "org:articles"));
        assert!(!entitled(fea, "u:articles"));
        assert!(entitled(fea, "user:premium"));
        assert!(entitled(fea, "u:both") && entitled(fea, "o:both"));
        assert!(!entitled(fea, "x:articles"));
        assert!(!entitled(Some("bad"), "bad"));
        assert!(!entitled(None, "articles"));
    }

    #[test]
    fn org_prefix() {
        assert_eq!(strip_org_prefixes("org:org:admin"), "admin");
        assert_eq!(strip_org_prefixes("admin"), "admin");
        assert_eq!(OrgRole::Prefixed("admin").to_string(), "org:admin");
        assert_eq!(OrgRole::AsIssued("org:member").to_string(), "org:member");
    }
}
