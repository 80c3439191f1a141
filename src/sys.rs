//! Thin wrappers over the rustix system calls the crate makes: `open`, `ioctl`, `mmap`,
//! `munmap`, `epoll` and `poll` (to sleep). Each returns the crate's [`Error`] naming the
//! operation and errno.
//!
//! The ioctl wrappers are `unsafe` functions: each caller's `// SAFETY:` comment says which
//! record its opcode transfers (typed ioctl descriptors, rustix's `Getter`/`Updater`
//! patterns, would make those calls safe code: not done yet). The mappings' own `unsafe`
//! lives in [`Mapping`].

use core::ffi::{c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use rustix::event::epoll;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::ioctl::{Ioctl, IoctlOutput, Opcode};
use rustix::mm::{MapFlags, ProtFlags};

use crate::error::{Errno, Error, Op, Result};

/// One ioctl with a raw argument: a pointer to a record, or an integer.
struct RawIoctl {
    opcode: Opcode,
    arg: *mut c_void,
}

// SAFETY: the callers below pass, for each opcode, the argument the kernel expects for it (a
// pointer to a live, correctly sized `#[repr(C)]` record, or an integer); the kernel may write
// through the pointer, so the ioctl is marked mutating, and its result is the raw return value.
unsafe impl Ioctl for RawIoctl {
    type Output = IoctlOutput;
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        self.opcode
    }

    fn as_ptr(&mut self) -> *mut c_void {
        self.arg
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<Self::Output> {
        Ok(out)
    }
}

/// An ioctl whose argument is a pointer to `T`.
///
/// # Safety
/// `opcode` must be an ioctl that reads and/or writes exactly one `T` through its argument.
pub(crate) unsafe fn ioctl_ptr<T>(fd: BorrowedFd<'_>, op: Op, opcode: Opcode, arg: &mut T) -> Result<c_int> {
    let io = RawIoctl {
        opcode,
        arg: (arg as *mut T).cast(),
    };
    // SAFETY: `arg` is a valid, exclusive `T` for the duration of the call and the caller
    // promises the opcode transfers a `T`.
    unsafe { rustix::ioctl::ioctl(fd, io) }.map_err(|e| Error::sys(op, e))
}

/// An ioctl whose argument points at the start of `arg`, a record with a flexible array
/// member (`snd_ctl_tlv`) laid out as a slice.
///
/// # Safety
/// `opcode` must read and/or write at most `size_of_val(arg)` bytes from the start of `arg`,
/// and any bytes it writes must be valid `T`s.
pub(crate) unsafe fn ioctl_slice<T>(
    fd: BorrowedFd<'_>,
    op: Op,
    opcode: Opcode,
    arg: &mut [T],
) -> Result<c_int> {
    let io = RawIoctl {
        opcode,
        arg: arg.as_mut_ptr().cast(),
    };
    // SAFETY: `arg` is valid and exclusive for the call, and the pointer covers all of it; the
    // caller promises the kernel stays within it.
    unsafe { rustix::ioctl::ioctl(fd, io) }.map_err(|e| Error::sys(op, e))
}

/// An ioctl with no argument, or an integer argument passed by value (`PAUSE`, `LINK`).
///
/// # Safety
/// `opcode` must be an ioctl that takes no argument or an integer by value.
pub(crate) unsafe fn ioctl_int(fd: BorrowedFd<'_>, op: Op, opcode: Opcode, value: usize) -> Result<c_int> {
    let io = RawIoctl {
        opcode,
        arg: value as *mut c_void,
    };
    // SAFETY: the caller promises the kernel treats the argument as a plain integer, so no
    // memory is accessed through it.
    unsafe { rustix::ioctl::ioctl(fd, io) }.map_err(|e| Error::sys(op, e))
}

/// Opens a device node for reading and writing, close-on-exec, as a blocking descriptor.
///
/// Unless `wait_if_busy`, the open itself is non-blocking, so that a busy device answers
/// `EBUSY` at once, and the descriptor is made blocking afterwards. With `wait_if_busy`, a
/// PCM in use makes the open wait until it is free (the kernel's blocking open).
pub(crate) fn open_device<P: rustix::path::Arg + Copy>(
    path: P,
    op: Op,
    wait_if_busy: bool,
) -> Result<OwnedFd> {
    let flags = OFlags::RDWR | OFlags::CLOEXEC;
    if wait_if_busy {
        return rustix::fs::open(path, flags, Mode::empty()).map_err(|e| Error::sys(op, e));
    }
    let fd =
        rustix::fs::open(path, flags | OFlags::NONBLOCK, Mode::empty()).map_err(|e| Error::sys(op, e))?;
    rustix::fs::fcntl_setfl(&fd, OFlags::RDWR).map_err(|e| Error::sys(Op::SetBlocking, e))?;
    Ok(fd)
}

/// What a wait on a PCM descriptor saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// The stream has at least `avail_min` frames to read or write.
    Ready,
    /// The stream is in an error state (xrun, suspended, disconnected).
    Error,
    /// The timeout passed first.
    TimedOut,
}

/// The stream's period waiter: an epoll instance watching one PCM descriptor.
///
/// Each wait is one `epoll_pwait`, like a `ppoll` of the descriptor, but the kernel keeps the
/// descriptor's wait-queue entry between periods instead of adding and removing it in every
/// call: 1.5-3% less CPU per second of audio than `ppoll` (`bench play` on the instruction
/// clock, qemu-arm64 and qemu-armv7, 64 to 1024-frame periods).
#[derive(Debug)]
pub(crate) struct Waiter {
    epoll: OwnedFd,
}

