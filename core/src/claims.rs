//! Typed session claims, borrowed from the decoded payload.
//!
//! Claims are read in one pass over the payload's members. Strings without
//! escapes are borrowed as they are; escaped ones are unescaped into the
//! rest of the caller's buffer, so every field is a plain `&str`.

use crate::error::DecodeError;
use crate::json::{JsonStr, Kind, Value};

/// The compact organization claim `o` of v2 session tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OrgClaims<'a> {
    /// `o.id`: the active organization's id.
    pub id: Option<&'a str>,
    /// `o.slg`: its slug.
    pub slug: Option<&'a str>,
    /// `o.rol`: the member's role, without the `org:` prefix.
    pub role: Option<&'a str>,
    /// `o.per`: the permission names, comma-separated.
    pub permissions: Option<&'a str>,
    /// `o.fpm`: per feature, a decimal bitmap over `per`, comma-separated.
    pub feature_permission_map: Option<&'a str>,
}

/// Clerk's session claims. String claims of another JSON type are `None`
/// here; the raw value is still in [`crate::Verified::payload`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SessionClaims<'a> {
    /// `sub`: the user id.
    pub sub: &'a str,
    /// `sid`: the session id.
    pub sid: Option<&'a str>,
    /// `azp`: the origin the token was issued for.
    pub azp: Option<&'a str>,
    /// `iss`: the instance's Frontend API URL.
    pub iss: Option<&'a str>,
    /// `exp`, in seconds.
    pub exp: f64,
    /// `nbf`, in seconds.
    pub nbf: Option<f64>,
    /// `iat`, in seconds.
    pub iat: Option<f64>,
    /// `v`: the claims version (2 for the compact organization claims).
    pub v: Option<f64>,
    /// `sts`: the session status (`active`, `pending`).
    pub sts: Option<&'a str>,
    /// `fva`: minutes since the first and second factor verification.
    pub fva: Option<Value<'a>>,
    /// `act`: the actor, for impersonation sessions.
    pub act: Option<Value<'a>>,
    /// `o`: the active organization (v2).
    pub org: Option<OrgClaims<'a>>,
    /// `fea`: features, `scope:name` comma-separated (v2).
    pub fea: Option<&'a str>,
    /// `pla`: plans, `scope:name` comma-separated (v2).
    pub pla: Option<&'a str>,
    /// `org_id` (v1).
    pub org_id: Option<&'a str>,
    /// `org_role` (v1).
    pub org_role: Option<&'a str>,
    /// `org_slug` (v1).
    pub org_slug: Option<&'a str>,
    /// `org_permissions` (v1): an array of strings.
    pub org_permissions: Option<Value<'a>>,
}

/// Hands out pieces of the caller's buffer for unescaped strings.
pub(crate) struct Arena<'a> {
    free: &'a mut [u8],
}

impl<'a> Arena<'a> {
    pub(crate) fn new(free: &'a mut [u8]) -> Self {
        Self { free }
    }

