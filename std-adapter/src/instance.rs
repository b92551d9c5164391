//! The Clerk instance a publishable key names: Frontend API host,
//! development or production, and the suffix of its cookies.

use base64::Engine as _;
use sha1::Digest as _;
use std::fmt;

/// A parsed publishable key (`pk_test_…` / `pk_live_…`).
#[derive(Clone, PartialEq, Eq)]
pub struct Instance {
    publishable_key: String,
    frontend_api: String,
    production: bool,
    cookie_suffix: String,
}

impl fmt::Debug for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("frontend_api", &self.frontend_api)
            .field("production", &self.production)
            .finish()
    }
}

/// Why a publishable key was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishableKeyError(&'static str);

impl fmt::Display for PublishableKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for PublishableKeyError {}

impl Instance {
    /// Parses a publishable key as Clerk's `parsePublishableKey` does: three
    /// `_`-separated parts, the last base64 of `"<frontend api host>$"`.
    pub fn from_publishable_key(key: &str) -> Result<Self, PublishableKeyError> {
        let mut parts = key.split('_');
        let (Some("pk"), Some(kind), Some(encoded), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(PublishableKeyError(
                "expected pk_test_<base64> or pk_live_<base64>",
            ));
        };
        let production = match kind {
            "live" => true,
            "test" => false,
            _ => {
                return Err(PublishableKeyError(
                    "expected pk_test_<base64> or pk_live_<base64>",
                ));
            }
        };
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| PublishableKeyError("the part after pk_live_/pk_test_ is not base64"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| PublishableKeyError("the decoded key is not text"))?;
        let Some(host) = text.strip_suffix('$') else {
            return Err(PublishableKeyError("the decoded key does not end with '$'"));
        };
        if host.contains('$') || !host.contains('.') {
            return Err(PublishableKeyError(
                "the decoded key is not a Frontend API host",
            ));
        }
        let digest = sha1::Sha1::digest(key.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        let cookie_suffix: String = b64
            .chars()
            .take(8)
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        Ok(Instance {
            publishable_key: key.to_owned(),
            frontend_api: host.to_owned(),
            production,
            cookie_suffix,
        })
    }

    /// The Frontend API host, e.g. `clerk.example.com`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// `true` for a `pk_live_` key.
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// The suffix of this instance's cookies (`__session_<suffix>`).
    pub fn cookie_suffix(&self) -> &str {
        &self.cookie_suffix
    }

    /// The key itself.
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_clerk_keys() {
        let i = Instance::from_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").unwrap();
        assert_eq!(i.frontend_api(), "clerk.example.com");
        assert!(i.is_production());
        assert_eq!(i.cookie_suffix().len(), 8);
        assert!(Instance::from_publishable_key("pk_live_bad").is_err());
        assert!(Instance::from_publishable_key("sk_live_Y2xlcmsuZXhhbXBsZS5jb20k").is_err());
    }
}
