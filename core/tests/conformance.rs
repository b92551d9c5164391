//! Conformance with Clerk's own SDK for `verifyToken`.
//!
//! Every `verifyToken` case of `tests/data/cases.jsonl` runs through
//! [`Verifier::verify`] and must give what `@clerk/backend` 3.25.0 gave
//! (`tests/data/expected.jsonl`): the same verdict, reason, message and
//! action, and on success the same payload. The few deliberate differences
//! are listed in [`DIFFERENCES`], each with the outcome we give instead and
//! why; the test fails if one of them starts to match Clerk (then it is not a
//! difference any more) or behaves differently from what is listed.
//!
//! The script `scripts/test.sh` runs it a second time with the firmware's
//! size features (`compact-numbers`, `omit-auth-message`, `rs256-only`,
//! `rsa-2048-only`), which change one answer (see [`KEY_4096`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use clerk_edge::{JwtKey, Verifier, VerifyOptions, verify};
use serde_json::Value;

/// What we answer instead of Clerk, and why.
enum Ours {
    /// We reject the token with this reason.
    Rejects(&'static str),
    /// We accept the token.
    Accepts,
    /// The jwtKey itself is refused when it is loaded.
    KeyRefused,
}

/// A 4096-bit key: accepted, except in the firmware's `rsa-2048-only` build.
const KEY_4096: (&str, Ours, &str) = if cfg!(feature = "rsa-2048-only") {
    (
        "vt/key-4096-matching-token",
        Ours::KeyRefused,
        "rsa-2048-only refuses larger keys at load time",
    )
} else {
    (
        "vt/key-4096-matching-token",
        Ours::Accepts,
        "4096-bit keys are valid RSA keys",
    )
};

/// Deliberate differences from Clerk (DESIGN.md, "Semantics").
#[rustfmt::skip]
const DIFFERENCES: &[(&str, Ours, &str)] = &[
    // The jwtKey forms that Clerk mangles but that are valid keys.
    ("vt/key-pem-escaped-newlines", Ours::Accepts, "literal \\n from a .env file is a newline"),
    ("vt/key-pem-pkcs1-rsa-public-key", Ours::Accepts, "PKCS#1 is a valid RSA key form"),
    KEY_4096,
    ("vt/key-jwk-json-text", Ours::Accepts, "a JWK is a valid key form"),
    // A jwtKey that is not a key fails at start-up, not per request.
    ("vt/key-private-key-pem", Ours::KeyRefused, "a private key is refused at load time"),
    ("vt/key-garbage", Ours::KeyRefused, "not a key: refused at load time"),
    ("vt/key-equals-inside-body", Ours::KeyRefused, "'=' inside base64: refused at load time"),
    ("vt/key-lowercase-armor", Ours::Accepts, "armour labels are read case-insensitively"),
    // The algorithm comes from the verifier's allowlist, not from Clerk's
    // RS256-pinned JWK import.
    ("vt/alg-rs384", Ours::Rejects("token-invalid-algorithm"), "RS384 is not allowed by default"),
    ("vt/alg-rs512", Ours::Rejects("token-invalid-algorithm"), "RS512 is not allowed by default"),
    // Time claims are compared as numbers, never passed by overflow.
    ("vt/exp-negative-huge", Ours::Rejects("token-expired"), "a far-past exp is expired"),
    ("vt/nbf-huge-1e20", Ours::Rejects("token-not-active-yet"), "a far-future nbf is not active"),
    ("vt/iat-huge-1e21", Ours::Rejects("token-iat-in-the-future"), "a far-future iat is in the future"),
    // Clerk crashes with a TypeError.
    ("vt/json-header-null", Ours::Rejects("token-invalid"), "a null header is not a JWT"),
    ("vt/json-payload-null", Ours::Rejects("token-invalid"), "a null payload is not a JWT"),
    // Parser differentials are refused.
    ("vt/json-dup-exp-future-then-past", Ours::Rejects("token-invalid"), "duplicate keys"),
    ("vt/json-dup-sub-string-then-number", Ours::Rejects("token-invalid"), "duplicate keys"),
    ("vt/json-dup-exp-past-then-future", Ours::Rejects("token-invalid"), "duplicate keys"),
    ("vt/json-dup-sub-last-wins", Ours::Rejects("token-invalid"), "duplicate keys"),
    ("vt/json-dup-alg-header", Ours::Rejects("token-invalid"), "duplicate keys"),
    ("vt/json-invalid-utf8-in-claim", Ours::Rejects("token-invalid"), "invalid UTF-8"),
    ("vt/json-lone-surrogate", Ours::Rejects("token-invalid"), "lone surrogate"),
    ("vt/json-deep-nesting-1000", Ours::Rejects("token-invalid"), "nesting deeper than the limit"),
    // Bounded input: a token longer than MAX_TOKEN_LEN (16 KiB) is refused.
    ("vt/long-token-200kb-claim", Ours::Rejects("token-invalid"), "longer than the token limit"),
    ("vt/long-token-5000-claims", Ours::Rejects("token-invalid"), "longer than the token limit"),
];

fn lines(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        // serde_json cannot hold a lone surrogate (Clerk's answer for
        // `vt/json-lone-surrogate` has one); U+FFFD stands in for it.
        let line = &line.replace("\\ud800", "\\ufffd");
        let mut de = serde_json::Deserializer::from_str(line);
        de.disable_recursion_limit();
        out.push(serde::Deserialize::deserialize(&mut de).unwrap());
    }
    out
}

