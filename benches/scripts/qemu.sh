#!/usr/bin/env bash
# Cost of one clerk-edge key load and token verification on
# microcontrollers: builds the no_std image in benches/qemu/ for Cortex-M4
# and RV32IMAC and runs it under QEMU with -icount shift=0 (one instruction
# = 1 ns of virtual time, so the count is deterministic). Prints the
# image's `RESULT op=... insns=... stack=...` lines.
#
#   bash benches/scripts/qemu.sh [WORK_DIR]
#
# WORK_DIR receives qemu-<target>--<profile>.log and .elf (for report.py).
# QEMU_PROFILES (default "release size") picks the cargo profiles: release
# is opt-level 3, size is opt-level "z" like the firmware.
set -euo pipefail
benches=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
profiles=${QEMU_PROFILES:-release size}
targets=(thumbv7em-none-eabihf riscv32imac-unknown-none-elf)

missing=()
command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
command -v qemu-system-riscv32 >/dev/null || missing+=(qemu-system-misc)
if ((${#missing[@]})); then
    echo "==> installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
rustup target add "${targets[@]}" >/dev/null 2>&1 || true

target_dir=${QEMU_TARGET_DIR:-${CARGO_TARGET_DIR:-$benches/qemu/target}}
cd "$benches/qemu"
status=0
for t in "${targets[@]}"; do
    for p in $profiles; do
        echo "==> $t, profile $p"
        cargo build --quiet --profile "$p" --target "$t" --target-dir "$target_dir"
        elf="$target_dir/$t/$p/qemu-bench"
        cp "$elf" "$work/qemu-$t--$p.elf"
        case $t in
            thumbv7em-*) cmd=(qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount shift=0
                              -semihosting -nographic -monitor none -serial none -kernel "$elf") ;;
            riscv32*) cmd=(qemu-system-riscv32 -M virt -bios none -icount shift=0
                           -nographic -monitor none -serial stdio -kernel "$elf") ;;
        esac
        if ! timeout 300 "${cmd[@]}" </dev/null >"$work/qemu-$t--$p.log" 2>&1; then
            echo "error: the $t image failed:" >&2
            status=1
        fi
        cat "$work/qemu-$t--$p.log"
    done
done
exit $status
