//! JavaScript's `Date.prototype.toUTCString`, for Clerk's expiry messages.

use core::fmt;

/// Largest time value a JavaScript `Date` can hold (ms from the epoch).
pub(crate) const MAX_TIME_MS: f64 = 8.64e15;

/// A time in Unix milliseconds, displayed as JavaScript's `toUTCString()`
/// (`Thu, 01 Jan 2026 00:00:00 GMT`, or `Invalid Date` beyond ±8.64e15).
#[derive(Clone, Copy, Debug)]
pub(crate) struct UtcString(pub f64);

const DAY_MS: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 1..=12, day) of a day count from 1970-01-01, proleptic
/// Gregorian calendar (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, usize::try_from(month).unwrap_or(1), day)
}

impl fmt::Display for UtcString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        if !t.is_finite() || t.abs() > MAX_TIME_MS {
            return f.write_str("Invalid Date");
        }
        // TimeClip truncates; the bound above keeps the cast exact.
        let ms = trunc(t) as i64;
        let days = ms.div_euclid(DAY_MS);
        let in_day = ms.rem_euclid(DAY_MS) / 1000;
        let (year, month, day) = civil_from_days(days);
        let weekday = WEEKDAYS
            .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
            .unwrap_or(&"Thu");
        let month = MONTHS.get(month.wrapping_sub(1)).unwrap_or(&"Jan");
        let sign = if year < 0 { "-" } else { "" };
        write!(
            f,
            "{weekday}, {day:02} {month} {sign}{:04} {:02}:{:02}:{:02} GMT",
            year.unsigned_abs(),
            in_day / 3600,
            in_day / 60 % 60,
            in_day % 60
        )
    }
}

/// `Math.trunc` without `std`: every f64 of magnitude 2^52 or more (and
/// infinity, NaN) is already an integer.
pub(crate) fn trunc(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        (x as i64) as f64
    } else {
        x
    }
}

/// A JWT time claim (seconds) as JavaScript's `setUTCSeconds` turns it into
/// milliseconds: `trunc(seconds) * 1000`.
pub(crate) fn seconds_to_ms(seconds: f64) -> f64 {
    #[cfg(feature = "compact-numbers")]
    return soft::seconds_to_ms(seconds);
    #[cfg(not(feature = "compact-numbers"))]
    return trunc(seconds) * 1000.0;
}

/// `ms <= now_ms - skew_ms`: a claim at `ms` is in the past, skew included.
pub(crate) fn passed(ms: f64, now_ms: i64, skew_ms: i64) -> bool {
    #[cfg(feature = "compact-numbers")]
    return matches!(
        soft::cmp(ms, now_ms.saturating_sub(skew_ms)),
        Some(Ordering::Less | Ordering::Equal)
    );
    #[cfg(not(feature = "compact-numbers"))]
    return ms <= now_ms as f64 - skew_ms as f64;
}

/// `ms > now_ms + skew_ms`: a claim at `ms` is in the future, skew included.
pub(crate) fn ahead(ms: f64, now_ms: i64, skew_ms: i64) -> bool {
    #[cfg(feature = "compact-numbers")]
    return soft::cmp(ms, now_ms.saturating_add(skew_ms)) == Some(Ordering::Greater);
    #[cfg(not(feature = "compact-numbers"))]
    return ms > now_ms as f64 + skew_ms as f64;
}

#[cfg(feature = "compact-numbers")]
use core::cmp::Ordering;

/// The same time arithmetic on the bits of the `f64`s, for the
/// `compact-numbers` build: a Cortex-M has no double-precision unit, and
/// software addition, multiplication and comparison of doubles take about
/// 2 KB of flash. Identical to the float arithmetic above whenever
/// `now_ms ± skew_ms` is within ±2^53 (the year 287,396); beyond, the
/// bound is exact where the float one is rounded.
#[cfg(any(test, feature = "compact-numbers"))]
mod soft {
    use core::cmp::Ordering;

    const SIGN: u64 = 1 << 63;
    const FRACTION: u64 = (1 << 52) - 1;

    /// `x` as `(negative, m, e)` with `|x| = m · 2^e`, or `None` for an
    /// infinity or NaN.
    fn split(x: f64) -> Option<(bool, u64, i32)> {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & FRACTION;
        match biased {
            0x7ff => None,
            0 => Some((bits & SIGN != 0, fraction, -1074)),
            _ => Some((bits & SIGN != 0, fraction | (1 << 52), biased - 1075)),
        }
    }

    /// `trunc(x) * 1000`, rounded as the float multiplication rounds.
    pub(crate) fn seconds_to_ms(x: f64) -> f64 {
        let Some((negative, m, e)) = split(x) else {
            // Infinities and NaN stay what they are.
            return x;
        };
        // trunc: drop the fraction bits (m < 2^53).
        let (m, e) = if e >= 0 {
            (m, e)
        } else {
            (m.checked_shr(e.unsigned_abs()).unwrap_or(0), 0)
        };
        let magnitude = match m * 1000 {
            0 => 0.0,
            // Below 2^63: exact, then rounded once to 53 bits.
            p => {
                let shift = p.leading_zeros();
                crate::json::number::compose(p << shift, e - shift as i32)
            }
        };
        if negative { -magnitude } else { magnitude }
    }

