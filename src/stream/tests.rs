//! The period loop against the kernel model (`model.rs`): one test per defect the audit
//! found, then a property test driving every stream operation in arbitrary orders.

use std::boxed::Box;
use std::cell::RefCell;
use std::rc::Rc;
use std::vec;
use std::vec::Vec;

use core::ops::ControlFlow;

use proptest::prelude::*;

use super::model::{Hostile, KernelModel, ModelSetup, TestKernel, Truth};
use super::*;
use crate::abi;
use crate::error::{Error, Result};
use crate::params::Format;
use crate::params::Negotiated;
use crate::ring;
use crate::test_support::cases;
use crate::transport::TransportKind;

mod disconnect;

pub(super) type Shared = Rc<RefCell<Truth>>;

pub(super) fn setup(capture: bool, mapped: bool) -> ModelSetup {
    ModelSetup {
        capture,
        mapped,
        channels: 2,
        sample_bytes: 2,
        rate: 48_000,
        period: 256,
        periods: 4,
        boundary: 1024 << 20,
        start_threshold: if capture { 1 } else { 1024 },
        stop_threshold: 1024,
        avail_min: 256,
        tick: 256,
    }
}

/// A stream of `i16` over the model, prepared, and the model's shared truth.
pub(super) fn open<D: StreamDirection>(
    model: &ModelSetup,
    policy: XrunPolicy,
) -> Result<(MmapStream<i16, D>, Shared)> {
    assert_eq!(model.capture, D::DIRECTION == Direction::Capture);
    let buffer = model.period * model.periods;
    let kernel = KernelModel::new(model);
    let truth = kernel.truth.clone();
    let negotiated = Negotiated {
        format: Format::S16Le,
        channels: model.channels,
        rate: model.rate,
        period_size: model.period as u32,
        periods: model.periods as u32,
        buffer_size: buffer as u32,
    };
    let setup = Setup {
        negotiated,
        boundary: model.boundary,
        start_threshold: model.start_threshold,
        stop_threshold: model.stop_threshold,
        avail_min: model.avail_min,
        transport: if model.mapped {
            TransportKind::Mapped
        } else {
            TransportKind::SyncPtr
        },
        can_pause: true,
        can_resume: true,
        msbits: 16,
        protocol: abi::SNDRV_PCM_VERSION,
        timeout_ms: timeout_ms(0, &negotiated),
        timestamp_clock: TimestampClock::Monotonic,
        wakeups: Wakeups::PeriodInterrupts,
    };
    let mut stream = MmapStream::assemble(TestKernel::Model(Box::new(kernel)), setup, policy)?;
    stream.prepare()?;
    Ok((stream, truth))
}

/// Panics unless `slice` (handed out by the stream) lies within the frames the kernel has
/// given the application: free (playback) or filled (capture) from its `appl_ptr`.
pub(super) fn assert_owned_by_application<T>(truth: &Truth, slice: &[T]) {
    if slice.is_empty() {
        return;
    }
    let bytes = core::mem::size_of_val(slice);
    let offset = (slice.as_ptr() as usize - truth.dma) / truth.frame_bytes;
    let frames = (bytes / truth.frame_bytes) as u64;
    let from_appl = (offset as u64 + truth.buffer - truth.appl_ptr % truth.buffer) % truth.buffer;
    let avail = truth.avail().min(truth.buffer);
    assert!(
        from_appl + frames <= avail,
        "slice of {frames} frames {from_appl} after appl_ptr {} but the kernel gives only {avail} (hw_ptr {})",
        truth.appl_ptr,
        truth.hw_ptr
    );
}

/// Runs `periods` periods of playback, checking each slice against the kernel.
fn play(stream: &mut MmapStream<i16, Playback>, truth: &Shared, periods: u64) -> Result<u64> {
    let mut seen = 0;
    stream.run(|period, _| {
        assert_owned_by_application(&truth.borrow(), period);
        period.fill(1);
        seen += 1;
        if seen >= periods {
            ControlFlow::Break(seen)
        } else {
            ControlFlow::Continue(())
        }
    })
}

/// Runs `periods` periods of capture, checking each slice against the kernel.
fn record(stream: &mut MmapStream<i16, Capture>, truth: &Shared, periods: u64) -> Result<u64> {
    let mut seen = 0;
    stream.run(|period, _| {
        assert_owned_by_application(&truth.borrow(), period);
        seen += 1;
        if seen >= periods {
            ControlFlow::Break(seen)
        } else {
            ControlFlow::Continue(())
        }
    })
}

// --- The defects, one test each. -----------------------------------------------------------

/// SYNC_PTR with `avail_min` below the period and a hardware pointer that moves in small
/// steps (USB audio): a wakeup proves only `avail_min` frames, never a whole period. The
/// callback gets no frame the DMA still owns, and capture never commits past `hw_ptr`.
#[test]
fn sync_ptr_with_avail_min_below_the_period_hands_out_only_free_frames() {
    for capture in [false, true] {
        let model = ModelSetup {
            avail_min: 64,
            tick: 48,
            ..setup(capture, false)
        };
        if capture {
            let (mut stream, truth) = open::<Capture>(&model, XrunPolicy::Fail).unwrap();
            assert_eq!(record(&mut stream, &truth, 40).unwrap(), 40);
            assert_eq!(truth.borrow().xruns, 0, "a spurious overrun");
        } else {
            let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
            assert_eq!(play(&mut stream, &truth, 40).unwrap(), 40);
            assert_eq!(truth.borrow().xruns, 0);
        }
    }
}

