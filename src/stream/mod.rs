//! [`MmapStream`]: a configured PCM whose DMA buffer is mapped into this process and handed
//! to a callback one period at a time.

use core::cell::Cell;
use core::marker::PhantomData;
use core::ops::ControlFlow;

use crate::device::{DeviceName, PcmInfo};
use crate::error::{DeviceContext, DeviceError, Errno, Error, Op, Result, Tried};
use crate::params::{self, Negotiated};
use crate::pcm::{PcmDevice, SwParams};
use crate::ring;
use crate::sample::Sample;
use crate::sys::{self, Readiness};
use crate::transport::{Transport, TransportChoice, TransportKind};

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
#[cfg(test)]
mod model;
mod playback;
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

use crate::pcm::Command;
use kernel::{HwKernel, Kernel};

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
    /// Opens `device` (`hw:0,0`, `hw:Loopback,1,0`, ...) and sets it up with `config`.
    ///
    /// # Errors
    /// A [`DeviceError`] that names `device` as given, the card id looked up and the node:
    /// the name's errors ([`Error::BadDeviceName`], [`Error::PluginDevice`],
    /// [`Error::NodePath`]), then those of [`MmapStream::open_name`].
    pub fn open(device: &str, config: &Config) -> core::result::Result<Self, DeviceError> {
        let mut context = DeviceContext::given(device);
        DeviceName::parse(device)
            .and_then(|name| Self::open_in(&name, config, &mut context))
            .map_err(|e| DeviceError::new(e, context))
    }

    /// Opens a parsed device name and sets it up with `config`.
    ///
    /// # Errors
    /// A [`DeviceError`] that names the device: [`Error::FormatMismatch`] and
    /// [`Error::InvalidConfig`] before any system call, the errors of [`PcmDevice::open`],
    /// then those of [`MmapStream::with_device`].
    pub fn open_name(name: &DeviceName, config: &Config) -> core::result::Result<Self, DeviceError> {
        let mut context = DeviceContext::default();
        Self::open_in(name, config, &mut context).map_err(|e| DeviceError::new(e, context))
    }

    /// [`MmapStream::open_name`], noting in `context` what is known of the device.
    fn open_in(name: &DeviceName, config: &Config, context: &mut DeviceContext) -> Result<Self> {
        name.note(context, D::DIRECTION);
        Self::check_sample_type(config)?;
        config.validate()?;
        let pcm = PcmDevice::open_in(name, D::DIRECTION, config.open_mode, context)?;
        Self::set_up(pcm, config, context)
    }

    /// Sets up an already open device.
    ///
    /// # Errors
    /// A [`DeviceError`] that names the device's card, device and node:
    /// [`Error::FormatMismatch`] and [`Error::InvalidConfig`] before any system call; from
    /// the negotiation [`Error::NoMmapAccess`], [`Error::UnsupportedFormat`] and
    /// [`Error::Unsupported`] (naming the parameter and the range offered); [`Error::Sys`]
    /// with [`Op::HwParams`] when the driver refuses the negotiated parameters (named in the
    /// message), [`Op::SwParams`], [`Op::ChannelInfo`] or a mapping; and
    /// [`Error::UnexpectedChannelLayout`] for a buffer that is not plain interleaved.
    pub fn with_device(pcm: PcmDevice, config: &Config) -> core::result::Result<Self, DeviceError> {
        let mut context = DeviceContext::default();
        Self::set_up(pcm, config, &mut context).map_err(|e| DeviceError::new(e, context))
    }

    /// [`MmapStream::with_device`], noting the parameters tried in `context` when the driver
    /// refuses them.
    fn set_up(mut pcm: PcmDevice, config: &Config, context: &mut DeviceContext) -> Result<Self> {
        let info = pcm.info();
        context.set_node(Some(info.card), info.device, Some(info.subdevice), info.direction);
        Self::check_sample_type(config)?;
        config.validate()?;
        let request = config.request();
        let formats = Self::formats_for(config);
        let (mut hw, negotiated) = params::negotiate_formats(&mut pcm, &request, formats.as_slice())?;
        let wakeups = timer::request(config, &mut hw);
        // An `if let` rather than `inspect_err` and `?`: 56 bytes less in fw-tone (armv7).
        if let Err(e) = pcm.hw_params(&mut hw) {
            context.set_tried(Tried {
                format: negotiated.format,
                channels: negotiated.channels,
                rate: negotiated.rate,
                period_size: negotiated.period_size,
                buffer_size: negotiated.buffer_size,
            });
            return Err(e);
        }
        Self::finish(pcm, &hw, negotiated, config, wakeups)
    }

    /// The setup after `HW_PARAMS` (done here or, for an adopted stream, elsewhere): the
    /// software parameters, the buffer and status mappings, then prepare. `hw` gives the
    /// device's flags (pause, resume, `SYNC_APPLPTR`) and sample bits; `wakeups` is how the
    /// stream is woken, as `HW_PARAMS` set it.
    fn finish(
        pcm: PcmDevice,
        hw: &params::HwParams,
        negotiated: Negotiated,
        config: &Config,
        wakeups: Wakeups,
    ) -> Result<Self> {
        check_negotiated(&negotiated)?;
        let sw = sw_params::<D>(config, &negotiated)?;
        let boundary = pcm.sw_params(&sw)?;
        #[cfg(feature = "keep-running")]
        let sw = keep_running::sw_params_at_boundary::<D>(&pcm, config, sw, boundary)?;
        let buffer_map = Self::map_buffer(&pcm, &negotiated)?;
        // A driver that must see every appl_ptr update refuses the control mapping anyway.
        let choice = if hw.syncs_appl_ptr() {
            TransportChoice::ForceSyncPtr
        } else {
            config.transport
        };
        let transport = Transport::new(pcm.fd(), choice)?;
        let setup = Setup {
            negotiated,
            boundary,
            start_threshold: sw.start_threshold,
            stop_threshold: sw.stop_threshold,
            avail_min: sw.avail_min,
            transport: transport.kind(),
            can_pause: hw.can_pause(),
            can_resume: hw.can_resume(),
            msbits: hw.msbits(),
            protocol: pcm.protocol(),
            timeout_ms: timeout_ms(config.timeout_ms, &negotiated),
            timestamp_clock: config.timestamp_clock,
            wakeups,
        };
        let kernel = HwKernel::new(pcm, transport, buffer_map);
        // A no-op outside the crate's own tests, where the kernel side can also be the model.
        #[allow(clippy::useless_conversion)]
        let kernel = StreamKernel::from(kernel);
        let mut stream = Self::assemble(kernel, setup, config.xrun_policy)?;
        stream.drain_silence = drain::DrainSilence::new(&sw, hw.info());
        stream.info_flags = hw.info();
        #[cfg(any(feature = "timer", test))]
        stream.start_timer(config);
        stream.prepare()?;
        Ok(stream)
    }

    /// A stream over a configured kernel side, after checking what the kernel chose.
    fn assemble(kernel: StreamKernel, setup: Setup, policy: XrunPolicy) -> Result<Self> {
        let buffer = u64::from(setup.negotiated.buffer_size);
        // The ring arithmetic sums two pointers and a buffer: they must stay within u64.
        let boundary_fits = setup
            .boundary
            .checked_mul(2)
            .and_then(|b| b.checked_add(buffer))
            .is_some();
        if buffer == 0 || setup.boundary < buffer || setup.boundary % buffer != 0 || !boundary_fits {
            return Err(Error::BadKernelValue);
        }
        let samples = usize::try_from(buffer)
            .ok()
            .and_then(|frames| frames.checked_mul(setup.negotiated.channels as usize))
            .and_then(|samples| samples.checked_mul(core::mem::size_of::<S>()));
        if samples.is_none_or(|bytes| bytes > kernel.buffer().1) {
            return Err(Error::BadKernelValue);
        }
        Ok(MmapStream {
            kernel,
            setup,
            policy,
            xruns: 0,
            suspends: 0,
            fault_counted: None,
            position: 0,
            begun: 0,
            begun_at: 0,
            unserved_recoveries: 0,
            drain_silence: drain::DrainSilence::default(),
            linked: Cell::new(false),
            info_flags: 0,
            #[cfg(any(feature = "timer", test))]
            timer: None,
            _types: PhantomData,
        })
    }

    /// The formats of `config` that `S` holds, most preferred first.
    fn formats_for(config: &Config) -> params::Formats {
        config.preferred_formats().filter(crate::sample::holds::<S>)
    }

    fn check_sample_type(config: &Config) -> Result<()> {
        if !Self::formats_for(config).is_empty() {
            Ok(())
        } else {
            Err(Error::FormatMismatch {
                format: config.format,
            })
        }
    }

    /// Checks with `CHANNEL_INFO` that the buffer is plain interleaved frames and maps it.
    fn map_buffer(pcm: &PcmDevice, negotiated: &Negotiated) -> Result<sys::Mapping> {
        let sample_bits = (negotiated.format.bytes() * 8) as u32;
        let frame_bits = sample_bits
            .checked_mul(negotiated.channels)
            .ok_or(Error::BadKernelValue)?;
        let first = pcm.channel_info(0)?;
        for channel in 0..negotiated.channels {
            let info = pcm.channel_info(channel)?;
            if info.offset != first.offset || info.first != channel * sample_bits || info.step != frame_bits {
                return Err(Error::UnexpectedChannelLayout);
            }
        }
        let offset = u64::try_from(first.offset).map_err(|_| Error::BadKernelValue)?;
        let bytes = (negotiated.buffer_size as usize)
            .checked_mul((frame_bits / 8) as usize)
            .ok_or(Error::BadKernelValue)?;
        sys::Mapping::new(pcm.fd(), bytes, offset, true, Op::MapBuffer)
    }

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
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_LINK`.
    pub fn link<S2: Sample, D2: StreamDirection>(&self, other: &MmapStream<S2, D2>) -> Result<()> {
        self.kernel.pcm().link(other.kernel.pcm())?;
        self.linked.set(true);
        other.linked.set(true);
        Ok(())
    }

    /// Leaves the linked group (`SNDRV_PCM_IOCTL_UNLINK`).
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_UNLINK`.
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

    fn frames_in_buffer(&self) -> u64 {
        u64::from(self.setup.negotiated.buffer_size)
    }

    fn period(&self) -> u64 {
        u64::from(self.setup.negotiated.period_size)
    }

    fn channels(&self) -> usize {
        self.setup.negotiated.channels as usize
    }

    fn syncs_pointers(&self) -> bool {
        self.kernel.transport_kind() != TransportKind::Mapped
    }

    /// The hardware and application pointers as of the last status, checked against the
    /// boundary (a kernel value outside it is [`Error::BadKernelValue`], not an overflow).
    fn pointers(&self) -> Result<(u64, u64)> {
        self.checked_pointers(self.kernel.status().hw_ptr, self.kernel.appl_ptr())
    }

    /// `hw` and `appl` if both are within the boundary, [`Error::BadKernelValue`] otherwise.
    fn checked_pointers(&self, hw: u64, appl: u64) -> Result<(u64, u64)> {
        if hw >= self.setup.boundary || appl >= self.setup.boundary {
            return Err(Error::BadKernelValue);
        }
        Ok((hw, appl))
    }

    /// Available frames as of the last status (free for playback, filled for capture).
    fn cached_avail(&self) -> Result<u64> {
        let (hw, appl) = self.pointers()?;
        Ok(self.avail_between(hw, appl))
    }

    /// Available frames (free for playback, filled for capture) between checked pointers.
    fn avail_between(&self, hw: u64, appl: u64) -> u64 {
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
    fn refresh(&mut self) -> Result<()> {
        self.kernel.refresh()?;
        if let Ok(state) = self.cached_state() {
            if self.fault_counted.is_some_and(|counted| counted != state) {
                self.fault_counted = None;
            }
        }
        Ok(())
    }

    /// The state as of the last status.
    fn cached_state(&self) -> Result<State> {
        State::from_raw(self.kernel.status().state)
    }

    /// The status timestamp and the audio timestamp of one status snapshot.
    fn timestamps_of(s: &crate::transport::RawStatus) -> (Timestamp, Timestamp) {
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
    /// The [`Error::Sys`] of `SYNC_PTR`, [`Error::BadKernelValue`] for an unknown state.
    pub fn state(&mut self) -> Result<State> {
        self.refresh()?;
        self.cached_state()
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

    /// Waits until `avail_min` frames (see [`Config::avail_min`]) are available, and
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
    fn wake_at(&mut self, frames: u64) -> Result<()> {
        if self.kernel.avail_min() == frames {
            return Ok(());
        }
        self.kernel.set_avail_min(frames);
        self.refresh()
    }

    /// The error after a wait or a poll saw the stream fail: its fault per the fresh state.
    fn wait_failed(&mut self) -> Result<Error> {
        self.refresh()?;
        let state = self.cached_state()?;
        Ok(self.note_fault(state).unwrap_or(Error::BadState(state)))
    }

    /// The error for a fault state (xrun, suspended, disconnected), counting each xrun and
    /// suspend once however often it is seen before it ends; `None` for other states, which
    /// show that the fault ended (recovered here, or by a linked partner).
    fn note_fault(&mut self, state: State) -> Option<Error> {
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

    /// `PREPARE`: ready the stream to start again after setup, stop, drain or an xrun.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_PREPARE` (`ESTRPIPE` while suspended, `ENODEV` when
    /// gone).
    pub fn prepare(&mut self) -> Result<()> {
        self.kernel.command(Command::Prepare)?;
        self.prepared()
    }

    /// After a PREPARE: the fault is over, the kernel moved the application pointer, and
    /// the silence a drain asked for is taken back before the stream starts again.
    fn prepared(&mut self) -> Result<()> {
        self.fault_counted = None;
        self.restore_sw_params()?;
        self.moved()
    }

    /// After the kernel moved the application pointer (prepare, drop, drain, reset): nothing
    /// handed out by `begin` can be committed any more, and the pointer is read back.
    fn moved(&mut self) -> Result<()> {
        self.begun = 0;
        self.refresh()
    }

    /// `START`: start the stream now.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_START` (`EPIPE` for a playback stream with nothing
    /// queued, `EBADFD` when not prepared).
    pub fn start(&mut self) -> Result<()> {
        self.refresh()?;
        self.kernel.command(Command::Start)?;
        self.refresh()
    }

    /// `DROP`: stop now, dropping what is queued. Call [`MmapStream::prepare`] to start
    /// again.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_DROP`.
    pub fn stop(&mut self) -> Result<()> {
        self.kernel.command(Command::Drop)?;
        self.moved()
    }

    /// `DRAIN`: for playback, block until everything queued has been played, then stop; for
    /// capture, stop. A prepared playback stream with queued frames is started first by the
    /// kernel. Call [`MmapStream::prepare`] to start again.
    ///
    /// Like alsa-lib's `snd_pcm_drain`, playback first asks the kernel to fill silence after
    /// the queued frames, to the next period boundary and 100 ms beyond (one `SW_PARAMS`,
    /// undone by the next prepare), unless the driver drains perfectly
    /// (`SNDRV_PCM_INFO_PERFECT_DRAIN`): most hardware stops at a period interrupt, and
    /// would otherwise play what an earlier lap left in the buffer after the end.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_DRAIN` (`EPIPE` after an xrun, `ESTRPIPE` while
    /// suspended).
    pub fn drain(&mut self) -> Result<()> {
        self.refresh()?;
        self.silence_for_drain()?;
        self.kernel.command(Command::Drain)?;
        self.moved()
    }

    /// `PAUSE`: pause (`true`) or release (`false`) a running stream, when
    /// [`Setup::can_pause`].
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_PAUSE` (`ENOSYS` when the device cannot pause:
    /// [`Setup::can_pause`]).
    pub fn pause(&mut self, pause: bool) -> Result<()> {
        self.kernel.command(Command::Pause(pause))?;
        self.refresh()
    }

    /// `RESET`: move the hardware and application pointers to the same place, dropping
    /// queued frames without stopping.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_RESET`.
    pub fn reset(&mut self) -> Result<()> {
        self.kernel.command(Command::Reset)?;
        self.moved()
    }

    /// `RESUME` after a suspend; falls back to `PREPARE` when the driver cannot resume
    /// (`ENOSYS`) or does not wake up.
    ///
    /// # Errors
    ///
    /// [`Error::BadState`] when the stream is not suspended: nothing is resumed or prepared,
    /// so queued frames stay queued. The errors of `PREPARE` in the fallback.
    pub fn resume(&mut self) -> Result<()> {
        self.refresh()?;
        let state = self.cached_state()?;
        if state != State::Suspended {
            return Err(Error::BadState(state));
        }
        let kernel = core::cell::RefCell::new(&mut self.kernel);
        let resumed = resume::resume_or_prepare(
            || kernel.borrow_mut().command(Command::Resume),
            || kernel.borrow_mut().command(Command::Prepare),
            || sys::sleep_ms(10),
        )?;
        match resumed {
            resume::Resumed::Resumed => {
                self.fault_counted = None;
                self.moved()
            }
            resume::Resumed::Prepared => self.prepared(),
        }
    }

    /// Recovers from [`Error::Xrun`] (prepare) or [`Error::Suspended`] (resume or prepare);
    /// a capture stream is started again. Other errors are returned as they are.
    ///
    /// # Errors
    /// `error` itself when it is not an xrun or a suspend, [`Error::Disconnected`] when the
    /// device is gone, the [`Error::Sys`] of the resume or prepare.
    pub fn recover(&mut self, error: Error) -> Result<()> {
        match error {
            Error::Xrun => self.prepare()?,
            Error::Suspended => self.resume()?,
            other => return Err(other),
        }
        if D::DIRECTION == Direction::Capture && self.cached_state()? == State::Prepared {
            self.start()?;
        }
        Ok(())
    }

    /// Handles the state before a period: recovers per the policy from an xrun or suspend.
    /// Returns the state to go on with.
    fn check_state(&mut self) -> Result<State> {
        loop {
            let state = self.cached_state()?;
            let fault = match self.note_fault(state) {
                Some(Error::Disconnected) => return Err(Error::Disconnected),
                Some(fault) => fault,
                None if matches!(state, State::Prepared | State::Running) => return Ok(state),
                None => return Err(Error::BadState(state)),
            };
            self.handle_fault(fault)?;
        }
    }

    /// Recovers from `fault` under [`XrunPolicy::Recover`], returns it under `Fail`, and
    /// under `Recover` too once [`MAX_RECOVERIES_WITHOUT_PERIOD`] recoveries served no
    /// period.
    fn handle_fault(&mut self, fault: Error) -> Result<()> {
        self.unserved_recoveries += 1;
        if self.policy == XrunPolicy::Fail || self.unserved_recoveries > MAX_RECOVERIES_WITHOUT_PERIOD {
            self.unserved_recoveries = 0;
            return Err(fault);
        }
        self.recover(fault)
    }

    /// Blocks until a whole period at the application pointer is free (playback) or filled
    /// (capture), realigning the pointer to a period boundary first if low-level calls left
    /// it elsewhere. Returns the application pointer at the start of the period; `None`
    /// when not `blocking`, where it returns instead of waiting (with the kernel's
    /// `avail_min` set so that a poll of the descriptor wakes when the period is there), and
    /// after a recovery when `blocking`, so that the caller looks at its stop flag.
    fn acquire_period(&mut self, blocking: bool) -> Result<Option<u64>> {
        let period = self.period();
        // Frames a wakeup proved available although the cached `SYNC_PTR` status predates it:
        // the kernel wakes the stream only once it has `avail_min` frames, and `avail_min` is
        // set to what the loop needs before it waits. No ioctl is needed to know.
        let mut proven = 0;
        if (self.linked.get() || !blocking) && self.syncs_pointers() {
            // A partner's prepare, drop or reset may have moved the pointers since the last
            // exchange: what the cached record says free or filled may not be. Without a
            // wait, a fresh status is the only way to see new frames.
            self.refresh()?;
        }
        loop {
            let recoveries = self.unserved_recoveries;
            let state = self.check_state()?;
            if blocking && self.unserved_recoveries != recoveries {
                return Ok(None);
            }
            let appl = self.pointers()?.1;
            let avail = self.cached_avail()?.max(proven);
            let misaligned = ring::to_period_boundary(appl, period);
            // Past the hardware in a stream that keeps running: an xrun, skipped.
            #[cfg(feature = "keep-running")]
            let late = self.late_by(avail, appl);
            #[cfg(not(feature = "keep-running"))]
            let late = 0;
            let needed = if misaligned == 0 { period } else { misaligned };
            #[cfg(any(feature = "timer", test))]
            let needed = self.timer_needed(needed);
            if avail >= needed {
                if misaligned == 0 && late == 0 {
                    return Ok(Some(appl));
                }
                self.skip(misaligned.max(late))?;
                proven = 0;
                continue;
            }
            if D::DIRECTION == Direction::Capture && state == State::Prepared {
                self.start()?;
                continue;
            }
            if !blocking {
                self.wake_at(needed.max(self.setup.avail_min))?;
                return Ok(None);
            }
            #[cfg(any(feature = "timer", test))]
            if self.timer.is_some() {
                self.timer_wait(needed, state)?;
                continue;
            }
            proven = self.wait_for(needed)?;
        }
    }

    /// Waits until the kernel has `needed` frames (or the stream's own `avail_min`, when
    /// larger) and returns how many the wakeup proves available beyond the cached status.
    fn wait_for(&mut self, needed: u64) -> Result<u64> {
        let threshold = needed.max(self.setup.avail_min);
        if self.kernel.avail_min() != threshold {
            // Mapped: in force at once. SYNC_PTR: published with a fresh status, which may
            // already hold enough; look again before sleeping.
            self.wake_at(threshold)?;
            if self.syncs_pointers() {
                return Ok(0);
            }
        }
        match self.kernel.wait(self.setup.timeout_ms)? {
            Readiness::Ready if self.syncs_pointers() => Ok(threshold),
            // Mapped: the status page is live.
            Readiness::Ready => Ok(0),
            Readiness::Error => {
                self.refresh()?;
                Ok(0)
            }
            Readiness::TimedOut => Err(Error::Timeout),
        }
    }

    /// Moves the application pointer over `frames` without handing them to the callback:
    /// silence for playback, discarded for capture.
    fn skip(&mut self, frames: u64) -> Result<()> {
        let appl = self.pointers()?.1;
        if D::DIRECTION == Direction::Playback {
            let buffer = self.frames_in_buffer();
            let offset = ring::offset(appl, buffer);
            self.samples_mut(offset, frames).fill(S::SILENCE);
            // A keep-running catch-up may wrap around the end of the buffer: what the
            // hardware plays before the next period must be silence there too. Linux 6.5
            // and later do not silence behind a hardware pointer that has passed the
            // application pointer, and the frames there may be a period written before the
            // program was late (one buffer old by now).
            #[cfg(feature = "keep-running")]
            {
                let wrapped = (offset + frames.min(buffer)).saturating_sub(buffer);
                self.samples_mut(0, wrapped).fill(S::SILENCE);
            }
        }
        self.advance(appl, frames)
    }

    /// Commits `frames` after the application pointer `from` (where they were handed out)
    /// and publishes it with a status refresh: the only system call of a period on the
    /// `SYNC_PTR` path, none when mapped. Nothing is published when the pointer is no longer
    /// at `from` (see [`MmapStream::still_ours`]).
    fn advance(&mut self, from: u64, frames: u64) -> Result<()> {
        if !self.still_ours(from)? {
            return Ok(());
        }
        let appl = ring::advance(self.pointers()?.1, frames, self.setup.boundary);
        match self.kernel.commit(appl) {
            Ok(()) => {}
            Err(Error::Sys {
                op: Op::SyncPtr,
                errno,
            }) if errno == Errno::PIPE => return self.commit_refused(),
            Err(e) => return Err(e),
        }
        self.position = self.position.saturating_add(frames);
        let state = self.cached_state()?;
        self.note_fault(state);
        if D::DIRECTION == Direction::Playback && state == State::Prepared {
            let (hw, appl) = self.pointers()?;
            let queued = ring::playback_queued(hw, appl, self.frames_in_buffer(), self.setup.boundary);
            if queued >= self.setup.start_threshold {
                self.start()?;
            }
        }
        Ok(())
    }

    /// Tells whether the application pointer is still at `from`, where frames were handed
    /// out. A linked partner's prepare, drop or reset moves it in the kernel: then what was
    /// handed out is dropped rather than published over the kernel's pointer. Mapped, the
    /// control page is live and read as it is (no system call); a linked stream on
    /// `SYNC_PTR` reads the pointer back first (one).
    fn still_ours(&mut self, from: u64) -> Result<bool> {
        if self.linked.get() && self.syncs_pointers() {
            self.refresh()?;
        }
        let ours = self.kernel.appl_ptr() == from;
        if !ours {
            self.begun = 0;
            let state = self.cached_state()?;
            self.note_fault(state);
        }
        Ok(ours)
    }

    /// The kernel refused the new application pointer with `EPIPE` (a driver's `ack`): an
    /// xrun, counted and handled per the policy. The cached pointer is the kernel's.
    fn commit_refused(&mut self) -> Result<()> {
        self.begun = 0;
        self.refresh()?;
        self.note_fault(State::Xrun);
        self.handle_fault(Error::Xrun)
    }

    /// The period loop of both directions: waits for each period, hands its samples to
    /// `callback` and commits it, until the callback breaks (its value is returned) or, before
    /// a period, `stopped` gives a value to return.
    fn run_periods<B>(
        &mut self,
        mut stopped: impl FnMut() -> Option<B>,
        mut callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<B> {
        loop {
            if let Some(value) = stopped() {
                return Ok(value);
            }
            if let Some(ControlFlow::Break(value)) = self.period_step(true, &mut callback)? {
                return Ok(value);
            }
        }
    }

    /// One period: acquires it (waiting when `blocking`), hands it to `callback` and commits
    /// it. `None` when not blocking and no period is there yet.
    fn period_step<B>(
        &mut self,
        blocking: bool,
        callback: &mut impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<Option<ControlFlow<B>>> {
        // Frames handed out by `begin` before the loop can no longer be committed.
        self.begun = 0;
        let Some(appl) = self.acquire_period(blocking)? else {
            return Ok(None);
        };
        let period = self.period();
        let info = self.period_info(period);
        let offset = ring::offset(appl, self.frames_in_buffer());
        let flow = callback(self.samples_mut(offset, period), &info);
        self.unserved_recoveries = 0;
        self.advance(appl, period)?;
        Ok(Some(flow))
    }

    fn period_info(&self, frames: u64) -> PeriodInfo {
        let status = self.kernel.status();
        let (timestamp, audio_timestamp) = Self::timestamps_of(&status);
        PeriodInfo {
            frames: frames as usize,
            channels: self.channels(),
            position: self.position,
            timestamp,
            audio_timestamp,
            xruns: self.xruns,
            hw_ptr: status.hw_ptr,
        }
    }

    /// The samples of `frames` frames from frame `offset` of the DMA buffer (cut at the end
    /// of the buffer).
    fn samples_mut(&mut self, offset: u64, frames: u64) -> &mut [S] {
        let channels = self.channels();
        let total = self.frames_in_buffer() as usize * channels;
        let start = (offset as usize).saturating_mul(channels).min(total);
        let len = (frames as usize).saturating_mul(channels).min(total - start);
        let (buffer, _) = self.kernel.buffer();
        // SAFETY: the buffer holds at least `total` samples of `S` (checked by `assemble`
        // against its length, which `CHANNEL_INFO` vouched for at setup), `start + len <=
        // total`, the buffer is page aligned so every sample is aligned, `S` is valid for any
        // bytes (`Sample`'s contract), and the frames between the application and hardware
        // pointers are not touched by the hardware while the application owns them; the
        // borrow of `self` keeps the mapping alive and unaliased.
        unsafe { core::slice::from_raw_parts_mut(buffer.as_ptr().cast::<S>().add(start), len) }
    }

    /// Contiguous frames available from the application pointer, at most `max_frames`, as of
    /// the last status: `(offset, frames)`, none when the kernel's pointers are out of range.
    fn contiguous(&self, max_frames: usize) -> (u64, u64) {
        let buffer = self.frames_in_buffer();
        let (Ok((_, appl)), Ok(avail)) = (self.pointers(), self.cached_avail()) else {
            return (0, 0);
        };
        let avail = avail.min(buffer).min(max_frames as u64);
        (ring::offset(appl, buffer), ring::contiguous(appl, avail, buffer))
    }

    /// Commits frames handed out by the last `begin` and publishes the application pointer
    /// (like `snd_pcm_mmap_commit`). A playback stream starts once its start threshold is
    /// queued.
    ///
    /// # Errors
    ///
    /// [`Error::CommitTooLarge`] for more frames than `begin` handed out, or when a call
    /// since that `begin` (`run`, `write`, the capture iterator, prepare, reset, drop,
    /// drain, resume) took them back; the [`Error::Sys`] of the `SYNC_PTR` that publishes
    /// the pointer. Frames a linked partner's prepare, drop or reset took back are dropped:
    /// the call succeeds and publishes nothing.
    pub fn commit(&mut self, frames: usize) -> Result<()> {
        let frames = frames as u64;
        if frames > self.begun {
            return Err(Error::CommitTooLarge);
        }
        self.begun = 0;
        self.advance(self.begun_at, frames)
    }

    /// Refuses to queue frames outside the states that take them, as of the last status (no
    /// system call), like the kernel's write and alsa-lib's `snd_pcm_mmap_writei` (its bare
    /// `snd_pcm_mmap_commit` checks no state, and neither does `commit`): the
    /// fault in a fault state, [`Error::BadState`] in OPEN or SETUP and in a draining
    /// playback stream. The fault is not counted here: the last status may predate a linked
    /// partner's recovery, and the fresh reads that follow count it.
    pub(super) fn check_queueable(&self) -> Result<()> {
        let state = self.cached_state()?;
        match state {
            State::Xrun => Err(Error::Xrun),
            State::Suspended => Err(Error::Suspended),
            State::Disconnected => Err(Error::Disconnected),
            State::Open | State::Setup => Err(Error::BadState(state)),
            State::Draining if D::DIRECTION == Direction::Playback => Err(Error::BadState(state)),
            _ => Ok(()),
        }
    }

    /// Remembers what `begin` hands out: `frames` at the application pointer now.
    fn hand_out(&mut self, frames: u64) {
        self.begun = frames;
        self.begun_at = self.kernel.appl_ptr();
    }
}

/// Checks the values the kernel chose are consistent: no zero, and the buffer is whole
/// periods (a device offering `periods 0..=0` would otherwise give a zero buffer).
fn check_negotiated(negotiated: &Negotiated) -> Result<()> {
    let consistent = negotiated.rate > 0
        && negotiated.channels > 0
        && negotiated.period_size > 0
        && negotiated.periods > 0
        && negotiated.buffer_size > 0
        && negotiated.period_size.checked_mul(negotiated.periods) == Some(negotiated.buffer_size);
    if consistent {
        Ok(())
    } else {
        Err(Error::BadKernelValue)
    }
}

/// Refuses an `avail_min` at or beyond the stop threshold: the kernel would wake the stream
/// only once it has stopped with an xrun, so every period loop would underrun or overrun.
fn check_avail_min(avail_min: u64, stop_threshold: u64) -> Result<()> {
    if avail_min >= stop_threshold {
        return Err(Error::InvalidConfig(
            crate::error::ConfigError::AvailMinNotBelowStopThreshold,
        ));
    }
    Ok(())
}

/// The software parameters for `config`: zero thresholds become their defaults (a period
/// for `avail_min`, the buffer for the thresholds; capture starts at once), others are cut
/// to the buffer. An `avail_min` that is not below the stop threshold is refused
/// ([`check_avail_min`]).
fn sw_params<D: StreamDirection>(config: &Config, negotiated: &Negotiated) -> Result<SwParams> {
    let buffer = u64::from(negotiated.buffer_size);
    let period = u64::from(negotiated.period_size);
    let or_default = |value: u32, default: u64| {
        if value == 0 {
            default
        } else {
            u64::from(value).min(buffer)
        }
    };
    let sw = SwParams {
        avail_min: or_default(config.avail_min, period),
        start_threshold: if D::DIRECTION == Direction::Capture {
            1
        } else {
            or_default(config.start_threshold, buffer)
        },
        stop_threshold: or_default(config.stop_threshold, buffer),
        silence_threshold: u64::from(config.silence_threshold),
        silence_size: u64::from(config.silence_size),
        tstamp_type: config.timestamp_clock.raw(),
    };
    check_avail_min(sw.avail_min, sw.stop_threshold)?;
    Ok(sw)
}

/// The wait timeout: `configured`, or 4 buffers and at least a second when 0.
fn timeout_ms(configured: u32, negotiated: &Negotiated) -> u32 {
    if configured != 0 {
        return configured;
    }
    let buffer_ms = u64::from(negotiated.buffer_size) * 1000 / u64::from(negotiated.rate.max(1));
    (buffer_ms * 4).clamp(1000, u64::from(u32::MAX)) as u32
}
