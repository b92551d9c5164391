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
/// milliseconds.
pub(crate) fn seconds_to_ms(seconds: f64) -> f64 {
    trunc(seconds) * 1000.0
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::UtcString;
    use std::string::ToString;

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
