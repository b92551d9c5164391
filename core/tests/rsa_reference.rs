//! The fast path against the `rsa` crate (the trusted reference): the same
//! verdict on valid signatures from fixed test keys of several sizes and
//! exponents, random messages, and corrupted signatures; plus key checks.
//!
//! The keys are test-only files under `tests/data/rsa/` (RSA keygen is
//! slow in debug builds); the `rsa` crate signs with them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::LazyLock;

use clerk_edge::rsa::cross_check::{self, Arith};
use clerk_edge::rsa::{HashAlg, MAX_MODULUS_BITS, MIN_MODULUS_BITS, RsaKeyError, RsaPublicKey};
use proptest::prelude::*;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::{Digest, Sha256, Sha384, Sha512};

struct Fixture {
    name: &'static str,
    private: PrivateKey,
    n: Vec<u8>,
    e: u32,
    key: RsaPublicKey,
}

/// Sizes on and between the three widths (2048, 3072, 4096) and exponents
/// 3, 17 and 65537.
const KEYS: [&str; 6] = [
    "rsa2048-e65537",
    "rsa2048-e3",
    "rsa2056-e65537",
    "rsa3072-e65537",
    "rsa3500-e17",
    "rsa4096-e65537",
];

fn load(name: &str) -> PrivateKey {
    let path = format!("{}/tests/data/rsa/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    PrivateKey::from_pkcs8_pem(&pem).unwrap()
}

fn parts(private: &PrivateKey) -> (Vec<u8>, u32) {
    let n = private.n().to_be_bytes_trimmed_vartime().into_vec();
    let e = private.e().to_be_bytes_trimmed_vartime();
    let e = e.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    (n, e)
}

static FIXTURES: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    KEYS.iter()
        .map(|&name| {
            let private = load(name);
            let (n, e) = parts(&private);
            let key = RsaPublicKey::new(&n, e).unwrap();
            Fixture {
                name,
                private,
                n,
                e,
                key,
            }
        })
        .collect()
});

fn digest(hash: HashAlg, msg: &[u8]) -> Vec<u8> {
    match hash {
        HashAlg::Sha256 => Sha256::digest(msg).to_vec(),
        HashAlg::Sha384 => Sha384::digest(msg).to_vec(),
        HashAlg::Sha512 => Sha512::digest(msg).to_vec(),
    }
}

fn sign(private: &PrivateKey, hash: HashAlg, msg: &[u8]) -> Vec<u8> {
    let key = private.clone();
    match hash {
        HashAlg::Sha256 => SigningKey::<Sha256>::new(key).sign(msg).to_vec(),
        HashAlg::Sha384 => SigningKey::<Sha384>::new(key).sign(msg).to_vec(),
        HashAlg::Sha512 => SigningKey::<Sha512>::new(key).sign(msg).to_vec(),
    }
}

fn reference(private: &PrivateKey, hash: HashAlg, digest: &[u8], sig: &[u8]) -> bool {
    let public = private.to_public_key();
    let scheme = match hash {
        HashAlg::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        HashAlg::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlg::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    };
    public.verify(scheme, digest, sig).is_ok()
}

/// `a + b` for big-endian byte strings, as wide as `a`, `None` on overflow.
fn add_small(a: &[u8], b: u8) -> Option<Vec<u8>> {
    let mut out = a.to_vec();
    let mut carry = u16::from(b);
    for byte in out.iter_mut().rev() {
        let s = u16::from(*byte) + carry;
        *byte = s as u8;
        carry = s >> 8;
    }
    (carry == 0).then_some(out)
}

/// Checks that every arithmetic agrees with the reference, returns it.
fn agree(f: &Fixture, hash: HashAlg, digest: &[u8], sig: &[u8]) -> bool {
    let expected = reference(&f.private, hash, digest, sig);
    assert_eq!(
        f.key.verify_pkcs1v15(hash, digest, sig),
        expected,
        "{} {hash:?}",
        f.name
    );
    for arith in Arith::ALL {
        assert_eq!(
            cross_check::verify_pkcs1v15(arith, &f.n, f.e, hash, digest, sig),
            Ok(expected),
            "{} {hash:?} through {arith:?}",
            f.name
        );
    }
    expected
}

