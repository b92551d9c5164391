//! A reference model of `Verifier::verify`, written from Clerk's rules
//! (clerk-semantics §3-4) plus clerk-edge's documented differences, on
//! independent parts only: `base64ct` decodes, `serde_json` parses (see
//! [`crate::tree`]), the `rsa` crate verifies signatures. A target runs a
//! token through both and requires the same verdict.

use crate::tree::{self, Tree};
use clerk_edge::error::DecodeError;
use clerk_edge::{Algorithm, Algorithms, TokenError, Verified};
use rsa::{Pkcs1v15Sign, PublicKey};
use sha2::Digest;

/// Which check decided, without the details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Form,
    TooLong,
    Decode,
    MachineCategory,
    Type,
    Algorithm,
    AlgorithmNotAllowed,
    NoKey,
    KidMismatch,
    Signature,
    Subject,
    Audience,
    AuthorizedParty,
    Issuer,
    ExpiryType,
    Expired,
    NotBeforeType,
    NotActiveYet,
    IssuedAtType,
    IssuedInTheFuture,
}

/// The verdict clerk-edge gave.
pub fn of(result: &Result<Verified<'_>, TokenError<'_>>) -> Verdict {
    let Err(e) = result else { return Verdict::Ok };
    match e {
        TokenError::Form => Verdict::Form,
        TokenError::Decode(DecodeError::TooLong) => Verdict::TooLong,
        TokenError::Decode(_) => Verdict::Decode,
        TokenError::MachineCategory => Verdict::MachineCategory,
        TokenError::Type(_) => Verdict::Type,
        TokenError::Algorithm(_) => Verdict::Algorithm,
        TokenError::AlgorithmNotAllowed(..) => Verdict::AlgorithmNotAllowed,
        TokenError::NoKey => Verdict::NoKey,
        TokenError::KidMismatch => Verdict::KidMismatch,
        TokenError::Signature => Verdict::Signature,
        TokenError::Subject(_) => Verdict::Subject,
        TokenError::Audience(..) => Verdict::Audience,
        TokenError::AuthorizedParty(..) => Verdict::AuthorizedParty,
        TokenError::Issuer(..) => Verdict::Issuer,
        TokenError::ExpiryType(_) => Verdict::ExpiryType,
        TokenError::Expired { .. } => Verdict::Expired,
        TokenError::NotBeforeType(_) => Verdict::NotBeforeType,
        TokenError::NotActiveYet { .. } => Verdict::NotActiveYet,
        TokenError::IssuedAtType(_) => Verdict::IssuedAtType,
        TokenError::IssuedInTheFuture { .. } => Verdict::IssuedInTheFuture,
        _ => panic!("a TokenError the model does not know: {e:?}"),
    }
}

/// A key as the model holds it.
pub struct Key<'a> {
    pub kid: Option<&'a str>,
    pub public: &'a PublicKey,
}

/// The options, as plain values.
pub struct Options<'a> {
    pub authorized_parties: &'a [&'a str],
    pub audience: &'a [&'a str],
    pub issuer: Option<&'a str>,
    pub clock_skew_ms: i64,
    pub algorithms: Algorithms,
}

/// What the model read from a token that decoded.
#[derive(Debug)]
pub struct Decoded {
    pub header: Tree,
    pub payload: Tree,
}

/// Longest token (clerk-edge's documented limit).
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// Longest signature worth decoding: 4096 bits.
const MAX_SIGNATURE_LEN: usize = 512;
const MACHINE_CATEGORY: &str = "cl_B7d4PD333AAA";

/// base64url the way Clerk's loose decoder reads it: any number of
/// trailing `=`, then strict unpadded base64url (canonical final bits).
pub fn b64_decode(segment: &str) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    let data = segment.trim_end_matches('=');
    base64ct::Base64UrlUnpadded::decode_vec(data).ok()
}

/// A header or payload: base64url, strict UTF-8, one BOM dropped, JSON we
/// accept, not `null`.
fn decode_json(segment: &str) -> Option<Tree> {
    let bytes = b64_decode(segment)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = tree::expected(text).ok()?;
    (tree != Tree::Null).then_some(tree)
}

fn js_truthy(t: &Tree) -> bool {
    match t {
        Tree::Null => false,
        Tree::Bool(b) => *b,
        Tree::Num(n) => *n != 0.0 && !n.is_nan(),
        Tree::Str(s) => !s.is_empty(),
        Tree::Arr(_) | Tree::Obj(_) => true,
    }
}

