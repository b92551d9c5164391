//! A bounded HTTP/1.1 request reader: the head must fit the caller's buffer,
//! headers are parsed by `httparse` into a fixed array, and every limit or
//! syntax problem becomes a status code instead of a panic or an allocation.

use core::ops::Range;

/// Most header fields a request may carry.
pub const MAX_HEADERS: usize = 32;

/// A status line: code and reason phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub u16, pub &'static str);

#[allow(missing_docs)]
impl Status {
    pub const OK: Status = Status(200, "OK");
    pub const BAD_REQUEST: Status = Status(400, "Bad Request");
    pub const UNAUTHORIZED: Status = Status(401, "Unauthorized");
    pub const FORBIDDEN: Status = Status(403, "Forbidden");
    pub const NOT_FOUND: Status = Status(404, "Not Found");
    pub const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
    pub const REQUEST_TIMEOUT: Status = Status(408, "Request Timeout");
    pub const CONTENT_TOO_LARGE: Status = Status(413, "Content Too Large");
    pub const URI_TOO_LONG: Status = Status(414, "URI Too Long");
    pub const HEADERS_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
    pub const INTERNAL_ERROR: Status = Status(500, "Internal Server Error");
    pub const NOT_IMPLEMENTED: Status = Status(501, "Not Implemented");
    pub const UNAVAILABLE: Status = Status(503, "Service Unavailable");
}

/// Why a request cannot be served; each maps to one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// Not HTTP/1.x, or a header or target we cannot read (400).
    Malformed(&'static str),
    /// The client stopped sending before the request was complete (408).
    Timeout,
    /// The request line alone does not fit the buffer (414).
    TargetTooLong,
    /// The head does not fit the buffer, or has too many fields (431).
    HeadTooLarge,
    /// The declared body is longer than the gateway accepts (413).
    BodyTooLarge,
    /// A transfer coding (chunked...) the gateway does not decode (501).
    TransferCoding,
    /// The peer closed or reset the connection: nothing to answer.
    Closed,
}

impl HttpError {
    /// The status to answer with, `None` when there is nobody to answer.
    pub fn status(self) -> Option<Status> {
        Some(match self {
            HttpError::Malformed(_) => Status::BAD_REQUEST,
            HttpError::Timeout => Status::REQUEST_TIMEOUT,
            HttpError::TargetTooLong => Status::URI_TOO_LONG,
            HttpError::HeadTooLarge => Status::HEADERS_TOO_LARGE,
            HttpError::BodyTooLarge => Status::CONTENT_TOO_LARGE,
            HttpError::TransferCoding => Status::NOT_IMPLEMENTED,
            HttpError::Closed => return None,
        })
    }

    /// A short, fixed explanation for the response body.
    pub fn detail(self) -> &'static str {
        match self {
            HttpError::Malformed(why) => why,
            HttpError::Timeout => "the request was not received in time",
            HttpError::TargetTooLong => "request target too long",
            HttpError::HeadTooLarge => "request header fields too large",
            HttpError::BodyTooLarge => "request body too large",
            HttpError::TransferCoding => "transfer codings are not supported; send Content-Length",
            HttpError::Closed => "",
        }
    }
}

/// The request methods the gateway tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// Anything else (only ever answered with 405 or 404).
    Other,
}

impl Method {
    fn parse(s: &str) -> Self {
        match s {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            _ => Method::Other,
        }
    }
}

/// What the gateway keeps of a parsed request head: owned values and byte
/// ranges into the read buffer, so the buffer can be reused for the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path, without the query string.
    pub path: Range<usize>,
    /// Length of the head including the blank line.
    pub head_len: usize,
    /// Declared body length (0 without `Content-Length`).
    pub content_length: usize,
    /// The client sent `Expect: 100-continue`.
    pub expect_continue: bool,
}

/// The outcome of looking at the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete head.
    Complete(Request),
    /// More bytes are needed.
    Partial,
}

