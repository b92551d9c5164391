//! A Clerk instance as its publishable key describes it: the Frontend API
//! host, production or development, and the suffix of its cookie names.
//!
//! Not supported: `proxyUrl`, `domain` and `isSatellite` (satellite apps and
//! proxied Frontend APIs), and Vercel's automatic proxy. The Frontend API is
//! always the host encoded in the publishable key.

use core::fmt;
use sha1::{Digest, Sha1};

/// Longest Frontend API host accepted in a publishable key (a DNS name is at
/// most 253 characters).
pub const MAX_FRONTEND_API_LEN: usize = 253;

/// Length of the cookie-name suffix Clerk derives from the publishable key.
pub const COOKIE_SUFFIX_LEN: usize = 8;

const LIVE_PREFIX: &str = "pk_live_";
const TEST_PREFIX: &str = "pk_test_";

/// Why a publishable key cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishableKeyError {
    /// The key is empty (Clerk: "Publishable key is missing.").
    Missing,
    /// It starts with neither `pk_live_` nor `pk_test_`.
    Prefix,
    /// It is not exactly three `_`-separated parts (`pk`, `live`/`test`,
    /// the encoded host), or the third part is empty.
    Parts,
    /// The third part is not base64.
    Base64,
    /// The decoded text is not `<host>$`: it must end with exactly one `$`
    /// and contain a `.`.
    Format,
    /// The decoded host has characters other than ASCII letters, digits,
    /// `.`, `-` and `_` (Clerk would build URLs from it anyway).
    Host,
    /// The decoded host is longer than [`MAX_FRONTEND_API_LEN`].
    TooLong,
}

impl fmt::Display for PublishableKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PublishableKeyError::Missing => "publishable key is missing",
            PublishableKeyError::Prefix => {
                "publishable key not valid: expected pk_live_... or pk_test_..."
            }
            PublishableKeyError::Parts => {
                "publishable key not valid: expected pk_live_<base64> or pk_test_<base64>"
            }
            PublishableKeyError::Base64 => {
                "publishable key not valid: the part after pk_live_/pk_test_ is not base64"
            }
            PublishableKeyError::Format => {
                "publishable key not valid: it does not decode to a Frontend API host followed by `$`"
            }
            PublishableKeyError::Host => {
                "publishable key not valid: the Frontend API host has characters other than letters, digits, `.`, `-` and `_`"
            }
            PublishableKeyError::TooLong => {
                "publishable key not valid: the Frontend API host is longer than 253 characters"
            }
        })
    }
}

/// A set-up error that makes Clerk's `authenticateRequest` throw before it
/// looks at any request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The publishable key is missing or invalid.
    PublishableKey(PublishableKeyError),
    /// No secret key. Clerk requires one even when it verifies with a
    /// jwtKey and never calls its API; this crate never uses it.
    MissingSecretKey,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::PublishableKey(e) => e.fmt(f),
            ConfigError::MissingSecretKey => f.write_str("secret key is missing"),
        }
    }
}

impl From<PublishableKeyError> for ConfigError {
    fn from(e: PublishableKeyError) -> Self {
        ConfigError::PublishableKey(e)
    }
}

/// A Clerk instance: what a publishable key says about it.
///
/// ```
/// use clerk_edge::request::Instance;
///
/// // `pk_live_` + base64("clerk.example.com$")
/// let instance = Instance::from_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// assert_eq!(instance.frontend_api(), "clerk.example.com");
/// assert!(instance.is_production());
/// assert_eq!(instance.cookie_suffix(), "naoXFJnI");
/// # Ok::<(), clerk_edge::request::PublishableKeyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    frontend_api: heapless::String<MAX_FRONTEND_API_LEN>,
    production: bool,
    suffix: [u8; COOKIE_SUFFIX_LEN],
}

impl Instance {
    /// Reads a publishable key as Clerk's `parsePublishableKey` does.
    pub fn from_publishable_key(key: &str) -> Result<Self, PublishableKeyError> {
        if key.is_empty() {
            return Err(PublishableKeyError::Missing);
        }
        let production = key.starts_with(LIVE_PREFIX);
        if !production && !key.starts_with(TEST_PREFIX) {
            return Err(PublishableKeyError::Prefix);
        }
        let mut parts = key.split('_');
        let encoded = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(_), Some(_), Some(encoded), None) if !encoded.is_empty() => encoded,
            _ => return Err(PublishableKeyError::Parts),
        };
        let mut decoded = [0u8; MAX_FRONTEND_API_LEN + 1];
        let len = atob(encoded, &mut decoded)?;
        let decoded = decoded.get(..len).ok_or(PublishableKeyError::TooLong)?;
        let host = match decoded.split_last() {
            Some((b'$', host)) if !host.contains(&b'$') && host.contains(&b'.') => host,
            _ => return Err(PublishableKeyError::Format),
        };
        if !host
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(PublishableKeyError::Host);
        }
        let mut frontend_api = heapless::String::new();
        for &b in host {
            frontend_api
                .push(char::from(b))
                .map_err(|_| PublishableKeyError::TooLong)?;
        }
        Ok(Instance {
            frontend_api,
            production,
            suffix: cookie_suffix(key),
        })
    }

    /// Clerk's set-up checks for `authenticateRequest`: a valid publishable
    /// key, then a non-empty secret key (which this crate only checks for
    /// presence, as Clerk does, and never uses).
    pub fn from_keys(publishable_key: &str, secret_key: &str) -> Result<Self, ConfigError> {
        let instance = Instance::from_publishable_key(publishable_key)?;
        if secret_key.is_empty() {
            return Err(ConfigError::MissingSecretKey);
        }
        Ok(instance)
    }

    /// The Frontend API host, e.g. `clerk.example.com`.
    pub fn frontend_api(&self) -> &str {
        self.frontend_api.as_str()
    }

    /// `true` for a `pk_live_` key.
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// `true` for a `pk_test_` key (a development instance, which uses the
    /// dev-browser token).
    pub fn is_development(&self) -> bool {
        !self.production
    }

    /// The suffix of this instance's cookie names (`__session_<suffix>`):
    /// the first 8 characters of base64(SHA-1(publishable key)), with `+`
    /// and `/` replaced by `-` and `_`.
    pub fn cookie_suffix(&self) -> &str {
        // Always ASCII (written from the base64url alphabet).
        core::str::from_utf8(&self.suffix).unwrap_or("")
    }

    /// `true` when `name` is `base` followed by `_` and this instance's
    /// cookie suffix.
    pub(crate) fn is_suffixed(&self, name: &str, base: &str) -> bool {
        name.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|suffix| suffix.as_bytes() == self.suffix)
    }
}

