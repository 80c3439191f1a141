//! The playback side of [`MmapStream`]: the fill callback loop, `begin` and `write`.

use core::ops::ControlFlow;

use super::{Config, MmapStream, PeriodInfo, Playback, StopFlag};
use crate::error::Result;
use crate::sample::Sample;

impl<S: Sample> MmapStream<S, Playback> {
    /// Opens a playback stream on `device` (shorthand for [`MmapStream::open`]).
    ///
    /// # Errors
    /// As [`MmapStream::open`].
    pub fn playback(device: &str, config: &Config) -> core::result::Result<Self, crate::DeviceError> {
        Self::open(device, config)
    }

    /// Runs the stream: waits for each free period and hands it to `callback` to fill, until
    /// the callback breaks (its value is returned) or an error the policy does not cover.
    ///
    /// The period filled by the call that breaks is committed. The stream starts once the
    /// start threshold (by default the whole buffer) is queued.
    ///
    /// # Errors
    /// The faults the [`crate::XrunPolicy`] does not recover ([`crate::Error::Xrun`],
    /// [`crate::Error::Suspended`] with `Fail`), [`crate::Error::Disconnected`],
    /// [`crate::Error::Timeout`] when no period frees, and the [`crate::Error::Sys`] of a failed
    /// ioctl or wait.
    pub fn run<B>(&mut self, callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>) -> Result<B> {
        self.run_periods(|| None, callback)
    }

    /// [`MmapStream::run`] until `stop` is raised (from another thread or a signal handler):
    /// `Ok(None)` at the next period after it, `Ok(Some(value))` when the callback breaks.
    ///
    /// # Errors
    /// As [`MmapStream::run`].
    pub fn run_until<B>(
        &mut self,
        stop: &StopFlag,
        mut callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<B>> {
        self.run_periods(
            || stop.is_raised().then_some(None),
            |samples, info| callback(samples, info).map_break(Some),
        )
    }

    /// One period to fill if one is free now, without waiting (for a program with its own
    /// event loop: poll [`MmapStream::fd`] for [`MmapStream::poll_events`] in between).
    /// `Ok(None)` when none is free yet; otherwise what the callback returned.
    ///
    /// # Errors
    /// As [`MmapStream::run`], without [`crate::Error::Timeout`] (it never waits).
    pub fn try_period<B>(
        &mut self,
        mut callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<ControlFlow<B>>> {
        self.period_step(false, &mut callback)
    }

    /// The free part of the buffer from the application pointer, at most `max_frames` frames
    /// and up to the end of the buffer (like `snd_pcm_mmap_begin`), as of the last status:
    /// call [`MmapStream::avail`] or [`MmapStream::wait`] first. Fill it, then
    /// [`MmapStream::commit`] the frames written.
    pub fn begin(&mut self, max_frames: usize) -> &mut [S] {
        let (offset, frames) = self.contiguous(max_frames);
        self.hand_out(frames);
        self.samples_mut(offset, frames)
    }

    /// Writes samples from `samples` into the free part of the buffer and commits them (the
    /// alsa-rs `direct` API). A trailing partial frame is completed with silence. Returns the
    /// frames written; stops early when the buffer is full or the iterator ends.
    ///
    /// # Errors
    /// As [`MmapStream::run`].
    pub fn write(&mut self, samples: &mut impl Iterator<Item = S>) -> Result<usize> {
        self.check_queueable()?;
        let channels = self.channels();
        let mut written = 0;
        while written < self.frames_in_buffer() as usize {
            let area = self.begin(usize::MAX);
            if area.is_empty() {
                break;
            }
            let mut filled: usize = 0;
            let mut ended = false;
            for slot in area.iter_mut() {
                match samples.next() {
                    Some(s) => *slot = s,
                    None => {
                        ended = true;
                        break;
                    }
                }
                filled += 1;
            }
            let frames = filled.div_ceil(channels);
            area[filled..frames * channels].fill(S::SILENCE);
            self.commit(frames)?;
            written += frames;
            if ended {
                break;
            }
        }
        Ok(written)
    }
}
