//! `JSON.stringify(JSON.parse(text))`, as V8 prints it, for Clerk's error
//! messages (`Received {"id":"user_1"}.`).

use super::string::{Piece, pieces};
use super::{JsonStr, Kind, Members, Value};
use core::fmt::{self, Write};
use heapless::Vec;

/// Array-index keys ordered per pass over an object.
const INDEX_BATCH: usize = 8;

/// Writes `value` as `JSON.stringify` would. Recursion is bounded by the
/// nesting limit that `parse` enforced.
pub(super) fn write_value(value: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    match value.kind() {
        Kind::Null | Kind::Bool => out.write_str(value.raw()),
        Kind::Number => write_number(value, out),
        Kind::String => match value.as_str() {
            Some(s) => write_string(s, out),
            None => out.write_str("null"),
        },
        Kind::Array => {
            out.write_char('[')?;
            for (i, element) in value.elements().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write_value(element, out)?;
            }
            out.write_char(']')
        }
        Kind::Object => write_object(value, out),
    }
}

/// Writes a number as `Number.prototype.toString` does: shortest
/// round-trip digits, in JS's own choice of plain or exponent form, `-0` as
/// `0`. Kept out of line so that its buffer is not part of every level of
/// the recursion.
#[inline(never)]
fn write_number(value: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    match value.as_f64() {
        Some(x) if x.is_finite() => out.write_str(ryu_js::Buffer::new().format_finite(x)),
        // `1e400` parsed to Infinity, which JSON cannot express.
        _ => out.write_str("null"),
    }
}

/// Writes an object's members in JavaScript's property order: keys that are
/// array indices first, in ascending numeric order, then the other keys in
/// insertion order (document order, since keys are unique).
#[inline(never)]
fn write_object(object: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    let Some(all) = object.members() else {
        return out.write_str("{}");
    };
    let mut first = true;
    let mut member = |key: JsonStr<'_>, value: Value<'_>, out: &mut dyn Write| {
        if !core::mem::take(&mut first) {
            out.write_char(',')?;
        }
        write_string(key, out)?;
        out.write_char(':')?;
        write_value(value, out)
    };

    out.write_char('{')?;
    // Index keys, ascending, without a buffer for all of them: each pass
    // collects the smallest indices above the last one written, a batch at a
    // time, so an object of `MAX_OBJECT_MEMBERS` indices takes a few passes.
    // A batch entry is the index and where its member's text starts (as a
    // length from the end), small because the recursion holds one batch per
    // open object.
    let mut last: Option<u32> = None;
    loop {
        let mut batch: Vec<(u32, usize), INDEX_BATCH> = Vec::new();
        let mut members = all.clone();
        loop {
            let from_end = members.rest.len();
            let Some((key, _)) = members.next() else {
                break;
            };
            let Some(index) = array_index(key) else {
                continue;
            };
            if last.is_some_and(|last| index <= last) {
                continue;
            }
            let at = batch.iter().take_while(|(i, _)| *i < index).count();
            if at < INDEX_BATCH {
                if batch.is_full() {
                    batch.pop();
                }
                let _ = batch.insert(at, (index, from_end));
            }
        }
        let complete = !batch.is_full();
        for (index, from_end) in batch {
            let text = all
                .rest
                .len()
                .checked_sub(from_end)
                .and_then(|at| all.rest.get(at..));
            let entry = text.and_then(|rest| Members { rest }.next());
            if let Some((key, value)) = entry {
                member(key, value, out)?;
            }
            last = Some(index);
        }
        if complete {
            break;
        }
    }
    for (key, value) in all.filter(|(key, _)| array_index(*key).is_none()) {
        member(key, value, out)?;
    }
    out.write_char('}')
}

/// The key as an array index: the canonical decimal form (no sign, no
/// leading zero) of an integer from 0 to 2^32 − 2.
fn array_index(key: JsonStr<'_>) -> Option<u32> {
    const MAX_INDEX: u64 = u32::MAX as u64 - 1;
    let mut chars = key.chars();
    let first = chars.next()?.to_digit(10)?;
    let mut value = u64::from(first);
    for c in chars {
        if value == 0 {
            // "0" is an index, "01" is not.
            return None;
        }
        value = value * 10 + u64::from(c.to_digit(10)?);
        if value > MAX_INDEX {
            return None;
        }
    }
    u32::try_from(value).ok()
}

/// Writes a string as `JSON.stringify` does: `"` and `\` escaped, the
/// control characters as `\b \f \n \r \t` or `\u00xx`, everything else
/// (including `/`, non-ASCII and U+2028) as it is.
fn write_string(s: JsonStr<'_>, out: &mut dyn Write) -> fmt::Result {
    out.write_char('"')?;
    for piece in pieces(s.escaped()) {
        match piece {
            // A validated plain run has no quote, backslash or control
            // character: it is printed unchanged.
            Piece::Text(text) => out.write_str(text)?,
            Piece::Char(c) => write_char(c, out)?,
        }
    }
    out.write_char('"')
}

/// Writes one unescaped character in `JSON.stringify`'s form.
fn write_char(c: char, out: &mut dyn Write) -> fmt::Result {
    match c {
        '"' => out.write_str("\\\""),
        '\\' => out.write_str("\\\\"),
        '\u{8}' => out.write_str("\\b"),
        '\u{c}' => out.write_str("\\f"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c)),
        c => out.write_char(c),
    }
}
