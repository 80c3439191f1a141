//! A deterministic model of the kernel's PCM core, the other side of the [`Kernel`] seam,
//! for the host tests of the period loop.
//!
//! It follows the kernel's rules (`sound/core/pcm_native.c`, `pcm_lib.c`):
//! `snd_pcm_playback_avail`/`capture_avail` with the boundary wrap; poll readiness at
//! `avail_min` in the prepared, running and paused states and an error in the others; the
//! start threshold (a playback start with nothing queued is `EPIPE`), the stop threshold
//! (an xrun), prepare/reset moving `appl_ptr` to `hw_ptr` (prepare, from a stopped state,
//! zeroes `hw_ptr` first: `snd_pcm_do_reset` → `snd_pcm_lib_ioctl_reset`, which keeps it
//! modulo the buffer only while running), drop, drain, pause, suspend and resume,
//! disconnect (`snd_card_disconnect`: every ioctl then answers `ENODEV`, the state on the
//! status page is `DISCONNECTED`, a poll reports an error, a drain wakes with `ENODEV`); no poll events while playback drains (`snd_pcm_poll`); the playback silence
//! filling of `SW_PARAMS` (`snd_pcm_playback_silence`, threshold mode) at start, at each
//! pointer update and in `SW_PARAMS` itself; `SYNC_PTR`'s flags (`APPL`: read the pointer instead of applying it;
//! a pointer at or beyond the boundary is `EINVAL`; a driver `ack` failing is `EPIPE` and an
//! xrun); the mapped transport, where the status is live. Time passes only in waits and
//! drains: the hardware moves `tick` frames per tick, or not at all when stalled. It can also
//! be told to report hostile values, or to let a linked partner prepare the stream.

use std::boxed::Box;
use std::cell::RefCell;
use std::rc::Rc;
use std::vec;
use std::vec::Vec;

use core::ptr::NonNull;

use super::kernel::{HwKernel, Kernel};
use crate::abi;
use crate::error::{Errno, Error, Op, Result};
use crate::pcm::PcmDevice;
use crate::pcm::{Command, SwParams};
use crate::ring;
use crate::stream::StopFlag;
use crate::sys::Readiness;
use crate::transport::{RawStatus, TransportKind};
use crate::types::Direction;

/// The stream's kernel side in the crate's own tests: the device or the model.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // Test-only; the device side is the stream's own size.
pub(crate) enum TestKernel {
    /// The real device.
    Hw(HwKernel),
    /// The model.
    Model(Box<KernelModel>),
}

impl From<HwKernel> for TestKernel {
    fn from(hw: HwKernel) -> Self {
        TestKernel::Hw(hw)
    }
}

macro_rules! either {
    ($self:ident, $k:ident => $e:expr) => {
        match $self {
            TestKernel::Hw($k) => $e,
            TestKernel::Model($k) => $e,
        }
    };
}

impl Kernel for TestKernel {
    fn pcm(&self) -> &PcmDevice {
        either!(self, k => k.pcm())
    }
    fn transport_kind(&self) -> TransportKind {
        either!(self, k => k.transport_kind())
    }
    fn status(&self) -> RawStatus {
        either!(self, k => k.status())
    }
    fn appl_ptr(&self) -> u64 {
        either!(self, k => k.appl_ptr())
    }
    fn commit(&mut self, appl_ptr: u64) -> Result<()> {
        either!(self, k => k.commit(appl_ptr))
    }
    fn refresh(&mut self) -> Result<()> {
        either!(self, k => k.refresh())
    }
    fn hwsync(&mut self) -> Result<()> {
        either!(self, k => k.hwsync())
    }
    fn set_avail_min(&mut self, frames: u64) {
        either!(self, k => k.set_avail_min(frames))
    }
    fn avail_min(&self) -> u64 {
        either!(self, k => k.avail_min())
    }
    fn command(&mut self, command: Command) -> Result<()> {
        either!(self, k => k.command(command))
    }
    fn sw_params(&mut self, sw: &SwParams) -> Result<()> {
        either!(self, k => k.sw_params(sw))
    }
    fn wait(&mut self, timeout_ms: u32) -> Result<Readiness> {
        either!(self, k => k.wait(timeout_ms))
    }
    fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64> {
        either!(self, k => k.move_appl(frames, back))
    }
    fn sleep(&mut self, nanos: u64) {
        either!(self, k => k.sleep(nanos))
    }
    fn start_drain(&mut self) -> Result<()> {
        either!(self, k => k.start_drain())
    }
    fn delay(&self) -> Result<i64> {
        either!(self, k => k.delay())
    }
    fn buffer(&self) -> (NonNull<u8>, usize) {
        either!(self, k => k.buffer())
    }
}

