//! Every form of jwtKey that must load, and the oracle's `vt/key-*` cases:
//! each loads or fails exactly as the design's "Semantics" table says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod key_support;

use clerk_edge::key::{KeyKind, MAX_DER_LEN, parse_jwks};
use clerk_edge::{JwtKey, KeyError};
use key_support::*;

/// What a jwtKey must give.
#[derive(Debug)]
enum Expect {
    /// Loads, and is the key in this fixture (compared via the `rsa` crate).
    Loads(&'static str),
    /// Fails with this error.
    Fails(KeyError),
    /// Not a string: no key is loaded at all (Clerk: `jwk-failed-to-resolve`).
    NoKey,
}

/// Our verdict for every `vt/key-*` case of the oracle; a new case there
/// fails the test until it is added here.
fn expectation(id: &str) -> Expect {
    use Expect::*;
    match id {
        // Accepted by Clerk, and by us.
        "vt/key-pem-lf"
        | "vt/key-pem-crlf"
        | "vt/key-pem-cr-only"
        | "vt/key-pem-no-trailing-newline"
        | "vt/key-pem-spaces-for-newlines"
        | "vt/key-pem-leading-trailing-ws"
        | "vt/key-pem-indented"
        | "vt/key-bare-one-line"
        | "vt/key-bare-64-col"
        | "vt/key-bare-urlsafe-alphabet"
        | "vt/key-bare-no-padding" => Loads("main.public.pem"),
        // Clerk fails every token with these; they are valid keys, so they load.
        "vt/key-pem-escaped-newlines"
        | "vt/key-pem-pkcs1-rsa-public-key"
        | "vt/key-jwk-json-text"
        | "vt/key-lowercase-armor" => Loads("main.public.pem"),
        "vt/key-4096-matching-token" => Loads("big.public.pem"),
        // A valid key of another instance: loads (its tokens fail later).
        "vt/key-other-instance" => Loads("other.public.pem"),
        // Not keys: errors at load time.
        "vt/key-private-key-pem" => Fails(KeyError::PrivateKey),
        "vt/key-empty-string" => Fails(KeyError::Empty),
        "vt/key-garbage" => Fails(KeyError::NotDer),
        "vt/key-equals-inside-body" => Fails(KeyError::BadPadding {
            line: 1,
            column: 101,
        }),
        "vt/key-null" => NoKey,
        other => panic!("no expectation for {other}: decide and add it"),
    }
}

/// Checks an RS256 token's signature with the loaded key.
fn signature_verifies(key: &JwtKey, token: &str) -> bool {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use sha2::{Digest, Sha256};
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut buf = [0u8; 512];
    let signature = Base64UrlUnpadded::decode(signature, &mut buf).unwrap();
    let digest = Sha256::digest(signed.as_bytes());
    key.rsa()
        .verify_pkcs1v15(clerk_edge::rsa::HashAlg::Sha256, &digest, signature)
}

#[test]
fn oracle_key_cases_load_or_fail_as_designed() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases.jsonl");
    let cases = std::fs::read_to_string(path).unwrap();
    let mut seen = 0;
    for line in cases.lines() {
        // The file holds deeply nested cases; only look at the key ones.
        if !line.contains("\"vt/key-") {
            continue;
        }
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap();
        if !id.starts_with("vt/key-") {
            continue;
        }
        seen += 1;
        let expected = expectation(id);
        let Some(text) = case["jwtKey"].as_str() else {
            assert!(
                matches!(expected, Expect::NoKey),
                "{id}: jwtKey is not a string"
            );
            println!("{id:40} no key (null)");
            continue;
        };
        let result = JwtKey::parse(text);
        match (&expected, &result) {
            (Expect::Loads(fixture_name), Ok(key)) => {
                assert_eq!(
                    key.thumbprint(),
                    reference_thumbprint(&fixture(fixture_name)),
                    "{id}: loads a different key than {fixture_name}"
                );
                // The case's token was signed with `big` or `main`, so it
                // verifies with every key but another instance's.
                let verifies = signature_verifies(key, case["token"].as_str().unwrap());
                assert_eq!(verifies, *fixture_name != "other.public.pem", "{id}");
                println!(
                    "{id:40} loads  {} bits, same key as {fixture_name}, token signature {}",
                    key.modulus_bits(),
                    if verifies {
                        "verifies"
                    } else {
                        "does not verify"
                    }
                );
            }
            (Expect::Fails(error), Err(got)) => {
                assert_eq!(got, error, "{id}");
                println!("{id:40} fails  {got}");
            }
            _ => panic!("{id}: expected {expected:?}, got {result:?}"),
        }
    }
    assert_eq!(seen, 22, "number of vt/key-* cases");
}

