//! Opening a stream and setting it up: the negotiation, the software parameters, the
//! mappings, and the checks of what the kernel chose.

use core::cell::Cell;
use core::marker::PhantomData;

use crate::device::DeviceName;
use crate::error::{DeviceContext, DeviceError, Error, Op, Result, Tried};
use crate::params::{self, Negotiated};
use crate::pcm::{PcmDevice, SwParams};
use crate::sample::Sample;
use crate::sys::{self};
use crate::transport::{Transport, TransportChoice};

use super::{
    drain, timer, Config, Direction, HwKernel, Kernel, MmapStream, Setup, StreamDirection, StreamKernel,
    Wakeups, XrunPolicy,
};

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
    pub(super) fn open_in(name: &DeviceName, config: &Config, context: &mut DeviceContext) -> Result<Self> {
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
    pub(super) fn set_up(mut pcm: PcmDevice, config: &Config, context: &mut DeviceContext) -> Result<Self> {
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
    pub(super) fn finish(
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
        let sw = super::keep_running::sw_params_at_boundary::<D>(&pcm, config, sw, boundary)?;
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
    pub(super) fn assemble(kernel: StreamKernel, setup: Setup, policy: XrunPolicy) -> Result<Self> {
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
    pub(super) fn formats_for(config: &Config) -> params::Formats {
        config.preferred_formats().filter(crate::sample::holds::<S>)
    }

    pub(super) fn check_sample_type(config: &Config) -> Result<()> {
        if !Self::formats_for(config).is_empty() {
            Ok(())
        } else {
            Err(Error::FormatMismatch {
                format: config.format,
            })
        }
    }

    /// Checks with `CHANNEL_INFO` that the buffer is plain interleaved frames and maps it.
    pub(super) fn map_buffer(pcm: &PcmDevice, negotiated: &Negotiated) -> Result<sys::Mapping> {
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
}

/// Checks the values the kernel chose are consistent: no zero, and the buffer is whole
/// periods (a device offering `periods 0..=0` would otherwise give a zero buffer).
pub(super) fn check_negotiated(negotiated: &Negotiated) -> Result<()> {
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
pub(super) fn check_avail_min(avail_min: u64, stop_threshold: u64) -> Result<()> {
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
pub(super) fn sw_params<D: StreamDirection>(config: &Config, negotiated: &Negotiated) -> Result<SwParams> {
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
pub(super) fn timeout_ms(configured: u32, negotiated: &Negotiated) -> u32 {
    if configured != 0 {
        return configured;
    }
    let buffer_ms = u64::from(negotiated.buffer_size) * 1000 / u64::from(negotiated.rate.max(1));
    (buffer_ms * 4).clamp(1000, u64::from(u32::MAX)) as u32
}
