//! The few JavaScript conversions Clerk's request logic leans on
//! (`parseInt`, `Number(string)`, `String.prototype.trim`, `x < y` on claim
//! values), reproduced exactly enough that the same cookies and claims lead
//! to the same decisions.

use crate::json::{Kind, Value, number};
use core::fmt;

/// Longest string [`string_to_number`] converts; a longer one is `NaN`
/// here (JavaScript would read it, but no cookie or claim Clerk compares
/// as a number is that long).
pub(crate) const MAX_NUMERIC_STRING_LEN: usize = 128;

/// JavaScript's `WhiteSpace` and `LineTerminator` code points, which
/// `String.prototype.trim` and `Number(string)` strip.
pub(crate) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `s.trim()` in JavaScript.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// `Number.parseInt(s)` (radix 10, or 16 after a `0x`), `NaN` when no digit
/// leads the string.
pub(crate) fn parse_int(s: &str) -> f64 {
    let s = s.trim_start_matches(is_js_space);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    let hex = s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    let value = if hex {
        let digits = s.get(2..).unwrap_or("");
        let end = digits
            .bytes()
            .position(|b| !b.is_ascii_hexdigit())
            .unwrap_or(digits.len());
        if end == 0 {
            return f64::NAN;
        }
        digits
            .bytes()
            .take(end)
            .fold(0.0, |acc, b| acc * 16.0 + f64::from(hex_value(b)))
    } else {
        let end = s
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(s.len());
        match s.get(..end) {
            // Rounded as JavaScript does (see `Value::as_f64`).
            Some(digits) if !digits.is_empty() => number::parse(digits).unwrap_or(f64::NAN),
            _ => return f64::NAN,
        }
    };
    if negative { -value } else { value }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// `Number(s)` for a string given as characters (JavaScript's
/// `StringToNumber`): surrounding white space ignored, empty is 0,
/// `Infinity`, `0x`/`0o`/`0b` integers and decimal literals; anything
/// else is `NaN`.
pub(crate) fn string_to_number(chars: impl Iterator<Item = char>) -> f64 {
    let mut buf = [0u8; MAX_NUMERIC_STRING_LEN];
    let mut len = 0;
    for c in chars {
        let mut utf8 = [0u8; 4];
        let bytes = c.encode_utf8(&mut utf8).as_bytes();
        let Some(dst) = buf.get_mut(len..len + bytes.len()) else {
            return f64::NAN;
        };
        dst.copy_from_slice(bytes);
        len += bytes.len();
    }
    let text = buf
        .get(..len)
        .and_then(|b| core::str::from_utf8(b).ok())
        .unwrap_or("");
    str_to_number(trim(text))
}

/// `StringToNumber` of an already trimmed string.
fn str_to_number(s: &str) -> f64 {
    match s {
        "" => return 0.0,
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let radix = match s.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => 16,
        Some(p) if p.eq_ignore_ascii_case("0o") => 8,
        Some(p) if p.eq_ignore_ascii_case("0b") => 2,
        _ => 10,
    };
    if radix != 10 {
        let digits = s.get(2..).unwrap_or("");
        if digits.is_empty() {
            return f64::NAN;
        }
        let mut acc = 0.0;
        for b in digits.bytes() {
            let d = match b {
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => hex_value(b),
                _ => return f64::NAN,
            };
            if u32::from(d) >= radix {
                return f64::NAN;
            }
            acc = acc * f64::from(radix) + f64::from(d);
        }
        return acc;
    }
    if is_decimal_literal(s) {
        number::parse(s).unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// JavaScript's `StrDecimalLiteral` without `Infinity`: `[+-]? (digits
/// [. digits?] | . digits) ([eE] [+-]? digits)?`. The number parser accepts
/// this grammar (core's `f64::from_str` also `inf` and `nan`), so the
/// grammar is checked first.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = digits(&mut i);
    }
    if int == 0 && frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `Number(x)` for a claim value (`undefined` when absent): what `<`, `>`
/// and `<=` compare when the other side is a number.
pub(crate) fn to_number(value: Option<Value<'_>>) -> f64 {
    let Some(value) = value else {
        return f64::NAN;
    };
    match value.kind() {
        Kind::Null => 0.0,
        Kind::Bool => f64::from(u8::from(value.as_bool() == Some(true))),
        Kind::Number => value.as_f64().unwrap_or(f64::NAN),
        Kind::String => value
            .as_str()
            .map_or(f64::NAN, |s| string_to_number(s.chars())),
        // An array becomes the string of its elements joined by `,`: empty
        // is 0, one element converts as that element's string, and two or
        // more always contain a `,`, which no number does.
        Kind::Array => {
            let mut elements = value.elements().into_iter().flatten();
            match (elements.next(), elements.next()) {
                (None, _) => 0.0,
                (Some(only), None) => match only.kind() {
                    Kind::Null => 0.0,
                    Kind::Bool | Kind::Object => f64::NAN,
                    _ => to_number(Some(only)),
                },
                (Some(_), Some(_)) => f64::NAN,
            }
        }
        Kind::Object => f64::NAN,
    }
}

/// JavaScript truthiness of a claim value (`undefined` when absent).
pub(crate) fn truthy(value: Option<Value<'_>>) -> bool {
    value.is_some_and(|v| v.is_truthy())
}

/// `Date.now() / 1e3 >> 0` for a clock of `now_ms`: whole seconds
/// (truncated toward zero), then `ToInt32` (wrapped modulo 2^32).
pub(crate) fn now_seconds_int32(now_ms: i64) -> f64 {
    // Truncating the i64 keeps its low 32 bits: ToInt32's modulo.
    f64::from((now_ms / 1000) as u32 as i32)
}

/// A number as JavaScript's `String(n)` writes it.
pub(crate) struct JsNumber(pub f64);

impl fmt::Display for JsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ryu_js::Buffer::new().format(self.0))
    }
}

