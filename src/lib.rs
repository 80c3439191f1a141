#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// `DeviceError` holds the device's name and numbers by value (no heap): about 150 bytes,
// returned only by the calls that open and set up a device, never in the period loop.
#![allow(clippy::result_large_err)]
//! Allocation-free direct ALSA PCM streaming through the Linux kernel ABI.
//!
//! `alsa-direct` opens `/dev/snd/pcmC<card>D<device><p|c>` itself, negotiates the hardware
//! parameters with `HW_REFINE`/`HW_PARAMS`, maps the DMA buffer and hands it to a callback one
//! period at a time. No alsa-lib, no libc, no heap: system calls go through
//! [rustix](https://docs.rs/rustix) and every buffer is fixed in size.
//!
//! The status and control records travel by the cheapest transport the architecture allows
//! ([`TransportKind`]): mapped pages on x86 and PowerPC (no system call per period beside the
//! wakeup), `SNDRV_PCM_IOCTL_SYNC_PTR` on ARM, RISC-V and the rest (one ioctl per period).
//!
//! ```no_run
//! use core::ops::ControlFlow;
//! use alsa_direct::{Config, Format, MmapStream, Playback};
//!
//! let config = Config::new(Format::S16Le, 2, 48_000).period_size(256).periods(4);
//! let mut stream = MmapStream::<i16, Playback>::open("hw:0,0", &config)?;
//! let rate = stream.setup().negotiated.rate as f32;
//! let mut phase = 0.0f32;
//! stream.run(|period, info| {
//!     for frame in period.chunks_exact_mut(info.channels) {
//!         let v = (libm_free_sine(phase) * 8000.0) as i16;
//!         frame.fill(v);
//!         phase = (phase + 440.0 / rate) % 1.0;
//!     }
//!     if info.position >= 48_000 * 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
//! })?;
//! stream.drain()?;
//! # fn libm_free_sine(x: f32) -> f32 { 4.0 * x * (1.0 - x) - 0.5 }
//! # Ok::<(), alsa_direct::Error>(())
//! ```
//!
//! # What is where
//! - Streams: [`MmapStream`] over [`Playback`] or [`Capture`] (the [`StreamDirection`] types;
//!   [`Direction`] is the same choice as a value), set up from a [`Config`] ([`Format`],
//!   [`Formats`] in order of preference, [`Matching`], [`XrunPolicy`], [`TransportChoice`],
//!   [`TimestampClock`], [`OpenMode`]), with [`Setup`], [`Negotiated`] and [`TransportKind`]
//!   for what the device took, [`PeriodInfo`] for each period, [`Status`], [`State`] and
//!   [`Timestamp`] on demand ([`StatusReader`] from another thread), [`CaptureIter`] and
//!   [`StopFlag`] ([`signal::stop_on_signals`] raises one on SIGINT/SIGTERM).
//!   [`MmapStream::adopt`] streams on a descriptor that another library set up.
//! - Devices: [`DeviceName`] (`hw:0,0`, `hw:Loopback,1,0`, its [`Card`]), [`PcmDevice`] (an
//!   open node, its [`PcmInfo`] and [`Capabilities`]: a [`Range`] per [`Param`]),
//!   [`ControlDevice`] ([`CardInfo`]), [`cards`] and [`PcmDevices`] for listing.
//! - Samples: the [`Sample`] trait and its types ([`Swapped`], [`Packed24Le`], [`Packed24Be`],
//!   [`Iec958Subframe`]); [`sample`] has the format check, byte views and full-scale
//!   conversion.
//! - Errors: [`Error`], naming the [`Op`] and the [`Errno`] of a failed system call, and
//!   [`ConfigError`]; opening and setting up return a [`DeviceError`], an [`Error`] with the
//!   [`DeviceContext`] of the device (the name given, the card id, the node).
//! - [`mixer`] (controls, values, dB), [`chmap`] (channel maps), [`iec958`] (S/PDIF and HDMI
//!   subframes), [`realtime`] (`SCHED_FIFO` with memory locked), `amp` (an amplifier pin,
//!   feature `embedded-hal`).
//!
//! Inside, the crate is layered from the kernel ABI up (ABI mirrors, system calls, ring
//! arithmetic, transport, parameter negotiation, devices, the stream); the repository's
//! `docs/architecture.md` describes the layers.
//!
//! # Features
//! - `std`: `std::error::Error` for [`Error`], and rustix's `std`, so that the descriptors of
//!   [`MmapStream::fd`], [`PcmDevice::fd`], [`PcmDevice::from_fd`] and [`ControlDevice::fd`]
//!   are `std::os::fd` types.
//! - `defmt`: `defmt::Format` for the public types worth logging.
//! - `embedded-hal`: the `amp` module (an amplifier enable / mute pin around start and stop).
//! - `device-context` (default): errors from opening and setting up name the device (see
//!   [`DeviceContext`]); a build that counts its bytes turns it off.
//!
//! Rust 1.85 or later (Debian trixie's `rustc`).

#[cfg(any(feature = "std", test))]
extern crate std;

mod abi;
#[cfg(feature = "embedded-hal")]
pub mod amp;
pub mod chmap;
mod clock;
mod device;
mod error;
pub mod iec958;
mod ioctl;
pub mod mixer;
mod params;
mod pcm;
pub mod realtime;
mod ring;
pub mod sample;
pub mod signal;
mod stream;
mod sys;
#[cfg(test)]
mod test_support;
mod transport;
mod types;

pub use clock::{DeviceClock, BANDWIDTH_MAX_HZ, BANDWIDTH_MIN_HZ};

/// The README's Rust examples, compiled and run as doctests (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The crate of the fixed-capacity strings and vectors in the public types ([`PcmInfo::name`],
/// [`Card::Id`], the mixer's names), re-exported so that users need not pin its version.
pub use heapless;
/// The poll events of [`MmapStream::poll_events`] and [`MmapStream::handle_poll`] (rustix's).
pub use rustix::event::PollFlags;
/// The descriptor types of the public signatures ([`MmapStream::fd`], [`PcmDevice::from_fd`],
/// the [`AsFd`] impls): rustix's, which are `std::os::fd`'s with the `std` feature, so that
/// users need not depend on the same rustix version.
pub use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

pub use device::{cards, Card, CardInfo, ControlDevice, DeviceName, PcmDevices, PcmInfo};
pub use error::{ConfigError, DeviceContext, DeviceError, Errno, Error, Op, Result};
pub use iec958::Iec958Subframe;
pub use params::{
    Capabilities, Format, Formats, Matching, Negotiated, Param, ParamMatching, Range, MAX_FORMATS,
};
pub use pcm::{OpenMode, PcmDevice};
pub use sample::{Packed24Be, Packed24Le, Sample, Swapped};
pub use stream::{
    AudioTime, AudioTimestampType, Capture, CaptureIter, Config, Direction, MmapStream, PeriodInfo, Playback,
    Setup, Snapshot, State, Status, StatusReader, StopFlag, StreamDirection, Timestamp, TimestampClock,
    Wakeups, XrunPolicy, MAX_RECOVERIES_WITHOUT_PERIOD,
};
pub use transport::{status_pages_mappable, TransportChoice, TransportKind};
