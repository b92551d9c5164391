//! Everything that is not a usable public key fails at load time, with a
//! message that says what is wrong and how to fix it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod key_support;

use clerk_edge::json::JsonError;
use clerk_edge::key::{KeyKind, MAX_KID_LEN, Snippet, jwks_keys, parse_jwks};
use clerk_edge::{JwtKey, KeyError};
use key_support::*;

const GET: &str = "Clerk dashboard → API keys → JWT public key";

#[track_caller]
fn fails(text: &str, expected: KeyError, message: &str) {
    let error = match JwtKey::parse(text) {
        Ok(key) => panic!("loaded {key:?} from {text:?}, expected {expected:?}"),
        Err(error) => error,
    };
    assert_eq!(error, expected, "{text:?}");
    assert_eq!(error.to_string(), message, "{text:?}");
}

fn main_pem() -> String {
    fixture("main.public.pem")
}

#[test]
fn empty() {
    let message = format!("the key is empty: set it to the JWT public key ({GET})");
    for text in [
        "",
        "  \n\t ",
        "\"\"",
        "''",
        "\\n",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
    ] {
        fails(text, KeyError::Empty, &message);
    }
}

#[test]
fn private_keys_and_certificates() {
    let private = format!("this is a private key: use the public key ({GET})");
    for label in [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
    ] {
        // Told from the label alone, even when the rest is missing.
        fails(
            &format!("-----BEGIN {label}-----\nMIIE"),
            KeyError::PrivateKey,
            &private,
        );
    }
    let jwk = jwk(&main_pem(), r#","d":"AQAB""#);
    fails(&jwk, KeyError::PrivateKey, &private);
    fails(
        &fixture("rsa3072.cert.pem"),
        KeyError::Certificate,
        "this is a certificate, not a public key: extract its key with \
         `openssl x509 -pubkey -noout -in cert.pem`",
    );
}

#[test]
fn weak_and_oversized_keys() {
    fails(
        &fixture("rsa1024.public.pem"),
        KeyError::TooSmall { bits: 1024 },
        "1024-bit keys are too weak (minimum 2048)",
    );
    fails(
        &fixture("rsa8192.public.pem"),
        KeyError::TooLarge { bits: 8192 },
        "8192-bit keys are too large (maximum 4096)",
    );
    // The same through a JWK.
    let jwk_8192 = jwk(&fixture("rsa8192.public.pem"), "");
    fails(
        &jwk_8192,
        KeyError::TooLarge { bits: 8192 },
        "8192-bit keys are too large (maximum 4096)",
    );
    // 4097 bits: one bit too many, through DER and through JWK.
    let mut n = vec![0xffu8; 513];
    n[0] = 1;
    let der = pkcs1_der(&n, &[1, 0, 1]);
    assert_eq!(
        JwtKey::from_der(&der).unwrap_err(),
        KeyError::TooLarge { bits: 4097 }
    );
    assert_eq!(
        JwtKey::parse(&pem("RSA PUBLIC KEY", &der)).unwrap_err(),
        KeyError::TooLarge { bits: 4097 }
    );
    // 2047 bits.
    let mut n = vec![0xffu8; 256];
    n[0] = 0x7f;
    assert_eq!(
        JwtKey::from_der(&pkcs1_der(&n, &[1, 0, 1])).unwrap_err(),
        KeyError::TooSmall { bits: 2047 }
    );
}

#[test]
fn not_rsa() {
    let tail = format!(
        "key, not RSA: Clerk signs session tokens with RSA; use the JWT public key ({GET})"
    );
    fails(
        &fixture("ec-p256.public.pem"),
        KeyError::NotRsa {
            kind: KeyKind::EcP256,
        },
        &format!("this is an EC P-256 {tail}"),
    );
    fails(
        &fixture("ed25519.public.pem"),
        KeyError::NotRsa {
            kind: KeyKind::Ed25519,
        },
        &format!("this is an Ed25519 {tail}"),
    );
    fails(
        &fixture("rsa-pss.public.pem"),
        KeyError::NotRsa {
            kind: KeyKind::RsaPss,
        },
        &format!("this is an RSA-PSS-only {tail}"),
    );
    fails(
        r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#,
        KeyError::NotRsa {
            kind: KeyKind::EcP384,
        },
        &format!("this is an EC P-384 {tail}"),
    );
    fails(
        r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#,
        KeyError::NotRsa {
            kind: KeyKind::Ed25519,
        },
        &format!("this is an Ed25519 {tail}"),
    );
    fails(
        r#"{"kty":"oct","k":"AA"}"#,
        KeyError::NotRsa {
            kind: KeyKind::Symmetric,
        },
        &format!("this is a symmetric (oct) {tail}"),
    );
}

#[test]
fn base64_errors_name_the_line_of_the_original_text() {
    let pem = main_pem();
    // Line 3 of the PEM, column 5.
    let mut lines: Vec<String> = pem.lines().map(str::to_owned).collect();
    lines[2].replace_range(4..5, "!");
    let broken = lines.join("\n");
    fails(
        &broken,
        KeyError::NotBase64 {
            line: 3,
            column: 5,
            found: '!',
        },
        &format!(
            "not base64 at line 3, column 5 ('!'): the key text is damaged, copy it again ({GET})"
        ),
    );
    // CRLF and CR count as one line break each.
    let crlf = broken.replace('\n', "\r\n");
    assert_eq!(
        JwtKey::parse(&crlf).unwrap_err(),
        KeyError::NotBase64 {
            line: 3,
            column: 5,
            found: '!'
        }
    );
    assert_eq!(
        JwtKey::parse(&broken.replace('\n', "\r")).unwrap_err(),
        KeyError::NotBase64 {
            line: 3,
            column: 5,
            found: '!'
        }
    );
    // Escaped newlines are one line of text: the column finds the character.
    let escaped = broken.replace('\n', "\\n");
    let column = escaped.find('!').unwrap() + 1;
    assert_eq!(
        JwtKey::parse(&escaped).unwrap_err(),
        KeyError::NotBase64 {
            line: 1,
            column,
            found: '!'
        }
    );
    // Columns count characters, not bytes.
    fails(
        "MIIB\n  é",
        KeyError::NotBase64 {
            line: 2,
            column: 3,
            found: 'é',
        },
        &format!(
            "not base64 at line 2, column 3 ('é'): the key text is damaged, copy it again ({GET})"
        ),
    );
    // A backslash that is not an escape.
    assert_eq!(
        JwtKey::parse("MIIB\\xMIIB").unwrap_err(),
        KeyError::NotBase64 {
            line: 1,
            column: 5,
            found: '\\'
        }
    );
    // A JWT pasted by mistake.
    assert!(matches!(
        JwtKey::parse("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln").unwrap_err(),
        KeyError::NotBase64 {
            line: 1,
            column: 21,
            found: '.'
        }
    ));
}

#[test]
fn padding_and_length() {
    let body = body(&main_pem());
    let mut with_equals = body.clone();
    with_equals.insert(10, '=');
    fails(
        &format!("\n{with_equals}"),
        KeyError::BadPadding {
            line: 2,
            column: 11,
        },
        "misplaced '=' at line 2, column 11: '=' may only end the base64 body; \
         the key text is damaged, copy it again",
    );
    // Too much padding.
    let big = body_of("big.public.pem");
    assert_eq!(
        JwtKey::parse(&format!("{big}=")).unwrap_err(),
        KeyError::BadPadding {
            line: 1,
            column: big.len() - 1
        }
    );
    fails(
        "MIIBI",
        KeyError::TruncatedBase64,
        "the base64 body has one character too many or too few: the key text is damaged, \
         copy it again",
    );
    // A character lost: the DER no longer parses.
    let mut short = body.clone();
    short.remove(200);
    assert!(matches!(
        JwtKey::parse(&short),
        Err(KeyError::TruncatedBase64 | KeyError::NotDer)
    ));
}

fn body_of(name: &str) -> String {
    body(&fixture(name))
}

#[test]
fn armour_errors() {
    let pem = main_pem();
    fails(
        &pem.replace("PUBLIC KEY", "FOO BAR"),
        KeyError::UnknownLabel {
            label: Snippet::new("FOO BAR"),
            line: 1,
        },
        "unknown PEM label \"FOO BAR\" at line 1: expected -----BEGIN PUBLIC KEY----- \
         or -----BEGIN RSA PUBLIC KEY-----",
    );
    let long = "A VERY LONG LABEL THAT GOES ON AND ON";
    let error = JwtKey::parse(&pem.replace("PUBLIC KEY", long)).unwrap_err();
    let KeyError::UnknownLabel { label, .. } = error else {
        panic!("{error:?}")
    };
    assert!(label.is_truncated());
    assert_eq!(label.to_string(), "A VERY LONG LABEL THAT G…");

    fails(
        &pem.replacen("KEY-----", "KEY----", 1),
        KeyError::BadArmour { line: 1 },
        "malformed PEM armour at line 1: expected -----BEGIN PUBLIC KEY-----, \
         the base64 body, then -----END PUBLIC KEY-----",
    );
    // The END line without its BEGIN line.
    let headless: String = pem.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        JwtKey::parse(&headless).unwrap_err(),
        KeyError::BadArmour { line: 8 }
    );
    // `-----BEGINPUBLIC KEY-----`: no space after BEGIN.
    assert_eq!(
        JwtKey::parse(&pem.replace("BEGIN ", "BEGIN")).unwrap_err(),
        KeyError::BadArmour { line: 1 }
    );

    let cut: String = pem.lines().take(5).collect::<Vec<_>>().join("\n");
    fails(
        &cut,
        KeyError::MissingEnd { line: 1 },
        "the PEM block starting at line 1 has no END line: the key is cut short, copy all of it",
    );
    // Cut short, then another block.
    let twice = format!("{cut}\n{pem}");
    assert_eq!(
        JwtKey::parse(&twice).unwrap_err(),
        KeyError::MissingEnd { line: 1 }
    );

    fails(
        &pem.replace("END PUBLIC KEY", "END RSA PUBLIC KEY"),
        KeyError::MismatchedEnd { line: 9 },
        "the END line at line 9 does not match the BEGIN line's label",
    );

    fails(
        &format!("Clerk JWT key:\n{pem}"),
        KeyError::TextOutsideArmour { line: 1 },
        "unexpected text at line 1, outside the BEGIN/END lines: keep exactly one key",
    );
    assert_eq!(
        JwtKey::parse(&format!("{pem}\n# comment\n")).unwrap_err(),
        KeyError::TextOutsideArmour { line: 11 }
    );
    assert_eq!(
        JwtKey::parse(&format!("{pem}{}", fixture("other.public.pem"))).unwrap_err(),
        KeyError::TextOutsideArmour { line: 10 }
    );
}

