//! Fixed-width Montgomery arithmetic modulo a public RSA modulus.
//!
//! Numbers are `[L; N]` arrays, least significant limb first, with `N` a
//! const generic so that each key size is its own monomorphized code with
//! compile-time loop bounds. `R = 2^(BITS * N)`; a `Mont` holds `n`,
//! `R^2 mod n` and `-n^-1 mod 2^BITS`, computed once per key.
//!
//! Two interchangeable kernels compute `a * b / R mod n`:
//! - [`OperandScanning`] (rows, the default): the full product or square,
//!   then the reduction (REDC), each two rows per pass. Every step is
//!   `a * b + c + d` (one `UMAAL` on Cortex-M4), each limb of the
//!   double-width buffer is loaded and stored once per two products, and
//!   the two carry chains are independent, which out-of-order x86 cores
//!   overlap.
//! - [`ProductScanning`] (Comba / "FIPS" order): one column of the product
//!   and of the reduction at a time into a three-limb accumulator. Written
//!   independently of the other; the tests check that they agree.
//!
//! Every input here is public (key, signature), so nothing tries to be
//! constant-time: comparisons exit early and the final subtraction is a
//! branch.

use core::marker::PhantomData;

use super::limb::Limb;

/// A Montgomery multiplication and squaring algorithm.
pub trait Kernel: Clone + PartialEq + Eq + 'static {
    /// `out = a * b / R mod n` for `a, b < n`, fully reduced. (Results go
    /// to `out` rather than being returned: on Cortex-M each returned array
    /// costs a `memcpy`.)
    fn mul<L: Limb, const N: usize, const D: usize>(
        a: &[L; N],
        b: &[L; N],
        n: &[L; N],
        n0: L,
        out: &mut [L; N],
    );
    /// `out = a^2 / R mod n` for `a < n`, fully reduced. `D` is `2 * N`,
    /// the width of a full square, for kernels that materialize it.
    fn sqr<L: Limb, const N: usize, const D: usize>(
        a: &[L; N],
        n: &[L; N],
        n0: L,
        out: &mut [L; N],
    );
}

/// Column-wise (Comba) multiplication interleaved with the reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductScanning;

/// Row-wise product or square, then a separate reduction (REDC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperandScanning;

