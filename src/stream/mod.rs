//! [`MmapStream`]: a configured PCM whose DMA buffer is mapped into this process and handed
//! to a callback one period at a time.

use core::marker::PhantomData;
use core::ops::ControlFlow;

use crate::abi;
use crate::device::DeviceName;
use crate::error::{Errno, Error, Op, Result};
use crate::params::{self, Negotiated, Request};
use crate::pcm::{PcmDevice, PcmInfo, SwParams};
use crate::ring;
use crate::sample::Sample;
use crate::sys::{self, Readiness};
use crate::transport::{Transport, TransportChoice, TransportKind};

mod capture;
mod config;
mod direction;
mod playback;
mod resume;
mod status;

pub use capture::CaptureIter;
pub use config::{Config, XrunPolicy};
pub use direction::{Capture, Direction, Playback};
pub use status::{PeriodInfo, Setup, State, Status, Timestamp};

/// A PCM stream with its DMA buffer mapped, streaming period by period.
///
/// Fixed size, no heap. It owns the device descriptor and every mapping; dropping it unmaps
/// them and closes the device (which stops the stream).
///
/// `S` is the sample type (see [`Sample`]), `D` is [`Playback`] or [`Capture`].
#[derive(Debug)]
pub struct MmapStream<S: Sample, D: Direction> {
    buffer: sys::Mapping,
    transport: Transport,
    /// The period waiter, made by the first wait: a stream that is only opened, or polled
    /// through [`MmapStream::fd`] in another event loop, never creates one.
    waiter: Option<sys::Waiter>,
    pcm: PcmDevice,
    setup: Setup,
    policy: XrunPolicy,
    xruns: u32,
    suspends: u32,
    /// The current xrun or suspend has been counted (cleared once recovered).
    fault_counted: bool,
    position: u64,
    /// Frames handed out by the last `begin`, the most `commit` accepts.
    begun: u64,
    _types: PhantomData<(S, D)>,
}

impl<S: Sample, D: Direction> MmapStream<S, D> {
    /// Opens `device` (`hw:0,0`, `hw:Loopback,1,0`, ...) and sets it up with `config`.
    pub fn open(device: &str, config: &Config) -> Result<Self> {
        let name = DeviceName::parse(device)?;
        Self::open_name(&name, config)
    }

    /// Opens a parsed device name and sets it up with `config`.
    pub fn open_name(name: &DeviceName, config: &Config) -> Result<Self> {
        Self::check_sample_type(config)?;
        config.validate()?;
        Self::with_device(PcmDevice::open(name, D::CAPTURE)?, config)
    }

