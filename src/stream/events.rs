//! Event-loop integration: what to poll the stream's descriptor for, what the result means,
//! and a flag that stops [`MmapStream::run_until`] from another thread or a signal handler.
//! The non-blocking period step is `try_period` on each direction.

use core::sync::atomic::{AtomicBool, Ordering};

use rustix::event::PollFlags;

use super::{Direction, MmapStream, State, StreamDirection};
use crate::error::Result;
use crate::sample::Sample;

/// Raised to end [`MmapStream::run_until`] at the next period. A plain atomic: it can be a
/// `static`, raised from another thread or from a signal handler.
///
/// ```
/// use alsa_direct::StopFlag;
/// static STOP: StopFlag = StopFlag::new();
/// STOP.raise(); // e.g. in a SIGTERM handler
/// assert!(STOP.is_raised());
/// ```
#[derive(Debug, Default)]
pub struct StopFlag(AtomicBool);

impl StopFlag {
    /// A flag that is down.
    pub const fn new() -> Self {
        StopFlag(AtomicBool::new(false))
    }

    /// Raises the flag: `run_until` returns before its next period.
    pub fn raise(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Lowers the flag again.
    pub fn lower(&self) {
        self.0.store(false, Ordering::Release);
    }

    /// Whether the flag is raised.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// The events to poll [`MmapStream::fd`] for: `POLLIN` for capture, `POLLOUT` for
    /// playback (errors are always reported).
    pub fn poll_events(&self) -> PollFlags {
        if D::DIRECTION == Direction::Capture {
            PollFlags::IN
        } else {
            PollFlags::OUT
        }
    }

    /// What a poll of [`MmapStream::fd`] returned (`revents`): `Ok(true)` when the stream has
    /// `avail_min` frames (the status is refreshed, so `begin`, `write` and the capture
    /// iterator see them; `try_period` hands out a period once one is whole), `Ok(false)`
    /// when nothing is there; the stream's fault ([`Error::Xrun`](crate::Error::Xrun), [`Error::Suspended`](crate::Error::Suspended),
    /// [`Error::Disconnected`](crate::Error::Disconnected), counted) or [`Error::BadState`](crate::Error::BadState) when the poll reported an
    /// error. The fault is not recovered here: call [`MmapStream::recover`].
    ///
    /// # Starting
    /// A poll reports a capture stream ready only once it runs: start it before the first
    /// poll ([`MmapStream::start`], or one call of its `try_period`, which starts a prepared
    /// capture stream), and again after [`MmapStream::recover`]. A playback stream is ready
    /// at once (its buffer is free); it starts by itself once the start threshold
    /// ([`crate::Config::start_threshold`], by default the whole buffer) is queued, so the
    /// first polls fill the buffer before any sound.
    ///
    /// # Errors
    /// As above; and the [`Error::Sys`](crate::Error::Sys) of the `SYNC_PTR` that refreshes
    /// the status.
    pub fn handle_poll(&mut self, revents: PollFlags) -> Result<bool> {
        if revents.intersects(PollFlags::ERR | PollFlags::HUP | PollFlags::NVAL) {
            return Err(self.wait_failed()?);
        }
        if revents.intersects(self.poll_events()) {
            self.refresh()?;
            let state = self.cached_state()?;
            if let Some(fault) = self.note_fault(state) {
                return Err(fault);
            }
            return Ok(matches!(state, State::Prepared | State::Running));
        }
        Ok(false)
    }
}