    /// How `x` compares with the integer `y`, exactly; `None` for NaN.
    pub(crate) fn cmp(x: f64, y: i64) -> Option<Ordering> {
        let Some((negative, m, e)) = split(x) else {
            return (x.to_bits() & !SIGN == 0x7ff << 52).then_some(if x.to_bits() & SIGN != 0 {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        };
        if m == 0 {
            return Some(0.cmp(&y));
        }
        if negative != (y < 0) {
            return Some(if negative {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        // Same sign, x not zero: compare |x| = m · 2^e with |y|.
        let y = y.unsigned_abs();
        let magnitude = if e >= 0 {
            match m.checked_shl(e.unsigned_abs()).filter(|v| v >> e == m) {
                Some(v) => v.cmp(&y),
                None => Ordering::Greater,
            }
        } else {
            let shift = e.unsigned_abs();
            let whole = m.checked_shr(shift).unwrap_or(0);
            let has_fraction = shift >= 64 || m & ((1 << shift) - 1) != 0;
            match whole.cmp(&y) {
                Ordering::Equal if has_fraction => Ordering::Greater,
                other => other,
            }
        };
        Some(if negative {
            magnitude.reverse()
        } else {
            magnitude
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::UtcString;
    use core::cmp::Ordering;
    use std::string::ToString;

    /// Claims and clocks at the edges: zeros, fractions, negatives, powers
    /// of two around 2^53 and 2^63, subnormals, infinities, NaN.
    fn samples() -> std::vec::Vec<f64> {
        let mut v = std::vec![
            0.0,
            -0.0,
            0.4,
            -0.4,
            0.5,
            1.0,
            -1.0,
            1.5,
            -1.5,
            2.5,
            -2.5,
            999.999,
            1_767_225_600.0,
            1_767_225_600.7,
            -1_767_225_600.7,
            1.7e9,
            9.2e15,
            1e21,
            -1e21,
            1e300,
            -1e300,
            5e-324,
            -5e-324,
            2.2e-308,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for k in [10, 31, 52, 53, 54, 62, 63, 64, 65] {
            let p = (k as f64).exp2();
            v.extend([p, -p, p + 1.0, p - 1.0, -(p + 1.0), p * 1.5]);
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let x = f64::from_bits(seed);
            v.push(x);
            v.push((seed >> 11) as f64 / 1000.0);
        }
        v
    }

    #[test]
    fn soft_seconds_to_ms_is_the_float_product() {
        for x in samples() {
            let want = super::trunc(x) * 1000.0;
            let got = super::soft::seconds_to_ms(x);
            // (`trunc` above turns -0.4 into +0, JavaScript into -0: the
            // same instant either way.)
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{x:e}: {got:e} != {want:e}"
            );
        }
    }

    #[test]
    fn soft_comparison_is_exact() {
        let ints = [
            0i64,
            1,
            -1,
            2,
            -2,
            1000,
            1_767_225_600_000,
            -1_767_225_600_000,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
        ];
        for x in samples() {
            for y in ints {
                // Reference: the whole part compared as a 128-bit integer
                // (exact below 2^100), then the sign of the fraction.
                let want = if x.is_nan() {
                    None
                } else if x.is_infinite() || x.abs() >= 1e30 {
                    Some(if x > 0.0 {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    })
                } else {
                    Some(match (x.trunc() as i128).cmp(&i128::from(y)) {
                        Ordering::Equal => x.fract().partial_cmp(&0.0).unwrap_or(Ordering::Equal),
                        other => other,
                    })
                };
                assert_eq!(super::soft::cmp(x, y), want, "{x:e} vs {y}");
            }
        }
    }

    #[test]
    fn formats_like_javascript() {
        let cases = [
            (0.0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (1_767_225_600_000.0, "Thu, 01 Jan 2026 00:00:00 GMT"),
            (1_767_225_599_000.0, "Wed, 31 Dec 2025 23:59:59 GMT"),
            (-1000.0, "Wed, 31 Dec 1969 23:59:59 GMT"),
            (-8.64e15, "Tue, 20 Apr -271821 00:00:00 GMT"),
            (8.64e15, "Sat, 13 Sep 275760 00:00:00 GMT"),
            (951_782_400_000.0, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (-62_135_596_800_000.0, "Mon, 01 Jan 0001 00:00:00 GMT"),
            (-62_167_219_200_000.0, "Sat, 01 Jan 0000 00:00:00 GMT"),
            (8.64e15 + 1.0, "Invalid Date"),
            (f64::NAN, "Invalid Date"),
        ];
        for (t, want) in cases {
            assert_eq!(UtcString(t).to_string(), want, "{t}");
        }
    }
}
