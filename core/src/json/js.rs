//! `JSON.stringify(JSON.parse(text))`, as V8 prints it, for Clerk's error
//! messages (`Received {"id":"user_1"}.`).
//!
//! No recursion: the open arrays and objects are a fixed stack of small
//! cursors ([`Frame`], at most [`MAX_DEPTH`]), so the stack this takes does
//! not grow with the nesting of the (attacker-controlled) value.
//!
//! An object is written in two phases, as JavaScript orders properties:
//! first its array-index keys in ascending numeric order, then its other
//! keys in document order. The index keys are found by scanning the object
//! for the smallest indices not yet written. So that a hostile object does
//! not cost a scan per key, a scan remembers where the next few index keys
//! are, in one of a few blocks of slots that the open objects share
//! ([`BLOCKS`]). With none free, an object takes the block of the innermost
//! enclosing object that has one when the scans this saves outweigh the one
//! that the enclosing object then needs again; else it scans once per key.
//!
//! Stack, measured by painting it on a Cortex-M4 (QEMU, release build): at
//! most about 950 bytes for any array or object whose numbers are integers
//! of up to 15 digits, at any depth; about 1.2 KB with other short numbers
//! (formatted by `ryu-js`); about 2.5 KB while a long number goes through
//! `core`'s float parser, whose frame alone is 1.6 KB. The recursive writer
//! this replaced took about 320 bytes per nested object (10 KB at 32).

use super::scan::{next_element_at, next_member_at};
use super::string::{Piece, pieces};
use super::{JsonStr, Kind, MAX_DEPTH, Value};
use core::fmt::{self, Write};
use heapless::Vec;

/// Index keys that one scan of an object remembers, besides the one it
/// writes at once.
const BATCH: usize = 8;

/// Blocks of [`BATCH`] slots, each remembering index keys for one open
/// object.
const BLOCKS: usize = 4;

/// [`Frame::block`] of an object that has no block.
const NO_BLOCK: u8 = u8::MAX;

/// A slot past the last remembered key of its block.
const EMPTY: u16 = u16::MAX;

/// Where an open array or object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// An array.
    Array,
    /// An object, writing its index keys.
    Indices,
    /// An object, writing the index keys remembered in its block, and no
    /// others.
    LastIndices,
    /// An object, writing its other keys.
    Others,
}

/// An open array or object: 12 bytes on a 32-bit target. Positions in the
/// root are lengths of the text from there to its end (suffixes of the
/// root).
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// The next element or member to look at (`Array`, `Others`), or the
    /// object's first member (index phases).
    at: usize,
    /// The smallest index key not yet written (index phases).
    floor: u32,
    phase: Phase,
    /// An element or member has been written: the next one takes a comma.
    comma: bool,
    /// The block remembering the object's next index keys, or [`NO_BLOCK`].
    block: u8,
    /// The block's next slot.
    next: u8,
}

/// The writer's whole state.
struct Writer<'a, 'w> {
    /// The value being written; every position is a suffix of it.
    root: &'a str,
    out: &'w mut dyn Write,
    open: Vec<Frame, MAX_DEPTH>,
    /// Remembered index keys: where their members start, as offsets from
    /// their object's first member, ascending by index, up to an [`EMPTY`]
    /// slot. (A key further in than 16 bits, never in a token, is found by
    /// a scan again.)
    blocks: [[u16; BATCH]; BLOCKS],
    /// Length of each block's object: what a scan of it costs.
    weight: [usize; BLOCKS],
}

/// A member that a scan picked: its index, key, value and the text from its
/// value to the end.
type Picked<'a> = (u32, JsonStr<'a>, Value<'a>, &'a str);

/// Writes `value` as `JSON.stringify` would.
pub(super) fn write_value(value: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    match value.kind() {
        Kind::Array | Kind::Object => write_container(value.raw(), out),
        _ => write_scalar(value, out),
    }
}

/// Writes the array or object `root`. Out of line, so that a scalar does
/// not pay for the writer's state.
#[inline(never)]
fn write_container(root: &str, out: &mut dyn Write) -> fmt::Result {
    let mut writer = Writer {
        root,
        out,
        open: Vec::new(),
        blocks: [[EMPTY; BATCH]; BLOCKS],
        weight: [0; BLOCKS],
    };
    writer.open_container(root)?;
    while let Some(&frame) = writer.open.last() {
        match frame.phase {
            Phase::Array => writer.array_step(frame)?,
            Phase::Indices | Phase::LastIndices => writer.index_step(frame)?,
            Phase::Others => writer.other_step(frame)?,
        }
    }
    Ok(())
}

