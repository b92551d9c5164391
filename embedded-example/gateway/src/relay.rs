//! The output that `POST /relay/{on|off}` drives. A board implements
//! [`Relay`] with a GPIO pin; [`LogRelay`] only logs, for hosts and tests.

/// An on/off output.
pub trait Relay {
    /// Switches the output on (`true`) or off (`false`).
    fn set(&mut self, on: bool);
}

/// A relay that only logs what it would do.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogRelay;

impl Relay for LogRelay {
    fn set(&mut self, on: bool) {
        crate::log::info!("relay: {}", if on { "on" } else { "off" });
    }
}

impl<R: Relay + ?Sized> Relay for &mut R {
    fn set(&mut self, on: bool) {
        (**self).set(on);
    }
}
