//! The slice of the WHATWG URL standard Clerk's request logic goes through:
//! the request's origin as `x-forwarded-*` or `Host` give it, query
//! parameters read like `URLSearchParams`, a URL written back after
//! `searchParams.delete(...)` (which re-serializes the whole query), and
//! `application/x-www-form-urlencoded` encoding for the handshake URL.
//!
//! Everything is computed on the fly from the request's own strings: a URL
//! is written through [`fmt::Write`], never built in memory.
//!
//! Not reproduced (the request is then treated as having no usable origin,
//! or the path is written as received): non-ASCII (IDNA) host names, IPv6
//! address compression, and `.`/`..` path segments.

use super::cookies::hex;
use core::fmt::{self, Write};

/// A URL scheme the request can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// `http`
    Http,
    /// `https`
    #[default]
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    const fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// A scheme as a URL parser reads it (letter case ignored).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else if s.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else {
            None
        }
    }
}

/// An origin: scheme, host (ASCII, compared and written in lower case) and
/// a port other than the scheme's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Origin<'s> {
    pub scheme: Scheme,
    pub host: &'s str,
    pub port: Option<u16>,
}

impl<'s> Origin<'s> {
    /// `scheme://authority` as a URL parser accepts it, else `None`.
    /// `authority` is `host[:port]` (an IPv6 literal in brackets is kept
    /// as written).
    pub(crate) fn parse(scheme: Scheme, authority: &'s str) -> Option<Self> {
        let (host, port) = split_port(authority)?;
        if !valid_host(host) {
            return None;
        }
        let port = match port {
            None | Some("") => None,
            Some(digits) => {
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let trimmed = digits.trim_start_matches('0');
                if trimmed.len() > 5 {
                    return None;
                }
                let n: u32 = if trimmed.is_empty() {
                    0
                } else {
                    trimmed.parse().ok()?
                };
                let n = u16::try_from(n).ok()?;
                (n != scheme.default_port()).then_some(n)
            }
        };
        Some(Origin { scheme, host, port })
    }

    /// The host name without the port, in lower case, compared with `other`.
    pub(crate) fn host_eq(&self, other: &str) -> bool {
        // The serialized host is lower case; `other` is compared as given.
        self.host.len() == other.len()
            && self
                .host
                .bytes()
                .zip(other.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    }

    pub(crate) fn same_as(&self, other: &Origin<'_>) -> bool {
        self.scheme == other.scheme
            && self.port == other.port
            && self.host.eq_ignore_ascii_case(other.host)
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme.as_str())?;
        f.write_str("://")?;
        for c in self.host.chars() {
            f.write_char(c.to_ascii_lowercase())?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// Splits `host[:port]`, `[v6]` or `[v6]:port`.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let host = authority.get(..=close)?;
        let rest = authority.get(close + 1..)?;
        return match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// An ASCII host name a URL parser keeps as written (up to letter case):
/// no forbidden host code point, no percent-escape, not empty.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                )
        })
}

/// The origin of an absolute URL (a `Referer`), as `new URL(s).origin`
/// gives it: `Some(None)` for a valid URL with an opaque origin (a scheme
/// other than http/https, which is never this app's origin), `None` when
/// the string is not a URL this module can read (Clerk then ignores it).
pub(crate) fn url_origin(url: &str) -> Option<Option<Origin<'_>>> {
    let url = url.trim_matches(|c: char| c <= ' ');
    let colon = url.find(':')?;
    let scheme = url.get(..colon)?;
    let mut chars = scheme.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let Some(scheme) = Scheme::parse(scheme) else {
        return Some(None);
    };
    // Special schemes accept any number of `/` or `\` before the host.
    let rest = url.get(colon + 1..)?.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    // Credentials are not part of the origin.
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    Origin::parse(scheme, authority).map(Some)
}

/// An absolute http(s) URL split into the parts written back
/// (`new URL(s)` for `__clerk_redirect_url`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AbsoluteUrl<'s> {
    pub origin: Origin<'s>,
    pub path: &'s str,
    pub query: Option<&'s str>,
    pub fragment: Option<&'s str>,
}

