//! Typed ioctl descriptors: each ioctl the crate makes, with the record it transfers, the
//! direction of the transfer and the [`Op`] its errors name.
//!
//! A descriptor's type fixes its opcode and its record (`Updater<{ HW_PARAMS opcode },
//! SndPcmHwParams>`), and its constructor checks at compile time that the opcode encodes the
//! record's size and the descriptor's direction, so a wrong pairing does not build. The calls
//! themselves are in `sys`, on rustix's `ioctl` patterns (`Getter`, `Setter`, `Updater`,
//! `NoArg`, `IntegerSetter`); with a record that is [`Plain`](crate::abi::Plain) they are safe
//! code.
//!
//! The opcodes are [`abi`]'s, each checked against C by `src/abi/tests/layout.rs`. Some ioctls
//! were numbered long ago with a direction that is not what the kernel does with the
//! argument (`CHANNEL_INFO` and `PCM_NEXT_DEVICE` are `_IOR` but read the record too, `PAUSE`
//! and `LINK` are `_IOW(int)` but take the integer itself): their descriptors say what the
//! kernel does and check the number as declared.
//!
//! [`Op`] lives here, beside the descriptors, so that the bottom `error` layer names an
//! operation without knowing any layer above it.
//!
//! # References
//! - `include/uapi/sound/asound.h`, `sound/core/pcm_native.c`, `sound/core/control.c`.

use core::ffi::c_int;
use core::marker::PhantomData;

use rustix::ioctl::{opcode, Opcode};

#[cfg(target_pointer_width = "32")]
use crate::abi::SyncPtr32;
use crate::abi::{
    self, Sframes, SndCtlCardInfo, SndCtlElemId, SndCtlElemInfo, SndCtlElemList, SndCtlElemValue, SndCtlTlv,
    SndPcmChannelInfo, SndPcmHwParams, SndPcmInfo, SndPcmStatus64, SndPcmSwParams, SyncPtr64, Uframes,
};

/// The group (`type`) byte of an opcode: bits 8-15 on every Linux arch.
const fn group(code: Opcode) -> u8 {
    (code >> 8) as u8
}

/// The number byte of an opcode: bits 0-7 on every Linux arch.
const fn number(code: Opcode) -> u8 {
    code as u8
}

/// An ioctl whose kernel side writes one `T` (rustix's `Getter`): an `_IOR` opcode of
/// `size_of::<T>()` bytes.
#[derive(Debug)]
pub(crate) struct Getter<const OPCODE: Opcode, T> {
    op: Op,
    record: PhantomData<fn() -> T>,
}

impl<const OPCODE: Opcode, T> Getter<OPCODE, T> {
    /// The descriptor; does not build unless `OPCODE` is `_IOR` of a `T`.
    const fn new(op: Op) -> Self {
        assert!(
            OPCODE == opcode::read::<T>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOR of this record"
        );
        Getter {
            op,
            record: PhantomData,
        }
    }

    /// What an error of this ioctl names.
    pub(crate) const fn op(&self) -> Op {
        self.op
    }
}

/// An ioctl whose kernel side reads one `T` (rustix's `Setter`): an `_IOW` opcode of
/// `size_of::<T>()` bytes.
#[derive(Debug)]
pub(crate) struct Setter<const OPCODE: Opcode, T> {
    op: Op,
    record: PhantomData<fn(T)>,
}

impl<const OPCODE: Opcode, T> Setter<OPCODE, T> {
    /// The descriptor; does not build unless `OPCODE` is `_IOW` of a `T`.
    const fn new(op: Op) -> Self {
        assert!(
            OPCODE == opcode::write::<T>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOW of this record"
        );
        Setter {
            op,
            record: PhantomData,
        }
    }

    /// What an error of this ioctl names.
    pub(crate) const fn op(&self) -> Op {
        self.op
    }
}

/// An ioctl whose kernel side reads one `T` and writes it back (rustix's `Updater`): an
/// `_IOWR` opcode of `size_of::<T>()` bytes, or an `_IOR` one the kernel also reads.
#[derive(Debug)]
pub(crate) struct Updater<const OPCODE: Opcode, T> {
    op: Op,
    record: PhantomData<fn(T) -> T>,
}