#[test]
fn fixtures_load_with_their_sizes() {
    let expected = [
        (2048, 256, 65537),
        (2048, 256, 3),
        (2056, 257, 65537),
        (3072, 384, 65537),
        (3500, 438, 17),
        (4096, 512, 65537),
    ];
    for (f, (bits, size, e)) in FIXTURES.iter().zip(expected) {
        assert_eq!(
            (f.key.bits(), f.key.size(), f.key.exponent()),
            (bits, size, e),
            "{}",
            f.name
        );
        let mut buf = [0u8; MAX_MODULUS_BITS / 8];
        assert_eq!(f.key.modulus_be(&mut buf), f.n.as_slice());
    }
}

#[test]
fn every_fixture_verifies_every_hash() {
    for f in FIXTURES.iter() {
        for hash in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
            let msg = format!("{} signs with {hash:?}", f.name);
            let sig = sign(&f.private, hash, msg.as_bytes());
            let d = digest(hash, msg.as_bytes());
            assert!(agree(f, hash, &d, &sig), "{} {hash:?}", f.name);
        }
    }
}

#[test]
fn leading_zero_bytes_of_the_modulus_are_allowed() {
    let f = &FIXTURES[0];
    let mut padded = vec![0u8; 3];
    padded.extend_from_slice(&f.n);
    let key = RsaPublicKey::new(&padded, f.e).unwrap();
    assert_eq!(key, f.key);
    assert_eq!(key.size(), 256);
    let sig = sign(&f.private, HashAlg::Sha256, b"zeros");
    let d = digest(HashAlg::Sha256, b"zeros");
    assert!(key.verify_pkcs1v15(HashAlg::Sha256, &d, &sig));
    // The signature itself must be exactly size() bytes: no leading zero.
    let mut longer = vec![0u8];
    longer.extend_from_slice(&sig);
    assert!(!key.verify_pkcs1v15(HashAlg::Sha256, &d, &longer));
}

#[test]
fn bad_keys_are_rejected_with_the_reason() {
    // A real 1024-bit key.
    let small = load("rsa1024-e65537");
    let (n, e) = parts(&small);
    assert_eq!(
        RsaPublicKey::new(&n, e),
        Err(RsaKeyError::ModulusTooSmall { bits: 1024 })
    );
    let n2048 = FIXTURES[0].n.clone();
    // Sizes around the limits.
    let mut n2047 = n2048.clone();
    n2047[0] = 0x7f;
    assert_eq!(
        RsaPublicKey::new(&n2047, 65537),
        Err(RsaKeyError::ModulusTooSmall { bits: 2047 })
    );
    let mut n4097 = vec![1u8];
    n4097.extend_from_slice(&FIXTURES[5].n);
    assert_eq!(
        RsaPublicKey::new(&n4097, 65537),
        Err(RsaKeyError::ModulusTooLarge { bits: 4097 })
    );
    let n4096 = vec![0xffu8; 512];
    assert!(RsaPublicKey::new(&n4096, 65537).is_ok());
    let n2048_min = {
        let mut v = vec![0u8; 256];
        v[0] = 0x80;
        v[255] = 1;
        v
    };
    let key = RsaPublicKey::new(&n2048_min, 65537).unwrap();
    assert_eq!((key.bits(), key.size()), (MIN_MODULUS_BITS, 256));
    assert_eq!(
        RsaPublicKey::new(&[], 65537),
        Err(RsaKeyError::ModulusTooSmall { bits: 0 })
    );
    assert_eq!(
        RsaPublicKey::new(&[0; 300], 65537),
        Err(RsaKeyError::ModulusTooSmall { bits: 0 })
    );
    // Even modulus.
    let mut even = n2048.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert_eq!(
        RsaPublicKey::new(&even, 65537),
        Err(RsaKeyError::EvenModulus)
    );
    // Exponents: even, 0, 1 are refused; odd >= 3 up to u32::MAX accepted.
    for e in [0, 1, 2, 4, 65536, u32::MAX - 1] {
        assert_eq!(
            RsaPublicKey::new(&n2048, e),
            Err(RsaKeyError::BadExponent),
            "e = {e}"
        );
    }
    for e in [3, 5, 17, 65537, u32::MAX] {
        assert_eq!(RsaPublicKey::new(&n2048, e).unwrap().exponent(), e);
    }
    // Every arithmetic applies the same checks.
    for arith in Arith::ALL {
        let v =
            |n: &[u8], e| cross_check::verify_pkcs1v15(arith, n, e, HashAlg::Sha256, &[0; 32], &[]);
        assert_eq!(
            v(&n, 65537),
            Err(RsaKeyError::ModulusTooSmall { bits: 1024 })
        );
        assert_eq!(
            v(&n4097, 65537),
            Err(RsaKeyError::ModulusTooLarge { bits: 4097 })
        );
        assert_eq!(v(&even, 65537), Err(RsaKeyError::EvenModulus));
        assert_eq!(v(&n2048, 1), Err(RsaKeyError::BadExponent));
        assert_eq!(v(&n2048, 65537), Ok(false));
    }
}

