//! What one clerk-edge key load and one token verification cost on a
//! microcontroller: instructions, peak stack, heap.
//!
//! Runs under QEMU with `-icount shift=0`, where every guest instruction
//! advances the virtual clock by exactly 1 ns, so a clock read around an
//! operation counts its instructions:
//!
//! - Cortex-M4 (`mps2-an386`): QEMU models no DWT cycle counter (CYCCNT
//!   stays 0; checked and reported below), but SysTick runs from the
//!   virtual clock (25 MHz core clock: one tick per 40 instructions).
//!   The ratio is calibrated on a loop of known length, every operation
//!   runs [`REPEAT`] times between two reads, and the count is
//!   `ticks × instructions per tick / REPEAT` (±40 / REPEAT).
//! - RISC-V (`virt`): `minstret` is the instruction count itself (QEMU
//!   derives it from icount), exact to the instruction.
//!
//! Peak stack: the stack below the caller is painted with a pattern before
//! one run and scanned for the lowest overwritten word after it. Heap: no
//! allocator is linked (no `alloc` crate at all); `benches/scripts/run.sh`
//! checks the ELF for allocator symbols.
//!
//! Output: `INFO ...` and `RESULT op=... insns=... stack=...` lines.
#![no_std]
#![no_main]

use clerk_edge::request::{Authenticator, RequestParts, Status, request_buffer_len};
use clerk_edge::rsa::HashAlg;
use clerk_edge::{JwtKey, Verifier, VerifyOptions, base64url, json, verify};
use core::fmt::Write;
use sha2::Digest;

mod fixture {
    include!(concat!(env!("OUT_DIR"), "/fixture.rs"));
}

/// Runs per operation for the instruction count (the count is their mean).
const REPEAT: u32 = 16;
/// Bytes of stack painted below the caller before a run.
const PAINT: usize = 48 * 1024;
/// The paint.
const PATTERN: u32 = 0xC1E4_ED6E;

#[cfg(target_arch = "arm")]
mod arch {
    use core::arch::asm;
    use core::ptr::{read_volatile, write_volatile};

    pub const NAME: &str = "cortex-m4";
    pub const COUNTER: &str = "SysTick (core clock, virtual time)";
    /// SysTick counts core clock ticks, not instructions: calibrate.
    pub const COUNTS_INSTRUCTIONS: bool = false;

    const SYST_CSR: *mut u32 = 0xE000_E010 as *mut u32;
    const SYST_RVR: *mut u32 = 0xE000_E014 as *mut u32;
    const SYST_CVR: *mut u32 = 0xE000_E018 as *mut u32;
    const DEMCR: *mut u32 = 0xE000_EDFC as *mut u32;
    const DWT_CTRL: *mut u32 = 0xE000_1000 as *mut u32;
    const DWT_CYCCNT: *mut u32 = 0xE000_1004 as *mut u32;

    /// SysTick free-running from the processor clock, no interrupt; the
    /// DWT cycle counter enabled in case the emulator models it.
    pub fn init() {
        // SAFETY: architecturally defined system registers of every
        // Cortex-M3/M4; nothing else uses them in this image.
        unsafe {
            write_volatile(SYST_RVR, 0x00FF_FFFF);
            write_volatile(SYST_CVR, 0);
            write_volatile(SYST_CSR, 0b101);
            write_volatile(DEMCR, read_volatile(DEMCR) | (1 << 24));
            write_volatile(DWT_CYCCNT, 0);
            write_volatile(DWT_CTRL, read_volatile(DWT_CTRL) | 1);
        }
    }

    /// DWT CYCCNT, as the emulator reports it.
    pub fn cyccnt() -> u32 {
        // SAFETY: a read of an architecturally defined register.
        unsafe { read_volatile(DWT_CYCCNT) }
    }

    pub type Stamp = u32;

    pub fn stamp() -> Stamp {
        // SAFETY: a read of an architecturally defined register.
        unsafe { read_volatile(SYST_CVR) }
    }

    /// Counter units from `a` to `b` (SysTick counts down, 24 bits).
    pub fn units(a: Stamp, b: Stamp) -> u64 {
        u64::from(a.wrapping_sub(b) & 0x00FF_FFFF)
    }

