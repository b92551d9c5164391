//! The signature libraries a Rust user would otherwise verify a Clerk token
//! with: `rsa` (RustCrypto), `ring` 0.17 and `aws-lc-rs`, each RSA-only
//! and inside the whole-token verification a user would write around it
//! (`clerk_edge_benches::verify_by_hand`); and serde_json for the parse.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use aws_lc_rs::signature::{self as awslc_sig, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_edge_benches::{
    AUTHORIZED_PARTY, Clock, Fixture, PeerClaims, PeerHeader, criterion, verify_by_hand,
};
use criterion::{Criterion, criterion_group, criterion_main};
use ring::signature::{self as ring_sig, UnparsedPublicKey};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier as _;
use rsa::signature::hazmat::PrehashVerifier;
use sha2::Sha256;
use std::hint::black_box;

fn peers(c: &mut Criterion<Clock>) {
    let fx = Fixture::load();
    let now_s = u64::try_from(fx.now_ms / 1000).expect("positive clock");
    let msg = fx.signing_input.as_bytes();

    // rsa 0.10: the key parsed once into a VerifyingKey<Sha256>.
    let rsa_key = rsa::PublicKey::from_public_key_pem(&fx.pem).expect("rsa key");
    let rsa_vk = VerifyingKey::<Sha256>::new(rsa_key);
    let rsa_sig = Signature::try_from(fx.signature.as_slice()).expect("rsa signature");
    let rsa_verify =
        |m: &[u8], s: &[u8]| Signature::try_from(s).is_ok_and(|s| rsa_vk.verify(m, &s).is_ok());

    // ring 0.17: an UnparsedPublicKey over the PKCS#1 RSAPublicKey (ring
    // parses it on every verification; it has no parsed-key type for RSA
    // verification).
    let ring_key =
        UnparsedPublicKey::new(&ring_sig::RSA_PKCS1_2048_8192_SHA256, fx.pkcs1_der.clone());
    let ring_verify = |m: &[u8], s: &[u8]| ring_key.verify(m, s).is_ok();

    // aws-lc-rs: the key parsed once.
    let lc_key = ParsedPublicKey::new(&awslc_sig::RSA_PKCS1_2048_8192_SHA256, &fx.spki_der)
        .or_else(|_| ParsedPublicKey::new(&awslc_sig::RSA_PKCS1_2048_8192_SHA256, &fx.pkcs1_der))
        .expect("aws-lc-rs key");
    let lc_verify = |m: &[u8], s: &[u8]| lc_key.verify_sig(m, s).is_ok();
    let lc_digest =
        aws_lc_rs::digest::Digest::import_less_safe(&fx.digest, &aws_lc_rs::digest::SHA256)
            .expect("digest");

    for (name, ok) in [
        ("rsa", rsa_verify(msg, &fx.signature)),
        ("ring", ring_verify(msg, &fx.signature)),
        ("aws-lc-rs", lc_verify(msg, &fx.signature)),
        (
            "rsa prehash",
            rsa_vk.verify_prehash(&fx.digest, &rsa_sig).is_ok(),
        ),
        (
            "aws-lc-rs digest",
            lc_key.verify_digest_sig(&lc_digest, &fx.signature).is_ok(),
        ),
    ] {
        assert!(ok, "{name} verifies the benchmark token");
    }
    for verify in [
        &rsa_verify as &dyn Fn(&[u8], &[u8]) -> bool,
        &ring_verify,
        &lc_verify,
    ] {
        let claims = verify_by_hand(&fx.token, now_s, AUTHORIZED_PARTY, verify).expect("by hand");
        assert!(claims.sub.starts_with("user_"));
    }

    // Whole token, as a user would write it around each library.
    let mut g = c.benchmark_group("whole-token");
    g.bench_function("rsa-by-hand", |b| {
        b.iter(|| {
            black_box(verify_by_hand(
                black_box(&fx.token),
                now_s,
                AUTHORIZED_PARTY,
                rsa_verify,
            ))
        })
    });
    g.bench_function("ring-by-hand", |b| {
        b.iter(|| {
            black_box(verify_by_hand(
                black_box(&fx.token),
                now_s,
                AUTHORIZED_PARTY,
                ring_verify,
            ))
        })
    });
    g.bench_function("aws-lc-rs-by-hand", |b| {
        b.iter(|| {
            black_box(verify_by_hand(
                black_box(&fx.token),
                now_s,
                AUTHORIZED_PARTY,
                lc_verify,
            ))
        })
    });
    g.finish();

    // RSA alone, on the precomputed SHA-256 digest.
    let mut g = c.benchmark_group("rsa");
    g.bench_function("rsa", |b| {
        b.iter(|| {
            black_box(
                rsa_vk
                    .verify_prehash(black_box(&fx.digest), black_box(&rsa_sig))
                    .is_ok(),
            )
        })
    });
    g.bench_function("aws-lc-rs", |b| {
        b.iter(|| {
            black_box(
                lc_key
                    .verify_digest_sig(black_box(&lc_digest), black_box(&fx.signature))
                    .is_ok(),
            )
        })
    });
    g.finish();

    // The signature over `header.payload`: SHA-256 + RSA (the only API
    // ring offers).
    let mut g = c.benchmark_group("signature");
    g.bench_function("rsa", |b| {
        b.iter(|| black_box(rsa_verify(black_box(msg), black_box(&fx.signature))))
    });
    g.bench_function("ring", |b| {
        b.iter(|| black_box(ring_verify(black_box(msg), black_box(&fx.signature))))
    });
    g.bench_function("aws-lc-rs", |b| {
        b.iter(|| black_box(lc_verify(black_box(msg), black_box(&fx.signature))))
    });
    g.finish();

    // Decode + JSON with base64 + serde_json (typed claims, owned strings).
    let (h, p, s) = fx.segments();
    let mut g = c.benchmark_group("parse");
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            let header: PeerHeader =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(black_box(h)).unwrap()).unwrap();
            let claims: PeerClaims =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(black_box(p)).unwrap()).unwrap();
            let sig = URL_SAFE_NO_PAD.decode(black_box(s)).unwrap();
            black_box((header, claims, sig))
        })
    });
    g.finish();

    // Loading the key from the jwtKey PEM (or DER where the API takes DER).
    let mut g = c.benchmark_group("key-load");
    g.bench_function("rsa", |b| {
        b.iter(|| black_box(rsa::PublicKey::from_public_key_pem(black_box(&fx.pem)).is_ok()))
    });
    g.bench_function("aws-lc-rs", |b| {
        b.iter(|| {
            black_box(
                ParsedPublicKey::new(
                    &awslc_sig::RSA_PKCS1_2048_8192_SHA256,
                    black_box(&fx.spki_der),
                )
                .is_ok(),
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = peers
}
criterion_main!(benches);
