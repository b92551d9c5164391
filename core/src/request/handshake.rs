//! Handshake redirects: the `location` Clerk sends a browser to, written on
//! the fly (nothing is built in memory).

use super::state::AuthReason;
use super::url::{self, AbsoluteUrl, Origin, QueryWriter};
use core::fmt::{self, Write};

/// Clerk's Backend API version sent with a handshake.
pub const HANDSHAKE_API_VERSION: &str = "2026-05-12";

/// The request's URL as Clerk rebuilds it (`clerkUrl`): origin from
/// `x-forwarded-proto`/`x-forwarded-host` or `Host`, then path and query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClerkUrl<'t> {
    pub origin: Origin<'t>,
    pub path: &'t str,
    pub query: &'t str,
}

/// The URL with the query pairs named in `without` removed (and the query
/// re-serialized, as `searchParams.delete` does).
#[derive(Clone, Copy, Debug)]
struct Href<'u, 't> {
    url: &'u ClerkUrl<'t>,
    without: &'static [&'static str],
}

impl fmt::Display for Href<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.url.origin)?;
        url::write_path(self.url.path, f)?;
        url::write_query_without(self.url.query, self.without, f)
    }
}

/// Query parameters removed from the redirect URL of a handshake.
const DEV_BROWSER_PARAMS: &[&str] = &["__clerk_db_jwt", "__dev_session"];
/// Query parameters removed after a development handshake is resolved.
const HANDSHAKE_PARAMS: &[&str] = &[
    "__clerk_handshake",
    "__clerk_help",
    "__clerk_db_jwt",
    "__clerk_handshake_nonce",
];

/// Where a handshake (or a resolved development handshake) redirects: the
/// value of the `location` header, written by `Display`.
///
/// For a handshake it is Clerk's
/// `https://<frontend API>/v1/client/handshake?redirect_url=<this URL>&__clerk_api_version=2026-05-12&suffixed_cookies=<bool>&__clerk_hs_reason=<reason>&format=nonce`
/// followed by `&__session=<token>` when a session token was sent and, for
/// development instances, `&__clerk_db_jwt=<dev browser token>`.
#[derive(Clone, Copy, Debug)]
pub struct Location<'t> {
    kind: Kind<'t>,
    /// [`write_kind`], called through this pointer: a program that never
    /// makes a `Location` (an [`Authenticator`](super::Authenticator)
    /// without an instance) then does not link the URL writing.
    write: WriteKind,
}

type WriteKind = fn(&Kind<'_>, &mut dyn Write) -> fmt::Result;

#[derive(Clone, Copy, Debug)]
enum Kind<'t> {
    Handshake {
        frontend_api: &'t str,
        url: ClerkUrl<'t>,
        suffixed_cookies: bool,
        reason: AuthReason,
        session: Option<&'t str>,
        dev_browser: Option<&'t str>,
    },
    /// Back to a satellite after syncing (`__clerk_redirect_url`).
    SyncBack {
        url: AbsoluteUrl<'t>,
        dev_browser: Option<&'t str>,
    },
    /// The request URL without the handshake parameters.
    Cleaned(ClerkUrl<'t>),
}

impl<'t> Location<'t> {
    pub(crate) fn handshake(
        frontend_api: &'t str,
        url: ClerkUrl<'t>,
        suffixed_cookies: bool,
        reason: AuthReason,
        session: Option<&'t str>,
        dev_browser: Option<&'t str>,
    ) -> Self {
        Location {
            kind: Kind::Handshake {
                frontend_api,
                url,
                suffixed_cookies,
                reason,
                session,
                dev_browser,
            },
            write: write_kind,
        }
    }

    pub(crate) fn sync_back(url: AbsoluteUrl<'t>, dev_browser: Option<&'t str>) -> Self {
        Location {
            kind: Kind::SyncBack { url, dev_browser },
            write: write_kind,
        }
    }

    pub(crate) fn cleaned(url: ClerkUrl<'t>) -> Self {
        Location {
            kind: Kind::Cleaned(url),
            write: write_kind,
        }
    }

    /// Writes the location into `out` (the same text as `Display`).
    pub fn write_location(&self, out: &mut dyn Write) -> fmt::Result {
        (self.write)(&self.kind, out)
    }
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.write)(&self.kind, f)
    }
}