/// `a >= b`.
#[inline]
pub fn geq<L: Limb>(a: &[L], b: &[L]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

/// `a -= b`, returning the borrow.
#[inline]
fn sub_assign<L: Limb>(a: &mut [L], b: &[L]) -> bool {
    let mut borrow = false;
    for (x, y) in a.iter_mut().zip(b.iter()) {
        let (d, bo) = x.sbb(*y, borrow);
        *x = d;
        borrow = bo;
    }
    borrow
}

/// Brings `carry * R + r` (known to be `< 2n`) below `n`.
#[inline]
fn reduce_once<L: Limb, const N: usize>(r: &mut [L; N], carry: bool, n: &[L; N]) {
    if carry || geq(r, n) {
        sub_assign(r, n);
    }
}

#[inline(always)]
fn first<L: Limb>(a: &[L]) -> L {
    a.first().copied().unwrap_or(L::ZERO)
}

/// A column accumulator: a double-width low part and one more limb, enough
/// for the sum of up to `2^BITS` products.
#[derive(Clone, Copy)]
struct Acc<L: Limb> {
    lo: L::Wide,
    hi: L,
}

impl<L: Limb> Acc<L> {
    #[inline(always)]
    fn new() -> Self {
        Self {
            lo: L::wide_zero(),
            hi: L::ZERO,
        }
    }
    #[inline(always)]
    fn mac(&mut self, a: L, b: L) {
        let (s, c) = L::wide_add(self.lo, a.mul_wide(b));
        self.lo = s;
        self.hi = self.hi.adc(L::ZERO, c).0;
    }
    /// Adds `xs[i] * ys[len - 1 - i]` for every `i` (the slices have equal length).
    #[inline(always)]
    fn dot_rev(&mut self, xs: &[L], ys: &[L]) {
        for (x, y) in xs.iter().zip(ys.iter().rev()) {
            self.mac(*x, *y);
        }
    }
    /// Adds twice `other`.
    #[inline(always)]
    fn add_doubled(&mut self, other: Self) {
        let (lo2, hi2) = L::wide_double(other.lo, other.hi);
        let (s, c) = L::wide_add(self.lo, lo2);
        self.lo = s;
        self.hi = self.hi.adc(hi2, c).0;
    }
    #[inline(always)]
    fn low(&self) -> L {
        L::wide_lo(self.lo)
    }
    /// Returns the low limb and shifts the accumulator down by one limb.
    #[inline(always)]
    fn shift(&mut self) -> L {
        let out = L::wide_lo(self.lo);
        self.lo = L::wide_shift(self.lo, self.hi);
        self.hi = L::ZERO;
        out
    }
}

#[inline(always)]
fn head<L: Limb>(a: &[L], len: usize) -> &[L] {
    a.get(..len).unwrap_or(&[])
}
#[inline(always)]
fn tail<L: Limb>(a: &[L], from: usize) -> &[L] {
    a.get(from..).unwrap_or(&[])
}

impl Kernel for ProductScanning {
    fn mul<L: Limb, const N: usize, const D: usize>(
        a: &[L; N],
        b: &[L; N],
        n: &[L; N],
        n0: L,
        r: &mut [L; N],
    ) {
        let mut m = [L::ZERO; N];
        let mut acc = Acc::<L>::new();
        let n_low = first(n);
        // Column k < N: a_i b_{k-i} and m_i n_{k-i}, then choose m_k so
        // that the column becomes 0 mod 2^BITS.
        for k in 0..N {
            acc.dot_rev(head(a, k + 1), head(b, k + 1));
            acc.dot_rev(head(&m, k), n.get(1..=k).unwrap_or(&[]));
            let mk = acc.low().wrapping_mul(n0);
            if let Some(slot) = m.get_mut(k) {
                *slot = mk;
            }
            acc.mac(mk, n_low);
            acc.shift();
        }
        // Columns N..2N: what remains is the result.
        for (k, out) in (N..2 * N).zip(r.iter_mut()) {
            let lo = k + 1 - N;
            acc.dot_rev(tail(a, lo), tail(b, lo));
            acc.dot_rev(tail(&m, lo), tail(n, lo));
            *out = acc.shift();
        }
        let carry = acc.low() != L::ZERO;
        reduce_once(r, carry, n);
    }

    fn sqr<L: Limb, const N: usize, const D: usize>(a: &[L; N], n: &[L; N], n0: L, r: &mut [L; N]) {
        let mut m = [L::ZERO; N];
        let mut acc = Acc::<L>::new();
        let n_low = first(n);
        for k in 0..2 * N - 1 {
            let lo = k.saturating_sub(N - 1);
            // Pairs (i, k - i) with lo <= i < k - i, counted twice.
            let half = k.div_ceil(2);
            let mut cross = Acc::<L>::new();
            cross.dot_rev(
                a.get(lo..half).unwrap_or(&[]),
                a.get(k + 1 - half..=k - lo).unwrap_or(&[]),
            );
            acc.add_doubled(cross);
            if k % 2 == 0 {
                let x = a.get(k / 2).copied().unwrap_or(L::ZERO);
                acc.mac(x, x);
            }
            if k < N {
                acc.dot_rev(head(&m, k), n.get(1..=k).unwrap_or(&[]));
                let mk = acc.low().wrapping_mul(n0);
                if let Some(slot) = m.get_mut(k) {
                    *slot = mk;
                }
                acc.mac(mk, n_low);
                acc.shift();
            } else {
                acc.dot_rev(tail(&m, lo), tail(n, lo));
                let limb = acc.shift();
                if let Some(slot) = r.get_mut(k - N) {
                    *slot = limb;
                }
            }
        }
        if let Some(slot) = r.last_mut() {
            *slot = acc.shift();
        }
        let carry = acc.low() != L::ZERO;
        reduce_once(r, carry, n);
    }
}

/// Adds two rows into `body`, two positions per step: at each position the
/// first row takes `x * ys[k]` and the second `y * ys[k - 1]` (`y_prev`
/// before the first). The carries stay in registers; each limb of `body`
/// is loaded and stored once for two `UMAAL`s.
#[inline(always)]
fn two_rows<L: Limb>(
    body: &mut [L],
    ys: &[L],
    (x, y): (L, L),
    mut y_prev: L,
    (mut c0, mut c1): (L, L),
) -> (L, L) {
    for (yp, wp) in ys.chunks_exact(2).zip(body.chunks_exact_mut(2)) {
        if let ([ya, yb], [wa, wb]) = (yp, wp) {
            let (v, c) = x.mul_add2(*ya, *wa, c0);
            let (v, d) = y.mul_add2(y_prev, v, c1);
            *wa = v;
            let (v, c) = x.mul_add2(*yb, *wb, c);
            let (v, d) = y.mul_add2(*ya, v, d);
            *wb = v;
            c0 = c;
            c1 = d;
            y_prev = *yb;
        }
    }
    (c0, c1)
}

/// `t = a * b` (`D = 2N` limbs), two rows of the schoolbook product per
/// pass.
#[inline(always)]
fn product<L: Limb, const N: usize, const D: usize>(a: &[L; N], b: &[L; N], t: &mut [L; D]) {
    let (a_low, a_high) = (first(a), a.last().copied().unwrap_or(L::ZERO));
    let a_1 = a.get(1).copied().unwrap_or(L::ZERO);
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let &[b0, b1] = pair else { continue };
        // Rows b0 at 2i and b1 at 2i + 1: positions 2i, 2i + 1 | 2i + 2 ..
        // 2i + N - 1 | 2i + N, 2i + N + 1 (the last two still 0).
        let Some(window) = t.get_mut(2 * i..2 * i + N + 2) else {
            continue;
        };
        let Some(([w0, w1], rest)) = window.split_first_chunk_mut::<2>() else {
            continue;
        };
        let Some((body, [w_top, w_hi])) = rest.split_last_chunk_mut::<2>() else {
            continue;
        };
        let (v, c0) = a_low.mul_add2(b0, *w0, L::ZERO);
        *w0 = v;
        let (v, c0) = a_1.mul_add2(b0, *w1, c0);
        let (v, c1) = a_low.mul_add2(b1, v, L::ZERO);
        *w1 = v;
        let (c0, c1) = two_rows(body, tail(a, 2), (b0, b1), a_1, (c0, c1));
        let (v, hi) = a_high.mul_add2(b1, c0, c1);
        *w_top = v;
        *w_hi = hi;
    }
}