/// What our verifier answered, in the oracle's terms.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(Option<Value>),
    Err {
        reason: String,
        message: String,
        action: Option<String>,
    },
    KeyRefused(String),
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn run(case: &Value) -> Outcome {
    let key_text = case["jwtKey"].as_str().unwrap_or("");
    let keys: Vec<JwtKey> = if key_text.is_empty() {
        Vec::new()
    } else {
        match JwtKey::parse(key_text) {
            Ok(key) => vec![key],
            Err(e) => return Outcome::KeyRefused(e.to_string()),
        }
    };
    let parties = strings(&case["authorizedParties"]);
    let parties: Vec<&str> = parties.iter().map(String::as_str).collect();
    let audience = strings(&case["options"]["audience"]);
    let audience: Vec<&str> = audience.iter().map(String::as_str).collect();
    let issuer = case["options"]["issuer"].as_str();
    let mut options = VerifyOptions {
        authorized_parties: &parties,
        audience: &audience,
        issuer,
        ..VerifyOptions::default()
    };
    if let Some(skew) = case["clockSkewInMs"].as_f64() {
        options.clock_skew_ms = skew as i64;
    }
    let verifier = Verifier::new(&keys, options);
    let token = case["token"].as_str().unwrap_or("");
    let now_ms = case["nowMs"].as_i64().unwrap();
    let mut buf = vec![0u8; verify::buffer_len(token.len())];
    match verifier.verify(token, now_ms, &mut buf) {
        Ok(verified) => Outcome::Ok(
            serde_json::from_str(verified.payload.raw())
                .ok()
                .map(numbers_as_f64),
        ),
        Err(e) => Outcome::Err {
            reason: e.reason().as_str().to_owned(),
            message: e.to_string(),
            action: e.action().map(str::to_owned),
        },
    }
}

/// JavaScript has one number type: compare every number as an f64.
fn numbers_as_f64(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_f64(v)))
                .collect(),
        ),
        other => other,
    }
}

fn clerk_outcome(expected: &Value) -> Outcome {
    if expected["ok"] == Value::Bool(true) {
        let payload = &expected["payload"];
        // Non-finite numbers are written as {"$number": ...}; we only compare
        // the verdict for those.
        let comparable = !payload.to_string().contains("\"$number\"");
        Outcome::Ok(comparable.then(|| numbers_as_f64(payload.clone())))
    } else {
        Outcome::Err {
            reason: expected["reason"].as_str().unwrap_or("").to_owned(),
            message: expected["message"].as_str().unwrap_or("").to_owned(),
            action: expected["action"].as_str().map(str::to_owned),
        }
    }
}

/// An outcome for a failure report, cut to a readable length.
fn short(o: &Outcome) -> String {
    let s = format!("{o:?}");
    s.chars().take(300).collect()
}

#[test]
fn verify_token_matches_clerk() {
    // Clerk's answer for `vt/json-deep-nesting-1000` is 1000 levels deep;
    // reading and comparing it recursively needs more than a test thread's
    // default stack in a debug build.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run_all_cases)
        .unwrap()
        .join()
        .unwrap();
}

fn run_all_cases() {
    let cases = lines("cases.jsonl");
    let expected = lines("expected.jsonl");
    assert_eq!(cases.len(), expected.len());
    let mut matched = 0;
    let mut differences = 0;
    let mut failures = Vec::new();
    for (case, expected) in cases.iter().zip(&expected) {
        if case["kind"] != "verifyToken" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        assert_eq!(expected["id"], case["id"]);
        let ours = run(case);
        let mut clerk = clerk_outcome(expected);
        if let (Outcome::Ok(Some(_)), Outcome::Ok(None)) = (&ours, &clerk) {
            clerk = Outcome::Ok(None);
        }
        let ours_cmp = match ours {
            Outcome::Ok(Some(_)) if clerk == Outcome::Ok(None) => Outcome::Ok(None),
            other => other,
        };
        match DIFFERENCES.iter().find(|(d, ..)| *d == id) {
            None if ours_cmp == clerk => matched += 1,
            None => failures.push(format!(
                "{id}:\n  clerk: {}\n  ours:  {}",
                short(&clerk),
                short(&ours_cmp)
            )),
            Some((_, want, why)) => {
                let as_listed = match (want, &ours_cmp) {
                    (Ours::Accepts, Outcome::Ok(_)) => true,
                    (Ours::KeyRefused, Outcome::KeyRefused(_)) => true,
                    (Ours::Rejects(r), Outcome::Err { reason, .. }) => reason == r,
                    _ => false,
                };
                if ours_cmp == clerk {
                    failures.push(format!(
                        "{id}: listed as a difference ({why}) but matches Clerk"
                    ));
                } else if !as_listed {
                    failures.push(format!(
                        "{id}: expected the listed difference ({why}), got {ours_cmp:?}"
                    ));
                } else {
                    differences += 1;
                }
            }
        }
    }
    println!("verifyToken: {matched} cases match Clerk, {differences} deliberate differences");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        differences,
        DIFFERENCES.len(),
        "every listed difference has a case"
    );
    assert!(matched > 200);
}