impl Waiter {
    /// Watches `fd` for frames to read (`capture`) or room to write (playback).
    pub(crate) fn new(fd: BorrowedFd<'_>, capture: bool) -> Result<Self> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(|e| Error::sys(Op::EpollCreate, e))?;
        let ready = if capture {
            epoll::EventFlags::IN
        } else {
            epoll::EventFlags::OUT
        };
        epoll::add(&epoll, fd, epoll::EventData::new_u64(0), ready)
            .map_err(|e| Error::sys(Op::EpollAdd, e))?;
        Ok(Waiter { epoll })
    }

    /// Waits until the descriptor is ready or `timeout_ms` passed, retrying on `EINTR`.
    pub(crate) fn wait(&self, timeout_ms: u32) -> Result<Readiness> {
        // At most 24.8 days, so that rustix makes it a plain `epoll_pwait` (a longer one needs
        // `epoll_pwait2`, Linux 5.11).
        let timeout = timespec_ms(timeout_ms.min(i32::MAX as u32));
        loop {
            let mut events = [MaybeUninit::<epoll::Event>::uninit(); 1];
            match epoll::wait(&self.epoll, &mut events, Some(&timeout)) {
                Ok(([], _)) => return Ok(Readiness::TimedOut),
                Ok(([event, ..], _)) => {
                    // A copy: the event record is packed on x86_64.
                    let flags = event.flags;
                    let failed = flags.intersects(epoll::EventFlags::ERR | epoll::EventFlags::HUP);
                    return Ok(if failed {
                        Readiness::Error
                    } else {
                        Readiness::Ready
                    });
                }
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(Error::sys(Op::Poll, e)),
            }
        }
    }
}

/// Sleeps for `ms` milliseconds (a `poll` with no descriptors), for the resume retry loop.
pub(crate) fn sleep_ms(ms: u32) {
    // An interrupted or failed sleep only shortens a retry delay.
    let _ = rustix::event::poll(&mut [], Some(&timespec_ms(ms)));
}

/// `ms` milliseconds as a `Timespec`.
fn timespec_ms(ms: u32) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: (ms / 1000).into(),
        tv_nsec: ((ms % 1000) * 1_000_000).into(),
    }
}

/// A shared mapping of device memory, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; access to it is synchronised by the owner.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` at `offset` (the kernel maps whole pages; `len` must not be
    /// zero).
    ///
    /// The length is not rounded here: `mmap` and `munmap` round it up to whole pages
    /// themselves, and asking for the page size (`rustix::param::page_size`) panics on kernels
    /// before 6.4 when `/proc` is not mounted, as in early boot.
    pub(crate) fn new(fd: BorrowedFd<'_>, len: usize, offset: u64, writable: bool, op: Op) -> Result<Self> {
        if len == 0 {
            return Err(Error::BadKernelValue);
        }
        let prot = if writable {
            ProtFlags::READ | ProtFlags::WRITE
        } else {
            ProtFlags::READ
        };
        // SAFETY: a fresh shared mapping chosen by the kernel (null hint) aliases no Rust
        // object; the device decides what the pages hold.
        let ptr = unsafe {
            rustix::mm::mmap(
                core::ptr::null_mut(),
                len,
                prot,
                MapFlags::SHARED,
                fd.as_fd(),
                offset,
            )
        }
        .map_err(|e| Error::sys(op, e))?;
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(Error::sys(op, Errno::NXIO))?;
        Ok(Mapping { ptr, len })
    }

    /// The start of the mapping.
    pub(crate) fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The start of the mapping, never null.
    pub(crate) fn start(&self) -> NonNull<u8> {
        self.ptr
    }

    /// Length in bytes, as asked (the kernel maps whole pages).
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned and nothing borrows the memory
        // any more (borrows of it are tied to the owner's lifetime). A failed munmap cannot be
        // reported from drop and leaves only address space behind.
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Reads one record `T` from `fd` (a control event); returns the bytes read (0 at end of
/// file, fewer than `size_of::<T>()` never for the kernel's event records).
///
/// # Safety
/// Every bit pattern must be a valid `T` (a plain-integer kernel record).
pub(crate) unsafe fn read_record<T>(fd: BorrowedFd<'_>, op: Op, record: &mut T) -> Result<usize> {
    // SAFETY: `record` is an exclusive, live `T` of `size_of::<T>()` bytes; the caller promises
    // any bytes the kernel writes make a valid `T`.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut((record as *mut T).cast::<u8>(), core::mem::size_of::<T>())
    };
    loop {
        match rustix::io::read(fd, &mut *bytes) {
            Ok(n) => return Ok(n),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::sys(op, e)),
        }
    }
}

/// Waits until `fd` has something to read or `timeout_ms` passed (`None`: no limit);
/// whether it is readable. Retries on `EINTR`.
pub(crate) fn wait_readable(fd: BorrowedFd<'_>, op: Op, timeout_ms: Option<u32>) -> Result<bool> {
    let timeout = timeout_ms.map(|ms| timespec_ms(ms.min(i32::MAX as u32)));
    loop {
        let mut fds = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(!fds[0].revents().is_empty()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::sys(op, e)),
        }
    }
}
