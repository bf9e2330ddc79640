//! Time sources. Domain code asks a [`Clock`] for the time so tests can pin it.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Unix seconds.
    fn now(&self) -> i64;
    /// Unix milliseconds.
    fn now_millis(&self) -> i64 {
        self.now() * 1000
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        now_secs()
    }
    fn now_millis(&self) -> i64 {
        now_millis()
    }
}

/// A clock pinned to a given time (tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// Shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// Current Unix seconds.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Current Unix milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 rendering of Unix seconds (UTC).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

/// The system clock moved by the number of seconds written in a file (read at every call; a
/// missing or unreadable file adds nothing). Only debug builds construct it (tests moving a
/// running server's clock); see `app::holders::clock`.
#[derive(Clone, Debug)]
pub struct OffsetFileClock(pub std::path::PathBuf);

impl Clock for OffsetFileClock {
    fn now(&self) -> i64 {
        let offset = std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        now_secs() + offset
    }
}
