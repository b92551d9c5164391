//! The JOSE header of a token: `alg`, `typ`, `cat`, `kid`, checked in
//! Clerk's order.

use crate::error::TokenError;
use crate::json::{self, Kind};
use crate::verify::{Algorithm, Algorithms};

/// Clerk's token category for machine-to-machine tokens, never a session.
pub const MACHINE_CATEGORY: &str = "cl_B7d4PD333AAA";
/// Clerk's token category for session tokens.
pub const SESSION_CATEGORY: &str = "cl_B7d4PD111AAA";

/// A checked JOSE header.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key id, when present and a string.
    pub kid: Option<json::JsonStr<'a>>,
    /// The whole header object.
    pub raw: json::Value<'a>,
}

/// `true` when the header's `cat` is the machine category (Clerk rejects it
/// before anything else).
pub(crate) fn is_machine_category(header: json::Value<'_>) -> bool {
    header
        .get("cat")
        .and_then(|cat| cat.as_str())
        .is_some_and(|cat| cat.eq_str(MACHINE_CATEGORY))
}

impl<'a> Header<'a> {
    /// Checks `typ` then `alg`, as Clerk's `verifyJwt` does.
    pub(crate) fn check(raw: json::Value<'a>, allowed: Algorithms) -> Result<Self, TokenError<'a>> {
        if let Some(typ) = raw.get("typ")
            && !typ.as_str().is_some_and(|t| t.eq_str("JWT"))
        {
            return Err(TokenError::Type(typ));
        }
        let alg_value = raw.get("alg");
        let alg = alg_value
            .and_then(|v| v.as_str())
            .and_then(|s| {
                [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512]
                    .into_iter()
                    .find(|alg| s.eq_str(alg.as_str()))
            })
            .ok_or(TokenError::Algorithm(alg_value))?;
        if !allowed.contains(alg) {
            return Err(TokenError::AlgorithmNotAllowed(alg, allowed));
        }
        let kid = raw
            .get("kid")
            .filter(|v| v.kind() == Kind::String)
            .and_then(|v| v.as_str());
        Ok(Header { alg, kid, raw })
    }
}
