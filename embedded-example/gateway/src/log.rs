//! Logging that costs nothing unless the board asks for it: with the `defmt`
//! feature the macros forward to `defmt`, without it they only type-check
//! their arguments. Arguments must implement `defmt::Format` and
//! `core::fmt::Display` both (strings and integers do).

macro_rules! info {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::info!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = format_args!($($arg)*); }
    }};
}

macro_rules! warning {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::warn!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = format_args!($($arg)*); }
    }};
}

macro_rules! debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::debug!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = format_args!($($arg)*); }
    }};
}

pub(crate) use {debug, info, warning};