/// An application pointer off the period boundary (a partial commit), then `run`: a wakeup
/// refreshes what it must, the loop does not spin, and a stalled device times out.
#[test]
fn run_after_a_partial_commit_neither_spins_nor_hangs() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        assert_eq!(stream.begin(10).len(), 20);
        stream.commit(10).unwrap();
        assert_eq!(play(&mut stream, &truth, 20).unwrap(), 20);
        assert_eq!(truth.borrow().empty_waits, 0, "mapped: {mapped}");
        // Part of a period, then a device that stops.
        stream.wait(None).unwrap();
        let frames = stream.begin(7).len() / 2;
        stream.commit(frames).unwrap();
        truth.borrow_mut().stalled = true;
        assert_eq!(play(&mut stream, &truth, 1000), Err(Error::Timeout));
        assert_eq!(truth.borrow().empty_waits, 0, "mapped: {mapped}");
    }
}

/// Mapped transport, `avail_min` below the period: the level-triggered wait would be ready
/// while the loop wants a whole period. No busy wait, and the timeout fires.
#[test]
fn mapped_with_avail_min_below_the_period_does_not_busy_wait() {
    let model = ModelSetup {
        avail_min: 32,
        tick: 32,
        ..setup(false, true)
    };
    let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
    assert_eq!(play(&mut stream, &truth, 30).unwrap(), 30);
    assert_eq!(truth.borrow().empty_waits, 0);
    truth.borrow_mut().stalled = true;
    assert_eq!(play(&mut stream, &truth, 1000), Err(Error::Timeout));
    // The user's own `avail_min` is back in force for `wait`.
    truth.borrow_mut().stalled = false;
    assert_eq!(stream.wait(Some(100)), Ok(true));
    assert_eq!(truth.borrow().avail_min, 32);
}

/// `loop { wait; write }` makes progress on `SYNC_PTR`: `wait` refreshes the status.
#[test]
fn wait_then_write_makes_progress() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        let mut samples = core::iter::repeat(3i16);
        let mut written = 0;
        while written < 48_000 {
            assert!(stream.wait(None).unwrap());
            let frames = stream.write(&mut samples.by_ref().take(2 * 4096)).unwrap();
            written += frames;
        }
        assert!(truth.borrow().empty_waits <= 1, "mapped: {mapped}");
        assert_eq!(stream.xruns(), 0);
    }
}

/// Hostile values from the kernel: an error, never a panic (debug builds check overflow).
#[test]
fn hostile_kernel_values_are_bad_kernel_value() {
    for hostile in [
        Hostile::HwPtrMax,
        Hostile::HwPtrAtBoundary,
        Hostile::ApplBeyond,
        Hostile::State,
    ] {
        for mapped in [false, true] {
            let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Recover).unwrap();
            play(&mut stream, &truth, 4).unwrap();
            truth.borrow_mut().hostile = Some(hostile);
            assert_eq!(stream.avail(), Err(Error::BadKernelValue), "{hostile:?}");
            assert_eq!(
                play(&mut stream, &truth, 4),
                Err(Error::BadKernelValue),
                "{hostile:?}"
            );
            assert!(stream.begin(usize::MAX).is_empty() || hostile == Hostile::State);
            assert!(stream.status().is_err());
        }
    }
}

/// What the kernel chose at setup is checked before it is divided by or mapped.
#[test]
fn inconsistent_setups_are_refused() {
    let negotiated = |period_size, periods, buffer_size| Negotiated {
        format: Format::S16Le,
        channels: 2,
        rate: 48_000,
        period_size,
        periods,
        buffer_size,
    };
    assert_eq!(check_negotiated(&negotiated(0, 0, 0)), Err(Error::BadKernelValue));
    assert_eq!(
        check_negotiated(&negotiated(256, 0, 0)),
        Err(Error::BadKernelValue)
    );
    assert_eq!(
        check_negotiated(&negotiated(256, 4, 1000)),
        Err(Error::BadKernelValue)
    );
    assert_eq!(check_negotiated(&negotiated(256, 4, 1024)), Ok(()));
    // A zero buffer, a boundary that is not whole buffers, one the ring sums overflow.
    for boundary in [0, 1000, 1024 * 3 + 1, u64::MAX - 1] {
        let model = ModelSetup {
            boundary,
            ..setup(false, false)
        };
        assert!(matches!(
            open::<Playback>(&model, XrunPolicy::Fail),
            Err(Error::BadKernelValue)
        ));
    }
}

/// `begin` hands frames out; reset, stop, drain and resume move the pointer, after which
/// nothing handed out before can be committed.
#[test]
fn what_begin_handed_out_ends_with_a_pointer_move() {
    type Step = fn(&mut MmapStream<i16, Playback>) -> Result<()>;
    let moves: [(&str, Step); 4] = [
        ("reset", |s| s.reset()),
        ("stop", |s| s.stop()),
        ("drain", |s| s.drain()),
        ("resume", |s| s.resume()),
    ];
    for (name, step) in moves {
        let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 6).unwrap();
        assert!(stream.wait(None).unwrap());
        assert!(!stream.begin(100).is_empty(), "{name}");
        if name == "resume" {
            let mut t = truth.borrow_mut();
            t.suspended_state = t.state;
            t.state = abi::SNDRV_PCM_STATE_SUSPENDED;
        }
        step(&mut stream).unwrap();
        assert_eq!(stream.commit(100), Err(Error::CommitTooLarge), "{name}");
        assert_eq!(stream.appl_ptr(), truth.borrow().appl_ptr, "{name}");
    }
}