impl<const OPCODE: Opcode, T> Updater<OPCODE, T> {
    /// The descriptor; does not build unless `OPCODE` is `_IOWR` of a `T`.
    const fn new(op: Op) -> Self {
        assert!(
            OPCODE == opcode::read_write::<T>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOWR of this record"
        );
        Updater {
            op,
            record: PhantomData,
        }
    }

    /// The descriptor of an ioctl numbered `_IOR` whose kernel side reads the record before
    /// writing it (`CHANNEL_INFO`, `PCM_NEXT_DEVICE`); does not build unless `OPCODE` is
    /// `_IOR` of a `T`.
    const fn declared_read(op: Op) -> Self {
        assert!(
            OPCODE == opcode::read::<T>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOR of this record"
        );
        Updater {
            op,
            record: PhantomData,
        }
    }

    /// The descriptor of an ioctl numbered `_IOW` whose kernel side writes the record back
    /// (`REWIND` and `FORWARD` return the frames moved in it); does not build unless `OPCODE`
    /// is `_IOW` of a `T`.
    const fn declared_write(op: Op) -> Self {
        assert!(
            OPCODE == opcode::write::<T>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOW of this record"
        );
        Updater {
            op,
            record: PhantomData,
        }
    }

    /// What an error of this ioctl names.
    pub(crate) const fn op(&self) -> Op {
        self.op
    }
}

/// An ioctl without argument (rustix's `NoArg`): an `_IO` opcode.
#[derive(Debug)]
pub(crate) struct NoArg<const OPCODE: Opcode> {
    op: Op,
}

impl<const OPCODE: Opcode> NoArg<OPCODE> {
    /// The descriptor; does not build unless `OPCODE` is `_IO`.
    const fn new(op: Op) -> Self {
        assert!(
            OPCODE == opcode::none(group(OPCODE), number(OPCODE)),
            "the opcode is not _IO"
        );
        NoArg { op }
    }

    /// What an error of this ioctl names.
    pub(crate) const fn op(&self) -> Op {
        self.op
    }
}

/// An ioctl that takes an integer as the argument itself (rustix's `IntegerSetter`), never
/// a pointer: `PAUSE` and `LINK`, numbered `_IOW(int)` long ago.
#[derive(Debug)]
pub(crate) struct IntegerSetter<const OPCODE: Opcode> {
    op: Op,
}

impl<const OPCODE: Opcode> IntegerSetter<OPCODE> {
    /// The descriptor; does not build unless `OPCODE` is `_IOW` of an `int`.
    const fn new(op: Op) -> Self {
        assert!(
            OPCODE == opcode::write::<c_int>(group(OPCODE), number(OPCODE)),
            "the opcode is not _IOW(int)"
        );
        IntegerSetter { op }
    }

    /// What an error of this ioctl names.
    pub(crate) const fn op(&self) -> Op {
        self.op
    }
}

// PCM ioctls.

/// `SNDRV_PCM_IOCTL_PVERSION`: the PCM protocol the kernel speaks.
pub(crate) const PCM_PVERSION: Getter<{ abi::SNDRV_PCM_IOCTL_PVERSION }, c_int> = Getter::new(Op::PcmVersion);
/// `SNDRV_PCM_IOCTL_INFO`: card, device, subdevice and names of an open PCM.
pub(crate) const PCM_INFO: Getter<{ abi::SNDRV_PCM_IOCTL_INFO }, SndPcmInfo> = Getter::new(Op::PcmInfo);
/// `SNDRV_PCM_IOCTL_USER_PVERSION`: the protocol this process speaks (Linux 5.8 and later).
pub(crate) const PCM_USER_PVERSION: Setter<{ abi::SNDRV_PCM_IOCTL_USER_PVERSION }, c_int> =
    Setter::new(Op::UserVersion);
/// `SNDRV_PCM_IOCTL_HW_REFINE`: narrows the hardware parameters to what the device can do.
pub(crate) const PCM_HW_REFINE: Updater<{ abi::SNDRV_PCM_IOCTL_HW_REFINE }, SndPcmHwParams> =
    Updater::new(Op::HwRefine);
/// `SNDRV_PCM_IOCTL_HW_PARAMS`: applies the hardware parameters.
pub(crate) const PCM_HW_PARAMS: Updater<{ abi::SNDRV_PCM_IOCTL_HW_PARAMS }, SndPcmHwParams> =
    Updater::new(Op::HwParams);
