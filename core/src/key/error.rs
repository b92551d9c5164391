//! What can be wrong with a jwtKey, worded for the operator who set it.

use core::fmt;

use super::{MAX_DER_LEN, MAX_KID_LEN};
use crate::json::JsonError;
use crate::rsa::{MAX_MODULUS_BITS, MIN_MODULUS_BITS};

/// Where the operator finds the right key; every "wrong kind of key" message
/// ends with it.
const GET_THE_KEY: &str = "Clerk dashboard → API keys → JWT public key";

/// Why a jwtKey could not be loaded.
///
/// Every variant is about the key text itself, so it is reported once, when
/// the key is loaded (at startup), instead of failing every token later as
/// Clerk's SDK does. `Display` says what is wrong and how to fix it; line and
/// column numbers count lines of the text as given (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Nothing but whitespace (or quotes).
    Empty,
    /// A private key (PEM label, DER structure or JWK with `d`): it must
    /// never be deployed to a verifier.
    PrivateKey,
    /// An X.509 certificate rather than a bare public key.
    Certificate,
    /// A Clerk API key (`sk_…` or `pk_…`) pasted where the JWT key belongs.
    ClerkApiKey {
        /// `true` for a secret key, `false` for a publishable key.
        secret: bool,
    },
    /// An OpenSSH public key line (`ssh-rsa AAAA…`).
    OpenSshKey,
    /// A PEM block whose label is neither `PUBLIC KEY` nor `RSA PUBLIC KEY`.
    UnknownLabel {
        /// The label, possibly shortened.
        label: Snippet,
        /// Line of the BEGIN line.
        line: usize,
    },
    /// A BEGIN or END line that is not `-----BEGIN <label>-----`, or an END
    /// line without a BEGIN line.
    BadArmour {
        /// Line of the offending armour line.
        line: usize,
    },
    /// A BEGIN line with no END line after it: the key was cut short.
    MissingEnd {
        /// Line of the BEGIN line.
        line: usize,
    },
    /// The END line's label differs from the BEGIN line's.
    MismatchedEnd {
        /// Line of the END line.
        line: usize,
    },
    /// Text before the BEGIN line or after the END line (another PEM block,
    /// a comment, a second key...).
    TextOutsideArmour {
        /// Line where the extra text starts.
        line: usize,
    },
    /// A character that is neither base64 (either alphabet) nor whitespace.
    NotBase64 {
        /// Line of the character.
        line: usize,
        /// Column of the character, in characters.
        column: usize,
        /// The character.
        found: char,
    },
    /// A `=` that does not end the base64 body, or too many of them.
    BadPadding {
        /// Line of the first `=`.
        line: usize,
        /// Column of the first `=`.
        column: usize,
    },
    /// The base64 body has one character too many or too few.
    TruncatedBase64,
    /// The body decodes to more than [`MAX_DER_LEN`] bytes, more than any
    /// RSA public key of at most [`MAX_MODULUS_BITS`] bits.
    TooLong,
    /// The bytes are not a DER `SubjectPublicKeyInfo` nor a PKCS#1
    /// `RSAPublicKey`.
    NotDer,
    /// Bytes left over after a complete key.
    TrailingData {
        /// How many bytes were left.
        bytes: usize,
    },
    /// A public key of another algorithm.
    NotRsa {
        /// Which algorithm, as far as it could be told.
        kind: KeyKind,
    },
    /// Fewer than [`MIN_MODULUS_BITS`] bits.
    TooSmall {
        /// Bits in the modulus.
        bits: usize,
    },
    /// More than [`MAX_MODULUS_BITS`] bits.
    TooLarge {
        /// Bits in the modulus.
        bits: usize,
    },
    /// An even modulus: not an RSA key.
    EvenModulus,
    /// The public exponent is even, 0 or 1.
    BadExponent,
    /// The public exponent does not fit in 32 bits.
    ExponentTooLarge,
    /// A JWK that is not well-formed JSON.
    JwkSyntax {
        /// Line of the first offending character.
        line: usize,
        /// Column of the first offending character.
        column: usize,
    },
    /// A JWK the JSON reader refused for another reason (duplicate member,
    /// lone surrogate, nesting).
    Json {
        /// The reader's error.
        error: JsonError,
    },
    /// A JSON value that is not an object.
    JwkNotObject,
    /// A JWKS document (`{"keys": [...]}`) where one key was expected.
    Jwks,
    /// A required JWK member is missing.
    JwkMissing {
        /// The member's name.
        member: &'static str,
    },
    /// A JWK member that must be a string is not.
    JwkNotString {
        /// The member's name.
        member: &'static str,
    },
    /// A JWK `n` or `e` that is not unpadded base64url.
    JwkBase64 {
        /// The member's name.
        member: &'static str,
        /// 1-based position of the first character outside the base64url
        /// alphabet; `None` when every character is valid but the length or
        /// the last character's unused bits are not.
        position: Option<usize>,
    },
    /// A JWK `kty` this crate does not know.
    JwkKty {
        /// The `kty` value, possibly shortened.
        found: Snippet,
    },
    /// A JWK whose `use` is not `sig`.
    JwkUse {
        /// The `use` value, possibly shortened.
        found: Snippet,
    },
    /// A JWK whose `alg` is not RS256, RS384 or RS512.
    JwkAlg {
        /// The `alg` value, possibly shortened.
        found: Snippet,
    },
    /// A `kid` longer than [`MAX_KID_LEN`] bytes.
    KidTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not a JWKS document: no `keys` array.
    NotJwks,
    /// A JWKS with no RSA signing key in it.
    NoUsableKey,
    /// A JWKS with more usable keys than the caller's list holds.
    TooManyKeys {
        /// Capacity of the caller's list.
        max: usize,
    },
}

