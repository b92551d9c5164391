//! Clerk's error vocabulary: reason strings, messages and action hints.
//!
//! [`Reason::as_str`] gives exactly the reason strings of Clerk's
//! `TokenVerificationErrorReason`, and [`TokenError`]'s `Display` gives
//! exactly Clerk's message, so logs, headers and dashboards read the same as
//! with Clerk's own SDK. [`TokenError::detail`] adds what Clerk does not say
//! (which limit was hit), for logs only.

use crate::base64url::Base64Error;
use crate::jsdate::UtcString;
use crate::json::{self, JsonError};
use crate::verify::{Algorithm, Algorithms};
use core::fmt;

/// Clerk's `TokenVerificationErrorReason` values that verification can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// `token-expired`: `exp` is in the past.
    TokenExpired,
    /// `token-invalid`: not a well-formed session JWT.
    TokenInvalid,
    /// `token-invalid-algorithm`: `alg` is not accepted.
    TokenInvalidAlgorithm,
    /// `token-invalid-authorized-parties`: `azp` is not an authorized party.
    TokenInvalidAuthorizedParties,
    /// `token-invalid-issuer`: `iss` is not the expected issuer.
    TokenInvalidIssuer,
    /// `token-invalid-signature`: the signature does not verify.
    TokenInvalidSignature,
    /// `token-not-active-yet`: `nbf` is in the future.
    TokenNotActiveYet,
    /// `token-iat-in-the-future`: `iat` is in the future.
    TokenIatInTheFuture,
    /// `token-verification-failed`: a required claim is missing or mistyped.
    TokenVerificationFailed,
    /// `jwk-failed-to-resolve`: no key is configured.
    JwkFailedToResolve,
    /// `jwk-kid-mismatch`: no configured key has the token's `kid`.
    JwkKidMismatch,
}

impl Reason {
    /// Clerk's reason string, e.g. `token-expired`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::TokenExpired => "token-expired",
            Reason::TokenInvalid => "token-invalid",
            Reason::TokenInvalidAlgorithm => "token-invalid-algorithm",
            Reason::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            Reason::TokenInvalidIssuer => "token-invalid-issuer",
            Reason::TokenInvalidSignature => "token-invalid-signature",
            Reason::TokenNotActiveYet => "token-not-active-yet",
            Reason::TokenIatInTheFuture => "token-iat-in-the-future",
            Reason::TokenVerificationFailed => "token-verification-failed",
            Reason::JwkFailedToResolve => "jwk-failed-to-resolve",
            Reason::JwkKidMismatch => "jwk-kid-mismatch",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Clerk's `TokenVerificationErrorAction.EnsureClerkJWT`.
const ENSURE_CLERK_JWT: &str = "Make sure that this is a valid Clerk-generated JWT.";
/// Clerk's `TokenVerificationErrorAction.SetClerkJWTKey`.
const SET_CLERK_JWT_KEY: &str = "Set the CLERK_JWT_KEY environment variable.";

/// Which part of the token could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

/// Why a token could not be decoded (all are `token-invalid` for Clerk).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Longer than [`crate::verify::MAX_TOKEN_LEN`].
    TooLong,
    /// The caller's buffer is smaller than [`crate::verify::buffer_len`].
    BufferTooSmall,
    /// A segment is not base64url.
    Base64(Segment, Base64Error),
    /// A decoded header or payload is not UTF-8.
    Utf8(Segment),
    /// A decoded header or payload is not JSON we accept.
    Json(Segment, JsonError),
    /// The header or payload is JSON `null`.
    Null(Segment),
}

