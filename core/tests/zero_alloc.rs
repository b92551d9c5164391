//! Key loading and token verification never touch the heap: a counting
//! global allocator sees zero allocations while they run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use clerk_edge::{JwtKey, Verifier, VerifyOptions, verify};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns its result with the allocations it made.
fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

const KEY: &str = include_str!("data/keys/main.public.pem");
const BIG_KEY: &str = include_str!("data/keys/big.public.pem");

/// The realistic v2 session token of the conformance cases (`vt/valid-v2`),
/// valid at 2026-01-01T00:00:00Z.
fn valid_v2_token() -> (String, i64) {
    let cases = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cases.jsonl"
    ))
    .unwrap();
    let line = cases
        .lines()
        .find(|l| l.contains("\"id\":\"vt/valid-v2\""))
        .unwrap();
    let case: serde_json::Value = serde_json::from_str(line).unwrap();
    (
        case["token"].as_str().unwrap().to_owned(),
        case["nowMs"].as_i64().unwrap(),
    )
}

#[test]
fn loading_keys_does_not_allocate() {
    for text in [KEY, BIG_KEY] {
        let (key, n) = count(|| JwtKey::parse(text));
        assert!(key.is_ok());
        assert_eq!(n, 0, "allocations while loading a key");
    }
}

#[test]
fn verifying_does_not_allocate() {
    let (token, now_ms) = valid_v2_token();
    let keys = [JwtKey::parse(KEY).unwrap()];
    let parties = ["https://app.example.com"];
    let verifier = Verifier::new(
        &keys,
        VerifyOptions {
            authorized_parties: &parties,
            ..VerifyOptions::default()
        },
    );
    let mut buf = [0u8; verify::buffer_len(2048)];
    let (user, n) = count(|| {
        let verified = verifier.verify(&token, now_ms, &mut buf).unwrap();
        verified.claims.sub.len()
    });
    assert_eq!(user, "user_2vYVtestUSER".len());
    assert_eq!(n, 0, "allocations while verifying a valid token");

    // The failure paths too, including formatting Clerk's message into a
    // fixed buffer.
    let expired_now = now_ms + 3_600_000;
    let (len, n) = count(|| {
        let err = verifier.verify(&token, expired_now, &mut buf).unwrap_err();
        let mut msg = heapless_string::<256>();
        core::fmt::write(&mut msg, format_args!("{err}")).unwrap();
        msg.len
    });
    assert!(len > 20);
    assert_eq!(n, 0, "allocations while rejecting an expired token");
}

/// A fixed-capacity `fmt::Write` sink, so formatting itself cannot allocate.
struct FixedString<const N: usize> {
    buf: [u8; N],
    len: usize,
}

fn heapless_string<const N: usize>() -> FixedString<N> {
    FixedString {
        buf: [0; N],
        len: 0,
    }
}

impl<const N: usize> core::fmt::Write for FixedString<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
