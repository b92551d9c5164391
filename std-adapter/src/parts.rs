//! The seam between `http` types and the core's request API: an
//! [`http::Request`]'s method, target and headers become the core's
//! [`RequestParts`]; a core [`RequestState`]'s headers become a
//! [`HeaderMap`].
//!
//! **Header bytes.** The core reads text, HTTP carries bytes. A value that
//! is all ASCII is passed as it is (borrowed, no copy). A value with any
//! other byte (not UTF-8, or UTF-8 that is not ASCII) is read as Latin-1,
//! one character per byte, which is exactly what Fetch's `Headers` (and so
//! Clerk's SDK) gives. Such a value is never dropped: a token can only
//! contain base64url characters, so an `Authorization` header or a
//! `__session` cookie with such bytes fails as `token-invalid` (as in
//! Clerk), while the other cookies of the same `cookie` header keep working.
//!
//! Repeated headers are joined as Fetch joins them: `cookie` values with
//! `; ` (HTTP/2 sends each cookie as its own field), the others with `, `.

use clerk_edge::request::{RequestParts, RequestState, Scheme};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The parts of an HTTP request that authentication reads, borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HttpRequest<'r> {
    pub(crate) method: &'r Method,
    pub(crate) uri: &'r Uri,
    pub(crate) headers: &'r HeaderMap,
}

impl<'r> HttpRequest<'r> {
    pub(crate) fn of<B>(req: &'r http::Request<B>) -> Self {
        HttpRequest {
            method: req.method(),
            uri: req.uri(),
            headers: req.headers(),
        }
    }
}

/// The header values the core reads, as text (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct HeaderText<'r> {
    host: Option<Cow<'r, str>>,
    forwarded_proto: Option<Cow<'r, str>>,
    forwarded_host: Option<Cow<'r, str>>,
    authorization: Option<Cow<'r, str>>,
    cookie: Option<Cow<'r, str>>,
    sec_fetch_dest: Option<Cow<'r, str>>,
    accept: Option<Cow<'r, str>>,
    referer: Option<Cow<'r, str>>,
    origin: Option<Cow<'r, str>>,
    target: &'r str,
    method: &'r str,
    scheme: Option<Scheme>,
}

static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static SEC_FETCH_DEST: HeaderName = HeaderName::from_static("sec-fetch-dest");

impl<'r> HeaderText<'r> {
    /// Reads `req`. The `host` header wins over the target's authority
    /// (which is where HTTP/2's `:authority` ends up).
    pub(crate) fn read(req: HttpRequest<'r>) -> Self {
        let h = req.headers;
        let target = req.uri.path_and_query().map_or("/", |p| p.as_str());
        HeaderText {
            host: joined(h, &header::HOST, ", ")
                .or_else(|| req.uri.authority().map(|a| Cow::Borrowed(a.as_str()))),
            forwarded_proto: joined(h, &X_FORWARDED_PROTO, ", "),
            forwarded_host: joined(h, &X_FORWARDED_HOST, ", "),
            authorization: joined(h, &header::AUTHORIZATION, ", "),
            cookie: joined(h, &header::COOKIE, "; "),
            sec_fetch_dest: joined(h, &SEC_FETCH_DEST, ", "),
            accept: joined(h, &header::ACCEPT, ", "),
            referer: joined(h, &header::REFERER, ", "),
            origin: joined(h, &header::ORIGIN, ", "),
            target: if target.is_empty() { "/" } else { target },
            method: req.method.as_str(),
            scheme: match req.uri.scheme_str() {
                Some(s) if s.eq_ignore_ascii_case("https") => Some(Scheme::Https),
                Some(s) if s.eq_ignore_ascii_case("http") => Some(Scheme::Http),
                _ => None,
            },
        }
    }

