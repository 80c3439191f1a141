//! Kernel ABI: `#[repr(C)]` mirrors of the parts of `include/uapi/sound/asound.h` this crate
//! uses, and their ioctl opcodes.
//!
//! Nothing but layout lives here. Every size, field offset and opcode is checked against a C
//! program compiled from the UAPI header by each target's cross gcc (`src/abi/tests/layout.rs`).
//!
//! On 32-bit targets the status/control records and `SYNC_PTR` exist in two layouts: the
//! y2038-safe 64-bit-time one (`*64`, what a C program built with `_TIME_BITS=64` gets) and the
//! old 32-bit-time one (`*32`). On 64-bit targets the two coincide and only the native layout
//! ([`MmapStatus64`] etc.) is defined.
//!
//! # References
//! - `include/uapi/sound/asound.h` in the Linux source tree.
#![allow(missing_docs)]
// Field names are the kernel's; their meaning is documented in asound.h. Only what the library
// uses is mirrored (whole records, single constants), and the layout test checks all of it.

use core::ffi::{c_int, c_long, c_uint, c_ulong};
use rustix::ioctl::{opcode, Opcode};

/// `snd_pcm_uframes_t`: an unsigned frame count or ring position.
pub type Uframes = c_ulong;
/// `snd_pcm_sframes_t`: a signed frame count.
pub type Sframes = c_long;

/// A frame counter as `u64`, whatever the width of `snd_pcm_uframes_t` on this target.
#[allow(clippy::unnecessary_cast)] // A no-op on 64-bit targets, a widening on 32-bit ones.
pub const fn uframes_to_u64(frames: Uframes) -> u64 {
    frames as u64
}

/// `SNDRV_PROTOCOL_VERSION(major, minor, subminor)`.
pub const fn protocol_version(major: u32, minor: u32, subminor: u32) -> u32 {
    (major << 16) | (minor << 8) | subminor
}
/// The PCM protocol this crate speaks (`SNDRV_PCM_VERSION` of the header it mirrors).
pub const SNDRV_PCM_VERSION: u32 = protocol_version(2, 0, 15);

// Stream directions.
pub const SNDRV_PCM_STREAM_PLAYBACK: c_int = 0;
pub const SNDRV_PCM_STREAM_CAPTURE: c_int = 1;

// Access types.
pub const SNDRV_PCM_ACCESS_MMAP_INTERLEAVED: u32 = 0;

pub const SNDRV_PCM_SUBFORMAT_STD: u32 = 0;

// Sample formats (`SNDRV_PCM_FORMAT_*`): the ones `params::Format` knows.
pub const SNDRV_PCM_FORMAT_S8: u32 = 0;
pub const SNDRV_PCM_FORMAT_U8: u32 = 1;
pub const SNDRV_PCM_FORMAT_S16_LE: u32 = 2;
pub const SNDRV_PCM_FORMAT_S16_BE: u32 = 3;
pub const SNDRV_PCM_FORMAT_S24_LE: u32 = 6;
pub const SNDRV_PCM_FORMAT_S24_BE: u32 = 7;
pub const SNDRV_PCM_FORMAT_S32_LE: u32 = 10;
pub const SNDRV_PCM_FORMAT_S32_BE: u32 = 11;
pub const SNDRV_PCM_FORMAT_FLOAT_LE: u32 = 14;
pub const SNDRV_PCM_FORMAT_FLOAT_BE: u32 = 15;
/// 32-bit IEC958 subframes, little endian: bits 0-3 preamble, 4-27 audio (most significant
/// bit at 27), 28 validity, 29 user data, 30 channel status, 31 parity.
pub const SNDRV_PCM_FORMAT_IEC958_SUBFRAME_LE: u32 = 18;
/// 32-bit IEC958 subframes, big endian.
pub const SNDRV_PCM_FORMAT_IEC958_SUBFRAME_BE: u32 = 19;
pub const SNDRV_PCM_FORMAT_S24_3LE: u32 = 32;
pub const SNDRV_PCM_FORMAT_S24_3BE: u32 = 33;

// States.
pub const SNDRV_PCM_STATE_OPEN: c_int = 0;
pub const SNDRV_PCM_STATE_SETUP: c_int = 1;
pub const SNDRV_PCM_STATE_PREPARED: c_int = 2;
pub const SNDRV_PCM_STATE_RUNNING: c_int = 3;
pub const SNDRV_PCM_STATE_XRUN: c_int = 4;
pub const SNDRV_PCM_STATE_DRAINING: c_int = 5;
pub const SNDRV_PCM_STATE_PAUSED: c_int = 6;
pub const SNDRV_PCM_STATE_SUSPENDED: c_int = 7;
pub const SNDRV_PCM_STATE_DISCONNECTED: c_int = 8;

