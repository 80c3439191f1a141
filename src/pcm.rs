//! An open PCM device node and the ioctls on it: version, info, refine, hw/sw params, channel
//! info and the state transitions (prepare, start, drop, drain, pause, resume, reset).

use core::ffi::c_int;

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::abi::{self, Plain, SndPcmChannelInfo, SndPcmSwParams, Uframes};
use crate::device::{self, ControlDevice, DeviceName, PcmInfo};
use crate::error::{DeviceContext, DeviceError, Errno, Error, Op, Result};
use crate::ioctl;
use crate::params::{Capabilities, HwParams, Refine};
use crate::sys;
use crate::types::Direction;

/// The oldest PCM protocol this crate drives (`SYNC_PTR`'s `HWSYNC` flag and the sw_params
/// `tstamp_type` field need 2.0.12).
const MIN_PROTOCOL: u32 = abi::protocol_version(2, 0, 12);

/// A state-changing ioctl without a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// `PREPARE`.
    Prepare,
    /// `START`.
    Start,
    /// `DROP`.
    Drop,
    /// `DRAIN` (retried on `EINTR`).
    Drain,
    /// `RESET`.
    Reset,
    /// `RESUME`.
    Resume,
    /// `PAUSE` push (`true`) or release.
    Pause(bool),
}

/// What opening a PCM does when the device is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum OpenMode {
    /// Fail at once with `EBUSY` (the default).
    #[default]
    FailIfBusy,
    /// Wait until it is free (the kernel's blocking open).
    WaitIfBusy,
}

/// The software parameters sent with `SW_PARAMS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SwParams {
    pub avail_min: u64,
    pub start_threshold: u64,
    pub stop_threshold: u64,
    pub silence_threshold: u64,
    pub silence_size: u64,
    /// `SNDRV_PCM_TSTAMP_TYPE_*`.
    pub tstamp_type: u32,
}

/// An open PCM device node.
#[derive(Debug)]
pub struct PcmDevice {
    fd: OwnedFd,
    info: PcmInfo,
    protocol: u32,
}

/// The device descriptor (as [`PcmDevice::fd`]), for `poll` in another event loop.
impl AsFd for PcmDevice {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl PcmDevice {
    /// Opens `name` for playback or capture, checks the protocol version and reads its info.
    ///
    /// The open never blocks: a device in use fails with `EBUSY`.
    ///
    /// # Errors
    /// A [`DeviceError`] naming the device (its card id, card number and node as far as
    /// they were found): [`Error::UnknownCard`] for a card id no card has, [`Error::Sys`]
    /// with [`Op::OpenPcm`] when the node cannot be opened (`ENOENT`, `EACCES`, `EBUSY`...),
    /// and the errors of [`PcmDevice::from_fd`].
    pub fn open(name: &DeviceName, direction: Direction) -> core::result::Result<Self, DeviceError> {
        Self::open_mode(name, direction, OpenMode::FailIfBusy)
    }

    /// [`PcmDevice::open`], with a choice of what to do when the device is in use.
    ///
    /// # Errors
    /// As [`PcmDevice::open`].
    pub fn open_mode(
        name: &DeviceName,
        direction: Direction,
        mode: OpenMode,
    ) -> core::result::Result<Self, DeviceError> {
        let mut context = DeviceContext::default();
        name.note(&mut context, direction);
        Self::open_in(name, direction, mode, &mut context).map_err(|e| DeviceError::new(e, context))
    }

    /// [`PcmDevice::open_mode`], noting the card number in `context` (which already names
    /// the device) once it is known.
    pub(crate) fn open_in(
        name: &DeviceName,
        direction: Direction,
        mode: OpenMode,
        context: &mut DeviceContext,
    ) -> Result<Self> {
        let card = name.card_index()?;
        context.set_node(Some(card), name.device, name.subdevice, direction);
        // A subdevice is picked through the card's control device, which must stay open
        // across the PCM open.
        let control = match name.subdevice {
            Some(sub) => {
                let control = ControlDevice::open(card)?;
                control.prefer_subdevice(Some(sub))?;
                Some(control)
            }
            None => None,
        };
        let path = device::pcm_path(card, name.device, direction);
        let fd = device::open_node(&path, Op::OpenPcm, mode == OpenMode::WaitIfBusy)?;
        drop(control);
        let pcm = Self::from_fd(fd, direction)?;
        if name.subdevice.is_some_and(|s| s != pcm.info.subdevice) {
            return Err(Error::sys(Op::PreferSubdevice, Errno::BUSY));
        }
        Ok(pcm)
    }

