//! The fast RSA path against the `rsa` crate (0.10, `pkcs1v15`) and
//! `num-bigint`, on three kinds of keys:
//! - fixed real keys (the fuzz key and the core's RSA test keys: 2048-bit
//!   e=3 and e=65537, 2056, 3072, 3500-bit e=17, 4096) with genuine
//!   signatures, mutated;
//! - crafted keys `n = s^e − EM` (for a small odd `e` and a fuzzer-chosen
//!   `s` and digest), for which `s` is a valid signature although nobody
//!   knows a private key: valid signatures over fuzzer-shaped moduli;
//! - moduli straight from fuzzer bytes (made odd and of valid size unless
//!   the input says otherwise), where `RsaPublicKey::new` must accept
//!   exactly what `rsa::PublicKey::new_with_size_limits(.., 2048..=4096)`
//!   accepts.
//! Every verification must agree between our native path, the four
//! `cross_check` arithmetics, the `rsa` crate and a `num-bigint` model.
#![no_main]

use arbitrary::Arbitrary;
use clerk_edge::rsa::cross_check::{self, Arith};
use clerk_edge::rsa::{HashAlg, RsaPublicKey};
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, Pkcs1v15Sign, PrivateKey};
use sha2::Digest;
use std::sync::OnceLock;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Hash {
    S256,
    S384,
    S512,
}