/// A driver's `ack` refusing the new pointer (`EPIPE` from `SYNC_PTR`) is an xrun for the
/// policy, counted once; the cached pointer stays the kernel's.
#[test]
fn sync_ptr_epipe_is_an_xrun() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    play(&mut stream, &truth, 6).unwrap();
    truth.borrow_mut().ack_fails = true;
    assert_eq!(play(&mut stream, &truth, 1), Err(Error::Xrun));
    assert_eq!(stream.xruns(), 1);
    assert_eq!(stream.appl_ptr(), truth.borrow().appl_ptr);
    stream.recover(Error::Xrun).unwrap();
    assert_eq!(play(&mut stream, &truth, 8).unwrap(), 8);
    assert_eq!(stream.xruns(), 1);

    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Recover).unwrap();
    play(&mut stream, &truth, 6).unwrap();
    truth.borrow_mut().ack_fails = true;
    assert_eq!(play(&mut stream, &truth, 8).unwrap(), 8);
    assert_eq!((stream.xruns(), truth.borrow().xruns), (1, 1));
}

/// A linked partner's prepare moves this stream's pointer in the kernel; the stale cached
/// `SYNC_PTR` record is not written back over it.
#[test]
fn a_linked_partners_prepare_is_not_overwritten() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    stream.linked.set(true);
    play(&mut stream, &truth, 6).unwrap();
    assert!(stream.wait(None).unwrap());
    assert_eq!(stream.begin(256).len(), 512);
    truth.borrow_mut().partner_prepares();
    stream.commit(256).unwrap();
    assert_eq!(truth.borrow().appl_ptr, 0, "the stale pointer was published");
    assert_eq!(stream.appl_ptr(), 0);
    assert_eq!(play(&mut stream, &truth, 8).unwrap(), 8);
}

/// A program with its own event loop: `try_period` never waits, sets the kernel's
/// `avail_min` so that a poll wakes when a period is whole, and `handle_poll` reads the
/// result; `run_until` ends at the next period after the flag is raised.
#[test]
fn event_loop_integration() {
    use rustix::event::PollFlags;
    for mapped in [false, true] {
        let model = ModelSetup {
            avail_min: 16,
            tick: 16,
            ..setup(false, mapped)
        };
        let (mut stream, truth) = open::<Playback>(&model, XrunPolicy::Fail).unwrap();
        assert_eq!(stream.poll_events(), PollFlags::OUT);
        let mut filled = 0;
        while let Some(flow) = stream
            .try_period(|p, _| {
                p.fill(2);
                ControlFlow::<()>::Continue(())
            })
            .unwrap()
        {
            assert_eq!(flow, ControlFlow::Continue(()));
            filled += 1;
        }
        assert_eq!(filled, 4, "the whole buffer, then nothing to do");
        assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_RUNNING);
        assert_eq!(
            truth.borrow().avail_min,
            256,
            "a poll must wake at a whole period"
        );
        assert_eq!(stream.handle_poll(PollFlags::empty()), Ok(false));
        // Less than a period played: still nothing.
        truth.borrow_mut().hardware(100);
        assert_eq!(
            stream.try_period(|_, _| ControlFlow::<()>::Continue(())),
            Ok(None)
        );
        truth.borrow_mut().hardware(200);
        assert_eq!(stream.handle_poll(PollFlags::OUT), Ok(true));
        assert!(stream
            .try_period(|_, _| ControlFlow::<()>::Continue(()))
            .unwrap()
            .is_some());
        // An underrun reported by the poll is the stream's fault, counted once.
        truth.borrow_mut().hardware(4096);
        assert_eq!(
            stream.handle_poll(PollFlags::OUT | PollFlags::ERR),
            Err(Error::Xrun)
        );
        assert_eq!(stream.handle_poll(PollFlags::ERR), Err(Error::Xrun));
        assert_eq!(stream.xruns(), 1);
        stream.recover(Error::Xrun).unwrap();

        static STOP: StopFlag = StopFlag::new();
        STOP.raise();
        assert_eq!(play_until(&mut stream, &STOP, None), Ok(None));
        STOP.lower();
        assert_eq!(play_until(&mut stream, &STOP, Some(3)), Ok(None));
        assert_eq!(play_until(&mut stream, &STOP, None), Ok(None));
    }
}

/// `run_until` that raises `stop` from its callback after `raise_after` periods (counting
/// them), and breaks with the count after 100.
fn play_until(
    stream: &mut MmapStream<i16, Playback>,
    stop: &StopFlag,
    raise_after: Option<u32>,
) -> Result<Option<u32>> {
    let mut periods = 0;
    let result = stream.run_until(stop, |_, _| {
        periods += 1;
        if Some(periods) == raise_after {
            stop.raise();
        }
        if periods == 100 {
            ControlFlow::Break(periods)
        } else {
            ControlFlow::Continue(())
        }
    });
    if let Some(n) = raise_after {
        assert_eq!(periods, n, "run_until ends at the next period after the flag");
    }
    result
}

/// Counters saturate instead of overflowing.
#[test]
fn counters_do_not_overflow() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Recover).unwrap();
    stream.xruns = u32::MAX;
    stream.position = u64::MAX - 10;
    play(&mut stream, &truth, 2).unwrap();
    truth.borrow_mut().hardware(4096);
    play(&mut stream, &truth, 2).unwrap();
    assert_eq!(stream.xruns(), u32::MAX);
    assert_eq!(stream.position(), u64::MAX);
}

// --- Any interleaving. ---------------------------------------------------------------------

