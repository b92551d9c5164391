//! Reading a request the way Clerk's `AuthenticateContext` does: the
//! `Authorization` token, the cookies, the URL Clerk redirects back to.
//!
//! This is the adapter's own thin version of the core's request module
//! (`clerk_edge::request`, in progress); it borrows everything from the
//! request, allocates only to percent-decode a cookie, and runs in time
//! linear in the header sizes (thousands of cookies are one scan).

use http::header::{AUTHORIZATION, COOKIE, HOST};
use http::{HeaderMap, Method, Uri};
use std::borrow::Cow;

/// The parts of a request that authentication reads.
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'r> {
    /// The method.
    pub method: &'r Method,
    /// The request target (origin-form or absolute-form).
    pub uri: &'r Uri,
    /// The headers.
    pub headers: &'r HeaderMap,
}

impl<'r> RequestView<'r> {
    /// A view of `req`.
    pub fn of<B>(req: &'r http::Request<B>) -> Self {
        RequestView {
            method: req.method(),
            uri: req.uri(),
            headers: req.headers(),
        }
    }

    /// The first value of `name`, as Fetch's `Headers.get` reads it: bytes
    /// as Latin-1 (a ByteString), surrounding whitespace trimmed; several
    /// values are joined with `", "`.
    pub fn header(&self, name: &http::header::HeaderName) -> Option<Cow<'r, str>> {
        let mut values = self.headers.get_all(name).iter();
        let first = values.next()?;
        let mut out = latin1(first.as_bytes());
        for more in values {
            let s = out.to_mut();
            s.push_str(", ");
            s.push_str(&latin1(more.as_bytes()));
        }
        Some(match out {
            Cow::Borrowed(s) => Cow::Borrowed(trim_http(s)),
            Cow::Owned(s) => Cow::Owned(trim_http(&s).to_owned()),
        })
    }

    fn header_str(&self, name: &str) -> Option<Cow<'r, str>> {
        let name = http::header::HeaderName::from_bytes(name.as_bytes()).ok()?;
        self.header(&name)
    }

    /// The token of the `Authorization` header, by Clerk's rules: `Bearer
    /// <token>`, or a bare token; any other scheme means no header token.
    pub fn header_token(&self) -> Option<Cow<'r, str>> {
        let value = self.header(&AUTHORIZATION)?;
        if value.is_empty() {
            return None;
        }
        // JavaScript's `value.split(" ", 2)`.
        let split = |s: &str| -> (usize, Option<(usize, usize)>) {
            let first_end = s.find(' ').unwrap_or(s.len());
            let second = s.get(first_end + 1..).map(|rest| {
                let end = rest.find(' ').unwrap_or(rest.len());
                (first_end + 1, first_end + 1 + end)
            });
            (first_end, second)
        };
        let (first_end, second) = split(&value);
        let pick = |range: (usize, usize)| -> Option<Cow<'r, str>> {
            match &value {
                Cow::Borrowed(s) => s.get(range.0..range.1).map(Cow::Borrowed),
                Cow::Owned(s) => s.get(range.0..range.1).map(|t| Cow::Owned(t.to_owned())),
            }
        };
        match second {
            Some((a, b)) if b > a => {
                if value.get(..first_end) == Some("Bearer") {
                    pick((a, b))
                } else {
                    None
                }
            }
            _ => pick((0, first_end)),
        }
    }

    /// The cookies Clerk reads.
    pub fn cookies(&self, suffix: Option<&str>) -> Cookies<'r> {
        let mut jar = Cookies::default();
        for value in self.headers.get_all(COOKIE) {
            let text = latin1(value.as_bytes());
            jar.scan(text, suffix);
        }
        jar
    }

    /// One query parameter of the request target (first occurrence),
    /// percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.uri.query()?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k) == name).then(|| form_decode(v))
        })
    }

    /// The URL Clerk would redirect back to: `x-forwarded-proto` /
    /// `x-forwarded-host` (first values), else `Host`, else the target's own
    /// authority; `http` unless told otherwise.
    pub fn clerk_url(&self) -> String {
        let first = |v: Option<Cow<'r, str>>| {
            v.and_then(|v| {
                let first = v.split(',').next().map(str::trim).unwrap_or("");
                (!first.is_empty()).then(|| first.to_owned())
            })
        };
        let proto = first(self.header_str("x-forwarded-proto"))
            .or_else(|| self.uri.scheme_str().map(str::to_owned))
            .unwrap_or_else(|| "http".to_owned());
        let host = first(self.header_str("x-forwarded-host"))
            .or_else(|| first(self.header(&HOST)))
            .or_else(|| self.uri.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| "localhost".to_owned());
        let path = self.uri.path_and_query().map_or("/", |p| p.as_str());
        let path = if path.starts_with('/') { path } else { "/" };
        // Like `new URL(...)`, drop the protocol's default port.
        let host = match (proto.as_str(), host.rsplit_once(':')) {
            ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h.to_owned(),
            _ => host,
        };
        format!("{proto}://{host}{path}")
    }

    /// The request's origin (`proto://host`), from [`Self::clerk_url`].
    pub fn origin(&self) -> String {
        let url = self.clerk_url();
        origin_of(&url).unwrap_or(&url).to_owned()
    }

    /// `sec-fetch-dest`.
    pub fn sec_fetch_dest(&self) -> Option<Cow<'r, str>> {
        self.header_str("sec-fetch-dest")
    }

    /// `accept`.
    pub fn accept(&self) -> Option<Cow<'r, str>> {
        self.header(&http::header::ACCEPT)
    }

    /// `referer`.
    pub fn referer(&self) -> Option<Cow<'r, str>> {
        self.header(&http::header::REFERER)
    }
}