/// A signature equal to the modulus, or above it, is refused even where
/// it would reduce to a valid one (s + n is the classic malleability).
#[test]
fn signatures_at_or_above_the_modulus_fail() {
    for f in FIXTURES.iter() {
        let d = digest(HashAlg::Sha256, b"malleable");
        let sig = sign(&f.private, HashAlg::Sha256, b"malleable");
        assert!(agree(f, HashAlg::Sha256, &d, &sig));
        // s + n, when it still fits in size() bytes.
        let mut carry = 0u16;
        let mut plus_n = sig.clone();
        for (s, n) in plus_n.iter_mut().rev().zip(f.n.iter().rev()) {
            let v = u16::from(*s) + u16::from(*n) + carry;
            *s = v as u8;
            carry = v >> 8;
        }
        if carry == 0 {
            assert!(!agree(f, HashAlg::Sha256, &d, &plus_n), "{}", f.name);
        }
        assert!(!agree(f, HashAlg::Sha256, &d, &f.n));
        assert!(!agree(f, HashAlg::Sha256, &d, &vec![0xff; f.n.len()]));
    }
}

#[derive(Clone, Debug)]
enum Corruption {
    None,
    FlipBit(usize),
    Truncate(usize),
    Append(u8),
    Zero,
    One,
    Modulus,
    ModulusPlus(u8),
    ModulusMinusOne,
    Random(Vec<u8>),
    OtherMessage,
    OtherHash,
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        3 => Just(Corruption::None),
        4 => any::<usize>().prop_map(Corruption::FlipBit),
        1 => any::<usize>().prop_map(Corruption::Truncate),
        1 => any::<u8>().prop_map(Corruption::Append),
        1 => Just(Corruption::Zero),
        1 => Just(Corruption::One),
        1 => Just(Corruption::Modulus),
        1 => any::<u8>().prop_map(Corruption::ModulusPlus),
        1 => Just(Corruption::ModulusMinusOne),
        1 => proptest::collection::vec(any::<u8>(), 512).prop_map(Corruption::Random),
        1 => Just(Corruption::OtherMessage),
        1 => Just(Corruption::OtherHash),
    ]
}

