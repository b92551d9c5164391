//! Loading a jwtKey: every text form Clerk accepts, plus PKCS#1 PEM, escaped
//! newlines, 3072/4096-bit keys and JWKs. Errors name what is wrong.
//!
//! # Accepted forms
//!
//! [`JwtKey::parse`] takes the key as an operator pastes it:
//!
//! - PEM `-----BEGIN PUBLIC KEY-----` (SPKI), with LF, CRLF or CR line
//!   endings, with or without a final newline, indented, or with spaces
//!   instead of newlines: everything Clerk's SDK accepts;
//! - the bare base64 body without armour, on one line or wrapped, in the
//!   standard (`+/`) or url-safe (`-_`) alphabet, padded or not;
//! - literal two-character `\n`, `\r\n` escapes (a `.env` file), quotes
//!   around the whole key, surrounding whitespace;
//! - PEM `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1) and its bare body;
//! - RSA keys of 2048 to 4096 bits, any odd 32-bit exponent;
//! - a JWK JSON object (`{"kty":"RSA","n":…,"e":…}`), detected by its `{`.
//!
//! # Differences from Clerk
//!
//! Clerk's `loadClerkJwkFromPem` strips a fixed 2048-bit prefix and never
//! fails: a key in any other form makes every token fail later with
//! `token-invalid-signature`. Here, PKCS#1, escaped newlines, 3072/4096-bit
//! keys and JWK text load, and anything that is not a usable public key is a
//! [`KeyError`] when the key is loaded, at startup.
//!
//! The armour is matched without regard to case, so `-----begin public
//! key-----` loads: the DER inside is self-describing and fully checked,
//! and the armour label only serves to reject private keys and certificates
//! early. For the same reason a `PUBLIC KEY` block holding PKCS#1 DER (or
//! the reverse) loads as what the DER is.

mod der;
mod error;
mod jwk;
mod pem;

use core::fmt;

use base64ct::Encoding as _;
use sha2::{Digest, Sha256};

pub use error::{KeyError, KeyKind, SNIPPET_LEN, Snippet};
pub use jwk::{JwksKeys, jwks_keys, parse_jwks};

use crate::rsa::{MAX_MODULUS_BITS, RsaKeyError, RsaPublicKey};

/// Longest `kid` kept with a key.
pub const MAX_KID_LEN: usize = 64;

/// Largest DER public key accepted, in bytes: a SubjectPublicKeyInfo for a
/// [`MAX_MODULUS_BITS`]-bit modulus and a 32-bit exponent is the modulus
/// plus 40 bytes (headers, algorithm identifier, sign bytes). The text is
/// decoded into a stack buffer of this size.
pub const MAX_DER_LEN: usize = MAX_MODULUS_BITS / 8 + 40;

/// A verification key: the RSA public key and, for a JWK, its `kid`.
#[derive(Clone)]
pub struct JwtKey {
    rsa: RsaPublicKey,
    kid: heapless::String<MAX_KID_LEN>,
}

