#!/usr/bin/env bash
# Load test of the middleware on loopback, with wrk (installed from Debian's
# packages when missing). One server process serves the same handler twice:
# /plain without the layer and /auth behind ClerkLayer (required mode), so
# the difference between the two is the cost of authentication.
#
#   bash std-adapter/scripts/load-test.sh            # 5 rounds of 5 s runs
#   DURATION=10s ROUNDS=7 CONNECTIONS=64 bash std-adapter/scripts/load-test.sh
#
# Runs:
#   plain / auth, reused token   every request carries the same token
#                                (a browser session): cache hits
#   plain / auth, fresh token    the server's cache is off and each request
#                                picks the next of POOL pre-minted tokens:
#                                one RSA verification per request
# Only 127.0.0.1 is ever contacted; every process started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
POOL=${POOL:-1000}
PORT_CACHED=${PORT_CACHED:-18787}
PORT_FRESH=${PORT_FRESH:-18788}
SERVER_THREADS=${SERVER_THREADS:-1}
ROUNDS=${ROUNDS:-5}

if ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing wrk (Debian package)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "==> building clerk-edge (release)"
cargo build --release -q -p clerk-edge-hyper --bin clerk-edge
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/clerk-edge"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" load-test-server --addr "127.0.0.1:$PORT_CACHED" --threads "$SERVER_THREADS" 2>"$WORK/cached.log" &
PIDS+=($!)
"$BIN" load-test-server --addr "127.0.0.1:$PORT_FRESH" --threads "$SERVER_THREADS" --no-cache 2>"$WORK/fresh.log" &
PIDS+=($!)

echo "==> minting tokens with the DEMO key (1 reused + $POOL fresh)"
"$BIN" mint --count 1 --ttl 3600 --azp "http://localhost:$PORT_CACHED" >"$WORK/reused.txt"
"$BIN" mint --count "$POOL" --ttl 3600 --azp "http://localhost:$PORT_FRESH" >"$WORK/pool.txt"

cat >"$WORK/reused.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $(cat "$WORK/reused.txt")"
EOF
cat >"$WORK/pool.lua" <<EOF
local tokens = {}
for line in io.lines("$WORK/pool.txt") do tokens[#tokens + 1] = "Bearer " .. line end
local i = math.random(#tokens)
request = function()
  i = i % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = tokens[i] })
end
EOF

for port in "$PORT_CACHED" "$PORT_FRESH"; do
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/plain" && break
        sleep 0.1
    done
done
check() { # sanity: the authenticated route answers 200 with these tokens
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(head -1 "$2")" "http://127.0.0.1:$1/auth")
    [ "$code" = 200 ] || { echo "error: /auth on port $1 answered $code" >&2; exit 1; }
}
check "$PORT_CACHED" "$WORK/reused.txt"
check "$PORT_FRESH" "$WORK/pool.txt"

run() { # name url lua -> requests/s
    local out rps
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$3" "$2")
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
    if printf '%s\n' "$out" | grep -q 'Non-2xx'; then
        echo "error: $1 got non-2xx answers" >&2
        printf '%s\n' "$out" >&2
        exit 1
    fi
    printf '%s' "$rps"
}

echo "==> wrk -t$THREADS -c$CONNECTIONS -d$DURATION, server threads: $SERVER_THREADS, $(nproc) cores, $ROUNDS rounds"
# plain and auth alternate, ROUNDS times: each round's ratio compares two
# runs a few seconds apart, which cancels slow drifts of the machine's load.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", 100*a/b}'; }
median() { sort -n | awk '{v[NR]=$1} END{printf "%s", (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
PLAINS=(); AUTHS=(); RATIOS=()
for r in $(seq "$ROUNDS"); do
    P=$(run plain "http://127.0.0.1:$PORT_CACHED/plain" "$WORK/reused.lua")
    A=$(run auth-reused "http://127.0.0.1:$PORT_CACHED/auth" "$WORK/reused.lua")
    PLAINS+=("$P"); AUTHS+=("$A"); RATIOS+=("$(ratio "$A" "$P")")
    echo "    round $r: plain $P req/s, auth (reused token) $A req/s: $(ratio "$A" "$P") %"
done
PF=$(run plain-fresh "http://127.0.0.1:$PORT_FRESH/plain" "$WORK/pool.lua")
AF=$(run auth-fresh "http://127.0.0.1:$PORT_FRESH/auth" "$WORK/pool.lua")
echo "    fresh tokens: plain $PF req/s, auth $AF req/s: $(ratio "$AF" "$PF") %"

PLAIN=$(printf '%s\n' "${PLAINS[@]}" | median)
AUTH=$(printf '%s\n' "${AUTHS[@]}" | median)
RATIO=$(printf '%s\n' "${RATIOS[@]}" | median)

printf '\n%-38s %12s %10s\n' "run (median of rounds)" "requests/s" "vs plain"
printf '%-38s %12.0f %10s\n' "plain (no layer), token sent" "$PLAIN" "100.0 %"
printf '%-38s %12.0f %10s\n' "auth, reused token (cache hit)" "$AUTH" "$RATIO %"
printf '%-38s %12.0f %10s\n' "plain (no layer), fresh tokens" "$PF" "100.0 %"
printf '%-38s %12.0f %10s\n' "auth, fresh token per request" "$AF" "$(ratio "$AF" "$PF") %"

PASS=$(awk -v r="$RATIO" 'BEGIN{print (r >= 90) ? "yes" : "no"}')
echo "budget (reused token >= 90 % of plain, median round): $PASS"
