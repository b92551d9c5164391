#!/usr/bin/env bash
# The whole test suite, from a fresh machine: toolchain pieces, formatting,
# lints, unit/integration/doc tests, the no_std build of the core for a
# Cortex-M target, the firmware's size budget, the benchmarks' build and a
# short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup component add clippy rustfmt >/dev/null 2>&1 || true
rustup target add thumbv7em-none-eabihf >/dev/null

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (warnings are errors)"
# Features are checked crate by crate: the gateway's `defmt` feature only
# links on the firmware target, and the core's size options are for firmware.
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p clerk-edge-hyper --all-targets --features axum -- -D warnings
cargo clippy -p clerk-edge --target thumbv7em-none-eabihf --all-features -- -D warnings

step "core for thumbv7em-none-eabihf, without an allocator"
cargo build -p clerk-edge --release --target thumbv7em-none-eabihf
if cargo tree -p clerk-edge --target thumbv7em-none-eabihf -e normal,features --prefix none \
    | grep -E 'feature "(alloc|std)"'; then
    echo "error: the core's dependency graph enables alloc or std for the target" >&2
    exit 1
fi

if [ -f embedded-example/ci.sh ]; then
    step "firmware: release build and size budget"
    # Fails when the firmware is over its flash (80 KiB) or RAM (24 KiB)
    # budget, or links an allocator.
    bash embedded-example/ci.sh
fi

step "benchmarks compile"
cargo bench -p clerk-edge-benches --no-run

if [ -f fuzz/ci.sh ]; then
    step "fuzz smoke run"
    bash fuzz/ci.sh
fi

step "tests"
cargo test -p clerk-edge-hyper --features axum
cargo test --workspace

step "tests, firmware configuration"
# The core with the firmware's size features: the conformance suites (which
# know the one answer `rsa-2048-only` changes and the header
# `omit-auth-message` drops), the no-allocation check of request
# authentication, the parser properties and the fuzz regressions.
cargo test -p clerk-edge --features compact-numbers,omit-auth-message,rs256-only,rsa-2048-only \
    --lib --test conformance --test conformance_request --test request_no_alloc \
    --test json_props --test json_stack --test fuzz_regressions --test key_no_panic
# The gateway app also reading the `__session` cookie.
cargo test -p clerk-edge-gateway --features cookies
