//! # clerk-edge
//!
//! Verify [Clerk](https://clerk.com) session tokens the way Clerk's own backend
//! SDK does (`verifyToken`, `authenticateRequest`), without a network, an
//! allocator or `std`: the same verdicts and the same reason strings, on a
//! server, in a WASM worker or on a microcontroller with a few KB of RAM.
//!
//! The data path: a jwtKey is loaded once ([`JwtKey`]), a [`Verifier`] holds
//! the keys and the options, and each token is checked against a caller's
//! clock into a caller's buffer, so nothing is allocated and the claims are
//! `&str` borrowed from that buffer.
//!
//! ```
//! use clerk_edge::{JwtKey, Verifier, VerifyOptions, verify};
//!
//! // Once, at start-up: the instance's JWT public key (CLERK_JWT_KEY).
//! let keys = [JwtKey::parse(include_str!("../tests/data/keys/main.public.pem"))?];
//! let parties = ["https://app.example.com"];
//! let verifier = Verifier::new(&keys, VerifyOptions {
//!     authorized_parties: &parties,
//!     ..VerifyOptions::default()
//! });
//!
//! // Per request: the token, the clock (Unix ms) and a buffer on the stack.
//! let token = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln";
//! let mut buf = [0u8; verify::buffer_len(4096)];
//! match verifier.verify(token, 1_767_225_600_000, &mut buf) {
//!     Ok(verified) => println!("signed in: {}", verified.claims.sub),
//!     Err(e) => {
//!         // Clerk's reason string and message, word for word.
//!         assert_eq!(e.reason().as_str(), "token-invalid-signature");
//!         assert_eq!(e.to_string(), "JWT signature is invalid.");
//!     }
//! }
//! # Ok::<(), clerk_edge::KeyError>(())
//! ```
//!
//! For whole requests (the `Authorization` header or the `__session`
//! cookie, Clerk's cookie rules and handshake redirects), see
//! [`Authenticator`]; for what a signed-in user may do, [`Auth`].
//!
//! ## Size features
//!
//! Off by default, for firmware, each a documented, tested departure
//! (`Cargo.toml` says what each changes and saves): `compact-numbers`,
//! `omit-auth-message`, `rs256-only`, `rsa-2048-only`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod base64url;
pub mod claims;
pub mod error;
pub mod header;
pub mod json;
pub mod key;
pub mod request;
pub mod rsa;
pub mod verify;

mod jsdate;
mod token;

pub use auth::Auth;
pub use claims::SessionClaims;
pub use error::{Reason, TokenError};
pub use key::{JwtKey, KeyError};
pub use request::{Authenticator, Instance, RequestParts, RequestState};
pub use verify::{Algorithm, Algorithms, Verified, Verifier, VerifyOptions};
