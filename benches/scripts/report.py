#!/usr/bin/env python3
"""Turns one benchmark session into the performance table.

Reads criterion's estimates (median of each benchmark), the `openssl speed`
outputs of the same session, the QEMU logs and ELF files of the no_std
images, and writes:

  results/latest.md    the table, with date, CPU, load and versions
  results/latest.json  the same numbers, machine-readable
  results/latest.png   a bar chart of the whole-token rows

and prints the table. Usage (run.sh calls it):

  report.py --work DIR --criterion DIR --results DIR [--no-chart]

DIR (--work) holds openssl-*.txt, qemu-*.log, qemu-*.elf and meta.json.
"""

import argparse
import datetime
import glob
import json
import os
import re
import statistics
import struct
import sys

# (group, bench id) -> label; the order is the table's.
WHOLE = [
    ("whole-token", "clerk-edge", "clerk-edge `Verifier::verify`, new token (all checks)"),
    ("whole-token", "clerk-edge-request", "clerk-edge `Authenticator::authenticate`, from headers"),
    ("whole-token", "clerk-edge-hyper-cache-hit", "clerk-edge-hyper, repeated token (cache hit)"),
    ("whole-token", "clerk-edge-hyper-request-cache-hit", "clerk-edge-hyper, whole request state, cache hit"),
    ("whole-token", "clerk-edge-hyper-no-cache", "clerk-edge-hyper, cache disabled"),
    ("whole-token", "clerk-edge-signature-cached", "clerk-edge `Verifier::verify`, signature already known (`SignatureCache` hit)"),
    ("whole-token", "jsonwebtoken-aws-lc-rs", "jsonwebtoken 11 + aws_lc_rs"),
    ("whole-token", "jsonwebtoken-rust-crypto", "jsonwebtoken 11 + rust_crypto"),
    ("whole-token", "aws-lc-rs-by-hand", "aws-lc-rs (key parsed once) + base64 + serde_json"),
    ("whole-token", "ring-by-hand", "ring 0.17 + base64 + serde_json"),
    ("whole-token", "rsa-by-hand", "rsa 0.10 `VerifyingKey<Sha256>` + base64 + serde_json"),
]
PIECES = [
    ("Signature over `header.payload` (SHA-256 + RSA)", [
        ("signature", "clerk-edge", "clerk-edge (sha2 + `RsaPublicKey::verify_pkcs1v15`)"),
        ("signature", "aws-lc-rs", "aws-lc-rs `ParsedPublicKey::verify_sig`"),
        ("signature", "ring", "ring `UnparsedPublicKey::verify`"),
        ("signature", "rsa", "rsa `VerifyingKey<Sha256>::verify`"),
    ]),
    ("RSA only (SHA-256 digest precomputed)", [
        ("rsa", "clerk-edge", "clerk-edge `RsaPublicKey::verify_pkcs1v15`"),
        ("rsa", "aws-lc-rs", "aws-lc-rs `ParsedPublicKey::verify_digest_sig`"),
        ("rsa", "rsa", "rsa `VerifyingKey<Sha256>::verify_prehash`"),
    ]),
    ("Parse only (no crypto)", [
        ("parse", "clerk-edge", "clerk-edge base64url + `json::parse` (header, payload; signature decoded)"),
        ("parse", "serde_json", "base64 + serde_json (typed header and claims)"),
        ("parse", "sha256-signing-input", "SHA-256 of `header.payload` alone (sha2)"),
    ]),
    ("Key load (jwtKey PEM → ready key; per load, not per verify)", [
        ("key-load", "clerk-edge", "clerk-edge `JwtKey::parse`"),
        ("key-load", "aws-lc-rs", "aws-lc-rs `ParsedPublicKey::new` (DER)"),
        ("key-load", "rsa", "rsa `PublicKey::from_public_key_pem`"),
        ("key-load", "jsonwebtoken-aws-lc-rs", "jsonwebtoken `DecodingKey::from_rsa_pem` (aws_lc_rs)"),
        ("key-load", "jsonwebtoken-rust-crypto", "jsonwebtoken `DecodingKey::from_rsa_pem` (rust_crypto)"),
    ]),
]

