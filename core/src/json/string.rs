//! Decoding of validated string contents, without copying: a string is a
//! sequence of plain runs (borrowed as they are) and escapes (one `char`
//! each), so comparing, measuring and copying never need a buffer.

use super::JsonError;

/// One run of a string's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    /// Text without escapes, identical before and after unescaping.
    Text(&'a str),
    /// The character one escape stands for.
    Char(char),
}

impl Piece<'_> {
    /// Length of the piece in UTF-8.
    pub(super) fn len(&self) -> usize {
        match self {
            Piece::Text(text) => text.len(),
            Piece::Char(c) => c.len_utf8(),
        }
    }
}

/// The pieces of the escaped content `escaped`.
pub(super) fn pieces(escaped: &str) -> Pieces<'_> {
    Pieces { rest: escaped }
}

/// Iterator over the pieces of a string's escaped content.
#[derive(Clone, Debug)]
pub(super) struct Pieces<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    #[inline]
    fn next(&mut self) -> Option<Piece<'a>> {
        let b = self.rest.as_bytes();
        match b.first()? {
            b'\\' => {
                let (c, used) = decode_escape(b);
                self.rest = self.rest.get(used..).unwrap_or("");
                Some(Piece::Char(c))
            }
            _ => {
                let run = b.iter().position(|&c| c == b'\\').unwrap_or(b.len());
                let (text, rest) = self.rest.split_at_checked(run)?;
                self.rest = rest;
                Some(Piece::Text(text))
            }
        }
    }
}

/// Decodes the escape at the start of `b` (which begins with `\`) into its
/// character and the number of bytes it takes; a surrogate pair is one
/// escape here. Anything malformed (impossible after validation) becomes
/// U+FFFD, always consuming at least one byte.
fn decode_escape(b: &[u8]) -> (char, usize) {
    let simple = match b.get(1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return decode_unicode(b),
        _ => return (char::REPLACEMENT_CHARACTER, b.len().clamp(1, 2)),
    };
    (simple, 2)
}

/// Decodes `\uXXXX`, or `\uXXXX\uXXXX` for a surrogate pair.
fn decode_unicode(b: &[u8]) -> (char, usize) {
    let Some(unit) = hex4(b.get(2..)) else {
        return (char::REPLACEMENT_CHARACTER, 2);
    };
    if (0xD800..0xDC00).contains(&unit)
        && let (Some(b'\\'), Some(b'u')) = (b.get(6), b.get(7))
        && let Some(low) = hex4(b.get(8..))
        && (0xDC00..0xE000).contains(&low)
    {
        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        return (
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
            12,
        );
    }
    (
        char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER),
        6,
    )
}

/// The value of four hex digits at the start of `b`.
pub(super) fn hex4(b: Option<&[u8]>) -> Option<u32> {
    let digits = b?.first_chunk::<4>()?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some((acc << 4) | hex_digit(d)?))
}

/// The value of one hex digit (either case).
#[inline(always)]
pub(super) fn hex_digit(d: u8) -> Option<u32> {
    match d {
        b'0'..=b'9' => Some(u32::from(d - b'0')),
        b'a'..=b'f' => Some(u32::from(d - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(d - b'A' + 10)),
        _ => None,
    }
}

/// Whether the content `escaped` unescapes to exactly `s`.
pub(super) fn eq_str(escaped: &str, mut s: &str) -> bool {
    // Unescaping never lengthens a string, so a longer `s` cannot match.
    if s.len() > escaped.len() {
        return false;
    }
    for piece in pieces(escaped) {
        let rest = match piece {
            Piece::Text(text) => s.strip_prefix(text),
            Piece::Char(c) => s.strip_prefix(c),
        };
        match rest {
            Some(rest) => s = rest,
            None => return false,
        }
    }
    s.is_empty()
}

/// Whether two escaped contents unescape to the same string.
pub(super) fn eq_escaped(a: &str, b: &str) -> bool {
    a == b || Chars::new(a).eq(Chars::new(b))
}

/// Unescapes `escaped` into the front of `out`.
pub(super) fn unescape_into<'b>(escaped: &str, out: &'b mut [u8]) -> Result<&'b str, JsonError> {
    let mut len = 0;
    for piece in pieces(escaped) {
        let mut utf8 = [0u8; 4];
        let bytes = match piece {
            Piece::Text(text) => text.as_bytes(),
            Piece::Char(c) => c.encode_utf8(&mut utf8).as_bytes(),
        };
        let end = len + bytes.len();
        out.get_mut(len..end)
            .ok_or(JsonError::BufferTooSmall)?
            .copy_from_slice(bytes);
        len = end;
    }
    let written = out.get(..len).ok_or(JsonError::BufferTooSmall)?;
    // Whole pieces of valid UTF-8 were copied, so this cannot fail; checking
    // again is the price of `forbid(unsafe_code)`.
    core::str::from_utf8(written).map_err(|e| JsonError::Syntax {
        offset: e.valid_up_to(),
    })
}

/// The unescaped characters of a JSON string, one by one.
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    text: core::str::Chars<'a>,
    pieces: Pieces<'a>,
}

impl<'a> Chars<'a> {
    pub(super) fn new(escaped: &'a str) -> Self {
        Chars {
            text: "".chars(),
            pieces: pieces(escaped),
        }
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            if let Some(c) = self.text.next() {
                return Some(c);
            }
            match self.pieces.next()? {
                Piece::Text(text) => self.text = text.chars(),
                Piece::Char(c) => return Some(c),
            }
        }
    }
}
