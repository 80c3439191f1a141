//! The kernel-facing side of a stream, behind one seam: the state-changing ioctls, the
//! status/control exchange of the transport, the wait and the DMA buffer.
//!
//! [`HwKernel`] is the real device. The host tests put a deterministic model of the kernel's
//! PCM core on the other side (`model.rs`), so that the period loop above this seam can be
//! driven through any interleaving the kernel allows, including hostile values.

use core::ptr::NonNull;

use crate::error::Result;
use crate::pcm::{Command, PcmDevice, SwParams};
use crate::sys::{self, Readiness};
use crate::transport::{RawStatus, Transport, TransportKind};
use crate::types::Direction;

/// What a stream needs from the kernel. Pointers and status are as of the last exchange on
/// the `SYNC_PTR` transport, live when mapped.
pub(crate) trait Kernel {
    /// The open device (card, device, descriptor).
    fn pcm(&self) -> &PcmDevice;
    /// The transport in use.
    fn transport_kind(&self) -> TransportKind;
    /// The status as of the last exchange (or now, when mapped).
    fn status(&self) -> RawStatus;
    /// The application pointer as this process last set or read it.
    fn appl_ptr(&self) -> u64;
    /// Sets the application pointer and publishes it, refreshing the status (one `SYNC_PTR`;
    /// none when mapped). On failure the cached pointer stays as the kernel has it.
    fn commit(&mut self, appl_ptr: u64) -> Result<()>;
    /// Publishes `avail_min`, refreshes the status as the kernel last updated it and reads
    /// back the application pointer, which the kernel may have moved (prepare, reset, drop,
    /// a linked partner), without asking the driver for its position (one `SYNC_PTR`; none
    /// when mapped).
    fn refresh(&mut self) -> Result<()>;
    /// Asks the driver for its position, then refreshes like [`Kernel::refresh`].
    fn hwsync(&mut self) -> Result<()>;
    /// Sets the wakeup threshold: at once when mapped, with the next exchange otherwise.
    fn set_avail_min(&mut self, frames: u64);
    /// The wakeup threshold as last set (what the kernel has after the next exchange).
    fn avail_min(&self) -> u64;
    /// A state-changing ioctl.
    fn command(&mut self, command: Command) -> Result<()>;
    /// `SW_PARAMS` again after setup (the silence a drain leaves, and back).
    fn sw_params(&mut self, sw: &SwParams) -> Result<()>;
    /// Waits until `avail_min` frames are available, the stream fails, or `timeout_ms` passes.
    fn wait(&mut self, timeout_ms: u32) -> Result<Readiness>;
    /// `REWIND` (`back`) or `FORWARD` of up to `frames`; the frames moved. The application
    /// pointer moved in the kernel: refresh to read it back.
    fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64>;
    /// Sleeps `nanos` nanoseconds: a timer-scheduled stream's wait.
    #[cfg(any(feature = "timer", test))]
    fn sleep(&mut self, nanos: u64);
    /// `DRAIN` without waiting ([`PcmDevice::start_drain`]): a timer-scheduled stream's
    /// drain, which then sleeps and asks for the position until the kernel ends it.
    #[cfg(any(feature = "timer", test))]
    fn start_drain(&mut self) -> Result<()>;
    /// `DELAY`.
    fn delay(&self) -> Result<i64>;
    /// The DMA buffer: its start and length in bytes.
    fn buffer(&self) -> (NonNull<u8>, usize);
}

/// The real device: the PCM node, its transport, the period waiter and the mapped DMA
/// buffer.
#[derive(Debug)]
pub(crate) struct HwKernel {
    pcm: PcmDevice,
    transport: Transport,
    /// Made by the first wait: a stream that is only opened, or polled through its
    /// descriptor in another event loop, never creates one.
    waiter: Option<sys::Waiter>,
    buffer: sys::Mapping,
}

impl HwKernel {
    /// Puts together an open, configured device, its transport and its mapped buffer.
    pub(crate) fn new(pcm: PcmDevice, transport: Transport, buffer: sys::Mapping) -> Self {
        HwKernel {
            pcm,
            transport,
            waiter: None,
            buffer,
        }
    }
}

impl Kernel for HwKernel {
    fn pcm(&self) -> &PcmDevice {
        &self.pcm
    }

    fn transport_kind(&self) -> TransportKind {
        self.transport.kind()
    }

    fn status(&self) -> RawStatus {
        self.transport.status()
    }

    fn appl_ptr(&self) -> u64 {
        self.transport.appl_ptr()
    }

    fn commit(&mut self, appl_ptr: u64) -> Result<()> {
        self.transport.commit(self.pcm.fd(), appl_ptr)
    }

    fn refresh(&mut self) -> Result<()> {
        self.transport.refresh(self.pcm.fd())
    }

    fn hwsync(&mut self) -> Result<()> {
        self.transport.hwsync(self.pcm.fd())
    }

    fn set_avail_min(&mut self, frames: u64) {
        self.transport.set_avail_min(frames)
    }

    fn avail_min(&self) -> u64 {
        self.transport.avail_min()
    }

    fn command(&mut self, command: Command) -> Result<()> {
        self.pcm.command(command)
    }

    fn sw_params(&mut self, sw: &SwParams) -> Result<()> {
        self.pcm.sw_params(sw).map(drop)
    }

    fn wait(&mut self, timeout_ms: u32) -> Result<Readiness> {
        let waiter = match &mut self.waiter {
            Some(waiter) => waiter,
            empty => empty.insert(sys::Waiter::new(
                self.pcm.fd(),
                self.pcm.info().direction == Direction::Capture,
            )?),
        };
        waiter.wait(timeout_ms)
    }

    fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64> {
        self.pcm.move_appl(frames, back)
    }

    #[cfg(any(feature = "timer", test))]
    fn sleep(&mut self, nanos: u64) {
        sys::sleep_ns(nanos)
    }

    #[cfg(any(feature = "timer", test))]
    fn start_drain(&mut self) -> Result<()> {
        self.pcm.start_drain()
    }

    fn delay(&self) -> Result<i64> {
        self.pcm.delay()
    }

    fn buffer(&self) -> (NonNull<u8>, usize) {
        (self.buffer.start(), self.buffer.len())
    }
}
