//! RSA PKCS#1 v1.5 signature verification with fixed-width Montgomery
//! arithmetic: no heap, constants precomputed once per key.
//!
//! Everything a verifier computes on is public (the key, the signature, the
//! message), so the arithmetic is variable-time by design.
//!
//! A key is stored in the smallest of three widths that holds its modulus
//! (2048, 3072 or 4096 bits), each a separately compiled fixed-size
//! implementation, so the hot loops have compile-time bounds. Limbs are
//! `u64` on 64-bit targets and `u32` elsewhere.

mod limb;
mod mont;

use limb::Limb;
use mont::{Kernel, Mont, OperandScanning, ProductScanning};

/// Smallest modulus accepted, in bits.
pub const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus accepted, in bits: 4096, or 2048 with the crate's
/// `rsa-2048-only` feature.
pub const MAX_MODULUS_BITS: usize = if cfg!(feature = "rsa-2048-only") {
    2048
} else {
    4096
};
/// Bytes in the largest modulus, and so in the longest signature.
pub const MAX_MODULUS_BYTES: usize = MAX_MODULUS_BITS / 8;

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

impl HashAlg {
    /// Bytes in a digest.
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The DER `DigestInfo` header that precedes the digest (RFC 8017
    /// section 9.2, note 1), with the explicit NULL parameters.
    const fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }
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

/// The EMSA-PKCS1-v1_5 block `00 01 FF..FF 00 || DigestInfo || digest` that
/// a valid signature must produce. It is compared with the result limb by
/// limb and never written out, which keeps a modulus-sized buffer off a
/// microcontroller's stack.
struct ExpectedBlock<'d> {
    /// Bytes in the block: the modulus length.
    len: usize,
    prefix: &'static [u8],
    digest: &'d [u8],
}

impl<'d> ExpectedBlock<'d> {
    /// `None` if `digest` has the wrong length for `hash` or `len` leaves
    /// fewer than 8 bytes of padding.
    fn new(hash: HashAlg, digest: &'d [u8], len: usize) -> Option<Self> {
        if digest.len() != hash.digest_len() {
            return None;
        }
        let prefix = hash.digest_info_prefix();
        let ps_len = len.checked_sub(prefix.len() + digest.len() + 3)?;
        (ps_len >= 8).then_some(Self {
            len,
            prefix,
            digest,
        })
    }

    /// Where `DigestInfo` starts (at least 11).
    fn t_start(&self) -> usize {
        self.len - self.prefix.len() - self.digest.len()
    }

    /// Byte `i` of the block, most significant first; 0 beyond it.
    fn byte(&self, i: usize) -> u8 {
        let t_start = self.t_start();
        match i {
            0 => 0x00,
            1 => 0x01,
            _ if i + 1 < t_start => 0xff,
            _ if i + 1 == t_start => 0x00,
            _ => {
                let t = i - t_start;
                let digest_at = t.checked_sub(self.prefix.len());
                match digest_at {
                    None => self.prefix.get(t).copied().unwrap_or(0),
                    Some(d) => self.digest.get(d).copied().unwrap_or(0),
                }
            }
        }
    }

    /// Whether the little-endian limbs `x` hold exactly this block (with
    /// zeros above it).
    fn matches<L: Limb>(&self, x: &[L]) -> bool {
        let width = x.len() * L::BYTES;
        let Some(pad) = width.checked_sub(self.len) else {
            return false;
        };
        // The run of FF bytes, as positions in the full-width big-endian number.
        let ff = pad + 2..pad + self.t_start() - 1;
        let all_ones = L::from_be_slice(&[0xff; 8]);
        let mut bytes = [0u8; 8];
        let bytes = bytes.get_mut(..L::BYTES).unwrap_or_default();
        for (k, &limb) in x.iter().enumerate() {
            let end = width - k * L::BYTES;
            let start = end - L::BYTES;
            let expected = if ff.start <= start && end <= ff.end {
                all_ones
            } else {
                for (b, pos) in bytes.iter_mut().zip(start..end) {
                    *b = pos.checked_sub(pad).map_or(0, |i| self.byte(i));
                }
                L::from_be_slice(bytes)
            };
            if limb != expected {
                return false;
            }
        }
        true
    }
}

