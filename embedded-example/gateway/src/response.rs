//! Writing a whole response into a fixed buffer: status line, headers, a
//! `Content-Length` computed by formatting the body twice (once to count),
//! and `Connection: close` (one request per connection keeps every buffer
//! bounded).

use crate::http::Status;
use core::fmt::{self, Write};

/// A `fmt::Write` into a byte buffer that fails instead of truncating.
pub(crate) struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Counts what would be written.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
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
    pub(crate) fn add(&mut self, name: &str, value: impl fmt::Display) {
        let mark = self.out.len;
        let ok = write!(self.out, "{name}: ").is_ok()
            && {
                let start = self.out.len;
                write!(Latin1(&mut *self.out), "{value}").is_ok() && self.out.len > start
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
    body: &dyn Fn(&mut dyn Write) -> fmt::Result,
) -> usize {
    let mut count = Count(0);
    let counted = body(&mut count).is_ok();
    let mut out = Out::new(buf);
    let ok = counted
        && write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            status.0, status.1, count.0
        )
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
            Some(c) => write!(out, "\\u{:04x}", u32::from(c))?,
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

/// A JSON string value, or `null`.
pub(crate) struct JsonOpt<'a>(pub Option<&'a str>);

impl fmt::Display for JsonOpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => {
                f.write_str("\"")?;
                write_json_escaped(f, s)?;
                f.write_str("\"")
            }
            None => f.write_str("null"),
        }
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
            w.write_str("{\"k\":1}")
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
                h.add("x-good", 5);
            },
            &|w| w.write_str("body"),
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
            w.write_str(&"x".repeat(200))
        });
        assert!(buf[..n].starts_with(b"HTTP/1.1 500"));
    }

    #[test]
    fn json_escaping() {
        let mut s = std::string::String::new();
        write_json_escaped(&mut s, "a\"b\\c\nd\u{1}é").unwrap();
        assert_eq!(s, "a\\\"b\\\\c\\nd\\u0001é");
    }
}
