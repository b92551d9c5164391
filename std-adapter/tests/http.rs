//! The middleware seen from outside: a real server on a loopback socket, a
//! real HTTP client, the demo application's routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use bytes::Bytes;
use clerk_edge_hyper::demo::Minter;
use clerk_edge_hyper::{Auth, Clerk, ClerkLayer, get_auth, server};
use common::*;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;
use std::convert::Infallible;
use tower_layer::Layer;

async fn demo_server() -> (TestServer, Clerk) {
    let clerk = demo_clerk();
    let srv = start(server::demo_app(clerk.clone()), server::MAX_HEADER_BYTES).await;
    (srv, clerk)
}

#[tokio::test]
async fn header_and_cookie_tokens_reach_the_handler() {
    let (srv, _) = demo_server().await;
    let c = client();
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_header", 60, |s| {
        s.org = Some((
            "org_1".into(),
            "acme".into(),
            "admin".into(),
            vec!["org:reports:read".into()],
        ));
        s.extra = json!({"plan": "gold", "meta": {"tier": 3}});
    });

    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&t))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let auth = r.json();
    assert_eq!(auth["userId"], "user_header");
    assert_eq!(auth["orgId"], "org_1");
    assert_eq!(auth["orgRole"], "org:admin");
    assert_eq!(auth["orgPermissions"], json!(["org:reports:read"]));
    // Custom claims travel in the raw payload.
    assert_eq!(auth["sessionClaims"]["plan"], "gold");
    assert_eq!(auth["sessionClaims"]["meta"]["tier"], 3);
    assert!(r.header("x-clerk-auth-status").is_none());

    let cookie = format!("__session={t}; __client_uat={}", now_s() - 30);
    let r = get(&c, &srv.url("/protected"), &[("cookie", cookie.as_bytes())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["userId"], "user_header");

    // Permission route: granted.
    let r = get(&c, &srv.url("/reports"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn required_mode_answers_401_with_clerk_headers() {
    let (srv, _) = demo_server().await;
    let c = client();
    let m = Minter::demo().unwrap();

    let r = get(&c, &srv.url("/protected"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("x-clerk-auth-status").as_deref(),
        Some("signed-out")
    );
    assert_eq!(
        r.header("x-clerk-auth-reason").as_deref(),
        Some("session-token-and-uat-missing")
    );
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(r.json()["reason"], "session-token-and-uat-missing");

    let expired = token(&m, "user_old", -120, |_| {});
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&expired))],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["reason"],
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    let msg = r.header("x-clerk-auth-message").unwrap();
    assert!(msg.starts_with("JWT is expired."), "{msg}");
    assert!(
        msg.ends_with("(reason=token-expired, token-carrier=header)"),
        "{msg}"
    );

    let wrong = token(&m, "user_x", 60, |s| {
        s.azp = Some("https://evil.example.com".into())
    });
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&wrong))],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid-authorized-parties");

    let other = Minter::from_pem(
        include_str!("../../core/tests/data/keys/other.private.pem"),
        "ins_other",
    )
    .unwrap();
    let forged = token(&other, "user_forged", 60, |_| {});
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&forged))],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid-signature");

    // Signed in, but without the permission: the handler says 403.
    let t = token(&m, "user_noperm", 60, |_| {});
    let r = get(&c, &srv.url("/reports"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

#[tokio::test]
async fn lower_case_bearer_is_accepted() {
    // RFC 9110: the scheme is case-insensitive (Clerk ignores `bearer`).
    let (srv, _) = demo_server().await;
    let c = client();
    let t = token(&Minter::demo().unwrap(), "user_lower", 60, |_| {});
    let header = format!("bearer {t}");
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", header.as_bytes())],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["userId"], "user_lower");
}

#[tokio::test]
async fn optional_mode_lets_the_handler_decide() {
    let (srv, _) = demo_server().await;
    let c = client();
    let r = get(&c, &srv.url("/public"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["signedIn"], false);
    assert_eq!(r.json()["reason"], "session-token-and-uat-missing");
    // Clerk's debug headers are on the response, as clerkMiddleware() sets them.
    assert_eq!(
        r.header("x-clerk-auth-status").as_deref(),
        Some("signed-out")
    );

    let m = Minter::demo().unwrap();
    let t = token(&m, "user_pub", 60, |_| {});
    let r = get(&c, &srv.url("/public"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.json()["signedIn"], true);
    assert_eq!(r.json()["userId"], "user_pub");
}

/// The demo app for a production instance whose Frontend API host is
/// clerk.example.com (its publishable key).
async fn production_instance_server() -> TestServer {
    let clerk = Clerk::builder()
        .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM)
        .publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
        .build()
        .unwrap();
    start(server::demo_app(clerk), server::MAX_HEADER_BYTES).await
}

#[tokio::test]
async fn browser_page_loads_get_the_handshake_redirect() {
    let srv = production_instance_server().await;
    let c = client();
    let m = Minter::demo().unwrap();
    let mut expired = clerk_edge_hyper::demo::SessionSpec::new("user_h", now_s() - 3600, 60);
    expired.extra = json!({"iss": "https://clerk.example.com"});
    let expired = m.mint(&expired.payload()).unwrap();
    let cookie = format!("__session={expired}; __client_uat={}", now_s() - 4000);
    let r = get(
        &c,
        &srv.url("/protected?tab=1"),
        &[
            ("cookie", cookie.as_bytes()),
            ("sec-fetch-dest", b"document"),
            ("accept", b"text/html"),
        ],
    )
    .await;
    assert_eq!(r.status, 307, "{}", r.body);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(
            "https://clerk.example.com/v1/client/handshake?redirect_url=http%3A%2F%2F127.0.0.1"
        ),
        "{location}"
    );
    assert!(location.contains("%2Fprotected%3Ftab%3D1&"), "{location}");
    assert!(location.contains(
        "&__clerk_hs_reason=session-token-expired-refresh-non-eligible-no-refresh-cookie"
    ));
    assert_eq!(
        r.header("x-clerk-auth-status").as_deref(),
        Some("handshake")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(
        r.header("set-cookie")
            .unwrap()
            .starts_with("__clerk_redirect_count=1;")
    );

    // The same request from fetch() (not a page load): 401, no redirect.
    let r = get(&c, &srv.url("/protected"), &[("cookie", cookie.as_bytes())]).await;
    assert_eq!(r.status, 401);
    // After 3 redirects: signed out, no loop.
    let looped = format!("{cookie}; __clerk_redirect_count=3");
    let r = get(
        &c,
        &srv.url("/protected"),
        &[
            ("cookie", looped.as_bytes()),
            ("sec-fetch-dest", b"document"),
        ],
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn a_handshake_token_signs_in_and_sets_its_cookies() {
    // The handshake token's session is used and its cookies go out with
    // the handler's response (production: no redirect).
    let srv = production_instance_server().await;
    let c = client();
    let m = Minter::demo().unwrap();
    let session = token(&m, "user_hs", 60, |s| {
        s.extra = json!({"iss": "https://clerk.example.com"});
    });
    let handshake = m
        .mint(&json!({"handshake": [
            format!("__session={session}; Path=/; SameSite=Lax"),
            format!("__client_uat={}; Path=/; SameSite=Lax", now_s() - 5),
        ]}))
        .unwrap();
    let r = get(
        &c,
        &srv.url(&format!("/protected?__clerk_handshake={handshake}")),
        &[("sec-fetch-dest", b"document")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["userId"], "user_hs");
    let cookies: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with(&format!("__session={session};")));
    assert!(cookies[1].starts_with("__client_uat="));
    assert_eq!(
        r.header("access-control-allow-credentials").as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn custom_failure_hook_and_get_auth() {
    let handler = server::tower_service_fn(|req: Request<hyper::body::Incoming>| async move {
        let auth: &Auth = get_auth(&req);
        let body = format!(
            "{}:{}",
            auth.user_id().unwrap_or("-"),
            auth.claim("plan").map_or("-".into(), |v| v.to_string())
        );
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
    });
    let layer = ClerkLayer::required(demo_clerk()).on_unauthorized(|auth, parts| {
        let mut r = Response::new(Full::new(Bytes::from(format!(
            "please sign in to see {} ({})",
            parts.uri.path(),
            auth.reason().unwrap_or("")
        ))));
        *r.status_mut() = StatusCode::SEE_OTHER;
        r.headers_mut().insert(
            http::header::LOCATION,
            http::HeaderValue::from_static("/sign-in"),
        );
        r
    });
    let srv = start(layer.layer(handler), server::MAX_HEADER_BYTES).await;
    let c = client();
    let r = get(&c, &srv.url("/secret"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location").as_deref(), Some("/sign-in"));
    assert!(
        r.body.contains("/secret (session-token-and-uat-missing)"),
        "{}",
        r.body
    );
    assert_eq!(
        r.header("x-clerk-auth-status").as_deref(),
        Some("signed-out")
    );

    let m = Minter::demo().unwrap();
    let t = token(&m, "user_hook", 60, |s| s.extra = json!({"plan": "gold"}));
    let r = get(&c, &srv.url("/secret"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "user_hook:\"gold\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_share_one_verification() {
    let (srv, clerk) = demo_server().await;
    let c = client();
    let m = Minter::demo().unwrap();
    let tokens: Vec<String> = (0..8)
        .map(|i| token(&m, &format!("user_{i}"), 60, |_| {}))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..400usize {
        let c = c.clone();
        let url = srv.url("/protected");
        let t = tokens[i % tokens.len()].clone();
        tasks.push(tokio::spawn(async move {
            let r = get(&c, &url, &[("authorization", &bearer(&t))]).await;
            (i, r.status, r.json()["userId"].clone())
        }));
    }
    for t in tasks {
        let (i, status, user) = t.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(user, format!("user_{}", i % 8));
    }
    let cache = clerk.cache().unwrap();
    assert_eq!(cache.len(), 8, "one cache entry per distinct token");
}

#[tokio::test]
async fn hostile_input_gets_a_clear_answer_and_the_server_keeps_serving() {
    let (srv, _) = demo_server().await;
    let c = client();
    let m = Minter::demo().unwrap();
    let good = token(&m, "user_ok", 60, |_| {});
    let still_serving = |c: hyper_util::client::legacy::Client<_, Full<Bytes>>,
                         url: String,
                         good: String| async move {
        let r = get(&c, &url, &[("authorization", &bearer(&good))]).await;
        assert_eq!(r.status, 200, "server still serves valid requests");
    };
    let url = srv.url("/protected");

    // A 64 KB cookie header (one huge value).
    let big = format!("__client_uat=1; __session={}", "a".repeat(64 * 1024));
    let r = get(&c, &url, &[("cookie", big.as_bytes())]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid");
    still_serving(c.clone(), url.clone(), good.clone()).await;

    // Thousands of cookies, the session cookie last.
    let mut many = String::new();
    for i in 0..5000 {
        many.push_str(&format!("c{i}=v{i}; "));
    }
    many.push_str(&format!("__session={good}; __client_uat={}", now_s() - 30));
    let r = get(&c, &url, &[("cookie", many.as_bytes())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let only_junk: String = (0..5000).map(|i| format!("c{i}=v{i}; ")).collect();
    let r = get(&c, &url, &[("cookie", only_junk.as_bytes())]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "session-token-and-uat-missing");

    // Non-UTF-8 bytes in the Authorization and Cookie headers.
    let r = get(
        &c,
        &url,
        &[("authorization", b"Bearer \xff\xfe\x80abc.def.ghi")],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid");
    let r = get(
        &c,
        &url,
        &[("cookie", b"__session=\xff\xfe; __client_uat=5")],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid");
    // Such bytes in another cookie (read as Latin-1, like Fetch) do not
    // hide the session cookie.
    let mut mixed = b"junk=\xff\xfe; ".to_vec();
    mixed.extend(format!("__session={good}; __client_uat={}", now_s() - 30).bytes());
    let r = get(&c, &url, &[("cookie", &mixed)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    still_serving(c.clone(), url.clone(), good.clone()).await;

    // A 1 MB token: refused by the core's length limit.
    let huge = format!(
        "{}.{}.{}",
        "a".repeat(500_000),
        "b".repeat(500_000),
        "c".repeat(48_576)
    );
    let r = get(&c, &url, &[("authorization", &bearer(&huge))]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "token-invalid");
    still_serving(c.clone(), url.clone(), good.clone()).await;
}

#[tokio::test]
async fn default_header_limits_answer_431_and_keep_serving() {
    // With hyper's default head size, a 1 MB token never reaches the layer.
    let srv = start(server::demo_app(demo_clerk()), 0).await;
    let c = client();
    let huge = "x".repeat(1 << 20);
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&huge))],
    )
    .await;
    assert_eq!(r.status, 431);
    let m = Minter::demo().unwrap();
    let good = token(&m, "user_ok", 60, |_| {});
    let r = get(
        &c,
        &srv.url("/protected"),
        &[("authorization", &bearer(&good))],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn graceful_shutdown_finishes() {
    let (srv, _) = demo_server().await;
    let c = client();
    let r = get(&c, &srv.url("/health"), &[]).await;
    assert_eq!(r.status, 200);
    tokio::time::timeout(std::time::Duration::from_secs(15), srv.shutdown())
        .await
        .unwrap();
}
