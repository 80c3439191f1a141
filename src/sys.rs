//! Thin wrappers over the rustix system calls the crate makes: `open`, `ioctl`, `mmap`,
//! `munmap`, `epoll`, `read` and `poll`. Each returns the crate's [`Error`] naming the
//! operation and errno.
//!
//! Every ioctl goes through a typed descriptor of `ioctl` (its record, direction and
//! [`Op`]) on rustix's `ioctl` patterns. The calls with a [`Plain`] record ([`get`], [`set`],
//! [`update`]), without argument ([`command`]) or with an integer argument
//! ([`set_integer`]) are safe functions; so are the two whose record takes the kernel beyond
//! itself, the element list's id array ([`elem_list`]) and the TLV data after its header
//! ([`tlv_read`]), because they set the pointer or the length themselves from a buffer they
//! borrow whole. Every `unsafe` of a system call is in this module: one block per ioctl
//! pattern, the mapping and unmapping in [`Mapping`], and the bytes of the uninitialised record
//! [`read_record`] reads into.
//!
//! Elsewhere `unsafe` remains only where no system call is made: reads and writes of the
//! mapped pages and DMA buffer (`transport`, `stream`), the safe views of the kernel records'
//! unions and [`Plain::zeroed`] (`abi`, one block each, so that `mixer` and `transport` read
//! the unions in safe code), the byte views of sample slices (`sample`), a path known to end in
//! its NUL (`device`) and the amplifier's teardown (`amp`). The two raw system calls without a
//! rustix wrapper are here too: `rt_sigaction` for [`crate::signal`] in `sys::signal` and
//! `sched_setscheduler` for [`crate::realtime`] in `sys::sched`.

// The two raw system calls rustix does not wrap, made with the `syscalls` crate. This is the
// one place that says on which architectures each is built; elsewhere each module is a stub
// that refuses with `ENOSYS`, so that its callers read the same on every target.
cfg_if::cfg_if! {
    // The architectures whose kernel `struct sigaction` (and x86's restorer) `sys/signal.rs`
    // knows, checked against C there.
    if #[cfg(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64"
    ))] {
        pub(crate) mod signal;
    } else {
        /// `rt_sigaction` is not built on this architecture.
        pub(crate) mod signal {
            use core::ffi::c_int;

            use crate::error::{Errno, Error, Op, Result};

            /// Whether [`install`] makes the system call here (it does not).
            #[cfg(test)]
            pub(crate) const BUILT: bool = false;

            /// Refuses with `ENOSYS`.
            ///
            /// # Safety
            /// None needed; `unsafe` as the real one is.
            pub(crate) unsafe fn install(_signal: c_int, _handler: unsafe extern "C" fn(c_int)) -> Result<()> {
                Err(Error::sys(Op::Signal, Errno::NOSYS))
            }
        }
    }
}
cfg_if::cfg_if! {
    // Where the `syscalls` crate exists (its target-specific dependency in Cargo.toml): its
    // inline assembly needs nightly on PowerPC, MIPS and s390x.
    if #[cfg(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "riscv32",
        target_arch = "loongarch64"
    ))] {
        pub(crate) mod sched;
    } else {
        /// `sched_setscheduler` is not built on this architecture.
        pub(crate) mod sched {
            use crate::error::{Errno, Error, Op, Result};

            /// Refuses with `ENOSYS`.
            pub(crate) fn set_fifo(_priority: u32) -> Result<()> {
                Err(Error::sys(Op::SetScheduler, Errno::NOSYS))
            }
        }
    }
}

use core::ffi::{c_uint, c_void};
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use rustix::event::epoll;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::ioctl::Opcode;
use rustix::mm::{MapFlags, ProtFlags};

use crate::abi::{Plain, SndCtlElemId, SndCtlElemList, SndCtlTlv};
use crate::error::{Errno, Error, Op, Result};
use crate::ioctl::{Getter, IntegerSetter, NoArg, Setter, Updater};

// The safety of every ioctl below rests on its descriptor: its opcode encodes the record's
// size and the direction the descriptor names (checked when the descriptor is built, see
// `ioctl`), and its number is the one `<sound/asound.h>` gives that record (every opcode is
// checked against C by `src/abi/tests/layout.rs`), so the kernel transfers exactly one record of
// the type in the direction named.

/// An ioctl whose opcode and argument are known at run time only: see [`ioctl`].
struct AnyIoctl {
    opcode: Opcode,
    arg: *mut c_void,
}

