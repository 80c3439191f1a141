//! A device disconnected (a USB card pulled out) against the kernel model: every call of the
//! stream returns [`Error::Disconnected`], on both transports, both directions and both
//! policies, without recovering, looping or counting an xrun; the model follows
//! `snd_card_disconnect` (every ioctl `ENODEV`, the state `DISCONNECTED` on the status page,
//! a poll error, a drain woken with `ENODEV`).

use super::*;
use crate::error::{Errno, Op};
use crate::sys::Readiness;

/// Kernel calls a stream may make after the disconnect before it returns the error: a few
/// ioctls, not a loop.
const CALLS_AFTER_DISCONNECT: u32 = 4;

/// Where the stream is when the card goes, or what is called after it went.
#[derive(Clone, Copy, Debug)]
enum Call {
    /// In `run`: the card goes while the stream waits for a period.
    Run,
    /// In a program's own loop of `try_period` and `handle_poll`, with the revents of a
    /// poll (an error once the card is gone: `snd_disconnect_poll`).
    TryPeriod,
    /// In a playback `drain`: the card goes while the kernel drains.
    Drain,
    /// These after the card went.
    Wait,
    Avail,
    Status,
    State,
    Delay,
    Prepare,
    Start,
    Stop,
    Pause,
    Reset,
    Resume,
    Rewind,
    Recover,
    WriteOrRead,
    HandlePoll,
}

const CALLS: [Call; 18] = [
    Call::Run,
    Call::TryPeriod,
    Call::Drain,
    Call::Wait,
    Call::Avail,
    Call::Status,
    Call::State,
    Call::Delay,
    Call::Prepare,
    Call::Start,
    Call::Stop,
    Call::Pause,
    Call::Reset,
    Call::Resume,
    Call::Rewind,
    Call::Recover,
    Call::WriteOrRead,
    Call::HandlePoll,
];

/// A program's own event loop until its first error: the model's poll (the wait) gives the
/// revents, `handle_poll` reads them, `try_period` hands out what is there.
fn poll_loop<D: StreamDirection>(stream: &mut MmapStream<i16, D>, truth: &Shared) -> Error
where
    MmapStream<i16, D>: Ops,
{
    for _ in 0..1000 {
        if let Err(e) = stream.try_period_checked(truth) {
            return e;
        }
        let revents = match truth.borrow_mut().wait(1000) {
            Readiness::Ready => stream.poll_events(),
            Readiness::Error => rustix::event::PollFlags::ERR | rustix::event::PollFlags::NVAL,
            Readiness::TimedOut => rustix::event::PollFlags::empty(),
        };
        if let Err(e) = stream.handle_poll(revents) {
            return e;
        }
    }
    panic!("the poll loop went on for 1000 polls after the disconnect");
}

