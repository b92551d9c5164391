//! Decimal text to `f64`: JSON numbers, and the decimal strings that
//! Clerk's request logic converts with `Number(...)` and `parseInt`.
//!
//! By default this is core's `f64::from_str`, which rounds correctly, as
//! JavaScript does. Its code and tables take about 16 KB, a lot for
//! firmware, so the `compact-numbers` feature replaces it with the short
//! parser below (about 1.5 KB, integer arithmetic only):
//!
//! - **exact** (the same `f64` as JavaScript) when the number has at most
//!   19 significant digits and, once they are read as an integer `d`, is
//!   `d · 10^k` with `|k| <= 27`: `10^k = 5^k · 2^k` and `5^27 < 2^63`, so
//!   `d · 5^k` is computed exactly in 128 bits, or `d / 5^k` bit by bit with
//!   a sticky bit, then rounded once. That covers every integer of up to 19
//!   digits and every decimal with up to 19 significant digits and 27
//!   fraction digits: every time claim (`exp`, `nbf`, `iat`), version (`v`)
//!   and count Clerk issues, and more than Clinger's fast path does;
//! - otherwise **within one unit in the last place**: the first 19
//!   significant digits times a 64-bit approximation of the power of ten
//!   (each step rounded to 64 bits, so the error before the final rounding
//!   stays below 2^-58 of the value), rounded once to 53 bits. The result is
//!   JavaScript's or its neighbour, the neighbour only when the exact value
//!   lies within 2^-5 of an ulp of a halfway point. Overflow gives infinity
//!   and underflow zero, as in JavaScript.

/// The `f64` nearest to the decimal `text`: `[+-]? digits? (. digits?)?
/// ([eE] [+-]? digits)?` with at least one digit before the exponent.
/// `None` for anything else. The callers have checked the grammar already.
#[cfg(not(feature = "compact-numbers"))]
pub(crate) fn parse(text: &str) -> Option<f64> {
    // Every text of the grammar above is accepted by `f64::from_str` and
    // rounded correctly.
    text.parse().ok()
}

/// The `f64` nearest to the decimal `text` (see the module documentation
/// for how near): `[+-]? digits? (. digits?)? ([eE] [+-]? digits)?` with at
/// least one digit before the exponent. `None` for anything else.
#[cfg(feature = "compact-numbers")]
pub(crate) fn parse(text: &str) -> Option<f64> {
    compact(text)
}

/// At most this many significant digits are kept: 10^19 − 1 < 2^64.
#[cfg(any(test, feature = "compact-numbers"))]
const MAX_DIGITS: u32 = 19;

