//! (being written)
/// placeholder
pub struct SessionClaims;
