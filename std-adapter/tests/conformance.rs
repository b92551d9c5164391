//! `clerk-edge conformance` on the project's copy of the Clerk-oracle cases
//! (`core/tests/data/cases.jsonl`) must give Clerk's answers
//! (`core/tests/data/expected.jsonl`, from `@clerk/backend` 3.25.0) line by
//! line, except for the deliberate differences listed here (DESIGN.md,
//! "Semantics: Clerk's, except where Clerk is wrong"). The test also fails
//! when a listed difference starts to match Clerk, so the list stays true.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Case id, and why we answer differently from Clerk.
const DIFFERENCES: &[(&str, &str)] = &[
    // jwtKey forms Clerk mangles but that are valid keys (DESIGN.md table).
    (
        "vt/key-pem-escaped-newlines",
        "literal \\n from a .env file loads",
    ),
    (
        "vt/key-pem-pkcs1-rsa-public-key",
        "PKCS#1 is a valid RSA key form",
    ),
    (
        "vt/key-4096-matching-token",
        "4096-bit keys are valid RSA keys",
    ),
    ("vt/key-jwk-json-text", "a JWK is a valid key form"),
    // A jwtKey that is not a key is refused when loaded ("threw", KeyError).
    ("vt/key-private-key-pem", "refused at load time"),
    ("vt/key-garbage", "refused at load time"),
    ("vt/key-equals-inside-body", "refused at load time"),
    ("vt/key-lowercase-armor", "refused at load time"),
    // RS384/RS512 with a jwtKey: token-invalid-algorithm unless allowed.
    ("vt/alg-rs384", "RS384 is not allowed by default"),
    ("vt/alg-rs512", "RS512 is not allowed by default"),
    // Time claims compared as numbers, never passed by overflow.
    ("vt/exp-negative-huge", "a far-past exp is expired"),
    ("vt/nbf-huge-1e20", "a far-future nbf is not active"),
    ("vt/iat-huge-1e21", "a far-future iat is in the future"),
    // Clerk crashes with a TypeError on a null header or payload.
    ("vt/json-header-null", "token-invalid"),
    ("vt/json-payload-null", "token-invalid"),
    (
        "ar/cookie-payload-json-null",
        "unexpected-error instead of a crash",
    ),
    // Parser differentials are refused (token-invalid).
    ("vt/json-dup-exp-future-then-past", "duplicate keys"),
    ("vt/json-dup-sub-string-then-number", "duplicate keys"),
    ("vt/json-dup-exp-past-then-future", "duplicate keys"),
    ("vt/json-dup-sub-last-wins", "duplicate keys"),
    ("vt/json-dup-alg-header", "duplicate keys"),
    ("vt/json-invalid-utf8-in-claim", "invalid UTF-8"),
    ("vt/json-lone-surrogate", "lone surrogate"),
    ("vt/json-deep-nesting-1000", "nesting deeper than the limit"),
    (
        "vt/long-token-200kb-claim",
        "token longer than the 16 KiB limit",
    ),
    (
        "vt/long-token-5000-claims",
        "token longer than the 16 KiB limit",
    ),
    (
        "ar/bearer-rs384",
        "RS384 refused by the algorithm list: token-invalid-algorithm",
    ),
    // RFC 9110: the auth scheme is case-insensitive; Clerk ignores the header.
    (
        "ar/bearer-lowercase-scheme",
        "`bearer <token>` is accepted (Clerk: signed out, falls back to cookies)",
    ),
    (
        "ar/bearer-uppercase-scheme",
        "`BEARER <token>` is accepted, as above",
    ),
    // Clerk's oracle records its (stubbed) network calls; we make none.
    (
        "ar/cookie-expired-with-refresh-cookie",
        "a refresh needs the network: reason ...-refresh-missing-api-client, no fetchAttempted",
    ),
    (
        "ar/handshake-nonce",
        "no handshake-payload call: no fetchAttempted",
    ),
    // With a jwtKey, neither key is needed; a bad publishable key is refused
    // at start-up with our own message.
    (
        "ar/config-missing-secret-key",
        "the secret key is not needed with a jwtKey",
    ),
    (
        "ar/config-missing-publishable-key",
        "the publishable key is optional",
    ),
    (
        "ar/config-invalid-publishable-key",
        "refused at start-up (ConfigError)",
    ),
    // acceptsToken (machine tokens) is out of scope: session tokens only.
    (
        "ar/accepts-apikey-array-session-bearer",
        "acceptsToken not supported",
    ),
    ("ar/accepts-apikey-ak-bearer", "acceptsToken not supported"),
    ("ar/accepts-m2m-jwt-local", "acceptsToken not supported"),
];

fn data(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../core/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The line as JSON; `None` for what serde_json refuses (Clerk's output may
/// hold a lone surrogate escape), which is then compared as text.
fn parse(line: &str) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_str(line);
    de.disable_recursion_limit();
    serde::Deserialize::deserialize(&mut de).ok()
}

/// The `id` of an output line, read as text.
fn id_of(line: &str) -> String {
    let start = line.find("\"id\":\"").map_or(0, |i| i + 6);
    let end = line[start..].find('"').map_or(start, |j| start + j);
    line[start..end].to_owned()
}

/// Runs the CLI on a thread with a deep stack (deeply nested cases).
fn run_conformance(input: String) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerk-edge"))
        .arg("conformance")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn conformance_matches_clerk_except_documented_differences() {
    let handle = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let cases = data("cases.jsonl");
            let expected = data("expected.jsonl");
            let ours = run_conformance(cases.clone());
            let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
            let ours: Vec<&str> = ours.lines().collect();
            assert_eq!(ours.len(), expected.len(), "one output line per case");

            let mut identical = 0;
            let mut equal = 0;
            let mut differ = Vec::new();
            let mut failures = Vec::new();
            for (o, e) in ours.iter().zip(&expected) {
                let id = id_of(e);
                assert_eq!(id_of(o), id, "same order");
                let same = match (parse(o), parse(e)) {
                    (Some(ov), Some(ev)) => ov == ev,
                    _ => o == e,
                };
                let listed = DIFFERENCES.iter().find(|(d, _)| *d == id);
                if o == e {
                    identical += 1;
                }
                match (same, listed) {
                    (true, None) => equal += 1,
                    (true, Some((_, why))) => {
                        failures.push(format!("{id}: listed as a difference ({why}) but matches Clerk"));
                    }
                    (false, Some(_)) => differ.push(id),
                    (false, None) => failures.push(format!("{id}:\n  clerk: {e}\n  ours:  {o}")),
                }
            }
            println!(
                "{} cases: {equal} agree with Clerk ({identical} byte-identical lines), {} documented differences",
                expected.len(),
                differ.len()
            );
            assert!(failures.is_empty(), "{} unexpected differences:\n{}", failures.len(), failures.join("\n"));
        })
        .unwrap();
    handle.join().unwrap();
}