/// One step of the property test: a call on the stream, or something the kernel does.
#[derive(Clone, Debug)]
enum Step {
    Run(u64),
    BeginCommit(usize, usize),
    Write(usize),
    Iter(usize),
    Wait(Option<u32>),
    Avail,
    Status,
    Pause(bool),
    Drain,
    Reset,
    Stop,
    Prepare,
    Start,
    Recover,
    /// The application was late: the hardware moved this many frames meanwhile.
    Late(u64),
    Stall(bool),
    Suspend,
    Resume,
    Hostile(Option<Hostile>),
    AckFails,
    PartnerPrepares,
    TryPeriod,
    Poll(bool),
    /// The card goes now (`None`) or once the hardware has moved this many frames.
    Disconnect(Option<u64>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1u64..12).prop_map(Step::Run),
        2 => (0usize..3000, 0usize..3000).prop_map(|(a, b)| Step::BeginCommit(a, b)),
        2 => (0usize..3000).prop_map(Step::Write),
        2 => (0usize..3000).prop_map(Step::Iter),
        2 => prop_oneof![Just(None), (0u32..50).prop_map(Some)].prop_map(Step::Wait),
        1 => Just(Step::Avail),
        1 => Just(Step::Status),
        1 => any::<bool>().prop_map(Step::Pause),
        1 => Just(Step::Drain),
        1 => Just(Step::Reset),
        1 => Just(Step::Stop),
        1 => Just(Step::Prepare),
        1 => Just(Step::Start),
        1 => Just(Step::Recover),
        2 => (0u64..5000).prop_map(Step::Late),
        1 => any::<bool>().prop_map(Step::Stall),
        1 => Just(Step::Suspend),
        1 => Just(Step::Resume),
        1 => prop_oneof![
            3 => Just(None),
            1 => Just(Some(Hostile::HwPtrMax)),
            1 => Just(Some(Hostile::ApplBeyond)),
            1 => Just(Some(Hostile::State)),
        ]
        .prop_map(Step::Hostile),
        1 => Just(Step::AckFails),
        1 => Just(Step::PartnerPrepares),
        2 => Just(Step::TryPeriod),
        1 => any::<bool>().prop_map(Step::Poll),
        1 => prop_oneof![Just(None), (0u64..3000).prop_map(Some)].prop_map(Step::Disconnect),
    ]
}

fn model_setup() -> impl Strategy<Value = ModelSetup> {
    (
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(64u64), Just(256), Just(100), Just(33)],
        2u64..6,
        0u64..4,
        0u64..3,
        prop_oneof![Just(1u64), Just(48), Just(64), Just(256), Just(300)],
        prop_oneof![Just(0u64), Just(1)],
    )
        .prop_map(
            |(capture, mapped, period, periods, avail_min_quarters, start, tick, stop_never)| {
                let buffer = period * periods;
                let avail_min = if avail_min_quarters == 0 {
                    period
                } else {
                    (period * avail_min_quarters / 4).max(1)
                };
                ModelSetup {
                    capture,
                    mapped,
                    channels: 2,
                    sample_bytes: 2,
                    rate: 48_000,
                    period,
                    periods,
                    boundary: buffer << 20,
                    start_threshold: if capture {
                        1
                    } else {
                        [buffer, period, 1][start as usize]
                    },
                    // Playback never stopping (stop threshold at the boundary) lets avail pass the
                    // buffer, as after an unstopped underrun.
                    stop_threshold: if stop_never == 1 && !capture {
                        buffer << 20
                    } else {
                        buffer
                    },
                    avail_min,
                    tick,
                }
            },
        )
}

/// Applies one step. Errors are allowed (the kernel refuses many of these in many states);
/// panics and broken invariants are not.
fn apply<D: StreamDirection>(
    stream: &mut MmapStream<i16, D>,
    truth: &Shared,
    step: &Step,
    unseen_xruns: &mut u32,
) where
    MmapStream<i16, D>: Ops,
{
    // A prepare or drop that ends an xrun the stream never looked at: the kernel counted it,
    // the stream could not.
    let before = (
        truth.borrow().state,
        truth.borrow().xruns,
        stream.xruns,
        stream.fault_counted,
    );
    match *step {
        Step::Run(periods) => {
            let _ = stream.run_checked(truth, periods);
        }
        Step::BeginCommit(max, commit) => drop(stream.begin_commit(truth, max, commit)),
        Step::Write(frames) => drop(stream.write_or_read(truth, frames)),
        Step::Iter(samples) => drop(stream.write_or_read(truth, samples / 2)),
        Step::Wait(timeout) => drop(stream.wait(timeout)),
        Step::Avail => drop(stream.avail()),
        Step::Status => drop(stream.status()),
        Step::Pause(push) => drop(stream.pause(push)),
        Step::Drain => drop(stream.drain()),
        Step::Reset => drop(stream.reset()),
        Step::Stop => drop(stream.stop()),
        Step::Prepare => drop(stream.prepare()),
        Step::Start => drop(stream.start()),
        Step::Recover => {
            let error = stream.avail().err().unwrap_or(Error::Xrun);
            let _ = stream.recover(error);
        }
        Step::Late(frames) => truth.borrow_mut().hardware(frames),
        Step::Stall(stalled) => truth.borrow_mut().stalled = stalled,
        Step::Suspend => {
            let mut t = truth.borrow_mut();
            if [
                abi::SNDRV_PCM_STATE_RUNNING,
                abi::SNDRV_PCM_STATE_PREPARED,
                abi::SNDRV_PCM_STATE_PAUSED,
            ]
            .contains(&t.state)
            {
                t.suspended_state = t.state;
                t.state = abi::SNDRV_PCM_STATE_SUSPENDED;
            }
        }
        Step::Resume => {
            let _ = stream.resume();
        }
        Step::Hostile(hostile) => {
            let mut t = truth.borrow_mut();
            t.hostile = hostile;
            t.stale_since = Some(t.exchanges);
        }
        Step::AckFails => truth.borrow_mut().ack_fails = true,
        Step::PartnerPrepares => {
            stream.linked.set(true);
            truth.borrow_mut().partner_prepares();
        }
        Step::TryPeriod => {
            let _ = stream.try_period_checked(truth);
        }
        Step::Poll(error) => {
            let revents = if error {
                rustix::event::PollFlags::ERR
            } else {
                stream.poll_events()
            };
            let _ = stream.handle_poll(revents);
        }
        Step::Disconnect(None) => truth.borrow_mut().disconnect(),
        Step::Disconnect(Some(frames)) => {
            let mut t = truth.borrow_mut();
            t.disconnect_at = Some(t.clock + frames);
        }
    }
    let (state, xruns, counted, fault_counted) = before;
    let t = truth.borrow();
    let ended_unseen = state == abi::SNDRV_PCM_STATE_XRUN
        && fault_counted != Some(State::Xrun)
        && t.xruns == xruns
        && t.state != abi::SNDRV_PCM_STATE_XRUN
        && stream.xruns == counted;
    if ended_unseen {
        *unseen_xruns += 1;
    }
}