/// Parses the bytes received so far (`buf[..filled]` of a buffer of
/// `capacity` bytes). `max_body` bounds `Content-Length`.
pub fn parse_head(received: &[u8], capacity: usize, max_body: usize) -> Result<Parsed, HttpError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(received) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if received.len() < capacity {
                Ok(Parsed::Partial)
            } else if received.contains(&b'\n') {
                Err(HttpError::HeadTooLarge)
            } else {
                Err(HttpError::TargetTooLong)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeadTooLarge),
        Err(httparse::Error::Version) => {
            return Err(HttpError::Malformed("only HTTP/1.x is served"));
        }
        Err(_) => return Err(HttpError::Malformed("malformed request head")),
    };
    let method = Method::parse(req.method.unwrap_or(""));
    let target = req.path.unwrap_or("");
    if !target.starts_with('/') {
        return Err(HttpError::Malformed("the request target must be a path"));
    }
    let path_str = target.split_once('?').map_or(target, |(p, _)| p);
    let path = span(received, path_str.as_bytes()).ok_or(HttpError::Malformed("bad target"))?;

    let mut content_length: Option<usize> = None;
    let mut expect_continue = false;
    let (mut host, mut authorization, mut cookie) = (false, false, false);
    for h in req.headers.iter() {
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            let n =
                parse_content_length(h.value).ok_or(HttpError::Malformed("bad Content-Length"))?;
            if content_length.is_some_and(|m| m != n) {
                return Err(HttpError::Malformed("conflicting Content-Length"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(HttpError::TransferCoding);
        } else if name.eq_ignore_ascii_case("expect") {
            if trim(h.value).eq_ignore_ascii_case(b"100-continue") {
                expect_continue = true;
            }
        } else if name.eq_ignore_ascii_case("authorization") {
            once(&mut authorization, "more than one Authorization header")?;
        } else if name.eq_ignore_ascii_case("cookie") {
            // RFC 6265 §5.4: a user agent sends one Cookie header.
            once(&mut cookie, "more than one Cookie header")?;
        } else if name.eq_ignore_ascii_case("host") {
            // RFC 9112 §3.2: more than one Host is a bad request.
            once(&mut host, "more than one Host header")?;
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > max_body {
        return Err(HttpError::BodyTooLarge);
    }
    Ok(Parsed::Complete(Request {
        method,
        path,
        head_len,
        content_length,
        expect_continue,
    }))
}

/// Marks a header that may appear only once as seen.
fn once(seen: &mut bool, why: &'static str) -> Result<(), HttpError> {
    if core::mem::replace(seen, true) {
        return Err(HttpError::Malformed(why));
    }
    Ok(())
}

/// `Content-Length`: digits only (RFC 9110 §8.6), no sign, no spaces inside.
fn parse_content_length(value: &[u8]) -> Option<usize> {
    let digits = trim(value);
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &b| {
        let d = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(usize::from(d))
    })
}

/// Strips optional whitespace (space, tab) around a field value.
fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or(&[])
}

/// Where `inner`, a sub-slice of `outer`, sits in `outer`.
fn span(outer: &[u8], inner: &[u8]) -> Option<Range<usize>> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    let end = start.checked_add(inner.len())?;
    (end <= outer.len()).then_some(start..end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn complete(raw: &[u8]) -> Request {
        match parse_head(raw, 4096, 100) {
            Ok(Parsed::Complete(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_request_head_is_read() {
        let raw = b"GET /whoami?x=1 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer abc.def.ghi\r\n\r\nextra";
        let r = complete(raw);
        assert_eq!(r.method, Method::Get);
        assert_eq!(&raw[r.path.clone()], b"/whoami");
        assert_eq!(r.head_len, raw.len() - 5);
        assert_eq!(r.content_length, 0);
    }

    #[test]
    fn single_headers_must_be_single() {
        for dup in [
            "Authorization: a\r\nAuthorization: b",
            "Cookie: a=1\r\nCookie: b=2",
            "Host: a\r\nHost: b",
        ] {
            let raw = format!("GET / HTTP/1.1\r\n{dup}\r\n\r\n");
            assert!(
                matches!(
                    parse_head(raw.as_bytes(), 4096, 0),
                    Err(HttpError::Malformed(_))
                ),
                "{dup}"
            );
        }
    }

    #[test]
    fn partial_heads_wait_and_full_buffers_fail() {
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nHost", 100, 0),
            Ok(Parsed::Partial)
        );
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nHost", 20, 0),
            Err(HttpError::HeadTooLarge)
        );
        assert_eq!(
            parse_head(b"GET /aaaaaaaaaaaaaaa", 19, 0),
            Err(HttpError::TargetTooLong)
        );
    }

    #[test]
    fn bodies_and_codings_are_bounded() {
        let r = complete(
            b"POST /relay/on HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        assert_eq!(
            (r.method, r.content_length, r.expect_continue),
            (Method::Post, 5, true)
        );
        let big = b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
        assert_eq!(parse_head(big, 4096, 100), Err(HttpError::BodyTooLarge));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(
            parse_head(chunked, 4096, 100),
            Err(HttpError::TransferCoding)
        );
        for bad in [&b"+5"[..], b"5 5", b"", b"99999999999999999999", b"0x5"] {
            let mut raw = b"POST / HTTP/1.1\r\nContent-Length: ".to_vec();
            raw.extend_from_slice(bad);
            raw.extend_from_slice(b"\r\n\r\n");
            assert!(
                matches!(parse_head(&raw, 4096, 100), Err(HttpError::Malformed(_))),
                "{bad:?}"
            );
        }
        let two = b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert!(matches!(
            parse_head(two, 4096, 100),
            Err(HttpError::Malformed(_))
        ));
    }

    #[test]
    fn garbage_is_a_bad_request() {
        for raw in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        ] {
            assert!(
                matches!(parse_head(raw, 4096, 0), Err(HttpError::Malformed(_))),
                "{raw:?}"
            );
        }
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for _ in 0..=MAX_HEADERS {
            many.extend_from_slice(b"X: y\r\n");
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&many, 4096, 0), Err(HttpError::HeadTooLarge));
    }
}
