//! RSA PKCS#1 v1.5 signature verification with fixed-width Montgomery
//! arithmetic: no heap, constants precomputed once per key.
//!
//! Everything a verifier computes on is public (the key, the signature, the
//! message), so the arithmetic is variable-time by design.

/// Smallest modulus accepted, in bits.
pub const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus accepted, in bits.
pub const MAX_MODULUS_BITS: usize = 4096;

/// The hash inside a PKCS#1 v1.5 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (RS256).
    Sha256,
    /// SHA-384 (RS384).
    Sha384,
    /// SHA-512 (RS512).
    Sha512,
}

/// Why a modulus/exponent pair is not a usable RSA public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// Fewer than [`MIN_MODULUS_BITS`] bits.
    ModulusTooSmall {
        /// Bits in the modulus.
        bits: usize,
    },
    /// More than [`MAX_MODULUS_BITS`] bits.
    ModulusTooLarge {
        /// Bits in the modulus.
        bits: usize,
    },
    /// An even modulus is never an RSA modulus.
    EvenModulus,
    /// The exponent is even, 1, or wider than 32 bits.
    BadExponent,
}

/// An RSA public key ready for verification.
#[derive(Clone, Debug)]
pub struct RsaPublicKey {
    _todo: (),
}

impl RsaPublicKey {
    /// Builds a key from the big-endian modulus (leading zero bytes allowed)
    /// and the public exponent, precomputing the Montgomery constants.
    pub fn new(modulus_be: &[u8], exponent: u32) -> Result<Self, RsaKeyError> {
        let _ = (modulus_be, exponent);
        todo!()
    }
    /// Bits in the modulus.
    pub fn bits(&self) -> usize {
        todo!()
    }
    /// Bytes in the modulus, the exact length of a valid signature.
    pub fn size(&self) -> usize {
        todo!()
    }
    /// The public exponent.
    pub fn exponent(&self) -> u32 {
        todo!()
    }
    /// Verifies an RSASSA-PKCS1-v1_5 signature over an already computed
    /// digest (`digest.len()` must match `hash`): `sig^e mod n` is compared
    /// with the expected encoded block, never parsed.
    pub fn verify_pkcs1v15(&self, hash: HashAlg, digest: &[u8], signature: &[u8]) -> bool {
        let _ = (hash, digest, signature);
        todo!()
    }
}