/// The calls of [`Ops`] whose text is the same in both directions (`begin` and
/// `try_period` hand out `&mut [i16]` for playback, `&[i16]` for capture).
macro_rules! same_in_both_directions {
    () => {
        fn try_period_checked(&mut self, truth: &Shared) -> Result<bool> {
            let flow = self.try_period(|period, _| {
                assert_owned_by_application(&truth.borrow(), period);
                ControlFlow::<()>::Continue(())
            })?;
            Ok(flow.is_some())
        }
        fn begin_commit(&mut self, truth: &Shared, max: usize, commit: usize) -> Result<()> {
            let area = self.begin(max);
            let t = truth.borrow();
            // `begin` works from the cached status (the documented contract: `avail` or `wait`
            // first); only the kernel's own moves can make that claim more than it has.
            if t.hostile.is_none() && !t.cache_is_stale() {
                assert_owned_by_application(&t, area);
            }
            drop(t);
            let frames = area.len() / 2;
            self.commit(commit.min(frames))
        }
    };
}

/// The direction-specific calls of the property test.
trait Ops {
    fn run_checked(&mut self, truth: &Shared, periods: u64) -> Result<u64>;
    fn try_period_checked(&mut self, truth: &Shared) -> Result<bool>;
    fn begin_commit(&mut self, truth: &Shared, max: usize, commit: usize) -> Result<()>;
    fn write_or_read(&mut self, truth: &Shared, frames: usize) -> Result<usize>;
}

impl Ops for MmapStream<i16, Playback> {
    fn run_checked(&mut self, truth: &Shared, periods: u64) -> Result<u64> {
        play(self, truth, periods)
    }
    same_in_both_directions!();
    fn write_or_read(&mut self, _: &Shared, frames: usize) -> Result<usize> {
        self.write(&mut core::iter::repeat_n(5i16, frames * 2))
    }
}

impl Ops for MmapStream<i16, Capture> {
    fn run_checked(&mut self, truth: &Shared, periods: u64) -> Result<u64> {
        record(self, truth, periods)
    }
    same_in_both_directions!();
    fn write_or_read(&mut self, _: &Shared, frames: usize) -> Result<usize> {
        Ok(self.iter().take(frames * 2).count())
    }
}

/// `unseen_xruns`: xruns that ended before the stream could see them; `None` once the
/// model has lied about the state, after which no count can be expected to hold.
fn check_invariants<D: StreamDirection>(
    stream: &MmapStream<i16, D>,
    truth: &Shared,
    unseen_xruns: Option<u32>,
) {
    let t = truth.borrow();
    if t.hostile.is_some() {
        return;
    }
    if !t.cache_is_stale() {
        assert_eq!(
            stream.appl_ptr(),
            t.appl_ptr,
            "the stream's application pointer differs from the kernel's"
        );
    }
    assert!(t.hw_ptr < t.boundary && t.appl_ptr < t.boundary);
    if let Some(unseen) = unseen_xruns {
        let pending =
            (t.state == abi::SNDRV_PCM_STATE_XRUN && stream.fault_counted != Some(State::Xrun)) as u32;
        // `Setup::keeps_running`, which needs the `keep-running` feature.
        if stream.setup().stop_threshold >= stream.setup().boundary {
            // It also counts the xruns it finds from the positions, which the kernel never
            // declares.
            assert!(
                stream.xruns() + unseen + pending >= t.xruns,
                "every xrun the kernel declared is counted"
            );
        } else {
            assert_eq!(
                stream.xruns() + unseen + pending,
                t.xruns,
                "every xrun the kernel declared is counted once"
            );
        }
    }
    assert!(t.empty_in_a_row < 8, "busy loop");
}

