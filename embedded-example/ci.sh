#!/usr/bin/env bash
# Builds the Nucleo-F767ZI gateway firmware in release and checks it against
# the project's firmware budget (DESIGN.md, "Budgets"):
#   flash (text + rodata + data) <= 80 KiB, static RAM (data + bss, task
#   arenas and socket buffers included) <= 24 KiB, and no heap allocator.
# Prints the section table and each check; exits non-zero when one fails.
#
# Environment:
#   FLASH_BUDGET / RAM_BUDGET   bytes (default 81920 / 24576)
#   FIRMWARE_BUDGET_WARN_ONLY=1 report an over-budget size without failing
#                               (the allocator check always fails hard)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fw="$here/nucleo-f767zi"
target=thumbv7em-none-eabihf
flash_budget="${FLASH_BUDGET:-81920}"
ram_budget="${RAM_BUDGET:-24576}"
warn_only="${FIRMWARE_BUDGET_WARN_ONLY:-0}"

log() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$target"; then
        log "installing the $target target"
        rustup target add "$target"
    fi
fi

apt_install() {
    if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=sudo; fi
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
    fi
}

if ! command -v arm-none-eabi-size >/dev/null 2>&1; then
    log "installing binutils-arm-none-eabi"
    apt_install binutils-arm-none-eabi || true
fi
if command -v arm-none-eabi-size >/dev/null 2>&1; then
    SIZE=arm-none-eabi-size
    NM=arm-none-eabi-nm
elif command -v llvm-size >/dev/null 2>&1 && command -v llvm-nm >/dev/null 2>&1; then
    SIZE=llvm-size
    NM=llvm-nm
else
    log "error: need arm-none-eabi-size (binutils-arm-none-eabi) or llvm-size"
    exit 1
fi

# --- build -------------------------------------------------------------
log "building the firmware (release, $target)"
(cd "$fw" && cargo build --release --target "$target" --target-dir "$fw/target")
elf="$fw/target/$target/release/gateway"
test -f "$elf"

# --- sizes -------------------------------------------------------------
# Sections by address: flash is 0x0800_0000.., RAM 0x2000_0000..; .data is
# in RAM and its initial values in flash, so it counts for both. Debug and
# defmt sections (address 0) are not loaded.
echo
echo "== $(basename "$elf") sections =="
"$SIZE" -A -d "$elf" | awk 'NR > 2 && $1 != "" && $1 != "Total" && $3 != 0 { printf "  %-16s %8d  0x%08x\n", $1, $2, $3 }'
read -r flash ram < <("$SIZE" -A -d "$elf" | awk '
    NR > 2 && $1 != "Total" && $3 != "" {
        if ($3 >= 134217728 && $3 < 167772160) flash += $2;
        else if ($3 >= 536870912 && $3 < 805306368) { ram += $2; if ($1 == ".data") flash += $2 }
    }
    END { printf "%d %d\n", flash, ram }')

fail=0
check() { # name value budget
    local verdict=ok
    if [ "$2" -gt "$3" ]; then verdict="OVER by $(($2 - $3))"; fail=1; fi
    awk -v n="$1" -v v="$2" -v b="$3" -v r="$verdict" \
        'BEGIN { printf "  %-31s %7d / %7d bytes (%5.1f / %4.1f KiB)  %s\n", n ":", v, b, v / 1024, b / 1024, r }'
}
echo
echo "== budget =="
check "flash (text+rodata+data)" "$flash" "$flash_budget"
check "static RAM (data+bss)" "$ram" "$ram_budget"

# --- no heap -------------------------------------------------------------
alloc_syms="$("$NM" "$elf" | grep -E ' (__rust_alloc|__rust_dealloc|__rust_realloc|__rdl_alloc|__rg_alloc|__rust_alloc_error_handler)' || true)"
if [ -n "$alloc_syms" ]; then
    echo "  allocator symbols linked:       FAIL"
    echo "$alloc_syms" | sed 's/^/    /'
    alloc_fail=1
else
    echo "  allocator symbols linked:        none (ok)"
    alloc_fail=0
fi
alloc_features="$(cd "$fw" && cargo tree -e features,no-build,no-dev,no-proc-macro --target "$target" 2>/dev/null \
    | grep -E 'feature "(alloc|std)"' | sed 's/^[^a-z]*//' | sort -u || true)"
if [ -n "$alloc_features" ]; then
    echo "  alloc/std features on target:    FAIL"
    echo "$alloc_features" | sed 's/^/    /'
    alloc_fail=1
else
    echo "  alloc/std features on target:    none (ok)"
fi

echo
if [ "$alloc_fail" -ne 0 ]; then
    echo "firmware: a heap allocator or std is linked"
    exit 1
fi
if [ "$fail" -ne 0 ]; then
    if [ "$warn_only" = 1 ]; then
        echo "firmware: OVER BUDGET (FIRMWARE_BUDGET_WARN_ONLY=1: not failing)"
        exit 0
    fi
    echo "firmware: OVER BUDGET"
    exit 1
fi
echo "firmware: within budget"
