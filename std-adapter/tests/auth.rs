//! The owned `Auth` answers with the core's `toAuth()` and `has()`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use clerk_edge_hyper::demo::Minter;
use clerk_edge_hyper::{Auth, AuthStatus, ClerkLayer, now_ms};
use common::*;
use http::Request;
use http_body_util::Full;
use serde_json::json;
use std::convert::Infallible;
use tower::{ServiceBuilder, ServiceExt};

fn auth_of(token: &str) -> Auth {
    let session = demo_clerk().verify_token_now(token, now_ms()).unwrap();
    Auth::from_session(session)
}

#[test]
fn organization_permissions_roles_features_and_plans() {
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_org", 60, |s| {
        s.org = Some((
            "org_1".into(),
            "acme".into(),
            "admin".into(),
            vec!["org:reports:read".into(), "org:teams:manage".into()],
        ));
        s.extra = json!({"pla": "u:free,o:pro", "plan": "gold"});
    });
    let auth = auth_of(&t);
    assert!(auth.is_signed_in());
    assert_eq!(auth.user_id(), Some("user_org"));
    assert_eq!(auth.org_id(), Some("org_1"));
    assert_eq!(auth.org_slug(), Some("acme"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert_eq!(
        auth.org_permissions(),
        ["org:reports:read", "org:teams:manage"]
    );
    assert!(auth.has_permission("org:reports:read"));
    assert!(auth.has_permission("reports:read"), "org: may be left out");
    assert!(!auth.has_permission("org:reports:manage"));
    assert!(auth.has_role("org:admin") && auth.has_role("admin"));
    assert!(!auth.has_role("org:member"));
    assert!(auth.has_feature("reports") && auth.has_feature("o:teams"));
    assert!(!auth.has_feature("u:reports"));
    assert!(auth.has_plan("pro") && auth.has_plan("u:free") && !auth.has_plan("u:pro"));
    assert_eq!(auth.claim("plan"), Some(&json!("gold")));
    assert_eq!(auth.factor_verification_age(), Some(&json!([0, -1])));
    let j = auth.to_json();
    assert_eq!(j["orgRole"], "org:admin");
    assert_eq!(
        j["orgPermissions"],
        json!(["org:reports:read", "org:teams:manage"])
    );
    assert_eq!(j["sessionClaims"]["plan"], "gold");
}

#[test]
fn pending_and_unmappable_sessions_are_signed_out() {
    let m = Minter::demo().unwrap();
    let pending = token(&m, "user_p", 60, |s| s.extra = json!({"sts": "pending"}));
    let auth = auth_of(&pending);
    assert!(!auth.is_signed_in());
    assert_eq!(auth.status(), AuthStatus::SignedOut);
    assert_eq!(auth.session_status(), Some("pending"));
    assert_eq!(auth.to_json()["sessionStatus"], "pending");
    assert_eq!(auth.to_json()["userId"], serde_json::Value::Null);
    assert!(!auth.has_permission("org:reports:read"));

    // A v2 `fea` element without `:` makes Clerk's toAuth() throw.
    let broken = token(&m, "user_b", 60, |s| {
        s.org = Some(("org_1".into(), "acme".into(), "admin".into(), vec![]));
        s.extra = json!({"fea": "reports"});
    });
    let auth = auth_of(&broken);
    assert_eq!(auth.reason(), Some("unexpected-error"));
    assert_eq!(
        auth.message(),
        Some("Invalid claim element (missing colon): reports")
    );
}

#[tokio::test]
async fn required_mode_refuses_a_pending_session() {
    let m = Minter::demo().unwrap();
    let pending = token(&m, "user_p", 60, |s| s.extra = json!({"sts": "pending"}));
    let svc = ServiceBuilder::new()
        .layer(ClerkLayer::required(demo_clerk()))
        .service(tower::service_fn(
            |_req: Request<Full<bytes::Bytes>>| async {
                Ok::<_, Infallible>(http::Response::new(Full::new(bytes::Bytes::new())))
            },
        ));
    let req = Request::get("/")
        .header("authorization", bearer(&pending))
        .body(Full::new(bytes::Bytes::new()))
        .unwrap();
    let resp = svc.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["x-clerk-auth-status"], "signed-out");
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["reason"], "session-pending");
}

/// `header_only`: the `Authorization` header signs in; the same token in
/// the `__session` cookie is not read (signed out as with no cookie).
#[test]
fn header_only_ignores_the_session_cookie() {
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_api", 60, |_| {});
    let header_only = clerk_edge_hyper::Clerk::builder()
        .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM)
        .authorized_party(APP_ORIGIN)
        .header_only(true)
        .build()
        .unwrap();
    let by_cookie = || {
        Request::get("http://app.example.com/api")
            .header(
                "cookie",
                format!("__session={t}; __client_uat={}", now_s() - 30),
            )
            .body(())
            .unwrap()
    };
    let by_header = Request::get("http://app.example.com/api")
        .header("authorization", format!("Bearer {t}"))
        .body(())
        .unwrap();

    // The default configuration reads the cookie, as Clerk does.
    let state = demo_clerk().authenticate_now(&by_cookie(), now_ms());
    assert_eq!(state.status, AuthStatus::SignedIn);

    let state = header_only.authenticate_now(&by_cookie(), now_ms());
    assert_eq!(state.status, AuthStatus::SignedOut);
    assert_eq!(state.auth.reason(), Some("session-token-and-uat-missing"));
    assert_eq!(
        state.headers.get("x-clerk-auth-reason").unwrap(),
        "session-token-and-uat-missing"
    );

    let state = header_only.authenticate_now(&by_header, now_ms());
    assert_eq!(state.status, AuthStatus::SignedIn);
    assert_eq!(state.auth.user_id(), Some("user_api"));
}
