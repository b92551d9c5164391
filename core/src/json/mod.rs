//! A validating, borrowing JSON reader for token headers and payloads.
//!
//! `JSON.parse` in Clerk's SDK accepts duplicate keys (last wins), lone
//! surrogates and unbounded nesting; this reader rejects all three (a parser
//! differential is an attack surface, and Clerk never issues such tokens). It
//! validates the whole document once, then answers look-ups by scanning the
//! validated text: nothing is copied and nothing is allocated.
//!
//! ```
//! use clerk_edge::json::{self, Kind};
//!
//! let doc = json::parse(r#" {"sub":"user_1","exp":1767225660,"o":{"id":"org_1"}} "#)?;
//! assert_eq!(doc.get("exp").and_then(|v| v.as_f64()), Some(1767225660.0));
//! assert!(doc.get("sub").and_then(|v| v.as_str()).is_some_and(|s| s.eq_str("user_1")));
//! assert_eq!(doc.get("o").map(|v| v.kind()), Some(Kind::Object));
//!
//! // What JavaScript's `JSON.stringify` would print, for Clerk's messages.
//! let org = doc.get("o").expect("present");
//! let mut shown = String::new();
//! org.write_js(&mut shown).expect("a String takes any text");
//! assert_eq!(shown, r#"{"id":"org_1"}"#);
//!
//! assert_eq!(json::parse(r#"{"a":1,"\u0061":2}"#), Err(json::JsonError::DuplicateKey));
//! # Ok::<(), json::JsonError>(())
//! ```

use core::fmt;

mod js;
pub(crate) mod number;
mod scan;
mod string;
mod validate;

pub use string::Chars;

/// Deepest nesting of arrays and objects accepted in a document.
pub const MAX_DEPTH: usize = 32;

/// Most members accepted in one object.
///
/// Duplicate keys are found by comparing each key with the earlier keys of
/// its object, so this bound keeps that quadratic step cheap on hostile
/// input; Clerk's payloads have a few dozen claims at most.
pub const MAX_OBJECT_MEMBERS: usize = 256;

/// Why a document was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Not well-formed JSON (RFC 8259), at this byte offset.
    Syntax {
        /// Byte offset of the first offending byte.
        offset: usize,
    },
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object has the same key twice.
    DuplicateKey,
    /// A `\u` escape that encodes a lone UTF-16 surrogate.
    LoneSurrogate,
    /// The output buffer for an unescaped string is too small.
    BufferTooSmall,
    /// An object has more than [`MAX_OBJECT_MEMBERS`] members.
    TooManyMembers,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax { offset } => write!(f, "malformed JSON at byte {offset}"),
            JsonError::TooDeep => write!(f, "JSON nested deeper than {MAX_DEPTH} levels"),
            JsonError::DuplicateKey => f.write_str("duplicate key in a JSON object"),
            JsonError::LoneSurrogate => f.write_str("JSON string escapes a lone UTF-16 surrogate"),
            JsonError::BufferTooSmall => f.write_str("buffer too small for the unescaped string"),
            JsonError::TooManyMembers => {
                write!(f, "JSON object with more than {MAX_OBJECT_MEMBERS} members")
            }
        }
    }
}

/// The type of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// One validated JSON value: the exact text of the value, no surrounding
/// whitespace. Obtained from [`parse`], so every method can rely on it being
/// well-formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a str,
}

/// A JSON string value, still in its escaped form (without the quotes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'a> {
    escaped: &'a str,
}

/// Validates `text` as one JSON document (surrounding whitespace allowed,
/// nothing else after the value) and returns its top-level value.
///
/// The check is strict RFC 8259 plus this crate's limits: no duplicate keys
/// (compared after unescaping), no lone surrogates, at most [`MAX_DEPTH`]
/// levels and [`MAX_OBJECT_MEMBERS`] members per object. A byte order mark
/// is not whitespace: the caller strips it, as `TextDecoder` does for Clerk.
///
/// One pass, no recursion and no allocation: the open containers and the
/// keys awaiting the duplicate check live in fixed tables, under 2 KB of
/// stack on a 32-bit target.
pub fn parse(text: &str) -> Result<Value<'_>, JsonError> {
    validate::document(text).map(|raw| Value { raw })
}

