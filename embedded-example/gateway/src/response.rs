//! Writing a whole response into a fixed buffer: status line, headers, a
//! `Content-Length` computed by writing the body twice (once to count),
//! and `Connection: close` (one request per connection keeps every buffer
//! bounded).
//!
//! Numbers and strings are written directly, not through `core::fmt`'s
//! integer formatting and padding: on the firmware that machinery costs
//! about 2 KB of flash. `core::fmt` is used only for the `Display` values
//! the core hands out (header values, roles, permissions).

use crate::http::Status;
use clerk_edge::request::HeaderValue;
use core::fmt::{self, Write};

/// Where a response goes: a byte buffer that fails instead of truncating,
/// or (for the first pass) only a count of the bytes.
pub(crate) struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
    count_only: bool,
}

impl<'b> Out<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            count_only: false,
        }
    }

    fn counter() -> Out<'static> {
        Out {
            buf: &mut [],
            len: 0,
            count_only: true,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes `s` as it is.
    pub(crate) fn text(&mut self, s: &str) -> fmt::Result {
        self.write_str(s)
    }

    /// Writes `s` as a JSON string, or `null`.
    pub(crate) fn json(&mut self, s: Option<&str>) -> fmt::Result {
        match s {
            Some(s) => {
                self.write_str("\"")?;
                write_json_escaped(self, s)?;
                self.write_str("\"")
            }
            None => self.write_str("null"),
        }
    }

    /// Writes `n` in decimal.
    pub(crate) fn uint(&mut self, mut n: u64) -> fmt::Result {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
            start -= 1;
            if n == 0 {
                break;
            }
        }
        let text = digits.get(start..).unwrap_or(&[]);
        self.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)
    }

    /// Writes `n` in decimal.
    pub(crate) fn int(&mut self, n: i64) -> fmt::Result {
        if n < 0 {
            self.write_str("-")?;
        }
        self.uint(n.unsigned_abs())
    }

    /// Writes `true` or `false`.
    pub(crate) fn flag(&mut self, b: bool) -> fmt::Result {
        self.write_str(if b { "true" } else { "false" })
    }
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        if !self.count_only {
            let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
        }
        self.len = end;
        Ok(())
    }
}

/// Header lines beyond the fixed ones.
pub(crate) struct Headers<'h, 'b> {
    out: &'h mut Out<'b>,
}

impl Headers<'_, '_> {
    /// Adds `name: value`. An empty value is left out (Clerk sends
    /// `x-clerk-auth-message` only when there is one), and so is a value
    /// that does not fit or is not a valid field value: characters up to
    /// U+00FF go out as single (Latin-1) bytes, as Node sends them, and a
    /// control character or anything above U+00FF drops the header, the way
    /// Clerk's `Headers.set` drops a message it cannot carry.
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        self.add_with(name, &|w| w.write_str(value));
    }

    /// [`add`](Self::add) for one of the core's header values (written
    /// without `core::fmt`'s formatting code).
    pub(crate) fn add_value(&mut self, name: &str, value: &HeaderValue<'_, '_>) {
        self.add_with(name, &|w| value.write_to(w));
    }

    fn add_with(&mut self, name: &str, value: &dyn Fn(&mut Latin1<'_, '_>) -> fmt::Result) {
        let mark = self.out.len;
        let ok = self.out.write_str(name).is_ok()
            && self.out.write_str(": ").is_ok()
            && {
                let start = self.out.len;
                value(&mut Latin1(&mut *self.out)).is_ok() && self.out.len > start
            }
            && self.out.write_str("\r\n").is_ok();
        if !ok {
            self.out.len = mark;
        }
    }
}

/// Writes text as an HTTP field value: Latin-1 bytes, no control characters.
struct Latin1<'o, 'b>(&'o mut Out<'b>);

impl Write for Latin1<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let byte = u8::try_from(u32::from(c)).map_err(|_| fmt::Error)?;
            if byte < b' ' && byte != b'\t' || byte == 0x7f {
                return Err(fmt::Error);
            }
            let slot = self.0.buf.get_mut(self.0.len).ok_or(fmt::Error)?;
            *slot = byte;
            self.0.len += 1;
        }
        Ok(())
    }
}