/// Values the model can report instead of the truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hostile {
    /// `hw_ptr` of `u64::MAX` (or the top of a 32-bit counter).
    HwPtrMax,
    /// `hw_ptr` at the boundary.
    HwPtrAtBoundary,
    /// `appl_ptr` read back beyond `hw_ptr + boundary`.
    ApplBeyond,
    /// A state number the ABI does not define.
    State,
}

/// The kernel's side: what `struct snd_pcm_runtime` would hold.
#[derive(Debug)]
pub(crate) struct Truth {
    pub capture: bool,
    pub mapped: bool,
    pub rate: u64,
    pub buffer: u64,
    pub period: u64,
    pub boundary: u64,
    pub stop_threshold: u64,
    pub state: i32,
    /// The state a suspend interrupted.
    pub suspended_state: i32,
    pub hw_ptr: u64,
    pub appl_ptr: u64,
    pub avail_min: u64,
    /// Frames the hardware moves per tick.
    pub tick: u64,
    /// The hardware does not move: waits time out, drains fail.
    pub stalled: bool,
    /// The clock (frames) at which the card is disconnected while the hardware moves (a USB
    /// device pulled out mid-stream or mid-drain).
    pub disconnect_at: Option<u64>,
    /// No period interrupts (`SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP`): nothing moves the
    /// position but the process's own position updates, so a blocking `DRAIN` never returns.
    pub no_period_wakeup: bool,
    pub can_resume: bool,
    /// The driver's `ack` refuses the next pointer update (`EPIPE`).
    pub ack_fails: bool,
    pub hostile: Option<Hostile>,
    /// Xruns the kernel declared.
    pub xruns: u32,
    /// Frames moved by rewinds and forwards.
    pub moved_appl: u64,
    /// Timer sleeps (a timer-scheduled stream's waits).
    pub sleeps: u32,
    /// Frames the position moves at a time during timer sleeps (0: the exact time slept),
    /// as a driver whose pointer shows the DMA in chunks (qemu's HDA codec).
    pub pointer_step: u64,
    /// Frames slept that the stepped position does not show yet.
    slept_unshown: u64,
    /// Polls (a period-mode stream's waits).
    pub polls: u32,
    /// Virtual time, in frames at the stream's rate.
    pub clock: u64,
    /// Waits that returned ready at once with nothing changed since the previous one.
    pub empty_waits: u32,
    /// Empty waits in a row (a busy loop if it grows without bound).
    pub empty_in_a_row: u32,
    last_ready: Option<(u64, u64, i32, u64)>,
    /// Exchanges (`SYNC_PTR` ioctls) made.
    pub exchanges: u32,
    /// The exchange count when a linked partner last moved the pointers (or the model last
    /// changed what it reports): until the stream exchanges again, its `SYNC_PTR` cache is
    /// stale by nature.
    pub stale_since: Option<u32>,
    /// Exchanges and commands, to catch a loop that never waits.
    pub calls: u32,
    /// DMA buffer start, to locate slices.
    pub dma: usize,
    /// Bytes per frame.
    pub frame_bytes: usize,
    /// `silence_threshold` and `silence_size` of the last `SW_PARAMS`.
    pub silence_threshold: u64,
    pub silence_size: u64,
    /// `runtime->silence_start` and `silence_filled`.
    silence_start: u64,
    silence_filled: u64,
    /// When set, what the hardware plays: the first sample (`i16`) of each frame.
    pub heard: Option<Vec<i16>>,
    /// Mapped: frames the hardware moves between two reads of the status page (an
    /// interrupt that lands while the process reads it).
    pub moves_per_status_read: u64,
    /// Raised by every `PREPARE` (to stop a `run_until` from inside a recovery).
    pub raise_on_prepare: Option<&'static StopFlag>,
}