fn drive<D: StreamDirection>(model: &ModelSetup, steps: &[Step], policy: XrunPolicy)
where
    MmapStream<i16, D>: Ops,
{
    let (mut stream, truth) = open::<D>(model, policy).unwrap();
    let mut unseen = 0;
    let mut lied = false;
    for step in steps {
        apply(&mut stream, &truth, step, &mut unseen);
        lied |= matches!(step, Step::Hostile(Some(_)));
        check_invariants(&stream, &truth, (!lied).then_some(unseen));
        if truth.borrow().state == abi::SNDRV_PCM_STATE_DISCONNECTED && !lied {
            // Nothing recovers a disconnect, nor turns it into another error.
            assert_eq!(stream.avail(), Err(Error::Disconnected), "after {step:?}");
        }
    }
    let t = truth.borrow();
    assert!(
        t.empty_waits as usize <= steps.len(),
        "{} waits returned with nothing to do in {} steps",
        t.empty_waits,
        steps.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512, 32), ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_keeps_the_loop_sound(
        model in model_setup(),
        steps in proptest::collection::vec(step(), 1..40),
        recover in any::<bool>(),
    ) {
        let policy = if recover { XrunPolicy::Recover } else { XrunPolicy::Fail };
        if model.capture {
            drive::<Capture>(&model, &steps, policy);
        } else {
            drive::<Playback>(&model, &steps, policy);
        }
    }
}

#[test]
fn the_model_steps_are_all_reachable() {
    // Keep the Vec import honest: a fixed script through every step once.
    let steps: Vec<Step> = vec![
        Step::Run(2),
        Step::BeginCommit(100, 50),
        Step::Write(300),
        Step::Wait(None),
        Step::Avail,
        Step::Status,
        Step::Pause(true),
        Step::Pause(false),
        Step::Late(3000),
        Step::Recover,
        Step::Run(3),
        Step::Suspend,
        Step::Resume,
        Step::Reset,
        Step::AckFails,
        Step::Run(3),
        Step::PartnerPrepares,
        Step::Run(3),
        Step::Stall(true),
        Step::Run(3),
        Step::Stall(false),
        Step::Hostile(Some(Hostile::HwPtrMax)),
        Step::Run(1),
        Step::Hostile(None),
        Step::Drain,
        Step::Prepare,
        Step::Start,
        Step::Stop,
        Step::Disconnect(Some(100)),
        Step::Start,
        Step::Run(3),
        Step::Disconnect(None),
        Step::Recover,
    ];
    for policy in [XrunPolicy::Fail, XrunPolicy::Recover] {
        for mapped in [false, true] {
            drive::<Playback>(&setup(false, mapped), &steps, policy);
            drive::<Capture>(&setup(true, mapped), &steps, policy);
        }
    }
}

// --- The defects of issue 22, one test each. -----------------------------------------------

/// A capture device that overruns before every period (its stop threshold is below a
/// period): `XrunPolicy::Recover` gives up after `MAX_RECOVERIES_WITHOUT_PERIOD`
/// recoveries instead of recovering forever, and `run_until` sees its stop flag after a
/// recovery although the callback never runs.
#[test]
fn an_xrun_before_every_period_ends_the_recovery() {
    for mapped in [false, true] {
        let model = ModelSetup {
            stop_threshold: 32,
            ..setup(true, mapped)
        };
        let (mut stream, truth) = open::<Capture>(&model, XrunPolicy::Recover).unwrap();
        assert_eq!(
            record(&mut stream, &truth, 4),
            Err(Error::Xrun),
            "mapped: {mapped}"
        );
        assert_eq!(stream.xruns(), MAX_RECOVERIES_WITHOUT_PERIOD + 1);
        // Another run gets as many attempts again.
        assert_eq!(record(&mut stream, &truth, 4), Err(Error::Xrun));

        static STOP: StopFlag = StopFlag::new();
        STOP.lower();
        let (mut stream, truth) = open::<Capture>(&model, XrunPolicy::Recover).unwrap();
        truth.borrow_mut().raise_on_prepare = Some(&STOP);
        let result = stream.run_until(&STOP, |_, _| ControlFlow::<()>::Continue(()));
        assert_eq!(result, Ok(None), "mapped: {mapped}");
        assert_eq!(stream.xruns(), 1, "the flag is seen after the first recovery");
    }
}

/// Frames handed out by `begin` cannot be committed after `run` or `try_period` served
/// periods at a pointer that has moved on (alsa-lib refuses a commit at another offset).
#[test]
fn begin_does_not_survive_the_period_loop() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 6).unwrap();
        assert!(stream.wait(None).unwrap());
        assert!(!stream.begin(100).is_empty());
        play(&mut stream, &truth, 1).unwrap();
        let appl = truth.borrow().appl_ptr;
        assert_eq!(
            stream.commit(100),
            Err(Error::CommitTooLarge),
            "run, mapped: {mapped}"
        );
        assert_eq!(truth.borrow().appl_ptr, appl);

        assert!(stream.wait(None).unwrap());
        assert!(!stream.begin(100).is_empty());
        truth.borrow_mut().hardware(256);
        assert!(stream
            .try_period(|_, _| ControlFlow::<()>::Continue(()))
            .unwrap()
            .is_some());
        assert_eq!(
            stream.commit(100),
            Err(Error::CommitTooLarge),
            "try_period, mapped: {mapped}"
        );
    }
}