/// Writes a location: [`Location`]'s `Display`, through its pointer.
fn write_kind(kind: &Kind<'_>, f: &mut dyn Write) -> fmt::Result {
    match kind {
        Kind::Handshake {
            frontend_api,
            url,
            suffixed_cookies,
            reason,
            session,
            dev_browser,
        } => {
            f.write_str("https://")?;
            for c in frontend_api.chars() {
                f.write_char(c.to_ascii_lowercase())?;
            }
            f.write_str("/v1/client/handshake?")?;
            let mut q = QueryWriter::new(f);
            let href = Href {
                url,
                without: DEV_BROWSER_PARAMS,
            };
            q.pair_display("redirect_url", &href)?;
            q.pair_display("__clerk_api_version", &HANDSHAKE_API_VERSION)?;
            q.pair_display(
                "suffixed_cookies",
                &if *suffixed_cookies { "true" } else { "false" },
            )?;
            q.pair_display("__clerk_hs_reason", &reason.as_str())?;
            q.pair_display("format", &"nonce")?;
            if let Some(session) = session {
                q.pair_display("__session", session)?;
            }
            if let Some(db) = dev_browser {
                q.pair_display("__clerk_db_jwt", db)?;
            }
            Ok(())
        }
        Kind::SyncBack { url, dev_browser } => {
            write!(f, "{}", url.origin)?;
            url::write_path(url.path, f)?;
            let query = url.query.unwrap_or("");
            let had_synced = url::query_pairs(query).any(|p| p.name.eq_str("__clerk_synced"));
            let mut synced_done = false;
            {
                let mut sink = Prefixed {
                    out: f,
                    prefix: Some('?'),
                };
                let mut q = QueryWriter::new(&mut sink);
                for pair in url::query_pairs(query) {
                    if pair.name.eq_str("__clerk_synced") {
                        // `set` keeps the first and drops the others.
                        if !synced_done {
                            q.pair("__clerk_synced".chars(), "true".chars())?;
                            synced_done = true;
                        }
                        continue;
                    }
                    q.pair(pair.name.chars(), pair.value.chars())?;
                }
                if let Some(db) = dev_browser {
                    q.pair("__clerk_db_jwt".chars(), db.chars())?;
                }
                if !had_synced {
                    q.pair("__clerk_synced".chars(), "true".chars())?;
                }
            }
            if let Some(fragment) = url.fragment {
                f.write_char('#')?;
                url::write_fragment(fragment, f)?;
            }
            Ok(())
        }
        Kind::Cleaned(url) => write!(
            f,
            "{}",
            Href {
                url,
                without: HANDSHAKE_PARAMS,
            }
        ),
    }
}

/// Writes `prefix` before the first character, if anything is written.
struct Prefixed<'w> {
    out: &'w mut dyn Write,
    prefix: Option<char>,
}

impl Write for Prefixed<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        if let Some(p) = self.prefix.take() {
            self.out.write_char(p)?;
        }
        self.out.write_str(s)
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
    extern crate std;
    use super::*;
    use crate::request::Scheme;
    use crate::request::state::RefreshError;
    use std::string::ToString;

    fn url<'t>(host: &'t str, path: &'t str, query: &'t str) -> ClerkUrl<'t> {
        ClerkUrl {
            origin: Origin::parse(Scheme::Https, host).unwrap(),
            path,
            query,
        }
    }

    #[test]
    fn handshake_location_like_clerk() {
        // Clerk's answer for `ar/cookie-uat-after-iat-document`, with a
        // shorter token.
        let location = Location::handshake(
            "clerk.example.com",
            url("app.example.com", "/dashboard", ""),
            false,
            AuthReason::SessionTokenIatBeforeClientUat,
            Some("a.b.c"),
            None,
        );
        assert_eq!(
            location.to_string(),
            "https://clerk.example.com/v1/client/handshake?redirect_url=https%3A%2F%2Fapp.example.com%2Fdashboard\
             &__clerk_api_version=2026-05-12&suffixed_cookies=false\
             &__clerk_hs_reason=session-token-iat-before-client-uat&format=nonce&__session=a.b.c"
        );
    }

    #[test]
    fn handshake_location_reserializes_the_url() {
        // As `ar-extra/dev-expired-forwarded-odd-url`: the redirect URL
        // loses its dev-browser parameters and its query is re-serialized.
        let location = Location::handshake(
            "Fluent-Oyster-12.clerk.accounts.dev",
            url(
                "Public.Example.org:443",
                "/a b/%C3%A9/é",
                "x=%7e&y&z=a+b&__dev_session=1&w=%zz&__clerk_db_jwt=q",
            ),
            true,
            AuthReason::SessionTokenExpiredRefresh(RefreshError::NonEligibleNoRefreshCookie),
            None,
            Some("dvb_x+y"),
        );
        assert_eq!(
            location.to_string(),
            "https://fluent-oyster-12.clerk.accounts.dev/v1/client/handshake\
             ?redirect_url=https%3A%2F%2Fpublic.example.org%2Fa%2520b%2F%25C3%25A9%2F%25C3%25A9\
             %3Fx%3D%257E%26y%3D%26z%3Da%2Bb%26w%3D%2525zz\
             &__clerk_api_version=2026-05-12&suffixed_cookies=true\
             &__clerk_hs_reason=session-token-expired-refresh-non-eligible-no-refresh-cookie\
             &format=nonce&__clerk_db_jwt=dvb_x%2By"
        );
    }

    #[test]
    fn cleaned_and_sync_back_locations() {
        let cleaned = Location::cleaned(url(
            "app.example.com",
            "/dashboard",
            "a=1&__clerk_handshake=t&__clerk_help=1&__clerk_db_jwt=x&b=%7e",
        ));
        assert_eq!(
            cleaned.to_string(),
            "https://app.example.com/dashboard?a=1&b=%7E"
        );
        let gone = Location::cleaned(url("app.example.com", "/d", "__clerk_handshake=t"));
        assert_eq!(gone.to_string(), "https://app.example.com/d");

        let back = AbsoluteUrl::parse(
            "https://sat.example.net/cb?__clerk_synced=false&a=1&__clerk_synced=x#frag",
        )
        .unwrap();
        assert_eq!(
            Location::sync_back(back, Some("dvb_1")).to_string(),
            "https://sat.example.net/cb?__clerk_synced=true&a=1&__clerk_db_jwt=dvb_1#frag"
        );
        let plain = AbsoluteUrl::parse("https://sat.example.net").unwrap();
        assert_eq!(
            Location::sync_back(plain, None).to_string(),
            "https://sat.example.net/?__clerk_synced=true"
        );
    }
}
