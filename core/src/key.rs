//! Loading a jwtKey: every text form Clerk accepts, plus PKCS#1 PEM, escaped
//! newlines, 3072/4096-bit keys and JWKs. Errors name what is wrong.

use crate::rsa::RsaPublicKey;
use core::fmt;

/// Longest `kid` kept with a key.
pub const MAX_KID_LEN: usize = 64;

/// Why a jwtKey could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Placeholder until the loader is written.
    Unsupported,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unsupported key")
    }
}

/// A verification key: the RSA public key and, for a JWK, its `kid`.
#[derive(Clone, Debug)]
pub struct JwtKey {
    rsa: RsaPublicKey,
    kid: heapless::String<MAX_KID_LEN>,
}

impl JwtKey {
    /// Loads a key from any supported text: PEM (SPKI or PKCS#1, LF, CRLF,
    /// spaces or literal `\n`), the bare base64 body, or a JWK JSON object.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let _ = text;
        todo!()
    }
    /// Loads a key from a JWK JSON object (`kty` RSA, `n`, `e`, optional `kid`).
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let _ = json;
        todo!()
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
}