impl Truth {
    /// Whether the process's `SYNC_PTR` cache may disagree with the kernel for a reason of
    /// the kernel's (see `stale_since`).
    pub(crate) fn cache_is_stale(&self) -> bool {
        self.stale_since == Some(self.exchanges) && !self.mapped
    }

    /// `snd_pcm_playback_avail` / `snd_pcm_capture_avail` with the kernel's pointers.
    pub(crate) fn avail(&self) -> u64 {
        if self.capture {
            ring::capture_avail(self.hw_ptr, self.appl_ptr, self.boundary)
        } else {
            ring::playback_avail(self.hw_ptr, self.appl_ptr, self.buffer, self.boundary)
        }
    }

    fn queued(&self) -> u64 {
        ring::playback_queued(self.hw_ptr, self.appl_ptr, self.buffer, self.boundary)
    }

    /// `__snd_pcm_xrun`: a new xrun unless the stream is in one already.
    fn xrun(&mut self) {
        if self.state != abi::SNDRV_PCM_STATE_XRUN {
            self.xruns += 1;
        }
        self.state = abi::SNDRV_PCM_STATE_XRUN;
    }

    /// The hardware moves `frames` (at most a period per step, as interrupts do), then the
    /// kernel checks the stop threshold (`snd_pcm_update_state`).
    pub(crate) fn hardware(&mut self, mut frames: u64) {
        while frames > 0 {
            let running = self.state == abi::SNDRV_PCM_STATE_RUNNING
                || (self.state == abi::SNDRV_PCM_STATE_DRAINING && !self.capture);
            if !running {
                return;
            }
            let step = frames.min(self.period);
            if self.disconnect_at.is_some_and(|at| self.clock + step >= at) {
                self.disconnect();
                return;
            }
            frames -= step;
            self.play(step);
            self.hw_ptr = ring::advance(self.hw_ptr, step, self.boundary);
            self.clock += step;
            self.playback_silence();
            let avail = self.avail();
            if self.state == abi::SNDRV_PCM_STATE_DRAINING && avail >= self.buffer {
                self.state = abi::SNDRV_PCM_STATE_SETUP;
            } else if avail >= self.stop_threshold {
                self.xrun();
            }
        }
    }

    /// Records the `frames` frames from `hw_ptr` as heard, when recording.
    fn play(&mut self, frames: u64) {
        let Some(heard) = self.heard.as_mut() else {
            return;
        };
        for frame in 0..frames {
            let at = ring::offset(self.hw_ptr + frame, self.buffer) as usize * self.frame_bytes;
            // SAFETY: `at` is a frame within the DMA buffer (`buffer` frames of
            // `frame_bytes` from `dma`, allocated by `KernelModel::new`), each frame holds at
            // least one `i16`, and nothing else accesses the buffer during this call.
            heard.push(unsafe { core::ptr::read_unaligned((self.dma + at) as *const i16) });
        }
    }

    /// `snd_pcm_playback_silence` in threshold mode (`silence_size` below the boundary):
    /// silence after the application pointer while fewer than `silence_threshold` frames
    /// are queued or already silenced, at most `silence_size` at a time.
    ///
    /// With `silence_size` at the boundary (top-up mode, keep-running streams), as Linux 6.5
    /// and later do it: silence from the application pointer up to a buffer ahead of the
    /// hardware, never what the program wrote there without committing it (counted as
    /// silenced already), and nothing once the hardware has passed the application pointer.
    fn playback_silence(&mut self) {
        if self.capture || self.silence_size == 0 {
            return;
        }
        let appl = self.appl_ptr;
        if self.silence_start != appl {
            let moved = (appl + self.boundary - self.silence_start) % self.boundary;
            self.silence_filled = self.silence_filled.saturating_sub(moved);
            self.silence_start = appl;
        }
        // Past the application pointer (an underrun) this is near the boundary: no fill.
        let noise = (appl + self.boundary - self.hw_ptr) % self.boundary + self.silence_filled;
        let (threshold, size) = if self.silence_size >= self.boundary {
            (self.buffer, self.buffer)
        } else {
            (self.silence_threshold, self.silence_size)
        };
        if noise >= threshold {
            return;
        }
        let frames = (threshold - noise).min(size);
        let start = self.silence_start + self.silence_filled;
        for frame in 0..frames {
            let at = ring::offset(start + frame, self.buffer) as usize * self.frame_bytes;
            // SAFETY: as in `play`; the frame is written with zero bytes (silence of the
            // tests' signed formats).
            unsafe { core::ptr::write_bytes((self.dma + at) as *mut u8, 0, self.frame_bytes) };
        }
        self.silence_filled += frames;
    }