// SAFETY: `ioctl`'s callers vouch for the opcode and the argument (see there). It is marked
// as mutating, the conservative choice for every ioctl; the output is the pointer's
// target, read by the callers, and nothing is built from the return value.
unsafe impl rustix::ioctl::Ioctl for AnyIoctl {
    type Output = ();
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        self.opcode
    }

    fn as_ptr(&mut self) -> *mut c_void {
        self.arg
    }

    unsafe fn output_from_ptr(_: rustix::ioctl::IoctlOutput, _: *mut c_void) -> rustix::io::Result<()> {
        Ok(())
    }
}

/// Every ioctl of the helpers below, in one call that is not generic over the opcode and the
/// record: the system call and its error are compiled once rather than at each of the
/// crate's ioctls (about a kilobyte of the firmware build on 32-bit ARM). A failure is
/// [`Error::Sys`] with `op`, or [`Error::Disconnected`] for `ENODEV` ([`Error::on_device`]).
///
/// # Safety
/// `arg` is what the kernel takes for `opcode`: null for `_IO`, an integer for
/// the integer setters, else a pointer to one record of the size and direction the opcode
/// encodes, valid (and, when the kernel writes it, exclusively borrowed) for the call.
#[inline(never)]
unsafe fn ioctl(fd: BorrowedFd<'_>, opcode: Opcode, arg: *mut c_void, op: Op) -> Result<()> {
    // SAFETY: as this function's contract says.
    unsafe { rustix::ioctl::ioctl(fd, AnyIoctl { opcode, arg }) }.map_err(|e| Error::on_device(op, e))
}

/// An ioctl that fills one record: what the kernel wrote.
pub(crate) fn get<const OPCODE: Opcode, T: Plain>(fd: BorrowedFd<'_>, ioctl: Getter<OPCODE, T>) -> Result<T> {
    // SAFETY: the kernel writes one `T` (see above) into the getter's own storage, and being
    // `Plain`, any bytes it writes make a valid `T`.
    unsafe { rustix::ioctl::ioctl(fd, rustix::ioctl::Getter::<OPCODE, T>::new()) }
        .map_err(|e| Error::sys(ioctl.op(), e))
}

/// An ioctl that reads one record.
pub(crate) fn set<const OPCODE: Opcode, T: Plain>(
    fd: BorrowedFd<'_>,
    ioctl: Setter<OPCODE, T>,
    value: T,
) -> Result<()> {
    // SAFETY: the kernel reads one `T` (see above) from this function's own copy, and does
    // not write it (`_IOW`); being `Plain`, it holds no pointer for the kernel to follow.
    unsafe { self::ioctl(fd, OPCODE, (&raw const value).cast_mut().cast(), ioctl.op()) }
}

/// An ioctl that reads one record and writes it back.
pub(crate) fn update<const OPCODE: Opcode, T: Plain>(
    fd: BorrowedFd<'_>,
    ioctl: Updater<OPCODE, T>,
    value: &mut T,
) -> Result<()> {
    // SAFETY: the kernel reads and writes one `T` (see above) through `value`, exclusively
    // borrowed for the call; being `Plain`, it holds no pointer for the kernel to follow and
    // any bytes written make a valid `T`.
    unsafe { self::ioctl(fd, OPCODE, (value as *mut T).cast(), ioctl.op()) }
}

/// An ioctl without argument (`PREPARE`, `START`...).
pub(crate) fn command<const OPCODE: Opcode>(fd: BorrowedFd<'_>, ioctl: NoArg<OPCODE>) -> Result<()> {
    // SAFETY: the opcode is `_IO` (see above): the kernel takes no argument.
    unsafe { self::ioctl(fd, OPCODE, core::ptr::null_mut(), ioctl.op()) }
}

/// An ioctl whose argument is the integer `value` itself (`PAUSE`, `LINK`).
pub(crate) fn set_integer<const OPCODE: Opcode>(
    fd: BorrowedFd<'_>,
    ioctl: IntegerSetter<OPCODE>,
    value: usize,
) -> Result<()> {
    // SAFETY: the kernel takes the argument of these ioctls as a plain integer (a flag, a
    // descriptor number it looks up and refuses if bad), so no memory is accessed through it.
    unsafe { self::ioctl(fd, OPCODE, core::ptr::without_provenance_mut(value), ioctl.op()) }
}

