//! The `Cookie` and `Authorization` headers, read exactly as Clerk reads
//! them.
//!
//! Cookies: Clerk bundles `cookie@1.1.1`, whose parser splits on `;`, trims
//! space and tab around names and values, keeps the **first** of duplicate
//! names, never strips quotes, and runs `decodeURIComponent` only on values
//! that contain a `%` (keeping the raw value when that throws).
//!
//! Authorization: `value.split(" ", 2)`, then the second part is the token
//! when the scheme is `Bearer`, and a value without a second part is a bare
//! token. This crate also accepts the scheme in any letter case (`bearer`,
//! `BEARER`): RFC 9110 makes authentication schemes case-insensitive, and a
//! correctly signed token is no less valid for it. Clerk ignores such a
//! header and falls back to cookies; the conformance tests list that as a
//! deliberate difference.

/// The token in an `Authorization` value (already trimmed), if any.
///
/// ```text
/// "Bearer <t>"        -> <t>
/// "bearer <t>"        -> <t>        (Clerk: no header token)
/// "<t>"               -> <t>        (no space: the whole value)
/// "Bearer" / "Bearer " -> "Bearer"  (no second part: the first part)
/// "Bearer  <t>"       -> "Bearer"   (two spaces: empty second part)
/// "Bearer <t> extra"  -> <t>        (split(" ", 2) drops the rest)
/// "Basic <x>"         -> none
/// ```
pub(crate) fn authorization_token(value: &str) -> Option<&str> {
    if value.is_empty() {
        return None;
    }
    let mut parts = value.split(' ');
    let scheme = parts.next().unwrap_or("");
    match parts.next() {
        None | Some("") => Some(scheme),
        Some(token) if scheme.eq_ignore_ascii_case("Bearer") => Some(token),
        Some(_) => None,
    }
}

/// One `name=value` pair of a `Cookie` header, both trimmed, the value
/// still raw (not yet percent-decoded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pair<'c> {
    pub name: &'c str,
    pub value: &'c str,
}

/// Iterator over the pairs of a `Cookie` header in `cookie@1.1.1`'s order
/// and with its quirks (a segment without `=` is skipped; an `=` found past
/// the next `;` makes the parser resume at that `=`'s segment). Duplicates
/// are yielded too; the caller keeps the first.
#[derive(Clone, Debug)]
pub(crate) struct Pairs<'c> {
    text: &'c str,
    index: usize,
}

pub(crate) fn pairs(header: &str) -> Pairs<'_> {
    // `cookie@1.1.1` returns nothing for a header shorter than 2 characters
    // (in UTF-16 units; a 1-byte string is the only case that matters).
    let index = if header.len() < 2 { header.len() } else { 0 };
    Pairs {
        text: header,
        index,
    }
}

impl<'c> Iterator for Pairs<'c> {
    type Item = Pair<'c>;

    fn next(&mut self) -> Option<Pair<'c>> {
        let text = self.text;
        let bytes = text.as_bytes();
        loop {
            if self.index >= bytes.len() {
                return None;
            }
            let from = self.index;
            let eq = from + bytes.get(from..)?.iter().position(|&b| b == b'=')?;
            let end = bytes
                .get(from..)?
                .iter()
                .position(|&b| b == b';')
                .map_or(bytes.len(), |i| from + i);
            if eq > end {
                // Resume just after the last `;` before this `=`.
                self.index = bytes
                    .get(..eq)?
                    .iter()
                    .rposition(|&b| b == b';')
                    .map_or(0, |i| i + 1);
                continue;
            }
            self.index = end + 1;
            let name = trim_space_tab(text.get(from..eq)?);
            let value = trim_space_tab(text.get(eq + 1..end)?);
            return Some(Pair { name, value });
        }
    }
}

