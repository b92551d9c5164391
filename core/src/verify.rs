//! Verifying one token: Clerk's `verifyToken` order of checks, against keys
//! loaded once and a clock the caller supplies.
//!
//! The order is Clerk's: decode all three segments, reject the machine
//! category, resolve the key, check `typ` and `alg`, verify the signature,
//! and only then look at the claims (`sub`, `aud`, `azp`, `iss`, `exp`,
//! `nbf`, `iat`).

use crate::claims::{Arena, RawClaims, SessionClaims};
use crate::error::{Segment, TokenError};
use crate::header::{self, Header};
use crate::jsdate;
use crate::json::{self, Kind, Value};
use crate::key::JwtKey;
use crate::rsa::HashAlg;
use crate::token;
use core::fmt;
use sha2::Digest;

/// Longest token accepted, in bytes. Clerk's session tokens are about 1 KB;
/// a cookie holds at most 4 KB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Bytes of scratch buffer that [`Verifier::verify`] needs for a token of
/// `token_len` bytes: the decoded header, payload and signature plus room
/// for claim strings that contain escapes.
pub const fn buffer_len(token_len: usize) -> usize {
    token_len.div_ceil(4) * 3 * 2
}

/// A buffer big enough for any token up to [`MAX_TOKEN_LEN`].
pub type TokenBuffer = [u8; buffer_len(MAX_TOKEN_LEN)];

/// Clerk's default clock skew tolerance.
pub const DEFAULT_CLOCK_SKEW_MS: i64 = 5000;

/// A JWS algorithm this crate can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, the only one Clerk issues.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
}

impl Algorithm {
    /// The JWS name, e.g. `RS256`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
        }
    }

    /// The algorithm named exactly `name` (case-sensitive, as in Clerk).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Algorithm::RS256),
            "RS384" => Some(Algorithm::RS384),
            "RS512" => Some(Algorithm::RS512),
            _ => None,
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Algorithm::RS256 => 1,
            Algorithm::RS384 => 2,
            Algorithm::RS512 => 4,
        }
    }

    const fn hash(self) -> HashAlg {
        match self {
            Algorithm::RS256 => HashAlg::Sha256,
            Algorithm::RS384 => HashAlg::Sha384,
            Algorithm::RS512 => HashAlg::Sha512,
        }
    }
}

/// The set of algorithms a verifier accepts (RS256 only by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Algorithms(u8);

impl Algorithms {
    /// RS256 only: what Clerk issues and what a jwtKey is pinned to.
    pub const RS256: Algorithms = Algorithms(1);
    /// RS256, RS384 and RS512.
    pub const ALL_RSA: Algorithms = Algorithms(7);

    /// This set plus `alg`.
    pub const fn with(self, alg: Algorithm) -> Self {
        Algorithms(self.0 | alg.bit())
    }

    /// Whether `alg` is accepted.
    pub const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    /// The algorithms of this set that this build can verify: all of them,
    /// or with the `rs256-only` feature (firmware, no SHA-384/512 code) RS256
    /// at most. A token of an algorithm left out is rejected as
    /// `token-invalid-algorithm`, as when the verifier does not accept it.
    const fn verifiable(self) -> Self {
        if cfg!(feature = "rs256-only") {
            Algorithms(self.0 & Algorithms::RS256.0)
        } else {
            self
        }
    }
}

impl Default for Algorithms {
    fn default() -> Self {
        Algorithms::RS256
    }
}

impl fmt::Display for Algorithms {
    /// Comma-separated names, as Clerk lists supported algorithms.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for alg in [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512] {
            if self.contains(alg) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(alg.as_str())?;
                first = false;
            }
        }
        Ok(())
    }
}

/// What to check beyond the signature: Clerk's `verifyToken` options.
#[derive(Clone, Copy, Debug)]
pub struct VerifyOptions<'a> {
    /// Accepted `azp` values; empty means "not checked", as in Clerk.
    pub authorized_parties: &'a [&'a str],
    /// Accepted `aud` values; empty means "not checked".
    pub audience: &'a [&'a str],
    /// Required `iss`, if any (Clerk checks none by default).
    pub issuer: Option<&'a str>,
    /// Tolerance for `exp`, `nbf` and `iat`, in milliseconds (may be negative).
    pub clock_skew_ms: i64,
    /// Accepted signature algorithms. With the crate's `rs256-only` feature
    /// (firmware), RS256 at most: the others are rejected as
    /// `token-invalid-algorithm` even when listed here.
    pub algorithms: Algorithms,
}

