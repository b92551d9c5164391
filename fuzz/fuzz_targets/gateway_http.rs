//! The gateway's HTTP request reader (`clerk_edge_gateway::http::parse_head`)
//! and what it hands to the core (`clerk_edge_gateway::auth::authenticate`).
//!
//! Input: two little-endian `u16` (buffer capacity, body limit), then the
//! bytes received. Nothing may panic, and:
//! - a complete head lies within the bytes received, its path is a
//!   `/`-prefixed slice of them without `?`, its `Content-Length` respects
//!   the limit;
//! - a head that arrives in two pieces is not refused after the first
//!   piece (every proper prefix of an accepted head is `Partial`);
//! - the accepted head authenticates without panicking, into a buffer of
//!   the size the gateway reserves.
#![no_main]

use clerk_edge::request::Authenticator;
use clerk_edge::{JwtKey, Verifier, VerifyOptions};
use clerk_edge_fuzz::NOW_MS;
use clerk_edge_fuzz::keys::MAIN_PUBLIC_PEM;
use clerk_edge_gateway::http::{Parsed, parse_head};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static KEYS: LazyLock<Vec<JwtKey>> =
    LazyLock::new(|| vec![JwtKey::parse(MAIN_PUBLIC_PEM).expect("key")]);

fuzz_target!(|data: &[u8]| {
    let Some((params, received)) = data.split_first_chunk::<4>() else {
        return;
    };
    let capacity = usize::from(u16::from_le_bytes([params[0], params[1]])).max(received.len());
    let max_body = usize::from(u16::from_le_bytes([params[2], params[3]]));
    let Ok(Parsed::Complete(req)) = parse_head(received, capacity, max_body) else {
        return;
    };
    assert!(req.head_len <= received.len());
    assert!(req.path.end <= req.head_len && req.path.start < req.path.end);
    let path = &received[req.path.clone()];
    assert_eq!(path[0], b'/');
    assert!(!path.contains(&b'?'));
    assert!(req.content_length <= max_body);

    let cut = usize::from(params[0]) % req.head_len;
    assert_eq!(
        parse_head(&received[..cut], capacity, max_body),
        Ok(Parsed::Partial),
        "a prefix of {} bytes of an accepted head is refused",
        cut
    );

    let verifier = Verifier::new(&KEYS, VerifyOptions::default());
    let authenticator = Authenticator::new(verifier, None);
    let head = &received[..req.head_len];
    let mut buf = vec![0u8; clerk_edge::verify::buffer_len(capacity)];
    let state = clerk_edge_gateway::auth::authenticate(&authenticator, head, NOW_MS, &mut buf);
    for (name, value) in state.headers() {
        let _ = format!("{name}: {value}");
    }
    let _ = format!(
        "{} {:?}",
        state.message(),
        state.to_auth().map(|a| a.map(|a| a.user_id()))
    );
});
