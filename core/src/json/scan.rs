//! Byte-level helpers: the string fast path shared with the validator, and
//! the skipping that the iterators do over already-validated text.
//!
//! The skipping trusts the grammar (it only looks for quotes, backslashes and
//! brackets) but every access is checked, so even text that was never
//! validated can only give a wrong answer, never a panic or an endless loop.

use super::{JsonStr, Value};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Marks (with the high bit) every byte of `w` that ends a plain string run:
/// `"`, `\` or a control character. The lowest mark is always exact; marks
/// above it may be false positives, which the callers never look at.
#[inline(always)]
fn special_bytes(w: u64) -> u64 {
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero_in(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_in(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    quote | backslash | control
}

/// Index of the first `"`, `\` or control character at or after `i`, or
/// `b.len()`. Eight bytes per step: strings are most of a token's payload.
#[inline(always)]
pub(super) fn skip_plain(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        let marks = special_bytes(u64::from_le_bytes(*chunk));
        if marks != 0 {
            // Little-endian load: the lowest mark is the earliest byte.
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Marks every byte of `w` that is a quote or a bracket. As in
/// [`special_bytes`], only the lowest mark is sure to be exact.
#[inline(always)]
fn structural_bytes(w: u64) -> u64 {
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    // Setting bit 5 folds `[` onto `{` and `]` onto `}`, and nothing else.
    let folded = w | (ONES * 0x20);
    let quote = zero_in(w ^ (ONES * u64::from(b'"')));
    let open = zero_in(folded ^ (ONES * u64::from(b'{')));
    let close = zero_in(folded ^ (ONES * u64::from(b'}')));
    quote | open | close
}

/// Index of the first quote or bracket at or after `i`, or `b.len()`.
#[inline(always)]
fn skip_to_structural(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
        let marks = structural_bytes(u64::from_le_bytes(*chunk));
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if matches!(c, b'"' | b'[' | b']' | b'{' | b'}') {
            break;
        }
        i += 1;
    }
    i
}

/// Index of the first byte at or after `i` that is not JSON whitespace.
#[inline(always)]
pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// End (one past the closing quote) of the validated string opening at
/// `open`.
fn string_end(b: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    loop {
        i = skip_plain(b, i);
        match b.get(i) {
            Some(b'"') => return i + 1,
            // The escaped character is never the closing quote; `\uXXXX`'s
            // hex digits are plain bytes and are skipped as such.
            Some(b'\\') => i += 2,
            Some(_) => i += 1,
            None => return b.len(),
        }
    }
}

/// End of the validated value starting at `start`.
fn value_end(b: &[u8], start: usize) -> usize {
    match b.get(start) {
        Some(b'"') => string_end(b, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                i = skip_to_structural(b, i);
                match b.get(i) {
                    None => return b.len(),
                    Some(b'"') => i = string_end(b, i),
                    Some(b'{' | b'[') => {
                        depth += 1;
                        i += 1;
                    }
                    Some(_) => {
                        depth = depth.saturating_sub(1);
                        i += 1;
                        if depth == 0 {
                            return i;
                        }
                    }
                }
            }
        }
        _ => {
            // A number or a literal: it ends at a delimiter.
            let mut i = start;
            while let Some(&c) = b.get(i) {
                if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            i
        }
    }
}

/// The next element of an array whose text continues with `rest`, and the
/// text after it (and after its comma).
pub(super) fn next_element(rest: &str) -> Option<(Value<'_>, &str)> {
    let (value, _, after) = next_element_at(rest)?;
    Some((value, after))
}

/// [`next_element`], and also where in `rest` the element starts.
#[inline]
pub(super) fn next_element_at(rest: &str) -> Option<(Value<'_>, usize, &str)> {
    let b = rest.as_bytes();
    let start = skip_ws(b, 0);
    if let None | Some(b']') = b.get(start) {
        return None;
    }
    let end = value_end(b, start);
    if end <= start {
        return None;
    }
    let raw = rest.get(start..end)?;
    let after = skip_comma(b, end);
    Some((Value { raw }, start, rest.get(after..)?))
}

/// The next member of an object whose text continues with `rest`, and the
/// text after it (and after its comma).
pub(super) fn next_member(rest: &str) -> Option<(JsonStr<'_>, Value<'_>, &str)> {
    let (key, value, _, after) = next_member_at(rest)?;
    Some((key, value, after))
}

/// [`next_member`], and also where in `rest` the member's value starts.
#[inline]
pub(super) fn next_member_at(rest: &str) -> Option<(JsonStr<'_>, Value<'_>, usize, &str)> {
    let b = rest.as_bytes();
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'"') {
        return None;
    }
    let close = string_end(b, open);
    let escaped = rest.get(open + 1..close.saturating_sub(1).max(open + 1))?;
    let mut i = skip_ws(b, close);
    if b.get(i) == Some(&b':') {
        i += 1;
    }
    let start = skip_ws(b, i);
    let end = value_end(b, start);
    if end <= start {
        return None;
    }
    let raw = rest.get(start..end)?;
    let after = skip_comma(b, end);
    Some((
        JsonStr { escaped },
        Value { raw },
        start,
        rest.get(after..)?,
    ))
}

/// Skips whitespace and one comma after a value.
fn skip_comma(b: &[u8], end: usize) -> usize {
    let i = skip_ws(b, end);
    if b.get(i) == Some(&b',') { i + 1 } else { i }
}
