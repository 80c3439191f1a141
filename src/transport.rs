//! How the kernel's status (state, `hw_ptr`, timestamp) and control (`appl_ptr`, `avail_min`)
//! records reach this process.
//!
//! - **Mapped**: both records are pages mapped from the device and read or written directly,
//!   with no system call. The kernel allows this only on x86, PowerPC and Alpha (elsewhere the
//!   cache coherency of these pages is not guaranteed), and refuses it on any arch for drivers
//!   with `SNDRV_PCM_INFO_SYNC_APPLPTR` and for 32-bit processes on 64-bit kernels (control).
//! - **`SYNC_PTR`**: one `SNDRV_PCM_IOCTL_SYNC_PTR` publishes `appl_ptr` and `avail_min` and
//!   returns a fresh status, everywhere else and as the fallback. On 32-bit targets the
//!   64-bit-time record is used, and the old 32-bit-time one only when the kernel refuses it.
//!
//! The choice is made at compile time by `target_arch`; the mapped path falls back to
//! `SYNC_PTR` at run time, and [`TransportChoice::ForceSyncPtr`] forces it on any arch.

use core::sync::atomic::{fence, Ordering};

use rustix::fd::BorrowedFd;

use crate::abi::{self, MmapControl64, MmapStatus64, Plain, SyncPtr64, Uframes};
use crate::error::{Errno, Error, Op, Result};
use crate::ioctl;
use crate::sys;

/// Whether the kernel maps status/control pages on this architecture at all (it does on
/// x86, PowerPC and Alpha, where these pages are cache-coherent).
const ARCH_CAN_MAP: bool = cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "powerpc",
    target_arch = "powerpc64"
));

/// Whether this kernel and architecture let this process map the status and control pages
/// (the [`TransportKind::Mapped`] transport that [`TransportChoice::Auto`] tries first).
///
/// The kernel maps them only on x86, PowerPC and Alpha, and refuses them to a 32-bit
/// process on a 64-bit kernel (a compat process, x32 included): `false` on every other
/// architecture, `true` for a native process on x86 and PowerPC. A driver that must see
/// every application pointer update (`SNDRV_PCM_INFO_SYNC_APPLPTR`) is refused the control
/// page even then; the stream falls back to `SYNC_PTR` and says so in
/// [`crate::Setup::transport`].
///
/// Costs one `uname` system call for a 32-bit process on x86 or PowerPC, none elsewhere.
pub fn status_pages_mappable() -> bool {
    if !ARCH_CAN_MAP {
        return false;
    }
    if cfg!(target_pointer_width = "64") {
        return true;
    }
    if cfg!(target_arch = "x86_64") {
        // x32: a compat process on a 64-bit kernel.
        return false;
    }
    // A 32-bit x86 or PowerPC process: native on a 32-bit kernel only.
    let uname = rustix::system::uname();
    !matches!(uname.machine().to_bytes(), b"x86_64" | b"ppc64" | b"ppc64le")
}

/// Which transport a stream should use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TransportChoice {
    /// The architecture's own: mapped pages where the kernel allows them, `SYNC_PTR` elsewhere
    /// or when the mapping is refused.
    #[default]
    Auto,
    /// `SYNC_PTR` on every architecture.
    ForceSyncPtr,
}

/// The transport a stream uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TransportKind {
    /// Status and control pages mapped: no system call to read or publish pointers.
    Mapped,
    /// `SNDRV_PCM_IOCTL_SYNC_PTR` with the 64-bit-time record (the native one on 64-bit
    /// targets).
    SyncPtr,
    /// `SNDRV_PCM_IOCTL_SYNC_PTR` with the old 32-bit-time record (32-bit targets on kernels
    /// older than 5.6).
    SyncPtrTime32,
}

impl TransportKind {
    /// A short name: `mmap status/control`, `SYNC_PTR` or `SYNC_PTR (32-bit time)` (also
    /// the `Display` text).
    pub const fn name(self) -> &'static str {
        match self {
            TransportKind::Mapped => "mmap status/control",
            TransportKind::SyncPtr => "SYNC_PTR",
            TransportKind::SyncPtrTime32 => "SYNC_PTR (32-bit time)",
        }
    }
}

