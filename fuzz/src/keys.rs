//! Keys: the fuzz-only key pair (generated with `openssl genpkey` for
//! these targets, never used anywhere else) and the public test keys that
//! signed the conformance cases, so seeds taken from them verify.

use clerk_edge::JwtKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{PrivateKey, PublicKey};
use std::sync::LazyLock;

/// The fuzz-only private key (PKCS#8 PEM).
pub const FUZZ_PRIVATE_PEM: &str = include_str!("../keys/fuzz.private.pem");
/// Its public half (SPKI PEM).
pub const FUZZ_PUBLIC_PEM: &str = include_str!("../keys/fuzz.public.pem");
/// The conformance cases' main key.
pub const MAIN_PUBLIC_PEM: &str = include_str!("../../core/tests/data/keys/main.public.pem");
/// The conformance cases' second 2048-bit key.
pub const OTHER_PUBLIC_PEM: &str = include_str!("../../core/tests/data/keys/other.public.pem");
/// The conformance cases' 4096-bit key.
pub const BIG_PUBLIC_PEM: &str = include_str!("../../core/tests/data/keys/big.public.pem");

/// The fuzz-only private key.
pub static FUZZ_PRIVATE: LazyLock<PrivateKey> =
    LazyLock::new(|| PrivateKey::from_pkcs8_pem(FUZZ_PRIVATE_PEM).expect("fuzz key"));

/// A public key as both sides see it: ours and the `rsa` crate's.
pub struct Pair {
    /// Loaded by clerk-edge.
    pub ours: JwtKey,
    /// Loaded by the `rsa` crate.
    pub reference: PublicKey,
    /// The `kid` given to both.
    pub kid: Option<&'static str>,
}

impl Pair {
    /// Loads `pem` with an optional `kid`.
    pub fn load(pem: &str, kid: Option<&'static str>) -> Pair {
        let ours = JwtKey::parse(pem).expect("test key");
        let ours = match kid {
            Some(kid) => ours.with_kid(kid).expect("kid"),
            None => ours,
        };
        let reference = PublicKey::from_public_key_pem(pem).expect("test key (rsa)");
        Pair {
            ours,
            reference,
            kid,
        }
    }
}

/// Signs `message` with the fuzz key (RSASSA-PKCS1-v1_5 with `alg`'s hash),
/// with the `rsa` crate. Under the fuzzer's instrumentation this costs
/// tens of milliseconds, so targets sign once per input and verify the
/// token many ways.
pub fn sign(alg: clerk_edge::Algorithm, message: &[u8]) -> Vec<u8> {
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding, Signer};
    static S256: LazyLock<SigningKey<sha2::Sha256>> =
        LazyLock::new(|| SigningKey::new(FUZZ_PRIVATE.clone()));
    static S384: LazyLock<SigningKey<sha2::Sha384>> =
        LazyLock::new(|| SigningKey::new(FUZZ_PRIVATE.clone()));
    static S512: LazyLock<SigningKey<sha2::Sha512>> =
        LazyLock::new(|| SigningKey::new(FUZZ_PRIVATE.clone()));
    // Mutations often leave the signed bytes as they were (the clock, the
    // configuration, the signature mode changed): remember recent ones.
    type Memo = std::collections::HashMap<(clerk_edge::Algorithm, Vec<u8>), Vec<u8>>;
    static MEMO: LazyLock<std::sync::Mutex<Memo>> = LazyLock::new(Default::default);
    let key = (alg, message.to_vec());
    if let Some(sig) = MEMO.lock().expect("memo").get(&key) {
        return sig.clone();
    }
    let sig = match alg {
        clerk_edge::Algorithm::RS256 => S256.sign(message).to_vec(),
        clerk_edge::Algorithm::RS384 => S384.sign(message).to_vec(),
        clerk_edge::Algorithm::RS512 => S512.sign(message).to_vec(),
    };
    let mut memo = MEMO.lock().expect("memo");
    if memo.len() >= 4096 {
        memo.clear();
    }
    memo.insert(key, sig.clone());
    sig
}

/// Unpadded base64url, as tokens are written.
pub fn b64(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64UrlUnpadded::encode_string(bytes)
}
