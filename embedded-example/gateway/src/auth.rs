//! From a request head to Clerk's request state: the one place that hands
//! requests to the core.
//!
//! The core's [`Authenticator`] is Clerk's `authenticateRequest`: it finds
//! the token (`Authorization: Bearer`, else, with the `cookies` feature, the
//! `__session` cookie with `__client_uat`), verifies it, and returns Clerk's
//! request state with the reason, message and `x-clerk-auth-*` headers. This
//! module only lifts the header values it reads out of the raw head.

use clerk_edge::request::{Authenticator, InstanceSource, RequestParts, RequestState, Scheme};

/// Authenticates the request whose complete head is `head`, at `now_ms`
/// (Unix milliseconds), decoding tokens into `buf`.
///
/// `head` was accepted by [`crate::http::parse_head`]; parsing it again here
/// costs microseconds and keeps the read path free of borrowed state.
pub fn authenticate<'t, 'a: 't, I: InstanceSource<'a>>(
    authenticator: &'t Authenticator<'a, I>,
    head: &'t [u8],
    now_ms: i64,
    buf: &'t mut [u8],
) -> RequestState<'t> {
    let mut headers = [httparse::EMPTY_HEADER; crate::http::MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    // Cannot fail for a head parse_head accepted; an empty request (no
    // token, no cookie) is the safe reading if it ever did.
    let _ = req.parse(head);
    let mut parts = RequestParts::new(req.method.unwrap_or("GET"), req.path.unwrap_or("/"));
    parts.scheme = Scheme::Http;
    for h in req.headers.iter() {
        let slot = match h.name.len() {
            4 if h.name.eq_ignore_ascii_case("host") => &mut parts.host,
            6 if h.name.eq_ignore_ascii_case("cookie") => &mut parts.cookie,
            6 if h.name.eq_ignore_ascii_case("accept") => &mut parts.accept,
            6 if h.name.eq_ignore_ascii_case("origin") => &mut parts.origin,
            7 if h.name.eq_ignore_ascii_case("referer") => &mut parts.referer,
            13 if h.name.eq_ignore_ascii_case("authorization") => &mut parts.authorization,
            14 if h.name.eq_ignore_ascii_case("sec-fetch-dest") => &mut parts.sec_fetch_dest,
            16 if h.name.eq_ignore_ascii_case("x-forwarded-host") => &mut parts.forwarded_host,
            17 if h.name.eq_ignore_ascii_case("x-forwarded-proto") => &mut parts.forwarded_proto,
            _ => continue,
        };
        if slot.is_none() {
            // A value that is not UTF-8 cannot carry a JWT or a cookie Clerk
            // would accept; U+FFFD keeps it present but unusable.
            *slot = Some(core::str::from_utf8(h.value).unwrap_or("\u{fffd}"));
        }
    }
    if cfg!(feature = "cookies") {
        authenticator.authenticate(&parts, now_ms, buf)
    } else {
        authenticator.authenticate_header_only(&parts, now_ms, buf)
    }
}
