//! RSA-2048 verification speed, and its ratio to OpenSSL on the same
//! machine in the same run.
//!
//! ```text
//! cargo run --release -p clerk-edge --example rsa_speed [-- ROUNDS [OPENSSL_SECONDS]]
//! ```
//!
//! (`OPENSSL_SECONDS` 0 skips OpenSSL.) To count instructions, e.g. under
//! `valgrind --tool=callgrind`, `--count K` runs K verifications and
//! nothing else; the difference between two counts divided by the
//! difference in K is the cost of one verification:
//!
//! ```text
//! cargo build --release -p clerk-edge --example rsa_speed
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/rsa_speed --count 1
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/rsa_speed --count 1001
//! ```
//!
//! Each round times batches of `verify_pkcs1v15` (RFC 7515 A.2's key and
//! signature, SHA-256 digest computed once), runs `openssl speed -seconds S
//! rsa2048` when `openssl` is on the PATH, then times again; the ratio of
//! the round is our median over OpenSSL's verify time. Rounds interleave
//! so that a noisy machine hits both sides alike; the last line gives the
//! median ratio.
//!
//! `openssl speed` divides by the CPU time it used, not by wall-clock time
//! (unless given `-elapsed`), so on Linux this times the thread's CPU time
//! too (`/proc/thread-self/schedstat`); elsewhere it falls back to the wall
//! clock, which is only comparable on an idle machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use base64ct::{Base64UrlUnpadded, Encoding};
use clerk_edge::rsa::{HashAlg, RsaPublicKey};
use sha2::{Digest, Sha256};

const N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP\
    CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7\
    OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uD\
    Zlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcD\
    TW9gb54h4FRWyuXpoQ";
const SIGNING_INPUT: &str = "eyJhbGciOiJSUzI1NiJ9\
    .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5\
    YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPv\
    kSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6\
    IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Nanoseconds this thread has run on a CPU, where Linux tells.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Microseconds per verification for each of `batches` batches.
fn time_ours(key: &RsaPublicKey, digest: &[u8], sig: &[u8], batches: usize) -> Vec<f64> {
    const PER_BATCH: u32 = 1000;
    (0..batches)
        .map(|_| {
            let cpu = thread_cpu_ns();
            let start = Instant::now();
            for _ in 0..PER_BATCH {
                assert!(key.verify_pkcs1v15(HashAlg::Sha256, black_box(digest), black_box(sig)));
            }
            let wall = start.elapsed().as_secs_f64() * 1e9;
            let ns = match (cpu, thread_cpu_ns()) {
                (Some(a), Some(b)) => (b - a) as f64,
                _ => wall,
            };
            ns / 1e3 / f64::from(PER_BATCH)
        })
        .collect()
}

/// OpenSSL's RSA-2048 verify time in microseconds, from `openssl speed`
/// (not run when `seconds` is 0).
fn time_openssl(seconds: u32) -> Option<f64> {
    if seconds == 0 {
        return None;
    }
    let out = Command::new("openssl")
        .args(["speed", "-seconds", &seconds.to_string(), "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    let verify_per_s: f64 = line.split_whitespace().last()?.parse().ok()?;
    Some(1e6 / verify_per_s)
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let count: Option<u32> = if args.peek().is_some_and(|a| a == "--count") {
        args.next();
        Some(args.next().map_or(1, |a| a.parse().expect("--count K")))
    } else {
        None
    };
    let rounds: usize = args.next().map_or(3, |a| a.parse().expect("ROUNDS"));
    let seconds: u32 = args
        .next()
        .map_or(3, |a| a.parse().expect("OPENSSL_SECONDS"));

    let n = Base64UrlUnpadded::decode_vec(N).unwrap();
    let key = RsaPublicKey::new(&n, 65537).unwrap();
    let digest = Sha256::digest(SIGNING_INPUT.as_bytes());
    let sig = Base64UrlUnpadded::decode_vec(SIG).unwrap();
    assert!(key.verify_pkcs1v15(HashAlg::Sha256, &digest, &sig));
    if let Some(count) = count {
        for _ in 0..count {
            assert!(key.verify_pkcs1v15(HashAlg::Sha256, black_box(&digest), black_box(&sig)));
        }
        return;
    }
    // Warm up caches and clocks.
    time_ours(&key, &digest, &sig, 3);

    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let mut ours = time_ours(&key, &digest, &sig, 15);
        let openssl = time_openssl(seconds);
        ours.extend(time_ours(&key, &digest, &sig, 15));
        let min = ours.iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(&mut ours);
        match openssl {
            Some(o) => {
                ratios.push(med / o);
                println!(
                    "round {round}: clerk-edge {med:.2} us (min {min:.2}), openssl {o:.2} us, ratio {:.3}",
                    med / o
                );
            }
            None => {
                println!("round {round}: clerk-edge {med:.2} us (min {min:.2}), openssl not run")
            }
        }
    }
    if !ratios.is_empty() {
        println!(
            "median ratio over {} rounds: {:.3}",
            ratios.len(),
            median(&mut ratios)
        );
    }
}
