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

impl<'a> SessionClaims<'a> {
    /// Reads the claims of a payload whose `sub` and `exp` were checked.
    pub(crate) fn read(
        payload: Value<'a>,
        sub: &'a str,
        exp: f64,
        arena: &mut Arena<'a>,
    ) -> Result<Self, DecodeError> {
        let mut claims = SessionClaims {
            sub,
            exp,
            ..SessionClaims::default()
        };
        let Some(members) = payload.members() else {
            return Ok(claims);
        };
        let mut scratch = [0u8; 16];
        for (key, value) in members {
            let Some(name) = claim_name(key, &mut scratch) else {
                continue;
            };
            match name {
                "sid" => claims.sid = arena.string(value)?,
                "azp" => claims.azp = arena.string(value)?,
                "iss" => claims.iss = arena.string(value)?,
                "nbf" => claims.nbf = value.as_f64(),
                "iat" => claims.iat = value.as_f64(),
                "v" => claims.v = value.as_f64(),
                "sts" => claims.sts = arena.string(value)?,
                "fva" => claims.fva = Some(value),
                "act" => claims.act = Some(value),
                "o" => claims.org = OrgClaims::read(value, arena)?,
                "fea" => claims.fea = arena.string(value)?,
                "pla" => claims.pla = arena.string(value)?,
                "org_id" => claims.org_id = arena.string(value)?,
                "org_role" => claims.org_role = arena.string(value)?,
                "org_slug" => claims.org_slug = arena.string(value)?,
                "org_permissions" => claims.org_permissions = Some(value),
                _ => {}
            }
        }
        Ok(claims)
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