#[test]
fn der_errors() {
    let spki_der = der(&main_pem());
    let mut trailing = spki_der.clone();
    trailing.extend_from_slice(b"abc");
    fails(
        &pem("PUBLIC KEY", &trailing),
        KeyError::TrailingData { bytes: 3 },
        "3 unexpected byte(s) after the end of the key: remove what was appended",
    );
    assert_eq!(
        JwtKey::from_der(&trailing).unwrap_err(),
        KeyError::TrailingData { bytes: 3 }
    );
    // Trailing bytes inside the BIT STRING, after the RSAPublicKey.
    let pkcs1 = der(&fixture("main.pkcs1.pem"));
    let mut inner = pkcs1.clone();
    inner.push(0);
    let mut bit_string = vec![0u8];
    bit_string.extend(inner);
    let mut spki = spki_der[4..19].to_vec(); // the AlgorithmIdentifier
    spki.extend(tlv(0x03, &bit_string));
    let spki = tlv(0x30, &spki);
    assert_eq!(
        JwtKey::from_der(&spki).unwrap_err(),
        KeyError::TrailingData { bytes: 1 }
    );

    fails(
        "not a key",
        KeyError::NotDer,
        &format!(
            "the text does not decode to a public key (SubjectPublicKeyInfo or PKCS#1 \
             RSAPublicKey): use the JWT public key ({GET})"
        ),
    );
    // A damaged length inside otherwise valid DER.
    let mut damaged = spki_der.clone();
    damaged[1] ^= 1;
    assert_eq!(JwtKey::from_der(&damaged).unwrap_err(), KeyError::NotDer);

    fails(
        &pem("PUBLIC KEY", &[0u8; 600]),
        KeyError::TooLong,
        "the key is longer than any RSA public key of at most 4096 bits (more than 552 bytes of DER)",
    );
}