/// The operations a key needs from one fixed-width Montgomery context.
trait Width: Sized {
    /// Bits the width holds.
    #[cfg_attr(feature = "rsa-2048-only", allow(dead_code))]
    const CAPACITY_BITS: usize;
    /// See [`Mont::new`].
    fn new(n_be: &[u8], bits: usize) -> Option<Self>;
    /// Whether `sig^e mod n` is `expected`; `false` if `sig >= n`.
    fn public_op_matches(&self, e: u32, sig: &[u8], expected: &ExpectedBlock<'_>) -> bool;
    /// The modulus, big-endian, into `out` (the modulus length).
    fn write_modulus(&self, out: &mut [u8]);
}

impl<L: Limb, K: Kernel, const N: usize, const D: usize> Width for Mont<L, K, N, D> {
    const CAPACITY_BITS: usize = Mont::<L, K, N, D>::CAPACITY_BITS;
    // Out of line for the same reason as `public_op_matches`: loading a key
    // then needs the working arrays of its own width only.
    #[inline(never)]
    fn new(n_be: &[u8], bits: usize) -> Option<Self> {
        Mont::new(n_be, bits)
    }
    // Out of line, so that a verification's stack holds the buffers of
    // the key's own width only (all three inlined took 3.6 KB on Cortex-M4).
    #[inline(never)]
    fn public_op_matches(&self, e: u32, sig: &[u8], expected: &ExpectedBlock<'_>) -> bool {
        let Some(s) = Self::read_be(sig) else {
            return false;
        };
        if mont::geq(&s, self.modulus()) {
            return false;
        }
        let mut x = [L::ZERO; N];
        self.pow(&s, e, &mut x);
        expected.matches(&x)
    }
    fn write_modulus(&self, out: &mut [u8]) {
        Self::write_be(self.modulus(), out);
    }
}

/// The three widths of one limb type and kernel.
trait Family {
    type W2048: Width + Clone + PartialEq;
    type W3072: Width + Clone + PartialEq;
    type W4096: Width + Clone + PartialEq;
}

/// `u64` limbs with kernel `K`.
struct Limbs64<K>(K);
/// `u32` limbs with kernel `K`.
struct Limbs32<K>(K);

impl<K: Kernel> Family for Limbs64<K> {
    type W2048 = Mont<u64, K, 32, 64>;
    type W3072 = Mont<u64, K, 48, 96>;
    type W4096 = Mont<u64, K, 64, 128>;
}

impl<K: Kernel> Family for Limbs32<K> {
    type W2048 = Mont<u32, K, 64, 128>;
    type W3072 = Mont<u32, K, 96, 192>;
    type W4096 = Mont<u32, K, 128, 256>;
}

/// What the target runs: the row-wise kernel with the machine word. On
/// x86-64 its two independent carry chains beat the column-wise kernel's
/// single accumulator by about a quarter (measured, RSA-2048); on
/// Cortex-M4 each step is one `UMAAL`, where the column-wise kernel needs
/// three times the instructions. The column-wise kernel stays as an
/// independent cross-check ([`cross_check`]).
#[cfg(target_pointer_width = "64")]
type Native = Limbs64<OperandScanning>;
#[cfg(not(target_pointer_width = "64"))]
type Native = Limbs32<OperandScanning>;

enum Widths<F: Family> {
    W2048(F::W2048),
    #[cfg(not(feature = "rsa-2048-only"))]
    W3072(F::W3072),
    #[cfg(not(feature = "rsa-2048-only"))]
    W4096(F::W4096),
}

impl<F: Family> Clone for Widths<F> {
    fn clone(&self) -> Self {
        match self {
            Widths::W2048(m) => Widths::W2048(m.clone()),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W3072(m) => Widths::W3072(m.clone()),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W4096(m) => Widths::W4096(m.clone()),
        }
    }
}

impl<F: Family> PartialEq for Widths<F> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Widths::W2048(a), Widths::W2048(b)) => a == b,
            #[cfg(not(feature = "rsa-2048-only"))]
            (Widths::W3072(a), Widths::W3072(b)) => a == b,
            #[cfg(not(feature = "rsa-2048-only"))]
            (Widths::W4096(a), Widths::W4096(b)) => a == b,
            #[cfg(not(feature = "rsa-2048-only"))]
            _ => false,
        }
    }
}

