//! Keep-running streams ([`Config::keep_running`]): the thresholds at the ring's boundary,
//! and the xruns found from the positions, since the kernel never declares them.

use super::{Config, Direction, MmapStream, Setup, StreamDirection};
use crate::error::{Error, Result};
use crate::pcm::{PcmDevice, SwParams};
use crate::ring;
use crate::sample::Sample;

/// With [`Config::keep_running`], sends the software parameters again with the stop
/// threshold and (for playback) the silence size at `boundary` and the silence threshold 0:
/// the kernel tells the boundary only in the answer to the first `SW_PARAMS`. Returns the
/// parameters in force (`sw` itself without `keep_running`).
pub(super) fn sw_params_at_boundary<D: StreamDirection>(
    pcm: &PcmDevice,
    config: &Config,
    mut sw: SwParams,
    boundary: u64,
) -> Result<SwParams> {
    if !config.keep_running {
        return Ok(sw);
    }
    sw.stop_threshold = boundary;
    sw.silence_threshold = 0;
    sw.silence_size = if D::DIRECTION == Direction::Playback {
        boundary
    } else {
        0
    };
    if pcm.sw_params(&sw)? != boundary {
        return Err(Error::BadKernelValue);
    }
    Ok(sw)
}

impl Setup {
    /// Whether the stream keeps running through xruns ([`Config::keep_running`]): its stop
    /// threshold is the boundary, which the kernel's avail never reaches.
    pub fn keeps_running(&self) -> bool {
        self.stop_threshold >= self.boundary
    }
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// For a stream that keeps running ([`Setup::keeps_running`]): when the hardware pointer
    /// has passed the application pointer (playback played silence where the program was
    /// late; capture overwrote frames not yet read), counts one xrun and moves the
    /// application pointer past the hardware's, to the first period boundary at least half a
    /// period ahead of it for playback (for capture, half a period or more past the oldest
    /// frame still in the buffer). Returns the frames skipped, 0 when the stream is in time or
    /// does not keep running. Works on the last status: no system call unless it skips (one
    /// `SYNC_PTR` to publish the pointer; none when mapped). Playback fills what it skips
    /// up to the end of the buffer with silence (the kernel has silenced it already).
    ///
    /// The frames skipped count in [`MmapStream::position`] and
    /// [`PeriodInfo::position`](crate::PeriodInfo::position), which so stay the stream's
    /// time: a tone computed from the position resumes at the phase it would have had. The
    /// period loop ([`MmapStream::run`]) calls it before each period; call it before
    /// [`MmapStream::begin`](crate::MmapStream::begin) in a loop of your own.
    ///
    /// # Errors
    /// [`Error::BadKernelValue`] for pointers outside the boundary; the errors of publishing
    /// the pointer.
    pub fn catch_up(&mut self) -> Result<u64> {
        let (_, appl) = self.pointers()?;
        let late = self.late_by(self.cached_avail()?, appl);
        if late > 0 {
            self.begun = 0;
            self.skip(late)?;
        }
        Ok(late)
    }

    /// The frames to skip when the hardware has passed the application pointer `appl` in a
    /// stream that keeps running (`avail` beyond the buffer), counting the xrun; 0 otherwise.
    pub(super) fn late_by(&mut self, avail: u64, appl: u64) -> u64 {
        let buffer = self.frames_in_buffer();
        if avail <= buffer || !self.setup.keeps_running() {
            return 0;
        }
        self.xruns = self.xruns.saturating_add(1);
        catch_up_frames(
            avail,
            buffer,
            self.period(),
            appl,
            self.setup.boundary,
            D::DIRECTION,
        )
    }
}

/// The frames to move the application pointer `appl` by after the hardware passed it
/// (`avail > buffer`): past the hardware to a period boundary, half a period or more ahead
/// of it for playback, and never beyond what capture has filled.
fn catch_up_frames(
    avail: u64,
    buffer: u64,
    period: u64,
    appl: u64,
    boundary: u64,
    direction: Direction,
) -> u64 {
    let behind = avail - buffer;
    let mut frames = behind + period / 2;
    frames += ring::to_period_boundary(ring::advance(appl, frames, boundary), period);
    if direction == Direction::Capture {
        frames = frames.min(avail);
    }
    frames
}

#[cfg(test)]
mod tests;