    /// The string `s` as a `&str`: borrowed when it has no escape, else
    /// unescaped into the arena.
    pub(crate) fn text(&mut self, s: JsonStr<'a>) -> Result<&'a str, DecodeError> {
        if let Some(plain) = s.as_borrowed() {
            return Ok(plain);
        }
        let (dst, rest) = core::mem::take(&mut self.free)
            .split_at_mut_checked(s.unescaped_len())
            .ok_or(DecodeError::BufferTooSmall)?;
        self.free = rest;
        s.unescape_into(dst)
            .map_err(|_| DecodeError::BufferTooSmall)
    }

    /// The value as a `&str` when it is a string, else `None`.
    fn string(&mut self, v: Value<'a>) -> Result<Option<&'a str>, DecodeError> {
        v.as_str().map(|s| self.text(s)).transpose()
    }
}

/// A member name, when it is short enough to be one of Clerk's claims.
fn claim_name<'k>(key: JsonStr<'_>, scratch: &'k mut [u8; 16]) -> Option<&'k str> {
    if let Some(plain) = key.as_borrowed() {
        let len = plain.len();
        let dst = scratch.get_mut(..len)?;
        dst.copy_from_slice(plain.as_bytes());
        return core::str::from_utf8(dst).ok();
    }
    key.unescape_into(scratch).ok()
}

/// Every payload member that verification or [`SessionClaims`] needs, found
/// in one pass over the payload (a look-up per claim would rescan it).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RawClaims<'a> {
    pub sub: Option<Value<'a>>,
    pub aud: Option<Value<'a>>,
    pub azp: Option<Value<'a>>,
    pub iss: Option<Value<'a>>,
    pub exp: Option<Value<'a>>,
    pub nbf: Option<Value<'a>>,
    pub iat: Option<Value<'a>>,
    sid: Option<Value<'a>>,
    v: Option<Value<'a>>,
    sts: Option<Value<'a>>,
    fva: Option<Value<'a>>,
    act: Option<Value<'a>>,
    org: Option<Value<'a>>,
    fea: Option<Value<'a>>,
    pla: Option<Value<'a>>,
    org_id: Option<Value<'a>>,
    org_role: Option<Value<'a>>,
    org_slug: Option<Value<'a>>,
    org_permissions: Option<Value<'a>>,
}

impl<'a> RawClaims<'a> {
    /// Collects the known claims of `payload` (anything but an object has
    /// none, as in JavaScript).
    pub(crate) fn collect(payload: Value<'a>) -> Self {
        let mut raw = RawClaims::default();
        let Some(members) = payload.members() else {
            return raw;
        };
        let mut scratch = [0u8; 16];
        for (key, value) in members {
            let slot = match claim_name(key, &mut scratch) {
                Some("sub") => &mut raw.sub,
                Some("aud") => &mut raw.aud,
                Some("azp") => &mut raw.azp,
                Some("iss") => &mut raw.iss,
                Some("exp") => &mut raw.exp,
                Some("nbf") => &mut raw.nbf,
                Some("iat") => &mut raw.iat,
                Some("sid") => &mut raw.sid,
                Some("v") => &mut raw.v,
                Some("sts") => &mut raw.sts,
                Some("fva") => &mut raw.fva,
                Some("act") => &mut raw.act,
                Some("o") => &mut raw.org,
                Some("fea") => &mut raw.fea,
                Some("pla") => &mut raw.pla,
                Some("org_id") => &mut raw.org_id,
                Some("org_role") => &mut raw.org_role,
                Some("org_slug") => &mut raw.org_slug,
                Some("org_permissions") => &mut raw.org_permissions,
                _ => continue,
            };
            *slot = Some(value);
        }
        raw
    }
}

impl<'a> SessionClaims<'a> {
    /// The typed claims of a payload whose `sub` and `exp` were checked.
    pub(crate) fn read(
        raw: &RawClaims<'a>,
        sub: &'a str,
        exp: f64,
        arena: &mut Arena<'a>,
    ) -> Result<Self, DecodeError> {
        let mut text = |v: Option<Value<'a>>| -> Result<Option<&'a str>, DecodeError> {
            v.map_or(Ok(None), |v| arena.string(v))
        };
        Ok(SessionClaims {
            sub,
            exp,
            sid: text(raw.sid)?,
            azp: text(raw.azp)?,
            iss: text(raw.iss)?,
            sts: text(raw.sts)?,
            fea: text(raw.fea)?,
            pla: text(raw.pla)?,
            org_id: text(raw.org_id)?,
            org_role: text(raw.org_role)?,
            org_slug: text(raw.org_slug)?,
            nbf: raw.nbf.and_then(|v| v.as_f64()),
            iat: raw.iat.and_then(|v| v.as_f64()),
            v: raw.v.and_then(|v| v.as_f64()),
            fva: raw.fva,
            act: raw.act,
            org_permissions: raw.org_permissions,
            org: raw.org.map_or(Ok(None), |o| OrgClaims::read(o, arena))?,
        })
    }

    /// Clerk's claims version: `v` is the number 2 for v2 tokens.
    pub fn is_v2(&self) -> bool {
        self.v == Some(2.0)
    }
}

impl<'a> OrgClaims<'a> {
    fn read(value: Value<'a>, arena: &mut Arena<'a>) -> Result<Option<Self>, DecodeError> {
        if value.kind() != Kind::Object {
            return Ok(None);
        }
        let mut org = OrgClaims::default();
        let Some(members) = value.members() else {
            return Ok(Some(org));
        };
        let mut scratch = [0u8; 16];
        for (key, value) in members {
            match claim_name(key, &mut scratch) {
                Some("id") => org.id = arena.string(value)?,
                Some("slg") => org.slug = arena.string(value)?,
                Some("rol") => org.role = arena.string(value)?,
                Some("per") => org.permissions = arena.string(value)?,
                Some("fpm") => org.feature_permission_map = arena.string(value)?,
                _ => {}
            }
        }
        Ok(Some(org))
    }
}
