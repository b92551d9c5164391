#!/usr/bin/env bash
# Runs fuzz targets for longer, one at a time: run-long.sh SECONDS [TARGET...]
# (every target when none is named). Each run keeps its corpus in
# corpus/<target>, its log in logs/<target>.log and any crash in
# artifacts/<target>/; the summary lines (executions, cov, ft) are printed
# at the end. Exits non-zero if any target found a crash or a disagreement.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:?usage: run-long.sh SECONDS [TARGET...]}"
shift
if [ "$#" -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
else
    targets=("$@")
fi

cargo +nightly fuzz build
mkdir -p logs
failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "==> $target for ${seconds}s ($(date -u +%H:%M:%S))"
    if nice -n 10 cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -jobs=1 -workers=1 -dict=dict/clerk.dict \
        -print_final_stats=1 -timeout=60 -rss_limit_mb=2048 \
        >"logs/$target.log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
    fi
    summary=$(grep -E '^#[0-9]+[[:space:]]+DONE' "logs/$target.log" | tail -n 1 || true)
    echo "    $status: ${summary:-no DONE line, see logs/$target.log}"
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes or disagreements in: ${failed[*]} (see logs/ and artifacts/)" >&2
    exit 1
fi