    /// `snd_pcm_rewind` / `snd_pcm_forward`: in the prepared, running, paused and draining
    /// states (`EBADFD` otherwise, `EPIPE` in an xrun), by at most the frames the hardware
    /// has not reached (`snd_pcm_hw_avail`, rewind) or the available ones (forward).
    pub(crate) fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64> {
        use abi::*;
        let op = if back { Op::Rewind } else { Op::Forward };
        self.gone(op)?;
        match self.state {
            SNDRV_PCM_STATE_PREPARED
            | SNDRV_PCM_STATE_RUNNING
            | SNDRV_PCM_STATE_PAUSED
            | SNDRV_PCM_STATE_DRAINING => {}
            SNDRV_PCM_STATE_XRUN => return Err(Error::sys(op, Errno::PIPE)),
            _ => return Err(Error::sys(op, Errno::BADFD)),
        }
        let avail = self.avail().min(self.buffer);
        let limit = if back { self.buffer - avail } else { avail };
        let moved = frames.min(limit);
        self.appl_ptr = if back {
            ring::advance(self.appl_ptr, self.boundary - moved, self.boundary)
        } else {
            ring::advance(self.appl_ptr, moved, self.boundary)
        };
        self.moved_appl += moved;
        Ok(moved)
    }

    /// `pcm_lib_apply_appl_ptr`.
    fn apply_appl_ptr(&mut self, appl: u64) -> Result<()> {
        if appl == self.appl_ptr {
            return Ok(());
        }
        if appl >= self.boundary {
            return Err(Error::sys(Op::SyncPtr, Errno::INVAL));
        }
        if self.ack_fails {
            self.ack_fails = false;
            self.xrun();
            return Err(Error::sys(Op::SyncPtr, Errno::PIPE));
        }
        self.appl_ptr = appl;
        Ok(())
    }

    fn reported(&self) -> RawStatus {
        let mut status = RawStatus {
            state: self.state,
            hw_ptr: self.hw_ptr,
            tstamp_sec: (self.clock / self.rate) as i64,
            tstamp_nsec: ((self.clock % self.rate) * 1_000_000_000 / self.rate) as i64,
            audio_tstamp_sec: (self.hw_ptr / self.rate) as i64,
            audio_tstamp_nsec: ((self.hw_ptr % self.rate) * 1_000_000_000 / self.rate) as i64,
        };
        match self.hostile {
            Some(Hostile::HwPtrMax) => status.hw_ptr = u64::MAX,
            Some(Hostile::HwPtrAtBoundary) => status.hw_ptr = self.boundary,
            Some(Hostile::State) => status.state = 99,
            _ => {}
        }
        status
    }

    fn reported_appl(&self, appl: u64) -> u64 {
        match self.hostile {
            Some(Hostile::ApplBeyond) => self.hw_ptr + self.boundary + 1,
            _ => appl,
        }
    }

    fn in_state(&self, states: &[i32]) -> bool {
        states.contains(&self.state)
    }

    /// The card's disconnect (`snd_card_disconnect`, then `snd_pcm_dev_disconnect`): the
    /// stream stops in the `DISCONNECTED` state (no xrun), and its waiters wake. The process's
    /// `SYNC_PTR` record can no longer be refreshed: it stays as it was.
    pub(crate) fn disconnect(&mut self) {
        self.state = abi::SNDRV_PCM_STATE_DISCONNECTED;
        self.stale_since = Some(self.exchanges);
    }

    /// `ENODEV` once the card is disconnected (its file operations replaced by
    /// `snd_shutdown_f_ops`), as the crate's ioctl wrapper turns it into an error.
    fn gone(&self, op: Op) -> Result<()> {
        if self.state == abi::SNDRV_PCM_STATE_DISCONNECTED {
            return Err(Error::on_device(op, Errno::NODEV));
        }
        Ok(())
    }

