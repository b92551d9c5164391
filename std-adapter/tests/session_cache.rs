//! The cache keeps the owned session of a header token: a repeated token
//! gets the same answer as from the core, and anything the core would
//! answer differently (the clock, a token `verifyToken` accepts but the
//! header path refuses, cookies) still goes through the core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use clerk_edge_hyper::demo::Minter;
use clerk_edge_hyper::{AuthStatus, Clerk, RequestState, now_ms};
use common::*;
use std::sync::Arc;

fn uncached() -> Clerk {
    Clerk::builder()
        .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM)
        .authorized_party(APP_ORIGIN)
        .cache_capacity(0)
        .build()
        .unwrap()
}

fn header_request(authorization: &str) -> http::Request<()> {
    http::Request::get("/api")
        .header("authorization", authorization)
        .header("host", "app.test")
        .body(())
        .unwrap()
}

/// What a test compares: status, reason, message, headers, user.
fn view(
    s: &RequestState,
) -> (
    AuthStatus,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
) {
    (
        s.status,
        s.auth.reason().map(str::to_owned),
        s.auth.message().map(str::to_owned),
        format!("{:?}", s.headers),
        s.auth.user_id().map(str::to_owned),
    )
}

#[test]
fn a_repeated_header_token_shares_its_session_until_its_times_fail() {
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_hit", 60, |_| {});
    let (cached, plain) = (demo_clerk(), uncached());
    let req = header_request(&format!("Bearer {t}"));
    let now = now_ms();

    let first = cached.authenticate_now(&req, now);
    let second = cached.authenticate_now(&req, now + 1000);
    assert_eq!(view(&first), view(&plain.authenticate_now(&req, now)));
    assert_eq!(
        view(&second),
        view(&plain.authenticate_now(&req, now + 1000))
    );
    assert!(second.auth.is_signed_in());
    let (a, b) = (
        first.auth.session().unwrap(),
        second.auth.session().unwrap(),
    );
    assert!(std::ptr::eq(a, b), "the hit shares the kept session");

    // `verify_token` shares it too.
    let v = cached.verify_token_now(&t, now).unwrap();
    assert!(std::ptr::eq(Arc::as_ptr(&v), a));

    // Expired (beyond the 5 s skew), not yet valid (`nbf` = iat - 10 s,
    // `iat` in the future): the core answers, exactly as without a cache.
    for at in [now + 66_000, now - 20_000, now - 6_000, now + 64_000] {
        let c = cached.authenticate_now(&req, at);
        let p = plain.authenticate_now(&req, at);
        assert_eq!(view(&c), view(&p), "at {at}");
        let vc = cached
            .verify_token_now(&t, at)
            .map(|s| s.claims().sub.clone());
        let vp = plain
            .verify_token_now(&t, at)
            .map(|s| s.claims().sub.clone());
        assert_eq!(vc, vp, "verify_token at {at}");
    }
    assert_eq!(
        cached.authenticate_now(&req, now + 66_000).auth.reason(),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
}

#[test]
fn a_session_kept_by_verify_token_does_not_sign_in_a_machine_header_token() {
    // `verifyToken` accepts an `mch_` subject; the header path refuses it.
    let m = Minter::demo().unwrap();
    let t = token(&m, "mch_robot", 60, |_| {});
    let (cached, plain) = (demo_clerk(), uncached());
    let now = now_ms();
    assert!(cached.verify_token_now(&t, now).is_ok());
    let req = header_request(&format!("Bearer {t}"));
    for _ in 0..2 {
        let c = cached.authenticate_now(&req, now);
        assert_eq!(view(&c), view(&plain.authenticate_now(&req, now)));
        assert_eq!(c.auth.reason(), Some("token-type-mismatch"));
    }
}

#[test]
fn cookie_requests_still_go_through_the_core() {
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_cookie", 60, |_| {});
    let (cached, plain) = (demo_clerk(), uncached());
    let now = now_ms();
    // Kept by the header path first.
    assert!(
        cached
            .authenticate_now(&header_request(&format!("Bearer {t}")), now)
            .auth
            .is_signed_in()
    );
    let uat = now_s() + 100;
    for cookie in [
        format!("__session={t}; __client_uat={}", now_s() - 100),
        format!("__session={t}; __client_uat={uat}"),
        format!("__session={t}"),
    ] {
        let req = http::Request::get("/api")
            .header("cookie", &cookie)
            .header("host", "app.test")
            .body(())
            .unwrap();
        let c = cached.authenticate_now(&req, now);
        assert_eq!(
            view(&c),
            view(&plain.authenticate_now(&req, now)),
            "{cookie}"
        );
    }
}

#[test]
fn odd_authorization_headers_match_the_core() {
    let m = Minter::demo().unwrap();
    let t = token(&m, "user_odd", 60, |_| {});
    let (cached, plain) = (demo_clerk(), uncached());
    let now = now_ms();
    for value in [
        format!("Bearer {t}"),
        format!("bearer {t}"),
        format!("  Bearer {t}\t"),
        t.clone(),
        format!("Bearer {t} extra"),
        format!("Bearer  {t}"),
        format!("Basic {t}"),
        format!("Bearer {t}x"),
    ] {
        for _ in 0..2 {
            let req = header_request(&value);
            let c = cached.authenticate_now(&req, now);
            assert_eq!(
                view(&c),
                view(&plain.authenticate_now(&req, now)),
                "{value}"
            );
        }
    }
    // Two `Authorization` fields are joined, as Fetch joins them.
    let req = http::Request::get("/api")
        .header("authorization", format!("Bearer {t}"))
        .header("authorization", format!("Bearer {t}"))
        .body(())
        .unwrap();
    let c = cached.authenticate_now(&req, now);
    assert_eq!(view(&c), view(&plain.authenticate_now(&req, now)));
}