/// `String(value)` for a claim value: what a template string such as
/// `` `org:${rol}` `` prints.
pub(crate) fn write_string(value: Value<'_>, out: &mut dyn fmt::Write) -> fmt::Result {
    match value.kind() {
        Kind::Null => out.write_str("null"),
        Kind::Bool => out.write_str(value.raw()),
        Kind::Number => {
            out.write_str(ryu_js::Buffer::new().format(value.as_f64().unwrap_or(f64::NAN)))
        }
        Kind::String => {
            for c in value.as_str().into_iter().flat_map(|s| s.chars()) {
                out.write_char(c)?;
            }
            Ok(())
        }
        Kind::Array => {
            for (i, e) in value.elements().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                if !e.is_null() {
                    write_string(e, out)?;
                }
            }
            Ok(())
        }
        Kind::Object => out.write_str("[object Object]"),
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_javascript() {
        assert_eq!(parse_int("1767225500"), 1_767_225_500.0);
        assert_eq!(parse_int("1767225500xyz"), 1_767_225_500.0);
        assert_eq!(parse_int("  -5"), -5.0);
        assert_eq!(parse_int("0x1A"), 26.0);
        assert_eq!(parse_int("1e3"), 1.0);
        assert!(parse_int("abc").is_nan());
        assert!(parse_int("").is_nan());
        assert!(parse_int("-").is_nan());
        assert!(parse_int("0x").is_nan());
    }

    #[test]
    fn number_like_javascript() {
        let n = |s: &str| string_to_number(s.chars());
        assert_eq!(n(" 3 "), 3.0);
        assert_eq!(n("0x3"), 3.0);
        assert_eq!(n("3e0"), 3.0);
        assert_eq!(n(""), 0.0);
        assert_eq!(n(".5"), 0.5);
        assert_eq!(n("5."), 5.0);
        assert_eq!(n("-Infinity"), f64::NEG_INFINITY);
        assert!(n("inf").is_nan());
        assert!(n("nan").is_nan());
        assert!(n("-0x3").is_nan());
        assert!(n("1,2").is_nan());
        assert!(n("0b2").is_nan());
    }

    #[test]
    fn seconds_wrap_like_int32() {
        assert_eq!(now_seconds_int32(1_767_225_600_999), 1_767_225_600.0);
        assert_eq!(now_seconds_int32(2_147_483_648_000), -2_147_483_648.0);
        assert_eq!(now_seconds_int32(-1_500), -1.0);
    }
}
