//! Helpers shared by the `key_*` tests: fixtures, and a reference for what a
//! key must decode to that does not go through `clerk_edge::key`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// A file under `tests/data/keys/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The base64 body of a PEM file, on one line.
pub fn body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The DER inside a PEM file.
pub fn der(pem: &str) -> Vec<u8> {
    let body = body(pem);
    let mut out = vec![0u8; body.len()];
    let len = Base64::decode(&body, &mut out)
        .expect("fixture is base64")
        .len();
    out.truncate(len);
    out
}

/// Base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 4 / 3 + 4];
    Base64UrlUnpadded::encode(bytes, &mut out)
        .expect("buffer is large enough")
        .to_owned()
}

/// Modulus and exponent of an SPKI PEM, decoded by the `rsa` crate.
pub fn reference_parts(spki_pem: &str) -> (Vec<u8>, Vec<u8>) {
    let key = rsa::PublicKey::from_public_key_der(&der(spki_pem)).expect("rsa crate loads it");
    (
        key.n().to_be_bytes_trimmed_vartime().into_vec(),
        key.e().to_be_bytes_trimmed_vartime().into_vec(),
    )
}

/// RFC 7638 thumbprint computed from the `rsa` crate's view of the key.
pub fn reference_thumbprint(spki_pem: &str) -> [u8; 32] {
    let (n, e) = reference_parts(spki_pem);
    let json = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        b64url(&e),
        b64url(&n)
    );
    Sha256::digest(json.as_bytes()).into()
}

/// A JWK for an SPKI PEM, with extra members appended verbatim.
pub fn jwk(spki_pem: &str, extra: &str) -> String {
    let (n, e) = reference_parts(spki_pem);
    format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"{extra}}}"#,
        b64url(&n),
        b64url(&e)
    )
}

/// PKCS#1 RSAPublicKey DER for a modulus and exponent given as big-endian
/// bytes (no sign byte needed).
pub fn pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            v.push(0);
        }
        v.extend_from_slice(bytes);
        tlv(0x02, &v)
    }
    let mut content = int(n);
    content.extend(int(e));
    tlv(0x30, &content)
}

/// A DER TLV with a definite length.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        len @ 0..=0x7f => out.push(len as u8),
        len @ 0x80..=0xff => out.extend([0x81, len as u8]),
        len => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// PEM armour around DER, 64 columns, LF.
pub fn pem(label: &str, der: &[u8]) -> String {
    let mut b64 = vec![0u8; der.len() * 4 / 3 + 4];
    let b64 = Base64::encode(der, &mut b64).unwrap();
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
