//! A signature cache skips the RSA operation for a token seen before, and
//! nothing else: every claim is still checked against the clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::RefCell;

use clerk_edge::verify::SignatureCache;
use clerk_edge::{JwtKey, Verifier, VerifyOptions, verify};

#[derive(Default)]
struct Memo {
    tokens: RefCell<Vec<(String, f64)>>,
    lookups: RefCell<usize>,
}

impl SignatureCache for Memo {
    fn contains(&self, token: &str) -> bool {
        *self.lookups.borrow_mut() += 1;
        self.tokens.borrow().iter().any(|(t, _)| t == token)
    }
    fn insert(&self, token: &str, exp_ms: f64) {
        self.tokens.borrow_mut().push((token.to_owned(), exp_ms));
    }
}

fn valid_v2() -> (String, i64) {
    let cases = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cases.jsonl"
    ))
    .unwrap();
    let line = cases
        .lines()
        .find(|l| l.contains("\"id\":\"vt/valid-v2\""))
        .unwrap();
    let case: serde_json::Value = serde_json::from_str(line).unwrap();
    (
        case["token"].as_str().unwrap().to_owned(),
        case["nowMs"].as_i64().unwrap(),
    )
}

#[test]
fn remembers_only_tokens_that_pass_every_check() {
    let (token, now_ms) = valid_v2();
    let keys = [JwtKey::parse(include_str!("data/keys/main.public.pem")).unwrap()];
    let memo = Memo::default();
    let verifier = Verifier::new(&keys, VerifyOptions::default()).with_signature_cache(&memo);
    let mut buf = vec![0u8; verify::buffer_len(token.len())];

    // Expired: checked after the signature, not remembered.
    let late = now_ms + 3_600_000;
    let err = verifier.verify(&token, late, &mut buf).unwrap_err();
    assert_eq!(err.reason().as_str(), "token-expired");
    assert!(memo.tokens.borrow().is_empty());

    let verified = verifier.verify(&token, now_ms, &mut buf).unwrap();
    assert_eq!(verified.claims.sub, "user_2vYVtestUSER");
    assert_eq!(memo.tokens.borrow().len(), 1);
    assert_eq!(memo.tokens.borrow()[0].1, 1_767_225_660_000.0);

    // A hit still checks the clock.
    let err = verifier.verify(&token, late, &mut buf).unwrap_err();
    assert_eq!(err.reason().as_str(), "token-expired");
    assert!(verifier.verify(&token, now_ms, &mut buf).is_ok());
    assert_eq!(memo.tokens.borrow().len(), 1, "a hit is not inserted again");
}

#[test]
fn a_hit_skips_the_rsa_operation_and_nothing_else() {
    let (token, now_ms) = valid_v2();
    // Same token, signature of another key: only a cache that was told this
    // exact token verified lets it through, which shows RSA was skipped.
    let mut forged = token.clone();
    forged.truncate(token.rfind('.').unwrap() + 1);
    forged.push_str(&"A".repeat(342));
    forged.push('Q');
    let keys = [JwtKey::parse(include_str!("data/keys/main.public.pem")).unwrap()];
    let memo = Memo::default();
    let verifier = Verifier::new(&keys, VerifyOptions::default()).with_signature_cache(&memo);
    let mut buf = vec![0u8; verify::buffer_len(forged.len())];

    let err = verifier.verify(&forged, now_ms, &mut buf).unwrap_err();
    assert_eq!(err.reason().as_str(), "token-invalid-signature");

    memo.insert(&forged, 0.0);
    assert!(verifier.verify(&forged, now_ms, &mut buf).is_ok());
    let parties = ["https://other.example.com"];
    let strict = Verifier::new(
        &keys,
        VerifyOptions {
            authorized_parties: &parties,
            ..VerifyOptions::default()
        },
    )
    .with_signature_cache(&memo);
    let err = strict.verify(&forged, now_ms, &mut buf).unwrap_err();
    assert_eq!(err.reason().as_str(), "token-invalid-authorized-parties");
}