/// Why a token was rejected: Clerk's reason, message and action, with the
/// token's offending values borrowed from the caller's buffer.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum TokenError<'a> {
    /// Not three dot-separated segments.
    Form,
    /// A segment could not be decoded.
    Decode(DecodeError),
    /// `cat` is Clerk's machine-to-machine category.
    MachineCategory,
    /// `typ` is present and not `"JWT"`.
    Type(json::Value<'a>),
    /// `alg` is missing or not RS256/RS384/RS512.
    Algorithm(Option<json::Value<'a>>),
    /// A valid RSA algorithm that the verifier does not accept.
    AlgorithmNotAllowed(Algorithm, Algorithms),
    /// No key is configured.
    NoKey,
    /// Several keys are configured and none has the token's `kid`.
    KidMismatch,
    /// The signature does not verify.
    Signature,
    /// `sub` is missing or not a string.
    Subject(Option<json::Value<'a>>),
    /// `aud` is not among the accepted audiences.
    Audience(json::Value<'a>, &'a [&'a str]),
    /// `azp` is not an authorized party.
    AuthorizedParty(Option<json::Value<'a>>, &'a [&'a str]),
    /// `iss` is not the expected issuer.
    Issuer(Option<json::Value<'a>>, &'a str),
    /// `exp` is missing or not a number.
    ExpiryType(Option<json::Value<'a>>),
    /// `exp` is past.
    Expired {
        /// `exp` in milliseconds.
        exp_ms: f64,
        /// The clock, in Unix milliseconds.
        now_ms: i64,
    },
    /// `nbf` is not a number.
    NotBeforeType(json::Value<'a>),
    /// `nbf` is in the future.
    NotActiveYet {
        /// `nbf` in milliseconds.
        nbf_ms: f64,
        /// The clock, in Unix milliseconds.
        now_ms: i64,
    },
    /// `iat` is not a number.
    IssuedAtType(json::Value<'a>),
    /// `iat` is in the future.
    IssuedInTheFuture {
        /// `iat` in milliseconds.
        iat_ms: f64,
        /// The clock, in Unix milliseconds.
        now_ms: i64,
    },
}

impl<'a> TokenError<'a> {
    /// Clerk's reason.
    pub const fn reason(&self) -> Reason {
        match self {
            TokenError::Form
            | TokenError::Decode(_)
            | TokenError::MachineCategory
            | TokenError::Type(_) => Reason::TokenInvalid,
            TokenError::Algorithm(_) | TokenError::AlgorithmNotAllowed(..) => {
                Reason::TokenInvalidAlgorithm
            }
            TokenError::NoKey => Reason::JwkFailedToResolve,
            TokenError::KidMismatch => Reason::JwkKidMismatch,
            TokenError::Signature => Reason::TokenInvalidSignature,
            TokenError::Subject(_)
            | TokenError::Audience(..)
            | TokenError::ExpiryType(_)
            | TokenError::NotBeforeType(_)
            | TokenError::IssuedAtType(_) => Reason::TokenVerificationFailed,
            TokenError::AuthorizedParty(..) => Reason::TokenInvalidAuthorizedParties,
            TokenError::Issuer(..) => Reason::TokenInvalidIssuer,
            TokenError::Expired { .. } => Reason::TokenExpired,
            TokenError::NotActiveYet { .. } => Reason::TokenNotActiveYet,
            TokenError::IssuedInTheFuture { .. } => Reason::TokenIatInTheFuture,
        }
    }

    /// Clerk's action hint (what the operator should do), when Clerk gives one.
    pub const fn action(&self) -> Option<&'static str> {
        match self {
            TokenError::MachineCategory
            | TokenError::Type(_)
            | TokenError::Algorithm(_)
            | TokenError::AlgorithmNotAllowed(..)
            | TokenError::Subject(_)
            | TokenError::Audience(..)
            | TokenError::Issuer(..)
            | TokenError::ExpiryType(_)
            | TokenError::NotBeforeType(_)
            | TokenError::IssuedAtType(_) => Some(ENSURE_CLERK_JWT),
            TokenError::NoKey => Some(SET_CLERK_JWT_KEY),
            TokenError::KidMismatch => {
                Some("Configure the key with this kid, or the instance's JWKS.")
            }
            _ => None,
        }
    }

    /// Why decoding failed, for logs (Clerk only says the token is invalid).
    pub const fn detail(&self) -> Option<DecodeError> {
        match self {
            TokenError::Decode(d) => Some(*d),
            _ => None,
        }
    }

    /// Clerk's `getFullMessage()`: `<message>[ <action>] (reason=<reason>,
    /// token-carrier=<carrier>)`, as `authenticateRequest` reports it.
    pub fn full_message<'e>(&'e self, carrier: &'static str) -> FullMessage<'e, 'a> {
        FullMessage {
            error: self,
            carrier,
        }
    }
}

/// A value written as `JSON.stringify` would, `undefined` when absent.
struct Js<'v, 'a>(&'v Option<json::Value<'a>>);

impl fmt::Display for Js<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => v.write_js(f),
            None => f.write_str("undefined"),
        }
    }
}

/// A list joined by `,`, as JavaScript prints an array in a template string.
struct Joined<'v>(&'v [&'v str]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(item)?;
        }
        Ok(())
    }
}

/// A string list as `JSON.stringify` writes it.
struct JsonList<'v>(&'v [&'v str]);

impl fmt::Display for JsonList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write_js_string(item, f)?;
        }
        f.write_str("]")
    }
}

