//! Support shared by the fuzz targets: the fuzz-only key, an independent
//! JSON tree read by `serde_json`, and a reference model of token
//! verification built only from independent crates (`base64ct`,
//! `serde_json`, `rsa`) and Clerk's written rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod keys;
pub mod model;
pub mod tree;

/// The clock of Clerk's conformance cases (2026-01-01T00:00:00Z), so that
/// the seed tokens taken from them are neither expired nor in the future.
pub const NOW_MS: i64 = 1_767_225_600_000;