    /// `n` iterations of a two-instruction loop.
    pub fn spin(n: u32) {
        if n == 0 {
            return;
        }
        // SAFETY: register-only loop.
        unsafe {
            asm!("2:", "subs {0}, {0}, #1", "bne 2b", inout(reg) n => _, options(nomem, nostack));
        }
    }

    pub fn sp() -> usize {
        let sp: usize;
        // SAFETY: reads the stack pointer.
        unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
        sp
    }

    pub fn print(s: &str) {
        cortex_m_semihosting::hprint!("{}", s);
    }

    pub fn exit(ok: bool) -> ! {
        use cortex_m_semihosting::debug;
        debug::exit(if ok {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
        loop {
            cortex_m::asm::bkpt();
        }
    }

    #[cortex_m_rt::entry]
    fn main() -> ! {
        super::run()
    }
}

#[cfg(target_arch = "riscv32")]
mod arch {
    use core::arch::{asm, global_asm};
    use core::ptr::write_volatile;

    pub const NAME: &str = "riscv32imac";
    pub const COUNTER: &str = "minstret";
    /// QEMU's `minstret` under icount is the instruction count.
    pub const COUNTS_INSTRUCTIONS: bool = true;

    const UART_THR: *mut u8 = 0x1000_0000 as *mut u8;
    const TEST_DEVICE: *mut u32 = 0x0010_0000 as *mut u32;

    // Machine-mode start at the base of DRAM: global pointer, stack, .bss,
    // a trap vector that reports failure, then `rust_main`.
    global_asm!(
        ".section .text.init, \"ax\"",
        ".global _start",
        "_start:",
        ".option push",
        ".option norelax",
        "la gp, __global_pointer$",
        ".option pop",
        "la sp, __stack_top",
        "la t0, trap",
        "csrw mtvec, t0",
        "la t0, __bss_start",
        "la t1, __bss_end",
        "1: bgeu t0, t1, 2f",
        "sw zero, 0(t0)",
        "addi t0, t0, 4",
        "j 1b",
        "2: call rust_main",
        ".p2align 2",
        "trap:",
        "li t0, 0x100000",
        "li t1, 0x23333",
        "sw t1, 0(t0)",
        "j trap",
    );

    pub fn init() {}

    pub fn cyccnt() -> u32 {
        let c: u32;
        // SAFETY: reads a machine-mode counter CSR.
        unsafe { asm!("csrr {}, mcycle", out(reg) c, options(nomem, nostack)) };
        c
    }

    pub type Stamp = u32;

    pub fn stamp() -> Stamp {
        let c: u32;
        // SAFETY: reads a machine-mode counter CSR.
        unsafe { asm!("csrr {}, minstret", out(reg) c, options(nomem, nostack)) };
        c
    }

    pub fn units(a: Stamp, b: Stamp) -> u64 {
        u64::from(b.wrapping_sub(a))
    }

    /// `n` iterations of a two-instruction loop.
    pub fn spin(n: u32) {
        if n == 0 {
            return;
        }
        // SAFETY: register-only loop.
        unsafe {
            asm!("2:", "addi {0}, {0}, -1", "bnez {0}, 2b", inout(reg) n => _, options(nomem, nostack));
        }
    }

    pub fn sp() -> usize {
        let sp: usize;
        // SAFETY: reads the stack pointer.
        unsafe { asm!("mv {}, sp", out(reg) sp, options(nomem, nostack)) };
        sp
    }

    pub fn print(s: &str) {
        for b in s.bytes() {
            // SAFETY: the virt machine's 16550 transmit register; QEMU
            // needs no set-up and never reports it full.
            unsafe { write_volatile(UART_THR, b) };
        }
    }

    pub fn exit(ok: bool) -> ! {
        loop {
            // SAFETY: the virt machine's test device: 0x5555 ends QEMU
            // with status 0, 0x3333 | code << 16 with `code`.
            unsafe { write_volatile(TEST_DEVICE, if ok { 0x5555 } else { 0x1_3333 }) };
        }
    }

    #[unsafe(no_mangle)]
    extern "C" fn rust_main() -> ! {
        super::run()
    }
}

struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        arch::print(s);
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(Console, "PANIC {info}");
    arch::exit(false)
}

/// Instructions per counter unit, as `insns / units`, and the check loop.
struct Calibration {
    insns: u64,
    units: u64,
    /// Counter units for a loop of 2,000,000 instructions.
    loop_units: u64,
}

impl Calibration {
    /// Times loops of 2 × 1,000,000 and 2 × 2,000,000 instructions; their
    /// difference cancels the cost of reading the counter. On Cortex-M it
    /// gives the instructions per SysTick tick; on RISC-V `minstret` counts
    /// instructions already and the loop only checks it.
    fn measure() -> Self {
        let a = arch::stamp();
        arch::spin(1_000_000);
        let b = arch::stamp();
        arch::spin(2_000_000);
        let c = arch::stamp();
        let loop_units = arch::units(b, c) - arch::units(a, b);
        let (insns, units) = if arch::COUNTS_INSTRUCTIONS {
            (1, 1)
        } else {
            (2_000_000, loop_units)
        };
        Calibration {
            insns,
            units,
            loop_units,
        }
    }

