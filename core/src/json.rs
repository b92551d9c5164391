//! A validating, borrowing JSON reader for token headers and payloads.
//!
//! `JSON.parse` in Clerk's SDK accepts duplicate keys (last wins), lone
//! surrogates and unbounded nesting; this reader rejects all three (a parser
//! differential is an attack surface, and Clerk never issues such tokens). It
//! validates the whole document once, then answers look-ups by scanning the
//! validated text: nothing is copied and nothing is allocated.

use core::fmt;

/// Deepest nesting of arrays and objects accepted in a document.
pub const MAX_DEPTH: usize = 32;

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
pub fn parse(text: &str) -> Result<Value<'_>, JsonError> {
    let _ = text;
    todo!("json::parse")
}

impl<'a> Value<'a> {
    /// The value's exact text.
    pub fn raw(&self) -> &'a str {
        self.raw
    }
    /// The value's type.
    pub fn kind(&self) -> Kind {
        todo!()
    }
    /// The member `key` of an object (keys compared after unescaping);
    /// `None` for a missing key or when this is not an object.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        let _ = key;
        todo!()
    }
    /// The number as JavaScript reads it (`1e400` is infinity).
    pub fn as_f64(&self) -> Option<f64> {
        todo!()
    }
    /// `Some` for `true`/`false`.
    pub fn as_bool(&self) -> Option<bool> {
        todo!()
    }
    /// `Some` for a string.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        todo!()
    }
    /// The elements of an array; `None` when this is not an array.
    pub fn elements(&self) -> Option<Elements<'a>> {
        todo!()
    }
    /// The members of an object, in document order; `None` when this is not
    /// an object.
    pub fn members(&self) -> Option<Members<'a>> {
        todo!()
    }
    /// Writes what `JSON.stringify(JSON.parse(raw))` gives in JavaScript:
    /// no whitespace, strings re-escaped as JS does, numbers in JS form.
    pub fn write_js(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let _ = out;
        todo!()
    }
}

impl<'a> JsonStr<'a> {
    /// The text between the quotes, escapes untouched.
    pub fn escaped(&self) -> &'a str {
        self.escaped
    }
    /// The string itself when it contains no escape, without copying.
    pub fn as_borrowed(&self) -> Option<&'a str> {
        todo!()
    }
    /// Compares the unescaped string with `s`, without copying.
    pub fn eq_str(&self, s: &str) -> bool {
        let _ = s;
        todo!()
    }
    /// Length in bytes of the unescaped UTF-8 string.
    pub fn unescaped_len(&self) -> usize {
        todo!()
    }
    /// Unescapes into `out` and returns the string written there.
    pub fn unescape_into<'b>(&self, out: &'b mut [u8]) -> Result<&'b str, JsonError> {
        let _ = out;
        todo!()
    }
}

/// Iterator over the elements of an array.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        let _ = self.rest;
        todo!()
    }
}

/// Iterator over the members of an object.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);
    fn next(&mut self) -> Option<(JsonStr<'a>, Value<'a>)> {
        let _ = self.rest;
        todo!()
    }
}