impl<'s> AbsoluteUrl<'s> {
    pub(crate) fn parse(url: &'s str) -> Option<Self> {
        let url = url.trim_matches(|c: char| c <= ' ');
        let (scheme, rest) = url.split_once(':')?;
        let scheme = Scheme::parse(scheme)?;
        if url.contains(['\t', '\n', '\r']) {
            return None;
        }
        let rest = rest.trim_start_matches(['/', '\\']);
        let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at_checked(end)?;
        if authority.contains('@') {
            return None;
        }
        let origin = Origin::parse(scheme, authority)?;
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        Some(AbsoluteUrl {
            origin,
            path,
            query,
            fragment,
        })
    }
}

/// Writes a path as the URL parser stores it for http(s): `/` when empty,
/// `\` read as `/`, and the path percent-encode set escaped.
pub(crate) fn write_path(path: &str, out: &mut dyn Write) -> fmt::Result {
    if !path.starts_with(['/', '\\']) {
        out.write_char('/')?;
    }
    for c in path.chars() {
        match c {
            '\\' => out.write_char('/')?,
            ' ' | '"' | '#' | '<' | '>' | '?' | '`' | '{' | '}' => percent_encode_char(c, out)?,
            c if !(' '..='~').contains(&c) => percent_encode_char(c, out)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Writes a fragment as the URL parser stores it.
pub(crate) fn write_fragment(fragment: &str, out: &mut dyn Write) -> fmt::Result {
    for c in fragment.chars() {
        match c {
            ' ' | '"' | '<' | '>' | '`' => percent_encode_char(c, out)?,
            c if !(' '..='~').contains(&c) => percent_encode_char(c, out)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

fn percent_encode_char(c: char, out: &mut dyn Write) -> fmt::Result {
    let mut utf8 = [0u8; 4];
    for b in c.encode_utf8(&mut utf8).bytes() {
        write!(out, "%{b:02X}")?;
    }
    Ok(())
}

/// One `name=value` pair of a query, still encoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueryPair<'q> {
    pub name: Component<'q>,
    pub value: Component<'q>,
}

/// Iterator over the pairs of a query string (`application/x-www-form-
/// urlencoded` parsing: empty pieces skipped, split at the first `=`).
#[derive(Clone, Debug)]
pub(crate) struct QueryPairs<'q> {
    pieces: core::str::Split<'q, char>,
}

pub(crate) fn query_pairs(query: &str) -> QueryPairs<'_> {
    QueryPairs {
        pieces: query.split('&'),
    }
}

impl<'q> Iterator for QueryPairs<'q> {
    type Item = QueryPair<'q>;

    fn next(&mut self) -> Option<QueryPair<'q>> {
        loop {
            let piece = self.pieces.next()?;
            if piece.is_empty() {
                continue;
            }
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            return Some(QueryPair {
                name: Component(name),
                value: Component(value),
            });
        }
    }
}

/// A query name or value as it appears in the URL: `+` is a space, `%XX` a
/// byte (a `%` without two hex digits stays), and the bytes are read as
/// UTF-8 with U+FFFD for invalid sequences.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Component<'q>(pub &'q str);

impl<'q> Component<'q> {
    pub(crate) fn chars(&self) -> DecodedChars<'q> {
        DecodedChars {
            bytes: self.0.as_bytes(),
            pos: 0,
            utf8: Utf8Decoder::default(),
            pending: None,
        }
    }

    pub(crate) fn eq_str(&self, s: &str) -> bool {
        self.chars().eq(s.chars())
    }

    /// Writes the decoded text into `out`, returning it (or `None` when
    /// `out` is too small).
    pub(crate) fn decode_into<'o>(&self, out: &'o mut [u8]) -> Option<&'o str> {
        let mut len = 0;
        for c in self.chars() {
            let mut utf8 = [0u8; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            out.get_mut(len..len + bytes.len())?.copy_from_slice(bytes);
            len += bytes.len();
        }
        core::str::from_utf8(out.get(..len)?).ok()
    }
}

/// The decoded characters of a [`Component`].
#[derive(Clone, Debug)]
pub(crate) struct DecodedChars<'q> {
    bytes: &'q [u8],
    pos: usize,
    utf8: Utf8Decoder,
    pending: Option<char>,
}