/// A validated key over one family of widths.
struct KeyImpl<F: Family> {
    arith: Widths<F>,
    bits: usize,
    size: usize,
    exponent: u32,
}

impl<F: Family> Clone for KeyImpl<F> {
    fn clone(&self) -> Self {
        Self {
            arith: self.arith.clone(),
            bits: self.bits,
            size: self.size,
            exponent: self.exponent,
        }
    }
}

impl<F: Family> PartialEq for KeyImpl<F> {
    fn eq(&self, other: &Self) -> bool {
        self.exponent == other.exponent && self.arith == other.arith
    }
}

impl<F: Family> KeyImpl<F> {
    fn new(modulus_be: &[u8], exponent: u32) -> Result<Self, RsaKeyError> {
        let start = modulus_be
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(modulus_be.len());
        let modulus = modulus_be.get(start..).unwrap_or(&[]);
        let bits = match modulus.first() {
            Some(&top) => modulus.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        };
        if bits < MIN_MODULUS_BITS {
            return Err(RsaKeyError::ModulusTooSmall { bits });
        }
        if bits > MAX_MODULUS_BITS {
            return Err(RsaKeyError::ModulusTooLarge { bits });
        }
        if modulus.last().is_some_and(|&b| b & 1 == 0) {
            return Err(RsaKeyError::EvenModulus);
        }
        if exponent & 1 == 0 || exponent < 3 {
            return Err(RsaKeyError::BadExponent);
        }
        #[cfg(feature = "rsa-2048-only")]
        let arith = F::W2048::new(modulus, bits).map(Widths::W2048);
        #[cfg(not(feature = "rsa-2048-only"))]
        let arith = if bits <= F::W2048::CAPACITY_BITS {
            F::W2048::new(modulus, bits).map(Widths::W2048)
        } else if bits <= F::W3072::CAPACITY_BITS {
            F::W3072::new(modulus, bits).map(Widths::W3072)
        } else {
            F::W4096::new(modulus, bits).map(Widths::W4096)
        };
        // Unreachable for a modulus that passed the checks above.
        let arith = arith.ok_or(RsaKeyError::ModulusTooLarge { bits })?;
        Ok(Self {
            arith,
            bits,
            size: modulus.len(),
            exponent,
        })
    }

    fn verify_pkcs1v15(&self, hash: HashAlg, digest: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.size {
            return false;
        }
        let Some(expected) = ExpectedBlock::new(hash, digest, self.size) else {
            return false;
        };
        let e = self.exponent;
        match &self.arith {
            Widths::W2048(m) => m.public_op_matches(e, signature, &expected),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W3072(m) => m.public_op_matches(e, signature, &expected),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W4096(m) => m.public_op_matches(e, signature, &expected),
        }
    }

    fn write_modulus(&self, out: &mut [u8]) {
        match &self.arith {
            Widths::W2048(m) => m.write_modulus(out),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W3072(m) => m.write_modulus(out),
            #[cfg(not(feature = "rsa-2048-only"))]
            Widths::W4096(m) => m.write_modulus(out),
        }
    }
}

/// An RSA public key ready for verification.
///
/// Holds the modulus, `R^2 mod n` and `-n^-1 mod 2^w` in fixed arrays sized
/// for the key's width (about 1 KiB for a 4096-bit key; enum-sized, so every
/// key takes that much). Equal keys have equal modulus and exponent.
#[derive(Clone, PartialEq)]
pub struct RsaPublicKey {
    inner: KeyImpl<Native>,
}

impl Eq for RsaPublicKey {}

impl core::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.inner.bits)
            .field("exponent", &self.inner.exponent)
            .finish_non_exhaustive()
    }
}

