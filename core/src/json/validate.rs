//! The one validating pass over a document.
//!
//! An explicit stack of open containers (bounded by [`MAX_DEPTH`]) replaces
//! recursion, and duplicate keys are caught as each key is read, by
//! comparing it with the earlier keys of its object. Those keys live in a
//! small fixed table shared by the open objects; a hostile document that
//! overflows it makes the affected objects fall back to a re-scan when they
//! close (see [`KeyTable::spill`]), so memory stays fixed and time stays
//! bounded by about `MAX_DEPTH` passes over the text.

use super::scan::{skip_plain, skip_ws};
use super::string::{Piece, eq_escaped, hex4, pieces};
use super::{JsonError, JsonStr, MAX_DEPTH, MAX_OBJECT_MEMBERS, Value};
use core::str;
use heapless::Vec;

/// Keys remembered at once for the duplicate check. A Clerk session token
/// has about 22 (its claims and those of `o`); when the open objects hold
/// more keys than this, the outer ones are checked again when they close.
/// Small, because the table lives on the stack (16 bytes a key on a 32-bit
/// target).
const KEY_SLOTS: usize = 32;
const _: () = assert!(KEY_SLOTS < 256, "Level::base is a u8");

/// Shorthand for the syntax error at `offset`.
fn syntax<T>(offset: usize) -> Result<T, JsonError> {
    Err(JsonError::Syntax { offset })
}

/// An open array or object.
#[derive(Clone, Copy, Debug)]
struct Level {
    object: bool,
    /// The object's keys are no longer in the key table and must be checked
    /// by a re-scan when it closes.
    spilled: bool,
    /// Members read so far (objects only; at most `MAX_OBJECT_MEMBERS + 1`).
    members: u16,
    /// One bit per recorded key, chosen by its digest: a new key whose bit
    /// is clear cannot be a duplicate, so most keys skip the comparisons.
    seen: u32,
    /// Index in the key table of the object's first key (below `KEY_SLOTS`).
    base: u8,
    /// Offset of the opening bracket.
    start: usize,
}

/// A key remembered for the duplicate check.
#[derive(Clone, Copy, Debug)]
struct Key<'a> {
    /// Escaped content, as in the document (bytes: slicing a `str` would
    /// check character boundaries on every key of the hot path).
    escaped: &'a [u8],
    /// Hash of the unescaped content: equal keys have equal digests however
    /// they are spelled, so escapes cost nothing unless digests collide.
    digest: u32,
    /// The content has escapes, so bytes alone cannot decide equality.
    has_escape: bool,
}

impl<'a> Key<'a> {
    // Forced inline on 64-bit targets (parse speed on servers); on
    // 32-bit ones the optimizer decides, which at opt-level "z" keeps
    // the copies of this and of `KeyHash::bytes`, `member_name` and
    // `string` out of firmware (about 1.4 KB on Cortex-M).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    fn new(escaped: &'a [u8], has_escape: bool) -> Self {
        let mut hash = KeyHash::default();
        if has_escape {
            hash.unescaped(escaped);
        } else {
            hash.bytes(escaped);
        }
        Key {
            escaped,
            digest: hash.finish(),
            has_escape,
        }
    }

    /// The key's bit in [`Level::seen`].
    #[inline]
    fn bit(&self) -> u32 {
        1 << (self.digest >> 27)
    }

    /// Whether both keys unescape to the same string.
    #[inline]
    fn same(&self, other: &Key<'_>) -> bool {
        if self.digest != other.digest {
            return false;
        }
        if !self.has_escape && !other.has_escape {
            return self.escaped == other.escaped;
        }
        // Rare: escapes on one side at least, compare characters. The names
        // come from validated text, so they are valid UTF-8.
        match (str::from_utf8(self.escaped), str::from_utf8(other.escaped)) {
            (Ok(a), Ok(b)) => eq_escaped(a, b),
            _ => false,
        }
    }
}

