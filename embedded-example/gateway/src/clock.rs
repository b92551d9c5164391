//! Wall-clock time on a device without a battery-backed clock: a monotonic
//! instant paired with the Unix time it corresponds to, set by SNTP.

use core::cell::Cell;
use embassy_time::Instant;

/// Unix time in milliseconds, once something (SNTP) has set it.
///
/// Until then [`Clock::now_unix_ms`] is `None`, and the gateway refuses to
/// judge token lifetimes at all rather than guess.
#[derive(Debug, Default)]
pub struct Clock {
    /// Unix milliseconds minus monotonic milliseconds, when set.
    offset_ms: Cell<Option<i64>>,
    /// When it was last set, for the status page.
    synced_at: Cell<Option<Instant>>,
}

impl Clock {
    /// A clock that is not set yet.
    pub const fn new() -> Self {
        Self {
            offset_ms: Cell::new(None),
            synced_at: Cell::new(None),
        }
    }

    /// Records that the Unix time was `unix_ms` at the monotonic instant `at`.
    pub fn set(&self, unix_ms: i64, at: Instant) {
        let mono = millis(at);
        self.offset_ms.set(Some(unix_ms.saturating_sub(mono)));
        self.synced_at.set(Some(at));
    }

    /// Whether the clock has been set since boot.
    pub fn is_set(&self) -> bool {
        self.offset_ms.get().is_some()
    }

    /// The current Unix time in milliseconds, `None` until the clock is set.
    pub fn now_unix_ms(&self) -> Option<i64> {
        self.unix_ms_at(Instant::now())
    }

    /// The Unix time in milliseconds at the monotonic instant `at`.
    pub fn unix_ms_at(&self, at: Instant) -> Option<i64> {
        self.offset_ms
            .get()
            .map(|offset| offset.saturating_add(millis(at)))
    }

    /// Seconds since the clock was last set, `None` if never.
    pub fn secs_since_sync(&self) -> Option<u64> {
        self.synced_at
            .get()
            .map(|at| Instant::now().saturating_duration_since(at).as_secs())
    }
}

fn millis(at: Instant) -> i64 {
    i64::try_from(at.as_millis()).unwrap_or(i64::MAX)
}