    /// Opens a PCM node by path (`/dev/snd/pcmC0D0p`), checking it is a PCM of the expected
    /// direction.
    ///
    /// # Errors
    /// A [`DeviceError`] naming the path: [`Error::Sys`] with [`Op::OpenPcm`] when it cannot
    /// be opened, and the errors of [`PcmDevice::from_fd`].
    pub fn open_path(path: &str, direction: Direction) -> core::result::Result<Self, DeviceError> {
        sys::open_device(path, Op::OpenPcm, false)
            .and_then(|fd| Self::from_fd(fd, direction))
            .map_err(|e| DeviceError::new(e, DeviceContext::given(path)))
    }

    /// Adopts a PCM node opened elsewhere, checking it is a PCM of the expected direction.
    /// With the `std` feature `fd` is a `std::os::fd::OwnedFd` (a `File` converts into one).
    ///
    /// # Errors
    /// [`Error::Sys`] with [`Op::PcmVersion`] or [`Op::PcmInfo`] for a descriptor that is not a PCM
    /// (`ENOTTY`), [`Error::ProtocolTooOld`], [`Error::WrongDirection`].
    pub fn from_fd(fd: OwnedFd, direction: Direction) -> Result<Self> {
        let protocol = sys::get(fd.as_fd(), ioctl::PCM_PVERSION)? as u32;
        if protocol < MIN_PROTOCOL {
            return Err(Error::ProtocolTooOld { version: protocol });
        }
        // Kernels before 5.8 lack USER_PVERSION; that is fine.
        match sys::set(
            fd.as_fd(),
            ioctl::PCM_USER_PVERSION,
            abi::SNDRV_PCM_VERSION as c_int,
        ) {
            Ok(()) => {}
            Err(Error::Sys { errno, .. }) if errno == Errno::NOTTY || errno == Errno::INVAL => {}
            Err(e) => return Err(e),
        }
        let raw = sys::get(fd.as_fd(), ioctl::PCM_INFO)?;
        let info = PcmInfo::from_raw(&raw);
        if info.direction != direction {
            return Err(Error::WrongDirection);
        }
        Ok(PcmDevice { fd, info, protocol })
    }

    /// A stand-in over `/dev/null` for the kernel model of the crate's own tests.
    #[cfg(test)]
    pub(crate) fn for_tests(direction: Direction) -> Self {
        let fd = sys::open_device("/dev/null", Op::OpenPcm, false).expect("open /dev/null");
        let info = PcmInfo {
            card: 0,
            device: 0,
            subdevice: 0,
            direction,
            id: heapless::String::new(),
            name: heapless::String::new(),
            subname: heapless::String::new(),
            subdevices_count: 1,
            subdevices_avail: 0,
        };
        PcmDevice {
            fd,
            info,
            protocol: abi::SNDRV_PCM_VERSION,
        }
    }

    /// The descriptor, for `poll` in the caller's own event loop.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Card, device, subdevice and names.
    pub fn info(&self) -> &PcmInfo {
        &self.info
    }

    /// The PCM protocol version the kernel speaks (`SNDRV_PROTOCOL_VERSION` encoding).
    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// What the device can do with mmap interleaved access.
    ///
    /// # Errors
    /// [`Error::NoMmapAccess`] when the device refuses every mmap interleaved configuration.
    pub fn capabilities(&mut self) -> Result<Capabilities> {
        Capabilities::query(self)
    }

    /// Applies fully refined parameters (`HW_PARAMS`); `params` is updated with the kernel's
    /// final values.
    pub(crate) fn hw_params(&self, params: &mut HwParams) -> Result<()> {
        sys::update(self.fd(), ioctl::PCM_HW_PARAMS, params.raw_mut())
    }

    /// Applies software parameters with timestamps enabled; returns the boundary.
    pub(crate) fn sw_params(&self, sw: &SwParams) -> Result<u64> {
        let mut raw = SndPcmSwParams::zeroed();
        raw.tstamp_mode = abi::SNDRV_PCM_TSTAMP_ENABLE;
        raw.tstamp_type = sw.tstamp_type;
        raw.proto = abi::SNDRV_PCM_VERSION;
        raw.period_step = 1;
        raw.avail_min = sw.avail_min as Uframes;
        raw.start_threshold = sw.start_threshold as Uframes;
        raw.stop_threshold = sw.stop_threshold as Uframes;
        raw.silence_threshold = sw.silence_threshold as Uframes;
        raw.silence_size = sw.silence_size as Uframes;
        sys::update(self.fd(), ioctl::PCM_SW_PARAMS, &mut raw)?;
        Ok(abi::uframes_to_u64(raw.boundary))
    }

    /// Where channel `channel` lives in the DMA buffer.
    pub(crate) fn channel_info(&self, channel: u32) -> Result<SndPcmChannelInfo> {
        let mut info = SndPcmChannelInfo {
            channel,
            ..Default::default()
        };
        sys::update(self.fd(), ioctl::PCM_CHANNEL_INFO, &mut info)?;
        Ok(info)
    }