/// `SNDRV_PCM_IOCTL_SW_PARAMS`: applies the software parameters.
pub(crate) const PCM_SW_PARAMS: Updater<{ abi::SNDRV_PCM_IOCTL_SW_PARAMS }, SndPcmSwParams> =
    Updater::new(Op::SwParams);
/// `SNDRV_PCM_IOCTL_DELAY`: frames between the application pointer and what is heard.
pub(crate) const PCM_DELAY: Getter<{ abi::SNDRV_PCM_IOCTL_DELAY }, Sframes> = Getter::new(Op::Delay);
/// `SNDRV_PCM_IOCTL_STATUS_EXT` (64-bit time): the full status, with the audio timestamp
/// of the type requested in the record.
pub(crate) const PCM_STATUS_EXT: Updater<{ abi::SNDRV_PCM_IOCTL_STATUS_EXT64 }, SndPcmStatus64> =
    Updater::new(Op::StatusExt);
/// `SNDRV_PCM_IOCTL_HWSYNC`: asks the driver for its position.
pub(crate) const PCM_HWSYNC: NoArg<{ abi::SNDRV_PCM_IOCTL_HWSYNC }> = NoArg::new(Op::HwSync);
/// `SNDRV_PCM_IOCTL_SYNC_PTR` with the 64-bit-time record (the native one on 64-bit targets).
pub(crate) const PCM_SYNC_PTR64: Updater<{ abi::SNDRV_PCM_IOCTL_SYNC_PTR64 }, SyncPtr64> =
    Updater::new(Op::SyncPtr);
/// `SNDRV_PCM_IOCTL_SYNC_PTR` with the old 32-bit-time record.
#[cfg(target_pointer_width = "32")]
pub(crate) const PCM_SYNC_PTR32: Updater<{ abi::SNDRV_PCM_IOCTL_SYNC_PTR32 }, SyncPtr32> =
    Updater::new(Op::SyncPtr);
/// `SNDRV_PCM_IOCTL_CHANNEL_INFO`: where a channel lives in the DMA buffer (the kernel reads
/// the channel number from the record).
pub(crate) const PCM_CHANNEL_INFO: Updater<{ abi::SNDRV_PCM_IOCTL_CHANNEL_INFO }, SndPcmChannelInfo> =
    Updater::declared_read(Op::ChannelInfo);
/// `SNDRV_PCM_IOCTL_PREPARE`.
pub(crate) const PCM_PREPARE: NoArg<{ abi::SNDRV_PCM_IOCTL_PREPARE }> = NoArg::new(Op::Prepare);
/// `SNDRV_PCM_IOCTL_RESET`.
pub(crate) const PCM_RESET: NoArg<{ abi::SNDRV_PCM_IOCTL_RESET }> = NoArg::new(Op::Reset);
/// `SNDRV_PCM_IOCTL_START`.
pub(crate) const PCM_START: NoArg<{ abi::SNDRV_PCM_IOCTL_START }> = NoArg::new(Op::Start);
/// `SNDRV_PCM_IOCTL_DROP`.
pub(crate) const PCM_DROP: NoArg<{ abi::SNDRV_PCM_IOCTL_DROP }> = NoArg::new(Op::Drop);
/// `SNDRV_PCM_IOCTL_DRAIN`.
pub(crate) const PCM_DRAIN: NoArg<{ abi::SNDRV_PCM_IOCTL_DRAIN }> = NoArg::new(Op::Drain);
/// `SNDRV_PCM_IOCTL_PAUSE`: 1 pushes the pause, 0 releases it.
pub(crate) const PCM_PAUSE: IntegerSetter<{ abi::SNDRV_PCM_IOCTL_PAUSE }> = IntegerSetter::new(Op::Pause);
/// `SNDRV_PCM_IOCTL_RESUME`.
pub(crate) const PCM_RESUME: NoArg<{ abi::SNDRV_PCM_IOCTL_RESUME }> = NoArg::new(Op::Resume);
/// `SNDRV_PCM_IOCTL_REWIND`: moves the application pointer back by up to the frames in the
/// record (never past the hardware pointer) and writes back how many it moved.
pub(crate) const PCM_REWIND: Updater<{ abi::SNDRV_PCM_IOCTL_REWIND }, Uframes> =
    Updater::declared_write(Op::Rewind);