/// Clerk's `getCookieSuffix`: base64(SHA-1(key)) with `+`→`-`, `/`→`_`,
/// first 8 characters (which the first 6 digest bytes determine).
fn cookie_suffix(key: &str) -> [u8; COOKIE_SUFFIX_LEN] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digest = Sha1::digest(key.as_bytes());
    let mut out = [0u8; COOKIE_SUFFIX_LEN];
    for (group, chars) in digest.chunks(3).zip(out.chunks_mut(4)) {
        let n = group.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        for (i, c) in chars.iter_mut().enumerate() {
            let shift = 18 - 6 * i;
            let index = usize::try_from((n >> shift) & 0x3F).unwrap_or(0);
            *c = ALPHABET.get(index).copied().unwrap_or(b'A');
        }
    }
    out
}

/// The browser's `atob`: ASCII white space removed, one or two `=` of
/// padding allowed when the length is a multiple of 4, standard alphabet
/// only, a length of 1 mod 4 rejected, unused bits ignored.
fn atob(input: &str, out: &mut [u8]) -> Result<usize, PublishableKeyError> {
    let is_space = |b: &u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    let count = input.bytes().filter(|b| !is_space(b)).count();
    let mut pad = 0;
    if count % 4 == 0 {
        let mut tail = input.bytes().rev().filter(|b| !is_space(b));
        if tail.next() == Some(b'=') {
            pad = 1;
            if tail.next() == Some(b'=') {
                pad = 2;
            }
        }
    }
    let data_len = count - pad;
    if data_len % 4 == 1 {
        return Err(PublishableKeyError::Base64);
    }
    let mut acc = 0u32;
    let mut bits = 0;
    let mut len = 0;
    for b in input.bytes().filter(|b| !is_space(b)).take(data_len) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(PublishableKeyError::Base64),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = u8::try_from((acc >> bits) & 0xFF).unwrap_or(0);
            *out.get_mut(len).ok_or(PublishableKeyError::TooLong)? = byte;
            len += 1;
        }
    }
    Ok(len)
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

    #[test]
    fn suffix_matches_clerk() {
        // Clerk's cookies for these keys (see the conformance cases).
        let live = Instance::from_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k");
        assert_eq!(live.as_ref().map(|i| i.cookie_suffix()), Ok("naoXFJnI"));
        assert_eq!(
            live.as_ref().map(|i| i.frontend_api()),
            Ok("clerk.example.com")
        );
        let test = Instance::from_publishable_key(
            "pk_test_Zmx1ZW50LW95c3Rlci0xMi5jbGVyay5hY2NvdW50cy5kZXYk",
        );
        assert_eq!(
            test.as_ref()
                .map(|i| (i.frontend_api(), i.is_development())),
            Ok(("fluent-oyster-12.clerk.accounts.dev", true))
        );
    }

    #[test]
    fn bad_keys() {
        use PublishableKeyError::*;
        let e = |k: &str| Instance::from_publishable_key(k).err();
        assert_eq!(e(""), Some(Missing));
        assert_eq!(e("sk_live_Y2xlcmsuZXhhbXBsZS5jb20k"), Some(Prefix));
        assert_eq!(e("pk_live_"), Some(Parts));
        assert_eq!(e("pk_live_a_b"), Some(Parts));
        assert_eq!(e("pk_live_bm90LWEta2V5"), Some(Format)); // "not-a-key"
        assert_eq!(e("pk_live_Y2xlcmsuZXhhbXBsZS5jb20"), Some(Format)); // no `$`
        assert_eq!(e("pk_live_@@@@"), Some(Base64));
        assert_eq!(e("pk_live_Y"), Some(Base64));
        // Padding and white space are fine, as for `atob`.
        assert!(e("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").is_none());
        assert!(e("pk_live_ZXhhbXBsZS5jb20k").is_none()); // "example.com$"
        assert!(e("pk_live_YS5iJA==").is_none()); // "a.b$"
        assert_eq!(
            Instance::from_keys("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k", "").err(),
            Some(ConfigError::MissingSecretKey)
        );
        assert_eq!(
            Instance::from_keys("", "sk_live_x").err(),
            Some(ConfigError::PublishableKey(Missing))
        );
    }
}