impl core::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads of the mapped status page beyond the first, at most, while they disagree.
const STATUS_REREADS: u32 = 4;

/// A snapshot of the mapped status that two reads in a row agree on (like alsa-lib's
/// `snd_pcm_hw_htimestamp`, which reads until the pointer is stable): the kernel rewrites
/// the page at any time, so one read can take the pointer from one update and the timestamp
/// from the next. Gives up after [`STATUS_REREADS`] more reads (the page cannot change that
/// often) and returns the last.
fn stable_status(mut read: impl FnMut() -> RawStatus) -> RawStatus {
    let mut last = read();
    for _ in 0..STATUS_REREADS {
        let next = read();
        if next == last {
            break;
        }
        last = next;
    }
    last
}

/// One read of the mapped status page, field by field.
///
/// # Safety
///
/// `page` points to a mapped `snd_pcm_mmap_status` in the 64-bit-time layout, which the
/// kernel updates concurrently (hence the volatile field reads).
unsafe fn read_status_page(page: *const MmapStatus64) -> RawStatus {
    // SAFETY: per this function's contract.
    unsafe {
        RawStatus {
            state: core::ptr::addr_of!((*page).state).read_volatile(),
            hw_ptr: abi::uframes_to_u64(core::ptr::addr_of!((*page).hw_ptr).read_volatile()),
            tstamp_sec: core::ptr::addr_of!((*page).tstamp.tv_sec).read_volatile(),
            tstamp_nsec: core::ptr::addr_of!((*page).tstamp.tv_nsec).read_volatile(),
            audio_tstamp_sec: core::ptr::addr_of!((*page).audio_tstamp.tv_sec).read_volatile(),
            audio_tstamp_nsec: core::ptr::addr_of!((*page).audio_tstamp.tv_nsec).read_volatile(),
        }
    }
}

/// A snapshot of the status record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct RawStatus {
    pub state: i32,
    pub hw_ptr: u64,
    pub tstamp_sec: i64,
    pub tstamp_nsec: i64,
    /// The audio timestamp (by default the time of `hw_ptr` at the rate since the start).
    pub audio_tstamp_sec: i64,
    pub audio_tstamp_nsec: i64,
}

/// The status and control records, mapped or exchanged by `SYNC_PTR`.
#[derive(Debug)]
pub(crate) enum Transport {
    /// Both pages mapped.
    Mapped {
        status: sys::Mapping,
        control: sys::Mapping,
    },
    /// A cached record, exchanged with the kernel by one ioctl.
    SyncPtr(SyncPtrRecord),
}

/// The cached `SYNC_PTR` record in the layout the kernel accepted.
#[derive(Clone, Copy)]
pub(crate) enum SyncPtrRecord {
    Time64(SyncPtr64),
    #[cfg(target_pointer_width = "32")]
    Time32(abi::SyncPtr32),
}

impl SyncPtrRecord {
    /// The cached control record: application pointer and `avail_min`.
    fn control(&self) -> (Uframes, Uframes) {
        match self {
            SyncPtrRecord::Time64(r) => {
                let c = r.c.control();
                (c.appl_ptr, c.avail_min)
            }
            #[cfg(target_pointer_width = "32")]
            SyncPtrRecord::Time32(r) => {
                let c = r.c.control();
                (c.appl_ptr, c.avail_min)
            }
        }
    }

    /// Sets the cached control record (published by the next exchange without the `APPL`
    /// flag for the pointer, by every exchange for `avail_min`).
    fn set_control(&mut self, appl_ptr: Uframes, avail_min: Uframes) {
        match self {
            SyncPtrRecord::Time64(r) => r.c.set_control(MmapControl64 {
                appl_ptr,
                avail_min,
                ..MmapControl64::default()
            }),
            #[cfg(target_pointer_width = "32")]
            SyncPtrRecord::Time32(r) => r.c.set_control(abi::MmapControl32 { appl_ptr, avail_min }),
        }
    }
}