impl Hash {
    fn ours(self) -> HashAlg {
        match self {
            Hash::S256 => HashAlg::Sha256,
            Hash::S384 => HashAlg::Sha384,
            Hash::S512 => HashAlg::Sha512,
        }
    }
    fn scheme(self) -> Pkcs1v15Sign {
        match self {
            Hash::S256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::S384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::S512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::S256 => sha2::Sha256::digest(msg).to_vec(),
            Hash::S384 => sha2::Sha384::digest(msg).to_vec(),
            Hash::S512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }
    fn len(self) -> usize {
        match self {
            Hash::S256 => 32,
            Hash::S384 => 48,
            Hash::S512 => 64,
        }
    }
}

/// Changes to a signature (as a big-endian number of the modulus length).
#[derive(Arbitrary, Debug)]
enum Mutation {
    None,
    Flip { at: u16, bit: u8 },
    Set { at: u16, byte: u8 },
    AddModulus,
    SubModulus,
    AddOne,
    SubOne,
    Truncate(u16),
    LeadingZero,
    Zero,
    One,
    ModulusMinusOne,
    Modulus,
    Replace(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Case {
    Fixed {
        key: u8,
        hash: Hash,
        message: u8,
        digest_flip: Option<(u8, u8)>,
        mutation: Mutation,
    },
    Crafted {
        size: u16,
        e: u8,
        s: Vec<u8>,
        hash: Hash,
        digest: [u8; 64],
        mutation: Mutation,
    },
    Modulus {
        size: u16,
        n: Vec<u8>,
        e: u32,
        keep_even: bool,
        keep_size: bool,
        hash: Hash,
        digest: Vec<u8>,
        mutation: Mutation,
        signature: Vec<u8>,
    },
}

const MESSAGES: usize = 2;

struct Fixed {
    n: Vec<u8>,
    e: u32,
    key: RsaPublicKey,
    public: rsa::PublicKey,
    /// Per hash, per message: (digest, signature).
    signed: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
}

const FIXED_PEMS: [&str; 6] = [
    clerk_edge_fuzz::keys::FUZZ_PRIVATE_PEM,
    include_str!("../../core/tests/data/rsa/rsa2048-e3.pem"),
    include_str!("../../core/tests/data/rsa/rsa2056-e65537.pem"),
    include_str!("../../core/tests/data/rsa/rsa3072-e65537.pem"),
    include_str!("../../core/tests/data/rsa/rsa3500-e17.pem"),
    include_str!("../../core/tests/data/rsa/rsa4096-e65537.pem"),
];

/// Each fixed key is loaded and signs its messages the first time it is
/// picked (signing is slow under instrumentation; doing it all up front
/// would stall the first input).
static FIXED: [OnceLock<Fixed>; 6] = [const { OnceLock::new() }; 6];

fn fixed(i: usize) -> &'static Fixed {
    FIXED[i].get_or_init(|| {
        let private = PrivateKey::from_pkcs8_pem(FIXED_PEMS[i]).expect("test key");
        let n = private.n().to_be_bytes_trimmed_vartime().into_vec();
        let e = private.e().to_be_bytes_trimmed_vartime();
        let e = e.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
        let signed = [Hash::S256, Hash::S384, Hash::S512]
            .iter()
            .map(|&h| {
                (0..MESSAGES)
                    .map(|m| {
                        let d = h.digest(format!("message {m}").as_bytes());
                        let sig = private.sign(h.scheme(), &d).expect("sign");
                        (d, sig)
                    })
                    .collect()
            })
            .collect();
        Fixed {
            key: RsaPublicKey::new(&n, e).expect("test key loads"),
            public: private.to_public_key(),
            n,
            e,
            signed,
        }
    })
}

fn be(x: &BigUint, len: usize) -> Vec<u8> {
    let b = x.to_bytes_be();
    let mut out = vec![0u8; len.saturating_sub(b.len())];
    out.extend_from_slice(&b);
    out
}

fn mutate(sig: &[u8], n: &[u8], m: &Mutation) -> Vec<u8> {
    let k = n.len();
    let s = BigUint::from_bytes_be(sig);
    let nn = BigUint::from_bytes_be(n);
    let mut out = sig.to_vec();
    match m {
        Mutation::None => {}
        Mutation::Flip { at, bit } => {
            if !out.is_empty() {
                let i = usize::from(*at) % out.len();
                out[i] ^= 1 << (bit % 8);
            }
        }
        Mutation::Set { at, byte } => {
            if !out.is_empty() {
                let i = usize::from(*at) % out.len();
                out[i] = *byte;
            }
        }
        Mutation::AddModulus => out = be(&(s + &nn), k),
        Mutation::SubModulus => {
            if s >= nn {
                out = be(&(s - &nn), k);
            }
        }
        Mutation::AddOne => out = be(&(s + 1u32), k),
        Mutation::SubOne => {
            if s > BigUint::ZERO {
                out = be(&(s - 1u32), k);
            }
        }
        Mutation::Truncate(len) => out.truncate(usize::from(*len) % (k + 1)),
        Mutation::LeadingZero => out.insert(0, 0),
        Mutation::Zero => out = vec![0; k],
        Mutation::One => out = be(&BigUint::from(1u32), k),
        Mutation::ModulusMinusOne => out = be(&(nn - 1u32), k),
        Mutation::Modulus => out = n.to_vec(),
        Mutation::Replace(bytes) => out = bytes.clone(),
    }
    out
}

/// EMSA-PKCS1-v1_5 of `digest` for a `k`-byte modulus, with the `rsa`
/// crate's DigestInfo prefix.
fn encoded(hash: Hash, digest: &[u8], k: usize) -> Option<Vec<u8>> {
    let prefix = hash.scheme().prefix;
    let t_len = prefix.len() + digest.len();
    let ps = k.checked_sub(t_len + 3).filter(|&ps| ps >= 8)?;
    let mut em = vec![0x00, 0x01];
    em.extend(std::iter::repeat_n(0xff, ps));
    em.push(0);
    em.extend_from_slice(&prefix);
    em.extend_from_slice(digest);
    Some(em)
}

/// `num-bigint`'s verdict: exact length, below n, s^e mod n = EM.
fn model(n: &[u8], e: u32, hash: Hash, digest: &[u8], sig: &[u8]) -> bool {
    if sig.len() != n.len() || digest.len() != hash.len() {
        return false;
    }
    let Some(em) = encoded(hash, digest, n.len()) else {
        return false;
    };
    let nn = BigUint::from_bytes_be(n);
    let s = BigUint::from_bytes_be(sig);
    s < nn && be(&s.modpow(&BigUint::from(e), &nn), n.len()) == em
}

/// Everything agrees on one verification; returns the verdict.
fn agree(
    n: &[u8],
    e: u32,
    key: &RsaPublicKey,
    public: &rsa::PublicKey,
    hash: Hash,
    digest: &[u8],
    sig: &[u8],
) -> bool {
    let ours = key.verify_pkcs1v15(hash.ours(), digest, sig);
    let reference = public.verify(hash.scheme(), digest, sig).is_ok();
    assert_eq!(ours, reference, "fast path {ours}, rsa crate {reference}");
    assert_eq!(ours, model(n, e, hash, digest, sig), "num-bigint model");
    for arith in Arith::ALL {
        assert_eq!(
            cross_check::verify_pkcs1v15(arith, n, e, hash.ours(), digest, sig),
            Ok(ours),
            "{arith:?}"
        );
    }
    ours
}

fn reference_key(n: &[u8], e: u32) -> Result<rsa::PublicKey, rsa::Error> {
    rsa::PublicKey::new_with_size_limits(
        BoxedUint::from_be_slice_vartime(n),
        BoxedUint::from(u64::from(e)),
        2048..=4096,
    )
}

fuzz_target!(|case: Case| {
    match case {
        Case::Fixed {
            key,
            hash,
            message,
            digest_flip,
            mutation,
        } => {
            let f = fixed(usize::from(key) % FIXED.len());
            let (digest, sig) = &f.signed[hash as usize][usize::from(message) % MESSAGES];
            let mut digest = digest.clone();
            if let Some((at, x)) = digest_flip {
                let i = usize::from(at) % digest.len();
                digest[i] ^= x;
            }
            let unchanged =
                digest_flip.is_none_or(|(_, x)| x == 0) && matches!(mutation, Mutation::None);
            let sig = mutate(sig, &f.n, &mutation);
            let ok = agree(&f.n, f.e, &f.key, &f.public, hash, &digest, &sig);
            if unchanged {
                assert!(ok, "a genuine signature does not verify");
            }
        }
        Case::Crafted {
            size,
            e,
            s,
            hash,
            digest,
            mutation,
        } => {
            let k = 256 + usize::from(size) % 257;
            let e = u32::from(e % 31) * 2 + 3; // 3..=63, odd
            let digest = &digest[..hash.len()];
            let em = BigUint::from_bytes_be(&encoded(hash, digest, k).expect("k >= 256"));
            // s^e − EM must have exactly 8k bits.
            let low = (BigUint::from(1u32) << (8 * k - 1)) + &em;
            let high = (BigUint::from(1u32) << (8 * k)) - 1u32 + &em;
            let mut lo = low.nth_root(e);
            if lo.pow(e) < low {
                lo += 1u32;
            }
            let hi = high.nth_root(e);
            if hi < lo {
                return;
            }
            let span = &hi - &lo + 1u32;
            let mut root = &lo + BigUint::from_bytes_be(&s) % &span;
            // n = root^e − EM must be odd: root and EM of different parity.
            if root.bit(0) == em.bit(0) {
                if root < hi {
                    root += 1u32;
                } else if root > lo {
                    root -= 1u32;
                } else {
                    return;
                }
            }
            let n = be(&(root.pow(e) - &em), k);
            let key = RsaPublicKey::new(&n, e).expect("crafted key loads");
            let public = reference_key(&n, e).expect("crafted key loads in rsa");
            let genuine = be(&root, k);
            assert!(
                agree(&n, e, &key, &public, hash, digest, &genuine),
                "crafted signature"
            );
            let sig = mutate(&genuine, &n, &mutation);
            agree(&n, e, &key, &public, hash, digest, &sig);
        }
        Case::Modulus {
            size,
            mut n,
            e,
            keep_even,
            keep_size,
            hash,
            digest,
            mutation,
            signature,
        } => {
            if !keep_size {
                let k = 256 + usize::from(size) % 257;
                if n.is_empty() {
                    n.push(0xff);
                }
                n = n.iter().copied().cycle().take(k).collect();
                n[0] |= 0x80;
            }
            if !keep_even {
                if let Some(last) = n.last_mut() {
                    *last |= 1;
                }
            }
            let ours = RsaPublicKey::new(&n, e);
            let reference = reference_key(&n, e);
            assert_eq!(
                ours.is_ok(),
                reference.is_ok(),
                "key acceptance: ours {ours:?}, rsa {reference:?}"
            );
            for arith in Arith::ALL {
                let other = cross_check::verify_pkcs1v15(arith, &n, e, hash.ours(), &[], &[]);
                assert_eq!(other.is_ok(), ours.is_ok(), "{arith:?}");
                if let (Err(a), Err(b)) = (&other, &ours) {
                    assert_eq!(a, b);
                }
            }
            let (Ok(key), Ok(public)) = (ours, reference) else {
                return;
            };
            let stripped: Vec<u8> = n.iter().copied().skip_while(|&b| b == 0).collect();
            let sig = mutate(&signature, &stripped, &mutation);
            agree(&stripped, e, &key, &public, hash, &digest, &sig);
        }
    }
});
