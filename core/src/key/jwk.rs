//! JWKs (RFC 7517) and JWKS documents, as served by Clerk's `/v1/jwks`.

use base64ct::{Base64UrlUnpadded, Encoding};

use super::{JwtKey, KeyError, KeyKind, MAX_KID_LEN, Snippet, pem};
use crate::json::{self, JsonError, JsonStr, Kind, Value};
use crate::rsa::MAX_MODULUS_BITS;

/// Largest decoded `n` kept: the largest modulus plus one leading zero byte,
/// which some encoders add although RFC 7518 forbids it.
const MAX_N_LEN: usize = MAX_MODULUS_BITS / 8 + 1;

/// Largest decoded `e`: a `u32`, plus leading zeros some encoders add.
const MAX_E_LEN: usize = 8;

/// Parses `text[start..end]` as one JWK; positions in errors count lines of
/// the whole `text`.
pub(super) fn load(text: &str, start: usize, end: usize) -> Result<JwtKey, KeyError> {
    let json = text.get(start..end).unwrap_or("");
    let value = json::parse(json).map_err(|error| json_error(text, start, error))?;
    from_value(value)
}

fn json_error(text: &str, start: usize, error: JsonError) -> KeyError {
    match error {
        JsonError::Syntax { offset } => {
            let (line, column) = pem::position(text, start + offset);
            KeyError::JwkSyntax { line, column }
        }
        error => KeyError::Json { error },
    }
}

/// An optional string member; present but not a string is an error.
fn string<'a>(jwk: &Value<'a>, member: &'static str) -> Result<Option<JsonStr<'a>>, KeyError> {
    match jwk.get(member) {
        None => Ok(None),
        Some(value) => value
            .as_str()
            .map(Some)
            .ok_or(KeyError::JwkNotString { member }),
    }
}

fn required<'a>(jwk: &Value<'a>, member: &'static str) -> Result<JsonStr<'a>, KeyError> {
    string(jwk, member)?.ok_or(KeyError::JwkMissing { member })
}

/// The algorithm a non-RSA JWK names, from `kty` and `crv`.
fn kind(kty: JsonStr<'_>, jwk: &Value<'_>) -> Option<KeyKind> {
    let crv = jwk.get("crv").and_then(|c| c.as_str());
    let crv_is = |name: &str| crv.is_some_and(|c| c.eq_str(name));
    if kty.eq_str("EC") {
        Some(if crv_is("P-256") {
            KeyKind::EcP256
        } else if crv_is("P-384") {
            KeyKind::EcP384
        } else if crv_is("P-521") {
            KeyKind::EcP521
        } else if crv_is("secp256k1") {
            KeyKind::EcSecp256k1
        } else {
            KeyKind::Ec
        })
    } else if kty.eq_str("OKP") {
        Some(if crv_is("Ed25519") {
            KeyKind::Ed25519
        } else if crv_is("Ed448") {
            KeyKind::Ed448
        } else if crv_is("X25519") {
            KeyKind::X25519
        } else if crv_is("X448") {
            KeyKind::X448
        } else {
            KeyKind::Unknown
        })
    } else if kty.eq_str("oct") {
        Some(KeyKind::Symmetric)
    } else {
        None
    }
}

/// One JWK, already validated as JSON.
pub(super) fn from_value(jwk: Value<'_>) -> Result<JwtKey, KeyError> {
    if jwk.kind() != Kind::Object {
        return Err(KeyError::JwkNotObject);
    }
    if jwk.get("keys").is_some() {
        return Err(KeyError::Jwks);
    }
    // Before anything else: a private JWK must not be deployed, whatever its type.
    if jwk.get("d").is_some() {
        return Err(KeyError::PrivateKey);
    }
    let kty = required(&jwk, "kty")?;
    if !kty.eq_str("RSA") {
        return Err(match kind(kty, &jwk) {
            Some(kind) => KeyError::NotRsa { kind },
            None => KeyError::JwkKty {
                found: Snippet::new(kty.escaped()),
            },
        });
    }
    if let Some(use_) = string(&jwk, "use")?
        && !use_.eq_str("sig")
    {
        return Err(KeyError::JwkUse {
            found: Snippet::new(use_.escaped()),
        });
    }
    if let Some(alg) = string(&jwk, "alg")?
        && !["RS256", "RS384", "RS512"].iter().any(|a| alg.eq_str(a))
    {
        return Err(KeyError::JwkAlg {
            found: Snippet::new(alg.escaped()),
        });
    }
    let n = required(&jwk, "n")?;
    let e = required(&jwk, "e")?;
    let kid = string(&jwk, "kid")?;

    let mut n_buf = [0u8; MAX_N_LEN];
    let modulus = match base64url("n", n, &mut n_buf) {
        Err(KeyError::TooLong) => {
            return Err(KeyError::TooLarge {
                bits: bits_of(n.escaped()),
            });
        }
        other => other?,
    };
    let mut e_buf = [0u8; MAX_E_LEN];
    let exponent = match base64url("e", e, &mut e_buf) {
        Err(KeyError::TooLong) => return Err(KeyError::ExponentTooLarge),
        other => other?,
    };
    let exponent = strip_zeros(exponent);
    if exponent.len() > 4 {
        return Err(KeyError::ExponentTooLarge);
    }
    let exponent = exponent.iter().fold(0u32, |e, &b| (e << 8) | u32::from(b));
    let key = JwtKey::from_modulus(modulus, exponent)?;
    match kid {
        None => Ok(key),
        Some(kid) => match kid.as_borrowed() {
            Some(kid) => key.with_kid(kid),
            None => {
                let mut buf = [0u8; MAX_KID_LEN];
                match kid.unescape_into(&mut buf) {
                    Ok(kid) => key.with_kid(kid),
                    Err(JsonError::BufferTooSmall) => Err(KeyError::KidTooLong {
                        len: kid.unescaped_len(),
                    }),
                    Err(error) => Err(KeyError::Json { error }),
                }
            }
        },
    }
}