/// `t = a^2` (`D = 2N` limbs): the products `a_i a_j`, `i < j`, two rows
/// per pass, then doubled, plus the squares on the diagonal.
///
/// Out of line: compiled together with the reduction that follows, the
/// variable-length rows spill more registers on Cortex-M4 (measured: 5 %
/// more instructions per RSA-2048 verification).
#[inline(never)]
fn square<L: Limb, const N: usize, const D: usize>(a: &[L; N], t: &mut [L; D]) {
    let a_high = a.last().copied().unwrap_or(L::ZERO);
    for (i, pair) in a.chunks_exact(2).enumerate() {
        let i = 2 * i;
        let &[ai, ai1] = pair else { continue };
        // Row ai: a_j, j > i, at i + j; row ai1: a_j, j > i + 1, at
        // i + 1 + j. Window: positions 2i + 1, 2i + 2 | 2i + 3 .. i + N - 1 |
        // i + N, i + N + 1 (the last two still 0).
        let rest_a = tail(a, i + 2);
        let Some(window) = t.get_mut(2 * i + 1..i + N + 2) else {
            continue;
        };
        let Some(([w0, w1], rest)) = window.split_first_chunk_mut::<2>() else {
            continue;
        };
        let (v, c0) = ai.mul_add2(ai1, *w0, L::ZERO);
        *w0 = v;
        let Some(([a2, a3], rest_a)) = rest_a.split_first_chunk::<2>() else {
            // The last pair: only a_{N-2} a_{N-1}.
            *w1 = c0;
            continue;
        };
        let (v, c0) = ai.mul_add2(*a2, *w1, c0);
        *w1 = v;
        let Some(([w2, body @ ..], [w_top, w_hi])) = rest.split_last_chunk_mut::<2>() else {
            continue;
        };
        // Position 2i + 3: row ai with a_{i+3}, row ai1 with a_{i+2}.
        let (v, c0) = ai.mul_add2(*a3, *w2, c0);
        let (v, c1) = ai1.mul_add2(*a2, v, L::ZERO);
        *w2 = v;
        let (c0, c1) = two_rows(body, rest_a, (ai, ai1), *a3, (c0, c1));
        let (v, hi) = ai1.mul_add2(a_high, c0, c1);
        *w_top = v;
        *w_hi = hi;
    }
    // Double and add the squares a_i^2 at 2i.
    let mut shifted = false;
    let mut carry = false;
    for (pair, &ai) in t.chunks_exact_mut(2).zip(a.iter()) {
        let (sq_lo, sq_hi) = ai.mul_add2(ai, L::ZERO, L::ZERO);
        if let [lo, hi] = pair {
            let (l, s) = lo.shl1(shifted);
            let (h, s) = hi.shl1(s);
            shifted = s;
            let (l, c) = l.adc(sq_lo, carry);
            let (h, c) = h.adc(sq_hi, c);
            carry = c;
            *lo = l;
            *hi = h;
        }
    }
}