impl Default for VerifyOptions<'_> {
    /// Clerk's defaults: no `azp`, `aud` or `iss` check, 5 s skew, RS256.
    fn default() -> Self {
        VerifyOptions {
            authorized_parties: &[],
            audience: &[],
            issuer: None,
            clock_skew_ms: DEFAULT_CLOCK_SKEW_MS,
            algorithms: Algorithms::RS256,
        }
    }
}

/// Remembers tokens whose signature verified, so that a session token sent
/// again (browsers resend the same one for about a minute) costs no second
/// RSA operation. Only the signature is remembered: `exp`, `nbf`, `iat`,
/// `azp` and the other claims are still checked on every request.
///
/// An implementation must compare the whole token (not only a hash of it),
/// and must be cleared when the verifier's keys change.
pub trait SignatureCache {
    /// Whether this exact token's signature verified before.
    fn contains(&self, token: &str) -> bool;
    /// Records a token that passed every check; `exp_ms` (its `exp` in Unix
    /// milliseconds) says when it stops being useful.
    fn insert(&self, token: &str, exp_ms: f64);
}

/// Keys and options, set up once and shared by every verification.
#[derive(Clone, Copy)]
pub struct Verifier<'a> {
    keys: &'a [JwtKey],
    options: VerifyOptions<'a>,
    signature_cache: Option<&'a dyn SignatureCache>,
}

impl fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("options", &self.options)
            .field("signature_cache", &self.signature_cache.is_some())
            .finish()
    }
}

/// A token split and decoded into the caller's buffer, nothing checked yet.
struct Decoded<'t, 'x> {
    signing_input: &'x [u8],
    header: Value<'t>,
    payload: Value<'t>,
    /// The signature bytes, or `None` when longer than any accepted key.
    signature: Option<&'t [u8]>,
    rest: &'t mut [u8],
}

/// Clerk's `decodeJwt`: three segments, each decoded (all failures are
/// `token-invalid`), before anything is checked.
fn decode<'t, 'x>(token: &'x str, buf: &'t mut [u8]) -> Result<Decoded<'t, 'x>, TokenError<'t>> {
    let segments = token::split(token)?;
    let (header, rest) =
        token::decode_json(Segment::Header, segments.header, buf).map_err(TokenError::Decode)?;
    let (payload, rest) =
        token::decode_json(Segment::Payload, segments.payload, rest).map_err(TokenError::Decode)?;
    let (signature, rest) =
        token::decode_signature(segments.signature, rest).map_err(TokenError::Decode)?;
    Ok(Decoded {
        signing_input: segments.signing_input.as_bytes(),
        header,
        payload,
        signature,
        rest,
    })
}

/// A token that passed every check.
#[derive(Clone, Copy, Debug)]
pub struct Verified<'a> {
    /// The checked JOSE header.
    pub header: Header<'a>,
    /// The typed session claims, borrowed from the caller's buffer.
    pub claims: SessionClaims<'a>,
    /// The whole payload, for custom claims.
    pub payload: Value<'a>,
}

impl<'a> Verifier<'a> {
    /// A verifier for `keys` (chosen by `kid` when there are several).
    pub const fn new(keys: &'a [JwtKey], options: VerifyOptions<'a>) -> Self {
        Self {
            keys,
            options,
            signature_cache: None,
        }
    }

    /// The same verifier, remembering verified signatures in `cache`.
    pub const fn with_signature_cache(mut self, cache: &'a dyn SignatureCache) -> Self {
        self.signature_cache = Some(cache);
        self
    }