impl core::fmt::Debug for SyncPtrRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SyncPtrRecord")
    }
}

impl Transport {
    /// Sets up the transport for an open, configured PCM.
    pub(crate) fn new(fd: BorrowedFd<'_>, choice: TransportChoice) -> Result<Self> {
        if status_pages_mappable() && choice == TransportChoice::Auto {
            match Self::map(fd) {
                Ok(t) => return Ok(t),
                // ENXIO: the kernel refuses the mapping (SYNC_APPLPTR driver, compat process):
                // fall back. Anything else is a real error.
                Err(Error::Sys { errno, .. }) if errno == Errno::NXIO || errno == Errno::INVAL => {}
                Err(e) => return Err(e),
            }
        }
        Self::sync_ptr(fd)
    }

    fn map(fd: BorrowedFd<'_>) -> Result<Self> {
        let status = sys::Mapping::new(
            fd,
            core::mem::size_of::<MmapStatus64>(),
            abi::SNDRV_PCM_MMAP_OFFSET_STATUS,
            false,
            Op::MapStatus,
        )?;
        let control = sys::Mapping::new(
            fd,
            core::mem::size_of::<MmapControl64>(),
            abi::SNDRV_PCM_MMAP_OFFSET_CONTROL,
            true,
            Op::MapControl,
        )?;
        Ok(Transport::Mapped { status, control })
    }

    fn sync_ptr(fd: BorrowedFd<'_>) -> Result<Self> {
        let mut t = Transport::SyncPtr(SyncPtrRecord::Time64(SyncPtr64::zeroed()));
        match t.exchange(
            fd,
            abi::SNDRV_PCM_SYNC_PTR_APPL | abi::SNDRV_PCM_SYNC_PTR_AVAIL_MIN,
        ) {
            Ok(()) => Ok(t),
            #[cfg(target_pointer_width = "32")]
            Err(Error::Sys { errno, .. }) if errno == Errno::NOTTY || errno == Errno::INVAL => {
                let mut t = Transport::SyncPtr(SyncPtrRecord::Time32(abi::SyncPtr32::zeroed()));
                t.exchange(
                    fd,
                    abi::SNDRV_PCM_SYNC_PTR_APPL | abi::SNDRV_PCM_SYNC_PTR_AVAIL_MIN,
                )?;
                Ok(t)
            }
            Err(e) => Err(e),
        }
    }

    /// A `SYNC_PTR` record read with the driver's current position, writing nothing (both
    /// the application pointer and `avail_min` are read back): what another thread may do
    /// while the stream runs (see `StatusReader`). Two ioctls.
    pub(crate) fn snapshot(fd: BorrowedFd<'_>) -> Result<Self> {
        let mut t = Self::sync_ptr(fd)?;
        let read_only = abi::SNDRV_PCM_SYNC_PTR_APPL | abi::SNDRV_PCM_SYNC_PTR_AVAIL_MIN;
        match t.exchange(fd, abi::SNDRV_PCM_SYNC_PTR_HWSYNC | read_only) {
            // Outside the running states there is no position to fetch: the first read
            // holds the state.
            Err(Error::Sys { errno, .. }) if Self::not_running(errno) => Ok(t),
            other => other.map(|()| t),
        }
    }

    /// Which transport this is.
    pub(crate) fn kind(&self) -> TransportKind {
        match self {
            Transport::Mapped { .. } => TransportKind::Mapped,
            Transport::SyncPtr(SyncPtrRecord::Time64(_)) => TransportKind::SyncPtr,
            #[cfg(target_pointer_width = "32")]
            Transport::SyncPtr(SyncPtrRecord::Time32(_)) => TransportKind::SyncPtrTime32,
        }
    }

    fn status_page(status: &sys::Mapping) -> *const MmapStatus64 {
        status.ptr().cast::<MmapStatus64>().cast_const()
    }

    fn control_page(control: &sys::Mapping) -> *mut MmapControl64 {
        control.ptr().cast::<MmapControl64>()
    }