#[test]
fn oracle_keys_load_with_their_sizes() {
    for (name, bits) in [
        ("main.public.pem", 2048),
        ("other.public.pem", 2048),
        ("big.public.pem", 4096),
    ] {
        let pem = fixture(name);
        let key = JwtKey::parse(&pem).unwrap();
        assert_eq!(key.modulus_bits(), bits, "{name}");
        assert_eq!(key.rsa().exponent(), 65537, "{name}");
        assert_eq!(key.kid(), None);
        assert_eq!(key.thumbprint(), reference_thumbprint(&pem), "{name}");
    }
    let main = JwtKey::parse(&fixture("main.public.pem")).unwrap();
    let other = JwtKey::parse(&fixture("other.public.pem")).unwrap();
    assert_ne!(main, other);
    assert_ne!(main.thumbprint(), other.thumbprint());
}

#[test]
fn generated_fixtures_load() {
    for (name, same_as, bits, exponent) in [
        ("rsa3072.public.pem", "rsa3072.public.pem", 3072, 65537),
        ("rsa2048-e3.public.pem", "rsa2048-e3.public.pem", 2048, 3),
        ("main.pkcs1.pem", "main.public.pem", 2048, 65537),
        ("big.pkcs1.pem", "big.public.pem", 4096, 65537),
    ] {
        let key = JwtKey::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.modulus_bits(), bits, "{name}");
        assert_eq!(key.rsa().exponent(), exponent, "{name}");
        assert_eq!(
            key.thumbprint(),
            reference_thumbprint(&fixture(same_as)),
            "{name}"
        );
    }
}

#[test]
fn generated_fixtures_that_are_not_usable_keys_fail() {
    let cases = [
        ("rsa1024.public.pem", KeyError::TooSmall { bits: 1024 }),
        ("rsa8192.public.pem", KeyError::TooLarge { bits: 8192 }),
        (
            "ec-p256.public.pem",
            KeyError::NotRsa {
                kind: KeyKind::EcP256,
            },
        ),
        (
            "ed25519.public.pem",
            KeyError::NotRsa {
                kind: KeyKind::Ed25519,
            },
        ),
        (
            "rsa-pss.public.pem",
            KeyError::NotRsa {
                kind: KeyKind::RsaPss,
            },
        ),
        ("rsa3072.cert.pem", KeyError::Certificate),
        ("main.private.pem", KeyError::PrivateKey),
        ("main.private-pkcs1.pem", KeyError::PrivateKey),
        ("main.private-encrypted.pem", KeyError::PrivateKey),
        ("big.private.pem", KeyError::PrivateKey),
    ];
    for (name, expected) in cases {
        let pem = fixture(name);
        assert_eq!(JwtKey::parse(&pem).unwrap_err(), expected, "{name}");
        // Without armour the DER itself must give the same verdict.
        assert_eq!(
            JwtKey::parse(&body(&pem)).unwrap_err(),
            expected,
            "{name} (bare)"
        );
        if der(&pem).len() <= MAX_DER_LEN {
            assert_eq!(
                JwtKey::from_der(&der(&pem)).unwrap_err(),
                expected,
                "{name} (DER)"
            );
        }
    }
}