/// Clerk's `assertAudienceClaim`.
fn audience_ok(aud: &Tree, audience: &[&str]) -> bool {
    let wanted: Vec<&str> = audience.iter().copied().filter(|a| !a.is_empty()).collect();
    let listed = match aud {
        Tree::Arr(items) => items.iter().any(js_truthy),
        other => js_truthy(other),
    };
    if wanted.is_empty() || !listed {
        return true;
    }
    match aud {
        Tree::Str(s) => wanted.contains(&s.as_str()),
        Tree::Arr(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, Tree::Str(_))) =>
        {
            items
                .iter()
                .any(|i| matches!(i, Tree::Str(s) if wanted.contains(&s.as_str())))
        }
        _ => true,
    }
}

/// `new Date(0).setUTCSeconds(t)` without the Invalid Date cut-off.
fn to_ms(seconds: f64) -> f64 {
    seconds.trunc() * 1000.0
}

fn verifies(key: &PublicKey, alg: Algorithm, signing_input: &[u8], sig: Option<&[u8]>) -> bool {
    let Some(sig) = sig else { return false };
    let (scheme, digest) = match alg {
        Algorithm::RS256 => (
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            sha2::Sha256::digest(signing_input).to_vec(),
        ),
        Algorithm::RS384 => (
            Pkcs1v15Sign::new::<sha2::Sha384>(),
            sha2::Sha384::digest(signing_input).to_vec(),
        ),
        Algorithm::RS512 => (
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            sha2::Sha512::digest(signing_input).to_vec(),
        ),
    };
    key.verify(scheme, &digest, sig).is_ok()
}

/// Signature verdicts already computed for one token, by key and algorithm
/// (the `rsa` crate is slow under instrumentation; a target that checks one
/// token under several options and clocks verifies each signature once).
#[derive(Default)]
pub struct SigCache(std::collections::HashMap<(usize, Algorithm), bool>);

