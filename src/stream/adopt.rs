//! Adopting a stream set up elsewhere: another library (alsa-lib, a C program) did
//! `HW_PARAMS` on the device, and this crate maps it and streams without negotiating again
//! (the design of alsa-rs's `direct` module, which this crate grew from).

use super::{check_negotiated, sw_params, Config, MmapStream, State, StreamDirection, Wakeups};
use crate::error::{DeviceContext, DeviceError, Errno, Error, Op, Result};
use crate::params::{HwParams, Negotiated, Refine};
use crate::pcm::PcmDevice;
use crate::sample::{self, Sample};
use crate::transport::Transport;
use crate::types::Param;

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// Streams on `pcm`, whose hardware parameters were set elsewhere (alsa-lib, another
    /// library, a C helper that passes the descriptor on) to `known`, without negotiating
    /// again: the software parameters of `config` (thresholds, transport, xrun policy,
    /// timeout; its format, rate and sizes are not used) are set, the buffer is mapped and
    /// the stream prepared.
    ///
    /// What the kernel can confirm is checked first, and a difference refused with
    /// [`Error::AdoptedMismatch`]: that `HW_PARAMS` was done and the stream is not running
    /// (its state), the channels and the sample width (`CHANNEL_INFO` on each channel, and
    /// its refusal of one more), and the buffer size (the boundary `SW_PARAMS` returns is
    /// the buffer size times a power of two, the largest below the pointer limit, and the
    /// kernel refuses to map more than its buffer). The rate and the period size cannot be
    /// read back from the kernel: they are trusted, and a wrong period size shows as
    /// periods that do not match the interrupts. Nor can a buffer claimed *smaller* than the
    /// kernel's by a power of two (512 frames for 1024) be told apart: the boundaries are
    /// the same and the smaller mapping is allowed.
    ///
    /// ```no_run
    /// use alsa_direct::{Config, Direction, Format, MmapStream, Negotiated, PcmDevice, Playback};
    /// # fn fd_from_elsewhere() -> alsa_direct::OwnedFd { unimplemented!() }
    /// // The descriptor and what alsa-lib's snd_pcm_hw_params_get_* said about it.
    /// let pcm = PcmDevice::from_fd(fd_from_elsewhere(), Direction::Playback)?;
    /// let known = Negotiated {
    ///     format: Format::S16Le,
    ///     channels: 2,
    ///     rate: 48_000,
    ///     period_size: 256,
    ///     periods: 4,
    ///     buffer_size: 1024,
    /// };
    /// let stream = MmapStream::<i16, Playback>::adopt(pcm, &known, &Config::new(Format::S16Le, 2, 48_000))?;
    /// # Ok::<(), alsa_direct::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`DeviceError`] naming the device's card, device and node: [`Error::FormatMismatch`]
    /// when `S` does not hold `known.format`; [`Error::BadKernelValue`] for inconsistent
    /// `known` values (a zero, or a buffer that is not `period_size * periods`);
    /// [`Error::BadState`] with [`State::Open`] when `HW_PARAMS` was not done, or the state
    /// when the stream runs already; [`Error::AdoptedMismatch`] as above; then the
    /// [`Error::Sys`] of `SW_PARAMS`, the mappings or the prepare.
    pub fn adopt(
        pcm: PcmDevice,
        known: &Negotiated,
        config: &Config,
    ) -> core::result::Result<Self, DeviceError> {
        let mut context = DeviceContext::default();
        let info = pcm.info();
        context.set_node(Some(info.card), info.device, Some(info.subdevice), info.direction);
        Self::adopt_in(pcm, known, config).map_err(|e| DeviceError::new(e, context))
    }

    fn adopt_in(mut pcm: PcmDevice, known: &Negotiated, config: &Config) -> Result<Self> {
        if !sample::holds::<S>(known.format) {
            return Err(Error::FormatMismatch { format: known.format });
        }
        check_negotiated(known)?;
        let state = State::from_raw(Transport::snapshot(pcm.fd())?.status().state)?;
        if !matches!(state, State::Setup | State::Prepared) {
            return Err(Error::BadState(state));
        }
        check_layout(&pcm, known)?;
        // The device's flags (pause, resume, SYNC_APPLPTR): what it offers with mmap access.
        let mut hw = HwParams::any();
        hw.set_mmap_interleaved();
        pcm.refine(&mut hw).map_err(|_| Error::NoMmapAccess)?;
        let boundary = pcm.sw_params(&sw_params::<D>(config, known)?)?;
        let buffer_mismatch = Error::AdoptedMismatch {
            param: Param::BufferSize,
            claimed: known.buffer_size,
            kernel: u32::MAX,
        };
        if boundary != kernel_boundary(u64::from(known.buffer_size)) {
            return Err(buffer_mismatch);
        }
        // A buffer claimed larger than the kernel's by a power of two has the same boundary;
        // its mapping is refused instead (larger than the DMA buffer).
        Self::finish(pcm, &hw, *known, config, Wakeups::PeriodInterrupts).map_err(|e| match e {
            Error::Sys {
                op: Op::MapBuffer,
                errno: Errno::INVAL,
            } => buffer_mismatch,
            e => e,
        })
    }
}

/// Checks with `CHANNEL_INFO` that the device has `known.channels` channels of
/// `known.format`'s width: each answers, one more is refused, and the step between frames
/// is their frame size.
fn check_layout(pcm: &PcmDevice, known: &Negotiated) -> Result<()> {
    let mismatch = |param, claimed, kernel| Error::AdoptedMismatch {
        param,
        claimed,
        kernel,
    };
    let frame_bits = (known.format.bytes() as u32)
        .checked_mul(8 * known.channels)
        .ok_or(Error::BadKernelValue)?;
    for channel in 0..known.channels {
        let info = match pcm.channel_info(channel) {
            Err(Error::Sys {
                errno: Errno::INVAL, ..
            }) => {
                return Err(mismatch(Param::Channels, known.channels, channel));
            }
            other => other?,
        };
        if info.step != frame_bits {
            return Err(mismatch(Param::FrameBits, frame_bits, info.step));
        }
    }
    match pcm.channel_info(known.channels) {
        Err(Error::Sys {
            errno: Errno::INVAL, ..
        }) => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Err(mismatch(Param::Channels, known.channels, u32::MAX)),
    }
}

/// The boundary the kernel computes for a buffer of `buffer` frames: the buffer doubled
/// while twice it stays at or below the process's `LONG_MAX` less the buffer (what
/// `snd_pcm_hw_params` and, for 32-bit processes on 64-bit kernels, the compat
/// `SW_PARAMS` compute).
fn kernel_boundary(buffer: u64) -> u64 {
    let limit = isize::MAX as u64;
    let mut boundary = buffer.max(1);
    while boundary.saturating_mul(2) <= limit.saturating_sub(buffer) {
        boundary *= 2;
    }
    boundary
}

#[cfg(test)]
mod tests;
