//! clerk-edge itself: whole-token verification (new token, and a repeated
//! token through the adapter's cache), request-level authentication, and
//! the pieces (RSA alone, SHA-256 + RSA, decode + JSON, key load).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use clerk_edge::request::{Authenticator, RequestParts, Status, request_buffer_len};
use clerk_edge::rsa::HashAlg;
use clerk_edge::verify::SignatureCache;
use clerk_edge::{JwtKey, Verifier, VerifyOptions, base64url, json, verify};
use clerk_edge_benches::{AUTHORIZED_PARTY, Clock, Fixture, criterion, sha256};
use clerk_edge_hyper::Clerk;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// A signature cache that knows one token: the floor of any cache built on
/// the core's `SignatureCache` hook (decode, JSON and claim checks still
/// run; only the RSA operation is skipped).
struct KnowsOne(String);

impl SignatureCache for KnowsOne {
    fn contains(&self, token: &str) -> bool {
        token == self.0
    }
    fn insert(&self, _token: &str, _exp_ms: f64) {}
}

fn whole_token(c: &mut Criterion<Clock>) {
    let fx = Fixture::load();
    let keys = [JwtKey::parse(&fx.pem).expect("key")];
    let parties = [AUTHORIZED_PARTY];
    let verifier = Verifier::new(
        &keys,
        VerifyOptions {
            authorized_parties: &parties,
            ..VerifyOptions::default()
        },
    );
    let mut buf = vec![0u8; verify::buffer_len(fx.token.len())];
    let sub = verifier
        .verify(&fx.token, fx.now_ms, &mut buf)
        .expect("the benchmark token verifies")
        .claims
        .sub
        .to_owned();
    assert!(sub.starts_with("user_"));

    let mut g = c.benchmark_group("whole-token");
    // A new token: every check, the RSA operation included.
    g.bench_function("clerk-edge", |b| {
        b.iter(|| {
            let v = verifier.verify(black_box(&fx.token), black_box(fx.now_ms), &mut buf);
            black_box(v.map(|v| v.claims.sub.len()).ok())
        })
    });

    // The core with its signature already known (a `SignatureCache` hit).
    let known = KnowsOne(fx.token.clone());
    let remembering = verifier.with_signature_cache(&known);
    assert!(remembering.verify(&fx.token, fx.now_ms, &mut buf).is_ok());
    g.bench_function("clerk-edge-signature-cached", |b| {
        b.iter(|| {
            let v = remembering.verify(black_box(&fx.token), black_box(fx.now_ms), &mut buf);
            black_box(v.map(|v| v.claims.sub.len()).ok())
        })
    });

    // Request-level: the token from `Authorization: Bearer`, Clerk's
    // `authenticateRequest` flow, signed in.
    let auth = Authenticator::new(verifier, None);
    let header = format!("Bearer {}", fx.token);
    let mut request = RequestParts::new("GET", "/api/data");
    request.host = Some("app.example.com");
    request.authorization = Some(&header);
    request.accept = Some("application/json");
    let mut rbuf = vec![0u8; request_buffer_len(&request)];
    assert_eq!(
        auth.authenticate(&request, fx.now_ms, &mut rbuf).status(),
        Status::SignedIn
    );
    g.bench_function("clerk-edge-request", |b| {
        b.iter(|| {
            let s = auth.authenticate(black_box(&request), black_box(fx.now_ms), &mut rbuf);
            black_box(s.status())
        })
    });

    // The std adapter, with and without its verified-token cache.
    let build = |capacity: usize| {
        Clerk::builder()
            .jwt_key(fx.pem.clone())
            .authorized_party(AUTHORIZED_PARTY)
            .cache_capacity(capacity)
            .build()
            .expect("adapter config")
    };
    let cached = build(4096);
    let uncached = build(0);
    assert!(cached.cache().is_some() && uncached.cache().is_none());
    for clerk in [&cached, &uncached] {
        let s = clerk
            .verify_token_now(&fx.token, fx.now_ms)
            .expect("adapter verifies");
        assert_eq!(s.claims().sub, sub);
    }
    g.bench_function("clerk-edge-hyper-cache-hit", |b| {
        b.iter(|| {
            black_box(
                cached
                    .verify_token_now(black_box(&fx.token), black_box(fx.now_ms))
                    .is_ok(),
            )
        })
    });
    g.bench_function("clerk-edge-hyper-no-cache", |b| {
        b.iter(|| {
            black_box(
                uncached
                    .verify_token_now(black_box(&fx.token), black_box(fx.now_ms))
                    .is_ok(),
            )
        })
    });
    let req = http::Request::get("/api/data")
        .header("host", "app.example.com")
        .header("authorization", &header)
        .header("accept", "application/json")
        .body(())
        .expect("request");
    assert!(cached.authenticate_now(&req, fx.now_ms).auth.is_signed_in());
    g.bench_function("clerk-edge-hyper-request-cache-hit", |b| {
        b.iter(|| {
            black_box(
                cached
                    .authenticate_now(black_box(&req), black_box(fx.now_ms))
                    .auth
                    .is_signed_in(),
            )
        })
    });
    g.finish();
}