#[test]
fn modulus_and_exponent_errors() {
    let (n, _) = reference_parts(&main_pem());
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    fails(
        &pem("RSA PUBLIC KEY", &pkcs1_der(&even, &[1, 0, 1])),
        KeyError::EvenModulus,
        "the modulus is even: this is not an RSA key",
    );
    for e in [&[1u8][..], &[2], &[0]] {
        fails(
            &pem("RSA PUBLIC KEY", &pkcs1_der(&n, e)),
            KeyError::BadExponent,
            "the public exponent must be odd and at least 3 (Clerk's keys use 65537)",
        );
    }
    fails(
        &pem("RSA PUBLIC KEY", &pkcs1_der(&n, &[1, 0, 0, 0, 1])),
        KeyError::ExponentTooLarge,
        "the public exponent does not fit in 32 bits (Clerk's keys use 65537)",
    );
    // The largest 32-bit odd exponent is fine as far as loading goes.
    let key = JwtKey::from_der(&pkcs1_der(&n, &[0xff, 0xff, 0xff, 0xff])).unwrap();
    assert_eq!(key.rsa().exponent(), u32::MAX);
    let jwk_e = |e: &str| format!(r#"{{"kty":"RSA","n":"{}","e":"{e}"}}"#, b64url(&n));
    assert_eq!(
        JwtKey::parse(&jwk_e("AQAAAAE")).unwrap_err(),
        KeyError::ExponentTooLarge
    );
    assert_eq!(
        JwtKey::parse(&jwk_e("AQAAAAAB")).unwrap_err(),
        KeyError::ExponentTooLarge
    );
    assert_eq!(
        JwtKey::parse(&jwk_e("AAAAAQAB")).unwrap().rsa().exponent(),
        65537
    );
    assert_eq!(
        JwtKey::parse(&jwk_e("Ag")).unwrap_err(),
        KeyError::BadExponent
    );
}

#[test]
fn look_alikes_get_their_own_message() {
    fails(
        "sk_test_abcdefghijklmnopqrstuvwxyz0123456789",
        KeyError::ClerkApiKey { secret: true },
        &format!(
            "this is a Clerk secret (sk_…) key, not the JWT public key: set the JWT public key ({GET})"
        ),
    );
    fails(
        "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k",
        KeyError::ClerkApiKey { secret: false },
        &format!(
            "this is a Clerk publishable (pk_…) key, not the JWT public key: set the JWT public key ({GET})"
        ),
    );
    fails(
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC user@host",
        KeyError::OpenSshKey,
        "this is an OpenSSH public key: convert it with `ssh-keygen -e -m PKCS8 -f key.pub`",
    );
}

#[test]
fn jwk_errors() {
    let pem = main_pem();
    let (n, _) = reference_parts(&pem);
    let n = b64url(&n);

    fails(
        "{\"kty\":\"RSA\",\n \"n\": 5,,}",
        KeyError::JwkSyntax { line: 2, column: 9 },
        "the JWK is not valid JSON: syntax error at line 2, column 9",
    );
    let duplicate = format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","e":"AQAB"}}"#);
    fails(
        &duplicate,
        KeyError::Json {
            error: JsonError::DuplicateKey,
        },
        "the JWK was refused by the JSON reader: a member appears twice",
    );
    assert_eq!(JwtKey::from_jwk("[1]").unwrap_err(), KeyError::JwkNotObject);
    assert_eq!(
        KeyError::JwkNotObject.to_string(),
        "a JWK must be a JSON object"
    );
    fails(
        &format!(r#"{{"keys":[{}]}}"#, jwk(&pem, "")),
        KeyError::Jwks,
        "this is a JWKS ({\"keys\": [...]}), not one key: load it with `parse_jwks`, \
         or keep only the key you need",
    );
    fails(
        r#"{"n":"AQAB","e":"AQAB"}"#,
        KeyError::JwkMissing { member: "kty" },
        "the JWK has no \"kty\" member",
    );
    fails(
        r#"{"kty":"RSA","e":"AQAB"}"#,
        KeyError::JwkMissing { member: "n" },
        "the JWK has no \"n\" member",
    );
    fails(
        &format!(r#"{{"kty":"RSA","n":"{n}"}}"#),
        KeyError::JwkMissing { member: "e" },
        "the JWK has no \"e\" member",
    );
    fails(
        &format!(r#"{{"kty":"RSA","n":"{n}","e":65537}}"#),
        KeyError::JwkNotString { member: "e" },
        "the JWK member \"e\" must be a string",
    );
    assert_eq!(
        JwtKey::parse(&jwk(&pem, r#","kid":7"#)).unwrap_err(),
        KeyError::JwkNotString { member: "kid" }
    );

    // Strict base64url: standard alphabet, padding, whitespace, escapes.
    let at = |s: &str, c: char| s.find(c).unwrap() + 1;
    let std_alphabet = n.replacen('_', "/", 1);
    fails(
        &format!(r#"{{"kty":"RSA","n":"{std_alphabet}","e":"AQAB"}}"#),
        KeyError::JwkBase64 {
            member: "n",
            position: Some(at(&std_alphabet, '/')),
        },
        &format!(
            "the JWK member \"n\" is not unpadded base64url (character {})",
            at(&std_alphabet, '/')
        ),
    );
    assert_eq!(
        JwtKey::parse(&format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB="}}"#)).unwrap_err(),
        KeyError::JwkBase64 {
            member: "e",
            position: Some(5)
        }
    );
    assert_eq!(
        JwtKey::parse(&format!(r#"{{"kty":"RSA","n":"{n} ","e":"AQAB"}}"#)).unwrap_err(),
        KeyError::JwkBase64 {
            member: "n",
            position: Some(n.len() + 1)
        }
    );
    fails(
        &format!(r#"{{"kty":"RSA","n":"{n}AAA","e":"AQAB"}}"#),
        KeyError::JwkBase64 {
            member: "n",
            position: None,
        },
        "the JWK member \"n\" is not unpadded base64url (bad length or last character)",
    );
    // "AQAC" is 65538, even.
    assert_eq!(
        JwtKey::parse(&format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAC"}}"#)).unwrap_err(),
        KeyError::BadExponent
    );
    // Non-zero unused bits in the last character.
    assert_eq!(
        JwtKey::parse(&format!(r#"{{"kty":"RSA","n":"{n}","e":"AQB"}}"#)).unwrap_err(),
        KeyError::JwkBase64 {
            member: "e",
            position: None
        }
    );

    fails(
        r#"{"kty":"RSA2","n":"AQAB","e":"AQAB"}"#,
        KeyError::JwkKty {
            found: Snippet::new("RSA2"),
        },
        "the JWK has kty \"RSA2\": only \"RSA\" keys verify Clerk session tokens",
    );
    fails(
        &jwk(&pem, r#","use":"enc""#),
        KeyError::JwkUse {
            found: Snippet::new("enc"),
        },
        "the JWK has use \"enc\": a verification key has use \"sig\" (or none)",
    );
    fails(
        &jwk(&pem, r#","alg":"ES256""#),
        KeyError::JwkAlg {
            found: Snippet::new("ES256"),
        },
        "the JWK has alg \"ES256\": expected RS256, RS384 or RS512",
    );
    for alg in ["RS256", "RS384", "RS512"] {
        JwtKey::parse(&jwk(&pem, &format!(r#","alg":"{alg}""#))).unwrap();
    }
    // Non-printable text is escaped in messages.
    let error = JwtKey::parse(&jwk(&pem, r#","alg":"\u202eRS256""#)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the JWK has alg \"\\u202eRS256\": expected RS256, RS384 or RS512"
    );

    let long_kid = "k".repeat(MAX_KID_LEN + 1);
    fails(
        &jwk(&pem, &format!(r#","kid":"{long_kid}""#)),
        KeyError::KidTooLong { len: 65 },
        "the kid is 65 bytes long, more than the 64 this crate keeps",
    );
    let escaped_kid = format!(r#","kid":"\u0041{}""#, "k".repeat(MAX_KID_LEN));
    assert_eq!(
        JwtKey::parse(&jwk(&pem, &escaped_kid)).unwrap_err(),
        KeyError::KidTooLong { len: 65 }
    );
    assert_eq!(
        JwtKey::parse(&pem)
            .unwrap()
            .with_kid(&long_kid)
            .unwrap_err(),
        KeyError::KidTooLong { len: 65 }
    );
}

#[test]
fn jwks_errors_leave_the_list_as_it_was() {
    let main = main_pem();
    let key = jwk(&main, "");
    let mut keys: heapless::Vec<JwtKey, 1> = heapless::Vec::new();

    let two = format!(r#"{{"keys":[{key},{key}]}}"#);
    assert_eq!(
        parse_jwks(&two, &mut keys),
        Err(KeyError::TooManyKeys { max: 1 })
    );
    assert!(keys.is_empty());
    assert_eq!(
        KeyError::TooManyKeys { max: 1 }.to_string(),
        "the JWKS has more RSA signing keys than the 1 the key list holds"
    );

    let broken = format!(r#"{{"keys":[{key},{{"kty":"RSA","n":"AQAB"}}]}}"#);
    let mut more: heapless::Vec<JwtKey, 4> = heapless::Vec::new();
    assert_eq!(
        parse_jwks(&broken, &mut more),
        Err(KeyError::JwkMissing { member: "e" })
    );
    assert!(more.is_empty());

    let none = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#;
    assert_eq!(parse_jwks(none, &mut more), Err(KeyError::NoUsableKey));
    assert_eq!(
        parse_jwks(r#"{"keys":[]}"#, &mut more),
        Err(KeyError::NoUsableKey)
    );
    assert_eq!(
        KeyError::NoUsableKey.to_string(),
        "the JWKS has no RSA signing key"
    );

    for not_jwks in [r#"{"keys":{}}"#, r#"{"kty":"RSA"}"#, "[]", "5"] {
        assert_eq!(
            parse_jwks(not_jwks, &mut more),
            Err(KeyError::NotJwks),
            "{not_jwks}"
        );
    }
    assert_eq!(
        KeyError::NotJwks.to_string(),
        "not a JWKS: expected {\"keys\": [...]}"
    );
    assert!(matches!(
        parse_jwks("{", &mut more),
        Err(KeyError::JwkSyntax { .. })
    ));
    assert!(
        jwks_keys("{\"keys\":[1]}")
            .unwrap()
            .all(|k| k == Err(KeyError::JwkNotObject))
    );

    // A private key in a JWKS is an error, not skipped.
    let private = format!(r#"{{"keys":[{}]}}"#, jwk(&main, r#","d":"AQAB""#));
    assert_eq!(parse_jwks(&private, &mut more), Err(KeyError::PrivateKey));
}

#[test]
fn errors_are_small_and_copy() {
    fn is_copy<T: Copy>() {}
    is_copy::<KeyError>();
    assert!(std::mem::size_of::<KeyError>() <= 48);
    assert!(KeyError::NotRsa { kind: KeyKind::Ec }.is_other_key_type());
    assert!(!KeyError::PrivateKey.is_other_key_type());
}
