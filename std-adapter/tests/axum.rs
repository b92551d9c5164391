//! The layer and the extractors in an axum application, over loopback.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use axum::Router;
use axum::routing::get as route;
use clerk_edge_hyper::ClerkLayer;
use clerk_edge_hyper::axum::{ClerkAuth, RequireAuth};
use clerk_edge_hyper::demo::Minter;
use common::*;

async fn hello(ClerkAuth(auth): ClerkAuth) -> String {
    format!("hello {}", auth.user_id().unwrap_or("stranger"))
}

async fn me(RequireAuth(auth): RequireAuth) -> axum::Json<serde_json::Value> {
    axum::Json(auth.to_json())
}

#[tokio::test]
async fn axum_router_with_layer_and_extractors() {
    let app = Router::new()
        .route("/hello", route(hello))
        .route("/me", route(me))
        .layer(ClerkLayer::optional(demo_clerk()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let c = client();
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_axum", 60, |_| {});
    let url = |p: &str| format!("http://{addr}{p}");

    let r = get(&c, &url("/hello"), &[]).await;
    assert_eq!(r.body, "hello stranger");
    let r = get(&c, &url("/hello"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.body, "hello user_axum");

    let r = get(&c, &url("/me"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], "session-token-and-uat-missing");
    let r = get(&c, &url("/me"), &[("authorization", &bearer(&t))]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["userId"], "user_axum");

    // Required mode as an axum layer.
    let strict = Router::new()
        .route("/me", route(me))
        .layer(ClerkLayer::required(demo_clerk()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr2 = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, strict).await.unwrap() });
    let r = get(&c, &format!("http://{addr2}/me"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("x-clerk-auth-reason").as_deref(),
        Some("session-token-and-uat-missing")
    );
}