/// Montgomery reduction `t / R mod n` of `t < n R`, clearing two limbs per
/// pass (the second multiplier `m1` is known once the first row has
/// reached limb `i + 1`).
#[inline(always)]
fn redc<L: Limb, const N: usize, const D: usize>(
    t: &mut [L; D],
    n: &[L; N],
    n0: L,
    r: &mut [L; N],
) {
    let (n_low, n_high) = (first(n), n.last().copied().unwrap_or(L::ZERO));
    let n_1 = n.get(1).copied().unwrap_or(L::ZERO);
    // Carry into position i + N, from the previous pass.
    let mut top = L::ZERO;
    for i in (0..N).step_by(2) {
        // Positions i, i + 1 | i + 2 .. i + N - 1 | i + N, i + N + 1.
        let Some(window) = t.get_mut(i..i + N + 2) else {
            break;
        };
        let Some(([w0, w1], rest)) = window.split_first_chunk_mut::<2>() else {
            break;
        };
        let Some((body, [w_top, w_carry])) = rest.split_last_chunk_mut::<2>() else {
            break;
        };
        let m0 = w0.wrapping_mul(n0);
        let (_, c0) = m0.mul_add2(n_low, *w0, L::ZERO);
        let (x, c0) = m0.mul_add2(n_1, *w1, c0);
        let m1 = x.wrapping_mul(n0);
        let (_, c1) = m1.mul_add2(n_low, x, L::ZERO);
        // Row m0 takes n_k and row m1 takes n_{k-1} at each position (N - 2
        // of them, an even number).
        let (c0, c1) = two_rows(body, tail(n, 2), (m0, m1), n_1, (c0, c1));
        let (x, c1) = m1.mul_add2(n_high, *w_top, c1);
        let (x, k0) = x.adc(c0, false);
        let (x, k1) = x.adc(top, false);
        *w_top = x;
        let (hi, k2) = w_carry.adc(c1, k0);
        let (hi, k3) = hi.adc(L::ZERO, k1);
        *w_carry = hi;
        top = L::ZERO.adc(L::ZERO, k2).0.adc(L::ZERO, k3).0;
    }
    for (o, x) in r.iter_mut().zip(tail(t, N)) {
        *o = *x;
    }
    reduce_once(r, top != L::ZERO, n);
}