    /// A linked partner's `PREPARE`: this stream is prepared too, behind its back.
    pub(crate) fn partner_prepares(&mut self) {
        self.stale_since = Some(self.exchanges);
        if !self.in_state(&[abi::SNDRV_PCM_STATE_OPEN, abi::SNDRV_PCM_STATE_DISCONNECTED]) {
            self.prepare_now();
        }
    }

    fn prepare_now(&mut self) {
        self.hw_ptr = 0;
        self.appl_ptr = 0;
        self.silence_start = 0;
        self.silence_filled = 0;
        self.state = abi::SNDRV_PCM_STATE_PREPARED;
        if let Some(flag) = self.raise_on_prepare {
            flag.raise();
        }
    }

    /// `SW_PARAMS` after setup (`snd_pcm_sw_params`): the thresholds, and the silence filled
    /// at once if the stream runs; then, on a running stream, `snd_pcm_update_state` with
    /// the new thresholds: avail at the stop threshold is an xrun (EPIPE, the parameters
    /// kept), a draining stream played out is set up (EPIPE too).
    fn set_sw_params(&mut self, sw: &SwParams) -> Result<()> {
        self.gone(Op::SwParams)?;
        let invalid = Err(Error::sys(Op::SwParams, Errno::INVAL));
        if sw.avail_min == 0 || sw.silence_size > sw.silence_threshold || sw.silence_threshold > self.buffer {
            return invalid;
        }
        self.avail_min = sw.avail_min;
        self.stop_threshold = sw.stop_threshold;
        self.silence_threshold = sw.silence_threshold;
        self.silence_size = sw.silence_size;
        if !self.in_state(&[abi::SNDRV_PCM_STATE_RUNNING, abi::SNDRV_PCM_STATE_DRAINING])
            || (self.capture && self.state == abi::SNDRV_PCM_STATE_DRAINING)
        {
            return Ok(());
        }
        self.playback_silence();
        let avail = self.avail();
        if self.state == abi::SNDRV_PCM_STATE_DRAINING && avail >= self.buffer {
            self.state = abi::SNDRV_PCM_STATE_SETUP;
        } else if self.state == abi::SNDRV_PCM_STATE_RUNNING && avail >= self.stop_threshold {
            self.xrun();
        } else {
            return Ok(());
        }
        Err(Error::sys(Op::SwParams, Errno::PIPE))
    }

    fn command(&mut self, command: Command) -> Result<()> {
        use abi::*;
        let bad = |op| Err(Error::sys(op, Errno::BADFD));
        self.gone(Op::Prepare)?;
        match command {
            Command::Prepare => {
                if self.state == SNDRV_PCM_STATE_RUNNING || self.state == SNDRV_PCM_STATE_DRAINING {
                    return Err(Error::sys(Op::Prepare, Errno::BUSY));
                }
                self.prepare_now();
            }
            Command::Start => {
                if self.state != SNDRV_PCM_STATE_PREPARED {
                    return bad(Op::Start);
                }
                if !self.capture && self.queued() == 0 {
                    return Err(Error::sys(Op::Start, Errno::PIPE));
                }
                self.state = SNDRV_PCM_STATE_RUNNING;
                self.playback_silence();
            }
            Command::Drop => {
                if self.state == SNDRV_PCM_STATE_OPEN {
                    return bad(Op::Drop);
                }
                self.state = SNDRV_PCM_STATE_SETUP;
            }
            Command::Drain => {
                if self.state == SNDRV_PCM_STATE_OPEN {
                    return bad(Op::Drain);
                }
                if self.capture {
                    self.state = SNDRV_PCM_STATE_SETUP;
                    return Ok(());
                }
                match self.state {
                    SNDRV_PCM_STATE_PREPARED if self.queued() > 0 => {
                        self.state = SNDRV_PCM_STATE_DRAINING;
                        self.playback_silence();
                    }
                    SNDRV_PCM_STATE_RUNNING | SNDRV_PCM_STATE_PAUSED => self.state = SNDRV_PCM_STATE_DRAINING,
                    SNDRV_PCM_STATE_DRAINING => {}
                    _ => self.state = SNDRV_PCM_STATE_SETUP,
                }
                assert!(
                    !(self.no_period_wakeup && self.state == SNDRV_PCM_STATE_DRAINING),
                    "a blocking DRAIN without period interrupts never returns"
                );
                while self.state == SNDRV_PCM_STATE_DRAINING {
                    if self.stalled {
                        self.state = SNDRV_PCM_STATE_SETUP;
                        return Err(Error::sys(Op::Drain, rustix::io::Errno::IO));
                    }
                    self.hardware(self.tick);
                }
                // `snd_pcm_drain` woken by the disconnect: `card->shutdown`, `ENODEV`.
                self.gone(Op::Drain)?;
            }
            Command::Reset => {
                if !self.in_state(&[
                    SNDRV_PCM_STATE_RUNNING,
                    SNDRV_PCM_STATE_PREPARED,
                    SNDRV_PCM_STATE_PAUSED,
                    SNDRV_PCM_STATE_SUSPENDED,
                ]) {
                    return bad(Op::Reset);
                }
                if self.state == SNDRV_PCM_STATE_RUNNING {
                    self.hw_ptr %= self.buffer;
                } else {
                    self.hw_ptr = 0;
                }
                self.appl_ptr = self.hw_ptr;
            }
            Command::Resume => {
                if self.state != SNDRV_PCM_STATE_SUSPENDED {
                    return bad(Op::Resume);
                }
                if !self.can_resume {
                    return Err(Error::sys(Op::Resume, rustix::io::Errno::NOSYS));
                }
                self.state = self.suspended_state;
            }
            Command::Pause(push) => {
                let (from, to) = if push {
                    (SNDRV_PCM_STATE_RUNNING, SNDRV_PCM_STATE_PAUSED)
                } else {
                    (SNDRV_PCM_STATE_PAUSED, SNDRV_PCM_STATE_RUNNING)
                };
                if self.state != from {
                    return bad(Op::Pause);
                }
                self.state = to;
            }
        }
        Ok(())
    }