fn hash_alg() -> impl Strategy<Value = HashAlg> {
    prop_oneof![
        Just(HashAlg::Sha256),
        Just(HashAlg::Sha384),
        Just(HashAlg::Sha512)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_the_rsa_crate(
        key in 0..KEYS.len(),
        hash in hash_alg(),
        msg in proptest::collection::vec(any::<u8>(), 0..200),
        corruption in corruption(),
    ) {
        let f = &FIXTURES[key];
        let size = f.n.len();
        let sig = sign(&f.private, hash, &msg);
        prop_assert_eq!(sig.len(), size);
        let mut d = digest(hash, &msg);
        let mut hash_used = hash;
        let bad_sig = match &corruption {
            Corruption::None => sig.clone(),
            Corruption::FlipBit(bit) => {
                let mut s = sig.clone();
                let bit = bit % (size * 8);
                s[bit / 8] ^= 1 << (bit % 8);
                s
            }
            Corruption::Truncate(len) => sig[..len % size].to_vec(),
            Corruption::Append(b) => {
                let mut s = sig.clone();
                s.push(*b);
                s
            }
            Corruption::Zero => vec![0; size],
            Corruption::One => {
                let mut s = vec![0; size];
                s[size - 1] = 1;
                s
            }
            Corruption::Modulus => f.n.clone(),
            Corruption::ModulusPlus(k) => add_small(&f.n, *k).unwrap_or_else(|| f.n.clone()),
            Corruption::ModulusMinusOne => {
                let mut s = f.n.clone();
                s[size - 1] -= 1; // n is odd
                s
            }
            Corruption::Random(bytes) => bytes[..size].to_vec(),
            Corruption::OtherMessage => {
                let mut other = msg.clone();
                other.push(0);
                d = digest(hash, &other);
                sig.clone()
            }
            Corruption::OtherHash => {
                hash_used = match hash {
                    HashAlg::Sha256 => HashAlg::Sha384,
                    HashAlg::Sha384 => HashAlg::Sha512,
                    HashAlg::Sha512 => HashAlg::Sha256,
                };
                d = digest(hash_used, &msg);
                sig.clone()
            }
        };
        let verdict = agree(f, hash_used, &d, &bad_sig);
        if matches!(corruption, Corruption::None) {
            prop_assert!(verdict);
        }
        if matches!(
            corruption,
            Corruption::FlipBit(_) | Corruption::Truncate(_) | Corruption::Append(_)
                | Corruption::Zero | Corruption::One | Corruption::Modulus
                | Corruption::ModulusPlus(_) | Corruption::OtherMessage | Corruption::OtherHash
        ) {
            prop_assert!(!verdict);
        }
    }
}

/// Never called: `rsa_decrypt` needs an RNG type even without blinding.
struct NoBlinding;

impl rsa::rand_core::TryRng for NoBlinding {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("raw signing here is unblinded")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("raw signing here is unblinded")
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
        unreachable!("raw signing here is unblinded")
    }
}

impl rsa::rand_core::TryCryptoRng for NoBlinding {}

/// `block^d mod n`: a "signature" whose public operation gives exactly
/// `block` (the modulus length), whatever it holds.
fn sign_raw(private: &PrivateKey, block: &[u8]) -> Vec<u8> {
    let bits = private.n().as_ref().bits_precision();
    let m = rsa::BoxedUint::from_be_slice(block, bits).unwrap();
    let s = rsa::hazmat::rsa_decrypt::<NoBlinding>(None, private, &m).unwrap();
    let s = s.to_be_bytes();
    s[s.len() - block.len()..].to_vec()
}

/// The block is compared limb by limb without being written out: a block
/// that differs from the expected one in any single region (the leading
/// `00 01`, the `FF` run, the `00` separator, the `DigestInfo`, the digest)
/// must fail, on every key width and with every arithmetic, including keys
/// whose length is not a whole number of limbs.
#[test]
fn blocks_differing_in_one_byte_fail() {
    for f in FIXTURES.iter() {
        let hash = if f.n.len() > 400 {
            HashAlg::Sha512
        } else {
            HashAlg::Sha256
        };
        let digest = digest(hash, f.name.as_bytes());
        let prefix_len = 19;
        let len = f.n.len();
        let t_start = len - prefix_len - digest.len();
        // The block the `rsa` crate's signer produced (DigestInfo and digest
        // included), checked against the padding written out here.
        let valid = sign(&f.private, hash, f.name.as_bytes());
        let public = f.private.to_public_key();
        let s = rsa::BoxedUint::from_be_slice(&valid, public.n().as_ref().bits_precision());
        let m = rsa::hazmat::rsa_encrypt(&public, &s.unwrap())
            .unwrap()
            .to_be_bytes();
        let block = m[m.len() - len..].to_vec();
        let mut padding = vec![0xffu8; t_start];
        padding[0] = 0;
        padding[1] = 1;
        padding[t_start - 1] = 0;
        assert_eq!(block[..t_start], padding, "{}", f.name);
        assert!(agree(f, hash, &digest, &sign_raw(&f.private, &block)));

        let positions = [
            0,
            1,
            2,
            3,
            len / 2,
            t_start - 2,
            t_start - 1,
            t_start,
            t_start + prefix_len - 1,
            t_start + prefix_len,
            len - 2,
            len - 1,
        ];
        for pos in positions {
            let mut changed = block.clone();
            changed[pos] ^= if pos == 0 { 0x01 } else { 0x80 };
            let sig = sign_raw(&f.private, &changed);
            assert!(
                !agree(f, hash, &digest, &sig),
                "{}: byte {pos} of {len} changed, still verified",
                f.name
            );
        }
    }
}
