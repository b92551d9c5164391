//! Request authentication never touches the heap and never panics.
//!
//! - Every `authenticateRequest` conformance case runs under a counting
//!   global allocator: authenticating, writing every response header,
//!   the message and the auth object allocate nothing.
//! - Arbitrary requests (random and half-valid cookies, headers, paths,
//!   handshake parameters) never panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::{self, Write};

use clerk_edge::request::{Authenticator, Instance, RequestParts, Scheme, request_buffer_len};
use clerk_edge::{JwtKey, Verifier, VerifyOptions};
use proptest::prelude::*;
use serde_json::Value;

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

fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

/// A `fmt::Write` that only counts what it is given.
struct Sink(usize);

impl Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

const MAIN_PEM: &str = include_str!("data/keys/main.public.pem");
const NOW_MS: i64 = 1_767_225_600_000;
const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
const PK_TEST: &str = "pk_test_Zmx1ZW50LW95c3Rlci0xMi5jbGVyay5hY2NvdW50cy5kZXYk";

/// Everything a request borrows, owned.
struct Owned {
    method: String,
    target: String,
    scheme: Scheme,
    host: String,
    headers: Vec<(String, String)>,
    publishable_key: String,
}

impl Owned {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn parts(&self) -> RequestParts<'_> {
        let mut r = RequestParts::new(&self.method, &self.target);
        r.scheme = self.scheme;
        r.host = Some(&self.host);
        r.forwarded_proto = self.header("x-forwarded-proto");
        r.forwarded_host = self.header("x-forwarded-host");
        r.authorization = self.header("authorization");
        r.cookie = self.header("cookie");
        r.sec_fetch_dest = self.header("sec-fetch-dest");
        r.accept = self.header("accept");
        r.referer = self.header("referer");
        r.origin = self.header("origin");
        r
    }
}