    /// The options this verifier checks.
    pub const fn options(&self) -> &VerifyOptions<'a> {
        &self.options
    }

    /// The configured keys.
    pub const fn keys(&self) -> &'a [JwtKey] {
        self.keys
    }

    /// Verifies `token` at `now_ms` (Unix milliseconds), decoding into `buf`
    /// (at least [`buffer_len`]`(token.len())` bytes).
    ///
    /// ```
    /// use clerk_edge::{JwtKey, Verifier, VerifyOptions, verify};
    ///
    /// let keys = [JwtKey::parse(include_str!("../tests/data/keys/main.public.pem"))?];
    /// let verifier = Verifier::new(&keys, VerifyOptions::default());
    /// let mut buf = [0u8; verify::buffer_len(64)];
    /// let err = verifier.verify("a.b", 0, &mut buf).unwrap_err();
    /// assert_eq!(err.reason().as_str(), "token-invalid");
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Invalid JWT form. A JWT consists of three parts separated by dots."
    /// );
    /// # Ok::<(), clerk_edge::KeyError>(())
    /// ```
    pub fn verify<'t>(
        &'t self,
        token: &str,
        now_ms: i64,
        buf: &'t mut [u8],
    ) -> Result<Verified<'t>, TokenError<'t>> {
        let decoded = decode(token, buf)?;
        if header::is_machine_category(decoded.header) {
            return Err(TokenError::MachineCategory);
        }
        if self.keys.is_empty() {
            return Err(TokenError::NoKey);
        }
        let header = Header::check(decoded.header, self.options.algorithms.verifiable())?;
        let known = self.signature_cache.is_some_and(|c| c.contains(token));
        if !known {
            self.check_signature(&header, decoded.signing_input, decoded.signature)?;
        }

        let payload = decoded.payload;
        let raw = RawClaims::collect(payload);
        let (sub, exp) = self.check_claims(&raw, now_ms)?;
        let mut arena = Arena::new(decoded.rest);
        let sub = arena.text(sub).map_err(TokenError::Decode)?;
        let claims = SessionClaims::read(&raw, sub, exp, &mut arena).map_err(TokenError::Decode)?;
        if !known && let Some(cache) = self.signature_cache {
            cache.insert(token, jsdate::seconds_to_ms(exp));
        }
        Ok(Verified {
            header,
            claims,
            payload,
        })
    }

    /// Verifies the signature with the key named by `kid`, else with the
    /// keys that have no `kid` (a jwtKey: Clerk ignores `kid` then).
    fn check_signature(
        &self,
        header: &Header<'_>,
        signing_input: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<(), TokenError<'static>> {
        let by_kid = header.kid.and_then(|kid| {
            self.keys
                .iter()
                .find(|k| k.kid().is_some_and(|id| kid.eq_str(id)))
        });
        let mut digest_buf = [0u8; 64];
        let digest = hash(header.alg, signing_input, &mut digest_buf);
        let verifies = |key: &JwtKey| {
            signature.is_some_and(|sig| key.rsa().verify_pkcs1v15(header.alg.hash(), digest, sig))
        };
        if let Some(key) = by_kid {
            return if verifies(key) {
                Ok(())
            } else {
                Err(TokenError::Signature)
            };
        }
        let mut unnamed = self.keys.iter().filter(|k| k.kid().is_none()).peekable();
        if unnamed.peek().is_none() {
            return Err(TokenError::KidMismatch);
        }
        if unnamed.any(verifies) {
            Ok(())
        } else {
            Err(TokenError::Signature)
        }
    }
}

impl<'a> Verifier<'a> {
    /// Clerk's claim checks, in order; returns `sub` and `exp`.
    fn check_claims<'t>(
        &'t self,
        raw: &RawClaims<'t>,
        now_ms: i64,
    ) -> Result<(json::JsonStr<'t>, f64), TokenError<'t>> {
        let opts = &self.options;
        let sub_value = raw.sub;
        let sub = sub_value
            .and_then(|v| v.as_str())
            .ok_or(TokenError::Subject(sub_value))?;

        if let Some(aud) = raw.aud {
            check_audience(aud, opts.audience)?;
        }

        if !opts.authorized_parties.is_empty() {
            let azp = raw.azp;
            let authorized = azp.and_then(|v| v.as_str()).is_some_and(|azp| {
                !azp.escaped().is_empty() && opts.authorized_parties.iter().any(|p| azp.eq_str(p))
            });
            if !authorized {
                return Err(TokenError::AuthorizedParty(azp, opts.authorized_parties));
            }
        }

        if let Some(issuer) = opts.issuer.filter(|i| !i.is_empty()) {
            let iss = raw.iss;
            if !iss
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.eq_str(issuer))
            {
                return Err(TokenError::Issuer(iss, issuer));
            }
        }

        // JavaScript compares `new Date(0).setUTCSeconds(t)`, i.e. trunc(t)·1000,
        // with the clock; beyond ±8.64e15 ms that is an Invalid Date and every
        // comparison passes. Here the numbers are compared as they are.
        let skew = opts.clock_skew_ms;
        let exp_value = raw.exp;
        let exp = exp_value
            .and_then(|v| v.as_f64())
            .ok_or(TokenError::ExpiryType(exp_value))?;
        let exp_ms = jsdate::seconds_to_ms(exp);
        if jsdate::passed(exp_ms, now_ms, skew) {
            return Err(TokenError::Expired { exp_ms, now_ms });
        }
        if let Some(nbf) = raw.nbf {
            let nbf_ms = jsdate::seconds_to_ms(nbf.as_f64().ok_or(TokenError::NotBeforeType(nbf))?);
            if jsdate::ahead(nbf_ms, now_ms, skew) {
                return Err(TokenError::NotActiveYet { nbf_ms, now_ms });
            }
        }
        if let Some(iat) = raw.iat {
            let iat_ms = jsdate::seconds_to_ms(iat.as_f64().ok_or(TokenError::IssuedAtType(iat))?);
            if jsdate::ahead(iat_ms, now_ms, skew) {
                return Err(TokenError::IssuedInTheFuture { iat_ms, now_ms });
            }
        }
        Ok((sub, exp))
    }
}