/// Mapped transport: a linked partner's prepare during a period (or between `begin` and
/// `commit`) moves the live application pointer; the stream does not write its own over it.
#[test]
fn a_linked_partners_prepare_is_not_overwritten_when_mapped() {
    let (mut stream, truth) = open::<Playback>(&setup(false, true), XrunPolicy::Fail).unwrap();
    stream.linked.set(true);
    play(&mut stream, &truth, 6).unwrap();
    let mut periods = 0;
    stream
        .run(|period, _| {
            period.fill(1);
            periods += 1;
            if periods == 1 {
                truth.borrow_mut().partner_prepares();
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        })
        .unwrap();
    assert_eq!(truth.borrow().appl_ptr, 256, "the stale pointer was published");

    assert!(stream.wait(None).unwrap());
    assert_eq!(stream.begin(256).len(), 512);
    truth.borrow_mut().partner_prepares();
    stream.commit(256).unwrap();
    assert_eq!(truth.borrow().appl_ptr, 0, "the stale pointer was published");
    assert_eq!(play(&mut stream, &truth, 8).unwrap(), 8);
}

/// A stream that ends in the middle of a period: the hardware plays on to the period
/// boundary, and what it plays there is silence, not what an earlier lap left in the
/// buffer. The configured software parameters are back after the next prepare.
#[test]
fn drain_after_a_partial_period_plays_silence_to_the_period_boundary() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 8).unwrap();
        truth.borrow_mut().heard = Some(Vec::new());
        assert!(stream.wait(None).unwrap());
        assert_eq!(stream.write(&mut core::iter::repeat_n(5i16, 200)).unwrap(), 100);
        stream.drain().unwrap();
        let heard = truth.borrow_mut().heard.take().unwrap();
        let end = heard
            .iter()
            .rposition(|&s| s == 5)
            .expect("the last frames were heard");
        let after = &heard[end + 1..];
        assert!(!after.is_empty(), "the model plays to the period boundary");
        assert!(
            after.iter().all(|&s| s == 0),
            "stale frames heard after the end (mapped: {mapped}): {after:?}"
        );
        stream.prepare().unwrap();
        assert_eq!(truth.borrow().silence_size, 0, "the drain's silence outlived it");
        assert_eq!(play(&mut stream, &truth, 8).unwrap(), 8);
    }
}

/// `avail_min` at the stop threshold (by default the buffer) wakes the stream only once it
/// has underrun: such a configuration is refused with a clear error, after negotiation (a
/// nearest match can shrink the buffer under a requested `avail_min`).
#[test]
fn avail_min_at_the_stop_threshold_is_refused() {
    let config = Config::new(Format::S16Le, 2, 48_000).period_size(256).periods(4);
    let negotiated = Negotiated {
        format: Format::S16Le,
        channels: 2,
        rate: 48_000,
        period_size: 256,
        periods: 4,
        buffer_size: 1024,
    };
    let refused = Err(Error::InvalidConfig(
        crate::error::ConfigError::AvailMinNotBelowStopThreshold,
    ));
    let sw = |config: Config| sw_params::<Playback>(&config, &negotiated).map(|_| ());
    assert_eq!(sw(config.avail_min(1024)), refused);
    assert_eq!(sw(config.stop_threshold(512).avail_min(512)), refused);
    // The default `avail_min` (a period) beyond a small stop threshold.
    assert_eq!(sw(config.stop_threshold(100)), refused);
    // Asked of a larger buffer, cut to the one the device gave.
    assert_eq!(sw(config.periods(8).avail_min(2000)), refused);
    assert_eq!(sw(config.avail_min(1023)), Ok(()));
    assert_eq!(sw(config), Ok(()));
    assert_eq!(
        sw_params::<Capture>(&config.avail_min(1024), &negotiated).map(|_| ()),
        refused
    );
}

/// `resume` on a stream that is not suspended is a state error: it neither resumes nor
/// prepares, so queued frames stay queued.
#[test]
fn resume_when_not_suspended_is_a_state_error() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    assert_eq!(stream.begin(100).len(), 200);
    stream.commit(100).unwrap();
    assert_eq!(stream.resume(), Err(Error::BadState(State::Prepared)));
    assert_eq!(truth.borrow().appl_ptr, 100, "queued frames were dropped");
    play(&mut stream, &truth, 6).unwrap();
    assert_eq!(stream.resume(), Err(Error::BadState(State::Running)));
    assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_RUNNING);
}

/// `write` in an xrun queues nothing and returns the xrun, counted once at most, as
/// alsa-lib's `snd_pcm_mmap_writei` returns EPIPE (found by the oracle, `write-in-xrun`).
#[test]
fn writing_in_an_xrun_is_the_xrun_and_queues_nothing() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 6).unwrap();
        truth.borrow_mut().hardware(100_000);
        assert_eq!(stream.status().unwrap().state, State::Xrun);
        let (appl, xruns) = (truth.borrow().appl_ptr, stream.xruns);
        assert_eq!(stream.write(&mut core::iter::repeat(0i16)), Err(Error::Xrun));
        assert_eq!(truth.borrow().appl_ptr, appl, "frames queued in an xrun");
        assert!(stream.xruns <= xruns + 1, "the xrun is counted once at most");
    }
}

/// `write` after a drop (SETUP) queues nothing and is a state error, as alsa-lib's
/// `snd_pcm_mmap_writei` returns EBADFD (`write-outside-streaming-states`); `avail` too
/// (`avail-outside-streaming-states`: the kernel's HWSYNC fails with EBADFD in SETUP).
#[test]
fn writing_or_avail_in_setup_is_a_state_error() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 4).unwrap();
        stream.stop().unwrap();
        let appl = truth.borrow().appl_ptr;
        let mut samples = core::iter::repeat_n(0i16, 200);
        assert_eq!(stream.write(&mut samples), Err(Error::BadState(State::Setup)));
        assert_eq!(truth.borrow().appl_ptr, appl, "frames queued in SETUP");
        assert_eq!(stream.avail(), Err(Error::BadState(State::Setup)));
    }
}