/// `ELEM_LIST`: the card's number of elements and, from element `offset` on, as many ids as
/// `ids` holds, written into it. The record says how many were written (`used`) and how
/// many there are (`count`).
pub(crate) fn elem_list<const OPCODE: Opcode>(
    fd: BorrowedFd<'_>,
    ioctl: Updater<OPCODE, SndCtlElemList>,
    offset: u32,
    ids: &mut [SndCtlElemId],
) -> Result<SndCtlElemList> {
    let mut list = SndCtlElemList {
        offset,
        space: c_uint::try_from(ids.len()).unwrap_or(c_uint::MAX),
        pids: if ids.is_empty() {
            core::ptr::null_mut()
        } else {
            ids.as_mut_ptr()
        },
        ..SndCtlElemList::default()
    };
    // SAFETY: the kernel reads and writes the record (integers and `pids`, see above) and
    // writes at most `space` ids through `pids`; `pids` points at `ids`, exclusively
    // borrowed for the call, and `space` is at most its length (with `space` 0 the kernel
    // writes no id and the pointer is null).
    unsafe {
        rustix::ioctl::ioctl(
            fd,
            rustix::ioctl::Updater::<OPCODE, SndCtlElemList>::new(&mut list),
        )
    }
    .map_err(|e| Error::on_device(ioctl.op(), e))?;
    Ok(list)
}

/// `TLV_READ` of element `numid` into `words`: the first two words are the `snd_ctl_tlv`
/// header, set here (the element and the bytes of room after the header), and the kernel
/// writes the TLV data after them. [`Error::BadTlv`] when `words` cannot hold the header.
pub(crate) fn tlv_read<const OPCODE: Opcode, const WORDS: usize>(
    fd: BorrowedFd<'_>,
    ioctl: Updater<OPCODE, SndCtlTlv>,
    numid: u32,
    words: &mut [c_uint; WORDS],
) -> Result<()> {
    let header = core::mem::size_of::<SndCtlTlv>() / core::mem::size_of::<c_uint>();
    let room = WORDS.checked_sub(header).ok_or(Error::BadTlv)?;
    words[0] = numid;
    words[1] = c_uint::try_from(room * core::mem::size_of::<c_uint>()).unwrap_or(c_uint::MAX);
    // SAFETY: the kernel reads the `snd_ctl_tlv` header (two words, see above) at the start
    // of `words` and writes at most `length` bytes after it; `length` is the room left in
    // `words`, which the updater borrows whole and exclusively for the call, and any bytes
    // make valid words.
    unsafe { rustix::ioctl::ioctl(fd, rustix::ioctl::Updater::<OPCODE, [c_uint; WORDS]>::new(words)) }
        .map_err(|e| Error::on_device(ioctl.op(), e))
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

/// Sleeps for `nanos` nanoseconds (a `ppoll` with no descriptors), for a stream woken by
/// its own timer.
#[cfg(any(feature = "timer", test))]
pub(crate) fn sleep_ns(nanos: u64) {
    let time = rustix::time::Timespec {
        tv_sec: (nanos / 1_000_000_000).try_into().unwrap_or(i32::MAX.into()),
        tv_nsec: ((nanos % 1_000_000_000) as u32).into(),
    };
    // An interrupted sleep wakes the stream early: it looks at the position and sleeps again.
    let _ = rustix::event::poll(&mut [], Some(&time));
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

/// Reads one record `T` from `fd` (a control event): `None` when fewer bytes than a whole
/// record came (none at end of file; the kernel's event records always come whole). Retries
/// on `EINTR`.
pub(crate) fn read_record<T: Plain>(fd: BorrowedFd<'_>, op: Op) -> Result<Option<T>> {
    let size = core::mem::size_of::<T>();
    let mut record = MaybeUninit::<T>::uninit();
    // SAFETY: `record` is `size` bytes, exclusively borrowed for as long as `bytes` is used;
    // `MaybeUninit<u8>` has alignment 1 and needs no initialised bytes, so padding of `T`
    // (which a `&mut [u8]` over a `T` would claim to be initialised) is fine.
    let bytes =
        unsafe { core::slice::from_raw_parts_mut(record.as_mut_ptr().cast::<MaybeUninit<u8>>(), size) };
    let filled = loop {
        match rustix::io::read(fd, &mut *bytes) {
            Ok((filled, _)) => break filled.len(),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::on_device(op, e)),
        }
    };
    if filled < size {
        return Ok(None);
    }
    // SAFETY: the read initialised all `size` bytes of `record`, padding included, and any
    // bytes make a valid `T` (`Plain`).
    Ok(Some(unsafe { record.assume_init() }))
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

#[cfg(test)]
mod tests;
