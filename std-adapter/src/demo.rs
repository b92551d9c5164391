//! The public demo key pair, and minting Clerk-shaped session tokens with
//! it, for the demo server, tests and load tests.
//!
//! **DEMO ONLY**: the private key is in the repository, so anyone can mint
//! tokens this key accepts. Never configure it for anything real.

use base64::Engine as _;
use rsa::pkcs8::DecodePrivateKey as _;
use serde_json::{Value, json};

/// The demo public key (PEM). DEMO ONLY.
pub const DEMO_PUBLIC_KEY_PEM: &str = include_str!("../../demo-keys/demo.public.pem");
/// The demo private key (PKCS#8 PEM). DEMO ONLY: it is public.
pub const DEMO_PRIVATE_KEY_PEM: &str = include_str!("../../demo-keys/demo.private.pem");
/// The `kid` the demo tokens carry.
pub const DEMO_KID: &str = "ins_demo_clerk_edge";
/// Clerk's session-token category.
pub use clerk_edge::header::SESSION_CATEGORY;

/// Signs tokens with an RSA private key (RS256).
pub struct Minter {
    key: rsa::PrivateKey,
    kid: String,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minter").field("kid", &self.kid).finish()
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Minter {
    /// A minter with the demo key. DEMO ONLY.
    pub fn demo() -> Result<Self, String> {
        Self::from_pem(DEMO_PRIVATE_KEY_PEM, DEMO_KID)
    }

    /// A minter for a PKCS#8 PEM private key.
    pub fn from_pem(pem: &str, kid: &str) -> Result<Self, String> {
        let key = rsa::PrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| format!("not a PKCS#8 RSA private key: {e}"))?;
        Ok(Minter {
            key,
            kid: kid.to_owned(),
        })
    }

    /// The public key as a JWK (what a JWKS endpoint serves), with this
    /// minter's `kid`.
    pub fn public_jwk(&self) -> Value {
        use rsa::traits::PublicKeyParts as _;
        let n = self.key.n().as_ref().to_be_bytes_trimmed_vartime();
        let e = self.key.e().to_be_bytes_trimmed_vartime();
        json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": b64(&n), "e": b64(&e)})
    }

    /// The `kid` put in headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `payload` with Clerk's session header (`alg` RS256, `cat`,
    /// `kid`, `typ` JWT).
    pub fn mint(&self, payload: &Value) -> Result<String, String> {
        let header =
            json!({"alg": "RS256", "cat": SESSION_CATEGORY, "kid": self.kid, "typ": "JWT"});
        self.mint_with_header(&header, payload)
    }

    /// Signs `payload` under any header (RS256 signature).
    pub fn mint_with_header(&self, header: &Value, payload: &Value) -> Result<String, String> {
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes())
        );
        let sig = self
            .key
            .pkcs1v15_sign::<rsa::sha2::Sha256>(signing_input.as_bytes())
            .map_err(|e| format!("signing failed: {e}"))?;
        Ok(format!("{signing_input}.{}", b64(&sig)))
    }
}

/// What a minted demo session carries.
#[derive(Clone, Debug)]
pub struct SessionSpec {
    /// `sub`
    pub user_id: String,
    /// `sid`
    pub session_id: String,
    /// `azp`
    pub azp: Option<String>,
    /// `iat` / `nbf` base, Unix seconds.
    pub issued_at: i64,
    /// Lifetime in seconds (`exp = issued_at + ttl`; negative = expired).
    pub ttl: i64,
    /// Active organization: id, slug, role, and `org:<feature>:<perm>`
    /// permissions to encode as v2 `fea`/`per`/`fpm`.
    pub org: Option<(String, String, String, Vec<String>)>,
    /// Extra claims merged into the payload.
    pub extra: Value,
}

impl SessionSpec {
    /// A session for `user_id` issued at `now_s`, valid `ttl` seconds.
    pub fn new(user_id: &str, now_s: i64, ttl: i64) -> Self {
        SessionSpec {
            user_id: user_id.to_owned(),
            session_id: format!("sess_demo_{user_id}"),
            azp: None,
            issued_at: now_s,
            ttl,
            org: None,
            extra: Value::Null,
        }
    }

    /// The v2 payload, claims in Clerk's order.
    pub fn payload(&self) -> Value {
        let mut p = serde_json::Map::new();
        if let Some(azp) = &self.azp {
            p.insert("azp".into(), azp.clone().into());
        }
        p.insert("exp".into(), (self.issued_at + self.ttl).into());
        p.insert("fva".into(), json!([0, -1]));
        p.insert("iat".into(), self.issued_at.into());
        p.insert("iss".into(), "https://clerk.demo.invalid".into());
        p.insert("nbf".into(), (self.issued_at - 10).into());
        if let Some((id, slug, role, perms)) = &self.org {
            let (fea, per, fpm) = encode_permissions(perms);
            p.insert("fea".into(), fea.into());
            p.insert(
                "o".into(),
                json!({"fpm": fpm, "id": id, "per": per, "rol": role, "slg": slug}),
            );
        }
        p.insert("sid".into(), self.session_id.clone().into());
        p.insert("sts".into(), "active".into());
        p.insert("sub".into(), self.user_id.clone().into());
        p.insert("v".into(), 2.into());
        if let Value::Object(extra) = &self.extra {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        Value::Object(p)
    }
}

/// `org:<feature>:<perm>` list → v2 `fea`, `o.per`, `o.fpm`.
pub fn encode_permissions(perms: &[String]) -> (String, String, String) {
    let mut features: Vec<&str> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut pairs = Vec::new();
    for p in perms {
        let mut it = p.splitn(3, ':');
        if let (Some("org"), Some(f), Some(n)) = (it.next(), it.next(), it.next()) {
            if !features.contains(&f) {
                features.push(f);
            }
            if !names.contains(&n) {
                names.push(n);
            }
            pairs.push((f, n));
        }
    }
    let bitmaps: Vec<String> = features
        .iter()
        .map(|f| {
            let mut bits = 0u64;
            for (j, n) in names.iter().enumerate().take(64) {
                if pairs.contains(&(*f, *n)) {
                    bits |= 1 << j;
                }
            }
            bits.to_string()
        })
        .collect();
    let fea: Vec<String> = features.iter().map(|f| format!("o:{f}")).collect();
    (fea.join(","), names.join(","), bitmaps.join(","))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn permissions_round_trip_shape() {
        let (fea, per, fpm) = encode_permissions(&[
            "org:reports:read".into(),
            "org:reports:manage".into(),
            "org:teams:read".into(),
        ]);
        assert_eq!(fea, "o:reports,o:teams");
        assert_eq!(per, "read,manage");
        assert_eq!(fpm, "3,1");
    }
}