fn conformance_requests() -> Vec<Owned> {
    let mut out = Vec::new();
    for file in ["cases.jsonl", "request-extra-cases.jsonl"] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        for line in text
            .lines()
            .filter(|l| l.contains(r#""kind":"authenticateRequest""#))
        {
            let case: Value = serde_json::from_str(line).unwrap();
            let url = case["url"].as_str().unwrap();
            let (scheme, rest) = url.split_once("://").unwrap();
            let split = rest.find('/').unwrap_or(rest.len());
            let (host, target) = rest.split_at(split);
            let headers = case["headers"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Owned {
                method: case["method"].as_str().unwrap_or("GET").to_string(),
                target: if target.is_empty() {
                    "/".into()
                } else {
                    target.into()
                },
                scheme: if scheme == "http" {
                    Scheme::Http
                } else {
                    Scheme::Https
                },
                host: host.to_string(),
                headers,
                publishable_key: case["publishableKey"].as_str().unwrap_or("").to_string(),
            });
        }
    }
    out
}

/// Authenticates and consumes everything the state can show.
fn exercise(auth: &Authenticator<'_>, request: &RequestParts<'_>, buf: &mut [u8]) -> usize {
    let state = auth.authenticate(request, NOW_MS, buf);
    let mut sink = Sink(0);
    for (name, value) in state.headers() {
        write!(sink, "{name}: {value}").unwrap();
    }
    write!(
        sink,
        "{} {:?} {}",
        state.status(),
        state.reason(),
        state.message()
    )
    .unwrap();
    if let Some(location) = state.location() {
        location.write_location(&mut sink).unwrap();
    }
    match state.to_auth() {
        Ok(Some(a)) => {
            a.write_json(&mut sink).unwrap();
            for p in [
                "org:articles:read",
                "articles:read",
                "org:teams:manage",
                "org:sys_profile:read",
            ] {
                sink.0 += usize::from(a.has_permission(p));
            }
            sink.0 += usize::from(a.has_role("admin"))
                + usize::from(a.has_feature("o:articles"))
                + usize::from(a.has_plan("pro"));
            if let Some(role) = a.org_role() {
                write!(sink, "{role}").unwrap();
            }
        }
        Ok(None) => {}
        Err(e) => write!(sink, "{e}").unwrap(),
    }
    sink.0
}

#[test]
fn authenticating_allocates_nothing() {
    let keys = [JwtKey::parse(MAIN_PEM).unwrap()];
    let parties = ["https://app.example.com"];
    let options = VerifyOptions {
        authorized_parties: &parties,
        ..VerifyOptions::default()
    };
    let requests = conformance_requests();
    assert!(requests.len() > 100);
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0;
    for owned in &requests {
        let instance = Instance::from_publishable_key(&owned.publishable_key).ok();
        let auth = Authenticator::new(Verifier::new(&keys, options), instance.as_ref());
        let request = owned.parts();
        let (written, allocations) = count(|| exercise(&auth, &request, &mut buf));
        assert_eq!(allocations, 0, "{} {}", owned.method, owned.target);
        total += written;
    }
    assert!(total > 0);
}

/// A valid token for the test key (from the conformance cases), to mix
/// into random requests.
fn valid_token() -> String {
    let path = format!("{}/tests/data/cases.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(r#""id":"ar/bearer-valid-v2""#))
        .unwrap();
    let case: Value = serde_json::from_str(line).unwrap();
    case["headers"]["authorization"]
        .as_str()
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_string()
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("__session".to_string()),
        Just("__session_naoXFJnI".to_string()),
        Just("__client_uat".to_string()),
        Just("__client_uat_naoXFJnI".to_string()),
        Just("__clerk_db_jwt".to_string()),
        Just("__clerk_handshake".to_string()),
        Just("__clerk_handshake_nonce".to_string()),
        Just("__clerk_redirect_count".to_string()),
        Just("__clerk_redirect_url".to_string()),
        Just("__refresh_naoXFJnI".to_string()),
        Just("%".to_string()),
        Just("%C3".to_string()),
        Just("%2E".to_string()),
        Just("+".to_string()),
        Just("=".to_string()),
        Just(";".to_string()),
        Just("&".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just(".".to_string()),
        Just("0x3".to_string()),
        Just("3".to_string()),
        Just("1767225500".to_string()),
        Just("Bearer ".to_string()),
        Just("bearer".to_string()),
        Just("https://".to_string()),
        Just("https://sat.example.net/cb?a=1#f".to_string()),
        Just("[::1]:8080".to_string()),
        Just("é😀".to_string()),
        Just("eyJhbGciOiJSUzI1NiJ9".to_string()),
        Just("VALID".to_string()),
        "\\PC{0,12}",
        any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..12).prop_map(|v| v.concat())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

/// A `Cookie` header of `name=value` pairs made of interesting pieces.
fn cookie_header() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        opt_text(),
        proptest::collection::vec((piece(), text()), 0..6).prop_map(|pairs| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics(
        dev in any::<bool>(),
        with_instance in any::<bool>(),
        get in any::<bool>(),
        path in text(),
        host in opt_text(),
        forwarded_proto in opt_text(),
        forwarded_host in opt_text(),
        authorization in opt_text(),
        cookie in cookie_header(),
        sec_fetch_dest in prop_oneof![Just(None), Just(Some("document".to_string())), opt_text()],
        accept in prop_oneof![Just(None), Just(Some("text/html".to_string())), opt_text()],
        referer in opt_text(),
        buf_len in prop_oneof![Just(0usize), 0usize..64, Just(4096), Just(64 * 1024)],
    ) {
        let token = valid_token();
        let fill = |s: Option<String>| s.map(|s| s.replace("VALID", &token));
        let keys = [JwtKey::parse(MAIN_PEM).unwrap()];
        let instance = Instance::from_publishable_key(if dev { PK_TEST } else { PK_LIVE }).unwrap();
        let auth = Authenticator::new(
            Verifier::new(&keys, VerifyOptions::default()),
            with_instance.then_some(&instance),
        );
        let path = format!("/{}", path.replace("VALID", &token));
        let host = fill(host);
        let forwarded_proto = fill(forwarded_proto);
        let forwarded_host = fill(forwarded_host);
        let authorization = fill(authorization);
        let cookie = fill(cookie);
        let referer = fill(referer);
        let mut request = RequestParts::new(if get { "GET" } else { "POST" }, &path);
        request.host = host.as_deref();
        request.forwarded_proto = forwarded_proto.as_deref();
        request.forwarded_host = forwarded_host.as_deref();
        request.authorization = authorization.as_deref();
        request.cookie = cookie.as_deref();
        request.sec_fetch_dest = sec_fetch_dest.as_deref();
        request.accept = accept.as_deref();
        request.referer = referer.as_deref();
        let mut buf = vec![0u8; buf_len.min(request_buffer_len(&request))];
        exercise(&auth, &request, &mut buf);
    }
}