fn trim_space_tab(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Why a value is not valid for `decodeURIComponent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UriError {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Malformed,
    /// The output buffer is too small.
    BufferTooSmall,
}

/// `decodeURIComponent(value)` into `out`: every `%XX` becomes its byte and
/// the result must be UTF-8 (JavaScript throws a `URIError` otherwise).
pub(crate) fn decode_uri_component<'o>(
    value: &str,
    out: &'o mut [u8],
) -> Result<&'o str, UriError> {
    let bytes = value.as_bytes();
    let mut i = 0;
    let mut len = 0;
    while let Some(&b) = bytes.get(i) {
        let decoded = if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex);
            let lo = bytes.get(i + 2).copied().and_then(hex);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(UriError::Malformed);
            };
            i += 3;
            hi << 4 | lo
        } else {
            i += 1;
            b
        };
        *out.get_mut(len).ok_or(UriError::BufferTooSmall)? = decoded;
        len += 1;
    }
    // A literal character is complete UTF-8 already, and an escaped byte can
    // neither continue a literal character nor be continued by one, so
    // checking the whole output is the same as JavaScript's check of each
    // escaped sequence.
    let written = out.get(..len).ok_or(UriError::BufferTooSmall)?;
    core::str::from_utf8(written).map_err(|_| UriError::Malformed)
}

pub(crate) fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    use super::*;

    fn all(header: &str) -> ([(&str, &str); 8], usize) {
        let mut out = [("", ""); 8];
        let mut n = 0;
        for (slot, p) in out.iter_mut().zip(pairs(header)) {
            *slot = (p.name, p.value);
            n += 1;
        }
        (out, n)
    }

    #[test]
    fn cookie_pairs() {
        let (p, n) = all("__session=abc; __client_uat=123");
        assert_eq!(&p[..n], &[("__session", "abc"), ("__client_uat", "123")]);
        let (p, n) = all("  __session = a b \t;__client_uat=  1  ");
        assert_eq!(&p[..n], &[("__session", "a b"), ("__client_uat", "1")]);
        let (p, n) = all("a=\"quoted\"; b=x=y");
        assert_eq!(&p[..n], &[("a", "\"quoted\""), ("b", "x=y")]);
        // Segments without `=` are skipped.
        let (p, n) = all("flag; a=1;; b=2;");
        assert_eq!(&p[..n], &[("a", "1"), ("b", "2")]);
        let (p, n) = all("noequals");
        assert_eq!(n, 0, "{p:?}");
        let (_, n) = all("=");
        assert_eq!(n, 0);
        let (p, n) = all("=v; a=1");
        assert_eq!(&p[..n], &[("", "v"), ("a", "1")]);
        let (p, n) = all("a=; b=2");
        assert_eq!(&p[..n], &[("a", ""), ("b", "2")]);
    }

    #[test]
    fn uri_component() {
        let mut buf = [0u8; 32];
        assert_eq!(decode_uri_component("a%20b", &mut buf), Ok("a b"));
        assert_eq!(decode_uri_component("%C3%A9", &mut buf), Ok("é"));
        assert_eq!(decode_uri_component("%2B+", &mut buf), Ok("++"));
        assert_eq!(
            decode_uri_component("%", &mut buf),
            Err(UriError::Malformed)
        );
        assert_eq!(
            decode_uri_component("%zz", &mut buf),
            Err(UriError::Malformed)
        );
        assert_eq!(
            decode_uri_component("%C3", &mut buf),
            Err(UriError::Malformed)
        );
        assert_eq!(
            decode_uri_component("%ED%A0%80", &mut buf),
            Err(UriError::Malformed)
        );
        assert_eq!(
            decode_uri_component("%C0%80", &mut buf),
            Err(UriError::Malformed)
        );
        let mut small = [0u8; 2];
        assert_eq!(
            decode_uri_component("abc", &mut small),
            Err(UriError::BufferTooSmall)
        );
    }

    #[test]
    fn authorization() {
        assert_eq!(authorization_token("Bearer abc"), Some("abc"));
        assert_eq!(authorization_token("bearer abc"), Some("abc"));
        assert_eq!(authorization_token("BEARER abc"), Some("abc"));
        assert_eq!(authorization_token("abc"), Some("abc"));
        assert_eq!(authorization_token("Bearer"), Some("Bearer"));
        assert_eq!(authorization_token("Bearer "), Some("Bearer"));
        assert_eq!(authorization_token("Bearer  abc"), Some("Bearer"));
        assert_eq!(authorization_token("Bearer abc def"), Some("abc"));
        assert_eq!(authorization_token("Bearer\tabc"), Some("Bearer\tabc"));
        assert_eq!(authorization_token("Basic abc"), None);
        assert_eq!(authorization_token(""), None);
    }
}
