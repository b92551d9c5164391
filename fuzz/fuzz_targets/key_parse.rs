//! Key loading from arbitrary text and bytes: `JwtKey::parse` (PEM, bare
//! base64, JWK), `JwtKey::from_jwk`, `JwtKey::from_der`, `parse_jwks` and
//! `jwks_keys`. Nothing may panic, and:
//! - DER: `from_der` against the `rsa` crate's SPKI and PKCS#1 decoders
//!   (ours accepts ⇒ `rsa` accepts the same n and e; `rsa` accepts a key
//!   of 2048..=4096 bits with an odd 32-bit exponent ≥ 3 ⇒ ours accepts);
//! - JWK: against `serde_json` (ours accepts ⇒ the object says
//!   `kty: "RSA"` and its `n`/`e` decode to the loaded key; a plain RSA JWK
//!   with valid members and a usable key ⇒ ours accepts);
//! - every loaded key survives a round trip through the `rsa` crate's SPKI
//!   PEM and through a JWK with the same thumbprint, and that thumbprint is
//!   RFC 7638's, computed here independently.
#![no_main]

use base64ct::Encoding as _;
use clerk_edge::JwtKey;
use clerk_edge::key::{jwks_keys, parse_jwks};
use clerk_edge::rsa::{MAX_MODULUS_BYTES, RsaPublicKey};
use clerk_edge_fuzz::tree::{self, Tree};
use libfuzzer_sys::fuzz_target;
use rsa::BoxedUint;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use sha2::Digest;

fn parts(key: &JwtKey) -> (Vec<u8>, u32) {
    let mut buf = [0u8; MAX_MODULUS_BYTES];
    (
        key.rsa().modulus_be(&mut buf).to_vec(),
        key.rsa().exponent(),
    )
}

fn strip(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}

/// Usable by clerk-edge: 2048..=4096 bits, odd, exponent odd, ≥ 3, 32 bits.
fn usable(n: &[u8], e: &[u8]) -> bool {
    let n = strip(n);
    let e = strip(e);
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    let e_val = e.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
    (2048..=4096).contains(&bits)
        && n.last().is_some_and(|b| b & 1 == 1)
        && e.len() <= 4
        && e_val >= 3
        && e_val & 1 == 1
}

fn rfc7638(n: &[u8], e: u32) -> [u8; 32] {
    let e = e.to_be_bytes();
    let json = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        base64ct::Base64UrlUnpadded::encode_string(strip(&e)),
        base64ct::Base64UrlUnpadded::encode_string(strip(n)),
    );
    sha2::Sha256::digest(json.as_bytes()).into()
}

/// A loaded key: consistent with itself and with the `rsa` crate.
fn check_key(key: &JwtKey) {
    let _ = format!("{key:?}");
    let (n, e) = parts(key);
    assert!((2048..=4096).contains(&key.modulus_bits()));
    assert!(e >= 3 && e & 1 == 1);
    assert_eq!(key.thumbprint(), rfc7638(&n, e), "thumbprint");
    assert_eq!(Ok(key.rsa().clone()), RsaPublicKey::new(&n, e));

    let public = rsa::PublicKey::new(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from(u64::from(e)),
    )
    .expect("the rsa crate refuses a key we loaded");
    let pem = public.to_public_key_pem(LineEnding::LF).expect("pem");
    let again = JwtKey::parse(&pem).expect("our key, written by the rsa crate, loads");
    assert_eq!(again.thumbprint(), key.thumbprint());
    let jwk = format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        base64ct::Base64UrlUnpadded::encode_string(&n),
        base64ct::Base64UrlUnpadded::encode_string(strip(&e.to_be_bytes())),
    );
    let from_jwk = JwtKey::from_jwk(&jwk).expect("our key as a JWK loads");
    assert_eq!(from_jwk.thumbprint(), key.thumbprint());
}