// `SNDRV_PCM_INFO_*` bits of `snd_pcm_hw_params::info`.
pub const SNDRV_PCM_INFO_MMAP: u32 = 0x0000_0001;
pub const SNDRV_PCM_INFO_MMAP_VALID: u32 = 0x0000_0002;
pub const SNDRV_PCM_INFO_DOUBLE: u32 = 0x0000_0004;
pub const SNDRV_PCM_INFO_BATCH: u32 = 0x0000_0010;
pub const SNDRV_PCM_INFO_SYNC_APPLPTR: u32 = 0x0000_0020;
/// The driver stops exactly after the last frame: a drain needs no silence after it (Linux
/// 6.5; older headers lack it, so the layout check cannot compare it).
pub const SNDRV_PCM_INFO_PERFECT_DRAIN: u32 = 0x0000_0040;
pub const SNDRV_PCM_INFO_INTERLEAVED: u32 = 0x0000_0100;
pub const SNDRV_PCM_INFO_NONINTERLEAVED: u32 = 0x0000_0200;
pub const SNDRV_PCM_INFO_COMPLEX: u32 = 0x0000_0400;
pub const SNDRV_PCM_INFO_BLOCK_TRANSFER: u32 = 0x0001_0000;
pub const SNDRV_PCM_INFO_OVERRANGE: u32 = 0x0002_0000;
pub const SNDRV_PCM_INFO_RESUME: u32 = 0x0004_0000;
pub const SNDRV_PCM_INFO_PAUSE: u32 = 0x0008_0000;
pub const SNDRV_PCM_INFO_HALF_DUPLEX: u32 = 0x0010_0000;
pub const SNDRV_PCM_INFO_JOINT_DUPLEX: u32 = 0x0020_0000;
pub const SNDRV_PCM_INFO_SYNC_START: u32 = 0x0040_0000;
pub const SNDRV_PCM_INFO_NO_PERIOD_WAKEUP: u32 = 0x0080_0000;
pub const SNDRV_PCM_INFO_HAS_LINK_ATIME: u32 = 0x0100_0000;
pub const SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME: u32 = 0x0200_0000;
pub const SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME: u32 = 0x0400_0000;
pub const SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME: u32 = 0x0800_0000;
pub const SNDRV_PCM_INFO_EXPLICIT_SYNC: u32 = 0x1000_0000;
pub const SNDRV_PCM_INFO_NO_REWINDS: u32 = 0x2000_0000;

/// `snd_pcm_hw_params::flags`: no period interrupts (where `SNDRV_PCM_INFO_NO_PERIOD_WAKEUP`).
#[cfg(any(feature = "timer", test))]
pub const SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP: u32 = 1 << 2;

// `SNDRV_PCM_AUDIO_TSTAMP_TYPE_*`: the audio timestamp a `STATUS_EXT` asks for.
pub const SNDRV_PCM_AUDIO_TSTAMP_TYPE_DEFAULT: u32 = 1;
pub const SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK: u32 = 2;
pub const SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ABSOLUTE: u32 = 3;
pub const SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED: u32 = 4;
pub const SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_SYNCHRONIZED: u32 = 5;

// Hardware parameter indices.
pub const SNDRV_PCM_HW_PARAM_ACCESS: usize = 0;
pub const SNDRV_PCM_HW_PARAM_FORMAT: usize = 1;
pub const SNDRV_PCM_HW_PARAM_SUBFORMAT: usize = 2;
pub const SNDRV_PCM_HW_PARAM_FIRST_MASK: usize = SNDRV_PCM_HW_PARAM_ACCESS;
pub const SNDRV_PCM_HW_PARAM_LAST_MASK: usize = SNDRV_PCM_HW_PARAM_SUBFORMAT;
pub const SNDRV_PCM_HW_PARAM_SAMPLE_BITS: usize = 8;
pub const SNDRV_PCM_HW_PARAM_FRAME_BITS: usize = 9;
pub const SNDRV_PCM_HW_PARAM_CHANNELS: usize = 10;
pub const SNDRV_PCM_HW_PARAM_RATE: usize = 11;
pub const SNDRV_PCM_HW_PARAM_PERIOD_TIME: usize = 12;
pub const SNDRV_PCM_HW_PARAM_PERIOD_SIZE: usize = 13;
pub const SNDRV_PCM_HW_PARAM_PERIOD_BYTES: usize = 14;
pub const SNDRV_PCM_HW_PARAM_PERIODS: usize = 15;
pub const SNDRV_PCM_HW_PARAM_BUFFER_TIME: usize = 16;
pub const SNDRV_PCM_HW_PARAM_BUFFER_SIZE: usize = 17;
pub const SNDRV_PCM_HW_PARAM_BUFFER_BYTES: usize = 18;
pub const SNDRV_PCM_HW_PARAM_TICK_TIME: usize = 19;
pub const SNDRV_PCM_HW_PARAM_FIRST_INTERVAL: usize = SNDRV_PCM_HW_PARAM_SAMPLE_BITS;
pub const SNDRV_PCM_HW_PARAM_LAST_INTERVAL: usize = SNDRV_PCM_HW_PARAM_TICK_TIME;

// Timestamps.
pub const SNDRV_PCM_TSTAMP_ENABLE: c_int = 1;
pub const SNDRV_PCM_TSTAMP_TYPE_GETTIMEOFDAY: c_uint = 0;
pub const SNDRV_PCM_TSTAMP_TYPE_MONOTONIC: c_uint = 1;
pub const SNDRV_PCM_TSTAMP_TYPE_MONOTONIC_RAW: c_uint = 2;

// `snd_pcm_sync_ptr::flags`.
pub const SNDRV_PCM_SYNC_PTR_HWSYNC: c_uint = 1 << 0;
pub const SNDRV_PCM_SYNC_PTR_APPL: c_uint = 1 << 1;
pub const SNDRV_PCM_SYNC_PTR_AVAIL_MIN: c_uint = 1 << 2;

/// `struct snd_mask`: a 256-bit set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SndMask {
    pub bits: [u32; 8],
}

/// `struct snd_interval`. The four one-bit fields `openmin`, `openmax`, `integer` and `empty`
/// share `flags`; see the `INTERVAL_*` masks for their positions on this target.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SndInterval {
    pub min: c_uint,
    pub max: c_uint,
    pub flags: c_uint,
}

/// Bit position of the first C bitfield member in its storage unit: GCC allocates bitfields
/// from the least significant bit on little-endian targets and from the most significant on
/// big-endian ones.
const fn bitfield(n: u32) -> u32 {
    if cfg!(target_endian = "little") {
        1 << n
    } else {
        1 << (31 - n)
    }
}
pub const INTERVAL_OPENMIN: u32 = bitfield(0);
pub const INTERVAL_OPENMAX: u32 = bitfield(1);
pub const INTERVAL_INTEGER: u32 = bitfield(2);
pub const INTERVAL_EMPTY: u32 = bitfield(3);

