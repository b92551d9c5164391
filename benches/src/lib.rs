//! Shared pieces of the benchmarks: the token and key every contender
//! verifies, the clock criterion measures with, and the "what a user would
//! write" verification of the peers that do not verify whole tokens
//! themselves.
//!
//! The measuring itself is `benches/scripts/run.sh`; `cargo bench -p
//! clerk-edge-benches --no-run` only proves that everything still compiles.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};
use serde::Deserialize;
use std::time::Instant;

/// Cases the conformance tests share; the benchmarks take one of them.
const CASES: &str = include_str!("../../core/tests/data/cases.jsonl");
/// The same RSA-2048 key as PKCS#1 `RSAPublicKey` (what `ring` reads).
const PKCS1_PEM: &str = include_str!("../../core/tests/data/keys/main.pkcs1.pem");

/// The case every contender verifies: a realistic Clerk v2 session token
/// (organization claims, features, plans, `fva`) and its RSA-2048 jwtKey.
pub const CASE_ID: &str = "vt/valid-v2";

/// The `azp` of the token, passed as the authorized party so that every
/// claim check runs.
pub const AUTHORIZED_PARTY: &str = "https://app.example.com";

/// The token, its key and the clock at which it is valid.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// The compact JWS.
    pub token: String,
    /// The jwtKey, SPKI PEM.
    pub pem: String,
    /// The jwtKey as SPKI DER.
    pub spki_der: Vec<u8>,
    /// The jwtKey as PKCS#1 `RSAPublicKey` DER.
    pub pkcs1_der: Vec<u8>,
    /// A time (Unix ms) at which the token is valid.
    pub now_ms: i64,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: String,
    /// The decoded signature.
    pub signature: Vec<u8>,
    /// SHA-256 of the signing input.
    pub digest: [u8; 32],
}

#[derive(Deserialize)]
struct Case {
    id: String,
    token: Option<String>,
    #[serde(rename = "jwtKey")]
    jwt_key: Option<String>,
    #[serde(rename = "nowMs")]
    now_ms: Option<i64>,
}

/// Base64 body of a PEM document.
fn pem_body(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("PEM body is base64")
}

impl Fixture {
    /// Loads [`CASE_ID`] from the conformance data.
    pub fn load() -> Self {
        let case: Case = CASES
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<Case>(l).expect("cases.jsonl line"))
            .find(|c| c.id == CASE_ID)
            .expect("the benchmark case is in cases.jsonl");
        let token = case.token.expect("token");
        let pem = case.jwt_key.expect("jwtKey");
        let (signing_input, sig) = token.rsplit_once('.').expect("three segments");
        let signature = URL_SAFE_NO_PAD.decode(sig).expect("signature");
        let digest = sha256(signing_input.as_bytes());
        Fixture {
            spki_der: pem_body(&pem),
            pkcs1_der: pem_body(PKCS1_PEM),
            now_ms: case.now_ms.expect("nowMs"),
            signing_input: signing_input.to_owned(),
            signature,
            digest,
            token,
            pem,
        }
    }

    /// The three segments, as they appear in the token.
    pub fn segments(&self) -> (&str, &str, &str) {
        let mut it = self.token.split('.');
        let h = it.next().expect("header");
        let p = it.next().expect("payload");
        let s = it.next().expect("signature");
        (h, p, s)
    }
}

/// SHA-256 with the same `sha2` release the core uses.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

// ---------------------------------------------------------------------------
// The clock

/// What criterion measures: this thread's CPU time by default, like
/// `openssl speed` (which divides by user CPU time unless given
/// `-elapsed`), so that the ratio to OpenSSL compares like with like on a
/// shared machine; wall-clock time with `CLERK_BENCH_CLOCK=wall`.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    cpu: bool,
}

impl Clock {
    /// From `CLERK_BENCH_CLOCK` (`cpu`, the default, or `wall`).
    pub fn from_env() -> Self {
        let wall = std::env::var("CLERK_BENCH_CLOCK").is_ok_and(|v| v == "wall");
        Clock { cpu: !wall }
    }

    /// The name printed in the results.
    pub fn name(&self) -> &'static str {
        if self.cpu {
            "thread CPU time"
        } else {
            "wall clock"
        }
    }
}

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // that every Linux kernel since 2.6.12 supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Start of a measurement.
#[derive(Clone, Copy, Debug)]
pub enum Start {
    /// Thread CPU nanoseconds.
    Cpu(u64),
    /// Wall clock.
    Wall(Instant),
}

impl Measurement for Clock {
    type Intermediate = Start;
    type Value = u64;

    fn start(&self) -> Start {
        if self.cpu {
            Start::Cpu(thread_cpu_ns())
        } else {
            Start::Wall(Instant::now())
        }
    }

    fn end(&self, start: Start) -> u64 {
        match start {
            Start::Cpu(t) => thread_cpu_ns().saturating_sub(t),
            Start::Wall(t) => u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX),
        }
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Formats nanoseconds like criterion's own wall-clock formatter.
struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e3, "µs")
        } else if typical < 1e9 {
            (1e6, "ms")
        } else {
            (1e9, "s")
        };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }

    fn scale_throughputs(&self, typical: f64, tp: &Throughput, values: &mut [f64]) -> &'static str {
        let per_iter = match *tp {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n,
            Throughput::Bits(n) => n,
            Throughput::ElementsAndBytes { elements, .. } => elements,
        } as f64;
        let _ = typical;
        values.iter_mut().for_each(|v| *v = per_iter * 1e9 / *v);
        "/s"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// Criterion with this crate's clock and settings; the command line
