//! Loading never panics, whatever the input: random bytes, random text made
//! of the characters keys are made of, and valid keys with one edit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod key_support;

use clerk_edge::JwtKey;
use clerk_edge::key::{jwks_keys, parse_jwks};
use key_support::*;
use proptest::prelude::*;

/// Every loader on the same input; only panics matter here.
fn load_all(text: &str) {
    let _ = JwtKey::parse(text).map_err(|e| e.to_string());
    let _ = JwtKey::from_jwk(text);
    let _ = JwtKey::from_der(text.as_bytes());
    let mut keys: heapless::Vec<JwtKey, 2> = heapless::Vec::new();
    let _ = parse_jwks(text, &mut keys);
    if let Ok(iter) = jwks_keys(text) {
        iter.for_each(drop);
    }
}

/// Pieces that steer random text into the interesting paths.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-----BEGIN PUBLIC KEY-----".to_owned()),
        Just("-----END PUBLIC KEY-----".to_owned()),
        Just("-----BEGIN RSA PUBLIC KEY-----".to_owned()),
        Just("-----begin ".to_owned()),
        Just("-----".to_owned()),
        Just("\\n".to_owned()),
        Just("\\".to_owned()),
        Just("\r\n".to_owned()),
        Just("=".to_owned()),
        Just("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".to_owned()),
        Just("MIIBCgKCAQEA".to_owned()),
        Just("IDAQAB".to_owned()),
        Just("{\"kty\":\"RSA\",\"n\":\"".to_owned()),
        Just("\",\"e\":\"AQAB\"}".to_owned()),
        Just("{\"keys\":[".to_owned()),
        "[A-Za-z0-9+/_=-]{0,80}",
        "\\PC{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = JwtKey::from_der(&bytes);
        load_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_key_like_text(parts in proptest::collection::vec(fragment(), 0..12)) {
        load_all(&parts.concat());
    }

    #[test]
    fn one_edit_of_a_valid_key(
        name in prop_oneof![
            Just("main.public.pem"),
            Just("main.pkcs1.pem"),
            Just("big.public.pem"),
            Just("rsa3072.cert.pem"),
            Just("ec-p256.public.pem"),
        ],
        at in any::<prop::sample::Index>(),
        with in any::<char>(),
        delete in any::<bool>(),
    ) {
        let mut text = fixture(name);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let (i, c) = chars[at.index(chars.len())];
        let mut buf = [0; 4];
        let replacement = if delete { "" } else { with.encode_utf8(&mut buf) };
        text.replace_range(i..i + c.len_utf8(), replacement);
        load_all(&text);
    }

    #[test]
    fn one_edit_of_valid_der(at in any::<prop::sample::Index>(), with in any::<u8>()) {
        for name in ["main.public.pem", "big.pkcs1.pem"] {
            let mut der = der(&fixture(name));
            let i = at.index(der.len());
            der[i] = with;
            let _ = JwtKey::from_der(&der);
            der.truncate(i);
            let _ = JwtKey::from_der(&der);
        }
    }

    #[test]
    fn random_jwk_members(n in "[A-Za-z0-9_-]{0,700}", e in "[A-Za-z0-9_-]{0,12}", kid in "\\PC{0,80}") {
        let kid = serde_json::to_string(&kid).unwrap();
        load_all(&format!(r#"{{"kty":"RSA","n":"{n}","e":"{e}","kid":{kid}}}"#));
    }
}