impl Iterator for DecodedChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.pending.take() {
            return Some(c);
        }
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                // End of input: an unfinished sequence is one U+FFFD.
                return self.utf8.finish();
            };
            let byte = match b {
                b'+' => {
                    self.pos += 1;
                    b' '
                }
                b'%' => match (
                    self.bytes.get(self.pos + 1).copied().and_then(hex),
                    self.bytes.get(self.pos + 2).copied().and_then(hex),
                ) {
                    (Some(hi), Some(lo)) => {
                        self.pos += 3;
                        hi << 4 | lo
                    }
                    _ => {
                        self.pos += 1;
                        b'%'
                    }
                },
                _ => {
                    self.pos += 1;
                    b
                }
            };
            let (first, second) = self.utf8.push(byte);
            if let Some(c) = first {
                self.pending = second;
                return Some(c);
            }
        }
    }
}

/// The UTF-8 decoder of the WHATWG Encoding standard, one byte at a time:
/// each maximal invalid subsequence becomes one U+FFFD.
#[derive(Clone, Copy, Debug)]
struct Utf8Decoder {
    code_point: u32,
    seen: u8,
    needed: u8,
    lower: u8,
    upper: u8,
}

impl Default for Utf8Decoder {
    fn default() -> Self {
        Utf8Decoder {
            code_point: 0,
            seen: 0,
            needed: 0,
            lower: 0x80,
            upper: 0xBF,
        }
    }
}

impl Utf8Decoder {
    /// Feeds one byte; returns up to two characters (an error followed by
    /// the byte read again as the start of a new sequence).
    fn push(&mut self, byte: u8) -> (Option<char>, Option<char>) {
        if self.needed == 0 {
            return (self.start(byte), None);
        }
        if !(self.lower..=self.upper).contains(&byte) {
            *self = Utf8Decoder::default();
            return (Some(char::REPLACEMENT_CHARACTER), self.start(byte));
        }
        self.lower = 0x80;
        self.upper = 0xBF;
        self.code_point = (self.code_point << 6) | u32::from(byte & 0x3F);
        self.seen += 1;
        if self.seen != self.needed {
            return (None, None);
        }
        let c = char::from_u32(self.code_point).unwrap_or(char::REPLACEMENT_CHARACTER);
        *self = Utf8Decoder::default();
        (Some(c), None)
    }

    fn start(&mut self, byte: u8) -> Option<char> {
        match byte {
            0x00..=0x7F => Some(char::from(byte)),
            0xC2..=0xDF => {
                self.needed = 1;
                self.code_point = u32::from(byte & 0x1F);
                None
            }
            0xE0..=0xEF => {
                if byte == 0xE0 {
                    self.lower = 0xA0;
                }
                if byte == 0xED {
                    self.upper = 0x9F;
                }
                self.needed = 2;
                self.code_point = u32::from(byte & 0xF);
                None
            }
            0xF0..=0xF4 => {
                if byte == 0xF0 {
                    self.lower = 0x90;
                }
                if byte == 0xF4 {
                    self.upper = 0x8F;
                }
                self.needed = 3;
                self.code_point = u32::from(byte & 0x7);
                None
            }
            _ => Some(char::REPLACEMENT_CHARACTER),
        }
    }

    fn finish(&mut self) -> Option<char> {
        if self.needed == 0 {
            return None;
        }
        *self = Utf8Decoder::default();
        Some(char::REPLACEMENT_CHARACTER)
    }
}

/// Writes characters with the `application/x-www-form-urlencoded` byte
/// serializer: `*-._`, digits and ASCII letters as they are, space as `+`,
/// every other byte of the UTF-8 as `%XX`.
pub(crate) struct FormEncode<'w>(pub &'w mut dyn Write);

impl Write for FormEncode<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            match b {
                b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                    self.0.write_char(char::from(b))?;
                }
                b' ' => self.0.write_char('+')?,
                _ => write!(self.0, "%{b:02X}")?,
            }
        }
        Ok(())
    }
}

/// Writes `name=value` pairs joined by `&`, each form-encoded.
pub(crate) struct QueryWriter<'w> {
    out: &'w mut dyn Write,
    first: bool,
}

impl<'w> QueryWriter<'w> {
    pub(crate) fn new(out: &'w mut dyn Write) -> Self {
        QueryWriter { out, first: true }
    }

    /// Starts a pair; the name and value are then written form-encoded.
    pub(crate) fn pair(
        &mut self,
        name: impl Iterator<Item = char>,
        value: impl Iterator<Item = char>,
    ) -> fmt::Result {
        if !self.first {
            self.out.write_char('&')?;
        }
        self.first = false;
        let mut enc = FormEncode(&mut *self.out);
        for c in name {
            enc.write_char(c)?;
        }
        enc.0.write_char('=')?;
        for c in value {
            enc.write_char(c)?;
        }
        Ok(())
    }