fn strip_zeros(mut bytes: &[u8]) -> &[u8] {
    while let Some((0, rest)) = bytes.split_first() {
        bytes = rest;
    }
    bytes
}

/// Strict unpadded base64url (RFC 7515 §2): no padding, no whitespace, no
/// escapes, canonical last character. `TooLong` when `out` is too small.
fn base64url<'o>(
    member: &'static str,
    value: JsonStr<'_>,
    out: &'o mut [u8],
) -> Result<&'o [u8], KeyError> {
    let text = value.escaped();
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if let Some(position) = text.chars().position(|c| !valid(c)) {
        return Err(KeyError::JwkBase64 {
            member,
            position: Some(position + 1),
        });
    }
    Base64UrlUnpadded::decode(text, out).map_err(|error| match error {
        base64ct::Error::InvalidLength if text.len() % 4 != 1 => KeyError::TooLong,
        _ => KeyError::JwkBase64 {
            member,
            position: None,
        },
    })
}

/// Bits in the modulus a (too long) base64url `n` encodes, for the message.
fn bits_of(n: &str) -> usize {
    let bytes = n.len() / 4 * 3 + (n.len() % 4).saturating_sub(1);
    let mut first = [0u8; 3];
    let leading = n
        .get(..4)
        .and_then(|head| Base64UrlUnpadded::decode(head, &mut first).ok())
        .and_then(|head| head.first())
        .map_or(0, |b| b.leading_zeros());
    (bytes * 8).saturating_sub(leading as usize)
}

/// The keys of a JWKS document, one `Result` per element of its `keys`
/// array, in order; from [`jwks_keys`].
#[derive(Clone, Debug)]
pub struct JwksKeys<'a> {
    elements: json::Elements<'a>,
}

impl Iterator for JwksKeys<'_> {
    type Item = Result<JwtKey, KeyError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.elements.next().map(from_value)
    }
}

/// Iterates over the keys of a JWKS document (`{"keys": [...]}`), loading
/// each as [`JwtKey::from_jwk`] would; for callers that want to see every
/// key's error (use [`parse_jwks`] to just collect the usable keys).
pub fn jwks_keys(json: &str) -> Result<JwksKeys<'_>, KeyError> {
    let document = json::parse(json).map_err(|error| json_error(json, 0, error))?;
    let elements = document
        .get("keys")
        .and_then(|keys| keys.elements())
        .ok_or(KeyError::NotJwks)?;
    Ok(JwksKeys { elements })
}

/// Loads the RSA signing keys of a JWKS document (Clerk's `/v1/jwks`) into
/// `out`, after what it already holds, and returns how many were added.
///
/// Keys of other types (EC, `use: "enc"`, `alg: "PS256"`...) are skipped, as
/// JOSE libraries do, so that a JWKS can carry them next to the RSA keys; an
/// RSA key that is malformed, a private key, or more keys than `out` holds is
/// an error, and then `out` is left as it was.
pub fn parse_jwks<const N: usize>(
    json: &str,
    out: &mut heapless::Vec<JwtKey, N>,
) -> Result<usize, KeyError> {
    let before = out.len();
    let result = collect(json, out);
    if result.is_err() {
        out.truncate(before);
    }
    result
}

fn collect<const N: usize>(
    json: &str,
    out: &mut heapless::Vec<JwtKey, N>,
) -> Result<usize, KeyError> {
    let mut added = 0;
    for key in jwks_keys(json)? {
        match key {
            Ok(key) => {
                out.push(key)
                    .map_err(|_| KeyError::TooManyKeys { max: N })?;
                added += 1;
            }
            Err(error) if error.is_other_key_type() => {}
            Err(error) => return Err(error),
        }
    }
    if added == 0 {
        return Err(KeyError::NoUsableKey);
    }
    Ok(added)
}
