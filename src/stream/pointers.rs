//! The pointers, the status and the waits: what a stream knows of the kernel's side and
//! how it learns more (a status refresh, a hardware sync, a poll).

use crate::error::{Error, Result};
use crate::ring;
use crate::sample::Sample;
use crate::sys::Readiness;

use super::{Direction, Kernel, MmapStream, State, Status, StreamDirection, Timestamp};

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// The hardware and application pointers as of the last status, checked against the
    /// boundary (a kernel value outside it is [`Error::BadKernelValue`], not an overflow).
    pub(super) fn pointers(&self) -> Result<(u64, u64)> {
        self.checked_pointers(self.kernel.status().hw_ptr, self.kernel.appl_ptr())
    }

    /// `hw` and `appl` if both are within the boundary, [`Error::BadKernelValue`] otherwise.
    pub(super) fn checked_pointers(&self, hw: u64, appl: u64) -> Result<(u64, u64)> {
        if hw >= self.setup.boundary || appl >= self.setup.boundary {
            return Err(Error::BadKernelValue);
        }
        Ok((hw, appl))
    }

    /// Available frames as of the last status (free for playback, filled for capture).
    pub(super) fn cached_avail(&self) -> Result<u64> {
        let (hw, appl) = self.pointers()?;
        Ok(self.avail_between(hw, appl))
    }

    /// Available frames (free for playback, filled for capture) between checked pointers.
    pub(super) fn avail_between(&self, hw: u64, appl: u64) -> u64 {
        let boundary = self.setup.boundary;
        if D::DIRECTION == Direction::Capture {
            ring::capture_avail(hw, appl, boundary)
        } else {
            ring::playback_avail(hw, appl, self.frames_in_buffer(), boundary)
        }
    }

    /// Refreshes the status and reads back the application pointer (one `SYNC_PTR`, nothing
    /// when mapped). A state other than the fault counted last shows that fault is over: a
    /// state outside the faults, or another fault (a suspend seen after an xrun that a linked
    /// partner's prepare ended unseen, so that an xrun after the suspend is a new one).
    pub(super) fn refresh(&mut self) -> Result<()> {
        self.kernel.refresh()?;
        if let Ok(state) = self.cached_state() {
            if self.fault_counted.is_some_and(|counted| counted != state) {
                self.fault_counted = None;
            }
        }
        Ok(())
    }

    /// The state as of the last status.
    pub(super) fn cached_state(&self) -> Result<State> {
        State::from_raw(self.kernel.status().state)
    }

    /// The status timestamp and the audio timestamp of one status snapshot.
    pub(super) fn timestamps_of(s: &crate::transport::RawStatus) -> (Timestamp, Timestamp) {
        (
            Timestamp {
                sec: s.tstamp_sec,
                nsec: s.tstamp_nsec,
            },
            Timestamp {
                sec: s.audio_tstamp_sec,
                nsec: s.audio_tstamp_nsec,
            },
        )
    }

    /// Asks the driver for its position and returns a fresh status (one ioctl).
    ///
    /// Every field comes from one snapshot of the status: on the mapped transport, where
    /// the kernel updates the page at any time, the pointer, the state and the timestamps
    /// are not read from different updates.
    ///
    /// # Errors
    /// The [`Error::Sys`] of the hardware sync, [`Error::BadKernelValue`] for a state or pointer
    /// out of range.
    pub fn status(&mut self) -> Result<Status> {
        self.kernel.hwsync()?;
        let raw = self.kernel.status();
        let (hw_ptr, appl_ptr) = self.checked_pointers(raw.hw_ptr, self.kernel.appl_ptr())?;
        let (timestamp, audio_timestamp) = Self::timestamps_of(&raw);
        Ok(Status {
            state: State::from_raw(raw.state)?,
            hw_ptr,
            appl_ptr,
            avail: self.avail_between(hw_ptr, appl_ptr),
            timestamp,
            audio_timestamp,
        })
    }

    /// The current state (one ioctl on the `SYNC_PTR` path, none when mapped).
    ///
    /// # Errors
    /// [`Error::Disconnected`] once the device is gone (the `ENODEV` of `SYNC_PTR`, or the
    /// `DISCONNECTED` state on the status page: the same on both transports), the
    /// [`Error::Sys`] of `SYNC_PTR`, [`Error::BadKernelValue`] for an unknown state.
    pub fn state(&mut self) -> Result<State> {
        self.refresh()?;
        match self.cached_state()? {
            State::Disconnected => Err(Error::Disconnected),
            state => Ok(state),
        }
    }

    /// Hardware pointer as of the last status.
    pub fn hw_ptr(&self) -> u64 {
        self.kernel.status().hw_ptr
    }

    /// Application pointer.
    pub fn appl_ptr(&self) -> u64 {
        self.kernel.appl_ptr()
    }

    /// Frames between the application pointer and the sound heard or captured now
    /// (`SNDRV_PCM_IOCTL_DELAY`).
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_DELAY` (`EPIPE` in an xrun, `EBADFD` when not
    /// running).
    pub fn delay(&self) -> Result<i64> {
        self.kernel.delay()
    }

    /// Frames available now, refreshed from the driver. In an xrun or a suspend this is an
    /// error, handled per the policy by [`MmapStream::run`] or by [`MmapStream::recover`].
    ///
    /// # Errors
    /// The stream's fault ([`Error::Xrun`], [`Error::Suspended`], [`Error::Disconnected`]), the
    /// [`Error::Sys`] of the hardware sync.
    pub fn avail(&mut self) -> Result<u64> {
        self.kernel.hwsync()?;
        let state = self.cached_state()?;
        match self.note_fault(state) {
            Some(fault) => Err(fault),
            // The kernel's HWSYNC (and so `snd_pcm_avail`) fails with EBADFD here.
            None if matches!(state, State::Open | State::Setup) => Err(Error::BadState(state)),
            None => self.cached_avail(),
        }
    }

    /// Waits until `avail_min` frames (see [`Config::avail_min`](super::Config::avail_min)) are available, and
    /// refreshes the status so that [`MmapStream::avail`]-free calls (`begin`, `write`, the
    /// capture iterator) see them. `Ok(false)` when `timeout_ms` passed first; `None` uses
    /// the stream's timeout and returns [`Error::Timeout`] instead. `Some(0)` polls without
    /// blocking.
    ///
    /// # Errors
    /// [`Error::Timeout`] with `None` when the stream's timeout passes; the stream's fault when the
    /// wait ends in one; the [`Error::Sys`] of the wait or the status refresh.
    pub fn wait(&mut self, timeout_ms: Option<u32>) -> Result<bool> {
        let limit_ms = timeout_ms.unwrap_or(self.setup.timeout_ms);
        self.wake_at(self.setup.avail_min)?;
        // Like `snd_pcm_wait`: ready at once when `avail_min` is there as of the last status
        // (a state change such as `reset` wakes no waiter, so the poll alone would sleep).
        let state = self.cached_state()?;
        if matches!(state, State::Prepared | State::Running | State::Paused)
            && self.cached_avail()? >= self.setup.avail_min
        {
            return Ok(true);
        }
        match self.kernel.wait(limit_ms)? {
            Readiness::Ready => {
                self.refresh()?;
                Ok(true)
            }
            Readiness::Error => Err(self.wait_failed()?),
            Readiness::TimedOut if timeout_ms.is_some() => Ok(false),
            Readiness::TimedOut => Err(Error::Timeout),
        }
    }

    /// Makes the kernel wake the stream at `frames` available: set at once when mapped; on
    /// the `SYNC_PTR` path published with a status refresh, only when it changes.
    pub(super) fn wake_at(&mut self, frames: u64) -> Result<()> {
        if self.kernel.avail_min() == frames {
            return Ok(());
        }
        self.kernel.set_avail_min(frames);
        self.refresh()
    }

    /// The error after a wait or a poll saw the stream fail: its fault per the fresh state.
    pub(super) fn wait_failed(&mut self) -> Result<Error> {
        self.refresh()?;
        let state = self.cached_state()?;
        Ok(self.note_fault(state).unwrap_or(Error::BadState(state)))
    }

    /// The error for a fault state (xrun, suspended, disconnected), counting each xrun and
    /// suspend once however often it is seen before it ends; `None` for other states, which
    /// show that the fault ended (recovered here, or by a linked partner).
    pub(super) fn note_fault(&mut self, state: State) -> Option<Error> {
        let (counter, fault) = match state {
            State::Xrun => (&mut self.xruns, Error::Xrun),
            State::Suspended => (&mut self.suspends, Error::Suspended),
            State::Disconnected => return Some(Error::Disconnected),
            _ => {
                self.fault_counted = None;
                return None;
            }
        };
        if self.fault_counted != Some(state) {
            self.fault_counted = Some(state);
            *counter = counter.saturating_add(1);
        }
        Some(fault)
    }
}