    /// A stable snapshot of the mapped status page. Where the pages are never mapped
    /// ([`ARCH_CAN_MAP`] false) this is never called, and kept to one read for size.
    fn mapped_status(status: &sys::Mapping) -> RawStatus {
        let page = Self::status_page(status);
        let read = || {
            // SAFETY: the page is mapped for the life of `status` and holds a
            // `snd_pcm_mmap_status` in the 64-bit-time layout.
            unsafe { read_status_page(page) }
        };
        if ARCH_CAN_MAP {
            stable_status(read)
        } else {
            read()
        }
    }

    /// The status as of the last `SYNC_PTR` ([`Transport::refresh`], [`Transport::commit`],
    /// [`Transport::hwsync`]) or now (mapped).
    pub(crate) fn status(&self) -> RawStatus {
        match self {
            Transport::Mapped { status, .. } => {
                let status = Self::mapped_status(status);
                // The captured samples up to `hw_ptr` are read after it: on weakly ordered
                // CPUs (PowerPC) those reads must not be done before the pointer's.
                fence(Ordering::Acquire);
                status
            }
            Transport::SyncPtr(SyncPtrRecord::Time64(r)) => {
                let s = r.s.status();
                RawStatus {
                    state: s.state,
                    hw_ptr: abi::uframes_to_u64(s.hw_ptr),
                    tstamp_sec: s.tstamp.tv_sec,
                    tstamp_nsec: s.tstamp.tv_nsec,
                    audio_tstamp_sec: s.audio_tstamp.tv_sec,
                    audio_tstamp_nsec: s.audio_tstamp.tv_nsec,
                }
            }
            #[cfg(target_pointer_width = "32")]
            Transport::SyncPtr(SyncPtrRecord::Time32(r)) => {
                let s = r.s.status();
                RawStatus {
                    state: s.state,
                    hw_ptr: abi::uframes_to_u64(s.hw_ptr),
                    tstamp_sec: s.tstamp.tv_sec.into(),
                    tstamp_nsec: s.tstamp.tv_nsec.into(),
                    audio_tstamp_sec: s.audio_tstamp.tv_sec.into(),
                    audio_tstamp_nsec: s.audio_tstamp.tv_nsec.into(),
                }
            }
        }
    }

    /// The application pointer as this process last set or read it.
    pub(crate) fn appl_ptr(&self) -> u64 {
        match self {
            Transport::Mapped { control, .. } => {
                // SAFETY: the control page is mapped read-write for the life of `self`; the
                // kernel may rewrite it (reset, prepare), hence the volatile read.
                abi::uframes_to_u64(unsafe {
                    core::ptr::addr_of!((*Self::control_page(control)).appl_ptr).read_volatile()
                })
            }
            Transport::SyncPtr(record) => abi::uframes_to_u64(record.control().0),
        }
    }

    /// Sets the application pointer and publishes it: at once when mapped (after the samples
    /// written before it, a release fence), by one `SYNC_PTR` that also refreshes the status
    /// otherwise. When the kernel refuses the pointer (a driver's `ack` failing with `EPIPE`,
    /// say), the cached record keeps the pointer the kernel has.
    pub(crate) fn commit(&mut self, fd: BorrowedFd<'_>, appl_ptr: u64) -> Result<()> {
        let value = appl_ptr as Uframes;
        match self {
            Transport::Mapped { control, .. } => {
                fence(Ordering::Release);
                // SAFETY: see `appl_ptr`; the page is writable and the kernel reads the field
                // on its own schedule, hence the volatile write.
                unsafe {
                    core::ptr::addr_of_mut!((*Self::control_page(control)).appl_ptr).write_volatile(value)
                }
                Ok(())
            }
            Transport::SyncPtr(record) => {
                let before = *record;
                record.set_control(value, record.control().1);
                let result = self.exchange(fd, 0);
                if result.is_err() {
                    *self = Transport::SyncPtr(before);
                }
                result
            }
        }
    }