    /// `snd_pcm_poll` and the wait: ready at `avail_min`, an error outside the streaming
    /// states; the hardware moves while the caller sleeps.
    pub(crate) fn wait(&mut self, timeout_ms: u32) -> Readiness {
        use abi::*;
        self.polls += 1;
        let budget = u64::from(timeout_ms) * self.rate / 1000;
        let start = self.clock;
        let mut slept = false;
        loop {
            if !self.in_state(&[
                SNDRV_PCM_STATE_PREPARED,
                SNDRV_PCM_STATE_RUNNING,
                SNDRV_PCM_STATE_PAUSED,
                SNDRV_PCM_STATE_DRAINING,
            ]) {
                return Readiness::Error;
            }
            // A draining playback stream gives no events; a draining capture stream is ready
            // (with an error once empty, which the model's drain never leaves it in).
            let draining = self.state == SNDRV_PCM_STATE_DRAINING;
            if (draining && self.capture) || (!draining && self.avail() >= self.avail_min) {
                let now = (self.hw_ptr, self.appl_ptr, self.state, self.avail_min);
                if !slept && self.last_ready == Some(now) {
                    self.empty_waits += 1;
                    self.empty_in_a_row += 1;
                    assert!(
                        self.empty_in_a_row < 1000,
                        "busy loop: the stream keeps waiting with nothing to do"
                    );
                } else {
                    self.empty_in_a_row = 0;
                }
                self.last_ready = Some(now);
                return Readiness::Ready;
            }
            let moving = (self.state == SNDRV_PCM_STATE_RUNNING || (draining && !self.capture))
                && !self.stalled
                && self.tick > 0;
            if !moving || self.clock - start >= budget {
                self.clock = start + budget;
                self.last_ready = None;
                return Readiness::TimedOut;
            }
            slept = true;
            // An interrupt at most every period: the waiter is woken as soon as it is due.
            self.hardware(self.tick.min(self.period));
        }
    }
}

/// The model: the kernel's truth, the process's view of it through the transport, and a DMA
/// buffer.
#[derive(Debug)]
pub(crate) struct KernelModel {
    pcm: PcmDevice,
    /// Shared with the test, which inspects and steers it between the stream's calls.
    pub truth: Rc<RefCell<Truth>>,
    /// What the last `SYNC_PTR` gave this process (unused when mapped).
    cached_status: RawStatus,
    cached_appl: u64,
    cached_avail_min: u64,
    /// The DMA buffer, written by the stream through raw pointers (hence not a `Box` field).
    dma: NonNull<u64>,
    dma_words: usize,
}

