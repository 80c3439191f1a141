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
use super::{Direction, MmapStream, Setup, StreamDirection};
use crate::abi;
use crate::error::Result;
use crate::pcm::SwParams;
use crate::ring;
use crate::sample::Sample;

/// The software parameters as configured, and whether a drain's silence replaced them.
#[derive(Clone, Copy, Debug)]
pub(super) struct DrainSilence {
    configured: SwParams,
    /// The driver stops exactly after the last frame (`SNDRV_PCM_INFO_PERFECT_DRAIN`).
    perfect: bool,
    /// The kernel has the drain's silence parameters until the next prepare.
    in_force: bool,
}

impl DrainSilence {
    /// For a stream set up with `configured`, on a device with the `SNDRV_PCM_INFO_*` flags
    /// `info`.
    pub(super) fn new(configured: SwParams, info: u32) -> Self {
        DrainSilence {
            configured,
            perfect: info & abi::SNDRV_PCM_INFO_PERFECT_DRAIN != 0,
            in_force: false,
        }
    }
}

/// The software parameters of a stream set up with `setup`, with no silence filling.
pub(super) fn configured_sw_params(setup: &Setup) -> SwParams {
    SwParams {
        avail_min: setup.avail_min,
        start_threshold: setup.start_threshold,
        stop_threshold: setup.stop_threshold,
        silence_threshold: 0,
        silence_size: 0,
        tstamp_type: setup.timestamp_clock.raw(),
    }
}

/// Frames of silence a drain needs after the application pointer `appl` (alsa-lib's rule):
/// to the next period boundary, plus a tenth of a second for hardware that reads ahead, at
/// most a buffer.
pub(super) fn drain_silence_frames(appl: u64, period: u64, rate: u64, buffer: u64) -> u64 {
    (ring::to_period_boundary(appl, period) + rate / 10).min(buffer)
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Before a playback `DRAIN`: asks the kernel to fill silence after the queued frames
    /// (one `SW_PARAMS`), unless the driver drains perfectly or the configured silence is
    /// already as long.
    pub(super) fn silence_for_drain(&mut self) -> Result<()> {
        let silence = self.drain_silence;
        if D::DIRECTION == Direction::Capture || silence.perfect {
            return Ok(());
        }
        let appl = self.pointers()?.1;
        let buffer = self.frames_in_buffer();
        let rate = u64::from(self.setup.negotiated.rate);
        let frames = drain_silence_frames(appl, self.period(), rate, buffer);
        if silence.configured.silence_size >= frames {
            return Ok(());
        }
        let sw = SwParams {
            avail_min: self.kernel.avail_min(),
            silence_threshold: buffer,
            silence_size: frames,
            ..silence.configured
        };
        self.kernel.sw_params(&sw)?;
        self.drain_silence.in_force = true;
        Ok(())
    }

    /// Before a prepare: puts back the configured software parameters if a drain changed
    /// them (one `SW_PARAMS`, only then).
    pub(super) fn restore_sw_params(&mut self) -> Result<()> {
        if !self.drain_silence.in_force {
            return Ok(());
        }
        let sw = SwParams {
            avail_min: self.kernel.avail_min(),
            ..self.drain_silence.configured
        };
        self.kernel.sw_params(&sw)?;
        self.drain_silence.in_force = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::drain_silence_frames;

    #[test]
    fn drain_silence_reaches_the_period_boundary_and_a_tenth_of_a_second() {
        // 100 frames into a 256-frame period at 48 kHz: 156 + 4800, cut to the buffer.
        assert_eq!(drain_silence_frames(100, 256, 48_000, 8192), 156 + 4800);
        assert_eq!(drain_silence_frames(100, 256, 48_000, 1024), 1024);
        // On a period boundary: only the tenth of a second.
        assert_eq!(drain_silence_frames(512, 256, 48_000, 8192), 4800);
    }
}