/// Writes `s` as `JSON.stringify` quotes a string.
fn write_js_string(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
            c => fmt::Write::write_char(f, c)?,
        }
    }
    f.write_str("\"")
}

impl fmt::Display for TokenError<'_> {
    /// Clerk's message, word for word.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Form => {
                f.write_str("Invalid JWT form. A JWT consists of three parts separated by dots.")
            }
            TokenError::Decode(_) => f.write_str(
                "Invalid JWT form. The header, payload, or signature could not be decoded.",
            ),
            TokenError::MachineCategory => f.write_str("Invalid session token category."),
            TokenError::Type(typ) => {
                f.write_str("Invalid JWT type ")?;
                typ.write_js(f)?;
                f.write_str(". Expected \"JWT\".")
            }
            TokenError::Algorithm(alg) => write!(
                f,
                "Invalid JWT algorithm {}. Supported: RS256,RS384,RS512.",
                Js(alg)
            ),
            TokenError::AlgorithmNotAllowed(alg, allowed) => write!(
                f,
                "Invalid JWT algorithm \"{}\". Supported: {allowed}.",
                alg.as_str()
            ),
            TokenError::NoKey => f.write_str("Failed to resolve JWK during verification."),
            TokenError::KidMismatch => f.write_str(
                "Unable to find a signing key that matches the kid of the provided session token.",
            ),
            TokenError::Signature => f.write_str("JWT signature is invalid."),
            TokenError::Subject(sub) => write!(
                f,
                "Subject claim (sub) is required and must be a string. Received {}.",
                Js(sub)
            ),
            TokenError::Audience(aud, list) => {
                let array = if aud.kind() == json::Kind::Array {
                    " array"
                } else {
                    ""
                };
                write!(
                    f,
                    "Invalid JWT audience claim{array} (aud) {}. Is not included in \"{}\".",
                    Js(&Some(*aud)),
                    JsonList(list)
                )
            }
            TokenError::AuthorizedParty(azp, parties) => write!(
                f,
                "Invalid JWT Authorized party claim (azp) {}. Expected \"{}\".",
                Js(azp),
                Joined(parties)
            ),
            TokenError::Issuer(iss, expected) => write!(
                f,
                "Invalid JWT issuer claim (iss) {}. Expected \"{expected}\".",
                Js(iss)
            ),
            TokenError::ExpiryType(exp) => write!(
                f,
                "Invalid JWT expiry date claim (exp) {}. Expected number.",
                Js(exp)
            ),
            TokenError::Expired { exp_ms, now_ms } => write!(
                f,
                "JWT is expired. Expiry date: {}, Current date: {}.",
                UtcString(*exp_ms),
                UtcString(*now_ms as f64)
            ),
            TokenError::NotBeforeType(nbf) => write!(
                f,
                "Invalid JWT not before date claim (nbf) {}. Expected number.",
                Js(&Some(*nbf))
            ),
            TokenError::NotActiveYet { nbf_ms, now_ms } => write!(
                f,
                "JWT cannot be used prior to not before date claim (nbf). Not before date: {}; Current date: {};",
                UtcString(*nbf_ms),
                UtcString(*now_ms as f64)
            ),
            TokenError::IssuedAtType(iat) => write!(
                f,
                "Invalid JWT issued at date claim (iat) {}. Expected number.",
                Js(&Some(*iat))
            ),
            TokenError::IssuedInTheFuture { iat_ms, now_ms } => write!(
                f,
                "JWT issued at date claim (iat) is in the future. Issued at date: {}; Current date: {};",
                UtcString(*iat_ms),
                UtcString(*now_ms as f64)
            ),
        }
    }
}

/// Clerk's `getFullMessage()`; see [`TokenError::full_message`].
#[derive(Clone, Copy, Debug)]
pub struct FullMessage<'e, 'a> {
    error: &'e TokenError<'a>,
    carrier: &'static str,
}

impl fmt::Display for FullMessage<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(action) = self.error.action() {
            write!(f, " {action}")?;
        }
        write!(
            f,
            " (reason={}, token-carrier={})",
            self.error.reason().as_str(),
            self.carrier
        )
    }
}
