//! The silence a playback `drain` leaves after the last frame, as alsa-lib's
//! `snd_pcm_hw_drain` does: most hardware stops only at a period interrupt (and USB audio
//! has already copied the next packets), so without it the frames an earlier lap left in the
//! buffer after the application pointer are heard after the end.
//!
//! The kernel fills the silence (`silence_threshold`/`silence_size` in `SW_PARAMS`): it
//! writes the free part of the buffer at once and again at each pointer update while the
//! stream drains, which a write from here before `DRAIN` could not (with a full buffer the
//! frames to silence are still queued then). The next prepare puts back the configured
//! parameters, since the kernel's silence in the free part of the buffer would otherwise
//! race with what the application writes there before committing it.

use super::kernel::Kernel;
use super::{Direction, MmapStream, StreamDirection};
use crate::abi;
use crate::error::Result;
use crate::pcm::SwParams;
use crate::ring;
use crate::sample::Sample;

/// The silence filling as configured, and whether a drain's silence replaced it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DrainSilence {
    /// The configured `silence_threshold` and `silence_size`.
    threshold: u64,
    size: u64,
    /// The driver stops exactly after the last frame (`SNDRV_PCM_INFO_PERFECT_DRAIN`).
    perfect: bool,
    /// The kernel has the drain's silence parameters until the next prepare.
    in_force: bool,
}

impl DrainSilence {
    /// For a stream set up with the silence filling of `sw`, on a device with the
    /// `SNDRV_PCM_INFO_*` flags `info`.
    pub(super) fn new(sw: &SwParams, info: u32) -> Self {
        DrainSilence {
            threshold: sw.silence_threshold,
            size: sw.silence_size,
            perfect: info & abi::SNDRV_PCM_INFO_PERFECT_DRAIN != 0,
            in_force: false,
        }
    }
}

/// Frames of silence a drain needs after the application pointer `appl` (alsa-lib's rule):
/// to the next period boundary, plus `tenth` (a tenth of a second) for hardware that reads
/// ahead, at most a buffer.
pub(super) fn drain_silence_frames(appl: u64, period: u64, tenth: u64, buffer: u64) -> u64 {
    (ring::to_period_boundary(appl, period) + tenth).min(buffer)
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Before a playback `DRAIN`: asks the kernel to fill silence after the queued frames
    /// (one `SW_PARAMS`), unless the driver drains perfectly or the configured silence is
    /// already as long.
    pub(super) fn silence_for_drain(&mut self) -> Result<()> {
        if D::DIRECTION == Direction::Capture || self.drain_silence.perfect {
            return Ok(());
        }
        let buffer = self.frames_in_buffer();
        let tenth = u64::from(self.setup.negotiated.rate / 10);
        let frames = drain_silence_frames(self.pointers()?.1, self.period(), tenth, buffer);
        if self.drain_silence.size >= frames {
            return Ok(());
        }
        // Set before the call: the kernel takes the parameters even when it then finds a
        // running stream underrun and fails with EPIPE (`snd_pcm_sw_params` checks the stop
        // threshold after storing them), and the next prepare must undo them.
        self.drain_silence.in_force = true;
        self.set_silence(buffer, frames)
    }

    /// Before a prepare: puts back the configured silence filling if a drain changed it (one
    /// `SW_PARAMS`, only then).
    pub(super) fn restore_sw_params(&mut self) -> Result<()> {
        if !self.drain_silence.in_force {
            return Ok(());
        }
        self.set_silence(self.drain_silence.threshold, self.drain_silence.size)?;
        self.drain_silence.in_force = false;
        Ok(())
    }

    /// `SW_PARAMS` with the stream's own thresholds and `avail_min` as the kernel has it, and
    /// this silence filling.
    pub(super) fn set_silence(&mut self, threshold: u64, size: u64) -> Result<()> {
        let sw = SwParams {
            avail_min: self.kernel.avail_min(),
            start_threshold: self.setup.start_threshold,
            stop_threshold: self.setup.stop_threshold,
            silence_threshold: threshold,
            silence_size: size,
            tstamp_type: self.setup.timestamp_clock.raw(),
        };
        self.kernel.sw_params(&sw)
    }
}

#[cfg(test)]
mod tests;
