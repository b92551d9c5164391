//! Key rotation without a jwtKey: a real JWKS server on loopback that
//! rotates its keys and fails on demand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use bytes::Bytes;
use clerk_edge_hyper::demo::{DEMO_KID, Minter};
use clerk_edge_hyper::{Clerk, server};
use common::*;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "sk_test_jwks_rotation_test_secret";

#[derive(Default)]
struct Jwks {
    keys: Vec<Value>,
    fail: bool,
    hits: usize,
    bad_auth: usize,
}

async fn jwks_server(state: Arc<Mutex<Jwks>>) -> TestServer {
    let svc = server::tower_service_fn(move |req: Request<hyper::body::Incoming>| {
        let state = Arc::clone(&state);
        async move {
            let mut s = state.lock().unwrap();
            s.hits += 1;
            let authorized = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {SECRET}"));
            let (status, body) = if req.uri().path() != "/v1/jwks" {
                (StatusCode::NOT_FOUND, String::new())
            } else if !authorized {
                s.bad_auth += 1;
                (StatusCode::UNAUTHORIZED, String::new())
            } else if s.fail {
                (StatusCode::SERVICE_UNAVAILABLE, "down".to_owned())
            } else {
                (StatusCode::OK, json!({"keys": s.keys}).to_string())
            };
            let mut r = Response::new(Full::new(Bytes::from(body)));
            *r.status_mut() = status;
            Ok::<_, Infallible>(r)
        }
    });
    start(svc, server::MAX_HEADER_BYTES).await
}

fn clerk_for(jwks: &TestServer, interval: Duration) -> Clerk {
    Clerk::builder()
        .secret_key(SECRET)
        .api_url(format!("http://{}", jwks.addr))
        .jwks_refetch_interval(interval)
        .authorized_party(APP_ORIGIN)
        .build()
        .unwrap()
}

/// `GET /protected` with `token` as a bearer token.
async fn protected(
    c: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    app: &TestServer,
    token: &str,
) -> Reply {
    get(
        c,
        &app.url("/protected"),
        &[("authorization", &bearer(token))],
    )
    .await
}