/// `struct snd_pcm_hw_params`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndPcmHwParams {
    pub flags: c_uint,
    pub masks: [SndMask; SNDRV_PCM_HW_PARAM_LAST_MASK - SNDRV_PCM_HW_PARAM_FIRST_MASK + 1],
    pub mres: [SndMask; 5],
    pub intervals: [SndInterval; SNDRV_PCM_HW_PARAM_LAST_INTERVAL - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL + 1],
    pub ires: [SndInterval; 9],
    pub rmask: c_uint,
    pub cmask: c_uint,
    pub info: c_uint,
    pub msbits: c_uint,
    pub rate_num: c_uint,
    pub rate_den: c_uint,
    pub fifo_size: Uframes,
    pub reserved: [u8; 64],
}

/// `struct snd_pcm_sw_params`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndPcmSwParams {
    pub tstamp_mode: c_int,
    pub period_step: c_uint,
    pub sleep_min: c_uint,
    pub avail_min: Uframes,
    pub xfer_align: Uframes,
    pub start_threshold: Uframes,
    pub stop_threshold: Uframes,
    pub silence_threshold: Uframes,
    pub silence_size: Uframes,
    pub boundary: Uframes,
    pub proto: c_uint,
    pub tstamp_type: c_uint,
    pub reserved: [u8; 56],
}

/// `struct snd_pcm_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndPcmInfo {
    pub device: c_uint,
    pub subdevice: c_uint,
    pub stream: c_int,
    pub card: c_int,
    pub id: [u8; 64],
    pub name: [u8; 80],
    pub subname: [u8; 32],
    pub dev_class: c_int,
    pub dev_subclass: c_int,
    pub subdevices_count: c_uint,
    pub subdevices_avail: c_uint,
    /// `union snd_pcm_sync_id`.
    pub sync: [u32; 4],
    pub reserved: [u8; 64],
}

/// `struct snd_pcm_channel_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SndPcmChannelInfo {
    pub channel: c_uint,
    /// `__kernel_off_t`: a `long`.
    pub offset: c_long,
    pub first: c_uint,
    pub step: c_uint,
}

/// `struct snd_ctl_card_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlCardInfo {
    pub card: c_int,
    pub pad: c_int,
    pub id: [u8; 16],
    pub driver: [u8; 16],
    pub name: [u8; 32],
    pub longname: [u8; 80],
    pub reserved_: [u8; 16],
    pub mixername: [u8; 80],
    pub components: [u8; 128],
}

/// `struct __snd_timespec64`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SndTimespec64 {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct snd_pcm_status` as a C program built with 64-bit `time_t` sees it (every 64-bit
/// target, and 32-bit ones with `_TIME_BITS=64`): the record of `STATUS_EXT`. Its timespecs
/// are the kernel's 64-bit ones (C's has a 32-bit `tv_nsec` and padding on 32-bit targets,
/// where the kernel writes the low half first on little-endian machines).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SndPcmStatus64 {
    pub state: c_int,
    /// `__time_pad`.
    pub pad1: [u8; 4],
    pub trigger_tstamp: SndTimespec64,
    pub tstamp: SndTimespec64,
    pub appl_ptr: Uframes,
    pub hw_ptr: Uframes,
    pub delay: Sframes,
    pub avail: Uframes,
    pub avail_max: Uframes,
    pub overrange: Uframes,
    pub suspended_state: c_int,
    /// In: the requested audio timestamp type (bits 0-3) and whether to report the delay
    /// (bit 4); out: valid (bit 0), the type used (bits 1-4), accuracy reported (bit 5).
    pub audio_tstamp_data: u32,
    pub audio_tstamp: SndTimespec64,
    pub driver_tstamp: SndTimespec64,
    /// Nanoseconds, when bit 5 of `audio_tstamp_data` says so.
    pub audio_tstamp_accuracy: u32,
    pub reserved: [u8; 20],
}

/// Padding before a `snd_pcm_uframes_t` widened to 64 bits (`__pad_before_uframe`).
#[cfg(all(target_pointer_width = "32", target_endian = "big"))]
pub type PadBeforeUframe = [u8; 4];
/// Padding before a `snd_pcm_uframes_t` widened to 64 bits (`__pad_before_uframe`).
#[cfg(not(all(target_pointer_width = "32", target_endian = "big")))]
pub type PadBeforeUframe = [u8; 0];
/// Padding after a `snd_pcm_uframes_t` widened to 64 bits (`__pad_after_uframe`).
#[cfg(all(target_pointer_width = "32", target_endian = "little"))]
pub type PadAfterUframe = [u8; 4];
/// Padding after a `snd_pcm_uframes_t` widened to 64 bits (`__pad_after_uframe`).
#[cfg(not(all(target_pointer_width = "32", target_endian = "little")))]
pub type PadAfterUframe = [u8; 0];

/// `struct __snd_pcm_mmap_status64`: the status page in the 64-bit-time layout. This is
/// `struct snd_pcm_mmap_status` on 64-bit targets and on 32-bit ones built with 64-bit `time_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MmapStatus64 {
    pub state: c_int,
    pub pad1: u32,
    pub pad_before_hw_ptr: PadBeforeUframe,
    pub hw_ptr: Uframes,
    pub pad_after_hw_ptr: PadAfterUframe,
    pub tstamp: SndTimespec64,
    pub suspended_state: c_int,
    pub pad3: u32,
    pub audio_tstamp: SndTimespec64,
}