impl<'a> Value<'a> {
    /// The value's exact text.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value's type.
    pub fn kind(&self) -> Kind {
        // A validated value is never empty; its first byte decides the type.
        match self.raw.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') | None => Kind::Null,
            Some(_) => Kind::Number,
        }
    }

    /// `true` for `null` (which Clerk's checks treat apart from a missing
    /// claim, e.g. `typ: null`).
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// JavaScript truthiness: `false` for `null`, `false`, `0`, `NaN` and
    /// `""`; `true` for everything else, empty arrays and objects included.
    pub fn is_truthy(&self) -> bool {
        match self.kind() {
            Kind::Null => false,
            Kind::Bool => self.as_bool() == Some(true),
            Kind::Number => self.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
            Kind::String => self.as_str().is_some_and(|s| !s.escaped().is_empty()),
            Kind::Array | Kind::Object => true,
        }
    }

    /// The member `key` of an object (keys compared after unescaping);
    /// `None` for a missing key or when this is not an object.
    ///
    /// Each call scans the object; to read many claims, one pass over
    /// [`members`](Self::members) is cheaper.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        // Keys are unique (checked by `parse`), so the first match is the one.
        self.members()?
            .find(|(name, _)| name.eq_str(key))
            .map(|(_, value)| value)
    }

    /// The number as JavaScript reads it (`1e400` is infinity).
    ///
    /// Rounded correctly, like JavaScript, by core's float parser; with the
    /// `compact-numbers` feature, by a short parser that is exact for every
    /// number Clerk issues and within one ulp for any other (see the
    /// crate's features).
    pub fn as_f64(&self) -> Option<f64> {
        // The JSON number grammar is a subset of what `number::parse` takes.
        match self.kind() {
            Kind::Number => number::parse(self.raw),
            _ => None,
        }
    }

    /// `Some` for `true`/`false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.raw {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// `Some` for a string.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        let escaped = self.raw.strip_prefix('"')?.strip_suffix('"')?;
        Some(JsonStr { escaped })
    }

    /// The elements of an array; `None` when this is not an array.
    pub fn elements(&self) -> Option<Elements<'a>> {
        let inner = self.raw.strip_prefix('[')?;
        Some(Elements { rest: inner })
    }

    /// The members of an object, in document order; `None` when this is not
    /// an object.
    pub fn members(&self) -> Option<Members<'a>> {
        let inner = self.raw.strip_prefix('{')?;
        Some(Members { rest: inner })
    }

    /// Writes what `JSON.stringify(JSON.parse(raw))` gives in JavaScript:
    /// no whitespace, strings re-escaped as JS does, numbers in JS form.
    ///
    /// Clerk's error messages embed claims this way (`Received
    /// {"id":"user_1"}.`), so the output matches V8 byte for byte, including
    /// the order of object keys (array-index keys first, ascending).
    ///
    /// No recursion: the stack this takes does not depend on the nesting,
    /// under 1 KB on a 32-bit target. A number that is not short (over 15
    /// significant digits, or a power of ten beyond 10^±22) adds about
    /// 1.6 KB more while the float parser reads it.
    pub fn write_js(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        js::write_value(*self, out)
    }
}

impl<'a> JsonStr<'a> {
    /// The text between the quotes, escapes untouched.
    pub fn escaped(&self) -> &'a str {
        self.escaped
    }

    /// The string itself when it contains no escape, without copying.
    pub fn as_borrowed(&self) -> Option<&'a str> {
        if self.escaped.as_bytes().contains(&b'\\') {
            None
        } else {
            Some(self.escaped)
        }
    }

    /// Compares the unescaped string with `s`, without copying.
    pub fn eq_str(&self, s: &str) -> bool {
        string::eq_str(self.escaped, s)
    }

    /// The unescaped characters, one by one.
    pub fn chars(&self) -> Chars<'a> {
        Chars::new(self.escaped)
    }

    /// Length in bytes of the unescaped UTF-8 string.
    pub fn unescaped_len(&self) -> usize {
        string::pieces(self.escaped).map(|piece| piece.len()).sum()
    }

    /// Unescapes into `out` and returns the string written there.
    pub fn unescape_into<'b>(&self, out: &'b mut [u8]) -> Result<&'b str, JsonError> {
        string::unescape_into(self.escaped, out)
    }
}

/// Iterator over the elements of an array.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    /// The array text after `[` or after the last element's `,`.
    rest: &'a str,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        let (value, rest) = scan::next_element(self.rest)?;
        self.rest = rest;
        Some(value)
    }
}

/// Iterator over the members of an object.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    /// The object text after `{` or after the last member's `,`.
    rest: &'a str,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<(JsonStr<'a>, Value<'a>)> {
        let (key, value, rest) = scan::next_member(self.rest)?;
        self.rest = rest;
        Some((key, value))
    }
}

#[cfg(test)]
mod tests;