/// Clerk's `assertAudienceClaim`: only a string `aud`, or an array of
/// strings, is compared, and only when both lists have a non-empty entry.
fn check_audience<'t>(aud: Value<'t>, audience: &'t [&'t str]) -> Result<(), TokenError<'t>> {
    if !audience.iter().any(|a| !a.is_empty()) || !js_truthy_list(aud) {
        return Ok(());
    }
    let listed = |s: json::JsonStr<'_>| audience.iter().any(|a| !a.is_empty() && s.eq_str(a));
    let ok = match aud.kind() {
        Kind::String => aud.as_str().is_some_and(listed),
        Kind::Array => {
            let mut elements = aud.elements().into_iter().flatten();
            let all_strings = elements.clone().all(|e| e.kind() == Kind::String);
            !all_strings || elements.any(|e| e.as_str().is_some_and(listed))
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(TokenError::Audience(aud, audience))
    }
}

/// Whether `[aud].flat().filter(Boolean)` is non-empty in JavaScript.
fn js_truthy_list(aud: Value<'_>) -> bool {
    match aud.kind() {
        Kind::Array => aud.elements().into_iter().flatten().any(|v| v.is_truthy()),
        _ => aud.is_truthy(),
    }
}

/// Hashes the signing input with the algorithm's hash into `out`.
fn hash<'o>(alg: Algorithm, data: &[u8], out: &'o mut [u8; 64]) -> &'o [u8] {
    let len = match alg {
        Algorithm::RS256 => copy_digest(&sha2::Sha256::digest(data), out),
        #[cfg(not(feature = "rs256-only"))]
        Algorithm::RS384 => copy_digest(&sha2::Sha384::digest(data), out),
        #[cfg(not(feature = "rs256-only"))]
        Algorithm::RS512 => copy_digest(&sha2::Sha512::digest(data), out),
        // Unreachable: `Algorithms::verifiable` lets only RS256 through in
        // this build. An empty digest never verifies.
        #[cfg(feature = "rs256-only")]
        Algorithm::RS384 | Algorithm::RS512 => 0,
    };
    out.get(..len).unwrap_or(&[])
}

fn copy_digest(digest: &[u8], out: &mut [u8; 64]) -> usize {
    for (dst, src) in out.iter_mut().zip(digest) {
        *dst = *src;
    }
    digest.len()
}

impl<'a> Verifier<'a> {
    /// Checks a token the way Clerk checks a handshake token
    /// (`verifyHandshakeJwt`): decoded, `typ` and `alg` checked, signature
    /// verified, and no claim checked. Returns the payload.
    pub(crate) fn verify_signature<'t>(
        &'t self,
        token: &str,
        buf: &'t mut [u8],
    ) -> Result<Value<'t>, TokenError<'t>> {
        let decoded = decode(token, buf)?;
        if self.keys.is_empty() {
            return Err(TokenError::NoKey);
        }
        let header = Header::check(decoded.header, self.options.algorithms.verifiable())?;
        self.check_signature(&header, decoded.signing_input, decoded.signature)?;
        let payload = decoded.payload;
        Ok(payload)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rs384_and_rs512_unless_rs256_only() {
        let header = json::parse(r#"{"alg":"RS384","typ":"JWT"}"#).unwrap();
        let checked = Header::check(header, Algorithms::ALL_RSA.verifiable());
        let mut digest = [0u8; 64];
        if cfg!(feature = "rs256-only") {
            assert_eq!(Algorithms::ALL_RSA.verifiable(), Algorithms::RS256);
            let err = checked.unwrap_err();
            assert_eq!(err.reason().as_str(), "token-invalid-algorithm");
            assert!(hash(Algorithm::RS384, b"x", &mut digest).is_empty());
        } else {
            assert_eq!(Algorithms::ALL_RSA.verifiable(), Algorithms::ALL_RSA);
            assert_eq!(checked.unwrap().alg, Algorithm::RS384);
            assert_eq!(hash(Algorithm::RS384, b"x", &mut digest).len(), 48);
            assert_eq!(hash(Algorithm::RS512, b"x", &mut digest).len(), 64);
        }
        assert_eq!(hash(Algorithm::RS256, b"x", &mut digest).len(), 32);
    }
}
