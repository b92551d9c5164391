#!/usr/bin/env bash
# Fuzz smoke run for CI: every target builds on nightly and runs for a few
# seconds (FUZZ_SECONDS, default 12) from the seed corpora; any crash,
# disagreement with a reference or leak fails the run. Longer runs:
# run-long.sh.
#
# The build directory defaults to a per-user cache shared by every
# checkout (CLERK_EDGE_FUZZ_TARGET_DIR overrides it), so a fresh clone only
# rebuilds the workspace's own crates, not the sanitizer-instrumented
# dependencies.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-12}"
target_dir="${CLERK_EDGE_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/clerk-edge/fuzz-target}"

step() { printf '\n--> %s\n' "$*"; }

if ! cargo +nightly --version >/dev/null 2>&1; then
    step "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    step "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

step "building every fuzz target (nightly, ASan)"
mkdir -p "$target_dir"
cargo +nightly fuzz build --target-dir "$target_dir"

step "seeding the corpora"
bash seed.sh

mapfile -t targets < <(cargo +nightly fuzz list)
failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target" logs
    log="logs/ci-$target.log"
    if cargo +nightly fuzz run --target-dir "$target_dir" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -dict=dict/clerk.dict -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        echo "ok      $target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)"
    else
        echo "FAILED  $target (log: fuzz/$log, input: fuzz/artifacts/$target/)"
        grep -E 'panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' -A 2 "$log" | head -n 20 || true
        failed+=("$target")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz smoke run failed: ${failed[*]}" >&2
    exit 1
fi