/// A multiply-rotate hash over the unescaped bytes of a key, eight bytes at
/// a time, so that a key is hashed the same whether it is read as escape-free
/// text (the hot path) or decoded from its escapes.
#[derive(Default)]
struct KeyHash {
    state: u64,
    /// Bytes not yet mixed in (fewer than eight), little-endian.
    word: u64,
    len: usize,
}

impl KeyHash {
    #[inline(always)]
    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(23) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.word |= u64::from(b) << (8 * (self.len % 8));
        self.len += 1;
        if self.len.is_multiple_of(8) {
            self.mix(self.word);
            self.word = 0;
        }
    }

    // Inlining: see `Key::new`.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    fn bytes(&mut self, bytes: &[u8]) {
        if !self.len.is_multiple_of(8) {
            for &b in bytes {
                self.byte(b);
            }
            return;
        }
        // Aligned (`word` is empty): whole words, then the tail as the
        // partial word, as `byte` would have built it.
        let chunks = bytes.chunks_exact(8);
        let tail = chunks.remainder();
        for chunk in chunks {
            if let Some(word) = chunk.first_chunk::<8>() {
                self.mix(u64::from_le_bytes(*word));
            }
        }
        self.word = tail.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b));
        self.len += bytes.len();
    }

    /// Hashes the unescaped form of escaped content.
    #[cold]
    fn unescaped(&mut self, escaped: &[u8]) {
        let text = str::from_utf8(escaped).unwrap_or("");
        for piece in pieces(text) {
            match piece {
                Piece::Text(text) => self.bytes(text.as_bytes()),
                Piece::Char(c) => self.bytes(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
    }

    #[inline(always)]
    fn finish(mut self) -> u32 {
        self.mix(self.word ^ ((self.len as u64) << 59));
        let h = self.state;
        (h >> 32) as u32 ^ h as u32
    }
}

/// Keys of the open objects, innermost last.
struct KeyTable<'a> {
    keys: Vec<Key<'a>, KEY_SLOTS>,
}

impl<'a> KeyTable<'a> {
    /// Records `key` for the innermost object `levels.last()`, or reports
    /// that it repeats an earlier key of that object.
    #[inline(always)]
    fn insert(&mut self, levels: &mut [Level], key: Key<'a>) -> Result<(), JsonError> {
        let Some(level) = levels.last_mut() else {
            return Ok(());
        };
        if level.spilled {
            return Ok(());
        }
        let bit = key.bit();
        if level.seen & bit != 0 {
            let own = self.keys.get(usize::from(level.base)..).unwrap_or(&[]);
            if own.iter().any(|earlier| earlier.same(&key)) {
                return Err(JsonError::DuplicateKey);
            }
        }
        level.seen |= bit;
        if self.keys.is_full() {
            self.spill(levels);
        }
        if let Some(level) = levels.last()
            && !level.spilled
        {
            // `spill` made room, so this cannot fail; a failure would only
            // mean a key left unchecked, never a panic.
            let _ = self.keys.push(key);
        }
        Ok(())
    }

    /// Makes room when the table is full: every enclosing object forgets its
    /// keys (it will be re-scanned when it closes), and the innermost keeps
    /// its keys unless it alone fills the table, in which case it is
    /// re-scanned too. The enclosing objects of a re-scanned object are
    /// always re-scanned as well, so when one closes the table is empty and
    /// the whole table is free for its re-scan.
    #[cold]
    fn spill(&mut self, levels: &mut [Level]) {
        let Some((inner, outer)) = levels.split_last_mut() else {
            return;
        };
        for level in outer.iter_mut().filter(|level| level.object) {
            level.spilled = true;
            level.base = 0;
        }
        if inner.base == 0 {
            inner.spilled = true;
            self.keys.clear();
        } else {
            let keys = self.keys.as_mut_slice();
            let base = usize::from(inner.base).min(keys.len());
            let own = keys.len() - base;
            // `base <= len`: cannot panic.
            keys.copy_within(base.., 0);
            self.keys.truncate(own);
            inner.base = 0;
        }
    }

    /// Forgets the keys of an object that closed.
    #[inline]
    fn close(&mut self, level: &Level) {
        if !level.spilled {
            self.keys.truncate(usize::from(level.base));
        }
    }

    /// The duplicate check of a spilled object, over its validated text
    /// `object`: its keys are loaded into the (empty) table `KEY_SLOTS` at a
    /// time, and every later key is compared with the loaded ones.
    #[cold]
    fn rescan(&mut self, object: Value<'a>) -> Result<(), JsonError> {
        let mut first = 0;
        loop {
            self.keys.clear();
            let mut seen = 0u32;
            let mut more = false;
            let members = object.members().into_iter().flatten();
            for (name, _) in members.skip(first) {
                let key = key_of(name);
                let bit = key.bit();
                if seen & bit != 0 && self.keys.iter().any(|earlier| earlier.same(&key)) {
                    return Err(JsonError::DuplicateKey);
                }
                if !more {
                    if self.keys.push(key).is_ok() {
                        seen |= bit;
                    } else {
                        more = true;
                    }
                }
            }
            if !more {
                break;
            }
            first += KEY_SLOTS;
        }
        self.keys.clear();
        Ok(())
    }
}

/// The table entry for a member name read back from validated text.
fn key_of(name: JsonStr<'_>) -> Key<'_> {
    let escaped = name.escaped().as_bytes();
    Key::new(escaped, escaped.contains(&b'\\'))
}

/// Validates `text` and returns the exact text of its value.
pub(super) fn document(text: &str) -> Result<&str, JsonError> {
    let b = text.as_bytes();
    let mut levels: Vec<Level, MAX_DEPTH> = Vec::new();
    let mut table = KeyTable { keys: Vec::new() };
    let start = skip_ws(b, 0);
    let mut pos = start;

    'value: loop {
        // A value starts at `pos`.
        match b.get(pos) {
            Some(&open @ (b'{' | b'[')) => {
                let object = open == b'{';
                let level = Level {
                    object,
                    spilled: false,
                    members: 0,
                    seen: 0,
                    // The table holds at most KEY_SLOTS (< 256) keys.
                    base: table.keys.len() as u8,
                    start: pos,
                };
                levels.push(level).map_err(|_| JsonError::TooDeep)?;
                pos = skip_ws(b, pos + 1);
                let close = if object { b'}' } else { b']' };
                if b.get(pos) == Some(&close) {
                    levels.pop();
                    pos += 1;
                } else {
                    if object {
                        pos = member_name(text, pos, &mut levels, &mut table)?;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => pos = string(b, pos)?.0,
            Some(b't') => pos = literal(b, pos, b"true")?,
            Some(b'f') => pos = literal(b, pos, b"false")?,
            Some(b'n') => pos = literal(b, pos, b"null")?,
            Some(b'-' | b'0'..=b'9') => pos = number(b, pos)?,
            _ => return syntax(pos),
        }

        // A value ended at `pos`: close containers until one continues.
        loop {
            let Some(level) = levels.last() else {
                let end = pos;
                pos = skip_ws(b, pos);
                if pos != b.len() {
                    return syntax(pos);
                }
                return text
                    .get(start..end)
                    .ok_or(JsonError::Syntax { offset: start });
            };
            let level = *level;
            pos = skip_ws(b, pos);
            match (b.get(pos), level.object) {
                (Some(b','), object) => {
                    pos = skip_ws(b, pos + 1);
                    if object {
                        pos = member_name(text, pos, &mut levels, &mut table)?;
                    }
                    continue 'value;
                }
                (Some(b']'), false) => {
                    levels.pop();
                    pos += 1;
                }
                (Some(b'}'), true) => {
                    levels.pop();
                    pos += 1;
                    if level.spilled {
                        let raw = text.get(level.start..pos).unwrap_or("");
                        table.rescan(Value { raw })?;
                    } else {
                        table.close(&level);
                    }
                }
                _ => return syntax(pos),
            }
        }
    }
}

/// Reads the member name at `pos` (a string, a colon), checks it against
/// the object's earlier names and returns where the member's value starts.
// Inlining: see `Key::new`.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline)]
fn member_name<'a>(
    text: &'a str,
    pos: usize,
    levels: &mut [Level],
    table: &mut KeyTable<'a>,
) -> Result<usize, JsonError> {
    let b = text.as_bytes();
    if b.get(pos) != Some(&b'"') {
        return syntax(pos);
    }
    let (end, has_escape) = string(b, pos)?;
    if let Some(level) = levels.last_mut() {
        level.members += 1;
        if usize::from(level.members) > MAX_OBJECT_MEMBERS {
            return Err(JsonError::TooManyMembers);
        }
    }
    let escaped = b.get(pos + 1..end - 1).unwrap_or(&[]);
    table.insert(levels, Key::new(escaped, has_escape))?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return syntax(colon);
    }
    Ok(skip_ws(b, colon + 1))
}

/// Validates the string whose opening quote is at `open`; returns the
/// offset after its closing quote and whether it contains escapes.
// Inlining: see `Key::new`.
#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline)]
fn string(b: &[u8], open: usize) -> Result<(usize, bool), JsonError> {
    let mut i = open + 1;
    let mut has_escape = false;
    loop {
        i = skip_plain(b, i);
        match b.get(i) {
            Some(b'"') => return Ok((i + 1, has_escape)),
            Some(b'\\') => {
                has_escape = true;
                i = escape(b, i)?;
            }
            // A raw control character, or the end of the text.
            _ => return syntax(i),
        }
    }
}

/// Validates the escape at `i` (a backslash); returns the offset after it.
fn escape(b: &[u8], i: usize) -> Result<usize, JsonError> {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => {
            match unit(b, i + 2)? {
                0xD800..=0xDBFF => {
                    // A high surrogate must be followed by an escaped low one.
                    if let (Some(b'\\'), Some(b'u')) = (b.get(i + 6), b.get(i + 7))
                        && let 0xDC00..=0xDFFF = unit(b, i + 8)?
                    {
                        Ok(i + 12)
                    } else {
                        Err(JsonError::LoneSurrogate)
                    }
                }
                0xDC00..=0xDFFF => Err(JsonError::LoneSurrogate),
                _ => Ok(i + 6),
            }
        }
        _ => syntax(i + 1),
    }
}

/// The UTF-16 code unit of the four hex digits at `i`, or a syntax error at
/// the first byte that is not a hex digit.
fn unit(b: &[u8], i: usize) -> Result<u32, JsonError> {
    if let Some(unit) = hex4(b.get(i..)) {
        return Ok(unit);
    }
    let bad = (i..i + 4)
        .find(|&j| !b.get(j).is_some_and(u8::is_ascii_hexdigit))
        .unwrap_or(i);
    syntax(bad)
}

/// Validates `true`, `false` or `null` at `pos`.
fn literal(b: &[u8], pos: usize, word: &[u8]) -> Result<usize, JsonError> {
    let end = pos + word.len();
    if b.get(pos..end) == Some(word) {
        return Ok(end);
    }
    let same = word
        .iter()
        .zip(b.get(pos..).unwrap_or(&[]))
        .take_while(|(w, c)| w == c)
        .count();
    syntax(pos + same)
}

/// Validates the number at `pos`:
/// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
#[inline]
fn number(b: &[u8], pos: usize) -> Result<usize, JsonError> {
    let mut i = pos;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return syntax(i),
    }
    if b.get(i) == Some(&b'.') {
        let end = digits(b, i + 1);
        if end == i + 1 {
            return syntax(end);
        }
        i = end;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let end = digits(b, i);
        if end == i {
            return syntax(end);
        }
        i = end;
    }
    Ok(i)
}

/// The offset of the first non-digit at or after `i`.
#[inline(always)]
fn digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}