/// The verdict the rules give for `token`, and what was decoded.
pub fn verify(
    token: &str,
    keys: &[Key<'_>],
    opts: &Options<'_>,
    now_ms: i64,
) -> (Verdict, Option<Decoded>) {
    verify_cached(token, keys, opts, now_ms, &mut SigCache::default())
}

/// [`verify`] with signature verdicts remembered in `cache` (which must
/// only ever see this one token).
pub fn verify_cached(
    token: &str,
    keys: &[Key<'_>],
    opts: &Options<'_>,
    now_ms: i64,
    cache: &mut SigCache,
) -> (Verdict, Option<Decoded>) {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return (Verdict::Form, None);
    };
    if token.len() > MAX_TOKEN_LEN {
        return (Verdict::TooLong, None);
    }
    let (Some(header), Some(payload), Some(sig)) = (decode_json(h), decode_json(p), b64_decode(s))
    else {
        return (Verdict::Decode, None);
    };
    let sig = (sig.len() <= MAX_SIGNATURE_LEN).then_some(sig);
    let verdict = check(
        &header,
        &payload,
        token,
        h.len() + 1 + p.len(),
        sig.as_deref(),
        keys,
        opts,
        now_ms,
        cache,
    );
    (verdict, Some(Decoded { header, payload }))
}

#[allow(clippy::too_many_arguments)]
fn check(
    header: &Tree,
    payload: &Tree,
    token: &str,
    signing_len: usize,
    sig: Option<&[u8]>,
    keys: &[Key<'_>],
    opts: &Options<'_>,
    now_ms: i64,
    cache: &mut SigCache,
) -> Verdict {
    if header.get("cat") == Some(&Tree::Str(MACHINE_CATEGORY.into())) {
        return Verdict::MachineCategory;
    }
    if keys.is_empty() {
        return Verdict::NoKey;
    }
    if let Some(typ) = header.get("typ") {
        if typ != &Tree::Str("JWT".into()) {
            return Verdict::Type;
        }
    }
    let alg = match header.get("alg") {
        Some(Tree::Str(s)) => match Algorithm::from_name(s) {
            Some(alg) => alg,
            None => return Verdict::Algorithm,
        },
        _ => return Verdict::Algorithm,
    };
    if !opts.algorithms.contains(alg) {
        return Verdict::AlgorithmNotAllowed;
    }
    let input = &token.as_bytes()[..signing_len];
    let by_kid = match header.get("kid") {
        Some(Tree::Str(kid)) => keys.iter().find(|k| k.kid == Some(kid.as_str())),
        _ => None,
    };
    let mut verifies = |key: &PublicKey, alg: Algorithm, input: &[u8], sig: Option<&[u8]>| {
        *cache
            .0
            .entry((key as *const PublicKey as usize, alg))
            .or_insert_with(|| verifies(key, alg, input, sig))
    };
    let ok = match by_kid {
        Some(key) => verifies(key.public, alg, input, sig),
        None => {
            let unnamed: Vec<&Key<'_>> = keys.iter().filter(|k| k.kid.is_none()).collect();
            if unnamed.is_empty() {
                return Verdict::KidMismatch;
            }
            unnamed.iter().any(|k| verifies(k.public, alg, input, sig))
        }
    };
    if !ok {
        return Verdict::Signature;
    }

    if !matches!(payload.get("sub"), Some(Tree::Str(_))) {
        return Verdict::Subject;
    }
    if let Some(aud) = payload.get("aud") {
        if !audience_ok(aud, opts.audience) {
            return Verdict::Audience;
        }
    }
    if !opts.authorized_parties.is_empty() {
        let ok = matches!(payload.get("azp"),
            Some(Tree::Str(azp)) if !azp.is_empty() && opts.authorized_parties.contains(&azp.as_str()));
        if !ok {
            return Verdict::AuthorizedParty;
        }
    }
    if let Some(issuer) = opts.issuer.filter(|i| !i.is_empty()) {
        if payload.get("iss") != Some(&Tree::Str(issuer.into())) {
            return Verdict::Issuer;
        }
    }
    let now = now_ms as f64;
    let skew = opts.clock_skew_ms as f64;
    let Some(Tree::Num(exp)) = payload.get("exp") else {
        return Verdict::ExpiryType;
    };
    if to_ms(*exp) <= now - skew {
        return Verdict::Expired;
    }
    if let Some(nbf) = payload.get("nbf") {
        let Tree::Num(nbf) = nbf else {
            return Verdict::NotBeforeType;
        };
        if to_ms(*nbf) > now + skew {
            return Verdict::NotActiveYet;
        }
    }
    if let Some(iat) = payload.get("iat") {
        let Tree::Num(iat) = iat else {
            return Verdict::IssuedAtType;
        };
        if to_ms(*iat) > now + skew {
            return Verdict::IssuedInTheFuture;
        }
    }
    Verdict::Ok
}

/// Checks what a verified token must satisfy, against the model's reading.
pub fn check_verified(v: &Verified<'_>, d: &Decoded, opts: &Options<'_>, now_ms: i64) {
    let p = &d.payload;
    let string = |name: &str| match p.get(name) {
        Some(Tree::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let number = |name: &str| match p.get(name) {
        Some(Tree::Num(n)) => Some(*n),
        _ => None,
    };
    let c = &v.claims;
    assert_eq!(Some(c.sub), string("sub"), "sub");
    assert_eq!(Some(c.exp), number("exp"), "exp");
    assert!(
        to_ms(c.exp) > now_ms as f64 - opts.clock_skew_ms as f64,
        "exp in the past"
    );
    if let Some(nbf) = c.nbf {
        assert!(
            to_ms(nbf) <= now_ms as f64 + opts.clock_skew_ms as f64,
            "nbf"
        );
    }
    if let Some(iat) = c.iat {
        assert!(
            to_ms(iat) <= now_ms as f64 + opts.clock_skew_ms as f64,
            "iat"
        );
    }
    assert_eq!(c.nbf, number("nbf"), "nbf");
    assert_eq!(c.iat, number("iat"), "iat");
    assert_eq!(c.v, number("v"), "v");
    for (name, ours) in [
        ("sid", c.sid),
        ("azp", c.azp),
        ("iss", c.iss),
        ("sts", c.sts),
        ("fea", c.fea),
        ("pla", c.pla),
        ("org_id", c.org_id),
        ("org_role", c.org_role),
        ("org_slug", c.org_slug),
    ] {
        assert_eq!(ours, string(name), "{name}");
    }
    if !opts.authorized_parties.is_empty() {
        assert!(
            c.azp
                .is_some_and(|azp| opts.authorized_parties.contains(&azp))
        );
    }
    match (p.get("o"), &c.org) {
        (Some(o @ Tree::Obj(_)), Some(org)) => {
            let s = |name: &str| match o.get(name) {
                Some(Tree::Str(s)) => Some(s.as_str()),
                _ => None,
            };
            assert_eq!(org.id, s("id"), "o.id");
            assert_eq!(org.slug, s("slg"), "o.slg");
            assert_eq!(org.role, s("rol"), "o.rol");
            assert_eq!(org.permissions, s("per"), "o.per");
            assert_eq!(org.feature_permission_map, s("fpm"), "o.fpm");
        }
        (Some(Tree::Obj(_)), None) => panic!("o is an object but not read"),
        (_, Some(_)) => panic!("o read but not an object"),
        _ => {}
    }
    assert!(tree::from_ours(v.payload) == d.payload, "payload");
    assert!(tree::from_ours(v.header.raw) == d.header, "header");
    assert_eq!(
        Some(&Tree::Str(v.header.alg.as_str().into())),
        d.header.get("alg"),
        "alg"
    );
}
