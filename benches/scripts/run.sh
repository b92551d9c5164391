#!/usr/bin/env bash
# One benchmark session, everything on the same machine in the same run:
# criterion benchmarks of clerk-edge and its peers (benches/benches/),
# `openssl speed -seconds 3 rsa2048` interleaved with them as the
# reference, and the no_std images under QEMU (scripts/qemu.sh). Prints the
# table, writes benches/results/latest.{md,json,png} and refreshes the
# performance block of README.md (between its perf:begin/end markers).
#
#   bash benches/scripts/run.sh
#
# Environment:
#   WARMUP, MEASURE   criterion seconds per benchmark (default 1, 4)
#   ROUNDS            run the suite that many times (default 3); each figure
#                     is then the median over the rounds
#   CLERK_BENCH_CLOCK=wall   wall-clock time instead of the thread's CPU
#                     time (openssl speed reports CPU time)
#   SKIP_QEMU=1, QEMU_PROFILES (see qemu.sh)
#   UPDATE_README=0   leave README.md's performance block alone
#   KEEP_WORK=1       keep the raw outputs (criterion, openssl, QEMU logs)
#
# The machine should be otherwise idle: the ratios compare times measured
# minutes apart. Check `uptime` before and see the load printed in the
# results.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
results=$root/benches/results
warmup=${WARMUP:-1}
measure=${MEASURE:-4}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "raw outputs kept in $work"
else
    trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n==> %s\n' "$*"; }

command -v openssl >/dev/null || { echo "error: openssl is needed (apt-get install openssl)" >&2; exit 1; }
if ! python3 -c 'import matplotlib' 2>/dev/null; then
    step "installing matplotlib"
    python3 -m pip install --quiet matplotlib 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages matplotlib ||
        { [ "$(id -u)" = 0 ] && apt-get install -y -qq python3-matplotlib >/dev/null; }
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
step "building the benchmarks"
# Built once, then the executables run: a teammate's edit during the
# session cannot change what is measured half-way.
cargo bench -p clerk-edge-benches --no-run --message-format=json-render-diagnostics \
    | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])
' >"$work/executables"
cat "$work/executables"

# Instruction counts are deterministic: measure them first, from the same
# sources as the benchmarks.
if [ "${SKIP_QEMU:-0}" != 1 ]; then
    step "no_std images under QEMU"
    bash benches/scripts/qemu.sh "$work"
fi

n=0
openssl_speed() {
    step "openssl speed -seconds 3 rsa2048 (#$n)"
    openssl speed -seconds 3 rsa2048 2>/dev/null >"$work/openssl-$n.txt"
    grep -E '^(rsa 2048| +sign)' "$work/openssl-$n.txt" || true
    n=$((n + 1))
}
criterion_dirs=()
for round in $(seq 1 "$rounds"); do
    export CRITERION_HOME=$work/criterion-$round
    criterion_dirs+=("$CRITERION_HOME")
    for bench in clerk_edge jwt_aws_lc_rs jwt_rust_crypto peers; do
        exe=$(awk -v b="$bench" '$1 == b { print $2 }' "$work/executables")
        [ -n "$exe" ] || { echo "error: no executable for bench $bench" >&2; exit 1; }
        openssl_speed
        step "criterion: $bench (round $round of $rounds)"
        "$exe" --bench --warm-up-time "$warmup" --measurement-time "$measure" --noplot 2>&1 |
            grep -vE '^(Benchmarking|Found|  [0-9]+ \()|^$' || true
    done
done
openssl_speed

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/meta.json" <<PY
import json, os, re, subprocess, sys, datetime
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "?"
cpu = "?"
info = {}
for line in open("/proc/cpuinfo"):
    k, _, v = line.partition(":")
    info.setdefault(k.strip(), v.strip())
cpu = f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, model {info.get('model', '?')})"
lock = open("Cargo.lock").read()
wanted = ["jsonwebtoken", "aws-lc-rs", "aws-lc-sys", "ring", "rsa", "sha2", "serde_json", "criterion"]
pkgs = re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', lock)
crates = ", ".join(f"{n} {v}" for w in wanted for n, v in pkgs if n == w)
bench_src = open("benches/src/lib.rs").read()
case = re.search(r'CASE_ID: &str = "([^"]+)"', bench_src).group(1)
token = next(json.loads(l)["token"] for l in open("core/tests/data/cases.jsonl") if json.loads(l)["id"] == case)
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "cpu": cpu,
    "cores": os.cpu_count(),
    "rustc": sh("rustc", "-V"),
    "openssl": sh("openssl", "version").split()[1] if sh("openssl", "version") != "?" else "?",
    "openssl_full": sh("openssl", "version"),
    "crates": crates,
    "case": case,
    "token_bytes": len(token),
    "clock": "wall clock" if os.environ.get("CLERK_BENCH_CLOCK") == "wall" else "thread CPU time",
    "criterion_args": "${warmup} s warm-up + ${measure} s of samples per benchmark, ${rounds} round(s)",
    "load_before": "$load_before",
    "load_after": "$load_after",
}, open(sys.argv[1], "w"), indent=1)
PY

step "report"
readme=()
[ "${UPDATE_README:-1}" = 0 ] || readme=(--readme README.md)
python3 benches/scripts/report.py --work "$work" --criterion "${criterion_dirs[@]}" --results "$results" "${readme[@]}"
echo
echo "written: benches/results/latest.md, latest.json, latest.png"
