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

pub use claims::SessionClaims;
pub use error::{Reason, TokenError};
pub use key::{JwtKey, KeyError};
pub use verify::{Algorithm, Algorithms, Verified, Verifier, VerifyOptions};
pub use auth::Auth;
pub use request::{Authenticator, Instance, RequestParts, RequestState};