/// `struct __snd_pcm_mmap_control64`: the control page in the 64-bit-time layout. The padding
/// after `appl_ptr` is `__pad_before_uframe` in the header too (a kernel bug kept for
/// compatibility), so on little-endian 32-bit targets `avail_min` follows `appl_ptr` directly.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MmapControl64 {
    pub pad1: PadBeforeUframe,
    pub appl_ptr: Uframes,
    pub pad2: PadBeforeUframe,
    pub pad3: PadBeforeUframe,
    pub avail_min: Uframes,
    pub pad4: PadAfterUframe,
}

/// The status half of a `SYNC_PTR` record (`union { status; reserved[64]; }`). A whole union
/// (see [`Plain`]); read through [`SyncPtrStatus64::status`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union SyncPtrStatus64 {
    status: MmapStatus64,
    reserved: [u8; 64],
}

impl SyncPtrStatus64 {
    /// The status record.
    #[inline]
    pub fn status(&self) -> &MmapStatus64 {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and `MmapStatus64`
        // is integers and byte arrays, valid for any bytes.
        unsafe { &self.status }
    }
}

/// The control half of a `SYNC_PTR` record (`union { control; reserved[64]; }`). A whole
/// union (see [`Plain`]); read through [`SyncPtrControl64::control`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union SyncPtrControl64 {
    control: MmapControl64,
    reserved: [u8; 64],
}

impl SyncPtrControl64 {
    /// The control record.
    #[inline]
    pub fn control(&self) -> &MmapControl64 {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and `MmapControl64`
        // is integers and byte arrays, valid for any bytes.
        unsafe { &self.control }
    }

    /// Replaces the control record (`MmapControl64` has no padding: every byte stays
    /// initialized).
    #[inline]
    pub fn set_control(&mut self, control: MmapControl64) {
        self.control = control;
    }
}

/// `struct __snd_pcm_sync_ptr64`: the `SYNC_PTR` record in the 64-bit-time layout.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SyncPtr64 {
    pub flags: u32,
    pub pad1: u32,
    pub s: SyncPtrStatus64,
    pub c: SyncPtrControl64,
}

/// `struct __snd_timespec`: the 32-bit `timespec` of the old layout.
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SndTimespec32 {
    pub tv_sec: i32,
    pub tv_nsec: i32,
}

/// `struct __snd_pcm_mmap_status`: the status record in the 32-bit-time layout.
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MmapStatus32 {
    pub state: c_int,
    pub pad1: c_int,
    pub hw_ptr: Uframes,
    pub tstamp: SndTimespec32,
    pub suspended_state: c_int,
    pub audio_tstamp: SndTimespec32,
}

/// `struct __snd_pcm_mmap_control`: the control record in the 32-bit-time layout.
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MmapControl32 {
    pub appl_ptr: Uframes,
    pub avail_min: Uframes,
}

/// The status half of a 32-bit-time `SYNC_PTR` record. A whole union (see [`Plain`]); read
/// through [`SyncPtrStatus32::status`].
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union SyncPtrStatus32 {
    status: MmapStatus32,
    reserved: [u8; 64],
}

#[cfg(target_pointer_width = "32")]
impl SyncPtrStatus32 {
    /// The status record.
    #[inline]
    pub fn status(&self) -> &MmapStatus32 {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and `MmapStatus32`
        // is integers, valid for any bytes.
        unsafe { &self.status }
    }
}

/// The control half of a 32-bit-time `SYNC_PTR` record. A whole union (see [`Plain`]); read
/// through [`SyncPtrControl32::control`].
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy)]
pub union SyncPtrControl32 {
    control: MmapControl32,
    reserved: [u8; 64],
}

#[cfg(target_pointer_width = "32")]
impl SyncPtrControl32 {
    /// The control record.
    #[inline]
    pub fn control(&self) -> &MmapControl32 {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and `MmapControl32`
        // is integers, valid for any bytes.
        unsafe { &self.control }
    }

    /// Replaces the control record (two integers, no padding: every byte stays initialized).
    #[inline]
    pub fn set_control(&mut self, control: MmapControl32) {
        self.control = control;
    }
}

/// `struct __snd_pcm_sync_ptr`: the `SYNC_PTR` record in the 32-bit-time layout.
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SyncPtr32 {
    pub flags: c_uint,
    pub s: SyncPtrStatus32,
    pub c: SyncPtrControl32,
}

// The mmap offsets of the status and control pages in the 64-bit-time layout, the one this
// crate maps: on 64-bit targets the native layout at the header's old offsets
// (`SNDRV_PCM_MMAP_OFFSET_STATUS_OLD`, `_CONTROL_OLD`), on 32-bit targets at the new ones
// (`_STATUS_NEW`, `_CONTROL_NEW`), as the header's unprefixed names are with 64-bit `time_t`.
#[cfg(target_pointer_width = "64")]
pub const SNDRV_PCM_MMAP_OFFSET_STATUS: u64 = 0x8000_0000;
#[cfg(target_pointer_width = "64")]
pub const SNDRV_PCM_MMAP_OFFSET_CONTROL: u64 = 0x8100_0000;
#[cfg(target_pointer_width = "32")]
pub const SNDRV_PCM_MMAP_OFFSET_STATUS: u64 = 0x8200_0000;
#[cfg(target_pointer_width = "32")]
pub const SNDRV_PCM_MMAP_OFFSET_CONTROL: u64 = 0x8300_0000;