impl<'a> Writer<'a, '_> {
    /// The suffix of the root that is `len` bytes long.
    fn tail(&self, len: usize) -> &'a str {
        // Positions only come from suffixes of the root; a bad one reads as
        // the end of the text, which closes the open containers.
        self.root
            .len()
            .checked_sub(len)
            .and_then(|start| self.root.get(start..))
            .unwrap_or("")
    }

    /// The innermost open container.
    fn top(&mut self) -> Result<&mut Frame, fmt::Error> {
        self.open.last_mut().ok_or(fmt::Error)
    }

    /// Writes a value whose text runs on to the end of the root as `from`:
    /// a scalar at once, a container by opening it.
    fn value(&mut self, value: Value<'a>, from: &'a str) -> fmt::Result {
        match value.kind() {
            Kind::Array | Kind::Object => self.open_container(from),
            _ => write_scalar(value, self.out),
        }
    }

    /// Opens the array or object that starts `from`.
    fn open_container(&mut self, from: &'a str) -> fmt::Result {
        let (bracket, phase) = match from.as_bytes().first() {
            Some(b'{') => ('{', Phase::Indices),
            _ => ('[', Phase::Array),
        };
        let frame = Frame {
            at: from.len().saturating_sub(1),
            floor: 0,
            phase,
            comma: false,
            block: NO_BLOCK,
            next: 0,
        };
        // `parse` allows at most `MAX_DEPTH` open containers, and a `Value`
        // only comes from `parse`.
        self.open.push(frame).map_err(|_| fmt::Error)?;
        self.out.write_char(bracket)
    }

    /// Closes the innermost container.
    fn close(&mut self, bracket: char) -> fmt::Result {
        self.open.pop();
        self.out.write_char(bracket)
    }

    /// Writes an array's next element, or closes it.
    fn array_step(&mut self, frame: Frame) -> fmt::Result {
        let text = self.tail(frame.at);
        let Some((value, start, after)) = next_element_at(text) else {
            return self.close(']');
        };
        let top = self.top()?;
        top.at = after.len();
        top.comma = true;
        if frame.comma {
            self.out.write_char(',')?;
        }
        self.value(value, rest_from(text, start))
    }

    /// Writes an object's next key that is not an array index, or closes it.
    fn other_step(&mut self, frame: Frame) -> fmt::Result {
        let mut text = self.tail(frame.at);
        loop {
            let Some((key, value, start, after)) = next_member_at(text) else {
                return self.close('}');
            };
            if array_index(key).is_some() {
                text = after;
                continue;
            }
            let top = self.top()?;
            top.at = after.len();
            top.comma = true;
            return self.member(frame.comma, key, value, rest_from(text, start));
        }
    }

    /// Writes an object's next index key (the smallest not yet written), or
    /// moves on to its other keys, from its first member again.
    fn index_step(&mut self, frame: Frame) -> fmt::Result {
        let remembered = self
            .blocks
            .get(usize::from(frame.block))
            .and_then(|block| block.get(usize::from(frame.next)))
            .copied()
            .filter(|&at| at != EMPTY);
        let picked = if let Some(at) = remembered {
            self.top()?.next = frame.next + 1;
            self.member_at(frame, usize::from(at))
        } else if frame.phase == Phase::Indices {
            let first = self.scan_indices(frame)?;
            first.and_then(|at| self.member_at(frame, at))
        } else {
            None
        };
        let top = self.top()?;
        let Some((index, key, value, from)) = picked else {
            top.phase = Phase::Others;
            top.block = NO_BLOCK;
            return Ok(());
        };
        // At most 2^32 − 2, so this does not saturate: each step writes a
        // bigger index, and the phase ends.
        top.floor = index.saturating_add(1);
        top.comma = true;
        self.member(frame.comma, key, value, from)
    }

    /// The index-key member `at` bytes into the object.
    fn member_at(&self, frame: Frame, at: usize) -> Option<Picked<'a>> {
        let text = self.tail(frame.at.checked_sub(at)?);
        let (key, value, start, _) = next_member_at(text)?;
        Some((array_index(key)?, key, value, rest_from(text, start)))
    }

    /// Scans the object for its smallest index keys from `frame.floor` on:
    /// returns where the first is (as [`Writer::member_at`] takes it) and
    /// remembers the next few in a block. Out of line: its locals are not on
    /// the stack while a value is written.
    #[inline(never)]
    fn scan_indices(&mut self, frame: Frame) -> Result<Option<usize>, fmt::Error> {
        // The smallest indices met, ascending, with where their members are.
        let mut smallest: Vec<(u32, usize), { BATCH + 1 }> = Vec::new();
        let mut complete = true;
        let mut text = self.tail(frame.at);
        loop {
            let here = frame.at.saturating_sub(text.len());
            let Some((key, _, _, after)) = next_member_at(text) else {
                break;
            };
            text = after;
            let Some(index) = array_index(key) else {
                continue;
            };
            if index < frame.floor {
                continue;
            }
            let at = smallest.iter().take_while(|(i, _)| *i < index).count();
            if at > BATCH {
                complete = false;
                continue;
            }
            if smallest.is_full() {
                smallest.pop();
                complete = false;
            }
            // Cannot fail: there is room now.
            let _ = smallest.insert(at, (index, here));
        }
        let length = frame.at.saturating_sub(text.len());
        let block = match smallest.len() {
            0 | 1 => NO_BLOCK,
            remembered => self.claim_block(frame.block, length, remembered - 1),
        };
        match self.blocks.get_mut(usize::from(block)) {
            Some(slots) => {
                if let Some(weight) = self.weight.get_mut(usize::from(block)) {
                    *weight = length;
                }
                let mut rest = smallest.iter().skip(1);
                for slot in slots.iter_mut() {
                    *slot = match rest.next().map(|&(_, here)| u16::try_from(here)) {
                        Some(Ok(here)) if here != EMPTY => here,
                        Some(_) => {
                            complete = false;
                            EMPTY
                        }
                        None => EMPTY,
                    };
                    if *slot == EMPTY {
                        break;
                    }
                }
            }
            None => complete &= smallest.len() <= 1,
        }
        let top = self.top()?;
        top.block = block;
        top.next = 0;
        top.phase = if complete {
            Phase::LastIndices
        } else {
            Phase::Indices
        };
        Ok(smallest.first().map(|&(_, here)| here))
    }

    /// A block for the innermost object, `length` bytes long, to remember
    /// `keys` index keys: its own, a free one, or the block of the innermost
    /// enclosing object that has one, when that object's next scan costs no
    /// more than the `keys` scans of this one that the block saves.
    fn claim_block(&mut self, own: u8, length: usize, keys: usize) -> u8 {
        if own != NO_BLOCK {
            return own;
        }
        let mut taken = [false; BLOCKS];
        for frame in &self.open {
            if let Some(taken) = taken.get_mut(usize::from(frame.block)) {
                *taken = true;
            }
        }
        if let Some(free) = taken.iter().position(|&taken| !taken) {
            return u8::try_from(free).unwrap_or(NO_BLOCK);
        }
        // The innermost holder is the smallest: enclosing objects contain it.
        let depth = self.open.len().saturating_sub(1);
        let holder = self
            .open
            .iter_mut()
            .take(depth)
            .rev()
            .find(|frame| frame.block != NO_BLOCK);
        let Some(holder) = holder else {
            return NO_BLOCK;
        };
        let cost = self.weight.get(usize::from(holder.block)).copied();
        if cost.is_none_or(|cost| cost > length.saturating_mul(keys)) {
            return NO_BLOCK;
        }
        let block = holder.block;
        holder.block = NO_BLOCK;
        if holder.phase == Phase::LastIndices {
            holder.phase = Phase::Indices;
        }
        block
    }

    /// Writes `key:` and the member's value, after a comma if `comma`.
    fn member(
        &mut self,
        comma: bool,
        key: JsonStr<'_>,
        value: Value<'a>,
        from: &'a str,
    ) -> fmt::Result {
        if comma {
            self.out.write_char(',')?;
        }
        write_string(key, self.out)?;
        self.out.write_char(':')?;
        self.value(value, from)
    }
}

