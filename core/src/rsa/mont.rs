//! Fixed-width Montgomery arithmetic modulo a public RSA modulus.
//!
//! Numbers are `[L; N]` arrays, least significant limb first, with `N` a
//! const generic so that each key size is its own monomorphized code with
//! compile-time loop bounds. `R = 2^(BITS * N)`; a `Mont` holds `n`,
//! `R^2 mod n` and `-n^-1 mod 2^BITS`, computed once per key.
//!
//! Two interchangeable kernels compute `a * b / R mod n`:
//! - [`ProductScanning`] (Comba / "FIPS" order): one column of the product
//!   and of the reduction at a time into a three-limb accumulator held in
//!   registers. Fewest loads and stores; the 64-bit default.
//! - [`OperandScanning`] (CIOS rows and a separated squaring): each step
//!   is `a * b + c + d`, which Cortex-M4 does in one `UMAAL`; the 32-bit
//!   default.
//!
//! Every input here is public (key, signature), so nothing tries to be
//! constant-time: comparisons exit early and the final subtraction is a
//! branch.

use core::marker::PhantomData;

use super::limb::Limb;

/// A Montgomery multiplication and squaring algorithm.
pub trait Kernel: Clone + PartialEq + Eq + 'static {
    /// `a * b / R mod n` for `a, b < n`, fully reduced.
    fn mul<L: Limb, const N: usize>(a: &[L; N], b: &[L; N], n: &[L; N], n0: L) -> [L; N];
    /// `a^2 / R mod n` for `a < n`, fully reduced. `D` is `2 * N`, the
    /// width of a full square, for kernels that materialize it.
    fn sqr<L: Limb, const N: usize, const D: usize>(a: &[L; N], n: &[L; N], n0: L) -> [L; N];
}

/// Column-wise (Comba) multiplication interleaved with the reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductScanning;

/// Row-wise (CIOS) multiplication and a separated squaring + REDC.
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
fn reduce_once<L: Limb, const N: usize>(mut r: [L; N], carry: bool, n: &[L; N]) -> [L; N] {
    if carry || geq(&r, n) {
        sub_assign(&mut r, n);
    }
    r
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
    fn mul<L: Limb, const N: usize>(a: &[L; N], b: &[L; N], n: &[L; N], n0: L) -> [L; N] {
        let mut m = [L::ZERO; N];
        let mut r = [L::ZERO; N];
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
        reduce_once(r, carry, n)
    }

    fn sqr<L: Limb, const N: usize, const D: usize>(a: &[L; N], n: &[L; N], n0: L) -> [L; N] {
        let mut m = [L::ZERO; N];
        let mut r = [L::ZERO; N];
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
        reduce_once(r, carry, n)
    }
}

impl Kernel for OperandScanning {
    fn mul<L: Limb, const N: usize>(a: &[L; N], b: &[L; N], n: &[L; N], n0: L) -> [L; N] {
        // t (N limbs) + t_top: the running (t + a * b_i + m * n) / 2^BITS,
        // kept below 2n.
        let mut t = [L::ZERO; N];
        let mut t_top = L::ZERO;
        let (a_low, n_low) = (first(a), first(n));
        for &bi in b.iter() {
            let Some((t0, rest)) = t.split_first_mut() else {
                break;
            };
            let (x, mut c1) = a_low.mul_add2(bi, *t0, L::ZERO);
            let m = x.wrapping_mul(n0);
            let (_, mut c2) = m.mul_add2(n_low, x, L::ZERO);
            let mut prev = t0;
            for ((tj, &aj), &nj) in rest.iter_mut().zip(tail(a, 1)).zip(tail(n, 1)) {
                let (x, c) = aj.mul_add2(bi, *tj, c1);
                c1 = c;
                let (y, c) = m.mul_add2(nj, x, c2);
                c2 = c;
                *prev = y;
                prev = tj;
            }
            let (s, c) = t_top.adc(c1, false);
            let (s, c_) = s.adc(c2, false);
            *prev = s;
            t_top = L::ZERO.adc(L::ZERO, c | c_).0;
        }
        reduce_once(t, t_top != L::ZERO, n)
    }

    fn sqr<L: Limb, const N: usize, const D: usize>(a: &[L; N], n: &[L; N], n0: L) -> [L; N] {
        const { assert!(D == 2 * N) };
        let mut t = [L::ZERO; D];
        // Cross products a_i a_j, i < j, row by row.
        for (i, &ai) in a.iter().enumerate() {
            let Some(row) = t.get_mut(2 * i + 1..i + N + 1) else {
                continue;
            };
            let Some((last, row)) = row.split_last_mut() else {
                continue;
            };
            let mut c = L::ZERO;
            for (tj, &aj) in row.iter_mut().zip(tail(a, i + 1)) {
                let (x, c_) = ai.mul_add2(aj, *tj, c);
                *tj = x;
                c = c_;
            }
            *last = c;
        }
        // Double them and add the squares a_i^2 on the diagonal.
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
        // REDC: clear the low half one limb at a time.
        let mut top = L::ZERO;
        for i in 0..N {
            let Some(window) = t.get_mut(i..=i + N) else {
                break;
            };
            let Some((next, row)) = window.split_last_mut() else {
                break;
            };
            let m = first(row).wrapping_mul(n0);
            let mut c = L::ZERO;
            for (tj, &nj) in row.iter_mut().zip(n.iter()) {
                let (x, c_) = m.mul_add2(nj, *tj, c);
                *tj = x;
                c = c_;
            }
            let (s, c1) = next.adc(c, false);
            let (s, c2) = s.adc(top, false);
            *next = s;
            top = L::ZERO.adc(L::ZERO, c1 | c2).0;
        }
        let mut r = [L::ZERO; N];
        for (o, x) in r.iter_mut().zip(tail(&t, N)) {
            *o = *x;
        }
        reduce_once(r, top != L::ZERO, n)
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
            x = K::sqr::<L, N, D>(&x, &this.n, this.n0);
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

    /// `s^e mod n` for `s < n` and `e >= 1`, by left-to-right square and
    /// multiply. `s` enters the Montgomery domain with one multiplication
    /// by `R^2`; when `e` is odd (every RSA exponent) the last step
    /// multiplies by plain `s`, which also leaves the domain, so 65537
    /// costs 16 squarings and 2 multiplications in all.
    pub fn pow(&self, s: &[L; N], e: u32) -> [L; N] {
        let (n, n0) = (&self.n, self.n0);
        let sr = K::mul(s, &self.rr, n, n0);
        let mut x = sr;
        let top = 31 - e.max(1).leading_zeros();
        for bit in (0..top).rev() {
            x = K::sqr::<L, N, D>(&x, n, n0);
            if (e >> bit) & 1 == 1 {
                x = if bit == 0 {
                    K::mul(&x, s, n, n0)
                } else {
                    K::mul(&x, &sr, n, n0)
                };
            }
        }
        if e & 1 == 0 || e == 1 {
            // Still in the Montgomery domain: x * 1 / R leaves it.
            let mut one = [L::ZERO; N];
            if let Some(l) = one.first_mut() {
                *l = L::ONE;
            }
            x = K::mul(&x, &one, n, n0);
        }
        x
    }
}