// PCM ioctls.
pub const SNDRV_PCM_IOCTL_PVERSION: Opcode = opcode::read::<c_int>(b'A', 0x00);
pub const SNDRV_PCM_IOCTL_INFO: Opcode = opcode::read::<SndPcmInfo>(b'A', 0x01);
pub const SNDRV_PCM_IOCTL_USER_PVERSION: Opcode = opcode::write::<c_int>(b'A', 0x04);
pub const SNDRV_PCM_IOCTL_HW_REFINE: Opcode = opcode::read_write::<SndPcmHwParams>(b'A', 0x10);
pub const SNDRV_PCM_IOCTL_HW_PARAMS: Opcode = opcode::read_write::<SndPcmHwParams>(b'A', 0x11);
pub const SNDRV_PCM_IOCTL_SW_PARAMS: Opcode = opcode::read_write::<SndPcmSwParams>(b'A', 0x13);
pub const SNDRV_PCM_IOCTL_DELAY: Opcode = opcode::read::<Sframes>(b'A', 0x21);
/// `SNDRV_PCM_IOCTL_STATUS_EXT` of the 64-bit-time record.
pub const SNDRV_PCM_IOCTL_STATUS_EXT64: Opcode = opcode::read_write::<SndPcmStatus64>(b'A', 0x24);
pub const SNDRV_PCM_IOCTL_HWSYNC: Opcode = opcode::none(b'A', 0x22);
/// `__SNDRV_PCM_IOCTL_SYNC_PTR64` (`SNDRV_PCM_IOCTL_SYNC_PTR` on 64-bit targets).
pub const SNDRV_PCM_IOCTL_SYNC_PTR64: Opcode = opcode::read_write::<SyncPtr64>(b'A', 0x23);
/// `__SNDRV_PCM_IOCTL_SYNC_PTR`: the 32-bit-time layout.
#[cfg(target_pointer_width = "32")]
pub const SNDRV_PCM_IOCTL_SYNC_PTR32: Opcode = opcode::read_write::<SyncPtr32>(b'A', 0x23);
pub const SNDRV_PCM_IOCTL_CHANNEL_INFO: Opcode = opcode::read::<SndPcmChannelInfo>(b'A', 0x32);
pub const SNDRV_PCM_IOCTL_PREPARE: Opcode = opcode::none(b'A', 0x40);
pub const SNDRV_PCM_IOCTL_RESET: Opcode = opcode::none(b'A', 0x41);
pub const SNDRV_PCM_IOCTL_START: Opcode = opcode::none(b'A', 0x42);
pub const SNDRV_PCM_IOCTL_DROP: Opcode = opcode::none(b'A', 0x43);
pub const SNDRV_PCM_IOCTL_DRAIN: Opcode = opcode::none(b'A', 0x44);
pub const SNDRV_PCM_IOCTL_PAUSE: Opcode = opcode::write::<c_int>(b'A', 0x45);
pub const SNDRV_PCM_IOCTL_REWIND: Opcode = opcode::write::<Uframes>(b'A', 0x46);
pub const SNDRV_PCM_IOCTL_RESUME: Opcode = opcode::none(b'A', 0x47);
pub const SNDRV_PCM_IOCTL_FORWARD: Opcode = opcode::write::<Uframes>(b'A', 0x49);
pub const SNDRV_PCM_IOCTL_LINK: Opcode = opcode::write::<c_int>(b'A', 0x60);
pub const SNDRV_PCM_IOCTL_UNLINK: Opcode = opcode::none(b'A', 0x61);

// Control-device ioctls.
pub const SNDRV_CTL_IOCTL_CARD_INFO: Opcode = opcode::read::<SndCtlCardInfo>(b'U', 0x01);
pub const SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE: Opcode = opcode::read::<c_int>(b'U', 0x30);
pub const SNDRV_CTL_IOCTL_PCM_INFO: Opcode = opcode::read_write::<SndPcmInfo>(b'U', 0x31);
pub const SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE: Opcode = opcode::write::<c_int>(b'U', 0x32);

/// A plain kernel record: integers, integer arrays and unions of them, no user pointer, and
/// no flexible array after it, so that the kernel reads or writes the record itself and
/// nothing beyond it, and whatever bytes it writes make a valid value.
///
/// An ioctl whose record is `Plain` is safe to call (see `sys`); the records that carry a
/// pointer ([`SndCtlElemList`]) or announce data after them ([`SndCtlTlv`]) are not `Plain`,
/// and only `sys`'s own wrappers for them, which set the pointer or length from a slice they
/// borrow, pass them to the kernel.
///
/// The unions inside `Plain` records are *whole*: every byte of one is initialized. Their
/// members are private to this module, which never builds a union from one member (that would
/// leave the bytes past it uninitialized), so a union value is made by [`Plain::zeroed`]
/// (every byte zero) and then written by the kernel, copied, or changed through its own
/// methods, which write integers into members without padding. As every member is integers
/// and byte arrays, valid for any initialized bytes, each member of a whole union is a valid
/// value, and the unions' accessors hand it out by reference, safely.
///
/// # Safety
/// Every bit pattern, all zeroes included, must be a valid value of the type, and the type
/// must hold no pointer (or address as an integer) that an ioctl taking it follows.
pub unsafe trait Plain: Copy {
    /// The all-zero value.
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all zeroes are a valid value.
        unsafe { core::mem::zeroed() }
    }
}

// SAFETY: plain integers.
unsafe impl Plain for i32 {}
// SAFETY: plain integers.
unsafe impl Plain for i64 {}
// SAFETY: plain integers (`Uframes`, the `REWIND`/`FORWARD` record).
unsafe impl Plain for u32 {}
// SAFETY: plain integers.
unsafe impl Plain for u64 {}
// SAFETY: integers, byte arrays and timespecs of integers.
unsafe impl Plain for SndPcmStatus64 {}
// SAFETY: integers and byte arrays.
unsafe impl Plain for SndPcmHwParams {}
// SAFETY: integers and byte arrays.
unsafe impl Plain for SndPcmSwParams {}
// SAFETY: integers and byte arrays.
unsafe impl Plain for SndPcmInfo {}
// SAFETY: integers.
unsafe impl Plain for SndPcmChannelInfo {}
// SAFETY: integers and byte arrays.
unsafe impl Plain for SndCtlCardInfo {}
// SAFETY: integers and unions of integer records and byte arrays.
unsafe impl Plain for SyncPtr64 {}
// SAFETY: integers and unions of integer records and byte arrays.
#[cfg(target_pointer_width = "32")]
unsafe impl Plain for SyncPtr32 {}