/// (`--measurement-time`, `--warm-up-time`, a filter...) still applies.
pub fn criterion() -> criterion::Criterion<Clock> {
    criterion::Criterion::default()
        .with_measurement(Clock::from_env())
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .sample_size(50)
}

// ---------------------------------------------------------------------------
// What a user of a signature-only library writes to verify a Clerk token

/// The JOSE header fields a verifier looks at.
#[derive(Debug, Deserialize)]
pub struct PeerHeader {
    /// `alg`
    pub alg: String,
    /// `kid`
    pub kid: Option<String>,
    /// `typ`
    pub typ: Option<String>,
}

/// Clerk v2 `o` claim (the active organization).
#[derive(Debug, Deserialize)]
pub struct PeerOrg {
    /// `id`
    pub id: String,
    /// `slg`
    pub slg: Option<String>,
    /// `rol`
    pub rol: Option<String>,
    /// `per`
    pub per: Option<String>,
    /// `fpm`
    pub fpm: Option<String>,
}

/// Clerk's session claims as a Rust user would declare them for serde.
#[derive(Debug, Deserialize)]
pub struct PeerClaims {
    /// `sub`
    pub sub: String,
    /// `sid`
    pub sid: Option<String>,
    /// `azp`
    pub azp: Option<String>,
    /// `iss`
    pub iss: Option<String>,
    /// `exp`
    pub exp: u64,
    /// `nbf`
    pub nbf: Option<u64>,
    /// `iat`
    pub iat: Option<u64>,
    /// `v`
    pub v: Option<u32>,
    /// `sts`
    pub sts: Option<String>,
    /// `fva`
    pub fva: Option<Vec<i64>>,
    /// `o`
    pub o: Option<PeerOrg>,
    /// `fea`
    pub fea: Option<String>,
    /// `pla`
    pub pla: Option<String>,
    /// `jti`
    pub jti: Option<String>,
}

/// Clerk's clock skew, in seconds.
const SKEW_S: u64 = 5;

/// Verifies a Clerk session token the way a user of a signature-only
/// library (ring, aws-lc-rs, rsa) would: split, decode the header and check
/// `alg`, decode the signature, verify it over `header.payload` with
/// `verify_sig(message, signature)`, then decode and deserialize the claims
/// with serde_json and check `exp`, `nbf`, `iat` and `azp`.
pub fn verify_by_hand(
    token: &str,
    now_s: u64,
    authorized_party: &str,
    verify_sig: impl Fn(&[u8], &[u8]) -> bool,
) -> Option<PeerClaims> {
    let (signing_input, sig_b64) = token.rsplit_once('.')?;
    let (header_b64, payload_b64) = signing_input.split_once('.')?;
    let header: PeerHeader =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
    if header.alg != "RS256" {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
    if !verify_sig(signing_input.as_bytes(), &signature) {
        return None;
    }
    let claims: PeerClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload_b64).ok()?).ok()?;
    let expired = claims.exp + SKEW_S <= now_s;
    let not_yet = claims.nbf.is_some_and(|nbf| nbf > now_s + SKEW_S);
    let future = claims.iat.is_some_and(|iat| iat > now_s + SKEW_S);
    let azp_ok = claims.azp.as_deref() == Some(authorized_party);
    (!expired && !not_yet && !future && azp_ok).then_some(claims)
}

// ---------------------------------------------------------------------------
// jsonwebtoken 11

/// jsonwebtoken 11's whole-token verification, with whichever crypto
/// provider the calling process installed: `decode::<PeerClaims>` with
/// RS256, `exp` and `nbf` validated, then the `azp` check jsonwebtoken does
/// not do. The key is loaded once (`DecodingKey::from_rsa_pem`); the
/// provider turns it into its own key type on every `decode`, which is how
/// jsonwebtoken works.
///
/// jsonwebtoken reads the system clock; the benchmark token expired at a
/// fixed date, so the leeway is widened to make it valid now (the
/// comparison still runs on every call).
pub fn bench_jsonwebtoken(c: &mut criterion::Criterion<Clock>, name: &str) {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, get_current_timestamp};
    let fx = Fixture::load();
    let key = DecodingKey::from_rsa_pem(fx.pem.as_bytes()).expect("jsonwebtoken key");
    let (_, payload, _) = fx.segments();
    let exp: u64 =
        serde_json::from_slice::<PeerClaims>(&URL_SAFE_NO_PAD.decode(payload).expect("payload"))
            .expect("claims")
            .exp;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = get_current_timestamp().saturating_sub(exp) + 3600;
    let verify = |token: &str| {
        decode::<PeerClaims>(token, &key, &validation)
            .ok()
            .filter(|d| d.claims.azp.as_deref() == Some(AUTHORIZED_PARTY))
    };
    assert!(
        verify(&fx.token).is_some(),
        "{name} verifies the benchmark token"
    );

    let mut g = c.benchmark_group("whole-token");
    g.bench_function(name, |b| {
        b.iter(|| std::hint::black_box(verify(std::hint::black_box(&fx.token))))
    });
    g.finish();

    let mut g = c.benchmark_group("key-load");
    g.bench_function(name, |b| {
        b.iter(|| {
            std::hint::black_box(
                DecodingKey::from_rsa_pem(std::hint::black_box(fx.pem.as_bytes())).is_ok(),
            )
        })
    });
    g.finish();
}