/// The short parser of the `compact-numbers` feature.
#[cfg(any(test, feature = "compact-numbers"))]
pub(crate) fn compact(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (negative, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    // value = digits · 10^exp10 (exactly, unless `truncated`).
    let mut digits: u64 = 0;
    let mut kept = 0;
    let mut exp10: i64 = 0;
    let mut truncated = false;
    let mut any_digit = false;
    let mut fraction = false;
    loop {
        match b.get(i) {
            Some(&c @ b'0'..=b'9') => {
                any_digit = true;
                let d = u64::from(c - b'0');
                if kept < MAX_DIGITS {
                    digits = digits * 10 + d;
                    // Leading zeros are not significant.
                    kept += u32::from(digits != 0);
                    exp10 -= i64::from(fraction);
                } else {
                    truncated |= d != 0;
                    exp10 += i64::from(!fraction);
                }
            }
            Some(b'.') if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let negative_exp = b.get(i) == Some(&b'-');
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let start = i;
        let mut e: i64 = 0;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            // Far beyond any exponent that gives a finite, non-zero value.
            e = (e * 10 + i64::from(c - b'0')).min(1_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp10 += if negative_exp { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let magnitude = if digits == 0 {
        0.0
    } else {
        to_f64(digits, exp10, truncated)
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `digits · 10^exp10` for `digits > 0`.
#[cfg(any(test, feature = "compact-numbers"))]
fn to_f64(digits: u64, exp10: i64, truncated: bool) -> f64 {
    if !truncated && (-MAX_EXACT_EXP10..=MAX_EXACT_EXP10).contains(&exp10) {
        return exact(digits, exp10 as i32);
    }
    // `digits` < 10^19: beyond these bounds the value overflows, or is
    // below half the smallest subnormal (10^-324 < 2.47e-324).
    if exp10 > 308 {
        return f64::INFINITY;
    }
    if exp10 < -343 {
        return 0.0;
    }
    let shift = digits.leading_zeros();
    let mut f = digits << shift;
    let mut e = -(shift as i32);
    let table = if exp10 < 0 { &NEG_POW10 } else { &POS_POW10 };
    let mut n = exp10.unsigned_abs();
    for &(pf, pe) in table {
        if n & 1 != 0 {
            (f, e) = mul(f, e, pf, pe);
        }
        n >>= 1;
    }
    compose(f, e)
}

/// Largest power of ten [`exact`] takes: 5^27 < 2^63.
#[cfg(any(test, feature = "compact-numbers"))]
const MAX_EXACT_EXP10: i64 = 27;

/// `digits · 10^exp10` correctly rounded, for `|exp10| <=`
/// [`MAX_EXACT_EXP10`]: with `10^k = 5^k · 2^k`, the product `digits · 5^k`
/// is exact in 128 bits and the quotient `digits / 5^k` is computed bit by
/// bit; either is cut to 64 bits with a sticky bit, which [`compose`] then
/// rounds once.
#[cfg(any(test, feature = "compact-numbers"))]
fn exact(digits: u64, exp10: i32) -> f64 {
    let mut five: u64 = 1;
    for _ in 0..exp10.unsigned_abs() {
        five *= 5;
    }
    if exp10 >= 0 {
        let p = u128::from(digits) * u128::from(five);
        let shift = p.leading_zeros();
        let p = p << shift;
        let sticky = u64::from(p as u64 != 0);
        compose((p >> 64) as u64 | sticky, exp10 + 64 - shift as i32)
    } else {
        let (q, e) = quotient(digits, five);
        compose(q, e + exp10)
    }
}

/// `n / d` (both non-zero) as `(q, e)` with `q · 2^e` the quotient cut to
/// 64 significant bits (`q` has its top bit set), and bit 0 of `q` set when
/// the cut dropped anything: a sticky bit, all that rounding to 53 bits
/// needs to know of the rest.
#[cfg(any(test, feature = "compact-numbers"))]
fn quotient(n: u64, d: u64) -> (u64, i32) {
    // Invariant: n / d = (r / den) · 2^e; scale until 1 <= r / den < 2.
    let (mut r, mut den, mut e) = (u128::from(n), u128::from(d), 0);
    while r < den {
        r <<= 1;
        e -= 1;
    }
    while r >= den << 1 {
        den <<= 1;
        e += 1;
    }
    let mut q: u64 = 0;
    for _ in 0..64 {
        q <<= 1;
        if r >= den {
            r -= den;
            q |= 1;
        }
        r <<= 1;
    }
    (q | u64::from(r != 0), e - 63)
}

/// 10^(2^k) for k = 0..=8, as `(f, e)` with `f · 2^e` the value rounded to
/// 64 significant bits (`f` has its top bit set). 343 < 2^9.
#[cfg(any(test, feature = "compact-numbers"))]
const POS_POW10: [(u64, i32); 9] = [
    (0xa000_0000_0000_0000, -60),
    (0xc800_0000_0000_0000, -57),
    (0x9c40_0000_0000_0000, -50),
    (0xbebc_2000_0000_0000, -37),
    (0x8e1b_c9bf_0400_0000, -10),
    (0x9dc5_ada8_2b70_b59e, 43),
    (0xc278_1f49_ffcf_a6d5, 149),
    (0x93ba_47c9_80e9_8ce0, 362),
    (0xaa7e_ebfb_9df9_de8e, 787),
];

/// 10^-(2^k) for k = 0..=8, like [`POS_POW10`].
#[cfg(any(test, feature = "compact-numbers"))]
const NEG_POW10: [(u64, i32); 9] = [
    (0xcccc_cccc_cccc_cccd, -67),
    (0xa3d7_0a3d_70a3_d70a, -70),
    (0xd1b7_1758_e219_652c, -77),
    (0xabcc_7711_8461_cefd, -90),
    (0xe695_94be_c44d_e15b, -117),
    (0xcfb1_1ead_4539_94ba, -170),
    (0xa87f_ea27_a539_e9a5, -276),
    (0xddd0_467c_64bc_e4a1, -489),
    (0xc031_4325_637a_193a, -914),
];

/// `(a · 2^ae) · (b · 2^be)` rounded to 64 significant bits; `a` and `b`
/// have their top bit set, and so has the result.
#[cfg(any(test, feature = "compact-numbers"))]
fn mul(a: u64, ae: i32, b: u64, be: i32) -> (u64, i32) {
    let p = u128::from(a) * u128::from(b);
    // p >= 2^126: at most one shift brings its top bit to bit 127.
    let s = u32::from(p >> 127 == 0);
    let p = p << s;
    let hi = (p >> 64) as u64;
    let e = ae + be + 64 - s as i32;
    if (p as u64) >> 63 == 0 {
        return (hi, e);
    }
    match hi.checked_add(1) {
        Some(up) => (up, e),
        None => (1 << 63, e + 1),
    }
}

/// `f · 2^e` (top bit of `f` set) rounded to the nearest `f64`, ties to
/// even: a normal number, a subnormal, zero or infinity.
#[cfg(any(test, feature = "compact-numbers"))]
pub(crate) fn compose(f: u64, e: i32) -> f64 {
    // The value is in [2^top, 2^(top + 1)).
    let top = e + 63;
    if top > 1023 {
        return f64::INFINITY;
    }
    // Bits of `f` below the 53 kept (more for a subnormal), and the biased
    // exponent less one: the hidden bit, added with the significand, makes
    // it right, and a rounding carry moves to the next binade (or to
    // infinity) by itself.
    let (drop, biased) = if top >= -1022 {
        (11, (top + 1022) as u64)
    } else {
        (11 + (-1022 - top) as u32, 0)
    };
    let (m, rest, half) = match drop {
        ..64 => (f >> drop, f & ((1 << drop) - 1), 1u64 << (drop - 1)),
        64 => (0, f, 1 << 63),
        _ => return 0.0,
    };
    let m = m + u64::from(rest > half || (rest == half && m & 1 == 1));
    f64::from_bits((biased << 52) + m)
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;
    use std::string::String;

    /// Units in the last place between two finite numbers of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn tables_are_the_powers_of_ten() {
        let pos = [1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256];
        let neg = [1e-1, 1e-2, 1e-4, 1e-8, 1e-16, 1e-32, 1e-64, 1e-128, 1e-256];
        for k in 0..9 {
            let (f, e) = POS_POW10[k];
            assert_eq!(compose(f, e), pos[k], "10^{}", 1 << k);
            let (f, e) = NEG_POW10[k];
            assert_eq!(compose(f, e), neg[k], "10^-{}", 1 << k);
            // 10^n · 10^-n is 1 within the rounding of both and the product.
            let (f, e) = mul(POS_POW10[k].0, POS_POW10[k].1, f, e);
            let off = match e {
                -63 => f - (1 << 63),
                -64 => u64::MAX - f + 1,
                _ => panic!("10^{} · 10^-{}: exponent {e}", 1 << k, 1 << k),
            };
            assert!(off <= 4, "{k}: {f:x} · 2^{e}");
        }
        // The first five are exact integers.
        for (k, &(f, e)) in POS_POW10.iter().take(5).enumerate() {
            assert_eq!(u128::from(f) >> -e, 10u128.pow(1 << k));
            assert_eq!(f & ((1 << -e) - 1), 0);
        }
    }

    #[test]
    fn edge_cases_like_from_str() {
        for text in [
            "0",
            "-0",
            "0.0",
            "-0.0e5",
            "0e400",
            "1",
            "-1",
            "1767225600",
            "1.5",
            "-2.25e-3",
            "9007199254740992",
            "9007199254740993",
            "18446744073709551615",
            "123456789012345678901234567890",
            "1e22",
            "1e23",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e309",
            "1e400",
            "-1e400",
            "2.2250738585072014e-308",
            "2.2250738585072011e-308",
            "4.9406564584124654e-324",
            "2.4703282292062328e-324",
            "2.4703282292062327e-324",
            "1e-324",
            "1e-400",
            "0.1",
            "0.30000000000000004",
            "5.",
            ".5",
            "+3",
            "1E+2",
            "00012",
            "0.000000000000000000000000000000000000001",
        ] {
            let want: f64 = text.parse().unwrap();
            let got = compact(text).unwrap();
            if want == 0.0 || want.is_infinite() {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            } else {
                assert!(ulps(got, want) <= 1, "{text}: {got} vs {want}");
            }
        }
        for bad in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1x", "--1", " 1", "inf",
        ] {
            assert_eq!(compact(bad), None, "{bad:?}");
        }
    }

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn exact_domain_is_exact() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            // Up to 19 digits, any power of ten within the exact range.
            let digits = rng.next() >> rng.below(64);
            let digits = digits % 10_000_000_000_000_000_000;
            let exp = rng.below(2 * MAX_EXACT_EXP10 as u64 + 1) as i64 - MAX_EXACT_EXP10;
            let text = format!("{digits}e{exp}");
            assert_eq!(
                compact(&text).unwrap().to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
        // Halfway cases, where a sticky bit decides.
        for text in [
            "9007199254740993",
            "9007199254740995",
            "9007199254740993e-27",
            "90071992547409930000",
            "1.000000000000000111",
            "1234567890123456789e-27",
            "0.1",
            "0.2",
            "0.3",
            "123.456",
            "1767225600.5",
        ] {
            assert_eq!(
                compact(text).unwrap().to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
    }

    #[test]
    fn within_one_ulp_everywhere() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut differ = 0;
        for _ in 0..200_000 {
            let len = 1 + rng.below(25) as usize;
            let mut text = String::new();
            for i in 0..len {
                let d = if i == 0 {
                    1 + rng.below(9)
                } else {
                    rng.below(10)
                };
                text.push(char::from(b'0' + d as u8));
            }
            let point = rng.below(len as u64 + 1) as usize;
            if point < len {
                text.insert(point, '.');
            }
            let exp = rng.below(700) as i64 - 350;
            let text = format!("{text}e{exp}");
            let want: f64 = text.parse().unwrap();
            let got = compact(&text).unwrap();
            if want == 0.0 || want.is_infinite() {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            } else {
                let d = ulps(got, want);
                assert!(d <= 1, "{text}: {got} vs {want}");
                differ += d;
            }
        }
        // The approximation is rarely off at all.
        assert!(differ < 200, "{differ} inputs off by one ulp");
    }
}