    /// Sets up an already open device.
    pub fn with_device(mut pcm: PcmDevice, config: &Config) -> Result<Self> {
        Self::check_sample_type(config)?;
        config.validate()?;
        let request = Request {
            format: config.format,
            channels: config.channels,
            rate: config.rate,
            period_size: config.period_size,
            periods: config.periods,
            matching: config.matching,
        };
        let formats = Self::formats_for(config);
        let (mut hw, negotiated) = params::negotiate_formats(&mut pcm, &request, formats.as_slice())?;
        pcm.hw_params(&mut hw)?;
        let consistent = negotiated.rate > 0
            && negotiated.channels > 0
            && negotiated.period_size > 0
            && negotiated.period_size.checked_mul(negotiated.periods) == Some(negotiated.buffer_size);
        if !consistent {
            return Err(Error::BadKernelValue);
        }
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
            start_threshold: if D::CAPTURE {
                1
            } else {
                or_default(config.start_threshold, buffer)
            },
            stop_threshold: or_default(config.stop_threshold, buffer),
            silence_threshold: u64::from(config.silence_threshold),
            silence_size: u64::from(config.silence_size),
        };
        let boundary = pcm.sw_params(&sw)?;
        if boundary < buffer || boundary % buffer != 0 {
            return Err(Error::BadKernelValue);
        }
        let buffer_map = Self::map_buffer(&pcm, &negotiated)?;
        // A driver that must see every appl_ptr update refuses the control mapping anyway.
        let choice = if hw.info() & abi::SNDRV_PCM_INFO_SYNC_APPLPTR != 0 {
            TransportChoice::ForceSyncPtr
        } else {
            config.transport
        };
        let transport = Transport::new(pcm.fd(), choice)?;
        let buffer_ms = buffer * 1000 / u64::from(negotiated.rate);
        let timeout_ms = match config.timeout_ms {
            0 => (buffer_ms * 4).clamp(1000, u64::from(u32::MAX)) as u32,
            ms => ms,
        };
        let setup = Setup {
            negotiated,
            boundary,
            start_threshold: sw.start_threshold,
            stop_threshold: sw.stop_threshold,
            avail_min: sw.avail_min,
            transport: transport.kind(),
            can_pause: hw.info() & abi::SNDRV_PCM_INFO_PAUSE != 0,
            can_resume: hw.info() & abi::SNDRV_PCM_INFO_RESUME != 0,
            msbits: hw.msbits(),
            protocol: pcm.protocol(),
            timeout_ms,
        };
        let mut stream = MmapStream {
            buffer: buffer_map,
            transport,
            waiter: None,
            pcm,
            setup,
            policy: config.xrun_policy,
            xruns: 0,
            suspends: 0,
            fault_counted: false,
            position: 0,
            begun: 0,
            _types: PhantomData,
        };
        stream.prepare()?;
        Ok(stream)
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
        self.pcm.info()
    }

    /// The transport in use.
    pub fn transport(&self) -> TransportKind {
        self.setup.transport
    }

    /// The device descriptor, to poll it in another event loop.
    pub fn fd(&self) -> rustix::fd::BorrowedFd<'_> {
        self.pcm.fd()
    }

    /// Links this stream with `other` (`SNDRV_PCM_IOCTL_LINK`): starting, stopping or
    /// preparing either does the same to both at once, so a playback and a capture stream
    /// run from the same instant (a duplex passthrough, a latency measurement).
    pub fn link<S2: Sample, D2: Direction>(&self, other: &MmapStream<S2, D2>) -> Result<()> {
        self.pcm.link(&other.pcm)
    }

    /// Leaves the linked group (`SNDRV_PCM_IOCTL_UNLINK`).
    pub fn unlink(&self) -> Result<()> {
        self.pcm.unlink()
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

    fn channels(&self) -> usize {
        self.setup.negotiated.channels as usize
    }

    /// Available frames as of the last status (free for playback, filled for capture).
    fn cached_avail(&self) -> u64 {
        let hw = self.transport.status().hw_ptr;
        let appl = self.transport.appl_ptr();
        let boundary = self.setup.boundary;
        if D::CAPTURE {
            ring::capture_avail(hw, appl, boundary)
        } else {
            ring::playback_avail(hw, appl, self.frames_in_buffer(), boundary)
        }
    }

    /// The state as of the last status.
    fn cached_state(&self) -> Result<State> {
        State::from_raw(self.transport.status().state)
    }

    fn timestamp(&self) -> Timestamp {
        let s = self.transport.status();
        Timestamp {
            sec: s.tstamp_sec,
            nsec: s.tstamp_nsec,
        }
    }

    /// Asks the driver for its position and returns a fresh status (one ioctl).
    pub fn status(&mut self) -> Result<Status> {
        self.transport.hwsync(self.pcm.fd())?;
        let raw = self.transport.status();
        Ok(Status {
            state: State::from_raw(raw.state)?,
            hw_ptr: raw.hw_ptr,
            appl_ptr: self.transport.appl_ptr(),
            avail: self.cached_avail(),
            timestamp: self.timestamp(),
        })
    }

    /// The current state (one ioctl on the `SYNC_PTR` path, none when mapped).
    pub fn state(&mut self) -> Result<State> {
        self.transport.publish(self.pcm.fd())?;
        self.cached_state()
    }

    /// Hardware pointer as of the last status.
    pub fn hw_ptr(&self) -> u64 {
        self.transport.status().hw_ptr
    }

    /// Application pointer.
    pub fn appl_ptr(&self) -> u64 {
        self.transport.appl_ptr()
    }

    /// Frames between the application pointer and the sound heard or captured now
    /// (`SNDRV_PCM_IOCTL_DELAY`).
    pub fn delay(&self) -> Result<i64> {
        self.pcm.delay()
    }

    /// Frames available now, refreshed from the driver. In an xrun or a suspend this is an
    /// error, handled per the policy by [`MmapStream::run`] or by [`MmapStream::recover`].
    pub fn avail(&mut self) -> Result<u64> {
        self.transport.hwsync(self.pcm.fd())?;
        let state = self.cached_state()?;
        match self.note_fault(state) {
            Some(fault) => Err(fault),
            None => Ok(self.cached_avail()),
        }
    }

    /// Waits until a period (`avail_min` frames) is available. `Ok(false)` when `timeout_ms`
    /// passed first; `None` uses the stream's timeout and returns [`Error::Timeout`] instead.
    /// `Some(0)` polls without blocking.
    pub fn wait(&mut self, timeout_ms: Option<u32>) -> Result<bool> {
        let limit_ms = timeout_ms.unwrap_or(self.setup.timeout_ms);
        match self.waiter()?.wait(limit_ms)? {
            Readiness::Ready => Ok(true),
            Readiness::Error => {
                self.transport.publish(self.pcm.fd())?;
                let state = self.cached_state()?;
                Err(self.note_fault(state).unwrap_or(Error::BadState(state)))
            }
            Readiness::TimedOut if timeout_ms.is_some() => Ok(false),
            Readiness::TimedOut => Err(Error::Timeout),
        }
    }

    /// The period waiter, created on first use.
    fn waiter(&mut self) -> Result<&sys::Waiter> {
        match &mut self.waiter {
            Some(waiter) => Ok(waiter),
            empty => Ok(empty.insert(sys::Waiter::new(self.pcm.fd(), D::CAPTURE)?)),
        }
    }

    /// The error for a fault state (xrun, suspended, disconnected), counting each xrun and
    /// suspend once however often it is seen before recovery; `None` for other states.
    fn note_fault(&mut self, state: State) -> Option<Error> {
        let (counter, fault) = match state {
            State::Xrun => (&mut self.xruns, Error::Xrun),
            State::Suspended => (&mut self.suspends, Error::Suspended),
            State::Disconnected => return Some(Error::Disconnected),
            _ => return None,
        };
        if !self.fault_counted {
            self.fault_counted = true;
            *counter += 1;
        }
        Some(fault)
    }

    /// `PREPARE`: ready the stream to start again after setup, stop, drain or an xrun.
    pub fn prepare(&mut self) -> Result<()> {
        self.pcm.command(Op::Prepare, abi::SNDRV_PCM_IOCTL_PREPARE)?;
        self.prepared()
    }

    /// After a PREPARE: the fault is over, nothing is handed out, and the kernel moved the
    /// application pointer.
    fn prepared(&mut self) -> Result<()> {
        self.fault_counted = false;
        self.begun = 0;
        self.transport.reload(self.pcm.fd())
    }

    /// `START`: start the stream now.
    pub fn start(&mut self) -> Result<()> {
        self.transport.publish(self.pcm.fd())?;
        self.pcm.command(Op::Start, abi::SNDRV_PCM_IOCTL_START)?;
        self.transport.publish(self.pcm.fd())
    }

    /// `DROP`: stop now, dropping what is queued. Call [`MmapStream::prepare`] to start
    /// again.
    pub fn stop(&mut self) -> Result<()> {
        self.pcm.command(Op::Drop, abi::SNDRV_PCM_IOCTL_DROP)?;
        self.transport.reload(self.pcm.fd())
    }

    /// `DRAIN`: for playback, block until everything queued has been played, then stop; for
    /// capture, stop. A prepared playback stream with queued frames is started first by the
    /// kernel. Call [`MmapStream::prepare`] to start again.
    pub fn drain(&mut self) -> Result<()> {
        self.transport.publish(self.pcm.fd())?;
        loop {
            match self.pcm.command(Op::Drain, abi::SNDRV_PCM_IOCTL_DRAIN) {
                Err(Error::Sys { errno, .. }) if errno == Errno::INTR => continue,
                other => break other?,
            }
        }
        self.transport.reload(self.pcm.fd())
    }

    /// `PAUSE`: pause (`true`) or release (`false`) a running stream, when
    /// [`Setup::can_pause`].
    pub fn pause(&mut self, pause: bool) -> Result<()> {
        self.pcm.pause(pause)?;
        self.transport.publish(self.pcm.fd())
    }

    /// `RESET`: move the hardware and application pointers to the same place, dropping
    /// queued frames without stopping.
    pub fn reset(&mut self) -> Result<()> {
        self.pcm.command(Op::Reset, abi::SNDRV_PCM_IOCTL_RESET)?;
        self.transport.reload(self.pcm.fd())
    }

    /// `RESUME` after a suspend; falls back to `PREPARE` when the driver cannot resume.
    pub fn resume(&mut self) -> Result<()> {
        let pcm = &self.pcm;
        let resumed = resume::resume_or_prepare(
            || pcm.command(Op::Resume, abi::SNDRV_PCM_IOCTL_RESUME),
            || pcm.command(Op::Prepare, abi::SNDRV_PCM_IOCTL_PREPARE),
            || sys::sleep_ms(10),
        )?;
        match resumed {
            resume::Resumed::Resumed => {
                self.fault_counted = false;
                self.transport.publish(self.pcm.fd())
            }
            resume::Resumed::Prepared => self.prepared(),
        }
    }

    /// Recovers from [`Error::Xrun`] (prepare) or [`Error::Suspended`] (resume or prepare);
    /// a capture stream is started again. Other errors are returned as they are.
    pub fn recover(&mut self, error: Error) -> Result<()> {
        match error {
            Error::Xrun => self.prepare()?,
            Error::Suspended => self.resume()?,
            other => return Err(other),
        }
        if D::CAPTURE && self.cached_state()? == State::Prepared {
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
            match self.policy {
                XrunPolicy::Fail => return Err(fault),
                XrunPolicy::Recover => self.recover(fault)?,
            }
        }
    }

    /// Blocks until a whole period at the application pointer is free (playback) or filled
    /// (capture), realigning the pointer to a period boundary first if low-level calls left
    /// it elsewhere. Returns the frame offset of the period in the buffer.
    fn acquire_period(&mut self) -> Result<u64> {
        let period = u64::from(self.setup.negotiated.period_size);
        // After the wait says ready, the kernel has at least `avail_min` (one period) frames for
        // us even though the cached status predates the wakeup: no ioctl needed to know.
        let mut kernel_said_ready = false;
        loop {
            let state = self.check_state()?;
            let avail = self.cached_avail();
            let appl = self.transport.appl_ptr();
            let misaligned = ring::to_period_boundary(appl, period);
            if misaligned != 0 && avail >= misaligned {
                self.skip(misaligned)?;
                continue;
            }
            if misaligned == 0 && (avail >= period || kernel_said_ready) {
                return Ok(ring::offset(appl, self.frames_in_buffer()));
            }
            if D::CAPTURE && state == State::Prepared {
                self.start()?;
                continue;
            }
            let timeout_ms = self.setup.timeout_ms;
            match self.waiter()?.wait(timeout_ms)? {
                Readiness::Ready => kernel_said_ready = self.transport.kind() != TransportKind::Mapped,
                Readiness::Error => {
                    kernel_said_ready = false;
                    self.transport.publish(self.pcm.fd())?;
                }
                Readiness::TimedOut => return Err(Error::Timeout),
            }
        }
    }

    /// Moves the application pointer over `frames` without handing them to the callback:
    /// silence for playback, discarded for capture.
    fn skip(&mut self, frames: u64) -> Result<()> {
        if !D::CAPTURE {
            let offset = ring::offset(self.transport.appl_ptr(), self.frames_in_buffer());
            self.samples_mut(offset, frames).fill(S::SILENCE);
        }
        self.advance(frames)
    }

    /// Commits `frames` after the application pointer and publishes it with a status refresh:
    /// the only system call of a period on the `SYNC_PTR` path, none when mapped.
    fn advance(&mut self, frames: u64) -> Result<()> {
        let appl = ring::advance(self.transport.appl_ptr(), frames, self.setup.boundary);
        self.transport.set_appl_ptr(appl);
        self.position += frames;
        self.transport.publish(self.pcm.fd())?;
        if !D::CAPTURE && self.cached_state()? == State::Prepared {
            let queued = ring::playback_queued(
                self.transport.status().hw_ptr,
                appl,
                self.frames_in_buffer(),
                self.setup.boundary,
            );
            if queued >= self.setup.start_threshold {
                self.start()?;
            }
        }
        Ok(())
    }

    /// The period loop of both directions: waits for each period, hands its samples to
    /// `callback` and commits it, until the callback breaks (its value is returned).
    fn run_periods<B>(
        &mut self,
        mut callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>,
    ) -> Result<B> {
        let period = u64::from(self.setup.negotiated.period_size);
        loop {
            let offset = self.acquire_period()?;
            let info = self.period_info(period);
            let flow = callback(self.samples_mut(offset, period), &info);
            self.advance(period)?;
            if let ControlFlow::Break(value) = flow {
                return Ok(value);
            }
        }
    }

    fn period_info(&self, frames: u64) -> PeriodInfo {
        PeriodInfo {
            frames: frames as usize,
            channels: self.channels(),
            position: self.position,
            timestamp: self.timestamp(),
            xruns: self.xruns,
        }
    }

    /// The samples of `frames` frames from frame `offset` of the DMA buffer.
    fn samples_mut(&mut self, offset: u64, frames: u64) -> &mut [S] {
        let channels = self.channels();
        let start = offset as usize * channels;
        let len = frames as usize * channels;
        let total = self.frames_in_buffer() as usize * channels;
        let len = len.min(total.saturating_sub(start));
        debug_assert!(total * core::mem::size_of::<S>() <= self.buffer.len());
        // SAFETY: the mapping holds the whole buffer (`total` samples of `S`, checked at
        // setup through CHANNEL_INFO), `start + len <= total`, the buffer is page aligned so
        // every sample is aligned, `S` is valid for any bytes (`Sample`'s contract), and the
        // frames between the application and hardware pointers are not touched by the
        // hardware while the application owns them; the borrow of `self` keeps the mapping
        // alive and unaliased.
        unsafe { core::slice::from_raw_parts_mut(self.buffer.ptr().cast::<S>().add(start), len) }
    }

    /// Contiguous frames available from the application pointer, at most `max_frames`, as of
    /// the last status.
    fn contiguous(&self, max_frames: usize) -> (u64, u64) {
        let buffer = self.frames_in_buffer();
        let appl = self.transport.appl_ptr();
        let avail = self.cached_avail().min(buffer).min(max_frames as u64);
        (ring::offset(appl, buffer), ring::contiguous(appl, avail, buffer))
    }

    /// Commits frames handed out by the last `begin` and publishes the application pointer
    /// (like `snd_pcm_mmap_commit`). A playback stream starts once its start threshold is
    /// queued.
    pub fn commit(&mut self, frames: usize) -> Result<()> {
        let frames = frames as u64;
        if frames > self.begun {
            return Err(Error::CommitTooLarge);
        }
        self.begun = 0;
        self.advance(frames)
    }
}
