//! (being written)
/// placeholder
pub struct Algorithm;
/// placeholder
pub struct Algorithms;
/// placeholder
pub struct Verified;
/// placeholder
pub struct Verifier;
/// placeholder
pub struct VerifyOptions;