/// `SNDRV_PCM_IOCTL_FORWARD`: moves the application pointer on by up to the frames in the
/// record (never past what is available) and writes back how many it moved.
pub(crate) const PCM_FORWARD: Updater<{ abi::SNDRV_PCM_IOCTL_FORWARD }, Uframes> =
    Updater::declared_write(Op::Forward);
/// `SNDRV_PCM_IOCTL_LINK`: the other PCM's descriptor number is the argument.
pub(crate) const PCM_LINK: IntegerSetter<{ abi::SNDRV_PCM_IOCTL_LINK }> = IntegerSetter::new(Op::Link);
/// `SNDRV_PCM_IOCTL_UNLINK`.
pub(crate) const PCM_UNLINK: NoArg<{ abi::SNDRV_PCM_IOCTL_UNLINK }> = NoArg::new(Op::Unlink);

// Control-device ioctls.

/// `SNDRV_CTL_IOCTL_CARD_INFO`: the card's number, id and names.
pub(crate) const CTL_CARD_INFO: Getter<{ abi::SNDRV_CTL_IOCTL_CARD_INFO }, SndCtlCardInfo> =
    Getter::new(Op::CardInfo);
/// `SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE`: the PCM device after the one in the record (-1: none).
pub(crate) const CTL_PCM_NEXT_DEVICE: Updater<{ abi::SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE }, c_int> =
    Updater::declared_read(Op::NextPcmDevice);
/// `SNDRV_CTL_IOCTL_PCM_INFO`: what the kernel says about a PCM stream of the card.
pub(crate) const CTL_PCM_INFO: Updater<{ abi::SNDRV_CTL_IOCTL_PCM_INFO }, SndPcmInfo> =
    Updater::new(Op::ControlPcmInfo);
/// `SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE`: the subdevice this process's next PCM open takes.
pub(crate) const CTL_PCM_PREFER_SUBDEVICE: Setter<{ abi::SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE }, c_int> =
    Setter::new(Op::PreferSubdevice);
/// `SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS`: 1 subscribes to control events, 0 unsubscribes.
pub(crate) const CTL_SUBSCRIBE_EVENTS: Updater<{ abi::SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS }, c_int> =
    Updater::new(Op::SubscribeEvents);
/// `SNDRV_CTL_IOCTL_ELEM_LIST`: a window of the card's element ids, written through the
/// record's `pids` pointer (see `sys::elem_list`).
pub(crate) const CTL_ELEM_LIST: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_LIST }, SndCtlElemList> =
    Updater::new(Op::ElemList);
/// `SNDRV_CTL_IOCTL_ELEM_INFO`: an element's description.
pub(crate) const CTL_ELEM_INFO: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_INFO }, SndCtlElemInfo> =
    Updater::new(Op::ElemInfo);
/// `SNDRV_CTL_IOCTL_ELEM_READ`: an element's values.
pub(crate) const CTL_ELEM_READ: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_READ }, SndCtlElemValue> =
    Updater::new(Op::ElemRead);
/// `SNDRV_CTL_IOCTL_ELEM_WRITE`: sets an element's values.
pub(crate) const CTL_ELEM_WRITE: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_WRITE }, SndCtlElemValue> =
    Updater::new(Op::ElemWrite);
/// `SNDRV_CTL_IOCTL_ELEM_ADD`: adds a user-space element to the card.
pub(crate) const CTL_ELEM_ADD: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_ADD }, SndCtlElemInfo> =
    Updater::new(Op::ElemAdd);
/// `SNDRV_CTL_IOCTL_ELEM_REMOVE`: removes a user-space element.
pub(crate) const CTL_ELEM_REMOVE: Updater<{ abi::SNDRV_CTL_IOCTL_ELEM_REMOVE }, SndCtlElemId> =
    Updater::new(Op::ElemRemove);
/// `SNDRV_CTL_IOCTL_TLV_READ`: an element's TLV data, written after the `snd_ctl_tlv` header
/// (see `sys::tlv_read`).
pub(crate) const CTL_TLV_READ: Updater<{ abi::SNDRV_CTL_IOCTL_TLV_READ }, SndCtlTlv> =
    Updater::new(Op::TlvRead);