    /// A state-changing ioctl (`DRAIN` is retried on `EINTR`).
    pub(crate) fn command(&self, command: Command) -> Result<()> {
        let fd = self.fd();
        match command {
            Command::Prepare => sys::command(fd, ioctl::PCM_PREPARE),
            Command::Start => sys::command(fd, ioctl::PCM_START),
            Command::Drop => sys::command(fd, ioctl::PCM_DROP),
            Command::Drain => loop {
                match sys::command(fd, ioctl::PCM_DRAIN) {
                    Err(Error::Sys { errno, .. }) if errno == Errno::INTR => continue,
                    other => break other,
                }
            },
            Command::Reset => sys::command(fd, ioctl::PCM_RESET),
            Command::Resume => sys::command(fd, ioctl::PCM_RESUME),
            Command::Pause(push) => sys::set_integer(fd, ioctl::PCM_PAUSE, usize::from(push)),
        }
    }

    /// `DRAIN` without waiting: the descriptor is non-blocking for the call, so the kernel
    /// puts the stream in `DRAINING` (starting a prepared one) and answers `EAGAIN` instead
    /// of sleeping. The kernel ends the drain at the first position update that finds the
    /// queue played. A stream without period interrupts needs this: the blocking drain waits
    /// for a position update that no interrupt brings.
    #[cfg(any(feature = "timer", test))]
    pub(crate) fn start_drain(&self) -> Result<()> {
        use rustix::fs::OFlags;
        let fd = self.fd();
        rustix::fs::fcntl_setfl(fd, OFlags::NONBLOCK).map_err(|e| Error::sys(Op::SetBlocking, e))?;
        let drained = sys::command(fd, ioctl::PCM_DRAIN);
        rustix::fs::fcntl_setfl(fd, OFlags::empty()).map_err(|e| Error::sys(Op::SetBlocking, e))?;
        match drained {
            Err(Error::Sys { errno, .. }) if errno == Errno::AGAIN => Ok(()),
            other => other,
        }
    }

    /// `STATUS_EXT` asking for the audio timestamp `audio_tstamp_data` describes (type and
    /// delay report bits): the full status, with the driver's report in the same field.
    pub(crate) fn status_ext(&self, audio_tstamp_data: u32) -> Result<abi::SndPcmStatus64> {
        let mut status = abi::SndPcmStatus64 {
            audio_tstamp_data,
            ..Default::default()
        };
        sys::update(self.fd(), ioctl::PCM_STATUS_EXT, &mut status)?;
        Ok(status)
    }

    /// `REWIND` (`back`) or `FORWARD`: moves the application pointer by up to `frames`, as
    /// far as the kernel allows (never behind the hardware pointer, never past what is
    /// available), and returns the frames it moved.
    pub(crate) fn move_appl(&self, frames: u64, back: bool) -> Result<u64> {
        let mut record = Uframes::try_from(frames).unwrap_or(Uframes::MAX);
        if back {
            sys::update(self.fd(), ioctl::PCM_REWIND, &mut record)?;
        } else {
            sys::update(self.fd(), ioctl::PCM_FORWARD, &mut record)?;
        }
        Ok(abi::uframes_to_u64(record))
    }

    /// `LINK`: from now on `other` starts, stops and prepares together with this PCM.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_LINK` (streams of two cards cannot be linked on
    /// most drivers).
    pub fn link(&self, other: &PcmDevice) -> Result<()> {
        use rustix::fd::AsRawFd;
        let fd = other.fd.as_raw_fd();
        if fd < 0 {
            return Err(Error::BadKernelValue);
        }
        sys::set_integer(self.fd(), ioctl::PCM_LINK, fd as usize)
    }

    /// `UNLINK`: leaves the linked group.
    ///
    /// # Errors
    /// The [`Error::Sys`] of `SNDRV_PCM_IOCTL_UNLINK` (`EALREADY` when not linked).
    pub fn unlink(&self) -> Result<()> {
        sys::command(self.fd(), ioctl::PCM_UNLINK)
    }

    /// `DELAY`: frames between the application pointer and what is heard or captured now.
    pub(crate) fn delay(&self) -> Result<i64> {
        // Not `get`'s own rule: its copies for the setup's records would cost fw-tone bytes.
        let frames = sys::get(self.fd(), ioctl::PCM_DELAY).map_err(|e| match e {
            Error::Sys { op, errno } => Error::on_device(op, errno),
            e => e,
        })?;
        Ok(frames as i64)
    }
}

impl Refine for PcmDevice {
    fn refine(&mut self, params: &mut HwParams) -> Result<()> {
        sys::update(self.fd(), ioctl::PCM_HW_REFINE, params.raw_mut())
    }
}

#[cfg(test)]
mod tests;
