//! Rewind and forward: moving the application pointer back over queued frames (to replace
//! what is queued at once, as a synth reacting to a key does) or on over available ones.

use super::kernel::Kernel;
use super::{Direction, MmapStream, StreamDirection};
use crate::abi;
use crate::error::{Error, Result};
use crate::ring;
use crate::sample::Sample;

/// The least a rewind leaves queued before the hardware pointer, in milliseconds: frames the
/// hardware may have fetched into its FIFO although the pointer does not show it yet
/// (PulseAudio's rewind safeguard is 1.33 ms).
const SAFEGUARD_MS: u64 = 2;

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Frames [`MmapStream::rewind`] may take back now: for playback, the queued frames
    /// less a safeguard of what the hardware may already have read (2 ms, and a period
    /// more on drivers that move their pointer in steps, `SNDRV_PCM_INFO_BATCH`: USB audio,
    /// the Raspberry Pi's firmware audio); for capture, the frames read but not yet
    /// overwritten (and captured since the stream was prepared). Asks the driver for its position first (one ioctl).
    ///
    /// # Errors
    /// [`Error::NoRewinds`] when the driver forbids rewinds; the errors of the position
    /// update; [`Error::BadKernelValue`] for pointers out of range.
    pub fn rewindable(&mut self) -> Result<u64> {
        if self.info_flags & abi::SNDRV_PCM_INFO_NO_REWINDS != 0 {
            return Err(Error::NoRewinds);
        }
        self.kernel.hwsync()?;
        let buffer = self.frames_in_buffer();
        let filled = buffer.saturating_sub(self.cached_avail()?);
        Ok(if D::DIRECTION == Direction::Playback {
            filled.saturating_sub(self.rewind_safeguard())
        } else {
            // Not before the first frame captured since the stream was prepared.
            filled.min(self.pointers()?.1)
        })
    }

    /// Frames [`MmapStream::forward`] may skip now: the available ones (free for playback,
    /// filled for capture), at most a buffer. Asks the driver for its position first (one
    /// ioctl).
    ///
    /// # Errors
    /// The errors of the position update; [`Error::BadKernelValue`] for pointers out of
    /// range.
    pub fn forwardable(&mut self) -> Result<u64> {
        self.kernel.hwsync()?;
        Ok(self.cached_avail()?.min(self.frames_in_buffer()))
    }

    /// Moves the application pointer back by up to `frames` (`SNDRV_PCM_IOCTL_REWIND`),
    /// never further than [`MmapStream::rewindable`]: for playback the frames taken back can
    /// be written again at once (a lower latency from now on, or new sound replacing what
    /// was queued). When the application pointer is on a period boundary (always between
    /// the periods of [`MmapStream::run`]) it moves by whole periods, so that the period
    /// loop goes on without a gap. Returns the frames moved; [`MmapStream::position`] goes back by as many,
    /// so a sound computed from the position is written again where it was.
    ///
    /// # Errors
    /// [`Error::NoRewinds`] when the driver forbids rewinds (`SNDRV_PCM_INFO_NO_REWINDS`);
    /// the kernel's refusal (`EPIPE` in an xrun, `EBADFD` outside the streaming states).
    pub fn rewind(&mut self, frames: u64) -> Result<u64> {
        let frames = frames.min(self.rewindable()?);
        self.move_appl(self.whole_periods(frames)?, true)
    }

    /// Moves the application pointer on by up to `frames` (`SNDRV_PCM_IOCTL_FORWARD`),
    /// never further than [`MmapStream::forwardable`] (by whole periods from a period
    /// boundary, as [`MmapStream::rewind`]): playback leaves the frames as they
    /// are in the buffer (silence only if they were written so), capture drops them.
    /// Returns the frames moved; [`MmapStream::position`] goes on by as many.
    ///
    /// # Errors
    /// The kernel's refusal (`EPIPE` in an xrun, `EBADFD` outside the streaming states).
    pub fn forward(&mut self, frames: u64) -> Result<u64> {
        let frames = frames.min(self.forwardable()?);
        self.move_appl(self.whole_periods(frames)?, false)
    }

    /// `frames` cut to whole periods when the application pointer is on a period boundary
    /// (always in the period loop, which would otherwise skip to the next boundary with
    /// silence); as they are otherwise.
    fn whole_periods(&self, frames: u64) -> Result<u64> {
        let period = self.period();
        let (_, appl) = self.pointers()?;
        Ok(if ring::to_period_boundary(appl, period) == 0 {
            frames - frames % period
        } else {
            frames
        })
    }

    /// The ioctl, then the pointer read back and the position moved with it.
    fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64> {
        if frames == 0 {
            return Ok(0);
        }
        let moved = self.kernel.move_appl(frames, back)?;
        self.moved()?;
        self.position = if back {
            self.position.saturating_sub(moved)
        } else {
            self.position.saturating_add(moved)
        };
        Ok(moved)
    }

    /// The frames a playback rewind leaves queued: [`SAFEGUARD_MS`], and a period more for
    /// a driver whose pointer moves in steps.
    fn rewind_safeguard(&self) -> u64 {
        let rate = u64::from(self.setup.negotiated.rate);
        let mut guard = (rate * SAFEGUARD_MS).div_ceil(1000);
        if self.info_flags & abi::SNDRV_PCM_INFO_BATCH != 0 {
            guard += self.period();
        }
        guard
    }
}

#[cfg(test)]
mod tests;