/// The text from `start` in `text` to the end of the root.
fn rest_from(text: &str, start: usize) -> &str {
    // `start` is where a value starts: a character boundary.
    text.get(start..).unwrap_or("")
}

/// Writes a value that is neither an array nor an object.
fn write_scalar(value: Value<'_>, out: &mut dyn Write) -> fmt::Result {
    match value.kind() {
        Kind::Number => write_number(value.raw(), out),
        Kind::String => match value.as_str() {
            Some(s) => write_string(s, out),
            None => out.write_str("null"),
        },
        // `null`, `true`, `false`; containers never come here.
        _ => out.write_str(value.raw()),
    }
}

/// Writes a number as `Number.prototype.toString` does: shortest round-trip
/// digits, in JavaScript's own choice of plain or exponent form, `-0` as
/// `0`, and `null` for a number too big for a double (`1e400`).
fn write_number(raw: &str, out: &mut dyn Write) -> fmt::Result {
    // An integer of at most 15 digits is exact in a double and JavaScript
    // prints it as written (JSON has no leading zeros), `-0` aside: claims
    // such as `exp` need neither the float parser nor the formatter.
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return out.write_str(if raw == "-0" { "0" } else { raw });
    }
    let x = match exact_float(raw) {
        Some(x) => x,
        None => parse_float(raw),
    };
    if x.is_finite() {
        format_float(x, out)
    } else {
        out.write_str("null")
    }
}