/// A wait that finds `avail_min` already there is ready at once without polling, as
/// `snd_pcm_wait` checks avail before `ppoll` (`wait-misses-readiness`: after a `reset` in
/// PREPARED no wakeup comes, and epoll would sleep to the timeout).
#[test]
fn wait_with_avail_min_there_is_ready_without_polling() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        assert_eq!(stream.begin(100).len(), 200);
        stream.commit(100).unwrap();
        stream.reset().unwrap();
        let polls = truth.borrow().polls;
        assert_eq!(stream.wait(Some(100)), Ok(true));
        assert_eq!(truth.borrow().polls, polls, "polled with avail_min there");
    }
}

/// Mapped transport, with the hardware moving while the status page is read: `status`
/// reports one snapshot, whose pointer, timestamp and avail agree.
#[test]
fn mapped_status_is_one_snapshot() {
    let (mut stream, truth) = open::<Playback>(&setup(false, true), XrunPolicy::Fail).unwrap();
    play(&mut stream, &truth, 4).unwrap();
    truth.borrow_mut().moves_per_status_read = 16;
    let status = stream.status().unwrap();
    let rate = 48_000;
    let audio_ns = status.audio_timestamp.sec as u64 * 1_000_000_000 + status.audio_timestamp.nsec as u64;
    assert_eq!(audio_ns, status.hw_ptr * 1_000_000_000 / rate, "{status:?}");
    assert_eq!(
        status.avail,
        ring::playback_avail(status.hw_ptr, status.appl_ptr, 1024, 1024 << 20)
    );
}

// --- The model held to the kernel. ---------------------------------------------------------

/// `snd_pcm_poll` gives a draining playback stream no events: a wait sleeps until the drain
/// ends (and then reports the stopped stream), it is not ready at once.
#[test]
fn the_model_gives_draining_playback_no_poll_events() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    play(&mut stream, &truth, 4).unwrap();
    truth.borrow_mut().state = abi::SNDRV_PCM_STATE_DRAINING;
    assert_eq!(stream.wait(Some(100)), Err(Error::BadState(State::Setup)));
    assert_eq!(truth.borrow().avail(), 1024, "the drain played everything");
}

/// Prepare after an xrun: the kernel's reset zeroes `hw_ptr` outside the running state
/// (`snd_pcm_lib_ioctl_reset`) and moves `appl_ptr` to it (`snd_pcm_post_prepare`).
#[test]
fn the_model_prepares_like_the_kernel() {
    let (mut stream, truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    play(&mut stream, &truth, 6).unwrap();
    truth.borrow_mut().hardware(100_000);
    assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_XRUN);
    stream.prepare().unwrap();
    let t = truth.borrow();
    assert_eq!((t.hw_ptr, t.appl_ptr, stream.appl_ptr()), (0, 0, 0));
}

/// The kernel's silence filling (`silence_threshold`, `silence_size`): at start, the free
/// part after the queued frames is silenced up to `silence_size` frames, the rest kept.
#[test]
fn the_model_fills_silence_like_the_kernel() {
    let (mut stream, _truth) = open::<Playback>(&setup(false, false), XrunPolicy::Fail).unwrap();
    stream.begin(usize::MAX).fill(7);
    stream.commit(300).unwrap();
    stream.set_silence(1024, 256).unwrap();
    stream.start().unwrap();
    let (dma, _) = stream.kernel.buffer();
    // SAFETY: the model's buffer holds 1024 frames of two `i16`.
    let samples = unsafe { core::slice::from_raw_parts(dma.as_ptr().cast::<i16>(), 2048) };
    assert!(samples[..600].iter().all(|&s| s == 7));
    assert!(samples[600..1112].iter().all(|&s| s == 0));
    assert!(samples[1112..].iter().all(|&s| s == 7));
}

/// `drain` of a stream in an xrun returns the xrun, as alsa-lib's `snd_pcm_drain` (EPIPE),
/// instead of letting the kernel's `DRAIN` end it in SETUP unseen (found by the oracle,
/// `drain-of-an-empty-running-stream`).
#[test]
fn draining_in_an_xrun_is_the_xrun() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 6).unwrap();
        truth.borrow_mut().hardware(100_000);
        assert_eq!(stream.drain(), Err(Error::Xrun), "mapped: {mapped}");
        assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_XRUN);
        assert_eq!(stream.xruns, 1);
        stream.prepare().unwrap();
        assert_eq!(play(&mut stream, &truth, 6).unwrap(), 6);
    }
}

/// `drain` of a running stream with nothing queued (after a reset): the kernel declares the
/// underrun when the drain's silence is set (`snd_pcm_sw_params` runs
/// `snd_pcm_update_state`), which is the xrun, and the silence parameters it kept are
/// undone by the next prepare.
#[test]
fn draining_a_running_stream_with_nothing_queued_is_the_xrun_and_its_silence_is_undone() {
    for mapped in [false, true] {
        let (mut stream, truth) = open::<Playback>(&setup(false, mapped), XrunPolicy::Fail).unwrap();
        play(&mut stream, &truth, 6).unwrap();
        stream.reset().unwrap();
        assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_RUNNING);
        assert_eq!(stream.drain(), Err(Error::Xrun), "mapped: {mapped}");
        assert_eq!(truth.borrow().state, abi::SNDRV_PCM_STATE_XRUN);
        stream.prepare().unwrap();
        assert_eq!(truth.borrow().silence_size, 0, "the drain's silence outlived it");
        assert_eq!(play(&mut stream, &truth, 6).unwrap(), 6);
    }
}