// ---------------------------------------------------------------------------------------------
// Control elements (the mixer): `snd_ctl_elem_*`, `snd_ctl_tlv` and `<sound/tlv.h>`.

/// `SNDRV_CTL_ELEM_ID_NAME_MAXLEN`: the bytes of an element name, terminating zero included.
pub const SNDRV_CTL_ELEM_ID_NAME_MAXLEN: usize = 44;

// `snd_ctl_elem_type_t`.
pub const SNDRV_CTL_ELEM_TYPE_BOOLEAN: c_int = 1;
pub const SNDRV_CTL_ELEM_TYPE_INTEGER: c_int = 2;
pub const SNDRV_CTL_ELEM_TYPE_ENUMERATED: c_int = 3;
pub const SNDRV_CTL_ELEM_TYPE_BYTES: c_int = 4;
pub const SNDRV_CTL_ELEM_TYPE_IEC958: c_int = 5;
pub const SNDRV_CTL_ELEM_TYPE_INTEGER64: c_int = 6;

// `snd_ctl_elem_iface_t`.
pub const SNDRV_CTL_ELEM_IFACE_CARD: c_int = 0;
pub const SNDRV_CTL_ELEM_IFACE_HWDEP: c_int = 1;
pub const SNDRV_CTL_ELEM_IFACE_MIXER: c_int = 2;
pub const SNDRV_CTL_ELEM_IFACE_PCM: c_int = 3;
pub const SNDRV_CTL_ELEM_IFACE_RAWMIDI: c_int = 4;
pub const SNDRV_CTL_ELEM_IFACE_TIMER: c_int = 5;
pub const SNDRV_CTL_ELEM_IFACE_SEQUENCER: c_int = 6;

// `snd_ctl_elem_info::access` bits.
pub const SNDRV_CTL_ELEM_ACCESS_READ: c_uint = 1 << 0;
pub const SNDRV_CTL_ELEM_ACCESS_WRITE: c_uint = 1 << 1;
pub const SNDRV_CTL_ELEM_ACCESS_VOLATILE: c_uint = 1 << 2;
pub const SNDRV_CTL_ELEM_ACCESS_TLV_READ: c_uint = 1 << 4;
pub const SNDRV_CTL_ELEM_ACCESS_INACTIVE: c_uint = 1 << 8;
pub const SNDRV_CTL_ELEM_ACCESS_LOCK: c_uint = 1 << 9;

// TLV item types (`<sound/tlv.h>`).
pub const SNDRV_CTL_TLVT_CONTAINER: c_uint = 0;
pub const SNDRV_CTL_TLVT_DB_SCALE: c_uint = 1;
pub const SNDRV_CTL_TLVT_DB_LINEAR: c_uint = 2;
pub const SNDRV_CTL_TLVT_DB_RANGE: c_uint = 3;
pub const SNDRV_CTL_TLVT_DB_MINMAX: c_uint = 4;
pub const SNDRV_CTL_TLVT_DB_MINMAX_MUTE: c_uint = 5;
/// `SNDRV_CTL_TLVD_DB_SCALE_MASK`: the step bits of a `DB_SCALE` item's second word.
pub const SNDRV_CTL_TLVD_DB_SCALE_MASK: c_uint = 0xffff;
/// `SNDRV_CTL_TLVD_DB_SCALE_MUTE`: the mute-at-minimum bit of a `DB_SCALE` item.
pub const SNDRV_CTL_TLVD_DB_SCALE_MUTE: c_uint = 0x10000;
/// `SNDRV_CTL_TLVD_DB_GAIN_MUTE`: the dB value (centi-dB) that means muted.
pub const SNDRV_CTL_TLVD_DB_GAIN_MUTE: c_int = -9_999_999;

/// `struct snd_ctl_elem_id`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlElemId {
    pub numid: c_uint,
    /// `snd_ctl_elem_iface_t`.
    pub iface: c_int,
    pub device: c_uint,
    pub subdevice: c_uint,
    pub name: [u8; SNDRV_CTL_ELEM_ID_NAME_MAXLEN],
    pub index: c_uint,
}

/// `struct snd_ctl_elem_list`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlElemList {
    pub offset: c_uint,
    pub space: c_uint,
    pub used: c_uint,
    pub count: c_uint,
    pub pids: *mut SndCtlElemId,
    pub reserved: [u8; 50],
}

/// `snd_ctl_elem_info::value.integer`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlElemInfoInteger {
    pub min: c_long,
    pub max: c_long,
    pub step: c_long,
}

/// `snd_ctl_elem_info::value.integer64`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlElemInfoInteger64 {
    pub min: i64,
    pub max: i64,
    pub step: i64,
}

/// `snd_ctl_elem_info::value.enumerated`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlElemInfoEnumerated {
    pub items: c_uint,
    pub item: c_uint,
    pub name: [u8; 64],
    pub names_ptr: u64,
    pub names_length: c_uint,
}

/// `snd_ctl_elem_info::value`. A whole union (see [`Plain`]): each member is read through
/// its accessor, whichever the element's type says the kernel filled.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SndCtlElemInfoValue {
    integer: SndCtlElemInfoInteger,
    integer64: SndCtlElemInfoInteger64,
    enumerated: SndCtlElemInfoEnumerated,
    reserved: [u8; 128],
}