/// Powers of ten that a double holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of the JSON number `raw` when one correctly rounded operation
/// gives it: at most 15 significant digits (exact in a double) times or
/// over a power of ten up to 10^22 (exact too). This is Clinger's fast path,
/// which the float parser takes for these numbers as well, so the result is
/// the same; it just avoids the parser's large stack frame.
fn exact_float(raw: &str) -> Option<f64> {
    let (negative, text) = match raw.strip_prefix('-') {
        Some(text) => (true, text),
        None => (false, raw),
    };
    let b = text.as_bytes();
    let mut mantissa: u64 = 0;
    let mut significant = 0;
    let mut exponent: i32 = 0;
    let mut i = 0;
    let mut fraction = false;
    loop {
        match b.get(i) {
            Some(&d @ b'0'..=b'9') => {
                if mantissa != 0 || d != b'0' {
                    significant += 1;
                    if significant > 15 {
                        return None;
                    }
                    mantissa = mantissa * 10 + u64::from(d - b'0');
                }
                if fraction {
                    exponent = exponent.saturating_sub(1);
                }
            }
            Some(b'.') if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    match b.get(i..)? {
        [] => {}
        [b'e' | b'E', rest @ ..] => {
            let (sign, digits) = match rest {
                [b'-', digits @ ..] => (-1, digits),
                [b'+', digits @ ..] => (1, digits),
                digits => (1, digits),
            };
            // Five digits or more are far out of range here (or zeros, which
            // the full parser handles).
            if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value = digits
                .iter()
                .fold(0i32, |acc, d| acc * 10 + i32::from(d - b'0'));
            exponent = exponent.saturating_add(sign * value);
        }
        _ => return None,
    }
    let magnitude = if mantissa == 0 {
        0.0
    } else {
        // `mantissa` < 10^15 < 2^53: exact.
        let m = mantissa as f64;
        let power = EXACT_POWERS.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
        if exponent < 0 { m / power } else { m * power }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The full float parser, correctly rounded (`1e400` is infinity). Out of
/// line: it takes over 1.5 KB of stack on a 32-bit target.
#[inline(never)]
fn parse_float(raw: &str) -> f64 {
    // A validated JSON number is always in the grammar `parse` accepts.
    raw.parse().unwrap_or(f64::NAN)
}

/// `Number.prototype.toString` of a finite double. Out of line, so that its
/// frame and the parser's are never on the stack together.
#[inline(never)]
fn format_float(x: f64, out: &mut dyn Write) -> fmt::Result {
    out.write_str(ryu_js::Buffer::new().format_finite(x))
}

/// The key as an array index: the canonical decimal form (no sign, no
/// leading zero) of an integer from 0 to 2^32 − 2.
fn array_index(key: JsonStr<'_>) -> Option<u32> {
    let escaped = key.escaped().as_bytes();
    // Without escapes (nearly always), the bytes are the characters.
    if !escaped.contains(&b'\\') {
        return index_of(escaped.iter().map(|&b| char::from(b)));
    }
    index_of(key.chars())
}

/// The characters as an array index.
fn index_of(mut chars: impl Iterator<Item = char>) -> Option<u32> {
    const MAX_INDEX: u64 = u32::MAX as u64 - 1;
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
        c if u32::from(c) < 0x20 => {
            // `\u00xx`, lowercase, without the formatting machinery.
            let code = u32::from(c);
            out.write_str("\\u00")?;
            for nibble in [code >> 4, code & 0xF] {
                out.write_char(char::from_digit(nibble, 16).unwrap_or('0'))?;
            }
            Ok(())
        }
        c => out.write_char(c),
    }
}
