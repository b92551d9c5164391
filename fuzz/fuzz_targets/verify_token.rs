//! Whole-token verification of arbitrary bytes, against the reference
//! model (`clerk_edge_fuzz::model`): the same verdict under two verifier
//! configurations, and a verified token's claims read back correctly.
//!
//! `Verifier::verify` takes `&str`: valid UTF-8 input is used as it is
//! (`str::from_utf8`), anything else as its lossy conversion, so both
//! kinds of input reach the verifier. Each verification is repeated through
//! a `SignatureCache` (filled, then hit), which must not change the verdict.
#![no_main]

use clerk_edge::verify::SignatureCache;
use clerk_edge::{Algorithms, JwtKey, Verifier, VerifyOptions, verify};
use clerk_edge_fuzz::NOW_MS;
use clerk_edge_fuzz::keys::{BIG_PUBLIC_PEM, FUZZ_PUBLIC_PEM, MAIN_PUBLIC_PEM, Pair};
use clerk_edge_fuzz::model::{self, Key, Options};
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

struct Config {
    pairs: Vec<Pair>,
    keys: Vec<JwtKey>,
    parties: &'static [&'static str],
    audience: &'static [&'static str],
    issuer: Option<&'static str>,
    skew: i64,
    algorithms: Algorithms,
}

impl Config {
    fn new(pairs: Vec<Pair>) -> Self {
        let keys = pairs.iter().map(|p| p.ours.clone()).collect();
        Config {
            pairs,
            keys,
            parties: &[],
            audience: &[],
            issuer: None,
            skew: 5000,
            algorithms: Algorithms::RS256,
        }
    }
}

static CONFIGS: LazyLock<Vec<Config>> = LazyLock::new(|| {
    vec![
        // Clerk's networkless defaults: one jwtKey (no kid).
        Config::new(vec![Pair::load(MAIN_PUBLIC_PEM, None)]),
        // Several keys chosen by kid, every option set.
        Config {
            parties: &["https://app.example.com", "http://localhost:3000"],
            audience: &["aud-a", "aud-b"],
            issuer: Some("https://clerk.example.com"),
            skew: 0,
            algorithms: Algorithms::ALL_RSA,
            ..Config::new(vec![
                Pair::load(MAIN_PUBLIC_PEM, Some("ins_2vYVtestINSTANCE")),
                Pair::load(FUZZ_PUBLIC_PEM, Some("fuzz")),
                Pair::load(BIG_PUBLIC_PEM, None),
            ])
        },
    ]
});

/// A signature cache that remembers whole tokens.
#[derive(Default)]
struct SetCache(RefCell<HashSet<String>>);

impl SignatureCache for SetCache {
    fn contains(&self, token: &str) -> bool {
        self.0.borrow().contains(token)
    }
    fn insert(&self, token: &str, _exp_ms: f64) {
        self.0.borrow_mut().insert(token.to_owned());
    }
}

fuzz_target!(|data: &[u8]| {
    let token = match std::str::from_utf8(data) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    };
    let mut buf = vec![0u8; verify::buffer_len(token.len())];
    for config in CONFIGS.iter() {
        let verifier = Verifier::new(
            &config.keys,
            VerifyOptions {
                authorized_parties: config.parties,
                audience: config.audience,
                issuer: config.issuer,
                clock_skew_ms: config.skew,
                algorithms: config.algorithms,
            },
        );
        let result = verifier.verify(&token, NOW_MS, &mut buf);
        if let Err(e) = &result {
            // Messages and details must format without panicking.
            let _ = format!("{e} {:?} {}", e.reason(), e.reason().as_str());
        }
        let keys: Vec<Key<'_>> = config
            .pairs
            .iter()
            .map(|p| Key {
                kid: p.kid,
                public: &p.reference,
            })
            .collect();
        let opts = Options {
            authorized_parties: config.parties,
            audience: config.audience,
            issuer: config.issuer,
            clock_skew_ms: config.skew,
            algorithms: config.algorithms,
        };
        let (expected, decoded) = model::verify(&token, &keys, &opts, NOW_MS);
        assert_eq!(
            model::of(&result),
            expected,
            "verdict differs for {token:?}"
        );
        if let (Ok(v), Some(d)) = (&result, &decoded) {
            model::check_verified(v, d, &opts, NOW_MS);
        }
        // Through a signature cache (filled, then hit): the same verdict.
        let remembered = SetCache::default();
        let cached = verifier.with_signature_cache(&remembered);
        for _ in 0..2 {
            let again = cached.verify(&token, NOW_MS, &mut buf);
            assert_eq!(
                model::of(&again),
                expected,
                "verdict differs with a signature cache"
            );
        }
    }
});