/// Forms beyond the oracle's, all of `main.public.pem`.
#[test]
fn every_text_form_of_one_key_loads_the_same_key() {
    let pem = fixture("main.public.pem");
    let pkcs1 = fixture("main.pkcs1.pem");
    let one_line = body(&pem);
    let escaped = pem.replace('\n', "\\n");
    let forms: Vec<(&str, String)> = vec![
        ("lf", pem.clone()),
        ("crlf", pem.replace('\n', "\r\n")),
        ("cr", pem.replace('\n', "\r")),
        ("tabs", pem.replace('\n', "\n\t")),
        ("no final newline", pem.trim_end().to_owned()),
        ("escaped \\n", escaped.clone()),
        ("escaped \\r\\n", pem.replace('\n', "\\r\\n")),
        ("double-escaped \\\\n", pem.replace('\n', "\\\\n")),
        ("escaped in double quotes", format!("\"{escaped}\"")),
        ("in single quotes", format!("'{pem}'")),
        ("quotes and spaces", format!("  \"{}\"  \n", pem.trim_end())),
        ("byte-order mark", format!("\u{feff}{pem}")),
        ("no-break spaces", pem.replace('\n', "\u{a0}")),
        ("blank lines", pem.replace('\n', "\n\n")),
        (
            "lower-case armour",
            pem.replace("BEGIN PUBLIC KEY", "begin public key")
                .replace("END PUBLIC KEY", "end Public Key"),
        ),
        (
            "mixed alphabets",
            one_line.replacen('/', "_", 1).replacen('+', "-", 1),
        ),
        (
            "url-safe, one line",
            one_line.replace('/', "_").replace('+', "-"),
        ),
        ("bare with trailing newline", format!("{one_line}\n")),
        ("pkcs1 pem", pkcs1.clone()),
        ("pkcs1 pem, escaped", pkcs1.replace('\n', "\\n")),
        ("pkcs1 bare body", body(&pkcs1)),
        (
            "pkcs1 DER labelled PUBLIC KEY",
            pkcs1.replace("RSA PUBLIC KEY", "PUBLIC KEY"),
        ),
        (
            "spki DER labelled RSA PUBLIC KEY",
            pem.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
        ),
        ("jwk", jwk(&pem, "")),
        (
            "jwk with members",
            jwk(&pem, r#","alg":"RS256","use":"sig","x":[1,{"y":null}]"#),
        ),
        ("jwk, pretty", jwk(&pem, "").replace(',', ",\n  ")),
        ("jwk in quotes", format!("'{}'", jwk(&pem, ""))),
    ];
    let expected = reference_thumbprint(&pem);
    for (name, text) in &forms {
        let key = JwtKey::parse(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(key.thumbprint(), expected, "{name}");
        assert_eq!(key.modulus_bits(), 2048, "{name}");
    }
    // Padding is optional (the 4096-bit key's body ends with `==`).
    let big = body(&fixture("big.public.pem"));
    assert!(big.ends_with("=="));
    let big_key = JwtKey::parse(&big).unwrap();
    assert_eq!(JwtKey::parse(big.trim_end_matches('=')).unwrap(), big_key);

    assert_eq!(JwtKey::from_der(&der(&pem)).unwrap().thumbprint(), expected);
    assert_eq!(
        JwtKey::from_der(&der(&pkcs1)).unwrap().thumbprint(),
        expected
    );
    let (n, e) = reference_parts(&pem);
    assert_eq!(e, [1, 0, 1]);
    let mut padded = vec![0, 0];
    padded.extend_from_slice(&n);
    assert_eq!(
        JwtKey::from_modulus(&padded, 65537).unwrap().thumbprint(),
        expected
    );
}

#[test]
fn jwk_kid_is_kept() {
    let pem = fixture("main.public.pem");
    let key = JwtKey::from_jwk(&jwk(&pem, r#","kid":"ins_2vYVtestINSTANCE""#)).unwrap();
    assert_eq!(key.kid(), Some("ins_2vYVtestINSTANCE"));
    // Escapes in the kid are decoded.
    let key = JwtKey::parse(&jwk(&pem, r#","kid":"\u0041b\/c""#)).unwrap();
    assert_eq!(key.kid(), Some("Ab/c"));
    let max = "k".repeat(clerk_edge::key::MAX_KID_LEN);
    let key = JwtKey::from_jwk(&jwk(&pem, &format!(r#","kid":"{max}""#))).unwrap();
    assert_eq!(key.kid(), Some(max.as_str()));
    // Same material, different kid: not the same key.
    let plain = JwtKey::parse(&pem).unwrap();
    assert_ne!(plain, key);
    assert_eq!(plain.thumbprint(), key.thumbprint());
    assert_eq!(plain.clone().with_kid(&max).unwrap(), key);
    assert_eq!(plain.clone().with_kid("").unwrap().kid(), None);
}

/// RFC 7638 §3.1: the published thumbprint of the published example key.
#[test]
fn thumbprint_matches_rfc_7638_example() {
    let jwk = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
    let key = JwtKey::from_jwk(jwk).unwrap();
    assert_eq!(key.kid(), Some("2011-04-29"));
    assert_eq!(
        b64url(&key.thumbprint()),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn jwks_loads_the_rsa_signing_keys() {
    let main = fixture("main.public.pem");
    let big = fixture("big.public.pem");
    let clerk_like = format!(
        r#"{{"keys":[{}]}}"#,
        jwk(&main, r#","use":"sig","kid":"ins_main","alg":"RS256""#)
    );
    let mut keys: heapless::Vec<JwtKey, 4> = heapless::Vec::new();
    assert_eq!(parse_jwks(&clerk_like, &mut keys), Ok(1));
    assert_eq!(keys[0].kid(), Some("ins_main"));
    assert_eq!(keys[0].thumbprint(), reference_thumbprint(&main));

    // Other key types are skipped; keys are appended in order.
    let mixed = format!(
        r#"{{"keys":[
            {{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"ec"}},
            {},
            {{"kty":"oct","k":"AA"}},
            {},
            {}
        ]}}"#,
        jwk(&big, r#","kid":"big""#),
        jwk(&main, r#","kid":"enc","use":"enc""#),
        jwk(&main, r#","kid":"pss","alg":"PS256""#),
    );
    assert_eq!(parse_jwks(&mixed, &mut keys), Ok(1));
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1].kid(), Some("big"));
    assert_eq!(keys[1].modulus_bits(), 4096);

    // Each element's own verdict, in order.
    let verdicts: Vec<_> = clerk_edge::key::jwks_keys(&mixed)
        .unwrap()
        .map(|k| k.map(|k| k.kid().map(str::to_owned)))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            Err(KeyError::NotRsa {
                kind: KeyKind::EcP256
            }),
            Ok(Some("big".to_owned())),
            Err(KeyError::NotRsa {
                kind: KeyKind::Symmetric
            }),
            Err(KeyError::JwkUse {
                found: clerk_edge::key::Snippet::new("enc")
            }),
            Err(KeyError::JwkAlg {
                found: clerk_edge::key::Snippet::new("PS256")
            }),
        ]
    );
}
