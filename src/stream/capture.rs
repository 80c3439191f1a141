//! The capture side of [`MmapStream`]: the read callback loop, `begin` and the sample
//! iterator.

use core::ops::ControlFlow;

use super::{Capture, Config, MmapStream, PeriodInfo, StopFlag};
use crate::error::Result;
use crate::sample::Sample;

impl<S: Sample> MmapStream<S, Capture> {
    /// Opens a capture stream on `device` (shorthand for [`MmapStream::open`]).
    ///
    /// # Errors
    /// As [`MmapStream::open`].
    pub fn capture(device: &str, config: &Config) -> core::result::Result<Self, crate::DeviceError> {
        Self::open(device, config)
    }

    /// Runs the stream: starts it, waits for each filled period and hands it to `callback`,
    /// until the callback breaks (its value is returned) or an error the policy does not
    /// cover.
    ///
    /// # Errors
    /// The faults the [`crate::XrunPolicy`] does not recover ([`crate::Error::Xrun`],
    /// [`crate::Error::Suspended`] with `Fail`), [`crate::Error::Disconnected`],
    /// [`crate::Error::Timeout`] when no period comes, and the [`crate::Error::Sys`] of a failed
    /// ioctl or wait.
    pub fn run<B>(&mut self, mut callback: impl FnMut(&[S], &PeriodInfo) -> ControlFlow<B>) -> Result<B> {
        self.run_periods(|| None, |samples, info| callback(samples, info))
    }

    /// [`MmapStream::run`] until `stop` is raised (from another thread or a signal handler):
    /// `Ok(None)` at the next period after it, `Ok(Some(value))` when the callback breaks.
    ///
    /// # Errors
    /// As [`MmapStream::run`].
    pub fn run_until<B>(
        &mut self,
        stop: &StopFlag,
        mut callback: impl FnMut(&[S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<B>> {
        self.run_periods(
            || stop.is_raised().then_some(None),
            |samples, info| callback(samples, info).map_break(Some),
        )
    }

    /// One captured period if one is filled now, without waiting (for a program with its own
    /// event loop: poll [`MmapStream::fd`] for [`MmapStream::poll_events`] in between).
    /// `Ok(None)` when none is there yet; otherwise what the callback returned.
    ///
    /// # Starting
    /// A capture stream records nothing until it is started, and a poll of a stream that is
    /// only prepared never wakes up. The first call starts a prepared stream (as
    /// [`MmapStream::start`] does) and returns `Ok(None)`: call it once before the first
    /// poll, then after each poll that [`MmapStream::handle_poll`] reports ready. After
    /// [`MmapStream::recover`] the stream is prepared again, and the next call restarts it.
    ///
    /// # Errors
    /// The stream's fault ([`crate::Error::Xrun`], [`crate::Error::Suspended`],
    /// [`crate::Error::Disconnected`]) when the policy does not recover it, and the
    /// [`crate::Error::Sys`] of a failed `SYNC_PTR` or start.
    pub fn try_period<B>(
        &mut self,
        mut callback: impl FnMut(&[S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<ControlFlow<B>>> {
        self.period_step(false, &mut |samples: &mut [S], info: &PeriodInfo| {
            callback(samples, info)
        })
    }

    /// The filled part of the buffer from the application pointer, at most `max_frames`
    /// frames and up to the end of the buffer, as of the last status: call
    /// [`MmapStream::avail`] or [`MmapStream::wait`] first. Read it, then
    /// [`MmapStream::commit`] the frames consumed.
    pub fn begin(&mut self, max_frames: usize) -> &[S] {
        let (offset, frames) = self.contiguous(max_frames);
        self.hand_out(frames);
        self.samples_mut(offset, frames)
    }

    /// An iterator over the captured samples available now; the whole frames it yielded are
    /// committed when it is dropped (the alsa-rs `direct` API).
    pub fn iter(&mut self) -> CaptureIter<'_, S> {
        CaptureIter {
            stream: self,
            taken: 0,
        }
    }
}

/// Captured samples, committed on drop. See [`MmapStream::iter`].
#[derive(Debug)]
pub struct CaptureIter<'a, S: Sample> {
    stream: &'a mut MmapStream<S, Capture>,
    /// Samples yielded and not yet committed.
    taken: usize,
}

impl<S: Sample> Iterator for CaptureIter<'_, S> {
    type Item = S;

    fn next(&mut self) -> Option<S> {
        let channels = self.stream.channels();
        let (offset, frames) = self.stream.contiguous(usize::MAX);
        let whole = self.taken / channels;
        if whole as u64 >= frames {
            if whole == 0 || self.commit_whole_frames().is_err() {
                return None;
            }
            return self.next();
        }
        let sample = self.stream.samples_mut(offset, frames)[self.taken];
        self.taken += 1;
        Some(sample)
    }
}

impl<S: Sample> CaptureIter<'_, S> {
    fn commit_whole_frames(&mut self) -> Result<()> {
        let frames = self.taken / self.stream.channels();
        self.taken -= frames * self.stream.channels();
        self.stream.hand_out(frames as u64);
        self.stream.commit(frames)
    }
}

impl<S: Sample> Drop for CaptureIter<'_, S> {
    fn drop(&mut self) {
        // A failed commit is seen by the next call on the stream, which refreshes the state.
        let _ = self.commit_whole_frames();
    }
}