/// The demo key (A) and two others (B, C), each with its own `kid`.
fn three_keys() -> [Minter; 3] {
    let other = |pem, kid| Minter::from_pem(pem, kid).unwrap();
    [
        Minter::demo().unwrap(),
        other(
            include_str!("../../core/tests/data/keys/main.private.pem"),
            "ins_key_b",
        ),
        other(
            include_str!("../../core/tests/data/keys/other.private.pem"),
            "ins_key_c",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_rate_limit_and_outage() {
    let [key_a, key_b, key_c] = three_keys();
    assert_eq!(key_a.kid(), DEMO_KID);

    let state = Arc::new(Mutex::new(Jwks {
        keys: vec![key_a.public_jwk()],
        ..Jwks::default()
    }));
    let jwks = jwks_server(Arc::clone(&state)).await;
    let interval = Duration::from_millis(300);
    let clerk = clerk_for(&jwks, interval);
    let app = start(server::demo_app(clerk.clone()), server::MAX_HEADER_BYTES).await;
    let c = client();
    let hits = || state.lock().unwrap().hits;

    // First request: keys fetched once, token verified.
    let ta = token(&key_a, "user_a", 60, |_| {});
    let r = protected(&c, &app, &ta).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(hits(), 1);
    assert_eq!(state.lock().unwrap().bad_auth, 0, "the secret key is sent");

    // Rotation: the server now serves B only. A token signed by B has an
    // unknown kid, which triggers one refetch (after the interval).
    state.lock().unwrap().keys = vec![key_b.public_jwk()];
    tokio::time::sleep(interval).await;
    let tb = token(&key_b, "user_b", 60, |_| {});
    let r = protected(&c, &app, &tb).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(hits(), 2);
    assert_eq!(r.json()["userId"], "user_b");

    // Unknown kids, many times: at most one fetch per interval.
    let tc = token(&key_c, "user_c", 60, |_| {});
    for _ in 0..20 {
        let r = protected(&c, &app, &tc).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["reason"], "jwk-remote-missing");
    }
    assert!(hits() <= 3, "rate-limited refetches, got {}", hits());

    // Outage: fetches fail, the cached key B keeps working (new token, so
    // the verified-token cache is not what answers).
    state.lock().unwrap().fail = true;
    tokio::time::sleep(interval).await;
    let r = protected(&c, &app, &tc).await;
    assert_eq!(r.status, 401, "unknown kid during an outage");
    let tb2 = token(&key_b, "user_b2", 60, |_| {});
    let r = protected(&c, &app, &tb2).await;
    assert_eq!(r.status, 200, "cached keys keep serving: {}", r.body);

    // Recovery: C is published; after the interval its tokens verify.
    {
        let mut s = state.lock().unwrap();
        s.fail = false;
        s.keys = vec![key_b.public_jwk(), key_c.public_jwk()];
    }
    tokio::time::sleep(interval).await;
    let r = protected(&c, &app, &tc).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["userId"], "user_c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_token_of_a_removed_key_is_refused_after_rotation() {
    let [key_a, key_b, key_c] = three_keys();
    let state = Arc::new(Mutex::new(Jwks {
        keys: vec![key_a.public_jwk(), key_b.public_jwk()],
        ..Jwks::default()
    }));
    let jwks = jwks_server(Arc::clone(&state)).await;
    let interval = Duration::from_millis(200);
    let clerk = clerk_for(&jwks, interval);
    let app = start(server::demo_app(clerk.clone()), server::MAX_HEADER_BYTES).await;
    let c = client();

    // A's token verifies and is cached; a second request is a cache hit.
    let ta = token(&key_a, "user_a", 60, |_| {});
    assert_eq!(protected(&c, &app, &ta).await.status, 200);
    assert_eq!(protected(&c, &app, &ta).await.status, 200);
    let cache = clerk.cache().unwrap();
    assert_eq!(cache.len(), 1);
    let generation = clerk.jwks().unwrap().generation();

    // Rotation: A is removed. A token with an unknown kid makes the layer
    // refetch, which brings the new key set and clears the cache.
    state.lock().unwrap().keys = vec![key_b.public_jwk()];
    tokio::time::sleep(interval).await;
    let tc = token(&key_c, "user_c", 60, |_| {});
    assert_eq!(protected(&c, &app, &tc).await.status, 401);
    assert_ne!(clerk.jwks().unwrap().generation(), generation);
    assert!(
        cache.is_empty(),
        "the key set changed: the cache is cleared"
    );

    // A's token, cached before, is now checked against B only: refused.
    let r = protected(&c, &app, &ta).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.json()["reason"], "jwk-remote-missing");
    assert_eq!(
        r.header("x-clerk-auth-reason").as_deref(),
        Some("jwk-remote-missing")
    );
    let message = r.header("x-clerk-auth-message").unwrap();
    assert!(
        message.ends_with("(reason=jwk-remote-missing, token-carrier=header)"),
        "{message}"
    );
    // B's tokens still work, and are cached for the new key set.
    let tb = token(&key_b, "user_b", 60, |_| {});
    assert_eq!(protected(&c, &app, &tb).await.status, 200);
    assert_eq!(cache.len(), 1);

    // A refetch that brings the same keys keeps the cache.
    let generation = clerk.jwks().unwrap().generation();
    tokio::time::sleep(interval).await;
    assert_eq!(protected(&c, &app, &tc).await.status, 401);
    assert_eq!(clerk.jwks().unwrap().generation(), generation);
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn jwks_never_loaded_says_so() {
    let state = Arc::new(Mutex::new(Jwks {
        fail: true,
        ..Jwks::default()
    }));
    let jwks = jwks_server(Arc::clone(&state)).await;
    let clerk = clerk_for(&jwks, Duration::from_secs(3600));
    assert!(clerk.prefetch_keys().await.is_err());
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_a", 60, |_| {});
    let err = clerk
        .verify_token(&t, clerk_edge_hyper::now_ms())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    assert_eq!(
        state.lock().unwrap().hits,
        1,
        "no refetch within the interval"
    );
}

#[tokio::test]
async fn https_is_the_default_and_plain_http_only_for_loopback() {
    // Builds the rustls client (webpki roots) without any network call.
    let clerk = Clerk::builder().secret_key(SECRET).build().unwrap();
    assert_eq!(
        clerk.jwks().unwrap().url().to_string(),
        "https://api.clerk.com/v1/jwks"
    );
    let err = Clerk::builder()
        .secret_key(SECRET)
        .api_url("http://api.clerk.com")
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), "CLERK_API_URL");
}