impl Drop for KernelModel {
    fn drop(&mut self) {
        let words = core::ptr::slice_from_raw_parts_mut(self.dma.as_ptr(), self.dma_words);
        // SAFETY: `dma` and `dma_words` are the boxed slice leaked by `new`, freed only here.
        drop(unsafe { Box::from_raw(words) });
    }
}

/// What the model is set up with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelSetup {
    pub capture: bool,
    pub mapped: bool,
    pub channels: u32,
    pub sample_bytes: usize,
    pub rate: u32,
    pub period: u64,
    pub periods: u64,
    pub boundary: u64,
    pub start_threshold: u64,
    pub stop_threshold: u64,
    pub avail_min: u64,
    pub tick: u64,
}

impl KernelModel {
    /// A model in the setup state, as after `HW_PARAMS` and `SW_PARAMS`.
    pub(crate) fn new(setup: &ModelSetup) -> Self {
        let buffer = setup.period * setup.periods;
        let frame_bytes = setup.channels as usize * setup.sample_bytes;
        let words = (buffer as usize * frame_bytes).div_ceil(8).max(1);
        let dma = NonNull::from(Box::leak(vec![0u64; words].into_boxed_slice())).cast::<u64>();
        let truth = Truth {
            capture: setup.capture,
            mapped: setup.mapped,
            rate: u64::from(setup.rate),
            buffer,
            period: setup.period,
            boundary: setup.boundary,
            stop_threshold: setup.stop_threshold,
            state: abi::SNDRV_PCM_STATE_SETUP,
            suspended_state: 0,
            hw_ptr: 0,
            appl_ptr: 0,
            avail_min: setup.avail_min,
            tick: setup.tick,
            stalled: false,
            disconnect_at: None,
            no_period_wakeup: false,
            can_resume: true,
            ack_fails: false,
            hostile: None,
            xruns: 0,
            moved_appl: 0,
            sleeps: 0,
            pointer_step: 0,
            slept_unshown: 0,
            polls: 0,
            clock: 0,
            empty_waits: 0,
            empty_in_a_row: 0,
            last_ready: None,
            exchanges: 0,
            stale_since: None,
            calls: 0,
            dma: dma.as_ptr() as usize,
            frame_bytes,
            silence_threshold: 0,
            silence_size: 0,
            silence_start: 0,
            silence_filled: 0,
            heard: None,
            moves_per_status_read: 0,
            raise_on_prepare: None,
        };
        KernelModel {
            pcm: PcmDevice::for_tests(if setup.capture {
                Direction::Capture
            } else {
                Direction::Playback
            }),
            cached_status: truth.reported(),
            cached_appl: 0,
            cached_avail_min: setup.avail_min,
            truth: Rc::new(RefCell::new(truth)),
            dma,
            dma_words: words,
        }
    }

    fn mapped(&self) -> bool {
        self.truth.borrow().mapped
    }

    /// One `SYNC_PTR`: `apply_appl` false is the `APPL` flag (read the kernel's pointer).
    fn exchange(&mut self, apply_appl: bool) -> Result<()> {
        let mut truth = self.truth.borrow_mut();
        truth.gone(Op::SyncPtr)?;
        truth.exchanges += 1;
        truth.calls += 1;
        assert!(
            truth.calls < 100_000,
            "the stream keeps calling the kernel: a loop without progress"
        );
        if apply_appl {
            truth.apply_appl_ptr(self.cached_appl)?;
        }
        truth.avail_min = self.cached_avail_min;
        self.cached_status = truth.reported();
        self.cached_appl = truth.reported_appl(truth.appl_ptr);
        Ok(())
    }
}

impl Kernel for KernelModel {
    fn pcm(&self) -> &PcmDevice {
        &self.pcm
    }

    fn transport_kind(&self) -> TransportKind {
        if self.mapped() {
            TransportKind::Mapped
        } else {
            TransportKind::SyncPtr
        }
    }

    fn status(&self) -> RawStatus {
        let mut truth = self.truth.borrow_mut();
        if truth.mapped {
            let status = truth.reported();
            let moves = truth.moves_per_status_read;
            truth.hardware(moves);
            status
        } else {
            self.cached_status
        }
    }

