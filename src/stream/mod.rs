//! [`MmapStream`]: a configured PCM whose DMA buffer is mapped into this process and handed
//! to a callback one period at a time.

use core::cell::Cell;
use core::marker::PhantomData;

use crate::device::PcmInfo;
use crate::error::Result;
use crate::sample::Sample;
use crate::transport::TransportKind;

mod adopt;
mod audio_time;
mod capture;
mod config;
mod direction;
mod drain;
mod events;
#[cfg(feature = "keep-running")]
mod keep_running;
mod kernel;
mod lifecycle;
#[cfg(test)]
mod model;
mod open;
mod period;
mod playback;
mod pointers;
mod reader;
#[cfg(test)]
mod replay;
mod resume;
mod rewind;
mod snapshot;
mod status;
#[cfg(test)]
mod tests;
mod timer;

pub use audio_time::{AudioTime, AudioTimestampType};
pub use capture::CaptureIter;
pub use config::{Config, XrunPolicy};
pub use direction::{Capture, Direction, Playback, StreamDirection};
pub use events::StopFlag;
pub use reader::StatusReader;
pub use snapshot::Snapshot;
pub use status::{PeriodInfo, Setup, State, Status, Timestamp, TimestampClock};
pub use timer::Wakeups;

/// Recoveries in a row, with no period handed to the callback in between, after which
/// [`XrunPolicy::Recover`] gives up and the period loop returns the fault: a device that
/// fails again before every period would otherwise be recovered forever.
pub const MAX_RECOVERIES_WITHOUT_PERIOD: u32 = 8;

use kernel::{HwKernel, Kernel};
#[cfg(test)]
use open::timeout_ms;
use open::{check_negotiated, sw_params};

/// The kernel side of a stream: the device, or in the crate's own tests also the kernel model.
#[cfg(not(test))]
type StreamKernel = HwKernel;
#[cfg(test)]
type StreamKernel = model::TestKernel;

/// A PCM stream with its DMA buffer mapped, streaming period by period.
///
/// Fixed size, no heap. It owns the device descriptor and every mapping; dropping it unmaps
/// them and closes the device (which stops the stream).
///
/// `S` is the sample type (see [`Sample`]), `D` is [`Playback`] or [`Capture`].
#[derive(Debug)]
pub struct MmapStream<S: Sample, D: StreamDirection> {
    kernel: StreamKernel,
    setup: Setup,
    policy: XrunPolicy,
    xruns: u32,
    suspends: u32,
    /// The fault (xrun or suspend) counted last, until it ends: seen again, it is the same one.
    fault_counted: Option<State>,
    position: u64,
    /// Frames handed out by the last `begin`, the most `commit` accepts.
    begun: u64,
    /// The application pointer when `begin` handed them out: `commit` is refused once the
    /// pointer has moved (like alsa-lib's check of the offset against `appl_ptr`).
    begun_at: u64,
    /// Recoveries under [`XrunPolicy::Recover`] since a period was last handed out.
    unserved_recoveries: u32,
    /// The silence filling as configured, and whether a drain's silence replaced it.
    drain_silence: drain::DrainSilence,
    /// Linked with another stream, whose prepare, drop or reset also moves this stream's
    /// application pointer behind the cached `SYNC_PTR` record's back.
    linked: Cell<bool>,
    /// The `SNDRV_PCM_INFO_*` flags of the hardware parameters (0 before `HW_PARAMS`).
    info_flags: u32,
    /// A timer-scheduled stream's state (`None` in period mode).
    #[cfg(any(feature = "timer", test))]
    timer: Option<timer::Timer>,
    _types: PhantomData<(S, D)>,
}

impl<S: Sample, D: StreamDirection> MmapStream<S, D> {
    /// The negotiated setup.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// Card, device and subdevice this stream runs on.
    pub fn info(&self) -> &PcmInfo {
        self.kernel.pcm().info()
    }

    /// The transport in use.
    pub fn transport(&self) -> TransportKind {
        self.setup.transport
    }

    /// The device descriptor, to poll it in another event loop.
    pub fn fd(&self) -> rustix::fd::BorrowedFd<'_> {
        self.kernel.pcm().fd()
    }

    /// Links this stream with `other` (`SNDRV_PCM_IOCTL_LINK`): starting, stopping or
    /// preparing either does the same to both at once, so a playback and a capture stream
    /// run from the same instant (a duplex passthrough, a latency measurement).
    ///
    /// On the `SYNC_PTR` transport a linked stream reads its status and application pointer
    /// back before each period and each commit (two more ioctls per period), since the
    /// partner's prepare, drop or reset moves them in the kernel.
    ///
    /// # Errors
    /// The [`Error::Sys`](crate::Error::Sys) of `SNDRV_PCM_IOCTL_LINK`.
    pub fn link<S2: Sample, D2: StreamDirection>(&self, other: &MmapStream<S2, D2>) -> Result<()> {
        self.kernel.pcm().link(other.kernel.pcm())?;
        self.linked.set(true);
        other.linked.set(true);
        Ok(())
    }

    /// Leaves the linked group (`SNDRV_PCM_IOCTL_UNLINK`).
    ///
    /// # Errors
    /// The [`Error::Sys`](crate::Error::Sys) of `SNDRV_PCM_IOCTL_UNLINK`.
    pub fn unlink(&self) -> Result<()> {
        self.kernel.pcm().unlink()?;
        self.linked.set(false);
        Ok(())
    }

    /// Xruns counted since open.
    pub fn xruns(&self) -> u32 {
        self.xruns
    }

    /// Suspends counted since open.
    pub fn suspends(&self) -> u32 {
        self.suspends
    }

    /// Frames handed to or from callbacks, `write` and the capture iterator since open.
    pub fn position(&self) -> u64 {
        self.position
    }

    pub(super) fn frames_in_buffer(&self) -> u64 {
        u64::from(self.setup.negotiated.buffer_size)
    }

    pub(super) fn period(&self) -> u64 {
        u64::from(self.setup.negotiated.period_size)
    }

    pub(super) fn channels(&self) -> usize {
        self.setup.negotiated.channels as usize
    }

    pub(super) fn syncs_pointers(&self) -> bool {
        self.kernel.transport_kind() != TransportKind::Mapped
    }
}