impl Kernel for OperandScanning {
    fn mul<L: Limb, const N: usize, const D: usize>(
        a: &[L; N],
        b: &[L; N],
        n: &[L; N],
        n0: L,
        out: &mut [L; N],
    ) {
        const { assert!(D == 2 * N && N.is_multiple_of(2)) };
        // The product needs zeros above the first row pair.
        let mut t = [L::ZERO; D];
        product(a, b, &mut t);
        redc(&mut t, n, n0, out);
    }

    fn sqr<L: Limb, const N: usize, const D: usize>(
        a: &[L; N],
        n: &[L; N],
        n0: L,
        out: &mut [L; N],
    ) {
        const { assert!(D == 2 * N && N.is_multiple_of(2)) };
        let mut t = [L::ZERO; D];
        square(a, &mut t);
        redc(&mut t, n, n0, out);
    }
}

/// Montgomery context for one odd modulus of at most `BITS * N` bits.
#[derive(Clone, PartialEq, Eq)]
pub struct Mont<L: Limb, K, const N: usize, const D: usize> {
    n: [L; N],
    /// `R^2 mod n`: multiplying by it enters the Montgomery domain.
    rr: [L; N],
    /// `-n^-1 mod 2^BITS`.
    n0: L,
    kernel: PhantomData<K>,
}

impl<L: Limb, K: Kernel, const N: usize, const D: usize> Mont<L, K, N, D> {
    /// Bits this width holds.
    pub const CAPACITY_BITS: usize = N * L::BITS as usize;

    /// Reads a big-endian number that fits in `N` limbs.
    pub fn read_be(bytes: &[u8]) -> Option<[L; N]> {
        let mut out = [L::ZERO; N];
        let mut chunks = bytes.rchunks(L::BYTES);
        for (limb, chunk) in out.iter_mut().zip(&mut chunks) {
            *limb = L::from_be_slice(chunk);
        }
        if chunks.any(|c| c.iter().any(|&b| b != 0)) {
            return None;
        }
        Some(out)
    }

    /// Writes `x` big-endian into all of `out` (high limbs beyond `out` dropped).
    pub fn write_be(x: &[L; N], out: &mut [u8]) {
        let mut chunks = out.rchunks_mut(L::BYTES);
        for (chunk, limb) in (&mut chunks).zip(x.iter()) {
            limb.write_be(chunk);
        }
        for chunk in chunks {
            chunk.fill(0);
        }
    }

    /// Precomputes the constants for an odd `n` with exactly `bits` bits
    /// (`bits <= CAPACITY_BITS`); `None` if `n` does not fit or is even.
    pub fn new(n_be: &[u8], bits: usize) -> Option<Self> {
        let n = Self::read_be(n_be)?;
        let low = first(&n);
        if !low.is_odd() || bits == 0 || bits > Self::CAPACITY_BITS {
            return None;
        }
        // Newton: x = n^-1 mod 2^k doubles k per step; n * n = 1 mod 8 starts at 3 bits.
        let mut inv = low;
        for _ in 0..5 {
            inv = inv.wrapping_mul(low.wrapping_mul(inv).two_minus());
        }
        let mut this = Self {
            n,
            rr: [L::ZERO; N],
            n0: inv.wrapping_neg(),
            kernel: PhantomData,
        };
        // R^2 mod n: double 2^(bits-1) < n up to R * 2^(w/32 * N) mod n, then
        // five Montgomery squarings each double the exponent beyond R:
        // (R * 2^t)^2 / R = R * 2^(2t), and 32t = BITS * N.
        let t = Self::CAPACITY_BITS / 32;
        let mut x = [L::ZERO; N];
        let top = bits - 1;
        if let Some(limb) = x.get_mut(top / L::BITS as usize) {
            *limb = L::bit((top % L::BITS as usize) as u32);
        }
        for _ in top..Self::CAPACITY_BITS + t {
            this.double(&mut x);
        }
        for _ in 0..5 {
            let y = x;
            K::sqr::<L, N, D>(&y, &this.n, this.n0, &mut x);
        }
        this.rr = x;
        Some(this)
    }