    fn appl_ptr(&self) -> u64 {
        let truth = self.truth.borrow();
        if truth.mapped {
            truth.reported_appl(truth.appl_ptr)
        } else {
            self.cached_appl
        }
    }

    fn commit(&mut self, appl_ptr: u64) -> Result<()> {
        if self.mapped() {
            self.truth.borrow_mut().appl_ptr = appl_ptr;
            return Ok(());
        }
        let before = self.cached_appl;
        self.cached_appl = appl_ptr;
        let result = self.exchange(true);
        if result.is_err() {
            self.cached_appl = before;
        }
        result
    }

    fn refresh(&mut self) -> Result<()> {
        if self.mapped() {
            return Ok(());
        }
        self.exchange(false)
    }

    fn hwsync(&mut self) -> Result<()> {
        if self.mapped() {
            // `HWSYNC`: refused after a disconnect; in the other states it fails in, the
            // transport ignores the failure.
            return self.truth.borrow().gone(Op::HwSync);
        }
        self.refresh()
    }

    fn set_avail_min(&mut self, frames: u64) {
        if self.mapped() {
            self.truth.borrow_mut().avail_min = frames;
        } else {
            self.cached_avail_min = frames;
        }
    }

    fn avail_min(&self) -> u64 {
        if self.mapped() {
            self.truth.borrow().avail_min
        } else {
            self.cached_avail_min
        }
    }

    fn command(&mut self, command: Command) -> Result<()> {
        let mut truth = self.truth.borrow_mut();
        truth.calls += 1;
        assert!(
            truth.calls < 100_000,
            "the stream keeps calling the kernel: a loop without progress"
        );
        truth.command(command)
    }

    fn sw_params(&mut self, sw: &SwParams) -> Result<()> {
        let mut truth = self.truth.borrow_mut();
        truth.calls += 1;
        truth.set_sw_params(sw)
    }

    fn wait(&mut self, timeout_ms: u32) -> Result<Readiness> {
        Ok(self.truth.borrow_mut().wait(timeout_ms))
    }

    fn move_appl(&mut self, frames: u64, back: bool) -> Result<u64> {
        let mut truth = self.truth.borrow_mut();
        truth.calls += 1;
        truth.move_appl(frames, back)
    }

    fn sleep(&mut self, nanos: u64) {
        let mut truth = self.truth.borrow_mut();
        truth.calls += 1;
        truth.sleeps += 1;
        let mut frames = nanos * truth.rate / 1_000_000_000;
        if truth.pointer_step > 0 {
            let slept = truth.slept_unshown + frames;
            frames = slept - slept % truth.pointer_step;
            truth.slept_unshown = slept - frames;
        }
        if !truth.stalled {
            truth.hardware(frames);
        }
    }

    fn start_drain(&mut self) -> Result<()> {
        use abi::*;
        let mut truth = self.truth.borrow_mut();
        truth.calls += 1;
        truth.gone(Op::Drain)?;
        if truth.state == SNDRV_PCM_STATE_OPEN {
            return Err(Error::sys(Op::Drain, Errno::BADFD));
        }
        if truth.capture {
            truth.state = SNDRV_PCM_STATE_SETUP;
            return Ok(());
        }
        match truth.state {
            SNDRV_PCM_STATE_PREPARED if truth.queued() > 0 => {
                truth.state = SNDRV_PCM_STATE_DRAINING;
                truth.playback_silence();
            }
            SNDRV_PCM_STATE_RUNNING | SNDRV_PCM_STATE_PAUSED => truth.state = SNDRV_PCM_STATE_DRAINING,
            SNDRV_PCM_STATE_DRAINING => {}
            _ => truth.state = SNDRV_PCM_STATE_SETUP,
        }
        Ok(())
    }

    fn delay(&self) -> Result<i64> {
        let truth = self.truth.borrow();
        truth.gone(Op::Delay)?;
        Ok(if truth.capture {
            truth.avail() as i64
        } else {
            truth.queued() as i64
        })
    }

    fn buffer(&self) -> (NonNull<u8>, usize) {
        (self.dma.cast::<u8>(), self.dma_words * 8)
    }
}