/// `scheme://host[:port]` of an absolute URL.
pub(crate) fn origin_of(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url
        .get(after_scheme..)?
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    url.get(..end)
}

/// Bytes as a Fetch ByteString: one char per byte (Latin-1).
pub(crate) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// A string as header bytes, when every char fits in a byte (Latin-1), as
/// `Headers.set` requires; `None` otherwise (Clerk then drops the header).
pub(crate) fn to_latin1(s: &str) -> Option<http::HeaderValue> {
    let bytes: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    http::HeaderValue::from_bytes(&bytes?).ok()
}

fn trim_http(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// The cookies Clerk reads, first occurrence of each name.
#[derive(Debug, Default)]
pub struct Cookies<'r> {
    /// `__session`
    pub session: Option<Cow<'r, str>>,
    /// `__session_<suffix>`
    pub session_suffixed: Option<Cow<'r, str>>,
    /// `__client_uat`
    pub client_uat: Option<Cow<'r, str>>,
    /// `__client_uat_<suffix>`
    pub client_uat_suffixed: Option<Cow<'r, str>>,
    /// `__clerk_db_jwt`
    pub dev_browser: Option<Cow<'r, str>>,
    /// `__clerk_db_jwt_<suffix>`
    pub dev_browser_suffixed: Option<Cow<'r, str>>,
    /// `__refresh_<suffix>`
    pub refresh_suffixed: Option<Cow<'r, str>>,
    /// `__clerk_redirect_count`
    pub redirect_count: Option<Cow<'r, str>>,
    /// `__clerk_handshake`
    pub handshake: Option<Cow<'r, str>>,
    /// `__clerk_handshake_nonce`
    pub handshake_nonce: Option<Cow<'r, str>>,
}

impl<'r> Cookies<'r> {
    /// `cookie@1.1.1`'s `parse`: split on `;`, trim names and values of
    /// spaces and tabs, first duplicate wins, percent-decode values that
    /// contain `%`, keep quotes.
    fn scan(&mut self, header: Cow<'r, str>, suffix: Option<&str>) {
        match header {
            Cow::Borrowed(text) => {
                for pair in text.split(';') {
                    self.take(pair, suffix, |v| decode_cookie(v));
                }
            }
            Cow::Owned(text) => {
                for pair in text.split(';') {
                    self.take(pair, suffix, |v| Cow::Owned(decode_cookie(v).into_owned()));
                }
            }
        }
    }

    fn take<'p>(
        &mut self,
        pair: &'p str,
        suffix: Option<&str>,
        value: impl FnOnce(&'p str) -> Cow<'r, str>,
    ) {
        let Some((name, raw)) = pair.split_once('=') else {
            return;
        };
        let name = name.trim_matches([' ', '\t']);
        let slot = match name {
            "__session" => &mut self.session,
            "__client_uat" => &mut self.client_uat,
            "__clerk_db_jwt" => &mut self.dev_browser,
            "__clerk_redirect_count" => &mut self.redirect_count,
            "__clerk_handshake" => &mut self.handshake,
            "__clerk_handshake_nonce" => &mut self.handshake_nonce,
            _ => {
                let Some(base) = suffix
                    .and_then(|s| name.strip_suffix(s))
                    .and_then(|b| b.strip_suffix('_'))
                else {
                    return;
                };
                match base {
                    "__session" => &mut self.session_suffixed,
                    "__client_uat" => &mut self.client_uat_suffixed,
                    "__clerk_db_jwt" => &mut self.dev_browser_suffixed,
                    "__refresh" => &mut self.refresh_suffixed,
                    _ => return,
                }
            }
        };
        if slot.is_none() {
            *slot = Some(value(raw.trim_matches([' ', '\t'])));
        }
    }
}