impl SndCtlElemInfoValue {
    /// `value.integer`: the limits of an integer control.
    #[inline]
    pub fn integer(&self) -> &SndCtlElemInfoInteger {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and the member is
        // integers, valid for any bytes.
        unsafe { &self.integer }
    }

    /// `value.integer64`: the limits of a 64-bit integer control.
    #[inline]
    pub fn integer64(&self) -> &SndCtlElemInfoInteger64 {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and the member is
        // integers, valid for any bytes.
        unsafe { &self.integer64 }
    }

    /// `value.enumerated`: the item count and the name of the item asked for.
    #[inline]
    pub fn enumerated(&self) -> &SndCtlElemInfoEnumerated {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and the member is
        // integers and a byte array, valid for any bytes.
        unsafe { &self.enumerated }
    }

    /// Sets `value.enumerated.item`, the item whose name `ELEM_INFO` returns (one integer
    /// written: every byte stays initialized).
    #[inline]
    pub fn set_enumerated_item(&mut self, item: c_uint) {
        self.enumerated.item = item;
    }

    /// Sets `value.integer`, the limits of an integer control to add (integers written:
    /// every byte stays initialized).
    #[inline]
    pub fn set_integer(&mut self, limits: SndCtlElemInfoInteger) {
        self.integer = limits;
    }

    /// Sets `value.integer64`, the limits of a 64-bit integer control to add.
    #[inline]
    pub fn set_integer64(&mut self, limits: SndCtlElemInfoInteger64) {
        self.integer64 = limits;
    }
}

/// `struct snd_ctl_elem_info`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SndCtlElemInfo {
    pub id: SndCtlElemId,
    /// `snd_ctl_elem_type_t`.
    pub type_: c_int,
    pub access: c_uint,
    pub count: c_uint,
    /// `__kernel_pid_t`.
    pub owner: c_int,
    pub value: SndCtlElemInfoValue,
    pub reserved: [u8; 64],
}

/// `struct snd_aes_iec958`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndAesIec958 {
    pub status: [u8; 24],
    pub subcode: [u8; 147],
    pub pad: u8,
    pub dig_subframe: [u8; 4],
}

/// `snd_ctl_elem_value::value`. The obsolete `*_ptr` members share the arrays' storage and
/// are left out. A whole union (see [`Plain`]): each view is read and written through its
/// accessors, whichever the element's type says is meant.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SndCtlElemValueUnion {
    /// `integer.value`: also the storage of boolean values.
    integer: [c_long; 128],
    /// `integer64.value`.
    integer64: [i64; 64],
    /// `enumerated.item`.
    enumerated: [c_uint; 128],
    /// `bytes.data`.
    bytes: [u8; 512],
    /// Read through `bytes` (its first `size_of::<SndAesIec958>()`).
    iec958: SndAesIec958,
}

impl SndCtlElemValueUnion {
    /// `integer.value`: the values of an integer or boolean control.
    #[inline]
    pub fn integer(&self) -> &[c_long; 128] {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and any bytes are
        // valid integers.
        unsafe { &self.integer }
    }

    /// `integer.value`, to write.
    #[inline]
    pub fn integer_mut(&mut self) -> &mut [c_long; 128] {
        // SAFETY: as in `integer`; what is written through it is integers, so every byte
        // stays initialized and every other view valid.
        unsafe { &mut self.integer }
    }

    /// `integer64.value`: the values of a 64-bit integer control.
    #[inline]
    pub fn integer64(&self) -> &[i64; 64] {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and any bytes are
        // valid integers.
        unsafe { &self.integer64 }
    }

    /// `integer64.value`, to write.
    #[inline]
    pub fn integer64_mut(&mut self) -> &mut [i64; 64] {
        // SAFETY: as in `integer64`; what is written through it is integers, so every byte
        // stays initialized and every other view valid.
        unsafe { &mut self.integer64 }
    }

    /// `enumerated.item`: the items selected on an enumerated control.
    #[inline]
    pub fn enumerated(&self) -> &[c_uint; 128] {
        // SAFETY: a whole union (see `Plain`): every byte is initialized, and any bytes are
        // valid integers.
        unsafe { &self.enumerated }
    }

    /// `enumerated.item`, to write.
    #[inline]
    pub fn enumerated_mut(&mut self) -> &mut [c_uint; 128] {
        // SAFETY: as in `enumerated`; what is written through it is integers, so every byte
        // stays initialized and every other view valid.
        unsafe { &mut self.enumerated }
    }

    /// `bytes.data`: the bytes of a bytes control, or the IEC958 record of an IEC958 one.
    #[inline]
    pub fn bytes(&self) -> &[u8; 512] {
        // SAFETY: a whole union (see `Plain`): every byte is initialized.
        unsafe { &self.bytes }
    }

    /// `bytes.data`, to write (a bytes control's bytes, an IEC958 control's record).
    #[inline]
    pub fn bytes_mut(&mut self) -> &mut [u8; 512] {
        // SAFETY: as in `bytes`; bytes written keep every byte initialized, and any bytes
        // are valid for every other view.
        unsafe { &mut self.bytes }
    }
}

/// `struct snd_ctl_elem_value`. `indirect` is a one-bit bitfield in the header (obsolete,
/// always zero); its storage unit is mirrored as a whole.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SndCtlElemValue {
    pub id: SndCtlElemId,
    pub indirect: c_uint,
    pub value: SndCtlElemValueUnion,
    pub reserved: [u8; 128],
}

/// `struct snd_ctl_tlv` without its flexible `tlv[]` member: a caller puts the data words
/// right after it in one `#[repr(C)]` record and sets `length` to their size in bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SndCtlTlv {
    pub numid: c_uint,
    pub length: c_uint,
}

/// `snd_ctl_event::data.elem`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SndCtlEventElem {
    pub mask: c_uint,
    pub id: SndCtlElemId,
}