/// The operation that failed: a system call on a device, or a setup step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Op {
    /// `open` of a PCM device node.
    OpenPcm,
    /// `open` of a control device node (`/dev/snd/controlC<n>`).
    OpenControl,
    /// `fcntl(F_SETFL)` to make the device blocking after the non-blocking open.
    SetBlocking,
    /// `SNDRV_PCM_IOCTL_PVERSION`.
    PcmVersion,
    /// `SNDRV_PCM_IOCTL_USER_PVERSION`.
    UserVersion,
    /// `SNDRV_PCM_IOCTL_INFO`.
    PcmInfo,
    /// `SNDRV_PCM_IOCTL_HW_REFINE`.
    HwRefine,
    /// `SNDRV_PCM_IOCTL_HW_PARAMS`.
    HwParams,
    /// `SNDRV_PCM_IOCTL_SW_PARAMS`.
    SwParams,
    /// `SNDRV_PCM_IOCTL_CHANNEL_INFO`.
    ChannelInfo,
    /// `mmap` of the DMA buffer.
    MapBuffer,
    /// `mmap` of the status page.
    MapStatus,
    /// `mmap` of the control page.
    MapControl,
    /// `SNDRV_PCM_IOCTL_SYNC_PTR`.
    SyncPtr,
    /// `SNDRV_PCM_IOCTL_HWSYNC`.
    HwSync,
    /// `SNDRV_PCM_IOCTL_DELAY`.
    Delay,
    /// `SNDRV_PCM_IOCTL_PREPARE`.
    Prepare,
    /// `SNDRV_PCM_IOCTL_RESET`.
    Reset,
    /// `SNDRV_PCM_IOCTL_START`.
    Start,
    /// `SNDRV_PCM_IOCTL_DROP`.
    Drop,
    /// `SNDRV_PCM_IOCTL_DRAIN`.
    Drain,
    /// `SNDRV_PCM_IOCTL_PAUSE`.
    Pause,
    /// `SNDRV_PCM_IOCTL_RESUME`.
    Resume,
    /// `SNDRV_PCM_IOCTL_REWIND`.
    Rewind,
    /// `SNDRV_PCM_IOCTL_STATUS_EXT`.
    StatusExt,
    /// `SNDRV_PCM_IOCTL_FORWARD`.
    Forward,
    /// `SNDRV_PCM_IOCTL_LINK`.
    Link,
    /// `SNDRV_PCM_IOCTL_UNLINK`.
    Unlink,
    /// `epoll_pwait` while waiting for a period.
    Poll,
    /// `epoll_create1` of the stream's period waiter.
    EpollCreate,
    /// `epoll_ctl(EPOLL_CTL_ADD)` of the device to the stream's period waiter.
    EpollAdd,
    /// `SNDRV_CTL_IOCTL_CARD_INFO`.
    CardInfo,
    /// `SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE`.
    PreferSubdevice,
    /// `SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE`.
    NextPcmDevice,
    /// `SNDRV_CTL_IOCTL_PCM_INFO`.
    ControlPcmInfo,
    /// `SNDRV_CTL_IOCTL_ELEM_LIST`.
    ElemList,
    /// `SNDRV_CTL_IOCTL_ELEM_INFO`.
    ElemInfo,
    /// `SNDRV_CTL_IOCTL_ELEM_READ`.
    ElemRead,
    /// `SNDRV_CTL_IOCTL_ELEM_WRITE`.
    ElemWrite,
    /// `SNDRV_CTL_IOCTL_TLV_READ`.
    TlvRead,
    /// `SNDRV_CTL_IOCTL_ELEM_ADD`.
    ElemAdd,
    /// `SNDRV_CTL_IOCTL_ELEM_REMOVE`.
    ElemRemove,
    /// `mlockall(MCL_CURRENT | MCL_FUTURE)`, see [`crate::realtime`].
    LockMemory,
    /// `sched_setscheduler(SCHED_FIFO)`, see [`crate::realtime`].
    SetScheduler,
    /// `SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS`.
    SubscribeEvents,
    /// `read` of control events.
    ReadEvent,
    /// `poll` of the control device for events.
    PollEvent,
    /// `fcntl(F_DUPFD_CLOEXEC)`: a duplicate of a device descriptor.
    Dup,
    /// `rt_sigaction`: installing a signal handler.
    Signal,
}

