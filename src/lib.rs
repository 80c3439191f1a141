#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
//! Allocation-free direct ALSA PCM streaming through the Linux kernel ABI.
//!
//! `alsa-direct` opens `/dev/snd/pcmC<card>D<device><p|c>` itself, negotiates the hardware
//! parameters with `HW_REFINE`/`HW_PARAMS`, maps the DMA buffer and hands it to a callback one
//! period at a time. No alsa-lib, no libc, no heap: system calls go through
//! [rustix](https://docs.rs/rustix) and every buffer is fixed in size.
//!
//! The status and control records travel by the cheapest transport the architecture allows
//! (see [`transport`]): mapped pages on x86 and PowerPC (no system call per period beside the
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
//! # Layers
//! From the kernel up; every module imports only from the layers above it in this list.
//! - [`abi`] — `#[repr(C)]` mirrors of `asound.h` and the ioctl numbers.
//! - `ioctl` — a typed descriptor for each ioctl: its record, its direction and the [`Op`]
//!   its errors name, its opcode checked against both at compile time.
//! - `types` — the plain types every layer names ([`Format`], [`Param`], [`State`],
//!   [`mixer::ElemType`]), re-exported where they belong; then `error`, the [`Error`] type.
//! - `sys` — the system calls (open, ioctl, mmap, epoll), each error naming its operation; an
//!   ioctl on a plain record is a safe call on its descriptor.
//! - [`ring`] — pure ring arithmetic over `hw_ptr`/`appl_ptr`/`boundary`.
//! - [`transport`] — mapped status/control pages or `SYNC_PTR`.
//! - [`params`] — formats, refine, negotiation.
//! - [`device`] — device names, [`PcmInfo`] and the control device (card and PCM listing).
//! - [`pcm`] — an open PCM node and its ioctls (the state-changing ones as one command type).
//! - [`stream`] — [`MmapStream`], over one seam to the kernel (the device, or the kernel
//!   model of the crate's own tests).
//! - [`mixer`] — mixer controls: listing, values, dB ranges.
//! - [`realtime`] — `SCHED_FIFO` with memory locked, for the period loop.
//! - [`chmap`] — channel maps (`Playback Channel Map` controls).
//! - [`iec958`] — IEC958 (S/PDIF, HDMI) subframes and their channel status.
//! - `amp` — amplifier enable / mute pin sequencing (feature `embedded-hal`).
//!
//! # Features
//! - `std`: `std::error::Error` for [`Error`], and rustix's `std`, so that the descriptors of
//!   [`MmapStream::fd`], [`PcmDevice::fd`], [`PcmDevice::from_fd`] and [`ControlDevice::fd`]
//!   are `std::os::fd` types.
//! - `defmt`: `defmt::Format` for the public types worth logging.
//! - `embedded-hal`: the `amp` module (an amplifier enable / mute pin around start and stop).
//!
//! Rust 1.85 or later (Debian trixie's `rustc`).

#[cfg(any(feature = "std", test))]
extern crate std;

pub mod abi;
#[cfg(feature = "embedded-hal")]
pub mod amp;
pub mod chmap;
pub mod device;
mod error;
pub mod iec958;
mod ioctl;
pub mod mixer;
pub mod params;
pub mod pcm;
pub mod realtime;
pub mod ring;
mod sample;
pub mod stream;
mod sys;
pub mod transport;
mod types;

pub use device::{cards, Card, CardInfo, ControlDevice, DeviceName, PcmDevices};
pub use error::{ConfigError, Errno, Error, Op, Result};
pub use iec958::Iec958Subframe;
pub use params::{Capabilities, Format, Formats, Matching, Negotiated, Param, Range};
pub use pcm::{OpenMode, PcmDevice, PcmInfo};
pub use sample::{Packed24Be, Packed24Le, Sample, Swapped};
pub use stream::{
    Capture, Config, Direction, MmapStream, PeriodInfo, Playback, Setup, State, Status, StopFlag, Timestamp,
    TimestampClock, XrunPolicy,
};
pub use transport::{TransportChoice, TransportKind};
