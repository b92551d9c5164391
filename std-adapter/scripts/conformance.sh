#!/usr/bin/env bash
# Compares clerk-edge with Clerk's SDK on a case file, line by line:
#
#   bash std-adapter/scripts/conformance.sh [cases.jsonl] [expected.jsonl]
#
# which is `clerk-edge conformance < cases.jsonl | diff - expected.jsonl`.
# Lines marked '<' are clerk-edge's answers, '>' Clerk's; the deliberate
# differences are listed, with their reasons, in std-adapter/tests/conformance.rs.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES=${1:-core/tests/data/cases.jsonl}
EXPECTED=${2:-core/tests/data/expected.jsonl}
cargo build -q -p clerk-edge-hyper --bin clerk-edge
BIN="${CARGO_TARGET_DIR:-target}/debug/clerk-edge"
if "$BIN" conformance <"$CASES" | diff - "$EXPECTED"; then
    echo "identical to Clerk's answers"
else
    echo "differences above; see std-adapter/tests/conformance.rs for the documented ones"
fi
