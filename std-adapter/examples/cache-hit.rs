//! Cost of one verification with and without the verified-token cache:
//!
//!     cargo run --release -p clerk-edge-hyper --example cache-hit
//!
//! Compare with `openssl speed -seconds 3 rsa2048` (verify/s) on the same
//! machine: the budget for a cache hit is 0.05x an OpenSSL RSA-2048 verify.

use clerk_edge_hyper::demo::{DEMO_PUBLIC_KEY_PEM, Minter, SessionSpec};
use clerk_edge_hyper::request::RequestView;
use clerk_edge_hyper::{Clerk, now_ms};
use std::time::Instant;

fn per_op(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / f64::from(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let minter = Minter::demo()?;
    let mut spec = SessionSpec::new("user_bench", now_ms() / 1000, 3600);
    spec.azp = Some("https://app.example.com".into());
    spec.org = Some((
        "org_1".into(),
        "acme".into(),
        "admin".into(),
        vec!["org:reports:read".into(), "org:teams:manage".into()],
    ));
    let token = minter.mint(&spec.payload())?;
    let build = |cache: usize| {
        Clerk::builder()
            .jwt_key(DEMO_PUBLIC_KEY_PEM)
            .authorized_party("https://app.example.com")
            .cache_capacity(cache)
            .build()
    };
    let cached = build(4096)?;
    let uncached = build(0)?;
    let now = now_ms();
    let mut ok = true;

    let miss = per_op(2_000, || {
        ok &= uncached.verify_token_now(&token, now).is_ok()
    });
    let hit = per_op(2_000_000, || {
        ok &= cached.verify_token_now(&token, now).is_ok()
    });

    let req = http::Request::get("/api")
        .header("authorization", format!("Bearer {token}"))
        .header("host", "app.example.com")
        .body(())?;
    let view = RequestView::of(&req);
    let request = per_op(1_000_000, || {
        ok &= cached.authenticate_now(&view, now).auth.is_signed_in();
    });
    assert!(ok, "every verification succeeded");
    println!("token: {} bytes", token.len());
    println!("verify, no cache (RSA each time): {:>9.0} ns", miss);
    println!("verify, cache hit:                {:>9.0} ns", hit);
    println!("whole request state, cache hit:   {:>9.0} ns", request);
    Ok(())
}