/// `decodeURIComponent` when the value contains `%`; the raw value when it
/// does not decode.
fn decode_cookie(v: &str) -> Cow<'_, str> {
    if !v.contains('%') {
        return Cow::Borrowed(v);
    }
    percent_decode(v, false).map_or(Cow::Borrowed(v), Cow::Owned)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(v: &str, plus_is_space: bool) -> Option<String> {
    let mut out = Vec::with_capacity(v.len());
    let mut bytes = v.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = hex(bytes.next()?)?;
                let lo = hex(bytes.next()?)?;
                out.push(hi << 4 | lo);
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

fn form_decode(v: &str) -> String {
    percent_decode(v, true).unwrap_or_else(|| v.to_owned())
}

/// `URLSearchParams` encoding of one value.
pub(crate) fn form_encode(v: &str, out: &mut String) {
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                for nibble in [b >> 4, b & 15] {
                    if let Some(&h) = HEX.get(usize::from(nibble)) {
                        out.push(char::from(h));
                    }
                }
            }
        }
    }
}

/// JavaScript's `parseInt(s) || 0` for `__client_uat`.
pub(crate) fn parse_int(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: i64 = digits.get(..end).and_then(|d| d.parse().ok()).unwrap_or(0);
    if neg { -n } else { n }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn view_with(headers: &[(&str, &[u8])]) -> (Method, Uri, HeaderMap) {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                http::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(v).unwrap(),
            );
        }
        (Method::GET, Uri::from_static("/x?a=1"), map)
    }

    fn token(auth: &[u8]) -> Option<String> {
        let (m, u, h) = view_with(&[("authorization", auth)]);
        let v = RequestView {
            method: &m,
            uri: &u,
            headers: &h,
        };
        v.header_token().map(Cow::into_owned)
    }

    #[test]
    fn authorization_rules() {
        assert_eq!(token(b"Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token(b"abc").as_deref(), Some("abc"));
        assert_eq!(token(b"Bearer abc def").as_deref(), Some("abc"));
        assert_eq!(token(b"Bearer  abc").as_deref(), Some("Bearer"));
        assert_eq!(token(b"Bearer").as_deref(), Some("Bearer"));
        assert_eq!(token(b"bearer abc"), None);
        assert_eq!(token(b"Basic abc"), None);
        assert_eq!(token(b"Bearer\tabc").as_deref(), Some("Bearer\tabc"));
        assert_eq!(token(b"Bearer \xe9").as_deref(), Some("\u{e9}"));
    }

    #[test]
    fn cookie_rules() {
        let (m, u, h) = view_with(&[(
            "cookie",
            b"a=1; __session=first; __session=second;__client_uat = 12 ; __session_abcdefgh=s%41; junk",
        )]);
        let v = RequestView {
            method: &m,
            uri: &u,
            headers: &h,
        };
        let c = v.cookies(Some("abcdefgh"));
        assert_eq!(c.session.as_deref(), Some("first"));
        assert_eq!(c.client_uat.as_deref(), Some("12"));
        assert_eq!(c.session_suffixed.as_deref(), Some("sA"));
        assert_eq!(parse_int("123xyz"), 123);
        assert_eq!(parse_int("-5"), -5);
        assert_eq!(parse_int("abc"), 0);
    }

    #[test]
    fn urls() {
        let (m, u, mut h) = view_with(&[]);
        h.insert(HOST, http::HeaderValue::from_static("app.test:3000"));
        let v = RequestView {
            method: &m,
            uri: &u,
            headers: &h,
        };
        assert_eq!(v.clerk_url(), "http://app.test:3000/x?a=1");
        assert_eq!(v.origin(), "http://app.test:3000");
        let mut s = String::new();
        form_encode("https://a.b/c?d=1 2", &mut s);
        assert_eq!(s, "https%3A%2F%2Fa.b%2Fc%3Fd%3D1+2");
    }
}