BUDGET_WHOLE = 1.15
BUDGET_CACHE = 0.05
BUDGET_M4_INSNS = 600_000
BUDGET_STACK = 4096
RSA_CRATE_M4_INSNS = 2_956_200

ALLOC_SYMBOLS = re.compile(r"^(__rust_alloc|__rust_dealloc|__rust_realloc|__rust_alloc_zeroed|"
                           r"__rdl_alloc|__rg_alloc|__rust_no_alloc_shim_is_unstable|malloc|free|calloc|realloc)")


def median_ns(criterion_dirs, group, bench):
    """Criterion's median for the benchmark, the median over the rounds."""
    values = []
    for d in criterion_dirs:
        path = os.path.join(d, group, bench, "new", "estimates.json")
        try:
            with open(path) as f:
                values.append(json.load(f)["median"]["point_estimate"])
        except (OSError, KeyError, ValueError):
            pass
    return statistics.median(values) if values else None


def openssl_verify_us(work):
    """Each `openssl speed rsa2048` run's verify time, in microseconds."""
    runs = []
    for path in sorted(glob.glob(os.path.join(work, "openssl-*.txt"))):
        with open(path) as f:
            for line in f:
                if line.startswith("rsa 2048 bits") or line.startswith("rsa  2048 bits"):
                    per_s = float(line.split()[-1])
                    runs.append(1e6 / per_s)
    return runs


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns < 1000:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.2f} ms"


def fmt_rate(ns):
    if ns is None:
        return "–"
    per_s = 1e9 / ns
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M"
    return f"{per_s:,.0f}"


def fmt_ratio(ns, ref_ns):
    if ns is None or not ref_ns:
        return "–"
    r = ns / ref_ns
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


# ---------------------------------------------------------------------------
# QEMU