fn check_der(data: &[u8]) {
    let ours = JwtKey::from_der(data);
    if let Ok(key) = &ours {
        check_key(key);
    }
    // The reference: an SPKI must name rsaEncryption (the `rsa` crate also
    // reads RSASSA-PSS SPKIs, which a PKCS#1 v1.5 verifier must refuse),
    // anything else is read as PKCS#1.
    let reference = match SubjectPublicKeyInfoRef::try_from(data) {
        Ok(info) if info.algorithm.oid == rsa::pkcs1::ALGORITHM_OID => {
            rsa::PublicKey::from_public_key_der(data).ok()
        }
        Ok(_) => None,
        Err(_) => rsa::PublicKey::from_pkcs1_der(data).ok(),
    };
    match (&ours, &reference) {
        (Ok(key), Some(r)) => {
            let (n, e) = parts(key);
            assert_eq!(
                r.n().to_be_bytes_trimmed_vartime().as_ref(),
                n.as_slice(),
                "n"
            );
            assert_eq!(
                strip(&r.e().to_be_bytes_trimmed_vartime()),
                strip(&e.to_be_bytes()),
                "e"
            );
        }
        (Ok(_), None) => panic!("from_der accepts DER the rsa crate refuses"),
        (Err(err), Some(r)) => {
            let n = r.n().to_be_bytes_trimmed_vartime();
            let e = r.e().to_be_bytes_trimmed_vartime();
            assert!(
                !usable(&n, &e),
                "from_der refuses ({err:?}) a usable key the rsa crate reads"
            );
        }
        (Err(_), None) => {}
    }
}

fn b64_member(t: &Tree, name: &str) -> Option<Vec<u8>> {
    match t.get(name) {
        Some(Tree::Str(s)) => base64ct::Base64UrlUnpadded::decode_vec(s).ok(),
        _ => None,
    }
}

fn check_jwk(text: &str) {
    let ours = JwtKey::from_jwk(text);
    if let Ok(key) = &ours {
        check_key(key);
    }
    let Ok(t) = tree::expected(text) else {
        assert!(ours.is_err(), "from_jwk accepts JSON that must be refused");
        return;
    };
    let s = |name: &str| match t.get(name) {
        Some(Tree::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    match &ours {
        Ok(key) => {
            let (n, e) = parts(key);
            assert_eq!(s("kty"), Some("RSA"));
            assert!(t.get("d").is_none() && t.get("keys").is_none());
            assert_eq!(
                b64_member(&t, "n").as_deref().map(strip),
                Some(n.as_slice())
            );
            assert_eq!(
                b64_member(&t, "e").as_deref().map(strip),
                Some(strip(&e.to_be_bytes()))
            );
            assert_eq!(key.kid(), s("kid").filter(|k| !k.is_empty()));
        }
        Err(err) => {
            // A plain, valid RSA JWK with a usable key must load.
            let Tree::Obj(members) = &t else { return };
            let plain = members.iter().all(|(k, v)| match k.as_str() {
                "kty" | "n" | "e" => matches!(v, Tree::Str(_)),
                "kid" => matches!(v, Tree::Str(s) if s.len() <= clerk_edge::key::MAX_KID_LEN),
                "use" => v == &Tree::Str("sig".into()),
                "alg" => {
                    matches!(v, Tree::Str(a) if ["RS256", "RS384", "RS512"].contains(&a.as_str()))
                }
                "d" | "keys" => false,
                _ => true,
            });
            // Escapes are refused inside n and e (they are never needed).
            let raw_ok = |name: &str| s(name).is_some_and(|v| text.contains(&format!("\"{v}\"")));
            if let (true, Some("RSA"), Some(n), Some(e), true, true) = (
                plain,
                s("kty"),
                b64_member(&t, "n"),
                b64_member(&t, "e"),
                raw_ok("n"),
                raw_ok("e"),
            ) {
                // Documented bounds: n at most the largest modulus plus one
                // leading zero byte, e at most 8 bytes with its zeros.
                if n.len() <= MAX_MODULUS_BYTES + 1 && e.len() <= 8 {
                    assert!(
                        !usable(&n, &e),
                        "from_jwk refuses ({err:?}) a usable plain JWK"
                    );
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match JwtKey::parse(&text) {
        Ok(key) => check_key(&key),
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
    check_jwk(&text);
    check_der(data);
    let mut keys: heapless::Vec<JwtKey, 4> = heapless::Vec::new();
    if parse_jwks(&text, &mut keys).is_ok() {
        keys.iter().for_each(check_key);
    }
    if let Ok(all) = jwks_keys(&text) {
        for key in all.take(64) {
            match key {
                Ok(key) => check_key(&key),
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
});