    /// `x = 2x mod n` for `x < n`.
    fn double(&self, x: &mut [L; N]) {
        let mut shifted = false;
        for limb in x.iter_mut() {
            let (v, s) = limb.shl1(shifted);
            *limb = v;
            shifted = s;
        }
        if shifted || geq(x, &self.n) {
            sub_assign(x, &self.n);
        }
    }

    /// The modulus.
    pub fn modulus(&self) -> &[L; N] {
        &self.n
    }

    /// `s^e mod n` for `s < n` and `e >= 1`, written to `out`.
    ///
    /// Every RSA exponent in use is `2^k + 1` (65537, 3, 17): `k`
    /// squarings and one multiplication by `s`, without the table entry
    /// `s R` the general method keeps (one modulus-sized array less on a
    /// microcontroller's stack). Other exponents take [`Self::pow_any`].
    pub fn pow(&self, s: &[L; N], e: u32, out: &mut [L; N]) {
        if e <= 2 || !(e - 1).is_power_of_two() {
            return self.pow_any(s, e, out);
        }
        let (n, n0) = (&self.n, self.n0);
        let mut other = [L::ZERO; N];
        K::mul::<L, N, D>(s, &self.rr, n, n0, &mut other);
        let (mut x, mut y) = (&mut other, &mut *out);
        let mut x_is_out = false;
        for _ in 0..(e - 1).trailing_zeros() {
            K::sqr::<L, N, D>(x, n, n0, y);
            core::mem::swap(&mut x, &mut y);
            x_is_out = !x_is_out;
        }
        // Multiplying by plain `s` also leaves the Montgomery domain.
        K::mul::<L, N, D>(x, s, n, n0, y);
        if x_is_out {
            // The product went to `other` (`y`); `x` is `out`.
            *x = *y;
        }
    }

    /// `s^e mod n` for `s < n` and any `e >= 1`, by left-to-right square and
    /// multiply. `s` enters the Montgomery domain with one multiplication
    /// by `R^2`; when `e` is odd (every RSA exponent) the last step
    /// multiplies by plain `s`, which also leaves the domain, so 65537
    /// costs 16 squarings and 2 multiplications in all.
    /// The result goes to `out`, which also serves as one of the two
    /// working buffers.
    #[inline(never)]
    pub fn pow_any(&self, s: &[L; N], e: u32, out: &mut [L; N]) {
        let (n, n0) = (&self.n, self.n0);
        let mut sr = [L::ZERO; N];
        K::mul::<L, N, D>(s, &self.rr, n, n0, &mut sr);
        // Two buffers used in turn: swapping the references copies nothing.
        let mut other = sr;
        let (mut x, mut y) = (&mut other, &mut *out);
        let mut x_is_out = false;
        let top = 31 - e.max(1).leading_zeros();
        for bit in (0..top).rev() {
            K::sqr::<L, N, D>(x, n, n0, y);
            core::mem::swap(&mut x, &mut y);
            x_is_out = !x_is_out;
            if (e >> bit) & 1 == 1 {
                let factor = if bit == 0 { s } else { &sr };
                K::mul::<L, N, D>(x, factor, n, n0, y);
                core::mem::swap(&mut x, &mut y);
                x_is_out = !x_is_out;
            }
        }
        if e & 1 == 0 || e == 1 {
            // Still in the Montgomery domain: x * 1 / R leaves it. (The
            // one goes where `s R` was, which is no longer needed: a
            // buffer less on the stack.)
            sr = [L::ZERO; N];
            if let Some(l) = sr.first_mut() {
                *l = L::ONE;
            }
            K::mul::<L, N, D>(x, &sr, n, n0, y);
            core::mem::swap(&mut x, &mut y);
            x_is_out = !x_is_out;
        }
        if !x_is_out {
            // `y` is `out`.
            *y = *x;
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A deterministic stream of limbs (xorshift).
    fn limbs<L: Limb, const N: usize>(seed: &mut u64) -> [L; N] {
        core::array::from_fn(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            L::from_be_slice(&seed.to_be_bytes())
        })
    }

    /// Textbook `a * b` for comparison.
    fn schoolbook<const N: usize, const D: usize>(a: &[u32; N], b: &[u32; N]) -> [u32; D] {
        let mut t = [0u32; D];
        for i in 0..N {
            let mut c = 0u64;
            for j in 0..N {
                let x = u64::from(a[i]) * u64::from(b[j]) + u64::from(t[i + j]) + c;
                t[i + j] = x as u32;
                c = x >> 32;
            }
            t[i + N] = c as u32;
        }
        t
    }

    #[test]
    fn rows_match_the_schoolbook_product() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for round in 0..50 {
            let mut a: [u32; 8] = limbs(&mut seed);
            let b: [u32; 8] = limbs(&mut seed);
            if round % 5 == 0 {
                a = [u32::MAX; 8];
            }
            let mut t = [0; 16];
            product(&a, &b, &mut t);
            assert_eq!(t, schoolbook::<8, 16>(&a, &b));
            let mut t = [0; 16];
            square(&a, &mut t);
            assert_eq!(t, schoolbook::<8, 16>(&a, &a));
        }
    }

