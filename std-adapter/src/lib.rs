//! # clerk-edge-hyper
//!
//! Clerk's `clerkMiddleware()` + `getAuth(req)` for Rust servers: a
//! [`tower_layer::Layer`] for hyper 1 (through hyper-util) and axum that
//! verifies Clerk session tokens with the `clerk-edge` core, without a
//! network call when a jwtKey is configured.
//!
//! - [`ClerkLayer`]: optional mode (attach [`Auth`], the handler decides) or
//!   required mode (401 with Clerk's `x-clerk-auth-*` headers before the
//!   handler runs); Clerk's handshake redirect for browser page loads when a
//!   publishable key is set; a hook for custom failure responses.
//! - [`get_auth`] and, with the `axum` feature, the
//!   [`ClerkAuth`](crate::axum::ClerkAuth) / [`RequireAuth`](crate::axum::RequireAuth)
//!   extractors.
//! - [`Clerk`]: configuration from Clerk's environment variables or a
//!   builder; a JWKS source when there is no jwtKey; a verified-token cache
//!   so a repeated token skips the RSA operation.
//!
//! Everything Clerk decides (which token, cookies and `__client_uat`,
//! handshakes, reasons and messages, `toAuth()`, `has()`) is the core's
//! [`clerk_edge::Authenticator`] and [`clerk_edge::Auth`]; this crate reads
//! `http` requests into it, keeps the keys and the cache, and answers.
//!
//! ```
//! use clerk_edge_hyper::{Clerk, ClerkLayer};
//!
//! // Reads CLERK_JWT_KEY, CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY,
//! // CLERK_AUTHORIZED_PARTIES and CLERK_API_URL; here set in code.
//! let clerk = Clerk::builder()
//!     .jwt_key(clerk_edge_hyper::demo::DEMO_PUBLIC_KEY_PEM)
//!     .authorized_parties(["https://app.example.com"])
//!     .build()?;
//! let layer = ClerkLayer::optional(clerk);
//! # let _ = layer;
//! # Ok::<(), clerk_edge_hyper::ConfigError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "axum")]
pub mod axum;
pub mod cache;
mod clerk;
pub mod config;
pub mod conformance;
pub mod demo;
pub mod inspect;
pub mod jwks;
mod layer;
mod parts;
pub mod server;

pub use auth::{Auth, AuthStatus, Claims, Session};
pub use clerk::{Clerk, Rejection, RequestState, now_ms};
pub use clerk_edge::request::{Instance, Scheme};
pub use config::{ClerkBuilder, ConfigError};
pub use layer::{ClerkBody, ClerkLayer, ClerkService, FailureHook, Mode, ResponseFuture, get_auth};
