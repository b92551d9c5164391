//! Wycheproof's RSASSA-PKCS1-v1_5 vectors against the fast path, and the
//! same vectors through every other limb width and kernel.
//!
//! Wycheproof signs messages; the verifier takes a digest, so each message
//! is hashed here with `sha2`.
//!
//! "acceptable" vectors: in these sets they are all `MissingNull` (a
//! `DigestInfo` whose `AlgorithmIdentifier` omits the NULL parameters). RFC
//! 8017 signers always include the NULL, JWT libraries do, and the `rsa`
//! crate rejects the short form too, so clerk-edge rejects it: an
//! acceptable vector must verify `false`. The test checks that every
//! acceptable vector carries that flag, so a new kind of acceptable vector
//! makes it fail instead of being silently judged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use clerk_edge::rsa::cross_check::{self, Arith};
use clerk_edge::rsa::{HashAlg, MAX_MODULUS_BITS, RsaKeyError, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use wycheproof::rsa_pkcs1_verify::{TestFlag, TestName, TestSet};
use wycheproof::{HashFunction, TestResult};

fn digest(hash: HashAlg, msg: &[u8]) -> Vec<u8> {
    match hash {
        HashAlg::Sha256 => Sha256::digest(msg).to_vec(),
        HashAlg::Sha384 => Sha384::digest(msg).to_vec(),
        HashAlg::Sha512 => Sha512::digest(msg).to_vec(),
    }
}

fn hash_of(f: HashFunction) -> HashAlg {
    match f {
        HashFunction::Sha2_256 => HashAlg::Sha256,
        HashFunction::Sha2_384 => HashAlg::Sha384,
        HashFunction::Sha2_512 => HashAlg::Sha512,
        other => panic!("unexpected hash {other:?}"),
    }
}

fn exponent(e: &[u8]) -> u32 {
    assert!(e.len() <= 4, "exponent wider than 32 bits");
    e.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

/// Runs one set; `cross` also runs every vector through every other
/// arithmetic (slow in debug builds, so only some sets do).
fn run(name: TestName, bits: usize, cross: bool) -> Counts {
    let set = TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        assert_eq!(group.key_size, bits);
        let hash = hash_of(group.hash);
        let e = exponent(&group.key.e);
        let key = RsaPublicKey::new(&group.key.n, e)
            .unwrap_or_else(|err| panic!("{name:?}: key rejected: {err:?}"));
        assert_eq!(key.bits(), bits);
        assert_eq!(key.size(), bits / 8);
        assert_eq!(key.exponent(), e);
        let mut buf = [0u8; MAX_MODULUS_BITS / 8];
        let n = group.key.n.as_slice();
        let n = &n[n.iter().position(|&b| b != 0).unwrap()..];
        assert_eq!(key.modulus_be(&mut buf), n);
        for test in &group.tests {
            let expected = match test.result {
                TestResult::Valid => {
                    counts.valid += 1;
                    true
                }
                TestResult::Invalid => {
                    counts.invalid += 1;
                    false
                }
                TestResult::Acceptable => {
                    assert_eq!(
                        test.flags,
                        vec![TestFlag::MissingNull],
                        "{name:?} #{}: new kind of acceptable vector",
                        test.tc_id
                    );
                    counts.acceptable += 1;
                    false
                }
            };
            let d = digest(hash, &test.msg);
            let got = key.verify_pkcs1v15(hash, &d, &test.sig);
            assert_eq!(
                got, expected,
                "{name:?} #{} ({}, {:?})",
                test.tc_id, test.comment, test.flags
            );
            if cross {
                for arith in Arith::ALL {
                    let got = cross_check::verify_pkcs1v15(arith, n, e, hash, &d, &test.sig);
                    assert_eq!(
                        got,
                        Ok(expected),
                        "{name:?} #{} through {arith:?}",
                        test.tc_id
                    );
                }
            }
        }
    }
    assert_eq!(
        counts.valid + counts.invalid + counts.acceptable,
        set.number_of_tests
    );
    assert!(counts.valid >= 7, "{name:?}: {counts:?}");
    assert!(counts.invalid >= 240, "{name:?}: {counts:?}");
    counts
}

#[test]
fn rsa2048_sha256() {
    run(TestName::Rsa2048Sha256, 2048, true);
}

#[test]
fn rsa2048_sha384() {
    run(TestName::Rsa2048Sha384, 2048, false);
}

#[test]
fn rsa2048_sha512() {
    run(TestName::Rsa2048Sha512, 2048, false);
}

#[test]
fn rsa3072_sha256() {
    run(TestName::Rsa3072Sha256, 3072, true);
}

#[test]
fn rsa3072_sha384() {
    run(TestName::Rsa3072Sha384, 3072, false);
}

#[test]
fn rsa3072_sha512() {
    run(TestName::Rsa3072Sha512, 3072, false);
}

#[test]
fn rsa4096_sha256() {
    run(TestName::Rsa4096Sha256, 4096, false);
}

#[test]
fn rsa4096_sha384() {
    run(TestName::Rsa4096Sha384, 4096, false);
}

#[test]
fn rsa4096_sha512() {
    run(TestName::Rsa4096Sha512, 4096, true);
}

/// The 8192-bit sets are well-formed keys that are too large.
#[test]
fn rsa8192_keys_are_rejected() {
    for name in [
        TestName::Rsa8192Sha256,
        TestName::Rsa8192Sha384,
        TestName::Rsa8192Sha512,
    ] {
        let set = TestSet::load(name).unwrap();
        assert!(!set.test_groups.is_empty());
        for group in &set.test_groups {
            let e = exponent(&group.key.e);
            assert_eq!(
                RsaPublicKey::new(&group.key.n, e),
                Err(RsaKeyError::ModulusTooLarge { bits: 8192 })
            );
            for arith in Arith::ALL {
                assert_eq!(
                    cross_check::verify_pkcs1v15(
                        arith,
                        &group.key.n,
                        e,
                        HashAlg::Sha256,
                        &[0; 32],
                        &[]
                    ),
                    Err(RsaKeyError::ModulusTooLarge { bits: 8192 })
                );
            }
        }
    }
}

/// A valid 2048-bit vector stays valid only with the right hash and the
/// right digest: the hash algorithm is part of the encoded block.
#[test]
fn hash_and_digest_are_bound() {
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let group = &set.test_groups[0];
    let e = exponent(&group.key.e);
    let key = RsaPublicKey::new(&group.key.n, e).unwrap();
    let test = group
        .tests
        .iter()
        .find(|t| t.result == TestResult::Valid)
        .unwrap();
    let d = digest(HashAlg::Sha256, &test.msg);
    assert!(key.verify_pkcs1v15(HashAlg::Sha256, &d, &test.sig));
    // Wrong digest length for the algorithm.
    assert!(!key.verify_pkcs1v15(HashAlg::Sha256, &d[..31], &test.sig));
    assert!(!key.verify_pkcs1v15(HashAlg::Sha384, &d, &test.sig));
    // Right length, other algorithm.
    let d384 = digest(HashAlg::Sha384, &test.msg);
    assert!(!key.verify_pkcs1v15(HashAlg::Sha384, &d384, &test.sig));
    let mut other = d.clone();
    other[31] ^= 1;
    assert!(!key.verify_pkcs1v15(HashAlg::Sha256, &other, &test.sig));
}