    macro_rules! kernels_agree {
        ($name:ident, $l:ty, $bytes:expr) => {
            /// Both kernels, and their `R^2`, on random odd moduli with the
            /// top bit set and on the largest (all ones), where every carry
            /// propagates.
            #[test]
            fn $name() {
                type L = $l;
                let mut seed = 0x0123_4567_89ab_cdef;
                for round in 0..50 {
                    let mut n: [L; 8] = limbs(&mut seed);
                    n[0] |= 1;
                    n[7] |= 1 << (L::BITS - 1);
                    if round == 0 {
                        n = [L::MAX; 8];
                    }
                    let mut n_be = [0u8; $bytes];
                    Mont::<L, ProductScanning, 8, 16>::write_be(&n, &mut n_be);
                    let ps = Mont::<L, ProductScanning, 8, 16>::new(&n_be, $bytes * 8).unwrap();
                    let os = Mont::<L, OperandScanning, 8, 16>::new(&n_be, $bytes * 8).unwrap();
                    assert_eq!((ps.n0, ps.rr), (os.n0, os.rr));
                    let mut a: [L; 8] = limbs(&mut seed);
                    let mut b: [L; 8] = limbs(&mut seed);
                    a[7] >>= 1;
                    b[7] >>= 1;
                    if round == 1 {
                        a = n;
                        a[0] -= 1;
                        b = a;
                    }
                    let (mut x, mut y) = ([0; 8], [0; 8]);
                    ProductScanning::mul::<L, 8, 16>(&a, &b, &n, ps.n0, &mut x);
                    OperandScanning::mul::<L, 8, 16>(&a, &b, &n, os.n0, &mut y);
                    assert_eq!(x, y);
                    ProductScanning::sqr::<L, 8, 16>(&a, &n, ps.n0, &mut x);
                    OperandScanning::sqr::<L, 8, 16>(&a, &n, os.n0, &mut y);
                    assert_eq!(x, y);
                    for e in [3, 17, 65537, 0xffff_ffff] {
                        let (mut x, mut y) = ([0; 8], [0; 8]);
                        ps.pow(&a, e, &mut x);
                        os.pow(&a, e, &mut y);
                        assert_eq!(x, y);
                    }
                    // The 2^k + 1 shortcut against the general method.
                    for e in [3, 5, 17, 257, 65537, (1 << 31) + 1] {
                        let (mut x, mut y) = ([0; 8], [0; 8]);
                        os.pow(&a, e, &mut x);
                        os.pow_any(&a, e, &mut y);
                        assert_eq!(x, y, "e = {e}");
                    }
                }
            }
        };
    }

    kernels_agree!(kernels_agree_u32, u32, 32);
    kernels_agree!(kernels_agree_u64, u64, 64);
}