impl KeyError {
    /// `true` when the key is well-formed but is not an RSA signing key
    /// (another algorithm, `use` other than `sig`, an `alg` other than
    /// RS256/384/512). A JWKS may hold such keys next to Clerk's;
    /// [`parse_jwks`](super::parse_jwks) skips them.
    pub fn is_other_key_type(&self) -> bool {
        matches!(
            self,
            Self::NotRsa { .. } | Self::JwkKty { .. } | Self::JwkUse { .. } | Self::JwkAlg { .. }
        )
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => write!(f, "the key is empty: set it to the JWT public key ({GET_THE_KEY})"),
            Self::PrivateKey => write!(f, "this is a private key: use the public key ({GET_THE_KEY})"),
            Self::Certificate => f.write_str(
                "this is a certificate, not a public key: extract its key with \
                 `openssl x509 -pubkey -noout -in cert.pem`",
            ),
            Self::ClerkApiKey { secret } => write!(
                f,
                "this is a Clerk {} key, not the JWT public key: set the JWT public key ({GET_THE_KEY})",
                if secret { "secret (sk_…)" } else { "publishable (pk_…)" },
            ),
            Self::OpenSshKey => f.write_str(
                "this is an OpenSSH public key: convert it with `ssh-keygen -e -m PKCS8 -f key.pub`",
            ),
            Self::UnknownLabel { label, line } => write!(
                f,
                "unknown PEM label \"{label}\" at line {line}: expected -----BEGIN PUBLIC KEY----- \
                 or -----BEGIN RSA PUBLIC KEY-----"
            ),
            Self::BadArmour { line } => write!(
                f,
                "malformed PEM armour at line {line}: expected -----BEGIN PUBLIC KEY-----, \
                 the base64 body, then -----END PUBLIC KEY-----"
            ),
            Self::MissingEnd { line } => write!(
                f,
                "the PEM block starting at line {line} has no END line: the key is cut short, \
                 copy all of it"
            ),
            Self::MismatchedEnd { line } => write!(
                f,
                "the END line at line {line} does not match the BEGIN line's label"
            ),
            Self::TextOutsideArmour { line } => write!(
                f,
                "unexpected text at line {line}, outside the BEGIN/END lines: keep exactly one key"
            ),
            Self::NotBase64 { line, column, found } => write!(
                f,
                "not base64 at line {line}, column {column} ({found:?}): the key text is damaged, \
                 copy it again ({GET_THE_KEY})"
            ),
            Self::BadPadding { line, column } => write!(
                f,
                "misplaced '=' at line {line}, column {column}: '=' may only end the base64 body; \
                 the key text is damaged, copy it again"
            ),
            Self::TruncatedBase64 => f.write_str(
                "the base64 body has one character too many or too few: the key text is damaged, \
                 copy it again",
            ),
            Self::TooLong => write!(
                f,
                "the key is longer than any RSA public key of at most {MAX_MODULUS_BITS} bits \
                 (more than {MAX_DER_LEN} bytes of DER)"
            ),
            Self::NotDer => write!(
                f,
                "the text does not decode to a public key (SubjectPublicKeyInfo or PKCS#1 \
                 RSAPublicKey): use the JWT public key ({GET_THE_KEY})"
            ),
            Self::TrailingData { bytes } => write!(
                f,
                "{bytes} unexpected byte(s) after the end of the key: remove what was appended"
            ),
            Self::NotRsa { kind } => write!(
                f,
                "this is {kind} key, not RSA: Clerk signs session tokens with RSA; \
                 use the JWT public key ({GET_THE_KEY})"
            ),
            Self::TooSmall { bits } => write!(
                f,
                "{bits}-bit keys are too weak (minimum {MIN_MODULUS_BITS})"
            ),
            Self::TooLarge { bits } => write!(
                f,
                "{bits}-bit keys are too large (maximum {MAX_MODULUS_BITS})"
            ),
            Self::EvenModulus => f.write_str("the modulus is even: this is not an RSA key"),
            Self::BadExponent => f.write_str(
                "the public exponent must be odd and at least 3 (Clerk's keys use 65537)",
            ),
            Self::ExponentTooLarge => f.write_str(
                "the public exponent does not fit in 32 bits (Clerk's keys use 65537)",
            ),
            Self::JwkSyntax { line, column } => write!(
                f,
                "the JWK is not valid JSON: syntax error at line {line}, column {column}"
            ),
            Self::Json { error } => {
                f.write_str("the JWK was refused by the JSON reader: ")?;
                #[allow(unreachable_patterns)]
                match error {
                    JsonError::DuplicateKey => f.write_str("a member appears twice"),
                    JsonError::LoneSurrogate => f.write_str("a string holds a lone surrogate"),
                    JsonError::TooDeep => f.write_str("it is nested too deep"),
                    other => write!(f, "{other:?}"),
                }
            }
            Self::JwkNotObject => f.write_str("a JWK must be a JSON object"),
            Self::Jwks => f.write_str(
                "this is a JWKS ({\"keys\": [...]}), not one key: load it with `parse_jwks`, \
                 or keep only the key you need",
            ),
            Self::JwkMissing { member } => write!(f, "the JWK has no \"{member}\" member"),
            Self::JwkNotString { member } => {
                write!(f, "the JWK member \"{member}\" must be a string")
            }
            Self::JwkBase64 { member, position } => {
                write!(f, "the JWK member \"{member}\" is not unpadded base64url")?;
                match position {
                    Some(position) => write!(f, " (character {position})"),
                    None => f.write_str(" (bad length or last character)"),
                }
            }
            Self::JwkKty { found } => write!(
                f,
                "the JWK has kty \"{found}\": only \"RSA\" keys verify Clerk session tokens"
            ),
            Self::JwkUse { found } => write!(
                f,
                "the JWK has use \"{found}\": a verification key has use \"sig\" (or none)"
            ),
            Self::JwkAlg { found } => write!(
                f,
                "the JWK has alg \"{found}\": expected RS256, RS384 or RS512"
            ),
            Self::KidTooLong { len } => write!(
                f,
                "the kid is {len} bytes long, more than the {MAX_KID_LEN} this crate keeps"
            ),
            Self::NotJwks => f.write_str("not a JWKS: expected {\"keys\": [...]}"),
            Self::NoUsableKey => f.write_str("the JWKS has no RSA signing key"),
            Self::TooManyKeys { max } => write!(
                f,
                "the JWKS has more RSA signing keys than the {max} the key list holds"
            ),
        }
    }
}