    /// Sets the wakeup threshold (`avail_min`): at once when mapped, with the next exchange
    /// otherwise.
    pub(crate) fn set_avail_min(&mut self, frames: u64) {
        let value = frames as Uframes;
        match self {
            Transport::Mapped { control, .. } => {
                // SAFETY: as in `commit`.
                unsafe {
                    core::ptr::addr_of_mut!((*Self::control_page(control)).avail_min).write_volatile(value)
                }
            }
            Transport::SyncPtr(record) => record.set_control(record.control().0, value),
        }
    }

    /// The wakeup threshold as last set or read.
    pub(crate) fn avail_min(&self) -> u64 {
        match self {
            Transport::Mapped { control, .. } => {
                // SAFETY: as in `appl_ptr`.
                abi::uframes_to_u64(unsafe {
                    core::ptr::addr_of!((*Self::control_page(control)).avail_min).read_volatile()
                })
            }
            Transport::SyncPtr(record) => abi::uframes_to_u64(record.control().1),
        }
    }

    /// Refreshes the status as the kernel last updated it (at the driver's last period
    /// interrupt, or a later hardware sync) and reads back the application pointer, which the
    /// kernel may have moved (prepare, reset, drop, a linked partner's too), publishing only
    /// `avail_min`: one `SYNC_PTR`; nothing when mapped, where both pages are live.
    ///
    /// The application pointer is published by [`Transport::commit`] alone, so a stale cached
    /// pointer is never written over the kernel's. This does not ask the driver for its
    /// position (no hwsync flag): the period loop runs right after a period interrupt, so that
    /// status is fresh, and the driver's pointer callback would only add kernel work to every
    /// period; [`Transport::hwsync`] is there when a caller needs it.
    pub(crate) fn refresh(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        match self {
            Transport::Mapped { .. } => Ok(()),
            Transport::SyncPtr(_) => self.exchange(fd, abi::SNDRV_PCM_SYNC_PTR_APPL),
        }
    }

    /// Asks the driver for its current hardware position (`HWSYNC` when mapped, a `SYNC_PTR`
    /// with the hwsync flag otherwise, which also reads back the application pointer).
    pub(crate) fn hwsync(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        match self {
            Transport::Mapped { .. } => {
                match sys::command(fd, ioctl::PCM_HWSYNC) {
                    // Outside the running states there is no position to fetch; the state
                    // itself is on the status page.
                    Err(Error::Sys { errno, .. }) if Self::not_running(errno) => Ok(()),
                    other => other,
                }
            }
            Transport::SyncPtr(_) => self.exchange_with_hwsync(fd),
        }
    }

    /// EPIPE (xrun), ESTRPIPE (suspended), EBADFD (not prepared): a hardware sync fails in
    /// these states.
    fn not_running(errno: Errno) -> bool {
        errno == Errno::PIPE || errno == Errno::STRPIPE || errno == Errno::BADFD
    }

    /// `SYNC_PTR` with the hwsync flag; where the hardware sync fails outside the running
    /// states, again without it to fetch the state.
    fn exchange_with_hwsync(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        let read_appl = abi::SNDRV_PCM_SYNC_PTR_APPL;
        match self.exchange(fd, abi::SNDRV_PCM_SYNC_PTR_HWSYNC | read_appl) {
            Err(Error::Sys { errno, .. }) if Self::not_running(errno) => self.exchange(fd, read_appl),
            other => other,
        }
    }

    /// One `SYNC_PTR` with `flags`: without `SNDRV_PCM_SYNC_PTR_APPL` it publishes the cached
    /// application pointer, and the cached `avail_min` always (the record is first read with
    /// both flags, so it starts as the kernel's).
    fn exchange(&mut self, fd: BorrowedFd<'_>, flags: u32) -> Result<()> {
        match self {
            Transport::Mapped { .. } => Ok(()),
            Transport::SyncPtr(SyncPtrRecord::Time64(r)) => {
                r.flags = flags;
                sys::update(fd, ioctl::PCM_SYNC_PTR64, r)
            }
            #[cfg(target_pointer_width = "32")]
            Transport::SyncPtr(SyncPtrRecord::Time32(r)) => {
                r.flags = flags;
                sys::update(fd, ioctl::PCM_SYNC_PTR32, r)
            }
        }
    }
}

#[cfg(test)]
mod tests;
