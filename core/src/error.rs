//! (being written)
/// placeholder
pub enum Reason {}
/// placeholder
pub struct TokenError;