impl JwtKey {
    /// Loads a key from any supported text: PEM (SPKI or PKCS#1, LF, CRLF,
    /// spaces or literal `\n`), the bare base64 body, or a JWK JSON object.
    /// See the [module documentation](self) for every accepted form.
    ///
    /// ```
    /// use clerk_edge::JwtKey;
    ///
    /// // A test-only key, with the literal `\n` escapes of a `.env` file.
    /// const PEM: &str = "-----BEGIN PUBLIC KEY-----\\n\
    ///     MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxuwy/TwOOb5UbRCVHp1A\\n\
    ///     asCQD1RDBlrfoR34pU5o+f530h5FfYvaW7+VomGDGPw01jyxAS0bRGeQwOT9uLhu\\n\
    ///     W9S6W5HSXj/Ge6Y2TYcDUY7NcCUyVV/48UpsveOzTaYp1yU2Q+XedBifsqr61n9k\\n\
    ///     nJVrYBbgikW4y690kknERufHEzBi5HPTK/ehkZyH2B10BfViLfuSLqeCel+ui4UI\\n\
    ///     obswO2d5jBihtu4RoAxcD07x5krPeNkT1mrZphjD78bxZezaaASQzlM6AU360P8Z\\n\
    ///     +L6ZyRqhChOwSkTGjELiYmhCsHV9rAi4CqCS65AUE1bd4HhJbiVPVmtuf0DIVktE\\n\
    ///     EwIDAQAB\\n\
    ///     -----END PUBLIC KEY-----\\n";
    ///
    /// let key = JwtKey::parse(PEM)?;
    /// assert_eq!(key.modulus_bits(), 2048);
    ///
    /// // A mistake is reported at load time, with what to do about it.
    /// let err = JwtKey::parse("-----BEGIN PRIVATE KEY-----\nMIIE...").unwrap_err();
    /// assert!(err.to_string().starts_with("this is a private key"));
    /// # Ok::<(), clerk_edge::KeyError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (start, end) = pem::content_range(text);
        if start >= end {
            return Err(KeyError::Empty);
        }
        if text.as_bytes().get(start) == Some(&b'{') {
            return jwk::load(text, start, end);
        }
        let mut buf = [0u8; MAX_DER_LEN];
        let der = pem::decode(text, start, end, &mut buf)?;
        Self::from_der(der)
    }

    /// Loads a key from a JWK JSON object (`kty` RSA, `n`, `e`, optional
    /// `kid`, `alg` RS256/RS384/RS512, `use` sig).
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        jwk::load(json, 0, json.len())
    }

    /// Loads a key from DER bytes: a SubjectPublicKeyInfo with the
    /// rsaEncryption OID, or a PKCS#1 RSAPublicKey. Nothing may follow it.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let (modulus, exponent) = der::decode(der)?;
        Self::from_modulus(modulus, exponent)
    }

    /// Builds a key from its big-endian modulus (leading zero bytes allowed)
    /// and public exponent.
    pub fn from_modulus(modulus_be: &[u8], exponent: u32) -> Result<Self, KeyError> {
        let modulus = strip_zeros(modulus_be);
        let rsa = RsaPublicKey::new(modulus, exponent).map_err(|error| match error {
            RsaKeyError::ModulusTooSmall { bits } => KeyError::TooSmall { bits },
            RsaKeyError::ModulusTooLarge { bits } => KeyError::TooLarge { bits },
            RsaKeyError::EvenModulus => KeyError::EvenModulus,
            _ => KeyError::BadExponent,
        })?;
        Ok(Self {
            rsa,
            kid: heapless::String::new(),
        })
    }

    /// The same key with `kid` as its key id (an empty `kid` means none).
    pub fn with_kid(mut self, kid: &str) -> Result<Self, KeyError> {
        self.kid =
            heapless::String::try_from(kid).map_err(|_| KeyError::KidTooLong { len: kid.len() })?;
        Ok(self)
    }

    /// The key id, if the key came with one.
    pub fn kid(&self) -> Option<&str> {
        if self.kid.is_empty() {
            None
        } else {
            Some(self.kid.as_str())
        }
    }

    /// The RSA key.
    pub fn rsa(&self) -> &RsaPublicKey {
        &self.rsa
    }

    /// Bits in the modulus (2048 for Clerk's keys).
    pub fn modulus_bits(&self) -> usize {
        self.rsa.bits()
    }

    /// The key's RFC 7638 JWK thumbprint (SHA-256): the same for every form
    /// of the same key (PEM, PKCS#1, JWK), so logs can say which key is
    /// loaded without printing it, and `jose`-style tools can compare it.
    /// Computed on each call (a SHA-256 over the modulus): verification
    /// never needs it, so firmware that never asks does not link it.
    pub fn thumbprint(&self) -> [u8; 32] {
        let mut buf = [0u8; MAX_MODULUS_BITS / 8];
        thumbprint(self.rsa.modulus_be(&mut buf), self.rsa.exponent())
    }
}

/// Equal when the key material (modulus and exponent) and the `kid` are equal.
impl PartialEq for JwtKey {
    fn eq(&self, other: &Self) -> bool {
        self.rsa == other.rsa && self.kid == other.kid
    }
}

impl Eq for JwtKey {}

impl fmt::Debug for JwtKey {
    /// Short on purpose: the bits, the kid and the thumbprint identify a key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        f.debug_struct("JwtKey")
            .field("bits", &self.rsa.bits())
            .field("exponent", &self.rsa.exponent())
            .field("kid", &self.kid())
            .field("thumbprint", &Hex(&self.thumbprint()))
            .finish()
    }
}

fn strip_zeros(mut bytes: &[u8]) -> &[u8] {
    while let Some((0, rest)) = bytes.split_first() {
        bytes = rest;
    }
    bytes
}

/// RFC 7638: SHA-256 of `{"e":"<e>","kty":"RSA","n":"<n>"}`, with `n` and
/// `e` in unpadded base64url without leading zero bytes. Hashed piecewise,
/// so no buffer the size of the encoded modulus is needed.
fn thumbprint(modulus: &[u8], exponent: u32) -> [u8; 32] {
    fn base64url(hash: &mut Sha256, bytes: &[u8]) {
        // Whole 3-byte groups encode independently, so chunks of 48 bytes
        // concatenate to the encoding of the whole.
        for chunk in bytes.chunks(48) {
            let mut out = [0u8; 64];
            if let Ok(text) = base64ct::Base64UrlUnpadded::encode(chunk, &mut out) {
                hash.update(text.as_bytes());
            }
        }
    }
    let mut hash = Sha256::new();
    hash.update(b"{\"e\":\"");
    let exponent = exponent.to_be_bytes();
    base64url(&mut hash, strip_zeros(&exponent));
    hash.update(b"\",\"kty\":\"RSA\",\"n\":\"");
    base64url(&mut hash, modulus);
    hash.update(b"\"}");
    hash.finalize().into()
}