impl Op {
    /// A number for the operation, for logs that cannot afford [`Op::name`]'s table of texts
    /// (the firmware tone prints `op #N`): its place in this enum, from 0. New operations
    /// are added at the end, so a number keeps its meaning across releases.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The system call or ioctl this operation is.
    pub const fn name(self) -> &'static str {
        match self {
            Op::OpenPcm => "open(pcm)",
            Op::OpenControl => "open(control)",
            Op::SetBlocking => "fcntl(F_SETFL)",
            Op::PcmVersion => "SNDRV_PCM_IOCTL_PVERSION",
            Op::UserVersion => "SNDRV_PCM_IOCTL_USER_PVERSION",
            Op::PcmInfo => "SNDRV_PCM_IOCTL_INFO",
            Op::HwRefine => "SNDRV_PCM_IOCTL_HW_REFINE",
            Op::HwParams => "SNDRV_PCM_IOCTL_HW_PARAMS",
            Op::SwParams => "SNDRV_PCM_IOCTL_SW_PARAMS",
            Op::ChannelInfo => "SNDRV_PCM_IOCTL_CHANNEL_INFO",
            Op::MapBuffer => "mmap(DMA buffer)",
            Op::MapStatus => "mmap(status page)",
            Op::MapControl => "mmap(control page)",
            Op::SyncPtr => "SNDRV_PCM_IOCTL_SYNC_PTR",
            Op::HwSync => "SNDRV_PCM_IOCTL_HWSYNC",
            Op::Delay => "SNDRV_PCM_IOCTL_DELAY",
            Op::Prepare => "SNDRV_PCM_IOCTL_PREPARE",
            Op::Reset => "SNDRV_PCM_IOCTL_RESET",
            Op::Start => "SNDRV_PCM_IOCTL_START",
            Op::Drop => "SNDRV_PCM_IOCTL_DROP",
            Op::Drain => "SNDRV_PCM_IOCTL_DRAIN",
            Op::Pause => "SNDRV_PCM_IOCTL_PAUSE",
            Op::Resume => "SNDRV_PCM_IOCTL_RESUME",
            Op::Link => "SNDRV_PCM_IOCTL_LINK",
            Op::Unlink => "SNDRV_PCM_IOCTL_UNLINK",
            Op::Rewind => "SNDRV_PCM_IOCTL_REWIND",
            Op::StatusExt => "SNDRV_PCM_IOCTL_STATUS_EXT",
            Op::Forward => "SNDRV_PCM_IOCTL_FORWARD",
            Op::Poll => "epoll_pwait",
            Op::EpollCreate => "epoll_create1",
            Op::EpollAdd => "epoll_ctl(EPOLL_CTL_ADD)",
            Op::CardInfo => "SNDRV_CTL_IOCTL_CARD_INFO",
            Op::PreferSubdevice => "SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE",
            Op::NextPcmDevice => "SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE",
            Op::ControlPcmInfo => "SNDRV_CTL_IOCTL_PCM_INFO",
            Op::ElemList => "SNDRV_CTL_IOCTL_ELEM_LIST",
            Op::ElemInfo => "SNDRV_CTL_IOCTL_ELEM_INFO",
            Op::ElemRead => "SNDRV_CTL_IOCTL_ELEM_READ",
            Op::ElemWrite => "SNDRV_CTL_IOCTL_ELEM_WRITE",
            Op::TlvRead => "SNDRV_CTL_IOCTL_TLV_READ",
            Op::ElemAdd => "SNDRV_CTL_IOCTL_ELEM_ADD",
            Op::ElemRemove => "SNDRV_CTL_IOCTL_ELEM_REMOVE",
            Op::LockMemory => "mlockall",
            Op::SetScheduler => "sched_setscheduler(SCHED_FIFO)",
            Op::SubscribeEvents => "SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS",
            Op::ReadEvent => "read(control events)",
            Op::PollEvent => "poll(control)",
            Op::Dup => "dup",
            Op::Signal => "rt_sigaction",
        }
    }
}

#[cfg(test)]
mod tests;