    /// The core's view of the request; `default_scheme` is used when the
    /// target has no scheme (HTTP/1 origin-form).
    pub(crate) fn parts(&self, default_scheme: Scheme) -> RequestParts<'_> {
        let mut p = RequestParts::new(self.method, self.target);
        p.scheme = self.scheme.unwrap_or(default_scheme);
        p.host = self.host.as_deref();
        p.forwarded_proto = self.forwarded_proto.as_deref();
        p.forwarded_host = self.forwarded_host.as_deref();
        p.authorization = self.authorization.as_deref();
        p.cookie = self.cookie.as_deref();
        p.sec_fetch_dest = self.sec_fetch_dest.as_deref();
        p.accept = self.accept.as_deref();
        p.referer = self.referer.as_deref();
        p.origin = self.origin.as_deref();
        p
    }
}

/// All values of `name` as text, joined with `sep`; `None` when absent.
fn joined<'r>(headers: &'r HeaderMap, name: &HeaderName, sep: &str) -> Option<Cow<'r, str>> {
    let mut values = headers.get_all(name).iter();
    let mut out = text(values.next()?.as_bytes());
    for more in values {
        let s = out.to_mut();
        s.push_str(sep);
        s.push_str(&text(more.as_bytes()));
    }
    Some(out)
}

/// Header bytes as Fetch reads them: ASCII as is, anything else as Latin-1.
pub(crate) fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Text as header bytes, one byte per character, when every character is
/// at most U+00FF (Latin-1, as Node writes a header); `None` otherwise or
/// when the bytes are not a valid header value.
pub(crate) fn header_value(s: &str) -> Option<HeaderValue> {
    if s.is_ascii() {
        return HeaderValue::from_str(s).ok();
    }
    let bytes: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    HeaderValue::from_bytes(&bytes?).ok()
}

/// The response headers of a core request state (`x-clerk-auth-*`, and for
/// a handshake `location`, `cache-control`, `set-cookie`). `replace`
/// substitutes the reason and message (the JWKS errors, which only the
/// adapter can name).
pub(crate) fn response_headers(
    state: &RequestState<'_>,
    replace: Option<(&str, &str)>,
) -> HeaderMap {
    let mut out = HeaderMap::new();
    let mut value = String::new();
    for (name, v) in state.headers() {
        value.clear();
        match (name, replace) {
            ("x-clerk-auth-reason", Some((reason, _))) => value.push_str(reason),
            ("x-clerk-auth-message", Some((_, message))) => value.push_str(message),
            _ => {
                let _ = write!(value, "{v}");
            }
        }
        if let Some(v) = header_value(&value) {
            out.append(HeaderName::from_static(name), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(headers: &[(&str, &[u8])]) -> http::Request<()> {
        let mut b = http::Request::get("/x?a=1");
        for (k, v) in headers {
            b = b.header(*k, HeaderValue::from_bytes(v).unwrap());
        }
        b.body(()).unwrap()
    }

    #[test]
    fn repeated_headers_are_joined_like_fetch() {
        let req = request(&[
            ("cookie", b"a=1"),
            ("cookie", b"__session=t"),
            ("accept", b"text/html"),
            ("accept", b"*/*"),
        ]);
        let t = HeaderText::read(HttpRequest::of(&req));
        let p = t.parts(Scheme::Http);
        assert_eq!(p.cookie, Some("a=1; __session=t"));
        assert_eq!(p.accept, Some("text/html, */*"));
        assert_eq!(p.path_and_query, "/x?a=1");
        assert_eq!(p.scheme, Scheme::Http);
        assert_eq!(p.authorization, None);
    }

    #[test]
    fn non_ascii_bytes_are_latin1() {
        let req = request(&[("authorization", b"Bearer \xff\xfe"), ("host", b"a.test")]);
        let t = HeaderText::read(HttpRequest::of(&req));
        assert_eq!(
            t.parts(Scheme::Https).authorization,
            Some("Bearer \u{ff}\u{fe}")
        );
        assert_eq!(header_value("\u{e9}").unwrap().as_bytes(), b"\xe9");
        assert!(header_value("\u{1F600}").is_none());
    }

    #[test]
    fn host_falls_back_to_the_authority() {
        let req = http::Request::get("https://app.test/p").body(()).unwrap();
        let t = HeaderText::read(HttpRequest::of(&req));
        let p = t.parts(Scheme::Http);
        assert_eq!(p.host, Some("app.test"));
        assert_eq!(p.scheme, Scheme::Https);
    }
}