/// `call` on a stream of the model: the card goes during the call (the first three) or
/// before it (the others). The error returned, `None` for a call that made no system call
/// (`write` and the capture iterator work from the last status: the next `avail`, `wait` or
/// period finds the disconnect).
fn disconnected<D: StreamDirection>(model: &ModelSetup, policy: XrunPolicy, call: Call) -> Option<Error>
where
    MmapStream<i16, D>: Ops,
{
    let (mut stream, truth) = open::<D>(model, policy).unwrap();
    // Streaming for a while first, the buffer full (playback) or the stream started.
    stream.run_checked(&truth, 6).unwrap();
    let period = model.period;
    let during = matches!(call, Call::Run | Call::TryPeriod | Call::Drain);
    {
        let mut t = truth.borrow_mut();
        if during {
            // Half a period into the next wait, or a period and a half into the drain.
            let mid = if matches!(call, Call::Drain) {
                period * 3 / 2
            } else {
                period / 2
            };
            t.disconnect_at = Some(t.clock + mid);
        } else {
            t.disconnect();
        }
    }
    let calls = truth.borrow().calls;
    let result = match call {
        Call::Run => stream.run_checked(&truth, 1000).map(drop),
        Call::TryPeriod => Err(poll_loop(&mut stream, &truth)),
        Call::Drain => stream.drain(),
        Call::Wait => stream.wait(None).map(drop),
        Call::Avail => stream.avail().map(drop),
        Call::Status => stream.status().map(drop),
        Call::State => stream.state().map(drop),
        Call::Delay => stream.delay().map(drop),
        Call::Prepare => stream.prepare(),
        Call::Start => stream.start(),
        Call::Stop => stream.stop(),
        Call::Pause => stream.pause(true),
        Call::Reset => stream.reset(),
        Call::Resume => stream.resume(),
        Call::Rewind => stream.rewind(period).map(drop),
        Call::Recover => stream.recover(Error::Disconnected),
        Call::WriteOrRead => stream.write_or_read(&truth, period as usize).map(drop),
        Call::HandlePoll => stream.handle_poll(rustix::event::PollFlags::ERR).map(drop),
    };
    let t = truth.borrow();
    if result.is_ok() {
        assert!(matches!(call, Call::WriteOrRead), "{call:?}: no error");
        assert_eq!(t.calls, calls, "{call:?}: a system call and no error");
    }
    assert_eq!(
        t.state,
        abi::SNDRV_PCM_STATE_DISCONNECTED,
        "{call:?}: the card went"
    );
    if let Some(at) = t.disconnect_at {
        assert!(t.clock <= at, "{call:?}: the hardware moved after the disconnect");
    }
    assert!(
        t.calls - calls <= CALLS_AFTER_DISCONNECT + u32::from(during) * 40,
        "{call:?}: {} kernel calls before the error",
        t.calls - calls
    );
    assert_eq!(stream.xruns(), 0, "{call:?}: the disconnect counted as an xrun");
    assert_eq!(t.xruns, 0);
    drop(t);
    // Asked again, the same answer at once: nothing recovers a disconnect.
    let calls = truth.borrow().calls;
    assert_eq!(stream.avail(), Err(Error::Disconnected), "{call:?}: then avail");
    assert_eq!(
        stream.run_checked(&truth, 1).map(drop),
        Err(Error::Disconnected),
        "{call:?}: then run"
    );
    assert!(truth.borrow().calls - calls <= 2 * CALLS_AFTER_DISCONNECT);
    Some(result.err().unwrap_or(Error::Disconnected))
}

/// Every call, on a card that went, returns [`Error::Disconnected`]: the one error a program
/// matches to drop the stream and wait for the device to come back.
#[test]
fn a_disconnect_is_disconnected_in_every_call() {
    for mapped in [false, true] {
        for policy in [XrunPolicy::Fail, XrunPolicy::Recover] {
            for call in CALLS {
                let context = std::format!("{call:?}, mapped {mapped}, {policy:?}");
                let playback = disconnected::<Playback>(&setup(false, mapped), policy, call);
                assert_eq!(playback, Some(Error::Disconnected), "playback: {context}");
                if !matches!(call, Call::Drain) {
                    let capture = disconnected::<Capture>(&setup(true, mapped), policy, call);
                    assert_eq!(capture, Some(Error::Disconnected), "capture: {context}");
                }
            }
        }
    }
}

/// The kernel's `ENODEV` on an open device is the disconnect; on an open it stays the open's
/// error (no device behind the node), which `errno` still gives.
#[test]
fn enodev_is_the_disconnect_except_on_an_open() {
    assert_eq!(Error::on_device(Op::SyncPtr, Errno::NODEV), Error::Disconnected);
    assert_eq!(Error::on_device(Op::Drain, Errno::NODEV), Error::Disconnected);
    assert_eq!(
        Error::on_device(Op::Drain, Errno::PIPE),
        Error::Sys {
            op: Op::Drain,
            errno: Errno::PIPE
        }
    );
    assert_eq!(
        Error::sys(Op::OpenPcm, Errno::NODEV),
        Error::Sys {
            op: Op::OpenPcm,
            errno: Errno::NODEV
        }
    );
    assert_eq!(Error::Disconnected.errno(), Some(Errno::NODEV));
    let text = std::format!("{}", Error::Disconnected);
    assert!(text.contains("open the device again"), "{text}");
}