def elf_symbols(path):
    """Names of the symbols of a 32-bit little-endian ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError(f"{path}: not a 32-bit little-endian ELF")
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    names = []
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, = struct.unpack_from("<I", data, off)
            start = strtab[4] + st_name
            end = data.index(b"\0", start)
            names.append(data[start:end].decode("utf-8", "replace"))
    return names


def elf_sizes(path):
    """(code + read-only data, static RAM) from the section headers."""
    with open(path, "rb") as f:
        data = f.read()
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    shstr = sections[e_shstrndx][4]
    flash = ram = 0
    for sh in sections:
        name_end = data.index(b"\0", shstr + sh[0])
        name = data[shstr + sh[0]:name_end].decode()
        flags, size = sh[2], sh[5]
        if not flags & 0x2 or name.startswith(".stack") or name == ".uninit":  # SHF_ALLOC
            continue
        if sh[1] == 8:  # NOBITS: .bss
            ram += size
        elif flags & 0x1:  # writable: .data
            ram += size
            flash += size
        else:
            flash += size
    return flash, ram


def parse_qemu(work):
    """{(target, profile): {"ops": {op: {...}}, "info": {...}, "heap": ...}}"""
    runs = {}
    for log in sorted(glob.glob(os.path.join(work, "qemu-*.log"))):
        m = re.match(r"qemu-(.+?)--(.+)\.log$", os.path.basename(log))
        if not m:
            continue
        target, profile = m.group(1), m.group(2)
        run = {"ops": {}, "info": {}, "done": False, "log": os.path.basename(log)}
        with open(log, errors="replace") as f:
            for line in f:
                line = line.strip()
                kv = dict(re.findall(r"(\w+)=(\"[^\"]*\"|\S+)", line))
                if line.startswith("RESULT"):
                    run["ops"][kv["op"]] = {k: int(v) for k, v in kv.items() if v.isdigit()}
                elif line.startswith("INFO"):
                    run["info"].update({k: v.strip('"') for k, v in kv.items()})
                elif line == "DONE":
                    run["done"] = True
        elf = log[:-4] + ".elf"
        if os.path.exists(elf):
            syms = elf_symbols(elf)
            run["alloc_symbols"] = sorted({s for s in syms if ALLOC_SYMBOLS.match(s)})
            run["flash"], run["static_ram"] = elf_sizes(elf)
        runs[(target, profile)] = run
    return runs


QEMU_OPS = [
    ("verify", "whole-token verification (`Verifier::verify`, all checks)"),
    ("request", "request-level (`Authenticator::authenticate`, Bearer header)"),
    ("key_load", "key load (`JwtKey::parse`, PEM)"),
    ("rsa_only", "RSA only (`verify_pkcs1v15`, digest given)"),
    ("sha256", "SHA-256 of `header.payload`"),
    ("decode_json", "base64url + JSON parse (header, payload, signature)"),
]
TARGET_NAMES = {
    "thumbv7em-none-eabihf": "Cortex-M4 (QEMU mps2-an386)",
    "riscv32imac-unknown-none-elf": "RV32IMAC (QEMU virt)",
}


def qemu_section(runs):
    out = []
    if not runs:
        return ["_QEMU figures not measured in this run._", ""]
    for (target, profile), run in sorted(runs.items(), key=lambda kv: (kv[0][0] != "thumbv7em-none-eabihf", kv[0][1] != "release", kv[0])):
        info = run["info"]
        heap = "0 (no allocator linked)" if not run.get("alloc_symbols") else "allocator linked: " + ", ".join(run["alloc_symbols"])
        opt = {"release": "opt-level 3", "size": "opt-level \"z\", the firmware's profile"}.get(profile, profile)
        out.append(f"**{TARGET_NAMES.get(target, target)}**, `{target}`, profile `{profile}` ({opt}); "
                   f"counter: {info.get('counter', '?')}; heap: {heap}; "
                   f"image: {run.get('flash', 0):,} B code+rodata, {run.get('static_ram', 0):,} B static RAM"
                   + ("" if run["done"] else " — **the run did not finish**"))
        out.append("")
        out.append("| operation | instructions | peak stack |")
        out.append("|---|---:|---:|")
        for op, label in QEMU_OPS:
            r = run["ops"].get(op)
            if not r:
                continue
            stack = f"{r['stack']:,} B" + (" (overflowed the painted area)" if r.get("stack_overflow") else "")
            out.append(f"| {label} | {r['insns']:,} | {stack} |")
        out.append("")
        extras = []
        if "verify_buffer" in info:
            extras.append(f"the caller's token buffer (`verify::buffer_len`) is {int(info['verify_buffer']):,} B "
                          f"for this {info.get('token_bytes', '?')}-byte token, not included above")
        if "request_buffer" in info:
            extras.append(f"`request_buffer_len` gives {int(info['request_buffer']):,} B for this request")
        if "jwtkey_bytes" in info:
            extras.append(f"a `JwtKey` is {int(info['jwtkey_bytes']):,} B")
        if extras:
            out.append("Besides: " + "; ".join(extras) + ".")
            out.append("")
    return out


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--criterion", required=True, nargs="+",
                    help="criterion output directories, one per round")
    ap.add_argument("--results", required=True)
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("--readme", help="README.md whose performance block (between the "
                    "<!-- perf:begin --> and <!-- perf:end --> markers) is replaced")
    args = ap.parse_args()

    with open(os.path.join(args.work, "meta.json")) as f:
        meta = json.load(f)
    ossl = openssl_verify_us(args.work)
    ref_ns = statistics.median(ossl) * 1e3 if ossl else None

    def row(group, bench, label):
        ns = median_ns(args.criterion, group, bench)
        return {"group": group, "bench": bench, "label": label, "median_ns": ns,
                "ratio": (ns / ref_ns) if (ns is not None and ref_ns) else None}

    whole = [row(*r) for r in WHOLE]
    pieces = [(title, [row(*r) for r in rows]) for title, rows in PIECES]
    qemu = parse_qemu(args.work)

    lines = []
    sep = "|---|---:|---:|---:|"

    def table(rows, with_openssl=False, per="verify"):
        rate = "verifications/s per core" if per == "verify" else "per second per core"
        t = [f"| contender | median per {per} | {rate} | × OpenSSL verify |", sep]
        if with_openssl and ref_ns:
            t.append(f"| OpenSSL {meta.get('openssl', '')} `openssl speed rsa2048` verify (reference) "
                     f"| {fmt_time(ref_ns)} | {fmt_rate(ref_ns)} | 1.00 |")
        for r in rows:
            if r["median_ns"] is None:
                t.append(f"| {r['label']} | not measured | – | – |")
            else:
                t.append(f"| {r['label']} | {fmt_time(r['median_ns'])} | {fmt_rate(r['median_ns'])} "
                         f"| {fmt_ratio(r['median_ns'], ref_ns)} |")
        return t

    lines.append("### Whole token: decode, verify RS256, check the claims")
    lines.append("")
    lines += table(whole, with_openssl=True)
    lines.append("")
    for title_, rows in pieces:
        lines.append(f"### {title_}")
        lines.append("")
        lines += table(rows, with_openssl=title_.startswith("RSA only"),
                       per="load" if title_.startswith("Key load") else
                       "verify" if title_.startswith(("RSA", "Signature")) else "operation")
        lines.append("")

    # Budgets.
    def ratio_of(bench):
        return next((r["ratio"] for r in whole if r["bench"] == bench), None)

    checks = []
    w = ratio_of("clerk-edge")
    h = ratio_of("clerk-edge-hyper-cache-hit")
    checks.append(("whole-token verify, new token", f"≤ {BUDGET_WHOLE}× OpenSSL",
                   "–" if w is None else f"{w:.2f}×", w is not None and w <= BUDGET_WHOLE))
    checks.append(("whole-token verify, repeated token (cache hit)", f"≤ {BUDGET_CACHE}× OpenSSL",
                   "–" if h is None else f"{h:.3f}×", h is not None and h <= BUDGET_CACHE))
    m4 = qemu.get(("thumbv7em-none-eabihf", "release"))
    if m4 and "verify" in m4["ops"]:
        v = m4["ops"]["verify"]
        checks.append(("Cortex-M4 instructions per whole-token verify", f"≤ {BUDGET_M4_INSNS:,}",
                       f"{v['insns']:,}", v["insns"] <= BUDGET_M4_INSNS))
        checks.append(("Cortex-M4 peak stack of one verify", f"≤ {BUDGET_STACK:,} B",
                       f"{v['stack']:,} B", v["stack"] <= BUDGET_STACK))
        checks.append(("Cortex-M4 heap", "0", "0" if not m4.get("alloc_symbols") else "allocator linked",
                       not m4.get("alloc_symbols")))
    lines.append("### Budgets")
    lines.append("")
    lines.append("| what | budget | measured | |")
    lines.append("|---|---|---|---|")
    for what, budget, got, ok in checks:
        lines.append(f"| {what} | {budget} | {got} | {'within' if ok else '**over**'} |")
    lines.append("")

    lines.append("### No-std cost per operation (QEMU, `-icount shift=0`)")
    lines.append("")
    lines += qemu_section(qemu)
    if m4 and "verify" in m4["ops"]:
        lines.append(f"For scale: the `rsa` crate needs about {RSA_CRATE_M4_INSNS:,} Cortex-M4 instructions "
                     "for one RSA-2048 verification, and a heap.")
        lines.append("")

    m4_loop = (m4 or {}).get("info", {}).get("loop_2000000_insns_units", "?")
    lines += [
        "### Method",
        "",
        "- Every contender verifies the same token with the same RSA-2048 key: case `vt/valid-v2` of "
        "`core/tests/data/cases.jsonl`, at its `nowMs` (jsonwebtoken reads the system clock, so its leeway "
        "is widened to cover the token's fixed expiry; the comparison still runs). clerk-edge checks "
        "`azp` against `https://app.example.com`; the peers check `azp` after decoding, as a user would.",
        "- Peers that only verify signatures (aws-lc-rs, ring, rsa) are wrapped the way a user would: split, "
        "base64url-decode, check `alg`, verify over `header.payload`, deserialize typed claims with serde_json, "
        "check `exp`/`nbf`/`iat`/`azp` (`benches/src/lib.rs`, `verify_by_hand`). jsonwebtoken's two crypto "
        "back ends run in separate processes, since its provider is process-wide.",
        "- Criterion measures this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), as `openssl speed` divides "
        "by CPU time; the figure is criterion's median. `openssl speed` runs before each benchmark binary "
        "and once at the end; its median verify time is the reference.",
        "- QEMU: `-icount shift=0` advances the virtual clock by exactly 1 ns per guest instruction. On "
        "`mps2-an386` QEMU models no DWT cycle counter (CYCCNT stays 0), so SysTick (core clock, 25 MHz of "
        f"virtual time) is read around the operation; a loop of 2,000,000 instructions measured {m4_loop} "
        "ticks in this run (40 instructions per tick), and each operation runs 16 times between two reads "
        "(±3 instructions). On RISC-V `minstret` is the instruction count. Peak stack: the stack below the "
        "caller is painted before one run and scanned for the lowest overwritten word after it (the "
        "caller's buffers are not included). Heap: the ELF's symbol table is checked for allocator "
        "symbols (`__rust_alloc`, `__rdl_alloc`, `malloc`, ...); the image links no `alloc` crate.",
        "",
    ]
    ossl_runs = ", ".join(f"{u:.2f}" for u in ossl) if ossl else "none"
    header = [
        "# clerk-edge performance: latest run",
        "",
        f"- date: {meta.get('date')}",
        f"- CPU: {meta.get('cpu')} ({meta.get('cores')} cores); load average before / after: "
        f"{meta.get('load_before')} / {meta.get('load_after')}",
        f"- rustc: {meta.get('rustc')}; {meta.get('openssl_full')}",
        f"- crates: {meta.get('crates')}",
        f"- token: Clerk v2 session token `{meta.get('case')}` ({meta.get('token_bytes')} bytes), RSA-2048 jwtKey",
        f"- clock: {meta.get('clock')}, criterion median of {meta.get('criterion_args')}; "
        f"OpenSSL's verify time is the median of {len(ossl)} `openssl speed -seconds 3 rsa2048` runs "
        f"interleaved with the benchmarks ({ossl_runs} µs)",
        "",
    ]
    text = "\n".join(header + lines)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump({"meta": meta, "openssl_verify_us": ossl, "whole_token": whole,
                   "pieces": {t: rows for t, rows in pieces},
                   "qemu": {f"{t}/{p}": r for (t, p), r in qemu.items()}}, f, indent=1, default=str)
    print(text)

    if not args.no_chart:
        chart(whole, ref_ns, meta, os.path.join(args.results, "latest.png"))
    if args.readme:
        block = readme_block(meta, whole, table, qemu, ref_ns, ossl)
        update_readme(args.readme, block)


BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"


def readme_block(meta, whole, table, qemu, ref_ns, ossl):
    out = [BEGIN, "",
           f"Measured {meta.get('date')} on {meta.get('cpu')}, one core, load average "
           f"{meta.get('load_before', '?').split()[0]} at the start; the ratio is to one "
           f"`openssl speed -seconds 3 rsa2048` verify ({ref_ns / 1e3:.1f} µs, median of {len(ossl)} runs "
           "interleaved with the benchmarks). Full tables, versions and method: "
           "[benches/results/latest.md](benches/results/latest.md).",
           "",
           "![time per whole-token verification relative to OpenSSL](benches/results/latest.png)",
           ""]
    out += table(whole, with_openssl=True)
    out.append("")
    m4 = qemu.get(("thumbv7em-none-eabihf", "release"))
    rv = qemu.get(("riscv32imac-unknown-none-elf", "release"))
    if m4 and "verify" in m4["ops"]:
        heap = "no heap (no allocator linked)" if not m4.get("alloc_symbols") else "an allocator linked"
        line = (f"On a Cortex-M4 (QEMU `mps2-an386`, `-icount shift=0`), one whole-token verification takes "
                f"{m4['ops']['verify']['insns']:,} instructions and {m4['ops']['verify']['stack']:,} B of stack"
                f" plus the caller's {int(m4['info'].get('verify_buffer', 0)):,} B token buffer, with {heap}; "
                f"loading the key takes {m4['ops']['key_load']['insns']:,} instructions.")
        if rv and "verify" in rv["ops"]:
            line += (f" On RV32IMAC (QEMU `virt`): {rv['ops']['verify']['insns']:,} instructions and "
                     f"{rv['ops']['verify']['stack']:,} B of stack.")
        out.append(line)
        out.append("")
    out.append("Reproduce with `bash benches/scripts/run.sh` (about 10 minutes on an idle machine).")
    out += ["", END]
    return "\n".join(out)


def update_readme(path, block):
    with open(path) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print(f"note: {path} has no {BEGIN} ... {END} block; not updated", file=sys.stderr)
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(head + block + tail)


def chart(whole, ref_ns, meta, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    rows = [r for r in whole if r["median_ns"] is not None]
    if not rows or not ref_ns:
        return
    rows = [{"bench": "openssl", "label": f"OpenSSL {meta.get('openssl', '')} RSA-2048 verify alone (reference)",
                        "median_ns": ref_ns}] + rows
    rows = list(reversed(rows))
    labels = [r["label"].replace("`", "") for r in rows]
    ratios = [r["median_ns"] / ref_ns for r in rows]

    def color(r):
        if r["bench"] == "openssl":
            return "#333333"
        return "#6c47ff" if r["bench"].startswith("clerk-edge") else "#a8adb4"

    fig, ax = plt.subplots(figsize=(11.5, 0.42 * len(rows) + 1.9), dpi=110)
    bars = ax.barh(range(len(rows)), ratios, color=[color(r) for r in rows], height=0.7)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}×"))
    ax.axvline(1.0, color="#333333", linewidth=0.8)
    ax.axvline(BUDGET_WHOLE, color="#d33", linewidth=1, linestyle="--", label=f"budget, new token: {BUDGET_WHOLE}×")
    ax.axvline(BUDGET_CACHE, color="#d33", linewidth=1, linestyle=":", label=f"budget, cache hit: {BUDGET_CACHE}×")
    for bar, r in zip(bars, rows):
        ratio = r["median_ns"] / ref_ns
        text = f"{ratio:.3f}×" if ratio < 0.1 else f"{ratio:.2f}×"
        ax.text(bar.get_width() * 1.07, bar.get_y() + bar.get_height() / 2,
                f"{text}   {fmt_time(r['median_ns'])}", va="center", fontsize=8.5)
    ax.set_xlim(min(min(ratios), BUDGET_CACHE) / 2, max(max(ratios), 2.0) * 5)
    ax.set_xlabel("time per whole-token verification, relative to one OpenSSL RSA-2048 verify (log scale, lower is faster)")
    ax.set_title(f"Verifying one Clerk v2 session token (RSA-2048), {meta.get('date', '')[:10]}\n"
                 f"{meta.get('cpu')}, one core; OpenSSL verify = {fmt_time(ref_ns)}", fontsize=10)
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")


if __name__ == "__main__":
    sys.exit(main())