impl RsaPublicKey {
    /// Builds a key from the big-endian modulus (leading zero bytes allowed)
    /// and the public exponent, precomputing the Montgomery constants.
    ///
    /// The modulus must have [`MIN_MODULUS_BITS`]..=[`MAX_MODULUS_BITS`]
    /// bits and be odd; the exponent must be odd and at least 3.
    pub fn new(modulus_be: &[u8], exponent: u32) -> Result<Self, RsaKeyError> {
        KeyImpl::new(modulus_be, exponent).map(|inner| Self { inner })
    }
    /// Bits in the modulus.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }
    /// Bytes in the modulus, the exact length of a valid signature.
    pub fn size(&self) -> usize {
        self.inner.size
    }
    /// The public exponent.
    pub fn exponent(&self) -> u32 {
        self.inner.exponent
    }
    /// The modulus, big-endian without leading zeros ([`size`](Self::size)
    /// bytes), written into `buf`.
    pub fn modulus_be<'a>(&self, buf: &'a mut [u8; MAX_MODULUS_BYTES]) -> &'a [u8] {
        let out = buf.get_mut(..self.inner.size).unwrap_or_default();
        self.inner.write_modulus(out);
        out
    }
    /// Verifies an RSASSA-PKCS1-v1_5 signature over an already computed
    /// digest (`digest.len()` must match `hash`): `sig^e mod n` is compared
    /// with the expected encoded block, never parsed.
    ///
    /// `false` unless the signature is exactly [`size`](Self::size) bytes,
    /// below the modulus, and encodes exactly this digest with the
    /// `DigestInfo` of `hash` (with its explicit NULL parameters, as RFC
    /// 8017 requires of signers).
    pub fn verify_pkcs1v15(&self, hash: HashAlg, digest: &[u8], signature: &[u8]) -> bool {
        self.inner.verify_pkcs1v15(hash, digest, signature)
    }
}

/// The same verification through the other limb widths and kernels, for
/// tests that cross-check the arithmetic a target does not use natively
/// (the 32-bit Cortex-M path on a 64-bit host, for instance). Not part of
/// the stable API.
#[doc(hidden)]
pub mod cross_check {
    use super::{
        HashAlg, KeyImpl, Limbs32, Limbs64, OperandScanning, ProductScanning, RsaKeyError,
    };

    /// A limb width and Montgomery kernel.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Arith {
        /// `u64` limbs, column-wise.
        U64ProductScanning,
        /// `u64` limbs, row-wise (the 64-bit default).
        U64OperandScanning,
        /// `u32` limbs, column-wise.
        U32ProductScanning,
        /// `u32` limbs, row-wise (the 32-bit default).
        U32OperandScanning,
    }

    impl Arith {
        /// Every combination.
        pub const ALL: [Arith; 4] = [
            Arith::U64ProductScanning,
            Arith::U64OperandScanning,
            Arith::U32ProductScanning,
            Arith::U32OperandScanning,
        ];
    }

    /// Loads the key with `arith` (same checks as
    /// [`RsaPublicKey::new`](super::RsaPublicKey::new)) and verifies.
    pub fn verify_pkcs1v15(
        arith: Arith,
        modulus_be: &[u8],
        exponent: u32,
        hash: HashAlg,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, RsaKeyError> {
        Ok(match arith {
            Arith::U64ProductScanning => {
                KeyImpl::<Limbs64<ProductScanning>>::new(modulus_be, exponent)?
                    .verify_pkcs1v15(hash, digest, signature)
            }
            Arith::U64OperandScanning => {
                KeyImpl::<Limbs64<OperandScanning>>::new(modulus_be, exponent)?
                    .verify_pkcs1v15(hash, digest, signature)
            }
            Arith::U32ProductScanning => {
                KeyImpl::<Limbs32<ProductScanning>>::new(modulus_be, exponent)?
                    .verify_pkcs1v15(hash, digest, signature)
            }
            Arith::U32OperandScanning => {
                KeyImpl::<Limbs32<OperandScanning>>::new(modulus_be, exponent)?
                    .verify_pkcs1v15(hash, digest, signature)
            }
        })
    }
}