/// Writes a complete response into `buf` and returns its length. `body` is
/// called twice; for `HEAD` (`head_only`) only its length is sent.
pub(crate) fn write(
    buf: &mut [u8],
    status: Status,
    head_only: bool,
    headers: &dyn Fn(&mut Headers<'_, '_>),
    body: &dyn Fn(&mut Out<'_>) -> fmt::Result,
) -> usize {
    let mut count = Out::counter();
    let counted = body(&mut count).is_ok();
    let mut out = Out::new(buf);
    let ok = counted
        && out.text("HTTP/1.1 ").is_ok()
        && out.uint(u64::from(status.0)).is_ok()
        && out.text(" ").is_ok()
        && out.text(status.1).is_ok()
        && out
            .text("\r\nContent-Type: application/json\r\nContent-Length: ")
            .is_ok()
        && out.uint(count.len() as u64).is_ok()
        && out
            .text("\r\nCache-Control: no-store\r\nConnection: close\r\n")
            .is_ok()
        && {
            headers(&mut Headers { out: &mut out });
            out.write_str("\r\n").is_ok()
        }
        && (head_only || body(&mut out).is_ok());
    if ok {
        return out.len();
    }
    // The answer did not fit the buffer: say so in as few bytes as possible.
    let mut out = Out::new(buf);
    let _ = out.write_str(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    out.len()
}

/// Writes `s` as the content of a JSON string (quotes not included).
pub(crate) fn write_json_escaped(out: &mut dyn Write, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        let (plain, tail) = rest.split_at(i);
        out.write_str(plain)?;
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.write_str("\\\"")?,
            Some('\\') => out.write_str("\\\\")?,
            Some('\n') => out.write_str("\\n")?,
            Some('\r') => out.write_str("\\r")?,
            Some('\t') => out.write_str("\\t")?,
            Some(c) => {
                // `\u00xx`: only control characters get here.
                let code = u32::from(c);
                out.write_str("\\u00")?;
                for nibble in [code >> 4, code & 0xf] {
                    out.write_char(char::from_digit(nibble, 16).unwrap_or('0'))?;
                }
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.write_str(rest)
}

/// A `fmt::Write` that JSON-escapes what is written through it.
pub(crate) struct Escaped<'w>(pub &'w mut dyn Write);

impl Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_json_escaped(self.0, s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn content_length_matches_the_body() {
        let mut buf = [0u8; 256];
        let n = write(&mut buf, Status::OK, false, &|h| h.add("x-a", "b"), &|w| {
            w.text("{\"k\":1}")
        });
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Length: 7\r\n"));
        assert!(text.contains("x-a: b\r\n"));
        assert!(text.ends_with("\r\n\r\n{\"k\":1}"));
    }

    #[test]
    fn unsafe_header_values_are_dropped() {
        let mut buf = [0u8; 256];
        let n = write(
            &mut buf,
            Status::OK,
            true,
            &|h| {
                h.add("x-bad", "a\r\nx-injected: 1");
                h.add("x-latin1", "caf\u{e9}");
                h.add("x-emoji", "\u{1f600}");
                h.add("x-good", "5");
            },
            &|w| w.text("body"),
        );
        let raw = &buf[..n];
        let has = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"x-bad") && !has(b"x-injected") && !has(b"x-emoji"));
        assert!(has(b"x-latin1: caf\xe9\r\n"));
        assert!(has(b"x-good: 5\r\n"));
        assert!(raw.ends_with(b"\r\n\r\n"), "HEAD has no body");
    }

    #[test]
    fn overflow_becomes_a_500() {
        let mut buf = [0u8; 100];
        let n = write(&mut buf, Status::OK, false, &|_| {}, &|w| {
            w.text(&"x".repeat(200))
        });
        assert!(buf[..n].starts_with(b"HTTP/1.1 500"));
    }

    #[test]
    fn numbers() {
        let mut buf = [0u8; 64];
        let mut out = Out::new(&mut buf);
        for n in [0, 7, 10, 65_535, u64::MAX] {
            out.uint(n).unwrap();
            out.text(",").unwrap();
        }
        out.int(i64::MIN).unwrap();
        out.text(",").unwrap();
        out.int(-5).unwrap();
        let n = out.len();
        assert_eq!(
            core::str::from_utf8(&buf[..n]).unwrap(),
            "0,7,10,65535,18446744073709551615,-9223372036854775808,-5"
        );
    }

    #[test]
    fn json_escaping() {
        let mut s = std::string::String::new();
        write_json_escaped(&mut s, "a\"b\\c\nd\u{1}é").unwrap();
        assert_eq!(s, "a\\\"b\\\\c\\nd\\u0001é");
    }
}
