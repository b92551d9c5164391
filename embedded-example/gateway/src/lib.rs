//! # clerk-edge-gateway
//!
//! A board-independent gateway app: an HTTP/1.1 server on an embassy-net
//! stack that lets only signed-in Clerk users through, authenticating each
//! request on the device with the `clerk-edge` core (Clerk's
//! `authenticateRequest`: the Bearer header, and the `__session` cookie with
//! the `cookies` feature; reasons, `x-clerk-auth-*` headers, `toAuth()` and
//! `has({ permission })`). No allocator, no `std`:
//! every buffer comes from the caller, so a board crate decides, and can
//! measure, what it costs.
//!
//! - [`Gateway::serve`] runs one socket of the server; a board spawns a
//!   fixed pool of them (one task each) on the same [`Gateway`].
//! - [`sntp::run`] keeps the gateway's [`Clock`] set; until it is, protected
//!   routes answer 503 and nobody is signed in.
//! - Routes: `GET /status` (public), `GET /whoami` (signed in, JSON with the
//!   user and organization), `POST /relay/on|off` (needs
//!   [`Config::relay_permission`], drives a [`Relay`]). A signed-out request
//!   gets 401 with Clerk's `x-clerk-auth-status`, `x-clerk-auth-reason` and
//!   `x-clerk-auth-message` headers (the last one left out when the core is
//!   built with `omit-auth-message`, as the firmware is); malformed,
//!   oversized or slow requests get 400, 405, 408, 413, 414, 431 or 501.
//!
//! The same code runs on the board and in this crate's host tests, where two
//! embassy-net stacks talk over an in-memory link.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod log;

mod app;
pub mod auth;
pub mod clock;
pub mod http;
pub mod relay;
mod response;
mod server;
pub mod sntp;

pub use app::{Config, Gateway, RESPONSE_LEN, Stats, scratch_len};
pub use clock::Clock;
pub use relay::{LogRelay, Relay};
pub use sntp::SntpConfig;