/// The algorithm of a public key that is not an RSA key, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// Elliptic curve, curve unknown.
    Ec,
    /// Elliptic curve P-256 (ES256).
    EcP256,
    /// Elliptic curve P-384 (ES384).
    EcP384,
    /// Elliptic curve P-521 (ES512).
    EcP521,
    /// Elliptic curve secp256k1 (ES256K).
    EcSecp256k1,
    /// Ed25519 (EdDSA).
    Ed25519,
    /// Ed448 (EdDSA).
    Ed448,
    /// X25519 (key agreement only).
    X25519,
    /// X448 (key agreement only).
    X448,
    /// RSA restricted to PSS signatures (`id-RSASSA-PSS`), never RS256.
    RsaPss,
    /// DSA.
    Dsa,
    /// A symmetric key (JWK `kty: "oct"`).
    Symmetric,
    /// An algorithm this crate does not name.
    Unknown,
}

impl fmt::Display for KeyKind {
    /// With its article: "this is {kind} key".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ec => "an EC",
            Self::EcP256 => "an EC P-256",
            Self::EcP384 => "an EC P-384",
            Self::EcP521 => "an EC P-521",
            Self::EcSecp256k1 => "an EC secp256k1",
            Self::Ed25519 => "an Ed25519",
            Self::Ed448 => "an Ed448",
            Self::X25519 => "an X25519",
            Self::X448 => "an X448",
            Self::RsaPss => "an RSA-PSS-only",
            Self::Dsa => "a DSA",
            Self::Symmetric => "a symmetric (oct)",
            Self::Unknown => "an unknown algorithm's",
        })
    }
}

/// Bytes of text a [`Snippet`] keeps.
pub const SNIPPET_LEN: usize = 24;

/// A short copy of a piece of the input (a PEM label, a JWK `kty`...), so
/// that [`KeyError`] can quote it and still be `Copy` with no lifetime.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snippet {
    bytes: [u8; SNIPPET_LEN],
    len: u8,
    truncated: bool,
}

impl Snippet {
    /// Keeps the first [`SNIPPET_LEN`] bytes of `text`, cut at a character
    /// boundary.
    pub fn new(text: &str) -> Self {
        let mut snippet = Self {
            bytes: [0; SNIPPET_LEN],
            len: 0,
            truncated: false,
        };
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            match (snippet.bytes.get_mut(i..end), text.get(i..end)) {
                (Some(dst), Some(src)) => {
                    dst.copy_from_slice(src.as_bytes());
                    snippet.len = u8::try_from(end).unwrap_or(u8::MAX);
                }
                _ => {
                    snippet.truncated = true;
                    break;
                }
            }
        }
        snippet
    }

    /// The kept text (without the ellipsis `Display` adds when shortened).
    pub fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// `true` when the original text was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Snippet {
    /// Escapes everything but printable ASCII, so that a hostile key cannot
    /// forge log lines or reorder them with bidi controls.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.as_str().chars() {
            if c.is_ascii_graphic() || c == ' ' {
                write!(f, "{c}")?;
            } else {
                write!(f, "{}", c.escape_default())?;
            }
        }
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}