fn pieces(c: &mut Criterion<Clock>) {
    let fx = Fixture::load();
    let key = JwtKey::parse(&fx.pem).expect("key");
    let rsa = key.rsa();
    assert!(rsa.verify_pkcs1v15(HashAlg::Sha256, &fx.digest, &fx.signature));

    let mut g = c.benchmark_group("rsa");
    g.bench_function("clerk-edge", |b| {
        b.iter(|| {
            black_box(rsa.verify_pkcs1v15(
                HashAlg::Sha256,
                black_box(&fx.digest),
                black_box(&fx.signature),
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("signature");
    g.bench_function("clerk-edge", |b| {
        b.iter(|| {
            let digest = sha256(black_box(fx.signing_input.as_bytes()));
            black_box(rsa.verify_pkcs1v15(HashAlg::Sha256, &digest, black_box(&fx.signature)))
        })
    });
    g.finish();

    // Decode + JSON: base64url of the three segments and the validating
    // JSON parse of header and payload (no SHA-256, no RSA, no claim
    // checks): what `Verifier::verify` does before and after the signature.
    let (h, p, s) = fx.segments();
    let mut buf = vec![0u8; verify::buffer_len(fx.token.len())];
    let mut sig = [0u8; 512];
    let decode_all = |buf: &mut [u8], sig: &mut [u8; 512]| -> usize {
        let (hb, pb) = buf.split_at_mut(buf.len() / 2);
        let hn = base64url::decode(black_box(h).as_bytes(), hb).expect("header");
        let pn = base64url::decode(black_box(p).as_bytes(), pb).expect("payload");
        let sn = base64url::decode(black_box(s).as_bytes(), sig).expect("signature");
        let header = json::parse(core::str::from_utf8(&hb[..hn]).expect("utf-8")).expect("json");
        let payload = json::parse(core::str::from_utf8(&pb[..pn]).expect("utf-8")).expect("json");
        black_box((header.kind(), payload.get("sub").is_some(), sn));
        pn
    };
    assert!(decode_all(&mut buf, &mut sig) > 0);
    let mut g = c.benchmark_group("parse");
    g.bench_function("clerk-edge", |b| b.iter(|| decode_all(&mut buf, &mut sig)));
    g.bench_function("sha256-signing-input", |b| {
        b.iter(|| black_box(sha256(black_box(fx.signing_input.as_bytes()))))
    });
    g.finish();

    let mut g = c.benchmark_group("key-load");
    g.bench_function("clerk-edge", |b| {
        b.iter(|| black_box(JwtKey::parse(black_box(&fx.pem)).is_ok()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion();
    targets = whole_token, pieces
}
criterion_main!(benches);