/// `snd_ctl_event::data`. A whole union (see [`Plain`]); read through
/// [`SndCtlEventData::elem`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union SndCtlEventData {
    elem: SndCtlEventElem,
    data8: [u8; 60],
}

impl SndCtlEventData {
    /// `data.elem`: what an element event (`SNDRV_CTL_EVENT_ELEM`) is about.
    #[inline]
    pub fn elem(&self) -> &SndCtlEventElem {
        // SAFETY: a whole union (see `Plain`): every byte is initialized (`elem` is the
        // largest member), and `elem` is integers and a byte array, valid for any bytes.
        unsafe { &self.elem }
    }
}

/// `struct snd_ctl_event`: one record of a `read` of a subscribed control device.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SndCtlEvent {
    /// `SNDRV_CTL_EVENT_*`.
    pub type_: c_int,
    pub data: SndCtlEventData,
}

// SAFETY: integers and a byte array.
unsafe impl Plain for SndCtlElemId {}
// SAFETY: integers, byte arrays and unions of them. `value.enumerated.names_ptr` is a user
// address only for `ELEM_ADD`/`ELEM_REPLACE` of an enumerated control, which this crate does
// not make (it adds other types only); `ELEM_INFO` ignores it.
unsafe impl Plain for SndCtlElemInfo {}
// SAFETY: integers, byte arrays and unions of them (the header's obsolete `*_ptr` members are
// left out of the mirror; `indirect` is always zero).
unsafe impl Plain for SndCtlElemValue {}
// SAFETY: integers, byte arrays and a union of them.
unsafe impl Plain for SndCtlEvent {}

/// The empty list: no window asked for (`space` 0), no id array (`pids` null).
impl Default for SndCtlElemList {
    fn default() -> Self {
        SndCtlElemList {
            offset: 0,
            space: 0,
            used: 0,
            count: 0,
            pids: core::ptr::null_mut(),
            reserved: [0; 50],
        }
    }
}

// `snd_ctl_event::type`.
pub const SNDRV_CTL_EVENT_ELEM: c_int = 0;
// `snd_ctl_event::data.elem.mask` bits; `REMOVE` is all bits.
pub const SNDRV_CTL_EVENT_MASK_VALUE: c_uint = 1 << 0;
pub const SNDRV_CTL_EVENT_MASK_INFO: c_uint = 1 << 1;
pub const SNDRV_CTL_EVENT_MASK_ADD: c_uint = 1 << 2;
pub const SNDRV_CTL_EVENT_MASK_TLV: c_uint = 1 << 3;
pub const SNDRV_CTL_EVENT_MASK_REMOVE: c_uint = !0;

// Channel map TLV item types (`<sound/tlv.h>`).
pub const SNDRV_CTL_TLVT_CHMAP_FIXED: c_uint = 0x101;
pub const SNDRV_CTL_TLVT_CHMAP_VAR: c_uint = 0x102;
pub const SNDRV_CTL_TLVT_CHMAP_PAIRED: c_uint = 0x103;

// Channel positions (`SNDRV_CHMAP_*`).
pub const SNDRV_CHMAP_UNKNOWN: c_uint = 0;
pub const SNDRV_CHMAP_NA: c_uint = 1;
pub const SNDRV_CHMAP_MONO: c_uint = 2;
pub const SNDRV_CHMAP_FL: c_uint = 3;
pub const SNDRV_CHMAP_FR: c_uint = 4;
pub const SNDRV_CHMAP_RL: c_uint = 5;
pub const SNDRV_CHMAP_RR: c_uint = 6;
pub const SNDRV_CHMAP_FC: c_uint = 7;
pub const SNDRV_CHMAP_LFE: c_uint = 8;
pub const SNDRV_CHMAP_SL: c_uint = 9;
pub const SNDRV_CHMAP_SR: c_uint = 10;
pub const SNDRV_CHMAP_RC: c_uint = 11;
/// `SNDRV_CHMAP_LAST` (`SNDRV_CHMAP_BRC`): the highest position the header names; the
/// positions between `SNDRV_CHMAP_RC` and it are known to `chmap` by their names alone.
pub const SNDRV_CHMAP_LAST: c_uint = 36;
pub const SNDRV_CHMAP_POSITION_MASK: c_uint = 0xffff;
pub const SNDRV_CHMAP_PHASE_INVERSE: c_uint = 0x01 << 16;
pub const SNDRV_CHMAP_DRIVER_SPEC: c_uint = 0x02 << 16;

pub const SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS: Opcode = opcode::read_write::<c_int>(b'U', 0x16);
pub const SNDRV_CTL_IOCTL_ELEM_LIST: Opcode = opcode::read_write::<SndCtlElemList>(b'U', 0x10);
pub const SNDRV_CTL_IOCTL_ELEM_INFO: Opcode = opcode::read_write::<SndCtlElemInfo>(b'U', 0x11);
pub const SNDRV_CTL_IOCTL_ELEM_READ: Opcode = opcode::read_write::<SndCtlElemValue>(b'U', 0x12);
pub const SNDRV_CTL_IOCTL_ELEM_WRITE: Opcode = opcode::read_write::<SndCtlElemValue>(b'U', 0x13);
pub const SNDRV_CTL_IOCTL_TLV_READ: Opcode = opcode::read_write::<SndCtlTlv>(b'U', 0x1a);
pub const SNDRV_CTL_IOCTL_ELEM_ADD: Opcode = opcode::read_write::<SndCtlElemInfo>(b'U', 0x17);
pub const SNDRV_CTL_IOCTL_ELEM_REMOVE: Opcode = opcode::read_write::<SndCtlElemId>(b'U', 0x19);

#[cfg(test)]
mod tests;