    fn insns(&self, units: u64) -> u64 {
        (units * self.insns + self.units / 2) / self.units
    }
}

#[inline(never)]
fn paint(bottom: usize) {
    // Stay clear of this function's own frame.
    let top = arch::sp() - 64;
    let mut p = bottom;
    while p < top {
        // SAFETY: unused stack below the live frames, word-aligned.
        unsafe { (p as *mut u32).write_volatile(PATTERN) };
        p += 4;
    }
}

fn high_water(bottom: usize, top: usize) -> usize {
    let mut p = bottom;
    // SAFETY: reads of the painted, word-aligned stack region.
    while p < top && unsafe { (p as *const u32).read_volatile() } == PATTERN {
        p += 4;
    }
    top - p
}

/// Keeps the operation out of the caller's frame.
#[inline(never)]
fn call<R>(f: &mut impl FnMut() -> R) -> R {
    f()
}

struct Measured<R> {
    result: R,
    insns: u64,
    insns_single: u64,
    stack: usize,
    overflow: bool,
}

/// One painted run (peak stack, single-run count), then [`REPEAT`] runs
/// between two counter reads (mean count).
#[inline(never)]
fn measure<R>(cal: &Calibration, mut f: impl FnMut() -> R) -> Measured<R> {
    let top = arch::sp() & !3;
    let bottom = top - PAINT;
    paint(bottom);
    let a = arch::stamp();
    let result = call(&mut f);
    let b = arch::stamp();
    let stack = high_water(bottom, top);
    let single = arch::units(a, b);
    let a = arch::stamp();
    for _ in 0..REPEAT {
        core::hint::black_box(call(&mut f));
    }
    let b = arch::stamp();
    let total = cal.insns(arch::units(a, b));
    Measured {
        result,
        insns: (total + u64::from(REPEAT) / 2) / u64::from(REPEAT),
        insns_single: cal.insns(single),
        stack,
        overflow: stack + 64 >= PAINT,
    }
}

fn report<R>(op: &str, m: &Measured<R>) {
    let _ = writeln!(
        Console,
        "RESULT target={} op={op} insns={} insns_single={} stack={}{}",
        arch::NAME,
        m.insns,
        m.insns_single,
        m.stack,
        if m.overflow { " stack_overflow=1" } else { "" }
    );
}

fn check(ok: bool, what: &str) {
    if !ok {
        let _ = writeln!(Console, "FAILED {what}");
        arch::exit(false);
    }
}

fn run() -> ! {
    arch::init();
    let cal = Calibration::measure();
    let c0 = arch::cyccnt();
    arch::spin(1000);
    let c1 = arch::cyccnt();
    let _ = writeln!(
        Console,
        "INFO target={} counter={:?} insns_per_unit={}/{} loop_2000000_insns_units={} cycle_counter_over_2000_insns={}",
        arch::NAME,
        arch::COUNTER,
        cal.insns,
        cal.units,
        cal.loop_units,
        c1.wrapping_sub(c0)
    );
    let _ = writeln!(
        Console,
        "INFO case={} token_bytes={} verify_buffer={} jwtkey_bytes={} verifier_bytes={}",
        fixture::CASE_ID,
        fixture::TOKEN.len(),
        verify::buffer_len(fixture::TOKEN.len()),
        core::mem::size_of::<JwtKey>(),
        core::mem::size_of::<Verifier<'_>>()
    );

    // Key load: PEM -> SPKI DER -> modulus -> Montgomery constants.
    let m = measure(&cal, || {
        JwtKey::parse(core::hint::black_box(fixture::PEM)).map(|k| k.modulus_bits())
    });
    check(matches!(m.result, Ok(2048)), "key load");
    report("key_load", &m);
    let Ok(key) = JwtKey::parse(fixture::PEM) else {
        arch::exit(false)
    };
    let keys = [key];

    // Whole-token verification with every check (the caller's buffer is
    // in this frame, like the README's `[0u8; verify::buffer_len(..)]`).
    let parties = [fixture::AUTHORIZED_PARTY];
    let verifier = Verifier::new(
        &keys,
        VerifyOptions {
            authorized_parties: &parties,
            ..VerifyOptions::default()
        },
    );
    let mut buf = [0u8; verify::buffer_len(fixture::TOKEN.len())];
    let m = measure(&cal, || {
        verifier
            .verify(
                core::hint::black_box(fixture::TOKEN),
                fixture::NOW_MS,
                &mut buf,
            )
            .map(|v| v.claims.sub.len())
            .is_ok()
    });
    check(m.result, "verify");
    report("verify", &m);

    // Request-level: `Authorization: Bearer <token>`.
    let auth = Authenticator::new(verifier, None);
    let mut header = [0u8; 7 + fixture::TOKEN.len()];
    header[..7].copy_from_slice(b"Bearer ");
    header[7..].copy_from_slice(fixture::TOKEN.as_bytes());
    let header = core::str::from_utf8(&header).unwrap_or("");
    let mut request = RequestParts::new("GET", "/api/data");
    request.host = Some("app.example.com");
    request.authorization = Some(header);
    request.accept = Some("application/json");
    let mut rbuf = [0u8; 4 * verify::buffer_len(fixture::TOKEN.len() + 7) + 64];
    let need = request_buffer_len(&request);
    check(need <= rbuf.len(), "request buffer size");
    let _ = writeln!(Console, "INFO request_buffer={need}");
    let m = measure(&cal, || {
        auth.authenticate(&request, fixture::NOW_MS, &mut rbuf[..need])
            .status()
            == Status::SignedIn
    });
    check(m.result, "authenticate");
    report("request", &m);

    // Where the time goes: the pieces of one verification.
    let signing_input = fixture::TOKEN.rsplit_once('.').map_or("", |(s, _)| s);
    let mut segments = fixture::TOKEN.split('.');
    let (h, p, s) = (
        segments.next().unwrap_or(""),
        segments.next().unwrap_or(""),
        segments.next().unwrap_or(""),
    );
    let mut sig = [0u8; 256];
    check(
        base64url::decode(s.as_bytes(), &mut sig) == Ok(256),
        "signature decode",
    );
    let digest: [u8; 32] = sha2::Sha256::digest(signing_input.as_bytes()).into();

    let rsa = keys[0].rsa();
    let m = measure(&cal, || {
        rsa.verify_pkcs1v15(
            HashAlg::Sha256,
            core::hint::black_box(&digest),
            core::hint::black_box(&sig),
        )
    });
    check(m.result, "rsa");
    report("rsa_only", &m);

    let m = measure(&cal, || {
        let d: [u8; 32] =
            sha2::Sha256::digest(core::hint::black_box(signing_input).as_bytes()).into();
        d == digest
    });
    check(m.result, "sha256");
    report("sha256", &m);

    let mut jbuf = [0u8; verify::buffer_len(fixture::TOKEN.len())];
    let m = measure(&cal, || {
        let (hb, pb) = jbuf.split_at_mut(verify::buffer_len(fixture::TOKEN.len()) / 2);
        let mut sig = [0u8; 256];
        let (Ok(hn), Ok(pn), Ok(_)) = (
            base64url::decode(core::hint::black_box(h).as_bytes(), hb),
            base64url::decode(core::hint::black_box(p).as_bytes(), pb),
            base64url::decode(core::hint::black_box(s).as_bytes(), &mut sig),
        ) else {
            return false;
        };
        let (Ok(ht), Ok(pt)) = (
            core::str::from_utf8(&hb[..hn]),
            core::str::from_utf8(&pb[..pn]),
        ) else {
            return false;
        };
        matches!((json::parse(ht), json::parse(pt)), (Ok(_), Ok(v)) if v.get("sub").is_some())
    });
    check(m.result, "decode + json");
    report("decode_json", &m);

    let _ = writeln!(Console, "DONE");
    arch::exit(true)
}