    /// A pair whose value is written by a `Display`.
    pub(crate) fn pair_display(&mut self, name: &str, value: &dyn fmt::Display) -> fmt::Result {
        if !self.first {
            self.out.write_char('&')?;
        }
        self.first = false;
        let mut enc = FormEncode(&mut *self.out);
        enc.write_str(name)?;
        enc.0.write_char('=')?;
        write!(enc, "{value}")
    }
}

/// Writes the re-serialized query of `query` without the pairs named in
/// `without` (what `url.searchParams.delete(name)` leaves), `?` included
/// when anything is left.
pub(crate) fn write_query_without(
    query: &str,
    without: &[&str],
    out: &mut dyn Write,
) -> fmt::Result {
    // The `?` is written only before the first kept pair.
    let mut first = true;
    for pair in query_pairs(query) {
        if without.iter().any(|n| pair.name.eq_str(n)) {
            continue;
        }
        out.write_char(if first { '?' } else { '&' })?;
        first = false;
        let mut enc = FormEncode(&mut *out);
        for c in pair.name.chars() {
            enc.write_char(c)?;
        }
        enc.0.write_char('=')?;
        for c in pair.value.chars() {
            enc.write_char(c)?;
        }
    }
    Ok(())
}

/// The first value of query parameter `name`, still encoded
/// (`searchParams.get(name)`; `has` is `is_some`).
pub(crate) fn query_get<'q>(query: &'q str, name: &str) -> Option<Component<'q>> {
    query_pairs(query)
        .find(|p| p.name.eq_str(name))
        .map(|p| p.value)
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn decoded(s: &str) -> String {
        Component(s).chars().collect()
    }

    #[test]
    fn form_decoding() {
        assert_eq!(decoded("a+b%20c"), "a b c");
        assert_eq!(decoded("%7e%zz%"), "~%zz%");
        assert_eq!(decoded("%C3%A9"), "é");
        assert_eq!(decoded("%C3"), "\u{fffd}");
        assert_eq!(decoded("%C3x"), "\u{fffd}x");
        assert_eq!(decoded("%F0%9F%98"), "\u{fffd}");
        assert_eq!(decoded("%ED%A0%80"), "\u{fffd}\u{fffd}\u{fffd}");
        assert_eq!(decoded("%FF"), "\u{fffd}");
        assert_eq!(decoded("é"), "é");
    }

    #[test]
    fn query_reserialized_like_url_search_params() {
        let mut out = String::new();
        write_query_without("x=%7e&y&z=a+b&w=%zz&v=%C3&q=1", &["q"], &mut out).ok();
        assert_eq!(out, "?x=%7E&y=&z=a+b&w=%25zz&v=%EF%BF%BD");
        out.clear();
        write_query_without("q=1&&q=2", &["q"], &mut out).ok();
        assert_eq!(out, "");
    }

    #[test]
    fn origins() {
        let o = Origin::parse(Scheme::Https, "App.Example.com:443");
        assert_eq!(
            o,
            Some(Origin {
                scheme: Scheme::Https,
                host: "App.Example.com",
                port: None
            })
        );
        let shown = o.map(|o| std::format!("{o}"));
        assert_eq!(shown.as_deref(), Some("https://app.example.com"));
        assert_eq!(
            Origin::parse(Scheme::Http, "internal:3000").map(|o| o.port),
            Some(Some(3000))
        );
        assert!(Origin::parse(Scheme::Http, "a b").is_none());
        assert!(Origin::parse(Scheme::Http, "a:99999").is_none());
        assert!(Origin::parse(Scheme::Http, "").is_none());
        let r = url_origin("https://satellite.example.net/page");
        assert_eq!(r.flatten().map(|o| o.host), Some("satellite.example.net"));
        assert_eq!(url_origin("android-app://x.y/z"), Some(None));
        assert_eq!(url_origin("not a url"), None);
    }

    #[test]
    fn paths() {
        let mut out = String::new();
        write_path("/a b/é\\c", &mut out).ok();
        assert_eq!(out, "/a%20b/%C3%A9/c");
    }
}
